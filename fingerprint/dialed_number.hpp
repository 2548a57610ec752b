// Numbers that INVITEs try to call. Toll-fraud callers try one number with
// several dial-out prefixes (00, 011, 9 + 00, +…); normalising them to the
// international form counts the number once, and the form each was dialled
// in is kept (several forms for one number is a caller probing the PBX's
// dial plan). Countries and types come from NumberPlan (number_plan.hpp).
// No DPDK; no allocation.
#pragma once

#include "labelled_enum.hpp"

#include <cstddef>
#include <string_view>

namespace sipscope::fingerprint {

// How a number was dialled: the prefix before the number proper.
#define SIPSCOPE_DIAL_FORMS(X)                  \
    X(as_dialled, "as_dialled")                 \
    X(plus, "+")                                \
    X(idd_00, "00")                             \
    X(idd_011, "011")                           \
    X(outside_line_00, "outside_line_00")       \
    X(outside_line_011, "outside_line_011")     \
    X(home_idd, "home_idd")                     \
    X(home_national, "home_national")           \
    X(e164_without_plus, "e164_without_plus")

SIPSCOPE_LABELLED_ENUM(DialForm, SIPSCOPE_DIAL_FORMS, kDialFormCount, kDialFormLabels)

struct DialedNumber {
    // International numbers: '+', then the country code and the rest
    // (E.164); others: the digits as dialled.
    char digits[24] = {};
    std::size_t length = 0;
    bool international = false;  // dialled with an international prefix or '+'
    bool extension = false;      // at most kExtensionDigits digits, no prefix: a PBX extension, not a number
    DialForm form = DialForm::as_dialled;
    std::string_view view() const { return {digits, length}; }
};

// Short digit strings are extensions (100, 300, 2001), not telephone numbers.
inline constexpr std::size_t kExtensionDigits = 6;

// Normalises the user part of a request URI; false if it is not a number
// (an extension name, letters, too short or too long).
bool normalize_dialed_number(std::string_view user, DialedNumber& number);

}  // namespace sipscope::fingerprint
