// Raw-socket scanner marks; see probe_signature.hpp for where each comes from.
#include "probe_signature.hpp"

namespace sipscope::fingerprint {

namespace {

constexpr uint16_t kZmapIpId = 54321;
constexpr uint8_t kTcpSyn = 0x02, kTcpAck = 0x10;

bool most(uint32_t marked, uint32_t of) { return of >= ProbeEvidence::kMinimumPackets && marked * 10 >= of * 9; }

}  // namespace

void ProbeEvidence::observe(const parser::DecodedFrame& frame) {
    if (!frame.is_ipv6) {
        ++ipv4;
        if (frame.ip_id == kZmapIpId) ++zmap_ip_id;
    }
    if (frame.transport == parser::Transport::udp) {
        ++udp;
        if (frame.payload_length == 0) ++udp_empty;
        return;
    }
    if (frame.transport != parser::Transport::tcp || (frame.tcp_flags & (kTcpSyn | kTcpAck)) != kTcpSyn) return;
    ++tcp_syn;
    uint16_t window = frame.tcp_window;
    if (!frame.is_ipv6 && window == 1024 && frame.tcp_options == parser::TcpOptions::none) {
        uint32_t destination = frame.destination.low32();
        uint16_t cookie = static_cast<uint16_t>(destination ^ frame.destination_port ^ frame.tcp_sequence);
        if (frame.ip_id == cookie) ++masscan_syn;
    }
    bool nmap_window = window == 1024 || window == 2048 || window == 3072 || window == 4096;
    if (nmap_window && frame.tcp_options == parser::TcpOptions::mss_only) ++nmap_syn;
}

ProbeSignature ProbeEvidence::signature(unsigned ttl_range, bool one_source_port) const {
    if (most(zmap_ip_id, ipv4)) return ProbeSignature::zmap;
    if (most(masscan_syn, tcp_syn)) return ProbeSignature::masscan;
    if (most(nmap_syn, tcp_syn)) return ProbeSignature::nmap_syn;
    if (most(udp_empty, udp) && one_source_port && ttl_range > 2) return ProbeSignature::nmap_udp;
    return ProbeSignature::none;
}

}  // namespace sipscope::fingerprint
