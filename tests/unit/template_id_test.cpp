// fingerprint_id: one id per tool variant, from one request or many, from
// any source to any target.
#include "template_id.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <set>
#include <string>

namespace sipscope::fingerprint {
namespace {

// A SIPVicious-style OPTIONS (the shape of svmap's requests) from
// `source`:`port` to `target`, with its per-message values.
std::string sipvicious(const std::string& source, int port, const std::string& target, const std::string& extension,
                       const std::string& tag, const std::string& call_id, int cseq) {
    std::string host = source.find(':') != std::string::npos ? "[" + source + "]" : source;
    return "OPTIONS sip:" + extension + "@" + target + " SIP/2.0\r\n"
           "Via: SIP/2.0/UDP " + host + ":" + std::to_string(port) + ";branch=z9hG4bK-" + call_id + ";rport\r\n"
           "Max-Forwards: 70\r\n"
           "To: \"sipvicious\"<sip:" + extension + "@1.1.1.1>\r\n"
           "From: \"sipvicious\"<sip:" + extension + "@1.1.1.1>;tag=" + tag + "\r\n"
           "User-Agent: friendly-scanner\r\n"
           "Call-ID: " + call_id + "\r\n"
           "Contact: sip:" + extension + "@" + host + ":" + std::to_string(port) + "\r\n"
           "CSeq: " + std::to_string(cseq) + " OPTIONS\r\n"
           "Accept: application/sdp\r\n"
           "Content-Length: 0\r\n\r\n";
}

HeaderFingerprint template_of(std::initializer_list<std::pair<std::string, std::string>> requests) {
    HeaderFingerprint fingerprint;
    for (const auto& [text, source] : requests) {
        if (fingerprint.packets == 1) fingerprint.first_request_id = template_hash(fingerprint);
        parser::SipMessage message;
        EXPECT_EQ(parser::parse_sip_message({reinterpret_cast<const uint8_t*>(text.data()), text.size()}, message),
                  parser::SipOutcome::request);
        parser::DecodedFrame frame;
        frame.source = *parser::IpAddress::parse(source);
        frame.destination = *parser::IpAddress::parse(source.find(':') != std::string::npos ? "2001:db8::7" : "198.51.100.7");
        frame.source_port = 5060;
        frame.destination_port = 5060;
        aggregate(fingerprint, message, PacketEndpoints::of(frame));
    }
    return fingerprint;
}

TEST(TemplateId, OneRequestOrManyFromAnySourceGiveOneId) {
    auto one = template_of({{sipvicious("203.0.113.9", 5060, "198.51.100.7", "100", "3a1f", "1234567", 1), "203.0.113.9"}});
    auto other = template_of({{sipvicious("192.0.2.44", 5060, "198.51.100.7", "2001", "77ab01ff", "99", 12), "192.0.2.44"}});
    auto many = template_of({{sipvicious("203.0.113.9", 5060, "198.51.100.7", "100", "3a1f", "1234567", 1), "203.0.113.9"},
                             {sipvicious("203.0.113.9", 5060, "198.51.100.7", "101", "bb02", "7654321", 2), "203.0.113.9"},
                             {sipvicious("203.0.113.9", 5060, "198.51.100.7", "1000", "c3", "55", 3), "203.0.113.9"}});
    auto ipv6 = template_of({{sipvicious("2001:db8::9", 5060, "2001:db8::7", "100", "9", "1", 1), "2001:db8::9"}});
    EXPECT_EQ(template_id(one).size(), 16u);
    EXPECT_EQ(template_id(one), template_id(other)) << template_canonical_text(one) << "---\n" << template_canonical_text(other);
    // A merged template keeps its first request's id (taken before the
    // second merge, as the SourceTracker does); the blurred template
    // itself would not give it.
    EXPECT_EQ(template_id(one), template_id(many));
    EXPECT_NE(template_hash(one), template_hash(many)) << "the merged template is blurred: why the first request counts";
    EXPECT_EQ(template_id(one), template_id(ipv6)) << template_canonical_text(one) << "---\n" << template_canonical_text(ipv6);
}

TEST(TemplateId, AnotherAgentOrHeaderOrderIsAnotherVariant) {
    std::string base = sipvicious("203.0.113.9", 5060, "198.51.100.7", "100", "3a1f", "1234567", 1);
    std::string agent = base;
    agent.replace(agent.find("friendly-scanner"), 16, "sipcli/v1.8");
    std::string reordered = base;
    std::string accept = "Accept: application/sdp\r\n";
    reordered.erase(reordered.find(accept), accept.size());
    reordered.insert(reordered.find("Max-Forwards"), accept);
    auto id = template_id(template_of({{base, "203.0.113.9"}}));
    EXPECT_NE(id, template_id(template_of({{agent, "203.0.113.9"}})));
    EXPECT_NE(id, template_id(template_of({{reordered, "203.0.113.9"}})));
}

TEST(TemplateId, EmptyTemplateHasNone) { EXPECT_EQ(template_id(HeaderFingerprint{}), ""); }

// The formatter remembers ids by a key cheaper than the canonical text
// (what the text leaves out whatever it holds, cut out). The key must never
// join two templates whose texts differ: templates drawn from a small space
// of names and value pieces (parameters, digits, markers, brackets) repeat
// and collide, and every remembered id must equal the hash.
TEST(TemplateId, RememberedIdsEqualTheHash) {
    const char* names[] = {"via", "from", "call-id", "cseq", "to", "user-agent", "l"};
    const char* pieces[] = {"tag=", "branch=", ";", ">", ",", "1", "23", "a", "b", "t", "\x1f",
                            "\xe2\x96\x91", "[SourceIP]", "[DestIP]", "<", "x"};
    std::mt19937 random(17);
    auto draw = [&] {
        HeaderFingerprint fingerprint;
        fingerprint.packets = 1;
        fingerprint.entry_count = static_cast<uint8_t>(1 + random() % 2);
        for (uint8_t e = 0; e < fingerprint.entry_count; ++e) {
            FingerprintEntry& entry = fingerprint.entries[e];
            std::string name = names[random() % std::size(names)], value;
            for (unsigned n = random() % 5; n-- > 0;) value += pieces[random() % std::size(pieces)];
            std::memcpy(entry.key, name.data(), name.size());
            entry.key_length = static_cast<uint8_t>(name.size());
            std::memcpy(entry.value, value.data(), value.size());
            entry.value_length = static_cast<uint8_t>(value.size());
        }
        return fingerprint;
    };
    std::set<uint64_t> ids;
    for (int round = 0; round < 200000; ++round) {
        HeaderFingerprint fingerprint = draw();
        uint64_t id = template_hash(fingerprint);
        ASSERT_EQ(remembered_template_hash(fingerprint), id) << template_canonical_text(fingerprint);
        ASSERT_EQ(flow_template_id(fingerprint), id);
        ids.insert(id);
    }
    EXPECT_GT(ids.size(), 1000u) << "the draws must differ in their texts, or the test shows nothing";
}

}  // namespace
}  // namespace sipscope::fingerprint
