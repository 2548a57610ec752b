// L2–L4 decode. Every read is preceded by a length check against the bytes
// that remain; every failure returns a distinct FrameOutcome.
#include "frame_decoder.hpp"

#include <memory>
#include <type_traits>

namespace sipscope::parser {
namespace {

constexpr uint16_t kEthertypeIpv4 = 0x0800;
constexpr uint16_t kEthertypeIpv6 = 0x86dd;
constexpr uint16_t kEthertypeVlan = 0x8100;
constexpr uint16_t kEthertypeQinQ = 0x88a8;
constexpr uint16_t kEthertypeQinQLegacy = 0x9100;

constexpr uint8_t kProtocolTcp = 6;
constexpr uint8_t kProtocolUdp = 17;
// IPv6 extension headers that may precede the transport header.
constexpr uint8_t kIpv6HopByHop = 0;
constexpr uint8_t kIpv6Routing = 43;
constexpr uint8_t kIpv6Fragment = 44;
constexpr uint8_t kIpv6DestinationOptions = 60;
constexpr uint8_t kIpv6Authentication = 51;
constexpr unsigned kMaxIpv6ExtensionHeaders = 8;

inline uint16_t read_u16(const uint8_t* at) { return static_cast<uint16_t>(at[0] << 8 | at[1]); }
inline uint32_t read_u32(const uint8_t* at) {
    return static_cast<uint32_t>(at[0]) << 24 | static_cast<uint32_t>(at[1]) << 16 | static_cast<uint32_t>(at[2]) << 8 | at[3];
}

// Decodes the transport header at `at` holding `length` bytes of IP payload.
// `complete` is false for a first fragment, whose IP payload is only a part
// of the transport message (the UDP length then covers more than we hold).
void decode_transport(DecodedFrame& result, uint8_t protocol, const uint8_t* at, uint32_t length,
                      bool complete) {
    if (protocol == kProtocolUdp) {
        if (length < 8) {
            result.outcome = FrameOutcome::truncated_udp;
            return;
        }
        result.transport = Transport::udp;
        result.source_port = read_u16(at);
        result.destination_port = read_u16(at + 2);
        uint16_t udp_length = read_u16(at + 4);
        if (udp_length < 8 || (complete && udp_length > length)) {
            result.outcome = FrameOutcome::bad_udp_length;
            return;
        }
        uint32_t payload_length = udp_length - 8u;
        if (payload_length > length - 8) payload_length = length - 8;  // first fragment
        result.payload = at + 8;
        result.payload_length = payload_length;
        return;
    }
    if (protocol == kProtocolTcp) {
        if (length < 20) {
            result.outcome = FrameOutcome::truncated_tcp;
            return;
        }
        result.transport = Transport::tcp;
        result.source_port = read_u16(at);
        result.destination_port = read_u16(at + 2);
        result.tcp_flags = at[13];
        uint32_t header_length = (at[12] >> 4) * 4u;
        if (header_length < 20 || header_length > length) {
            result.outcome = FrameOutcome::bad_tcp_header_length;
            return;
        }
        // What raw-socket scanners leave in a SYN (tool naming of port-only
        // scans): the sequence number, the window, and whether the options
        // are none, one MSS (Nmap), or anything else.
        result.tcp_sequence = read_u32(at + 4);
        result.tcp_window = read_u16(at + 14);
        if (header_length == 20) result.tcp_options = TcpOptions::none;
        else if (header_length == 24 && at[20] == 2 && at[21] == 4) result.tcp_options = TcpOptions::mss_only;
        else result.tcp_options = TcpOptions::other;
        result.payload = at + header_length;
        result.payload_length = length - header_length;
        return;
    }
    result.outcome = FrameOutcome::other_transport;
}

void decode_ipv4(DecodedFrame& result, const uint8_t* at, uint32_t length) {
    if (length < 20) {
        result.outcome = FrameOutcome::truncated_ipv4;
        return;
    }
    if ((at[0] >> 4) != 4) {
        result.outcome = FrameOutcome::bad_ipv4_version;
        return;
    }
    uint32_t header_length = (at[0] & 0x0f) * 4u;
    if (header_length < 20 || header_length > length) {
        result.outcome = FrameOutcome::bad_ipv4_header_length;
        return;
    }
    uint16_t total_length = read_u16(at + 2);
    // A capture may hold less than the datagram (snap length); the IP
    // total length may never be shorter than the header it covers.
    if (total_length < header_length) {
        result.outcome = FrameOutcome::bad_ipv4_total_length;
        return;
    }
    uint32_t held = total_length < length ? total_length : length;
    result.ip_id = read_u16(at + 4);
    result.ttl = at[8];
    result.source = IpAddress::from_ipv4(at + 12);
    result.destination = IpAddress::from_ipv4(at + 16);
    uint16_t fragment_field = read_u16(at + 6);
    bool more_fragments = (fragment_field & 0x2000) != 0;
    uint16_t fragment_offset = fragment_field & 0x1fff;
    if (more_fragments || fragment_offset != 0) {
        result.is_fragment = true;
        result.reassembly_header_length = static_cast<uint16_t>(header_length);
    }
    if (fragment_offset != 0) {
        result.outcome = FrameOutcome::ipv4_later_fragment;
        return;
    }
    result.is_first_fragment = more_fragments;
    bool complete = !more_fragments && total_length <= length;
    decode_transport(result, at[9], at + header_length, held - header_length, complete);
}

void decode_ipv6(DecodedFrame& result, const uint8_t* at, uint32_t length) {
    if (length < 40) {
        result.outcome = FrameOutcome::truncated_ipv6;
        return;
    }
    if ((at[0] >> 4) != 6) {
        result.outcome = FrameOutcome::bad_ipv6_version;
        return;
    }
    result.is_ipv6 = true;
    result.ttl = at[7];
    result.source = IpAddress::from_ipv6(at + 8);
    result.destination = IpAddress::from_ipv6(at + 24);
    uint32_t payload_length = read_u16(at + 4);
    if (payload_length == 0) {  // jumbogram or bogus: neither is SIP we can use
        result.outcome = FrameOutcome::bad_ipv6_payload_length;
        return;
    }
    uint32_t held = length - 40;
    if (payload_length < held) held = payload_length;
    bool complete = payload_length <= length - 40;
    const uint8_t* cursor = at + 40;
    uint8_t next_header = at[6];
    for (unsigned hops = 0;; ++hops) {
        switch (next_header) {
            case kIpv6HopByHop:
            case kIpv6Routing:
            case kIpv6DestinationOptions:
            case kIpv6Authentication:
            case kIpv6Fragment: {
                if (hops == kMaxIpv6ExtensionHeaders || held < 8) {
                    result.outcome = FrameOutcome::truncated_ipv6_extension;
                    return;
                }
                uint32_t extension_length;
                if (next_header == kIpv6Fragment) {
                    extension_length = 8;
                    uint16_t offset_field = read_u16(cursor + 2);
                    // Offset 0 without more fragments is an atomic
                    // fragment (RFC 6946): a whole datagram.
                    if ((offset_field & 0xfff9) != 0) {
                        result.is_fragment = true;
                        if (hops == 0) result.reassembly_header_length = 40 + 8;
                    }
                    if ((offset_field & 0xfff8) != 0) {
                        result.outcome = FrameOutcome::ipv6_later_fragment;
                        return;
                    }
                    if (offset_field & 0x1) {
                        result.is_first_fragment = true;
                        complete = false;
                    }
                } else if (next_header == kIpv6Authentication) {
                    extension_length = (cursor[1] + 2u) * 4u;
                } else {
                    extension_length = (cursor[1] + 1u) * 8u;
                }
                if (extension_length > held) {
                    result.outcome = FrameOutcome::truncated_ipv6_extension;
                    return;
                }
                next_header = cursor[0];
                cursor += extension_length;
                held -= extension_length;
                break;
            }
            default:
                decode_transport(result, next_header, cursor, held, complete);
                return;
        }
    }
}

}  // namespace

void decode_frame(std::span<const uint8_t> frame, DecodedFrame& result) {
    // Initialised in place, as for every packet: `result = DecodedFrame{}`
    // zeroed a temporary and copied it with loads that spanned its stores
    // (two store-forwarding stalls per packet).
    static_assert(std::is_trivially_destructible_v<DecodedFrame>, "constructed over a live one");
    std::construct_at(&result);
    const uint8_t* at = frame.data();
    uint32_t length = static_cast<uint32_t>(frame.size());
    if (length < 14) {
        result.outcome = FrameOutcome::truncated_ethernet;
        return;
    }
    uint16_t ethertype = read_u16(at + 12);
    at += 14;
    length -= 14;
    while (ethertype == kEthertypeVlan || ethertype == kEthertypeQinQ ||
           ethertype == kEthertypeQinQLegacy) {
        if (result.vlan_tags == 2) {
            result.outcome = FrameOutcome::too_many_vlan_tags;
            return;
        }
        if (length < 4) {
            result.outcome = FrameOutcome::truncated_vlan;
            return;
        }
        ++result.vlan_tags;
        ethertype = read_u16(at + 2);
        at += 4;
        length -= 4;
    }
    result.l2_length = static_cast<uint8_t>(at - frame.data());
    if (ethertype == kEthertypeIpv4) {
        decode_ipv4(result, at, length);
    } else if (ethertype == kEthertypeIpv6) {
        decode_ipv6(result, at, length);
    } else {
        result.outcome = FrameOutcome::non_ip_ethertype;
    }
}

DecodedFrame decode_frame(std::span<const uint8_t> frame) {
    DecodedFrame result;
    decode_frame(frame, result);
    return result;
}

}  // namespace sipscope::parser
