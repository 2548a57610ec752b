// The tool database (TOOLS.md, shipped as fingerprint/tools.conf) and its
// matcher. The control lcore loads and compiles the file once, at start,
// into Hyperscan block-mode databases per header key that conditions
// name; each worker clones its own scratch and matches its flows'
// fingerprints (first packet, after a few packets, at close), or the first
// request of a flow that has no fingerprint — never every packet.
//
// Every condition reads one key's value, so a value is matched alone,
// against its key's conditions only, and what it matched is cached per
// worker: the same tool from many sources repeats most of its values
// (User-Agent, Accept, a Contact or To after address substitution) and
// varies a few (tags, Call-ID, branch). In a flood of one-request sources
// each flow is matched once, at close; the whole-template scan this
// replaces cost ~870 ns of the worker's ~2 µs per packet.
//
// File format (one tool per [tool] section; '#' starts a comment):
//   [tool]
//   id = 1                      the paper's table id; 0 for tools it does not list
//   name = sipvicious
//   family = sipvicious         sipvicious, nmap, custom, other, …
//   strategy = sequential       the strategy the paper reports (documentation)
//   require KEY = REGEX         must match for a full identification
//   expect KEY = REGEX          adds confidence when it matches
//   forbid KEY = REGEX          rules the tool out when it matches
// KEY is a header key of the fingerprint (lower case, long form, "sdp:m"
// for SDP lines). REGEX is matched against the aggregated value from its
// start (write .* to search); $ is the end of the value. In the value,
// SourceIP, DestIP, SourcePort and DestPort stand for the packet's own
// addresses and ports, and {var} stands for one character that varied
// between the flow's packets.
#pragma once

#include <array>
#include <bitset>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "header_fingerprint.hpp"
#include "probe_signature.hpp"

struct hs_database;
struct hs_scratch;

namespace sipscope::fingerprint {

enum class ConditionKind : uint8_t { require, expect, forbid };

struct ToolCondition {
    ConditionKind kind = ConditionKind::require;
    std::string key;
    std::string regex;
    unsigned line = 0;
};

struct ToolEntry {
    unsigned table_id = 0;
    std::string name;
    std::string family;
    std::string strategy;
    std::vector<ToolCondition> conditions;
    // A raw-socket scanner named by its packets rather than by SIP headers
    // (probe_signature.hpp): `probe = zmap`.
    ProbeSignature probe = ProbeSignature::none;
    unsigned line = 0;
};

// Raised with "FILE:LINE: tool 'NAME': reason" for a broken database.
class ToolDatabaseError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct ToolMatch {
    int tool = -1;            // index into ToolDatabase::tools(), -1 = unknown
    float confidence = 0;     // 0..1
    bool complete = false;    // every `require` matched
};

class ToolScratch;

// The conditions on one header key, compiled together — in two databases:
// the anchored conditions, and the searches (a regex that starts with
// `.*`). Mixed into one, a search or two made Hyperscan's automaton for
// the whole key several times slower: the From conditions of tools.conf
// cost 955 cycles per 50-byte value together and 336 + 175 apart (Xeon).
//
// A search must walk the whole value (Hyperscan's automaton for them costs
// ~7 cycles a byte here), and in a flood of one-request sources the values
// that vary (a From with a random tag, a Via with a random branch) miss the
// cache every time. So when every search of a key contains a literal that
// all its matches must hold (required_literal), a value holding none of
// them skips the searches: exactly the same result, for a few ns of memchr
// (a SIPVicious flood, one source per request: fingerprint stage 1,238 →
// 1,115 ns per packet, 0.48 → 0.52 Mpps on the Xeon VM).
//
// Anchored conditions are skipped the same way when each begins with
// plain characters (required_prefix) and the value begins with none of
// them: the Via conditions of tools.conf all begin "SIP/2.0/UDP " and
// then name a host, and scanning them cost ~100 ns per Via that varies
// (a SIPVicious flood: every branch is new).
struct KeyMatcher {
    std::string key;
    hs_database* anchored = nullptr;   // may be null (no such condition)
    hs_database* searches = nullptr;
    std::vector<uint16_t> conditions;  // condition ids, in the order of their bit in a cached result
    std::vector<std::string> search_literals;  // one per search; empty when some search has none
    std::vector<std::string> anchored_prefixes;  // what anchored matches begin with; empty when some has none
};

// A run of plain characters that every match of `regex` (Hyperscan syntax)
// contains — the longest one at its top level — or "" when none can be told
// for certain (an alternation at the top, inline flags, an escape it does
// not know). "" is always safe: the regex is then matched every time.
std::string required_literal(std::string_view regex);
// The plain characters every match of `regex` begins with, or "" when none
// can be told for certain (the same rules as required_literal).
std::string required_prefix(std::string_view regex);

class ToolDatabase {
public:
    static constexpr std::size_t kMaxConditions = 1024;

    // Parses and compiles; throws ToolDatabaseError on any problem.
    static std::unique_ptr<ToolDatabase> load(const std::string& path);
    static std::unique_ptr<ToolDatabase> from_text(std::string_view text, const std::string& origin);
    ~ToolDatabase();

    const std::vector<ToolEntry>& tools() const { return tools_; }
    std::size_t condition_count() const { return condition_tool_.size(); }

    // One per worker, made before the workers start (or before a reloaded
    // database is handed to them).
    std::unique_ptr<ToolScratch> make_scratch() const;

    // The ToolRegistry slot of tool `tool` (an index into tools()), set by
    // ToolRegistry::adopt; -1 for -1. Until adopted, a tool's slot is its index.
    int16_t slot_of(int tool) const {
        if (tool < 0) return -1;
        return slots_.empty() ? static_cast<int16_t>(tool) : slots_[static_cast<std::size_t>(tool)];
    }
    void set_slots(std::vector<int16_t> slots) { slots_ = std::move(slots); }

    // The tool (index into tools()) a probe signature names; -1 for none.
    int tool_for_probe(ProbeSignature probe) const { return probe_tools_[static_cast<std::size_t>(probe)]; }

    // Names the tool behind `fingerprint`. Uses `scratch` and its buffers.
    ToolMatch match(const HeaderFingerprint& fingerprint, ToolScratch& scratch) const;
    // Names the tool behind one request as match() names the template that
    // request alone makes (aggregate() into an empty template), without
    // building it: only the values of keys a condition reads are
    // substituted and matched. For flows without a template (the detail
    // pool was full).
    ToolMatch match_request(const parser::SipMessage& message, const PacketEndpoints& endpoints, ToolScratch& scratch) const;
    // The same on a "key:value\n" document (tests); a key holds no ':'.
    ToolMatch match_document(std::string_view document, ToolScratch& scratch) const;

private:
    ToolDatabase() = default;
    void compile(const std::string& origin);
    void compile_key(KeyMatcher& matcher, const std::vector<std::string>& expressions,
                     const std::vector<std::pair<const ToolEntry*, const ToolCondition*>>& where,
                     const std::string& origin);
    void compile_group(const KeyMatcher& matcher, const std::vector<std::size_t>& group,
                       const std::vector<std::string>& expressions,
                       const std::vector<std::pair<const ToolEntry*, const ToolCondition*>>& where,
                       const std::string& origin, hs_database*& database);
    // keys_ index of `key`, -1 when no condition names it.
    int key_index(std::string_view key) const;
    // Adds the conditions `value` matches under key `key` (cached).
    void match_value(int key, std::string_view value, ToolScratch& scratch) const;
    ToolMatch best_tool(ToolScratch& scratch) const;
    static bool might_search_match(const KeyMatcher& matcher, std::string_view value);
    static bool might_anchored_match(const KeyMatcher& matcher, std::string_view value);
    // Hyperscan's match callback: marks the condition in the scratch.
    static int on_value_match(unsigned int id, unsigned long long, unsigned long long, unsigned int, void* context);

    std::vector<ToolEntry> tools_;
    std::vector<uint16_t> condition_tool_;        // condition id → tool index
    std::vector<ConditionKind> condition_kind_;   // condition id → kind
    std::vector<uint16_t> require_count_, expect_count_;
    std::vector<KeyMatcher> keys_;
    std::vector<int8_t> key_slots_;            // open addressing on the key's bytes → keys_ index, -1 empty
    std::vector<uint8_t> bit_of_condition_;    // condition id → its bit in its key's cached result
    hs_scratch* prototype_scratch_ = nullptr;  // fits every key's database
    std::vector<int16_t> slots_;  // tool index → ToolRegistry slot
    std::array<int, kProbeSignatureCount> probe_tools_{};  // signature → tool index, -1 for none
    bool names_sdp_lines_ = false;  // a condition reads an "sdp:" key
    std::array<int16_t, parser::kHeaderIdCount> key_of_header_{};  // keys_ index of each id's canonical name, -1 none
};

// A worker's Hyperscan scratch, buffers and cache of matched values
// (nothing is allocated per match). Owned by one worker.
class ToolScratch {
public:
    ~ToolScratch();
    uint64_t cache_hits() const { return cache_hits_; }
    uint64_t cache_misses() const { return cache_misses_; }
    // Values whose searches were not run: none of their literals was there.
    uint64_t searches_skipped() const { return searches_skipped_; }
    // Values whose anchored conditions were not run: none of their prefixes began them.
    uint64_t anchored_skipped() const { return anchored_skipped_; }
    // Values matched without asking the cache: their key's values seldom
    // repeat (counted among the misses too: they were scanned).
    uint64_t cache_bypassed() const { return cache_bypassed_; }
    // The cache's use by key (see KeyCacheUse below).
    static constexpr uint32_t kUseWindow = 256;
    static constexpr uint32_t kMinHitShare = 8;
    static constexpr uint32_t kBypassedProbeEvery = 64;

private:
    friend class ToolDatabase;
    // What one value matched under one key, kept whole so that a hit is
    // exact (no hash is trusted alone). Direct-mapped by a CRC of the value.
    struct CachedValue {
        uint64_t matched = 0;  // bit i: the key's i-th condition
        int16_t key = -1;
        uint8_t length = 0;
        char value[kFingerprintValueBytes];
    };
    static constexpr std::size_t kCachedValues = 2048;  // 224 KiB per worker
    // Whether a key's values repeat enough to be worth the cache. Values
    // that never repeat (a Call-ID, a From tag, a Via branch: a new one per
    // request of most tools) missed in a cold slot every time, then filled
    // it, evicting a value that does repeat: in a flood of one-request
    // sources that miss was half of the cache's cost. A key whose values
    // hit less than 1 in kMinHitShare of kUseWindow look-ups is matched
    // without the cache, except one look-up in kBypassedProbeEvery, which
    // keeps measuring, so a key whose values start repeating comes back.
    struct KeyCacheUse {
        uint32_t lookups = 0, hits = 0;  // this window
        uint32_t bypassed_since_probe = 0;
        bool bypassed = false;
    };
    // False when `key`'s next value is to be matched without the cache.
    bool should_ask_cache(int key) {
        KeyCacheUse& use = key_cache_use_[static_cast<std::size_t>(key)];
        if (!use.bypassed || ++use.bypassed_since_probe == kBypassedProbeEvery) {
            use.bypassed_since_probe = 0;
            return true;
        }
        ++cache_bypassed_;
        return false;
    }
    void count_cache_lookup(int key, bool hit) {
        KeyCacheUse& use = key_cache_use_[static_cast<std::size_t>(key)];
        use.hits += hit;
        if (++use.lookups < kUseWindow) return;
        use.bypassed = use.hits * kMinHitShare < use.lookups;
        use.lookups = use.hits = 0;
    }
    hs_scratch* scratch_ = nullptr;
    std::unique_ptr<CachedValue[]> cache_;
    std::vector<KeyCacheUse> key_cache_use_;  // by key index
    uint64_t cache_hits_ = 0, cache_misses_ = 0, searches_skipped_ = 0, anchored_skipped_ = 0, cache_bypassed_ = 0;
    // The conditions matched in this match: a bitset to ask, and the list
    // of them to weigh and to clear (a request matches a handful of the
    // database's conditions; walking and resetting every bit cost more).
    void mark(unsigned condition) {
        if (matched_.test(condition)) return;
        matched_.set(condition);
        matched_list_.push_back(static_cast<uint16_t>(condition));
    }
    void clear_marks() {
        for (uint16_t condition : matched_list_) matched_.reset(condition);
        matched_list_.clear();
    }
    std::bitset<ToolDatabase::kMaxConditions> matched_;
    std::vector<uint16_t> matched_list_;  // reserved for every condition: never reallocates
    std::vector<uint16_t> require_matched_, expect_matched_;  // per tool
    std::vector<uint8_t> forbidden_;
    std::vector<uint16_t> touched_;  // tools with a matched condition in this match
};


}  // namespace sipscope::fingerprint
