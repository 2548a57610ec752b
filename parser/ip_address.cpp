// Text conversions for IpAddress and IpNetwork: start-up configuration,
// event formatting, and format() per SIP request on the worker.
#include "ip_address.hpp"

#include <arpa/inet.h>

#include <array>
#include <charconv>
#include <cstring>

namespace sipscope::parser {

std::string IpAddress::to_string() const {
    char text[INET6_ADDRSTRLEN] = {};
    if (is_ipv4()) {
        inet_ntop(AF_INET, bytes.data() + 12, text, sizeof text);
    } else {
        inet_ntop(AF_INET6, bytes.data(), text, sizeof text);
    }
    return text;
}

namespace {

// Each octet's decimal text, padded to 4 bytes so that one 4-byte store
// writes it (the next octet's store overwrites the padding).
struct OctetText {
    char text[4];
    uint8_t length;
};
constexpr std::array<OctetText, 256> build_octet_texts() {
    std::array<OctetText, 256> texts{};
    for (unsigned octet = 0; octet < 256; ++octet) {
        OctetText& entry = texts[octet];
        unsigned length = 0;
        if (octet >= 100) entry.text[length++] = static_cast<char>('0' + octet / 100);
        if (octet >= 10) entry.text[length++] = static_cast<char>('0' + octet / 10 % 10);
        entry.text[length++] = static_cast<char>('0' + octet % 10);
        entry.text[length++] = '.';
        entry.length = static_cast<uint8_t>(length);
    }
    return texts;
}
constexpr std::array<OctetText, 256> kOctetTexts = build_octet_texts();

}  // namespace

std::size_t IpAddress::format(char* out, std::size_t capacity) const {
    if (capacity == 0) return 0;
    out[0] = '\0';
    if (is_ipv4() && capacity >= 16) {
        // By hand: inet_ntop formats through sprintf, and this runs per
        // SIP request (the fingerprint's address substitution). Each octet
        // is written with its dot; the last dot becomes the terminator.
        std::size_t length = 0;
        for (int part = 0; part < 4; ++part) {
            const OctetText& octet = kOctetTexts[bytes[12 + part]];
            std::memcpy(out + length, octet.text, 4);
            length += octet.length;
        }
        out[--length] = '\0';
        return length;
    }
    if (is_ipv4()) {
        inet_ntop(AF_INET, bytes.data() + 12, out, static_cast<socklen_t>(capacity));
    } else {
        inet_ntop(AF_INET6, bytes.data(), out, static_cast<socklen_t>(capacity));
    }
    return std::strlen(out);
}

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
    std::string copy(text);
    uint8_t buffer[16];
    if (inet_pton(AF_INET, copy.c_str(), buffer) == 1) return from_ipv4(buffer);
    if (inet_pton(AF_INET6, copy.c_str(), buffer) == 1) return from_ipv6(buffer);
    return std::nullopt;
}

bool IpNetwork::contains(const IpAddress& candidate) const {
    unsigned full_bytes = prefix_length / 8;
    if (std::memcmp(address.bytes.data(), candidate.bytes.data(), full_bytes) != 0) return false;
    unsigned remaining_bits = prefix_length % 8;
    if (remaining_bits == 0) return true;
    uint8_t mask = static_cast<uint8_t>(0xff00u >> remaining_bits);
    return (address.bytes[full_bytes] & mask) == (candidate.bytes[full_bytes] & mask);
}

std::string IpNetwork::to_string() const {
    unsigned shown = address.is_ipv4() ? prefix_length - 96 : prefix_length;
    return address.to_string() + "/" + std::to_string(shown);
}

std::optional<IpNetwork> IpNetwork::parse(std::string_view text) {
    auto slash = text.find('/');
    auto parsed = IpAddress::parse(text.substr(0, slash));
    if (!parsed) return std::nullopt;
    unsigned family_bits = parsed->is_ipv4() ? 32 : 128;
    unsigned length = family_bits;
    if (slash != std::string_view::npos) {
        auto digits = text.substr(slash + 1);
        auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), length);
        if (error != std::errc() || end != digits.data() + digits.size() || digits.empty() ||
            length > family_bits) {
            return std::nullopt;
        }
    }
    IpNetwork network;
    network.address = *parsed;
    network.prefix_length = parsed->is_ipv4() ? length + 96 : length;
    // Clear host bits so that equal networks compare equal when printed.
    for (unsigned bit = network.prefix_length; bit < 128; ++bit) {
        network.address.bytes[bit / 8] &= static_cast<uint8_t>(~(0x80u >> (bit % 8)));
    }
    return network;
}

}  // namespace sipscope::parser
