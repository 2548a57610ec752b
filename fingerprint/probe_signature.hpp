// Naming the raw-socket scanner behind a port-only scan (empty UDP, non-SIP
// UDP, TCP SYN to a SIP port). These tools write their IP and TCP headers
// themselves and leave marks no operating system's stack leaves
// (paper section IV: "fields such as the Time-To-Live or the IP
// identification number will also be set by the tool itself"). Each mark
// below was read in the tool's source and seen in a real capture
// (tests/captures/*-range.pcap, scripts/capture-real-tools):
//   zmap      IPv4 ID 54321 in every probe, TTL 255 (ZMap 2.1.1, SYN and UDP);
//   masscan   SYN, window 1024, no option, IPv4 ID = (destination ^
//             destination port ^ sequence) & 0xffff (Masscan 1.3.2);
//   nmap-syn  SYN, window 1024/2048/3072/4096, one option, MSS (Nmap 7.93 -sS);
//   nmap-udp  empty UDP from one source port with a TTL that changes from
//             probe to probe (Nmap 7.93 -sU draws it per probe: 37 to 59 seen).
// A packet signature is weaker evidence than a SIP fingerprint: the tool is
// named with confidence kProbeConfidence, and a SIP match replaces it.
// No DPDK; no allocation.
#pragma once

#include "labelled_enum.hpp"

#include <cstdint>

#include "frame_decoder.hpp"

namespace sipscope::fingerprint {

#define SIPSCOPE_PROBE_SIGNATURES(X) \
    X(none, "none")                  \
    X(zmap, "zmap")                  \
    X(masscan, "masscan")            \
    X(nmap_syn, "nmap-syn")          \
    X(nmap_udp, "nmap-udp")

SIPSCOPE_LABELLED_ENUM(ProbeSignature, SIPSCOPE_PROBE_SIGNATURES, kProbeSignatureCount, kProbeSignatureLabels)

inline constexpr float kProbeConfidence = 0.5f;

// Marks counted over every packet of a flow (probes and SIP requests).
struct ProbeEvidence {
    static constexpr uint32_t kMinimumPackets = 4;  // packets before a signature is named
    uint32_t ipv4 = 0;
    uint32_t zmap_ip_id = 0;
    uint32_t tcp_syn = 0;
    uint32_t masscan_syn = 0;
    uint32_t nmap_syn = 0;
    uint32_t udp_empty = 0;
    uint32_t udp = 0;

    void observe(const parser::DecodedFrame& frame);
    // The signature the marks show (nine in ten packets of its kind, at
    // least kMinimumPackets); `ttl_range` is the flow's highest TTL minus
    // its lowest, `one_source_port` whether every packet came from one port.
    ProbeSignature signature(unsigned ttl_range, bool one_source_port) const;
};

}  // namespace sipscope::fingerprint
