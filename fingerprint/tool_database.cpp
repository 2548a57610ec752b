// Tool database: file parsing, Hyperscan compilation (control lcore, at
// start) and matching (worker lcore, a few times per flow).
#include "tool_database.hpp"

#include "sip_fields.hpp"
#include "text_hash.hpp"

#include <hs.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <sstream>

namespace sipscope::fingerprint {

namespace {

std::string trim(std::string_view text) {
    std::size_t begin = text.find_first_not_of(" \t\r");
    if (begin == std::string_view::npos) return {};
    std::size_t end = text.find_last_not_of(" \t\r");
    return std::string(text.substr(begin, end - begin + 1));
}

std::string lower(std::string text) {
    for (char& c : text)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
    return text;
}

// {var} → the marker byte.
std::string expand_regex(std::string_view regex) {
    std::string out;
    for (std::size_t i = 0; i < regex.size();) {
        if (regex.substr(i, 5) == "{var}") {
            out += "\\x1f";
            i += 5;
        } else {
            out.push_back(regex[i++]);
        }
    }
    return out;
}

// The end of the group or class that starts at `at` ('(' or '['), one past
// its closing character; npos when it does not close.
std::size_t skip_bracketed(std::string_view regex, std::size_t at) {
    if (regex[at] == '[') {
        std::size_t i = at + 1;
        if (i < regex.size() && regex[i] == '^') ++i;
        if (i < regex.size() && regex[i] == ']') ++i;  // a leading ']' is a member
        while (i < regex.size() && regex[i] != ']') {
            if (regex[i] == '\\') ++i;
            else if (regex.substr(i, 2) == "[:") {
                std::size_t close = regex.find(":]", i + 2);
                if (close == std::string_view::npos) return std::string_view::npos;
                i = close + 1;
            }
            ++i;
        }
        return i < regex.size() ? i + 1 : std::string_view::npos;
    }
    int depth = 0;
    for (std::size_t i = at; i < regex.size(); ++i) {
        char c = regex[i];
        if (c == '\\') ++i;
        else if (c == '[') {
            i = skip_bracketed(regex, i);
            if (i == std::string_view::npos) return i;
            --i;
        } else if (c == '(') ++depth;
        else if (c == ')' && --depth == 0) return i + 1;
    }
    return std::string_view::npos;
}

bool is_alnum(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

}  // namespace

namespace {

// Calls on_run(run, at_start) for each run of plain characters that every
// match of `regex` holds, in order; at_start says the run begins every
// match. False (after some calls, maybe) when the regex holds what this
// does not tell apart: inline flags, a top-level alternative, an escape it
// does not know, a brace that is not a counted repeat.
template <typename OnRun>
bool for_each_literal_run(std::string_view regex, OnRun&& on_run) {
    // Inline flags (?i) … change what the characters after them match.
    for (std::size_t at = regex.find("(?"); at != std::string_view::npos; at = regex.find("(?", at + 2)) {
        if (at + 2 >= regex.size() || regex[at + 2] != ':') return false;
    }
    // A top-level alternative anywhere makes every run uncertain.
    for (std::size_t i = 0; i < regex.size();) {
        if (regex[i] == '|' || regex[i] == ')') return false;
        if (regex[i] == '(' || regex[i] == '[') {
            i = skip_bracketed(regex, i);
            if (i == std::string_view::npos) return false;
        } else {
            i += regex[i] == '\\' ? 2 : 1;
        }
    }
    std::string run;
    bool at_start = true;  // nothing before the current run
    auto end_run = [&] {
        if (!run.empty()) on_run(std::string_view(run), at_start);
        run.clear();
        at_start = false;
    };
    bool last_was_literal = false;  // the atom before a quantifier
    for (std::size_t i = 0; i < regex.size();) {
        char c = regex[i];
        if (c == '*' || c == '+' || c == '?' || c == '{') {
            bool optional = c == '*' || c == '?';
            std::size_t next = i + 1;
            if (c == '{') {
                std::size_t close = regex.find('}', i);
                if (close == std::string_view::npos || i + 1 >= regex.size() || !(regex[i + 1] >= '0' && regex[i + 1] <= '9'))
                    return false;  // a brace that is not a counted repeat: not worth telling apart
                optional = regex[i + 1] == '0' && (i + 2 >= regex.size() || regex[i + 2] == ',' || regex[i + 2] == '}');
                next = close + 1;
            }
            if (next < regex.size() && (regex[next] == '?' || regex[next] == '+')) ++next;  // lazy, possessive
            if (last_was_literal && optional) run.pop_back();
            end_run();
            last_was_literal = false;
            i = next;
            continue;
        }
        if (c == '(' || c == '[') {
            end_run();
            last_was_literal = false;
            i = skip_bracketed(regex, i);
            continue;
        }
        if (c == '\\') {
            if (i + 1 >= regex.size()) return false;
            char escaped = regex[i + 1];
            if (!is_alnum(escaped)) {  // an escaped punctuation character is itself
                run.push_back(escaped);
                last_was_literal = true;
                i += 2;
                continue;
            }
            // A class or an assertion of one character; anything longer
            // (\x1f, \Q…, \p{…}) is not told apart.
            if (std::string_view("dDwWsShHvVbB").find(escaped) == std::string_view::npos) return false;
            end_run();
            last_was_literal = false;
            i += 2;
            continue;
        }
        if (c == '.' || c == '^' || c == '$') {
            end_run();
            last_was_literal = false;
            ++i;
            continue;
        }
        run.push_back(c);
        last_was_literal = true;
        ++i;
    }
    end_run();
    return true;
}

}  // namespace

std::string required_literal(std::string_view regex) {
    std::string best;
    bool certain = for_each_literal_run(regex, [&](std::string_view run, bool) {
        if (run.size() > best.size()) best = run;
    });
    return certain ? best : std::string();
}

std::string required_prefix(std::string_view regex) {
    std::string prefix;
    bool certain = for_each_literal_run(regex, [&](std::string_view run, bool at_start) {
        if (at_start) prefix = run;
    });
    return certain ? prefix : std::string();
}

std::unique_ptr<ToolDatabase> ToolDatabase::load(const std::string& path) {
    std::ifstream file(path);
    if (!file) throw ToolDatabaseError("cannot read tool database '" + path + "' (set its path with --tool-db)");
    std::stringstream text;
    text << file.rdbuf();
    return from_text(text.str(), path);
}

namespace {

// A tool's plain settings (id, name, family, strategy, probe): "" when
// `left = right` is one, or why not.
std::string apply_setting(ToolEntry& tool, const std::string& left, const std::string& right) {
    if (left == "id") {
        try {
            std::size_t used = 0;
            unsigned long id = std::stoul(right, &used);
            if (used != right.size() || id > 65535) throw std::invalid_argument("range");
            tool.table_id = static_cast<unsigned>(id);
        } catch (const std::exception&) {
            return "id must be a number, got '" + right + "'";
        }
    } else if (left == "name") {
        tool.name = right;
    } else if (left == "family") {
        tool.family = right;
    } else if (left == "strategy") {
        if (right != "sequential" && right != "random-sequential" && right != "random" && right != "unknown")
            return "strategy must be sequential, random-sequential, random or unknown";
        tool.strategy = right;
    } else if (left == "probe") {
        auto found = std::find(kProbeSignatureLabels.begin() + 1, kProbeSignatureLabels.end(), right);
        if (found == kProbeSignatureLabels.end()) return "probe must be zmap, masscan, nmap-syn or nmap-udp, got '" + right + "'";
        tool.probe = static_cast<ProbeSignature>(found - kProbeSignatureLabels.begin());
    } else {
        return "unknown setting '" + left + "'";
    }
    return {};
}

}  // namespace

std::unique_ptr<ToolDatabase> ToolDatabase::from_text(std::string_view text, const std::string& origin) {
    std::unique_ptr<ToolDatabase> database(new ToolDatabase());
    auto fail = [&origin](unsigned line, const std::string& tool, const std::string& reason) -> ToolDatabaseError {
        return ToolDatabaseError(origin + ":" + std::to_string(line) + ": " +
                                 (tool.empty() ? std::string() : "tool '" + tool + "': ") + reason);
    };
    ToolEntry* current = nullptr;
    unsigned number = 0;
    std::size_t position = 0;
    while (position <= text.size()) {
        std::size_t end = text.find('\n', position);
        if (end == std::string_view::npos) end = text.size();
        std::string_view raw = text.substr(position, end - position);
        position = end + 1;
        ++number;
        std::string line = trim(raw);
        if (line.empty() || line[0] == '#') {
            if (end == text.size()) break;
            continue;
        }
        if (line == "[tool]") {
            database->tools_.emplace_back();
            current = &database->tools_.back();
            current->line = number;
        } else {
            if (!current) throw fail(number, "", "'" + line + "' before the first [tool]");
            std::size_t equals = line.find('=');
            if (equals == std::string::npos) throw fail(number, current->name, "expected KEY = VALUE, got '" + line + "'");
            std::string left = trim(std::string_view(line).substr(0, equals));
            std::string right = trim(std::string_view(line).substr(equals + 1));
            std::size_t space = left.find_first_of(" \t");
            std::string word = space == std::string::npos ? left : left.substr(0, space);
            if (word == "require" || word == "expect" || word == "forbid") {
                if (space == std::string::npos) throw fail(number, current->name, word + " needs a header key");
                ToolCondition condition;
                condition.kind = word == "require" ? ConditionKind::require
                                 : word == "expect" ? ConditionKind::expect : ConditionKind::forbid;
                condition.key = lower(trim(std::string_view(left).substr(space + 1)));
                condition.regex = right;
                condition.line = number;
                if (condition.key.empty() || condition.key.find_first_of(" \t:") != std::string::npos)
                    throw fail(number, current->name, "bad header key '" + condition.key + "'");
                if (condition.regex.empty()) throw fail(number, current->name, "empty pattern for '" + condition.key + "'");
                current->conditions.push_back(std::move(condition));
            } else if (std::string problem = apply_setting(*current, left, right); !problem.empty()) {
                throw fail(number, current->name, problem);
            }
        }
        if (end == text.size()) break;
    }
    for (const ToolEntry& tool : database->tools_) {
        if (tool.name.empty()) throw fail(tool.line, "", "a [tool] without a name");
        if (tool.family.empty()) throw fail(tool.line, tool.name, "no family");
        if (tool.probe == ProbeSignature::none &&
            std::none_of(tool.conditions.begin(), tool.conditions.end(),
                         [](const ToolCondition& c) { return c.kind == ConditionKind::require; }))
            throw fail(tool.line, tool.name, "needs at least one 'require' condition or a 'probe' signature");
        // Names and families become Prometheus label values and JSON
        // strings: plain identifiers only (no invalid UTF-8, no quotes).
        for (const std::string* text : {&tool.name, &tool.family}) {
            bool plain = std::all_of(text->begin(), text->end(), [](char c) {
                return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
                       c == '-' || c == '+';
            });
            if (!plain)
                throw fail(tool.line, "", (text == &tool.name ? "name" : "family") +
                                              std::string(" may hold only letters, digits and . _ - + (it is a metric label)"));
        }
        for (const ToolEntry& other : database->tools_) {
            if (&other != &tool && other.name == tool.name) throw fail(other.line, other.name, "name used twice");
            // Table I ids name one tool each; 0 is "not in Table I" and repeats.
            if (&other != &tool && tool.table_id != 0 && other.table_id == tool.table_id && other.line > tool.line)
                throw fail(other.line, other.name, "id " + std::to_string(tool.table_id) + " already used by '" + tool.name + "'");
            if (&other != &tool && tool.probe != ProbeSignature::none && other.probe == tool.probe && other.line > tool.line)
                throw fail(other.line, other.name, "probe signature " + std::string(label(tool.probe)) +
                                                       " already names '" + tool.name + "'");
        }
    }
    if (database->tools_.empty()) throw ToolDatabaseError(origin + ": holds no [tool]");
    database->probe_tools_.fill(-1);
    for (std::size_t t = 0; t < database->tools_.size(); ++t) {
        ProbeSignature probe = database->tools_[t].probe;
        if (probe != ProbeSignature::none) database->probe_tools_[static_cast<std::size_t>(probe)] = static_cast<int>(t);
    }
    database->compile(origin);
    return database;
}

void ToolDatabase::compile(const std::string& origin) {
    // Conditions grouped by key, each group compiled into its own database;
    // a condition's Hyperscan id is its global condition id.
    std::vector<std::vector<std::string>> expressions;
    std::vector<std::vector<std::pair<const ToolEntry*, const ToolCondition*>>> where;
    require_count_.assign(tools_.size(), 0);
    expect_count_.assign(tools_.size(), 0);
    for (std::size_t t = 0; t < tools_.size(); ++t) {
        for (const ToolCondition& condition : tools_[t].conditions) {
            auto found = std::find_if(keys_.begin(), keys_.end(), [&](const KeyMatcher& m) { return m.key == condition.key; });
            if (found == keys_.end()) {
                keys_.push_back(KeyMatcher{condition.key, nullptr, nullptr, {}});
                expressions.emplace_back();
                where.emplace_back();
                found = keys_.end() - 1;
            }
            std::size_t k = static_cast<std::size_t>(found - keys_.begin());
            std::string regex = expand_regex(condition.regex);
            if (!regex.empty() && regex[0] == '^') regex.erase(0, 1);
            // Grouped, so that a top-level alternation is anchored too:
            // "a|b" is "a" or "b" from the value's start, not "b" anywhere.
            expressions[k].push_back("^(?:" + regex + ")");
            where[k].emplace_back(&tools_[t], &condition);
            uint16_t id = static_cast<uint16_t>(condition_tool_.size());
            bit_of_condition_.push_back(static_cast<uint8_t>(std::min<std::size_t>(found->conditions.size(), 255)));
            found->conditions.push_back(id);
            condition_tool_.push_back(static_cast<uint16_t>(t));
            condition_kind_.push_back(condition.kind);
            if (condition.kind == ConditionKind::require) ++require_count_[t];
            if (condition.kind == ConditionKind::expect) ++expect_count_[t];
            if (condition_tool_.size() > kMaxConditions)
                throw ToolDatabaseError(origin + ": more than " + std::to_string(kMaxConditions) + " conditions are not supported");
            if (keys_.size() > 120) throw ToolDatabaseError(origin + ": conditions on more than 120 keys are not supported");
        }
    }
    for (std::size_t k = 0; k < keys_.size(); ++k) compile_key(keys_[k], expressions[k], where[k], origin);
    // The key index: 256 slots for at most 120 keys, probed linearly.
    key_slots_.assign(keys_.empty() ? 0 : 256, -1);
    for (std::size_t k = 0; k < keys_.size(); ++k) {
        std::size_t slot = text_hash(keys_[k].key, 0) & 255;
        while (key_slots_[slot] >= 0) slot = (slot + 1) & 255;
        key_slots_[slot] = static_cast<int8_t>(k);
        if (keys_[k].key.starts_with("sdp:")) names_sdp_lines_ = true;
    }
    for (std::size_t id = 0; id < parser::kHeaderIdCount; ++id)  // unknown's name is empty: -1
        key_of_header_[id] = static_cast<int16_t>(key_index(parser::canonical_name(static_cast<parser::HeaderId>(id))));
}

namespace {

// `extract` (required_prefix, required_literal) of each condition of
// `group`, or nothing when one has none: a filter on a key is safe only
// when every condition it stands for has its text.
std::vector<std::string> of_every_condition(const std::vector<std::size_t>& group, const std::vector<std::string>& expressions,
                                            std::string (*extract)(std::string_view)) {
    std::vector<std::string> texts;
    for (std::size_t i : group) {
        // "^(?:" REGEX ")": the condition's own expression.
        std::string text = extract(std::string_view(expressions[i]).substr(4, expressions[i].size() - 5));
        if (text.empty()) return {};
        texts.push_back(std::move(text));
    }
    return texts;
}

}  // namespace

void ToolDatabase::compile_key(KeyMatcher& matcher, const std::vector<std::string>& expressions,
                               const std::vector<std::pair<const ToolEntry*, const ToolCondition*>>& where,
                               const std::string& origin) {
    std::vector<std::size_t> anchored, searches;  // indexes into expressions
    for (std::size_t i = 0; i < expressions.size(); ++i)
        (expressions[i].starts_with("^(?:.*") ? searches : anchored).push_back(i);
    compile_group(matcher, anchored, expressions, where, origin, matcher.anchored);
    matcher.anchored_prefixes = of_every_condition(anchored, expressions, required_prefix);
    // A prefix that begins with another is covered by it.
    auto& prefixes = matcher.anchored_prefixes;
    std::sort(prefixes.begin(), prefixes.end());
    prefixes.erase(std::unique(prefixes.begin(), prefixes.end(),
                               [](const std::string& kept, const std::string& next) { return next.starts_with(kept); }),
                   prefixes.end());
    compile_group(matcher, searches, expressions, where, origin, matcher.searches);
    matcher.search_literals = of_every_condition(searches, expressions, required_literal);
}

void ToolDatabase::compile_group(const KeyMatcher& matcher, const std::vector<std::size_t>& group,
                                 const std::vector<std::string>& expressions,
                                 const std::vector<std::pair<const ToolEntry*, const ToolCondition*>>& where,
                                 const std::string& origin, hs_database*& database) {
    if (group.empty()) return;
    std::vector<const char*> pointers;
    std::vector<unsigned> ids;
    for (std::size_t i : group) {
        pointers.push_back(expressions[i].c_str());
        ids.push_back(matcher.conditions[i]);
    }
    // A value is matched alone: ^ and $ are its ends. An empty value can
    // satisfy a pattern such as `.*`, as the line "key:" did.
    std::vector<unsigned> flags(group.size(), HS_FLAG_SINGLEMATCH | HS_FLAG_ALLOWEMPTY);
    hs_compile_error_t* error = nullptr;
    if (hs_compile_multi(pointers.data(), flags.data(), ids.data(), static_cast<unsigned>(pointers.size()), HS_MODE_BLOCK,
                         nullptr, &database, &error) != HS_SUCCESS) {
        std::string reason = error ? error->message : "unknown Hyperscan error";
        int index = error ? error->expression : -1;
        hs_free_compile_error(error);
        if (index >= 0 && static_cast<std::size_t>(index) < group.size()) {
            const auto& [tool, condition] = where[group[static_cast<std::size_t>(index)]];
            throw ToolDatabaseError(origin + ":" + std::to_string(condition->line) + ": tool '" + tool->name +
                                    "': pattern for '" + condition->key + "' does not compile: " + reason);
        }
        throw ToolDatabaseError(origin + ": cannot compile the conditions on '" + matcher.key + "': " + reason);
    }
    // One scratch grown to fit every database.
    if (hs_alloc_scratch(database, &prototype_scratch_) != HS_SUCCESS) {
        throw ToolDatabaseError(origin + ": cannot allocate Hyperscan scratch space");
    }
}

ToolDatabase::~ToolDatabase() {
    hs_free_scratch(prototype_scratch_);
    for (KeyMatcher& matcher : keys_) {
        hs_free_database(matcher.anchored);
        hs_free_database(matcher.searches);
    }
}

ToolScratch::~ToolScratch() { hs_free_scratch(scratch_); }

std::unique_ptr<ToolScratch> ToolDatabase::make_scratch() const {
    auto scratch = std::unique_ptr<ToolScratch>(new ToolScratch());
    if (prototype_scratch_ && hs_clone_scratch(prototype_scratch_, &scratch->scratch_) != HS_SUCCESS)
        throw ToolDatabaseError("cannot clone Hyperscan scratch space");
    scratch->cache_ = std::make_unique<ToolScratch::CachedValue[]>(ToolScratch::kCachedValues);
    scratch->key_cache_use_.resize(keys_.size());
    scratch->require_matched_.resize(tools_.size());
    scratch->expect_matched_.resize(tools_.size());
    scratch->forbidden_.resize(tools_.size());
    scratch->touched_.reserve(tools_.size());
    scratch->matched_list_.reserve(kMaxConditions);
    return scratch;
}

int ToolDatabase::key_index(std::string_view key) const {
    if (key_slots_.empty()) return -1;
    std::size_t slot = text_hash(key, 0) & 255;
    for (;;) {
        int k = key_slots_[slot];
        if (k < 0) return -1;
        if (keys_[static_cast<std::size_t>(k)].key == key) return k;
        slot = (slot + 1) & 255;
    }
}

namespace {

struct ValueMatches {
    ToolScratch* scratch;
    const uint8_t* bit_of_condition;
    uint64_t bits = 0;
};

}  // namespace

// False only when no search of the key can match `value`: each needs its
// literal, and none of them is in it.
bool ToolDatabase::might_search_match(const KeyMatcher& matcher, std::string_view value) {
    if (matcher.search_literals.empty()) return true;
    for (const std::string& literal : matcher.search_literals) {
        if (value.find(literal) != std::string_view::npos) return true;
    }
    return false;
}

// False only when no anchored condition of the key can match `value`:
// each begins with its prefix, and the value begins with none of them.
bool ToolDatabase::might_anchored_match(const KeyMatcher& matcher, std::string_view value) {
    if (matcher.anchored_prefixes.empty()) return true;
    for (const std::string& prefix : matcher.anchored_prefixes) {
        if (value.starts_with(prefix)) return true;
    }
    return false;
}

int ToolDatabase::on_value_match(unsigned int id, unsigned long long, unsigned long long, unsigned int, void* context) {
    auto* matches = static_cast<ValueMatches*>(context);
    matches->scratch->mark(id);
    unsigned bit = matches->bit_of_condition[id];
    if (bit < 64) matches->bits |= uint64_t{1} << bit;
    return 0;  // continue: every condition of every tool is wanted
}

void ToolDatabase::match_value(int key, std::string_view value, ToolScratch& scratch) const {
    const KeyMatcher& matcher = keys_[static_cast<std::size_t>(key)];
    // Values longer than a template's are not cached (only documents have them).
    bool cacheable = matcher.conditions.size() <= 64 && value.size() <= kFingerprintValueBytes;
    ToolScratch::CachedValue* cached = nullptr;
    if (cacheable && scratch.should_ask_cache(key)) {
        uint32_t hash = text_hash(value, static_cast<uint32_t>(key));
        cached = &scratch.cache_[hash % ToolScratch::kCachedValues];
        bool hit = cached->key == key && same_text({cached->value, cached->length}, value);
        scratch.count_cache_lookup(key, hit);
        if (hit) {
            ++scratch.cache_hits_;
            for (uint64_t bits = cached->matched; bits != 0; bits &= bits - 1)
                scratch.mark(matcher.conditions[static_cast<std::size_t>(__builtin_ctzll(bits))]);
            return;
        }
    }
    ++scratch.cache_misses_;
    ValueMatches matches{&scratch, bit_of_condition_.data()};
    if (matcher.anchored) {
        if (might_anchored_match(matcher, value))
            hs_scan(matcher.anchored, value.data(), static_cast<unsigned>(value.size()), 0, scratch.scratch_, on_value_match, &matches);
        else
            ++scratch.anchored_skipped_;
    }
    if (matcher.searches) {
        if (might_search_match(matcher, value))
            hs_scan(matcher.searches, value.data(), static_cast<unsigned>(value.size()), 0, scratch.scratch_, on_value_match, &matches);
        else
            ++scratch.searches_skipped_;
    }
    if (cached) {
        cached->matched = matches.bits;
        cached->key = static_cast<int16_t>(key);
        cached->length = static_cast<uint8_t>(value.size());
        std::memcpy(cached->value, value.data(), value.size());
    }
}

ToolMatch ToolDatabase::match(const HeaderFingerprint& fingerprint, ToolScratch& scratch) const {
    scratch.clear_marks();
    for (uint8_t i = 0; i < fingerprint.entry_count; ++i) {
        const FingerprintEntry& entry = fingerprint.entries[i];
        int key = key_index({entry.key, entry.key_length});
        if (key >= 0) match_value(key, {entry.value, entry.value_length}, scratch);
    }
    return best_tool(scratch);
}

ToolMatch ToolDatabase::match_request(const parser::SipMessage& message, const PacketEndpoints& endpoints,
                                      ToolScratch& scratch) const {
    scratch.clear_marks();
    FirstRequestKeys keys;
    const NeedleIndex needles(message.text, endpoints);
    char key_buffer[kFingerprintKeyBytes], repeat_buffer[kFingerprintKeyBytes], value[kFingerprintValueBytes];
    auto offer = [&](parser::HeaderId id, std::string_view key, std::string_view raw) {
        FirstRequestKeys::Admitted entry = keys.admit(id, key, repeat_buffer);
        if (entry.key.empty()) return;
        // A header with an id is entered under its canonical name, whose
        // key index was looked up when the database was compiled.
        int k = id != parser::HeaderId::unknown && !entry.repeat ? key_of_header_[static_cast<std::size_t>(id)]
                                                                 : key_index(entry.key);
        if (k < 0) return;  // no condition reads it: not even substituted
        match_value(k, substituted_value(needles, raw, value, sizeof value), scratch);
    };
    for (std::size_t i = 0; i < message.header_count; ++i) {
        const parser::SipHeader& header = message.headers[i];
        offer(header.id, fingerprint_key(header, key_buffer), header.value);
    }
    if (names_sdp_lines_) {
        parser::for_each_sdp_line(message.body, [&](char type, std::string_view line) {
            char sdp_key[5] = {'s', 'd', 'p', ':', static_cast<char>(type >= 'A' && type <= 'Z' ? type + 32 : type)};
            offer(parser::HeaderId::unknown, std::string_view(sdp_key, 5), line);
        });
    }
    return best_tool(scratch);
}

ToolMatch ToolDatabase::match_document(std::string_view document, ToolScratch& scratch) const {
    scratch.clear_marks();
    while (!document.empty()) {
        std::size_t end = document.find('\n');
        std::string_view line = document.substr(0, end);
        document.remove_prefix(end == std::string_view::npos ? document.size() : end + 1);
        std::size_t colon = line.find(':');
        if (colon == std::string_view::npos) continue;
        int key = key_index(line.substr(0, colon));
        if (key >= 0) match_value(key, line.substr(colon + 1), scratch);
    }
    return best_tool(scratch);
}

ToolMatch ToolDatabase::best_tool(ToolScratch& scratch) const {
    // Only the tools with a matched condition are counted and weighed (a
    // flow matches a handful of conditions out of many); their counts are
    // zero again on return.
    auto& require_matched = scratch.require_matched_;
    auto& expect_matched = scratch.expect_matched_;
    auto& forbidden = scratch.forbidden_;
    auto& touched = scratch.touched_;
    touched.clear();
    for (uint16_t id : scratch.matched_list_) {
        uint16_t tool = condition_tool_[id];
        if (require_matched[tool] == 0 && expect_matched[tool] == 0 && forbidden[tool] == 0) touched.push_back(tool);
        switch (condition_kind_[id]) {
            case ConditionKind::require: ++require_matched[tool]; break;
            case ConditionKind::expect: ++expect_matched[tool]; break;
            case ConditionKind::forbid: forbidden[tool] = 1; break;
        }
    }
    // A complete identification beats a partial one; among complete ones
    // the most specific rule (most conditions) wins, then the best score.
    // A partial one (most requires, at least half of all conditions) names
    // the closest tool with lower confidence: a renamed field of a known
    // tool still points to its family.
    // Ties go to the tool listed first, whatever order they were touched in.
    ToolMatch best;
    unsigned best_specificity = 0;
    for (uint16_t t : touched) {
        if (forbidden[t]) continue;
        unsigned total = require_count_[t] + expect_count_[t];
        unsigned matched = require_matched[t] + expect_matched[t];
        if (total == 0 || matched == 0) continue;
        float score = static_cast<float>(matched) / static_cast<float>(total);
        bool complete = require_matched[t] == require_count_[t];
        if (!complete && (score < 0.5f || require_matched[t] == 0)) continue;
        float confidence = complete ? score : score * 0.75f;
        bool better;
        if (best.tool < 0) better = true;
        else if (complete != best.complete) better = complete;
        else if (complete && total != best_specificity) better = total > best_specificity;
        else if (confidence != best.confidence) better = confidence > best.confidence;
        else better = t < best.tool;
        if (better) {
            best.tool = static_cast<int>(t);
            best.confidence = confidence;
            best.complete = complete;
            best_specificity = total;
        }
    }
    for (uint16_t t : touched) require_matched[t] = expect_matched[t] = forbidden[t] = 0;
    return best;
}

}  // namespace sipscope::fingerprint
