// HDBSCAN (Campello, Moulavi and Sander 2013; McInnes, Healy and Astels
// 2017) for binary vectors under Euclidean distance — the paper's campaign
// clustering of sources by the days they were active (seed 000, section
// VI). No EAL, no sensor state: `sipscope campaigns` and tests call it.
//
// Points come as distinct vectors with multiplicities (sources with the
// same active days are one vector of weight N): the result is exactly that
// of HDBSCAN on the expanded set, at a cost that grows with the distinct
// vectors only. Steps, as the papers define them:
//   1. core distance: the distance to the min_samples-th nearest point,
//      the point itself counted first (a vector of weight ≥ min_samples has
//      core distance 0);
//   2. mutual reachability max(core p, core q, d(p, q)) and its minimum
//      spanning tree (Prim, O(n²) over the distinct vectors, threads
//      sharing the scan);
//   3. the single-linkage hierarchy. Merges at one distance form one node
//      (an n-ary tree), so the result does not depend on the order in which
//      equal distances are visited;
//   4. the condensed tree for min_cluster_size, where a split leaves two or
//      more parts of at least min_cluster_size points, and each cluster's
//      stability Σ (λ_leave − λ_birth), λ = 1/distance;
//   5. excess-of-mass selection (the root is never a cluster, as in
//      HDBSCAN's default); points outside every selected cluster are noise.
// Distance 0 (identical vectors) has λ = 2: binary vectors that differ are
// at least 1 apart (λ ≤ 1), so this keeps λ finite and ordered.
#pragma once

#include <cstdint>
#include <vector>

namespace sipscope::fingerprint {

struct BinaryPoints {
    unsigned words = 1;                // 64-bit words per vector
    std::vector<uint64_t> bits;        // point i: bits[i * words … i * words + words - 1]
    std::vector<uint64_t> weights;     // points with this vector (≥ 1)
    std::size_t size() const { return weights.size(); }
};

struct HdbscanSettings {
    uint64_t min_cluster_size = 5;  // ≥ 2
    uint64_t min_samples = 5;       // ≥ 1
    unsigned threads = 0;           // 0: hardware concurrency
};

struct HdbscanResult {
    std::vector<int32_t> labels;       // per distinct vector: cluster 0…k-1, or -1 (noise)
    std::vector<double> stabilities;   // per cluster
    std::size_t clusters() const { return stabilities.size(); }
};

// λ for a Hamming distance (squared Euclidean distance of binary vectors).
double hdbscan_lambda(uint64_t hamming);
// Excess-of-mass keeps a cluster unless its selected descendants are more
// stable; this is "more", with room for rounding of the sums.
bool hdbscan_more_stable(double subtree, double cluster);

HdbscanResult hdbscan(const BinaryPoints& points, const HdbscanSettings& settings);

}  // namespace sipscope::fingerprint
