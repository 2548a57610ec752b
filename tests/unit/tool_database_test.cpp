// The shipped tool database on TOOLS.md's header samples, its robustness to
// the small changes the paper describes, and its error reports.
#include <gtest/gtest.h>

#include <random>
#include <regex>
#include <string>
#include <vector>

#include "frames.hpp"
#include "tool_database.hpp"

#ifndef SIPSCOPE_TOOL_DB
#error "SIPSCOPE_TOOL_DB must name fingerprint/tools.conf"
#endif

namespace sipscope::fingerprint {
namespace {

class ShippedDatabase : public ::testing::Test {
protected:
    static void SetUpTestSuite() { database = ToolDatabase::load(SIPSCOPE_TOOL_DB).release(); }
    static void TearDownTestSuite() { delete database; }
    ToolMatch match(const std::string& document) {
        if (!scratch) scratch = database->make_scratch();
        return database->match_document(document, *scratch);
    }
    const ToolEntry& tool_of(const ToolMatch& match) { return database->tools().at(static_cast<std::size_t>(match.tool)); }
    static ToolDatabase* database;
    std::unique_ptr<ToolScratch> scratch;
};
ToolDatabase* ShippedDatabase::database = nullptr;

// Fingerprint documents as a flow's first packet gives them (after the
// SourceIP/DestIP/SourcePort/DestPort substitution), from TOOLS.md.
struct Sample {
    unsigned table_id;
    std::string document;
};

const std::vector<Sample> kSamples = {
    {1, "via:SIP/2.0/UDP SourceIP:SourcePort;branch=z9hG4bK-1;rport\nto:\"sipvicious\"<sip:100@1.1.1.1>\nfrom:\"sipvicious\"<sip:100@1.1.1.1>;tag=6338\nuser-agent:friendly-scanner\ncontact:sip:100@SourceIP:SourcePort\n"},
    {2, "to:\"sipvicious\"<sip:100@1.1.1.1>\nfrom:\"sipvicious\"<sip:100@1.1.1.1>;tag=1\nuser-agent:Zoiper rv2.8.20\ncontact:sip:100@SourceIP:SourcePort\n"},
    {3, "to:\"polycom\"<sip:100@1.1.1.1>\nfrom:\"polycom\"<sip:100@1.1.1.1>;tag=1\nuser-agent:Linksys/SPA942-6.1.5\n"},
    {4, "to:\"AmooT\"<sip:100@1.1.1.1>\nfrom:\"AmooT\"<sip:100@1.1.1.1>;tag=1\nuser-agent:Grandstream GXP2000\n"},
    {5, "via:SIP/2.0/UDP nm;branch=foo;rport\nfrom:<sip:nm@nm>;tag=root\nto:<sip:nm2@nm2>\ncall-id:50000\ncseq:42 OPTIONS\nmax-forwards:70\ncontent-length:0\ncontact:<sip:nm@nm>\naccept:application/sdp\n"},
    {6, "from:<sip:test1@test1>;tag=root\nto:<sip:test2@test2>\ncall-id:50000\ncontact:<sip:test1@test1>\n"},
    {7, "from:<sip:a@a>;tag=1\nto:<sip:b@b>\ncall-id:97\ncontact:<sip:test1@test1>\n"},
    {8, "from:<sip:ag@ag>;tag=root\nto:<sip:ag2@ag2>\ncall-id:5000\ncontent-lnegth:0\ncontact:<sip:ag@ag>\n"},
    {9, "contact:<sip:ab12cd34@SourceIP:SourcePort>\nto:<sip:ab12cd34@SourceIP:SourcePort>\nfrom:<ab12cd34<sip:ab12cd34@DestIP:DestPort>;tag=hetfgeeb\nmax-forwards:30\nsupported:100rel\n"},
    {10, "call-id:q1w2e3r4t5@SourceIP\ncontact:<sip:a1b2c3d4@SourceIP:SourcePort>\nfrom:<sip:a1b2c3d4@SourceIP:SourcePort>;tag=9\nto:<sip:a1b2c3d4@SourceIP:SourcePort>\nuser-agent:zx81qwer\n"},
    {11, "call-id:a123-bc2547-a159\nuser-agent:Avaya one-X Deskphone\n"},
    {12, "call-id:a123-bc2547-a159\ncontact:<sip:me@SourceIP:SourcePort>\nfrom:me<sip:me@DestIP>\nto:me<sip:me@DestIP>\nuser-agent:pplsip\n"},
    {13, "call-id:startrinityvoipsecuritytestsuite\ncontact:sip:s3@SourceIP:SourcePort\nfrom:sip:startrinityFriendlyScanner@SourceIP\nto:sip:penetrationTest@DestIP\nuser-agent:StarTrinityFriendlyScanner\n"},
    {14, "via:SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bK776asdhds\ncall-id:a84b4c76e66710\ncontact:<sip:alice@pc33.atlanta.com>\nfrom:Alice<sip:alice@atlanta.com>;tag=1928301774\nto:<sip:carol@chicago.com>\n"},
    {15, "call-id:0123456789abcdef0123456789abcdef@127.0.0.1\ncontact:<sip:b@127.0.0.1>\nfrom:<sip:b@127.0.0.1>;tag=1\nto:<sip:DestIP>\ndate:Sat, 13 Nov 2010 23:29:00 GMT\nuser-agent:Asterisk PBX\n"},
    {16, "contact:<sip:99999@SourceIP:SourcePort>\ncontent-length:209\nfrom:<sip:99999@DestIP:DestPort>;tag=1\nto:<sip:4930123456@DestIP>\n"},
    {17, "call-id:123456789@abcde\nfrom:12345<sip:12345@SourceIP:SourcePort>;tag=1\nto:12345<sip:12345@SourceIP:SourcePort>\nx-nat:nothing\nx-serialnumber:AB12CD34EF\nserver:o2-IAD 6741-2.6.3.32\n"},
    {18, "contact:<sip:adoom@SourceIP:SourcePort>\nfrom:<sip:adoom@DestIP>q8w7e6\nto:<sip:adoom@DestIP>\nuser-agent:Cisco-SIPGateway/IOS-12.x\n"},
    {19, "contact:sip:4930123456@0.0.0.0:SourcePort\nfrom:4930123456<sip:4930123456@DestIP>;tag=1\nto:4930123456<sip:4930123456@DestIP>\nuser-agent:VOIP\n"},
    {20, "contact:sip:DestIP:SourcePort\nfrom:DestIP<sip:01146441408560@DestIP>;tag=1\nto:01146441408560<sip:01146441408560@DestIP>\nuser-agent:Yealink SIP-T46S\n"},
    {21, "contact:<sip:DestIP>\nfrom:Nessus<sip:DestIP:DestPort>;tag=1\nto:Nessus<sip:DestIP:DestPort>\n"},
};

TEST_F(ShippedDatabase, HoldsEveryToolOfTheTable) {
    std::vector<bool> seen(22, false);
    for (const auto& tool : database->tools()) {
        if (tool.table_id >= 1 && tool.table_id <= 21) seen[tool.table_id] = true;
    }
    for (unsigned id = 1; id <= 21; ++id) EXPECT_TRUE(seen[id]) << id;
}

TEST_F(ShippedDatabase, EverySampleNamesItsTool) {
    for (const auto& sample : kSamples) {
        ToolMatch result = match(sample.document);
        ASSERT_GE(result.tool, 0) << "tool " << sample.table_id << " unknown";
        EXPECT_EQ(tool_of(result).table_id, sample.table_id) << "tool " << sample.table_id << " named " << tool_of(result).name;
        EXPECT_TRUE(result.complete) << sample.table_id;
        EXPECT_GT(result.confidence, 0.5f) << sample.table_id;
    }
}

TEST_F(ShippedDatabase, AggregatedFingerprintsStillMatch) {
    // SIPVicious after many packets: random parts became markers.
    std::string marker = "\x1f";
    std::string document = "via:SIP/2.0/UDP SourceIP:SourcePort;branch=z9hG4bK-" + marker + marker + marker +
                           ";rport\nto:\"sipvicious\"<sip:100@1.1.1.1>\nfrom:\"sipvicious\"<sip:100@1.1.1.1>;tag=38" +
                           marker + marker + "\nuser-agent:friendly-scanner\ncall-id:" + marker + marker + marker +
                           "\ncontact:sip:100@SourceIP:SourcePort\n";
    ToolMatch result = match(document);
    ASSERT_GE(result.tool, 0);
    EXPECT_EQ(tool_of(result).table_id, 1u);
    EXPECT_FLOAT_EQ(result.confidence, 1.0f);
    // A user agent that changes in every message (20 characters).
    ToolMatch random_agent = match("user-agent:" + std::string(20, '\x1f') + "\n");
    ASSERT_GE(random_agent.tool, 0);
    EXPECT_EQ(tool_of(random_agent).name, "random-ua-20");
}

TEST_F(ShippedDatabase, SmallChangesKeepTheFamilyWithLowerConfidence) {
    // Nmap with its Call-ID changed: still nmap, not complete.
    ToolMatch changed = match("from:<sip:nm@nm>;tag=root\nto:<sip:nm2@nm2>\ncall-id:12345\ncontact:<sip:nm@nm>\ncseq:42 OPTIONS\n");
    ASSERT_GE(changed.tool, 0);
    EXPECT_EQ(tool_of(changed).family, "nmap");
    EXPECT_FALSE(changed.complete);
    EXPECT_LT(changed.confidence, 0.75f);
    // SIPVicious with a new user agent and display name: the sipvicious family.
    ToolMatch renamed = match("to:\"scanner\"<sip:100@1.1.1.1>\nfrom:\"scanner\"<sip:100@1.1.1.1>;tag=1\nuser-agent:Asterisk\n");
    ASSERT_GE(renamed.tool, 0);
    EXPECT_EQ(tool_of(renamed).family, "sipvicious");
    EXPECT_EQ(tool_of(renamed).table_id, 3u);
}

TEST_F(ShippedDatabase, BenignPhonesAreUnknown) {
    const std::vector<std::string> phones = {
        "via:SIP/2.0/UDP SourceIP:SourcePort;branch=z9hG4bK1984726354;rport\nfrom:\"1001\" <sip:1001@pbx.example.com>;tag=37\n"
        "to:\"1001\" <sip:1001@pbx.example.com>\ncall-id:5b8e1f3a92c44e0e9d1c7a6b2f3e4d5c@SourceIP\ncseq:2 REGISTER\n"
        "contact:<sip:1001@SourceIP:SourcePort;transport=udp>\nuser-agent:Zoiper rv2.8.20\nexpires:3600\n",
        "via:SIP/2.0/UDP SourceIP:SourcePort;branch=z9hG4bK.abc\nfrom:<sip:200@DestIP>;tag=x\nto:<sip:200@DestIP>\n"
        "call-id:abc\ncontact:<sip:200@SourceIP:SourcePort>\nuser-agent:Yealink SIP-T46S 66.85.0.5\n",
    };
    for (const auto& phone : phones) EXPECT_EQ(match(phone).tool, -1) << phone;
}

// A flow without a template is named from its first request
// (match_request): the name must be the one its first-request template
// would get, whatever the message holds — each tool's sample sent for real,
// a phone, repeated headers, compact names, junk headers past the limits
// on keys, an SDP body.
TEST_F(ShippedDatabase, ARequestIsNamedAsItsFirstTemplateIs) {
    auto concrete = [](std::string text) {
        const std::pair<std::string, std::string> kEndpoints[] = {
            {"SourceIP", "203.0.113.9"}, {"DestIP", "198.51.100.7"}, {"SourcePort", "5062"}, {"DestPort", "5060"}};
        for (const auto& [name, value] : kEndpoints)
            for (std::size_t at; (at = text.find(name)) != std::string::npos;) text.replace(at, name.size(), value);
        return text;
    };
    std::vector<std::string> requests;
    for (const auto& sample : kSamples) {
        std::string headers;
        for (std::size_t start = 0, end; (end = sample.document.find('\n', start)) != std::string::npos; start = end + 1) {
            std::string line = sample.document.substr(start, end - start);
            std::size_t colon = line.find(':');
            headers += line.substr(0, colon) + ": " + line.substr(colon + 1) + "\r\n";
        }
        requests.push_back("OPTIONS sip:100@198.51.100.7 SIP/2.0\r\n" + concrete(headers) + "\r\n");
    }
    std::string junk;
    for (int i = 0; i < 20; ++i) junk += "X-Junk-" + std::to_string(i) + ": " + std::to_string(i) + "\r\n";
    requests.push_back("OPTIONS sip:100@198.51.100.7 SIP/2.0\r\nv: SIP/2.0/UDP 203.0.113.9:5062\r\nVia: SIP/2.0/UDP 10.0.0.1\r\n"
                       "f: \"sipvicious\"<sip:100@1.1.1.1>;tag=1\r\nt: \"sipvicious\"<sip:100@1.1.1.1>\r\n" + junk +
                       "User-Agent: x\r\nUser-Agent: friendly-scanner\r\nm: sip:100@203.0.113.9:5062\r\n\r\n");
    requests.push_back("OPTIONS sip:100@198.51.100.7 SIP/2.0\r\n" + junk + junk +
                       "From: \"sipvicious\"<sip:100@1.1.1.1>\r\nUser-Agent: friendly-scanner\r\n\r\n");
    requests.push_back("INVITE sip:0046441408560@198.51.100.7 SIP/2.0\r\nVia: SIP/2.0/UDP 203.0.113.9:5062\r\n"
                       "From: <sip:1000@198.51.100.7>;tag=8\r\nTo: <sip:0046441408560@198.51.100.7>\r\nCall-ID: a123-bc2547-a159\r\n"
                       "User-Agent: Avaya one-X Deskphone\r\nContent-Type: application/sdp\r\n\r\n"
                       "v=0\r\no=- 1 1 IN IP4 203.0.113.9\r\nc=IN IP4 203.0.113.9\r\nm=audio 8000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=sendrecv\r\n");
    requests.push_back("REGISTER sip:198.51.100.7 SIP/2.0\r\nVia: SIP/2.0/UDP 203.0.113.9:5062;branch=z9hG4bK1984726354;rport\r\n"
                       "From: \"1001\" <sip:1001@pbx.example.com>;tag=37\r\nTo: \"1001\" <sip:1001@pbx.example.com>\r\n"
                       "Call-ID: 5b8e1f3a92c44e0e9d1c7a6b2f3e4d5c@203.0.113.9\r\nCSeq: 2 REGISTER\r\nUser-Agent: Zoiper rv2.8.20\r\n\r\n");
    auto request_scratch = database->make_scratch();
    std::size_t named_tools = 0;
    for (const std::string& request : requests) {
        testing_support::Bytes bytes = testing_support::ethernet(
            0x0800, testing_support::ipv4({203, 0, 113, 9}, {198, 51, 100, 7}, 17, testing_support::udp(5062, 5060, request)));
        parser::DecodedFrame frame = parser::decode_frame({bytes.data(), bytes.size()});
        parser::SipMessage message;
        ASSERT_EQ(parser::parse_sip_message(frame.payload_span(), message), parser::SipOutcome::request) << request;
        PacketEndpoints endpoints = PacketEndpoints::of(frame);
        auto first = std::make_unique<HeaderFingerprint>();
        aggregate(*first, message, endpoints);
        if (!scratch) scratch = database->make_scratch();
        ToolMatch expected = database->match(*first, *scratch);
        ToolMatch named = database->match_request(message, endpoints, *request_scratch);
        EXPECT_EQ(named.tool, expected.tool) << request;
        EXPECT_EQ(named.complete, expected.complete) << request;
        EXPECT_FLOAT_EQ(named.confidence, expected.confidence) << request;
        named_tools += named.tool >= 0;
    }
    EXPECT_GE(named_tools, kSamples.size() + 3) << "every sample, the junk-laden SIPVicious ones and the Avaya INVITE";
}

// A fingerprint as the worker holds it (keys and values, no document).
HeaderFingerprint fingerprint_of(const std::vector<std::pair<std::string, std::string>>& entries) {
    HeaderFingerprint fingerprint;
    for (const auto& [key, value] : entries) {
        FingerprintEntry& entry = fingerprint.entries[fingerprint.entry_count++];
        key.copy(entry.key, sizeof entry.key);
        entry.key_length = static_cast<uint8_t>(key.size());
        value.copy(entry.value, sizeof entry.value);
        entry.value_length = static_cast<uint8_t>(value.size());
    }
    fingerprint.packets = 1;
    return fingerprint;
}

// Values are matched one by one and their results cached per worker: a
// repeated value is a hit with the same result, a value one byte apart or
// the same bytes under another key is not.
TEST_F(ShippedDatabase, RepeatedValuesAreMatchedOnceAndCachedExactly) {
    scratch = database->make_scratch();
    auto svmap = [](const std::string& tag, const std::string& call_id) {
        return fingerprint_of({{"via", "SIP/2.0/UDP SourceIP:SourcePort;branch=z9hG4bK-" + tag + ";rport"},
                               {"to", "\"sipvicious\"<sip:100@1.1.1.1>"},
                               {"from", "\"sipvicious\"<sip:100@1.1.1.1>;tag=" + tag},
                               {"user-agent", "friendly-scanner"},
                               {"call-id", call_id},
                               {"contact", "sip:100@SourceIP:SourcePort"}});
    };
    ToolMatch first = database->match(svmap("6338", "a39a4472"), *scratch);
    ASSERT_GE(first.tool, 0);
    EXPECT_EQ(tool_of(first).name, "sipvicious");
    EXPECT_EQ(scratch->cache_hits(), 0u);
    uint64_t misses = scratch->cache_misses();
    EXPECT_EQ(misses, 6u);
    // From, Via and To hold none of their key's search literals; Contact
    // holds "@SourceIP:SourcePort" and is searched.
    EXPECT_EQ(scratch->searches_skipped(), 3u);
    // Every anchored Via condition names its host right after
    // "SIP/2.0/UDP "; SIPVicious's Via begins with none of them.
    EXPECT_EQ(scratch->anchored_skipped(), 1u);
    // Another source of the same tool: only via, from and call-id differ.
    ToolMatch second = database->match(svmap("9f01", "77c0d1e2"), *scratch);
    EXPECT_EQ(second.tool, first.tool);
    EXPECT_EQ(second.complete, first.complete);
    EXPECT_FLOAT_EQ(second.confidence, first.confidence);
    EXPECT_EQ(scratch->cache_hits(), 3u);
    EXPECT_EQ(scratch->cache_misses(), misses + 3);
    // One byte apart: a miss, and the forbidding User-Agent is seen.
    ToolMatch renamed = database->match(fingerprint_of({{"to", "\"sipvicious\"<sip:100@1.1.1.1>"},
                                                         {"from", "\"sipvicious\"<sip:100@1.1.1.1>;tag=6338"},
                                                         {"user-agent", "friendly-scannex"}}),
                                        *scratch);
    EXPECT_NE(renamed.tool, first.tool);
    // The same bytes under a key no condition names are not matched at all,
    // and under another key they are that key's value.
    uint64_t before = scratch->cache_misses() + scratch->cache_hits();
    EXPECT_EQ(database->match(fingerprint_of({{"subject-x", "friendly-scanner"}}), *scratch).tool, -1);
    EXPECT_EQ(scratch->cache_misses() + scratch->cache_hits(), before);
    EXPECT_EQ(database->match(fingerprint_of({{"server", "friendly-scanner"}}), *scratch).tool, -1);
}

// A key whose values never repeat (a Call-ID, a From tag) stops asking the
// cache, which keeps its slots for values that do repeat; what is matched
// stays the same, and a key whose values start repeating asks again.
TEST_F(ShippedDatabase, KeysWhoseValuesNeverRepeatStopAskingTheCache) {
    scratch = database->make_scratch();
    auto fresh = database->make_scratch();
    auto svmap = [](unsigned source) {
        std::string tag = std::to_string(1000003u * source % 999983u);
        return fingerprint_of({{"from", "\"sipvicious\"<sip:100@1.1.1.1>;tag=" + tag},
                               {"user-agent", "friendly-scanner"},
                               {"call-id", std::to_string(7919u * source + 12345u)}});
    };
    for (unsigned source = 0; source < 2 * ToolScratch::kUseWindow; ++source) {
        ToolMatch cached = database->match(svmap(source), *scratch);
        ToolMatch scanned = database->match(svmap(source), *fresh);
        ASSERT_EQ(cached.tool, scanned.tool);
        ASSERT_EQ(cached.complete, scanned.complete);
    }
    // One window of look-ups each: From and Call-ID never hit and are
    // bypassed since; User-Agent hit every time but the first and is not.
    uint64_t bypassed = scratch->cache_bypassed();
    EXPECT_GT(bypassed, 0u);
    uint64_t hits = scratch->cache_hits();
    ToolMatch later = database->match(svmap(7777), *scratch);
    EXPECT_EQ(tool_of(later).name, "sipvicious");
    EXPECT_EQ(scratch->cache_hits(), hits + 1);          // the User-Agent
    EXPECT_EQ(scratch->cache_bypassed(), bypassed + 2);  // From and Call-ID
    // The same From and Call-ID from now on: the probes that keep measuring
    // see them hit, and after a window of probes the cache is asked again.
    uint64_t lookups = ToolScratch::kUseWindow * ToolScratch::kBypassedProbeEvery;
    for (uint64_t i = 0; i < lookups; ++i) database->match(svmap(7777), *scratch);
    uint64_t hits_before = scratch->cache_hits(), bypassed_before = scratch->cache_bypassed();
    database->match(svmap(7777), *scratch);
    EXPECT_EQ(scratch->cache_bypassed(), bypassed_before);
    EXPECT_EQ(scratch->cache_hits(), hits_before + 3);
}

// A condition reads its own key's value: it can no longer run on into the
// next line of the template (a From condition ending in the To header).
TEST(ToolDatabaseValues, AConditionNeverSpansTwoHeaders) {
    auto database = ToolDatabase::from_text("[tool]\nname = t\nfamily = x\nrequire from = \"?[^\"<]+\"?\\s*<sip:100@1\\.1\\.1\\.1>\n", "t.conf");
    auto scratch = database->make_scratch();
    EXPECT_EQ(database->match_document("from:\"x\"<sip:100@1.1.1.1>\n", *scratch).tool, 0);
    EXPECT_EQ(database->match_document("from:abc\nto:<sip:100@1.1.1.1>\n", *scratch).tool, -1);
    // A pattern is read from the value's start, alternatives included.
    auto either = ToolDatabase::from_text("[tool]\nname = e\nfamily = x\nrequire user-agent = foo|bar\n", "e.conf");
    auto either_scratch = either->make_scratch();
    EXPECT_EQ(either->match_document("user-agent:bar 1.0\n", *either_scratch).tool, 0);
    EXPECT_EQ(either->match_document("user-agent:not bar\n", *either_scratch).tool, -1);
}

// Anchored conditions that all begin with plain characters are not run on
// a value that begins with none of them; the result is the same.
TEST(ToolDatabaseValues, AnchoredConditionsAreSkippedOnlyWhenNoPrefixCanMatch) {
    auto database = ToolDatabase::from_text("[tool]\nname = a\nfamily = x\nrequire via = SIP/2\\.0/UDP nm;branch=foo\n"
                                            "[tool]\nname = b\nfamily = x\nrequire via = SIP/2\\.0/TCP [a-z]+\\.example\n"
                                            "[tool]\nname = c\nfamily = x\nrequire via = SIP/2\\.0/UDP 10\\.0\\.0\\.1$\n"
                                            "[tool]\nname = d\nfamily = x\nrequire to = <sip:x@y>\n"
                                            "[tool]\nname = e\nfamily = x\nrequire to = \"?eve\n",
                                            "p.conf");
    auto scratch = database->make_scratch();
    auto name = [&](const std::string& document) {
        ToolMatch match = database->match_document(document, *scratch);
        return match.tool < 0 ? std::string("-") : database->tools()[static_cast<std::size_t>(match.tool)].name;
    };
    EXPECT_EQ(name("via:SIP/2.0/UDP nm;branch=foo;rport\n"), "a");
    EXPECT_EQ(name("via:SIP/2.0/UDP 10.0.0.1\n"), "c");
    EXPECT_EQ(name("via:SIP/2.0/UDP 10.0.0.1;rport\n"), "-");
    EXPECT_EQ(name("via:SIP/2.0/TCP host.example\n"), "b");
    EXPECT_EQ(scratch->anchored_skipped(), 0u);
    EXPECT_EQ(name("via:SIP/2.0/UDP 192.0.2.1;branch=foo\n"), "-");
    EXPECT_EQ(name("via:x SIP/2.0/UDP nm;branch=foo\n"), "-") << "a prefix inside the value does not begin it";
    EXPECT_EQ(name("via:\n"), "-");
    EXPECT_EQ(scratch->anchored_skipped(), 3u);
    // A key with one condition that has no prefix ("? makes the quote
    // optional) is always scanned.
    EXPECT_EQ(name("to:eve <sip:eve@x>\n"), "e");
    EXPECT_EQ(name("to:mallory\n"), "-");
    EXPECT_EQ(scratch->anchored_skipped(), 3u);
}

TEST(RequiredPrefix, ThePlainCharactersEveryMatchBeginsWith) {
    EXPECT_EQ(required_prefix("SIP/2\\.0/UDP nm;branch=foo"), "SIP/2.0/UDP nm;branch=foo");
    EXPECT_EQ(required_prefix("SIP/2\\.0/UDP SourceIP:SourcePort;rport"), "SIP/2.0/UDP SourceIP:SourcePort;rport");
    EXPECT_EQ(required_prefix("abc\\d+x"), "abc");
    EXPECT_EQ(required_prefix("ab?cdef"), "a") << "an optional character ends the prefix without itself";
    EXPECT_EQ(required_prefix("abc+d"), "abc") << "a repeated character is there at least once";
    EXPECT_EQ(required_prefix("pq{0,3}rs"), "p");
    EXPECT_EQ(required_prefix("abc(de|f)g"), "abc") << "an alternative inside a group";
    EXPECT_EQ(required_prefix("50000$"), "50000");
    // Nothing certain: "" (the conditions are then run on every value).
    EXPECT_EQ(required_prefix("\"?sipvicious"), "");
    EXPECT_EQ(required_prefix("a*bc"), "");
    EXPECT_EQ(required_prefix("(ab)?cd"), "");
    EXPECT_EQ(required_prefix("[0-9]{9}@x"), "");
    EXPECT_EQ(required_prefix(".*abc"), "");
    EXPECT_EQ(required_prefix("abc|abd"), "");
    EXPECT_EQ(required_prefix("(?i)abc"), "");
    EXPECT_EQ(required_prefix("\\x1fabc"), "");
    EXPECT_EQ(required_prefix(""), "");
}

TEST(RequiredLiteral, TheLongestRunEveryMatchHolds) {
    EXPECT_EQ(required_literal(".*;tag=hetfgeeb"), ";tag=hetfgeeb");
    EXPECT_EQ(required_literal(".*.{8}@SourceIP:SourcePort"), "@SourceIP:SourcePort");
    EXPECT_EQ(required_literal(".*pc33\\.atlanta\\.com"), "pc33.atlanta.com");
    EXPECT_EQ(required_literal("ab?cdef"), "cdef") << "an optional character ends the run without itself";
    EXPECT_EQ(required_literal("xyzw*vu"), "xyz");
    EXPECT_EQ(required_literal("abc+d"), "abc") << "a repeated character is there at least once";
    EXPECT_EQ(required_literal("pq{0,3}rs"), "rs");
    EXPECT_EQ(required_literal("pqr{2}s"), "pqr");
    EXPECT_EQ(required_literal("(a|b)cd[x-z]+hello\\d"), "hello");
    EXPECT_EQ(required_literal("a[]b]cd"), "cd") << "']' first in a class is a member";
    EXPECT_EQ(required_literal("[[:alpha:]]xy"), "xy");
    // Nothing certain: "" (the regex is then matched every time).
    EXPECT_EQ(required_literal("abc|def"), "");
    EXPECT_EQ(required_literal("(?i)abcdef"), "");
    EXPECT_EQ(required_literal("\\x1fabc"), "");
    EXPECT_EQ(required_literal("abc{var}"), "");
    EXPECT_EQ(required_literal("(abc"), "");
    EXPECT_EQ(required_literal(".*"), "");
}

// The searches a key's literals rule out are skipped, and what a value
// matches is what std::regex says the condition matches, on values made of
// the literals' pieces (present, broken, repeated).
TEST(ToolDatabaseValues, SkippingSearchesNeverChangesAResult) {
    const std::vector<std::string> patterns = {".*;tag=hetfgeeb", ".*.{8}@SourceIP:SourcePort", ".*ab?cd+e",
                                               ".*x{0,2}yz[0-9]+q", ".*(foo|bar)baz"};
    const std::vector<std::string> pieces = {";tag=", "hetfgeeb", "hetfgee", "@SourceIP", ":SourcePort", "abcde", "acdde",
                                             "yz", "9", "q", "foo", "bar", "baz", "x", "12345678", "-", "@"};
    std::mt19937 random(11);
    for (const std::string& pattern : patterns) {
        auto database = ToolDatabase::from_text("[tool]\nname = t\nfamily = x\nrequire from = " + pattern + "\n", "t.conf");
        auto scratch = database->make_scratch();
        const std::regex reference("^(?:" + pattern + ")");
        unsigned matched = 0;
        for (int trial = 0; trial < 3000; ++trial) {
            std::string value;
            for (unsigned n = random() % 7; n > 0; --n) value += pieces[random() % pieces.size()];
            bool expected = std::regex_search(value, reference);
            EXPECT_EQ(database->match_document("from:" + value + "\n", *scratch).tool == 0, expected) << pattern << " on " << value;
            matched += expected;
        }
        EXPECT_GT(matched, 0u) << pattern;
        EXPECT_GT(scratch->searches_skipped(), 0u) << pattern;
    }
}

// Equally good identifications go to the tool listed first, whichever
// value (and so whichever tool) was matched first.
TEST(ToolDatabaseValues, ATieGoesToTheToolListedFirst) {
    auto database = ToolDatabase::from_text("[tool]\nname = listed-first\nfamily = x\nrequire user-agent = scan\n"
                                            "[tool]\nname = listed-second\nfamily = x\nrequire from = scan\n", "t.conf");
    auto scratch = database->make_scratch();
    EXPECT_EQ(database->match_document("from:scan\nuser-agent:scan\n", *scratch).tool, 0);
    EXPECT_EQ(database->match_document("user-agent:scan\nfrom:scan\n", *scratch).tool, 0);
    EXPECT_EQ(database->match_document("from:scan\n", *scratch).tool, 1);
}

struct BrokenCase {
    const char* text;
    const char* expected;
};

TEST(ToolDatabaseErrors, BrokenEntriesAreNamedWithTheReason) {
    const BrokenCase cases[] = {
        {"[tool]\nid = 1\nname = bad\nfamily = x\nrequire from = (unclosed\n", "test.conf:5: tool 'bad': pattern for 'from' does not compile"},
        {"[tool]\nname = nothing\nfamily = x\n", "tool 'nothing': needs at least one 'require'"},
        {"[tool]\nname = t\nfamily = x\ncolour = red\nrequire a = b\n", "test.conf:4: tool 't': unknown setting 'colour'"},
        {"[tool]\nid = seven\nname = t\n", "test.conf:2: id must be a number"},
        {"name = orphan\n", "test.conf:1: 'name = orphan' before the first [tool]"},
        {"[tool]\nname = t\nfamily = x\nrequire a = b\n[tool]\nname = t\nfamily = y\nrequire c = d\n", "tool 't': name used twice"},
        {"[tool]\nname = t\nfamily = x\nstrategy = spiral\nrequire a = b\n", "strategy must be"},
        {"# empty\n", "holds no [tool]"},
        {"[tool]\nid = 3\nname = one\nfamily = x\nrequire a = b\n[tool]\nid = 3\nname = two\nfamily = x\nrequire c = d\n",
         "test.conf:6: tool 'two': id 3 already used by 'one'"},
        {"[tool]\nname = bad\xff\xfename\nfamily = x\nrequire a = b\n", "name may hold only letters"},
        {"[tool]\nname = ok\nfamily = quote\"d\nrequire a = b\n", "family may hold only letters"},
    };
    for (const auto& test_case : cases) {
        try {
            ToolDatabase::from_text(test_case.text, "test.conf");
            ADD_FAILURE() << "accepted: " << test_case.text;
        } catch (const ToolDatabaseError& error) {
            EXPECT_NE(std::string(error.what()).find(test_case.expected), std::string::npos)
                << error.what() << " (wanted: " << test_case.expected << ")";
        }
    }
    EXPECT_THROW(ToolDatabase::load("/nonexistent/tools.conf"), ToolDatabaseError);
}

}  // namespace
}  // namespace sipscope::fingerprint
