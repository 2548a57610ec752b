// The outcome of decoding one frame's L2–L4 headers.
//
// One list expands to the enum and to the label strings the exporter uses
// (`sipscope_frames_total{outcome="…"}`), so a new reason cannot be counted
// without also being named. Every value other than `ok` is a distinct
// reason a frame carried no transport payload we could look at.
#pragma once

#include "labelled_enum.hpp"

#include <array>
#include <cstdint>
#include <string_view>

namespace sipscope::parser {

#define SIPSCOPE_FRAME_OUTCOMES(X)                                         \
    X(ok, "ok")                                                            \
    X(truncated_ethernet, "truncated_ethernet")                            \
    X(truncated_vlan, "truncated_vlan")                                    \
    X(too_many_vlan_tags, "too_many_vlan_tags")                            \
    X(non_ip_ethertype, "non_ip_ethertype")                                \
    X(truncated_ipv4, "truncated_ipv4")                                    \
    X(bad_ipv4_version, "bad_ipv4_version")                                \
    X(bad_ipv4_header_length, "bad_ipv4_header_length")                    \
    X(bad_ipv4_total_length, "bad_ipv4_total_length")                      \
    X(ipv4_later_fragment, "ipv4_later_fragment")                          \
    X(truncated_ipv6, "truncated_ipv6")                                    \
    X(bad_ipv6_version, "bad_ipv6_version")                                \
    X(bad_ipv6_payload_length, "bad_ipv6_payload_length")                  \
    X(truncated_ipv6_extension, "truncated_ipv6_extension")                \
    X(ipv6_later_fragment, "ipv6_later_fragment")                          \
    X(other_transport, "other_transport")                                  \
    X(truncated_udp, "truncated_udp")                                      \
    X(bad_udp_length, "bad_udp_length")                                    \
    X(truncated_tcp, "truncated_tcp")                                      \
    X(bad_tcp_header_length, "bad_tcp_header_length")

SIPSCOPE_LABELLED_ENUM(FrameOutcome, SIPSCOPE_FRAME_OUTCOMES, kFrameOutcomeCount, kFrameOutcomeLabels)

}  // namespace sipscope::parser
