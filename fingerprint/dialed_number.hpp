// Numbers that INVITEs try to call. Toll-fraud callers try one number with
// several dial-out prefixes (00, 011, 9 + 00, +…); normalising them to the
// international form counts the number once, and its country follows from
// the ITU-T E.164 country calling code. No DPDK; no allocation.
#pragma once

#include <cstddef>
#include <string_view>

namespace sipscope::fingerprint {

struct DialedNumber {
    // International numbers: '+', then the country code and the rest
    // (E.164); others: the digits as dialled.
    char digits[24] = {};
    std::size_t length = 0;
    bool international = false;  // dialled with an international prefix or '+'
    bool extension = false;      // at most kExtensionDigits digits, no prefix: a PBX extension, not a number
    std::string_view view() const { return {digits, length}; }
};

// Short digit strings are extensions (100, 300, 2001), not telephone numbers.
inline constexpr std::size_t kExtensionDigits = 6;

// Normalises the user part of a request URI; false if it is not a number
// (an extension name, letters, too short or too long).
bool normalize_dialed_number(std::string_view user, DialedNumber& number);

// ISO 3166 alpha-2 code of an international number's calling code ("SE"
// for +46…), "NANP" for +1; "" if unknown or not international (a country
// is never guessed from the leading digits of a national number).
std::string_view country_of(std::string_view number);

}  // namespace sipscope::fingerprint
