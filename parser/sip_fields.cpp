// Field helpers. Every function bounds its reads by the view it was given.
#include "sip_fields.hpp"

#include "byte_masks.hpp"

#include <charconv>
#include <cstring>

namespace sipscope::parser {

namespace {

inline char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

bool equals_ignoring_case(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (lower(a[i]) != lower(b[i])) return false;
    return true;
}

// RFC 3986 scheme characters (parse_uri checks the same).
inline bool is_scheme_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.';
}

bool parse_port(std::string_view text, uint16_t& port) {
    unsigned value = 0;
    if (text.empty() || text.size() > 5) return false;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size() || value > 65535) return false;
    port = static_cast<uint16_t>(value);
    return true;
}

// Splits "host:port" / "[v6]:port" into host and port.
void split_host_port(std::string_view text, std::string_view& host, uint16_t& port, bool& port_present) {
    port = 0;
    port_present = false;
    if (!text.empty() && text.front() == '[') {
        std::size_t close = text.find(']');
        if (close == std::string_view::npos) {
            host = text;
            return;
        }
        host = text.substr(0, close + 1);
        if (close + 1 < text.size() && text[close + 1] == ':') port_present = parse_port(text.substr(close + 2), port);
        return;
    }
    std::size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) {
        host = text;
        return;
    }
    host = text.substr(0, colon);
    port_present = parse_port(text.substr(colon + 1), port);
}

}  // namespace

SipUri parse_uri(std::string_view text) {
    SipUri uri;
    text = trim_spaces(text);
    std::size_t colon = text.find(':');
    if (colon == std::string_view::npos || colon == 0) return uri;
    uri.scheme = text.substr(0, colon);
    for (char c : uri.scheme) {
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.'))
            return SipUri{};
    }
    std::string_view rest = text.substr(colon + 1);
    std::size_t headers = rest.find('?');
    if (headers != std::string_view::npos) rest = rest.substr(0, headers);
    std::size_t at = rest.rfind('@');
    std::size_t semicolon = rest.find(';', at == std::string_view::npos ? 0 : at);
    std::string_view address = rest.substr(0, semicolon);
    if (semicolon != std::string_view::npos) uri.parameters = rest.substr(semicolon + 1);
    if (equals_ignoring_case(uri.scheme, "tel")) {
        uri.user = address;  // the number
        uri.valid = !address.empty();
        return uri;
    }
    std::string_view host_port = address;
    if (at != std::string_view::npos && at < address.size()) {
        std::string_view user_info = address.substr(0, at);
        uri.user = user_info.substr(0, user_info.find(':'));
        host_port = address.substr(at + 1);
    }
    split_host_port(host_port, uri.host, uri.port, uri.port_present);
    uri.valid = !uri.host.empty();
    return uri;
}

namespace {

// Where '@', ';', ':' and '?' are in the first 64 bytes of a text (bit i:
// byte i; nothing at or past `size`).
struct UriMarks {
    uint64_t at = 0, semicolon = 0, colon = 0, question = 0;
};

UriMarks uri_marks(const char* bytes, std::size_t size) {
    auto masks = byte_masks<4>(bytes, size < 64 ? size : 64, {'@', ';', ':', '?'});
    return {masks[0], masks[1], masks[2], masks[3]};
}

// Bits above position `at` (none when at ≥ 63).
inline uint64_t bits_above(std::size_t at) { return at >= 63 ? 0 : ~uint64_t{0} << (at + 1); }
inline std::size_t lowest(uint64_t mask, std::size_t none) { return mask ? static_cast<std::size_t>(__builtin_ctzll(mask)) : none; }

// uri_user for texts past 64 bytes (rare: long parameters), byte by byte.
std::string_view long_uri_user(std::string_view text, std::size_t colon) {
    constexpr std::size_t kNone = std::string_view::npos;
    const char* bytes = text.data();
    std::size_t last_at = kNone, semicolon = kNone, first_colon = kNone;
    std::size_t end = colon + 1;
    for (; end < text.size() && bytes[end] != '?'; ++end) {
        char c = bytes[end];
        if (c == '@') {
            last_at = end;
            semicolon = kNone;  // a ';' before the last '@' belongs to the user
        } else if (c == ';' && semicolon == kNone) {
            semicolon = end;
        } else if (c == ':' && first_colon == kNone) {
            first_colon = end;
        }
    }
    std::size_t start = colon + 1;
    if (colon == 3 && equals_ignoring_case(text.substr(0, 3), "tel"))
        return text.substr(start, (semicolon != kNone ? semicolon : end) - start);
    if (last_at == kNone) return {};
    return text.substr(start, (first_colon != kNone && first_colon < last_at ? first_colon : last_at) - start);
}

}  // namespace

std::string_view uri_user(std::string_view text) {
    // parse_uri's reading of the user, without the host and port (every
    // request of a source with detail reads it): the scheme, then up to
    // '?' the last '@', the first ';' after it (or after the scheme,
    // without one) and the first ':' — found with SIMD compares at once
    // for URIs of up to 64 bytes.
    text = trim_spaces(text);
    const char* bytes = text.data();
    const std::size_t size = text.size();
    std::size_t colon = 0;
    while (colon < size && is_scheme_char(bytes[colon])) ++colon;
    if (colon == 0 || colon == size || bytes[colon] != ':') return {};
    if (size > 64) return long_uri_user(text, colon);
    UriMarks marks = uri_marks(bytes, size);
    const uint64_t after_scheme = bits_above(colon);
    const std::size_t end = lowest(marks.question & after_scheme, size);
    const uint64_t before_end = end >= 64 ? ~uint64_t{0} : (uint64_t{1} << end) - 1;
    const uint64_t ats = marks.at & after_scheme & before_end;
    const std::size_t last_at = ats ? 63 - static_cast<std::size_t>(__builtin_clzll(ats)) : std::string_view::npos;
    const std::size_t start = colon + 1;
    if (colon == 3 && equals_ignoring_case(text.substr(0, 3), "tel")) {
        uint64_t semicolons = marks.semicolon & before_end & (ats ? bits_above(last_at) : after_scheme);
        return text.substr(start, lowest(semicolons, end) - start);
    }
    if (!ats) return {};
    std::size_t first_colon = lowest(marks.colon & after_scheme, size);
    return text.substr(start, (first_colon < last_at ? first_colon : last_at) - start);
}

std::string_view first_sip_user(std::string_view value) {
    // One SIMD pass per 64-byte block (a From is usually one) finds the
    // colons and the bytes that end a user: the first ':' with "sip" before
    // it starts the user, the first '@', '>' or ';' after it ends or
    // refuses it. A memchr call and a byte loop before.
    const char* bytes = value.data();
    const std::size_t size = value.size();
    std::size_t user_start = 0;  // past the scheme's colon, once found
    for (std::size_t block = 0; block < size; block += 64) {
        auto masks = byte_masks<4>(bytes + block, size - block, {':', '@', '>', ';'});
        uint64_t ends = masks[1] | masks[2] | masks[3];
        if (user_start == 0) {
            uint64_t colons = masks[0];
            if (block == 0) colons &= ~uint64_t{7};  // "sip" needs three bytes before
            for (; colons != 0; colons &= colons - 1) {
                std::size_t colon = block + static_cast<std::size_t>(__builtin_ctzll(colons));
                if (bytes[colon - 3] == 's' && bytes[colon - 2] == 'i' && bytes[colon - 1] == 'p') {
                    user_start = colon + 1;
                    break;
                }
            }
            if (user_start == 0) continue;
            std::size_t shift = user_start - block;  // 1..64
            ends = shift >= 64 ? 0 : ends >> shift << shift;
        }
        if (ends == 0) continue;
        std::size_t end = block + static_cast<std::size_t>(__builtin_ctzll(ends));
        if (bytes[end] != '@') return {};
        return value.substr(user_start, end - user_start);
    }
    return {};
}

NameAddress parse_name_address(std::string_view value) {
    NameAddress result;
    value = trim_spaces(value);
    std::string_view rest = value;
    if (!rest.empty() && rest.front() == '"') {
        std::size_t i = 1;
        while (i < rest.size() && rest[i] != '"') i += (rest[i] == '\\' && i + 1 < rest.size()) ? 2 : 1;
        result.display_name = rest.substr(1, (i < rest.size() ? i : rest.size()) - 1);
        result.display_name_quoted = true;
        rest = i < rest.size() ? rest.substr(i + 1) : std::string_view{};
    }
    std::size_t open = rest.find('<');
    if (open != std::string_view::npos) {
        if (!result.display_name_quoted) result.display_name = trim_spaces(rest.substr(0, open));
        std::size_t close = rest.find('>', open);
        if (close == std::string_view::npos) {
            result.uri = rest.substr(open + 1);
            return result;
        }
        result.uri = rest.substr(open + 1, close - open - 1);
        std::string_view after = trim_spaces(rest.substr(close + 1));
        std::size_t semicolon = after.find(';');
        if (semicolon != std::string_view::npos) result.parameters = after.substr(semicolon + 1);
        return result;
    }
    // addr-spec without <>: header parameters start at the first ';'.
    rest = trim_spaces(rest);
    std::size_t semicolon = rest.find(';');
    result.uri = trim_spaces(rest.substr(0, semicolon));
    if (semicolon != std::string_view::npos) result.parameters = rest.substr(semicolon + 1);
    return result;
}

bool find_parameter(std::string_view parameters, std::string_view name, std::string_view& value) {
    while (!parameters.empty()) {
        std::size_t end = parameters.find(';');
        std::string_view item = trim_spaces(parameters.substr(0, end));
        std::size_t equals = item.find('=');
        std::string_view key = trim_spaces(item.substr(0, equals));
        if (equals_ignoring_case(key, name)) {
            value = equals == std::string_view::npos ? std::string_view{} : trim_spaces(item.substr(equals + 1));
            return true;
        }
        if (end == std::string_view::npos) break;
        parameters.remove_prefix(end + 1);
    }
    return false;
}

std::string_view parameter_value(std::string_view parameters, std::string_view name) {
    std::string_view value;
    return find_parameter(parameters, name, value) ? value : std::string_view{};
}

ViaFields parse_via(std::string_view value) {
    ViaFields via;
    // The first of possibly several comma-separated vias.
    std::string_view first;
    for_each_comma_value(value, [&first](std::string_view part) {
        if (first.empty()) first = part;
    });
    first = trim_spaces(first);
    std::size_t space = first.find_first_of(" \t");
    if (space == std::string_view::npos) return via;
    via.protocol = first.substr(0, space);
    std::size_t slash = via.protocol.rfind('/');
    if (slash != std::string_view::npos) via.transport = via.protocol.substr(slash + 1);
    std::string_view rest = trim_spaces(first.substr(space + 1));
    std::size_t semicolon = rest.find(';');
    std::string_view sent_by = trim_spaces(rest.substr(0, semicolon));
    bool port_present = false;
    split_host_port(sent_by, via.sent_by_host, via.sent_by_port, port_present);
    if (semicolon != std::string_view::npos) {
        via.parameters = rest.substr(semicolon + 1);
        via.branch = parameter_value(via.parameters, "branch");
    }
    via.valid = via.protocol.starts_with("SIP/") && !via.sent_by_host.empty();
    return via;
}

CSeqFields parse_cseq(std::string_view value) {
    CSeqFields cseq;
    value = trim_spaces(value);
    std::size_t space = value.find_first_of(" \t");
    if (space == std::string_view::npos) return cseq;
    std::string_view number = value.substr(0, space);
    auto [end, error] = std::from_chars(number.data(), number.data() + number.size(), cseq.number);
    cseq.method = trim_spaces(value.substr(space + 1));
    cseq.valid = error == std::errc() && end == number.data() + number.size() && !cseq.method.empty();
    return cseq;
}

std::string_view digest_username(std::string_view value) {
    value = trim_spaces(value);
    if (value.size() < 7 || !equals_ignoring_case(value.substr(0, 6), "digest") || (value[6] != ' ' && value[6] != '\t'))
        return {};
    std::string_view found;
    for_each_comma_value(value.substr(7), [&found](std::string_view part) {
        std::size_t equals = part.find('=');
        if (!found.empty() || equals == std::string_view::npos) return;
        if (!equals_ignoring_case(trim_spaces(part.substr(0, equals)), "username")) return;
        std::string_view raw = trim_spaces(part.substr(equals + 1));
        if (raw.size() >= 2 && raw.front() == '"' && raw.back() == '"') raw = raw.substr(1, raw.size() - 2);
        found = raw;
    });
    return found;
}

}  // namespace sipscope::parser
