// The distinct counter: exact to its bound, then HyperLogLog; the
// extension counter within 5 % where enumerations live (issue #11).
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "distinct_counter.hpp"

namespace sipscope::fingerprint {
namespace {

// Extensions as a scanner asks for them ("100", "101", …), hashed the way
// SourceIntent hashes text (FNV-1a 32, then mix64), each asked `repeats` times.
template <class Counter>
void add_extensions(Counter& counter, unsigned first, unsigned count, unsigned repeats = 1) {
    for (unsigned r = 0; r < repeats; ++r) {
        for (unsigned i = first; i < first + count; ++i) {
            std::string text = std::to_string(i);
            uint32_t hash = 2166136261u;
            for (char c : text) hash = (hash ^ static_cast<unsigned char>(c)) * 16777619u;
            counter.add(hash);
        }
    }
}

TEST(DistinctCounter, ExactToItsBoundThenEstimated) {
    DistinctCounter<16, 64> counter;
    add_extensions(counter, 100, 16, 3);
    EXPECT_FALSE(counter.estimated());
    EXPECT_EQ(counter.count(), 16u);
    add_extensions(counter, 116, 1);
    EXPECT_TRUE(counter.estimated());
    EXPECT_GE(counter.count(), 17u);
}

TEST(DistinctCounter, ExtensionCountsWithinFivePercent) {
    // svwar's default range and the real enumerations of the issue.
    for (unsigned count : {100u, 300u, 901u, 1001u, 2000u, 5000u, 10000u}) {
        for (unsigned first : {100u, 1000u, 6000u}) {
            DistinctCounter<16, 64, 4096> counter;
            add_extensions(counter, first, count, 2);
            double error = std::abs(static_cast<double>(counter.count()) - count) / count;
            EXPECT_LT(error, 0.05) << count << " extensions from " << first << ": " << counter.count();
        }
    }
}

TEST(DistinctCounter, HyperLogLogTakesOverWhenTheBitmapFills) {
    DistinctCounter<16, 64, 4096> counter;
    add_extensions(counter, 0, 200000);
    double error = std::abs(static_cast<double>(counter.count()) - 200000) / 200000;
    EXPECT_LT(error, 0.4) << counter.count();  // 64 registers: about 13 % standard error
    static_assert(sizeof(DistinctCounter<16, 64, 4096>) <= sizeof(DistinctCounter<16, 64>) + 4096 / 8 + 8);
}

}  // namespace
}  // namespace sipscope::fingerprint
