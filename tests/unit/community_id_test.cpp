// Community ID v1 against the published test vectors (the specification's
// baseline and the Zeek implementation's tests), both directions.
#include "community_id.hpp"

#include <gtest/gtest.h>

namespace sipscope::exporter {
namespace {

constexpr uint8_t kTcp = 6;
constexpr uint8_t kUdp = 17;

parser::IpAddress address(std::string_view text) {
    auto parsed = parser::IpAddress::parse(text);
    EXPECT_TRUE(parsed.has_value()) << text;
    return parsed.value_or(parser::IpAddress{});
}

struct Vector {
    const char* source;
    uint16_t source_port;
    const char* destination;
    uint16_t destination_port;
    uint8_t protocol;
    uint16_t seed;
    const char* expected;
};

const Vector kVectors[] = {
    {"128.232.110.120", 34855, "66.35.250.204", 80, kTcp, 0, "1:LQU9qZlK+B5F3KDmev6m5PMibrg="},
    {"192.168.1.52", 54585, "8.8.8.8", 53, kUdp, 0, "1:d/FP5EW3wiY1vCndhwleRRKHowQ="},
    {"2001:470:e5bf:dead:4957:2174:e82c:4887", 63943, "2607:f8b0:400c:c03::1a", 25, kTcp, 0,
     "1:/qFaeAR+gFe1KYjMzVDsMv+wgU4="},
    {"1.2.3.4", 1122, "5.6.7.8", 3344, kTcp, 0, "1:wCb3OG7yAFWelaUydu0D+125CLM="},
    {"1.2.3.4", 1122, "5.6.7.8", 3344, kUdp, 0, "1:0Mu9InQx6z4ZiCZM/7HXi2WMhOg="},
    {"1.2.3.4", 1122, "5.6.7.8", 3344, kTcp, 1, "1:HhA1B+6CoLbiKPEs5nhNYN4XWfk="},
    {"1.2.3.4", 1122, "5.6.7.8", 3344, kUdp, 1, "1:OShq+iKDAMVouh/4bMxB9Sz4amw="},
};

TEST(CommunityId, PublishedVectorsInBothDirections) {
    for (const Vector& v : kVectors) {
        auto forward = community_id_v1(address(v.source), v.source_port, address(v.destination), v.destination_port,
                                       v.protocol, v.seed);
        auto reverse = community_id_v1(address(v.destination), v.destination_port, address(v.source), v.source_port,
                                       v.protocol, v.seed);
        EXPECT_EQ(forward.view(), v.expected) << v.source << " -> " << v.destination;
        EXPECT_EQ(reverse.view(), v.expected) << v.destination << " -> " << v.source;
    }
}

TEST(CommunityId, EqualAddressesAreOrderedByPort) {
    auto a = address("10.0.0.1");
    EXPECT_EQ(community_id_v1(a, 5060, a, 40000, kUdp).view(), community_id_v1(a, 40000, a, 5060, kUdp).view());
    EXPECT_NE(community_id_v1(a, 5060, a, 40000, kUdp).view(), community_id_v1(a, 5060, a, 40001, kUdp).view());
}

TEST(CommunityId, MixedFamiliesHaveNoId) {
    EXPECT_TRUE(community_id_v1(address("10.0.0.1"), 1, address("2001:db8::1"), 2, kUdp).view().empty());
}

}  // namespace
}  // namespace sipscope::exporter
