// A worker's way to the control lcore for records: FlowRecord objects from
// a shared mempool, queued on the worker's own SP/SC ring. The worker's
// SourceTracker writes through it (fingerprint::RecordSink).
//
// Records are held and queued in bursts (flush(), which the tracker calls
// before it returns). Replay and every shutdown wait for the control lcore
// to free room, so they lose nothing; live traffic drops and counts
// instead of stalling the data path. Progress records are best effort:
// never counted as lost.
#pragma once

#include <cstddef>

#include <rte_mempool.h>
#include <rte_pause.h>
#include <rte_ring.h>

#include "prefetch_lines.hpp"
#include "record_sink.hpp"
#include "source_counters.hpp"

namespace sipscope::lcore {

class RecordChannel final : public fingerprint::RecordSink {
public:
    // Records are queued in bursts of up to this many: one update of the
    // ring's head and tail per burst instead of per record. The ring's
    // consumer side is written by the control lcore, so every enqueue's
    // look at it is a cache line fetched from the other core (4 % of the
    // worker's time in a spoofed-source flood, one record per packet).
    static constexpr unsigned kBatch = 64;

    RecordChannel(rte_ring* ring, rte_mempool* pool, fingerprint::OwnedCounter& dropped, bool wait_when_full)
        : ring_(ring), pool_(pool), dropped_(dropped), wait_when_full_(wait_when_full) {}

    // From now on, wait rather than drop (the worker is finishing).
    void wait_when_full() { wait_when_full_ = true; }
    rte_ring* ring() const { return ring_; }

    fingerprint::FlowRecord* take(fingerprint::RecordKind kind) override {
        void* object = spare_;
        spare_ = nullptr;
        if (object == nullptr) object = get(kind);
        if (object != nullptr && rte_mempool_get(pool_, &spare_) == 0)
            fingerprint::prefetch_lines_for_writing(spare_, fingerprint::kFlowRecordHeadBytes);
        return static_cast<fingerprint::FlowRecord*>(object);
    }

    void send(fingerprint::FlowRecord* record) override {
        pending_[pending_count_++] = record;
        if (pending_count_ == kBatch) flush();
    }

    // Queues what is held, in order. What the ring has no room for waits
    // (replay, shutdown) or is returned to the pool: counted as dropped,
    // except progress records, which are best effort. The spare object
    // goes back to the pool too: nothing is held between tracker calls.
    void flush() override {
        if (spare_ != nullptr) {
            rte_mempool_put(pool_, spare_);
            spare_ = nullptr;
        }
        unsigned queued = 0;
        while (queued < pending_count_) {
            queued += rte_ring_sp_enqueue_burst(ring_, reinterpret_cast<void* const*>(pending_ + queued),
                                                pending_count_ - queued, nullptr);
            if (queued == pending_count_ || !wait_when_full_) break;
            rte_pause();
        }
        for (unsigned i = queued; i < pending_count_; ++i) {
            if (pending_[i]->kind != fingerprint::RecordKind::progress) dropped_.increment();
            rte_mempool_put(pool_, pending_[i]);
        }
        pending_count_ = 0;
    }

private:
    void* get(fingerprint::RecordKind kind) {
        void* object = nullptr;
        while (rte_mempool_get(pool_, &object) != 0) {
            if (kind == fingerprint::RecordKind::progress) return nullptr;
            // The records held here may be what the control lcore needs
            // to free objects: hand them on before waiting or dropping.
            flush();
            if (rte_mempool_get(pool_, &object) == 0) break;
            if (!wait_when_full_) {
                dropped_.increment();
                return nullptr;
            }
            rte_pause();
        }
        return object;
    }

    rte_ring* ring_;
    rte_mempool* pool_;
    fingerprint::OwnedCounter& dropped_;
    bool wait_when_full_;
    fingerprint::FlowRecord* pending_[kBatch];
    unsigned pending_count_ = 0;
    // The object the next take() hands out, taken one record early and
    // fetched for writing meanwhile: records come back from the control
    // lcore, so their lines are in the other core's cache, and writing the
    // flow into one waited for them (2 % of a flood's worker time).
    void* spare_ = nullptr;
};

}  // namespace sipscope::lcore
