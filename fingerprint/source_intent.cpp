// Source intent updates (worker lcore, per SIP message of a flow with
// detail storage) and behaviour classification.
#include "source_intent.hpp"


#include "sip_fields.hpp"

#include <algorithm>

namespace sipscope::fingerprint {

namespace {

uint32_t hash_text(std::string_view text) {
    uint32_t hash = 2166136261u;  // FNV-1a
    for (char c : text) hash = (hash ^ static_cast<unsigned char>(c)) * 16777619u;
    return hash;
}

}  // namespace

void SourceIntent::observe_request(const parser::SipMessage& message) {
    // User agent.
    std::string_view agent = message.value_of(parser::HeaderId::user_agent);
    if (agent.empty()) {
        ++missing_user_agent;
    } else {
        uint32_t hash = hash_text(agent);
        if (user_agent_messages > 0 && hash != previous_user_agent_hash) ++user_agent_changes;
        previous_user_agent_hash = hash;
        ++user_agent_messages;
        user_agents.add(agent);
    }

    // The extension or number asked for: the user part of the request URI,
    // or of To where the request URI has none (REGISTER sip:host names the
    // registrar; the extension is the address of record in To).
    parser::SipUri uri = parser::parse_uri(message.request_uri);
    if (uri.user.empty()) uri = parser::parse_uri(parser::parse_name_address(message.value_of(parser::HeaderId::to)).uri);
    // An INVITE to a number counts the normalised number, so one number
    // tried with several dial prefixes is one target, not an enumeration.
    std::string_view target = uri.user;
    DialedNumber number;
    bool dialled = message.method == parser::SipMethod::invite && !uri.user.empty() &&
                   normalize_dialed_number(uri.user, number);
    if (dialled) {
        target = number.view();
        if (!number.extension) {
            ++invites_to_numbers;
            if (number.international) ++international_invites;
            numbers.add(number.view());
            uint32_t hash = hash_text(number.view());
            distinct_numbers.add(hash, mix64(hash));
        }
    }
    if (!target.empty()) {
        uint32_t hash = hash_text(target);
        extensions.add(hash, mix64(hash));
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
            distinct_usernames.add(hash, mix64(hash));
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
        distinct_extensions_found.add(hash, mix64(hash));
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
    // international numbers, or to many numbers — not a phone's calls to a
    // colleague's extension, however many.
    if (invites > 0 && (intent.international_invites >= thresholds.call_attempts ||
                        intent.distinct_numbers.count() >= thresholds.call_numbers))
        set(Behaviour::call_attempts);
    return bits;
}

}  // namespace sipscope::fingerprint
