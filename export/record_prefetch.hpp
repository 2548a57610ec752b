// The lines of a flow record that formatting its event reads, asked for
// ahead. Records arrive written by a worker on another core: every line the
// formatter reads is a transfer from that core's cache (the first read of a
// record was 12 % of the control lcore in a flood). drain_records asks in
// two steps: a record's head (kind, flow, has_detail) two records ahead,
// and one record ahead, once its head has arrived, the parts of its detail
// the event writes. record_bench does the same.
#pragma once

#include <cstddef>

#include "flow_state.hpp"
#include "prefetch_lines.hpp"

namespace sipscope::exporter {

inline constexpr unsigned kRecordHeadAhead = 2;

inline void prefetch_record_head(const fingerprint::FlowRecord& record) {
    fingerprint::prefetch_lines_for_reading(&record, fingerprint::kFlowRecordHeadBytes);
}

// The intent is 2,928 bytes of which a scanner's record fills a few
// scattered lines: each count, size and flag the event writes (a counter's
// size and overflow flag lead it), and the first user agent's text.
inline void prefetch_intent_fields(const fingerprint::SourceIntent& intent) {
    const void* fields[] = {&intent.user_agents.items[0], &intent.user_agents.size, &intent.user_agent_messages,
                            &intent.numbers.size,         &intent.invites_to_numbers, &intent.distinct_numbers,
                            &intent.usernames.size,       &intent.auth_attempts,     &intent.distinct_usernames,
                            &intent.auth_failures,        &intent.extensions,        &intent.responder_count,
                            &intent.extensions_found.size, &intent.distinct_extensions_found, &intent.crafting_cues,
                            &intent.callers.size,         &intent.behaviours_raised};
    for (const void* field : fields) __builtin_prefetch(field, 0, 3);
}

inline void prefetch_record_detail(const fingerprint::FlowRecord& record) {
    if (!record.has_detail) return;
    const fingerprint::FlowDetail& detail = record.detail;
    std::size_t fingerprint_bytes = offsetof(fingerprint::HeaderFingerprint, entries) +
                                    detail.fingerprint.entry_count * sizeof(fingerprint::FingerprintEntry);
    fingerprint::prefetch_lines_for_reading(&detail.fingerprint, fingerprint_bytes);
    fingerprint::prefetch_lines_for_reading(&detail.scan, sizeof detail.scan);
    prefetch_intent_fields(detail.intent);
}

}  // namespace sipscope::exporter
