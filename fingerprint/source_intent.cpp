// Source intent updates (worker lcore, per SIP message of a flow with
// detail storage) and behaviour classification.
#include "source_intent.hpp"


#include "sip_fields.hpp"
#include "text_hash.hpp"

#include <algorithm>
#include <bit>
#include <cctype>

namespace sipscope::fingerprint {

namespace {

uint32_t hash_text(std::string_view text) {
    uint32_t hash = 2166136261u;  // FNV-1a
    for (char c : text) hash = (hash ^ static_cast<unsigned char>(c)) * 16777619u;
    return hash;
}

}  // namespace

bool claims_full_sip_stack(std::string_view user_agent) {
    // Products whose requests carry RFC 3261 branches, tags and Call-IDs.
    static constexpr std::string_view kProducts[] = {
        "x-lite", "bria", "counterpath", "zoiper", "linphone", "microsip", "jitsi", "ekiga", "blink", "csipsimple",
        "asterisk", "freeswitch", "kamailio", "opensips", "3cx", "yealink", "grandstream", "polycom", "cisco",
        "snom", "aastra", "fanvil", "avaya", "gigaset", "fritz!box", "patton", "audiocodes"};
    char folded[64];
    std::size_t length = std::min(user_agent.size(), sizeof folded);
    for (std::size_t i = 0; i < length; ++i) {
        char c = user_agent[i];
        folded[i] = (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
    }
    std::string_view agent(folded, length);
    for (std::string_view product : kProducts) {
        std::size_t at = agent.find(product);
        // A word of its own: "Asterisk PBX", not "notasteriskish".
        if (at != std::string_view::npos && (at == 0 || !std::isalnum(static_cast<unsigned char>(agent[at - 1]))))
            return true;
    }
    return false;
}

namespace {

// Cheap reads of the few things seed 004 looks at (every request of a
// flow with detail passes here; the full field parsers cost too much).
bool has_rfc3261_branch(std::string_view via) {
    // RFC 3261 8.1.1.7: a compliant stack's branch starts with the magic cookie.
    std::size_t at = via.find("branch=");
    return at != std::string_view::npos && via.substr(at + 7, 7) == "z9hG4bK";
}

bool has_tag(std::string_view from) { return from.find(";tag=") != std::string_view::npos; }

constexpr uint8_t cue_bit(CraftingCue cue) { return static_cast<uint8_t>(1u << static_cast<unsigned>(cue)); }

}  // namespace

// Seed 004's reading of one request: traits a script leaves, and an agent
// that claims a full SIP stack in spite of them. A tool writes its
// requests one way, so the traits are looked for in the first 16 requests
// and then in 1 in 16 (as a settled fingerprint merges), a trait already
// seen not again; an agent is checked once until it changes. The callers
// are counted on every request.
void SourceIntent::observe_crafting(const parser::SipMessage& message, std::string_view agent, uint32_t agent_hash) {
    std::string_view from = message.value_of(parser::HeaderId::from);
    if (std::string_view caller = parser::first_sip_user(from); !caller.empty()) callers.add(caller);
    constexpr uint32_t kCheckedFirst = 16, kCheckedOneIn = 16;
    uint32_t offered = crafting_requests_++;
    if (offered >= kCheckedFirst && offered % kCheckedOneIn != 0) return;
    uint8_t cues = 0;
    if (message.has(parser::SipViolation::space_in_call_id)) cues |= cue_bit(CraftingCue::space_in_call_id);
    if (!(crafting_cues & cue_bit(CraftingCue::via_branch_not_rfc3261))) {
        std::string_view via = message.value_of(parser::HeaderId::via);
        if (!via.empty() && !has_rfc3261_branch(via)) cues |= cue_bit(CraftingCue::via_branch_not_rfc3261);
    }
    if (!(crafting_cues & cue_bit(CraftingCue::from_without_tag)) && message.find(parser::HeaderId::from) && !has_tag(from))
        cues |= cue_bit(CraftingCue::from_without_tag);
    crafting_cues |= cues;
    if (scripted() && !(crafting_cues & cue_bit(CraftingCue::user_agent_mismatch)) && !agent.empty() &&
        agent_hash != agent_checked_hash_) {
        agent_checked_hash_ = agent_hash;
        if (claims_full_sip_stack(agent)) crafting_cues |= cue_bit(CraftingCue::user_agent_mismatch);
    }
}

// Every field of SourceIntent is in clear() and copy_used_to() below; this
// size is the reminder when one is added.
static_assert(sizeof(SourceIntent) == 2928, "a field was added to SourceIntent: reset it in clear(), copy it in copy_used_to()");

void SourceIntent::clear() {
    user_agents.clear();
    user_agent_messages = user_agent_changes = missing_user_agent = previous_user_agent_hash = 0;
    numbers.clear();
    invites_to_numbers = international_invites = premium_invites = toll_invites = 0;
    most_dial_forms = 0;
    distinct_numbers.clear();
    usernames.clear();
    auth_attempts = 0;
    distinct_usernames.clear();
    auth_failures = auth_successes = failures_before_success = 0;
    last_credentialed_key = 0;
    extensions.clear();
    responder_count = 0;
    responders_beyond = 0;
    extensions_found.clear();
    distinct_extensions_found.clear();
    crafting_cues = 0;
    callers.clear();
    agent_checked_hash_ = crafting_requests_ = 0;
    behaviours_raised = 0;
    trusted_caller = false;
}

void SourceIntent::copy_used_to(SourceIntent& to) const {
    user_agents.copy_used_to(to.user_agents);
    to.user_agent_messages = user_agent_messages;
    to.user_agent_changes = user_agent_changes;
    to.missing_user_agent = missing_user_agent;
    to.previous_user_agent_hash = previous_user_agent_hash;
    numbers.copy_used_to(to.numbers);
    for (uint8_t i = 0; i < numbers.size; ++i) to.number_notes[i] = number_notes[i];
    to.invites_to_numbers = invites_to_numbers;
    to.international_invites = international_invites;
    to.premium_invites = premium_invites;
    to.toll_invites = toll_invites;
    to.most_dial_forms = most_dial_forms;
    distinct_numbers.copy_used_to(to.distinct_numbers);
    usernames.copy_used_to(to.usernames);
    to.auth_attempts = auth_attempts;
    distinct_usernames.copy_used_to(to.distinct_usernames);
    to.auth_failures = auth_failures;
    to.auth_successes = auth_successes;
    to.failures_before_success = failures_before_success;
    to.last_credentialed_key = last_credentialed_key;
    extensions.copy_used_to(to.extensions);
    for (uint8_t i = 0; i < responder_count; ++i) to.responders[i] = responders[i];
    to.responder_count = responder_count;
    to.responders_beyond = responders_beyond;
    extensions_found.copy_used_to(to.extensions_found);
    distinct_extensions_found.copy_used_to(to.distinct_extensions_found);
    to.crafting_cues = crafting_cues;
    callers.copy_used_to(to.callers);
    to.agent_checked_hash_ = agent_checked_hash_;
    to.crafting_requests_ = crafting_requests_;
    to.behaviours_raised = behaviours_raised;
    to.trusted_caller = trusted_caller;
}

void SourceIntent::observe_request(const parser::SipMessage& message, NumberPlan& plan, uint64_t now_us) {
    // User agent.
    std::string_view agent = message.value_of(parser::HeaderId::user_agent);
    if (agent.empty()) {
        ++missing_user_agent;
    } else {
        // Only compared with the previous agent's (and the one last
        // checked): CRC32-C, 8 bytes an instruction, on every request.
        uint32_t hash = text_hash(agent);
        if (user_agent_messages > 0 && hash != previous_user_agent_hash) ++user_agent_changes;
        previous_user_agent_hash = hash;
        ++user_agent_messages;
        user_agents.add(agent);
    }
    observe_crafting(message, agent, previous_user_agent_hash);

    // The extension or number asked for: the user part of the request URI,
    // or of To where the request URI has none (REGISTER sip:host names the
    // registrar; the extension is the address of record in To).
    std::string_view user = parser::uri_user(message.request_uri);
    if (user.empty()) user = parser::uri_user(parser::parse_name_address(message.value_of(parser::HeaderId::to)).uri);
    // An INVITE to a telephone number counts the normalised number among
    // the numbers (one number tried with several dial prefixes is one), not
    // among the extensions: a PBX calling many customers enumerates nothing.
    std::string_view target = user;
    DialedNumber number;
    bool dialled = message.method == parser::SipMethod::invite && !user.empty() && normalize_dialed_number(user, number);
    if (dialled) {
        target = number.view();
        if (!number.extension) {
            target = {};
            NumberClass number_class = plan.classify(number, now_us);
            ++invites_to_numbers;
            if (number.international) ++international_invites;
            if (number_class.premium()) ++premium_invites;
            if (number.international || number_class.premium()) ++toll_invites;
            if (int slot = numbers.add(number.view()); slot >= 0) {
                NumberNote& note = number_notes[static_cast<std::size_t>(slot)];
                if (numbers.items[static_cast<std::size_t>(slot)].count == 1) note = NumberNote{};  // a slot just taken
                note.number_class = number_class;
                note.dial_forms |= static_cast<uint16_t>(1u << static_cast<unsigned>(number.form));
                most_dial_forms = std::max(most_dial_forms, static_cast<uint8_t>(std::popcount(note.dial_forms)));
            }
            uint32_t hash = hash_text(number.view());
            distinct_numbers.add(hash);
        }
    }
    // Requests inside a dialog or a transaction (ACK, BYE, CANCEL…) ask for
    // no one new: a caller's hang-ups are no enumeration.
    using parser::SipMethod;
    SipMethod method = message.method;
    bool continues_dialog = method == SipMethod::ack || method == SipMethod::bye || method == SipMethod::cancel ||
                            method == SipMethod::prack || method == SipMethod::update || method == SipMethod::info ||
                            method == SipMethod::notify;
    if (!target.empty() && !continues_dialog) {
        uint32_t hash = hash_text(target);
        extensions.add(hash);
    }

    // Digest credentials.
    std::string_view authorization = message.value_of(parser::HeaderId::authorization);
    if (authorization.empty()) authorization = message.value_of(parser::HeaderId::proxy_authorization);
    if (!authorization.empty()) {
        ++auth_attempts;
        std::string_view username = parser::digest_username(authorization);
        if (!username.empty()) {
            usernames.add(username);
            uint32_t hash = hash_text(username);
            distinct_usernames.add(hash);
        }
        last_credentialed_key = transaction_key(message);
    }
}

// Call-ID and CSeq of a request or of the response to it.
uint64_t SourceIntent::transaction_key(const parser::SipMessage& message) {
    uint64_t call_id = hash_text(message.value_of(parser::HeaderId::call_id));
    uint64_t cseq = hash_text(message.value_of(parser::HeaderId::cseq));
    return mix64(call_id << 32 | cseq) | 1;  // never 0 ("none")
}

void SourceIntent::observe_auth_answer(const parser::SipMessage& message) {
    if (last_credentialed_key == 0 || transaction_key(message) != last_credentialed_key) return;
    uint16_t status = message.status_code;
    if (status == 401 || status == 403 || status == 407) {
        ++auth_failures;
        last_credentialed_key = 0;  // one answer per attempt (retransmitted answers count once)
    } else if (status >= 200 && status < 300) {
        if (auth_successes++ == 0) failures_before_success = auth_failures;
        last_credentialed_key = 0;
    }
}

std::string_view SourceIntent::answers_existing_extension(const parser::SipMessage& response) {
    uint16_t status = response.status_code;
    if (!((status >= 200 && status < 300) || status == 401 || status == 407)) return {};
    // OPTIONS is answered by any live host, whoever it names; CANCEL and
    // BYE answer a dialog, not an address.
    std::string_view method = parser::parse_cseq(response.value_of(parser::HeaderId::cseq)).method;
    if (method == "OPTIONS" || method == "CANCEL" || method == "BYE" || method.empty()) return {};
    parser::NameAddress to = parser::parse_name_address(response.value_of(parser::HeaderId::to));
    return parser::parse_uri(to.uri).user;
}

void SourceIntent::observe_response(const parser::SipMessage& message, const parser::DecodedFrame& frame) {
    observe_auth_answer(message);
    std::string_view existing = answers_existing_extension(message);
    if (!existing.empty()) {
        extensions_found.add(existing);
        uint32_t hash = hash_text(existing);
        distinct_extensions_found.add(hash);
    }
    Responder* responder = nullptr;
    for (uint8_t i = 0; i < responder_count && !responder; ++i) {
        if (responders[i].host == frame.source) responder = &responders[i];
    }
    if (!responder) {
        if (responder_count == responders.size()) {
            ++responders_beyond;
            return;
        }
        responder = &responders[responder_count++];
        *responder = Responder{};  // a slot cleared lazily: taken, it starts afresh
        responder->host = frame.source;
    }
    responder->last_status = message.status_code;
    ++responder->responses;
    unsigned status_class = message.status_code / 100;
    if (status_class >= 1 && status_class <= 6) responder->status_classes |= static_cast<uint8_t>(1u << (status_class - 1));
    if (!existing.empty()) ++responder->extensions_existing;
}

uint8_t behaviours_of(const SourceIntent& intent, uint64_t distinct_destinations, uint32_t invites,
                      const BehaviourThresholds& thresholds) {
    uint8_t bits = 0;
    auto set = [&bits](Behaviour behaviour) { bits |= static_cast<uint8_t>(1u << static_cast<unsigned>(behaviour)); };
    if (distinct_destinations >= thresholds.horizontal_destinations) set(Behaviour::horizontal_scan);
    if (distinct_destinations <= thresholds.enumeration_max_hosts &&
        intent.distinct_extensions() >= thresholds.enumeration_extensions)
        set(Behaviour::extension_enumeration);
    // Many attempts on few usernames is brute force; few attempts each on
    // many usernames is spraying. Where the answers to credentials are seen,
    // only refused attempts count (a phone's accepted refreshes are none);
    // a one-way view (a telescope) counts every attempt.
    uint64_t usernames = intent.distinct_usernames.count();
    uint32_t attempts = intent.auth_attempts_counted();
    if (attempts >= thresholds.brute_force_attempts && attempts >= 3 * std::max<uint64_t>(usernames, 1))
        set(Behaviour::credential_brute_force);
    if (usernames >= thresholds.spraying_usernames && attempts < 3 * usernames) set(Behaviour::password_spraying);
    if (intent.auth_successes > 0 && intent.failures_before_success >= thresholds.found_after_failures)
        set(Behaviour::credential_found);
    // Toll fraud as honeypot operators describe it: calls out to
    // international or premium-rate numbers, to many numbers, or to one
    // number through several dial prefixes (finding which one the PBX lets
    // out) — not a phone's calls to a colleague's extension, however many.
    bool tolled = intent.toll_invites >= thresholds.call_attempts ||
                  intent.distinct_numbers.count() >= thresholds.call_numbers ||
                  intent.most_dial_forms >= thresholds.call_dial_forms;
    if (invites > 0 && tolled && !intent.trusted_caller) set(Behaviour::call_attempts);
    return bits;
}

}  // namespace sipscope::fingerprint
