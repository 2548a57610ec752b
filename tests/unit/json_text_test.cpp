// JSON text for events: valid for any bytes a scanner sends.
#include <gtest/gtest.h>

#include "ip_address.hpp"
#include "json_text.hpp"

namespace sipscope::exporter {
namespace {

std::string quoted(std::string_view text) {
    std::string out;
    append_json_string(out, text);
    return out;
}

TEST(JsonText, EscapesControlAndQuoteCharacters) {
    EXPECT_EQ(quoted("a\"b\\c"), "\"a\\\"b\\\\c\"");
    EXPECT_EQ(quoted("line\r\nnext\t"), "\"line\\r\\nnext\\t\"");
    EXPECT_EQ(quoted(std::string_view("\x00\x01\x1f\x7f", 4)), "\"\\u0000\\u0001\\u001f\\u007f\"");
}

TEST(JsonText, KeepsValidUtf8AndReplacesInvalid) {
    EXPECT_EQ(quoted("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x93\x9e"), "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x93\x9e\"");
    EXPECT_EQ(quoted("\xff"), "\"\\ufffd\"");
    EXPECT_EQ(quoted("\xc3"), "\"\\ufffd\"");                   // cut sequence
    EXPECT_EQ(quoted("\xc0\xaf"), "\"\\ufffd\\ufffd\"");        // overlong
    EXPECT_EQ(quoted("\xed\xa0\x80"), "\"\\ufffd\\ufffd\\ufffd\"");  // surrogate
    EXPECT_EQ(quoted("\xf4\x90\x80\x80"), "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");  // > U+10FFFF
}

TEST(JsonText, Rfc3339WithMicroseconds) {
    EXPECT_EQ(format_rfc3339(0), "1970-01-01T00:00:00.000000Z");
    EXPECT_EQ(format_rfc3339(1767225600123456ULL), "2026-01-01T00:00:00.123456Z");
}

TEST(JsonText, ObjectWithNestingAndArrays) {
    std::string out;
    JsonObject(out).field("a", "x").field("n", uint64_t{3}).begin_object("o").field("b", true).end()
        .begin_array("l").element("p").element("q").end_array().field("d", 0.5).end();
    EXPECT_EQ(out, "{\"a\":\"x\",\"n\":3,\"o\":{\"b\":true},\"l\":[\"p\",\"q\"],\"d\":0.5}");
}

TEST(IpAddress, ParseFormatAndNetworks) {
    auto v4 = parser::IpAddress::parse("198.51.100.7");
    ASSERT_TRUE(v4);
    EXPECT_TRUE(v4->is_ipv4());
    EXPECT_EQ(v4->to_string(), "198.51.100.7");
    auto network = parser::IpNetwork::parse("198.51.0.0/16");
    ASSERT_TRUE(network);
    EXPECT_TRUE(network->contains(*v4));
    EXPECT_FALSE(network->contains(*parser::IpAddress::parse("198.52.0.1")));
    EXPECT_EQ(parser::IpNetwork::parse("198.51.3.4/16")->to_string(), "198.51.0.0/16");
    auto v6net = parser::IpNetwork::parse("2001:db8::/32");
    ASSERT_TRUE(v6net);
    EXPECT_TRUE(v6net->contains(*parser::IpAddress::parse("2001:db8:1::5")));
    EXPECT_FALSE(v6net->contains(*v4));
    EXPECT_FALSE(parser::IpNetwork::parse("198.51.0.0/33"));
    EXPECT_FALSE(parser::IpNetwork::parse("nonsense/8"));
    EXPECT_FALSE(parser::IpNetwork::parse("10.0.0.0/"));
}

}  // namespace
}  // namespace sipscope::exporter
