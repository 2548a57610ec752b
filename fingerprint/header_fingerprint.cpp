// Fingerprint aggregation. Worker lcore, per SIP request of a flow that has
// fingerprint storage: one pass over the headers, no allocation.
#include "header_fingerprint.hpp"

#include <algorithm>
#include <cstring>

#include "sip_fields.hpp"

namespace sipscope::fingerprint {

namespace {

constexpr std::string_view kMarkerText = "\u2591";

inline char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }
inline bool is_digit(char c) { return c >= '0' && c <= '9'; }

std::size_t write_number(char* out, unsigned value) {
    char digits[6];
    std::size_t count = 0;
    do {
        digits[count++] = static_cast<char>('0' + value % 10);
        value /= 10;
    } while (value && count < sizeof digits);
    for (std::size_t i = 0; i < count; ++i) out[i] = digits[count - 1 - i];
    return count;
}

// A match of `needle` at `at` counts only if it is not part of a longer
// number or address (an address 1.1.1.1 inside 1.1.1.10 is not the address).
bool bounded(std::string_view text, std::size_t at, std::size_t length, bool address) {
    // IPv4 addresses join digits and dots; IPv6 ones also hex letters and
    // colons; ports only digits.
    bool ipv6 = address && text.substr(at, length).find(':') != std::string_view::npos;
    auto joins = [address, ipv6](char c) {
        return is_digit(c) || (address && c == '.') || (ipv6 && (c == ':' || (c >= 'a' && c <= 'f')));
    };
    // For a port, ':' before it ("sip:100@1.2.3.4:5060") is a boundary.
    if (at > 0 && joins(text[at - 1])) return false;
    std::size_t end = at + length;
    if (end < text.size() && (is_digit(text[end]) || (address && text[end] == '.' && end + 1 < text.size() && is_digit(text[end + 1]))))
        return false;
    return true;
}

struct Replacement {
    std::string_view needle;
    std::string_view replacement;
    bool address;
};

void add_entry_value(FingerprintEntry& entry, const char* value, std::size_t length, bool first) {
    std::size_t kept = std::min(length, kFingerprintValueBytes);
    if (first) {
        std::memcpy(entry.value, value, kept);
        entry.value_length = static_cast<uint8_t>(kept);
        return;
    }
    // Positional merge: equal characters stay, different ones become the
    // marker; a length difference marks the positions only one side has.
    // Eight bytes at a time: most of a template is usually settled.
    std::size_t common = std::min<std::size_t>(entry.value_length, kept);
    std::size_t i = 0;
    for (; i + 8 <= common; i += 8) {
        uint64_t a, b;
        std::memcpy(&a, entry.value + i, 8);
        std::memcpy(&b, value + i, 8);
        if (a == b) continue;
        for (std::size_t j = i; j < i + 8; ++j)
            if (entry.value[j] != value[j]) entry.value[j] = kVariableMarker;
    }
    for (; i < common; ++i) {
        if (entry.value[i] != value[i]) entry.value[i] = kVariableMarker;
    }
    if (kept > entry.value_length) {
        std::memset(entry.value + entry.value_length, kVariableMarker, kept - entry.value_length);
        entry.value_length = static_cast<uint8_t>(kept);
    } else {
        for (std::size_t i = kept; i < entry.value_length; ++i) entry.value[i] = kVariableMarker;
    }
}

FingerprintEntry* find_or_add(HeaderFingerprint& fingerprint, std::string_view key, bool& added, uint8_t& index) {
    added = false;
    std::size_t key_length = std::min(key.size(), kFingerprintKeyBytes);
    for (uint8_t i = 0; i < fingerprint.entry_count; ++i) {
        FingerprintEntry& entry = fingerprint.entries[i];
        if (entry.key_length == key_length && std::memcmp(entry.key, key.data(), key_length) == 0) {
            index = i;
            return &entry;
        }
    }
    if (fingerprint.entry_count == kFingerprintKeys) {
        fingerprint.keys_dropped = true;
        return nullptr;
    }
    index = fingerprint.entry_count++;
    FingerprintEntry& entry = fingerprint.entries[index];
    std::memcpy(entry.key, key.data(), key_length);
    entry.key_length = static_cast<uint8_t>(key_length);
    entry.value_length = 0;
    entry.truncated = false;
    entry.packets = 0;
    added = true;
    return &entry;
}

void merge(HeaderFingerprint& fingerprint, std::string_view key, std::string_view value, const PacketEndpoints& endpoints,
           bool* seen, uint8_t& sequence_position) {
    bool added = false;
    uint8_t index = 0;
    FingerprintEntry* entry = find_or_add(fingerprint, key, added, index);
    if (!entry) return;
    if (seen[index]) return;  // repeated key in one message: the first occurrence counts
    seen[index] = true;
    char substituted[kFingerprintValueBytes];
    bool overflow = false;
    std::size_t length = substitute_endpoints(value, endpoints, substituted, sizeof substituted, &overflow);
    if (overflow) entry->truncated = true;
    // A key missing from earlier packets keeps the template of the packets
    // that had it; `packets` per key tells how many those were.
    add_entry_value(*entry, substituted, length, entry->packets == 0);
    if (entry->packets < UINT16_MAX) ++entry->packets;
    // Header order: the first packet defines it; later packets only say
    // whether it changed.
    if (fingerprint.packets == 0) {
        if (fingerprint.sequence_length < kSequenceLength) fingerprint.sequence[fingerprint.sequence_length++] = index;
    } else if (!fingerprint.sequence_changed && key.rfind("sdp:", 0) != 0) {
        if (sequence_position >= fingerprint.sequence_length || fingerprint.sequence[sequence_position] != index)
            fingerprint.sequence_changed = true;
    }
    ++sequence_position;
}

}  // namespace

const FingerprintEntry* HeaderFingerprint::find(std::string_view key) const {
    for (uint8_t i = 0; i < entry_count; ++i) {
        const FingerprintEntry& entry = entries[i];
        if (std::string_view(entry.key, entry.key_length) == key) return &entry;
    }
    return nullptr;
}

PacketEndpoints PacketEndpoints::of(const parser::DecodedFrame& frame) {
    // Per packet on the worker: inet_ntop into fixed buffers, no allocation.
    PacketEndpoints endpoints;
    endpoints.source_ip_length = static_cast<uint8_t>(frame.source.format(endpoints.source_ip, sizeof endpoints.source_ip));
    endpoints.destination_ip_length =
        static_cast<uint8_t>(frame.destination.format(endpoints.destination_ip, sizeof endpoints.destination_ip));
    endpoints.source_port_length = static_cast<uint8_t>(write_number(endpoints.source_port, frame.source_port));
    endpoints.destination_port_length = static_cast<uint8_t>(write_number(endpoints.destination_port, frame.destination_port));
    return endpoints;
}

std::size_t substitute_endpoints(std::string_view value, const PacketEndpoints& endpoints, char* out, std::size_t capacity,
                                 bool* overflow) {
    // Addresses first (they contain digits a port could match), then ports;
    // where source and destination port are equal, SourcePort wins, as in
    // the paper's SIPVicious contact sip:100@SourceIP:SourcePort.
    const Replacement replacements[] = {
        {{endpoints.source_ip, endpoints.source_ip_length}, "SourceIP", true},
        {{endpoints.destination_ip, endpoints.destination_ip_length}, "DestIP", true},
        {{endpoints.source_port, endpoints.source_port_length}, "SourcePort", false},
        {{endpoints.destination_port, endpoints.destination_port_length}, "DestPort", false},
    };
    std::size_t written = 0;
    std::size_t at = 0;
    const std::size_t size = value.size();
    // The characters a needle can start with; runs of other characters are
    // copied in bulk.
    uint64_t starts[4] = {0, 0, 0, 0};  // a bit per byte value
    for (const auto& replacement : replacements) {
        if (replacement.needle.empty()) continue;
        auto byte = static_cast<unsigned char>(replacement.needle[0]);
        starts[byte >> 6] |= uint64_t{1} << (byte & 63);
    }
    auto may_start = [&starts](char c) {
        auto byte = static_cast<unsigned char>(c);
        return (starts[byte >> 6] >> (byte & 63)) & 1;
    };
    while (at < size && written < capacity) {
        std::size_t run = at;
        while (run < size && !may_start(value[run])) ++run;
        if (run > at) {
            std::size_t copy = std::min(run - at, capacity - written);
            std::memcpy(out + written, value.data() + at, copy);
            written += copy;
            at += copy;
            continue;
        }
        char c = value[at];
        // A needle can only start where a number (or IPv6 group) starts:
        // not inside a run of digits. Random tags and Call-IDs are long runs
        // and cost one attempt each, not one per character.
        bool token_start = at == 0 || !(is_digit(value[at - 1]) || value[at - 1] == '.' ||
                                        (value[at - 1] >= 'a' && value[at - 1] <= 'f'));
        bool replaced = false;
        if (token_start && (is_digit(c) || (c >= 'a' && c <= 'f') || c == ':')) {
            for (const auto& replacement : replacements) {
                const std::string_view needle = replacement.needle;
                if (needle.empty() || needle[0] != c || size - at < needle.size()) continue;
                bool equal = true;
                for (std::size_t i = 1; i < needle.size() && equal; ++i) equal = value[at + i] == needle[i];
                if (!equal || !bounded(value, at, needle.size(), replacement.address)) continue;
                std::size_t copy = std::min(replacement.replacement.size(), capacity - written);
                std::memcpy(out + written, replacement.replacement.data(), copy);
                written += copy;
                at += needle.size();
                replaced = true;
                break;
            }
        }
        if (!replaced) {
            // Inside a run of digits (a random tag or Call-ID) no needle can
            // start: copy the rest of the run at once.
            std::size_t end = at + 1;
            if (!token_start) {
                while (end < size && (is_digit(value[end]) || value[end] == '.' || (value[end] >= 'a' && value[end] <= 'f')))
                    ++end;
            }
            std::size_t copy = std::min(end - at, capacity - written);
            std::memcpy(out + written, value.data() + at, copy);
            written += copy;
            at += copy;
        }
    }
    if (overflow) *overflow = at < size;
    return written;
}

void aggregate(HeaderFingerprint& fingerprint, const parser::SipMessage& message, const PacketEndpoints& endpoints) {
    bool seen[kFingerprintKeys] = {};
    uint8_t sequence_position = 0;
    char key_buffer[kFingerprintKeyBytes];
    for (std::size_t i = 0; i < message.header_count; ++i) {
        const parser::SipHeader& header = message.headers[i];
        std::string_view key = parser::canonical_name(header.id);
        if (key.empty()) {
            std::size_t length = std::min(header.name.size(), kFingerprintKeyBytes);
            for (std::size_t c = 0; c < length; ++c) key_buffer[c] = lower(header.name[c]);
            key = std::string_view(key_buffer, length);
        }
        merge(fingerprint, key, header.value, endpoints, seen, sequence_position);
    }
    parser::for_each_sdp_line(message.body, [&](char type, std::string_view value) {
        char sdp_key[5] = {'s', 'd', 'p', ':', lower(type)};
        merge(fingerprint, std::string_view(sdp_key, 5), value, endpoints, seen, sequence_position);
    });
    // A key the flow has but this packet lacks: mark its whole template.
    if (fingerprint.packets > 0) {
        for (uint8_t i = 0; i < fingerprint.entry_count; ++i) {
            if (!seen[i] && fingerprint.entries[i].packets > 0) {
                fingerprint.sequence_changed = true;
            }
        }
    }
    ++fingerprint.packets;
}

std::string render_value(const FingerprintEntry& entry) {
    std::string out;
    out.reserve(entry.value_length + 8);
    for (std::size_t i = 0; i < entry.value_length; ++i) {
        if (entry.value[i] == kVariableMarker) out += kMarkerText;
        else out.push_back(entry.value[i]);
    }
    return out;
}

std::string render_document(const HeaderFingerprint& fingerprint) {
    std::string out;
    for (uint8_t i = 0; i < fingerprint.entry_count; ++i) {
        const FingerprintEntry& entry = fingerprint.entries[i];
        out.append(entry.key, entry.key_length);
        out.push_back(':');
        out += render_value(entry);
        out.push_back('\n');
    }
    return out;
}

}  // namespace sipscope::fingerprint
