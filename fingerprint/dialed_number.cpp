// Number normalisation by dialling form.
#include "dialed_number.hpp"

namespace sipscope::fingerprint {

namespace {

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
    DialForm form = plus ? DialForm::plus : DialForm::as_dialled;
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
                    bool nanp = access.size() == 3;
                    form = outside.empty() ? (nanp ? DialForm::idd_011 : DialForm::idd_00)
                                           : (nanp ? DialForm::outside_line_011 : DialForm::outside_line_00);
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
    number.form = form;
    number.extension = !international && rest.size() <= kExtensionDigits;
    return true;
}

}  // namespace sipscope::fingerprint
