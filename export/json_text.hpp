// Building JSON text for events. Control lcore only.
//
// Strings from the wire (header values, user agents) may hold any bytes: the
// escaper emits valid JSON for all of them, turning invalid UTF-8 into
// U+FFFD so that every line a SIEM reads parses.
#pragma once

#include <cstdint>
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

// Incremental writer of one JSON object; keeps track of commas. Keys are
// the sensor's own names (written as they are); values are escaped.
//
// The text is built in the object's own buffer, written through a
// pointer, and appended to `out` when the outermost object ends (or the
// buffer fills, or the writer goes out of scope): a flow record has ~60
// fields, and appending each piece to a std::string checked its capacity
// and moved its size, and copying a piece assembled on the stack stalled
// on the stores just made. Read `out` only after the last end().
class JsonObject {
public:
    static constexpr std::size_t kBufferBytes = 8192;

    explicit JsonObject(std::string& out);
    ~JsonObject();
    JsonObject(const JsonObject&) = delete;
    JsonObject& operator=(const JsonObject&) = delete;

    JsonObject& field(std::string_view key, std::string_view value);
    // `value` with every `stand_in.byte` written as `stand_in.text`, in the
    // same pass as the escaping (no rendered copy of the value first).
    JsonObject& field(std::string_view key, std::string_view value, ByteStandIn stand_in);
    JsonObject& field(std::string_view key, const char* value) { return field(key, std::string_view(value)); }
    JsonObject& field(std::string_view key, uint64_t value);
    JsonObject& field(std::string_view key, int64_t value);
    JsonObject& field(std::string_view key, unsigned value) { return field(key, static_cast<uint64_t>(value)); }
    JsonObject& field(std::string_view key, int value) { return field(key, static_cast<int64_t>(value)); }
    JsonObject& field(std::string_view key, double value);
    JsonObject& field(std::string_view key, bool value);
    // Starts a nested object under `key`; close it with end().
    JsonObject& begin_object(std::string_view key);
    JsonObject& begin_array(std::string_view key);
    JsonObject& begin_object_element();  // an object inside an array; close it with end()
    JsonObject& element(std::string_view value);  // inside an array
    JsonObject& end_array();
    JsonObject& end();

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
    void key(std::string_view name);
    template <class Put>
    void key_and(std::string_view name, Put put);
    void string_value(std::string_view value, const ByteStandIn* stand_in = nullptr);
    void open();
    void close(char bracket);

    std::string& out_;
    std::size_t used_ = 0;
    unsigned depth_ = 1;  // the object the constructor opened
    bool need_comma_ = false;
    char buffer_[kBufferBytes];
};

}  // namespace sipscope::exporter
