// A worker's way to the control lcore for records: FlowRecord objects from
// a shared mempool, queued on the worker's own SP/SC ring. The worker's
// SourceTracker writes through it (fingerprint::RecordSink).
//
// Replay and every shutdown wait for the control lcore to free room, so
// they lose nothing; live traffic drops and counts instead of stalling the
// data path. Progress records are best effort: never waited for, never
// counted as lost.
#pragma once

#include <rte_mempool.h>
#include <rte_pause.h>
#include <rte_ring.h>

#include "record_sink.hpp"
#include "source_counters.hpp"

namespace sipscope::lcore {

class RecordChannel final : public fingerprint::RecordSink {
public:
    RecordChannel(rte_ring* ring, rte_mempool* pool, fingerprint::OwnedCounter& dropped, bool wait_when_full)
        : ring_(ring), pool_(pool), dropped_(dropped), wait_when_full_(wait_when_full) {}

    // From now on, wait rather than drop (the worker is finishing).
    void wait_when_full() { wait_when_full_ = true; }
    rte_ring* ring() const { return ring_; }

    fingerprint::FlowRecord* take(fingerprint::RecordKind kind) override {
        void* object = nullptr;
        while (rte_mempool_get(pool_, &object) != 0) {
            if (kind == fingerprint::RecordKind::progress) return nullptr;
            if (!wait_when_full_) {
                dropped_.increment();
                return nullptr;
            }
            rte_pause();
        }
        return static_cast<fingerprint::FlowRecord*>(object);
    }

    void send(fingerprint::FlowRecord* record) override {
        bool best_effort = record->kind == fingerprint::RecordKind::progress;
        while (rte_ring_sp_enqueue(ring_, record) != 0) {
            if (best_effort || !wait_when_full_) {
                rte_mempool_put(pool_, record);
                if (!best_effort) dropped_.increment();
                return;
            }
            rte_pause();
        }
    }

private:
    rte_ring* ring_;
    rte_mempool* pool_;
    fingerprint::OwnedCounter& dropped_;
    bool wait_when_full_;
};

}  // namespace sipscope::lcore
