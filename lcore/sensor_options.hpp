// Deployment settings of the sensor, from flags or a config file, and the
// immutable RunPlan they are validated into once, by main() on the control
// lcore, before the EAL starts. Nothing after that changes either.
#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "campaigns.hpp"
#include "clickhouse_sink.hpp"
#include "flow_state.hpp"
#include "ip_address.hpp"

namespace sipscope::lcore {

enum class Mode { none, run, replay, tools, version, campaigns };

struct SensorOptions {
    Mode mode = Mode::none;
    // --- traffic
    std::string replay_file;                 // replay: the capture
    std::vector<std::string> ports;          // run: port ids or device names; empty = all
    unsigned workers = 0;                    // 0: run = every EAL worker lcore, replay = 1
    unsigned queues_per_port = 0;            // 0: one per worker (capped by the port)
    unsigned mbufs = 0;                      // 0: sized from ports, queues and descriptors
    unsigned rx_descriptors = 1024;
    unsigned handoff_ring_size = 4096;
    unsigned reassembly_datagrams = 1024;    // per worker; 0 = no IP reassembly
    double reassembly_timeout_seconds = 5;   // packet time
    // --- flows
    unsigned flow_capacity = 131072;         // per worker
    double timeout_seconds = 1200;           // inactivity timeout, packet time
    unsigned detail_capacity = 16384;        // per worker: flows with detail (fingerprint, scan profile, intent) at once
    unsigned fingerprint_sampling = 16;      // settled templates: merge 1 request in N (1 = every one)
    std::string tool_db;                     // "" = the shipped fingerprint/tools.conf
    std::vector<std::string> home_networks_text;
    // --- alerts, as a flow-based detector's operator configures them
    std::vector<std::string> alert_method_text;       // METHOD=COUNT
    std::vector<std::string> alert_destination_text;  // CIDR
    std::vector<std::string> trusted_text;            // CIDR: own PBXs/SBCs
    std::string home_country;                         // ISO 3166 alpha-2, "" = none
    bool no_behaviour_alerts = false;
    fingerprint::BehaviourThresholds thresholds;
    // --- outputs
    std::string metrics_address_text;        // "" = run: 127.0.0.1:9561, replay: none
    std::string metrics_file;                // final exposition written at exit
    std::string api_text;                    // "" = run: 127.0.0.1:9562, replay: none
    std::string events_file = "sipscope-events.jsonl";
    std::string sensor_name;                 // "" = the host name
    double active_timeout_seconds = 300;     // interim sip_scan_flow records of open flows; 0 = none
    unsigned community_id_seed = 0;
    std::string clickhouse_url;              // "" = no ClickHouse output
    std::string clickhouse_tables = "flows,alerts";
    unsigned clickhouse_batch = 10000;
    unsigned clickhouse_flush_ms = 1000;
    unsigned clickhouse_queue = 200000;
    double progress_seconds = 10;            // log line interval; 0 = quiet
    double stats_seconds = 60;               // `stats` event interval; 0 = only at the end
    unsigned min_flow_requests = 1;          // sip_scan_flow events only for flows that sent at least this many
    std::string log_level_text = "info";     // error, warning, notice, info, debug
    // --- behaviour of the poll loop
    unsigned idle_sleep_us = 0;              // sleep after many empty polls (0: pure polling)
    // --- EAL
    std::vector<std::string> eal_arguments;  // after "--"
    // --- the campaigns subcommand (offline, no EAL)
    exporter::CampaignOptions campaigns;
};

// Adds every option and subcommand to `app`, bound to `options`.
void add_options(CLI::App& app, SensorOptions& options);
// A --config file, line by line: "" or "FILE:LINE: what is wrong" (a
// section, a line that is not `option = value`, an unknown option).
std::string check_config_file(const CLI::App& app, const std::string& path);

// What a run will do, checked: built once from SensorOptions, then only read.
struct RunPlan {
    Mode mode = Mode::none;
    std::string replay_file;                 // replay: the capture (a regular file)
    unsigned workers = 0;                    // 0: every EAL worker lcore (run only)
    struct Ports {
        std::vector<std::string> names;      // ids or device names; empty = all
        unsigned queues_per_port = 0;
        unsigned rx_descriptors = 1024;
        unsigned mbufs = 0;
        unsigned handoff_ring_size = 4096;   // a power of two
        unsigned reassembly_datagrams = 0;   // per worker; 0 = no IP reassembly
        uint64_t reassembly_timeout_us = 0;  // packet time
    } ports;
    struct Sources {
        uint32_t flow_capacity = 0;          // per worker
        uint64_t timeout_us = 0;             // inactivity, packet time
        uint32_t detail_capacity = 0;        // per worker
        uint32_t fingerprint_sampling = 1;
        uint64_t active_timeout_us = 0;      // 0: no interim records
        std::string home_region;             // --home-country, upper or lower case
        fingerprint::AlertPolicy alerts;
    } sources;
    struct Outputs {
        std::vector<parser::IpNetwork> home_networks;
        std::string events_file;             // "" = none, "-" = stdout
        std::string metrics_bind;            // "" = no exposer
        std::string metrics_file;            // "" = none
        std::string api_address;             // "" = no /top API
        uint16_t api_port = 0;
        double progress_seconds = 10;
        double stats_seconds = 60;
        uint32_t min_flow_packets = 1;
        std::string sensor_name;             // never empty
        uint16_t community_id_seed = 0;
        exporter::ClickHouseSettings clickhouse;  // url "" = none
    } outputs;
    std::string tool_db;                     // the file to load (default resolved)
    unsigned idle_sleep_us = 0;
    std::vector<std::string> eal_arguments;  // the user's, after --
    bool replay() const { return mode == Mode::replay; }
};

// Checks what CLI11 cannot (addresses, networks, ranges, files) and builds
// the plan. Returns an error line, or "" with `plan` filled.
std::string make_run_plan(const SensorOptions& options, RunPlan& plan);

}  // namespace sipscope::lcore
