// The paper's fingerprint (section IV-B): its own examples as tests.
#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "guarded_buffer.hpp"
#include "header_fingerprint.hpp"
#include "text_hash.hpp"

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


// The inline compare of short values agrees with string equality for
// every length to 100 and a difference at every position.
TEST(TextHash, SameTextIsEquality) {
    std::string base;
    for (int i = 0; i < 100; ++i) base.push_back(static_cast<char>('a' + i % 26));
    for (std::size_t length = 0; length <= base.size(); ++length) {
        std::string a = base.substr(0, length), b = a;
        EXPECT_TRUE(same_text(a, b)) << length;
        if (length > 0) {
            EXPECT_FALSE(same_text(a, std::string_view(b).substr(0, length - 1))) << length;
        }
        for (std::size_t at = 0; at < length; ++at) {
            std::string c = a;
            c[at] = static_cast<char>(c[at] ^ 0x20);
            ASSERT_FALSE(same_text(a, c)) << length << " " << at;
        }
    }
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

// The substitution rule written the slow, obvious way: at each position,
// if a number starts there and a needle matches with its boundaries,
// replace it; otherwise copy one character.
std::string reference_substitute(std::string_view value, const std::vector<std::pair<std::string, std::string>>& needles) {
    auto is_digit = [](char c) { return c >= '0' && c <= '9'; };
    auto joins_number = [&](char c) { return is_digit(c) || c == '.' || (c >= 'a' && c <= 'f'); };
    std::string out;
    std::size_t at = 0;
    while (at < value.size()) {
        bool replaced = false;
        if (at == 0 || !joins_number(value[at - 1])) {
            for (const auto& [needle, replacement] : needles) {
                if (needle.empty() || value.substr(at, needle.size()) != needle) continue;
                bool address = replacement.find("IP") != std::string::npos;
                bool ipv6 = address && needle.find(':') != std::string::npos;
                if (ipv6 && at > 0 && value[at - 1] == ':') continue;
                std::size_t end = at + needle.size();
                if (end < value.size() && (is_digit(value[end]) || (address && value[end] == '.' && end + 1 < value.size() &&
                                                                    is_digit(value[end + 1]))))
                    continue;
                out += replacement;
                at = end;
                replaced = true;
                break;
            }
        }
        if (!replaced) out.push_back(value[at++]);
    }
    return out;
}

// Values built from the pieces that matter (the packet's own addresses and
// ports, their neighbours, separators, hex runs), long and short, against
// the rule above; the output is cut at the capacity exactly as the rule's.
TEST(HeaderFingerprint, SubstitutionAgreesWithTheRuleOnRandomValues) {
    struct Case {
        const char *source, *destination;
        uint16_t source_port, destination_port;
    };
    const Case cases[] = {{"10.1.2.3", "10.1.2.30", 5060, 5061}, {"192.0.2.7", "198.51.100.7", 5060, 5060},
                          {"2001:db8::5", "2001:db8::1", 5080, 5060}, {"1.1.1.1", "1.1.1.10", 1, 11}};
    std::mt19937 random(20261122);
    for (const Case& c : cases) {
        PacketEndpoints endpoints = PacketEndpoints::of(frame_between(c.source, c.source_port, c.destination, c.destination_port));
        std::vector<std::pair<std::string, std::string>> needles;
        for (const auto& needle : endpoints.needles) needles.emplace_back(needle.view(), needle.replacement);
        std::vector<std::string> pieces = {"sip:", "@", ":", ";", ".", "0", "7", "a", "f", "x", "[", "]", "<", ">", " ",
                                           "branch=z9hG4bK", "deadbeef", "0123456789"};
        for (const auto& [needle, replacement] : needles) pieces.push_back(needle);
        for (int round = 0; round < 5000; ++round) {
            std::string prefix, value, tail;
            int count = static_cast<int>(random() % 40);
            for (int i = 0; i < count; ++i) value += pieces[random() % pieces.size()];
            for (int i = static_cast<int>(random() % 4); i > 0; --i) tail += pieces[random() % pieces.size()];
            for (int i = static_cast<int>(random() % 12); i > 0; --i) prefix += pieces[random() % pieces.size()];
            std::string expected = reference_substitute(value, needles);
            // The value alone before an unreadable page (nothing may be
            // read past it), and the value inside a longer message indexed
            // as a whole (the bytes around the value must not matter).
            testing_support::GuardedBuffer alone(value), inside(prefix + value + tail);
            std::string_view alone_value(reinterpret_cast<const char*>(alone.span().data()), value.size());
            std::string_view inside_value(reinterpret_cast<const char*>(inside.span().data()) + prefix.size(), value.size());
            NeedleIndex inside_index(std::string_view(reinterpret_cast<const char*>(inside.span().data()), inside.span().size()),
                                     endpoints);
            for (std::size_t capacity : {std::size_t{72}, std::size_t{256}, std::size_t{5}}) {
                char out[256];
                bool overflow = false;
                std::size_t length = substitute_endpoints(alone_value, endpoints, out, capacity, &overflow);
                ASSERT_EQ(std::string(out, length), expected.substr(0, capacity)) << "value: " << value << " capacity " << capacity;
                ASSERT_EQ(overflow, expected.size() > capacity) << "value: " << value << " capacity " << capacity;
                length = substitute_endpoints(inside_index, inside_value, out, capacity, &overflow);
                ASSERT_EQ(std::string(out, length), expected.substr(0, capacity)) << "value: " << value << " prefix " << prefix << " tail " << tail;
                ASSERT_EQ(overflow, expected.size() > capacity) << "value: " << value << " capacity " << capacity;
            }
        }
    }
}

// A template settles once kSettledAfter merges in a row changed nothing;
// then only 1 request in the interval is merged, until a merge changes it.
TEST(HeaderFingerprint, SettlesAndWakesUpOnChange) {
    HeaderFingerprint fingerprint;
    auto frame = frame_between("203.0.113.9", 5060, "198.51.100.7", 5060);
    // Six-digit Call-IDs: 111111, 222222, then others of the same length.
    auto request = [](int n) {
        char call_id[8];
        std::snprintf(call_id, sizeof call_id, "%06d", (n + 1) * 111111 % 1000000);
        return "OPTIONS sip:100@198.51.100.7 SIP/2.0\r\nCall-ID: " + std::string(call_id) + "\r\nUser-Agent: x\r\n\r\n";
    };
    // The first merge and the one that marks every Call-ID digit change it.
    int n = 0;
    for (; n < 2; ++n) {
        ASSERT_TRUE(fingerprint.offer(4));
        SipMessage message;
        std::string text = request(n);
        parser::parse_sip_message({reinterpret_cast<const uint8_t*>(text.data()), text.size()}, message);
        EXPECT_TRUE(aggregate(fingerprint, message, PacketEndpoints::of(frame))) << n;
    }
    // Digits in positions already marked change nothing.
    for (uint32_t i = 0; i < HeaderFingerprint::kSettledAfter; ++i, ++n) {
        EXPECT_FALSE(fingerprint.settled());
        ASSERT_TRUE(fingerprint.offer(4));
        add(fingerprint, request(n), frame);
    }
    EXPECT_TRUE(fingerprint.settled());
    EXPECT_EQ(fingerprint.packets, 2 + HeaderFingerprint::kSettledAfter);
    // Settled: 1 offer in 4 is merged.
    unsigned merged = 0;
    for (int i = 0; i < 40; ++i) merged += fingerprint.offer(4);
    EXPECT_EQ(merged, 10u);
    // A merged request with a new header wakes it up: every request again.
    while (!fingerprint.offer(4)) {
    }
    add(fingerprint, "OPTIONS sip:100@198.51.100.7 SIP/2.0\r\nCall-ID: 1\r\nUser-Agent: x\r\nX-New: 1\r\n\r\n", frame);
    EXPECT_FALSE(fingerprint.settled());
    EXPECT_TRUE(fingerprint.offer(4));
    EXPECT_TRUE(fingerprint.offer(4));
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
    // Headers without an id take at most their share; the Subject after
    // them still has its key.
    EXPECT_EQ(fingerprint.entries_without_id, kMaxKeysWithoutId);
    EXPECT_EQ(fingerprint.entry_count, kMaxKeysWithoutId + 1);
    EXPECT_NE(fingerprint.find("subject"), nullptr);
    EXPECT_TRUE(fingerprint.keys_dropped);
    HeaderFingerprint second;
    add(second, "OPTIONS sip:x SIP/2.0\r\nSubject: " + std::string(300, 'y') + "\r\n\r\n",
        frame_between("203.0.113.9", 5060, "198.51.100.7", 5060));
    EXPECT_TRUE(second.find("subject")->truncated);
    EXPECT_EQ(second.find("subject")->value_length, kFingerprintValueBytes);
}

TEST(HeaderFingerprint, JunkHeadersAheadCannotCrowdOutTheNamedOnes) {
    HeaderFingerprint fingerprint;
    std::string text = "OPTIONS sip:100@198.51.100.7 SIP/2.0\r\n";
    for (int i = 0; i < 60; ++i) text += "X-Pad-" + std::to_string(i) + ": " + std::string(20, 'p') + "\r\n";
    text += "Via: SIP/2.0/UDP 203.0.113.9:5060\r\nMax-Forwards: 70\r\nTo: \"sipvicious\"<sip:100@1.1.1.1>\r\n"
            "From: \"sipvicious\"<sip:100@1.1.1.1>;tag=1\r\nUser-Agent: friendly-scanner\r\nCall-ID: 1\r\n"
            "Contact: sip:100@203.0.113.9:5060\r\nCSeq: 1 OPTIONS\r\nAccept: application/sdp\r\n"
            "Content-Length: 0\r\n\r\n";
    add(fingerprint, text, frame_between("203.0.113.9", 5060, "198.51.100.7", 5060));
    for (const char* key : {"via", "max-forwards", "to", "from", "user-agent", "call-id", "contact", "cseq", "accept",
                            "content-length"})
        EXPECT_NE(fingerprint.find(key), nullptr) << key;
    EXPECT_EQ(as_map(fingerprint)["user-agent"], "friendly-scanner");
    EXPECT_EQ(fingerprint.entry_count, kMaxKeysWithoutId + 10);
}

// Repeated headers and SDP lines are keys of their own ("via#2", "sdp:a#3"),
// aggregated position by position as the first occurrence is; a request
// whose second Via changed is merged even from a settled template.
TEST(HeaderFingerprint, RepeatedHeadersAndSdpLinesAreKept) {
    HeaderFingerprint fingerprint;
    auto frame = frame_between("203.0.113.9", 5060, "198.51.100.7", 5060);
    auto invite = [](int tag, const char* second_via) {
        std::string sdp = "v=0\r\nm=audio 8000 RTP/AVP 0 8 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n"
                          "a=rtpmap:101 telephone-event/8000\r\na=sendrecv\r\n";
        return "INVITE sip:100@198.51.100.7 SIP/2.0\r\nVia: SIP/2.0/UDP 203.0.113.9:5060;branch=z9hG4bK" +
               std::to_string(tag) + "\r\nVia: " + second_via + "\r\nFrom: <sip:1@x>;tag=" + std::to_string(tag) +
               "\r\nContent-Type: application/sdp\r\nContent-Length: " + std::to_string(sdp.size()) + "\r\n\r\n" + sdp;
    };
    add(fingerprint, invite(1111, "SIP/2.0/UDP 10.0.0.1:5070;branch=z9hG4bKa"), frame);
    add(fingerprint, invite(2222, "SIP/2.0/UDP 10.0.0.1:5070;branch=z9hG4bKa"), frame);
    auto values = as_map(fingerprint);
    EXPECT_EQ(values["via"], "SIP/2.0/UDP SourceIP:SourcePort;branch=z9hG4bK" + markers(4));
    EXPECT_EQ(values["via#2"], "SIP/2.0/UDP 10.0.0.1:5070;branch=z9hG4bKa");
    EXPECT_EQ(values["sdp:a"], "rtpmap:0 PCMU/8000");
    EXPECT_EQ(values["sdp:a#2"], "rtpmap:8 PCMA/8000");
    EXPECT_EQ(values["sdp:a#3"], "rtpmap:101 telephone-event/8000");
    EXPECT_EQ(values["sdp:a#4"], "sendrecv");
    EXPECT_FALSE(fingerprint.sequence_changed);
    // A template that kept both Vias sees a change in the second.
    SipMessage changed;
    std::string text = invite(3333, "SIP/2.0/UDP 10.0.0.2:5070;branch=z9hG4bKa");
    parser::parse_sip_message({reinterpret_cast<const uint8_t*>(text.data()), text.size()}, changed);
    EXPECT_TRUE(may_change(fingerprint, changed));
    SipMessage same;
    std::string again = invite(4444, "SIP/2.0/UDP 10.0.0.1:5070;branch=z9hG4bKa");
    parser::parse_sip_message({reinterpret_cast<const uint8_t*>(again.data()), again.size()}, same);
    EXPECT_FALSE(may_change(fingerprint, same));
}

// may_change compares a value byte for byte only where the template's is
// plain: letters S and D (the placeholders' first) anywhere, past the
// first 64 bytes too, leave a value plain; a placeholder past them does not.
TEST(HeaderFingerprint, PlainValuesAreComparedWhereverTheirLettersFall) {
    HeaderFingerprint fingerprint;
    const std::string agent = "Dialer Suite " + std::string(60, 'v') + " Standard Deluxe D";  // 91 bytes
    auto request = [&](const std::string& user_agent, const std::string& contact_host) {
        return "OPTIONS sip:100@198.51.100.7 SIP/2.0\r\nVia: SIP/2.0/UDP 203.0.113.9:5060\r\nFrom: <sip:1@x>;tag=1\r\n"
               "User-Agent: " + user_agent + "\r\nContact: <sip:" + std::string(66, 'c') + "@" + contact_host + ">\r\n\r\n";
    };
    auto parsed = [](const std::string& text) {
        SipMessage message;
        parser::parse_sip_message({reinterpret_cast<const uint8_t*>(text.data()), text.size()}, message);
        return message;
    };
    auto frame = frame_between("203.0.113.9", 5060, "198.51.100.7", 5060);
    add(fingerprint, request(agent, "203.0.113.9"), frame);
    ASSERT_EQ(as_map(fingerprint)["contact"], "<sip:" + std::string(66, 'c') + "@SourceIP>");
    EXPECT_FALSE(may_change(fingerprint, parsed(request(agent, "192.0.2.1"))));  // the placeholder's value: not compared
    std::string other = agent;
    other.back() = 'E';
    EXPECT_TRUE(may_change(fingerprint, parsed(request(other, "203.0.113.9"))));
    other = agent;
    other[80] = 'S';
    EXPECT_TRUE(may_change(fingerprint, parsed(request(other, "203.0.113.9"))));
}

// The issue's example: a 25-header message kept Content-Length, its last
// header, only beyond 20 keys; values up to 96 bytes are kept whole.
TEST(HeaderFingerprint, TwentyFiveHeadersAndLongValuesFit) {
    HeaderFingerprint fingerprint;
    std::string text = "OPTIONS sip:100@198.51.100.7 SIP/2.0\r\nVia: SIP/2.0/UDP 203.0.113.9:5060\r\n";
    const char* names[] = {"From", "To", "Call-ID", "CSeq", "Contact", "Max-Forwards", "User-Agent", "Accept", "Allow",
                           "Supported", "Expires", "Subject", "Organization", "Date", "Accept-Language", "Accept-Encoding",
                           "Allow-Events", "Server", "Priority", "Timestamp", "Require", "Proxy-Require", "Warning"};
    for (const char* name : names) text += std::string(name) + ": value\r\n";
    std::string agent(90, 'u');
    text += "X-Agent: " + agent + "\r\nContent-Length: 0\r\n\r\n";
    add(fingerprint, text, frame_between("203.0.113.9", 5060, "198.51.100.7", 5060));
    EXPECT_EQ(fingerprint.entry_count, 26);
    EXPECT_FALSE(fingerprint.keys_dropped);
    ASSERT_NE(fingerprint.find("content-length"), nullptr);
    EXPECT_EQ(as_map(fingerprint)["x-agent"], agent);
    EXPECT_FALSE(fingerprint.find("x-agent")->truncated);
}

}  // namespace
}  // namespace sipscope::fingerprint
