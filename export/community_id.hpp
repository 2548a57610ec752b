// Community ID v1 (github.com/corelight/community-id-spec): the flow hash
// Zeek, Suricata and Elastic put on their records, so that a SIEM can join
// a sipscope flow to their records of the same connection.
//
// The hash is over the 5-tuple with the endpoints in a fixed order (the
// smaller address, or the smaller port on equal addresses, first), so both
// directions of a connection get the same ID. Control lcore only.
#pragma once

#include <cstdint>
#include <string_view>

#include "ip_address.hpp"

namespace sipscope::exporter {

struct CommunityId {
    char text[32];  // "1:" and 28 characters of base64 (a SHA-1 digest)
    uint8_t length = 0;
    std::string_view view() const { return {text, length}; }
};

// `protocol` is the IP protocol number (6 TCP, 17 UDP). Both addresses
// must be of one family (IPv4 or IPv6); otherwise the result is empty.
CommunityId community_id_v1(const parser::IpAddress& source, uint16_t source_port,
                            const parser::IpAddress& destination, uint16_t destination_port, uint8_t protocol,
                            uint16_t seed = 0);

}  // namespace sipscope::exporter
