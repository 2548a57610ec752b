// Scan strategy, distinct destinations and per-packet artefacts.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <vector>

#include "scan_profile.hpp"

namespace sipscope::fingerprint {
namespace {

parser::DecodedFrame to(uint32_t destination, uint16_t source_port = 5060, uint8_t ttl = 64, uint16_t ip_id = 0,
                        uint16_t destination_port = 5060) {
    parser::DecodedFrame frame;
    uint8_t source[4] = {203, 0, 113, 9};
    uint8_t bytes[4] = {static_cast<uint8_t>(destination >> 24), static_cast<uint8_t>(destination >> 16),
                        static_cast<uint8_t>(destination >> 8), static_cast<uint8_t>(destination)};
    frame.source = parser::IpAddress::from_ipv4(source);
    frame.destination = parser::IpAddress::from_ipv4(bytes);
    frame.source_port = source_port;
    frame.destination_port = destination_port;
    frame.ttl = ttl;
    frame.ip_id = ip_id;
    return frame;
}

constexpr uint32_t kWatched = 0xC6330000;  // 198.51.0.0/16

TEST(ScanProfile, SipviciousWalksAddressesSequentially) {
    ScanProfile profile;
    for (uint32_t i = 0; i < 300; ++i) profile.observe(to(kWatched + 10 + i));
    EXPECT_EQ(profile.strategy(), ScanStrategy::sequential);
    EXPECT_EQ(profile.source_port_behaviour(), FieldBehaviour::fixed);
}

TEST(ScanProfile, NmapRandomisesInsideBlocksBlockAfterBlock) {
    ScanProfile profile;
    std::mt19937 random(7);
    for (uint32_t block = 0; block < 8; ++block) {
        std::vector<uint32_t> hosts(256);
        for (uint32_t i = 0; i < 256; ++i) hosts[i] = kWatched + block * 256 + i;
        std::shuffle(hosts.begin(), hosts.end(), random);
        for (uint32_t host : hosts) profile.observe(to(host, static_cast<uint16_t>(1024 + random() % 60000)));
    }
    EXPECT_EQ(profile.strategy(), ScanStrategy::random_sequential);
    EXPECT_EQ(profile.source_port_behaviour(), FieldBehaviour::changing);
}

TEST(ScanProfile, CustomToolsDrawFromTheWholeSpace) {
    ScanProfile profile;
    std::mt19937 random(11);
    for (int i = 0; i < 500; ++i) profile.observe(to(kWatched + (random() & 0xffff)));
    EXPECT_EQ(profile.strategy(), ScanStrategy::random);
}

// The orders of paper section IV as a sensor sees them: every address of
// the scan (visibility 1), or a sample of them (a telescope holding 70, 50
// or 30 % of the range). Each strategy must read the same at every
// visibility, over several seeds.
std::vector<uint32_t> visible(const std::vector<uint32_t>& order, double visibility, std::mt19937& random) {
    std::bernoulli_distribution keep(visibility);
    std::vector<uint32_t> out;
    for (uint32_t address : order)
        if (keep(random)) out.push_back(address);
    return out;
}

std::vector<uint32_t> sequential_order(std::mt19937& random) {
    uint32_t start = kWatched + 256 + random() % 40000;
    std::vector<uint32_t> order;
    for (uint32_t i = 0; i < 1500; ++i) order.push_back(start + i);
    return order;
}

// Random inside each /24, the blocks one after another (Nmap).
std::vector<uint32_t> random_sequential_order(std::mt19937& random) {
    std::vector<uint32_t> order;
    uint32_t block = 1 + random() % 200;
    for (int n = 0; n < 6; ++n, ++block) {
        std::vector<uint32_t> hosts(256);
        for (uint32_t i = 0; i < 256; ++i) hosts[i] = kWatched + block * 256 + i;
        std::shuffle(hosts.begin(), hosts.end(), random);
        order.insert(order.end(), hosts.begin(), hosts.end());
    }
    return order;
}

std::vector<uint32_t> random_order(std::mt19937& random) {
    std::vector<uint32_t> order;
    for (int i = 0; i < 1500; ++i) order.push_back(kWatched + (random() & 0xffff));
    return order;
}

ScanStrategy strategy_of(const std::vector<uint32_t>& destinations) {
    ScanProfile profile;
    for (uint32_t destination : destinations) profile.observe(to(destination));
    return profile.strategy();
}

TEST(ScanProfile, StrategiesHoldThroughPartialViews) {
    struct Case {
        const char* name;
        std::vector<uint32_t> (*order)(std::mt19937&);
        ScanStrategy expected;
    };
    const Case cases[] = {{"sequential", sequential_order, ScanStrategy::sequential},
                          {"random-sequential", random_sequential_order, ScanStrategy::random_sequential},
                          {"random", random_order, ScanStrategy::random}};
    for (const Case& item : cases) {
        for (double visibility : {1.0, 0.7, 0.5, 0.3}) {
            for (unsigned seed = 1; seed <= 10; ++seed) {
                std::mt19937 random(seed);
                std::vector<uint32_t> seen = visible(item.order(random), visibility, random);
                EXPECT_EQ(strategy_of(seen), item.expected) << item.name << " at " << visibility << ", seed " << seed;
            }
        }
    }
}

// Inside one /24, a random order is random: svmap --randomize draws hosts
// with repeats; ZMap and Masscan visit each host of a /24 once (real
// captures: tests/captures/zmap-*-range.pcap, masscan-range.pcap) — whole,
// in a short sample, or through a partial view. Random-sequential needs
// one netblock after another, of 256 addresses or of as few as 16.
TEST(ScanProfile, RandomOrderInsideOneBlock) {
    for (unsigned seed = 1; seed <= 10; ++seed) {
        std::mt19937 random(seed);
        std::vector<uint32_t> draws;
        for (int i = 0; i < 254; ++i) draws.push_back(kWatched + 0x0700 + 1 + random() % 254);
        EXPECT_EQ(strategy_of(draws), ScanStrategy::random) << seed;
        EXPECT_EQ(strategy_of(visible(draws, 0.3, random)), ScanStrategy::random) << seed;
        std::vector<uint32_t> shuffled;
        for (uint32_t host = 1; host < 255; ++host) shuffled.push_back(kWatched + 0x0700 + host);
        std::shuffle(shuffled.begin(), shuffled.end(), random);
        EXPECT_EQ(strategy_of(shuffled), ScanStrategy::random) << seed;
        EXPECT_EQ(strategy_of(std::vector<uint32_t>(shuffled.begin(), shuffled.begin() + 40)), ScanStrategy::random) << seed;
        EXPECT_EQ(strategy_of(visible(shuffled, 0.3, random)), ScanStrategy::random) << seed;
        // Two /24s one after the other, each in random order.
        std::vector<uint32_t> two_blocks = shuffled;
        for (uint32_t host = 1; host < 255; ++host) two_blocks.push_back(kWatched + 0x0800 + host);
        std::shuffle(two_blocks.begin() + 254, two_blocks.end(), random);
        EXPECT_EQ(strategy_of(two_blocks), ScanStrategy::random_sequential) << seed;
        // Blocks of 32 in sequence: 60 requests already show two of them,
        // and so do 30 % of 120.
        std::vector<uint32_t> small_blocks;
        for (uint32_t block = 0; block < 8; ++block) {
            std::vector<uint32_t> hosts;
            for (uint32_t host = 0; host < 32; ++host) hosts.push_back(kWatched + 0x0900 + block * 32 + host);
            std::shuffle(hosts.begin(), hosts.end(), random);
            small_blocks.insert(small_blocks.end(), hosts.begin(), hosts.end());
        }
        EXPECT_EQ(strategy_of(std::vector<uint32_t>(small_blocks.begin(), small_blocks.begin() + 60)),
                  ScanStrategy::random_sequential) << seed;
        EXPECT_EQ(strategy_of(visible(std::vector<uint32_t>(small_blocks.begin(), small_blocks.begin() + 120), 0.3, random)),
                  ScanStrategy::random_sequential) << seed;
        // A random order over four /24s is random.
        std::vector<uint32_t> wider;
        for (int i = 0; i < 500; ++i) wider.push_back(kWatched + 0x0800 + random() % 1024);
        EXPECT_EQ(strategy_of(wider), ScanStrategy::random) << seed;
    }
}

// A sequential sweep of one /24, seen whole or in part, stays sequential.
TEST(ScanProfile, SequentialInsideOneBlock) {
    for (double visibility : {1.0, 0.3}) {
        std::mt19937 random(5);
        std::vector<uint32_t> sweep;
        for (uint32_t host = 1; host < 255; ++host) sweep.push_back(kWatched + 0x0900 + host);
        EXPECT_EQ(strategy_of(visible(sweep, visibility, random)), ScanStrategy::sequential) << visibility;
    }
}

TEST(ScanProfile, FewTargetsHaveNoStrategy) {
    ScanProfile enumeration;
    for (int i = 0; i < 500; ++i) enumeration.observe(to(kWatched + 7));  // svwar: one PBX
    EXPECT_EQ(enumeration.strategy(), ScanStrategy::unknown);
    EXPECT_EQ(enumeration.distinct_destinations(), 1u);
    ScanProfile short_scan;
    for (uint32_t i = 0; i < 5; ++i) short_scan.observe(to(kWatched + i));
    EXPECT_EQ(short_scan.strategy(), ScanStrategy::unknown);
}

TEST(ScanProfile, DistinctDestinationsExactThenEstimated) {
    ScanProfile profile;
    for (uint32_t i = 0; i < 10; ++i) {
        profile.observe(to(kWatched + i));
        profile.observe(to(kWatched + i));
    }
    EXPECT_EQ(profile.distinct_destinations(), 10u);
    EXPECT_FALSE(profile.destinations_estimated());
    for (uint32_t count : {1000u, 20000u}) {
        ScanProfile large;
        for (uint32_t i = 0; i < count; ++i) large.observe(to(kWatched + i * 7));
        EXPECT_TRUE(large.destinations_estimated());
        double estimate = static_cast<double>(large.distinct_destinations());
        EXPECT_NEAR(estimate, count, count * 0.2) << count;  // 128 registers: ~9% standard error
    }
}

TEST(ScanProfile, PortsTtlAndIpId) {
    ScanProfile raw_socket;
    for (uint16_t i = 0; i < 20; ++i) raw_socket.observe(to(kWatched + i, 5060, 255, 0));
    EXPECT_EQ(raw_socket.ttl_behaviour(), FieldBehaviour::fixed);
    EXPECT_EQ(raw_socket.ip_id_behaviour(), IpIdBehaviour::zero);
    ScanProfile kernel;
    for (uint16_t i = 0; i < 20; ++i) kernel.observe(to(kWatched + i, 5060, 52, static_cast<uint16_t>(40000 + i * 3)));
    EXPECT_EQ(kernel.ip_id_behaviour(), IpIdBehaviour::incrementing);
    ScanProfile random_id;
    std::mt19937 random(3);
    for (uint16_t i = 0; i < 50; ++i) random_id.observe(to(kWatched + i, 5060, 52, static_cast<uint16_t>(random())));
    EXPECT_EQ(random_id.ip_id_behaviour(), IpIdBehaviour::random);
    ScanProfile ports;
    for (uint16_t port : {5060, 5060, 5061, 5062, 5080, 6060, 7060}) ports.observe(to(kWatched, 5060, 64, 0, port));
    EXPECT_EQ(ports.port_count, ScanProfile::kPorts);
    EXPECT_EQ(ports.port_requests[0], 2u);
    EXPECT_EQ(ports.other_port_requests, 2u);
    ScanProfile two_ports;
    for (int i = 0; i < 20; ++i) two_ports.observe(to(kWatched + i, i % 2 ? 5060 : 5061));
    EXPECT_EQ(two_ports.source_port_behaviour(), FieldBehaviour::few);
}

}  // namespace
}  // namespace sipscope::fingerprint
