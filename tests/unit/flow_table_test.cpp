// FlowTable on both indexes: a real rte_hash (the EAL is started once,
// without hugepages) and the unit tests' std::unordered_map. Every case
// runs on each, so the map the tracker's tests rely on behaves the same.
#include <gtest/gtest.h>

#include <rte_eal.h>

#include <vector>

#include "eal_test_main.hpp"
#include "flow_table.hpp"
#include "map_flow_index.hpp"

namespace sipscope::fingerprint {
namespace {

constexpr uint64_t kSecond = 1000000;

parser::IpAddress address(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
    uint8_t bytes[4] = {a, b, c, d};
    return parser::IpAddress::from_ipv4(bytes);
}

struct Closed {
    parser::IpAddress source;
    CloseReason reason;
    uint64_t first_seen_us;
    uint64_t last_seen_us;
};

class FlowTableTest : public ::testing::TestWithParam<bool> {
protected:
    // GetParam(): the rte_hash index (true) or the map (false).
    std::unique_ptr<FlowTable> make_table(const std::string& name, uint32_t capacity, uint64_t timeout_us) {
        if (GetParam()) return make_dpdk_flow_table(name, capacity, timeout_us, 0);
        return test::make_map_flow_table(capacity, timeout_us);
    }
    std::vector<Closed> closed;
    auto sink() {
        return [this](const FlowState& flow, CloseReason reason) {
            closed.push_back({flow.source, reason, flow.first_seen_us, flow.last_seen_us});
        };
    }
    FlowState& touch(FlowTable& table, const parser::IpAddress& key, uint64_t now, bool* opened_out = nullptr) {
        bool opened = false;
        FlowState& flow = table.acquire(key, table.lookup(key), now, opened, sink());
        if (opened_out) *opened_out = opened;
        return flow;
    }
};

TEST_P(FlowTableTest, OpensOnceAndFindsAgain) {
    auto owned = make_table("t_open", 64, 1200 * kSecond);
    FlowTable& table = *owned;
    bool opened = false;
    touch(table, address(203, 0, 113, 1), 10 * kSecond, &opened);
    EXPECT_TRUE(opened);
    touch(table, address(203, 0, 113, 1), 11 * kSecond, &opened);
    EXPECT_FALSE(opened);
    EXPECT_EQ(table.size(), 1u);
    EXPECT_GE(table.lookup(address(203, 0, 113, 1)), 0);
    EXPECT_EQ(table.lookup(address(203, 0, 113, 2)), -1);
}

TEST_P(FlowTableTest, SameNewSourceTwiceInOneBulkLookup) {
    auto owned = make_table("t_bulk", 64, 1200 * kSecond);
    FlowTable& table = *owned;
    parser::IpAddress a = address(1, 1, 1, 1), b = address(2, 2, 2, 2);
    const parser::IpAddress* keys[] = {&a, &b, &a, &b, &a};
    int32_t positions[5];
    table.lookup_bulk(keys, 5, positions);
    int opened_count = 0;
    for (int i = 0; i < 5; ++i) {
        bool opened = false;
        FlowState& flow = table.acquire(*keys[i], positions[i], kSecond, opened, sink());
        ++flow.requests;
        opened_count += opened;
    }
    EXPECT_EQ(opened_count, 2);
    EXPECT_EQ(table.size(), 2u);
    EXPECT_EQ(table.at(table.lookup(a)).requests, 3u);
    EXPECT_EQ(table.at(table.lookup(b)).requests, 2u);
}

// A bulk lookup's results are trusted after the table changed only where
// nothing touched them: a flow found by the lookup and evicted by an
// earlier packet of the same burst is opened again, not written through
// its old slot (now another source's, or free).
TEST_P(FlowTableTest, FlowEvictedEarlierInTheBurstIsReopened) {
    auto owned = make_table("t_stale", 8, 1200 * kSecond);
    FlowTable& table = *owned;
    for (uint8_t i = 0; i < 8; ++i) touch(table, address(10, 0, 0, i), kSecond + i);  // 10.0.0.0 is the oldest
    parser::IpAddress new1 = address(192, 0, 2, 1), new2 = address(192, 0, 2, 2), oldest = address(10, 0, 0, 0);
    const parser::IpAddress* keys[] = {&new1, &new2, &oldest};
    int32_t positions[3];
    table.lookup_bulk(keys, 3, positions);
    ASSERT_GE(positions[2], 0);
    bool opened[3] = {};
    for (int i = 0; i < 3; ++i) {
        FlowState& flow = table.acquire(*keys[i], positions[i], 20 * kSecond, opened[i], sink());
        EXPECT_EQ(flow.source, *keys[i]);
    }
    EXPECT_TRUE(opened[0] && opened[1] && opened[2]);
    EXPECT_EQ(table.size(), 8u);
    for (const parser::IpAddress* key : keys) {
        int32_t position = table.lookup(*key);
        ASSERT_GE(position, 0);
        EXPECT_EQ(table.at(position).source, *key);
    }
}

// Random bursts over few sources and a small table (evictions, repeats
// and re-openings inside one burst): every packet lands on its own
// source's flow, and each flow in the table is found under its source.
TEST_P(FlowTableTest, BulkResultsStayRightUnderChurn) {
    auto owned = make_table("t_churn", 16, 1200 * kSecond);
    FlowTable& table = *owned;
    uint64_t state = 7;
    auto next = [&state] { return state = state * 6364136223846793005ull + 1442695040888963407ull, state >> 33; };
    for (int burst = 0; burst < 2000; ++burst) {
        unsigned count = 1 + static_cast<unsigned>(next() % FlowTable::kMaxBulk);
        std::vector<parser::IpAddress> sources;
        for (unsigned i = 0; i < count; ++i) sources.push_back(address(10, 1, 0, static_cast<uint8_t>(next() % 40)));
        std::vector<const parser::IpAddress*> keys;
        for (const auto& source : sources) keys.push_back(&source);
        std::vector<int32_t> positions(count);
        table.lookup_bulk(keys.data(), count, positions.data());
        for (unsigned i = 0; i < count; ++i) {
            bool opened = false;
            FlowState& flow = table.acquire(sources[i], positions[i], kSecond * (burst + 1), opened, sink());
            ASSERT_EQ(flow.source, sources[i]) << burst << " " << i;
            ++flow.requests;
        }
        ASSERT_LE(table.size(), 16u);
        for (uint8_t d = 0; d < 40; ++d) {
            int32_t position = table.lookup(address(10, 1, 0, d));
            if (position >= 0) {
                ASSERT_EQ(table.at(position).source, address(10, 1, 0, d));
            }
        }
    }
}

TEST_P(FlowTableTest, PacketAfterTimeoutClosesAndReopens) {
    auto owned = make_table("t_reopen", 64, 1200 * kSecond);
    FlowTable& table = *owned;
    parser::IpAddress a = address(1, 1, 1, 1);
    touch(table, a, 100 * kSecond);
    touch(table, a, 1300 * kSecond);  // exactly the timeout later: same flow
    EXPECT_TRUE(closed.empty());
    bool opened = false;
    touch(table, a, 2501 * kSecond, &opened);
    EXPECT_TRUE(opened);
    ASSERT_EQ(closed.size(), 1u);
    EXPECT_EQ(closed[0].reason, CloseReason::idle_timeout);
    EXPECT_EQ(closed[0].first_seen_us, 100 * kSecond);
    EXPECT_EQ(closed[0].last_seen_us, 1300 * kSecond);
    EXPECT_EQ(table.size(), 1u);
}

TEST_P(FlowTableTest, ExpireClosesOnlyIdleFlowsOldestFirst) {
    auto owned = make_table("t_expire", 64, 10 * kSecond);
    FlowTable& table = *owned;
    touch(table, address(1, 0, 0, 1), 1 * kSecond);
    touch(table, address(1, 0, 0, 2), 2 * kSecond);
    touch(table, address(1, 0, 0, 3), 5 * kSecond);
    touch(table, address(1, 0, 0, 1), 6 * kSecond);  // refreshed: now the newest
    EXPECT_EQ(table.expire(14 * kSecond, sink()), 1u);
    ASSERT_EQ(closed.size(), 1u);
    EXPECT_EQ(closed[0].source, address(1, 0, 0, 2));
    EXPECT_EQ(table.expire(17 * kSecond, sink()), 2u);
    EXPECT_EQ(closed[1].source, address(1, 0, 0, 3));
    EXPECT_EQ(closed[2].source, address(1, 0, 0, 1));
    EXPECT_EQ(table.size(), 0u);
}

TEST_P(FlowTableTest, FullTableEvictsOldestIdleAndKeepsGoing) {
    auto owned = make_table("t_evict", 16, 1200 * kSecond);
    FlowTable& table = *owned;
    ASSERT_EQ(table.capacity(), 16u);
    for (uint32_t i = 0; i < 1000; ++i) {
        touch(table, address(10, static_cast<uint8_t>(i >> 16), static_cast<uint8_t>(i >> 8), static_cast<uint8_t>(i)), i + 1);
        ASSERT_LE(table.size(), 16u);
    }
    EXPECT_EQ(table.size(), 16u);
    EXPECT_EQ(closed.size(), 1000u - 16u);
    for (const auto& flow : closed) EXPECT_EQ(flow.reason, CloseReason::evicted);
    // The survivors are the 16 most recent sources.
    EXPECT_EQ(table.lookup(address(10, 0, 3, 0xd7)), -1);  // source 983 = 999 - 16
    EXPECT_GE(table.lookup(address(10, 0, 3, 0xd8)), 0);   // source 984, the oldest survivor
    EXPECT_GE(table.lookup(address(10, 0, 3, 0xe7)), 0);   // source 999
}

TEST_P(FlowTableTest, CloseAllReportsEveryFlowWithTheReason) {
    auto owned = make_table("t_close", 64, 1200 * kSecond);
    FlowTable& table = *owned;
    for (uint8_t i = 0; i < 20; ++i) touch(table, address(5, 5, 5, i), kSecond);
    table.close_all(CloseReason::end_of_capture, sink());
    EXPECT_EQ(closed.size(), 20u);
    for (const auto& flow : closed) EXPECT_EQ(flow.reason, CloseReason::end_of_capture);
    EXPECT_EQ(table.size(), 0u);
    bool opened = false;
    touch(table, address(5, 5, 5, 1), 2 * kSecond, &opened);
    EXPECT_TRUE(opened);
}

TEST_P(FlowTableTest, Ipv6AndMappedIpv4AreDistinctKeys) {
    auto owned = make_table("t_v6", 64, 1200 * kSecond);
    FlowTable& table = *owned;
    auto v6 = parser::IpAddress::parse("2001:db8::1");
    ASSERT_TRUE(v6.has_value());
    touch(table, *v6, kSecond);
    touch(table, address(0x20, 0x01, 0x0d, 0xb8), kSecond);
    EXPECT_EQ(table.size(), 2u);
}

INSTANTIATE_TEST_SUITE_P(Indexes, FlowTableTest, ::testing::Bool(),
                         [](const auto& info) { return info.param ? "rte_hash" : "map"; });

}  // namespace
}  // namespace sipscope::fingerprint

int main(int argc, char** argv) {
    return sipscope::testing_support::run_tests_with_eal(argc, argv, "flow_table_test", "128");
}
