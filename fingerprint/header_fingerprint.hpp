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
#include <cstdint>
#include <string>
#include <string_view>

#include "frame_decoder.hpp"
#include "sip_message.hpp"

namespace sipscope::fingerprint {

inline constexpr std::size_t kFingerprintKeys = 20;
inline constexpr std::size_t kFingerprintKeyBytes = 23;
inline constexpr std::size_t kFingerprintValueBytes = 72;
inline constexpr std::size_t kSequenceLength = 24;
// Marks a character that differed between packets. A control byte cannot
// appear in a header value of a well-formed message; rendered as U+2591
// (░) in events and in the matcher's document.
inline constexpr char kVariableMarker = '\x1f';

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
    uint8_t entry_count = 0;
    bool keys_dropped = false;                 // more distinct keys than kFingerprintKeys
    bool sequence_changed = false;             // header order differed from the first packet
    uint8_t sequence_length = 0;
    uint8_t sequence[kSequenceLength] = {};    // entry indexes, first packet's order
    std::array<FingerprintEntry, kFingerprintKeys> entries{};

    // Cheap: entries are reset when they are taken (the pool reuses slots
    // at the rate new sources arrive, which is every packet in a flood).
    void clear() {
        packets = 0;
        entry_count = 0;
        keys_dropped = false;
        sequence_changed = false;
        sequence_length = 0;
    }
    const FingerprintEntry* find(std::string_view key) const;
};

// The addresses and ports of one packet, as text, for the substitution.
struct PacketEndpoints {
    char source_ip[46] = {};
    char destination_ip[46] = {};
    char source_port[6] = {};
    char destination_port[6] = {};
    uint8_t source_ip_length = 0, destination_ip_length = 0, source_port_length = 0, destination_port_length = 0;

    static PacketEndpoints of(const parser::DecodedFrame& frame);
};

// Writes `value` with the endpoints replaced into `out` (capacity bytes);
// returns the length written. `overflow` (optional) says whether the value
// was cut at capacity.
std::size_t substitute_endpoints(std::string_view value, const PacketEndpoints& endpoints, char* out,
                                 std::size_t capacity, bool* overflow = nullptr);

// Merges one SIP message (and its SDP body) into the fingerprint.
void aggregate(HeaderFingerprint& fingerprint, const parser::SipMessage& message, const PacketEndpoints& endpoints);

// "key:value\n" lines, markers as U+2591, for the matcher and for display.
std::string render_document(const HeaderFingerprint& fingerprint);
// A value with markers rendered as U+2591.
std::string render_value(const FingerprintEntry& entry);

}  // namespace sipscope::fingerprint
