// Numbering-plan lookups through libphonenumber, cached and rate-limited.
#include "number_plan.hpp"

#include <phonenumbers/phonemetadata.pb.h>
#include <phonenumbers/phonenumber.pb.h>
#include <phonenumbers/phonenumberutil.h>
#include <unicode/regex.h>
#include <unicode/unistr.h>

#include <algorithm>
#include <array>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>

#include "source_counters.hpp"

// libphonenumber's compiled-in metadata, the bytes its PhoneNumberUtil
// loads (declared in its metadata.h, which Debian does not install). Weak:
// a version without them leaves every number to Parse.
namespace i18n::phonenumbers {
[[gnu::weak]] int metadata_size();
[[gnu::weak]] const void* metadata_get();
}  // namespace i18n::phonenumbers

namespace sipscope::fingerprint {

namespace {

using i18n::phonenumbers::PhoneNumber;
using i18n::phonenumbers::PhoneNumberUtil;

const PhoneNumberUtil& phone_util() { return *PhoneNumberUtil::GetInstance(); }

NumberKind kind_of(PhoneNumberUtil::PhoneNumberType type) {
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
        case PhoneNumberUtil::UNKNOWN: return NumberKind::invalid;
    }
    return NumberKind::invalid;
}

// Two-letter regions only: "ZZ" is libphonenumber's unknown, "001" its
// non-geographic entities (+800, +881…).
void set_region(NumberClass& result, const std::string& region) {
    if (region.size() != 2 || region == "ZZ") return;
    result.region[0] = region[0];
    result.region[1] = region[1];
}

// Whether `parsed` is valid, and its type, in one call: libphonenumber's
// IsValidNumber is GetNumberType's own test (the region the number
// belongs to, then its national number against that region's types), with
// UNKNOWN for false. Asking IsValidNumber, then again in describe, then
// GetNumberType, as this file did before, ran those patterns three times.
PhoneNumberUtil::PhoneNumberType type_of(const PhoneNumber& parsed) { return phone_util().GetNumberType(parsed); }

NumberClass describe(const PhoneNumber& parsed, PhoneNumberUtil::PhoneNumberType type) {
    const PhoneNumberUtil& util = phone_util();
    NumberClass result;
    bool valid = type != PhoneNumberUtil::UNKNOWN;
    std::string region;
    if (valid) util.GetRegionCodeForNumber(parsed, &region);
    else util.GetRegionCodeForCountryCode(parsed.country_code(), &region);
    set_region(result, region);
    result.kind = valid ? kind_of(type) : NumberKind::invalid;
    return result;
}

// Writes `parsed` in E.164 into `number`.
void rewrite(DialedNumber& number, const PhoneNumber& parsed, DialForm form, bool international) {
    std::string e164;
    phone_util().Format(parsed, PhoneNumberUtil::E164, &e164);
    if (e164.size() >= sizeof number.digits) return;
    std::copy(e164.begin(), e164.end(), number.digits);
    number.length = e164.size();
    number.international = international;
    number.extension = false;
    number.form = form;
}

uint64_t hash_of(std::string_view text) {
    uint64_t hash = 14695981039346656037ull;  // FNV-1a
    for (char c : text) hash = (hash ^ static_cast<unsigned char>(c)) * 1099511628211ull;
    return hash;
}

std::string upper(std::string_view text) {
    std::string out(text);
    for (char& c : out) c = (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
    return out;
}

// Per calling code (1–999), what libphonenumber's parse of "+<code><rest>"
// does with <rest> beyond taking it as the national number: strip a
// national prefix (e.g. "+44 0 20…" is +44 20…). Read once from the
// metadata libphonenumber itself uses; shared, immutable.
struct CallingCode {
    bool known = false;       // libphonenumber names a region for it
    bool readable = false;    // its metadata was found and its prefix pattern compiles
    std::string digits;       // the prefix pattern when it is plain digits ("0", "8")
    std::unique_ptr<icu::RegexPattern> pattern;  // otherwise; null when there is none
};

struct CallingCodes {
    static constexpr int kCodes = 1000;  // calling codes have 1–3 digits
    std::array<CallingCode, kCodes> codes;
    bool readable = false;  // the metadata was read: the shortcut may be taken

    CallingCodes() {
        using i18n::phonenumbers::PhoneMetadata;
        using i18n::phonenumbers::PhoneMetadataCollection;
        if (!i18n::phonenumbers::metadata_get || !i18n::phonenumbers::metadata_size) return;
        PhoneMetadataCollection collection;
        if (!collection.ParseFromArray(i18n::phonenumbers::metadata_get(), i18n::phonenumbers::metadata_size())) return;
        const PhoneNumberUtil& util = phone_util();
        for (int code = 1; code < kCodes; ++code) {
            std::string region;
            util.GetRegionCodeForCountryCode(code, &region);
            if (region == "ZZ") continue;
            CallingCode& entry = codes[static_cast<std::size_t>(code)];
            entry.known = true;
            // The metadata Parse reads for the code: its main region's, or
            // the non-geographic entity's ("001") of that code.
            const PhoneMetadata* metadata = nullptr;
            for (const PhoneMetadata& candidate : collection.metadata()) {
                if (candidate.id() == region && (region != "001" || candidate.country_code() == code)) {
                    metadata = &candidate;
                    break;
                }
            }
            if (metadata == nullptr) continue;  // not readable: Parse decides
            const std::string& prefix = metadata->national_prefix_for_parsing();
            if (!prefix.empty() && prefix.find_first_not_of("0123456789") == std::string::npos) {
                entry.digits = prefix;
            } else if (!prefix.empty()) {
                // Compiled as libphonenumber's ICU adapter compiles it (no flags).
                UErrorCode status = U_ZERO_ERROR;
                UParseError where;
                entry.pattern.reset(icu::RegexPattern::compile(icu::UnicodeString::fromUTF8(prefix), 0, where, status));
                if (U_FAILURE(status)) {
                    entry.pattern.reset();
                    continue;
                }
            }
            entry.readable = true;
        }
        readable = true;
    }
};

const CallingCodes& calling_codes() {
    static const CallingCodes codes;
    return codes;
}

}  // namespace

struct NumberPlan::PrefixMatchers {
    std::array<std::unique_ptr<icu::RegexMatcher>, CallingCodes::kCodes> by_code;
};

// A number as normalised (the key) and what the plan made of it; `output`
// keeps the form it was dialled in unless the plan rewrote it.
struct NumberPlan::CacheEntry {
    DialedNumber input;
    DialedNumber output;
    NumberClass result;
    bool rewritten = false;
    bool used = false;
};

NumberPlan::NumberPlan(std::string_view home_region, NumberPlanCounters counters)
    : home_region_(upper(home_region)),
      counters_(counters),
      cache_(std::make_unique<CacheEntry[]>(kCacheEntries)),
      prefix_matchers_(std::make_unique<PrefixMatchers>()) {
    // The metadata loads on first use: here, on the constructing thread,
    // not in a worker's first INVITE.
    phone_util();
    calling_codes();
    if (!home_region_.empty() && !known_region(home_region_))
        throw std::invalid_argument("no numbering plan for country '" + std::string(home_region) +
                                    "' (an ISO 3166 alpha-2 code such as DE, GB, US)");
}

NumberPlan::~NumberPlan() = default;

bool NumberPlan::known_region(std::string_view region) {
    if (region.size() != 2) return false;
    std::set<std::string> regions;
    phone_util().GetSupportedRegions(&regions);
    return regions.contains(upper(region));
}

NumberClass NumberPlan::classify(DialedNumber& number, uint64_t now_us) {
    // A number dialled nationally with no home country: no plan to read it by.
    if (!number.international && home_region_.empty()) return {};
    CacheEntry& entry = cache_[hash_of(number.view()) & (kCacheEntries - 1)];
    if (entry.used && entry.input.view() == number.view()) {
        if (entry.rewritten) number = entry.output;
        return entry.result;
    }
    // A lookup costs a unit, and the rest of a parsed one's units when the
    // number turns out to need libphonenumber's parse (the check is cheap;
    // look_up asks for them too before a parse it needs later).
    PhoneNumber shortcut;
    bool over_budget = !take_tokens(now_us, 1);
    bool parse_free = !over_budget && number.international && parse_plus_digits(number.view(), shortcut);
    over_budget = over_budget || (!parse_free && !take_tokens(now_us, kParsedLookupUnits - 1));
    const DialedNumber input = number;
    std::optional<NumberClass> result;
    if (!over_budget) result = look_up(number, parse_free ? &shortcut : nullptr, now_us);
    if (!result) {
        if (counters_.over_budget) counters_.over_budget->increment();
        return class_of_calling_code(number.view());
    }
    if (counters_.lookups) counters_.lookups->increment();
    entry.input = input;
    entry.result = *result;
    entry.output = number;
    entry.rewritten = number.view() != entry.input.view() || number.form != entry.input.form;
    entry.used = true;
    return entry.result;
}

std::optional<NumberClass> NumberPlan::look_up(DialedNumber& number, const PhoneNumber* parse_free, uint64_t now_us) {
    const PhoneNumberUtil& util = phone_util();
    PhoneNumber parsed;
    if (number.international) {
        if (parse_free) parsed = *parse_free;
        bool parsed_ok = parse_free != nullptr ||
                         util.Parse(std::string(number.view()), "ZZ", &parsed) == PhoneNumberUtil::NO_PARSING_ERROR;
        PhoneNumberUtil::PhoneNumberType type = parsed_ok ? type_of(parsed) : PhoneNumberUtil::UNKNOWN;
        bool parsed_valid = type != PhoneNumberUtil::UNKNOWN;
        // 00 or 011 may begin a longer home prefix (Australia's 0011):
        // what no plan holds after 00 may be a number after the home one.
        bool maybe_home_prefix = !home_region_.empty() &&
                                 (number.form == DialForm::idd_00 || number.form == DialForm::idd_011);
        if (!parsed_valid && maybe_home_prefix) {
            // A parse after all: the rest of its units, or no answer now.
            if (parse_free && !take_tokens(now_us, kParsedLookupUnits - 1)) return std::nullopt;
            std::string dialled(number.form == DialForm::idd_00 ? "00" : "011");
            dialled.append(number.view().substr(1));
            if (std::optional<NumberClass> at_home = read_at_home(dialled, number)) return at_home;
        }
        if (parsed.country_code() == 0) {  // not even a calling code
            NumberClass result = class_of_calling_code(number.view());
            result.kind = NumberKind::invalid;
            return result;
        }
        return describe(parsed, type);
    }
    // Dialled without an international prefix, read in the home country:
    // a national number, or one abroad through the home country's own
    // international prefix.
    std::string digits(number.view());
    if (std::optional<NumberClass> at_home = read_at_home(digits, number)) return at_home;
    // Not a home number; long enough to be E.164 written without its '+'.
    constexpr std::size_t kE164WithoutPlusDigits = 10;
    if (digits.size() >= kE164WithoutPlusDigits) {
        std::string with_plus = "+" + digits;
        if (parse_plus_digits(with_plus, parsed) ||
            util.Parse(with_plus, "ZZ", &parsed) == PhoneNumberUtil::NO_PARSING_ERROR) {
            PhoneNumberUtil::PhoneNumberType type = type_of(parsed);
            if (type != PhoneNumberUtil::UNKNOWN) {
                rewrite(number, parsed, DialForm::e164_without_plus, true);
                return describe(parsed, type);
            }
        }
    }
    return NumberClass{.region = {}, .kind = NumberKind::invalid};
}

// `dialled` read by the home country's plan: a national number, or one
// abroad through the home country's own international prefix; written
// into `number` in E.164 when it is a valid number there, else nothing.
std::optional<NumberClass> NumberPlan::read_at_home(const std::string& dialled, DialedNumber& number) const {
    const PhoneNumberUtil& util = phone_util();
    PhoneNumber parsed;
    if (util.Parse(dialled, home_region_, &parsed) != PhoneNumberUtil::NO_PARSING_ERROR) return std::nullopt;
    PhoneNumberUtil::PhoneNumberType type = type_of(parsed);
    if (type == PhoneNumberUtil::UNKNOWN) return std::nullopt;
    bool abroad = parsed.country_code() != util.GetCountryCodeForRegion(home_region_);
    rewrite(number, parsed, abroad ? DialForm::home_idd : DialForm::home_national, abroad);
    return describe(parsed, type);
}

// libphonenumber's Parse(text, "ZZ") of '+' and digits, step by step (its
// ParseHelper): the text is a viable number with a leading plus and no
// extension; the calling code is the first 1–3 digits that name a region
// (none when the first is '0'); then the national prefix for parsing of
// that code's metadata is stripped from the rest if it matches at its
// start (and the rest stays a possible length). Here the rest is kept
// whole, so the shortcut is taken only when that pattern does not match
// at the start, which is most numbers (and every one of a code without a
// national prefix); then the national number is the rest, 2–17 digits,
// its leading zeros kept as Parse keeps them. Anything else goes to Parse.
// tests/unit/source_intent_test.cpp holds it to Parse number by number.
bool NumberPlan::parse_plus_digits(std::string_view text, PhoneNumber& parsed) {
    const CallingCodes& codes = calling_codes();
    if (!codes.readable || text.size() < 2 || text[0] != '+') return false;
    std::string_view digits = text.substr(1);
    if (digits.find_first_not_of("0123456789") != std::string_view::npos || digits[0] == '0') return false;
    int code = 0;
    std::size_t code_length = 0;
    for (std::size_t i = 0; i < 3 && i < digits.size(); ++i) {
        code = code * 10 + (digits[i] - '0');
        if (codes.codes[static_cast<std::size_t>(code)].known) {
            code_length = i + 1;
            break;
        }
    }
    if (code_length == 0) return false;
    const CallingCode& entry = codes.codes[static_cast<std::size_t>(code)];
    std::string_view national = digits.substr(code_length);
    constexpr std::size_t kMinNationalDigits = 2, kMaxNationalDigits = 17;  // libphonenumber's NSN limits
    if (!entry.readable || national.size() < kMinNationalDigits || national.size() > kMaxNationalDigits) return false;
    if (national_prefix_starts(code, national)) return false;
    parsed.Clear();
    parsed.set_country_code(code);
    if (national.size() > 1 && national[0] == '0') {
        parsed.set_italian_leading_zero(true);
        std::size_t zeros = 1;
        while (zeros < national.size() - 1 && national[zeros] == '0') ++zeros;
        if (zeros != 1) parsed.set_number_of_leading_zeros(static_cast<int32_t>(zeros));
    }
    uint64_t value = 0;
    for (char c : national) value = value * 10 + static_cast<uint64_t>(c - '0');
    parsed.set_national_number(value);
    return true;
}

// Whether `national` begins with a match of the code's national prefix
// for parsing (ICU's lookingAt, as libphonenumber's Consume); true when
// that cannot be told (then Parse decides).
bool NumberPlan::national_prefix_starts(int calling_code, std::string_view national) {
    const CallingCode& entry = calling_codes().codes[static_cast<std::size_t>(calling_code)];
    if (!entry.digits.empty()) return national.starts_with(entry.digits);
    if (!entry.pattern) return false;
    std::unique_ptr<icu::RegexMatcher>& matcher = prefix_matchers_->by_code[static_cast<std::size_t>(calling_code)];
    UErrorCode status = U_ZERO_ERROR;
    icu::UnicodeString input = icu::UnicodeString::fromUTF8(icu::StringPiece(national.data(), static_cast<int32_t>(national.size())));
    if (!matcher) {
        matcher.reset(entry.pattern->matcher(status));
        if (U_FAILURE(status)) {
            matcher.reset();
            return true;
        }
    }
    matcher->reset(input);  // ICU keeps a reference to `input`: it is reset before every match
    bool starts = matcher->lookingAt(status);
    return U_FAILURE(status) || starts;
}

// A token bucket in packet time: kLookupUnitsPerSecond units a second, as
// many at most. Packet time that goes back (several ports) earns nothing.
bool NumberPlan::take_tokens(uint64_t now_us, uint32_t units) {
    if (now_us > refilled_at_us_) {
        uint64_t elapsed = std::min<uint64_t>(now_us - refilled_at_us_, 1'000'000);
        refilled_at_us_ = now_us;
        uint64_t earned = elapsed * kLookupUnitsPerSecond + refill_remainder_;
        tokens_ = std::min<uint64_t>(kLookupUnitsPerSecond, tokens_ + earned / 1'000'000);
        refill_remainder_ = earned % 1'000'000;
    }
    if (tokens_ < units) return false;
    tokens_ -= units;
    return true;
}

NumberClass class_of_calling_code(std::string_view number) {
    NumberClass result;
    if (!number.starts_with('+')) return result;
    // Calling codes are prefix-free (ITU-T E.164): the shortest that names
    // a region is the code.
    int code = 0;
    for (std::size_t i = 1; i <= 3 && i < number.size(); ++i) {
        code = code * 10 + (number[i] - '0');
        std::string region;
        phone_util().GetRegionCodeForCountryCode(code, &region);
        if (region != "ZZ") {
            set_region(result, region);
            break;
        }
    }
    return result;
}

}  // namespace sipscope::fingerprint
