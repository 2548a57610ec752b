// What a source is after (seeds 001–004): the user agents it sends and
// whether they change per message, the numbers its INVITEs try to call
// (normalised, so one number tried with several dial prefixes counts
// once), the digest usernames it tries, the extensions it asks for, and
// which hosts answered it (the exposure list). From these, its behaviours:
// horizontal scan, extension enumeration, credential brute force, call
// attempts.
//
// Fixed size, no allocation; lives in the owning worker's detail pool.
#pragma once

#include "labelled_enum.hpp"

#include <array>
#include <cstdint>
#include <string_view>

#include "dialed_number.hpp"
#include "distinct_counter.hpp"
#include "number_plan.hpp"
#include "frame_decoder.hpp"
#include "ip_address.hpp"
#include "sip_message.hpp"

namespace sipscope::fingerprint {

// The first Slots distinct texts (each cut at Bytes) with a count each,
// and how many requests carried a text beyond them.
template <std::size_t Slots, std::size_t Bytes>
struct TextTally {
    struct Item {
        char text[Bytes] = {};
        uint8_t length = 0;
        uint32_t count = 0;
        std::string_view view() const { return {text, length}; }
    };
    std::array<Item, Slots> items{};
    uint8_t size = 0;
    uint32_t overflow = 0;       // additions that found no free slot
    bool overflowed_distinct = false;

    // Cheap: items are written when taken.
    void clear() {
        size = 0;
        overflow = 0;
        overflowed_distinct = false;
    }
    void copy_used_to(TextTally& to) const {
        to.size = size;
        to.overflow = overflow;
        to.overflowed_distinct = overflowed_distinct;
        for (uint8_t i = 0; i < size; ++i) to.items[i] = items[i];
    }
    // Returns the slot `text` is counted in, or -1 when it found none.
    int add(std::string_view text) {
        if (text.size() > Bytes) text = text.substr(0, Bytes);
        for (uint8_t i = 0; i < size; ++i) {
            if (items[i].view() == text) {
                ++items[i].count;
                return i;
            }
        }
        if (size == Slots) {
            ++overflow;
            overflowed_distinct = true;
            return -1;
        }
        Item& item = items[size];
        for (std::size_t i = 0; i < text.size(); ++i) item.text[i] = text[i];
        item.length = static_cast<uint8_t>(text.size());
        item.count = 1;
        return size++;
    }
};

#define SIPSCOPE_BEHAVIOURS(X)                          \
    X(horizontal_scan, "horizontal_scan")               \
    X(extension_enumeration, "extension_enumeration")   \
    X(credential_brute_force, "credential_brute_force") \
    X(password_spraying, "password_spraying")           \
    X(credential_found, "credential_found")             \
    X(call_attempts, "call_attempts")

SIPSCOPE_LABELLED_ENUM(Behaviour, SIPSCOPE_BEHAVIOURS, kBehaviourCount, kBehaviourLabels)

// What seed 004 reads in a crafted request: traits no full SIP stack
// leaves, and a User-Agent that claims such a stack in spite of them.
#define SIPSCOPE_CRAFTING_CUES(X)                                  \
    X(space_in_call_id, "space_in_call_id")                        \
    X(via_branch_not_rfc3261, "via_branch_not_rfc3261")            \
    X(from_without_tag, "from_without_tag")                        \
    X(user_agent_mismatch, "user_agent_mismatch")

SIPSCOPE_LABELLED_ENUM(CraftingCue, SIPSCOPE_CRAFTING_CUES, kCraftingCueCount, kCraftingCueLabels)

// Whether a User-Agent names a softphone, phone or PBX whose SIP stack
// follows RFC 3261 (case-insensitive product names, e.g. "X-Lite release
// 1006e", "Asterisk PBX 13", "Yealink SIP-T46S").
bool claims_full_sip_stack(std::string_view user_agent);

// When a flow shows a behaviour. Operator-configurable (see lcore options).
struct BehaviourThresholds {
    uint32_t horizontal_destinations = 10;  // distinct destinations
    uint32_t enumeration_extensions = 10;   // distinct extensions asked for …
    uint32_t enumeration_max_hosts = 3;     // … on at most this many hosts
    uint32_t brute_force_attempts = 10;     // requests with digest credentials (or refusals of them), few usernames
    uint32_t spraying_usernames = 10;       // distinct usernames tried with credentials, few attempts each
    uint32_t found_after_failures = 3;      // a success after this many refusals: a guessed credential
    uint32_t call_attempts = 5;             // INVITEs to international or premium-rate numbers (toll fraud) …
    uint32_t call_numbers = 10;             // … or distinct numbers tried (answered calls to one callee stay below) …
    uint32_t call_dial_forms = 3;           // … or one number dialled in this many forms (probing the dial plan)
};

struct SourceIntent {
    TextTally<3, 48> user_agents;
    uint32_t user_agent_messages = 0;
    uint32_t user_agent_changes = 0;    // consecutive requests with different agents
    uint32_t missing_user_agent = 0;    // requests without one
    uint32_t previous_user_agent_hash = 0;

    // Telephone numbers INVITEs tried (extensions are not numbers): the
    // first few with their attempts, country, type and the forms they were
    // dialled in (bits of DialForm); how many distinct; and how many INVITEs
    // went to numbers dialled internationally, or to premium-rate numbers.
    TextTally<8, 24> numbers;           // normalised: "+46441408560", "0301234567"
    struct NumberNote {
        NumberClass number_class;
        uint16_t dial_forms = 0;
    };
    std::array<NumberNote, 8> number_notes{};
    uint32_t invites_to_numbers = 0;
    uint32_t international_invites = 0;
    uint32_t premium_invites = 0;
    uint32_t toll_invites = 0;          // international or premium: what toll fraud is paid by
    uint8_t most_dial_forms = 0;        // the most forms one listed number was dialled in
    DistinctCounter<16, 64> distinct_numbers;
    TextTally<8, 32> usernames;         // digest usernames tried
    uint32_t auth_attempts = 0;         // requests carrying digest credentials
    DistinctCounter<16, 64> distinct_usernames;
    // Answers to credentialed requests, matched to the last one by Call-ID
    // and CSeq: refused (401, 403, 407) or accepted (2xx). A phone's
    // refresh (challenge, then credentials, then 200) fails nothing.
    uint32_t auth_failures = 0;
    uint32_t auth_successes = 0;
    uint32_t failures_before_success = 0;  // failures seen when the first success came
    uint64_t last_credentialed_key = 0;    // hash of Call-ID and CSeq of the last credentialed request

    // Distinct extensions asked for (request-URI user of REGISTER, INVITE,
    // OPTIONS…): exact to 16, then linear counting on 4,096 bits (±5 % up
    // to 14,000, the sizes enumerations run to), then a 64-register
    // HyperLogLog.
    DistinctCounter<16, 64, 4096> extensions;

    // Hosts that answered (the exposure list): their last status, the
    // status classes seen (bit c-1 for class c), and how many answers said
    // the extension asked for exists (see answers_existing_extension).
    struct Responder {
        parser::IpAddress host;
        uint16_t last_status = 0;
        uint8_t status_classes = 0;
        uint32_t responses = 0;
        uint32_t extensions_existing = 0;
    };
    std::array<Responder, 8> responders{};
    uint8_t responder_count = 0;
    uint32_t responders_beyond = 0;
    // Extensions the answers say exist (the To user of a 2xx, 401 or 407
    // to anything but OPTIONS, CANCEL and BYE): the first ones in the order
    // found, and how many distinct.
    TextTally<8, 32> extensions_found;
    DistinctCounter<16, 64> distinct_extensions_found;

    // Bits of CraftingCue seen in any request; `scripted` when one of the
    // traits is there (user_agent_mismatch only adds that the agent lies).
    uint8_t crafting_cues = 0;
    bool scripted() const { return (crafting_cues & ~(1u << static_cast<unsigned>(CraftingCue::user_agent_mismatch))) != 0; }
    // The callers it claims: From users (seed 004's 5199362832664), the
    // first ones with their requests.
    TextTally<4, 32> callers;
    uint32_t agent_checked_hash_ = 0;   // the agent last checked by claims_full_sip_stack
    uint32_t crafting_requests_ = 0;    // requests offered to observe_crafting

    uint8_t behaviours_raised = 0;      // bits of Behaviour already alerted
    bool trusted_caller = false;        // the source is in --trusted-net: its calls are no call_attempts

    // Field by field, so that a new source (every packet of a flood)
    // resets and hands on a few hundred bytes rather than 3 KiB: tallies
    // and distinct counters reset their headers and copy what they hold.
    // A new field must be added to both (source_intent.cpp checks the size).
    void clear();
    void copy_used_to(SourceIntent& to) const;
    // `numbers` classifies dialled numbers (the worker's own); `now_us` is packet time.
    void observe_request(const parser::SipMessage& message, NumberPlan& numbers, uint64_t now_us);
    void observe_response(const parser::SipMessage& message, const parser::DecodedFrame& frame);
    static uint64_t transaction_key(const parser::SipMessage& message);
    void observe_auth_answer(const parser::SipMessage& message);
    void observe_crafting(const parser::SipMessage& message, std::string_view agent, uint32_t agent_hash);
    // The extension a response says exists ("" when it says nothing of the
    // kind): svwar's reading — 404 for none, a challenge or success for one.
    static std::string_view answers_existing_extension(const parser::SipMessage& response);
    uint64_t distinct_extensions() const { return extensions.count(); }
    // Attempts that count towards brute force: refusals where answers are seen.
    uint32_t auth_attempts_counted() const { return auth_failures + auth_successes > 0 ? auth_failures : auth_attempts; }
    bool user_agent_changes_per_message() const {
        return user_agent_messages >= 3 && user_agent_changes * 2 >= user_agent_messages - 1;
    }
};

// Behaviours a flow shows now (bits of Behaviour).
uint8_t behaviours_of(const SourceIntent& intent, uint64_t distinct_destinations, uint32_t invites,
                      const BehaviourThresholds& thresholds);

}  // namespace sipscope::fingerprint
