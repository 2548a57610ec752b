// The replay summary's sources (see replay_sources.hpp). Control lcore.
#include "replay_sources.hpp"

#include <algorithm>
#include <bit>
#include <cstring>

namespace sipscope::lcore {

HashSet::HashSet(std::size_t capacity) : slots_(std::bit_ceil(2 * capacity), 0), capacity_(capacity) {}

bool HashSet::insert(uint64_t hash) {
    // Full, the set is no longer what counts (the sketch is): probing it for
    // every new source of a long flood cost ~6 % of the control lcore.
    if (full_) return false;
    if (hash == 0) hash = 1;
    std::size_t mask = slots_.size() - 1;
    for (std::size_t slot = hash & mask;; slot = (slot + 1) & mask) {
        if (slots_[slot] == hash) return false;
        if (slots_[slot] != 0) continue;
        if (size_ == capacity_) {
            full_ = true;
            return false;
        }
        slots_[slot] = hash;
        ++size_;
        return true;
    }
}

namespace {
uint32_t fold(uint64_t hash) { return static_cast<uint32_t>(hash ^ (hash >> 32)); }
}  // namespace

ReplaySources::ReplaySources() : sources_(kExactSources), pairs_(kExactSources), top_(kTopSources) {}

void ReplaySources::observe(const fingerprint::FlowState& flow) {
    uint64_t hash = parser::IpAddressHash()(flow.source);
    sources_.insert(hash);
    all_sources_.add(fold(hash));
    if (flow.requests > 0) {
        std::size_t slot = static_cast<std::size_t>(flow.tool + 1);
        if (slot >= by_tool_.size()) by_tool_.resize(slot + 1);
        ToolSources& tool = by_tool_[slot];
        if (!tool.sketch) tool.sketch = std::make_unique<Sketch>();
        tool.sketch->add(fold(hash));
        // The pair's hash: the source's, moved by an odd multiple of the tool.
        if (pairs_.insert(hash + (slot + 1) * 0x9e3779b97f4a7c15ULL)) ++tool.exact;
    }
    Tally* tally = top_.find(flow.source);
    Tally added;
    Tally& into = tally ? *tally : added;
    into.requests += flow.requests;
    for (std::size_t m = 0; m < parser::kSipMethodCount; ++m) into.methods[m] += flow.requests_by_method[m];
    if (tally) top_.reweighed(flow.source);
    else top_.admit(flow.source, added);
}

uint64_t ReplaySources::count() const { return sources_.full() ? all_sources_.count() : sources_.size(); }

std::vector<std::pair<parser::IpAddress, ReplaySources::Tally>> ReplaySources::top(std::size_t limit) const {
    std::vector<std::pair<parser::IpAddress, Tally>> ranked;
    top_.for_each([&](const parser::IpAddress& address, const Tally& tally) { ranked.emplace_back(address, tally); });
    auto text_before = [](const parser::IpAddress& a, const parser::IpAddress& b) {
        char left[64], right[64];
        left[a.format(left, sizeof left)] = '\0';
        right[b.format(right, sizeof right)] = '\0';
        return std::strcmp(left, right) < 0;
    };
    std::size_t shown = std::min(limit, ranked.size());
    std::partial_sort(ranked.begin(), ranked.begin() + static_cast<long>(shown), ranked.end(), [&](const auto& a, const auto& b) {
        return a.second.requests != b.second.requests ? a.second.requests > b.second.requests : text_before(a.first, b.first);
    });
    ranked.resize(shown);
    return ranked;
}

std::vector<std::pair<int16_t, uint64_t>> ReplaySources::by_tool() const {
    std::vector<std::pair<int16_t, uint64_t>> counts;
    for (std::size_t slot = 0; slot < by_tool_.size(); ++slot) {
        const ToolSources& tool = by_tool_[slot];
        if (!tool.sketch) continue;
        counts.emplace_back(static_cast<int16_t>(slot) - 1, pairs_.full() ? tool.sketch->count() : tool.exact);
    }
    return counts;
}

}  // namespace sipscope::lcore
