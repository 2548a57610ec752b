// Fingerprint aggregation. Worker lcore, per SIP request of a flow that has
// fingerprint storage: one pass over the headers, no allocation.
#include "header_fingerprint.hpp"

#include "byte_masks.hpp"
#include "text_hash.hpp"

#include <algorithm>
#include <cstring>

#if defined(__AVX512BW__)
#include <immintrin.h>
#elif defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "sip_fields.hpp"

namespace sipscope::fingerprint {

namespace {

inline char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }
inline bool is_digit(char c) { return c >= '0' && c <= '9'; }
// Characters that continue a number or an address: a needle never starts
// right after one.
inline bool joins_number(char c) { return is_digit(c) || c == '.' || (c >= 'a' && c <= 'f'); }

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

// A match of a needle at `at` counts only if it is not part of a longer
// number or address (1.1.1.1 inside 1.1.1.10 is not the address). The
// caller has already checked the character before `at` against the join
// set of every needle ([0-9a-f.]); an IPv6 address also joins a ':' before
// it, while for a port a ':' before it ("sip:100@1.2.3.4:5060") is a
// boundary.
bool bounded(std::string_view text, std::size_t at, const PacketEndpoints::Needle& needle) {
    if (needle.ipv6 && at > 0 && text[at - 1] == ':') return false;
    std::size_t end = at + needle.length;
    if (end < text.size() &&
        (is_digit(text[end]) || (needle.address && text[end] == '.' && end + 1 < text.size() && is_digit(text[end + 1]))))
        return false;
    return true;
}

// Returns whether the template changed.
bool add_entry_value(FingerprintEntry& entry, const char* value, std::size_t length, bool first) {
    std::size_t kept = std::min(length, kFingerprintValueBytes);
    if (first) {
        std::memcpy(entry.value, value, kept);
        entry.value_length = static_cast<uint8_t>(kept);
        return true;
    }
    bool changed = false;
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
        for (std::size_t j = i; j < i + 8; ++j) {
            if (entry.value[j] != value[j] && entry.value[j] != kVariableMarker) {
                entry.value[j] = kVariableMarker;
                changed = true;
            }
        }
    }
    for (; i < common; ++i) {
        if (entry.value[i] != value[i] && entry.value[i] != kVariableMarker) {
            entry.value[i] = kVariableMarker;
            changed = true;
        }
    }
    if (kept > entry.value_length) {
        std::memset(entry.value + entry.value_length, kVariableMarker, kept - entry.value_length);
        entry.value_length = static_cast<uint8_t>(kept);
        changed = true;
    } else {
        for (std::size_t i = kept; i < entry.value_length; ++i) {
            if (entry.value[i] != kVariableMarker) {
                entry.value[i] = kVariableMarker;
                changed = true;
            }
        }
    }
    return changed;
}

FingerprintEntry* find_or_add(HeaderFingerprint& fingerprint, parser::HeaderId id, std::string_view key, uint8_t& index) {
    std::size_t key_length = std::min(key.size(), kFingerprintKeyBytes);
    if (id != parser::HeaderId::unknown) {
        index = fingerprint.entry_of_header[static_cast<std::size_t>(id)];
        if (index != HeaderFingerprint::kNoEntry) return &fingerprint.entries[index];
    } else {
        for (uint8_t i = 0; i < fingerprint.entry_count; ++i) {
            FingerprintEntry& entry = fingerprint.entries[i];
            if (entry.key_length == key_length && std::memcmp(entry.key, key.data(), key_length) == 0) {
                index = i;
                return &entry;
            }
        }
    }
    bool has_id = id != parser::HeaderId::unknown;
    if (fingerprint.entry_count == kFingerprintKeys || (!has_id && fingerprint.entries_without_id == kMaxKeysWithoutId)) {
        fingerprint.keys_dropped = true;
        return nullptr;
    }
    if (!has_id) ++fingerprint.entries_without_id;
    index = fingerprint.entry_count++;
    if (id != parser::HeaderId::unknown) fingerprint.entry_of_header[static_cast<std::size_t>(id)] = index;
    FingerprintEntry& entry = fingerprint.entries[index];
    std::memcpy(entry.key, key.data(), key_length);
    entry.key_length = static_cast<uint8_t>(key_length);
    entry.value_length = 0;
    entry.truncated = false;
    entry.packets = 0;
    return &entry;
}

// The key of a repeated header's or SDP line's `occurrence`-th copy
// (2, 3, …): "via#2". Written into `out`; cut to kFingerprintKeyBytes.
std::string_view repeat_key(std::string_view key, unsigned occurrence, char* out) {
    char suffix[4] = {'#'};
    std::size_t suffix_length = 1 + write_number(suffix + 1, std::min(occurrence, 99u));
    std::size_t base = std::min(key.size(), kFingerprintKeyBytes - suffix_length);
    std::memcpy(out, key.data(), base);
    std::memcpy(out + base, suffix, suffix_length);
    return {out, base + suffix_length};
}

// Per message: which entries were merged, and how many times each key
// came (by the entry of its first occurrence).
struct MessageKeys {
    bool seen[kFingerprintKeys] = {};
    uint8_t occurrences[kFingerprintKeys] = {};
};

// `id`: the header's id, or unknown for other headers and SDP lines (found
// by their key). Returns whether the template changed.
bool merge(HeaderFingerprint& fingerprint, parser::HeaderId id, std::string_view key, std::string_view value,
           const NeedleIndex& needles, MessageKeys& keys, uint8_t& sequence_position) {
    uint8_t index = 0;
    const uint8_t entries_before = fingerprint.entry_count;
    const bool dropped_before = fingerprint.keys_dropped;
    FingerprintEntry* entry = find_or_add(fingerprint, id, key, index);
    if (!entry) return !dropped_before;  // the first dropped key changes the fingerprint
    if (keys.seen[index]) {
        // A repeat in this message: a key of its own, "via#2".
        char repeated[kFingerprintKeyBytes];
        unsigned occurrence = ++keys.occurrences[index] + 1u;
        entry = find_or_add(fingerprint, parser::HeaderId::unknown, repeat_key(key, occurrence, repeated), index);
        if (!entry) return !dropped_before;
        if (keys.seen[index]) return false;  // the key was cut to the same text: counted already
    }
    keys.seen[index] = true;
    char buffer[kFingerprintValueBytes];
    bool overflow = false;
    std::string_view substituted = substituted_value(needles, value, buffer, sizeof buffer, &overflow);
    bool changed = fingerprint.entry_count != entries_before || (overflow && !entry->truncated);
    if (overflow) entry->truncated = true;
    // A key missing from earlier packets keeps the template of the packets
    // that had it; `packets` per key tells how many those were.
    changed |= add_entry_value(*entry, substituted.data(), substituted.size(), entry->packets == 0);
    if (entry->packets < UINT16_MAX) ++entry->packets;
    // Header order: the first packet defines it; later packets only say
    // whether it changed.
    if (fingerprint.packets == 0) {
        if (fingerprint.sequence_length < kSequenceLength) fingerprint.sequence[fingerprint.sequence_length++] = index;
    } else if (!fingerprint.sequence_changed && key.rfind("sdp:", 0) != 0) {
        if (sequence_position >= fingerprint.sequence_length || fingerprint.sequence[sequence_position] != index) {
            fingerprint.sequence_changed = true;
            changed = true;
        }
    }
    ++sequence_position;
    return changed;
}

}  // namespace

const FingerprintEntry* HeaderFingerprint::find(std::string_view key) const {
    for (uint8_t i = 0; i < entry_count; ++i) {
        const FingerprintEntry& entry = entries[i];
        if (std::string_view(entry.key, entry.key_length) == key) return &entry;
    }
    return nullptr;
}

namespace {

// A template value that a request must repeat byte for byte while the
// template stands: no marker, no address or port placeholder. Asked of
// every entry after each merge: one SIMD pass per 64 bytes finds markers
// and the placeholders' first letters (three substring searches before).
bool plain_value(std::string_view value) {
    for (std::size_t offset = 0; offset < value.size(); offset += 64) {
        auto masks = parser::byte_masks<3>(value.data() + offset, value.size() - offset, {kVariableMarker, 'S', 'D'});
        if (masks[0] != 0) return false;
        for (uint64_t starts = masks[1] | masks[2]; starts != 0; starts &= starts - 1) {
            std::string_view rest = value.substr(offset + static_cast<std::size_t>(__builtin_ctzll(starts)));
            if (rest.starts_with("Source") || rest.starts_with("Dest")) return false;
        }
    }
    return true;
}

}  // namespace

bool may_change(HeaderFingerprint& fingerprint, const parser::SipMessage& message) {
    static_assert(kFingerprintKeys <= 32, "plain_entries is a 32-bit mask");
    if (fingerprint.plain_at != fingerprint.packets) {
        fingerprint.plain_entries = 0;
        for (uint8_t i = 0; i < fingerprint.entry_count; ++i) {
            const FingerprintEntry& entry = fingerprint.entries[i];
            if (plain_value(std::string_view(entry.value, entry.value_length))) fingerprint.plain_entries |= 1u << i;
        }
        fingerprint.plain_at = fingerprint.packets;
    }
    MessageKeys keys;
    for (std::size_t i = 0; i < message.header_count; ++i) {
        const parser::SipHeader& header = message.headers[i];
        uint8_t index;
        if (header.id != parser::HeaderId::unknown) {
            index = fingerprint.entry_of_header[static_cast<std::size_t>(header.id)];
            if (index == HeaderFingerprint::kNoEntry) return true;  // a key the template lacks
        } else {
            char key[kFingerprintKeyBytes];
            std::size_t length = std::min(header.name.size(), kFingerprintKeyBytes);
            for (std::size_t c = 0; c < length; ++c) key[c] = lower(header.name[c]);
            const FingerprintEntry* entry = fingerprint.find(std::string_view(key, length));
            if (entry == nullptr) return true;
            index = static_cast<uint8_t>(entry - fingerprint.entries.data());
        }
        if (keys.seen[index]) {  // a repeat: its own key, as aggregate() keeps it
            const FingerprintEntry& first = fingerprint.entries[index];
            char repeated[kFingerprintKeyBytes];
            unsigned occurrence = ++keys.occurrences[index] + 1u;
            const FingerprintEntry* entry =
                fingerprint.find(repeat_key(std::string_view(first.key, first.key_length), occurrence, repeated));
            if (entry == nullptr) return true;
            index = static_cast<uint8_t>(entry - fingerprint.entries.data());
        }
        keys.seen[index] = true;
        if (!(fingerprint.plain_entries & (1u << index))) continue;
        const FingerprintEntry& entry = fingerprint.entries[index];
        std::string_view pattern(entry.value, entry.value_length), value = header.value;
        if (entry.truncated && value.size() > pattern.size()) value = value.substr(0, pattern.size());
        if (!same_text(value, pattern)) return true;
    }
    return false;
}

PacketEndpoints PacketEndpoints::of(const parser::DecodedFrame& frame) {
    // Per SIP request on the worker: fixed buffers, no allocation.
    PacketEndpoints endpoints;
    auto address = [](Needle& needle, const parser::IpAddress& ip, std::string_view replacement) {
        needle.length = static_cast<uint8_t>(ip.format(needle.text, sizeof needle.text));
        needle.address = true;
        needle.ipv6 = !ip.is_ipv4();
        needle.replacement = replacement;
    };
    auto port = [](Needle& needle, uint16_t value, std::string_view replacement) {
        needle.length = static_cast<uint8_t>(write_number(needle.text, value));
        needle.replacement = replacement;
    };
    address(endpoints.needles[kSourceIp], frame.source, "SourceIP");
    address(endpoints.needles[kDestinationIp], frame.destination, "DestIP");
    port(endpoints.needles[kSourcePort], frame.source_port, "SourcePort");
    port(endpoints.needles[kDestinationPort], frame.destination_port, "DestPort");
    for (const Needle& needle : endpoints.needles) {
        if (needle.length == 0) continue;
        char first = needle.text[0];
        char* end = endpoints.first_characters + endpoints.first_count;
        if (std::find(endpoints.first_characters, end, first) == end) endpoints.first_characters[endpoints.first_count++] = first;
    }
    // Repeats fill the unused places, so that the block scan always compares
    // with four characters and has no inner loop.
    for (unsigned i = endpoints.first_count; i < kNeedleCount && endpoints.first_count != 0; ++i)
        endpoints.first_characters[i] = endpoints.first_characters[i % endpoints.first_count];
    return endpoints;
}

NeedleIndex::NeedleIndex(std::string_view text, const PacketEndpoints& endpoints) : text_(text), endpoints_(endpoints) {}

uint64_t NeedleIndex::compute(std::size_t block) const {
    const std::size_t start = block * 64;
    const char* at = text_.data() + start;
    const std::size_t available = text_.size() - start;
    if (endpoints_.first_count == 0) return 0;
    uint64_t previous_joins = start > 0 && joins_number(text_[start - 1]);
#if defined(__AVX512BW__)
    // A masked load reads only the block's bytes (the last block needs no
    // copy); each test is one compare into a 64-bit mask.
    const __mmask64 inside = available >= 64 ? ~__mmask64{0} : (__mmask64{1} << available) - 1;
    const __m512i bytes = _mm512_maskz_loadu_epi8(inside, at);
    const uint64_t digits = _mm512_cmple_epu8_mask(_mm512_sub_epi8(bytes, _mm512_set1_epi8('0')), _mm512_set1_epi8(9));
    const uint64_t hex = _mm512_cmple_epu8_mask(_mm512_sub_epi8(bytes, _mm512_set1_epi8('a')), _mm512_set1_epi8(5));
    const uint64_t joins = digits | hex | _mm512_cmpeq_epi8_mask(bytes, _mm512_set1_epi8('.'));
    const char* firsts = endpoints_.first_characters;
    uint64_t needle_starts = 0;
    for (int i = 0; i < 4; ++i) needle_starts |= _mm512_mask_cmpeq_epi8_mask(inside, bytes, _mm512_set1_epi8(firsts[i]));
    return needle_starts & ~((joins << 1) | previous_joins);
#else
    alignas(16) char padded[64];
    at = parser::readable_block(at, available, padded);
    uint64_t needle_starts = 0, joins = 0;
#if defined(__SSE2__)
    const __m128i zero_digit = _mm_set1_epi8('0'), nine = _mm_set1_epi8(9);
    const __m128i letter_a = _mm_set1_epi8('a'), five = _mm_set1_epi8(5), dot = _mm_set1_epi8('.');
    const char* firsts = endpoints_.first_characters;
    const __m128i first0 = _mm_set1_epi8(firsts[0]), first1 = _mm_set1_epi8(firsts[1]);
    const __m128i first2 = _mm_set1_epi8(firsts[2]), first3 = _mm_set1_epi8(firsts[3]);
    for (int part = 0; part < 4; ++part) {
        __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(at + 16 * part));
        // Unsigned range checks: c - '0' <= 9, c - 'a' <= 5.
        __m128i digit_offset = _mm_sub_epi8(bytes, zero_digit);
        __m128i hex_offset = _mm_sub_epi8(bytes, letter_a);
        __m128i joining = _mm_or_si128(_mm_cmpeq_epi8(_mm_min_epu8(digit_offset, nine), digit_offset),
                                       _mm_or_si128(_mm_cmpeq_epi8(_mm_min_epu8(hex_offset, five), hex_offset),
                                                    _mm_cmpeq_epi8(bytes, dot)));
        __m128i starting = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(bytes, first0), _mm_cmpeq_epi8(bytes, first1)),
                                        _mm_or_si128(_mm_cmpeq_epi8(bytes, first2), _mm_cmpeq_epi8(bytes, first3)));
        joins |= static_cast<uint64_t>(static_cast<uint16_t>(_mm_movemask_epi8(joining))) << (16 * part);
        needle_starts |= static_cast<uint64_t>(static_cast<uint16_t>(_mm_movemask_epi8(starting))) << (16 * part);
    }
#else
    for (int i = 0; i < 64; ++i) {
        char c = at[i];
        joins |= static_cast<uint64_t>(joins_number(c)) << i;
        for (char first : endpoints_.first_characters) needle_starts |= static_cast<uint64_t>(c == first) << i;
    }
#endif
    if (available < 64) needle_starts &= (uint64_t{1} << available) - 1;
    return needle_starts & ~((joins << 1) | previous_joins);
#endif
}

std::string_view substituted_value(const NeedleIndex& index, std::string_view value, char* out, std::size_t capacity,
                                   bool* overflow) {
    // Candidates come from the index; the bytes between them are copied in
    // bulk. The value's first byte starts a number whatever precedes it.
    const PacketEndpoints& endpoints = index.endpoints();
    const std::size_t size = value.size();
    const std::size_t base = static_cast<std::size_t>(value.data() - index.text().data());
    std::size_t written = 0;
    std::size_t at = 0;  // input consumed
    bool cut = false;    // a replacement did not fit
    auto copy_input = [&](std::size_t end) {
        std::size_t copy = std::min(end - at, capacity - written);
        std::memcpy(out + written, value.data() + at, copy);
        written += copy;
        at += copy;
    };
    // Tries the needles at `position`; false when none is there.
    auto try_replace = [&](std::size_t position) {
        const char* here = value.data() + position;
        for (const PacketEndpoints::Needle& needle : endpoints.needles) {
            if (needle.length == 0 || needle.text[0] != *here || size - position < needle.length ||
                !same_text({here, needle.length}, needle.view()) || !bounded(value, position, needle))
                continue;
            copy_input(position);
            if (written == capacity) return;
            std::size_t copy = std::min(needle.replacement.size(), capacity - written);
            std::memcpy(out + written, needle.replacement.data(), copy);
            written += copy;
            cut = copy < needle.replacement.size();
            at = position + needle.length;
            return;
        }
    };
    if (size > 0) try_replace(0);
    // Blocks of the text that hold value bytes [1, size), while the output
    // has room for what lies before the next candidate.
    for (std::size_t offset = 1; offset < size && written < capacity && offset - std::min(offset, at) < capacity - written;) {
        std::size_t absolute = base + offset;
        std::size_t block_start = absolute & ~std::size_t{63};
        uint64_t candidates = index.block(block_start / 64) >> (absolute - block_start);
        std::size_t block_end = std::min(block_start + 64 - base, size);  // in value offsets
        if (block_end - offset < 64) candidates &= (uint64_t{1} << (block_end - offset)) - 1;
        for (; candidates != 0 && written < capacity; candidates &= candidates - 1) {
            std::size_t position = offset + static_cast<std::size_t>(__builtin_ctzll(candidates));
            if (position >= at) try_replace(position);  // else inside a needle already replaced
        }
        offset = block_end;
    }
    // Nothing replaced and all of it fits: the value is its own result
    // (most values hold no address or port), with no copy.
    if (at == 0 && size <= capacity) {
        if (overflow) *overflow = false;
        return value;
    }
    if (written < capacity) copy_input(size);
    if (overflow) *overflow = cut || at < size;
    return {out, written};
}

std::size_t substitute_endpoints(const NeedleIndex& index, std::string_view value, char* out, std::size_t capacity,
                                 bool* overflow) {
    std::string_view result = substituted_value(index, value, out, capacity, overflow);
    if (result.data() != out) std::memcpy(out, result.data(), result.size());
    return result.size();
}

std::size_t substitute_endpoints(std::string_view value, const PacketEndpoints& endpoints, char* out, std::size_t capacity,
                                 bool* overflow) {
    return substitute_endpoints(NeedleIndex(value, endpoints), value, out, capacity, overflow);
}

std::string_view fingerprint_key(const parser::SipHeader& header, char* buffer) {
    std::string_view key = parser::canonical_name(header.id);
    if (!key.empty()) return key;
    std::size_t length = std::min(header.name.size(), kFingerprintKeyBytes);
    for (std::size_t c = 0; c < length; ++c) buffer[c] = lower(header.name[c]);
    return {buffer, length};
}

// find_or_add() and merge() on an empty template, keys only: every entry
// that exists was made by this message, so finding one means a repeat.
int FirstRequestKeys::find(parser::HeaderId id, std::string_view key) const {
    if (id != parser::HeaderId::unknown) return static_cast<int>(entry_of_id_[static_cast<std::size_t>(id)]) - 1;
    std::size_t length = std::min(key.size(), kFingerprintKeyBytes);
    for (uint8_t i = 0; i < count_; ++i) {
        const Key& entry = keys_[i];
        if (entry.length == length && std::memcmp(entry.text, key.data(), length) == 0) return i;
    }
    return -1;
}

int FirstRequestKeys::add(parser::HeaderId id, std::string_view key) {
    bool has_id = id != parser::HeaderId::unknown;
    if (count_ == kFingerprintKeys || (!has_id && without_id_ == kMaxKeysWithoutId)) return -1;
    Key& entry = keys_[count_];
    std::size_t length = std::min(key.size(), kFingerprintKeyBytes);
    if (has_id) {
        entry.text = key.data();  // the canonical name: static
        entry_of_id_[static_cast<std::size_t>(id)] = static_cast<uint8_t>(count_ + 1);
    } else {
        ++without_id_;
        std::memcpy(entry.copy, key.data(), length);
        entry.text = entry.copy;
    }
    entry.length = static_cast<uint8_t>(length);
    entry.id = id;
    entry.occurrences = 0;
    return count_++;
}

FirstRequestKeys::Admitted FirstRequestKeys::admit(parser::HeaderId id, std::string_view key, char* repeat_buffer) {
    int index = find(id, key);
    if (index < 0) {
        index = add(id, key);
        if (index < 0) return {};
        return {keys_[index].view(), false};
    }
    unsigned occurrence = ++keys_[index].occurrences + 1u;
    std::string_view repeated = repeat_key(key, occurrence, repeat_buffer);
    if (find(parser::HeaderId::unknown, repeated) >= 0 || add(parser::HeaderId::unknown, repeated) < 0) return {};
    return {repeated, true};
}

bool aggregate(HeaderFingerprint& fingerprint, const parser::SipMessage& message, const PacketEndpoints& endpoints) {
    bool changed = fingerprint.packets == 0;
    MessageKeys keys;
    uint8_t sequence_position = 0;
    // One index of needle candidates for the whole message: every value
    // lies inside it.
    const NeedleIndex needles(message.text, endpoints);
    char key_buffer[kFingerprintKeyBytes];
    for (std::size_t i = 0; i < message.header_count; ++i) {
        const parser::SipHeader& header = message.headers[i];
        std::string_view key = fingerprint_key(header, key_buffer);
        changed |= merge(fingerprint, header.id, key, header.value, needles, keys, sequence_position);
    }
    parser::for_each_sdp_line(message.body, [&](char type, std::string_view value) {
        char sdp_key[5] = {'s', 'd', 'p', ':', lower(type)};
        changed |= merge(fingerprint, parser::HeaderId::unknown, std::string_view(sdp_key, 5), value, needles, keys,
                         sequence_position);
    });
    // A key the flow has but this packet lacks: the header set (and so the
    // order) changed; the key keeps the template of the packets that had it.
    if (fingerprint.packets > 0 && !fingerprint.sequence_changed) {
        for (uint8_t i = 0; i < fingerprint.entry_count; ++i) {
            if (!keys.seen[i] && fingerprint.entries[i].packets > 0) {
                fingerprint.sequence_changed = true;
                changed = true;
            }
        }
    }
    ++fingerprint.packets;
    fingerprint.unchanged_merges = changed ? 0 : fingerprint.unchanged_merges + 1;
    return changed;
}

void render_value(const FingerprintEntry& entry, std::string& out) {
    std::string_view value(entry.value, entry.value_length);
    for (std::size_t marker; (marker = value.find(kVariableMarker)) != std::string_view::npos;) {
        out.append(value.substr(0, marker));
        out += kVariableMarkerText;
        value.remove_prefix(marker + 1);
    }
    out.append(value);
}

std::string render_value(const FingerprintEntry& entry) {
    std::string out;
    out.reserve(entry.value_length + 8);
    render_value(entry, out);
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
