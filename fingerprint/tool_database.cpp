// Tool database: file parsing, Hyperscan compilation (control lcore, at
// start) and matching (worker lcore, a few times per flow).
#include "tool_database.hpp"

#include <hs.h>

#include <algorithm>
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

std::string escape_literal(std::string_view text) {
    std::string out;
    for (char c : text) {
        if (std::string_view("\\^$.|?*+()[]{}/-").find(c) != std::string_view::npos) out.push_back('\\');
        out.push_back(c);
    }
    return out;
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

int on_match(unsigned int id, unsigned long long, unsigned long long, unsigned int, void* context) {
    auto* matched = static_cast<std::bitset<ToolDatabase::kMaxConditions>*>(context);
    matched->set(id);
    return 0;  // continue: every condition of every tool is wanted
}

}  // namespace

void build_match_document(const HeaderFingerprint& fingerprint, std::string& out) {
    out.clear();
    for (uint8_t i = 0; i < fingerprint.entry_count; ++i) {
        const FingerprintEntry& entry = fingerprint.entries[i];
        out.append(entry.key, entry.key_length);
        out.push_back(':');
        out.append(entry.value, entry.value_length);
        out.push_back('\n');
    }
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
    std::vector<std::string> expressions;
    std::vector<unsigned> flags, ids;
    std::vector<std::pair<const ToolEntry*, const ToolCondition*>> where;
    require_count_.assign(tools_.size(), 0);
    expect_count_.assign(tools_.size(), 0);
    for (std::size_t t = 0; t < tools_.size(); ++t) {
        for (const ToolCondition& condition : tools_[t].conditions) {
            std::string regex = expand_regex(condition.regex);
            if (!regex.empty() && regex[0] == '^') regex.erase(0, 1);
            // Appended piece by piece: GCC 12 warns (-Wrestrict, a false
            // positive) on the chained operator+ form.
            std::string expression = "^";
            expression += escape_literal(condition.key);
            expression += ':';
            expression += regex;
            expressions.push_back(std::move(expression));
            flags.push_back(HS_FLAG_MULTILINE | HS_FLAG_SINGLEMATCH);
            ids.push_back(static_cast<unsigned>(condition_tool_.size()));
            condition_tool_.push_back(static_cast<uint16_t>(t));
            condition_kind_.push_back(condition.kind);
            if (condition.kind == ConditionKind::require) ++require_count_[t];
            if (condition.kind == ConditionKind::expect) ++expect_count_[t];
            where.emplace_back(&tools_[t], &condition);
        }
    }
    if (expressions.size() > kMaxConditions)
        throw ToolDatabaseError(origin + ": " + std::to_string(expressions.size()) + " conditions; at most " +
                                std::to_string(kMaxConditions) + " are supported");
    if (expressions.empty()) return;  // probe signatures only: nothing for Hyperscan
    std::vector<const char*> pointers;
    for (const auto& expression : expressions) pointers.push_back(expression.c_str());
    hs_compile_error_t* error = nullptr;
    if (hs_compile_multi(pointers.data(), flags.data(), ids.data(), static_cast<unsigned>(pointers.size()), HS_MODE_BLOCK,
                         nullptr, &database_, &error) != HS_SUCCESS) {
        std::string reason = error ? error->message : "unknown Hyperscan error";
        int index = error ? error->expression : -1;
        hs_free_compile_error(error);
        if (index >= 0 && static_cast<std::size_t>(index) < where.size()) {
            const auto& [tool, condition] = where[index];
            throw ToolDatabaseError(origin + ":" + std::to_string(condition->line) + ": tool '" + tool->name +
                                    "': pattern for '" + condition->key + "' does not compile: " + reason);
        }
        throw ToolDatabaseError(origin + ": cannot compile the database: " + reason);
    }
    if (hs_alloc_scratch(database_, &prototype_scratch_) != HS_SUCCESS) {
        throw ToolDatabaseError(origin + ": cannot allocate Hyperscan scratch space");
    }
}

ToolDatabase::~ToolDatabase() {
    hs_free_scratch(prototype_scratch_);
    hs_free_database(database_);
}

ToolScratch::~ToolScratch() { hs_free_scratch(scratch_); }

std::unique_ptr<ToolScratch> ToolDatabase::make_scratch() const {
    auto scratch = std::unique_ptr<ToolScratch>(new ToolScratch());
    if (prototype_scratch_ && hs_clone_scratch(prototype_scratch_, &scratch->scratch_) != HS_SUCCESS)
        throw ToolDatabaseError("cannot clone Hyperscan scratch space");
    scratch->document_.reserve(kFingerprintKeys * (kFingerprintKeyBytes + kFingerprintValueBytes + 2));
    scratch->require_matched_.resize(tools_.size());
    scratch->expect_matched_.resize(tools_.size());
    scratch->forbidden_.resize(tools_.size());
    return scratch;
}

ToolMatch ToolDatabase::match(const HeaderFingerprint& fingerprint, ToolScratch& scratch) const {
    build_match_document(fingerprint, scratch.document_);
    return match_document(scratch.document_, scratch);
}

ToolMatch ToolDatabase::match_document(std::string_view document, ToolScratch& scratch) const {
    if (database_ == nullptr) return {};  // no SIP condition to match
    scratch.matched_.reset();
    hs_scan(database_, document.data(), static_cast<unsigned>(document.size()), 0, scratch.scratch_, on_match,
            &scratch.matched_);
    auto& require_matched = scratch.require_matched_;
    auto& expect_matched = scratch.expect_matched_;
    auto& forbidden = scratch.forbidden_;
    std::fill(require_matched.begin(), require_matched.end(), 0);
    std::fill(expect_matched.begin(), expect_matched.end(), 0);
    std::fill(forbidden.begin(), forbidden.end(), 0);
    for (std::size_t id = 0; id < condition_tool_.size(); ++id) {
        if (!scratch.matched_.test(id)) continue;
        uint16_t tool = condition_tool_[id];
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
    ToolMatch best;
    unsigned best_specificity = 0;
    for (std::size_t t = 0; t < tools_.size(); ++t) {
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
        else better = confidence > best.confidence;
        if (better) {
            best.tool = static_cast<int>(t);
            best.confidence = confidence;
            best.complete = complete;
            best_specificity = total;
        }
    }
    return best;
}

}  // namespace sipscope::fingerprint
