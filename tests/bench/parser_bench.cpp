// Cost of the parser per message on one core: L2–L4 decode plus the SIP
// parse, as the worker runs them. Reports ns (Google Benchmark) and TSC
// cycles per message. Run with scripts/bench-parser.
#include <benchmark/benchmark.h>
#include <x86intrin.h>

#include <string>
#include <vector>

#include "frame_decoder.hpp"
#include "frames.hpp"
#include "sip_fields.hpp"
#include "sip_message.hpp"

namespace {

using namespace sipscope::parser;
namespace build = sipscope::testing_support;

// A SIPVicious svmap OPTIONS probe as TOOLS.md and the paper describe it.
const std::string kSipviciousOptions =
    "OPTIONS sip:100@198.51.100.7 SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 203.0.113.9:5060;branch=z9hG4bK-2479316823;rport\r\n"
    "Max-Forwards: 70\r\n"
    "To: \"sipvicious\"<sip:100@1.1.1.1>\r\n"
    "From: \"sipvicious\"<sip:100@1.1.1.1>;tag=6338336234303136313363340131363636353530\r\n"
    "User-Agent: friendly-scanner\r\n"
    "Call-ID: 840379413516224883616193\r\n"
    "Contact: sip:100@203.0.113.9:5060\r\n"
    "CSeq: 1 OPTIONS\r\n"
    "Accept: application/sdp\r\n"
    "Content-Length: 0\r\n\r\n";

const std::string kRegisterWithDigest =
    "REGISTER sip:198.51.100.7 SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 203.0.113.9:5062;branch=z9hG4bK1984726354;rport\r\n"
    "Max-Forwards: 70\r\n"
    "From: \"1001\" <sip:1001@198.51.100.7>;tag=3729581736\r\n"
    "To: \"1001\" <sip:1001@198.51.100.7>\r\n"
    "Call-ID: 5b8e1f3a92c44e0e9d1c7a6b2f3e4d5c@203.0.113.9\r\n"
    "CSeq: 2 REGISTER\r\n"
    "Contact: <sip:1001@203.0.113.9:5062;transport=udp>\r\n"
    "Authorization: Digest username=\"1001\", realm=\"asterisk\", nonce=\"1a2b3c4d\", "
    "uri=\"sip:198.51.100.7\", response=\"8f2d1c0b9a8e7d6c5b4a3f2e1d0c9b8a\", algorithm=MD5\r\n"
    "Expires: 3600\r\n"
    "User-Agent: Zoiper rv2.8.20\r\n"
    "Content-Length: 0\r\n\r\n";

const std::string kInviteWithSdp =
    "INVITE sip:0046441408560@198.51.100.7 SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 203.0.113.9:5060;branch=z9hG4bK-524287-1---c5b5b2a3a1b2c3d4;rport\r\n"
    "Max-Forwards: 70\r\n"
    "Contact: <sip:1000@203.0.113.9:5060>\r\n"
    "To: <sip:0046441408560@198.51.100.7>\r\n"
    "From: \"1000\"<sip:1000@198.51.100.7>;tag=8f7e6d5c\r\n"
    "Call-ID: YjA1ZGI4MzU2ZDQ1ZmQ1NjE0ZDM5ZjI3YjQ2YjM5Y2U.\r\n"
    "CSeq: 1 INVITE\r\n"
    "Allow: INVITE, ACK, CANCEL, OPTIONS, BYE, REFER, NOTIFY, MESSAGE, SUBSCRIBE, INFO\r\n"
    "Content-Type: application/sdp\r\n"
    "User-Agent: Avaya one-X Deskphone\r\n"
    "Content-Length: 226\r\n\r\n"
    "v=0\r\n"
    "o=- 1234567890 1234567890 IN IP4 203.0.113.9\r\n"
    "s=call\r\n"
    "c=IN IP4 203.0.113.9\r\n"
    "t=0 0\r\n"
    "m=audio 8000 RTP/AVP 0 8 101\r\n"
    "a=rtpmap:0 PCMU/8000\r\n"
    "a=rtpmap:8 PCMA/8000\r\n"
    "a=rtpmap:101 telephone-event/8000\r\n"
    "a=fmtp:101 0-16\r\n"
    "a=sendrecv\r\n";

build::Bytes frame_of(std::string_view payload, uint16_t destination_port = 5060) {
    return build::ethernet(0x0800, build::ipv4({203, 0, 113, 9}, {198, 51, 100, 7}, 17, build::udp(5060, destination_port, payload)));
}

build::Bytes dns_query_frame() {
    std::string query("\x4f\x21\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x07" "example\x03" "com\x00\x00\x01\x00\x01", 29);
    return build::ethernet(0x0800, build::ipv4({192, 0, 2, 1}, {198, 51, 100, 53}, 17, build::udp(40000, 53, query)));
}

// TSC cycles per iteration, read around the whole timed loop: reading the
// TSC in every iteration would add its own latency (~25 cycles) to each.
void report_cycles(benchmark::State& state, uint64_t start) {
    uint64_t cycles = __rdtsc() - start;
    state.counters["cycles"] = benchmark::Counter(static_cast<double>(cycles) / static_cast<double>(state.iterations()));
}

void run_frame(benchmark::State& state, const build::Bytes& frame) {
    SipMessage message;
    uint64_t start = __rdtsc();
    for (auto _ : state) {
        DecodedFrame decoded = decode_frame({frame.data(), frame.size()});
        SipOutcome outcome = parse_sip_message(decoded.payload_span(), message);
        benchmark::DoNotOptimize(outcome);
        benchmark::DoNotOptimize(message.header_count);
    }
    report_cycles(state, start);
    state.counters["bytes"] = static_cast<double>(frame.size());
    state.SetItemsProcessed(state.iterations());
}

void SipviciousOptions(benchmark::State& state) { run_frame(state, frame_of(kSipviciousOptions)); }
void RegisterWithDigest(benchmark::State& state) { run_frame(state, frame_of(kRegisterWithDigest)); }
void InviteWithSdp(benchmark::State& state) { run_frame(state, frame_of(kInviteWithSdp)); }
void NonSipRejectDns(benchmark::State& state) { run_frame(state, dns_query_frame()); }

// The SIP-level reject alone, on payloads the worker sees most on a mixed
// link (DNS, TLS, QUIC), after the L2–L4 decode.
void NonSipRejectPayloadOnly(benchmark::State& state) {
    const std::vector<std::string> payloads = {
        std::string("\x4f\x21\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x07" "example\x03" "com\x00\x00\x01\x00\x01", 29),
        std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11),
        std::string("\xc3\x00\x00\x00\x01\x08\x11\x22\x33\x44\x55\x66\x77\x88", 14),
        std::string("GET / HTTP/1.1\r\nHost: example.com\r\n\r\n"),
    };
    SipMessage message;
    std::size_t next = 0;
    uint64_t start = __rdtsc();
    for (auto _ : state) {
        const std::string& payload = payloads[next++ & 3];
        SipOutcome outcome = parse_sip_message({reinterpret_cast<const uint8_t*>(payload.data()), payload.size()}, message);
        benchmark::DoNotOptimize(outcome);
    }
    report_cycles(state, start);
    state.SetItemsProcessed(state.iterations());
}

// The helpers a fingerprint will call on every message, on top of the parse.
void SipviciousOptionsWithFields(benchmark::State& state) {
    build::Bytes frame = frame_of(kSipviciousOptions);
    SipMessage message;
    uint64_t start = __rdtsc();
    for (auto _ : state) {
        DecodedFrame decoded = decode_frame({frame.data(), frame.size()});
        parse_sip_message(decoded.payload_span(), message);
        NameAddress from = parse_name_address(message.value_of(HeaderId::from));
        SipUri uri = parse_uri(from.uri);
        ViaFields via = parse_via(message.value_of(HeaderId::via));
        CSeqFields cseq = parse_cseq(message.value_of(HeaderId::cseq));
        benchmark::DoNotOptimize(uri.user);
        benchmark::DoNotOptimize(via.branch);
        benchmark::DoNotOptimize(cseq.number);
        benchmark::DoNotOptimize(parameter_value(from.parameters, "tag"));
    }
    report_cycles(state, start);
    state.SetItemsProcessed(state.iterations());
}

BENCHMARK(SipviciousOptions);
BENCHMARK(RegisterWithDigest);
BENCHMARK(InviteWithSdp);
BENCHMARK(NonSipRejectDns);
BENCHMARK(NonSipRejectPayloadOnly);
BENCHMARK(SipviciousOptionsWithFields);

}  // namespace

BENCHMARK_MAIN();
