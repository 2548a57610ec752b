// In-place parse of one SIP message (RFC 3261 section 7) held in a
// transport payload: start line, headers, body. Every string is a view into
// the caller's buffer; nothing is copied or allocated. Runs on the worker
// lcore for every UDP/TCP payload, on any port: SIP is recognised by content.
//
// A malformed message from a scanner is evidence, not an error: as long as
// the start line is SIP, the message is reported with `violations` set.
#pragma once

#include "labelled_enum.hpp"

#include <array>
#include <cstdint>
#include <span>
#include <string_view>

namespace sipscope::parser {

#define SIPSCOPE_SIP_METHODS(X) \
    X(invite, "INVITE")         \
    X(ack, "ACK")               \
    X(bye, "BYE")               \
    X(cancel, "CANCEL")         \
    X(options, "OPTIONS")       \
    X(register_, "REGISTER")    \
    X(prack, "PRACK")           \
    X(subscribe, "SUBSCRIBE")   \
    X(notify, "NOTIFY")         \
    X(publish, "PUBLISH")       \
    X(info, "INFO")             \
    X(refer, "REFER")           \
    X(message, "MESSAGE")       \
    X(update, "UPDATE")         \
    X(other, "other")

SIPSCOPE_LABELLED_ENUM(SipMethod, SIPSCOPE_SIP_METHODS, kSipMethodCount, kSipMethodLabels)
// Maps a method token (case-sensitive, RFC 3261 7.1) to the enum.
SipMethod method_from_token(std::string_view token);

// What the payload turned out to be. Counted per reason by the worker.
#define SIPSCOPE_SIP_OUTCOMES(X)                         \
    X(request, "request")                                \
    X(response, "response")                              \
    X(empty_payload, "empty_payload")                    \
    X(not_sip, "not_sip")                                \
    X(truncated_start_line, "truncated_start_line")      \
    X(malformed_request_line, "malformed_request_line")  \
    X(malformed_status_line, "malformed_status_line")

SIPSCOPE_LABELLED_ENUM(SipOutcome, SIPSCOPE_SIP_OUTCOMES, kSipOutcomeCount, kSipOutcomeLabels)

// RFC violations found in a message that is otherwise SIP. Bit flags.
#define SIPSCOPE_SIP_VIOLATIONS(X)                                   \
    X(header_line_without_colon, "header_line_without_colon")        \
    X(headers_not_terminated, "headers_not_terminated")              \
    X(too_many_headers, "too_many_headers")                          \
    X(bare_lf_line_end, "bare_lf_line_end")                          \
    X(folded_header, "folded_header")                                \
    X(unknown_header_name, "unknown_header_name")                    \
    X(misspelt_header_name, "misspelt_header_name")                  \
    X(missing_via, "missing_via")                                    \
    X(missing_from, "missing_from")                                  \
    X(missing_to, "missing_to")                                      \
    X(missing_call_id, "missing_call_id")                            \
    X(missing_cseq, "missing_cseq")                                  \
    X(missing_max_forwards, "missing_max_forwards")                  \
    X(space_in_call_id, "space_in_call_id")                          \
    X(cseq_method_mismatch, "cseq_method_mismatch")                  \
    X(bad_cseq, "bad_cseq")                                          \
    X(bad_max_forwards, "bad_max_forwards")                          \
    X(bad_content_length, "bad_content_length")                      \
    X(content_length_mismatch, "content_length_mismatch")

SIPSCOPE_LABELLED_ENUM(SipViolation, SIPSCOPE_SIP_VIOLATIONS, kSipViolationCount, kSipViolationLabels)
constexpr uint32_t bit(SipViolation violation) { return 1u << static_cast<unsigned>(violation); }

// Headers the sensor looks at by name. Compact forms (RFC 3261 7.3.3 and
// the registry) map to the same id as the long form.
enum class HeaderId : uint8_t {
    unknown = 0,
    via, from, to, call_id, cseq, contact, max_forwards, content_length, content_type,
    user_agent, server, authorization, proxy_authorization, www_authenticate,
    proxy_authenticate, supported, require, accept, allow, expires, date, subject,
    content_encoding, event, allow_events, refer_to, referred_by, session_expires, identity,
    record_route, route, organization, x_nat, x_serialnumber,
    count_
};
inline constexpr std::size_t kHeaderIdCount = static_cast<std::size_t>(HeaderId::count_);
// Canonical lower-case long name of a known header ("" for unknown). Inline:
// the fingerprint and the tool match ask for every header of every request.
extern const std::array<std::string_view, kHeaderIdCount> kCanonicalHeaderNames;
inline std::string_view canonical_name(HeaderId id) { return kCanonicalHeaderNames[static_cast<std::size_t>(id)]; }
// True when an unknown header name is one or two edits (or an adjacent
// swap) away from a registered one, like nmap-ag's "content-lnegth".
bool is_misspelt_header_name(std::string_view name);

struct SipHeader {
    std::string_view name;   // as written (case, compact form preserved)
    std::string_view value;  // trimmed; spans continuation lines if folded
    HeaderId id = HeaderId::unknown;
};

// Headers kept per message. Past it the message is still SIP, flagged
// too_many_headers; a known header seen for the first time after the limit
// replaces the last unknown one, so that junk headers cannot hide the
// headers tools are named by.
inline constexpr std::size_t kMaxSipHeaders = 48;

struct SipMessage {
    SipOutcome outcome = SipOutcome::not_sip;
    SipMethod method = SipMethod::other;     // requests
    uint16_t status_code = 0;                // responses
    uint32_t violations = 0;                 // SipViolation bits
    std::string_view method_token;           // requests, as written
    std::string_view request_uri;            // requests
    std::string_view reason_phrase;          // responses
    std::string_view body;                   // bytes after the blank line
    std::string_view text;                   // the whole payload (every view above lies inside it)
    int64_t content_length = -1;             // -1: absent or unparseable
    uint16_t header_count = 0;
    // Index of the first occurrence of each known header, or kAbsent.
    static constexpr uint8_t kAbsent = 0xff;
    std::array<uint8_t, kHeaderIdCount> first_index{};
    std::array<SipHeader, kMaxSipHeaders> headers;

    bool is_sip() const { return outcome == SipOutcome::request || outcome == SipOutcome::response; }
    bool has(SipViolation violation) const { return (violations & bit(violation)) != 0; }
    const SipHeader* find(HeaderId id) const {
        uint8_t index = first_index[static_cast<std::size_t>(id)];
        return index == kAbsent ? nullptr : &headers[index];
    }
    std::string_view value_of(HeaderId id) const {
        const SipHeader* header = find(id);
        return header ? header->value : std::string_view{};
    }
};

// Parses `payload` into `message` (which is reset first). Returns
// message.outcome. Reads only inside the span.
SipOutcome parse_sip_message(std::span<const uint8_t> payload, SipMessage& message);

// Whether a transport payload starts as a SIP response ("SIP/2.0 "): the
// cheap test a worker makes before parsing, to find a packet's owner (the
// requesting address is the destination of a response).
inline bool starts_as_sip_response(std::span<const uint8_t> payload) {
    constexpr std::string_view kStatusLineStart = "SIP/2.0 ";
    return payload.size() >= kStatusLineStart.size() &&
           std::string_view(reinterpret_cast<const char*>(payload.data()), kStatusLineStart.size()) == kStatusLineStart;
}

}  // namespace sipscope::parser
