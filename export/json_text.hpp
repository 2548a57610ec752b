// Building JSON text for events. Control lcore only.
//
// Strings from the wire (header values, user agents) may hold any bytes: the
// escaper emits valid JSON for all of them, turning invalid UTF-8 into
// U+FFFD so that every line a SIEM reads parses.
#pragma once

#include <charconv>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

namespace sipscope::exporter {

// Appends `text` as a JSON string literal, quotes included.
void append_json_string(std::string& out, std::string_view text);

// RFC 3339 UTC time with microseconds, e.g. 2026-11-22T04:00:00.000123Z,
// without allocating (rfc3339) or as a string.
struct Rfc3339 {
    char text[32];
    uint8_t length = 0;
    std::string_view view() const { return {text, length}; }
};
Rfc3339 rfc3339(uint64_t microseconds_since_epoch);
std::string format_rfc3339(uint64_t microseconds_since_epoch);
// The reverse, for exactly that form: microseconds since the epoch, or
// nullopt for anything else (readers of events: ClickHouse rows, campaigns).
std::optional<int64_t> parse_rfc3339(std::string_view text);

// A control byte that a value uses to stand for a longer text (the
// fingerprint's marker of a character that varied, U+2591 in events):
// written as that text instead of being escaped. `text` is valid UTF-8 of
// at most 6 bytes.
struct ByteStandIn {
    char byte;
    std::string_view text;
};

namespace json_detail {
// The bytes a string's body may write past its end (whole 16-byte blocks).
constexpr std::size_t kStringSlack = 16;
// The body of a JSON string (no quotes) at `out`, which has room for 6
// bytes per byte of `text` and kStringSlack more; returns its end
// (json_text.cpp).
char* put_json_string_body(char* out, std::string_view text, const ByteStandIn* stand_in);
// Writes `,"name":` at `at` (the comma when `comma`); returns its end.
inline char* put_key(char* at, std::string_view name, bool comma) {
    *at = ',';
    at += comma;
    *at++ = '"';
    std::memcpy(at, name.data(), name.size());
    at += name.size();
    *at++ = '"';
    *at++ = ':';
    return at;
}
}  // namespace json_detail

// Incremental writer of one JSON object; keeps track of commas. Keys are
// the sensor's own names (written as they are); values are escaped.
//
// The text is built in the object's own buffer, written through a
// pointer, and appended to `out` when the outermost object ends (or the
// buffer fills, or the writer goes out of scope): a flow record has ~60
// fields, and appending each piece to a std::string checked its capacity
// and moved its size, and copying a piece assembled on the stack stalled
// on the stores just made. Read `out` only after the last end().
//
// The common paths are defined below, in the header: the keys are string
// literals, and inlined their copies are stores of a known size (out of
// line, each was a call to memcpy with a length read at run time; a flow
// record writes ~100 keys).
class JsonObject {
public:
    static constexpr std::size_t kBufferBytes = 8192;

    explicit JsonObject(std::string& out);
    ~JsonObject();
    JsonObject(const JsonObject&) = delete;
    JsonObject& operator=(const JsonObject&) = delete;

    JsonObject& field(std::string_view key, std::string_view value) {
        this->key(key);
        string_value(value, nullptr);
        return *this;
    }
    // `value` with every `stand_in.byte` written as `stand_in.text`, in the
    // same pass as the escaping (no rendered copy of the value first).
    JsonObject& field(std::string_view key, std::string_view value, ByteStandIn stand_in) {
        this->key(key);
        string_value(value, &stand_in);
        return *this;
    }
    JsonObject& field(std::string_view key, const char* value) { return field(key, std::string_view(value)); }
    JsonObject& field(std::string_view key, uint64_t value) {
        key_and(key, [value](char* at) { return std::to_chars(at, at + 24, value).ptr; });
        return *this;
    }
    JsonObject& field(std::string_view key, int64_t value) {
        key_and(key, [value](char* at) { return std::to_chars(at, at + 24, value).ptr; });
        return *this;
    }
    JsonObject& field(std::string_view key, unsigned value) { return field(key, static_cast<uint64_t>(value)); }
    JsonObject& field(std::string_view key, int value) { return field(key, static_cast<int64_t>(value)); }
    JsonObject& field(std::string_view key, double value);
    JsonObject& field(std::string_view key, bool value) {
        key_and(key, [value](char* at) {
            if (value) {
                std::memcpy(at, "true", 4);
                return at + 4;
            }
            std::memcpy(at, "false", 5);
            return at + 5;
        });
        return *this;
    }
    // Starts a nested object under `key`; close it with end().
    JsonObject& begin_object(std::string_view key) { return open_under(key, '{'); }
    JsonObject& begin_array(std::string_view key) { return open_under(key, '['); }
    // An object inside an array; close it with end().
    JsonObject& begin_object_element() {
        char* at = room(2);
        *at = ',';
        at += need_comma_;
        *at++ = '{';
        commit(at);
        open();
        return *this;
    }
    // A string inside an array.
    JsonObject& element(std::string_view value) {
        if (need_comma_) {
            *room(1) = ',';
            ++used_;
        }
        string_value(value, nullptr);
        return *this;
    }
    JsonObject& end_array() {
        close(']');
        return *this;
    }
    JsonObject& end() {
        close('}');
        return *this;
    }

private:
    // A pointer to at least `bytes` free bytes of the buffer (bytes ≤ kBufferBytes).
    char* room(std::size_t bytes) {
        if (kBufferBytes - used_ < bytes) flush();
        return buffer_ + used_;
    }
    // The buffer is filled up to `end`, which ended a value.
    void commit(char* end) {
        used_ = static_cast<std::size_t>(end - buffer_);
        need_comma_ = true;
    }
    void flush();
    // Sensor-owned names (field names, enum labels) are short; a longer one
    // takes the slow path rather than a bigger buffer.
    static constexpr std::size_t kLongestInlineKey = 256;
    // A wire value is escaped straight into the buffer while its worst
    // case (6 bytes per byte) fits in a quarter of it.
    static constexpr std::size_t kLongestInlineValue = kBufferBytes / 4 / 6;
    void key(std::string_view name) {
        if (name.size() <= kLongestInlineKey) [[likely]] {
            commit(json_detail::put_key(room(name.size() + 4), name, need_comma_));
            return;
        }
        long_key(name);
    }
    void long_key(std::string_view name);
    // A key followed by a value that needs no escape (a number, a literal,
    // a bracket) of at most 40 bytes.
    template <class Put>
    void key_and(std::string_view name, Put put) {
        if (name.size() > kLongestInlineKey) [[unlikely]] {
            long_key(name);
            commit(put(room(40)));
            return;
        }
        commit(put(json_detail::put_key(room(name.size() + 4 + 40), name, need_comma_)));
    }
    void string_value(std::string_view value, const ByteStandIn* stand_in) {
        if (value.size() <= kLongestInlineValue) [[likely]] {
            char* at = room(6 * value.size() + 2 + json_detail::kStringSlack);
            *at++ = '"';
            at = json_detail::put_json_string_body(at, value, stand_in);
            *at++ = '"';
            commit(at);
            return;
        }
        long_string_value(value, stand_in);
    }
    void long_string_value(std::string_view value, const ByteStandIn* stand_in);
    JsonObject& open_under(std::string_view name, char bracket) {
        key_and(name, [bracket](char* at) {
            *at = bracket;
            return at + 1;
        });
        open();
        return *this;
    }
    void open() {
        ++depth_;
        need_comma_ = false;
    }
    // Closes the innermost object or array; the outermost hands the text over.
    void close(char bracket) {
        *room(1) = bracket;
        ++used_;
        need_comma_ = true;
        if (depth_ > 0 && --depth_ == 0) flush();
    }

    std::string& out_;
    std::size_t used_ = 0;
    unsigned depth_ = 1;  // the object the constructor opened
    bool need_comma_ = false;
    char buffer_[kBufferBytes];
};

}  // namespace sipscope::exporter
