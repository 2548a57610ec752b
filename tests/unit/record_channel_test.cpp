// The worker's record channel on a real DPDK ring and mempool: records are
// held until flush() and then queued in order; what the ring cannot take is
// dropped and counted (live) or waited for (replay, shutdown); a pool that
// runs dry hands on what is held before giving up.
#include <gtest/gtest.h>
#include <rte_eal.h>
#include <rte_mempool.h>
#include <rte_ring.h>
#include <unistd.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "eal_test_main.hpp"
#include "record_channel.hpp"

namespace {

using namespace sipscope;
using fingerprint::FlowRecord;
using fingerprint::RecordKind;

// A ring and a pool of FlowRecords, made and freed per test.
struct Channel {
    Channel(unsigned ring_slots, unsigned pool_objects, bool wait_when_full) {
        static std::atomic<unsigned> serial{0};
        std::string name = "rc_test_" + std::to_string(serial++);
        ring = rte_ring_create((name + "r").c_str(), ring_slots, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
        pool = rte_mempool_create((name + "p").c_str(), pool_objects, sizeof(FlowRecord), 0, 0, nullptr, nullptr, nullptr,
                                  nullptr, 0, 0);
        channel = std::make_unique<lcore::RecordChannel>(ring, pool, dropped, wait_when_full);
    }
    ~Channel() {
        channel.reset();
        void* object = nullptr;
        while (rte_ring_sc_dequeue(ring, &object) == 0) rte_mempool_put(pool, object);
        rte_ring_free(ring);
        rte_mempool_free(pool);
    }
    FlowRecord* send(RecordKind kind, uint64_t id) {
        FlowRecord* record = channel->take(kind);
        if (record == nullptr) return nullptr;
        record->kind = kind;
        record->flow.flow_id = id;
        channel->send(record);
        return record;
    }
    // The flow ids queued on the ring, in order; their objects go back to the pool.
    std::vector<uint64_t> drain() {
        std::vector<uint64_t> ids;
        void* object = nullptr;
        while (rte_ring_sc_dequeue(ring, &object) == 0) {
            ids.push_back(static_cast<FlowRecord*>(object)->flow.flow_id);
            rte_mempool_put(pool, object);
        }
        return ids;
    }

    rte_ring* ring = nullptr;
    rte_mempool* pool = nullptr;
    fingerprint::OwnedCounter dropped;
    std::unique_ptr<lcore::RecordChannel> channel;
};

TEST(RecordChannel, HoldsRecordsUntilFlushThenQueuesThemInOrder) {
    Channel channel(1024, 511, false);
    ASSERT_NE(channel.ring, nullptr);
    ASSERT_NE(channel.pool, nullptr);
    for (uint64_t id = 1; id <= 5; ++id) channel.send(RecordKind::closed_flow, id);
    EXPECT_EQ(rte_ring_count(channel.ring), 0u);
    channel.channel->flush();
    EXPECT_EQ(channel.drain(), (std::vector<uint64_t>{1, 2, 3, 4, 5}));
    channel.channel->flush();  // nothing held: nothing queued twice
    EXPECT_TRUE(channel.drain().empty());
    EXPECT_EQ(channel.dropped.read(), 0u);
    // No object is kept between flushes (the next record's, taken early).
    EXPECT_EQ(rte_mempool_avail_count(channel.pool), 511u);
}

TEST(RecordChannel, AFullBatchIsQueuedWithoutWaitingForFlush) {
    Channel channel(1024, 511, false);
    for (uint64_t id = 0; id < lcore::RecordChannel::kBatch + 3; ++id) channel.send(RecordKind::closed_flow, id);
    std::vector<uint64_t> queued = channel.drain();
    ASSERT_EQ(queued.size(), lcore::RecordChannel::kBatch);
    EXPECT_EQ(queued.front(), 0u);
    EXPECT_EQ(queued.back(), lcore::RecordChannel::kBatch - 1);
    channel.channel->flush();
    EXPECT_EQ(channel.drain().size(), 3u);
}

TEST(RecordChannel, LiveTrafficDropsAndCountsWhatTheRingCannotTakeButNotProgress) {
    // A ring of 8 slots holds 7 records.
    Channel channel(8, 511, false);
    for (uint64_t id = 0; id < 10; ++id) channel.send(RecordKind::closed_flow, id);
    channel.send(RecordKind::progress, 100);
    channel.send(RecordKind::alert, 101);
    channel.channel->flush();
    std::vector<uint64_t> queued = channel.drain();
    EXPECT_EQ(queued, (std::vector<uint64_t>{0, 1, 2, 3, 4, 5, 6}));
    EXPECT_EQ(channel.dropped.read(), 4u);  // closed 7, 8, 9 and the alert; the progress record is not counted
    // Every object dropped went back to the pool.
    EXPECT_EQ(rte_mempool_avail_count(channel.pool), 511u);
}

TEST(RecordChannel, ReplayWaitsForTheControlLcoreToMakeRoom) {
    Channel channel(8, 511, true);
    std::atomic<bool> done{false};
    std::vector<uint64_t> consumed;
    std::thread consumer([&] {
        void* object = nullptr;
        while (!done.load() || rte_ring_count(channel.ring) != 0) {
            if (rte_ring_sc_dequeue(channel.ring, &object) != 0) continue;
            consumed.push_back(static_cast<FlowRecord*>(object)->flow.flow_id);
            rte_mempool_put(channel.pool, object);
        }
    });
    for (uint64_t id = 0; id < 300; ++id) channel.send(RecordKind::closed_flow, id);
    channel.channel->flush();
    done = true;
    consumer.join();
    ASSERT_EQ(consumed.size(), 300u);
    for (uint64_t id = 0; id < 300; ++id) EXPECT_EQ(consumed[id], id);
    EXPECT_EQ(channel.dropped.read(), 0u);
}

TEST(RecordChannel, ADryPoolHandsOnWhatIsHeldBeforeDroppingANewRecord) {
    // 4 objects, all taken and held: the fifth take finds the pool empty,
    // queues the four (the control lcore can free them from there), and
    // only then counts the loss.
    Channel channel(1024, 4, false);
    for (uint64_t id = 1; id <= 4; ++id) ASSERT_NE(channel.send(RecordKind::closed_flow, id), nullptr);
    EXPECT_EQ(rte_ring_count(channel.ring), 0u);
    EXPECT_EQ(channel.send(RecordKind::closed_flow, 5), nullptr);
    EXPECT_EQ(channel.dropped.read(), 1u);
    EXPECT_EQ(channel.drain(), (std::vector<uint64_t>{1, 2, 3, 4}));
    EXPECT_NE(channel.send(RecordKind::closed_flow, 6), nullptr);  // the control lcore freed them
}

TEST(RecordChannel, ADryPoolNeverWaitsForAProgressRecord) {
    Channel channel(1024, 2, true);
    ASSERT_NE(channel.send(RecordKind::closed_flow, 1), nullptr);
    ASSERT_NE(channel.send(RecordKind::closed_flow, 2), nullptr);
    EXPECT_EQ(channel.send(RecordKind::progress, 3), nullptr);
    EXPECT_EQ(channel.dropped.read(), 0u);
    channel.channel->flush();
    EXPECT_EQ(channel.drain(), (std::vector<uint64_t>{1, 2}));
}

}  // namespace

int main(int argc, char** argv) {
    return sipscope::testing_support::run_tests_with_eal(argc, argv, "record_channel_test", "128");
}
