// The replay summary's sources: exact while the sets hold, estimated
// beyond with the estimate flagged, and a heavy source ranked wherever it
// appears in the capture.
#include <gtest/gtest.h>

#include "replay_sources.hpp"

namespace sipscope::lcore {
namespace {

fingerprint::FlowState flow_of(uint32_t source, uint64_t requests, int16_t tool) {
    fingerprint::FlowState flow;
    uint8_t bytes[4] = {static_cast<uint8_t>(10 + (source >> 24)), static_cast<uint8_t>(source >> 16),
                        static_cast<uint8_t>(source >> 8), static_cast<uint8_t>(source)};
    flow.source = parser::IpAddress::from_ipv4(bytes);
    flow.requests = requests;
    flow.requests_by_method[static_cast<std::size_t>(parser::SipMethod::options)] = static_cast<uint32_t>(requests);
    flow.tool = tool;
    return flow;
}

TEST(ReplaySources, CountsExactlyWhileTheSetsHold) {
    ReplaySources sources;
    for (uint32_t i = 0; i < 3000; ++i) sources.observe(flow_of(i, 1, i % 3 == 0 ? 4 : -1));
    for (uint32_t i = 0; i < 3000; i += 2) sources.observe(flow_of(i, 2, 7));  // a second flow, named otherwise
    sources.observe(flow_of(5, 0, 9));  // responses only: not a source of a tool
    EXPECT_EQ(sources.count(), 3000u);
    EXPECT_FALSE(sources.count_estimated());
    EXPECT_FALSE(sources.by_tool_estimated());
    auto by_tool = sources.by_tool();
    ASSERT_EQ(by_tool.size(), 3u);
    EXPECT_EQ(by_tool[0], (std::pair<int16_t, uint64_t>{-1, 2000}));
    EXPECT_EQ(by_tool[1], (std::pair<int16_t, uint64_t>{4, 1000}));
    EXPECT_EQ(by_tool[2], (std::pair<int16_t, uint64_t>{7, 1500}));
}

// The old summary ranked only its first 65,536 sources.
TEST(ReplaySources, AHeavySourceLateInTheCaptureIsRankedFirst) {
    ReplaySources sources;
    constexpr uint32_t kSources = 3 * ReplaySources::kExactSources;
    for (uint32_t i = 0; i < kSources; ++i) sources.observe(flow_of(i, 1 + i % 3, 1));
    for (int flow = 0; flow < 4; ++flow) sources.observe(flow_of(kSources + 1, 50, 2));
    sources.observe(flow_of(kSources + 2, 120, 2));
    auto top = sources.top(5);
    ASSERT_EQ(top.size(), 5u);
    EXPECT_EQ(top[0].second.requests, 200u) << "four flows of 50 add up";
    EXPECT_EQ(top[0].first, flow_of(kSources + 1, 0, 0).source);
    EXPECT_EQ(top[1].second.requests, 120u);
    EXPECT_EQ(top[0].second.methods[static_cast<std::size_t>(parser::SipMethod::options)], 200u);
    EXPECT_EQ(top[2].second.requests, 3u);
    // Beyond the exact set: estimated, and said so.
    EXPECT_TRUE(sources.count_estimated());
    EXPECT_NEAR(static_cast<double>(sources.count()), kSources + 2.0, 0.03 * kSources);
    EXPECT_TRUE(sources.by_tool_estimated());
    for (auto [tool, count] : sources.by_tool()) {
        if (tool == 1) EXPECT_NEAR(static_cast<double>(count), kSources, 0.03 * kSources);
        else EXPECT_EQ(count, 2u) << "a sketch is exact while it holds few";
    }
}

TEST(HashSet, RefusesBeyondItsCapacityAndSaysSo) {
    HashSet set(4);
    EXPECT_TRUE(set.insert(0));   // 0 is stored as 1
    EXPECT_FALSE(set.insert(1));  // so 1 is the same
    EXPECT_TRUE(set.insert(2));
    EXPECT_TRUE(set.insert(3));
    EXPECT_TRUE(set.insert(4));
    EXPECT_FALSE(set.full());
    EXPECT_FALSE(set.insert(5));
    EXPECT_TRUE(set.full());
    EXPECT_FALSE(set.insert(2)) << "still known";
    EXPECT_EQ(set.size(), 4u);
}

}  // namespace
}  // namespace sipscope::lcore
