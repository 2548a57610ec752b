// An IPv4 or IPv6 address in one 16-byte form.
//
// IPv4 addresses are stored IPv4-mapped (::ffff:a.b.c.d, RFC 4291 2.5.5.2)
// so that one key type, one hash and one comparison serve both families.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

namespace sipscope::parser {

// 8-byte aligned: it is the flow table's key, and rte_hash_crc reads keys
// as 64-bit words.
struct alignas(8) IpAddress {
    std::array<uint8_t, 16> bytes{};

    static IpAddress from_ipv4(const uint8_t* network_order) {
        IpAddress address;
        address.bytes[10] = 0xff;
        address.bytes[11] = 0xff;
        std::memcpy(address.bytes.data() + 12, network_order, 4);
        return address;
    }
    static IpAddress from_ipv6(const uint8_t* network_order) {
        IpAddress address;
        std::memcpy(address.bytes.data(), network_order, 16);
        return address;
    }

    bool is_ipv4() const {
        static constexpr uint8_t kMappedPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        return std::memcmp(bytes.data(), kMappedPrefix, sizeof kMappedPrefix) == 0;
    }
    // The last 32 bits, host order: the IPv4 address for IPv4.
    uint32_t low32() const {
        return static_cast<uint32_t>(bytes[12]) << 24 | static_cast<uint32_t>(bytes[13]) << 16 |
               static_cast<uint32_t>(bytes[14]) << 8 | bytes[15];
    }
    // The bytes a hash over "the address" should see: 4 for IPv4, 16 for IPv6.
    const uint8_t* significant_bytes() const { return is_ipv4() ? bytes.data() + 12 : bytes.data(); }
    std::size_t significant_length() const { return is_ipv4() ? 4 : 16; }

    bool operator==(const IpAddress&) const = default;
    auto operator<=>(const IpAddress&) const = default;

    // Text form: dotted quad for IPv4, RFC 5952 for IPv6.
    std::string to_string() const;
    // The same into `out` (at least 46 bytes), without allocating; returns
    // the length written.
    std::size_t format(char* out, std::size_t capacity) const;
    // Parses either family; nullopt on anything else.
    static std::optional<IpAddress> parse(std::string_view text);
};

// An address as text without allocating (for event writers).
struct AddressText {
    explicit AddressText(const IpAddress& address) : length(address.format(text, sizeof text)) {}
    std::string_view view() const { return {text, length}; }
    char text[48];
    std::size_t length;
};

// For hash containers on the control plane (the data path hashes with
// rte_hash_crc): the two halves of the 16 bytes, mixed.
struct IpAddressHash {
    std::size_t operator()(const IpAddress& address) const {
        uint64_t high = 0, low = 0;
        std::memcpy(&high, address.bytes.data(), 8);
        std::memcpy(&low, address.bytes.data() + 8, 8);
        uint64_t x = high * 0x9e3779b97f4a7c15ULL ^ low;
        x ^= x >> 33;
        x *= 0xff51afd7ed558ccdULL;
        x ^= x >> 33;
        return static_cast<std::size_t>(x);
    }
};

// A network (address and prefix length), e.g. a watched /16.
struct IpNetwork {
    IpAddress address;
    unsigned prefix_length = 0;  // counted on the 128-bit form (IPv4 /16 → 112)

    bool contains(const IpAddress& candidate) const;
    std::string to_string() const;
    // "192.0.2.0/24", "2001:db8::/32"; a bare address is a host route.
    static std::optional<IpNetwork> parse(std::string_view text);
};

}  // namespace sipscope::parser
