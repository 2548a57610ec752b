// The paper's fingerprint (section IV-B): its own examples as tests.
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "header_fingerprint.hpp"

namespace sipscope::fingerprint {
namespace {

using parser::DecodedFrame;
using parser::SipMessage;

constexpr std::string_view kMarker = "\u2591";

DecodedFrame frame_between(const char* source, uint16_t source_port, const char* destination, uint16_t destination_port) {
    DecodedFrame frame;
    frame.source = *parser::IpAddress::parse(source);
    frame.destination = *parser::IpAddress::parse(destination);
    frame.source_port = source_port;
    frame.destination_port = destination_port;
    return frame;
}

void add(HeaderFingerprint& fingerprint, const std::string& text, const DecodedFrame& frame) {
    SipMessage message;
    ASSERT_TRUE(parser::parse_sip_message({reinterpret_cast<const uint8_t*>(text.data()), text.size()}, message) ==
                parser::SipOutcome::request);
    aggregate(fingerprint, message, PacketEndpoints::of(frame));
}

std::map<std::string, std::string> as_map(const HeaderFingerprint& fingerprint) {
    std::map<std::string, std::string> result;
    for (uint8_t i = 0; i < fingerprint.entry_count; ++i) {
        const auto& entry = fingerprint.entries[i];
        result[std::string(entry.key, entry.key_length)] = render_value(entry);
    }
    return result;
}

std::string markers(int count) {
    std::string out;
    for (int i = 0; i < count; ++i) out += kMarker;
    return out;
}

TEST(HeaderFingerprint, FromTagExampleOfThePaper) {
    HeaderFingerprint fingerprint;
    auto frame = frame_between("203.0.113.9", 40000, "198.51.100.7", 5060);
    add(fingerprint, "OPTIONS sip:nm SIP/2.0\r\nFrom: <sip:nm@nm>;tag=1526\r\n\r\n", frame);
    add(fingerprint, "OPTIONS sip:nm SIP/2.0\r\nFrom: <sip:nm@nm>;tag=8711\r\n\r\n", frame);
    EXPECT_EQ(as_map(fingerprint)["from"], "<sip:nm@nm>;tag=" + markers(4));
    EXPECT_EQ(fingerprint.packets, 2u);
}

std::string nmap_options() {
    return "OPTIONS sip:nm SIP/2.0\r\n"
           "Via: SIP/2.0/UDP nm;branch=foo;rport\r\n"
           "From: <sip:nm@nm>;tag=root\r\n"
           "To: <sip:nm2@nm2>\r\n"
           "Call-ID: 50000\r\n"
           "CSeq: 42 OPTIONS\r\n"
           "Max-Forwards: 70\r\n"
           "Content-Length: 0\r\n"
           "Contact: <sip:nm@nm>\r\n"
           "Accept: application/sdp\r\n\r\n";
}

TEST(HeaderFingerprint, NmapIsConstantInEveryHeader) {
    HeaderFingerprint fingerprint;
    // Nmap changes the source port per packet and walks destinations.
    add(fingerprint, nmap_options(), frame_between("203.0.113.5", 41234, "198.51.100.7", 5060));
    add(fingerprint, nmap_options(), frame_between("203.0.113.5", 52001, "198.51.100.9", 5060));
    add(fingerprint, nmap_options(), frame_between("203.0.113.5", 33333, "198.51.100.8", 5060));
    std::map<std::string, std::string> expected = {
        {"accept", "application/sdp"}, {"call-id", "50000"}, {"contact", "<sip:nm@nm>"}, {"content-length", "0"},
        {"cseq", "42 OPTIONS"}, {"from", "<sip:nm@nm>;tag=root"}, {"max-forwards", "70"}, {"to", "<sip:nm2@nm2>"},
        {"via", "SIP/2.0/UDP nm;branch=foo;rport"},
    };
    EXPECT_EQ(as_map(fingerprint), expected);
    EXPECT_FALSE(fingerprint.sequence_changed);
    EXPECT_EQ(fingerprint.sequence_length, 9);
}

std::string sipvicious_options(const std::string& source, int port, const std::string& call_id, const std::string& tag,
                               const std::string& branch) {
    return "OPTIONS sip:100@198.51.100.7 SIP/2.0\r\n"
           "Via: SIP/2.0/UDP " + source + ":" + std::to_string(port) + ";branch=z9hG4bK-" + branch + ";rport\r\n"
           "Max-Forwards: 70\r\n"
           "To: \"sipvicious\"<sip:100@1.1.1.1>\r\n"
           "From: \"sipvicious\"<sip:100@1.1.1.1>;tag=" + tag + "\r\n"
           "User-Agent: friendly-scanner\r\n"
           "Call-ID: " + call_id + "\r\n"
           "Contact: sip:100@" + source + ":" + std::to_string(port) + "\r\n"
           "CSeq: 1 OPTIONS\r\n"
           "Accept: application/sdp\r\n"
           "Content-Length: 0\r\n\r\n";
}

TEST(HeaderFingerprint, SipviciousRandomisesCallIdBranchAndTag) {
    HeaderFingerprint fingerprint;
    add(fingerprint, sipvicious_options("203.0.113.9", 5060, "1111111111111111111111111", "3833623431111111", "1111111111"),
        frame_between("203.0.113.9", 5060, "198.51.100.7", 5060));
    add(fingerprint, sipvicious_options("203.0.113.9", 5060, "2222222222222222222222222", "3833623439999999", "2222222222"),
        frame_between("203.0.113.9", 5060, "198.51.100.8", 5060));
    auto values = as_map(fingerprint);
    EXPECT_EQ(values["contact"], "sip:100@SourceIP:SourcePort");
    EXPECT_EQ(values["user-agent"], "friendly-scanner");
    EXPECT_EQ(values["to"], "\"sipvicious\"<sip:100@1.1.1.1>");
    EXPECT_EQ(values["from"], "\"sipvicious\"<sip:100@1.1.1.1>;tag=383362343" + markers(7));
    EXPECT_EQ(values["via"], "SIP/2.0/UDP SourceIP:SourcePort;branch=z9hG4bK-" + markers(10) + ";rport");
    EXPECT_EQ(values["cseq"], "1 OPTIONS");
    EXPECT_EQ(values["max-forwards"], "70");
    // Every character of the two Call-IDs differs.
    EXPECT_EQ(values["call-id"], markers(25));
}

TEST(HeaderFingerprint, SubstitutionRespectsNumberBoundaries) {
    PacketEndpoints endpoints = PacketEndpoints::of(frame_between("1.1.1.1", 506, "198.51.100.7", 5060));
    char out[128];
    auto substitute = [&](std::string_view value) { return std::string(out, substitute_endpoints(value, endpoints, out, sizeof out)); };
    EXPECT_EQ(substitute("sip:100@1.1.1.1:506"), "sip:100@SourceIP:SourcePort");
    EXPECT_EQ(substitute("sip:100@1.1.1.10"), "sip:100@1.1.1.10");     // another address
    EXPECT_EQ(substitute("<sip:99999@198.51.100.7:5060>"), "<sip:99999@DestIP:DestPort>");
    EXPECT_EQ(substitute("50600"), "50600");                            // not a port
    EXPECT_EQ(substitute("sip:198.51.100.7:5060"), "sip:DestIP:DestPort");
    PacketEndpoints v6 = PacketEndpoints::of(frame_between("2001:db8::5", 5060, "2001:db8::1", 5060));
    EXPECT_EQ(std::string(out, substitute_endpoints("sip:a@[2001:db8::5]:5060", v6, out, sizeof out)), "sip:a@[SourceIP]:SourcePort");
    bool overflow = false;
    char small[8];
    substitute_endpoints("a-long-value", endpoints, small, sizeof small, &overflow);
    EXPECT_TRUE(overflow);
}

TEST(HeaderFingerprint, LengthChangesAndMissingKeys) {
    HeaderFingerprint fingerprint;
    auto frame = frame_between("203.0.113.9", 5060, "198.51.100.7", 5060);
    add(fingerprint, "REGISTER sip:x SIP/2.0\r\nUser-Agent: abcdef\r\nX-Extra: 1\r\n\r\n", frame);
    add(fingerprint, "REGISTER sip:x SIP/2.0\r\nUser-Agent: abcdefgh\r\n\r\n", frame);
    add(fingerprint, "REGISTER sip:x SIP/2.0\r\nUser-Agent: abc\r\n\r\n", frame);
    auto values = as_map(fingerprint);
    EXPECT_EQ(values["user-agent"], "abc" + markers(5));
    EXPECT_EQ(values["x-extra"], "1");
    EXPECT_EQ(fingerprint.find("x-extra")->packets, 1);
    EXPECT_EQ(fingerprint.find("user-agent")->packets, 3);
    EXPECT_TRUE(fingerprint.sequence_changed);
}

TEST(HeaderFingerprint, SdpLinesAreKeysAndCompactFormsAreCanonical) {
    HeaderFingerprint fingerprint;
    auto frame = frame_between("203.0.113.9", 5060, "198.51.100.7", 5060);
    add(fingerprint,
        "INVITE sip:0046441408560@198.51.100.7 SIP/2.0\r\ni: abc\r\nf: <sip:1@203.0.113.9>\r\nl: 41\r\n\r\n"
        "v=0\r\no=- 1 1 IN IP4 203.0.113.9\r\nm=audio 8000 RTP/AVP 0\r\n",
        frame);
    auto values = as_map(fingerprint);
    EXPECT_EQ(values["call-id"], "abc");
    EXPECT_EQ(values["from"], "<sip:1@SourceIP>");
    EXPECT_EQ(values["sdp:v"], "0");
    EXPECT_EQ(values["sdp:o"], "- 1 1 IN IP4 SourceIP");
    EXPECT_EQ(values["sdp:m"], "audio 8000 RTP/AVP 0");
}

TEST(HeaderFingerprint, BoundedKeysAndValues) {
    HeaderFingerprint fingerprint;
    std::string text = "OPTIONS sip:x SIP/2.0\r\n";
    for (int i = 0; i < 40; ++i) text += "X-H" + std::to_string(i) + ": v\r\n";
    text += "Subject: " + std::string(300, 'y') + "\r\n\r\n";
    add(fingerprint, text, frame_between("203.0.113.9", 5060, "198.51.100.7", 5060));
    EXPECT_EQ(fingerprint.entry_count, kFingerprintKeys);
    EXPECT_TRUE(fingerprint.keys_dropped);
    HeaderFingerprint second;
    add(second, "OPTIONS sip:x SIP/2.0\r\nSubject: " + std::string(300, 'y') + "\r\n\r\n",
        frame_between("203.0.113.9", 5060, "198.51.100.7", 5060));
    EXPECT_TRUE(second.find("subject")->truncated);
    EXPECT_EQ(second.find("subject")->value_length, kFingerprintValueBytes);
}

}  // namespace
}  // namespace sipscope::fingerprint
