// BoundedTop: the K heaviest sources in bounded space, checked against a
// plain sort of everything on random updates.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <vector>

#include "bounded_top.hpp"

namespace sipscope::exporter {
namespace {

struct Weighted {
    uint64_t value = 0;
    uint64_t weight() const { return value; }
};

parser::IpAddress address(uint32_t n) {
    uint8_t bytes[4] = {10, static_cast<uint8_t>(n >> 16), static_cast<uint8_t>(n >> 8), static_cast<uint8_t>(n)};
    return parser::IpAddress::from_ipv4(bytes);
}

TEST(BoundedTop, AdmitsWhileThereIsRoomThenOnlyHeavierNewcomers) {
    BoundedTop<Weighted> top(3);
    EXPECT_NE(top.admit(address(1), {5}), nullptr);
    EXPECT_NE(top.admit(address(2), {1}), nullptr);
    EXPECT_NE(top.admit(address(3), {7}), nullptr);
    EXPECT_EQ(top.admit(address(4), {1}), nullptr) << "no heavier than the lightest";
    EXPECT_NE(top.admit(address(5), {2}), nullptr) << "replaces the lightest (1)";
    EXPECT_EQ(top.find(address(2)), nullptr);
    EXPECT_EQ(top.size(), 3u);
    top.find(address(5))->value = 100;
    top.reweighed(address(5));
    EXPECT_NE(top.admit(address(6), {6}), nullptr) << "replaces 5, now the lightest";
    EXPECT_EQ(top.find(address(1)), nullptr);
    EXPECT_NE(top.find(address(5)), nullptr);
}

TEST(BoundedTop, KeepsTheHeaviestUnderRandomUpdates) {
    constexpr std::size_t kCapacity = 64;
    BoundedTop<Weighted> top(kCapacity);
    std::map<uint32_t, uint64_t> truth;  // every key's weight, growing only
    std::mt19937 random(7);
    for (int step = 0; step < 20000; ++step) {
        uint32_t key = random() % 2000;
        uint64_t weight = (truth[key] += 1 + random() % 50);
        if (Weighted* kept = top.find(address(key))) {
            kept->value = weight;
            top.reweighed(address(key));
        } else {
            top.admit(address(key), {weight});
        }
    }
    // The structure is full, every kept weight is exact (updates of kept
    // keys are never lost), and with weights that only grow the truly
    // heaviest keys are among those kept.
    std::vector<uint64_t> kept;
    top.for_each([&](const parser::IpAddress& key, const Weighted& entry) {
        uint32_t n = static_cast<uint32_t>(key.bytes[13]) << 16 | static_cast<uint32_t>(key.bytes[14]) << 8 | key.bytes[15];
        EXPECT_EQ(entry.value, truth[n]);
        kept.push_back(entry.value);
    });
    EXPECT_EQ(kept.size(), kCapacity);
    std::vector<uint64_t> all;
    for (const auto& [key, weight] : truth) all.push_back(weight);
    std::sort(all.rbegin(), all.rend());
    std::sort(kept.rbegin(), kept.rend());
    // The index agrees with the heap: every kept key is found with its own
    // entry, every key it replaced is not found.
    std::size_t found = 0;
    for (const auto& [key, weight] : truth) {
        if (const Weighted* entry = top.find(address(key))) {
            EXPECT_EQ(entry->value, weight) << key;
            ++found;
        }
    }
    EXPECT_EQ(found, kCapacity);
    // Growing weights with the admission rule keep the true heaviest few:
    // the top 10 of the truth are all kept.
    for (std::size_t i = 0; i < 10; ++i) EXPECT_EQ(kept[i], all[i]) << i;
}

}  // namespace
}  // namespace sipscope::exporter
