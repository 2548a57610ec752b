// The fingerprint of a flow (section IV-B of the paper): for every SIP and
// SDP header key, the characters that were equal in every packet of the
// flow, the others replaced by a marker, after the packet's own addresses
// and ports inside values were replaced by SourceIP, DestIP, SourcePort and
// DestPort. Also the header-name sequence of the first packet.
//
// Bounded: a fixed number of keys, each value truncated to a fixed length,
// in one fixed-size object. Owned by the worker that owns the flow (it
// lives in that worker's fingerprint pool) and copied into the flow's
// record when the flow closes. No DPDK types; no allocation.
#pragma once

#include <array>
#include <cstddef>
#include <cstring>
#include <type_traits>
#include <cstdint>
#include <string>
#include <string_view>

#include "frame_decoder.hpp"
#include "sip_message.hpp"

namespace sipscope::fingerprint {

// Keys: every header and SDP line of a message; the second and later
// occurrences of a repeated one are keys of their own, "via#2", "sdp:a#3"
// (a message's two Vias, an offer's a= lines), compared position by
// position across packets as the first is.
inline constexpr std::size_t kFingerprintKeys = 32;
// Keys a template keeps at most for headers without a parser::HeaderId,
// repeats and SDP lines, so that the headers with an id (the ones tools
// are named by) always have room: junk headers ahead of the real ones
// cannot crowd them out.
inline constexpr std::size_t kMaxKeysWithoutId = 16;
inline constexpr std::size_t kFingerprintKeyBytes = 23;
inline constexpr std::size_t kFingerprintValueBytes = 96;
inline constexpr std::size_t kSequenceLength = 32;
// Marks a character that differed between packets. A control byte cannot
// appear in a header value of a well-formed message; rendered as U+2591
// (░) in events and in the matcher's document.
inline constexpr char kVariableMarker = '\x1f';
inline constexpr std::string_view kVariableMarkerText = "\u2591";

struct FingerprintEntry {
    char key[kFingerprintKeyBytes] = {};      // lower case; "sdp:m" for SDP lines
    uint8_t key_length = 0;
    char value[kFingerprintValueBytes] = {};  // the template
    uint8_t value_length = 0;
    bool truncated = false;                    // a value was longer than the template
    uint16_t packets = 0;                      // packets that carried this key (saturates)
};

struct HeaderFingerprint {
    uint32_t packets = 0;                      // packets aggregated
    // Settling. A template only ever gains markers; once kSettledAfter
    // merges in a row changed nothing, merging every request costs much
    // and shows little, so only one request in `settled_interval` is
    // merged — until one of those changes the template again.
    static constexpr uint32_t kSettledAfter = 16;
    uint32_t offered = 0;                      // requests offered (merged or not)
    uint32_t unchanged_merges = 0;             // merges in a row that changed nothing
    uint8_t entry_count = 0;
    uint8_t entries_without_id = 0;            // entries of headers without an id and SDP lines
    bool keys_dropped = false;                 // more distinct keys than kFingerprintKeys
    bool sequence_changed = false;             // header order differed from the first packet
    uint8_t sequence_length = 0;
    uint8_t sequence[kSequenceLength] = {};    // entry indexes, first packet's order
    // Entries whose value a request must repeat byte for byte (may_change),
    // as of `plain_at` merged packets: recomputed only after a merge.
    uint32_t plain_entries = 0;
    uint32_t plain_at = UINT32_MAX;
    // fingerprint_id of the first request (template_id.hpp), taken before
    // the second merge can blur it; 0 until then.
    uint64_t first_request_id = 0;
    std::array<FingerprintEntry, kFingerprintKeys> entries{};
    // Entry of each known header (kNoEntry: none yet), so that the merge
    // finds most keys without comparing names.
    static constexpr uint8_t kNoEntry = 0xff;
    std::array<uint8_t, parser::kHeaderIdCount> entry_of_header = filled_with_no_entry();

    // Cheap: entries are reset when they are taken (the pool reuses slots
    // at the rate new sources arrive, which is every packet in a flood).
    void clear() {
        packets = 0;
        offered = 0;
        unchanged_merges = 0;
        entry_count = 0;
        entries_without_id = 0;
        keys_dropped = false;
        sequence_changed = false;
        sequence_length = 0;
        first_request_id = 0;
        entry_of_header = filled_with_no_entry();
    }
    const FingerprintEntry* find(std::string_view key) const;
    bool settled() const { return unchanged_merges >= kSettledAfter; }
    // Copies everything but the unused entries (fields before `entries` in
    // one block, then the filled entries, then the index).
    void copy_used_to(HeaderFingerprint& to) const {
        std::memcpy(static_cast<void*>(&to), this, offsetof(HeaderFingerprint, entries));
        std::memcpy(static_cast<void*>(to.entries.data()), entries.data(), sizeof(FingerprintEntry) * entry_count);
        to.entry_of_header = entry_of_header;
    }
    // Counts a request offered to the template; says whether to merge it.
    // `settled_interval` 1 merges every request.
    bool offer(uint32_t settled_interval) {
        ++offered;
        return !settled() || offered % settled_interval == 0;
    }

private:
    static constexpr std::array<uint8_t, parser::kHeaderIdCount> filled_with_no_entry() {
        std::array<uint8_t, parser::kHeaderIdCount> none{};
        none.fill(kNoEntry);
        return none;
    }
};
// copy_used_to relies on this layout: scalars, then `entries`, then
// `entry_of_header` last. A new field goes before `entries`.
static_assert(std::is_standard_layout_v<HeaderFingerprint>);
static_assert(offsetof(HeaderFingerprint, entry_of_header) ==
              offsetof(HeaderFingerprint, entries) + sizeof(HeaderFingerprint::entries));
static_assert(sizeof(HeaderFingerprint) - offsetof(HeaderFingerprint, entry_of_header) <
              sizeof(HeaderFingerprint::entry_of_header) + alignof(HeaderFingerprint));

// The addresses and ports of one packet, as text, for the substitution:
// prepared once per packet, used for every value of its message.
struct PacketEndpoints {
    struct Needle {
        char text[46] = {};
        uint8_t length = 0;
        bool address = false;  // an address (joins '.'), not a port
        bool ipv6 = false;     // also joins ':' before it
        std::string_view replacement;
        std::string_view view() const { return {text, length}; }
    };
    // In the order they are tried: addresses first (they contain digits a
    // port could match), then ports; where source and destination port are
    // equal, SourcePort wins, as in the paper's SIPVicious contact
    // sip:100@SourceIP:SourcePort.
    enum { kSourceIp, kDestinationIp, kSourcePort, kDestinationPort, kNeedleCount };
    std::array<Needle, kNeedleCount> needles{};
    // The distinct first characters of the needles (first_count of them),
    // repeated to fill all four places.
    char first_characters[kNeedleCount] = {};
    uint8_t first_count = 0;

    static PacketEndpoints of(const parser::DecodedFrame& frame);
};

// Where a needle of the packet may start in a text (a message): bit p of
// block p/64 is set when byte p is one of the needles' first characters
// and byte p-1 does not continue a number ([0-9a-f.]). Computed with SIMD
// compares 64 bytes at a time, on demand, and kept for the first 4 KiB.
class NeedleIndex {
public:
    NeedleIndex(std::string_view text, const PacketEndpoints& endpoints);
    uint64_t block(std::size_t index) const {
        if (index >= kCachedBlocks) return compute(index);
        if (!(cached_ & (uint64_t{1} << index))) {
            blocks_[index] = compute(index);
            cached_ |= uint64_t{1} << index;
        }
        return blocks_[index];
    }
    std::string_view text() const { return text_; }
    const PacketEndpoints& endpoints() const { return endpoints_; }

private:
    static constexpr std::size_t kCachedBlocks = 64;
    uint64_t compute(std::size_t index) const;

    std::string_view text_;
    const PacketEndpoints& endpoints_;
    mutable uint64_t cached_ = 0;  // a bit per block already computed
    mutable uint64_t blocks_[kCachedBlocks];
};

// Writes `value` (a view inside the index's text) with the endpoints
// replaced into `out` (capacity bytes); returns the length written.
// `overflow` (optional) says whether the value was cut at capacity.
std::size_t substitute_endpoints(const NeedleIndex& index, std::string_view value, char* out, std::size_t capacity,
                                 bool* overflow = nullptr);
// The same as a view: `value` itself when nothing was replaced and it fits
// (no copy), else the part of `out` written.
std::string_view substituted_value(const NeedleIndex& index, std::string_view value, char* out, std::size_t capacity,
                                   bool* overflow = nullptr);
// The same for a value on its own.
std::size_t substitute_endpoints(std::string_view value, const PacketEndpoints& endpoints, char* out,
                                 std::size_t capacity, bool* overflow = nullptr);

// The key a header's entry has: its canonical long name, or for a header
// without an id its name in lower case, cut to kFingerprintKeyBytes
// (written into `buffer`).
std::string_view fingerprint_key(const parser::SipHeader& header, char* buffer);

// The entries one message makes in an empty template, without writing the
// template: which keys it gets (a repeat in the message is "via#2"), in
// which order, and which are dropped by the limits above — as aggregate()
// decides for a flow's first request. For naming a flow that has no
// template (ToolDatabase::match_request).
class FirstRequestKeys {
public:
    // The key the next header or SDP line with `id` and `key` is entered
    // under: its own, or a repeat key written into `repeat_buffer` (which
    // holds kFingerprintKeyBytes); an empty key when it makes no new entry
    // (dropped, or a repeat key that is already an entry).
    struct Admitted {
        std::string_view key;
        bool repeat = false;
    };
    Admitted admit(parser::HeaderId id, std::string_view key, char* repeat_buffer);

private:
    // A header with an id points at its canonical name (static text); one
    // without copies its key, which lives in the caller's buffer. Trivial,
    // so that the 32 of them are not initialised for every request.
    struct Key {
        const char* text;
        char copy[kFingerprintKeyBytes];
        uint8_t length;
        parser::HeaderId id;
        uint8_t occurrences;  // repeats of this key in the message so far
        std::string_view view() const { return {text, length}; }
    };
    static_assert(std::is_trivially_default_constructible_v<Key>);
    int find(parser::HeaderId id, std::string_view key) const;
    int add(parser::HeaderId id, std::string_view key);

    Key keys_[kFingerprintKeys];
    // Entry index + 1 of each header id's key, 0 for none: a header with an
    // id is found without a scan (most of a request's are).
    uint8_t entry_of_id_[parser::kHeaderIdCount] = {};
    uint8_t count_ = 0;
    uint8_t without_id_ = 0;
};

// Merges one SIP message (and its SDP body) into the fingerprint. Returns
// whether the template changed (a key, a character, a length or the order).
bool aggregate(HeaderFingerprint& fingerprint, const parser::SipMessage& message, const PacketEndpoints& endpoints);

// Whether `message` could change a settled template, checked cheaply: a
// header the template lacks, or one whose template value is plain (no
// varying character, no address or port placeholder) and differs. When it
// could, the request is merged even if sampling would skip it, so that
// sampling keeps the template that merging every request makes (a single
// odd User-Agent among many requests still marks the key). Values with
// placeholders, and SDP lines, are left to the sampled merges.
bool may_change(HeaderFingerprint& fingerprint, const parser::SipMessage& message);

// "key:value\n" lines, markers as U+2591, for the matcher and for display.
std::string render_document(const HeaderFingerprint& fingerprint);
// A value with markers rendered as U+2591.
std::string render_value(const FingerprintEntry& entry);
void render_value(const FingerprintEntry& entry, std::string& out);  // appends

}  // namespace sipscope::fingerprint
