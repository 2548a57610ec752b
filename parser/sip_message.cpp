// SIP message parser. Lines end at LF (CR before it is optional: bare LF is
// flagged, not rejected). The start line decides whether the payload is SIP;
// everything after it only sets violation flags.
#include "sip_message.hpp"

#include "delimiter_index.hpp"

#include <algorithm>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace sipscope::parser {
namespace {

struct NamedHeader {
    std::string_view name;  // lower case
    HeaderId id;
};

// Long and compact names. Compact forms: RFC 3261 7.3.3 and 20, RFC 3265
// (o, u), RFC 3515 (r), RFC 3892 (b), RFC 4028 (x), RFC 8224 (y).
constexpr NamedHeader kKnownHeaders[] = {
    {"via", HeaderId::via}, {"v", HeaderId::via},
    {"from", HeaderId::from}, {"f", HeaderId::from},
    {"to", HeaderId::to}, {"t", HeaderId::to},
    {"call-id", HeaderId::call_id}, {"i", HeaderId::call_id},
    {"cseq", HeaderId::cseq},
    {"contact", HeaderId::contact}, {"m", HeaderId::contact},
    {"max-forwards", HeaderId::max_forwards},
    {"content-length", HeaderId::content_length}, {"l", HeaderId::content_length},
    {"content-type", HeaderId::content_type}, {"c", HeaderId::content_type},
    {"user-agent", HeaderId::user_agent},
    {"server", HeaderId::server},
    {"authorization", HeaderId::authorization},
    {"proxy-authorization", HeaderId::proxy_authorization},
    {"www-authenticate", HeaderId::www_authenticate},
    {"proxy-authenticate", HeaderId::proxy_authenticate},
    {"supported", HeaderId::supported}, {"k", HeaderId::supported},
    {"require", HeaderId::require},
    {"accept", HeaderId::accept},
    {"allow", HeaderId::allow},
    {"expires", HeaderId::expires},
    {"date", HeaderId::date},
    {"subject", HeaderId::subject}, {"s", HeaderId::subject},
    {"content-encoding", HeaderId::content_encoding}, {"e", HeaderId::content_encoding},
    {"event", HeaderId::event}, {"o", HeaderId::event},
    {"allow-events", HeaderId::allow_events}, {"u", HeaderId::allow_events},
    {"refer-to", HeaderId::refer_to}, {"r", HeaderId::refer_to},
    {"referred-by", HeaderId::referred_by}, {"b", HeaderId::referred_by},
    {"session-expires", HeaderId::session_expires}, {"x", HeaderId::session_expires},
    {"identity", HeaderId::identity}, {"y", HeaderId::identity},
    {"record-route", HeaderId::record_route},
    {"route", HeaderId::route},
    {"organization", HeaderId::organization},
    {"x-nat", HeaderId::x_nat},
    {"x-serialnumber", HeaderId::x_serialnumber},
};

// Other registered header names (IANA SIP parameters) that are not
// violations even though the sensor does not look at them by id.
constexpr std::string_view kOtherRegisteredHeaders[] = {
    "accept-contact", "accept-encoding", "accept-language", "alert-info", "authentication-info",
    "call-info", "content-disposition", "content-language", "error-info", "in-reply-to",
    "mime-version", "min-expires", "min-se", "p-asserted-identity", "p-preferred-identity",
    "priority", "privacy", "rack", "reason", "reject-contact", "reply-to", "request-disposition",
    "retry-after", "rseq", "security-client", "security-server", "security-verify",
    "sip-etag", "sip-if-match", "subscription-state", "timestamp", "unsupported", "warning",
    "path", "service-route", "history-info", "diversion", "remote-party-id", "p-asserted-service",
    "p-charging-vector", "p-access-network-info", "p-called-party-id", "p-visited-network-id",
    "replaces", "join", "target-dialog", "geolocation", "feature-caps", "recv-info", "info-package",
    "a", "d", "j",  // accept-contact, request-disposition, reject-contact (RFC 3841)
};

inline char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

inline bool is_space(char c) { return c == ' ' || c == '\t'; }

// Known and registered header names in a compile-time perfect hash: a
// name's first 16 bytes, letters folded, as two words, with its length,
// hash to one tag; the tag names the only entry that can hold it. A lookup
// is one multiply, two loads and one compare, with no probing: the
// scanners' traffic mixes many header sets, and the open-addressing
// table's probe loop and per-probe compares cost ~40 % of a parse.
// The multiplier is searched for at compile time (static_assert: found),
// so a name added to the lists above needs nothing else. Names are at
// most 32 bytes; bytes 16–31 are compared on their own (few names are
// that long).
constexpr std::size_t kMaxHeaderName = 32;
constexpr std::size_t kNameTagBits = 11;

struct NameEntry {
    uint64_t first = 0, second = 0;  // bytes 0–15, lower case, zero past the name
    uint8_t length = 0;              // 0: the empty entry (tag 0)
    HeaderId id = HeaderId::unknown;  // unknown: a registered name the sensor does not look at
    char rest[kMaxHeaderName - 16] = {};  // bytes 16–31
};

constexpr std::size_t kNameEntries = 1 + std::size(kKnownHeaders) + std::size(kOtherRegisteredHeaders);

struct NameTable {
    uint64_t multiplier = 0;
    uint8_t tags[std::size_t{1} << kNameTagBits] = {};  // entry index, 0: none
    NameEntry entries[kNameEntries] = {};
};

constexpr uint64_t name_word(std::string_view name, std::size_t offset) {
    uint64_t word = 0;
    for (std::size_t i = offset; i < name.size() && i < offset + 8; ++i)
        word |= static_cast<uint64_t>(static_cast<unsigned char>(name[i])) << (8 * (i - offset));
    return word;
}

constexpr std::size_t name_tag(uint64_t first, uint64_t second, std::size_t length, uint64_t multiplier) {
    uint64_t mixed = (first ^ (second * 0x9e3779b97f4a7c15ULL) ^ length) * multiplier;
    return static_cast<std::size_t>(mixed >> (64 - kNameTagBits));
}

constexpr NameTable build_name_table() {
    NameTable table;
    std::size_t count = 1;
    auto add = [&](std::string_view name, HeaderId id) {
        NameEntry& entry = table.entries[count++];
        entry.first = name_word(name, 0);
        entry.second = name_word(name, 8);
        entry.length = static_cast<uint8_t>(name.size());
        entry.id = id;
        for (std::size_t i = 16; i < name.size(); ++i) entry.rest[i - 16] = name[i];
    };
    for (const auto& known : kKnownHeaders) add(known.name, known.id);
    for (auto registered : kOtherRegisteredHeaders) add(registered, HeaderId::unknown);
    // Multipliers from a splitmix64 sequence until one gives every name its
    // own tag (about 1 in 20 does with 2,048 tags).
    uint64_t state = 0x5170'5c09'e000'0001ULL;
    for (int attempt = 0; attempt < 4096; ++attempt) {
        state += 0x9e3779b97f4a7c15ULL;
        uint64_t z = state;
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        uint64_t multiplier = (z ^ (z >> 31)) | 1;
        for (auto& tag : table.tags) tag = 0;
        bool distinct = true;
        for (std::size_t index = 1; index < count && distinct; ++index) {
            const NameEntry& entry = table.entries[index];
            uint8_t& tag = table.tags[name_tag(entry.first, entry.second, entry.length, multiplier)];
            distinct = tag == 0;
            tag = static_cast<uint8_t>(index);
        }
        if (distinct) {
            table.multiplier = multiplier;
            return table;
        }
    }
    return table;  // multiplier 0: the static_assert below fails the build
}
static_assert(kNameEntries <= 256, "tags are one byte");
constexpr NameTable kNameTable = build_name_table();
static_assert(kNameTable.multiplier != 0, "no perfect hash found for the header names: raise kNameTagBits");

// A header name's first 16 bytes, cut to its length (zeros past it), with
// A–Z folded to lower case, as two little-endian words: what the name
// table's entries hold. Only letters are folded, so no other byte can turn
// into a table byte ([a-z0-9-]); a NUL or control byte inside the name stays
// as it is and matches nothing.
struct FoldedName {
    uint64_t first, second;
};

#if defined(__SSE2__)
// 16 bytes of 0xff then 16 of zero: 16 bytes read from `16 - n` keep n.
alignas(32) constexpr char kKeepFirst[32] = {-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1};

// One 16-byte load, a mask and two compares (a name's bytes one word at a
// time, with the masks and the control-byte test that OR-folding needed,
// were ~70 instructions a header).
[[gnu::always_inline]] inline FoldedName fold_name(const char* at, std::size_t length, const char* readable_end) {
    __m128i bytes;
    const std::size_t kept = length < 16 ? length : 16;
    if (at + 16 <= readable_end) [[likely]] {
        bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(at));
    } else {
        alignas(16) char padded[16] = {};
        std::memcpy(padded, at, kept);
        bytes = _mm_load_si128(reinterpret_cast<const __m128i*>(padded));
    }
    bytes = _mm_and_si128(bytes, _mm_loadu_si128(reinterpret_cast<const __m128i*>(kKeepFirst + 16 - kept)));
    // Signed compares: bytes from 0x80 on are negative, never letters.
    const __m128i upper = _mm_and_si128(_mm_cmpgt_epi8(bytes, _mm_set1_epi8('A' - 1)), _mm_cmplt_epi8(bytes, _mm_set1_epi8('Z' + 1)));
    bytes = _mm_or_si128(bytes, _mm_and_si128(upper, _mm_set1_epi8(0x20)));
    return {static_cast<uint64_t>(_mm_cvtsi128_si64(bytes)), static_cast<uint64_t>(_mm_cvtsi128_si64(_mm_unpackhi_epi64(bytes, bytes)))};
}
#else
// Loads the `count` (≤ 8) bytes at `text` little-endian, letters folded,
// reading no further.
inline uint64_t load_folded_word(const char* text, std::size_t count) {
    uint64_t word = 0;
    for (std::size_t i = 0; i < count; ++i) word |= static_cast<uint64_t>(static_cast<unsigned char>(lower(text[i]))) << (8 * i);
    return word;
}

inline FoldedName fold_name(const char* at, std::size_t length, const char*) {
    return {load_folded_word(at, std::min<std::size_t>(length, 8)),
            length > 8 ? load_folded_word(at + 8, std::min<std::size_t>(length - 8, 8)) : 0};
}
#endif

// Optimal-string-alignment distance (edits and adjacent transpositions) of
// `a` (any case) and `b` (lower case) is at most `limit`. Only for unknown
// header names, which benign stacks rarely send.
bool edit_distance_at_most(std::string_view a, std::string_view b, unsigned limit) {
    constexpr std::size_t kMax = 33;
    if (a.size() >= kMax || b.size() >= kMax) return false;
    unsigned previous2[kMax], previous[kMax], current[kMax];
    for (std::size_t j = 0; j <= b.size(); ++j) previous[j] = static_cast<unsigned>(j);
    for (std::size_t i = 1; i <= a.size(); ++i) {
        current[0] = static_cast<unsigned>(i);
        unsigned row_minimum = current[0];
        for (std::size_t j = 1; j <= b.size(); ++j) {
            unsigned cost = lower(a[i - 1]) == b[j - 1] ? 0 : 1;
            unsigned best = std::min({previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost});
            if (i > 1 && j > 1 && lower(a[i - 1]) == b[j - 2] && lower(a[i - 2]) == b[j - 1])
                best = std::min(best, previous2[j - 2] + 1);
            current[j] = best;
            row_minimum = std::min(row_minimum, best);
        }
        if (row_minimum > limit) return false;
        std::copy(previous, previous + b.size() + 1, previous2);
        std::copy(current, current + b.size() + 1, previous);
    }
    return previous[b.size()] <= limit && previous[b.size()] > 0;
}

std::string_view trim(std::string_view text) {
    while (!text.empty() && (is_space(text.front()) || text.front() == '\r')) text.remove_prefix(1);
    while (!text.empty() && (is_space(text.back()) || text.back() == '\r' || text.back() == '\n'))
        text.remove_suffix(1);
    return text;
}

// Header names rarely carry white space ("Name : value" is legal), and
// never before the name: a line that starts with white space continues the
// previous header (unfold) and is never split at a colon. Values usually
// start with one space. The line end (CR, LF) is already excluded.
inline std::string_view trim_name(std::string_view name) {
    while (!name.empty() && is_space(name.back())) name.remove_suffix(1);
    return name;
}
inline std::string_view trim_value(const char* start, const char* end) {
    while (start < end && is_space(*start)) ++start;
    while (end > start && (is_space(end[-1]) || end[-1] == '\r')) --end;
    return {start, static_cast<std::size_t>(end - start)};
}

// A Call-ID is 20–60 bytes: one SIMD block for both characters (two libc
// memchr calls before, each through the PLT).
inline bool has_white_space(std::string_view text) {
    for (std::size_t offset = 0; offset < text.size(); offset += 64) {
        auto masks = byte_masks<2>(text.data() + offset, text.size() - offset, {' ', '\t'});
        if ((masks[0] | masks[1]) != 0) return true;
    }
    return false;
}

// RFC 3261 token characters, as a table: strchr on the punctuation cost a
// libc call per byte and took NUL for a token character (it finds the
// string's terminator).
constexpr std::array<bool, 256> kTokenChars = [] {
    std::array<bool, 256> table{};
    for (unsigned c = 0; c < 256; ++c)
        table[c] = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    for (char c : std::string_view("-.!%*_+`'~")) table[static_cast<unsigned char>(c)] = true;
    return table;
}();

inline bool is_token_char(char c) { return kTokenChars[static_cast<unsigned char>(c)]; }

// 1*DIGIT (RFC 3261's Content-Length, CSeq number, Max-Forwards), at most
// 18 digits so that it fits; a sign is no digit ("-0" was taken as 0).
bool parse_unsigned(std::string_view text, int64_t& value) {
    if (text.empty() || text.size() > 18) return false;
    int64_t number = 0;
    for (char c : text) {
        unsigned digit = static_cast<unsigned>(c - '0');
        if (digit > 9) return false;
        number = number * 10 + digit;
    }
    value = number;
    return true;
}

constexpr std::string_view kSipVersion = "SIP/2.0";
constexpr std::size_t kMaxMethodLength = 32;

}  // namespace

SipMethod method_from_token(std::string_view token) {
    for (std::size_t i = 0; i + 1 < kSipMethodCount; ++i) {
        if (token == kSipMethodLabels[i]) return static_cast<SipMethod>(i);
    }
    return SipMethod::other;
}

namespace {
// Long names by id, built at compile time (the fingerprint asks per header).
constexpr std::array<std::string_view, kHeaderIdCount> build_canonical_names() {
    std::array<std::string_view, kHeaderIdCount> names{};
    for (const auto& known : kKnownHeaders) {
        auto& name = names[static_cast<std::size_t>(known.id)];
        if (known.name.size() > name.size()) name = known.name;
    }
    return names;
}
}  // namespace

// Constant-initialised (no start-up order to mind); unknown's name is "".
constinit const std::array<std::string_view, kHeaderIdCount> kCanonicalHeaderNames = build_canonical_names();
static_assert(build_canonical_names()[static_cast<std::size_t>(HeaderId::unknown)].empty());

namespace {
struct HeaderLookup {
    HeaderId id = HeaderId::unknown;
    bool registered = false;  // a known or registered name (or private use, X-)
};

// Bytes 16 and on of a long name against its entry's (known names hold
// only [a-z0-9-], so folding A–Z is the whole case rule).
bool long_name_rest_matches(std::string_view name, const NameEntry& entry) {
    for (std::size_t i = 16; i < name.size(); ++i)
        if (lower(name[i]) != entry.rest[i - 16]) return false;
    return true;
}

// `readable_end` bounds the bytes that may be read after `name` (the end of
// the payload): one whole 16-byte load where it stays inside it.
[[gnu::always_inline]] inline HeaderLookup identify_header(std::string_view name, const char* readable_end) {
    const std::size_t length = name.size();
    if (length == 0 || length > kMaxHeaderName) return {};
    const FoldedName folded = fold_name(name.data(), length, readable_end);
    const NameEntry& entry =
        kNameTable.entries[kNameTable.tags[name_tag(folded.first, folded.second, length, kNameTable.multiplier)]];
    if (entry.length == length && entry.first == folded.first && entry.second == folded.second &&
        (length <= 16 || long_name_rest_matches(name, entry)))
        return {entry.id, true};
    bool private_use = length > 2 && lower(name[0]) == 'x' && name[1] == '-';
    return {HeaderId::unknown, private_use};
}

// Misspelling checks cost an edit distance against every registered name
// of similar length; a scanner repeats the same odd name in every packet.
// So the answers are remembered per thread (each worker lcore has its
// own), in a small direct-mapped cache keyed by the lower-cased name.
bool is_misspelt_header_name_remembered(std::string_view name) {
    struct Remembered {
        uint8_t length = 0;  // 0: empty slot
        bool misspelt = false;
        char name[32];
    };
    constexpr std::size_t kSlots = 64;
    thread_local Remembered cache[kSlots];
    if (name.empty() || name.size() > 32) return is_misspelt_header_name(name);
    char folded[32];
    uint64_t hash = 1469598103934665603ULL;  // FNV-1a over the folded name
    for (std::size_t i = 0; i < name.size(); ++i) {
        folded[i] = lower(name[i]);
        hash = (hash ^ static_cast<unsigned char>(folded[i])) * 1099511628211ULL;
    }
    Remembered& slot = cache[(hash ^ (hash >> 29)) & (kSlots - 1)];
    if (slot.length == name.size() && std::memcmp(slot.name, folded, name.size()) == 0) return slot.misspelt;
    bool misspelt = is_misspelt_header_name(name);
    slot.length = static_cast<uint8_t>(name.size());
    slot.misspelt = misspelt;
    std::memcpy(slot.name, folded, name.size());
    return misspelt;
}
}  // namespace

bool is_misspelt_header_name(std::string_view name) {
    if (name.size() < 4 || name.size() > 32) return false;
    unsigned allowed = name.size() >= 10 ? 2 : 1;
    for (const auto& known : kKnownHeaders) {
        if (known.name.size() < 4) continue;
        std::size_t difference = known.name.size() > name.size() ? known.name.size() - name.size() : name.size() - known.name.size();
        if (difference > allowed) continue;
        if (edit_distance_at_most(name, known.name, allowed)) return true;
    }
    for (auto known : kOtherRegisteredHeaders) {
        if (known.size() < 4) continue;
        std::size_t difference = known.size() > name.size() ? known.size() - name.size() : name.size() - known.size();
        if (difference > allowed) continue;
        if (edit_distance_at_most(name, known, allowed)) return true;
    }
    return false;
}

namespace {

// What the start line said: a request or a response and its parts, or the
// outcome that ends parsing (not SIP, truncated, malformed).
struct StartLine {
    SipOutcome outcome = SipOutcome::not_sip;
    std::size_t method_length = 0;  // requests: the method token's length
    std::size_t end = 0;            // offset of its line end (or the payload size)
    bool has_line_end = false;
    bool bare_lf = false;
    uint16_t status_code = 0;
    std::string_view reason_phrase, request_uri;
};

// The method token of a request, or 0 when the payload cannot start one.
// Most non-SIP payloads (DNS, TLS, QUIC) fail on the first byte.
[[gnu::always_inline]] inline std::size_t method_token_length(const char* begin, std::size_t size) {
    if (!(begin[0] >= 'A' && begin[0] <= 'Z')) return 0;
    std::size_t length = 0;
    while (length < size && length <= kMaxMethodLength && is_token_char(begin[length])) ++length;
    if (length == size || length > kMaxMethodLength || begin[length] != ' ') return 0;
    return length;
}

// SIP/2.0 SP 3DIGIT SP Reason-Phrase
[[gnu::always_inline]] inline SipOutcome parse_status_line(std::string_view line, StartLine& start) {
    if (!start.has_line_end) return SipOutcome::truncated_start_line;
    if (line.size() < 11 || !(line[8] >= '1' && line[8] <= '6') || !(line[9] >= '0' && line[9] <= '9') ||
        !(line[10] >= '0' && line[10] <= '9') || (line.size() > 11 && line[11] != ' ')) {
        return SipOutcome::malformed_status_line;
    }
    start.status_code = static_cast<uint16_t>((line[8] - '0') * 100 + (line[9] - '0') * 10 + (line[10] - '0'));
    start.reason_phrase = line.size() > 12 ? line.substr(12) : std::string_view{};
    return SipOutcome::response;
}

// Method SP Request-URI SP SIP-Version
[[gnu::always_inline]] inline SipOutcome parse_request_line(std::string_view line, StartLine& start) {
    std::string_view rest = line.substr(start.method_length + 1);
    auto last_space = rest.rfind(' ');
    // A compare of known length (inlined): string_view's == called memcmp.
    bool version_ok = last_space != std::string_view::npos && rest.size() - last_space - 1 == kSipVersion.size() &&
                      std::memcmp(rest.data() + last_space + 1, kSipVersion.data(), kSipVersion.size()) == 0;
    if (!version_ok) {
        // Without a line end the start line may just be cut short (a first
        // fragment, a snap length): say so separately.
        if (!start.has_line_end && kSipVersion.starts_with(rest.substr(last_space + 1))) return SipOutcome::truncated_start_line;
        if (!start.has_line_end) return SipOutcome::not_sip;
        // A method token followed by a URI scheme is SIP-shaped enough to
        // call malformed rather than not SIP.
        if (rest.starts_with("sip:") || rest.starts_with("sips:") || rest.starts_with("tel:"))
            return SipOutcome::malformed_request_line;
        return SipOutcome::not_sip;
    }
    start.request_uri = trim(rest.substr(0, last_space));
    return SipOutcome::request;
}

// The start line decides whether this is SIP, before any set-up: HTTP and
// other text protocols also start with an upper-case token.
[[gnu::always_inline]] inline StartLine parse_start_line(const char* begin, std::size_t size) {
    StartLine start;
    bool response = starts_as_sip_response({reinterpret_cast<const uint8_t*>(begin), size});
    if (!response && (start.method_length = method_token_length(begin, size)) == 0) return start;
    // Most start lines end inside the first 64 bytes: one SIMD compare.
    uint64_t newlines = byte_masks<1>(begin, size, {'\n'})[0];
    const char* newline_at = newlines != 0 ? begin + __builtin_ctzll(newlines)
                             : size > 64   ? static_cast<const char*>(std::memchr(begin + 64, '\n', size - 64))
                                           : nullptr;
    start.end = newline_at ? static_cast<std::size_t>(newline_at - begin) : size;
    start.has_line_end = newline_at != nullptr;
    std::string_view line(begin, start.end);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    else if (start.has_line_end) start.bare_lf = true;
    start.outcome = response ? parse_status_line(line, start) : parse_request_line(line, start);
    return start;
}

// Resets the message for a payload the start line says is SIP.
[[gnu::always_inline]] inline void begin_message(const char* begin, std::size_t size, const StartLine& start, SipMessage& message) {
    message.status_code = start.status_code;
    message.reason_phrase = start.reason_phrase;
    message.request_uri = start.request_uri;
    message.violations = start.bare_lf ? bit(SipViolation::bare_lf_line_end) : 0;
    message.body = {};
    message.text = std::string_view(begin, size);
    message.content_length = -1;
    message.first_index.fill(SipMessage::kAbsent);
    message.outcome = start.outcome;
    if (start.outcome == SipOutcome::response) {
        message.method = SipMethod::other;
        message.method_token = {};
    } else {
        message.method_token = std::string_view(begin, start.method_length);
        message.method = method_from_token(message.method_token);
    }
}

// The header array is full. A known header seen for the first time still
// gets a place: junk headers sent ahead of the real ones must not hide
// them (a scanner's User-Agent after 60 made-up headers still names it).
// It takes the place of the last header that adds nothing to what is
// looked up by name — an unknown one, or a repeat of a known one — and the
// order of the rest is kept. Returns whether there is room now.
[[gnu::noinline]] bool make_room_for_known_header(HeaderId id, SipMessage& message) {
    if (id == HeaderId::unknown || message.first_index[static_cast<std::size_t>(id)] != SipMessage::kAbsent) return false;
    std::size_t dropped = message.header_count;
    while (dropped > 0) {
        const SipHeader& candidate = message.headers[dropped - 1];
        if (candidate.id == HeaderId::unknown ||
            message.first_index[static_cast<std::size_t>(candidate.id)] != dropped - 1)
            break;
        --dropped;
    }
    if (dropped == 0) return false;
    --dropped;
    std::copy(message.headers.begin() + dropped + 1, message.headers.begin() + message.header_count,
              message.headers.begin() + dropped);
    --message.header_count;
    for (uint8_t& index : message.first_index) {
        if (index != SipMessage::kAbsent && index > dropped) --index;
    }
    return true;
}

// Names a header and records its first occurrence; an unregistered name is
// a violation (misspelt or unknown).
[[gnu::always_inline]] inline void identify(SipHeader& header, uint8_t position, HeaderLookup lookup, SipMessage& message) {
    header.id = lookup.id;
    if (!lookup.registered) {
        message.violations |= bit(is_misspelt_header_name_remembered(header.name) ? SipViolation::misspelt_header_name
                                                                                  : SipViolation::unknown_header_name);
    }
    auto& first = message.first_index[static_cast<std::size_t>(header.id)];
    if (first == SipMessage::kAbsent) first = position;
}

// Names the headers from `from` on. Run once the lines are split: each
// lookup is independent of the others, so the CPU overlaps them, where
// naming each header inside the line loop put its table loads on the
// loop's path (~10 cycles a header).
[[gnu::always_inline]] inline void identify_headers(const char* readable_end, std::size_t from, SipMessage& message) {
    for (std::size_t i = from; i < message.header_count; ++i) {
        SipHeader& header = message.headers[i];
        identify(header, static_cast<uint8_t>(i), identify_header(header.name, readable_end), message);
    }
}

// Adds one "Name: value" line (no colon, or too many: a violation), not
// yet named unless the array is full. Returns the header added, or nullptr.
// `named`: headers [0, named) have their id.
[[gnu::always_inline]] inline SipHeader* add_header(const char* begin, std::size_t size, std::size_t line_start, std::size_t line_end,
                      DelimiterIndex& index, std::size_t& named, SipMessage& message) {
    std::size_t colon = index.next_colon(line_start, line_end);
    if (colon == line_end) {
        message.violations |= bit(SipViolation::header_line_without_colon);
        return nullptr;
    }
    std::string_view name = trim_name(std::string_view(begin + line_start, colon - line_start));
    std::string_view value = trim_value(begin + colon + 1, begin + line_end);
    if (message.header_count == kMaxSipHeaders) {
        // Whether this header takes a place depends on every id so far.
        identify_headers(begin + size, named, message);
        message.violations |= bit(SipViolation::too_many_headers);
        HeaderLookup lookup = identify_header(name, begin + size);
        if (!make_room_for_known_header(lookup.id, message)) {
            named = message.header_count;
            return nullptr;
        }
        SipHeader& header = message.headers[message.header_count];
        header.name = name;
        header.value = value;
        identify(header, static_cast<uint8_t>(message.header_count), lookup, message);
        named = ++message.header_count;
        return &header;
    }
    SipHeader& header = message.headers[message.header_count++];
    header.name = name;
    header.value = value;
    return &header;
}

// Continuation of the previous header's value (RFC 3261 7.3.1).
[[gnu::noinline]] void unfold(const char* begin, std::size_t line_start, std::size_t line_end, SipHeader* current, SipMessage& message) {
    message.violations |= bit(SipViolation::folded_header);
    if (!current) return;
    std::string_view extra = trim(std::string_view(begin + line_start, line_end - line_start));
    if (extra.empty()) return;
    const char* value_begin = current->value.empty() ? extra.data() : current->value.data();
    current->value = std::string_view(value_begin, extra.data() + extra.size() - value_begin);
}

// Headers from `position` up to the blank line; returns where the body starts.
[[gnu::always_inline]] inline std::size_t parse_headers(const char* begin, std::size_t size, std::size_t position, SipMessage& message) {
    DelimiterIndex index(begin, size);
    bool terminated = false;
    SipHeader* current = nullptr;
    std::size_t named = 0;
    while (position < size) {
        std::size_t newline = index.next_newline(position);
        bool had_cr = newline > position && begin[newline - 1] == '\r';
        if (newline < size && !had_cr) message.violations |= bit(SipViolation::bare_lf_line_end);
        std::size_t line_end = newline - (had_cr ? 1 : 0);
        std::size_t line_start = position;
        position = newline < size ? newline + 1 : size;
        if (line_end == line_start) {
            terminated = newline < size;
            break;
        }
        if (is_space(begin[line_start])) unfold(begin, line_start, line_end, current, message);
        else current = add_header(begin, size, line_start, line_end, index, named, message);
    }
    identify_headers(begin + size, named, message);
    if (!terminated) message.violations |= bit(SipViolation::headers_not_terminated);
    return position;
}

[[gnu::always_inline]] inline void check_cseq(const SipHeader& cseq, SipMessage& message) {
    std::string_view value = cseq.value;
    std::size_t space = 0;
    while (space < value.size() && !is_space(value[space])) ++space;
    int64_t number = 0;
    if (space == value.size() || !parse_unsigned(value.substr(0, space), number)) {
        message.violations |= bit(SipViolation::bad_cseq);
    } else if (message.outcome == SipOutcome::request && trim(value.substr(space + 1)) != message.method_token) {
        message.violations |= bit(SipViolation::cseq_method_mismatch);
    }
}

// Header semantics that scanners get wrong.
[[gnu::always_inline]] inline void check_headers(SipMessage& message) {
    if (const SipHeader* length = message.find(HeaderId::content_length)) {
        if (!parse_unsigned(length->value, message.content_length)) {
            message.violations |= bit(SipViolation::bad_content_length);
            message.content_length = -1;
        } else if (static_cast<uint64_t>(message.content_length) != message.body.size()) {
            message.violations |= bit(SipViolation::content_length_mismatch);
        }
    }
    if (const SipHeader* call_id = message.find(HeaderId::call_id)) {
        if (has_white_space(call_id->value)) message.violations |= bit(SipViolation::space_in_call_id);
    }
    if (const SipHeader* cseq = message.find(HeaderId::cseq)) check_cseq(*cseq, message);
    if (message.outcome == SipOutcome::request) {
        if (const SipHeader* max_forwards = message.find(HeaderId::max_forwards)) {
            int64_t hops = 0;
            if (!parse_unsigned(max_forwards->value, hops) || hops > 255)
                message.violations |= bit(SipViolation::bad_max_forwards);
        } else {
            message.violations |= bit(SipViolation::missing_max_forwards);
        }
    }
    constexpr std::pair<HeaderId, SipViolation> kRequired[] = {
        {HeaderId::via, SipViolation::missing_via},         {HeaderId::from, SipViolation::missing_from},
        {HeaderId::to, SipViolation::missing_to},           {HeaderId::call_id, SipViolation::missing_call_id},
        {HeaderId::cseq, SipViolation::missing_cseq},
    };
    for (auto [header, violation] : kRequired)
        if (!message.find(header)) message.violations |= bit(violation);
}

}  // namespace

SipOutcome parse_sip_message(std::span<const uint8_t> payload, SipMessage& message) {
    // Only `outcome` is meaningful for payloads that are not SIP; the rest
    // is reset once the start line says this is SIP.
    message.header_count = 0;
    const char* const begin = reinterpret_cast<const char*>(payload.data());
    const std::size_t size = payload.size();
    if (size == 0) return message.outcome = SipOutcome::empty_payload;
    StartLine start = parse_start_line(begin, size);
    if (start.outcome != SipOutcome::request && start.outcome != SipOutcome::response) return message.outcome = start.outcome;
    begin_message(begin, size, start, message);
    std::size_t body = parse_headers(begin, size, start.has_line_end ? start.end + 1 : size, message);
    message.body = std::string_view(begin + body, size - body);
    check_headers(message);
    return message.outcome;
}

}  // namespace sipscope::parser
