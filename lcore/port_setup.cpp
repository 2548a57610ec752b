#include "log.hpp"
#include "port_setup.hpp"
#include "resident_pool.hpp"

#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_log.h>
#include <rte_mbuf.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <stdexcept>

namespace sipscope::lcore {

namespace {

constexpr unsigned kMbufCache = 256;


std::string error_text(int code) { return rte_strerror(code < 0 ? -code : code); }

uint16_t resolve_port(const std::string& text) {
    unsigned id = 0;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), id);
    if (error == std::errc() && end == text.data() + text.size()) {
        if (id >= RTE_MAX_ETHPORTS || !rte_eth_dev_is_valid_port(static_cast<uint16_t>(id))) {
            throw std::runtime_error("--ports: there is no port " + text + "; DPDK found " +
                                     std::to_string(rte_eth_dev_count_avail()) +
                                     " (give devices to the EAL with -a PCI_ADDRESS or --vdev)");
        }
        return static_cast<uint16_t>(id);
    }
    uint16_t port = 0;
    if (rte_eth_dev_get_port_by_name(text.c_str(), &port) != 0) {
        throw std::runtime_error("--ports: no port is named '" + text + "'");
    }
    return port;
}

}  // namespace

namespace {

// The ports to watch, with their queue counts (not yet configured).
std::vector<PortPlan> plan_ports(const PortRequest& request) {
    std::vector<uint16_t> port_ids;
    if (request.ports.empty()) {
        uint16_t port;
        RTE_ETH_FOREACH_DEV(port) port_ids.push_back(port);
    } else {
        for (const auto& text : request.ports) port_ids.push_back(resolve_port(text));
    }
    if (port_ids.empty()) {
        throw std::runtime_error("no port to watch: DPDK found no Ethernet device (bind a NIC to a DPDK driver "
                                 "and pass -a PCI_ADDRESS, or give a virtual device such as "
                                 "--vdev net_pcap0,rx_pcap=FILE after --)");
    }
    std::vector<PortPlan> plans;
    for (uint16_t port_id : port_ids) {
        rte_eth_dev_info info{};
        int status = rte_eth_dev_info_get(port_id, &info);
        if (status != 0) throw std::runtime_error("port " + std::to_string(port_id) + ": cannot read device info: " + error_text(status));
        PortPlan plan;
        plan.port_id = port_id;
        char name[RTE_ETH_NAME_MAX_LEN] = {};
        rte_eth_dev_get_name_by_port(port_id, name);
        plan.name = name;
        unsigned wanted = request.queues_per_port ? request.queues_per_port : request.workers;
        plan.rx_queues = static_cast<uint16_t>(std::max(1u, std::min<unsigned>(wanted, info.max_rx_queues)));
        if (request.queues_per_port && plan.rx_queues < request.queues_per_port) {
            SIPSCOPE_LOG(warning, "port %u (%s) has at most %u RX queues; using %u\n", port_id, name,
                         info.max_rx_queues, plan.rx_queues);
        }
        plans.push_back(plan);
    }
    return plans;
}

// Pool: every RX descriptor filled, plus bursts in flight on each worker,
// every hand-off ring full and every reassembly table holding a fragment
// per datagram, plus per-lcore caches. Each mbuf has room
// for the HandoffNote (worker_context.hpp) in its private area.
rte_mempool* make_mbuf_pool(const PortRequest& request, const std::vector<PortPlan>& ports) {
    unsigned total_queues = 0;
    for (const PortPlan& plan : ports) total_queues += plan.rx_queues;
    unsigned needed = total_queues * request.rx_descriptors +
                      request.workers * (request.handoff_ring_size + request.reassembly_datagrams + 4 * kBurst) +
                      (request.workers + 1) * kMbufCache;
    unsigned mbufs = request.mbufs ? request.mbufs : std::max(needed, 8191u);
    rte_mempool* pool = create_resident_packet_pool("sipscope_mbufs", mbufs, kMbufCache, kMbufPrivateBytes,
                                                    RTE_MBUF_DEFAULT_BUF_SIZE, static_cast<int>(rte_socket_id()));
    if (pool == nullptr) {
        throw std::runtime_error("cannot create a pool of " + std::to_string(mbufs) + " mbufs: " + error_text(rte_errno) +
                                 " (give DPDK more memory with -m, or lower --mbufs / --rx-descriptors)");
    }
    if (request.mbufs && request.mbufs < needed) {
        SIPSCOPE_LOG(warning, "--mbufs %u is below the %u the queues can hold; expect rx_nombuf drops\n",
                     request.mbufs, needed);
    }
    return pool;
}

// RSS on the source address where the port offers it, jumbo frames as chains.
rte_eth_conf port_configuration(PortPlan& plan) {
    rte_eth_dev_info info{};
    rte_eth_dev_info_get(plan.port_id, &info);
    rte_eth_conf configuration{};
    if (plan.rx_queues > 1 && info.flow_type_rss_offloads != 0) {
        configuration.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
        uint64_t wanted = (RTE_ETH_RSS_IP | RTE_ETH_RSS_L3_SRC_ONLY);
        uint64_t offered = info.flow_type_rss_offloads;
        configuration.rx_adv_conf.rss_conf.rss_hf = (offered & RTE_ETH_RSS_L3_SRC_ONLY) ? (wanted & offered) : (RTE_ETH_RSS_IP & offered);
        plan.rss_source_only = (offered & RTE_ETH_RSS_L3_SRC_ONLY) != 0;
        if (info.hash_key_size == kRssKey.size()) {
            configuration.rx_adv_conf.rss_conf.rss_key = const_cast<uint8_t*>(kRssKey.data());
            configuration.rx_adv_conf.rss_conf.rss_key_len = static_cast<uint8_t>(kRssKey.size());
        }
    }
    if (info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_SCATTER) {
        configuration.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_SCATTER;  // jumbo frames as chains
    }
    return configuration;
}

void start_port(PortPlan& plan, const PortRequest& request, rte_mempool* pool) {
    rte_eth_conf configuration = port_configuration(plan);
    std::string port = "port " + std::to_string(plan.port_id) + " (" + plan.name + ")";
    int status = rte_eth_dev_configure(plan.port_id, plan.rx_queues, 0, &configuration);
    if (status != 0)
        throw std::runtime_error(port + ": cannot configure " + std::to_string(plan.rx_queues) + " RX queues: " + error_text(status));
    uint16_t descriptors = static_cast<uint16_t>(request.rx_descriptors);
    uint16_t unused_tx = 0;
    rte_eth_dev_adjust_nb_rx_tx_desc(plan.port_id, &descriptors, &unused_tx);
    for (uint16_t queue = 0; queue < plan.rx_queues; ++queue) {
        status = rte_eth_rx_queue_setup(plan.port_id, queue, descriptors, rte_eth_dev_socket_id(plan.port_id), nullptr, pool);
        if (status != 0)
            throw std::runtime_error(port + ": RX queue " + std::to_string(queue) + " set-up failed: " + error_text(status));
    }
    status = rte_eth_dev_start(plan.port_id);
    if (status != 0) throw std::runtime_error(port + ": cannot start: " + error_text(status));
    status = rte_eth_promiscuous_enable(plan.port_id);
    if (status != 0 && status != -ENOTSUP) {
        SIPSCOPE_LOG(warning, "%s: promiscuous mode not enabled: %s\n", port.c_str(), error_text(status).c_str());
    }
    rte_eth_link link{};
    rte_eth_link_get_nowait(plan.port_id, &link);
    SIPSCOPE_LOG(info, "%s: %u RX queue(s), RSS %s, link %s, %u Mbps\n", port.c_str(), plan.rx_queues,
                 configuration.rxmode.mq_mode == RTE_ETH_MQ_RX_RSS
                     ? (plan.rss_source_only ? "on source address" : "on addresses (hand-offs do the rest)")
                     : "off",
                 link.link_status ? "up" : "down", link.link_speed);
}

}  // namespace

PortSetup set_up_ports(const PortRequest& request) {
    PortSetup setup;
    setup.ports = plan_ports(request);
    setup.mbuf_pool = make_mbuf_pool(request, setup.ports);
    for (PortPlan& plan : setup.ports) start_port(plan, request, setup.mbuf_pool);
    // Queue q of every port goes to worker q % workers: with the NIC's
    // default redirection table (entry i → queue i % queues) and as many
    // queues as workers, RSS on the source address then delivers each
    // packet to its owner (source_owner.hpp) and no hand-off is needed.
    setup.worker_queues.assign(request.workers, {});
    for (const PortPlan& plan : setup.ports) {
        for (uint16_t queue = 0; queue < plan.rx_queues; ++queue) {
            setup.worker_queues[queue % request.workers].push_back(RxQueue{plan.port_id, queue});
        }
    }
    return setup;
}

void close_ports(const PortSetup& setup) {
    for (const PortPlan& plan : setup.ports) {
        rte_eth_dev_stop(plan.port_id);
        rte_eth_dev_close(plan.port_id);
    }
}

}  // namespace sipscope::lcore
