// JSON escaping and formatting for the events file.
#include "json_text.hpp"

#include <charconv>
#include <cmath>
#include <ctime>

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

void append_json_string(std::string& out, std::string_view text) {
    static constexpr char kHex[] = "0123456789abcdef";
    out.push_back('"');
    for (std::size_t i = 0; i < text.size();) {
        auto c = static_cast<uint8_t>(text[i]);
        if (c < 0x80) {
            switch (c) {
                case '"': out += "\\\""; break;
                case '\\': out += "\\\\"; break;
                case '\n': out += "\\n"; break;
                case '\r': out += "\\r"; break;
                case '\t': out += "\\t"; break;
                default:
                    if (c < 0x20 || c == 0x7f) {
                        out += "\\u00";
                        out.push_back(kHex[c >> 4]);
                        out.push_back(kHex[c & 0xf]);
                    } else {
                        out.push_back(static_cast<char>(c));
                    }
            }
            ++i;
            continue;
        }
        std::size_t length = utf8_sequence_length(text, i);
        if (length == 0) {
            out += "\\ufffd";
            ++i;
        } else {
            out.append(text.substr(i, length));
            i += length;
        }
    }
    out.push_back('"');
}

std::string format_rfc3339(uint64_t microseconds_since_epoch) {
    time_t seconds = static_cast<time_t>(microseconds_since_epoch / 1000000);
    unsigned micros = static_cast<unsigned>(microseconds_since_epoch % 1000000);
    std::tm utc{};
    gmtime_r(&seconds, &utc);
    char text[40];
    std::size_t used = std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &utc);
    std::snprintf(text + used, sizeof text - used, ".%06uZ", micros);
    return text;
}

void JsonObject::key(std::string_view name) {
    if (need_comma_) out_.push_back(',');
    append_json_string(out_, name);
    out_.push_back(':');
    need_comma_ = true;
}

JsonObject& JsonObject::field(std::string_view name, std::string_view value) {
    key(name);
    append_json_string(out_, value);
    return *this;
}

JsonObject& JsonObject::field(std::string_view name, uint64_t value) {
    key(name);
    out_ += std::to_string(value);
    return *this;
}

JsonObject& JsonObject::field(std::string_view name, int64_t value) {
    key(name);
    out_ += std::to_string(value);
    return *this;
}

JsonObject& JsonObject::field(std::string_view name, double value) {
    key(name);
    if (!std::isfinite(value)) {
        out_ += "null";
        return *this;
    }
    char text[32];
    auto [end, error] = std::to_chars(text, text + sizeof text, value, std::chars_format::general, 6);
    out_.append(text, error == std::errc() ? end : text);
    return *this;
}

JsonObject& JsonObject::field(std::string_view name, bool value) {
    key(name);
    out_ += value ? "true" : "false";
    return *this;
}

JsonObject& JsonObject::begin_object(std::string_view name) {
    key(name);
    out_.push_back('{');
    need_comma_ = false;
    return *this;
}

JsonObject& JsonObject::begin_array(std::string_view name) {
    key(name);
    out_.push_back('[');
    need_comma_ = false;
    return *this;
}

JsonObject& JsonObject::begin_object_element() {
    if (need_comma_) out_.push_back(',');
    out_.push_back('{');
    need_comma_ = false;
    return *this;
}

JsonObject& JsonObject::element(std::string_view value) {
    if (need_comma_) out_.push_back(',');
    append_json_string(out_, value);
    need_comma_ = true;
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

}  // namespace sipscope::exporter
