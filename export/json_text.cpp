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

// Where the next byte that needs care is, from `at` (text.size() if none).
// Most of an event is plain ASCII: sixteen bytes are checked at once.
std::size_t next_needing_care(std::string_view text, std::size_t at) {
#if defined(__SSE2__)
    // As signed bytes, everything below 0x20 or from 0x80 is less than 0x20.
    const __m128i below = _mm_set1_epi8(0x20), del = _mm_set1_epi8(0x7f);
    const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\');
    for (; at + 16 <= text.size(); at += 16) {
        __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(text.data() + at));
        __m128i care = _mm_or_si128(_mm_or_si128(_mm_cmplt_epi8(bytes, below), _mm_cmpeq_epi8(bytes, del)),
                                    _mm_or_si128(_mm_cmpeq_epi8(bytes, quote), _mm_cmpeq_epi8(bytes, backslash)));
        if (unsigned mask = static_cast<unsigned>(_mm_movemask_epi8(care)); mask != 0) return at + __builtin_ctz(mask);
    }
#endif
    for (; at < text.size(); ++at) {
        if (kNeedsCare[static_cast<uint8_t>(text[at])]) return at;
    }
    return text.size();
}

// One byte (or UTF-8 sequence) at text[at] that needs care; returns the
// bytes consumed.
std::size_t append_escaped(std::string& out, std::string_view text, std::size_t at) {
    static constexpr char kHex[] = "0123456789abcdef";
    auto c = static_cast<uint8_t>(text[at]);
    switch (c) {
        case '"': out += "\\\""; return 1;
        case '\\': out += "\\\\"; return 1;
        case '\n': out += "\\n"; return 1;
        case '\r': out += "\\r"; return 1;
        case '\t': out += "\\t"; return 1;
        default: break;
    }
    if (c < 0x80) {  // other control characters and DEL
        out += "\\u00";
        out.push_back(kHex[c >> 4]);
        out.push_back(kHex[c & 0xf]);
        return 1;
    }
    std::size_t length = utf8_sequence_length(text, at);
    if (length == 0) {
        out += "\\ufffd";
        return 1;
    }
    out.append(text.substr(at, length));
    return length;
}

char* put_digits(char* at, uint64_t value, unsigned digits) {
    for (unsigned i = digits; i-- > 0;) {
        at[i] = static_cast<char>('0' + value % 10);
        value /= 10;
    }
    return at + digits;
}

// The body of a JSON string (no quotes). Only bytes that must be written
// otherwise break the run being copied: valid UTF-8 (header values carry
// U+2591 markers and names) is skipped over in place, so that a value is
// usually one append.
void append_json_string_body(std::string& out, std::string_view text) {
    std::size_t run = 0;  // start of the bytes not yet appended
    std::size_t i = next_needing_care(text, 0);
    while (i < text.size()) {
        if (static_cast<uint8_t>(text[i]) >= 0x80) {
            if (std::size_t length = utf8_sequence_length(text, i)) {
                i = next_needing_care(text, i + length);
                continue;
            }
        }
        out.append(text.data() + run, i - run);
        i += append_escaped(out, text, i);
        run = i;
        i = next_needing_care(text, i);
    }
    out.append(text.data() + run, text.size() - run);
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

// A key and a short value are put together on the stack and appended
// once: a record has ~60 of them, and each append of std::string checks
// its capacity and moves its size.
constexpr std::size_t kInlineKeyBytes = 64;
constexpr std::size_t kInlineValueBytes = 128;

// Writes `,"name":` at `at` (the comma when one is needed); returns its end.
char* put_key(char* at, std::string_view name, bool comma) {
    *at = ',';
    at += comma;
    *at++ = '"';
    std::memcpy(at, name.data(), name.size());
    at += name.size();
    *at++ = '"';
    *at++ = ':';
    return at;
}

}  // namespace

void JsonObject::key(std::string_view name) {
    // Names are the sensor's own (field names, enum labels): never from the
    // wire, nothing to escape.
    if (name.size() <= kInlineKeyBytes) {
        char text[kInlineKeyBytes + 4];
        out_.append(text, static_cast<std::size_t>(put_key(text, name, need_comma_) - text));
    } else {
        if (need_comma_) out_.push_back(',');
        out_.push_back('"');
        out_.append(name);
        out_ += "\":";
    }
    need_comma_ = true;
}

// `text` ends with the key; appends it with `value` quoted when the value
// is short and needs no escape. Returns false (nothing appended) otherwise.
bool JsonObject::append_plain(char* text, char* at, std::string_view value) {
    if (value.size() > kInlineValueBytes || next_needing_care(value, 0) != value.size()) return false;
    *at++ = '"';
    std::memcpy(at, value.data(), value.size());
    at += value.size();
    *at++ = '"';
    out_.append(text, static_cast<std::size_t>(at - text));
    need_comma_ = true;
    return true;
}

JsonObject& JsonObject::field(std::string_view name, std::string_view value) {
    if (name.size() <= kInlineKeyBytes) {
        char text[kInlineKeyBytes + kInlineValueBytes + 8];
        if (append_plain(text, put_key(text, name, need_comma_), value)) return *this;
    }
    key(name);
    append_json_string(out_, value);
    return *this;
}

JsonObject& JsonObject::element(std::string_view value) {
    char text[kInlineValueBytes + 4];
    char* at = text;
    *at = ',';
    at += need_comma_;
    if (append_plain(text, at, value)) return *this;
    if (need_comma_) out_.push_back(',');
    append_json_string(out_, value);
    need_comma_ = true;
    return *this;
}

// A key followed by a value that needs no escape (a number, a literal, a
// bracket), with one append when the key is short.
template <class Put>
void JsonObject::key_and(std::string_view name, Put put) {
    if (name.size() > kInlineKeyBytes) {
        key(name);
        char text[40];
        out_.append(text, static_cast<std::size_t>(put(text) - text));
        return;
    }
    char text[kInlineKeyBytes + 4 + 40];
    out_.append(text, static_cast<std::size_t>(put(put_key(text, name, need_comma_)) - text));
    need_comma_ = true;
}

JsonObject& JsonObject::field(std::string_view name, uint64_t value) {
    key_and(name, [value](char* at) { return std::to_chars(at, at + 24, value).ptr; });
    return *this;
}

JsonObject& JsonObject::field(std::string_view name, int64_t value) {
    key_and(name, [value](char* at) { return std::to_chars(at, at + 24, value).ptr; });
    return *this;
}

JsonObject& JsonObject::field(std::string_view name, double value) {
    key_and(name, [value](char* at) {
        if (!std::isfinite(value)) return static_cast<char*>(std::memcpy(at, "null", 4)) + 4;
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

JsonObject& JsonObject::field(std::string_view name, bool value) {
    key_and(name, [value](char* at) {
        std::string_view text = value ? "true" : "false";
        return static_cast<char*>(std::memcpy(at, text.data(), text.size())) + text.size();
    });
    return *this;
}

JsonObject& JsonObject::begin_object(std::string_view name) {
    key_and(name, [](char* at) {
        *at = '{';
        return at + 1;
    });
    need_comma_ = false;
    return *this;
}

JsonObject& JsonObject::begin_array(std::string_view name) {
    key_and(name, [](char* at) {
        *at = '[';
        return at + 1;
    });
    need_comma_ = false;
    return *this;
}

JsonObject& JsonObject::begin_object_element() {
    if (need_comma_) out_.push_back(',');
    out_.push_back('{');
    need_comma_ = false;
    return *this;
}

JsonObject& JsonObject::end_array() {
    out_.push_back(']');
    need_comma_ = true;
    return *this;
}

JsonObject& JsonObject::end() {
    out_.push_back('}');
    need_comma_ = true;
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
