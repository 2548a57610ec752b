// What a replay's summary says about sources: how many there were, which
// sent the most SIP requests, and how many each tool was named for. Fed by
// the control lcore with every closed flow, in bounded memory and at a
// bounded cost per flow, however many sources the capture holds — a
// telescope capture may hold millions, most sending one packet.
//
// - Distinct sources: exact up to kExactSources (a flat set of 64-bit
//   address hashes, 1 MiB), a HyperLogLog estimate beyond.
// - Top sources: the kTopSources heaviest by requests over all their flows
//   (exporter::BoundedTop), whenever they first appear: a heavy scanner
//   late in a long capture is ranked like one at its start.
// - Sources by tool: distinct (source, tool) pairs, exact while the pair
//   set holds them, per-tool HyperLogLog estimates beyond; a source whose
//   flows were named differently counts under each name.
//
// It replaces a std::unordered_map of the first 65,536 sources, whose
// look-up for every new source cost ~12 % of the control lcore in a
// 1,000,000-source flood and which ranked only those first sources.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "bounded_top.hpp"
#include "distinct_counter.hpp"
#include "flow_state.hpp"

namespace sipscope::lcore {

// A set of 64-bit hashes (0 is never stored: it marks an empty slot) that
// holds up to `capacity` of them at half load, probed linearly.
class HashSet {
public:
    explicit HashSet(std::size_t capacity);
    // Adds `hash`; true when it was new. False also when the set is full
    // (then full() says so), and for every insert after that.
    bool insert(uint64_t hash);
    void prefetch(uint64_t hash) const {
        if (!full_) __builtin_prefetch(&slots_[(hash == 0 ? 1 : hash) & (slots_.size() - 1)], 0, 3);
    }
    bool full() const { return full_; }
    std::size_t size() const { return size_; }

private:
    std::vector<uint64_t> slots_;
    std::size_t size_ = 0;
    std::size_t capacity_;
    bool full_ = false;
};

class ReplaySources {
public:
    static constexpr std::size_t kExactSources = 1 << 16;
    static constexpr std::size_t kTopSources = 1024;

    struct Tally {
        uint64_t requests = 0;
        std::array<uint32_t, parser::kSipMethodCount> methods{};
        uint64_t weight() const { return requests; }
    };

    ReplaySources();
    void observe(const fingerprint::FlowState& flow);
    // Asks for the lines observe(flow) will look up first, a flow or more ahead.
    void prefetch(const fingerprint::FlowState& flow) const {
        sources_.prefetch(parser::IpAddressHash()(flow.source));
        top_.prefetch(flow.source);
    }

    uint64_t count() const;
    bool count_estimated() const { return sources_.full(); }
    // The `limit` heaviest sources, most requests first, ties by address text.
    std::vector<std::pair<parser::IpAddress, Tally>> top(std::size_t limit) const;
    // The distinct sources with a flow named so, by ToolRegistry slot (-1:
    // unknown); only flows that sent requests, only tools with a source.
    std::vector<std::pair<int16_t, uint64_t>> by_tool() const;
    bool by_tool_estimated() const { return pairs_.full(); }

private:
    using Sketch = fingerprint::DistinctCounter<16, 16384>;
    HashSet sources_;
    fingerprint::DistinctCounter<16, 16384> all_sources_;
    HashSet pairs_;  // (source, tool) pairs
    struct ToolSources {
        uint64_t exact = 0;              // while pairs_ holds every pair
        std::unique_ptr<Sketch> sketch;  // every source, for beyond
    };
    std::vector<ToolSources> by_tool_;  // by tool slot + 1; a sketch once the tool named a source
    exporter::BoundedTop<Tally> top_;
};

}  // namespace sipscope::lcore
