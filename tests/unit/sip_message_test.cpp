// SIP parser: RFC 3261 examples, scanner messages from TOOLS.md, compact
// and folded forms, violations, and non-SIP rejects — all before a guard page.
#include <gtest/gtest.h>

#include <cctype>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "delimiter_index.hpp"
#include "guarded_buffer.hpp"
#include "sip_message.hpp"

namespace sipscope::parser {
namespace {

using testing_support::GuardedBuffer;

struct Parsed {
    explicit Parsed(std::string_view text) : buffer(text) { parse_sip_message(buffer.span(), message); }
    GuardedBuffer buffer;
    SipMessage message;
};

// RFC 3261 section 24.2, message F1 (the INVITE of the tutorial).
constexpr std::string_view kRfcInvite =
    "INVITE sip:bob@biloxi.com SIP/2.0\r\n"
    "Via: SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bK776asdhds\r\n"
    "Max-Forwards: 70\r\n"
    "To: Bob <sip:bob@biloxi.com>\r\n"
    "From: Alice <sip:alice@atlanta.com>;tag=1928301774\r\n"
    "Call-ID: a84b4c76e66710@pc33.atlanta.com\r\n"
    "CSeq: 314159 INVITE\r\n"
    "Contact: <sip:alice@pc33.atlanta.com>\r\n"
    "Content-Type: application/sdp\r\n"
    "Content-Length: 4\r\n"
    "\r\n"
    "v=0\n";

TEST(SipMessage, RfcInvite) {
    Parsed parsed(kRfcInvite);
    const SipMessage& m = parsed.message;
    ASSERT_EQ(m.outcome, SipOutcome::request);
    EXPECT_EQ(m.method, SipMethod::invite);
    EXPECT_EQ(m.request_uri, "sip:bob@biloxi.com");
    EXPECT_EQ(m.header_count, 9);
    EXPECT_EQ(m.value_of(HeaderId::call_id), "a84b4c76e66710@pc33.atlanta.com");
    EXPECT_EQ(m.value_of(HeaderId::from), "Alice <sip:alice@atlanta.com>;tag=1928301774");
    EXPECT_EQ(m.content_length, 4);
    EXPECT_EQ(m.body, "v=0\n");
    EXPECT_EQ(m.violations, 0u) << m.violations;
}

TEST(SipMessage, RfcResponse) {
    Parsed parsed(
        "SIP/2.0 180 Ringing\r\n"
        "Via: SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bK776asdhds;received=192.0.2.1\r\n"
        "To: Bob <sip:bob@biloxi.com>;tag=a6c85cf\r\n"
        "From: Alice <sip:alice@atlanta.com>;tag=1928301774\r\n"
        "Call-ID: a84b4c76e66710\r\n"
        "CSeq: 314159 INVITE\r\n"
        "Content-Length: 0\r\n\r\n");
    ASSERT_EQ(parsed.message.outcome, SipOutcome::response);
    EXPECT_EQ(parsed.message.status_code, 180);
    EXPECT_EQ(parsed.message.reason_phrase, "Ringing");
    EXPECT_EQ(parsed.message.violations, 0u);
}

TEST(SipMessage, NmapOptionsFromThePaper) {
    Parsed parsed(
        "OPTIONS sip:nm SIP/2.0\r\n"
        "Via: SIP/2.0/UDP nm;branch=foo;rport\r\n"
        "From: <sip:nm@nm>;tag=root\r\n"
        "To: <sip:nm2@nm2>\r\n"
        "Call-ID: 50000\r\n"
        "CSeq: 42 OPTIONS\r\n"
        "Max-Forwards: 70\r\n"
        "Content-Length: 0\r\n"
        "Contact: <sip:nm@nm>\r\n"
        "Accept: application/sdp\r\n\r\n");
    ASSERT_EQ(parsed.message.outcome, SipOutcome::request);
    EXPECT_EQ(parsed.message.method, SipMethod::options);
    EXPECT_EQ(parsed.message.value_of(HeaderId::contact), "<sip:nm@nm>");
    EXPECT_EQ(parsed.message.violations, 0u);
}

TEST(SipMessage, NmapAgMisspeltContentLength) {
    Parsed parsed(
        "OPTIONS sip:ag SIP/2.0\r\n"
        "Via: SIP/2.0/UDP ag;branch=foo\r\n"
        "From: <sip:ag@ag>;tag=root\r\n"
        "To: <sip:ag2@ag2>\r\n"
        "Call-ID: 5000\r\n"
        "CSeq: 42 OPTIONS\r\n"
        "Max-Forwards: 70\r\n"
        "content-lnegth: 0\r\n"
        "Contact: <sip:ag@ag>\r\n\r\n");
    ASSERT_EQ(parsed.message.outcome, SipOutcome::request);
    EXPECT_TRUE(parsed.message.has(SipViolation::misspelt_header_name));
    EXPECT_FALSE(parsed.message.has(SipViolation::unknown_header_name));
    EXPECT_EQ(parsed.message.find(HeaderId::content_length), nullptr);
}

TEST(SipMessage, CompactFormsMapToLongNames) {
    Parsed parsed(
        "REGISTER sip:example.com SIP/2.0\r\n"
        "v: SIP/2.0/UDP 192.0.2.4;branch=z9hG4bKnashds7\r\n"
        "f: <sip:u@example.com>;tag=1\r\n"
        "t: <sip:u@example.com>\r\n"
        "i: abc\r\n"
        "CSeq: 1 REGISTER\r\n"
        "m: <sip:u@192.0.2.4>\r\n"
        "k: 100rel\r\n"
        "c: text/plain\r\n"
        "s: hi\r\n"
        "e: gzip\r\n"
        "o: presence\r\n"
        "u: presence\r\n"
        "r: <sip:x@y>\r\n"
        "b: <sip:z@y>\r\n"
        "x: 1800\r\n"
        "y: token\r\n"
        "Max-Forwards: 70\r\n"
        "l: 0\r\n\r\n");
    const SipMessage& m = parsed.message;
    ASSERT_EQ(m.outcome, SipOutcome::request);
    for (HeaderId id : {HeaderId::via, HeaderId::from, HeaderId::to, HeaderId::call_id, HeaderId::contact,
                        HeaderId::supported, HeaderId::content_type, HeaderId::subject, HeaderId::content_encoding,
                        HeaderId::event, HeaderId::allow_events, HeaderId::refer_to, HeaderId::referred_by,
                        HeaderId::session_expires, HeaderId::identity, HeaderId::content_length}) {
        EXPECT_NE(m.find(id), nullptr) << canonical_name(id);
    }
    EXPECT_EQ(m.content_length, 0);
    EXPECT_EQ(m.violations, 0u) << m.violations;
}

TEST(SipMessage, HeaderNamesAreCaseInsensitiveAndOrderIsKept) {
    Parsed parsed("OPTIONS sip:a SIP/2.0\r\nCALL-ID: 1\r\ncall-id: 2\r\nvIa: SIP/2.0/UDP h\r\n\r\n");
    const SipMessage& m = parsed.message;
    ASSERT_EQ(m.header_count, 3);
    EXPECT_EQ(m.headers[0].name, "CALL-ID");
    EXPECT_EQ(m.headers[1].name, "call-id");
    EXPECT_EQ(m.value_of(HeaderId::call_id), "1");  // first occurrence
    EXPECT_EQ(m.headers[2].id, HeaderId::via);
}

TEST(SipMessage, FoldedHeaderSpansContinuationLines) {
    Parsed parsed("OPTIONS sip:a SIP/2.0\r\nSubject: I know you're there,\r\n  pick up the phone\r\nCall-ID: 1\r\n\r\n");
    const SipMessage& m = parsed.message;
    EXPECT_TRUE(m.has(SipViolation::folded_header));
    std::string_view subject = m.value_of(HeaderId::subject);
    EXPECT_TRUE(subject.starts_with("I know you're there,"));
    EXPECT_TRUE(subject.ends_with("pick up the phone"));
    EXPECT_EQ(m.value_of(HeaderId::call_id), "1");
}

TEST(SipMessage, BareLineFeedsAreAcceptedAndFlagged) {
    Parsed parsed("OPTIONS sip:a SIP/2.0\nVia: SIP/2.0/UDP h\nCall-ID: 7\n\nbody");
    ASSERT_EQ(parsed.message.outcome, SipOutcome::request);
    EXPECT_TRUE(parsed.message.has(SipViolation::bare_lf_line_end));
    EXPECT_EQ(parsed.message.value_of(HeaderId::call_id), "7");
    EXPECT_EQ(parsed.message.body, "body");
}

TEST(SipMessage, ViolationFlags) {
    struct Case {
        std::string text;
        SipViolation expected;
    };
    const std::string head = "OPTIONS sip:a SIP/2.0\r\n";
    const std::string full = "Via: SIP/2.0/UDP h\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:c@d>\r\nCall-ID: x\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\n";
    std::vector<Case> cases = {
        {head + "From: a\r\nTo: b\r\nCall-ID: x\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\n\r\n", SipViolation::missing_via},
        {head + "Via: v\r\nTo: b\r\nCall-ID: x\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\n\r\n", SipViolation::missing_from},
        {head + "Via: v\r\nFrom: a\r\nCall-ID: x\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\n\r\n", SipViolation::missing_to},
        {head + "Via: v\r\nFrom: a\r\nTo: b\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\n\r\n", SipViolation::missing_call_id},
        {head + "Via: v\r\nFrom: a\r\nTo: b\r\nCall-ID: x\r\nMax-Forwards: 70\r\n\r\n", SipViolation::missing_cseq},
        {head + "Via: v\r\nFrom: a\r\nTo: b\r\nCall-ID: x\r\nCSeq: 1 OPTIONS\r\n\r\n", SipViolation::missing_max_forwards},
        {head + full + "this line has no colon\r\n\r\n", SipViolation::header_line_without_colon},
        {"OPTIONS sip:a SIP/2.0\r\nCall-ID: has space\r\n\r\n", SipViolation::space_in_call_id},
        {"OPTIONS sip:a SIP/2.0\r\nCSeq: 1 REGISTER\r\n\r\n", SipViolation::cseq_method_mismatch},
        {"OPTIONS sip:a SIP/2.0\r\nCSeq: one OPTIONS\r\n\r\n", SipViolation::bad_cseq},
        {"OPTIONS sip:a SIP/2.0\r\nMax-Forwards: seventy\r\n\r\n", SipViolation::bad_max_forwards},
        {"OPTIONS sip:a SIP/2.0\r\nContent-Length: many\r\n\r\n", SipViolation::bad_content_length},
        {"OPTIONS sip:a SIP/2.0\r\nContent-Length: -0\r\n\r\n", SipViolation::bad_content_length},  // 1*DIGIT
        {"OPTIONS sip:a SIP/2.0\r\nMax-Forwards: +70\r\n\r\n", SipViolation::bad_max_forwards},
        {"OPTIONS sip:a SIP/2.0\r\nContent-Length: 209\r\n\r\n", SipViolation::content_length_mismatch},
        {"OPTIONS sip:a SIP/2.0\r\nCall-ID: x\r\n", SipViolation::headers_not_terminated},
        {"OPTIONS sip:a SIP/2.0\r\nX-Foo: 1\r\nContent-Lnegth: 0\r\n\r\n", SipViolation::misspelt_header_name},
        {"OPTIONS sip:a SIP/2.0\r\nUser-Agnet: x\r\n\r\n", SipViolation::misspelt_header_name},
        {"OPTIONS sip:a SIP/2.0\r\nMax-Froward: 70\r\n\r\n", SipViolation::misspelt_header_name},
        {"OPTIONS sip:a SIP/2.0\r\nFavourite-Colour: blue\r\n\r\n", SipViolation::unknown_header_name},
    };
    for (const auto& test_case : cases) {
        Parsed parsed(test_case.text);
        EXPECT_TRUE(parsed.message.is_sip()) << test_case.text;
        EXPECT_TRUE(parsed.message.has(test_case.expected)) << test_case.text;
    }
    Parsed clean(head + full + "Content-Length: 0\r\n\r\n");
    EXPECT_EQ(clean.message.violations, 0u);
    Parsed extension("OPTIONS sip:a SIP/2.0\r\n" + full + "X-Serialnumber: 1\r\nP-Asserted-Identity: <sip:a@b>\r\n\r\n");
    EXPECT_FALSE(extension.message.has(SipViolation::unknown_header_name));
}

TEST(SipMessage, TooManyHeadersIsFlaggedNotOverflowed) {
    std::string text = "OPTIONS sip:a SIP/2.0\r\n";
    for (int i = 0; i < 100; ++i) text += "Via: SIP/2.0/UDP h" + std::to_string(i) + "\r\n";
    text += "\r\n";
    Parsed parsed(text);
    EXPECT_EQ(parsed.message.header_count, kMaxSipHeaders);
    EXPECT_TRUE(parsed.message.has(SipViolation::too_many_headers));
}

TEST(SipMessage, KnownHeadersAfterTheLimitDisplaceJunkInOrder) {
    std::string text = "OPTIONS sip:100@10.0.0.1 SIP/2.0\r\n";
    for (int i = 0; i < 60; ++i) text += "X-Junk-" + std::to_string(i) + ": " + std::to_string(i) + "\r\n";
    text += "Via: SIP/2.0/UDP 10.0.0.2:5060\r\nFrom: <sip:100@1.1.1.1>\r\nTo: <sip:100@1.1.1.1>\r\n"
            "Call-ID: abc\r\nCSeq: 1 OPTIONS\r\nUser-Agent: friendly-scanner\r\nX-Junk-late: 1\r\n"
            "Via: SIP/2.0/UDP second\r\nMax-Forwards: 70\r\n\r\n";
    Parsed parsed(text);
    ASSERT_TRUE(parsed.message.is_sip());
    EXPECT_TRUE(parsed.message.has(SipViolation::too_many_headers));
    EXPECT_EQ(parsed.message.header_count, kMaxSipHeaders);
    EXPECT_EQ(parsed.message.value_of(HeaderId::user_agent), "friendly-scanner");
    EXPECT_EQ(parsed.message.value_of(HeaderId::via), "SIP/2.0/UDP 10.0.0.2:5060");
    EXPECT_EQ(parsed.message.value_of(HeaderId::max_forwards), "70");
    EXPECT_FALSE(parsed.message.has(SipViolation::missing_call_id));
    EXPECT_FALSE(parsed.message.has(SipViolation::missing_max_forwards));
    // Wire order is kept: the junk that stayed, then the known headers.
    const auto& headers = parsed.message.headers;
    EXPECT_EQ(headers[0].name, "X-Junk-0");
    std::size_t via = parsed.message.first_index[static_cast<std::size_t>(HeaderId::via)];
    std::size_t agent = parsed.message.first_index[static_cast<std::size_t>(HeaderId::user_agent)];
    std::size_t hops = parsed.message.first_index[static_cast<std::size_t>(HeaderId::max_forwards)];
    EXPECT_LT(via, agent);
    EXPECT_LT(agent, hops);
    EXPECT_EQ(hops, kMaxSipHeaders - 1);
    for (std::size_t i = 0; i < parsed.message.header_count; ++i) {
        if (headers[i].id == HeaderId::unknown) continue;
        EXPECT_EQ(parsed.message.first_index[static_cast<std::size_t>(headers[i].id)], i) << headers[i].name;
    }
}

TEST(SipMessage, RecognisedByContentWithAnyMethodToken) {
    Parsed parsed("FOOBAR sip:a SIP/2.0\r\nCall-ID: 1\r\n\r\n");
    ASSERT_EQ(parsed.message.outcome, SipOutcome::request);
    EXPECT_EQ(parsed.message.method, SipMethod::other);
    EXPECT_EQ(parsed.message.method_token, "FOOBAR");
}

TEST(SipMessage, NonSipAndBrokenStartLines) {
    struct Case {
        std::string_view text;
        SipOutcome expected;
    };
    std::vector<Case> cases = {
        {"", SipOutcome::empty_payload},
        {"\x16\x03\x01\x02\x00", SipOutcome::not_sip},
        {"GET / HTTP/1.1\r\nHost: x\r\n\r\n", SipOutcome::not_sip},
        {"HELLO", SipOutcome::not_sip},
        {"OPTIONS sip:a SIP/2", SipOutcome::truncated_start_line},
        {"OPTIONS sip:a SIP/3.0\r\n\r\n", SipOutcome::malformed_request_line},
        {"SIP/2.0 2x0 OK\r\n\r\n", SipOutcome::malformed_status_line},
        {"SIP/2.0 200", SipOutcome::truncated_start_line},
        {"SIP/2.0 200OK\r\n\r\n", SipOutcome::malformed_status_line},
        // A NUL is no token character: not a method (it was taken for one).
        {std::string_view("INV\0ITE sip:100@h SIP/2.0\r\nCSeq: 1 INVITE\r\n\r\n", 45), SipOutcome::not_sip},
    };
    for (const auto& test_case : cases) {
        Parsed parsed(test_case.text);
        EXPECT_EQ(parsed.message.outcome, test_case.expected) << test_case.text;
    }
}

// Method tokens are compared inline, word by word: each label names its
// method, and a token one byte apart or one byte longer or shorter does not.
TEST(SipMessage, MethodTokensMatchExactly) {
    for (std::size_t m = 0; m + 1 < kSipMethodCount; ++m) {
        std::string token(kSipMethodLabels[m]);
        EXPECT_EQ(method_from_token(token), static_cast<SipMethod>(m)) << token;
        for (std::size_t at = 0; at < token.size(); ++at) {
            std::string changed = token;
            changed[at] = static_cast<char>(changed[at] ^ 0x20);
            EXPECT_EQ(method_from_token(changed), SipMethod::other) << changed;
        }
        EXPECT_EQ(method_from_token(token + "S"), SipMethod::other) << token;
        EXPECT_EQ(method_from_token(token.substr(0, token.size() - 1)), SipMethod::other) << token;
    }
    Parsed mismatch("OPTIONS sip:a SIP/2.0\r\nCSeq: 1 OPTIONZ\r\n\r\n");
    EXPECT_TRUE(mismatch.message.violations & bit(SipViolation::cseq_method_mismatch));
    Parsed match("OPTIONS sip:a SIP/2.0\r\nCSeq: 1 OPTIONS\r\n\r\n");
    EXPECT_FALSE(match.message.violations & bit(SipViolation::cseq_method_mismatch));
    Parsed version("OPTIONS sip:a SIP/2.1\r\n\r\n");
    EXPECT_EQ(version.message.outcome, SipOutcome::malformed_request_line);
}

// Request lines of every method (and tokens that are no method, or no
// token), URIs with spaces of every length around the first 64-byte
// block's end (where the start line's SIMD pass stops), with and without
// CR, as a request line reads by RFC 3261: the method ends at the first
// space, the last space before the version ends the URI, which is trimmed.
TEST(SipMessage, RequestLinesOfAnyLengthAroundTheFirstBlock) {
    std::vector<std::string> tokens(kSipMethodLabels.begin(), kSipMethodLabels.end() - 1);
    tokens.insert(tokens.end(), {"FOO", "SUBSCRIBES", "INVITE2", "A", "OPTIONS-X", "ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEF"});
    std::mt19937 random(11);
    const std::string alphabet = "sip:ab1@. ";
    for (const std::string& token : tokens) {
        for (std::size_t uri_length = 1; uri_length <= 90; ++uri_length) {
            std::string uri(uri_length, 'a');
            for (char& c : uri) c = alphabet[random() % alphabet.size()];
            for (std::string_view line_end : {"\r\n", "\n"}) {
                std::string text = token + " " + uri + " SIP/2.0" + std::string(line_end) + "Via: x\r\n\r\n";
                Parsed parsed(text);
                const SipMessage& message = parsed.message;
                ASSERT_EQ(message.outcome, SipOutcome::request) << text;
                EXPECT_EQ(message.method, method_from_token(token)) << text;
                EXPECT_EQ(message.method_token, token) << text;
                std::string_view expected_uri(uri);
                while (!expected_uri.empty() && expected_uri.front() == ' ') expected_uri.remove_prefix(1);
                while (!expected_uri.empty() && expected_uri.back() == ' ') expected_uri.remove_suffix(1);
                EXPECT_EQ(message.request_uri, expected_uri) << text;
                // The version changed, or the line cut inside it.
                Parsed wrong_version(token + " " + uri + " SIP/2.1" + std::string(line_end) + "Via: x\r\n\r\n");
                EXPECT_NE(wrong_version.message.outcome, SipOutcome::request) << text;
                Parsed cut(token + " " + uri + " SIP/2");
                EXPECT_EQ(cut.message.outcome, SipOutcome::truncated_start_line) << text;
            }
        }
    }
    for (std::string_view not_a_request : {"options sip:a SIP/2.0\r\n\r\n", "OPTIONS\tsip:a SIP/2.0\r\n\r\n",
                                            "OPT(ONS sip:a SIP/2.0\r\n\r\n", "OPTIONS", "INVITE\r\n"}) {
        Parsed parsed(not_a_request);
        EXPECT_NE(parsed.message.outcome, SipOutcome::request) << not_a_request;
    }
}

// The start line's end is found in the first 64 bytes with one SIMD
// compare and beyond them by a byte search; a Call-ID's white space in any
// of its 64-byte blocks. Line ends and spaces on both sides of those
// boundaries, and start lines cut short past them.
TEST(SipMessage, StartLineEndsAndCallIdSpacesAcrossBlockBoundaries) {
    for (std::size_t length = 40; length <= 140; ++length) {
        std::string uri = "sip:" + std::string(length - 23, 'u') + "@h";  // the line: length bytes with CRLF
        std::string line = "INVITE " + uri + " SIP/2.0\r\n";
        ASSERT_EQ(line.size(), length);
        Parsed whole(line + "CSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n");
        ASSERT_EQ(whole.message.outcome, SipOutcome::request) << length;
        EXPECT_EQ(whole.message.request_uri, uri) << length;
        EXPECT_EQ(whole.message.header_count, 2u) << length;
        Parsed cut(line.substr(0, length - 4));  // "… SIP/2." and no line end
        EXPECT_EQ(cut.message.outcome, SipOutcome::truncated_start_line) << length;
    }
    for (std::size_t at : {0u, 1u, 62u, 63u, 64u, 65u, 127u, 128u, 129u}) {
        for (char space : {' ', '\t'}) {
            std::string call_id(140, 'c');  // a space at its end would be trimmed
            call_id[at] = space;
            if (at == 0) call_id = "c" + call_id;  // a leading space would be trimmed
            Parsed parsed("OPTIONS sip:a SIP/2.0\r\nCall-ID: " + call_id + "\r\n\r\n");
            EXPECT_TRUE(parsed.message.violations & bit(SipViolation::space_in_call_id)) << at;
        }
    }
    Parsed clean("OPTIONS sip:a SIP/2.0\r\nCall-ID: " + std::string(130, 'c') + "\r\n\r\n");
    EXPECT_FALSE(clean.message.violations & bit(SipViolation::space_in_call_id));
}

// A request with a header named `name`: its first header, with more than
// 16 bytes after the name, or its last, with fewer.
std::string request_with_header(const std::string& name, bool at_end) {
    std::string text = "OPTIONS sip:a SIP/2.0\r\n";
    if (at_end) text += "Via: x\r\n" + name + ":x\r\n\r\n";
    else text += name + ": x\r\nMax-Forwards: 70\r\nUser-Agent: long enough to read past the name\r\n\r\n";
    return text;
}

// Every known header name is found in any letter case, near the start of
// a message and at its very end (where fewer than 16 bytes follow the
// name), and a name with any one byte changed to a control byte or to
// the byte that differs from it by 0x20 (when that is not its other case)
// is not taken for it.
TEST(SipMessage, HeaderNamesFoundInAnyCaseAndNotWhenChanged) {
    auto header_id = [](const std::string& name, bool at_end) {
        Parsed parsed(request_with_header(name, at_end));
        return parsed.message.headers[at_end ? 1 : 0].id;
    };
    for (std::size_t i = 0; i < kHeaderIdCount; ++i) {
        auto id = static_cast<HeaderId>(i);
        std::string canonical(canonical_name(id));
        if (id == HeaderId::unknown || canonical.empty()) continue;
        std::string upper = canonical, mixed = canonical;
        for (std::size_t c = 0; c < canonical.size(); ++c) {
            upper[c] = static_cast<char>(std::toupper(static_cast<unsigned char>(canonical[c])));
            if (c % 2 == 0) mixed[c] = upper[c];
        }
        for (bool at_end : {false, true}) {
            for (const std::string& name : {canonical, upper, mixed}) EXPECT_EQ(header_id(name, at_end), id) << name << at_end;
            for (std::size_t c = 0; c < canonical.size(); ++c) {
                // Control bytes, the byte 0x20 away (a control byte for '-' and digits) and
                // the byte with its high bit set are no letters: none may fold onto the name.
                for (char changed : {'\x01', '\x1f', static_cast<char>(canonical[c] ^ 0x20), static_cast<char>(canonical[c] | 0x80)}) {
                    if (std::isalpha(static_cast<unsigned char>(canonical[c])) && changed == (canonical[c] ^ 0x20)) continue;
                    std::string name = canonical;
                    name[c] = changed;
                    EXPECT_NE(header_id(name, at_end), id) << name << at_end;
                }
            }
        }
    }
}

// Registered names the sensor has no id for (short, 16 bytes and longer,
// at the end of a message) are no violation in any case; one changed byte
// past the 16th makes them unknown.
TEST(SipMessage, RegisteredHeaderNamesAreNotUnknown) {
    auto violations = [](const std::string& name, bool at_end) {
        Parsed parsed(request_with_header(name, at_end));
        return parsed.message.violations & (bit(SipViolation::unknown_header_name) | bit(SipViolation::misspelt_header_name));
    };
    for (std::string name : {"rack", "Accept-Encoding", "Content-Disposition", "P-Access-Network-Info", "p-asserted-identity",
                             "SUBSCRIPTION-STATE", "Request-Disposition", "a", "J"}) {
        for (bool at_end : {false, true}) {
            EXPECT_EQ(violations(name, at_end), 0u) << name << at_end;
            if (name.size() > 16) {
                std::string changed = name;
                changed.back() = 'q';
                EXPECT_NE(violations(changed, at_end), 0u) << changed << at_end;
            }
        }
    }
}

TEST(SipMessage, EveryPrefixOfAMessageIsSafe) {
    std::string text(kRfcInvite);
    for (std::size_t length = 0; length <= text.size(); ++length) {
        Parsed parsed(std::string_view(text).substr(0, length));
        for (std::size_t i = 0; i < parsed.message.header_count; ++i) {
            EXPECT_LE(parsed.message.headers[i].value.size(), length);
        }
    }
}

}  // namespace
}  // namespace sipscope::parser

namespace sipscope::parser {
namespace {

// RFC 3261's own examples (sections 24.1 and 24.2, and 20's compact form):
// each parses as SIP with the expected start line and no violation.
struct RfcExample {
    const char* name;
    std::string_view text;
    SipOutcome outcome;
    SipMethod method;
    uint16_t status;
    uint16_t headers;
};

const RfcExample kRfcExamples[] = {
    {"24.1 F1 REGISTER",
     "REGISTER sips:ss2.biloxi.example.com SIP/2.0\r\n"
     "Via: SIP/2.0/TLS client.biloxi.example.com:5061;branch=z9hG4bKnashds7\r\n"
     "Max-Forwards: 70\r\nFrom: Bob <sips:bob@biloxi.example.com>;tag=a73kszlfl\r\n"
     "To: Bob <sips:bob@biloxi.example.com>\r\nCall-ID: 1j9FpLxk3uxtm8tn@biloxi.example.com\r\n"
     "CSeq: 1 REGISTER\r\nContact: <sips:bob@client.biloxi.example.com>\r\nContent-Length: 0\r\n\r\n",
     SipOutcome::request, SipMethod::register_, 0, 8},
    {"24.1 F2 401",
     "SIP/2.0 401 Unauthorized\r\n"
     "Via: SIP/2.0/TLS client.biloxi.example.com:5061;branch=z9hG4bKnashds7;received=192.0.2.201\r\n"
     "From: Bob <sips:bob@biloxi.example.com>;tag=a73kszlfl\r\n"
     "To: Bob <sips:bob@biloxi.example.com>;tag=1410948204\r\nCall-ID: 1j9FpLxk3uxtm8tn@biloxi.example.com\r\n"
     "CSeq: 1 REGISTER\r\nWWW-Authenticate: Digest realm=\"atlanta.example.com\", qop=\"auth\",\r\n"
     " nonce=\"ea9c8e88df84f1cec4341ae6cbe5a359\",\r\n opaque=\"\", stale=FALSE, algorithm=MD5\r\n"
     "Content-Length: 0\r\n\r\n",
     SipOutcome::response, SipMethod::other, 401, 7},
    {"24.2 F9 BYE",
     "BYE sip:alice@pc33.atlanta.com SIP/2.0\r\n"
     "Via: SIP/2.0/UDP 192.0.2.4;branch=z9hG4bKnashds10\r\nMax-Forwards: 70\r\n"
     "From: Bob <sip:bob@biloxi.com>;tag=a6c85cf\r\nTo: Alice <sip:alice@atlanta.com>;tag=1928301774\r\n"
     "Call-ID: a84b4c76e66710\r\nCSeq: 231 BYE\r\nContent-Length: 0\r\n\r\n",
     SipOutcome::request, SipMethod::bye, 0, 7},
    {"24.2 F5 200 OK with SDP",
     "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bK776asdhds;received=192.0.2.1\r\n"
     "To: Bob <sip:bob@biloxi.com>;tag=a6c85cf\r\nFrom: Alice <sip:alice@atlanta.com>;tag=1928301774\r\n"
     "Call-ID: a84b4c76e66710\r\nCSeq: 314159 INVITE\r\nContact: <sip:bob@192.0.2.4>\r\n"
     "Content-Type: application/sdp\r\nContent-Length: 10\r\n\r\nv=0\r\ns=-\r\n",
     SipOutcome::response, SipMethod::other, 200, 8},
    {"7.3.3 compact form",
     "INVITE sip:bob@biloxi.com SIP/2.0\r\nv: SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bK776asdhds\r\n"
     "Max-Forwards: 70\r\nt: Bob <sip:bob@biloxi.com>\r\nf: Alice <sip:alice@atlanta.com>;tag=1928301774\r\n"
     "i: a84b4c76e66710@pc33.atlanta.com\r\nCSeq: 314159 INVITE\r\nm: <sip:alice@pc33.atlanta.com>\r\nl: 0\r\n\r\n",
     SipOutcome::request, SipMethod::invite, 0, 8},
};

// The delimiter index, whichever SIMD width the build chose, finds what a
// byte-by-byte search finds: every length (the last partial block), the
// lazy mode past 4 KiB, input ending at a guard page.
TEST(DelimiterIndex, FindsWhatAByteSearchFinds) {
    std::mt19937 random(7);
    const std::string alphabet = "\n:\r ab1";
    std::vector<std::size_t> lengths;
    for (std::size_t length = 0; length <= 200; ++length) lengths.push_back(length);
    lengths.insert(lengths.end(), {4095, 4096, 4097, 6000});
    for (std::size_t length : lengths) {
        std::string text(length, ' ');
        for (char& c : text) c = alphabet[random() % alphabet.size()];
        testing_support::GuardedBuffer buffer(text);
        const char* data = reinterpret_cast<const char*>(buffer.span().data());
        DelimiterIndex index(data, length);
        for (std::size_t from = 0; from <= length; from = index.next_newline(from) + 1) {
            std::size_t expected = std::find(text.begin() + static_cast<long>(from), text.end(), '\n') - text.begin();
            ASSERT_EQ(index.next_newline(from), expected) << length << " from " << from;
            std::size_t limit = std::min(length, from + 40);
            std::size_t colon = std::find(text.begin() + static_cast<long>(from), text.begin() + static_cast<long>(limit), ':') - text.begin();
            ASSERT_EQ(index.next_colon(from, limit), colon) << length << " from " << from;
            if (expected == length) break;
        }
    }
}

TEST(SipMessage, RfcExamplesTable) {
    for (const auto& example : kRfcExamples) {
        testing_support::GuardedBuffer buffer(example.text);
        SipMessage message;
        EXPECT_EQ(parse_sip_message(buffer.span(), message), example.outcome) << example.name;
        EXPECT_EQ(message.status_code, example.status) << example.name;
        if (example.outcome == SipOutcome::request) {
            EXPECT_EQ(message.method, example.method) << example.name;
        }
        EXPECT_EQ(message.header_count, example.headers) << example.name;
        uint32_t allowed = bit(SipViolation::folded_header);  // F2 folds WWW-Authenticate, as the RFC prints it
        EXPECT_EQ(message.violations & ~allowed, 0u) << example.name;
        EXPECT_EQ(message.body.size(), message.content_length < 0 ? 0u : static_cast<std::size_t>(message.content_length))
            << example.name;
    }
}

}  // namespace
}  // namespace sipscope::parser
