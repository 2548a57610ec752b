// Number normalisation and the country calling code table (ITU-T E.164
// assignments; one country per code, the largest where a code is shared).
#include "dialed_number.hpp"

#include <array>
#include <utility>

namespace sipscope::fingerprint {

namespace {

struct CallingCode {
    std::string_view code;
    std::string_view country;
};

constexpr CallingCode kCallingCodes[] = {
    {"1", "NANP"}, {"7", "RU"}, {"20", "EG"}, {"27", "ZA"}, {"30", "GR"}, {"31", "NL"}, {"32", "BE"}, {"33", "FR"},
    {"34", "ES"}, {"36", "HU"}, {"39", "IT"}, {"40", "RO"}, {"41", "CH"}, {"43", "AT"}, {"44", "GB"}, {"45", "DK"},
    {"46", "SE"}, {"47", "NO"}, {"48", "PL"}, {"49", "DE"}, {"51", "PE"}, {"52", "MX"}, {"53", "CU"}, {"54", "AR"},
    {"55", "BR"}, {"56", "CL"}, {"57", "CO"}, {"58", "VE"}, {"60", "MY"}, {"61", "AU"}, {"62", "ID"}, {"63", "PH"},
    {"64", "NZ"}, {"65", "SG"}, {"66", "TH"}, {"81", "JP"}, {"82", "KR"}, {"84", "VN"}, {"86", "CN"}, {"90", "TR"},
    {"91", "IN"}, {"92", "PK"}, {"93", "AF"}, {"94", "LK"}, {"95", "MM"}, {"98", "IR"},
    {"211", "SS"}, {"212", "MA"}, {"213", "DZ"}, {"216", "TN"}, {"218", "LY"}, {"220", "GM"}, {"221", "SN"},
    {"222", "MR"}, {"223", "ML"}, {"224", "GN"}, {"225", "CI"}, {"226", "BF"}, {"227", "NE"}, {"228", "TG"},
    {"229", "BJ"}, {"230", "MU"}, {"231", "LR"}, {"232", "SL"}, {"233", "GH"}, {"234", "NG"}, {"235", "TD"},
    {"236", "CF"}, {"237", "CM"}, {"238", "CV"}, {"239", "ST"}, {"240", "GQ"}, {"241", "GA"}, {"242", "CG"},
    {"243", "CD"}, {"244", "AO"}, {"245", "GW"}, {"246", "IO"}, {"248", "SC"}, {"249", "SD"}, {"250", "RW"},
    {"251", "ET"}, {"252", "SO"}, {"253", "DJ"}, {"254", "KE"}, {"255", "TZ"}, {"256", "UG"}, {"257", "BI"},
    {"258", "MZ"}, {"260", "ZM"}, {"261", "MG"}, {"262", "RE"}, {"263", "ZW"}, {"264", "NA"}, {"265", "MW"},
    {"266", "LS"}, {"267", "BW"}, {"268", "SZ"}, {"269", "KM"}, {"290", "SH"}, {"291", "ER"}, {"297", "AW"},
    {"298", "FO"}, {"299", "GL"}, {"350", "GI"}, {"351", "PT"}, {"352", "LU"}, {"353", "IE"}, {"354", "IS"},
    {"355", "AL"}, {"356", "MT"}, {"357", "CY"}, {"358", "FI"}, {"359", "BG"}, {"370", "LT"}, {"371", "LV"},
    {"372", "EE"}, {"373", "MD"}, {"374", "AM"}, {"375", "BY"}, {"376", "AD"}, {"377", "MC"}, {"378", "SM"},
    {"380", "UA"}, {"381", "RS"}, {"382", "ME"}, {"383", "XK"}, {"385", "HR"}, {"386", "SI"}, {"387", "BA"},
    {"389", "MK"}, {"420", "CZ"}, {"421", "SK"}, {"423", "LI"}, {"500", "FK"}, {"501", "BZ"}, {"502", "GT"},
    {"503", "SV"}, {"504", "HN"}, {"505", "NI"}, {"506", "CR"}, {"507", "PA"}, {"508", "PM"}, {"509", "HT"},
    {"590", "GP"}, {"591", "BO"}, {"592", "GY"}, {"593", "EC"}, {"594", "GF"}, {"595", "PY"}, {"596", "MQ"},
    {"597", "SR"}, {"598", "UY"}, {"599", "CW"}, {"670", "TL"}, {"672", "NF"}, {"673", "BN"}, {"674", "NR"},
    {"675", "PG"}, {"676", "TO"}, {"677", "SB"}, {"678", "VU"}, {"679", "FJ"}, {"680", "PW"}, {"681", "WF"},
    {"682", "CK"}, {"683", "NU"}, {"685", "WS"}, {"686", "KI"}, {"687", "NC"}, {"688", "TV"}, {"689", "PF"},
    {"690", "TK"}, {"691", "FM"}, {"692", "MH"}, {"850", "KP"}, {"852", "HK"}, {"853", "MO"}, {"855", "KH"},
    {"856", "LA"}, {"870", "INMARSAT"}, {"880", "BD"}, {"881", "GMSS"}, {"882", "INTL-NETWORKS"},
    {"883", "INTL-NETWORKS"}, {"886", "TW"}, {"960", "MV"}, {"961", "LB"}, {"962", "JO"}, {"963", "SY"},
    {"964", "IQ"}, {"965", "KW"}, {"966", "SA"}, {"967", "YE"}, {"968", "OM"}, {"970", "PS"}, {"971", "AE"},
    {"972", "IL"}, {"973", "BH"}, {"974", "QA"}, {"975", "BT"}, {"976", "MN"}, {"977", "NP"}, {"992", "TJ"},
    {"993", "TM"}, {"994", "AZ"}, {"995", "GE"}, {"996", "KG"}, {"998", "UZ"},
};

bool is_digit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

bool normalize_dialed_number(std::string_view user, DialedNumber& number) {
    number = DialedNumber{};
    // Keep digits, drop visual separators; anything else is no number.
    char digits[40];
    std::size_t count = 0;
    bool plus = false;
    for (std::size_t i = 0; i < user.size(); ++i) {
        char c = user[i];
        if (is_digit(c)) {
            if (count == sizeof digits) return false;
            digits[count++] = c;
        } else if (c == '+' && count == 0 && !plus) {
            plus = true;
        } else if (c == '-' || c == '.' || c == ' ' || c == '(' || c == ')') {
            continue;
        } else {
            return false;
        }
    }
    std::string_view rest(digits, count);
    // International access: '+', or 00 / 011 (NANP), optionally after an
    // outside-line digit (9, 8 or 0: "900…", "9011…", "000…").
    bool international = plus;
    if (!international) {
        for (std::string_view outside : {std::string_view(""), std::string_view("9"), std::string_view("8"), std::string_view("0")}) {
            std::string_view candidate = rest;
            if (!outside.empty()) {
                if (!candidate.starts_with(outside)) continue;
                candidate.remove_prefix(outside.size());
            }
            for (std::string_view access : {std::string_view("011"), std::string_view("00")}) {
                if (candidate.starts_with(access) && candidate.size() - access.size() >= 7 && candidate[access.size()] != '0') {
                    rest = candidate.substr(access.size());
                    international = true;
                    break;
                }
            }
            if (international) break;
        }
    }
    if (rest.size() < 3 || rest.size() > 15 + (international ? 0 : 5) || rest.size() + 1 >= sizeof number.digits) return false;
    std::size_t at = 0;
    if (international) number.digits[at++] = '+';
    for (std::size_t i = 0; i < rest.size(); ++i) number.digits[at++] = rest[i];
    number.length = at;
    number.international = international;
    number.extension = !international && rest.size() <= kExtensionDigits;
    return true;
}

std::string_view country_of(std::string_view number) {
    if (!number.starts_with('+')) return {};
    number.remove_prefix(1);
    for (std::size_t length = 3; length >= 1; --length) {
        if (number.size() <= length) continue;
        std::string_view code = number.substr(0, length);
        for (const auto& entry : kCallingCodes) {
            if (entry.code == code) return entry.country;
        }
    }
    return {};
}

}  // namespace sipscope::fingerprint
