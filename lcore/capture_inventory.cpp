#include "capture_inventory.hpp"

#include <fcntl.h>
#include <pcap/pcap.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <optional>
#include <stdexcept>
#include <vector>

namespace sipscope::lcore {

namespace {

// See walk_classic_pcap: record headers read in blocks of 1 MiB.
class ClassicPcapWalk {
public:
    static std::optional<CaptureInventory> of(const std::string& path) {
        int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0) return std::nullopt;
        std::optional<CaptureInventory> inventory = ClassicPcapWalk(fd).walk();
        close(fd);
        return inventory;
    }

private:
    static constexpr std::size_t kFileHeaderBytes = 24, kRecordHeaderBytes = 16;
    static constexpr std::size_t kBlockBytes = std::size_t{1} << 20;
    static constexpr uint32_t kLinkTypeEthernet = 1;   // LINKTYPE_ETHERNET
    static constexpr uint32_t kLargestSnapshot = 262144;  // libpcap's largest for Ethernet

    explicit ClassicPcapWalk(int fd) : fd_(fd), block_(kBlockBytes) {}

    std::optional<CaptureInventory> walk() {
        struct stat status {};
        if (fstat(fd_, &status) != 0 || !S_ISREG(status.st_mode)) return std::nullopt;
        const uint64_t file_bytes = static_cast<uint64_t>(status.st_size);
        uint8_t header[kFileHeaderBytes];
        if (pread(fd_, header, sizeof header, 0) != static_cast<ssize_t>(sizeof header)) return std::nullopt;
        uint32_t magic;
        std::memcpy(&magic, header, sizeof magic);
        if (magic == 0xa1b2c3d4 || magic == 0xa1b23c4d) {
            swapped_ = false;
        } else if (magic == 0xd4c3b2a1 || magic == 0x4d3cb2a1) {
            swapped_ = true;
        } else {
            return std::nullopt;  // pcapng or not a capture
        }
        const bool nanoseconds = read32(header) == 0xa1b23c4d;
        const uint32_t snapshot = read32(header + 16);
        // The low 16 bits name the link type; the others say FCS lengths.
        if ((read32(header + 20) & 0xffff) != kLinkTypeEthernet || read16(header + 4) != 2) return std::nullopt;
        const uint32_t largest = snapshot == 0 || snapshot > kLargestSnapshot ? kLargestSnapshot : snapshot;
        CaptureInventory inventory;
        inventory.link_type = DLT_EN10MB;
        uint64_t offset = kFileHeaderBytes;
        while (offset < file_bytes) {
            if (file_bytes - offset < kRecordHeaderBytes) return std::nullopt;  // a record header cut short
            const uint8_t* record = at(offset);
            if (record == nullptr) return std::nullopt;
            const uint32_t seconds = read32(record), fraction = read32(record + 4);
            const uint32_t captured = read32(record + 8);
            if (captured > largest || file_bytes - offset - kRecordHeaderBytes < captured) return std::nullopt;
            // Microseconds, as net_pcap and libpcap (asked for them) report.
            uint64_t time_us = uint64_t{seconds} * 1000000u + (nanoseconds ? fraction / 1000 : fraction);
            if (inventory.packets == 0) inventory.first_time_us = time_us;
            inventory.last_time_us = time_us;
            ++inventory.packets;
            inventory.bytes += captured;
            offset += kRecordHeaderBytes + captured;
        }
        return inventory;
    }

    // The 16 bytes at `offset` of the file, from the block (read again
    // from there when they are not in it); nullptr when reading fails.
    const uint8_t* at(uint64_t offset) {
        if (offset < block_start_ || offset + kRecordHeaderBytes > block_start_ + block_bytes_) {
            ssize_t got = pread(fd_, block_.data(), block_.size(), static_cast<off_t>(offset));
            if (got < static_cast<ssize_t>(kRecordHeaderBytes)) return nullptr;
            block_start_ = offset;
            block_bytes_ = static_cast<std::size_t>(got);
        }
        return block_.data() + (offset - block_start_);
    }
    // Fields in the file's byte order.
    uint32_t read32(const uint8_t* bytes) const {
        uint32_t value;
        std::memcpy(&value, bytes, sizeof value);
        return swapped_ ? __builtin_bswap32(value) : value;
    }
    uint16_t read16(const uint8_t* bytes) const {
        uint16_t value;
        std::memcpy(&value, bytes, sizeof value);
        return swapped_ ? __builtin_bswap16(value) : value;
    }

    int fd_;
    bool swapped_ = false;
    std::vector<uint8_t> block_;
    uint64_t block_start_ = 0;
    std::size_t block_bytes_ = 0;
};

// libpcap opens classic pcap (version 2.4) and pcapng (it reports the
// section header's version, 1.0).
bool pcap_is_ng(pcap_t* capture) {
    return pcap_major_version(capture) != 2;
}
}  // namespace

std::optional<CaptureInventory> walk_classic_pcap(const std::string& path) { return ClassicPcapWalk::of(path); }

CaptureInventory take_capture_inventory(const std::string& path) {
    if (std::optional<CaptureInventory> walked = walk_classic_pcap(path)) return *walked;
    return read_capture_inventory(path);
}

CaptureInventory read_capture_inventory(const std::string& path) {
    char error[PCAP_ERRBUF_SIZE] = {};
    // Microsecond precision, as net_pcap reports it.
    pcap_t* capture = pcap_open_offline_with_tstamp_precision(path.c_str(), PCAP_TSTAMP_PRECISION_MICRO, error);
    if (capture == nullptr) {
        throw std::runtime_error("cannot read capture '" + path + "': " + error);
    }
    CaptureInventory inventory;
    inventory.link_type = pcap_datalink(capture);
    if (inventory.link_type != DLT_EN10MB) {
        std::string name = pcap_datalink_val_to_name(inventory.link_type) ? pcap_datalink_val_to_name(inventory.link_type) : "?";
        pcap_close(capture);
        throw std::runtime_error("capture '" + path + "' has link type " + name +
                                 "; sipscope reads Ethernet captures (DLT_EN10MB), as a mirror port delivers them");
    }
    pcap_pkthdr* header = nullptr;
    const u_char* data = nullptr;
    int status;
    while ((status = pcap_next_ex(capture, &header, &data)) == 1) {
        uint64_t time_us = static_cast<uint64_t>(header->ts.tv_sec) * 1000000u + static_cast<uint64_t>(header->ts.tv_usec);
        if (inventory.packets == 0) inventory.first_time_us = time_us;
        inventory.last_time_us = time_us;
        ++inventory.packets;
        inventory.bytes += header->caplen;
    }
    if (status == PCAP_ERROR) {
        inventory.damage = "damaged after packet " + std::to_string(inventory.packets);
        // Where the damage starts, in a classic pcap file (records of a
        // 16-byte header and the captured bytes after a 24-byte header).
        if (!pcap_is_ng(capture))
            inventory.damage += " (byte " + std::to_string(24 + 16 * inventory.packets + inventory.bytes) + ")";
        inventory.damage += std::string(": ") + pcap_geterr(capture);
    }
    pcap_close(capture);
    return inventory;
}

}  // namespace sipscope::lcore
