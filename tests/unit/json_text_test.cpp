// JSON text for events: valid for any bytes a scanner sends.
#include <gtest/gtest.h>

#include "ip_address.hpp"
#include "json_text.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <random>
#include <sys/mman.h>
#include <unistd.h>
#include <string>
#include <vector>

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

// The date arithmetic against the C library, over leap years, century
// rules and the last microsecond of a day, 1970 to 2400.
TEST(JsonText, Rfc3339AgreesWithGmtime) {
    std::mt19937_64 random(3);
    std::vector<uint64_t> times = {0, 951782400000000ull, 951868799999999ull, 4107542400000000ull, 13569465599999999ull};
    for (int i = 0; i < 20000; ++i) times.push_back(random() % 13569465600000000ull);
    for (uint64_t micros : times) {
        time_t seconds = static_cast<time_t>(micros / 1000000);
        std::tm utc{};
        gmtime_r(&seconds, &utc);
        char expected[40];
        std::size_t used = std::strftime(expected, sizeof expected, "%Y-%m-%dT%H:%M:%S", &utc);
        std::snprintf(expected + used, sizeof expected - used, ".%06uZ", static_cast<unsigned>(micros % 1000000));
        ASSERT_EQ(rfc3339(micros).view(), std::string_view(expected)) << micros;
    }
}

// Escaping takes clean runs whole: check it against a byte-by-byte rule on
// random text mixing plain ASCII, escapes and UTF-8 (valid and not).
TEST(JsonText, EscapingAgreesWithAPlainRule) {
    std::mt19937 random(9);
    const std::string pieces[] = {"abc", "\"", "\\", "\n", "\r", "\t", std::string(1, '\x01'), "\x7f", "\xc3\xa9",
                                  "\xe2\x82\xac", "\xf0\x9f\x98\x80", "\xc3", "\xed\xa0\x80", "\xff", " ", "x"};
    for (int round = 0; round < 2000; ++round) {
        std::string text;
        for (int n = static_cast<int>(random() % 12); n-- > 0;) text += pieces[random() % std::size(pieces)];
        std::string fast;
        append_json_string(fast, text);
        std::string plain = "\"";
        for (std::size_t i = 0; i < text.size(); ++i) {
            std::string one;
            append_json_string(one, text.substr(i, 1));
            auto c = static_cast<uint8_t>(text[i]);
            if (c < 0x80) {
                plain += one.substr(1, one.size() - 2);
                continue;
            }
            // A multi-byte sequence: escape it as a whole.
            std::size_t length = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
            std::string whole;
            append_json_string(whole, text.substr(i, length));
            if (whole.find("\\ufffd") == std::string::npos && whole.size() == length + 2) {
                plain += whole.substr(1, whole.size() - 2);
                i += length - 1;
            } else {
                plain += "\\ufffd";
            }
        }
        plain += "\"";
        ASSERT_EQ(fast, plain) << round;
    }
}

// The escaper reads a short text or a tail as a whole 16-byte block when
// that stays inside the text's page. Texts that end exactly at the end of
// a readable page, with no page mapped after it, must be written the same
// as their copies elsewhere (and reading past the page would crash).
TEST(JsonText, TextsEndingAtAPageEdgeAreReadWithinIt) {
    const std::size_t page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
    void* mapped = mmap(nullptr, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ASSERT_NE(mapped, MAP_FAILED);
    auto* first = static_cast<char*>(mapped);
    ASSERT_EQ(mprotect(first + page, page, PROT_NONE), 0);
    std::mt19937 random(13);
    const char alphabet[] = {'a', 'Z', '0', ' ', '"', '\\', '\n', '\x01', '\x7f', '\xc3', '\xa9', '\xff'};
    for (int round = 0; round < 3000; ++round) {
        std::size_t length = random() % 48;
        std::string text(length, ' ');
        for (char& c : text) c = alphabet[random() % (round % 2 ? 4 : sizeof alphabet)];  // half plain ASCII
        char* at = first + page - length;
        std::memcpy(at, text.data(), length);
        std::string edge, elsewhere;
        JsonObject(edge).field("v", std::string_view(at, length)).end();
        JsonObject(elsewhere).field("v", text).end();
        ASSERT_EQ(edge, elsewhere) << round;
    }
    munmap(mapped, 2 * page);
}

TEST(JsonText, ObjectWithNestingAndArrays) {
    std::string out;
    JsonObject(out).field("a", "x").field("n", uint64_t{3}).begin_object("o").field("b", true).end()
        .begin_array("l").element("p").element("q").end_array().field("d", 0.5).end();
    EXPECT_EQ(out, "{\"a\":\"x\",\"n\":3,\"o\":{\"b\":true},\"l\":[\"p\",\"q\"],\"d\":0.5}");
}

// Every field goes out with one append when it can; the text must be what
// the plain writer gave: keys longer than the inline room, values that
// need escapes or are too long to inline, numbers written as integers.
TEST(JsonText, FieldsAgreeWithAPlainWriter) {
    auto plain_double = [](double value) {
        if (!std::isfinite(value)) return std::string("null");
        char text[32];
        auto [end, error] = std::to_chars(text, text + sizeof text, value, std::chars_format::general, 6);
        return std::string(text, end);
    };
    const double doubles[] = {0.0,   -0.0,   1.0,      -1.0,    999999.0, 1e6,      -999999.0, 1234567.0, 0.5,
                              1e-7,  189.368, 1.0 / 3, 2e15,    -2e15,    1e300,    HUGE_VAL,  -HUGE_VAL, NAN,
                              42.0,  65535.0, 99999.5, 123456.0};
    for (double value : doubles) {
        std::string out;
        JsonObject(out).field("d", value).end();
        EXPECT_EQ(out, "{\"d\":" + plain_double(value) + "}") << value;
    }
    std::string long_key(100, 'k');
    std::string long_value(300, 'v');
    std::string care = "a\"b\xe2\x96\x91" "c\x01";
    std::string out;
    JsonObject(out).field(long_key, "x").field("s", long_value).field("e", care).field(long_key, uint64_t{7})
        .begin_array(long_key).element(long_value).element(care).element("").end_array()
        .begin_object(long_key).field("b", false).end().field("i", int64_t{-5}).end();
    std::string quoted_care;
    append_json_string(quoted_care, care);
    std::string expected = "{\"" + long_key + "\":\"x\",\"s\":\"" + long_value + "\",\"e\":" + quoted_care + ",\"" +
                           long_key + "\":7,\"" + long_key + "\":[\"" + long_value + "\"," + quoted_care + ",\"\"],\"" +
                           long_key + "\":{\"b\":false},\"i\":-5}";
    EXPECT_EQ(out, expected);
}

// A value with a stand-in byte is written as the value with that byte
// replaced by its text first, then escaped, whatever surrounds it (escapes,
// UTF-8 valid or not, the buffer's edge, values too long to inline).
TEST(JsonText, StandInBytesAgreeWithReplacingThenEscaping) {
    const ByteStandIn marker{'\x1f', "\u2591"};
    auto replaced = [&](std::string_view value) {
        std::string out;
        for (char c : value) {
            if (c == marker.byte) out += marker.text;
            else out.push_back(c);
        }
        return out;
    };
    std::vector<std::string> values = {"", "\x1f", "\x1f\x1f", "a\x1f", "\x1f" "b", "tag=\x1f\x1f\x1f;x=\"q\"",
                                       "\xe2\x1f\x96", "\x01\x1f\xff", std::string(400, '\x1f'), std::string(500, 'v') + "\x1f"};
    std::mt19937 random(11);
    const char alphabet[] = {'a', '0', ';', '"', '\\', '\x1f', '\x01', '\x7f', '\xe2', '\x96', '\x91', '\xc3', '\xff'};
    for (int n = 0; n < 2000; ++n) {
        std::string value(random() % 120, ' ');
        for (char& c : value) c = alphabet[random() % sizeof alphabet];
        values.push_back(value);
    }
    std::string padding(8100, 'p');  // the next values straddle the buffer's end
    for (const std::string& value : values) {
        std::string out, expected;
        JsonObject(out).field("p", padding).field("value", value, marker).end();
        JsonObject(expected).field("p", padding).field("value", replaced(value)).end();
        ASSERT_EQ(out, expected) << value;
    }
}

// A writer's buffer fills and is handed over mid-object; values past the
// inline size go straight to the string: the text is the same.
TEST(JsonText, LongObjectsAcrossTheBuffer) {
    std::string out = "prefix ";
    std::string expected = "prefix {";
    {
        JsonObject document(out);
        for (int i = 0; i < 120; ++i) {
            std::string value(static_cast<std::size_t>(i * 7), static_cast<char>('a' + i % 26));
            if (i % 3 == 0) value += "\"\xe2\x96\x91\x01";
            std::string key = "k" + std::to_string(i);
            document.begin_object(key).field("v", value).field("n", uint64_t(i)).end();
            std::string quoted;
            append_json_string(quoted, value);
            expected += (i ? ",\"" : "\"") + key + "\":{\"v\":" + quoted + ",\"n\":" + std::to_string(i) + "}";
        }
        document.end();
        expected += "}";
        EXPECT_EQ(out, expected);
    }
    EXPECT_EQ(out, expected);  // the writer's end adds nothing more
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
