// The SourceTracker's rules on real parsed packets, without the EAL: a
// map-backed flow table and a record sink that keeps what it is given.
#include <gtest/gtest.h>

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

namespace sipscope::fingerprint {
namespace {

namespace ts = testing_support;
constexpr uint64_t kSecond = 1000000;
constexpr uint64_t kStart = 1700000000 * kSecond;

// Keeps every record; can be told to refuse (a full ring in live mode).
// Like the worker's channel, it holds what is sent until flush(): a record
// shows in `records` only if the tracker flushed before returning.
class VectorSink final : public RecordSink {
public:
    FlowRecord* take(RecordKind) override {
        if (refuse) return nullptr;
        owned_.push_back(std::make_unique<FlowRecord>());
        return owned_.back().get();
    }
    void send(FlowRecord* record) override { held_.push_back(*record); }
    void flush() override {
        records.insert(records.end(), held_.begin(), held_.end());
        held_.clear();
    }
    std::vector<const FlowRecord*> of_kind(RecordKind kind) const {
        std::vector<const FlowRecord*> result;
        for (const auto& record : records)
            if (record.kind == kind) result.push_back(&record);
        return result;
    }
    bool refuse = false;
    std::vector<FlowRecord> records;

private:
    std::vector<std::unique_ptr<FlowRecord>> owned_;
    std::vector<FlowRecord> held_;
};

// Frames and parsed messages that live as long as the test.
struct Packet {
    ts::Bytes bytes;
    parser::DecodedFrame frame;
    parser::SipMessage message;
    SourcePacket source;
};

std::string options_from_sipvicious(const std::string& target) {
    return "OPTIONS sip:100@" + target + " SIP/2.0\r\n"
           "Via: SIP/2.0/UDP 203.0.113.5:5060;branch=z9hG4bK-2407196123;rport\r\n"
           "Max-Forwards: 70\r\n"
           "To: \"sipvicious\"<sip:100@1.1.1.1>\r\n"
           "From: \"sipvicious\"<sip:100@1.1.1.1>;tag=6338303035363739\r\n"
           "User-Agent: friendly-scanner\r\n"
           "Call-ID: 1234567890\r\n"
           "Contact: sip:100@203.0.113.5:5060\r\n"
           "CSeq: 1 OPTIONS\r\n"
           "Accept: application/sdp\r\n"
           "Content-Length: 0\r\n\r\n";
}

std::string request(const std::string& method, const std::string& user, const std::string& host,
                    const std::string& extra = "") {
    return method + " sip:" + user + "@" + host + " SIP/2.0\r\n"
           "Via: SIP/2.0/UDP 203.0.113.9:5060;branch=z9hG4bK-1\r\n"
           "Max-Forwards: 70\r\n"
           "To: <sip:" + user + "@" + host + ">\r\n"
           "From: <sip:caller@203.0.113.9>;tag=1\r\n"
           "Call-ID: abc@203.0.113.9\r\n"
           "CSeq: 1 " + method + "\r\n" + extra + "Content-Length: 0\r\n\r\n";
}

class SourceTrackerTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() { tools = ToolDatabase::load(SIPSCOPE_TOOL_DB).release(); }
    static void TearDownTestSuite() { delete tools; }

    void SetUp() override { make_tracker(); }

    void make_tracker(uint32_t flow_capacity = 64, uint32_t detail_capacity = 16, uint32_t sampling = 1) {
        tracker.reset();
        counters = std::make_unique<SourceCounters>();
        slots = static_cast<uint32_t>(tools->tools().size() + 1);
        by_tool = std::make_unique<OwnedCounter[]>(2 * slots);
        counters->closed_by_tool = by_tool.get();
        counters->active_by_tool = by_tool.get() + slots;
        counters->tool_slots = slots;
        details_storage = std::make_unique<FlowDetail[]>(detail_capacity);
        TrackerSettings settings{3, sampling, policy};
        tracker = std::make_unique<SourceTracker>(
            test::make_map_flow_table(flow_capacity, 1200 * kSecond),
            std::make_unique<FlowDetailPool>(details_storage.get(), detail_capacity), *tools, settings, *counters, sink);
    }

    // A UDP packet from `source` to `destination` (IPv4 last octets in
    // 203.0.113/24 and 198.51.100/24), parsed and handed to the tracker.
    void send(uint8_t source, uint8_t destination, const std::string& payload, uint64_t time_us = kStart,
              uint16_t destination_port = 5060) {
        Packet& packet = packets.emplace_back();
        packet.bytes = ts::ethernet(0x0800, ts::ipv4({203, 0, 113, source}, {198, 51, 100, destination}, 17,
                                                      ts::udp(5060, destination_port, payload)));
        feed(packet, time_us);
    }
    // A response from `host` (198.51.100.x) to `source` (203.0.113.x).
    void answer(uint8_t host, uint8_t source, const std::string& payload, uint64_t time_us = kStart) {
        Packet& packet = packets.emplace_back();
        packet.bytes = ts::ethernet(0x0800, ts::ipv4({198, 51, 100, host}, {203, 0, 113, source}, 17,
                                                      ts::udp(5060, 5060, payload)));
        feed(packet, time_us);
    }
    void feed(Packet& packet, uint64_t time_us) {
        packet.frame = parser::decode_frame({packet.bytes.data(), packet.bytes.size()});
        ASSERT_EQ(packet.frame.outcome, parser::FrameOutcome::ok);
        parser::SipOutcome outcome = parser::parse_sip_message(packet.frame.payload_span(), packet.message);
        packet.source = SourcePacket{&packet.frame, &packet.message, ProbeKind::udp_empty,
                                     static_cast<uint32_t>(packet.bytes.size()), time_us};
        if (!packet.message.is_sip()) {
            ASSERT_EQ(outcome, parser::SipOutcome::empty_payload);
            packet.source.message = nullptr;
        }
        tracker->observe({&packet.source, 1});
    }

    static parser::IpAddress flow_source(uint8_t source) {
        uint8_t bytes[4] = {203, 0, 113, source};
        return parser::IpAddress::from_ipv4(bytes);
    }
    const FlowState* flow_of(uint8_t source) {
        int32_t position = tracker->flows().lookup(flow_source(source));
        return position < 0 ? nullptr : &tracker->flows().at(position);
    }
    uint32_t slot_of(const std::string& name) const {
        for (std::size_t i = 0; i < tools->tools().size(); ++i)
            if (tools->tools()[i].name == name) return static_cast<uint32_t>(i + 1);
        ADD_FAILURE() << "no tool " << name;
        return 0;
    }
    std::string tool_name(int16_t tool) const {
        return tool < 0 ? "unknown" : tools->tools()[static_cast<std::size_t>(tool)].name;
    }
    uint64_t active_total() const {
        uint64_t total = 0;
        for (uint32_t i = 0; i < slots; ++i) total += counters->active_by_tool[i].read();
        return total;
    }
    std::vector<const FlowRecord*> alerts_for(Behaviour behaviour) const {
        std::vector<const FlowRecord*> result;
        for (const FlowRecord* record : sink.of_kind(RecordKind::alert))
            if (record->alert_kind == AlertKind::behaviour && record->alert_subject == static_cast<uint8_t>(behaviour))
                result.push_back(record);
        return result;
    }

    static ToolDatabase* tools;
    AlertPolicy policy;
    VectorSink sink;
    std::unique_ptr<SourceCounters> counters;
    std::unique_ptr<OwnedCounter[]> by_tool;
    uint32_t slots = 0;
    std::unique_ptr<FlowDetail[]> details_storage;
    std::unique_ptr<SourceTracker> tracker;
    std::deque<Packet> packets;
};
ToolDatabase* SourceTrackerTest::tools = nullptr;

TEST_F(SourceTrackerTest, NamesTheToolAndMovesTheGaugesThroughTheFlowsLife) {
    send(5, 1, options_from_sipvicious("198.51.100.1"));
    EXPECT_EQ(counters->flows_opened.read(), 1u);
    EXPECT_EQ(counters->active_by_tool[0].read(), 1u) << "unknown until named";
    send(5, 2, options_from_sipvicious("198.51.100.2"));  // the first request is matched now
    const FlowState* flow = flow_of(5);
    ASSERT_NE(flow, nullptr);
    EXPECT_EQ(tool_name(flow->tool), "sipvicious");
    EXPECT_TRUE(flow->tool_complete);
    EXPECT_EQ(counters->active_by_tool[0].read(), 0u);
    EXPECT_EQ(counters->active_by_tool[slot_of("sipvicious")].read(), 1u);
    tracker->close_all(CloseReason::end_of_capture);
    EXPECT_EQ(active_total(), 0u);
    EXPECT_EQ(counters->closed_by_tool[slot_of("sipvicious")].read(), 1u);
    EXPECT_EQ(counters->flows_active.read(), 0u);
}

// A spoofed-source flood: each flow sends one request and is named only
// when it closes. The gauges must come back to zero (they went negative
// for "unknown" before the tracker owned the rule).
TEST_F(SourceTrackerTest, FlowNamedOnlyAtCloseLeavesNoGaugeBehind) {
    make_tracker(64, 32);
    for (uint8_t source = 1; source <= 20; ++source) send(source, 1, options_from_sipvicious("198.51.100.1"));
    EXPECT_EQ(counters->active_by_tool[0].read(), 20u);
    tracker->close_all(CloseReason::end_of_capture);
    EXPECT_EQ(active_total(), 0u);
    EXPECT_EQ(counters->closed_by_tool[slot_of("sipvicious")].read(), 20u);
    for (const FlowRecord* record : sink.of_kind(RecordKind::closed_flow)) EXPECT_EQ(tool_name(record->flow.tool), "sipvicious");
}

// svcrack's first REGISTER carries no Authorization: the first match is
// incomplete; the eighth request completes the rule and wins.
TEST_F(SourceTrackerTest, IdentificationUpgradesWhenALaterMatchIsComplete) {
    std::string first = request("REGISTER", "123", "198.51.100.1", "User-Agent: friendly-scanner\r\nContact: sip:123@1.1.1.1\r\n");
    std::string with_credentials = request(
        "REGISTER", "123", "198.51.100.1",
        "User-Agent: friendly-scanner\r\nContact: sip:123@1.1.1.1\r\n"
        "Authorization: Digest username=\"123\", realm=\"asterisk\", nonce=\"1\", uri=\"sip:198.51.100.1\", response=\"0\"\r\n");
    send(7, 1, first);
    send(7, 1, with_credentials);
    const FlowState* flow = flow_of(7);
    ASSERT_NE(flow, nullptr);
    EXPECT_FALSE(flow->tool_complete) << tool_name(flow->tool);
    for (int i = 2; i < 8; ++i) send(7, 1, with_credentials);
    EXPECT_EQ(tool_name(flow->tool), "sipvicious-svcrack");
    EXPECT_TRUE(flow->tool_complete);
    EXPECT_EQ(counters->active_by_tool[slot_of("sipvicious-svcrack")].read(), 1u);
    EXPECT_EQ(active_total(), 1u);
}

// Sampling a settled template must not change it: one odd User-Agent in
// 48 requests marks the key with sampling 16 as with every request merged.
TEST_F(SourceTrackerTest, SamplingKeepsTheTemplateOfEveryRequest) {
    std::vector<std::string> templates, tools;
    for (uint32_t sampling : {1u, 16u}) {
        make_tracker(64, 16, sampling);
        for (int i = 0; i < 48; ++i) {
            std::string options = options_from_sipvicious("198.51.100." + std::to_string(1 + i));
            if (i == 30) options.replace(options.find("friendly-scanner"), 16, "Zoiper rv2.8.20!");
            send(5, static_cast<uint8_t>(1 + i), options);
        }
        tracker->close_all(CloseReason::shutdown);
        const FlowRecord& record = *sink.of_kind(RecordKind::closed_flow).back();
        templates.push_back(render_document(record.detail.fingerprint));
        tools.push_back(tool_name(record.flow.tool));
    }
    EXPECT_EQ(templates[0], templates[1]);
    EXPECT_EQ(tools[0], tools[1]);
    EXPECT_NE(templates[1].find("user-agent:"), std::string::npos);
}

TEST_F(SourceTrackerTest, AdmissionRefusedWhenThePoolIsEmptyIsCountedOnce) {
    make_tracker(64, 1);
    send(1, 1, options_from_sipvicious("198.51.100.1"));
    send(2, 1, options_from_sipvicious("198.51.100.1"));
    send(2, 2, options_from_sipvicious("198.51.100.2"));
    EXPECT_TRUE(flow_of(1)->has_detail());
    EXPECT_FALSE(flow_of(2)->has_detail());
    EXPECT_EQ(flow_of(2)->detail_slot, FlowState::kDetailRefused);
    EXPECT_EQ(counters->details_unavailable.read(), 1u) << "a refused flow does not ask again";
    EXPECT_EQ(flow_of(2)->requests, 2u) << "it is still counted";
    // Once the first flow closes, its slot serves a new source.
    tracker->expire(kStart + 1300 * kSecond);
    send(3, 1, options_from_sipvicious("198.51.100.1"), kStart + 1300 * kSecond);
    EXPECT_TRUE(flow_of(3)->has_detail());
    auto closed = sink.of_kind(RecordKind::closed_flow);
    ASSERT_EQ(closed.size(), 2u);
    EXPECT_TRUE(closed[0]->has_detail);
    EXPECT_FALSE(closed[1]->has_detail);
}

// A telescope fills the detail pool with one-request sources long before
// the flow table: a flow without detail is named from its first request,
// and the scratch template it is matched in keeps nothing of the last one.
TEST_F(SourceTrackerTest, FlowWithoutDetailIsNamedFromItsFirstRequest) {
    make_tracker(64, 1);
    send(1, 1, options_from_sipvicious("198.51.100.1"));
    send(2, 1, options_from_sipvicious("198.51.100.1"));
    ASSERT_FALSE(flow_of(2)->has_detail());
    EXPECT_EQ(tool_name(flow_of(2)->tool), "sipvicious") << "named at once: no template is kept to match at close";
    EXPECT_EQ(counters->active_by_tool[slot_of("sipvicious")].read(), 1u);
    send(3, 1, request("OPTIONS", "100", "198.51.100.1"));
    ASSERT_FALSE(flow_of(3)->has_detail());
    EXPECT_EQ(tool_name(flow_of(3)->tool), "unknown") << "nothing of source 2's request is left in the scratch";
    send(2, 2, request("OPTIONS", "100", "198.51.100.2"));
    EXPECT_EQ(tool_name(flow_of(2)->tool), "sipvicious") << "a later request does not rename a flow without detail";
    tracker->close_all(CloseReason::end_of_capture);
    EXPECT_EQ(active_total(), 0u);
    EXPECT_EQ(counters->closed_by_tool[slot_of("sipvicious")].read(), 2u);
    EXPECT_EQ(counters->closed_by_tool[0].read(), 1u);
    for (const FlowRecord* record : sink.of_kind(RecordKind::closed_flow)) {
        bool source_3 = record->flow.source == flow_source(3);
        EXPECT_EQ(tool_name(record->flow.tool), source_3 ? "unknown" : "sipvicious");
    }
}

TEST_F(SourceTrackerTest, DetailGoesBackToThePoolWhenTheRecordIsLost) {
    make_tracker(64, 1);
    send(1, 1, options_from_sipvicious("198.51.100.1"));
    sink.refuse = true;
    tracker->close_all(CloseReason::shutdown);
    EXPECT_EQ(tracker->details().available(), 1u);
    EXPECT_EQ(counters->flows_closed[static_cast<std::size_t>(CloseReason::shutdown)].read(), 1u);
}

TEST_F(SourceTrackerTest, HorizontalScanAlertsOnceAtTheThreshold) {
    policy.thresholds.horizontal_destinations = 10;
    make_tracker();
    for (uint8_t host = 1; host <= 9; ++host) send(5, host, options_from_sipvicious("198.51.100.1"));
    EXPECT_TRUE(alerts_for(Behaviour::horizontal_scan).empty());
    for (uint8_t host = 10; host <= 30; ++host) send(5, host, options_from_sipvicious("198.51.100.1"));
    auto alerts = alerts_for(Behaviour::horizontal_scan);
    ASSERT_EQ(alerts.size(), 1u);
    EXPECT_EQ(alerts[0]->alert_threshold, 10u);
    EXPECT_EQ(alerts[0]->alert_count, 10u);
    EXPECT_EQ(alerts[0]->flow.requests, 10u);
    EXPECT_TRUE(alerts[0]->has_detail);
    EXPECT_EQ(alerts[0]->worker, 3u);
    EXPECT_EQ(counters->alerts[static_cast<std::size_t>(Behaviour::horizontal_scan)].read(), 1u);
}

TEST_F(SourceTrackerTest, ExtensionEnumerationOnOneHost) {
    for (int extension = 100; extension < 109; ++extension) send(6, 1, request("REGISTER", std::to_string(extension), "198.51.100.1"));
    EXPECT_TRUE(alerts_for(Behaviour::extension_enumeration).empty());
    send(6, 1, request("REGISTER", "109", "198.51.100.1"));
    auto alerts = alerts_for(Behaviour::extension_enumeration);
    ASSERT_EQ(alerts.size(), 1u);
    EXPECT_EQ(alerts[0]->alert_count, 10u);
    EXPECT_TRUE(alerts_for(Behaviour::horizontal_scan).empty());
}

TEST_F(SourceTrackerTest, CredentialBruteForceCountsDigestAttempts) {
    std::string attempt = request("REGISTER", "100", "198.51.100.1",
                                  "Authorization: Digest username=\"100\", realm=\"x\", nonce=\"1\", uri=\"sip:198.51.100.1\", response=\"0\"\r\n");
    for (int i = 0; i < 9; ++i) send(8, 1, attempt);
    EXPECT_TRUE(alerts_for(Behaviour::credential_brute_force).empty());
    send(8, 1, attempt);
    auto alerts = alerts_for(Behaviour::credential_brute_force);
    ASSERT_EQ(alerts.size(), 1u);
    EXPECT_EQ(alerts[0]->alert_threshold, 10u);
    EXPECT_EQ(alerts[0]->alert_count, 10u);
}

TEST_F(SourceTrackerTest, CallAttemptsToTelephoneNumbers) {
    for (int i = 0; i < 4; ++i) send(9, 1, request("INVITE", "0044207946000" + std::to_string(i), "198.51.100.1"));
    EXPECT_TRUE(alerts_for(Behaviour::call_attempts).empty());
    send(9, 1, request("INVITE", "00442079460009", "198.51.100.1"));
    auto alerts = alerts_for(Behaviour::call_attempts);
    ASSERT_EQ(alerts.size(), 1u);
    EXPECT_EQ(alerts[0]->alert_threshold, 5u);
    EXPECT_EQ(alerts[0]->alert_count, 5u);
}

// The operator's own PBX places calls abroad for a living: no call
// alert for it, while the same calls from elsewhere alert.
TEST_F(SourceTrackerTest, TrustedNetworksPlaceCalls) {
    policy.trusted.push_back(*parser::IpNetwork::parse("203.0.113.0/28"));
    make_tracker();
    for (int i = 0; i < 8; ++i) send(9, 1, request("INVITE", "0044207946000" + std::to_string(i), "198.51.100.1"));
    for (int i = 0; i < 8; ++i) send(99, 1, request("INVITE", "0044207946000" + std::to_string(i), "198.51.100.1"));
    auto alerts = alerts_for(Behaviour::call_attempts);
    ASSERT_EQ(alerts.size(), 1u);
    EXPECT_EQ(alerts[0]->flow.source.to_string(), "203.0.113.99");
}

// Answered calls to one extension, however many, are no toll fraud.
TEST_F(SourceTrackerTest, CallsToAnExtensionRaiseNothing) {
    for (int i = 0; i < 30; ++i) send(10, 1, request("INVITE", "300", "198.51.100.1"));
    EXPECT_TRUE(sink.of_kind(RecordKind::alert).empty());
}

TEST_F(SourceTrackerTest, NoBehaviourAlertsWhenTheyAreOff) {
    policy.behaviours = false;
    make_tracker();
    for (uint8_t host = 1; host <= 30; ++host) send(5, host, options_from_sipvicious("198.51.100.1"));
    EXPECT_TRUE(sink.of_kind(RecordKind::alert).empty());
}

TEST_F(SourceTrackerTest, MethodThresholdCountsOnlyRequestsToTheAlertNetworks) {
    policy.method_minimum[static_cast<std::size_t>(parser::SipMethod::register_)] = 3;
    policy.destinations.push_back(*parser::IpNetwork::parse("198.51.100.0/28"));
    policy.behaviours = false;
    make_tracker();
    send(4, 100, request("REGISTER", "100", "198.51.100.100"));  // outside the /28: not counted
    send(4, 1, request("REGISTER", "100", "198.51.100.1"));
    send(4, 2, request("REGISTER", "100", "198.51.100.2"));
    EXPECT_TRUE(sink.of_kind(RecordKind::alert).empty());
    send(4, 3, request("REGISTER", "100", "198.51.100.3"));
    send(4, 4, request("REGISTER", "100", "198.51.100.4"));
    auto alerts = sink.of_kind(RecordKind::alert);
    ASSERT_EQ(alerts.size(), 1u) << "once per method and flow";
    EXPECT_EQ(alerts[0]->alert_kind, AlertKind::method_threshold);
    EXPECT_EQ(alerts[0]->alert_subject, static_cast<uint8_t>(parser::SipMethod::register_));
    EXPECT_EQ(alerts[0]->alert_count, 3u);
    EXPECT_EQ(alerts[0]->flow.requests, 4u);
    EXPECT_EQ(counters->alerts[kMethodAlertSlot].read(), 1u);
}

TEST_F(SourceTrackerTest, ProgressOfHeavyFlowsAtPowersOfTwo) {
    policy.behaviours = false;
    make_tracker();
    for (int i = 0; i < 130; ++i) send(5, 1, options_from_sipvicious("198.51.100.1"));
    auto progress = sink.of_kind(RecordKind::progress);
    ASSERT_EQ(progress.size(), 2u);
    EXPECT_EQ(progress[0]->flow.requests, 64u);
    EXPECT_EQ(progress[1]->flow.requests, 128u);
    EXPECT_FALSE(progress[0]->has_detail);
}

TEST_F(SourceTrackerTest, ClosedFlowRecordCarriesTheFlow) {
    send(5, 1, options_from_sipvicious("198.51.100.1"), kStart);
    answer(1, 5, "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 203.0.113.5:5060\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:a@b>\r\n"
                 "Call-ID: 1\r\nCSeq: 1 OPTIONS\r\nServer: Asterisk\r\nContent-Length: 0\r\n\r\n",
           kStart + kSecond);
    send(5, 2, "", kStart + 2 * kSecond);  // an empty datagram to 5060: a probe
    tracker->expire(kStart + 2000 * kSecond);
    auto closed = sink.of_kind(RecordKind::closed_flow);
    ASSERT_EQ(closed.size(), 1u);
    const FlowRecord& record = *closed[0];
    EXPECT_EQ(record.reason, CloseReason::idle_timeout);
    EXPECT_EQ(record.worker, 3u);
    EXPECT_EQ(record.flow.requests, 1u);
    EXPECT_EQ(record.flow.responses, 1u) << "a response counts for the requesting address";
    EXPECT_EQ(record.flow.responses_by_class[1], 1u);
    EXPECT_EQ(record.flow.probes[static_cast<std::size_t>(ProbeKind::udp_empty)], 1u);
    EXPECT_EQ(record.flow.first_seen_us, kStart);
    EXPECT_EQ(record.flow.last_seen_us, kStart + 2 * kSecond);
    EXPECT_EQ(record.flow.first_destination.to_string(), "198.51.100.1");
    EXPECT_EQ(record.flow.detail_slot, FlowState::kNoDetail);
    ASSERT_TRUE(record.has_detail);
    EXPECT_EQ(record.detail.intent.responder_count, 1u);
    EXPECT_EQ(tool_name(record.flow.tool), "sipvicious");
    EXPECT_EQ(counters->flows_opened.read(), 1u) << "the response did not open a flow of its own";
}

// A port-only scan: its probes make a scan profile (no fingerprint, so no
// tool match at close), and enough hosts raise horizontal_scan.
TEST_F(SourceTrackerTest, ProbeOnlyFlowHasAScanProfile) {
    send(11, 1, "");
    send(11, 2, "");
    uint64_t matches = counters->tool_matches.read();
    tracker->close_all(CloseReason::shutdown);
    EXPECT_EQ(counters->tool_matches.read(), matches);
    auto closed = sink.of_kind(RecordKind::closed_flow);
    ASSERT_EQ(closed.size(), 1u);
    ASSERT_TRUE(closed[0]->has_detail);
    EXPECT_EQ(closed[0]->detail.scan.distinct_destinations(), 2u);
    EXPECT_EQ(closed[0]->detail.fingerprint.packets, 0u);
    EXPECT_EQ(closed[0]->flow.probes[static_cast<std::size_t>(ProbeKind::udp_empty)], 2u);
    EXPECT_EQ(counters->closed_by_strategy[static_cast<std::size_t>(ScanStrategy::unknown)].read(), 1u);
    EXPECT_EQ(counters->closed_by_tool[0].read(), 1u);
}

TEST_F(SourceTrackerTest, PortOnlySweepRaisesHorizontalScan) {
    for (uint8_t host = 1; host <= 40; ++host) send(12, host, "");
    auto alerts = alerts_for(Behaviour::horizontal_scan);
    ASSERT_EQ(alerts.size(), 1u);
    EXPECT_EQ(alerts[0]->alert_count, 10u);
    tracker->close_all(CloseReason::shutdown);
    auto closed = sink.of_kind(RecordKind::closed_flow);
    ASSERT_EQ(closed.size(), 1u);
    EXPECT_EQ(closed[0]->detail.scan.strategy(), ScanStrategy::sequential);
    EXPECT_EQ(closed[0]->flow.requests, 0u);
}

TEST_F(SourceTrackerTest, FullTableEvictsTheOldestAndReportsIt) {
    make_tracker(8, 16);
    for (uint8_t source = 1; source <= 10; ++source)
        send(source, 1, options_from_sipvicious("198.51.100.1"), kStart + source * kSecond);
    auto closed = sink.of_kind(RecordKind::closed_flow);
    ASSERT_EQ(closed.size(), 2u);
    EXPECT_EQ(closed[0]->reason, CloseReason::evicted);
    EXPECT_EQ(closed[0]->flow.source.to_string(), "203.0.113.1");
    EXPECT_EQ(closed[1]->flow.source.to_string(), "203.0.113.2");
    EXPECT_EQ(counters->flows_active.read(), 8u);
    EXPECT_EQ(tracker->details().available(), 16u - 8u);
}

}  // namespace
}  // namespace sipscope::fingerprint
