// Dialled numbers, source intent and behaviours.
#include <gtest/gtest.h>

#include <string>

#include "source_intent.hpp"

namespace sipscope::fingerprint {
namespace {

struct NumberCase {
    const char* dialled;
    bool valid;
    const char* normalised;
    bool international;
    const char* country;
    bool extension = false;
};

TEST(DialedNumber, OneNumberWhateverThePrefix) {
    const NumberCase cases[] = {
        {"01146441408560", true, "+46441408560", true, "SE"},   // tool 20 of the paper: 011 + Sweden
        {"0046441408560", true, "+46441408560", true, "SE"},
        {"+46441408560", true, "+46441408560", true, "SE"},
        {"90046441408560", true, "+46441408560", true, "SE"},   // outside line 9, then 00
        {"9011-46-441-408560", true, "+46441408560", true, "SE"},
        {"000972599123456", true, "+972599123456", true, "IL"},
        {"0044 20 7946 0000", true, "+442079460000", true, "GB"},
        {"+1 (202) 555-0100", true, "+12025550100", true, "NANP"},
        {"0301234567", true, "0301234567", false, ""},          // national: a number, no country
        {"810525551690000", true, "810525551690000", false, ""},  // no international prefix: not Japan
        {"100", true, "100", false, "", true},                  // extensions
        {"300", true, "300", false, "", true},
        {"200101", true, "200101", false, "", true},
        {"alice", false, "", false, ""},
        {"12", false, "", false, ""},
    };
    for (const auto& test_case : cases) {
        DialedNumber number;
        bool valid = normalize_dialed_number(test_case.dialled, number);
        EXPECT_EQ(valid, test_case.valid) << test_case.dialled;
        if (!valid) continue;
        EXPECT_EQ(number.view(), test_case.normalised) << test_case.dialled;
        EXPECT_EQ(number.international, test_case.international) << test_case.dialled;
        EXPECT_EQ(number.extension, test_case.extension) << test_case.dialled;
        EXPECT_EQ(country_of(number.view()), test_case.country) << test_case.dialled;
    }
    EXPECT_EQ(country_of("+4930123456"), "DE");
    EXPECT_EQ(country_of("+35312345678"), "IE");
    EXPECT_EQ(country_of("+88216012345"), "INTL-NETWORKS");
    EXPECT_EQ(country_of("4930123456"), "") << "a national number has no country";
}

parser::SipMessage parse(const std::string& text) {
    static std::string keep;
    keep = text;
    parser::SipMessage message;
    parser::parse_sip_message({reinterpret_cast<const uint8_t*>(keep.data()), keep.size()}, message);
    return message;
}

TEST(SourceIntent, TollFraudNumbersCountOnceAcrossPrefixes) {
    SourceIntent intent;
    for (const char* prefix : {"00", "011", "900", "+", "9011"}) {
        std::string text = std::string("INVITE sip:") + prefix + "46441408560@198.51.100.7 SIP/2.0\r\nCall-ID: x\r\n\r\n";
        auto message = parse(text);
        intent.observe_request(message);
    }
    ASSERT_EQ(intent.numbers.size, 1);
    EXPECT_EQ(intent.numbers.items[0].view(), "+46441408560");
    EXPECT_EQ(intent.numbers.items[0].count, 5u);
    EXPECT_EQ(intent.invites_to_numbers, 5u);
    EXPECT_EQ(intent.international_invites, 5u);
    EXPECT_EQ(intent.distinct_numbers.count(), 1u);
    EXPECT_TRUE(behaviours_of(intent, 1, 5, BehaviourThresholds{}) & (1u << static_cast<unsigned>(Behaviour::call_attempts)));
}

constexpr uint8_t kCallAttempts = 1u << static_cast<unsigned>(Behaviour::call_attempts);

SourceIntent invites_to(const std::vector<std::string>& users) {
    SourceIntent intent;
    for (const auto& user : users) intent.observe_request(parse("INVITE sip:" + user + "@198.51.100.7 SIP/2.0\r\nCall-ID: x\r\n\r\n"));
    return intent;
}

// What SIPp's client does (answered calls to extension 300), a phone
// calling one colleague 30 times, or a few national numbers: calls, not
// toll fraud.
TEST(SourceIntent, CallsThatAreCalls) {
    SourceIntent sipp = invites_to(std::vector<std::string>(5, "300"));
    EXPECT_EQ(sipp.invites_to_numbers, 0u) << "an extension is no number";
    EXPECT_EQ(sipp.numbers.size, 0);
    EXPECT_FALSE(behaviours_of(sipp, 1, 5, BehaviourThresholds{}) & kCallAttempts);
    SourceIntent colleague = invites_to(std::vector<std::string>(30, "0301234567"));
    EXPECT_EQ(colleague.invites_to_numbers, 30u);
    EXPECT_EQ(colleague.international_invites, 0u);
    EXPECT_FALSE(behaviours_of(colleague, 1, 30, BehaviourThresholds{}) & kCallAttempts);
    SourceIntent errands = invites_to({"0301234567", "0401234567", "0891234567", "0301234568"});
    EXPECT_FALSE(behaviours_of(errands, 1, 4, BehaviourThresholds{}) & kCallAttempts);
}

// Toll fraud: international calls, or many numbers tried.
TEST(SourceIntent, TollFraudByManyNumbers) {
    std::vector<std::string> users;
    for (int i = 0; i < 10; ++i) users.push_back("030123456" + std::to_string(i));
    SourceIntent dialler = invites_to(users);
    EXPECT_EQ(dialler.distinct_numbers.count(), 10u);
    EXPECT_TRUE(behaviours_of(dialler, 1, 10, BehaviourThresholds{}) & kCallAttempts);
    SourceIntent abroad = invites_to({"0046441408561", "0046441408562", "+972599123456", "011442079460000", "9004930123456"});
    EXPECT_EQ(abroad.international_invites, 5u);
    EXPECT_TRUE(behaviours_of(abroad, 1, 5, BehaviourThresholds{}) & kCallAttempts);
}

TEST(SourceIntent, BruteForceUsernamesAndAgents) {
    SourceIntent intent;
    for (int i = 0; i < 12; ++i) {
        std::string user = i < 8 ? "1001" : "admin";
        std::string agent = "agent" + std::to_string(i);
        auto message = parse("REGISTER sip:198.51.100.7 SIP/2.0\r\nTo: <sip:" + user + "@198.51.100.7>\r\nUser-Agent: " + agent +
                             "\r\nAuthorization: Digest username=\"" + user + "\", realm=\"x\", response=\"" +
                             std::to_string(i) + "\"\r\n\r\n");
        intent.observe_request(message);
    }
    EXPECT_EQ(intent.auth_attempts, 12u);
    ASSERT_EQ(intent.usernames.size, 2);
    EXPECT_EQ(intent.usernames.items[0].view(), "1001");
    EXPECT_EQ(intent.usernames.items[0].count, 8u);
    EXPECT_EQ(intent.distinct_extensions(), 2u);  // from To: REGISTER's request URI has no user
    EXPECT_TRUE(intent.user_agent_changes_per_message());
    EXPECT_EQ(intent.user_agents.size, 3);
    EXPECT_TRUE(intent.user_agents.overflowed_distinct);
    uint8_t behaviours = behaviours_of(intent, 1, 0, BehaviourThresholds{});
    EXPECT_TRUE(behaviours & (1u << static_cast<unsigned>(Behaviour::credential_brute_force)));
    EXPECT_FALSE(behaviours & (1u << static_cast<unsigned>(Behaviour::extension_enumeration)));
}

TEST(SourceIntent, EnumerationAndExposure) {
    SourceIntent intent;
    for (int extension = 100; extension < 150; ++extension) {
        intent.observe_request(parse("OPTIONS sip:" + std::to_string(extension) + "@198.51.100.7 SIP/2.0\r\n\r\n"));
    }
    EXPECT_GE(intent.distinct_extensions(), 35u);  // estimated beyond 16
    EXPECT_TRUE(behaviours_of(intent, 1, 0, BehaviourThresholds{}) &
                (1u << static_cast<unsigned>(Behaviour::extension_enumeration)));
    EXPECT_FALSE(behaviours_of(intent, 50, 0, BehaviourThresholds{}) &
                 (1u << static_cast<unsigned>(Behaviour::extension_enumeration)));  // many hosts: a horizontal scan
    parser::DecodedFrame from_pbx;
    from_pbx.source = *parser::IpAddress::parse("198.51.100.7");
    intent.observe_response(parse("SIP/2.0 404 Not Found\r\n\r\n"), from_pbx);
    intent.observe_response(parse("SIP/2.0 200 OK\r\n\r\n"), from_pbx);
    ASSERT_EQ(intent.responder_count, 1);
    EXPECT_EQ(intent.responders[0].last_status, 200);
    EXPECT_EQ(intent.responders[0].responses, 2u);
}

}  // namespace
}  // namespace sipscope::fingerprint

namespace sipscope::fingerprint {
namespace {

bool shows(const SourceIntent& intent, Behaviour behaviour) {
    return behaviours_of(intent, 1, 0, BehaviourThresholds{}) & (1u << static_cast<unsigned>(behaviour));
}

std::string credentialed(const std::string& user, int cseq) {
    return "REGISTER sip:198.51.100.7 SIP/2.0\r\nCall-ID: c" + std::to_string(cseq) + "\r\nCSeq: " + std::to_string(cseq) +
           " REGISTER\r\nTo: <sip:" + user + "@198.51.100.7>\r\nAuthorization: Digest username=\"" + user +
           "\", realm=\"x\", nonce=\"n\", uri=\"sip:198.51.100.7\", response=\"0\"\r\n\r\n";
}

std::string answer(int status, int cseq) {
    return "SIP/2.0 " + std::to_string(status) + " X\r\nCall-ID: c" + std::to_string(cseq) + "\r\nCSeq: " +
           std::to_string(cseq) + " REGISTER\r\n\r\n";
}

parser::DecodedFrame from_pbx() {
    parser::DecodedFrame frame;
    uint8_t pbx[4] = {198, 51, 100, 7};
    frame.source = parser::IpAddress::from_ipv4(pbx);
    return frame;
}

// Many passwords on one username, refused, then accepted: brute force and
// a credential found.
TEST(SourceIntent, BruteForceThenFound) {
    SourceIntent intent;
    for (int attempt = 1; attempt <= 9; ++attempt) {
        intent.observe_request(parse(credentialed("admin", attempt)));
        intent.observe_response(parse(answer(attempt < 9 ? 403 : 200, attempt)), from_pbx());
    }
    EXPECT_EQ(intent.auth_attempts, 9u);
    EXPECT_EQ(intent.auth_failures, 8u);
    EXPECT_EQ(intent.auth_successes, 1u);
    EXPECT_EQ(intent.failures_before_success, 8u);
    EXPECT_TRUE(shows(intent, Behaviour::credential_found));
    EXPECT_FALSE(shows(intent, Behaviour::password_spraying));
    intent.observe_request(parse(credentialed("admin", 10)));
    intent.observe_response(parse(answer(403, 10)), from_pbx());
    intent.observe_request(parse(credentialed("admin", 11)));
    intent.observe_response(parse(answer(403, 11)), from_pbx());
    EXPECT_TRUE(shows(intent, Behaviour::credential_brute_force)) << "10 refusals on one username";
}

// One or two passwords on many usernames: spraying, not brute force.
TEST(SourceIntent, SprayingIsNotBruteForce) {
    SourceIntent intent;
    int cseq = 0;
    for (int user = 0; user < 30; ++user) {
        for (int attempt = 0; attempt < 2; ++attempt) {
            intent.observe_request(parse(credentialed(std::to_string(200 + user), ++cseq)));
            intent.observe_response(parse(answer(403, cseq)), from_pbx());
        }
    }
    EXPECT_NEAR(static_cast<double>(intent.distinct_usernames.count()), 30.0, 30 * 0.15);  // estimated past 16
    EXPECT_TRUE(shows(intent, Behaviour::password_spraying));
    EXPECT_FALSE(shows(intent, Behaviour::credential_brute_force));
    EXPECT_FALSE(shows(intent, Behaviour::credential_found));
}

// A phone's registration refreshes: challenge, credentials, 200 — every
// hour for a day. Nothing refused, nothing to flag.
TEST(SourceIntent, RegistrationRefreshesAreNoAttack) {
    SourceIntent intent;
    for (int refresh = 1; refresh <= 24; ++refresh) {
        intent.observe_request(parse("REGISTER sip:198.51.100.7 SIP/2.0\r\nCall-ID: p\r\nCSeq: " + std::to_string(2 * refresh) +
                                     " REGISTER\r\nTo: <sip:1001@198.51.100.7>\r\n\r\n"));
        intent.observe_response(parse("SIP/2.0 401 Unauthorized\r\nCall-ID: p\r\nCSeq: " + std::to_string(2 * refresh) +
                                      " REGISTER\r\n\r\n"), from_pbx());
        std::string with = credentialed("1001", 0);
        intent.observe_request(parse("REGISTER sip:198.51.100.7 SIP/2.0\r\nCall-ID: p\r\nCSeq: " + std::to_string(2 * refresh + 1) +
                                     " REGISTER\r\nAuthorization: Digest username=\"1001\", nonce=\"n\", uri=\"u\", response=\"r\"\r\n\r\n"));
        intent.observe_response(parse("SIP/2.0 200 OK\r\nCall-ID: p\r\nCSeq: " + std::to_string(2 * refresh + 1) +
                                      " REGISTER\r\n\r\n"), from_pbx());
    }
    EXPECT_EQ(intent.auth_failures, 0u);
    EXPECT_EQ(intent.auth_successes, 24u);
    EXPECT_FALSE(shows(intent, Behaviour::credential_found));
    EXPECT_FALSE(shows(intent, Behaviour::password_spraying));
    // 24 credentialed requests on one username would read as brute force
    // were refusals not counted: the rule must see that none was refused.
    EXPECT_FALSE(shows(intent, Behaviour::credential_brute_force));
}

}  // namespace
}  // namespace sipscope::fingerprint

namespace sipscope::fingerprint {
namespace {

uint8_t cue_bits(std::initializer_list<CraftingCue> cues) {
    uint8_t bits = 0;
    for (CraftingCue cue : cues) bits |= static_cast<uint8_t>(1u << static_cast<unsigned>(cue));
    return bits;
}

// Seed 004's INVITE (the Patton log, folded lines joined): an X-Lite that
// no X-Lite sent. Its Call-ID holds spaces, its branch lacks RFC 3261's
// magic cookie; the caller it claims is 5199362832664.
TEST(SourceIntent, SeedFourFakeXLiteIsScripted) {
    SourceIntent intent;
    intent.observe_request(parse(
        "INVITE sip:810525551690000@1.2.3.4;transport=udp SIP/2.0\r\n"
        "Via: SIP/2.0/UDP 213.130.74.70:3808;branch=100100101101011111101110 00100213.130.74.701.2.3.41863480914;rport\r\n"
        "Max-Forwards: 100\r\n"
        "From: <sip:5199362832664@1.2.3.4>;tag=21671132663- 4985269162167113266321671132663213.130.74.70\r\n"
        "To: <sip:810525551690000@1.2.3.4>\r\n"
        "Call-ID: 83764811100011101110010010110101101100111001001011 0101111110111000100213.130.74.701.2.3.41863480914f\r\n"
        "CSeq: 1 INVITE\r\nContact: <sip:fdf238@213.130.74.70:3808;transport=udp>\r\nContent-Type: application/sdp\r\n"
        "User-Agent: X-Lite release 1006e stamp 34025\r\nContent-Length: 0\r\n\r\n"));
    EXPECT_EQ(intent.crafting_cues, cue_bits({CraftingCue::space_in_call_id, CraftingCue::via_branch_not_rfc3261,
                                              CraftingCue::user_agent_mismatch}));
    EXPECT_TRUE(intent.scripted());
    ASSERT_EQ(intent.callers.size, 1);
    EXPECT_EQ(intent.callers.items[0].view(), "5199362832664");
}

// The same agent from a request its stack would write: nothing to say.
TEST(SourceIntent, GenuineLookingSoftphoneHasNoCues) {
    SourceIntent intent;
    intent.observe_request(parse(
        "INVITE sip:0301234567@voip.example.net SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-d8754z-1a2b3c;rport\r\n"
        "Max-Forwards: 70\r\nFrom: \"Alice\"<sip:alice@voip.example.net>;tag=9f3e21\r\nTo: <sip:0301234567@voip.example.net>\r\n"
        "Call-ID: YjQ0ZTg1ZDYxNDk3\r\nCSeq: 1 INVITE\r\nUser-Agent: X-Lite release 1104o stamp 56125\r\nContent-Length: 0\r\n\r\n"));
    EXPECT_EQ(intent.crafting_cues, 0);
    EXPECT_FALSE(intent.scripted());
    // Nmap's NSE keeps a tag but brands no product; a tagless From is a cue on its own.
    SourceIntent tagless;
    tagless.observe_request(parse("OPTIONS sip:100@198.51.100.7 SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bKx\r\n"
                                  "From: <sip:100@198.51.100.7>\r\nUser-Agent: Asterisk PBX 13\r\n\r\n"));
    EXPECT_EQ(tagless.crafting_cues, cue_bits({CraftingCue::from_without_tag, CraftingCue::user_agent_mismatch}));
    EXPECT_TRUE(claims_full_sip_stack("Yealink SIP-T46S 66.85.0.5"));
    EXPECT_TRUE(claims_full_sip_stack("PolycomSoundPointIP-SPIP_550-UA/3.3.1"));
    EXPECT_FALSE(claims_full_sip_stack("friendly-scanner"));
    EXPECT_FALSE(claims_full_sip_stack("sipsak 0.9.8.1"));
}

}  // namespace
}  // namespace sipscope::fingerprint
