// What a worker's SourceTracker costs per request once a source's
// fingerprint has settled: the flow and fingerprint stages that a
// scanner's thousandth request pays (flow lookup and counts, the template
// check and 1-in-16 merge, scan profile, intent, alerts). Three shapes of
// TOOLS.md tools, each one source sending 4,096 requests:
//   svmap_options   SIPVicious OPTIONS sweeping destinations
//   svwar_register  SIPVicious svwar REGISTER walking extensions
//   invite_numbers  a toll-fraud INVITE run dialling international numbers
// Frames are built and decoded before timing; each burst of 32 is parsed
// just before the tracker observes it, untimed, so that the messages are
// as warm as the worker's (it parses a burst, then hands it over), with
// the sensor's default sampling (16).
//
// And what a source that sends one request costs (NewSources): a spoofed
// SIPVicious OPTIONS flood, every request from a new address, so that
// each opens a flow, evicts the oldest, names a tool and hands on a
// record — with the sensor's ratio of detail slots to flows (1 in 8), so
// that most flows are named from their first request and one in eight at
// close from its template. The index is the tests' map, not DPDK's hash:
// the figure is the tracker's own work. Run with scripts/bench-tracker.
#include <benchmark/benchmark.h>
#include <x86intrin.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "frames.hpp"
#include "map_flow_index.hpp"
#include "source_tracker.hpp"

#ifndef SIPSCOPE_TOOL_DB
#error "SIPSCOPE_TOOL_DB must name fingerprint/tools.conf"
#endif

namespace {

using namespace sipscope;
namespace build = sipscope::testing_support;

constexpr unsigned kRequests = 4096;
constexpr unsigned kBurst = 32;
constexpr uint32_t kDefaultSampling = 16;  // --fingerprint-sampling

// Keeps no record: the control lcore's side is record_bench's.
class DroppingSink final : public fingerprint::RecordSink {
public:
    fingerprint::FlowRecord* take(fingerprint::RecordKind) override { return &record_; }
    void send(fingerprint::FlowRecord*) override { ++sent; }
    uint64_t sent = 0;

private:
    fingerprint::FlowRecord record_;
};

std::string octet(unsigned value) { return std::to_string(value & 0xff); }

std::string svmap_options(unsigned i) {
    return "OPTIONS sip:100@198.51." + octet(i >> 8) + "." + octet(i) + " SIP/2.0\r\n"
           "Via: SIP/2.0/UDP 203.0.113.9:5060;branch=z9hG4bK-" + std::to_string(1000000 + i * 7919) + ";rport\r\n"
           "Max-Forwards: 70\r\nTo: \"sipvicious\"<sip:100@1.1.1.1>\r\n"
           "From: \"sipvicious\"<sip:100@1.1.1.1>;tag=" + std::to_string(3000000000u - i * 104729) + "\r\n"
           "User-Agent: friendly-scanner\r\nCall-ID: " + std::to_string(900000000 + i * 15485863u) + "\r\n"
           "Contact: sip:100@203.0.113.9:5060\r\nCSeq: 1 OPTIONS\r\nAccept: application/sdp\r\nContent-Length: 0\r\n\r\n";
}

std::string svwar_register(unsigned i) {
    std::string extension = std::to_string(100 + i);
    return "REGISTER sip:198.51.100.7 SIP/2.0\r\n"
           "Via: SIP/2.0/UDP 203.0.113.9:5060;branch=z9hG4bK-" + std::to_string(1000000 + i * 7919) + ";rport\r\n"
           "Max-Forwards: 70\r\nTo: \"" + extension + "\"<sip:" + extension + "@198.51.100.7>\r\n"
           "From: \"" + extension + "\"<sip:" + extension + "@198.51.100.7>;tag=" + std::to_string(3000000000u - i * 104729) +
           "\r\nUser-Agent: friendly-scanner\r\nCall-ID: " + std::to_string(900000000 + i * 15485863u) + "\r\n"
           "Contact: sip:" + extension + "@198.51.100.7\r\nCSeq: 1 REGISTER\r\nAccept: application/sdp\r\nContent-Length: 0\r\n\r\n";
}

std::string invite_numbers(unsigned i) {
    std::string number = "00972" + std::to_string(590000000 + i * 37);
    return "INVITE sip:" + number + "@198.51.100.7 SIP/2.0\r\n"
           "Via: SIP/2.0/UDP 203.0.113.9:5071;branch=z9hG4bK" + std::to_string(2000000 + i * 7919) + ";rport\r\n"
           "Max-Forwards: 70\r\nContact: <sip:1000@203.0.113.9:5071>\r\nTo: <sip:" + number + "@198.51.100.7>\r\n"
           "From: \"1000\"<sip:1000@198.51.100.7>;tag=" + std::to_string(3000000000u - i * 104729) + "\r\n"
           "Call-ID: " + std::to_string(700000000 + i * 15485863u) + "\r\nCSeq: 1 INVITE\r\n"
           "User-Agent: pplsip\r\nContent-Length: 0\r\n\r\n";
}

// A tracker over a map-indexed table of `flows` flows and `detail_slots`
// details, with the sensor's default sampling, and frames decoded before
// timing (add_frame), parsed a burst at a time (parse_burst).
struct TrackerRig {
    TrackerRig(uint32_t flows, uint32_t detail_slots)
        : tools(fingerprint::ToolDatabase::load(SIPSCOPE_TOOL_DB)),
          by_tool(std::make_unique<fingerprint::OwnedCounter[]>(2 * (tools->tools().size() + 1))),
          details(std::make_unique<fingerprint::FlowDetail[]>(detail_slots)), messages(kBurst) {
        counters.closed_by_tool = by_tool.get();
        counters.active_by_tool = by_tool.get() + tools->tools().size() + 1;
        counters.tool_slots = static_cast<uint32_t>(tools->tools().size() + 1);
        fingerprint::TrackerSettings settings;
        settings.fingerprint_sampling = kDefaultSampling;
        tracker = std::make_unique<fingerprint::SourceTracker>(
            test::make_map_flow_table(flows, 1200000000),
            std::make_unique<fingerprint::FlowDetailPool>(details.get(), detail_slots), *tools, settings, counters, sink);
        next_time_us = 1767225600000000ull;
    }
    void add_frame(build::Bytes frame) {
        bytes.push_back(std::move(frame));
        frames.push_back(parser::decode_frame({bytes.back().data(), bytes.back().size()}));
    }
    // Parses frames [first, first + kBurst) into the burst's messages,
    // with fresh packet times 10 µs apart: a tool sending 100,000 requests
    // a second, so that the number plan's lookups per second of packet
    // time hold as at line rate.
    void parse_burst(unsigned first) {
        for (unsigned i = 0; i < kBurst; ++i) {
            const parser::DecodedFrame& frame = frames[first + i];
            parser::parse_sip_message(frame.payload_span(), messages[i]);
            packets[i] = {&frame, &messages[i], fingerprint::ProbeKind::udp_empty,
                          static_cast<uint32_t>(bytes[first + i].size()), next_time_us += 10};
        }
    }
    void observe_burst() { tracker->observe({packets.data(), kBurst}); }
    // The same, timed: its wall time goes to `state` (manual time), its
    // TSC cycles are returned.
    uint64_t observe_burst_timed(benchmark::State& state) {
        auto begin = std::chrono::steady_clock::now();
        uint64_t start = __rdtsc();
        observe_burst();
        uint64_t cycles = __rdtsc() - start;
        state.SetIterationTime(std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count());
        return cycles;
    }

    std::unique_ptr<fingerprint::ToolDatabase> tools;
    std::unique_ptr<fingerprint::OwnedCounter[]> by_tool;
    std::unique_ptr<fingerprint::FlowDetail[]> details;
    fingerprint::SourceCounters counters;
    DroppingSink sink;
    std::unique_ptr<fingerprint::SourceTracker> tracker;
    std::deque<build::Bytes> bytes;
    std::vector<parser::SipMessage> messages;
    std::vector<parser::DecodedFrame> frames;
    std::array<fingerprint::SourcePacket, kBurst> packets{};
    uint64_t next_time_us = 0;
};

// Items per second, and ns_per_<item> and cycles_per_<item> counters.
void report_per_item(benchmark::State& state, const char* item, uint64_t items, uint64_t cycles) {
    state.SetItemsProcessed(static_cast<int64_t>(items));
    state.counters[std::string("ns_per_") + item] =
        benchmark::Counter(static_cast<double>(items), benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
    state.counters[std::string("cycles_per_") + item] = static_cast<double>(cycles) / static_cast<double>(items);
}

// One source's requests, decoded, and a tracker that has seen the first
// burst of them (its fingerprint settles within it).
struct SettledSource : TrackerRig {
    explicit SettledSource(std::string (*request)(unsigned)) : TrackerRig(64, 4) {
        for (unsigned i = 0; i < kRequests; ++i) {
            add_frame(build::ethernet(
                0x0800, build::ipv4({203, 0, 113, 9}, {198, 51, static_cast<uint8_t>(i >> 8), static_cast<uint8_t>(i)}, 17,
                                    build::udp(5060, 5060, request(i)))));
        }
        parse_burst(0);
        observe_burst();
    }
};

void SettledRequests(benchmark::State& state, std::string (*request)(unsigned)) {
    SettledSource source(request);
    unsigned next = kBurst;
    uint64_t cycles = 0, requests = 0;
    const uint64_t lookups = source.counters.number_lookups.read(), unclassified = source.counters.numbers_over_budget.read();
    for (auto _ : state) {
        source.parse_burst(next);
        cycles += source.observe_burst_timed(state);
        requests += kBurst;
        next += kBurst;
        if (next == kRequests) next = kBurst;  // the first burst settled the template; it is not timed again
    }
    report_per_item(state, "request", requests, cycles);
    // Dialled numbers the number plan looked up, and those the per-second
    // budget left unclassified, per request (invite_numbers: a new number
    // each request, so the two add up to about 1).
    state.counters["numbers_looked_up_per_request"] =
        static_cast<double>(source.counters.number_lookups.read() - lookups) / static_cast<double>(requests);
    state.counters["numbers_unclassified_per_request"] =
        static_cast<double>(source.counters.numbers_over_budget.read() - unclassified) / static_cast<double>(requests);
}

// svmap's own values (captured from SIPVicious 0.3.4): a decimal branch
// pair, a 16-hex-digit tag and a 25-hex-digit Call-ID, new each request.
std::string svmap_flood_options(unsigned i) {
    uint64_t random = (i + 1) * 0x9e3779b97f4a7c15ull;
    char tag[17], call_id[26];
    std::snprintf(tag, sizeof tag, "%016llx", static_cast<unsigned long long>(random));
    std::snprintf(call_id, sizeof call_id, "%016llx%09llx", static_cast<unsigned long long>(random * 31),
                  static_cast<unsigned long long>(random >> 28) & 0xfffffffffull);
    return "OPTIONS sip:100@198.51." + octet(i >> 8) + "." + octet(i) + " SIP/2.0\r\n"
           "Via: SIP/2.0/UDP 203.0.113.9:5060;branch=z9hG4bK-" + std::to_string(100000000 + (random >> 40)) + "-" +
           std::to_string(random % 1000000) + ";rport\r\n"
           "Max-Forwards: 70\r\nTo: \"sipvicious\"<sip:100@1.1.1.1>\r\n"
           "From: \"sipvicious\"<sip:100@1.1.1.1>;tag=" + tag + "\r\n"
           "User-Agent: friendly-scanner\r\nCall-ID: " + call_id + "\r\n"
           "Contact: sip:100@203.0.113.9:5060\r\nCSeq: 1 OPTIONS\r\nAccept: application/sdp\r\nContent-Length: 0\r\n\r\n";
}

constexpr unsigned kFloodSources = 16384;   // distinct requests, replayed in a loop
constexpr uint32_t kFloodFlows = 4096;       // flow capacity: every request evicts once the table is full
constexpr uint32_t kFloodDetails = kFloodFlows / 8;  // the default 131,072 flows to 16,384 details

// A tracker at the flood's capacities, and kFloodSources one-request
// sources (each its own address) decoded before timing.
struct FloodedTracker : TrackerRig {
    FloodedTracker() : TrackerRig(kFloodFlows, kFloodDetails) {
        for (unsigned i = 0; i < kFloodSources; ++i) {
            uint8_t a = static_cast<uint8_t>(11 + (i >> 16)), b = static_cast<uint8_t>(i >> 8), c = static_cast<uint8_t>(i);
            add_frame(build::ethernet(
                0x0800, build::ipv4({a, b, c, 9}, {198, 51, c, b}, 17, build::udp(5060, 5060, svmap_flood_options(i)))));
        }
    }
};

void NewSources(benchmark::State& state) {
    FloodedTracker flood;
    // One pass fills the flow table and the detail pool: what is timed is
    // the steady state, where every request also closes the oldest flow.
    for (unsigned first = 0; first < kFloodSources; first += kBurst) {
        flood.parse_burst(first);
        flood.observe_burst();
    }
    unsigned next = 0;
    uint64_t cycles = 0, requests = 0;
    for (auto _ : state) {
        flood.parse_burst(next);
        cycles += flood.observe_burst_timed(state);
        requests += kBurst;
        next = (next + kBurst) % kFloodSources;
    }
    report_per_item(state, "source", requests, cycles);
    state.counters["records"] = static_cast<double>(flood.sink.sent);
}

BENCHMARK_CAPTURE(SettledRequests, svmap_options, svmap_options)->UseManualTime();
BENCHMARK_CAPTURE(SettledRequests, svwar_register, svwar_register)->UseManualTime();
BENCHMARK_CAPTURE(SettledRequests, invite_numbers, invite_numbers)->UseManualTime();
BENCHMARK(NewSources)->UseManualTime();

}  // namespace

BENCHMARK_MAIN();
