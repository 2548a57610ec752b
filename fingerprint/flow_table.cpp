// FlowTable list maintenance. Runs on the owning worker lcore (construction
// on the control lcore before workers start). No DPDK here: the index
// behind the table is a FlowIndex (see dpdk_flow_table.cpp).
#include "flow_table.hpp"

namespace sipscope::fingerprint {

FlowTable::FlowTable(std::unique_ptr<FlowIndex> index, FlowState* storage, uint32_t capacity, uint64_t timeout_us,
                     StorageRelease release)
    : index_(std::move(index)), flows_(storage), capacity_(capacity), timeout_us_(timeout_us), release_(release) {
    free_slots_.reserve(capacity_);
    for (uint32_t slot = capacity_; slot-- > 0;) free_slots_.push_back(slot);
}

FlowTable::~FlowTable() {
    if (release_) release_(flows_);
}

void FlowTable::lookup_bulk(const parser::IpAddress* const* keys, unsigned count, int32_t* positions) const {
    generation_at_lookup_ = generation_;
    if (count != 0) index_->lookup_bulk(keys, count, positions);
}

int32_t FlowTable::lookup(const parser::IpAddress& key) const { return index_->lookup(key); }

int32_t FlowTable::add_key(const parser::IpAddress& key) {
    if (free_slots_.empty()) return -1;
    uint32_t slot = free_slots_.back();
    if (!index_->add(key, slot)) return -1;
    free_slots_.pop_back();
    return static_cast<int32_t>(slot);
}

void FlowTable::remove(uint32_t index) {
    unlink(index);
    index_->remove(flows_[index].source);
    free_slots_.push_back(index);  // never reallocates: reserved for every slot
    --size_;
    ++generation_;
}

void FlowTable::link_tail(uint32_t index) {
    FlowState& flow = flows_[index];
    flow.lru_previous = tail_;
    flow.lru_next = kNone;
    if (tail_ != kNone) flows_[tail_].lru_next = index;
    tail_ = index;
    if (head_ == kNone) head_ = index;
}

void FlowTable::unlink(uint32_t index) {
    FlowState& flow = flows_[index];
    if (flow.lru_previous != kNone) flows_[flow.lru_previous].lru_next = flow.lru_next;
    else head_ = flow.lru_next;
    if (flow.lru_next != kNone) flows_[flow.lru_next].lru_previous = flow.lru_previous;
    else tail_ = flow.lru_previous;
    flow.lru_previous = flow.lru_next = kNone;
}

}  // namespace sipscope::fingerprint
