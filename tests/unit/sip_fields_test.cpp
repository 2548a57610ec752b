// Field helpers: URIs, name-addr, Via, CSeq, digest username, comma lists,
// SDP lines — on values from RFC 3261 and from TOOLS.md.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sip_fields.hpp"

namespace sipscope::parser {
namespace {

TEST(SipFields, Uris) {
    auto uri = parse_uri("sip:100@203.0.113.9:5060;transport=udp?subject=x");
    EXPECT_TRUE(uri.valid);
    EXPECT_EQ(uri.scheme, "sip");
    EXPECT_EQ(uri.user, "100");
    EXPECT_EQ(uri.host, "203.0.113.9");
    EXPECT_EQ(uri.port, 5060);
    EXPECT_EQ(uri.parameters, "transport=udp");
    auto no_user = parse_uri("sip:nm");
    EXPECT_TRUE(no_user.valid);
    EXPECT_EQ(no_user.user, "");
    EXPECT_EQ(no_user.host, "nm");
    EXPECT_FALSE(no_user.port_present);
    auto password = parse_uri("sips:alice:secret@atlanta.com");
    EXPECT_EQ(password.user, "alice");
    EXPECT_EQ(password.host, "atlanta.com");
    auto v6 = parse_uri("sip:bob@[2001:db8::1]:5070");
    EXPECT_EQ(v6.host, "[2001:db8::1]");
    EXPECT_EQ(v6.port, 5070);
    auto tel = parse_uri("tel:+4646441408560;phone-context=x");
    EXPECT_TRUE(tel.valid);
    EXPECT_EQ(tel.user, "+4646441408560");
    EXPECT_FALSE(parse_uri("no scheme here").valid);
    EXPECT_FALSE(parse_uri(":x").valid);
    auto bad_port = parse_uri("sip:a@b:99999");
    EXPECT_FALSE(bad_port.port_present);
}

// The hot path's user-only reading agrees with the full parse.
TEST(SipFields, UriUserAgreesWithTheFullParse) {
    for (const char* text : {"sip:100@203.0.113.9:5060;transport=udp?subject=x", "sip:nm", "sips:alice:secret@atlanta.com",
                             "sip:bob@[2001:db8::1]:5070", "tel:+4646441408560;phone-context=x", " sip:0046441408560@h ",
                             "sip:a;b@c", "sip:@host", "sip:x@y@z", "1sip:100@h", ":100@h", "sip", "", "SIP:300@pbx;user=phone",
                             "sip:100@h?to=a@b", "tel:", "sip:weird%20user@h;x=@"}) {
        EXPECT_EQ(uri_user(text), parse_uri(text).user) << text;
    }
}

// 20,000 texts of 1 to `most` random `pieces`, the same on every run.
template <std::size_t N>
std::vector<std::string> random_texts(const char* const (&pieces)[N], int most, uint32_t seed) {
    std::vector<std::string> texts;
    for (int round = 0; round < 20000; ++round) {
        std::string text;
        for (int n = 0; n < 1 + round % most; ++n) {
            seed = seed * 1103515245u + 12345u;
            text += pieces[(seed >> 16) % N];
        }
        texts.push_back(std::move(text));
    }
    return texts;
}

// The same on random URIs made of the pieces that matter to it.
TEST(SipFields, UriUserAgreesWithTheFullParseOnRandomUris) {
    const char* const pieces[] = {"sip", "sips", "tel", "SIP", ":", "@", ";", "?", "100", "alice", "h.example",
                                  "[2001:db8::1]", "5060", " ", "=", "x", "+46", "%20", "1", "-"};
    for (const std::string& text : random_texts(pieces, 9, 17)) ASSERT_EQ(uri_user(text), parse_uri(text).user) << text;
}

// first_sip_user is what its definition says: after the first "sip:",
// up to an '@' that comes before any '>' or ';'.
TEST(SipFields, FirstSipUserAgreesWithItsDefinition) {
    auto defined = [](std::string_view value) -> std::string_view {
        std::size_t scheme = value.find("sip:");
        if (scheme == std::string_view::npos) return {};
        std::string_view rest = value.substr(scheme + 4);
        std::size_t at = rest.find_first_of("@>;");
        if (at == std::string_view::npos || rest[at] != '@') return {};
        return rest.substr(0, at);
    };
    EXPECT_EQ(first_sip_user("\"5199362832664\" <sip:5199362832664@1.2.3.4>;tag=1"), "5199362832664");
    EXPECT_EQ(first_sip_user("\"sipvicious\"<sip:100@1.1.1.1>;tag=6338"), "100");
    EXPECT_EQ(first_sip_user("<sips:x@y>"), "");
    const char* const pieces[] = {"sip", "sips", "s", "ip", ":", "@", ";", ">", "<", "\"", "100", "sipvicious", "tag=",
                                  "1.1.1.1", " "};
    for (const std::string& text : random_texts(pieces, 10, 23)) ASSERT_EQ(first_sip_user(text), defined(text)) << text;
    // Values of several 64-byte blocks: the scheme, the user and its end
    // on either side of each boundary.
    const char* const long_pieces[] = {"sip", "s", "ip", ":", "@", ";", ">", "100", "sipvicious", "x", "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"};
    for (const std::string& text : random_texts(long_pieces, 40, 29)) ASSERT_EQ(first_sip_user(text), defined(text)) << text;
    for (std::size_t pad = 50; pad < 140; ++pad) {
        std::string text = std::string(pad, 'x') + "<sip:" + std::string(pad % 70, 'u') + "@h>";
        ASSERT_EQ(first_sip_user(text), std::string(pad % 70, 'u')) << pad;
    }
}

TEST(SipFields, NameAddressesFromTheToolTable) {
    auto sipvicious = parse_name_address("\"sipvicious\"<sip:100@1.1.1.1>;tag=6338336234");
    EXPECT_EQ(sipvicious.display_name, "sipvicious");
    EXPECT_TRUE(sipvicious.display_name_quoted);
    EXPECT_EQ(sipvicious.uri, "sip:100@1.1.1.1");
    EXPECT_EQ(parameter_value(sipvicious.parameters, "tag"), "6338336234");
    auto nmap = parse_name_address("<sip:nm@nm>;tag=root");
    EXPECT_EQ(nmap.display_name, "");
    EXPECT_EQ(nmap.uri, "sip:nm@nm");
    EXPECT_EQ(parameter_value(nmap.parameters, "TAG"), "root");
    auto token_name = parse_name_address("Alice <sip:alice@atlanta.com>;tag=1928301774");
    EXPECT_EQ(token_name.display_name, "Alice");
    EXPECT_FALSE(token_name.display_name_quoted);
    auto bare = parse_name_address("sip:startrinityFriendlyScanner@203.0.113.9;tag=x");
    EXPECT_EQ(bare.uri, "sip:startrinityFriendlyScanner@203.0.113.9");
    EXPECT_EQ(parameter_value(bare.parameters, "tag"), "x");
    auto adoom = parse_name_address("<sip:adoom@198.51.100.7>abcdef");
    EXPECT_EQ(adoom.uri, "sip:adoom@198.51.100.7");
    auto broken = parse_name_address("\"unterminated <sip:a@b>");
    EXPECT_TRUE(broken.display_name_quoted);
    auto unclosed = parse_name_address("<sip:a@b");
    EXPECT_EQ(unclosed.uri, "sip:a@b");
    std::string_view value;
    EXPECT_TRUE(find_parameter("lr;rport;branch=z9", "rport", value));
    EXPECT_EQ(value, "");
    EXPECT_FALSE(find_parameter("lr;rport", "received", value));
}

TEST(SipFields, Via) {
    auto via = parse_via("SIP/2.0/UDP 203.0.113.9:5060;branch=z9hG4bK-1234;rport, SIP/2.0/TCP proxy.example.com");
    EXPECT_TRUE(via.valid);
    EXPECT_EQ(via.protocol, "SIP/2.0/UDP");
    EXPECT_EQ(via.transport, "UDP");
    EXPECT_EQ(via.sent_by_host, "203.0.113.9");
    EXPECT_EQ(via.sent_by_port, 5060);
    EXPECT_EQ(via.branch, "z9hG4bK-1234");
    auto nmap = parse_via("SIP/2.0/UDP nm;branch=foo;rport");
    EXPECT_EQ(nmap.sent_by_host, "nm");
    EXPECT_EQ(nmap.branch, "foo");
    EXPECT_FALSE(parse_via("garbage").valid);
}

TEST(SipFields, CSeqAndDigest) {
    auto cseq = parse_cseq("42 OPTIONS");
    EXPECT_TRUE(cseq.valid);
    EXPECT_EQ(cseq.number, 42u);
    EXPECT_EQ(cseq.method, "OPTIONS");
    EXPECT_FALSE(parse_cseq("x OPTIONS").valid);
    EXPECT_FALSE(parse_cseq("42").valid);
    EXPECT_EQ(digest_username("Digest username=\"1001\", realm=\"asterisk\", nonce=\"abc,def\", uri=\"sip:x\", response=\"0\""), "1001");
    EXPECT_EQ(digest_username("digest realm=\"r\",username=admin"), "admin");
    EXPECT_EQ(digest_username("Basic YWxhZGRpbjpvcGVuc2VzYW1l"), "");
    EXPECT_EQ(digest_username("Digest realm=\"r\""), "");
}

TEST(SipFields, CommaValuesRespectQuotesAndBrackets) {
    std::vector<std::string> parts;
    unsigned count = for_each_comma_value("\"Doe, John\" <sip:a@b>;tag=1 , <sip:c@d,e>, sip:f@g,,",
                                          [&](std::string_view part) { parts.emplace_back(part); });
    ASSERT_EQ(count, 3u);
    EXPECT_EQ(parts[0], "\"Doe, John\" <sip:a@b>;tag=1");
    EXPECT_EQ(parts[1], "<sip:c@d,e>");
    EXPECT_EQ(parts[2], "sip:f@g");
    EXPECT_EQ(for_each_comma_value("", [](std::string_view) {}), 0u);
    EXPECT_EQ(for_each_comma_value("\"unterminated, quote", [](std::string_view) {}), 1u);
}

TEST(SipFields, SdpLines) {
    std::string body =
        "v=0\r\n"
        "o=- 3749 3749 IN IP4 203.0.113.9\r\n"
        "s=call\r\n"
        "c=IN IP4 203.0.113.9\r\n"
        "t=0 0\r\n"
        "m=audio 10000 RTP/AVP 0 8\n"
        "a=rtpmap:0 PCMU/8000\r\n"
        "garbage line\r\n";
    std::vector<std::pair<char, std::string>> lines;
    unsigned count = for_each_sdp_line(body, [&](char key, std::string_view value) { lines.emplace_back(key, value); });
    ASSERT_EQ(count, 7u);
    EXPECT_EQ(lines[1], (std::pair<char, std::string>{'o', "- 3749 3749 IN IP4 203.0.113.9"}));
    EXPECT_EQ(lines[5], (std::pair<char, std::string>{'m', "audio 10000 RTP/AVP 0 8"}));
    EXPECT_EQ(lines[6].first, 'a');
}

}  // namespace
}  // namespace sipscope::parser
