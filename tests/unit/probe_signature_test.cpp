// Raw-socket scanner marks on synthetic frames shaped like the real
// captures (tests/captures/*-range.pcap), and the database's probe entries.
#include <gtest/gtest.h>

#include <string>

#include "probe_signature.hpp"
#include "scan_profile.hpp"
#include "tool_database.hpp"

namespace sipscope::fingerprint {
namespace {

using parser::DecodedFrame;
using parser::TcpOptions;
using parser::Transport;

DecodedFrame probe(uint8_t host, Transport transport, uint16_t ip_id, uint8_t ttl = 255) {
    DecodedFrame frame;
    uint8_t source[4] = {10, 250, 0, 1}, destination[4] = {10, 250, 0, host};
    frame.source = parser::IpAddress::from_ipv4(source);
    frame.destination = parser::IpAddress::from_ipv4(destination);
    frame.transport = transport;
    frame.source_port = 37751;
    frame.destination_port = 5060;
    frame.ip_id = ip_id;
    frame.ttl = ttl;
    return frame;
}

DecodedFrame syn(uint8_t host, uint16_t ip_id, uint16_t window, TcpOptions options, uint32_t sequence) {
    DecodedFrame frame = probe(host, Transport::tcp, ip_id);
    frame.tcp_flags = 0x02;
    frame.tcp_window = window;
    frame.tcp_options = options;
    frame.tcp_sequence = sequence;
    return frame;
}

// Masscan's IP ID: (destination ^ destination port ^ sequence), low 16 bits.
uint16_t masscan_id(uint8_t host, uint32_t sequence) {
    uint32_t destination = 10u << 24 | 250u << 16 | host;
    return static_cast<uint16_t>(destination ^ 5060u ^ sequence);
}

ProbeSignature signature_of(const std::vector<DecodedFrame>& frames) {
    ScanProfile profile;
    for (const auto& frame : frames) profile.observe(frame);
    return profile.probe_signature();
}

TEST(ProbeSignature, EachScannerByItsMarks) {
    std::vector<DecodedFrame> zmap, masscan, nmap_syn, nmap_udp, linux_syn;
    for (uint8_t host = 2; host < 22; ++host) {
        uint32_t sequence = 2697628014u + host * 7919u;
        zmap.push_back(syn(host, 54321, 65535, TcpOptions::none, sequence));
        masscan.push_back(syn(host, masscan_id(host, sequence), 1024, TcpOptions::none, sequence));
        nmap_syn.push_back(syn(host, static_cast<uint16_t>(host * 2741), 1024, TcpOptions::mss_only, 2143288826u));
        nmap_udp.push_back(probe(host, Transport::udp, static_cast<uint16_t>(host * 2741), static_cast<uint8_t>(37 + host)));
        linux_syn.push_back(syn(host, 0, 64240, TcpOptions::other, sequence));
    }
    EXPECT_EQ(signature_of(zmap), ProbeSignature::zmap);
    EXPECT_EQ(signature_of(masscan), ProbeSignature::masscan);
    EXPECT_EQ(signature_of(nmap_syn), ProbeSignature::nmap_syn);
    EXPECT_EQ(signature_of(nmap_udp), ProbeSignature::nmap_udp);
    EXPECT_EQ(signature_of(linux_syn), ProbeSignature::none);
}

TEST(ProbeSignature, WeakOrMixedEvidenceNamesNothing) {
    // Too few packets.
    std::vector<DecodedFrame> three;
    for (uint8_t host = 2; host < 5; ++host) three.push_back(syn(host, 54321, 65535, TcpOptions::none, 1));
    EXPECT_EQ(signature_of(three), ProbeSignature::none);
    // 54321 in 8 packets of 10: an accident, not ZMap.
    std::vector<DecodedFrame> mixed;
    for (uint8_t host = 2; host < 12; ++host) mixed.push_back(syn(host, host < 10 ? 54321 : 7, 65535, TcpOptions::none, 1));
    EXPECT_EQ(signature_of(mixed), ProbeSignature::none);
    // Window 1024 without Masscan's cookie in the IP ID.
    std::vector<DecodedFrame> no_cookie;
    for (uint8_t host = 2; host < 12; ++host) no_cookie.push_back(syn(host, 1234, 1024, TcpOptions::none, 99));
    EXPECT_EQ(signature_of(no_cookie), ProbeSignature::none);
    // Empty UDP with one TTL (a stack's, not Nmap's per-probe one), or from many ports.
    std::vector<DecodedFrame> steady, ports;
    for (uint8_t host = 2; host < 12; ++host) {
        steady.push_back(probe(host, Transport::udp, host, 57));
        DecodedFrame moving = probe(host, Transport::udp, host, static_cast<uint8_t>(37 + host));
        moving.source_port = static_cast<uint16_t>(40000 + host);
        ports.push_back(moving);
    }
    EXPECT_EQ(signature_of(steady), ProbeSignature::none);
    EXPECT_EQ(signature_of(ports), ProbeSignature::none);
}

TEST(ProbeSignature, TheDatabaseNamesEachSignature) {
    auto tools = ToolDatabase::load(SIPSCOPE_TOOL_DB);
    for (auto [signature, name] : {std::pair{ProbeSignature::zmap, "zmap"}, std::pair{ProbeSignature::masscan, "masscan"},
                                   std::pair{ProbeSignature::nmap_syn, "nmap-syn-scan"},
                                   std::pair{ProbeSignature::nmap_udp, "nmap-udp-scan"}}) {
        int tool = tools->tool_for_probe(signature);
        ASSERT_GE(tool, 0) << label(signature);
        EXPECT_EQ(tools->tools()[static_cast<std::size_t>(tool)].name, name);
    }
    EXPECT_EQ(tools->tool_for_probe(ProbeSignature::none), -1);
    // A probe entry needs no SIP condition; a signature names one tool only.
    auto only = ToolDatabase::from_text("[tool]\nname = z\nfamily = zmap\nprobe = zmap\n", "test.conf");
    EXPECT_EQ(only->tool_for_probe(ProbeSignature::zmap), 0);
    EXPECT_EQ(only->tool_for_probe(ProbeSignature::masscan), -1);
    for (auto [text, expected] :
         {std::pair{"[tool]\nname = z\nfamily = x\nprobe = unicornscan\n", "test.conf:4: tool 'z': probe must be"},
          std::pair{"[tool]\nname = a\nfamily = x\nprobe = zmap\n[tool]\nname = b\nfamily = x\nprobe = zmap\n",
                    "test.conf:5: tool 'b': probe signature zmap already names 'a'"}}) {
        try {
            ToolDatabase::from_text(text, "test.conf");
            ADD_FAILURE() << "accepted: " << text;
        } catch (const ToolDatabaseError& error) {
            EXPECT_NE(std::string(error.what()).find(expected), std::string::npos) << error.what();
        }
    }
}

}  // namespace
}  // namespace sipscope::fingerprint
