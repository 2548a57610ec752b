// Event lines flattened into column-store rows.
#include "event_row.hpp"

#include <gtest/gtest.h>

namespace sipscope::exporter {
namespace {

std::string flat(std::string_view event) {
    std::string row;
    EXPECT_TRUE(flatten_event_row(event, row)) << event;
    return row;
}

TEST(EventRow, NestedObjectsBecomeColumnsNamedByPath) {
    EXPECT_EQ(flat(R"({"sensor":"a","flow":{"packets":3,"state":"closed"},"sip":{"methods":{"OPTIONS":3}}})"),
              R"({"sensor":"a","flow_packets":3,"flow_state":"closed","sip_methods_OPTIONS":3})");
}

TEST(EventRow, TimestampsBecomeSecondsAndMicroseconds) {
    // 2026-11-22T05:01:25Z is 1795323685 s after the epoch.
    EXPECT_EQ(flat(R"({"timestamp":"2026-11-22T05:01:25.186712Z","flow":{"start":"1970-01-01T00:00:01.000002Z"}})"),
              R"({"timestamp":1795323685,"timestamp_us":1795323685186712,"flow_start":1,"flow_start_us":1000002})");
    // A string that only looks like a time stays a string.
    EXPECT_EQ(flat(R"({"user":"2026-13-22T05:01:25.186712Z"})"), R"({"user":"2026-13-22T05:01:25.186712Z"})");
}

TEST(EventRow, ArraysOfObjectsBecomeOneArrayPerMember) {
    EXPECT_EQ(flat(R"({"fingerprint":[{"name":"via","value":"SIP/2.0 \"x\""},{"name":"to","value":"<sip:100@\u2591>"}]})"),
              R"({"fingerprint_name":["via","to"],"fingerprint_value":["SIP/2.0 \"x\"","<sip:100@\u2591>"]})");
    EXPECT_EQ(flat(R"({"dest_ports":[{"port":5060,"requests":4}],"numbers":[],"behaviours":["horizontal_scan"]})"),
              R"({"dest_ports_port":[5060],"dest_ports_requests":[4],"numbers":[],"behaviours":["horizontal_scan"]})");
}

TEST(EventRow, BooleansBecomeNumbers) {
    EXPECT_EQ(flat(R"({"tool":{"complete":true,"confidence":0.75},"settled":false,"list":[true,false]})"),
              R"({"tool_complete":1,"tool_confidence":0.75,"settled":0,"list":[1,0]})");
}

TEST(EventRow, EmptyObjectsGiveNoColumns) {
    EXPECT_EQ(flat(R"({"transport_probes":{},"a":1})"), R"({"a":1})");
    EXPECT_EQ(flat("{}"), "{}");
}

TEST(EventRow, RefusesWhatIsNotAnEventObject) {
    std::string row = "kept";
    for (std::string_view bad : {"", "[1,2]", R"({"a":)", R"({"a":1)", R"({"a":1}x)",
                                 R"({"a":[{"b":1},{"c":2}]})", R"({"a":[{"b":{"c":1}}]})"}) {
        EXPECT_FALSE(flatten_event_row(bad, row)) << bad;
        EXPECT_EQ(row, "kept");
    }
}

}  // namespace
}  // namespace sipscope::exporter
