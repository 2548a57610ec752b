// Command line and config file. CLI11 reads both: every long option may also
// be a `key = value` line of the file given by --config (TOML or INI).
#include "sensor_options.hpp"

#include "number_plan.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <utility>

#include <charconv>

namespace sipscope::lcore {

namespace {

// What counts as a behaviour or an alert, and for whom.
void add_alert_options(CLI::App& command, SensorOptions& options) {
    command.add_option("--alert-method", options.alert_method_text,
                       "Alert once a source sent COUNT requests of METHOD (repeatable), e.g. REGISTER=50")
        ->allow_extra_args(false)->type_name("METHOD=COUNT");
    command.add_option("--alert-dest-net", options.alert_destination_text,
                       "Count only requests to these networks towards --alert-method (repeatable; default all)")
        ->allow_extra_args(false)->type_name("CIDR");
    struct ThresholdOption {
        const char* name;
        uint32_t fingerprint::BehaviourThresholds::*field;
        const char* help;
    };
    static constexpr ThresholdOption kThresholdOptions[] = {
        {"--scan-destinations", &fingerprint::BehaviourThresholds::horizontal_destinations,
         "Horizontal scan: a source reached this many distinct destinations"},
        {"--enumeration-extensions", &fingerprint::BehaviourThresholds::enumeration_extensions,
         "Extension enumeration: this many distinct extensions asked of at most 3 hosts"},
        {"--brute-force-attempts", &fingerprint::BehaviourThresholds::brute_force_attempts,
         "Credential brute force: this many credentialed requests (or refusals of them), at least 3 per username"},
        {"--spraying-usernames", &fingerprint::BehaviourThresholds::spraying_usernames,
         "Password spraying: this many distinct usernames tried with credentials, fewer than 3 attempts each"},
        {"--found-after-failures", &fingerprint::BehaviourThresholds::found_after_failures,
         "Credential found: a credentialed request accepted after this many were refused"},
        {"--call-attempts", &fingerprint::BehaviourThresholds::call_attempts,
         "Call attempts (toll fraud): this many INVITEs to numbers dialled internationally (+, 00, 011, "
         "after an outside-line digit or not) or to premium-rate numbers"},
        {"--call-numbers", &fingerprint::BehaviourThresholds::call_numbers,
         "Call attempts (toll fraud): or this many distinct telephone numbers called (extensions of 6 digits "
         "or fewer are not numbers)"},
        {"--call-dial-forms", &fingerprint::BehaviourThresholds::call_dial_forms,
         "Call attempts (toll fraud): or one number dialled in this many forms (+, 00, 011, 9 + 00…: probing "
         "which prefix the PBX lets out)"},
    };
    for (const ThresholdOption& threshold : kThresholdOptions) {
        command.add_option(threshold.name, options.thresholds.*threshold.field, threshold.help)
            ->capture_default_str()->check(CLI::Range(1u, 1u << 30));
    }
    command.add_flag("--no-behaviour-alerts", options.no_behaviour_alerts,
                     "Do not write alert events for behaviours (flows still carry them)");
    command.add_option("--trusted-net", options.trusted_text,
                       "Your own PBXs and SBCs (CIDR), repeatable: they place calls, so no call-attempt alert "
                       "for them (every other behaviour still alerts)")
        ->allow_extra_args(false)->type_name("CIDR");
    command.add_option("--home-country", options.home_country,
                       "The country this network dials from (ISO 3166 alpha-2, e.g. DE): numbers dialled without "
                       "an international prefix are read by its numbering plan (0301234567 is +49301234567, with "
                       "its type: fixed line, mobile, premium rate…), and numbers valid only as E.164 without '+' "
                       "count as international. Without it, such numbers are national with no country")
        ->type_name("CC");
}

// What goes into the events file, and how events name this sensor.
void add_event_options(CLI::App& command, SensorOptions& options) {
    command.add_option("--events", options.events_file,
                       "JSON-lines events file ('-' for standard output, '' to disable); reopened on SIGHUP. "
                       "With '-', summaries and logs go to standard error and standard output holds only events")
        ->capture_default_str()->type_name("FILE");
    command.add_option("--sensor-name", options.sensor_name,
                       "Names this sensor in every event (`sensor`), so that events of many sensors can be merged "
                       "(default: the host name)")
        ->type_name("NAME");
    command.add_option("--active-timeout", options.active_timeout_seconds,
                       "Report a flow that is still open as a sip_scan_flow event with flow.state \"active\" every "
                       "this many seconds of packet time (cumulative, same flow_id; the last record says \"closed\"); "
                       "0: only when it closes")
        ->capture_default_str()->check(CLI::Range(0.0, 31536000.0));
    command.add_option("--community-id-seed", options.community_id_seed,
                       "Seed of the events' Community ID v1 hashes; use the seed of the Zeek, Suricata or Elastic "
                       "records you join them with")
        ->capture_default_str()->check(CLI::Range(0u, 65535u));
    command.add_option("--min-flow-requests", options.min_flow_requests,
                       "Write a sip_scan_flow event only for flows that sent at least N requests and probes, or "
                       "were named or raised an alert; the others are counted (stats.flows_below_minimum, summary) "
                       "and stay in every metric. 1 writes every flow (the paper's per-source analysis)")
        ->capture_default_str()->check(CLI::Range(1u, 1u << 30));
    command.add_option("--stats-interval", options.stats_seconds,
                       "Seconds between `stats` events in the events file (one more at exit); 0: only at exit")
        ->capture_default_str()->check(CLI::Range(0.0, 86400.0));
}

// Flow records and alerts to ClickHouse, besides the events file.
void add_clickhouse_options(CLI::App& command, SensorOptions& options) {
    command.add_option("--clickhouse", options.clickhouse_url,
                       "Also send flow records and alerts to ClickHouse's HTTP interface at URL, e.g. "
                       "http://127.0.0.1:8123/?database=sipscope (tables from scripts/clickhouse/schema.sql). "
                       "An output thread sends in batches; when ClickHouse is slow or down it retries with back-off "
                       "and drops what no longer fits its queue, counted in sipscope_output_dropped_total; "
                       "the events file is unaffected")
        ->type_name("URL");
    command.add_option("--clickhouse-tables", options.clickhouse_tables,
                       "The tables for flow records and alerts (FLOWS,ALERTS), e.g. flows_all,alerts_all to insert "
                       "through a cluster's Distributed tables")
        ->capture_default_str()->type_name("FLOWS,ALERTS");
    command.add_option("--clickhouse-batch", options.clickhouse_batch, "Rows per INSERT at most")
        ->capture_default_str()->check(CLI::Range(1u, 1000000u));
    command.add_option("--clickhouse-flush-ms", options.clickhouse_flush_ms,
                       "Send what is queued at least this often, in milliseconds")
        ->capture_default_str()->check(CLI::Range(10u, 600000u));
    command.add_option("--clickhouse-queue", options.clickhouse_queue,
                       "Rows held for ClickHouse while it is slow or down; beyond them rows are dropped and counted "
                       "(a replay waits for room while ClickHouse answers)")
        ->capture_default_str()->check(CLI::Range(1u, 100000000u));
}

void add_shared_options(CLI::App& command, SensorOptions& options) {
    add_event_options(command, options);
    add_clickhouse_options(command, options);
    command.add_option("--workers", options.workers,
                       "Worker lcores. run: default every EAL worker lcore (set them with -l after --); "
                       "replay: default 1")
        ->check(CLI::Range(1u, 128u));
    command.add_option("--flow-capacity", options.flow_capacity,
                       "Flows each worker tracks before evicting the oldest idle one")
        ->capture_default_str()->check(CLI::Range(8u, 1u << 28));
    command.add_option("--timeout", options.timeout_seconds,
                       "Inactivity timeout of a flow, in seconds of packet time (the paper uses 20 minutes)")
        ->capture_default_str()->check(CLI::Range(0.001, 31536000.0));
    command.add_option("--detail-capacity,--fingerprint-capacity", options.detail_capacity,
                       "SIP sources per worker that keep detail at once: fingerprint, scan profile and intent "
                       "(about 7.2 KiB each). Sources beyond are counted (sipscope_details_unavailable_total) and "
                       "go without fingerprint, strategy and behaviour alerts; their tool is named from their first request. "
                       "--fingerprint-capacity is the old name")
        ->capture_default_str()->check(CLI::Range(1u, 1u << 24));
    command.add_option("--fingerprint-sampling", options.fingerprint_sampling,
                       "Once a flow's fingerprint went 16 requests without changing, merge only 1 request in N "
                       "into it (every request is still parsed, counted and profiled); 1 merges every request")
        ->capture_default_str()->check(CLI::Range(1u, 1u << 20));
    command.add_option("--tool-db", options.tool_db,
                       "Tool database to name scanners with (default: the shipped tools.conf); "
                       "checked at start, the sensor refuses a broken one; read again on SIGUSR2 or POST /reload")
        ->type_name("FILE");
    command.add_option("--home-net", options.home_networks_text,
                       "A watched network (CIDR), repeatable, e.g. 198.51.100.0/24; its hosts are 'internal' in events")
        ->allow_extra_args(false)->type_name("CIDR");
    command.add_option("--metrics", options.metrics_address_text,
                       "Serve Prometheus metrics at ADDR:PORT (/metrics); 'none' to disable. "
                       "Default: run 127.0.0.1:9561 (loopback only), replay none (so that replays run side by side)")
        ->type_name("ADDR:PORT");
    command.add_option("--api", options.api_text,
                       "Serve GET /top (the sources sending most now, as JSON) at ADDR:PORT; 'none' to disable. "
                       "Default: run 127.0.0.1:9562, replay none")
        ->type_name("ADDR:PORT");
    command.add_option("--metrics-file", options.metrics_file,
                       "At exit, write the final metrics in Prometheus text format to this file")
        ->type_name("FILE");
    command.add_option("--mbufs", options.mbufs,
                       "Packet buffers in the pool (default: sized from ports, queues and descriptors)");
    command.add_option("--rx-descriptors", options.rx_descriptors, "RX descriptors per queue")
        ->capture_default_str()->check(CLI::Range(64u, 65536u));
    command.add_option("--handoff-ring", options.handoff_ring_size,
                       "Slots of each worker's hand-off ring (power of two)")
        ->capture_default_str()->check(CLI::Range(64u, 1u << 20));
    command.add_option("--reassembly-datagrams", options.reassembly_datagrams,
                       "Incomplete IP datagrams each worker holds for fragment reassembly (IPv4 and IPv6); "
                       "0 turns reassembly off (a first fragment is then parsed alone)")
        ->capture_default_str()->check(CLI::Range(0u, 1u << 20));
    command.add_option("--reassembly-timeout", options.reassembly_timeout_seconds,
                       "Seconds of packet time an incomplete IP datagram waits for its other fragments")
        ->capture_default_str()->check(CLI::Range(0.001, 600.0));
    command.add_option("--progress", options.progress_seconds,
                       "Seconds between progress lines on standard error; 0 for none")
        ->capture_default_str()->check(CLI::Range(0.0, 86400.0));
    command.add_option("--idle-sleep-us", options.idle_sleep_us,
                       "Microseconds a worker sleeps after 1024 empty polls (0: poll without pause, "
                       "lowest latency; >0 frees the core on a shared machine)")
        ->capture_default_str()->check(CLI::Range(0u, 100000u));
}

std::optional<unsigned> parse_port_number(std::string_view text) {
    unsigned value = 0;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size() || value == 0 || value > 65535)
        return std::nullopt;
    return value;
}

// "ADDR:PORT" (IPv4, or IPv6 in brackets) for --metrics and --api. Returns
// an error line, or "" with host and port filled.
std::string parse_endpoint(const std::string& option, const std::string& text, std::string& host, unsigned& port) {
    auto colon = text.rfind(':');
    if (colon == std::string::npos) return option + " '" + text + "' needs ADDR:PORT, e.g. 127.0.0.1:9561";
    host = text.substr(0, colon);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    if (!parser::IpAddress::parse(host)) return option + " '" + text + "': '" + host + "' is not an IP address";
    auto number = parse_port_number(std::string_view(text).substr(colon + 1));
    if (!number) return option + " '" + text + "': the port must be a number from 1 to 65535";
    port = *number;
    return {};
}

}  // namespace

// `campaigns`: its own options only (no fall-through: the sensor's options
// mean nothing to an offline analysis).
void add_campaigns_command(CLI::App& app, SensorOptions& options) {
    auto* command = app.add_subcommand(
        "campaigns",
        "Group sources into campaigns by the days they were active (the paper's section VI): per source a binary "
        "vector of its active UTC days, clustered with HDBSCAN; clusters active on every day are removed. Reads "
        "sip_scan_flow events (JSON lines, plain or gzip) or a ClickHouse flows table; prints a table, writes --json");
    command->callback([&options] { options.mode = Mode::campaigns; });
    auto& campaigns = options.campaigns;
    command->add_option("events", campaigns.event_files, "Events files (sipscope --events output; .gz is read too)")
        ->type_name("FILE");
    command->add_option("--clickhouse", campaigns.clickhouse_url,
                        "Read closed flows from ClickHouse instead (or as well), e.g. "
                        "http://127.0.0.1:8123/?database=sipscope")
        ->type_name("URL");
    command->add_option("--from", campaigns.from_text, "First UTC day to analyse (default: the first day of the input)")
        ->type_name("YYYY-MM-DD");
    command->add_option("--to", campaigns.to_text, "Last UTC day to analyse, inclusive (default: the last day of the input)")
        ->type_name("YYYY-MM-DD");
    command->add_option("--min-cluster-size", campaigns.min_cluster_size,
                        "Smallest campaign, in sources (HDBSCAN's min_cluster_size; the paper uses 5)")
        ->capture_default_str()->check(CLI::Range(uint64_t{2}, uint64_t{1} << 32));
    command->add_option("--min-samples", campaigns.min_samples,
                        "HDBSCAN's min_samples: sources a vector's neighbourhood needs to be dense (default: "
                        "--min-cluster-size)")
        ->check(CLI::Range(uint64_t{1}, uint64_t{1} << 32));
    command->add_option("--json", campaigns.json_file, "Write the campaigns as JSON to FILE ('-': standard output, "
                                                       "and the table goes to standard error)")
        ->type_name("FILE");
}

namespace {

std::string trim(std::string text) {
    auto first = text.find_first_not_of(" \t\r");
    if (first == std::string::npos) return {};
    auto last = text.find_last_not_of(" \t\r");
    return text.substr(first, last - first + 1);
}

}  // namespace

std::string check_config_file(const CLI::App& app, const std::string& path) {
    std::ifstream file(path);
    if (!file) return path + ": cannot read the configuration file: " + std::strerror(errno);
    std::string line;
    for (unsigned number = 1; std::getline(file, line); ++number) {
        std::string where = path + ":" + std::to_string(number) + ": ";
        std::string text = trim(line);
        if (text.empty() || text[0] == '#' || text[0] == ';') continue;
        if (text[0] == '[') return where + "sections are not used: write the options at the top level (`workers = 2`)";
        auto equals = text.find('=');
        if (equals == std::string::npos) return where + "not `option = value`: " + text;
        std::string key = trim(text.substr(0, equals));
        const CLI::Option* option = key.empty() ? nullptr : app.get_option_no_throw("--" + key);
        if (option == nullptr || key == "config" || key == "help") return where + "unknown option '" + key + "'";
    }
    return {};
}

// The options of run and replay live on the top-level app (so that a config
// file names them without sections); this makes `run --help` and
// `replay --help` list them too, with their defaults.
class SubcommandHelp final : public CLI::Formatter {
public:
    std::string make_footer(const CLI::App* app) const override {
        std::string footer = CLI::Formatter::make_footer(app);
        const CLI::App* parent = app->get_parent();
        if (parent == nullptr || !app->get_fallthrough()) return footer;
        std::vector<const CLI::Option*> shared =
            parent->get_options([](const CLI::Option* option) { return option->nonpositional() && option->get_name() != "--help"; });
        return make_group("Options (before or after the subcommand, or in a --config file)", false, shared) + "\n" + footer;
    }
};

void add_options(CLI::App& app, SensorOptions& options) {
    app.formatter(std::make_shared<SubcommandHelp>());  // before the subcommands, which copy it
    app.set_config("--config", "", "Read options from this file (TOML/INI: one `option = value` per line; an unknown "
                                   "option is an error)");
    app.allow_config_extras(CLI::config_extras_mode::error);
    app.require_subcommand(1);
    // Options live on the top-level app so that a config file names them
    // without sections; subcommands let them fall through, so both
    // `sipscope --workers 2 run` and `sipscope run --workers 2` work.
    app.fallthrough();
    app.add_option("--log-level", options.log_level_text,
                   "Least important log line written: error, warning, notice, info or debug. Lines go to standard "
                   "error with time and level, or with a syslog priority prefix under systemd (JOURNAL_STREAM); "
                   "DPDK's own lines follow it")
        ->capture_default_str()->check(CLI::IsMember({"error", "warning", "notice", "info", "debug"}));
    add_shared_options(app, options);
    add_alert_options(app, options);
    app.add_option("--ports", options.ports,
                   "run: ports to watch, by id or device name (default: every port the EAL found)")
        ->delimiter(',')->allow_extra_args(false);
    app.add_option("--queues-per-port", options.queues_per_port,
                   "run: RX queues per port (default: one per worker, capped by the port)")
        ->check(CLI::Range(1u, 1024u));

    auto* run = app.add_subcommand("run", "Watch live ports (or any DPDK device given to the EAL after --)");
    run->callback([&options] { options.mode = Mode::run; });
    run->fallthrough();
    run->add_option("eal_arguments", options.eal_arguments,
                    "DPDK EAL arguments, after --: e.g. -l 0-2 -a 0000:03:00.0, or --vdev net_pcap0,rx_pcap=x.pcap");

    auto* replay = app.add_subcommand("replay", "Analyse a capture file offline, through the same worker code, then exit");
    replay->callback([&options] { options.mode = Mode::replay; });
    replay->fallthrough();
    replay->add_option("capture", options.replay_file, "pcap or pcapng file to analyse")->required();
    replay->add_option("eal_arguments", options.eal_arguments,
                       "Extra DPDK EAL arguments, after -- (the defaults need no hugepages)");

    auto* tools = app.add_subcommand("tools", "List the tool database (and check it: exit 1 on a broken entry)");
    tools->callback([&options] { options.mode = Mode::tools; });
    tools->fallthrough();

    add_campaigns_command(app, options);

    auto* version = app.add_subcommand("version", "Print the version of sipscope and DPDK");
    version->callback([&options] { options.mode = Mode::version; });
}

namespace {

// --alert-method METHOD=COUNT, repeated.
std::string parse_method_alerts(const std::vector<std::string>& texts, fingerprint::AlertPolicy& policy) {
    for (const auto& text : texts) {
        auto equals = text.find('=');
        std::string method = text.substr(0, equals);
        unsigned long count = 0;
        try {
            std::size_t used = 0;
            count = equals == std::string::npos ? 0 : std::stoul(text.substr(equals + 1), &used);
            if (equals == std::string::npos || used != text.size() - equals - 1 || count == 0 || count > (1ul << 30))
                throw std::invalid_argument("count");
        } catch (const std::exception&) {
            return "--alert-method '" + text + "' needs METHOD=COUNT with a count from 1, e.g. REGISTER=50";
        }
        auto known = parser::method_from_token(method);
        if (known == parser::SipMethod::other && method != "other")
            return "--alert-method '" + text + "': unknown method '" + method + "' (INVITE, REGISTER, OPTIONS, …)";
        policy.method_minimum[static_cast<std::size_t>(known)] = static_cast<uint32_t>(count);
    }
    return {};
}

// Networks given as CIDR text, for the option named `option`.
std::string parse_networks(const char* option, const std::vector<std::string>& texts, std::vector<parser::IpNetwork>& out) {
    for (const auto& text : texts) {
        auto network = parser::IpNetwork::parse(text);
        if (!network)
            return std::string(option) + " '" + text + "' is not a network: write it as ADDRESS/PREFIX, e.g. 198.51.100.0/24";
        out.push_back(*network);
    }
    return {};
}

// --metrics and --api: where to serve, or nothing.
std::string plan_endpoints(const SensorOptions& options, RunPlan::Outputs& outputs) {
    std::string metrics = options.metrics_address_text.empty() ? (options.mode == Mode::run ? "127.0.0.1:9561" : "none")
                                                                : options.metrics_address_text;
    if (metrics != "none" && metrics != "off") {
        std::string host;
        unsigned port = 0;
        if (auto problem = parse_endpoint("--metrics", metrics, host, port); !problem.empty()) return problem;
        outputs.metrics_bind = metrics;
    }
    std::string api = options.api_text.empty() ? (options.mode == Mode::run ? "127.0.0.1:9562" : "none") : options.api_text;
    if (api != "none" && api != "off") {
        unsigned port = 0;
        if (auto problem = parse_endpoint("--api", api, outputs.api_address, port); !problem.empty()) return problem;
        outputs.api_port = static_cast<uint16_t>(port);
    }
    return {};
}

// A file the sensor will write at exit: checked now, not found unwritable
// after hours of capture.
std::string check_writable(const char* option, const std::string& path) {
    if (path.empty() || path == "-") return {};
    if (::access(path.c_str(), F_OK) == 0) {
        if (::access(path.c_str(), W_OK) != 0) return std::string(option) + " '" + path + "' is not writable: " + std::strerror(errno);
        struct stat status {};
        if (stat(path.c_str(), &status) == 0 && S_ISDIR(status.st_mode)) return std::string(option) + " '" + path + "' is a directory";
        return {};
    }
    auto slash = path.rfind('/');
    std::string directory = slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
    if (::access(directory.c_str(), W_OK | X_OK) != 0)
        return std::string(option) + " '" + path + "': cannot create a file in '" + directory + "': " + std::strerror(errno);
    return {};
}

std::string plan_clickhouse(const SensorOptions& options, RunPlan& plan) {
    auto& clickhouse = plan.outputs.clickhouse;
    clickhouse.url = options.clickhouse_url;
    if (clickhouse.url.empty()) return {};
    if (auto problem = exporter::check_clickhouse_url(clickhouse.url); !problem.empty()) return problem;
    auto comma = options.clickhouse_tables.find(',');
    clickhouse.flows_table = options.clickhouse_tables.substr(0, comma);
    clickhouse.alerts_table = comma == std::string::npos ? "" : options.clickhouse_tables.substr(comma + 1);
    auto plain = [](const std::string& name) {
        return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
            return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.';
        });
    };
    if (!plain(clickhouse.flows_table) || !plain(clickhouse.alerts_table))
        return "--clickhouse-tables '" + options.clickhouse_tables + "' needs two table names, FLOWS,ALERTS (letters, digits, _ and .)";
    clickhouse.batch_rows = options.clickhouse_batch;
    clickhouse.flush_ms = options.clickhouse_flush_ms;
    clickhouse.queue_rows = std::max(options.clickhouse_queue, options.clickhouse_batch);
    clickhouse.wait_when_full = plan.replay();
    return {};
}

}  // namespace

std::string make_run_plan(const SensorOptions& options, RunPlan& plan) {
    plan = RunPlan{};
    plan.mode = options.mode;
    plan.replay_file = options.replay_file;
    plan.workers = options.workers != 0 || options.mode != Mode::replay ? options.workers : 1;
    plan.ports = {options.ports, options.queues_per_port, options.rx_descriptors, options.mbufs, options.handoff_ring_size,
                  options.reassembly_datagrams, 0};
    if ((plan.ports.handoff_ring_size & (plan.ports.handoff_ring_size - 1)) != 0)
        return "--handoff-ring " + std::to_string(plan.ports.handoff_ring_size) + " must be a power of two";

    // CLI11's range checks let NaN through (every comparison is false).
    for (auto [name, value] : {std::pair{"--timeout", options.timeout_seconds}, std::pair{"--progress", options.progress_seconds},
                               std::pair{"--stats-interval", options.stats_seconds},
                               std::pair{"--active-timeout", options.active_timeout_seconds},
                               std::pair{"--reassembly-timeout", options.reassembly_timeout_seconds}}) {
        if (!std::isfinite(value)) return std::string(name) + " must be a finite number of seconds";
    }
    plan.ports.reassembly_timeout_us = static_cast<uint64_t>(options.reassembly_timeout_seconds * 1e6);
    auto& sources = plan.sources;
    sources.flow_capacity = options.flow_capacity;
    sources.timeout_us = static_cast<uint64_t>(options.timeout_seconds * 1e6);
    sources.detail_capacity = options.detail_capacity;
    sources.fingerprint_sampling = options.fingerprint_sampling;
    sources.active_timeout_us = static_cast<uint64_t>(options.active_timeout_seconds * 1e6);
    sources.alerts.thresholds = options.thresholds;
    sources.alerts.behaviours = !options.no_behaviour_alerts;
    if (auto problem = parse_method_alerts(options.alert_method_text, sources.alerts); !problem.empty()) return problem;
    if (auto problem = parse_networks("--alert-dest-net", options.alert_destination_text, sources.alerts.destinations);
        !problem.empty())
        return problem;
    if (auto problem = parse_networks("--trusted-net", options.trusted_text, sources.alerts.trusted); !problem.empty())
        return problem;
    if (!options.home_country.empty() && !fingerprint::NumberPlan::known_region(options.home_country))
        return "--home-country: no numbering plan for '" + options.home_country +
               "' (an ISO 3166 alpha-2 code such as DE, GB, US)";
    sources.home_region = options.home_country;

    auto& outputs = plan.outputs;
    if (auto problem = parse_networks("--home-net", options.home_networks_text, outputs.home_networks); !problem.empty())
        return problem;
    if (auto problem = plan_endpoints(options, outputs); !problem.empty()) return problem;
    outputs.events_file = options.events_file;
    outputs.metrics_file = options.metrics_file;
    if (auto problem = check_writable("--metrics-file", outputs.metrics_file); !problem.empty()) return problem;
    outputs.progress_seconds = options.progress_seconds;
    outputs.stats_seconds = options.stats_seconds;
    outputs.min_flow_packets = options.min_flow_requests;
    outputs.community_id_seed = static_cast<uint16_t>(options.community_id_seed);
    if (auto problem = plan_clickhouse(options, plan); !problem.empty()) return problem;
    outputs.sensor_name = options.sensor_name;
    if (outputs.sensor_name.empty()) {
        char host[256] = {};
        outputs.sensor_name = gethostname(host, sizeof host - 1) == 0 && host[0] ? host : "sipscope";
    }

    plan.tool_db = options.tool_db;
    if (plan.tool_db.empty()) {
        // The installed copy, else the one in the source tree of this build.
        struct stat status {};
        plan.tool_db = stat(SIPSCOPE_TOOL_DB_INSTALLED, &status) == 0 ? SIPSCOPE_TOOL_DB_INSTALLED : SIPSCOPE_TOOL_DB_SOURCE;
    }
    plan.idle_sleep_us = options.idle_sleep_us;
    plan.eal_arguments = options.eal_arguments;
    if (plan.replay()) {
        struct stat status {};
        if (stat(plan.replay_file.c_str(), &status) != 0) return "capture file '" + plan.replay_file + "' does not exist";
        if (!S_ISREG(status.st_mode)) return "capture '" + plan.replay_file + "' is not a regular file";
    }
    return {};
}

}  // namespace sipscope::lcore
