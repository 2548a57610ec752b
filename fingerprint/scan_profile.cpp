// Scan profile updates (worker lcore, per SIP request of a flow with detail
// storage) and classification (at match time and at close).
#include "scan_profile.hpp"

#include <bit>
#include <cmath>

namespace sipscope::fingerprint {

namespace {

uint32_t low32(const parser::IpAddress& address) {
    return static_cast<uint32_t>(address.bytes[12]) << 24 | static_cast<uint32_t>(address.bytes[13]) << 16 |
           static_cast<uint32_t>(address.bytes[14]) << 8 | address.bytes[15];
}

// A 64-bit hash of the whole address, for the HyperLogLog registers.
uint64_t hash_address(const parser::IpAddress& address) {
    uint64_t high = 0, low = 0;
    for (int i = 0; i < 8; ++i) high = high << 8 | address.bytes[i];
    for (int i = 8; i < 16; ++i) low = low << 8 | address.bytes[i];
    return mix64(high * 0x9e3779b97f4a7c15ULL ^ low);
}

}  // namespace

std::string_view label(ScanStrategy strategy) {
    switch (strategy) {
        case ScanStrategy::sequential: return "sequential";
        case ScanStrategy::random_sequential: return "random-sequential";
        case ScanStrategy::random: return "random";
        default: return "unknown";
    }
}

std::string_view label(FieldBehaviour behaviour) {
    switch (behaviour) {
        case FieldBehaviour::fixed: return "fixed";
        case FieldBehaviour::few: return "few";
        case FieldBehaviour::changing: return "changing";
        default: return "unknown";
    }
}

std::string_view label(IpIdBehaviour behaviour) {
    switch (behaviour) {
        case IpIdBehaviour::zero: return "zero";
        case IpIdBehaviour::fixed: return "fixed";
        case IpIdBehaviour::incrementing: return "incrementing";
        case IpIdBehaviour::random: return "random";
        default: return "unknown";
    }
}

void ScanProfile::observe(const parser::DecodedFrame& frame) {
    uint32_t destination = low32(frame.destination);
    if (samples > 0 && destination != last_destination) {
        ++steps;
        int64_t distance = static_cast<int64_t>(destination) - static_cast<int64_t>(last_destination);
        bool same_block = destination >> 8 == last_destination >> 8;
        if (distance > 0 && distance <= kSequentialGap) ++ascending_steps;
        else if (same_block) ++in_block_steps;
        if (!same_block) ++block_changes;
    }
    if (block_changes == 0 && (samples == 0 || destination != last_destination)) {
        uint64_t& word = first_block_hosts[(destination & 0xff) >> 6];
        uint64_t bit = uint64_t{1} << (destination & 63);
        if (word & bit) ++first_block_returns;
        word |= bit;
    }
    last_destination = destination;

    destinations.add(destination, hash_address(frame.destination));

    // Destination ports.
    bool port_known = false;
    for (uint8_t i = 0; i < port_count; ++i) {
        if (ports[i] == frame.destination_port) {
            ++port_requests[i];
            port_known = true;
            break;
        }
    }
    if (!port_known) {
        if (port_count < kPorts) {
            ports[port_count] = frame.destination_port;
            port_requests[port_count++] = 1;
        } else {
            ++other_port_requests;
        }
    }

    // Source port.
    if (samples == 0) first_source_port = frame.source_port;
    else if (frame.source_port != previous_source_port) ++source_port_changes;
    previous_source_port = frame.source_port;
    if (source_port_count <= source_ports.size()) {
        bool seen = false;
        for (uint8_t i = 0; i < source_port_count && i < source_ports.size(); ++i)
            if (source_ports[i] == frame.source_port) seen = true;
        if (!seen) {
            if (source_port_count < source_ports.size()) source_ports[source_port_count] = frame.source_port;
            ++source_port_count;
        }
    }

    // IP TTL and ID (IPv4 only for the ID).
    if (samples == 0) first_ttl = frame.ttl;
    if (frame.ttl < minimum_ttl) minimum_ttl = frame.ttl;
    if (frame.ttl > maximum_ttl) maximum_ttl = frame.ttl;
    if (!frame.is_ipv6) {
        if (frame.ip_id == 0) ++ip_id_zero;
        if (ip_id_samples > 0) {
            uint16_t delta = static_cast<uint16_t>(frame.ip_id - previous_ip_id);
            if (delta == 0) ++ip_id_same;
            else if (delta < 1024) ++ip_id_small_increment;
        }
        previous_ip_id = frame.ip_id;
        ++ip_id_samples;
    }
    ++samples;
}

ScanStrategy ScanProfile::strategy() const {
    // Enough hops between different destinations to tell a pattern; a
    // source that keeps to a few hosts (enumeration, brute force) is no
    // horizontal scan and has no strategy.
    if (steps < kMinimumSteps || distinct_destinations() < kMinimumSteps) return ScanStrategy::unknown;
    if (ascending_steps * 2 >= steps) return ScanStrategy::sequential;
    // Inside blocks (whether a step happened to go up a little or not)?
    if ((steps - block_changes) * 4 < steps * 3) return ScanStrategy::random;
    if (block_changes > 0) return ScanStrategy::random_sequential;
    // One block only: a permutation of it (every address once, as Nmap
    // visits a netblock) reads as random-sequential; draws with repeats
    // (svmap --randomize samples with replacement) are random. n draws with
    // replacement from a /24's 254 hosts come back to a host already drawn
    // n - 254 (1 - (1 - 1/254)^n) times on average (3 in 40, 24 in 120):
    // a quarter of that, and at least one, says "with replacement".
    uint32_t distinct = 0;
    for (uint64_t word : first_block_hosts) distinct += static_cast<uint32_t>(std::popcount(word));
    double draws = static_cast<double>(distinct + first_block_returns);
    double expected_returns = draws - 254.0 * (1.0 - std::pow(1.0 - 1.0 / 254.0, draws));
    bool with_replacement = first_block_returns >= 1 && first_block_returns * 4.0 >= expected_returns;
    return with_replacement ? ScanStrategy::random : ScanStrategy::random_sequential;
}

FieldBehaviour ScanProfile::source_port_behaviour() const {
    if (samples < 2) return FieldBehaviour::unknown;
    if (source_port_count == 1) return FieldBehaviour::fixed;
    if (source_port_changes * 2 >= samples - 1 && source_port_count > source_ports.size()) return FieldBehaviour::changing;
    return FieldBehaviour::few;
}

FieldBehaviour ScanProfile::ttl_behaviour() const {
    if (samples < 2) return FieldBehaviour::unknown;
    if (minimum_ttl == maximum_ttl) return FieldBehaviour::fixed;
    return maximum_ttl - minimum_ttl <= 2 ? FieldBehaviour::few : FieldBehaviour::changing;
}

IpIdBehaviour ScanProfile::ip_id_behaviour() const {
    if (ip_id_samples < 3) return IpIdBehaviour::unknown;
    if (ip_id_zero == ip_id_samples) return IpIdBehaviour::zero;
    uint32_t transitions = ip_id_samples - 1;
    if (ip_id_same == transitions) return IpIdBehaviour::fixed;
    if (ip_id_small_increment * 10 >= transitions * 8) return IpIdBehaviour::incrementing;
    return IpIdBehaviour::random;
}

}  // namespace sipscope::fingerprint
