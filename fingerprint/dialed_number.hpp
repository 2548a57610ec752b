// Numbers that INVITEs try to call. Toll-fraud callers try one number with
// several dial-out prefixes (00, 011, 9 + 00, +…); normalising them to the
// international form counts the number once, and its country follows from
// the ITU-T E.164 country calling code. No DPDK; no allocation.
#pragma once

#include <cstddef>
#include <string_view>

namespace sipscope::fingerprint {

struct DialedNumber {
    char digits[24] = {};   // international numbers without prefix: country code first
    std::size_t length = 0;
    bool international = false;  // dialled with an international prefix or '+'
    std::string_view view() const { return {digits, length}; }
};

// Normalises the user part of a request URI; false if it is not a number
// (an extension name, letters, too short or too long).
bool normalize_dialed_number(std::string_view user, DialedNumber& number);

// ISO 3166 alpha-2 code of an international number's calling code ("SE"
// for 46…), "NANP" for +1, "" if unknown.
std::string_view country_of(std::string_view international_number);

}  // namespace sipscope::fingerprint
