// Dialled numbers, source intent and behaviours.
#include <gtest/gtest.h>
#include <phonenumbers/phonenumber.pb.h>
#include <phonenumbers/phonenumberutil.h>

#include <list>
#include <random>
#include <set>
#include <string>

#include "source_counters.hpp"
#include "source_intent.hpp"

namespace sipscope::fingerprint {
namespace {

struct NumberCase {
    const char* dialled;
    bool valid;
    const char* normalised;
    bool international;
    DialForm form;
    bool extension = false;
};

TEST(DialedNumber, OneNumberWhateverThePrefix) {
    const NumberCase cases[] = {
        {"01146441408560", true, "+46441408560", true, DialForm::idd_011},  // tool 20 of the paper: 011 + Sweden
        {"0046441408560", true, "+46441408560", true, DialForm::idd_00},
        {"+46441408560", true, "+46441408560", true, DialForm::plus},
        {"90046441408560", true, "+46441408560", true, DialForm::outside_line_00},  // outside line 9, then 00
        {"9011-46-441-408560", true, "+46441408560", true, DialForm::outside_line_011},
        {"000972599123456", true, "+972599123456", true, DialForm::outside_line_00},
        {"0044 20 7946 0000", true, "+442079460000", true, DialForm::idd_00},
        {"+1 (202) 555-0100", true, "+12025550100", true, DialForm::plus},
        {"0301234567", true, "0301234567", false, DialForm::as_dialled},        // national: a number, no country
        {"810525551690000", true, "810525551690000", false, DialForm::as_dialled},  // no international prefix: not Japan
        {"100", true, "100", false, DialForm::as_dialled, true},                // extensions
        {"300", true, "300", false, DialForm::as_dialled, true},
        {"200101", true, "200101", false, DialForm::as_dialled, true},
        {"alice", false, "", false, DialForm::as_dialled},
        {"12", false, "", false, DialForm::as_dialled},
    };
    for (const auto& test_case : cases) {
        DialedNumber number;
        bool valid = normalize_dialed_number(test_case.dialled, number);
        EXPECT_EQ(valid, test_case.valid) << test_case.dialled;
        if (!valid) continue;
        EXPECT_EQ(number.view(), test_case.normalised) << test_case.dialled;
        EXPECT_EQ(number.international, test_case.international) << test_case.dialled;
        EXPECT_EQ(number.extension, test_case.extension) << test_case.dialled;
        EXPECT_EQ(number.form, test_case.form) << test_case.dialled;
    }
}

struct PlanCase {
    const char* home;
    const char* dialled;
    const char* number;      // after the plan
    bool international;
    DialForm form;
    const char* country;
    NumberKind kind;
};

// Countries and types come from libphonenumber's plans; a home country
// decides how numbers dialled without an international prefix read.
TEST(NumberPlan, CountryTypeAndFormFromTheNumberingPlan) {
    const PlanCase cases[] = {
        // No home country: international numbers only.
        {"", "0046441408560", "+46441408560", true, DialForm::idd_00, "SE", NumberKind::fixed_line},
        {"", "+19005551234", "+19005551234", true, DialForm::plus, "US", NumberKind::premium_rate},
        {"", "00448712345678", "+448712345678", true, DialForm::idd_00, "GB", NumberKind::premium_rate},
        {"", "0049900123", "+49900123", true, DialForm::idd_00, "DE", NumberKind::invalid},
        {"", "0301234567", "0301234567", false, DialForm::as_dialled, "", NumberKind::unknown},
        {"", "810525551690000", "810525551690000", false, DialForm::as_dialled, "", NumberKind::unknown},
        // Home DE: national numbers are German, with their type.
        {"DE", "0301234567", "+49301234567", false, DialForm::home_national, "DE", NumberKind::fixed_line},
        {"de", "09001234567", "+499001234567", false, DialForm::home_national, "DE", NumberKind::premium_rate},
        {"DE", "015112345678", "+4915112345678", false, DialForm::home_national, "DE", NumberKind::mobile},
        {"DE", "0046441408560", "+46441408560", true, DialForm::idd_00, "SE", NumberKind::fixed_line},
        // Home GB: a number valid only as E.164 without its '+'.
        {"GB", "46441408560", "+46441408560", true, DialForm::e164_without_plus, "SE", NumberKind::fixed_line},
        // Home JP and AU: their own international prefixes (010, 0011).
        {"JP", "01046441408560", "+46441408560", true, DialForm::home_idd, "SE", NumberKind::fixed_line},
        {"AU", "0011442079460000", "+442079460000", true, DialForm::home_idd, "GB", NumberKind::fixed_line},
    };
    for (const auto& test_case : cases) {
        NumberPlan plan(test_case.home);
        DialedNumber number;
        ASSERT_TRUE(normalize_dialed_number(test_case.dialled, number)) << test_case.dialled;
        NumberClass result = plan.classify(number, 0);
        std::string where = std::string(test_case.home) + " " + test_case.dialled;
        EXPECT_EQ(number.view(), test_case.number) << where;
        EXPECT_EQ(number.international, test_case.international) << where;
        EXPECT_EQ(number.form, test_case.form) << where;
        EXPECT_EQ(result.region_view(), test_case.country) << where;
        EXPECT_EQ(label(result.kind), label(test_case.kind)) << where;
    }
    EXPECT_TRUE(NumberPlan::known_region("se"));
    EXPECT_FALSE(NumberPlan::known_region("XX"));
    EXPECT_FALSE(NumberPlan::known_region(""));
    EXPECT_THROW(NumberPlan("Sweden"), std::invalid_argument);
}

TEST(NumberPlan, CachedAndLimitedPerSecondOfPacketTime) {
    OwnedCounter lookups, over_budget;
    NumberPlan plan("", {&lookups, &over_budget});
    auto classify = [&](std::string dialled, uint64_t now_us) {
        DialedNumber number;
        EXPECT_TRUE(normalize_dialed_number(dialled, number));
        return plan.classify(number, now_us);
    };
    const uint64_t start = 1'700'000'000'000'000;
    EXPECT_EQ(classify("+46441408560", start).region_view(), "SE");
    EXPECT_EQ(classify("0046441408560", start).region_view(), "SE");  // the same number: cached
    EXPECT_EQ(lookups.read(), 1u);
    // A flood of distinct numbers within one second (each read without a
    // parse: a unit each): the limit, then only the calling code's country.
    for (uint32_t i = 1; i < NumberPlan::kLookupUnitsPerSecond; ++i) classify("+4930" + std::to_string(1000000 + i), start);
    EXPECT_EQ(lookups.read(), NumberPlan::kLookupUnitsPerSecond);
    EXPECT_EQ(over_budget.read(), 0u);
    NumberClass late = classify("+8190" + std::to_string(12345678), start);
    EXPECT_EQ(over_budget.read(), 1u);
    EXPECT_EQ(late.region_view(), "JP");
    EXPECT_EQ(late.kind, NumberKind::unknown);
    // Within a second of packet time the budget is back.
    NumberClass later = classify("+8190" + std::to_string(12345678), start + 100'000);
    EXPECT_EQ(lookups.read(), NumberPlan::kLookupUnitsPerSecond + 1);
    EXPECT_EQ(later.kind, NumberKind::mobile);

    // Numbers that need libphonenumber's parse (Britain's national prefix
    // dialled after +44) cost kParsedLookupUnits each.
    OwnedCounter parsed_lookups, parsed_over;
    NumberPlan parsing("", {&parsed_lookups, &parsed_over});
    const uint32_t affordable = NumberPlan::kLookupUnitsPerSecond / NumberPlan::kParsedLookupUnits;
    for (uint32_t i = 0; i <= affordable; ++i) {
        DialedNumber number;
        ASSERT_TRUE(normalize_dialed_number("+44020" + std::to_string(79460000 + i), number));
        NumberClass result = parsing.classify(number, start);
        if (i == 0) {
            EXPECT_EQ(result.kind, NumberKind::fixed_line);  // +44 0 20 7946 0000 is +44 20 7946 0000
        }
    }
    EXPECT_EQ(parsed_lookups.read(), affordable);
    EXPECT_EQ(parsed_over.read(), 1u);

    // So do numbers read without the parse that turn out to need it: in
    // Brazil, 00 15 44… is carrier 15's line to +44 (a parse in the home
    // plan), though +1 544… read first without one.
    OwnedCounter home_lookups, home_over;
    NumberPlan brazil("BR", {&home_lookups, &home_over});
    for (uint32_t i = 0; i <= affordable; ++i) {
        DialedNumber number;
        ASSERT_TRUE(normalize_dialed_number("0015442079" + std::to_string(460000 + i), number));
        ASSERT_EQ(number.form, DialForm::idd_00);
        NumberClass result = brazil.classify(number, start);
        if (i == 0) {
            EXPECT_EQ(result.region_view(), "GB");
            EXPECT_EQ(number.view(), "+442079460000");
            EXPECT_EQ(number.form, DialForm::home_idd);
        }
    }
    EXPECT_EQ(home_lookups.read(), affordable);
    EXPECT_EQ(home_over.read(), 1u);
}

// NumberPlan reads '+' and digits without libphonenumber's parse when it
// can prove the parse would read them so (parse_plus_digits). Held to the
// parse itself on numbers of every calling code: random national parts of
// every length, ones that begin with a national prefix, leading zeros; and
// each number's country and type held to the way they were asked before
// (Parse, IsValidNumber, then region and type).
TEST(NumberPlan, ReadsInternationalNumbersAsLibphonenumberParsesThem) {
    using i18n::phonenumbers::PhoneNumber;
    using i18n::phonenumbers::PhoneNumberUtil;
    const PhoneNumberUtil& util = *PhoneNumberUtil::GetInstance();
    NumberPlan plan;
    std::set<int> codes;
    util.GetSupportedCallingCodes(&codes);
    ASSERT_GT(codes.size(), 200u);
    std::mt19937 random(20261207);
    auto digits = [&](std::size_t count) {
        std::string text;
        for (std::size_t i = 0; i < count; ++i) text += static_cast<char>('0' + random() % 10);
        return text;
    };
    // libphonenumber's type as NumberKind: the test's own reading of the
    // library's answer, kept apart from number_plan.cpp's.
    auto kind_of = [](PhoneNumberUtil::PhoneNumberType type) {
        switch (type) {
            case PhoneNumberUtil::FIXED_LINE: return NumberKind::fixed_line;
            case PhoneNumberUtil::MOBILE: return NumberKind::mobile;
            case PhoneNumberUtil::FIXED_LINE_OR_MOBILE: return NumberKind::fixed_line_or_mobile;
            case PhoneNumberUtil::TOLL_FREE: return NumberKind::toll_free;
            case PhoneNumberUtil::PREMIUM_RATE: return NumberKind::premium_rate;
            case PhoneNumberUtil::SHARED_COST: return NumberKind::shared_cost;
            case PhoneNumberUtil::VOIP: return NumberKind::voip;
            case PhoneNumberUtil::PERSONAL_NUMBER: return NumberKind::personal;
            case PhoneNumberUtil::PAGER: return NumberKind::pager;
            case PhoneNumberUtil::UAN: return NumberKind::uan;
            case PhoneNumberUtil::VOICEMAIL: return NumberKind::voicemail;
            default: return NumberKind::invalid;
        }
    };
    std::size_t numbers = 0, read_without_parse = 0, valid = 0;
    uint64_t now_us = 0;
    for (int code : codes) {
        std::vector<std::string> rests;
        for (std::size_t length = 1; length <= 18; ++length) {
            for (int i = 0; i < 4; ++i) rests.push_back(digits(length));
            for (const char* prefix : {"0", "00", "1", "8", "9", "06"}) rests.push_back(prefix + digits(length));
        }
        // Valid numbers of the code's regions, so that types other than
        // "invalid" are compared too, with a national prefix before them.
        std::list<std::string> regions;
        util.GetRegionCodesForCountryCallingCode(code, &regions);
        for (const std::string& region : regions) {
            for (auto type : {PhoneNumberUtil::FIXED_LINE, PhoneNumberUtil::MOBILE, PhoneNumberUtil::PREMIUM_RATE,
                              PhoneNumberUtil::TOLL_FREE}) {
                PhoneNumber example;
                if (!util.GetExampleNumberForType(region, type, &example)) continue;
                std::string national;
                util.GetNationalSignificantNumber(example, &national);
                rests.push_back(national);
                rests.push_back("0" + national);
                rests.push_back(national.substr(0, national.size() - 1) + digits(1));
            }
        }
        for (const std::string& rest : rests) {
            std::string text = "+" + std::to_string(code) + rest;
            ++numbers;
            PhoneNumber expected, shortcut;
            bool parses = util.Parse(text, "ZZ", &expected) == PhoneNumberUtil::NO_PARSING_ERROR;
            if (plan.parse_plus_digits(text, shortcut)) {
                ++read_without_parse;
                ASSERT_TRUE(parses) << text;
                ASSERT_EQ(shortcut.SerializeAsString(), expected.SerializeAsString()) << text;
            }
            // Country and type as they were asked before.
            DialedNumber number;
            if (!normalize_dialed_number(text, number) || number.view() != text) continue;
            now_us += 1'000'000;  // a second apart: never over the budget
            NumberClass result = plan.classify(number, now_us);
            std::string region;
            NumberKind kind = NumberKind::invalid;
            if (!parses) {
                region = "";  // checked below through the calling code alone
                EXPECT_EQ(result.kind, NumberKind::invalid) << text;
                EXPECT_EQ(result.region_view(), class_of_calling_code(text).region_view()) << text;
                continue;
            }
            if (util.IsValidNumber(expected)) {
                ++valid;
                util.GetRegionCodeForNumber(expected, &region);
                kind = kind_of(util.GetNumberType(expected));
            } else {
                util.GetRegionCodeForCountryCode(expected.country_code(), &region);
            }
            if (region.size() != 2 || region == "ZZ") region.clear();
            EXPECT_EQ(result.region_view(), region) << text;
            EXPECT_EQ(label(result.kind), label(kind)) << text;
        }
    }
    // Not vacuous: most numbers take the shortcut, and many are valid.
    EXPECT_GT(read_without_parse * 10, numbers * 7) << read_without_parse << " of " << numbers;
    EXPECT_GT(valid, 1000u);
}

void observe(SourceIntent& intent, const parser::SipMessage& message, NumberPlan& plan) {
    intent.observe_request(message, plan, 0);
}

void observe(SourceIntent& intent, const parser::SipMessage& message) {
    static NumberPlan plan;
    observe(intent, message, plan);
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
        observe(intent, message);
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

SourceIntent invites_through(NumberPlan& plan, const std::vector<std::string>& users) {
    SourceIntent intent;
    for (const auto& user : users)
        observe(intent, parse("INVITE sip:" + user + "@198.51.100.7 SIP/2.0\r\nCall-ID: x\r\n\r\n"), plan);
    return intent;
}

// Given a home country, national premium-rate numbers are toll fraud as
// international ones are; national calls to an ordinary number are not.
TEST(SourceIntent, PremiumRateNumbersAreTollFraud) {
    NumberPlan germany("DE");
    SourceIntent premium = invites_through(germany, {"09001234567", "09001234567", "+499001234567", "09001234567", "09001234567"});
    EXPECT_EQ(premium.premium_invites, 5u);
    EXPECT_EQ(premium.international_invites, 1u);
    EXPECT_EQ(premium.toll_invites, 5u);
    ASSERT_EQ(premium.numbers.size, 1);
    EXPECT_EQ(premium.numbers.items[0].view(), "+499001234567");
    EXPECT_EQ(premium.number_notes[0].number_class.kind, NumberKind::premium_rate);
    EXPECT_TRUE(behaviours_of(premium, 1, 5, BehaviourThresholds{}) & kCallAttempts);

    SourceIntent colleague = invites_through(germany, {"0301234567", "0301234567", "0301234567", "0301234567", "0301234567"});
    EXPECT_EQ(colleague.toll_invites, 0u);
    EXPECT_EQ(colleague.number_notes[0].number_class.region_view(), "DE");
    EXPECT_FALSE(behaviours_of(colleague, 1, 5, BehaviourThresholds{}) & kCallAttempts);

    NumberPlan nowhere;  // without a home country, the same premium number is a national number of no country
    SourceIntent unknown = invites_through(nowhere, {"09001234567", "09001234567", "09001234567", "09001234567", "09001234567"});
    EXPECT_EQ(unknown.premium_invites, 0u);
    EXPECT_FALSE(behaviours_of(unknown, 1, 5, BehaviourThresholds{}) & kCallAttempts);
}

// One number tried through three dial prefixes is a caller looking for
// the one the PBX lets out, below the toll-call threshold.
TEST(SourceIntent, OneNumberThroughSeveralPrefixes) {
    NumberPlan plan;
    SourceIntent intent = invites_through(plan, {"0046441408560", "+46441408560"});
    EXPECT_EQ(intent.most_dial_forms, 2u);
    EXPECT_FALSE(behaviours_of(intent, 1, 2, BehaviourThresholds{}) & kCallAttempts);
    observe(intent, parse("INVITE sip:9011-46-441-408560@198.51.100.7 SIP/2.0\r\nCall-ID: x\r\n\r\n"), plan);
    EXPECT_EQ(intent.most_dial_forms, 3u);
    EXPECT_EQ(intent.numbers.size, 1);
    EXPECT_EQ(intent.number_notes[0].dial_forms, (1u << static_cast<unsigned>(DialForm::idd_00)) |
                                                    (1u << static_cast<unsigned>(DialForm::plus)) |
                                                    (1u << static_cast<unsigned>(DialForm::outside_line_011)));
    EXPECT_TRUE(behaviours_of(intent, 1, 3, BehaviourThresholds{}) & kCallAttempts);
}

SourceIntent invites_to(const std::vector<std::string>& users) {
    SourceIntent intent;
    for (const auto& user : users) observe(intent, parse("INVITE sip:" + user + "@198.51.100.7 SIP/2.0\r\nCall-ID: x\r\n\r\n"));
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
        observe(intent, message);
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
        observe(intent, parse("OPTIONS sip:" + std::to_string(extension) + "@198.51.100.7 SIP/2.0\r\n\r\n"));
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
        observe(intent, parse(credentialed("admin", attempt)));
        intent.observe_response(parse(answer(attempt < 9 ? 403 : 200, attempt)), from_pbx());
    }
    EXPECT_EQ(intent.auth_attempts, 9u);
    EXPECT_EQ(intent.auth_failures, 8u);
    EXPECT_EQ(intent.auth_successes, 1u);
    EXPECT_EQ(intent.failures_before_success, 8u);
    EXPECT_TRUE(shows(intent, Behaviour::credential_found));
    EXPECT_FALSE(shows(intent, Behaviour::password_spraying));
    observe(intent, parse(credentialed("admin", 10)));
    intent.observe_response(parse(answer(403, 10)), from_pbx());
    observe(intent, parse(credentialed("admin", 11)));
    intent.observe_response(parse(answer(403, 11)), from_pbx());
    EXPECT_TRUE(shows(intent, Behaviour::credential_brute_force)) << "10 refusals on one username";
}

// One or two passwords on many usernames: spraying, not brute force.
TEST(SourceIntent, SprayingIsNotBruteForce) {
    SourceIntent intent;
    int cseq = 0;
    for (int user = 0; user < 30; ++user) {
        for (int attempt = 0; attempt < 2; ++attempt) {
            observe(intent, parse(credentialed(std::to_string(200 + user), ++cseq)));
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
        observe(intent, parse("REGISTER sip:198.51.100.7 SIP/2.0\r\nCall-ID: p\r\nCSeq: " + std::to_string(2 * refresh) +
                                     " REGISTER\r\nTo: <sip:1001@198.51.100.7>\r\n\r\n"));
        intent.observe_response(parse("SIP/2.0 401 Unauthorized\r\nCall-ID: p\r\nCSeq: " + std::to_string(2 * refresh) +
                                      " REGISTER\r\n\r\n"), from_pbx());
        std::string with = credentialed("1001", 0);
        observe(intent, parse("REGISTER sip:198.51.100.7 SIP/2.0\r\nCall-ID: p\r\nCSeq: " + std::to_string(2 * refresh + 1) +
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
    observe(intent, parse(
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
    observe(intent, parse(
        "INVITE sip:0301234567@voip.example.net SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-d8754z-1a2b3c;rport\r\n"
        "Max-Forwards: 70\r\nFrom: \"Alice\"<sip:alice@voip.example.net>;tag=9f3e21\r\nTo: <sip:0301234567@voip.example.net>\r\n"
        "Call-ID: YjQ0ZTg1ZDYxNDk3\r\nCSeq: 1 INVITE\r\nUser-Agent: X-Lite release 1104o stamp 56125\r\nContent-Length: 0\r\n\r\n"));
    EXPECT_EQ(intent.crafting_cues, 0);
    EXPECT_FALSE(intent.scripted());
    // Nmap's NSE keeps a tag but brands no product; a tagless From is a cue on its own.
    SourceIntent tagless;
    observe(tagless, parse("OPTIONS sip:100@198.51.100.7 SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bKx\r\n"
                                  "From: <sip:100@198.51.100.7>\r\nUser-Agent: Asterisk PBX 13\r\n\r\n"));
    EXPECT_EQ(tagless.crafting_cues, cue_bits({CraftingCue::from_without_tag, CraftingCue::user_agent_mismatch}));
    EXPECT_TRUE(claims_full_sip_stack("Yealink SIP-T46S 66.85.0.5"));
    EXPECT_TRUE(claims_full_sip_stack("PolycomSoundPointIP-SPIP_550-UA/3.3.1"));
    EXPECT_FALSE(claims_full_sip_stack("friendly-scanner"));
    EXPECT_FALSE(claims_full_sip_stack("sipsak 0.9.8.1"));
}

// Everything SourceIntent shows (events, behaviours), as text: what a
// reused, cleared or copied intent must show alike.
std::string shown(const SourceIntent& intent) {
    std::string out;
    auto add = [&out](const std::string& name, uint64_t value) { out += name + "=" + std::to_string(value) + " "; };
    auto tally = [&](const std::string& name, const auto& items) {
        out += name + "[";
        for (uint8_t i = 0; i < items.size; ++i) out += std::string(items.items[i].view()) + ":" + std::to_string(items.items[i].count) + ",";
        out += "]+" + std::to_string(items.overflow) + (items.overflowed_distinct ? "!" : "") + " ";
    };
    tally("agents", intent.user_agents);
    add("agent_messages", intent.user_agent_messages);
    add("agent_changes", intent.user_agent_changes);
    add("missing_agent", intent.missing_user_agent);
    tally("numbers", intent.numbers);
    for (uint8_t i = 0; i < intent.numbers.size; ++i) {
        const auto& note = intent.number_notes[i];
        out += std::string(note.number_class.region_view()) + "/" + std::string(label(note.number_class.kind)) + "/" +
               std::to_string(note.dial_forms) + " ";
    }
    add("invites", intent.invites_to_numbers);
    add("international", intent.international_invites);
    add("premium", intent.premium_invites);
    add("toll", intent.toll_invites);
    add("forms", intent.most_dial_forms);
    add("distinct_numbers", intent.distinct_numbers.count());
    tally("usernames", intent.usernames);
    add("auth", intent.auth_attempts);
    add("distinct_usernames", intent.distinct_usernames.count());
    add("refused", intent.auth_failures);
    add("accepted", intent.auth_successes);
    add("before_success", intent.failures_before_success);
    add("extensions", intent.extensions.count());
    add("estimated", intent.extensions.estimated());
    for (uint8_t i = 0; i < intent.responder_count; ++i) {
        const auto& responder = intent.responders[i];
        out += responder.host.to_string() + "/" + std::to_string(responder.last_status) + "/" +
               std::to_string(responder.status_classes) + "/" + std::to_string(responder.responses) + "/" +
               std::to_string(responder.extensions_existing) + " ";
    }
    add("responders_beyond", intent.responders_beyond);
    tally("found", intent.extensions_found);
    add("distinct_found", intent.distinct_extensions_found.count());
    add("cues", intent.crafting_cues);
    tally("callers", intent.callers);
    add("raised", intent.behaviours_raised);
    add("trusted", intent.trusted_caller);
    add("behaviours", behaviours_of(intent, 3, intent.invites_to_numbers, BehaviourThresholds{}));
    return out;
}

// A busy source: agents that change, numbers abroad, credentials refused
// then accepted, 40 extensions (past every exact set), answers from hosts.
void busy(SourceIntent& intent, NumberPlan& plan) {
    for (int i = 0; i < 40; ++i) {
        observe(intent, parse("REGISTER sip:198.51.100.7 SIP/2.0\r\nCall-ID: c" + std::to_string(i) + "\r\nCSeq: " +
                              std::to_string(i) + " REGISTER\r\nFrom: <sip:" + std::to_string(5000 + i) +
                              "@x>\r\nTo: <sip:" + std::to_string(100 + i) + "@198.51.100.7>\r\nUser-Agent: agent " +
                              std::to_string(i % 5) + "\r\nAuthorization: Digest username=\"" + std::to_string(100 + i) +
                              "\", realm=\"x\", nonce=\"n\", uri=\"sip:198.51.100.7\", response=\"0\"\r\n\r\n"),
                plan);
        parser::DecodedFrame from;
        from.source = *parser::IpAddress::parse("198.51.100." + std::to_string(1 + i % 12));
        intent.observe_response(parse(answer(i < 30 ? 401 : 200, i)), from);
    }
    for (const char* number : {"0046441408560", "+46441408560", "9011-46-441-408560", "0033140000000", "+19005551234"})
        observe(intent, parse(std::string("INVITE sip:") + number + "@198.51.100.7 SIP/2.0\r\nCall-ID: x\r\n\r\n"), plan);
}

// A short source: one agent, one number, one extension.
void brief(SourceIntent& intent, NumberPlan& plan) {
    observe(intent, parse("OPTIONS sip:100@198.51.100.7 SIP/2.0\r\nUser-Agent: friendly-scanner\r\nFrom: <sip:100@x>;tag=1\r\n\r\n"),
            plan);
    observe(intent, parse("INVITE sip:0049301234567@198.51.100.7 SIP/2.0\r\nCall-ID: y\r\n\r\n"), plan);
}

// clear() and copy_used_to() reset and copy only what is in use: a reused
// intent shows what a fresh one shows, and a copy what its original shows.
TEST(SourceIntent, ClearedAndCopiedShowWhatFreshShows) {
    NumberPlan plan;
    for (auto second : {&busy, &brief}) {
        SourceIntent fresh;
        second(fresh, plan);
        SourceIntent reused;
        busy(reused, plan);
        ASSERT_NE(shown(reused), shown(SourceIntent{}));
        reused.clear();
        EXPECT_EQ(shown(reused), shown(SourceIntent{}));
        second(reused, plan);
        EXPECT_EQ(shown(reused), shown(fresh));
        // A copy over a busy target.
        SourceIntent target;
        busy(target, plan);
        target.trusted_caller = true;
        fresh.copy_used_to(target);
        EXPECT_EQ(shown(target), shown(fresh));
    }
}

}  // namespace
}  // namespace sipscope::fingerprint
