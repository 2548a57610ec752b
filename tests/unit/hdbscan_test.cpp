// HDBSCAN on weighted binary vectors against a plain O(n²) reference on the
// expanded points (written here from the papers' definitions, sharing no
// code with the implementation beyond the λ convention and the tolerance
// of excess of mass), and on hand-checked cases.
#include "hdbscan.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <random>
#include <set>
#include <functional>

namespace sipscope::fingerprint {
namespace {

// --- The reference: one row per point, doubles, textbook steps.
std::vector<int> reference_hdbscan(const std::vector<std::vector<int>>& rows, std::size_t min_cluster_size,
                                   std::size_t min_samples) {
    std::size_t n = rows.size();
    if (n < min_cluster_size || n < min_samples) return std::vector<int>(n, -1);
    std::vector<std::vector<double>> distance(n, std::vector<double>(n));
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t j = 0; j < n; ++j) {
            double sum = 0;
            for (std::size_t d = 0; d < rows[i].size(); ++d) sum += (rows[i][d] - rows[j][d]) * (rows[i][d] - rows[j][d]);
            distance[i][j] = std::sqrt(sum);
        }
    std::vector<double> core(n);
    for (std::size_t i = 0; i < n; ++i) {
        std::vector<double> sorted = distance[i];
        std::sort(sorted.begin(), sorted.end());
        core[i] = sorted[min_samples - 1];  // the point itself is sorted[0]
    }
    auto reach = [&](std::size_t i, std::size_t j) { return std::max({core[i], core[j], distance[i][j]}); };
    // Prim.
    struct Edge { std::size_t a, b; double w; };
    std::vector<Edge> edges;
    std::vector<bool> in(n, false);
    std::vector<double> best(n, INFINITY);
    std::vector<std::size_t> from(n, 0);
    in[0] = true;
    std::size_t last = 0;
    for (std::size_t step = 1; step < n; ++step) {
        std::size_t next = n;
        for (std::size_t j = 0; j < n; ++j) {
            if (in[j]) continue;
            if (reach(last, j) < best[j]) { best[j] = reach(last, j); from[j] = last; }
            if (next == n || best[j] < best[next]) next = j;
        }
        in[next] = true;
        edges.push_back({from[next], next, best[next]});
        last = next;
    }
    std::sort(edges.begin(), edges.end(), [](const Edge& x, const Edge& y) { return x.w < y.w; });
    // n-ary single linkage: leaves are points; merges at one distance form one node.
    struct Node { double level; std::vector<int> children; std::size_t size; };  // child < 0: point -child-1
    std::vector<Node> nodes;
    std::vector<int> top(n);
    for (std::size_t i = 0; i < n; ++i) top[i] = -static_cast<int>(i) - 1;
    std::vector<std::size_t> parent(n);
    std::iota(parent.begin(), parent.end(), 0);
    std::function<std::size_t(std::size_t)> find = [&](std::size_t x) { return parent[x] == x ? x : parent[x] = find(parent[x]); };
    auto size_of = [&](int item) { return item < 0 ? std::size_t{1} : nodes[item].size; };
    for (const Edge& edge : edges) {
        std::size_t a = find(edge.a), b = find(edge.b);
        Node merged{edge.w, {}, size_of(top[a]) + size_of(top[b])};
        for (int item : {top[a], top[b]}) {
            if (item >= 0 && nodes[item].level == edge.w) {
                for (int child : nodes[item].children) merged.children.push_back(child);
            } else {
                merged.children.push_back(item);
            }
        }
        nodes.push_back(merged);
        parent[b] = a;
        top[a] = static_cast<int>(nodes.size() - 1);
    }
    // Condense.
    std::vector<int> cluster_parent{-1};
    std::vector<double> birth{0}, stability{0};
    std::vector<int> point_cluster(n, 0);
    std::function<void(int, int, double)> leave = [&](int item, int cluster, double lambda) {
        if (item < 0) {
            point_cluster[static_cast<std::size_t>(-item - 1)] = cluster;
            stability[cluster] += lambda - birth[cluster];
            return;
        }
        for (int child : nodes[item].children) leave(child, cluster, lambda);
    };
    std::function<void(int, int)> walk = [&](int item, int cluster) {
        const Node& node = nodes[item];
        double lambda = node.level == 0 ? 2.0 : 1.0 / node.level;
        std::size_t big = 0;
        for (int child : node.children) big += child >= 0 && size_of(child) >= min_cluster_size;
        for (int child : node.children) {
            bool is_big = child >= 0 && size_of(child) >= min_cluster_size;
            if (!is_big) {
                leave(child, cluster, lambda);
            } else if (big == 1) {
                walk(child, cluster);
            } else {
                int born = static_cast<int>(birth.size());
                cluster_parent.push_back(cluster);
                birth.push_back(lambda);
                stability.push_back(0);
                stability[cluster] += (lambda - birth[cluster]) * static_cast<double>(size_of(child));
                walk(child, born);
            }
        }
    };
    if (top[find(0)] >= 0) walk(top[find(0)], 0);
    // Excess of mass, bottom-up; then labels top-down.
    std::size_t count = birth.size();
    std::vector<double> value(count, 0);
    std::vector<bool> keep(count, false);
    for (std::size_t c = count; c-- > 1;) {
        double subtree = 0;
        for (std::size_t d = c + 1; d < count; ++d)
            if (cluster_parent[d] == static_cast<int>(c)) subtree += value[d];
        keep[c] = !hdbscan_more_stable(subtree, stability[c]);
        value[c] = keep[c] ? stability[c] : subtree;
    }
    std::vector<int> chosen_ancestor(count, -1);
    for (std::size_t c = 1; c < count; ++c) {
        int up = cluster_parent[c];
        chosen_ancestor[c] = chosen_ancestor[static_cast<std::size_t>(up)];
        if (chosen_ancestor[c] < 0 && keep[c]) chosen_ancestor[c] = static_cast<int>(c);
    }
    std::vector<int> labels(n);
    for (std::size_t i = 0; i < n; ++i) labels[i] = chosen_ancestor[static_cast<std::size_t>(point_cluster[i])];
    return labels;
}

// Same partition, whatever the numbering.
void expect_same_partition(const std::vector<int>& expected, const std::vector<int>& actual) {
    ASSERT_EQ(expected.size(), actual.size());
    std::map<int, int> forward, backward;
    for (std::size_t i = 0; i < expected.size(); ++i) {
        EXPECT_EQ(expected[i] < 0, actual[i] < 0) << "point " << i;
        if (expected[i] < 0 || actual[i] < 0) continue;
        auto [f, f_new] = forward.emplace(expected[i], actual[i]);
        auto [b, b_new] = backward.emplace(actual[i], expected[i]);
        EXPECT_EQ(f->second, actual[i]) << "point " << i;
        EXPECT_EQ(b->second, expected[i]) << "point " << i;
    }
}

// Rows → distinct weighted vectors, and the labels back per row.
struct Grouped {
    BinaryPoints points;
    std::vector<std::size_t> group_of_row;
};
Grouped group(const std::vector<std::vector<int>>& rows) {
    Grouped grouped;
    std::size_t days = rows.empty() ? 1 : rows[0].size();
    grouped.points.words = static_cast<unsigned>((days + 63) / 64);
    std::map<std::vector<uint64_t>, std::size_t> seen;
    for (const auto& row : rows) {
        std::vector<uint64_t> bits(grouped.points.words, 0);
        for (std::size_t d = 0; d < row.size(); ++d)
            if (row[d]) bits[d / 64] |= uint64_t{1} << (d % 64);
        auto [found, fresh] = seen.emplace(bits, grouped.points.size());
        if (fresh) {
            grouped.points.bits.insert(grouped.points.bits.end(), bits.begin(), bits.end());
            grouped.points.weights.push_back(0);
        }
        ++grouped.points.weights[found->second];
        grouped.group_of_row.push_back(found->second);
    }
    return grouped;
}

std::vector<int> weighted_labels(const std::vector<std::vector<int>>& rows, uint64_t min_cluster_size,
                                 uint64_t min_samples, unsigned threads = 1) {
    Grouped grouped = group(rows);
    HdbscanResult result = hdbscan(grouped.points, {min_cluster_size, min_samples, threads});
    std::vector<int> labels;
    for (std::size_t g : grouped.group_of_row) labels.push_back(result.labels[g]);
    return labels;
}

std::vector<std::vector<int>> rows_of(std::initializer_list<std::pair<const char*, int>> patterns) {
    std::vector<std::vector<int>> rows;
    for (auto [pattern, copies] : patterns)
        for (int i = 0; i < copies; ++i) {
            std::vector<int> row;
            for (const char* c = pattern; *c; ++c) row.push_back(*c == '1');
            rows.push_back(row);
        }
    return rows;
}

TEST(Hdbscan, MatchesTheReferenceOnRandomCampaigns) {
    std::mt19937 random(7);
    for (int trial = 0; trial < 60; ++trial) {
        std::size_t days = 3 + random() % 12;
        std::vector<std::vector<int>> rows;
        std::size_t groups = 1 + random() % 4;
        for (std::size_t g = 0; g < groups; ++g) {
            std::vector<int> pattern(days);
            for (auto& day : pattern) day = static_cast<int>(random() % 2);
            std::size_t members = 2 + random() % 12;
            for (std::size_t m = 0; m < members; ++m) {
                std::vector<int> row = pattern;
                if (random() % 3 == 0) row[random() % days] ^= 1;  // a host that missed or added a day
                rows.push_back(row);
            }
        }
        for (std::size_t noise = random() % 10; noise > 0; --noise) {
            std::vector<int> row(days);
            for (auto& day : row) day = static_cast<int>(random() % 2);
            rows.push_back(row);
        }
        std::shuffle(rows.begin(), rows.end(), random);
        for (auto [mcs, samples] : {std::pair{5, 5}, std::pair{3, 2}, std::pair{4, 1}, std::pair{2, 6}}) {
            SCOPED_TRACE("trial " + std::to_string(trial) + " mcs " + std::to_string(mcs) + " samples " + std::to_string(samples));
            expect_same_partition(reference_hdbscan(rows, mcs, samples), weighted_labels(rows, mcs, samples));
        }
    }
}

TEST(Hdbscan, ThreadsGiveTheSameResult) {
    std::mt19937 random(3);
    std::vector<std::vector<int>> rows;
    for (int i = 0; i < 6000; ++i) {  // enough distinct vectors for the threaded path
        std::vector<int> row(20);
        for (auto& day : row) day = static_cast<int>(random() % 2);
        if (i % 3 == 0) std::fill(row.begin(), row.begin() + 10, 1), std::fill(row.begin() + 10, row.end(), 0);
        rows.push_back(row);
    }
    EXPECT_EQ(weighted_labels(rows, 5, 5, 1), weighted_labels(rows, 5, 5, 4));
}

TEST(Hdbscan, TwoCampaignsAndNoise) {
    // Two groups of six on disjoint days (7 days apart), two loners. The
    // second loner is 3 days off the first group and 4 off the second: it
    // joins the first group (mutual reachability 3) before the groups part
    // (at 4, through it), and leaves it after its birth: a member, as
    // HDBSCAN counts members. The first loner is 5 or more days off both
    // and joins only after the split: noise.
    auto rows = rows_of({{"1110000000", 6}, {"0000001111", 6}, {"0101010101", 1}, {"1000000001", 1}});
    auto labels = weighted_labels(rows, 5, 5);
    EXPECT_EQ(labels[0], labels[5]);
    EXPECT_EQ(labels[6], labels[11]);
    EXPECT_NE(labels[0], labels[6]);
    EXPECT_GE(labels[0], 0);
    EXPECT_GE(labels[6], 0);
    EXPECT_EQ(labels[12], -1);
    EXPECT_EQ(labels[13], labels[0]);
    expect_same_partition(reference_hdbscan(rows, 5, 5), labels);
}

TEST(Hdbscan, AllIdenticalVectorsAreOneRootAndSoNoise) {
    // HDBSCAN never selects the root: one group with nothing to tell it
    // from is no campaign.
    auto rows = rows_of({{"11011", 40}});
    auto labels = weighted_labels(rows, 5, 5);
    EXPECT_TRUE(std::all_of(labels.begin(), labels.end(), [](int label) { return label == -1; }));
    expect_same_partition(reference_hdbscan(rows, 5, 5), labels);
}

TEST(Hdbscan, FewerPointsThanTheMinimumClusterSizeAreNoise) {
    auto rows = rows_of({{"101", 2}, {"010", 2}});
    auto labels = weighted_labels(rows, 5, 5);
    EXPECT_EQ(labels, std::vector<int>(4, -1));
    expect_same_partition(reference_hdbscan(rows, 5, 5), labels);
}

TEST(Hdbscan, OneDay) {
    // Active or not on a single day: two groups at distance 1.
    auto rows = rows_of({{"1", 7}, {"0", 9}});
    auto labels = weighted_labels(rows, 5, 5);
    EXPECT_EQ(labels[0], labels[6]);
    EXPECT_EQ(labels[7], labels[15]);
    EXPECT_NE(labels[0], labels[7]);
    expect_same_partition(reference_hdbscan(rows, 5, 5), labels);
}

TEST(Hdbscan, TiesSplitIntoEveryPartAtOnce) {
    // Three groups pairwise at the same distance: one three-way split, so
    // the result cannot depend on which equal edge is visited first.
    auto rows = rows_of({{"110000", 5}, {"001100", 5}, {"000011", 5}});
    auto labels = weighted_labels(rows, 5, 5);
    std::set<int> distinct(labels.begin(), labels.end());
    EXPECT_EQ(distinct, (std::set<int>{0, 1, 2}));
    expect_same_partition(reference_hdbscan(rows, 5, 5), labels);
}

TEST(Hdbscan, RefusesBadSettings) {
    BinaryPoints points;
    points.bits = {1};
    points.weights = {1};
    EXPECT_THROW(hdbscan(points, {1, 5, 1}), std::invalid_argument);
    EXPECT_THROW(hdbscan(points, {5, 0, 1}), std::invalid_argument);
}

}  // namespace
}  // namespace sipscope::fingerprint
