// fingerprint_id (see template_id.hpp). Control lcore and tests only.
#include "template_id.hpp"

#include <array>
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

uint64_t flow_template_id(const HeaderFingerprint& fingerprint) {
    uint64_t id = fingerprint.first_request_id;
    if (id == 0 && fingerprint.packets <= 1) id = template_hash(fingerprint);  // the template is the first request
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
