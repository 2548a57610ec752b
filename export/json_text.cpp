// JSON escaping and formatting for the events file.
#include "json_text.hpp"

#include <array>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace sipscope::exporter {

namespace {

// Length of the valid UTF-8 sequence at `text[at]`, or 0 if invalid
// (overlong forms, surrogates and code points past U+10FFFF are invalid).
std::size_t utf8_sequence_length(std::string_view text, std::size_t at) {
    auto byte = [&](std::size_t i) { return static_cast<uint8_t>(text[i]); };
    uint8_t lead = byte(at);
    std::size_t remaining = text.size() - at;
    auto continuation = [&](std::size_t i) { return (byte(i) & 0xc0) == 0x80; };
    if (lead >= 0xc2 && lead <= 0xdf) {
        return remaining >= 2 && continuation(at + 1) ? 2 : 0;
    }
    if (lead >= 0xe0 && lead <= 0xef) {
        if (remaining < 3 || !continuation(at + 1) || !continuation(at + 2)) return 0;
        if (lead == 0xe0 && byte(at + 1) < 0xa0) return 0;  // overlong
        if (lead == 0xed && byte(at + 1) >= 0xa0) return 0;  // surrogate
        return 3;
    }
    if (lead >= 0xf0 && lead <= 0xf4) {
        if (remaining < 4 || !continuation(at + 1) || !continuation(at + 2) || !continuation(at + 3))
            return 0;
        if (lead == 0xf0 && byte(at + 1) < 0x90) return 0;  // overlong
        if (lead == 0xf4 && byte(at + 1) >= 0x90) return 0;  // > U+10FFFF
        return 4;
    }
    return 0;
}

}  // namespace

namespace {

// Bytes that cannot be copied into a JSON string as they are: control
// characters, '"', '\\', DEL, and everything from 0x80 (checked as UTF-8).
constexpr std::array<bool, 256> kNeedsCare = [] {
    std::array<bool, 256> table{};
    for (unsigned c = 0; c < 256; ++c) table[c] = c < 0x20 || c == '"' || c == '\\' || c >= 0x7f;
    return table;
}();

#if defined(__SSE2__)
// The bytes of a 16-byte block that need care, as a bit mask. As signed
// bytes, everything below 0x20 or from 0x80 is less than 0x20.
inline unsigned care_mask(__m128i bytes) {
    const __m128i below = _mm_set1_epi8(0x20), del = _mm_set1_epi8(0x7f);
    const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\');
    __m128i care = _mm_or_si128(_mm_or_si128(_mm_cmplt_epi8(bytes, below), _mm_cmpeq_epi8(bytes, del)),
                                _mm_or_si128(_mm_cmpeq_epi8(bytes, quote), _mm_cmpeq_epi8(bytes, backslash)));
    return static_cast<unsigned>(_mm_movemask_epi8(care));
}

// Whether 16 bytes from `at` lie in one page: then reading them is safe
// even where the text ends sooner (memory is mapped a page at a time).
inline bool block_in_one_page(const char* at) {
    constexpr uintptr_t kPageBytes = 4096;
    return (reinterpret_cast<uintptr_t>(at) & (kPageBytes - 1)) <= kPageBytes - 16;
}
#endif

// Copies the bytes of [*from, end) up to the first that needs care to
// *to, advancing both; returns whether one needing care was reached (at
// *from). Most of an event is plain ASCII: sixteen bytes are checked and
// copied at once, into the 16 bytes of slack the caller leaves (so a
// block is stored whole before its length is known). A short text or a
// tail is read as a whole block when that stays in its page: the bytes
// past its end are masked out and never written past what counts.
// Reading past the text is invisible to ASan's model, hence the attribute.
__attribute__((no_sanitize("address"))) inline bool copy_plain(const char*& from, const char* end, char*& to) {
    const char* at = from;
    char* out = to;
#if defined(__SSE2__)
    for (; end - at >= 16; at += 16, out += 16) {
        __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(at));
        _mm_storeu_si128(reinterpret_cast<__m128i*>(out), bytes);
        if (unsigned mask = care_mask(bytes); mask != 0) {
            unsigned plain = static_cast<unsigned>(__builtin_ctz(mask));
            from = at + plain;
            to = out + plain;
            return true;
        }
    }
    if (at != end && block_in_one_page(at)) {
        auto left = static_cast<unsigned>(end - at);
        __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(at));
        _mm_storeu_si128(reinterpret_cast<__m128i*>(out), bytes);
        unsigned mask = care_mask(bytes) & ((1u << left) - 1);
        unsigned plain = mask != 0 ? static_cast<unsigned>(__builtin_ctz(mask)) : left;
        from = at + plain;
        to = out + plain;
        return mask != 0;
    }
#endif
    for (; at != end; ++at) {
        if (kNeedsCare[static_cast<uint8_t>(*at)]) break;
        *out++ = *at;
    }
    from = at;
    to = out;
    return at != end;
}

// One byte (or UTF-8 sequence) at text[at] that needs care, escaped at
// `out` (room for 6 bytes); returns the end of what was written and sets
// `consumed` to the bytes of `text` it stands for.
char* put_escaped(char* out, std::string_view text, std::size_t at, std::size_t& consumed) {
    static constexpr char kHex[] = "0123456789abcdef";
    auto c = static_cast<uint8_t>(text[at]);
    consumed = 1;
    char short_form = 0;
    switch (c) {
        case '"': short_form = '"'; break;
        case '\\': short_form = '\\'; break;
        case '\n': short_form = 'n'; break;
        case '\r': short_form = 'r'; break;
        case '\t': short_form = 't'; break;
        default: break;
    }
    if (short_form != 0) {
        out[0] = '\\';
        out[1] = short_form;
        return out + 2;
    }
    if (c < 0x80) {  // other control characters and DEL
        std::memcpy(out, "\\u00", 4);
        out[4] = kHex[c >> 4];
        out[5] = kHex[c & 0xf];
        return out + 6;
    }
    std::size_t length = utf8_sequence_length(text, at);
    if (length == 0) {
        std::memcpy(out, "\\ufffd", 6);
        return out + 6;
    }
    std::memcpy(out, text.data() + at, length);
    consumed = length;
    return out + length;
}

char* put_digits(char* at, uint64_t value, unsigned digits) {
    for (unsigned i = digits; i-- > 0;) {
        at[i] = static_cast<char>('0' + value % 10);
        value /= 10;
    }
    return at + digits;
}

}  // namespace

// The body of a JSON string (no quotes) at `out`, which has room for
// 6 bytes per byte of `text` and kStringSlack more; returns its end. Only
// bytes that must be written otherwise break the run being copied: valid
// UTF-8 (header values carry U+2591 markers and names) is copied as it is.
// A stand-in's byte (a control byte: one that needs care) is written as
// its text.
char* json_detail::put_json_string_body(char* out, std::string_view text, const ByteStandIn* stand_in) {
    const char* at = text.data();
    const char* const end = at + text.size();
    while (copy_plain(at, end, out)) {
        std::size_t offset = static_cast<std::size_t>(at - text.data()), consumed = 1;
        if (static_cast<uint8_t>(*at) >= 0x80) {
            if (std::size_t length = utf8_sequence_length(text, offset)) {
                std::memcpy(out, at, length);
                out += length;
                at += length;
                continue;
            }
        }
        if (stand_in && *at == stand_in->byte) {
            std::memcpy(out, stand_in->text.data(), stand_in->text.size());
            out += stand_in->text.size();
        } else {
            out = put_escaped(out, text, offset, consumed);
        }
        at += consumed;
    }
    return out;
}

namespace {

// The same appended to a string (the API's callers, and values too long
// to be escaped inside JsonObject's buffer).
void append_json_string_body(std::string& out, std::string_view text, const ByteStandIn* stand_in = nullptr) {
    std::size_t start = out.size();
    out.resize(start + 6 * text.size() + json_detail::kStringSlack);
    out.resize(static_cast<std::size_t>(json_detail::put_json_string_body(out.data() + start, text, stand_in) - out.data()));
}

}  // namespace

void append_json_string(std::string& out, std::string_view text) {
    out.push_back('"');
    append_json_string_body(out, text);
    out.push_back('"');
}

Rfc3339 rfc3339(uint64_t microseconds_since_epoch) {
    uint64_t seconds = microseconds_since_epoch / 1000000;
    uint64_t days = seconds / 86400;
    // The date from C++20's calendar (no gmtime, no strftime, no locale),
    // once per day: the times of a record, and of the records after it,
    // mostly fall on the same one.
    thread_local uint64_t dated_day = UINT64_MAX;
    thread_local char date_text[10];
    if (days != dated_day) {
        const std::chrono::year_month_day date{std::chrono::sys_days{std::chrono::days{days}}};
        char* at = put_digits(date_text, static_cast<uint64_t>(static_cast<int>(date.year())), 4);
        *at++ = '-';
        at = put_digits(at, static_cast<unsigned>(date.month()), 2);
        *at++ = '-';
        put_digits(at, static_cast<unsigned>(date.day()), 2);
        dated_day = days;
    }
    uint64_t of_day = seconds % 86400;
    Rfc3339 out;
    std::memcpy(out.text, date_text, sizeof date_text);
    char* at = out.text + sizeof date_text;
    *at++ = 'T';
    at = put_digits(at, of_day / 3600, 2);
    *at++ = ':';
    at = put_digits(at, of_day / 60 % 60, 2);
    *at++ = ':';
    at = put_digits(at, of_day % 60, 2);
    *at++ = '.';
    at = put_digits(at, microseconds_since_epoch % 1000000, 6);
    *at++ = 'Z';
    out.length = static_cast<uint8_t>(at - out.text);
    return out;
}

std::string format_rfc3339(uint64_t microseconds_since_epoch) { return std::string(rfc3339(microseconds_since_epoch).view()); }

namespace {

char* put_text(char* at, std::string_view text) {
    std::memcpy(at, text.data(), text.size());
    return at + text.size();
}

}  // namespace

JsonObject::JsonObject(std::string& out) : out_(out) {
    buffer_[0] = '{';
    used_ = 1;
}

JsonObject::~JsonObject() { flush(); }

void JsonObject::flush() {
    out_.append(buffer_, used_);
    used_ = 0;
}

void JsonObject::long_key(std::string_view name) {
    flush();
    if (need_comma_) out_.push_back(',');
    out_.push_back('"');
    out_.append(name);
    out_ += "\":";
    need_comma_ = true;
}

void JsonObject::long_string_value(std::string_view value, const ByteStandIn* stand_in) {
    flush();
    out_.push_back('"');
    append_json_string_body(out_, value, stand_in);
    out_.push_back('"');
    need_comma_ = true;
}

JsonObject& JsonObject::field(std::string_view name, double value) {
    key_and(name, [value](char* at) {
        if (!std::isfinite(value)) return put_text(at, "null");
        // Whole numbers below 10^6 (counts, rates of one-packet flows, a
        // confidence of 1) are written as the general form writes them,
        // without its shortest-digits search.
        if (value > -1e6 && value < 1e6 && value == static_cast<double>(static_cast<int64_t>(value)) &&
            !(value == 0 && std::signbit(value)))
            return std::to_chars(at, at + 24, static_cast<int64_t>(value)).ptr;
        auto [end, error] = std::to_chars(at, at + 32, value, std::chars_format::general, 6);
        return error == std::errc() ? end : at;
    });
    return *this;
}

std::optional<int64_t> parse_rfc3339(std::string_view text) {
    static constexpr std::string_view kShape = "dddd-dd-ddTdd:dd:dd.ddddddZ";
    if (text.size() != kShape.size()) return std::nullopt;
    for (std::size_t i = 0; i < kShape.size(); ++i) {
        bool digit = text[i] >= '0' && text[i] <= '9';
        if (kShape[i] == 'd' ? !digit : text[i] != kShape[i]) return std::nullopt;
    }
    auto number = [&](std::size_t at, std::size_t length) {
        int value = 0;
        for (std::size_t i = at; i < at + length; ++i) value = value * 10 + (text[i] - '0');
        return value;
    };
    using namespace std::chrono;
    year_month_day date{year{number(0, 4)}, month{static_cast<unsigned>(number(5, 2))}, day{static_cast<unsigned>(number(8, 2))}};
    if (!date.ok()) return std::nullopt;
    int64_t days = sys_days{date}.time_since_epoch().count();
    int64_t seconds = days * 86400 + number(11, 2) * 3600 + number(14, 2) * 60 + number(17, 2);
    return seconds * 1000000 + number(20, 6);
}

}  // namespace sipscope::exporter
