// HDBSCAN over weighted binary vectors (see hdbscan.hpp). Distances are
// kept as Hamming counts (the squared Euclidean distance): every step only
// compares them, and λ = 1/sqrt(count) is taken where stabilities are summed.
#include "hdbscan.hpp"

#include <algorithm>
#include <barrier>
#include <bit>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>
#include <thread>

namespace sipscope::fingerprint {

namespace {

constexpr double kLambdaOfIdentical = 2.0;

uint64_t hamming(const BinaryPoints& points, std::size_t a, std::size_t b) {
    if (points.words == 1) return static_cast<uint64_t>(std::popcount(points.bits[a] ^ points.bits[b]));  // up to 64 days
    const uint64_t* x = &points.bits[a * points.words];
    const uint64_t* y = &points.bits[b * points.words];
    uint64_t distance = 0;
    for (unsigned w = 0; w < points.words; ++w) distance += static_cast<uint64_t>(std::popcount(x[w] ^ y[w]));
    return distance;
}

unsigned thread_count(const HdbscanSettings& settings, std::size_t work) {
    unsigned threads = settings.threads ? settings.threads : std::max(1u, std::thread::hardware_concurrency());
    return work < 4096 ? 1 : threads;  // small inputs: threads cost more than they save
}

// Runs body(begin, end) over [0, count) split between threads.
template <class Body>
void parallel_ranges(std::size_t count, unsigned threads, Body body) {
    if (threads <= 1) {
        body(std::size_t{0}, count);
        return;
    }
    std::vector<std::thread> pool;
    std::size_t chunk = (count + threads - 1) / threads;
    for (unsigned t = 0; t < threads; ++t) {
        std::size_t begin = std::min(count, t * chunk), end = std::min(count, begin + chunk);
        pool.emplace_back([=] { body(begin, end); });
    }
    for (auto& thread : pool) thread.join();
}

// 1. Core distances: per point, the weight of all points by Hamming
// distance, then the distance at which min_samples is reached.
std::vector<uint64_t> core_distances(const BinaryPoints& points, uint64_t min_samples, unsigned threads) {
    std::size_t n = points.size();
    std::size_t bins = static_cast<std::size_t>(points.words) * 64 + 1;
    std::vector<uint64_t> core(n, 0);
    parallel_ranges(n, threads, [&](std::size_t begin, std::size_t end) {
        std::vector<uint64_t> by_distance(bins);
        for (std::size_t p = begin; p < end; ++p) {
            std::fill(by_distance.begin(), by_distance.end(), 0);
            for (std::size_t q = 0; q < n; ++q) by_distance[hamming(points, p, q)] += points.weights[q];
            uint64_t reached = 0;
            for (std::size_t d = 0; d < bins; ++d) {
                reached += by_distance[d];
                if (reached >= min_samples) {
                    core[p] = d;
                    break;
                }
            }
        }
    });
    return core;
}

struct Edge {
    uint32_t a, b;
    uint64_t weight;  // mutual reachability, in Hamming units
};

// 2. Prim's minimum spanning tree of the mutual reachability graph. Each
// step relaxes every point outside the tree against the one just added
// and picks the nearest; the threads share the relaxation, meeting at a
// barrier whose completion step picks (ties: the lowest index, so the tree
// does not depend on the thread count).
std::vector<Edge> spanning_tree(const BinaryPoints& points, const std::vector<uint64_t>& core, unsigned threads) {
    std::size_t n = points.size();
    std::vector<Edge> edges;
    if (n < 2) return edges;
    edges.reserve(n - 1);
    constexpr uint64_t kFar = std::numeric_limits<uint64_t>::max();
    std::vector<uint64_t> best(n, kFar);
    std::vector<uint32_t> from(n, 0);
    std::vector<uint32_t> outside(n - 1);  // points not yet in the tree
    std::iota(outside.begin(), outside.end(), 1u);
    uint32_t current = 0;
    struct Pick {
        uint64_t weight = kFar;
        uint32_t point = UINT32_MAX;
        std::size_t slot = 0;
        bool better_than(const Pick& other) const {
            return weight < other.weight || (weight == other.weight && point < other.point);
        }
    };
    unsigned workers = std::max(1u, threads);
    std::vector<Pick> picks(workers);
    bool done = false;
    auto relax = [&](unsigned t) {
        Pick pick;
        std::size_t chunk = (outside.size() + workers - 1) / workers;
        std::size_t begin = std::min(outside.size(), t * chunk), end = std::min(outside.size(), begin + chunk);
        uint64_t core_current = core[current];
        for (std::size_t slot = begin; slot < end; ++slot) {
            uint32_t q = outside[slot];
            uint64_t reach = std::max({core_current, core[q], hamming(points, current, q)});
            if (reach < best[q]) {
                best[q] = reach;
                from[q] = current;
            }
            Pick candidate{best[q], q, slot};
            if (candidate.better_than(pick)) pick = candidate;
        }
        picks[t] = pick;
    };
    auto choose = [&]() noexcept {
        Pick chosen;
        for (const Pick& pick : picks)
            if (pick.better_than(chosen)) chosen = pick;
        edges.push_back({from[chosen.point], chosen.point, chosen.weight});
        outside[chosen.slot] = outside.back();
        outside.pop_back();
        current = chosen.point;
        done = outside.empty();
    };
    if (workers == 1 || n < 4096) {
        while (!done) {
            workers = 1;
            relax(0);
            choose();
        }
        return edges;
    }
    std::barrier step(static_cast<std::ptrdiff_t>(workers), choose);
    std::vector<std::thread> pool;
    for (unsigned t = 0; t < workers; ++t) {
        pool.emplace_back([&, t] {
            while (!done) {
                relax(t);
                step.arrive_and_wait();
            }
        });
    }
    for (auto& thread : pool) thread.join();
    return edges;
}

// 3. The single-linkage hierarchy as an n-ary tree. An item is a node or
// a bundle: the `count` identical copies of one distinct vector, each a
// single point.
struct Item {
    bool bundle = false;
    uint32_t index = 0;  // node, or distinct vector
    uint64_t count = 0;  // points under it
};
struct Node {
    uint64_t level = 0;  // Hamming distance at which its children merge
    uint64_t size = 0;
    std::vector<Item> children;
};

struct Hierarchy {
    std::vector<Node> nodes;
    Item root;
};

Hierarchy single_linkage(const BinaryPoints& points, const std::vector<uint64_t>& core, std::vector<Edge> edges) {
    std::size_t n = points.size();
    Hierarchy tree;
    std::vector<Item> top(n);
    // Copies of one vector merge at its core distance: a leaf node.
    for (uint32_t p = 0; p < n; ++p) {
        Item bundle{true, p, points.weights[p]};
        if (points.weights[p] < 2) {
            top[p] = bundle;
            continue;
        }
        tree.nodes.push_back({core[p], points.weights[p], {bundle}});
        top[p] = {false, static_cast<uint32_t>(tree.nodes.size() - 1), points.weights[p]};
    }
    std::vector<uint32_t> parent(n);
    std::iota(parent.begin(), parent.end(), 0u);
    auto find = [&](uint32_t x) {
        while (parent[x] != x) x = parent[x] = parent[parent[x]];
        return x;
    };
    std::sort(edges.begin(), edges.end(), [](const Edge& x, const Edge& y) { return x.weight < y.weight; });
    // A node formed at this same distance is part of this merge: the other
    // side joins it (the smaller list moves), so a long run of merges at
    // one distance costs linear time, not quadratic.
    auto at_level = [&](const Item& item, uint64_t level) { return !item.bundle && tree.nodes[item.index].level == level; };
    for (const Edge& edge : edges) {
        uint32_t a = find(edge.a), b = find(edge.b);
        Item joined;
        if (at_level(top[a], edge.weight) || at_level(top[b], edge.weight)) {
            Item keep = top[a], other = top[b];
            bool both = at_level(keep, edge.weight) && at_level(other, edge.weight);
            if (!at_level(keep, edge.weight) ||
                (both && tree.nodes[other.index].children.size() > tree.nodes[keep.index].children.size()))
                std::swap(keep, other);
            Node& node = tree.nodes[keep.index];
            if (at_level(other, edge.weight)) {
                auto& moving = tree.nodes[other.index].children;
                node.children.insert(node.children.end(), moving.begin(), moving.end());
                moving.clear();
                moving.shrink_to_fit();
            } else {
                node.children.push_back(other);
            }
            node.size += other.count;
            joined = {false, keep.index, node.size};
        } else {
            tree.nodes.push_back({edge.weight, top[a].count + top[b].count, {top[a], top[b]}});
            joined = {false, static_cast<uint32_t>(tree.nodes.size() - 1), tree.nodes.back().size};
        }
        parent[b] = a;
        top[a] = joined;
    }
    tree.root = top[find(0)];
    return tree;
}

// 4. and 5. Condensed tree, stabilities, excess of mass, labels.
struct Cluster {
    int32_t parent = -1;
    double birth = 0;
    double stability = 0;
    std::vector<uint32_t> children;
};

class Condenser {
public:
    Condenser(const Hierarchy& tree, std::size_t points, uint64_t min_cluster_size)
        : tree_(tree), min_cluster_size_(min_cluster_size), fell_from_(points, 0) {}

    HdbscanResult run() {
        clusters_.push_back({});  // the root, born at λ = 0
        if (!tree_.root.bundle) condense();
        return select();
    }

private:
    void condense() {
        std::vector<std::pair<uint32_t, uint32_t>> stack{{tree_.root.index, 0}};  // node, cluster
        while (!stack.empty()) {
            auto [index, cluster] = stack.back();
            stack.pop_back();
            const Node& node = tree_.nodes[index];
            double lambda = hdbscan_lambda(node.level);
            std::size_t big = 0;
            for (const Item& child : node.children) big += is_big(child);
            for (const Item& child : node.children) {
                if (!is_big(child)) {
                    fall_out(child, cluster, lambda);
                } else if (big == 1) {
                    stack.push_back({child.index, cluster});  // the cluster goes on, smaller
                } else {
                    uint32_t born = static_cast<uint32_t>(clusters_.size());
                    clusters_.push_back({static_cast<int32_t>(cluster), lambda, 0, {}});
                    clusters_[cluster].children.push_back(born);
                    clusters_[cluster].stability += (lambda - clusters_[cluster].birth) * static_cast<double>(child.count);
                    stack.push_back({child.index, born});
                }
            }
        }
    }

    bool is_big(const Item& item) const { return !item.bundle && item.count >= min_cluster_size_; }

    // Every point under `item` leaves `cluster` at `lambda`.
    void fall_out(const Item& item, uint32_t cluster, double lambda) {
        clusters_[cluster].stability += (lambda - clusters_[cluster].birth) * static_cast<double>(item.count);
        std::vector<Item> pending{item};
        while (!pending.empty()) {
            Item current = pending.back();
            pending.pop_back();
            if (current.bundle) {
                fell_from_[current.index] = cluster;
                continue;
            }
            for (const Item& child : tree_.nodes[current.index].children) pending.push_back(child);
        }
    }

    HdbscanResult select() {
        std::size_t count = clusters_.size();
        std::vector<double> value(count, 0);
        std::vector<bool> keep(count, false);
        for (std::size_t c = count; c-- > 1;) {  // children before parents; never the root
            double subtree = 0;
            for (uint32_t child : clusters_[c].children) subtree += value[child];
            keep[c] = !hdbscan_more_stable(subtree, clusters_[c].stability);
            value[c] = keep[c] ? clusters_[c].stability : subtree;
        }
        HdbscanResult result;
        std::vector<int32_t> label(count, -1);
        std::vector<bool> covered(count, false);  // an ancestor was chosen
        for (std::size_t c = 1; c < count; ++c) {
            auto parent = static_cast<std::size_t>(clusters_[c].parent);
            covered[c] = covered[parent] || (parent != 0 && keep[parent] && label[parent] >= 0);
            if (!covered[c] && keep[c]) {
                label[c] = static_cast<int32_t>(result.stabilities.size());
                result.stabilities.push_back(clusters_[c].stability);
            } else if (covered[c]) {
                label[c] = label[parent];
            }
        }
        result.labels.reserve(fell_from_.size());
        for (uint32_t cluster : fell_from_) result.labels.push_back(label[cluster]);
        return result;
    }

    const Hierarchy& tree_;
    uint64_t min_cluster_size_;
    std::vector<uint32_t> fell_from_;  // per distinct vector
    std::vector<Cluster> clusters_;
};

}  // namespace

double hdbscan_lambda(uint64_t hamming_distance) {
    return hamming_distance == 0 ? kLambdaOfIdentical : 1.0 / std::sqrt(static_cast<double>(hamming_distance));
}

bool hdbscan_more_stable(double subtree, double cluster) {
    return subtree > cluster + 1e-9 * std::max(1.0, std::fabs(cluster));
}

HdbscanResult hdbscan(const BinaryPoints& points, const HdbscanSettings& settings) {
    if (settings.min_cluster_size < 2) throw std::invalid_argument("min_cluster_size must be at least 2");
    if (settings.min_samples < 1) throw std::invalid_argument("min_samples must be at least 1");
    if (points.bits.size() != points.size() * points.words) throw std::invalid_argument("bits and weights disagree");
    uint64_t total = std::accumulate(points.weights.begin(), points.weights.end(), uint64_t{0});
    HdbscanResult result;
    if (total < settings.min_cluster_size || total < settings.min_samples) {
        result.labels.assign(points.size(), -1);  // too few points for any cluster
        return result;
    }
    unsigned threads = thread_count(settings, points.size());
    std::vector<uint64_t> core = core_distances(points, settings.min_samples, threads);
    Hierarchy tree = single_linkage(points, core, spanning_tree(points, core, threads));
    return Condenser(tree, points.size(), settings.min_cluster_size).run();
}

}  // namespace sipscope::fingerprint
