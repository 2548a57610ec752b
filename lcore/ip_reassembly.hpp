// IPv4 and IPv6 fragment reassembly on the worker that polls the port,
// before a packet's owner is decided: a scanner that pads a request past
// the MTU and lets the network fragment it must still be parsed whole.
// DPDK's rte_ip_frag table does the work; this class bounds it, feeds it
// packet time, frees what it gives up and counts every fragment.
//
// All fragments of one datagram arrive on one RX queue (NICs hash
// fragments on the IP addresses only), so one table per worker suffices.
// Owned by one worker lcore; no locks.
//
// Bounds: `datagrams` incomplete datagrams at once per worker, each of at
// most RTE_LIBRTE_IP_FRAG_MAX_FRAG (8) fragments; an incomplete datagram is
// given up `timeout_us` of packet time after its first fragment. What is
// given up (timeout, overlap, too many fragments, table full) is counted
// in `fragments_dropped`. IPv6 fragments whose fragment header follows
// other extension headers are not reassembled (rte_ip_frag reads only the
// header right after the fixed one); their first fragment is parsed alone.
#pragma once

#include <cstdint>
#include <memory>

#include "frame_decoder.hpp"
#include "worker_counters.hpp"

struct rte_mbuf;
struct rte_ip_frag_tbl;
struct rte_ip_frag_death_row;

namespace sipscope::lcore {

class IpReassembly {
public:
    // Throws std::runtime_error when DPDK cannot allocate the table.
    IpReassembly(uint32_t datagrams, uint64_t timeout_us, int socket, exporter::WorkerCounters& counters);
    ~IpReassembly();
    IpReassembly(const IpReassembly&) = delete;
    IpReassembly& operator=(const IpReassembly&) = delete;

    // Whether this fragment can go to the table.
    static bool takes(const parser::DecodedFrame& frame) {
        return frame.is_fragment && frame.reassembly_header_length != 0;
    }
    // Takes the fragment (the table owns it from now on). Returns the whole
    // datagram as a chain of mbufs once its last fragment is here, else
    // nullptr. Call release_dropped() after each burst.
    rte_mbuf* add(rte_mbuf* fragment, const parser::DecodedFrame& frame, uint64_t time_us);
    // Gives up datagrams older than the timeout at packet time `now_us`.
    void expire(uint64_t now_us);
    // Frees and counts the fragments the table gave up.
    void release_dropped();

private:
    rte_ip_frag_tbl* table_ = nullptr;
    std::unique_ptr<rte_ip_frag_death_row> dropped_;
    exporter::WorkerCounters& counters_;
};

}  // namespace sipscope::lcore
