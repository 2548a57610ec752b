// fingerprint_id: a name for a tool variant that any sensor computes the
// same on any day, from one request or from thousands — what lets records
// of one campaign be joined across sensors and days, and a new tool be
// tracked before the tool database names it.
//
// It hashes (FNV-1a, 64 bits) the template's header names in order and
// the part of each value that a tool fixes: the template after address
// and port substitution (SourceIP, DestIP, …; an IPv6 literal's brackets
// dropped), with the characters that
// varied between requests (░) left out, every run of digits written as one
// 0 (extensions, ports, versions, counters), the values of `tag=` and
// `branch=` parameters left out, and the values of headers that change with
// every message by definition (Call-ID, CSeq, Content-Length, Date,
// Timestamp, credentials) left out.
//
// It is taken from the flow's first request: a template merged from many
// requests can be blurred past recognition (an extension that changes
// length shifts every character after it), while one request of a tool
// looks like any other request of it. The SourceTracker takes it just
// before the second request merges (HeaderFingerprint::first_request_id);
// a flow of one request has its first request as its template.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "header_fingerprint.hpp"

namespace sipscope::fingerprint {

// The canonical text the id is the hash of (for tests and for a reader who
// wants to see what two ids differ in).
std::string template_canonical_text(const HeaderFingerprint& fingerprint);
// The hash of that text (never 0); 0 for a template without entries. No
// allocation once warm: the worker calls it once per flow.
uint64_t template_hash(const HeaderFingerprint& fingerprint);
// The same, remembered per thread by what decides it (template_id.cpp):
// the formatter's call for one-request flows, which a flood brings by the
// million with a handful of texts.
uint64_t remembered_template_hash(const HeaderFingerprint& fingerprint);
// The flow's id: its first request's hash (first_request_id, or the
// template itself while it holds one request); 0 when it had no request.
uint64_t flow_template_id(const HeaderFingerprint& fingerprint);
// The same as events write it: 16 lower-case hex digits; "" for 0.
// TemplateIdDigits is that text without an allocation (one per record).
struct TemplateIdDigits {
    char text[16];
    uint8_t length = 0;
    std::string_view view() const { return {text, length}; }
};
TemplateIdDigits template_id_digits(uint64_t id);
std::string template_id_text(uint64_t id);
std::string template_id(const HeaderFingerprint& fingerprint);

}  // namespace sipscope::fingerprint
