// Reloading the tool database while the sensor runs (SIGUSR2, POST
// /reload), without stopping a worker and without a lock on the data path.
//
// The control lcore loads and compiles the file again (a broken file is
// refused, naming file and line, and the database in use stays), gives its
// tools their ToolRegistry slots, makes a Hyperscan scratch per worker,
// and hands each worker its ToolSwitch, then takes an RCU token. At the
// top of every poll-loop pass (between bursts) a worker reports a
// quiescent state to DPDK's RCU (rte_rcu_qsbr) and then takes any
// hand-over (worker_loop.cpp says why in that order). Once every worker
// has reported the token, none can match with the old database again, and
// the control lcore frees it: checked without waiting, on every
// control-loop pass.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "sensor_metrics.hpp"
#include "tool_database.hpp"
#include "tool_registry.hpp"

struct rte_rcu_qsbr;

namespace sipscope::lcore {

struct WorkerContext;

// What a worker takes on a reload (worker_context.hpp: tool_switch).
struct ToolSwitch {
    const fingerprint::ToolDatabase* database = nullptr;
    std::unique_ptr<fingerprint::ToolScratch> scratch;
};

class ToolReloader {
public:
    // `initial`: the database the workers start with (adopted by `registry`
    // before). Throws std::runtime_error if DPDK cannot make the RCU state.
    ToolReloader(std::string path, std::unique_ptr<fingerprint::ToolDatabase> initial, fingerprint::ToolRegistry& registry,
                 exporter::ToolDbStatus& status, unsigned workers);
    ~ToolReloader();
    ToolReloader(const ToolReloader&) = delete;
    ToolReloader& operator=(const ToolReloader&) = delete;

    const fingerprint::ToolDatabase& current() const { return *current_; }
    rte_rcu_qsbr* rcu() const { return rcu_; }
    void attach(std::vector<WorkerContext*> workers) { workers_ = std::move(workers); }

    // Loads the file again and hands it to every worker. Returns "" or why
    // not (the database in use stays). Control lcore.
    std::string reload();
    // Frees the databases no worker can still be using. Control lcore,
    // every pass (cheap when there is none).
    void collect();

private:
    struct Retired {
        std::unique_ptr<fingerprint::ToolDatabase> database;
        uint64_t token;  // rte_rcu_qsbr_start's, when it was replaced
    };
    std::string path_;
    std::unique_ptr<fingerprint::ToolDatabase> current_;
    fingerprint::ToolRegistry& registry_;
    exporter::ToolDbStatus& status_;
    rte_rcu_qsbr* rcu_ = nullptr;
    std::vector<WorkerContext*> workers_;
    std::vector<Retired> retired_;
};

}  // namespace sipscope::lcore
