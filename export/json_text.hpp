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

// Incremental writer of one JSON object; keeps track of commas. Keys are
// the sensor's own names (written as they are); values are escaped.
class JsonObject {
public:
    explicit JsonObject(std::string& out) : out_(out) { out_.push_back('{'); }
    JsonObject& field(std::string_view key, std::string_view value);
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
    void key(std::string_view name);
    bool append_plain(char* text, char* at, std::string_view value);
    template <class Put>
    void key_and(std::string_view name, Put put);
    std::string& out_;
    bool need_comma_ = false;
};

}  // namespace sipscope::exporter
