// What a dialled number is, from libphonenumber's metadata (Google's
// numbering plans for every country): the country it rings in, and its
// type — fixed line, mobile, premium rate… — which is what toll fraud is
// about (seeds 001–003: calls out to international and premium numbers).
//
// normalize_dialed_number (dialed_number.hpp) decides from the dialling
// form alone whether a number is international; NumberPlan adds what only
// a numbering plan knows. Given the operator's home country
// (--home-country), a number dialled without an international prefix is
// read as that country's national number (0301234567 in DE is
// +49301234567, and counts once with it), through that country's own
// international prefix (0011 in AU, 010 in JP), or, when it is valid in no
// home form but valid as E.164 without its '+' (972599123456), as
// international. Without a home country, such numbers stay national with
// no country: nothing is guessed from leading digits.
//
// One per worker (SourceTracker), not thread-safe. libphonenumber's parse
// costs ~8 µs (ICU regular expressions), far more than a packet. An
// international number ('+' and digits, as a toll-fraud caller dials) is
// read without it when that reading is provably the parse's own (see
// parse_plus_digits in number_plan.cpp): then a lookup is the type and
// country alone, ~3 µs instead of ~13. Results are cached by the number as
// normalised, and lookups that miss the cache are limited per second of
// packet time by their cost, so that INVITEs to random numbers from
// spoofed sources cannot take the worker. A number over that limit keeps
// the country its calling code names and type `unknown`.
#pragma once

#include "labelled_enum.hpp"

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "dialed_number.hpp"

namespace i18n::phonenumbers {
class PhoneNumber;
}

namespace sipscope::fingerprint {

class OwnedCounter;

// libphonenumber's PhoneNumberType, with `invalid` for a number no plan
// holds and `unknown` for one not looked up.
#define SIPSCOPE_NUMBER_KINDS(X)                        \
    X(unknown, "unknown")                               \
    X(invalid, "invalid")                               \
    X(fixed_line, "fixed_line")                         \
    X(mobile, "mobile")                                 \
    X(fixed_line_or_mobile, "fixed_line_or_mobile")     \
    X(toll_free, "toll_free")                           \
    X(premium_rate, "premium_rate")                     \
    X(shared_cost, "shared_cost")                       \
    X(voip, "voip")                                     \
    X(personal, "personal")                             \
    X(pager, "pager")                                   \
    X(uan, "uan")                                       \
    X(voicemail, "voicemail")

SIPSCOPE_LABELLED_ENUM(NumberKind, SIPSCOPE_NUMBER_KINDS, kNumberKindCount, kNumberKindLabels)

struct NumberClass {
    char region[3] = {};  // ISO 3166 alpha-2 ("SE"); "001" codes (satellite, UIFN…) and unknown: ""
    NumberKind kind = NumberKind::unknown;
    std::string_view region_view() const { return {region, region[0] ? 2u : 0u}; }  // set_region writes two letters or none
    // What a toll-fraud caller is paid for, besides international calls.
    bool premium() const { return kind == NumberKind::premium_rate; }
};

struct NumberPlanCounters {
    OwnedCounter* lookups = nullptr;      // numbering-plan lookups (cache misses within the budget)
    OwnedCounter* over_budget = nullptr;  // numbers left unclassified by the per-second limit
};

class NumberPlan {
public:
    // The budget, in units of a lookup whose number needs no parse (~3 µs
    // on the AMD EPYC VM of 2026-12-07, warm); one that needs
    // libphonenumber's parse costs kParsedLookupUnits (~8–13 µs; every
    // lookup cost ~13 µs before the shortcut). Either way at most ~13 % of
    // a core, as before: 40,000 international numbers a second, or 10,000
    // that need a parse.
    static constexpr uint32_t kLookupUnitsPerSecond = 40'000;
    static constexpr uint32_t kParsedLookupUnits = 4;
    static constexpr std::size_t kCacheEntries = 2048;  // a power of two

    // `home_region`: ISO 3166 alpha-2, any case ("de"), or "" for none.
    // Throws std::invalid_argument if libphonenumber has no plan for it.
    explicit NumberPlan(std::string_view home_region = {}, NumberPlanCounters counters = {});
    ~NumberPlan();
    NumberPlan(const NumberPlan&) = delete;
    NumberPlan& operator=(const NumberPlan&) = delete;

    // Classifies a number normalize_dialed_number accepted (not an
    // extension). May rewrite it to its E.164 form and mark it
    // international, and records the form it was dialled in.
    NumberClass classify(DialedNumber& number, uint64_t now_us);

    std::string_view home_region() const { return home_region_; }
    // An ISO 3166 alpha-2 code libphonenumber has a plan for ("" is not).
    static bool known_region(std::string_view region);

    // What libphonenumber's Parse(text, "ZZ") makes of `text`, without
    // parsing it, when `text` is '+' and digits whose reading no national
    // prefix can change; false otherwise (then Parse is needed). Public for
    // the tests that hold it to Parse.
    bool parse_plus_digits(std::string_view text, i18n::phonenumbers::PhoneNumber& parsed);

private:
    struct CacheEntry;
    bool take_tokens(uint64_t now_us, uint32_t units);
    // `parse_free`: the number as parse_plus_digits read it, or null (its
    // parse's units are paid). Nothing when a parse it turns out to need
    // is over the budget (then `number` is as it was).
    std::optional<NumberClass> look_up(DialedNumber& number, const i18n::phonenumbers::PhoneNumber* parse_free,
                                       uint64_t now_us);
    bool national_prefix_starts(int calling_code, std::string_view national_number);
    std::optional<NumberClass> read_at_home(const std::string& dialled, DialedNumber& number) const;

    std::string home_region_;
    NumberPlanCounters counters_;
    std::unique_ptr<CacheEntry[]> cache_;
    // By calling code: this worker's matcher of its national prefix for
    // parsing (ICU matchers are not shared between threads), made on first use.
    struct PrefixMatchers;
    std::unique_ptr<PrefixMatchers> prefix_matchers_;
    uint64_t tokens_ = kLookupUnitsPerSecond;
    uint64_t refilled_at_us_ = 0;
    uint64_t refill_remainder_ = 0;  // µs × units/s not yet worth a unit
};

// The country an E.164 number's calling code names ("+46…" → SE; for a
// code shared by several countries, its main one: "+1…" → US), kind
// `unknown`; nothing for a number without '+'. Cheap (no parse): for
// numbers not looked up.
NumberClass class_of_calling_code(std::string_view number);

}  // namespace sipscope::fingerprint
