// Port and queue set-up (control lcore, after EAL start, before workers
// launch): the mbuf pool, one RX queue per worker where the port has them,
// RSS on the source address alone where the port supports it, promiscuous
// mode, and the assignment of queues to workers.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "worker_context.hpp"

struct rte_mempool;

namespace sipscope::lcore {

struct PortPlan {
    uint16_t port_id = 0;
    std::string name;
    uint16_t rx_queues = 0;
    bool rss_source_only = false;  // the port hashes on the source address alone
};

struct PortSetup {
    std::vector<PortPlan> ports;
    // rx_queues[w]: the queues worker w polls.
    std::vector<std::vector<RxQueue>> worker_queues;
    rte_mempool* mbuf_pool = nullptr;
};

struct PortRequest {
    std::vector<std::string> ports;  // ids or names; empty = all
    unsigned workers = 1;
    unsigned queues_per_port = 0;    // 0 = one per worker
    unsigned rx_descriptors = 1024;
    unsigned mbufs = 0;              // 0 = computed
    unsigned handoff_ring_size = 4096;
    unsigned reassembly_datagrams = 0;  // per worker: each holds at least one fragment
};

// Throws std::runtime_error with a one-line reason on any failure.
PortSetup set_up_ports(const PortRequest& request);

// Stops and closes every port of the set-up.
void close_ports(const PortSetup& setup);

}  // namespace sipscope::lcore
