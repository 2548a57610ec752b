// The event → row flattener (see event_row.hpp). A small recursive-descent
// reader over the sensor's own JSON: values are copied as raw text, so
// strings keep their escaping and numbers their digits.
#include "event_row.hpp"

#include "json_text.hpp"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

namespace sipscope::exporter {

namespace {

// A quoted event time ("2026-11-22T05:01:25.186712Z", quotes included) →
// microseconds since the epoch.
std::optional<int64_t> parse_event_time(std::string_view quoted) {
    if (quoted.size() < 2 || quoted.front() != '"' || quoted.back() != '"') return std::nullopt;
    return parse_rfc3339(quoted.substr(1, quoted.size() - 2));
}

class Flattener {
public:
    Flattener(std::string_view text, std::string& out) : text_(text), out_(out) {}

    bool run() {
        skip_space();
        if (!object("")) return false;
        skip_space();
        return position_ == text_.size();
    }

private:
    // --- reading
    void skip_space() {
        while (position_ < text_.size() && (text_[position_] == ' ' || text_[position_] == '\n' ||
                                            text_[position_] == '\t' || text_[position_] == '\r'))
            ++position_;
    }
    bool peek(char c) {
        skip_space();
        return position_ < text_.size() && text_[position_] == c;
    }
    bool take(char c) {
        if (!peek(c)) return false;
        ++position_;
        return true;
    }
    // A string literal, quotes included; its unescaped-enough content for
    // a key (our keys never hold escapes).
    std::optional<std::string_view> string_literal() {
        if (!peek('"')) return std::nullopt;
        std::size_t start = position_++;
        while (position_ < text_.size()) {
            char c = text_[position_++];
            if (c == '\\') {
                ++position_;
            } else if (c == '"') {
                return text_.substr(start, position_ - start);
            }
        }
        return std::nullopt;
    }
    // A number, true, false or null, as raw text.
    std::optional<std::string_view> bare_literal() {
        skip_space();
        std::size_t start = position_;
        while (position_ < text_.size()) {
            char c = text_[position_];
            if (c == ',' || c == '}' || c == ']' || c == ' ' || c == '\n') break;
            ++position_;
        }
        if (position_ == start) return std::nullopt;
        return text_.substr(start, position_ - start);
    }
    std::optional<std::string_view> scalar() {
        if (peek('"')) return string_literal();
        return bare_literal();
    }

    // --- writing
    void column(const std::string& name) {
        out_.push_back(columns_++ ? ',' : '{');
        out_.push_back('"');
        out_.append(name);
        out_.append("\":");
    }
    void value(std::string_view raw) {
        if (raw == "true") out_.push_back('1');
        else if (raw == "false") out_.push_back('0');
        else out_.append(raw);
    }
    void scalar_column(const std::string& name, std::string_view raw) {
        if (raw == "null") return;
        if (auto micros = parse_event_time(raw)) {
            column(name);
            out_.append(std::to_string(*micros / 1000000));
            column(name + "_us");
            out_.append(std::to_string(*micros));
            return;
        }
        column(name);
        value(raw);
    }

    static std::string join(const std::string& prefix, std::string_view key) {
        std::string name = prefix;
        if (!name.empty()) name.push_back('_');
        name.append(key.substr(1, key.size() - 2));
        return name;
    }

    bool object(const std::string& prefix) {
        if (!take('{')) return false;
        if (take('}')) return true;
        do {
            auto key = string_literal();
            if (!key || !take(':')) return false;
            if (!member(join(prefix, *key))) return false;
        } while (take(','));
        return take('}');
    }

    bool member(const std::string& name) {
        if (peek('{')) return object(name);
        if (peek('[')) return array(name);
        auto raw = scalar();
        if (!raw) return false;
        scalar_column(name, *raw);
        return true;
    }

    // An array of scalars is one column; an array of flat objects is one
    // array column per member, in the order of the first element.
    bool array(const std::string& name) {
        if (!take('[')) return false;
        if (take(']')) {
            column(name);
            out_.append("[]");
            return true;
        }
        if (!peek('{')) {
            column(name);
            out_.push_back('[');
            bool first = true;
            do {
                auto raw = scalar();
                if (!raw) return false;
                if (!first) out_.push_back(',');
                first = false;
                value(*raw);
            } while (take(','));
            out_.push_back(']');
            return take(']');
        }
        std::vector<std::pair<std::string, std::string>> members;  // column → its array text so far
        std::size_t element = 0;
        do {
            if (!take('{')) return false;
            if (!take('}')) {
                do {
                    auto key = string_literal();
                    if (!key || !take(':')) return false;
                    if (peek('{') || peek('[')) return false;  // flat objects only
                    auto raw = scalar();
                    if (!raw) return false;
                    std::string member_name = join(name, *key);
                    auto found = std::find_if(members.begin(), members.end(),
                                              [&](const auto& entry) { return entry.first == member_name; });
                    if (found == members.end()) {
                        if (element != 0) return false;  // every element has the first one's members
                        members.emplace_back(member_name, "[");
                        found = members.end() - 1;
                    }
                    if (found->second.size() > 1) found->second.push_back(',');
                    std::swap(out_, found->second);
                    value(*raw);
                    std::swap(out_, found->second);
                } while (take(','));
                if (!take('}')) return false;
            }
            ++element;
        } while (take(','));
        if (!take(']')) return false;
        for (auto& [member_name, values] : members) {
            column(member_name);
            out_.append(values);
            out_.push_back(']');
        }
        return true;
    }

    std::string_view text_;
    std::size_t position_ = 0;
    std::string& out_;
    std::size_t columns_ = 0;
};

}  // namespace

bool flatten_event_row(std::string_view event, std::string& row) {
    std::size_t size_before = row.size();
    Flattener flattener(event, row);
    if (!flattener.run()) {
        row.resize(size_before);
        return false;
    }
    if (row.size() == size_before) row.push_back('{');  // an empty object
    row.push_back('}');
    return true;
}

}  // namespace sipscope::exporter
