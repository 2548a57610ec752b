// Numbering-plan lookups through libphonenumber, cached and rate-limited.
#include "number_plan.hpp"

#include <phonenumbers/phonenumber.pb.h>
#include <phonenumbers/phonenumberutil.h>

#include <algorithm>
#include <set>
#include <stdexcept>
#include <string>

#include "source_counters.hpp"

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

NumberClass describe(const PhoneNumber& parsed) {
    const PhoneNumberUtil& util = phone_util();
    NumberClass result;
    bool valid = util.IsValidNumber(parsed);
    std::string region;
    if (valid) util.GetRegionCodeForNumber(parsed, &region);
    else util.GetRegionCodeForCountryCode(parsed.country_code(), &region);
    set_region(result, region);
    result.kind = valid ? kind_of(util.GetNumberType(parsed)) : NumberKind::invalid;
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

}  // namespace

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
    : home_region_(upper(home_region)), counters_(counters), cache_(std::make_unique<CacheEntry[]>(kCacheEntries)) {
    // The metadata loads on first use: here, on the constructing thread,
    // not in a worker's first INVITE.
    phone_util();
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
    if (!take_token(now_us)) {
        if (counters_.over_budget) counters_.over_budget->increment();
        return class_of_calling_code(number.view());
    }
    if (counters_.lookups) counters_.lookups->increment();
    entry.input = number;
    entry.result = look_up(number);
    entry.output = number;
    entry.rewritten = number.view() != entry.input.view() || number.form != entry.input.form;
    entry.used = true;
    return entry.result;
}

NumberClass NumberPlan::look_up(DialedNumber& number) const {
    const PhoneNumberUtil& util = phone_util();
    PhoneNumber parsed;
    if (number.international) {
        bool parsed_valid = util.Parse(std::string(number.view()), "ZZ", &parsed) == PhoneNumberUtil::NO_PARSING_ERROR &&
                            util.IsValidNumber(parsed);
        // 00 or 011 may begin a longer home prefix (Australia's 0011):
        // what no plan holds after 00 may be a number after the home one.
        bool maybe_home_prefix = !home_region_.empty() &&
                                 (number.form == DialForm::idd_00 || number.form == DialForm::idd_011);
        if (!parsed_valid && maybe_home_prefix) {
            std::string dialled(number.form == DialForm::idd_00 ? "00" : "011");
            dialled.append(number.view().substr(1));
            PhoneNumber at_home;
            if (util.Parse(dialled, home_region_, &at_home) == PhoneNumberUtil::NO_PARSING_ERROR &&
                util.IsValidNumber(at_home)) {
                bool abroad = at_home.country_code() != util.GetCountryCodeForRegion(home_region_);
                rewrite(number, at_home, abroad ? DialForm::home_idd : DialForm::home_national, abroad);
                return describe(at_home);
            }
        }
        if (parsed.country_code() == 0) {  // not even a calling code
            NumberClass result = class_of_calling_code(number.view());
            result.kind = NumberKind::invalid;
            return result;
        }
        return describe(parsed);
    }
    // Dialled without an international prefix, read in the home country:
    // a national number, or one abroad through the home country's own
    // international prefix.
    std::string digits(number.view());
    if (util.Parse(digits, home_region_, &parsed) == PhoneNumberUtil::NO_PARSING_ERROR && util.IsValidNumber(parsed)) {
        bool abroad = parsed.country_code() != util.GetCountryCodeForRegion(home_region_);
        rewrite(number, parsed, abroad ? DialForm::home_idd : DialForm::home_national, abroad);
        return describe(parsed);
    }
    // Not a home number; long enough to be E.164 written without its '+'.
    constexpr std::size_t kE164WithoutPlusDigits = 10;
    if (digits.size() >= kE164WithoutPlusDigits &&
        util.Parse("+" + digits, "ZZ", &parsed) == PhoneNumberUtil::NO_PARSING_ERROR && util.IsValidNumber(parsed)) {
        rewrite(number, parsed, DialForm::e164_without_plus, true);
        return describe(parsed);
    }
    return NumberClass{.region = {}, .kind = NumberKind::invalid};
}

// A token bucket in packet time: kLookupsPerSecond tokens a second, as
// many at most. Packet time that goes back (several ports) earns nothing.
bool NumberPlan::take_token(uint64_t now_us) {
    if (now_us > refilled_at_us_) {
        uint64_t elapsed = std::min<uint64_t>(now_us - refilled_at_us_, 1'000'000);
        refilled_at_us_ = now_us;
        uint64_t earned = elapsed * kLookupsPerSecond + refill_remainder_;
        tokens_ = std::min<uint64_t>(kLookupsPerSecond, tokens_ + earned / 1'000'000);
        refill_remainder_ = earned % 1'000'000;
    }
    if (tokens_ == 0) return false;
    --tokens_;
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
