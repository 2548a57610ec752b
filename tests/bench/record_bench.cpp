// How many records per second the control lcore turns into events: a
// closed flow's sip_scan_flow line formatted and written to a file, as
// drain_records does (with its prefetches), for the two kinds a telescope mostly sees — a
// one-request scanner flow with its detail (fingerprint, scan profile,
// intent), and one without (the detail pool was full). The records come
// from real parsed packets through a SourceTracker. Run with
// scripts/bench-records.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "event_writer.hpp"
#include "flow_event.hpp"
#include "tool_registry.hpp"
#include "frames.hpp"
#include "map_flow_index.hpp"
#include "record_prefetch.hpp"
#include "source_tracker.hpp"

#ifndef SIPSCOPE_TOOL_DB
#error "SIPSCOPE_TOOL_DB must name fingerprint/tools.conf"
#endif

namespace {

using namespace sipscope;
namespace build = sipscope::testing_support;

class KeepingSink final : public fingerprint::RecordSink {
public:
    fingerprint::FlowRecord* take(fingerprint::RecordKind) override {
        owned_.push_back(std::make_unique<fingerprint::FlowRecord>());
        return owned_.back().get();
    }
    void send(fingerprint::FlowRecord* record) override {
        if (record->kind == fingerprint::RecordKind::closed_flow) records.push_back(record);
    }
    std::vector<const fingerprint::FlowRecord*> records;

private:
    std::vector<std::unique_ptr<fingerprint::FlowRecord>> owned_;
};

// Closed records of `sources` one-request SIPVicious flows; `with_detail`
// false gives them no detail pool.
struct Records {
    Records(unsigned sources, bool with_detail) : tools(fingerprint::ToolDatabase::load(SIPSCOPE_TOOL_DB)) {
        fingerprint::SourceCounters counters;
        auto by_tool = std::make_unique<fingerprint::OwnedCounter[]>(2 * (tools->tools().size() + 1));
        counters.closed_by_tool = by_tool.get();
        counters.active_by_tool = by_tool.get() + tools->tools().size() + 1;
        counters.tool_slots = static_cast<uint32_t>(tools->tools().size() + 1);
        unsigned detail_capacity = with_detail ? sources : 1;
        details = std::make_unique<fingerprint::FlowDetail[]>(detail_capacity);
        fingerprint::SourceTracker tracker(test::make_map_flow_table(sources, 1200000000),
                                           std::make_unique<fingerprint::FlowDetailPool>(details.get(), detail_capacity),
                                           *tools, {}, counters, sink);
        std::deque<build::Bytes> frames;
        for (unsigned i = 0; i < sources; ++i) {
            uint8_t b = static_cast<uint8_t>(i >> 8), c = static_cast<uint8_t>(i);
            std::string payload =
                "OPTIONS sip:100@198.51.100." + std::to_string(c) + " SIP/2.0\r\n"
                "Via: SIP/2.0/UDP 100.64." + std::to_string(b) + "." + std::to_string(c) + ":5060;branch=z9hG4bK-" +
                std::to_string(1000000 + i * 7919) + ";rport\r\nMax-Forwards: 70\r\n"
                "To: \"sipvicious\"<sip:100@1.1.1.1>\r\nFrom: \"sipvicious\"<sip:100@1.1.1.1>;tag=" +
                std::to_string(3000000000u - i * 104729) + "\r\nUser-Agent: friendly-scanner\r\nCall-ID: " +
                std::to_string(900000000 + i * 15485863u) + "\r\nContact: sip:100@100.64." + std::to_string(b) + "." +
                std::to_string(c) + ":5060\r\nCSeq: 1 OPTIONS\r\nAccept: application/sdp\r\nContent-Length: 0\r\n\r\n";
            frames.push_back(build::ethernet(0x0800, build::ipv4({100, 64, b, c}, {198, 51, 100, c}, 17,
                                                                 build::udp(5060, 5060, payload))));
            parser::DecodedFrame frame = parser::decode_frame({frames.back().data(), frames.back().size()});
            parser::SipMessage message;
            parser::parse_sip_message(frame.payload_span(), message);
            fingerprint::SourcePacket packet{&frame, &message, fingerprint::ProbeKind::udp_empty,
                                             static_cast<uint32_t>(frames.back().size()), 1767225600000000ull + i};
            tracker.observe({&packet, 1});
        }
        tracker.close_all(fingerprint::CloseReason::end_of_capture);
    }
    // As drain_records asks: the head two records ahead, the detail one.
    void prefetch_ahead_of(std::size_t next) const {
        const auto& all = sink.records;
        exporter::prefetch_record_head(*all[(next + exporter::kRecordHeadAhead) % all.size()]);
        exporter::prefetch_record_detail(*all[(next + 1) % all.size()]);
    }
    std::unique_ptr<fingerprint::ToolDatabase> tools;
    std::unique_ptr<fingerprint::FlowDetail[]> details;
    KeepingSink sink;
};

void FormatAndWrite(benchmark::State& state, bool with_detail) {
    Records records(4096, with_detail);
    std::string path = "/tmp/sipscope-record-bench-" + std::to_string(getpid()) + ".jsonl";
    exporter::EventWriter events(path, exporter::EventWriter::Mode::truncate);
    fingerprint::ToolRegistry registry(records.tools->tools().size());
    registry.adopt(*records.tools);
    exporter::FlowEventContext context{"bench", 0, {}, &registry, {}};
    std::string line;
    std::size_t next = 0, bytes = 0;
    for (auto _ : state) {
        records.prefetch_ahead_of(next);
        line.clear();
        exporter::format_flow_event(line, *records.sink.records[next], context);
        events.write_line(line, exporter::EventType::sip_scan_flow);
        bytes += line.size() + 1;
        if (++next == records.sink.records.size()) next = 0;
    }
    events.flush();
    std::remove(path.c_str());
    state.counters["records_per_second"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
    state.counters["bytes_per_record"] = static_cast<double>(bytes) / static_cast<double>(state.iterations());
}

// The formatting alone: what FormatAndWrite costs beyond it is the copy
// into the file's page cache (the kernel's, and most of it per byte).
void FormatOnly(benchmark::State& state, bool with_detail) {
    Records records(4096, with_detail);
    fingerprint::ToolRegistry registry(records.tools->tools().size());
    registry.adopt(*records.tools);
    exporter::FlowEventContext context{"bench", 0, {}, &registry, {}};
    std::string line;
    std::size_t next = 0;
    for (auto _ : state) {
        records.prefetch_ahead_of(next);
        line.clear();
        exporter::format_flow_event(line, *records.sink.records[next], context);
        benchmark::DoNotOptimize(line.data());
        if (++next == records.sink.records.size()) next = 0;
    }
    state.counters["records_per_second"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

BENCHMARK_CAPTURE(FormatAndWrite, one_request_flow_with_detail, true);
BENCHMARK_CAPTURE(FormatAndWrite, one_request_flow_without_detail, false);
BENCHMARK_CAPTURE(FormatOnly, one_request_flow_with_detail, true);
BENCHMARK_CAPTURE(FormatOnly, one_request_flow_without_detail, false);

}  // namespace

BENCHMARK_MAIN();
