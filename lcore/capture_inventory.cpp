#include "capture_inventory.hpp"

#include <pcap/pcap.h>

#include <stdexcept>

namespace sipscope::lcore {

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
        std::string reason = pcap_geterr(capture);
        pcap_close(capture);
        throw std::runtime_error("capture '" + path + "' is damaged after packet " +
                                 std::to_string(inventory.packets) + ": " + reason);
    }
    pcap_close(capture);
    return inventory;
}

}  // namespace sipscope::lcore
