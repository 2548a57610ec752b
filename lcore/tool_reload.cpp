// Tool database reloads (see tool_reload.hpp). Control lcore.
#include "tool_reload.hpp"

#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>

#include <atomic>
#include <stdexcept>

#include "log.hpp"
#include "worker_context.hpp"

namespace sipscope::lcore {

ToolReloader::ToolReloader(std::string path, std::unique_ptr<fingerprint::ToolDatabase> initial,
                           fingerprint::ToolRegistry& registry, exporter::ToolDbStatus& status, unsigned workers)
    : path_(std::move(path)), current_(std::move(initial)), registry_(registry), status_(status) {
    std::size_t bytes = rte_rcu_qsbr_get_memsize(workers);
    rcu_ = static_cast<rte_rcu_qsbr*>(rte_zmalloc("tools_rcu", bytes, RTE_CACHE_LINE_SIZE));
    if (rcu_ == nullptr || rte_rcu_qsbr_init(rcu_, workers) != 0)
        throw std::runtime_error(std::string("cannot set up RCU for tool database reloads: ") + rte_strerror(rte_errno));
    status_.loaded(path_, current_->tools().size(), current_->condition_count(), false);
}

ToolReloader::~ToolReloader() {
    // The workers have returned (tear_down took back what they did not
    // take): nothing reads these any more.
    retired_.clear();
    rte_free(rcu_);
}

std::string ToolReloader::reload() {
    std::unique_ptr<fingerprint::ToolDatabase> next;
    try {
        next = fingerprint::ToolDatabase::load(path_);
    } catch (const std::exception& error) {
        status_.reload_failed();
        return error.what();
    }
    if (std::string problem = registry_.adopt(*next); !problem.empty()) {
        status_.reload_failed();
        return path_ + ": " + problem;
    }
    for (WorkerContext* worker : workers_) {
        auto* handover = new ToolSwitch{next.get(), next->make_scratch()};
        // A hand-over the worker has not taken yet names a database that is
        // only now being retired: replace it (the worker never saw it).
        delete worker->tool_switch.exchange(handover, std::memory_order_acq_rel);
    }
    retired_.push_back({std::move(current_), rte_rcu_qsbr_start(rcu_)});
    current_ = std::move(next);
    status_.loaded(path_, current_->tools().size(), current_->condition_count(), true);
    return {};
}

void ToolReloader::collect() {
    while (!retired_.empty() && rte_rcu_qsbr_check(rcu_, retired_.front().token, false) == 1)
        retired_.erase(retired_.begin());
}

}  // namespace sipscope::lcore
