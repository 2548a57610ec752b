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
#include <cstdio>
#include <fstream>
#include <future>
#include <memory>
#include <string>
#include <vector>

#include "capture_inventory.hpp"
#include "control_loop.hpp"
#include "port_setup.hpp"
#include "sensor_metrics.hpp"
#include "sensor_options.hpp"
#include "worker_context.hpp"

#ifndef SIPSCOPE_VERSION
#define SIPSCOPE_VERSION "unknown"
#endif

namespace sipscope::lcore {
namespace {

// Records carry a fingerprint copy (~2.3 KiB each).
constexpr unsigned kRecordRingSize = 4096;
constexpr unsigned kRecordPoolSize = 8191;

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
std::vector<std::string> replay_eal_arguments(const SensorOptions& options) {
    std::vector<std::string> arguments;
    const auto& user = options.eal_arguments;
    if (!has_argument(user, {"-l", "--lcores", "-c"})) {
        auto cpus = allowed_cpus();
        std::string map;
        for (unsigned lcore = 0; lcore <= options.workers; ++lcore) {
            if (!map.empty()) map += ',';
            map += std::to_string(lcore) + "@" + std::to_string(cpus[lcore % cpus.size()]);
        }
        arguments.push_back("--lcores=" + map);
    }
    if (!has_argument(user, {"--huge-dir", "--no-huge"})) arguments.push_back("--no-huge");
    if (!has_argument(user, {"-m", "--socket-mem"})) {
        // Flow tables (state + hash), mbufs, rings and record pool, with room.
        uint64_t flow_bytes = static_cast<uint64_t>(options.workers) * options.flow_capacity * (sizeof(fingerprint::FlowState) + 96);
        uint64_t fingerprint_bytes =
            static_cast<uint64_t>(options.workers) * options.fingerprint_capacity * sizeof(fingerprint::FlowDetail);
        uint64_t record_bytes = static_cast<uint64_t>(kRecordPoolSize) * (sizeof(fingerprint::FlowRecord) + 64);
        uint64_t megabytes = 320 + (flow_bytes + fingerprint_bytes + record_bytes) * 5 / 4 / (1 << 20);
        arguments.push_back("-m");
        arguments.push_back(std::to_string(megabytes));
    }
    if (!has_argument(user, {"--file-prefix", "--in-memory", "--no-shconf"})) {
        arguments.push_back("--no-shconf");
        arguments.push_back("--file-prefix=sipscope-" + std::to_string(getpid()));
    }
    if (!has_argument(user, {"-a", "--allow", "-b", "--block", "--no-pci"})) arguments.push_back("--no-pci");
    if (!has_argument(user, {"--log-level"})) arguments.push_back("--log-level=*:warning");
    if (!has_argument(user, {"--telemetry", "--no-telemetry"})) arguments.push_back("--no-telemetry");
    arguments.push_back("--vdev=net_pcap_sipscope0,rx_pcap=" + options.replay_file);
    return arguments;
}

std::vector<std::string> run_eal_arguments(const SensorOptions& options) {
    std::vector<std::string> arguments;
    if (!has_argument(options.eal_arguments, {"--log-level"})) arguments.push_back("--log-level=*:notice");
    return arguments;
}

void print_summary(const SensorOptions& options, const RunSummary& summary, const std::vector<WorkerContext*>& workers,
                   uint64_t expected_packets, double elapsed_seconds, const std::string& metrics_url) {
    uint64_t packets = 0, sip = 0, opened = 0, handoff_dropped = 0, records_dropped = 0, requests = 0, responses = 0;
    for (const WorkerContext* worker : workers) {
        for (const auto& counter : worker->counters->rx_packets) packets += counter.read();
        sip += worker->counters->sip_packets.read();
        opened += worker->counters->flows_opened.read();
        handoff_dropped += worker->counters->handoff_dropped.read();
        records_dropped += worker->counters->records_dropped.read();
        for (const auto& counter : worker->counters->requests_by_method) requests += counter.read();
        for (const auto& counter : worker->counters->responses_by_class) responses += counter.read();
    }
    std::FILE* out = stdout;
    std::fprintf(out, "sipscope %s summary%s%s\n", options.mode == Mode::replay ? "replay" : "run",
                 options.mode == Mode::replay ? ": " : "", options.replay_file.c_str());
    if (options.mode == Mode::replay) {
        std::fprintf(out, "  packets        %llu (the capture holds %llu)\n", static_cast<unsigned long long>(packets),
                     static_cast<unsigned long long>(expected_packets));
    } else {
        std::fprintf(out, "  packets        %llu\n", static_cast<unsigned long long>(packets));
    }
    std::fprintf(out, "  SIP packets    %llu (%llu requests, %llu responses)\n", static_cast<unsigned long long>(sip),
                 static_cast<unsigned long long>(requests), static_cast<unsigned long long>(responses));
    if (options.mode == Mode::replay) {
        std::fprintf(out, "  sources        %zu\n", summary.sources.size());
    }
    std::fprintf(out, "  flows          %llu (", static_cast<unsigned long long>(opened));
    for (std::size_t i = 0; i < fingerprint::kCloseReasonCount; ++i) {
        std::fprintf(out, "%s%s %llu", i ? ", " : "", std::string(fingerprint::kCloseReasonLabels[i]).c_str(),
                     static_cast<unsigned long long>(summary.records_by_reason[i]));
    }
    std::fprintf(out, ")\n");
    if (handoff_dropped || records_dropped) {
        std::fprintf(out, "  dropped        %llu hand-offs, %llu records\n", static_cast<unsigned long long>(handoff_dropped),
                     static_cast<unsigned long long>(records_dropped));
    }
    if (!summary.sources.empty()) {
        std::vector<std::pair<std::string, RunSummary::SourceTally>> ranked(summary.sources.begin(), summary.sources.end());
        std::size_t shown = std::min<std::size_t>(5, ranked.size());
        std::partial_sort(ranked.begin(), ranked.begin() + static_cast<long>(shown), ranked.end(), [](const auto& a, const auto& b) {
            return a.second.requests != b.second.requests ? a.second.requests > b.second.requests : a.first < b.first;
        });
        std::fprintf(out, "  top sources by SIP requests:\n");
        for (std::size_t i = 0; i < shown; ++i) {
            const auto& [address, tally] = ranked[i];
            std::string methods;
            for (std::size_t m = 0; m < parser::kSipMethodCount; ++m) {
                if (!tally.methods[m]) continue;
                if (!methods.empty()) methods += ' ';
                methods += std::string(parser::kSipMethodLabels[m]) + "=" + std::to_string(tally.methods[m]);
            }
            std::fprintf(out, "    %-40s %10llu  %s\n", address.c_str(), static_cast<unsigned long long>(tally.requests),
                         methods.empty() ? "(responses only)" : methods.c_str());
        }
    }
    if (!summary.tools.empty()) {
        std::vector<std::pair<std::string, uint64_t>> ranked(summary.tools.begin(), summary.tools.end());
        std::sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) {
            return a.second != b.second ? a.second > b.second : a.first < b.first;
        });
        std::fprintf(out, "  sources by tool:");
        for (std::size_t i = 0; i < ranked.size() && i < 8; ++i)
            std::fprintf(out, "%s %s %llu", i ? "," : "", ranked[i].first.c_str(), static_cast<unsigned long long>(ranked[i].second));
        std::fprintf(out, "\n");
    }
    if (!options.events_file.empty()) {
        std::fprintf(out, "  events         %s (%llu sip_scan_flow, %llu alert lines)\n", options.events_file.c_str(),
                     static_cast<unsigned long long>(summary.records), static_cast<unsigned long long>(summary.alerts));
    }
    if (!metrics_url.empty()) std::fprintf(out, "  metrics        %s\n", metrics_url.c_str());
    if (!options.metrics_file.empty()) std::fprintf(out, "  metrics file   %s\n", options.metrics_file.c_str());
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
        std::printf("%-4u %-11s %-26s %-18s %u/%u/%u\n", tool.table_id, tool.family.c_str(), tool.name.c_str(),
                    tool.strategy.empty() ? "-" : tool.strategy.c_str(), require, expect, forbid);
    }
}

// Everything after EAL start. Returns the exit code.
int run_sensor(SensorOptions& options, uint64_t expected_packets, const fingerprint::ToolDatabase& tools) {
    unsigned available = rte_lcore_count() - 1;
    if (available == 0) {
        std::fprintf(stderr, "sipscope: the EAL has only the main lcore; workers need more: pass -l 0-N (N workers) after --\n");
        return 1;
    }
    if (options.workers == 0) options.workers = available;
    if (options.workers > available) {
        std::fprintf(stderr, "sipscope: --workers %u needs %u lcores but the EAL has %u; pass -l 0-%u after --\n",
                     options.workers, options.workers + 1, available + 1, options.workers);
        return 1;
    }

    PortRequest request;
    request.ports = options.ports;
    request.workers = options.workers;
    request.queues_per_port = options.queues_per_port;
    request.rx_descriptors = options.rx_descriptors;
    request.mbufs = options.mbufs;
    request.handoff_ring_size = options.handoff_ring_size;
    PortSetup ports = set_up_ports(request);

    // Packet time: net_pcap stamps each mbuf with the capture time.
    PacketClockSource clock;
    clock.tsc_hz = rte_get_tsc_hz();
    clock.tsc_at_start = rte_rdtsc();
    clock.wall_us_at_start = static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch()).count());
    if (options.mode == Mode::replay) {
        int offset = rte_mbuf_dynfield_lookup(RTE_MBUF_DYNFIELD_TIMESTAMP_NAME, nullptr);
        int flag_bit = rte_mbuf_dynflag_lookup(RTE_MBUF_DYNFLAG_RX_TIMESTAMP_NAME, nullptr);
        if (offset >= 0 && flag_bit >= 0) {
            clock.use_packet_timestamps = true;
            clock.timestamp_offset = offset;
            clock.timestamp_flag = 1ULL << flag_bit;
        } else {
            std::fprintf(stderr, "sipscope: the capture port gives no packet timestamps; flow times are wall-clock times\n");
        }
    }

    rte_mempool* record_pool = rte_mempool_create("sipscope_records", kRecordPoolSize, sizeof(fingerprint::FlowRecord), 64, 0,
                                                  nullptr, nullptr, nullptr, nullptr, static_cast<int>(rte_socket_id()), 0);
    if (record_pool == nullptr) {
        std::fprintf(stderr, "sipscope: cannot create the record pool: %s (give DPDK more memory with -m)\n", rte_strerror(rte_errno));
        return 1;
    }

    SourceOwner owner(options.workers);
    std::vector<std::unique_ptr<WorkerContext>> contexts;
    std::vector<const exporter::WorkerCounters*> counter_blocks;
    std::vector<void*> tool_counters;
    unsigned lcore_id = rte_get_next_lcore(-1, 1, 0);
    for (unsigned w = 0; w < options.workers; ++w, lcore_id = rte_get_next_lcore(lcore_id, 1, 0)) {
        auto context = std::make_unique<WorkerContext>();
        context->index = w;
        context->lcore_id = lcore_id;
        context->rx_queues = ports.worker_queues[w];
        int socket = static_cast<int>(rte_lcore_to_socket_id(lcore_id));
        std::string name = "handoff" + std::to_string(w);
        context->inbound = rte_ring_create(name.c_str(), options.handoff_ring_size, socket, RING_F_SC_DEQ);
        name = "records" + std::to_string(w);
        context->records = rte_ring_create(name.c_str(), kRecordRingSize, socket, RING_F_SP_ENQ | RING_F_SC_DEQ);
        if (!context->inbound || !context->records) {
            std::fprintf(stderr, "sipscope: cannot create the rings of worker %u: %s\n", w, rte_strerror(rte_errno));
            return 1;
        }
        context->record_pool = record_pool;
        context->owner = &owner;
        context->clock = clock;
        context->wait_when_records_full = options.mode == Mode::replay;
        context->idle_sleep_us = options.idle_sleep_us;
        context->fingerprint_sampling = options.fingerprint_sampling;
        // Memory per tracked source, measured on DPDK's heap around the
        // allocations (not computed from sizeof): reported once at start.
        rte_malloc_socket_stats before_flows{}, after_flows{}, after_details{};
        rte_malloc_get_socket_stats(socket, &before_flows);
        context->flows = std::make_unique<fingerprint::FlowTable>("flows" + std::to_string(w), options.flow_capacity,
                                                                  static_cast<uint64_t>(options.timeout_seconds * 1e6), socket);
        context->counters = static_cast<exporter::WorkerCounters*>(
            rte_zmalloc_socket("counters", sizeof(exporter::WorkerCounters), RTE_CACHE_LINE_SIZE, socket));
        if (!context->counters) {
            std::fprintf(stderr, "sipscope: cannot reserve the counters of worker %u\n", w);
            return 1;
        }
        new (context->counters) exporter::WorkerCounters();
        context->counters->flow_capacity.set(context->flows->capacity());
        rte_malloc_get_socket_stats(socket, &after_flows);
        // Fingerprint pool, tool scratch and per-tool counters, all reserved now.
        auto* storage = static_cast<fingerprint::FlowDetail*>(rte_malloc_socket(
            "flow_details", sizeof(fingerprint::FlowDetail) * options.fingerprint_capacity, RTE_CACHE_LINE_SIZE, socket));
        // closed_by_tool and active_by_tool, one allocation.
        auto* by_tool = static_cast<exporter::OwnedCounter*>(rte_zmalloc_socket(
            "by_tool", 2 * sizeof(exporter::OwnedCounter) * (tools.tools().size() + 1), RTE_CACHE_LINE_SIZE, socket));
        if (!storage || !by_tool) {
            std::fprintf(stderr, "sipscope: cannot reserve %zu bytes of fingerprints for worker %u (lower "
                                 "--fingerprint-capacity or give DPDK more memory with -m)\n",
                         sizeof(fingerprint::FlowDetail) * options.fingerprint_capacity, w);
            return 1;
        }
        rte_malloc_get_socket_stats(socket, &after_details);
        if (w == 0) {
            double flow_bytes = static_cast<double>(after_flows.heap_allocsz_bytes - before_flows.heap_allocsz_bytes);
            double detail_bytes = static_cast<double>(after_details.heap_allocsz_bytes - after_flows.heap_allocsz_bytes);
            std::fprintf(stderr,
                         "sipscope: memory per worker: flow table %.1f MiB for %u sources (%.0f bytes each, hash "
                         "included), detail pool %.1f MiB for %u SIP sources (%.0f bytes each)\n",
                         flow_bytes / (1 << 20), context->flows->capacity(), flow_bytes / context->flows->capacity(),
                         detail_bytes / (1 << 20), options.fingerprint_capacity, detail_bytes / options.fingerprint_capacity);
        }
        tool_counters.push_back(by_tool);
        context->details = std::make_unique<fingerprint::FlowDetailPool>(storage, options.fingerprint_capacity);
        context->tools = &tools;
        context->alerts = &options.alert_policy;
        context->tool_scratch = tools.make_scratch();
        context->counters->closed_by_tool = by_tool;
        context->counters->active_by_tool = by_tool + tools.tools().size() + 1;
        context->counters->tool_slots = static_cast<uint32_t>(tools.tools().size() + 1);
        counter_blocks.push_back(context->counters);
        contexts.push_back(std::move(context));
    }
    std::vector<WorkerContext*> workers;
    for (auto& context : contexts) workers.push_back(context.get());
    for (WorkerContext* worker : workers) {
        for (WorkerContext* peer : workers) {
            worker->handoff_rings.push_back(peer->inbound);
            if (!peer->rx_queues.empty()) worker->dispatch_clocks.push_back(&peer->dispatch_clock_us);
        }
    }

    exporter::EventWriter events(options.events_file, options.mode == Mode::replay ? exporter::EventWriter::Mode::truncate
                                                                                   : exporter::EventWriter::Mode::append);
    exporter::FlowEventContext event_context{options.home_networks, &tools, options.alert_policy.thresholds};
    exporter::PortCounterBoard port_board;
    exporter::ControlCounters control_counters;
    exporter::SensorIdentity identity{SIPSCOPE_VERSION, rte_version(), options.mode == Mode::replay ? "replay" : "run",
                                      rte_get_tsc_hz()};
    auto metrics =
        std::make_shared<exporter::SensorMetrics>(identity, counter_blocks, port_board, control_counters, events, &tools);
    std::unique_ptr<prometheus::Exposer> exposer;
    std::string metrics_url;
    if (!options.metrics_bind.empty()) {
        try {
            exposer = std::make_unique<prometheus::Exposer>(options.metrics_bind, 2);
        } catch (const std::exception& error) {
            std::fprintf(stderr, "sipscope: cannot serve metrics on %s (%s): is the port in use? choose another with --metrics "
                                 "or disable it with --metrics none\n",
                         options.metrics_bind.c_str(), error.what());
            return 1;
        }
        exposer->RegisterCollectable(metrics);
        metrics_url = "http://" + options.metrics_bind + "/metrics";
        std::fprintf(stderr, "sipscope: metrics at %s\n", metrics_url.c_str());
    }

    exporter::TopSources top_sources(10000, &tools);
    std::unique_ptr<exporter::TopSourcesServer> api;
    if (!options.api_address.empty()) {
        try {
            api = std::make_unique<exporter::TopSourcesServer>(options.api_address, options.api_port, top_sources);
        } catch (const std::exception& error) {
            std::fprintf(stderr, "sipscope: %s: is the port in use? choose another with --api or disable it with --api none\n",
                         error.what());
            return 1;
        }
        std::fprintf(stderr, "sipscope: top sources at http://%s:%u/top\n", options.api_address.c_str(), options.api_port);
    }

    install_signal_handlers();
    for (WorkerContext* worker : workers) {
        int status = rte_eal_remote_launch(worker_main, worker, worker->lcore_id);
        if (status != 0) {
            std::fprintf(stderr, "sipscope: cannot launch worker %u on lcore %u: %s\n", worker->index, worker->lcore_id,
                         rte_strerror(-status));
            return 1;
        }
    }
    std::fprintf(stderr, "sipscope: %u worker(s) running%s\n", options.workers,
                 options.mode == Mode::replay ? "" : "; SIGINT or SIGTERM stops, SIGHUP reopens the events file");

    auto started = std::chrono::steady_clock::now();
    ControlSettings settings;
    settings.replay = options.mode == Mode::replay;
    settings.expected_packets = expected_packets;
    settings.progress_seconds = options.progress_seconds;
    settings.stats_seconds = options.stats_seconds;
    ControlLoop control(settings, workers, ports, events, event_context, port_board, control_counters, &tools, top_sources);
    RunSummary summary = control.run();
    double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

    if (!options.metrics_file.empty()) {
        std::ofstream file(options.metrics_file, std::ios::trunc);
        file << exporter::serialize_metrics(*metrics);
        if (!file) std::fprintf(stderr, "sipscope: cannot write metrics file '%s'\n", options.metrics_file.c_str());
    }
    print_summary(options, summary, workers, expected_packets, elapsed, metrics_url);

    exposer.reset();
    api.reset();
    close_ports(ports);
    // The process ends with rte_eal_cleanup, which releases all DPDK
    // memory at once. Freeing the data-path tables (flow tables, detail
    // pools, mempools: hundreds of MiB) one by one first would cost more
    // than the rest of a short replay: DPDK's allocator zeroes what it
    // frees, touching every page. So only the small objects are freed.
    for (void* counters : tool_counters) rte_free(counters);
    for (auto& context : contexts) {
        context->flows->leave_memory_to_eal();
        context->flows.reset();
        rte_ring_free(context->inbound);
        rte_ring_free(context->records);
        rte_free(context->counters);
    }
    return summary.capture_short ? 3 : 0;
}

}  // namespace
}  // namespace sipscope::lcore

int main(int argc, char** argv) {
    using namespace sipscope::lcore;
    CLI::App app{"sipscope — a DPDK sensor for SIP scanning and VoIP abuse.\n"
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
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& error) {
        return app.exit(error);
    }
    if (options.mode == Mode::version) {
        std::printf("sipscope %s (%s)\n", SIPSCOPE_VERSION, rte_version());
        return 0;
    }
    std::string problem = validate(options);
    if (!problem.empty()) {
        std::fprintf(stderr, "sipscope: %s\n", problem.c_str());
        return 2;
    }
    // The tool database is checked before anything runs: a broken entry
    // stops the sensor with its file, line, name and reason. Compiling it
    // (Hyperscan) and counting the capture are independent of DPDK, so
    // they run on their own threads while the EAL initialises.
    auto load_tools = [&options] { return sipscope::fingerprint::ToolDatabase::load(options.tool_db); };
    if (options.mode == Mode::tools) {
        try {
            print_tools(*load_tools(), options.tool_db);
        } catch (const std::exception& error) {
            std::fprintf(stderr, "sipscope: %s\n", error.what());
            return 1;
        }
        return 0;
    }
    auto tools_loading = std::async(std::launch::async, load_tools);
    std::future<CaptureInventory> inventory_taking;
    if (options.mode == Mode::replay)
        inventory_taking = std::async(std::launch::async, [&options] { return take_capture_inventory(options.replay_file); });

    std::vector<std::string> eal_arguments{"sipscope"};
    for (auto& argument : options.mode == Mode::replay ? replay_eal_arguments(options) : run_eal_arguments(options))
        eal_arguments.push_back(argument);
    for (const auto& argument : options.eal_arguments) eal_arguments.push_back(argument);
    std::vector<char*> eal_argv;
    for (auto& argument : eal_arguments) eal_argv.push_back(argument.data());
    eal_argv.push_back(nullptr);
    bool eal_ready = rte_eal_init(static_cast<int>(eal_arguments.size()), eal_argv.data()) >= 0;
    int eal_errno = rte_errno;

    // Our own errors first: they say more than the EAL's (a capture that
    // cannot be read also fails the EAL's pcap device).
    std::unique_ptr<sipscope::fingerprint::ToolDatabase> tools;
    uint64_t expected_packets = 0;
    try {
        tools = tools_loading.get();
        if (inventory_taking.valid()) {
            CaptureInventory inventory = inventory_taking.get();
            expected_packets = inventory.packets;
            std::fprintf(stderr, "sipscope: %s: %llu packets, %llu bytes\n", options.replay_file.c_str(),
                         static_cast<unsigned long long>(inventory.packets), static_cast<unsigned long long>(inventory.bytes));
        }
    } catch (const std::exception& error) {
        std::fprintf(stderr, "sipscope: %s\n", error.what());
        if (eal_ready) rte_eal_cleanup();
        return 1;
    }
    if (!eal_ready) {
        std::fprintf(stderr, "sipscope: DPDK EAL initialisation failed: %s; check the EAL arguments after -- "
                             "(see the lines above from DPDK)\n",
                     rte_strerror(eal_errno));
        return 1;
    }
    if (options.mode == Mode::replay && expected_packets == 0) {
        std::fprintf(stderr, "sipscope: the capture holds no packets; nothing to do\n");
    }
    int status;
    try {
        status = run_sensor(options, expected_packets, *tools);
    } catch (const std::exception& error) {
        std::fprintf(stderr, "sipscope: %s\n", error.what());
        status = 1;
    }
    rte_eal_cleanup();
    return status;
}
