// Cheap field helpers over header values returned by the SIP parser: URIs,
// name-addr (display name, URI, tag), Via, CSeq, digest usernames,
// comma-separated values, and SDP body lines. All return views into the
// value they were given; none allocates. Worker lcore, per message, only
// for the headers a caller asks about.
#pragma once

#include <cstdint>
#include <string_view>

namespace sipscope::parser {

// sip:user:password@host:port;params?headers (RFC 3261 19.1), tel: and others.
struct SipUri {
    std::string_view scheme;      // "sip", "sips", "tel", … (empty if none)
    std::string_view user;        // before '@' (without password)
    std::string_view host;        // IPv6 references keep their brackets
    uint16_t port = 0;            // 0 when absent or invalid
    bool port_present = false;
    std::string_view parameters;  // after the first ';' (without it), up to '?'
    bool valid = false;           // has a scheme and a host (or a tel number)
};
SipUri parse_uri(std::string_view text);
// parse_uri(text).user, without reading host and port (per-request hot path).
std::string_view uri_user(std::string_view text);
// The user of the first "sip:" URI in a header value, up to its '@' (""
// when a '>' or ';' comes first, or there is none): the caller a From
// claims, "5199362832664" in "<sip:5199362832664@1.2.3.4>;tag=…". Cheap:
// every request of a source with detail reads it.
std::string_view first_sip_user(std::string_view value);

// name-addr / addr-spec with header parameters: From, To, Contact, …
struct NameAddress {
    std::string_view display_name;  // unquoted content; empty if none
    bool display_name_quoted = false;
    std::string_view uri;           // inside <…>, or the bare addr-spec
    std::string_view parameters;    // header parameters after the URI (no leading ';')
};
NameAddress parse_name_address(std::string_view value);

// Value of parameter `name` in "a=1;b;tag=x" (case-insensitive names).
// Returns true if present; `value` is empty for a flag parameter.
bool find_parameter(std::string_view parameters, std::string_view name, std::string_view& value);
std::string_view parameter_value(std::string_view parameters, std::string_view name);

// The first value of a Via header: SIP/2.0/UDP host:port;branch=…
struct ViaFields {
    std::string_view protocol;    // "SIP/2.0/UDP"
    std::string_view transport;   // "UDP"
    std::string_view sent_by_host;
    uint16_t sent_by_port = 0;
    std::string_view branch;
    std::string_view parameters;
    bool valid = false;
};
ViaFields parse_via(std::string_view value);

struct CSeqFields {
    uint32_t number = 0;
    std::string_view method;
    bool valid = false;
};
CSeqFields parse_cseq(std::string_view value);

// username="…" of a Digest Authorization/Proxy-Authorization value;
// empty if not digest or no username.
std::string_view digest_username(std::string_view value);

// Calls visit(part) for each comma-separated part of a header value,
// ignoring commas inside quotes and <…>. Parts are trimmed; empty parts
// are skipped. Returns the number of parts.
template <class Visit>
unsigned for_each_comma_value(std::string_view value, Visit&& visit);

// Calls visit(key, value) for each SDP line "k=value" of `body` (RFC 8866):
// key is the single type letter. Lines not of that shape are skipped.
template <class Visit>
unsigned for_each_sdp_line(std::string_view body, Visit&& visit);

// ---- templates

inline std::string_view trim_spaces(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t' || text.front() == '\r' || text.front() == '\n'))
        text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r' || text.back() == '\n'))
        text.remove_suffix(1);
    return text;
}

template <class Visit>
unsigned for_each_comma_value(std::string_view value, Visit&& visit) {
    unsigned parts = 0;
    bool in_quotes = false;
    int angle_depth = 0;
    std::size_t start = 0;
    for (std::size_t i = 0; i <= value.size(); ++i) {
        char c = i < value.size() ? value[i] : ',';
        if (in_quotes) {
            if (c == '\\' && i + 1 < value.size()) ++i;
            else if (c == '"') in_quotes = false;
            if (i < value.size()) continue;
        }
        if (c == '"') in_quotes = true;
        else if (c == '<') ++angle_depth;
        else if (c == '>' && angle_depth > 0) --angle_depth;
        else if (c == ',' && (angle_depth == 0 || i == value.size())) {
            std::string_view part = trim_spaces(value.substr(start, i - start));
            if (!part.empty()) {
                visit(part);
                ++parts;
            }
            start = i + 1;
        }
    }
    return parts;
}

template <class Visit>
unsigned for_each_sdp_line(std::string_view body, Visit&& visit) {
    unsigned lines = 0;
    while (!body.empty()) {
        std::size_t end = body.find('\n');
        std::string_view line = body.substr(0, end);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.size() >= 2 && line[1] == '=' && ((line[0] >= 'a' && line[0] <= 'z') || (line[0] >= 'A' && line[0] <= 'Z'))) {
            visit(line[0], line.substr(2));
            ++lines;
        }
        if (end == std::string_view::npos) break;
        body.remove_prefix(end + 1);
    }
    return lines;
}

}  // namespace sipscope::parser
