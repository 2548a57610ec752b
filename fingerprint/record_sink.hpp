// Where a SourceTracker hands its records (closed flows, alerts, progress
// of heavy flows). The worker provides one (lcore/record_channel.hpp: a
// mempool and a ring to the control lcore); tests provide a vector.
#pragma once

#include "flow_state.hpp"

namespace sipscope::fingerprint {

class RecordSink {
public:
    virtual ~RecordSink() = default;
    // A record object to fill for `kind`, or nullptr when none can be had
    // (the sink counts that loss itself; progress records are best effort
    // and never counted).
    virtual FlowRecord* take(RecordKind kind) = 0;
    // Passes a record taken from this sink on; the sink owns it again. A
    // sink may hold records back until flush().
    virtual void send(FlowRecord* record) = 0;
    // Hands on every record held back. The SourceTracker calls it before
    // each of its calls returns, so nothing waits past the burst.
    virtual void flush() {}
};

}  // namespace sipscope::fingerprint
