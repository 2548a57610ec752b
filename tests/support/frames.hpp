// Test support: builds Ethernet/IP/UDP/TCP frames byte by byte.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string_view>
#include <vector>

namespace sipscope::testing_support {

using Bytes = std::vector<uint8_t>;

inline void put16(Bytes& out, uint16_t value) {
    out.push_back(static_cast<uint8_t>(value >> 8));
    out.push_back(static_cast<uint8_t>(value));
}

inline Bytes ethernet(uint16_t ethertype, const Bytes& payload, std::initializer_list<uint16_t> vlan_tpids = {}) {
    Bytes out = {2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2};
    uint16_t vid = 100;
    for (uint16_t tpid : vlan_tpids) {
        put16(out, tpid);
        put16(out, vid++);
    }
    put16(out, ethertype);
    out.insert(out.end(), payload.begin(), payload.end());
    return out;
}

inline Bytes udp(uint16_t source_port, uint16_t destination_port, std::string_view payload) {
    Bytes out;
    put16(out, source_port);
    put16(out, destination_port);
    put16(out, static_cast<uint16_t>(8 + payload.size()));
    put16(out, 0);
    out.insert(out.end(), payload.begin(), payload.end());
    return out;
}

inline Bytes tcp(uint16_t source_port, uint16_t destination_port, std::string_view payload, uint8_t flags = 0x18) {
    Bytes out;
    put16(out, source_port);
    put16(out, destination_port);
    for (int i = 0; i < 8; ++i) out.push_back(0);  // sequence, acknowledgement
    out.push_back(0x50);
    out.push_back(flags);
    put16(out, 1024);
    put16(out, 0);
    put16(out, 0);
    out.insert(out.end(), payload.begin(), payload.end());
    return out;
}

inline Bytes ipv4(std::initializer_list<uint8_t> source, std::initializer_list<uint8_t> destination, uint8_t protocol,
                  const Bytes& payload, uint16_t fragment_field = 0, const Bytes& options = {}) {
    Bytes out;
    out.push_back(static_cast<uint8_t>(0x40 | ((20 + options.size()) / 4)));
    out.push_back(0);
    put16(out, static_cast<uint16_t>(20 + options.size() + payload.size()));
    put16(out, 0x1234);
    put16(out, fragment_field);
    out.push_back(57);
    out.push_back(protocol);
    put16(out, 0);
    out.insert(out.end(), source);
    out.insert(out.end(), destination);
    out.insert(out.end(), options.begin(), options.end());
    out.insert(out.end(), payload.begin(), payload.end());
    return out;
}

inline Bytes ipv6(uint8_t source_last, uint8_t destination_last, uint8_t next_header, const Bytes& payload) {
    Bytes out = {0x60, 0, 0, 0};
    put16(out, static_cast<uint16_t>(payload.size()));
    out.push_back(next_header);
    out.push_back(64);
    Bytes source = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, source_last};
    Bytes destination = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, destination_last};
    out.insert(out.end(), source.begin(), source.end());
    out.insert(out.end(), destination.begin(), destination.end());
    out.insert(out.end(), payload.begin(), payload.end());
    return out;
}

}  // namespace sipscope::testing_support
