// sipscope: entry point. Parses options, starts the EAL, sets up ports,
// rings and per-worker state, launches the workers, runs the control loop
// on the main lcore, and reports. Every start-up failure is one line on
// standard error and a non-zero exit; nothing here runs per packet.
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf_dyn.h>
#include <rte_mempool.h>
#include <rte_ring.h>
#include <rte_version.h>
#include <rte_cycles.h>
#include <sched.h>
#include <unistd.h>

#include <prometheus/exposer.h>

#include <algorithm>
#include <chrono>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <map>
#include <optional>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <future>
#include <memory>
#include <string>
#include <vector>

#include "log.hpp"
#include "service_notify.hpp"
#include "capture_inventory.hpp"
#include "control_loop.hpp"
#include "port_setup.hpp"
#include "sensor_metrics.hpp"
#include "sensor_options.hpp"
#include "resident_memory.hpp"
#include "resident_pool.hpp"
#include "worker_context.hpp"

#ifndef SIPSCOPE_VERSION
#define SIPSCOPE_VERSION "unknown"
#endif

namespace sipscope::lcore {
namespace {

// Exit statuses beyond 0 (done), 1 (could not start) and 2 (bad options).
constexpr int kExitCaptureShort = 3;  // the port delivered fewer packets than the capture holds
// Tools a reloaded database may add to the ones the sensor started with
// (the per-tool counters are sized at start).
constexpr std::size_t kToolSlotsForReloads = 256;
constexpr int kExitOutputLost = 4;    // events were lost (counted), or the metrics file could not be written

// Records carry a copy of the flow's detail (~7.5 KiB each).
constexpr unsigned kRecordRingSize = 4096;
constexpr unsigned kRecordPoolCache = 64;

// Every record that can exist at once: each worker's ring full (a ring of
// 4,096 holds 4,095), its batch not yet queued and its spare object
// (RecordChannel), a burst on the control lcore, and every lcore's pool
// cache at its flush threshold (1.5 × its size). With fewer, the pool runs
// dry before a ring fills (as 8,191 did for two workers); with more, the
// objects are never all used, yet each costs a page touched at start (~5
// µs on a VM) and its ~7.5 KiB of memory (8,191 for one worker: 27 MiB and
// ~30 ms of start-up more than needed).
unsigned record_pool_size(unsigned workers) {
    constexpr unsigned kInFlightPerWorker = (kRecordRingSize - 1) + RecordChannel::kBatch + 1;
    constexpr unsigned kCacheHeld = kRecordPoolCache * 3 / 2;
    return workers * kInFlightPerWorker + kControlRecordBurst + (workers + 1) * kCacheHeld;
}

bool has_argument(const std::vector<std::string>& arguments, std::initializer_list<const char*> names) {
    for (const auto& argument : arguments) {
        for (const char* name : names) {
            std::string_view text(argument), wanted(name);
            if (text == wanted || (text.starts_with(wanted) && text.size() > wanted.size() && text[wanted.size()] == '='))
                return true;
        }
    }
    return false;
}

// The CPUs this process may run on, in order.
std::vector<unsigned> allowed_cpus() {
    std::vector<unsigned> cpus;
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof set, &set) == 0) {
        for (unsigned cpu = 0; cpu < CPU_SETSIZE; ++cpu)
            if (CPU_ISSET(cpu, &set)) cpus.push_back(cpu);
    }
    if (cpus.empty()) cpus.push_back(0);
    return cpus;
}

// EAL arguments for an offline replay: no hugepages, no shared files, no
// PCI probing, the capture as a net_pcap port, and lcores mapped onto the
// CPUs we have (more workers than CPUs share them, which is slower but
// gives the same records).
std::vector<std::string> replay_eal_arguments(const RunPlan& plan, const std::string& capture_path) {
    std::vector<std::string> arguments;
    const auto& user = plan.eal_arguments;
    if (!has_argument(user, {"-l", "--lcores", "-c"})) {
        auto cpus = allowed_cpus();
        std::string map;
        for (unsigned lcore = 0; lcore <= plan.workers; ++lcore) {
            if (!map.empty()) map += ',';
            map += std::to_string(lcore) + "@" + std::to_string(cpus[lcore % cpus.size()]);
        }
        arguments.push_back("--lcores=" + map);
    }
    if (!has_argument(user, {"--huge-dir", "--no-huge"})) arguments.push_back("--no-huge");
    if (!has_argument(user, {"-m", "--socket-mem"})) {
        // Flow tables (state + hash), detail pools and the record pool, with room.
        uint64_t flow_bytes = static_cast<uint64_t>(plan.workers) * plan.sources.flow_capacity * (sizeof(fingerprint::FlowState) + 96);
        uint64_t detail_bytes =
            static_cast<uint64_t>(plan.workers) * plan.sources.detail_capacity * sizeof(fingerprint::FlowDetail);
        uint64_t record_bytes = static_cast<uint64_t>(record_pool_size(plan.workers)) * (sizeof(fingerprint::FlowRecord) + 64);
        uint64_t megabytes = 320 + (flow_bytes + detail_bytes + record_bytes) * 5 / 4 / (1 << 20);
        arguments.push_back("-m");
        arguments.push_back(std::to_string(megabytes));
    }
    if (!has_argument(user, {"--file-prefix", "--in-memory", "--no-shconf"})) {
        arguments.push_back("--no-shconf");
        arguments.push_back("--file-prefix=sipscope-" + std::to_string(getpid()));
    }
    if (!has_argument(user, {"-a", "--allow", "-b", "--block", "--no-pci"})) arguments.push_back("--no-pci");
    // The EAL's own lines follow --log-level, one step quieter in a replay
    // (its start-up chatter says nothing about the capture).
    if (!has_argument(user, {"--log-level"})) {
        logging::Level level = std::min(logging::level(), logging::Level::warning);
        arguments.push_back("--log-level=*:" + std::string(logging::level_name(level)));
    }
    if (!has_argument(user, {"--telemetry", "--no-telemetry"})) arguments.push_back("--no-telemetry");
    arguments.push_back("--vdev=net_pcap_sipscope0,rx_pcap=" + capture_path);
    return arguments;
}

// DPDK's device arguments are KEY=VALUE pairs separated by commas: a
// capture path with ',' or '=' cannot be given as it is. Such a path is
// reached through a symbolic link with a plain name in a private
// directory, removed at exit.
class CapturePath {
public:
    explicit CapturePath(const std::string& path) : path_(path) {
        if (path.find_first_of(",=") == std::string::npos) return;
        char directory[] = "/tmp/sipscope-capture-XXXXXX";
        char* made = mkdtemp(directory);
        char* absolute = realpath(path.c_str(), nullptr);
        if (!made || !absolute) {
            std::free(absolute);
            throw std::runtime_error("capture path '" + path + "' has a ',' or '=' that DPDK cannot take, and no "
                                     "link to it could be made in /tmp: " + std::strerror(errno));
        }
        directory_ = made;
        path_ = directory_ + "/capture";
        int linked = symlink(absolute, path_.c_str());
        std::free(absolute);
        if (linked != 0) throw std::runtime_error("cannot link the capture into " + directory_ + ": " + std::strerror(errno));
    }
    ~CapturePath() {
        if (directory_.empty()) return;
        unlink(path_.c_str());
        rmdir(directory_.c_str());
    }
    CapturePath(const CapturePath&) = delete;
    CapturePath& operator=(const CapturePath&) = delete;
    const std::string& path() const { return path_; }

private:
    std::string path_;
    std::string directory_;
};

// The EAL's argv: ours, then the user's (a later argument wins).
std::vector<std::string> eal_arguments(const RunPlan& plan, const std::string& capture_path) {
    std::vector<std::string> arguments{"sipscope"};
    if (plan.replay()) {
        for (auto& argument : replay_eal_arguments(plan, capture_path)) arguments.push_back(std::move(argument));
    } else if (!has_argument(plan.eal_arguments, {"--log-level"})) {
        logging::Level level = std::min(logging::level(), logging::Level::notice);  // EAL's info is per-device chatter
        arguments.push_back("--log-level=*:" + std::string(logging::level_name(level)));
    }
    arguments.insert(arguments.end(), plan.eal_arguments.begin(), plan.eal_arguments.end());
    return arguments;
}

unsigned long long number(uint64_t value) { return static_cast<unsigned long long>(value); }

// The five sources that sent most SIP requests (replay).
void print_top_sources(std::FILE* out, const ReplaySources& sources) {
    std::fprintf(out, "  top sources by SIP requests:\n");
    for (const auto& [address, tally] : sources.top(5)) {
        std::string methods;
        for (std::size_t m = 0; m < parser::kSipMethodCount; ++m) {
            if (!tally.methods[m]) continue;
            if (!methods.empty()) methods += ' ';
            methods += std::string(parser::kSipMethodLabels[m]) + "=" + std::to_string(tally.methods[m]);
        }
        std::fprintf(out, "    %-40s %10llu  %s\n", address.to_string().c_str(), number(tally.requests),
                     methods.empty() ? "(responses only)" : methods.c_str());
    }
}

// Distinct sources with a flow named as each tool (a source named
// differently in two flows counts under both).
void print_tool_ranking(std::FILE* out, const ReplaySources& sources, const fingerprint::ToolRegistry& tools) {
    std::map<std::string, uint64_t> by_tool;
    for (auto [slot, count] : sources.by_tool()) {
        const fingerprint::ToolEntry* tool = tools.at(slot);
        by_tool[tool ? tool->name : "unknown"] += count;
    }
    if (by_tool.empty()) return;
    std::vector<std::pair<std::string, uint64_t>> ranked(by_tool.begin(), by_tool.end());
    std::sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) {
        return a.second != b.second ? a.second > b.second : a.first < b.first;
    });
    std::fprintf(out, "  sources by tool%s:", sources.by_tool_estimated() ? " (estimated)" : "");
    for (std::size_t i = 0; i < ranked.size() && i < 8; ++i)
        std::fprintf(out, "%s %s %llu", i ? "," : "", ranked[i].first.c_str(), number(ranked[i].second));
    std::fprintf(out, "\n");
}

void print_summary(const RunPlan& plan, const RunSummary& summary, const exporter::CounterSums& sums,
                   const fingerprint::ToolRegistry& tools, uint64_t expected_packets, double elapsed_seconds,
                   const std::string& metrics_url) {
    // With --events - standard output holds only events.
    std::FILE* out = plan.outputs.events_file == "-" ? stderr : stdout;
    uint64_t packets = sums.packets();
    std::fprintf(out, "sipscope %s summary%s%s\n", plan.replay() ? "replay" : "run", plan.replay() ? ": " : "",
                 plan.replay_file.c_str());
    if (plan.replay()) std::fprintf(out, "  packets        %llu (the capture holds %llu)\n", number(packets), number(expected_packets));
    else std::fprintf(out, "  packets        %llu\n", number(packets));
    std::fprintf(out, "  SIP packets    %llu (%llu requests, %llu responses)\n", number(sums.sip_packets),
                 number(sums.requests()), number(sums.responses()));
    if (summary.sources) {
        std::fprintf(out, "  sources        %llu%s\n", number(summary.sources->count()),
                     summary.sources->count_estimated() ? " (estimated: more than counted one by one)" : "");
    }
    std::fprintf(out, "  flows          %llu (", number(sums.flows_opened));
    for (std::size_t i = 0; i < fingerprint::kCloseReasonCount; ++i) {
        std::fprintf(out, "%s%s %llu", i ? ", " : "", std::string(fingerprint::kCloseReasonLabels[i]).c_str(),
                     number(summary.records_by_reason[i]));
    }
    std::fprintf(out, ")\n");
    if (sums.handoff_dropped || sums.records_dropped) {
        std::fprintf(out, "  dropped        %llu hand-offs, %llu records\n", number(sums.handoff_dropped),
                     number(sums.records_dropped));
    }
    if (summary.sources && summary.sources->count() > 0) {
        print_top_sources(out, *summary.sources);
        print_tool_ranking(out, *summary.sources, tools);
    }
    if (!plan.outputs.events_file.empty()) {
        const auto& written = summary.events_written;
        std::fprintf(out, "  events         %s (%llu sip_scan_flow, %llu alert lines", plan.outputs.events_file.c_str(),
                     number(written[static_cast<std::size_t>(exporter::EventType::sip_scan_flow)]),
                     number(written[static_cast<std::size_t>(exporter::EventType::alert)]));
        if (summary.flows_below_minimum)
            std::fprintf(out, "; %llu flows below --min-flow-requests not written", number(summary.flows_below_minimum));
        if (summary.events_lost) std::fprintf(out, "; %llu events lost, see sipscope_events_lost_total", number(summary.events_lost));
        if (summary.interim_records)
            std::fprintf(out, "; %llu of the flow lines are interim records of open flows", number(summary.interim_records));
        std::fprintf(out, ")\n");
    }
    if (!plan.outputs.clickhouse.url.empty()) {
        std::fprintf(out, "  clickhouse     %s (%llu rows sent, %llu dropped%s)\n", plan.outputs.clickhouse.url.c_str(),
                     number(summary.clickhouse_sent), number(summary.clickhouse_dropped),
                     summary.clickhouse_dropped ? ", see sipscope_output_dropped_total" : "");
    }
    if (!metrics_url.empty()) std::fprintf(out, "  metrics        %s\n", metrics_url.c_str());
    if (!plan.outputs.metrics_file.empty()) std::fprintf(out, "  metrics file   %s\n", plan.outputs.metrics_file.c_str());
    std::fprintf(out, "  elapsed        %.3f s", elapsed_seconds);
    if (elapsed_seconds > 0) std::fprintf(out, " (%.0f packets/s)", static_cast<double>(packets) / elapsed_seconds);
    std::fprintf(out, "\n");
    std::fflush(out);
}

void print_tools(const fingerprint::ToolDatabase& tools, const std::string& path) {
    std::printf("%s: %zu tools, %zu conditions, compiled\n", path.c_str(), tools.tools().size(), tools.condition_count());
    std::printf("%-4s %-11s %-26s %-18s %s\n", "id", "family", "name", "strategy", "conditions (require/expect/forbid)");
    for (const auto& tool : tools.tools()) {
        unsigned require = 0, expect = 0, forbid = 0;
        for (const auto& condition : tool.conditions) {
            if (condition.kind == fingerprint::ConditionKind::require) ++require;
            else if (condition.kind == fingerprint::ConditionKind::expect) ++expect;
            else ++forbid;
        }
        std::printf("%-4u %-11s %-26s %-18s %u/%u/%u", tool.table_id, tool.family.c_str(), tool.name.c_str(),
                    tool.strategy.empty() ? "-" : tool.strategy.c_str(), require, expect, forbid);
        if (tool.probe != fingerprint::ProbeSignature::none)
            std::printf(" + packet signature %s", std::string(fingerprint::label(tool.probe)).c_str());
        std::printf("\n");
    }
}

// A start-up failure after the EAL is up: one line, exit status 1.
struct StartError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// Workers: the plan's count, or every EAL worker lcore.
unsigned worker_count(const RunPlan& plan) {
    unsigned available = rte_lcore_count() - 1;
    if (available == 0)
        throw StartError("the EAL has only the main lcore; workers need more: pass -l 0-N (N workers) after --");
    unsigned workers = plan.workers == 0 ? available : plan.workers;
    if (workers > available) {
        throw StartError("--workers " + std::to_string(workers) + " needs " + std::to_string(workers + 1) +
                         " lcores but the EAL has " + std::to_string(available + 1) + "; pass -l 0-" +
                         std::to_string(workers) + " after --");
    }
    return workers;
}

// Packet time: net_pcap stamps each mbuf with the capture time; live
// traffic uses the TSC anchored to wall time.
PacketClockSource packet_clock(const RunPlan& plan) {
    PacketClockSource clock;
    clock.tsc_hz = rte_get_tsc_hz();
    clock.tsc_at_start = rte_rdtsc();
    clock.wall_us_at_start = static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch()).count());
    if (!plan.replay()) return clock;
    int offset = rte_mbuf_dynfield_lookup(RTE_MBUF_DYNFIELD_TIMESTAMP_NAME, nullptr);
    int flag_bit = rte_mbuf_dynflag_lookup(RTE_MBUF_DYNFLAG_RX_TIMESTAMP_NAME, nullptr);
    if (offset >= 0 && flag_bit >= 0) {
        clock.use_packet_timestamps = true;
        clock.timestamp_offset = offset;
        clock.timestamp_flag = 1ULL << flag_bit;
    } else {
        SIPSCOPE_LOG(warning, "the capture port gives no packet timestamps; flow times are wall-clock times\n");
    }
    return clock;
}

// Every worker's state, built on the control lcore before launch.
struct WorkerSet {
    rte_mempool* record_pool = nullptr;
    std::unique_ptr<SourceOwner> owner;
    std::vector<std::unique_ptr<WorkerContext>> contexts;
    std::vector<void*> tool_counters;  // per worker: closed_by_tool and active_by_tool
    std::vector<WorkerContext*> workers() const {
        std::vector<WorkerContext*> result;
        for (const auto& context : contexts) result.push_back(context.get());
        return result;
    }
    std::vector<const exporter::WorkerCounters*> counter_blocks() const {
        std::vector<const exporter::WorkerCounters*> result;
        for (const auto& context : contexts) result.push_back(context->counters);
        return result;
    }
};

// The worker's counter block, with its per-tool arrays, on its socket.
exporter::WorkerCounters* make_counters(unsigned worker, int socket, std::size_t tool_slots, std::vector<void*>& tool_counters) {
    auto* counters = static_cast<exporter::WorkerCounters*>(
        rte_zmalloc_socket("counters", sizeof(exporter::WorkerCounters), RTE_CACHE_LINE_SIZE, socket));
    auto* by_tool = static_cast<fingerprint::OwnedCounter*>(
        rte_zmalloc_socket("by_tool", 2 * sizeof(fingerprint::OwnedCounter) * tool_slots, RTE_CACHE_LINE_SIZE, socket));
    if (!counters || !by_tool) throw StartError("cannot reserve the counters of worker " + std::to_string(worker));
    new (counters) exporter::WorkerCounters();
    counters->sources.closed_by_tool = by_tool;
    counters->sources.active_by_tool = by_tool + tool_slots;
    counters->sources.tool_slots = static_cast<uint32_t>(tool_slots);
    tool_counters.push_back(by_tool);
    return counters;
}

// The worker's SourceTracker: flow table and detail pool on its socket.
// Memory per tracked source is measured on DPDK's heap around the
// allocations (not computed from sizeof), and logged once.
std::unique_ptr<fingerprint::SourceTracker> make_tracker(const RunPlan& plan, WorkerContext& context, int socket,
                                                         const fingerprint::ToolDatabase& tools) {
    const auto& sources = plan.sources;
    rte_malloc_socket_stats before_flows{}, after_flows{}, after_details{};
    rte_malloc_get_socket_stats(socket, &before_flows);
    auto flows = fingerprint::make_dpdk_flow_table("flows" + std::to_string(context.index), sources.flow_capacity,
                                                   sources.timeout_us, socket);
    rte_malloc_get_socket_stats(socket, &after_flows);
    std::size_t detail_bytes = sizeof(fingerprint::FlowDetail) * sources.detail_capacity;
    auto* storage = static_cast<fingerprint::FlowDetail*>(rte_malloc_socket("flow_details", detail_bytes, RTE_CACHE_LINE_SIZE, socket));
    if (!storage) {
        throw StartError("cannot reserve " + std::to_string(detail_bytes) + " bytes of source detail for worker " +
                         std::to_string(context.index) + " (lower --detail-capacity or give DPDK more memory with -m)");
    }
    rte_malloc_get_socket_stats(socket, &after_details);
    // Mapped now rather than one fault per page as sources arrive (see
    // resident_memory.hpp).
    bool resident = make_resident(flows->storage(), flows->storage_bytes()) && make_resident(storage, detail_bytes);
    if (context.index == 0 && !resident)
        SIPSCOPE_LOG(debug, "the kernel did not map the flow and detail tables ahead (MADV_POPULATE_WRITE: %s); "
                            "their pages map on first use\n", std::strerror(errno));
    if (context.index == 0) {
        double flow_bytes = static_cast<double>(after_flows.heap_allocsz_bytes - before_flows.heap_allocsz_bytes);
        double details = static_cast<double>(after_details.heap_allocsz_bytes - after_flows.heap_allocsz_bytes);
        SIPSCOPE_LOG(info,
                     "memory per worker: flow table %.1f MiB for %u sources (%.0f bytes each, hash "
                     "included), detail pool %.1f MiB for %u SIP sources (%.0f bytes each)\n",
                     flow_bytes / (1 << 20), flows->capacity(), flow_bytes / flows->capacity(), details / (1 << 20),
                     sources.detail_capacity, details / sources.detail_capacity);
    }
    fingerprint::TrackerSettings settings{static_cast<uint16_t>(context.index), sources.fingerprint_sampling, sources.alerts,
                                          sources.active_timeout_us, sources.home_region};
    return std::make_unique<fingerprint::SourceTracker>(
        std::move(flows), std::make_unique<fingerprint::FlowDetailPool>(storage, sources.detail_capacity), tools,
        std::move(settings), context.counters->sources, *context.records, context.stage_timer.get());
}

std::unique_ptr<WorkerContext> make_worker(const RunPlan& plan, unsigned index, unsigned lcore_id, const PortSetup& ports,
                                           const PacketClockSource& clock, WorkerSet& set,
                                           const ToolReloader& tools, std::size_t tool_slots) {
    auto context = std::make_unique<WorkerContext>();
    context->index = index;
    context->lcore_id = lcore_id;
    context->rx_queues = ports.worker_queues[index];
    int socket = static_cast<int>(rte_lcore_to_socket_id(lcore_id));
    std::string name = "handoff" + std::to_string(index);
    context->inbound = rte_ring_create(name.c_str(), plan.ports.handoff_ring_size, socket, RING_F_SC_DEQ);
    name = "records" + std::to_string(index);
    rte_ring* records = rte_ring_create(name.c_str(), kRecordRingSize, socket, RING_F_SP_ENQ | RING_F_SC_DEQ);
    if (!context->inbound || !records)
        throw StartError("cannot create the rings of worker " + std::to_string(index) + ": " + rte_strerror(rte_errno));
    context->record_pool = set.record_pool;
    context->owner = set.owner.get();
    context->clock = clock;
    context->idle_sleep_us = plan.idle_sleep_us;
    context->counters = make_counters(index, socket, tool_slots + 1, set.tool_counters);
    context->tools_rcu = tools.rcu();
    // Replay never drops a record: it waits for the control lcore.
    context->records = std::make_unique<RecordChannel>(records, set.record_pool, context->counters->records_dropped, plan.replay());
    context->stage_timer = std::make_unique<fingerprint::StageTimer>(context->counters->stages);
    context->sources = make_tracker(plan, *context, socket, tools.current());
    if (plan.ports.reassembly_datagrams != 0 && !context->rx_queues.empty()) {
        context->reassembly = std::make_unique<IpReassembly>(plan.ports.reassembly_datagrams,
                                                             plan.ports.reassembly_timeout_us, socket, *context->counters);
    }
    return context;
}

// The records' pool hands out the object freed last (DPDK's "stack"
// driver): a closed flow's record is written into memory that is still in
// a cache, instead of the next of thousands of ~8 KiB objects in turn, which is
// always cold (a flood writes one record per packet: flow stage 700 ->
// 600 ns per packet on a Xeon). The ring driver is the fallback where
// the stack driver is not loaded.
rte_mempool* make_record_pool(unsigned workers) {
    int socket = static_cast<int>(rte_socket_id());
    const unsigned size = record_pool_size(workers);
    rte_mempool* pool = rte_mempool_create_empty("sipscope_records", size, sizeof(fingerprint::FlowRecord),
                                                 kRecordPoolCache, 0, socket, 0);
    auto no_memory = [] {
        return StartError(std::string("cannot create the record pool: ") + rte_strerror(rte_errno) + " (give DPDK more memory with -m)");
    };
    if (pool == nullptr) throw no_memory();
    if (rte_mempool_set_ops_byname(pool, "stack", nullptr) == 0) {
        if (populate_resident(pool) > 0) return pool;
        rte_mempool_free(pool);
        throw no_memory();
    }
    rte_mempool_free(pool);
    SIPSCOPE_LOG(info, "record pool: DPDK's stack mempool driver is not loaded; using the ring driver\n");
    pool = rte_mempool_create("sipscope_records", size, sizeof(fingerprint::FlowRecord), kRecordPoolCache, 0,
                              nullptr, nullptr, nullptr, nullptr, socket, 0);
    if (pool == nullptr) throw no_memory();
    return pool;
}

// `tool_slots`: the ToolRegistry's capacity (per-tool counters of every
// tool the sensor may name until it restarts).
WorkerSet make_workers(const RunPlan& plan, unsigned workers, const PortSetup& ports, const ToolReloader& tools,
                       std::size_t tool_slots) {
    WorkerSet set;
    set.record_pool = make_record_pool(workers);
    set.owner = std::make_unique<SourceOwner>(workers);
    PacketClockSource clock = packet_clock(plan);
    unsigned lcore_id = rte_get_next_lcore(-1, 1, 0);
    for (unsigned w = 0; w < workers; ++w, lcore_id = rte_get_next_lcore(lcore_id, 1, 0))
        set.contexts.push_back(make_worker(plan, w, lcore_id, ports, clock, set, tools, tool_slots));
    for (auto& worker : set.contexts) {
        for (auto& peer : set.contexts) {
            worker->handoff_rings.push_back(peer->inbound);
            if (!peer->rx_queues.empty()) worker->dispatch_clocks.push_back(&peer->dispatch_clock_us);
        }
    }
    return set;
}

// What leaves the sensor: events file, ClickHouse, Prometheus, /top.
struct Outputs {
    Outputs(const RunPlan& plan, const WorkerSet& workers, const fingerprint::ToolRegistry& tools,
            const exporter::ToolDbStatus& tool_db)
        : events(plan.outputs.events_file, plan.replay() ? exporter::EventWriter::Mode::truncate : exporter::EventWriter::Mode::append),
          event_context{plan.outputs.sensor_name, plan.outputs.community_id_seed, plan.outputs.home_networks, &tools,
                        plan.sources.alerts.thresholds},
          metrics(std::make_shared<exporter::SensorMetrics>(
              exporter::SensorIdentity{SIPSCOPE_VERSION, rte_version(), plan.replay() ? "replay" : "run", rte_get_tsc_hz(),
                                       plan.tool_db},
              workers.counter_blocks(), port_board, events, &tools, &tool_db)),
          top_sources(10000, &tools),
          live_campaigns(&tools),
          tool_db_(tool_db) {
        if (!plan.outputs.clickhouse.url.empty()) {
            clickhouse = std::make_unique<exporter::ClickHouseSink>(plan.outputs.clickhouse);
            metrics->attach_output(clickhouse.get());
        }
    }

    // ClickHouse away at start is not fatal (the sensor retries); a server
    // that answers without the tables is (every insert would fail).
    void connect_clickhouse() {
        if (!clickhouse) return;
        bool reachable = false;
        std::string problem = clickhouse->probe(reachable);
        if (!problem.empty() && reachable)
            throw StartError("ClickHouse at " + clickhouse->url() + ": " + problem);
        if (!problem.empty()) {
            SIPSCOPE_LOG(warning, "ClickHouse at %s does not answer (%s); records are queued and retried\n",
                         clickhouse->url().c_str(), problem.c_str());
        } else {
            SIPSCOPE_LOG(info, "sending flow records and alerts to ClickHouse at %s\n", clickhouse->url().c_str());
        }
        clickhouse->start();
    }

    void serve(const RunPlan& plan) {
        if (!plan.outputs.metrics_bind.empty()) {
            try {
                exposer = std::make_unique<prometheus::Exposer>(exporter::http_server_options(plan.outputs.metrics_bind));
            } catch (const std::exception& error) {
                throw StartError("cannot serve metrics on " + plan.outputs.metrics_bind + " (" + error.what() +
                                 "): is the port in use? choose another with --metrics or disable it with --metrics none");
            }
            exposer->RegisterCollectable(metrics);
            metrics_url = "http://" + plan.outputs.metrics_bind + "/metrics";
            SIPSCOPE_LOG(info, "metrics at %s\n", metrics_url.c_str());
        }
        if (plan.outputs.api_address.empty()) return;
        try {
            api = std::make_unique<exporter::TopSourcesServer>(plan.outputs.api_address, plan.outputs.api_port, top_sources,
                                                               &live_campaigns, &alerted_sources, &health, &reload_requests,
                                                               &tool_db_);
        } catch (const std::exception& error) {
            throw StartError(std::string(error.what()) + ": is the port in use? choose another with --api or disable it with --api none");
        }
        SIPSCOPE_LOG(info, "API at http://%s:%u: /top, /campaigns, /blocklist, /healthz, POST /reload\n",
                     plan.outputs.api_address.c_str(), plan.outputs.api_port);
    }

    exporter::EventWriter events;
    exporter::FlowEventContext event_context;
    exporter::PortCounterBoard port_board;
    std::shared_ptr<exporter::SensorMetrics> metrics;
    exporter::TopSources top_sources;
    exporter::LiveCampaigns live_campaigns;
    exporter::AlertedSources alerted_sources;
    exporter::SensorHealth health;
    exporter::ReloadRequests reload_requests;
    const exporter::ToolDbStatus& tool_db_;
    std::unique_ptr<exporter::ClickHouseSink> clickhouse;  // before the exposer: outlives its scrapes
    std::unique_ptr<prometheus::Exposer> exposer;
    std::unique_ptr<exporter::TopSourcesServer> api;
    std::string metrics_url;
};

// How long the end of a run keeps trying to send ClickHouse what is queued
// while it does not answer (a replay exists to be complete; a service
// stopping should stop well inside systemd's 90 s).
constexpr auto kClickHousePatienceRun = std::chrono::seconds(10);
constexpr auto kClickHousePatienceReplay = std::chrono::seconds(30);

void launch_workers(const WorkerSet& set, const RunPlan& plan) {
    install_signal_handlers();
    for (const auto& worker : set.contexts) {
        int status = rte_eal_remote_launch(worker_main, worker.get(), worker->lcore_id);
        if (status != 0) {
            throw StartError("cannot launch worker " + std::to_string(worker->index) + " on lcore " +
                             std::to_string(worker->lcore_id) + ": " + rte_strerror(-status));
        }
    }
    SIPSCOPE_LOG(info, "%zu worker(s) running%s\n", set.contexts.size(),
                 plan.replay() ? "" : "; SIGINT or SIGTERM stops, SIGHUP reopens the events file");
}

// The process ends with rte_eal_cleanup, which releases all DPDK memory at
// once. Freeing the data-path tables (flow tables, detail pools, mempools:
// hundreds of MiB) one by one first would cost more than the rest of a
// short replay: DPDK's allocator zeroes what it frees, touching every
// page. So only the small objects are freed.
void tear_down(WorkerSet& set, const PortSetup& ports) {
    close_ports(ports);
    for (void* counters : set.tool_counters) rte_free(counters);
    for (auto& context : set.contexts) {
        context->sources->flows().leave_memory_to_eal();
        context->sources.reset();
        context->reassembly.reset();  // frees the fragments it still holds
        delete context->tool_switch.exchange(nullptr);  // a reload the worker never took
        rte_ring_free(context->inbound);
        rte_ring_free(context->records->ring());
        rte_free(context->counters);
    }
}

// Everything after EAL start: build, start, wait, tear down. Returns the
// exit status.
int run_sensor(const RunPlan& plan, uint64_t expected_packets, std::unique_ptr<fingerprint::ToolDatabase> database) {
    unsigned workers = worker_count(plan);
    PortSetup ports = set_up_ports({plan.ports.names, workers, plan.ports.queues_per_port, plan.ports.rx_descriptors,
                                    plan.ports.mbufs, plan.ports.handoff_ring_size, plan.ports.reassembly_datagrams});
    // Every tool named until the sensor stops has a slot; a reload may add
    // up to kToolSlotsForReloads tools to the ones it starts with.
    fingerprint::ToolRegistry registry(database->tools().size() + kToolSlotsForReloads);
    registry.adopt(*database);
    exporter::ToolDbStatus tool_db;
    // Declared before the workers: the databases outlive every worker.
    ToolReloader tools(plan.tool_db, std::move(database), registry, tool_db, workers);
    WorkerSet set = make_workers(plan, workers, ports, tools, registry.capacity());
    tools.attach(set.workers());
    Outputs outputs(plan, set, registry, tool_db);
    outputs.serve(plan);
    outputs.connect_clickhouse();
    launch_workers(set, plan);
    ServiceNotifier service;
    service.ready(std::to_string(set.contexts.size()) + " worker(s) on " + std::to_string(ports.ports.size()) + " port(s)");

    auto started = std::chrono::steady_clock::now();
    ControlSettings settings{plan.replay(), expected_packets, plan.outputs.progress_seconds, plan.outputs.stats_seconds,
                             plan.outputs.min_flow_packets};
    ControlLoop control(settings, set.workers(), ports, outputs.events, outputs.event_context, outputs.port_board,
                        outputs.top_sources, {outputs.clickhouse.get(), &outputs.live_campaigns, &outputs.alerted_sources,
                                              &outputs.health, &service, &tools, &outputs.reload_requests});
    RunSummary summary = control.run();
    if (outputs.clickhouse) {
        outputs.clickhouse->finish(plan.replay() ? kClickHousePatienceReplay : kClickHousePatienceRun);
        summary.clickhouse_sent = outputs.clickhouse->sent_total();
        summary.clickhouse_dropped = outputs.clickhouse->dropped_total();
    }
    double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

    bool metrics_written = true;
    if (!plan.outputs.metrics_file.empty()) {
        std::ofstream file(plan.outputs.metrics_file, std::ios::trunc);
        file << exporter::serialize_metrics(*outputs.metrics);
        file.close();
        metrics_written = !file.fail();
        if (!metrics_written) SIPSCOPE_LOG(error, "cannot write metrics file '%s'\n", plan.outputs.metrics_file.c_str());
    }
    auto blocks = set.counter_blocks();
    print_summary(plan, summary, exporter::sum_counters(blocks), registry, expected_packets, elapsed, outputs.metrics_url);
    outputs.exposer.reset();
    outputs.api.reset();
    tear_down(set, ports);
    // Output lost (events or the metrics file) says more than a short capture.
    if (summary.events_lost != 0 || !metrics_written) return kExitOutputLost;
    return summary.capture_short ? kExitCaptureShort : 0;
}

// What runs beside the EAL's initialisation: the tool database compile
// (Hyperscan) and, in replay, the capture count. Both are independent of
// DPDK; our own errors from them say more than the EAL's (a capture that
// cannot be read also fails the EAL's pcap device), so they come first.
struct StartUpWork {
    std::future<std::unique_ptr<fingerprint::ToolDatabase>> tools;
    std::future<CaptureInventory> inventory;
};

// Starts the EAL with the plan's arguments, then the sensor. Returns the
// exit status.
int start_and_run(const RunPlan& plan) {
    StartUpWork work;
    work.tools = std::async(std::launch::async, [&plan] { return fingerprint::ToolDatabase::load(plan.tool_db); });
    if (plan.replay())
        work.inventory = std::async(std::launch::async, [&plan] { return take_capture_inventory(plan.replay_file); });
    std::optional<CapturePath> capture;
    try {
        if (plan.replay()) capture.emplace(plan.replay_file);
    } catch (const std::exception& error) {
        SIPSCOPE_LOG(error, "%s\n", error.what());
        return 1;
    }
    std::vector<std::string> arguments = eal_arguments(plan, capture ? capture->path() : std::string());
    std::vector<char*> argv;
    for (auto& argument : arguments) argv.push_back(argument.data());
    argv.push_back(nullptr);
    bool eal_ready = rte_eal_init(static_cast<int>(arguments.size()), argv.data()) >= 0;
    int eal_errno = rte_errno;

    std::unique_ptr<fingerprint::ToolDatabase> tools;
    uint64_t expected_packets = 0;
    std::string capture_damage;
    try {
        tools = work.tools.get();
        if (work.inventory.valid()) {
            CaptureInventory inventory = work.inventory.get();
            expected_packets = inventory.packets;
            capture_damage = inventory.damage;
            SIPSCOPE_LOG(info, "%s: %llu packets, %llu bytes\n", plan.replay_file.c_str(),
                         number(inventory.packets), number(inventory.bytes));
            if (!capture_damage.empty())
                SIPSCOPE_LOG(warning, "capture '%s' is %s; replaying the %llu packets before the damage\n",
                             plan.replay_file.c_str(), capture_damage.c_str(), number(inventory.packets));
        }
    } catch (const std::exception& error) {
        SIPSCOPE_LOG(error, "%s\n", error.what());
        if (eal_ready) rte_eal_cleanup();
        return 1;
    }
    if (!eal_ready) {
        SIPSCOPE_LOG(error, "DPDK EAL initialisation failed: %s; check the EAL arguments after -- "
                             "(see the lines above from DPDK)\n",
                     rte_strerror(eal_errno));
        return 1;
    }
    if (plan.replay() && expected_packets == 0) SIPSCOPE_LOG(warning, "the capture holds no packets; nothing to do\n");
    int status;
    try {
        status = run_sensor(plan, expected_packets, std::move(tools));
        if (!capture_damage.empty()) {
            SIPSCOPE_LOG(error, "capture '%s' is %s: the replay is short\n", plan.replay_file.c_str(),
                         capture_damage.c_str());
            if (status == 0) status = kExitCaptureShort;
        }
    } catch (const std::exception& error) {
        SIPSCOPE_LOG(error, "%s\n", error.what());
        status = 1;
    }
    rte_eal_cleanup();
    return status;
}

// `sipscope campaigns`: exit 0, 1 for input that cannot be analysed (a
// file that is not events, an empty input), 2 for bad options.
int find_campaigns(const exporter::CampaignOptions& options) {
    if (options.event_files.empty() && options.clickhouse_url.empty()) {
        SIPSCOPE_LOG(error, "campaigns needs events files or --clickhouse URL\n");
        return 2;
    }
    for (const auto& [name, text] : {std::pair{"--from", options.from_text}, std::pair{"--to", options.to_text}}) {
        if (!text.empty() && !exporter::parse_day(text)) {
            SIPSCOPE_LOG(error, "%s '%s' is not a day (YYYY-MM-DD)\n", name, text.c_str());
            return 2;
        }
    }
    if (!options.from_text.empty() && !options.to_text.empty() &&
        *exporter::parse_day(options.from_text) > *exporter::parse_day(options.to_text)) {
        SIPSCOPE_LOG(error, "--from %s is after --to %s\n", options.from_text.c_str(), options.to_text.c_str());
        return 2;
    }
    if (!options.clickhouse_url.empty()) {
        if (auto problem = exporter::check_clickhouse_url(options.clickhouse_url); !problem.empty()) {
            SIPSCOPE_LOG(error, "%s\n", problem.c_str());
            return 2;
        }
    }
    exporter::CampaignReport report;
    try {
        auto started = std::chrono::steady_clock::now();
        report = exporter::build_campaign_report(options);
        SIPSCOPE_LOG(info, "campaigns: %llu sources clustered in %.2f s\n", number(report.sources),
                     std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    } catch (const std::exception& error) {
        SIPSCOPE_LOG(error, "%s\n", error.what());
        return 1;
    }
    // The file first: a table piped into `head` must not cost the file.
    if (!options.json_file.empty() && options.json_file != "-") {
        std::ofstream file(options.json_file, std::ios::trunc);
        exporter::write_campaign_json(file, report);
        file.close();
        if (file.fail()) {
            SIPSCOPE_LOG(error, "cannot write %s\n", options.json_file.c_str());
            return 1;
        }
    }
    std::ostream& table = options.json_file == "-" ? std::cerr : std::cout;
    exporter::write_campaign_table(table, report);
    if (options.json_file == "-") exporter::write_campaign_json(std::cout, report);
    std::cout.flush();
    return std::cout.good() ? 0 : 1;
}

int list_tools(const RunPlan& plan) {
    try {
        print_tools(*fingerprint::ToolDatabase::load(plan.tool_db), plan.tool_db);
    } catch (const std::exception& error) {
        SIPSCOPE_LOG(error, "%s\n", error.what());
        return 1;
    }
    return 0;
}

}  // namespace
}  // namespace sipscope::lcore

int main(int argc, char** argv) {
    using namespace sipscope::lcore;
    CLI::App app{"sipscope: a DPDK sensor for SIP scanning and VoIP abuse.\n"
                 "Watches a mirror port (run) or a capture (replay), names the tool behind each SIP source,\n"
                 "and publishes Prometheus metrics and JSON-lines events.",
                 "sipscope"};
    SensorOptions options;
    add_options(app, options);
    app.footer("Examples:\n"
               "  sipscope replay capture.pcap --events events.jsonl\n"
               "  sipscope run --workers 2 --home-net 198.51.100.0/24 -- -l 0-2 -a 0000:03:00.0\n"
               "  sipscope run --config /etc/sipscope.toml -- --vdev net_pcap0,rx_pcap=x.pcap --no-huge -m 1024\n"
               "Anything after -- goes to the DPDK EAL.");
    app.set_version_flag("--version,-V", std::string("sipscope ") + SIPSCOPE_VERSION + " (" + rte_version() + ")");
    // A configuration file's mistakes, named by file and line (CLI11 says
    // only that it could not parse). Before `--`: the rest is the EAL's.
    for (int i = 1; i < argc && std::string_view(argv[i]) != "--"; ++i) {
        std::string_view argument = argv[i];
        std::string path;
        if (argument == "--config" && i + 1 < argc) path = argv[i + 1];
        else if (argument.starts_with("--config=")) path = argument.substr(9);
        if (path.empty()) continue;
        if (std::string problem = check_config_file(app, path); !problem.empty()) {
            SIPSCOPE_LOG(error, "%s", problem.c_str());
            return 2;
        }
    }
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& error) {
        // --help and --version succeed; every other parse error is a usage
        // error, exit 2 (CLI11's own codes, 100 and up, are not ours to leak).
        int status = app.exit(error);
        return status == 0 ? 0 : 2;
    }
    sipscope::logging::Level log_level = sipscope::logging::Level::info;
    sipscope::logging::parse_level(options.log_level_text, log_level);  // CLI11 checked it
    sipscope::logging::set_level(log_level);
    if (options.mode == Mode::version) {
        std::printf("sipscope %s (%s)\n", SIPSCOPE_VERSION, rte_version());
        return 0;
    }
    if (options.mode == Mode::campaigns) return find_campaigns(options.campaigns);
    RunPlan plan;
    if (std::string problem = make_run_plan(options, plan); !problem.empty()) {
        SIPSCOPE_LOG(error, "%s\n", problem.c_str());
        return 2;
    }
    return plan.mode == Mode::tools ? list_tools(plan) : start_and_run(plan);
}
