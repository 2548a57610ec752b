// L2–L4 decode of one Ethernet frame into views of the caller's bytes.
//
// Pure function of a byte span: no DPDK types, no allocation, never reads
// outside [frame, frame + length). Called by the worker lcore once per
// packet (and by the owning worker again for a handed-off packet).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "frame_outcome.hpp"
#include "ip_address.hpp"

namespace sipscope::parser {

enum class Transport : uint8_t { none = 0, udp, tcp };

// A TCP header's options, as far as scanner fingerprints need them.
enum class TcpOptions : uint8_t { none, mss_only, other };

struct DecodedFrame {
    FrameOutcome outcome = FrameOutcome::ok;
    Transport transport = Transport::none;
    bool is_ipv6 = false;
    // A first fragment (more-fragments set, offset 0): its payload holds the
    // start of the transport message, which is parsed; the rest is not here.
    bool is_first_fragment = false;
    // Any IP fragment (first or later). `reassembly_header_length` is what
    // a reassembler needs beyond the L2 length: the IPv4 header, or the
    // IPv6 header plus a fragment header right after it; 0 when the
    // fragment header sits behind other extension headers.
    bool is_fragment = false;
    uint8_t l2_length = 0;   // Ethernet and VLAN tags: where the IP header starts
    uint16_t reassembly_header_length = 0;
    uint8_t vlan_tags = 0;
    uint8_t ttl = 0;         // IPv4 TTL or IPv6 hop limit
    uint8_t tcp_flags = 0;
    TcpOptions tcp_options = TcpOptions::other;
    uint16_t tcp_window = 0;
    uint32_t tcp_sequence = 0;
    uint16_t ip_id = 0;      // IPv4 identification (0 for IPv6)
    uint16_t source_port = 0;
    uint16_t destination_port = 0;
    IpAddress source;
    IpAddress destination;
    // Transport payload, clipped to what the frame holds and to what the IP
    // and UDP lengths announce (Ethernet padding is not payload).
    const uint8_t* payload = nullptr;
    uint32_t payload_length = 0;

    std::span<const uint8_t> payload_span() const { return {payload, payload_length}; }
    bool has_addresses() const {
        return outcome == FrameOutcome::ok || outcome == FrameOutcome::other_transport ||
               outcome == FrameOutcome::ipv4_later_fragment ||
               outcome == FrameOutcome::ipv6_later_fragment;
    }
};

// Decodes Ethernet II with up to two 802.1Q/802.1ad tags, IPv4 (options,
// fragments) or IPv6 (extension headers), then UDP or TCP, into `result`.
//
// The hot path decodes in place, where the frame stays: copying a frame
// right after it was written reads it back through stores that have not
// reached the cache yet (the decoder writes fields of many sizes, a copy
// reads 16 or 32 bytes at a time, so the loads cannot be forwarded from
// the stores and wait for them). Behind a burst's packet copies (a PMD
// that copies, such as net_pcap) that wait cost the worker ~150 ns per
// packet on an Intel Xeon (mix traffic: rx stage 282–290 ns with the
// copy, 132–147 ns without).
void decode_frame(std::span<const uint8_t> frame, DecodedFrame& result);

// The same, returning the frame (tests and tools, where a copy costs nothing).
DecodedFrame decode_frame(std::span<const uint8_t> frame);

}  // namespace sipscope::parser
