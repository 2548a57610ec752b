#include "capture_inventory.hpp"

#include <pcap/pcap.h>

#include <stdexcept>

namespace sipscope::lcore {

namespace {
// libpcap opens classic pcap (version 2.4) and pcapng (it reports the
// section header's version, 1.0).
bool pcap_is_ng(pcap_t* capture) {
    return pcap_major_version(capture) != 2;
}
}  // namespace

CaptureInventory take_capture_inventory(const std::string& path) {
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
