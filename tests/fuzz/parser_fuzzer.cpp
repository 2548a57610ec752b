// libFuzzer target over the whole parser: L2–L4 decode, the SIP parser and
// every field helper on every header. The first input byte selects what the
// rest is: even → an Ethernet frame, odd → a transport payload (so that the
// fuzzer reaches deep SIP states without having to build valid headers).
// Built with clang and -fsanitize=fuzzer,address,undefined (scripts/fuzz).
#include <cstddef>
#include <cstdint>
#include <span>

#include "frame_decoder.hpp"
#include "sip_fields.hpp"
#include "sip_message.hpp"

using namespace sipscope::parser;

namespace {

volatile std::size_t g_sink;  // keeps results observable to the optimiser

void touch(std::string_view view) {
    if (!view.empty()) g_sink = g_sink + static_cast<unsigned char>(view.front()) + static_cast<unsigned char>(view.back());
}

void exercise(const SipMessage& message) {
    for (std::size_t i = 0; i < message.header_count; ++i) {
        const SipHeader& header = message.headers[i];
        touch(header.name);
        touch(header.value);
        NameAddress address = parse_name_address(header.value);
        touch(address.display_name);
        SipUri uri = parse_uri(address.uri);
        touch(uri.user);
        touch(uri.host);
        touch(parameter_value(address.parameters, "tag"));
        touch(parameter_value(uri.parameters, "transport"));
        ViaFields via = parse_via(header.value);
        touch(via.branch);
        touch(via.sent_by_host);
        CSeqFields cseq = parse_cseq(header.value);
        touch(cseq.method);
        touch(digest_username(header.value));
        for_each_comma_value(header.value, [](std::string_view part) { touch(part); });
        g_sink = g_sink + is_misspelt_header_name(header.name);
    }
    touch(parse_uri(message.request_uri).host);
    for_each_sdp_line(message.body, [](char key, std::string_view value) {
        g_sink = g_sink + static_cast<unsigned char>(key);
        touch(value);
    });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    std::span<const uint8_t> rest(data + 1, size - 1);
    static SipMessage message;
    if ((data[0] & 1) == 0) {
        DecodedFrame frame = decode_frame(rest);
        if (frame.outcome != FrameOutcome::ok) return 0;
        // The payload must lie inside the frame.
        if (frame.payload_length != 0 &&
            (frame.payload < rest.data() || frame.payload + frame.payload_length > rest.data() + rest.size()))
            __builtin_trap();
        parse_sip_message(frame.payload_span(), message);
    } else {
        parse_sip_message(rest, message);
    }
    if (message.is_sip()) exercise(message);
    return 0;
}
