// The Prometheus view of the sensor: one Collectable that, at scrape time,
// sums the workers' counter blocks and reads the port and control-plane
// snapshots. Runs on the exposer's HTTP threads; it only reads.
// Workers never touch a prometheus-cpp object (STYLE.md).
#pragma once

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include <atomic>
#include <cstdint>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "clickhouse_sink.hpp"
#include "event_writer.hpp"
#include "tool_registry.hpp"
#include "worker_counters.hpp"

namespace sipscope::exporter {

// A port's own counters (rte_eth_stats), as last read by the control lcore.
struct PortCounters {
    uint16_t port_id = 0;
    std::string name;
    uint64_t rx_packets = 0;
    uint64_t rx_bytes = 0;
    uint64_t rx_missed = 0;   // imissed: dropped by the NIC, no descriptor
    uint64_t rx_errors = 0;   // ierrors
    uint64_t rx_nombuf = 0;   // RX mbuf allocation failures
    bool link_up = false;
    uint32_t link_speed_mbps = 0;  // 0: unknown
    // Per RX queue, from the port's extended statistics (rx_q<N>_packets,
    // rx_q<N>_errors) where the driver has them.
    struct Queue {
        uint16_t queue = 0;
        uint64_t packets = 0;
        uint64_t errors = 0;  // the driver's per-queue drops (missed or errors)
    };
    std::vector<Queue> queues;
};

// control lcore: wo (publish); exporter threads: ro (snapshot).
class PortCounterBoard {
public:
    void publish(std::vector<PortCounters> ports) {
        std::lock_guard lock(mutex_);
        ports_ = std::move(ports);
    }
    std::vector<PortCounters> snapshot() const {
        std::lock_guard lock(mutex_);
        return ports_;
    }

private:
    mutable std::mutex mutex_;
    std::vector<PortCounters> ports_;
};

struct SensorIdentity {
    std::string version;
    std::string dpdk_version;
    std::string mode;  // "run" or "replay"
    uint64_t tsc_hz = 0;
    std::string tool_db;  // the tool database's file
};

class FamilyBuilder;  // sensor_metrics.cpp

// The tool database in use and its reloads, for the metrics: written by
// the control lcore (at start, on each reload), read by scrapes.
class ToolDbStatus {
public:
    struct Snapshot {
        std::string path;
        std::size_t tools = 0, conditions = 0;
        double loaded_at = 0;  // Unix time
        uint64_t reloads_ok = 0, reloads_failed = 0;
    };
    void loaded(const std::string& path, std::size_t tools, std::size_t conditions, bool reload);
    void reload_failed();
    Snapshot read() const;

private:
    mutable std::mutex mutex_;
    Snapshot snapshot_;
};

class SensorMetrics : public prometheus::Collectable {
public:
    SensorMetrics(SensorIdentity identity, std::span<const WorkerCounters* const> workers,
                  const PortCounterBoard& ports, const EventWriter& events,
                  const fingerprint::ToolRegistry* tools = nullptr, const ToolDbStatus* tool_db = nullptr)
        : identity_(std::move(identity)), workers_(workers.begin(), workers.end()), ports_(ports), events_(events),
          tools_(tools), tool_db_(tool_db), boot_time_(read_boot_time()) {}

    // Adds ClickHouse's counters to the output families; call before the
    // collector is registered (no scrape may race it). It must outlive
    // every scrape.
    void attach_output(const ClickHouseSink* clickhouse) { clickhouse_ = clickhouse; }

    std::vector<prometheus::MetricFamily> Collect() const override;

private:
    void collect_outputs(FamilyBuilder& out) const;
    void collect_process(FamilyBuilder& out) const;
    static double read_boot_time();  // /proc/stat btime
    void collect_ports(FamilyBuilder& out) const;
    void collect_workers(FamilyBuilder& out, double cycles_per_second) const;
    void collect_tools(FamilyBuilder& out, const CounterSums& sums) const;

    SensorIdentity identity_;
    std::vector<const WorkerCounters*> workers_;
    const PortCounterBoard& ports_;
    const EventWriter& events_;
    const fingerprint::ToolRegistry* tools_;
    const ToolDbStatus* tool_db_;
    const ClickHouseSink* clickhouse_ = nullptr;
    double boot_time_;
};

// The exposition text of `collectable` (for --metrics-file and tests).
std::string serialize_metrics(const prometheus::Collectable& collectable);

}  // namespace sipscope::exporter
