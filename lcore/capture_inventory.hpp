// Reads a capture file once before replay: checks that it opens, counts its
// packets and notes its time span. net_pcap gives no end-of-file signal, so
// the replay knows it is done when the port has delivered this many packets.
// Control lcore, before the EAL starts.
#pragma once

#include <cstdint>
#include <string>

namespace sipscope::lcore {

struct CaptureInventory {
    uint64_t packets = 0;
    uint64_t bytes = 0;            // captured bytes
    uint64_t first_time_us = 0;
    uint64_t last_time_us = 0;
    int link_type = 0;
};

// Throws std::runtime_error with libpcap's reason if the file is unusable.
CaptureInventory take_capture_inventory(const std::string& path);

}  // namespace sipscope::lcore
