// fingerprint_id (see template_id.hpp). Control lcore and tests only.
#include "template_id.hpp"

#include <array>
#include <cstring>
#include <string_view>

namespace sipscope::fingerprint {

namespace {

constexpr std::string_view kMarker = "\u2591";  // a character that varied
constexpr std::array<std::string_view, 8> kPerMessageHeaders = {
    "call-id", "cseq", "content-length", "date", "timestamp", "authorization", "proxy-authorization", "l"};

bool per_message(std::string_view name) {
    for (std::string_view header : kPerMessageHeaders)
        if (name == header) return true;
    return false;
}

bool digit(char c) { return c >= '0' && c <= '9'; }

// The length of a `tag=` or `branch=` parameter name starting at `at`
// (after a ';'), or 0.
std::size_t per_message_parameter(std::string_view value, std::size_t at) {
    if (at != 0 && value[at - 1] != ';') return 0;
    for (std::string_view parameter : {std::string_view("tag="), std::string_view("branch=")})
        if (value.substr(at, parameter.size()) == parameter) return parameter.size();
    return 0;
}

// Appends the tool-fixed part of `value`.
template <class Sink>
void append_fixed_part(std::string_view value, Sink& out) {
    bool in_digits = false;
    std::size_t i = 0;
    while (i < value.size()) {
        // A character that varied between requests: the template's marker,
        // or the same written out (U+2591 as sent on the wire) — both left out.
        if (value[i] == kVariableMarker) {
            ++i;
            continue;
        }
        if (value[i] == kMarker[0] && value.substr(i, kMarker.size()) == kMarker) {
            i += kMarker.size();
            continue;
        }
        // An IPv6 literal's brackets are address syntax, not the tool's.
        if (value[i] == '[' && (value.substr(i, 10) == "[SourceIP]" || value.substr(i, 8) == "[DestIP]")) {
            std::size_t length = value[i + 1] == 'S' ? 10 : 8;
            out.append(value.substr(i + 1, length - 2));
            i += length;
            in_digits = false;
            continue;
        }
        // A tag= or branch= parameter, its value per message (most bytes are
        // no 't' or 'b', and skip the call).
        if (std::size_t length = (value[i] == 't' || value[i] == 'b') ? per_message_parameter(value, i) : 0) {
            out.append(value.substr(i, length));
            i += length;
            while (i < value.size() && value[i] != ';' && value[i] != '>' && value[i] != ',') ++i;
            in_digits = false;
            continue;
        }
        char c = value[i++];
        if (digit(c)) {
            if (!in_digits) out.push_back('0');
            in_digits = true;
            continue;
        }
        in_digits = false;
        out.push_back(c);
    }
}

// Feeds the canonical text, byte runs at a time, to `out` (a std::string
// or the hash).
template <class Sink>
void canonical_text(const HeaderFingerprint& fingerprint, Sink& out) {
    // The template's own bytes: its markers are left out either way, so
    // rendering them first (as U+2591) would only cost time.
    for (uint8_t i = 0; i < fingerprint.entry_count; ++i) {
        const FingerprintEntry& entry = fingerprint.entries[i];
        std::string_view name(entry.key, entry.key_length);
        out.append(name);
        out.push_back(':');
        if (!per_message(name)) append_fixed_part(std::string_view(entry.value, entry.value_length), out);
        out.push_back('\n');
    }
}

struct Fnv1a {
    uint64_t hash = 0xcbf29ce484222325ULL;  // FNV-1a, 64 bits
    void push_back(char c) {
        hash ^= static_cast<unsigned char>(c);
        hash *= 0x100000001b3ULL;
    }
    void append(std::string_view text) {
        for (char c : text) push_back(c);
    }
};

// Ids of one-request templates remembered by what decides them. A flood
// of one tool from many sources closes as many one-request flows with the
// same canonical text, and FNV-1a over it (~250 bytes, one multiply a byte
// in a chain) was a sixth of formatting their records. The remembered key
// is cheaper to build than the text (copies of whole runs): each entry's
// name and value as they are, minus what the canonical text leaves out
// whatever it holds — the values of per-message headers, and the values of
// tag= and branch= parameters, cut by the same rule (per_message_parameter,
// to the next ';', '>' or ','). The text is a function of that key, so one
// key has one id: exact, the key is compared whole. Per thread (the
// control lcore formats records; tests call it from theirs).
class RememberedIds {
public:
    uint64_t id_of(const HeaderFingerprint& fingerprint) {
        if (bypassed_ != 0) {
            --bypassed_;
            return template_hash(fingerprint);
        }
        std::size_t length = build_key(fingerprint);
        if (length == 0) return template_hash(fingerprint);  // too long to remember
        uint64_t key_hash = hash_key(length);
        Slot& slot = slots_[key_hash % kSlots];
        note_lookup();
        if (slot.key_hash == key_hash && slot.key.size() == length && std::memcmp(slot.key.data(), key_, length) == 0) {
            ++window_hits_;
            return slot.id;
        }
        slot.key_hash = key_hash;
        slot.key.assign(key_, length);
        slot.id = template_hash(fingerprint);
        return slot.id;
    }

private:
    static constexpr std::size_t kSlots = 64;
    static constexpr std::size_t kLongestKey = 2048;
    // Templates that never repeat (a tool that varies a header with every
    // source) would pay for the key on top of the hash: after a window of
    // look-ups with fewer than 1 hit in 8, the next ones skip the memo.
    static constexpr unsigned kWindow = 256, kMinimumHits = kWindow / 8, kBypassFor = 4096;

    struct Slot {
        uint64_t key_hash = 0;
        uint64_t id = 0;
        std::string key;
    };

    // The key in key_; its length, or 0 when it would not fit.
    std::size_t build_key(const HeaderFingerprint& fingerprint) {
        char* out = key_;
        char* const end = key_ + kLongestKey;
        for (uint8_t i = 0; i < fingerprint.entry_count; ++i) {
            const FingerprintEntry& entry = fingerprint.entries[i];
            std::string_view name(entry.key, entry.key_length), value(entry.value, entry.value_length);
            if (static_cast<std::size_t>(end - out) < name.size() + value.size() + 2) return 0;
            std::memcpy(out, name.data(), name.size());
            out += name.size();
            *out++ = ':';
            if (!per_message(name)) out = put_without_parameter_values(value, out);
            *out++ = '\n';
        }
        return static_cast<std::size_t>(out - key_);
    }

    // `value` at `out` with the values of its tag=/branch= parameters cut
    // out (the names and the byte that ends each stay); returns the end.
    static char* put_without_parameter_values(std::string_view value, char* out) {
        std::size_t copied = 0;  // value[0, copied) is written
        auto cut_after = [&](std::size_t at) {
            std::size_t length = per_message_parameter(value, at);
            if (length == 0) return at;
            at += length;
            std::memcpy(out, value.data() + copied, at - copied);
            out += at - copied;
            while (at < value.size() && value[at] != ';' && value[at] != '>' && value[at] != ',') ++at;
            copied = at;
            return at;
        };
        std::size_t at = cut_after(0);
        while (at < value.size()) {
            const void* semicolon = std::memchr(value.data() + at, ';', value.size() - at);
            if (semicolon == nullptr) break;
            at = static_cast<std::size_t>(static_cast<const char*>(semicolon) - value.data()) + 1;
            at = cut_after(at);
        }
        std::memcpy(out, value.data() + copied, value.size() - copied);
        return out + (value.size() - copied);
    }

    // Eight bytes a step (the key is compared whole on a hit).
    uint64_t hash_key(std::size_t length) const {
        uint64_t hash = length * 0x9e3779b97f4a7c15ULL;
        std::size_t at = 0;
        for (; at + 8 <= length; at += 8) {
            uint64_t word;
            std::memcpy(&word, key_ + at, 8);
            hash = (hash ^ word) * 0xff51afd7ed558ccdULL;
            hash ^= hash >> 29;
        }
        uint64_t tail = 0;
        std::memcpy(&tail, key_ + at, length - at);
        hash = (hash ^ tail) * 0xc4ceb9fe1a85ec53ULL;
        return hash ^ (hash >> 32);
    }

    void note_lookup() {
        if (++window_lookups_ < kWindow) return;
        if (window_hits_ < kMinimumHits) bypassed_ = kBypassFor;
        window_lookups_ = window_hits_ = 0;
    }

    Slot slots_[kSlots];
    unsigned window_lookups_ = 0, window_hits_ = 0, bypassed_ = 0;
    char key_[kLongestKey];
};

}  // namespace

std::string template_canonical_text(const HeaderFingerprint& fingerprint) {
    std::string text;
    canonical_text(fingerprint, text);
    return text;
}

uint64_t template_hash(const HeaderFingerprint& fingerprint) {
    if (fingerprint.entry_count == 0) return 0;
    Fnv1a hash;
    canonical_text(fingerprint, hash);
    return hash.hash ? hash.hash : 1;
}

uint64_t remembered_template_hash(const HeaderFingerprint& fingerprint) {
    if (fingerprint.entry_count == 0) return 0;
    thread_local RememberedIds remembered;
    return remembered.id_of(fingerprint);
}

uint64_t flow_template_id(const HeaderFingerprint& fingerprint) {
    uint64_t id = fingerprint.first_request_id;
    if (id == 0 && fingerprint.packets <= 1) id = remembered_template_hash(fingerprint);  // the template is the first request
    return id;
}

std::string template_id(const HeaderFingerprint& fingerprint) { return template_id_text(flow_template_id(fingerprint)); }

TemplateIdDigits template_id_digits(uint64_t id) {
    TemplateIdDigits digits;
    if (id == 0) return digits;
    static constexpr char kHex[] = "0123456789abcdef";
    for (int i = 15; i >= 0; --i, id >>= 4) digits.text[i] = kHex[id & 0xf];
    digits.length = 16;
    return digits;
}

std::string template_id_text(uint64_t id) { return std::string(template_id_digits(id).view()); }

}  // namespace sipscope::fingerprint
