// L2–L4 decode: each layout and each failure reason, every input placed
// before a guard page.
#include <gtest/gtest.h>

#include <arpa/inet.h>

#include <cstring>

#include "frame_decoder.hpp"
#include "frames.hpp"
#include "guarded_buffer.hpp"

namespace sipscope::parser {
namespace {

using testing_support::Bytes;
using testing_support::GuardedBuffer;
namespace build = testing_support;

constexpr std::string_view kOptions = "OPTIONS sip:100@198.51.100.7 SIP/2.0\r\nContent-Length: 0\r\n\r\n";

// Keeps the guarded copy alive as long as the views into it.
struct Decoded {
    explicit Decoded(const Bytes& frame) : buffer(std::span<const uint8_t>(frame.data(), frame.size())), result(decode_frame(buffer.span())) {}
    GuardedBuffer buffer;
    DecodedFrame result;
    const DecodedFrame* operator->() const { return &result; }
};

DecodedFrame decode(const Bytes& frame) {
    // Only for checks that do not follow the payload view.
    Decoded decoded(frame);
    DecodedFrame copy = decoded.result;
    copy.payload = nullptr;
    return copy;
}

TEST(FrameDecoder, Ipv4Udp) {
    Decoded decoded(build::ethernet(0x0800, build::ipv4({203, 0, 113, 9}, {198, 51, 100, 7}, 17, build::udp(5060, 5060, kOptions))));
    const DecodedFrame& frame = decoded.result;
    ASSERT_EQ(frame.outcome, FrameOutcome::ok);
    EXPECT_EQ(frame.transport, Transport::udp);
    EXPECT_EQ(frame.source.to_string(), "203.0.113.9");
    EXPECT_EQ(frame.destination.to_string(), "198.51.100.7");
    EXPECT_EQ(frame.source_port, 5060);
    EXPECT_EQ(frame.ttl, 57);
    EXPECT_EQ(frame.ip_id, 0x1234);
    EXPECT_EQ(std::string_view(reinterpret_cast<const char*>(frame.payload), frame.payload_length), kOptions);
}

TEST(FrameDecoder, EthernetPaddingIsNotPayload) {
    Bytes frame = build::ethernet(0x0800, build::ipv4({1, 2, 3, 4}, {5, 6, 7, 8}, 17, build::udp(1, 2, "ab")));
    frame.resize(frame.size() + 10, 0);  // minimum-size padding
    auto decoded = decode(frame);
    ASSERT_EQ(decoded.outcome, FrameOutcome::ok);
    EXPECT_EQ(decoded.payload_length, 2u);
}

TEST(FrameDecoder, Ipv4WithOptions) {
    Bytes options = {0x94, 0x04, 0, 0};  // router alert
    auto frame = decode(build::ethernet(0x0800, build::ipv4({1, 2, 3, 4}, {5, 6, 7, 8}, 17, build::udp(5060, 5060, kOptions), 0, options)));
    ASSERT_EQ(frame.outcome, FrameOutcome::ok);
    EXPECT_EQ(frame.payload_length, kOptions.size());
}

TEST(FrameDecoder, VlanAndQinQ) {
    auto single = decode(build::ethernet(0x0800, build::ipv4({1, 2, 3, 4}, {5, 6, 7, 8}, 17, build::udp(1, 5060, kOptions)), {0x8100}));
    EXPECT_EQ(single.outcome, FrameOutcome::ok);
    EXPECT_EQ(single.vlan_tags, 1);
    auto double_tagged = decode(build::ethernet(0x0800, build::ipv4({1, 2, 3, 4}, {5, 6, 7, 8}, 17, build::udp(1, 5060, kOptions)), {0x88a8, 0x8100}));
    EXPECT_EQ(double_tagged.outcome, FrameOutcome::ok);
    EXPECT_EQ(double_tagged.vlan_tags, 2);
    auto triple = decode(build::ethernet(0x0800, build::ipv4({1, 2, 3, 4}, {5, 6, 7, 8}, 17, build::udp(1, 5060, kOptions)), {0x88a8, 0x8100, 0x8100}));
    EXPECT_EQ(triple.outcome, FrameOutcome::too_many_vlan_tags);
}

TEST(FrameDecoder, Ipv6UdpThroughExtensionHeaders) {
    Bytes payload = {17, 0, 0, 0, 0, 0, 0, 0};  // hop-by-hop: next = UDP, length 0 (8 bytes)
    Bytes datagram = build::udp(5062, 5060, kOptions);
    payload.insert(payload.end(), datagram.begin(), datagram.end());
    auto frame = decode(build::ethernet(0x86dd, build::ipv6(1, 2, 0, payload)));
    ASSERT_EQ(frame.outcome, FrameOutcome::ok);
    EXPECT_TRUE(frame.is_ipv6);
    EXPECT_EQ(frame.source.to_string(), "2001:db8::1");
    EXPECT_EQ(frame.destination_port, 5060);
    EXPECT_EQ(frame.payload_length, kOptions.size());
}

TEST(FrameDecoder, Ipv4Fragments) {
    Bytes datagram = build::udp(5060, 5060, kOptions);
    auto first = decode(build::ethernet(0x0800, build::ipv4({1, 2, 3, 4}, {5, 6, 7, 8}, 17, Bytes(datagram.begin(), datagram.begin() + 40), 0x2000)));
    EXPECT_EQ(first.outcome, FrameOutcome::ok);
    EXPECT_TRUE(first.is_first_fragment);
    EXPECT_EQ(first.payload_length, 32u);  // what the fragment holds, not what UDP announces
    auto later = decode(build::ethernet(0x0800, build::ipv4({1, 2, 3, 4}, {5, 6, 7, 8}, 17, Bytes(datagram.begin() + 40, datagram.end()), 5)));
    EXPECT_EQ(later.outcome, FrameOutcome::ipv4_later_fragment);
    EXPECT_TRUE(later.has_addresses());
}

TEST(FrameDecoder, Ipv6LaterFragment) {
    Bytes fragment = {17, 0, 0x00, 0x08, 0, 0, 0, 1};  // offset 1 (×8 bytes)
    Bytes rest(20, 'x');
    fragment.insert(fragment.end(), rest.begin(), rest.end());
    EXPECT_EQ(decode(build::ethernet(0x86dd, build::ipv6(1, 2, 44, fragment))).outcome, FrameOutcome::ipv6_later_fragment);
}

TEST(FrameDecoder, TcpPayload) {
    auto frame = decode(build::ethernet(0x0800, build::ipv4({1, 2, 3, 4}, {5, 6, 7, 8}, 6, build::tcp(40000, 5061, kOptions))));
    ASSERT_EQ(frame.outcome, FrameOutcome::ok);
    EXPECT_EQ(frame.transport, Transport::tcp);
    EXPECT_EQ(frame.tcp_flags, 0x18);
    EXPECT_EQ(frame.payload_length, kOptions.size());
    EXPECT_EQ(frame.tcp_window, 1024);
    EXPECT_EQ(frame.tcp_options, TcpOptions::none);
}

// What a SYN tells about the scanner that wrote it: sequence, window, and
// whether its options are one MSS (Nmap) or more (an operating system).
TEST(FrameDecoder, TcpSynHeaderFields) {
    Bytes segment = build::tcp(37751, 5060, "", 0x02);
    segment[4] = 0x7f, segment[5] = 0xc0, segment[6] = 0x1f, segment[7] = 0xfa;  // sequence 2143297530
    Bytes with_mss = segment;
    with_mss[12] = 0x60;
    with_mss.insert(with_mss.begin() + 20, {2, 4, 0x05, 0xb4});
    auto mss = decode(build::ethernet(0x0800, build::ipv4({1, 2, 3, 4}, {5, 6, 7, 8}, 6, with_mss)));
    ASSERT_EQ(mss.outcome, FrameOutcome::ok);
    EXPECT_EQ(mss.tcp_sequence, 2143297530u);
    EXPECT_EQ(mss.tcp_options, TcpOptions::mss_only);
    EXPECT_EQ(mss.payload_length, 0u);
    Bytes with_more = segment;
    with_more[12] = 0x80;
    with_more.insert(with_more.begin() + 20, {2, 4, 0x05, 0xb4, 4, 2, 1, 1, 1, 3, 3, 7});
    auto more = decode(build::ethernet(0x0800, build::ipv4({1, 2, 3, 4}, {5, 6, 7, 8}, 6, with_more)));
    ASSERT_EQ(more.outcome, FrameOutcome::ok);
    EXPECT_EQ(more.tcp_options, TcpOptions::other);
}

struct MalformedCase {
    const char* name;
    Bytes frame;
    FrameOutcome expected;
};

TEST(FrameDecoder, EachMalformationHasItsReason) {
    Bytes good = build::ethernet(0x0800, build::ipv4({1, 2, 3, 4}, {5, 6, 7, 8}, 17, build::udp(1, 5060, kOptions)));
    auto with = [&](std::size_t offset, uint8_t value) {
        Bytes copy = good;
        copy[offset] = value;
        return copy;
    };
    std::vector<MalformedCase> cases = {
        {"empty", {}, FrameOutcome::truncated_ethernet},
        {"short ethernet", Bytes(good.begin(), good.begin() + 13), FrameOutcome::truncated_ethernet},
        {"arp", build::ethernet(0x0806, Bytes(28, 0)), FrameOutcome::non_ip_ethertype},
        {"vlan cut", Bytes{2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 0x81, 0, 0}, FrameOutcome::truncated_vlan},
        {"short ipv4", Bytes(good.begin(), good.begin() + 30), FrameOutcome::truncated_ipv4},
        {"ipv4 version", with(14, 0x55), FrameOutcome::bad_ipv4_version},
        {"ihl below 5", with(14, 0x44), FrameOutcome::bad_ipv4_header_length},
        {"ihl past frame", [&] { Bytes c = build::ethernet(0x0800, build::ipv4({1, 2, 3, 4}, {5, 6, 7, 8}, 17, {})); c[14] = 0x4f; return c; }(), FrameOutcome::bad_ipv4_header_length},
        {"total length below header", with(17, 10), FrameOutcome::bad_ipv4_total_length},
        {"udp length too long", with(14 + 20 + 5, 0xff), FrameOutcome::bad_udp_length},
        {"udp length below 8", [&] { Bytes c = with(14 + 20 + 4, 0); c[14 + 20 + 5] = 4; return c; }(), FrameOutcome::bad_udp_length},
        {"icmp", build::ethernet(0x0800, build::ipv4({1, 2, 3, 4}, {5, 6, 7, 8}, 1, Bytes(8, 0))), FrameOutcome::other_transport},
        {"short udp", build::ethernet(0x0800, build::ipv4({1, 2, 3, 4}, {5, 6, 7, 8}, 17, Bytes(5, 0))), FrameOutcome::truncated_udp},
        {"short tcp", build::ethernet(0x0800, build::ipv4({1, 2, 3, 4}, {5, 6, 7, 8}, 6, Bytes(12, 0))), FrameOutcome::truncated_tcp},
        {"tcp offset", [&] { Bytes c = build::ethernet(0x0800, build::ipv4({1, 2, 3, 4}, {5, 6, 7, 8}, 6, build::tcp(1, 2, ""))); c[14 + 20 + 12] = 0xf0; return c; }(), FrameOutcome::bad_tcp_header_length},
        {"short ipv6", build::ethernet(0x86dd, Bytes(30, 0x60)), FrameOutcome::truncated_ipv6},
        {"ipv6 version", [&] { Bytes c = build::ethernet(0x86dd, build::ipv6(1, 2, 17, build::udp(1, 2, "x"))); c[14] = 0x40; return c; }(), FrameOutcome::bad_ipv6_version},
        {"ipv6 zero payload length", [&] { Bytes c = build::ethernet(0x86dd, build::ipv6(1, 2, 17, build::udp(1, 2, "x"))); c[18] = 0; c[19] = 0; return c; }(), FrameOutcome::bad_ipv6_payload_length},
        {"ipv6 extension cut", build::ethernet(0x86dd, build::ipv6(1, 2, 0, Bytes{17, 4, 0, 0, 0, 0, 0, 0})), FrameOutcome::truncated_ipv6_extension},
    };
    for (const auto& test_case : cases) {
        EXPECT_EQ(decode(test_case.frame).outcome, test_case.expected) << test_case.name;
    }
}

TEST(FrameDecoder, EveryTruncationOfAGoodFrameIsSafe) {
    Bytes good = build::ethernet(0x86dd, build::ipv6(1, 2, 17, build::udp(1, 5060, kOptions)), {0x8100});
    for (std::size_t length = 0; length <= good.size(); ++length) {
        auto frame = decode(Bytes(good.begin(), good.begin() + static_cast<long>(length)));
        if (frame.outcome == FrameOutcome::ok) {
            EXPECT_LE(frame.payload_length, length);
        }
    }
}

// The addresses the fingerprint substitutes are formatted by table; every
// octet value in every place reads as inet_ntop writes it, and the text
// never runs past the 16 bytes the fast path asks for.
TEST(IpAddressText, EveryOctetInEveryPlaceMatchesInetNtop) {
    for (int place = 0; place < 4; ++place) {
        for (unsigned value = 0; value < 256; ++value) {
            uint8_t octets[4] = {255, 0, 9, 100};
            octets[place] = static_cast<uint8_t>(value);
            IpAddress address = IpAddress::from_ipv4(octets);
            char expected[INET_ADDRSTRLEN];
            ASSERT_NE(inet_ntop(AF_INET, octets, expected, sizeof expected), nullptr);
            char text[17];
            std::memset(text, '#', sizeof text);
            std::size_t length = address.format(text, 16);
            EXPECT_EQ(std::string_view(text, length), expected);
            EXPECT_EQ(text[length], '\0');
            EXPECT_EQ(text[16], '#') << "wrote past its capacity";
            EXPECT_EQ(address.to_string(), expected);
        }
    }
    uint8_t widest[4] = {255, 255, 255, 255};
    char text[16];
    EXPECT_EQ(IpAddress::from_ipv4(widest).format(text, sizeof text), 15u);
    EXPECT_STREQ(text, "255.255.255.255");
}

}  // namespace
}  // namespace sipscope::parser
