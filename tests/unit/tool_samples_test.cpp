// Every header sample of ../shared/TOOLS.md (Table I of the paper), written
// into a request the way the tool sends it: the parser recognises the
// message, keeps each header value intact and flags the tools' RFC
// violations. SourceIP etc. are filled with concrete values.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "guarded_buffer.hpp"
#include "sip_fields.hpp"
#include "sip_message.hpp"

namespace sipscope::parser {
namespace {

struct ToolSample {
    int table_id;
    const char* method;
    std::vector<std::pair<std::string, std::string>> headers;  // name, value
};

// Values as Table I gives them, with SourceIP=203.0.113.9, SourcePort=5060,
// DestIP=198.51.100.7, DestPort=5060 and a fixed draw for random parts.
const std::vector<ToolSample> kSamples = {
    {1, "OPTIONS", {{"Contact", "sip:100@203.0.113.9:5060"}, {"From", "sipvicious<sip:100@1.1.1.1>;tag=6338336234"}, {"To", "sipvicious<sip:100@1.1.1.1>"}, {"User-Agent", "friendly-scanner"}}},
    {2, "OPTIONS", {{"User-Agent", "Zoiper rv2.8.20"}, {"From", "sipvicious<sip:100@1.1.1.1>;tag=1"}, {"To", "sipvicious<sip:100@1.1.1.1>"}}},
    {3, "OPTIONS", {{"User-Agent", "Linksys/SPA942-6.1.5"}, {"From", "polycom<sip:100@1.1.1.1>;tag=1"}, {"To", "polycom<sip:100@1.1.1.1>"}}},
    {4, "OPTIONS", {{"User-Agent", "Grandstream GXP2000"}, {"From", "AmooT<sip:100@1.1.1.1>;tag=1"}, {"To", "AmooT<sip:100@1.1.1.1>"}}},
    {5, "OPTIONS", {{"Call-ID", "50000"}, {"Contact", "<sip:nm@nm>"}, {"From", "<sip:nm@nm>;tag=root"}, {"To", "<sip:nm2@nm2>"}}},
    {6, "OPTIONS", {{"Contact", "<sip:test1@test1>"}, {"From", "<sip:test1@test1>;tag=root"}, {"To", "<sip:test2@test2>"}}},
    {7, "OPTIONS", {{"Call-ID", "97"}, {"Contact", "<sip:test1@test1>"}, {"From", "<sip:a@a>;tag=1"}, {"To", "<sip:b@b>"}}},
    {8, "OPTIONS", {{"Call-ID", "5000"}, {"Contact", "<sip:ag@ag>"}, {"From", "<sip:ag@ag>;tag=root"}, {"content-lnegth", "0"}, {"To", "<sip:ag2@ag2>"}}},
    {9, "REGISTER", {{"Contact", "<sip:ab12cd34@203.0.113.9:5060>"}, {"To", "<sip:ab12cd34@203.0.113.9:5060>"}, {"From", "<ab12cd34<sip:ab12cd34@198.51.100.7:5060>;tag=hetfgeeb"}, {"Max-Forwards", "30"}, {"Supported", "100rel"}}},
    {10, "REGISTER", {{"Call-ID", "q1w2e3r4t5@203.0.113.9"}, {"Contact", "a1b2c3d4@203.0.113.9:5060"}, {"From", "a1b2c3d4@203.0.113.9:5060"}, {"To", "a1b2c3d4@203.0.113.9:5060"}, {"User-Agent", "zx81qwer"}}},
    {11, "INVITE", {{"Call-ID", "a123-bc2547-a159"}, {"User-Agent", "Avaya one-X Deskphone"}}},
    {12, "INVITE", {{"Call-ID", "a123-bc2547-a159"}, {"Contact", "<sip:me@203.0.113.9:5060>"}, {"From", "me<sip:me@198.51.100.7>"}, {"To", "me<sip:me@198.51.100.7>"}, {"User-Agent", "pplsip"}}},
    {13, "OPTIONS", {{"Call-ID", "startrinityvoipsecuritytestsuite"}, {"Contact", "sip:s3@203.0.113.9:5060"}, {"From", "sip:startrinityFriendlyScanner@203.0.113.9"}, {"To", "sip:penetrationTest@198.51.100.7"}, {"User-Agent", "StarTrinityFriendlyScanner"}}},
    {14, "OPTIONS", {{"Call-ID", "a84b4c76e66710"}, {"Contact", "<sip:alice@pc33.atlanta.com>"}, {"From", "Alice<sip:alice@atlanta.com>"}, {"To", "<sip:carol@chicago.com>"}, {"Via", "SIP/2.0/UDP pc33.atlanta.com"}}},
    {15, "REGISTER", {{"Call-ID", "0123456789abcdef0123456789abcdef@127.0.0.1"}, {"Contact", "<sip:b@127.0.0.1>"}, {"From", "<sip:b@127.0.0.1>"}, {"To", "<sip:198.51.100.7>"}, {"Date", "Sat, 13 Nov 2010 23:29:00 GMT"}, {"User-Agent", "Asterisk PBX"}}},
    {16, "REGISTER", {{"Contact", "<sip:99999@203.0.113.9:5060>"}, {"Content-Length", "209"}, {"From", "<sip:99999@198.51.100.7:5060>"}, {"To", "<sip:4930123456@198.51.100.7>"}}},
    {17, "CANCEL", {{"Call-ID", "123456789@abcde"}, {"From", "12345<sip:12345@203.0.113.9:5060>"}, {"To", "12345<sip:12345@203.0.113.9:5060>"}, {"x-nat", "nothing"}, {"x-serialnumber", "AB12CD34EF"}, {"Server", "o2-IAD 6741-2.6.3.32"}}},
    {18, "REGISTER", {{"Contact", "<sip:adoom@203.0.113.9:5060>"}, {"From", "<sip:adoom@198.51.100.7>q8w7e6"}, {"To", "<sip:adoom@198.51.100.7>"}, {"User-Agent", "Cisco-SIPGateway/IOS-12.x"}}},
    {19, "REGISTER", {{"Contact", "sip:4930123456@0.0.0.0:5060"}, {"From", "4930123456<sip:4930123456@198.51.100.7>"}, {"To", "4930123456<sip:4930123456@198.51.100.7>"}, {"User-Agent", "VOIP"}}},
    {20, "INVITE", {{"Contact", "sip:198.51.100.7:5060"}, {"From", "198.51.100.7<sip:01146441408560@198.51.100.7>"}, {"To", "01146441408560<sip:01146441408560@198.51.100.7>"}, {"User-Agent", "Yealink SIP-T46S"}}},
    {21, "OPTIONS", {{"Contact", "<sip:198.51.100.7>"}, {"From", "Nessus<sip:198.51.100.7:5060>"}, {"To", "Nessus<sip:198.51.100.7:5060>"}}},
};

TEST(ToolSamples, EveryToolHeaderParsesIntact) {
    for (const auto& sample : kSamples) {
        std::string text = std::string(sample.method) + " sip:100@198.51.100.7 SIP/2.0\r\n";
        for (const auto& [name, value] : sample.headers) text += name + ": " + value + "\r\n";
        text += "\r\n";
        testing_support::GuardedBuffer buffer(text);
        SipMessage message;
        ASSERT_EQ(parse_sip_message(buffer.span(), message), SipOutcome::request) << "tool " << sample.table_id;
        EXPECT_EQ(label(message.method), sample.method);
        ASSERT_EQ(message.header_count, sample.headers.size()) << "tool " << sample.table_id;
        for (std::size_t i = 0; i < sample.headers.size(); ++i) {
            EXPECT_EQ(message.headers[i].name, sample.headers[i].first) << "tool " << sample.table_id;
            EXPECT_EQ(message.headers[i].value, sample.headers[i].second) << "tool " << sample.table_id;
        }
        // Tool-specific evidence.
        switch (sample.table_id) {
            case 8:
                EXPECT_TRUE(message.has(SipViolation::misspelt_header_name));
                break;
            case 16:
                EXPECT_TRUE(message.has(SipViolation::content_length_mismatch));
                EXPECT_EQ(message.content_length, 209);
                break;
            case 17:
                EXPECT_NE(message.find(HeaderId::x_nat), nullptr);
                EXPECT_NE(message.find(HeaderId::x_serialnumber), nullptr);
                EXPECT_FALSE(message.has(SipViolation::unknown_header_name));
                break;
            default:
                EXPECT_FALSE(message.has(SipViolation::misspelt_header_name)) << "tool " << sample.table_id;
        }
        if (const SipHeader* from = message.find(HeaderId::from)) {
            auto address = parse_name_address(from->value);
            EXPECT_FALSE(address.uri.empty()) << "tool " << sample.table_id;
        }
    }
}

TEST(ToolSamples, DisplayNamesAndUsers) {
    EXPECT_EQ(parse_name_address("AmooT<sip:100@1.1.1.1>").display_name, "AmooT");
    EXPECT_EQ(parse_uri(parse_name_address("AmooT<sip:100@1.1.1.1>").uri).user, "100");
    EXPECT_EQ(parse_uri(parse_name_address("01146441408560<sip:01146441408560@198.51.100.7>").uri).user, "01146441408560");
    EXPECT_EQ(parse_uri("sip:4930123456@0.0.0.0:5060").host, "0.0.0.0");
}

}  // namespace
}  // namespace sipscope::parser
