// The capture count before a replay: the fast walk over classic pcap
// record headers answers exactly as libpcap does, in every byte order and
// time precision, and leaves every file it cannot read the same way to
// libpcap (damage, other link types, pcapng), whose reasons the errors
// quote.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "capture_inventory.hpp"

namespace {

using sipscope::lcore::CaptureInventory;
using sipscope::lcore::read_capture_inventory;
using sipscope::lcore::take_capture_inventory;
using sipscope::lcore::walk_classic_pcap;

struct Record {
    uint32_t seconds;
    uint32_t fraction;  // µs, or ns in a nanosecond file
    uint32_t captured;
    uint32_t original;
};

struct PcapShape {
    bool big_endian = false;
    bool nanoseconds = false;
    uint32_t snapshot = 65535;
    uint32_t link_type = 1;  // LINKTYPE_ETHERNET
};

class CaptureFile {
public:
    explicit CaptureFile(const std::string& name)
        : path_(::testing::TempDir() + "inventory_" + std::to_string(getpid()) + "_" + name + ".pcap") {}
    ~CaptureFile() { std::remove(path_.c_str()); }
    const std::string& path() const { return path_; }

    // Writes a classic pcap file of `records` (payload bytes are a count),
    // then `cut` bytes fewer at its end.
    void write(const PcapShape& shape, const std::vector<Record>& records, std::size_t cut = 0) {
        std::string bytes;
        auto put32 = [&](uint32_t value) {
            for (int i = 0; i < 4; ++i) {
                int shift = shape.big_endian ? 8 * (3 - i) : 8 * i;
                bytes.push_back(static_cast<char>(value >> shift));
            }
        };
        auto put16 = [&](uint16_t value) {
            bytes.push_back(static_cast<char>(shape.big_endian ? value >> 8 : value));
            bytes.push_back(static_cast<char>(shape.big_endian ? value : value >> 8));
        };
        put32(shape.nanoseconds ? 0xa1b23c4d : 0xa1b2c3d4);
        put16(2);
        put16(4);
        put32(0);
        put32(0);
        put32(shape.snapshot);
        put32(shape.link_type);
        for (const Record& record : records) {
            put32(record.seconds);
            put32(record.fraction);
            put32(record.captured);
            put32(record.original);
            for (uint32_t i = 0; i < record.captured; ++i) bytes.push_back(static_cast<char>(i));
        }
        bytes.resize(bytes.size() - cut);
        std::ofstream(path_, std::ios::binary | std::ios::trunc) << bytes;
    }

private:
    std::string path_;
};

std::vector<Record> sample_records() {
    // Records across the 1 MiB blocks the walk reads in, one larger than
    // what is left of a block and one whose header straddles two.
    std::vector<Record> records;
    for (uint32_t i = 0; i < 5000; ++i)
        records.push_back({1767225600 + i / 7, (i * 104729) % 1000000, 60 + (i * 37) % 1400, 60 + (i * 37) % 1400 + i % 3});
    records.push_back({1767230000, 999999, 65535, 70000});
    return records;
}

void expect_same(const CaptureInventory& walked, const CaptureInventory& libpcap) {
    EXPECT_EQ(walked.packets, libpcap.packets);
    EXPECT_EQ(walked.bytes, libpcap.bytes);
    EXPECT_EQ(walked.first_time_us, libpcap.first_time_us);
    EXPECT_EQ(walked.last_time_us, libpcap.last_time_us);
    EXPECT_EQ(walked.link_type, libpcap.link_type);
    EXPECT_EQ(walked.damage, libpcap.damage);
}

TEST(CaptureInventory, WalkAnswersAsLibpcapInEveryByteOrderAndPrecision) {
    for (bool big_endian : {false, true}) {
        for (bool nanoseconds : {false, true}) {
            SCOPED_TRACE((big_endian ? "big-endian " : "little-endian ") + std::string(nanoseconds ? "ns" : "µs"));
            CaptureFile file("orders");
            std::vector<Record> records = sample_records();
            if (nanoseconds) {
                for (Record& record : records) record.fraction = record.fraction * 1000 + 999;  // truncated to µs
            }
            file.write({big_endian, nanoseconds}, records);
            std::optional<CaptureInventory> walked = walk_classic_pcap(file.path());
            ASSERT_TRUE(walked.has_value());
            EXPECT_EQ(walked->packets, records.size());
            EXPECT_EQ(walked->first_time_us, 1767225600000000u + records.front().fraction / (nanoseconds ? 1000 : 1));
            expect_same(*walked, read_capture_inventory(file.path()));
        }
    }
}

TEST(CaptureInventory, ARecordHeaderAcrossTwoReadsIsReadWhole) {
    // The walk reads 1 MiB from the first record on (offset 24): 1,031
    // records of 1,016 bytes and one of 1,072 put the next header 8 bytes
    // before the end of that first read.
    std::vector<Record> records(1031, Record{1767225600, 1, 1000, 1000});
    records.push_back({1767225600, 2, 1056, 1056});
    records.push_back({1767225601, 3, 777, 800});
    records.push_back({1767225602, 4, 60, 60});
    CaptureFile file("straddle");
    file.write({}, records);
    std::optional<CaptureInventory> walked = walk_classic_pcap(file.path());
    ASSERT_TRUE(walked.has_value());
    expect_same(*walked, read_capture_inventory(file.path()));
    EXPECT_EQ(walked->packets, records.size());
    EXPECT_EQ(walked->last_time_us, 1767225602000004u);
}

TEST(CaptureInventory, AnEmptyCaptureHasNoPackets) {
    CaptureFile file("empty");
    file.write({}, {});
    std::optional<CaptureInventory> walked = walk_classic_pcap(file.path());
    ASSERT_TRUE(walked.has_value());
    expect_same(*walked, read_capture_inventory(file.path()));
    EXPECT_EQ(walked->packets, 0u);
}

TEST(CaptureInventory, WhatTheWalkCannotReadExactlyIsLeftToLibpcap) {
    std::vector<Record> records = sample_records();
    struct Case {
        const char* name;
        PcapShape shape;
        std::size_t cut;
        bool damaged;  // libpcap counts the packets before it and says where
    };
    const Case cases[] = {
        {"record cut short", {}, 100, true},
        {"header cut short", {}, 65535 + 8, true},
        {"longer than the snapshot length", {false, false, 1000}, 0, false},
        {"Linux cooked capture", {false, false, 65535, 113}, 0, false},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.name);
        CaptureFile file("fallback");
        file.write(c.shape, records, c.cut);
        EXPECT_FALSE(walk_classic_pcap(file.path()).has_value());
        if (c.shape.link_type != 1) {
            EXPECT_THROW(take_capture_inventory(file.path()), std::runtime_error);
            continue;
        }
        CaptureInventory inventory = take_capture_inventory(file.path());
        expect_same(inventory, read_capture_inventory(file.path()));
        EXPECT_EQ(!inventory.damage.empty(), c.damaged) << inventory.damage;
        if (c.damaged) {
            EXPECT_EQ(inventory.packets, records.size() - 1);
        }
    }
    EXPECT_FALSE(walk_classic_pcap(::testing::TempDir() + "no-such-capture.pcap").has_value());
    EXPECT_THROW(take_capture_inventory(::testing::TempDir() + "no-such-capture.pcap"), std::runtime_error);
}

TEST(CaptureInventory, RecordsTooLargeForEthernetAreDamage) {
    // libpcap refuses a record above 262,144 bytes (its largest snapshot
    // for Ethernet) even where the file's header allows it.
    std::vector<Record> records = sample_records();
    records.insert(records.begin() + 3, Record{1767225600, 5, 300000, 300000});
    CaptureFile file("large");
    file.write({false, false, 0}, records);
    EXPECT_FALSE(walk_classic_pcap(file.path()).has_value());
    CaptureInventory inventory = take_capture_inventory(file.path());
    EXPECT_EQ(inventory.packets, 3u);
    EXPECT_NE(inventory.damage.find("damaged after packet 3"), std::string::npos) << inventory.damage;
}

}  // namespace
