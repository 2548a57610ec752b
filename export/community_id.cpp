// Community ID v1: SHA-1 over seed, addresses, protocol, a zero byte and
// the ports (all in network order), base64-encoded, with the version "1:".
#include "community_id.hpp"

#include <openssl/evp.h>
#include <openssl/sha.h>

#include <algorithm>
#include <array>
#include <memory>
#include <cstring>

namespace sipscope::exporter {

CommunityId community_id_v1(const parser::IpAddress& source, uint16_t source_port,
                            const parser::IpAddress& destination, uint16_t destination_port, uint8_t protocol,
                            uint16_t seed) {
    CommunityId id;
    if (source.is_ipv4() != destination.is_ipv4()) return id;
    const std::size_t address_length = source.significant_length();
    const uint8_t* first = source.significant_bytes();
    const uint8_t* second = destination.significant_bytes();
    uint16_t first_port = source_port, second_port = destination_port;
    // The spec's order: the smaller endpoint first, comparing the address
    // bytes and then the port.
    int order = std::memcmp(first, second, address_length);
    if (order > 0 || (order == 0 && first_port > second_port)) {
        std::swap(first, second);
        std::swap(first_port, second_port);
    }
    std::array<uint8_t, 2 + 16 + 16 + 2 + 4> input{};
    std::size_t length = 0;
    input[length++] = static_cast<uint8_t>(seed >> 8);
    input[length++] = static_cast<uint8_t>(seed);
    std::memcpy(input.data() + length, first, address_length);
    length += address_length;
    std::memcpy(input.data() + length, second, address_length);
    length += address_length;
    input[length++] = protocol;
    input[length++] = 0;  // padding
    input[length++] = static_cast<uint8_t>(first_port >> 8);
    input[length++] = static_cast<uint8_t>(first_port);
    input[length++] = static_cast<uint8_t>(second_port >> 8);
    input[length++] = static_cast<uint8_t>(second_port);

    // The digest fetched once: OpenSSL 3's one-shot SHA1() looks the
    // algorithm up (under a lock) on every call, a cost per event. The
    // context is kept per thread too: EVP_Digest allocates, clears and
    // frees one per call.
    static EVP_MD* const sha1 = EVP_MD_fetch(nullptr, "SHA1", nullptr);
    struct ContextDeleter {
        void operator()(EVP_MD_CTX* context) const { EVP_MD_CTX_free(context); }
    };
    thread_local std::unique_ptr<EVP_MD_CTX, ContextDeleter> context(EVP_MD_CTX_new());
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int digest_length = 0;
    if (sha1 == nullptr || !context || EVP_DigestInit_ex2(context.get(), sha1, nullptr) != 1 ||
        EVP_DigestUpdate(context.get(), input.data(), length) != 1 ||
        EVP_DigestFinal_ex(context.get(), digest.data(), &digest_length) != 1 || digest_length != SHA_DIGEST_LENGTH)
        return id;
    id.text[0] = '1';
    id.text[1] = ':';
    int encoded = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(id.text + 2), digest.data(), SHA_DIGEST_LENGTH);
    id.length = static_cast<uint8_t>(2 + encoded);
    return id;
}

}  // namespace sipscope::exporter
