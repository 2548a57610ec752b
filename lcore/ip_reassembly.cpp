// rte_ip_frag wrapped for one worker. Time is packet time in µs (the
// table compares whatever unit it is given), so a replay reassembles the
// same way at any speed.
#define ALLOW_EXPERIMENTAL_API 1  // rte_ip_frag_table_del_expired_entries (stable in later DPDK)
#include "ip_reassembly.hpp"

#include <rte_errno.h>
#include <rte_ip.h>
#include <rte_ip_frag.h>
#include <rte_mbuf.h>

#include <stdexcept>
#include <string>

namespace sipscope::lcore {

namespace {
// Entries per hash bucket (a power of two): the table holds
// `datagrams` rounded up to a power of two times this many slots, so that
// a bucket rarely fills before the table does.
constexpr uint32_t kBucketEntries = 4;
}  // namespace

IpReassembly::IpReassembly(uint32_t datagrams, uint64_t timeout_us, int socket, exporter::WorkerCounters& counters)
    : dropped_(std::make_unique<rte_ip_frag_death_row>()), counters_(counters) {
    dropped_->cnt = 0;
    table_ = rte_ip_frag_table_create(datagrams, kBucketEntries, datagrams, timeout_us, socket);
    if (table_ == nullptr) {
        throw std::runtime_error("cannot create an IP reassembly table for " + std::to_string(datagrams) +
                                 " datagrams: " + rte_strerror(rte_errno) +
                                 " (give DPDK more memory with -m, or lower --reassembly-datagrams)");
    }
}

IpReassembly::~IpReassembly() {
    // The table frees the fragments it still holds.
    if (table_) rte_ip_frag_table_destroy(table_);
}

rte_mbuf* IpReassembly::add(rte_mbuf* fragment, const parser::DecodedFrame& frame, uint64_t time_us) {
    counters_.fragments.increment();
    fragment->l2_len = frame.l2_length;
    fragment->l3_len = frame.reassembly_header_length;
    uint8_t* ip = rte_pktmbuf_mtod_offset(fragment, uint8_t*, frame.l2_length);
    rte_mbuf* whole;
    if (frame.is_ipv6) {
        auto* header = reinterpret_cast<rte_ipv6_hdr*>(ip);
        whole = rte_ipv6_frag_reassemble_packet(table_, dropped_.get(), fragment, time_us, header,
                                                rte_ipv6_frag_get_ipv6_fragment_header(header));
    } else {
        whole = rte_ipv4_frag_reassemble_packet(table_, dropped_.get(), fragment, time_us,
                                                reinterpret_cast<rte_ipv4_hdr*>(ip));
    }
    if (whole) counters_.datagrams_reassembled.increment();
    return whole;
}

void IpReassembly::release_dropped() {
    if (dropped_->cnt == 0) return;
    counters_.fragments_dropped.add(dropped_->cnt);
    rte_ip_frag_free_death_row(dropped_.get(), 0);
}

void IpReassembly::expire(uint64_t now_us) {
    // The table moves at most a death row's worth at a time.
    for (;;) {
        rte_ip_frag_table_del_expired_entries(table_, dropped_.get(), now_us);
        uint32_t moved = dropped_->cnt;
        release_dropped();
        if (moved == 0) return;
    }
}

}  // namespace sipscope::lcore
