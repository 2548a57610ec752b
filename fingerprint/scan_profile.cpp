// Scan profile updates (worker lcore, per SIP request of a flow with detail
// storage) and classification (at match time and at close).
#include "scan_profile.hpp"

namespace sipscope::fingerprint {

namespace {

// The destination's key for the distinct count: the IPv4 address itself
// (exact); an IPv6 address folded to 32 bits of a 64-bit hash.
uint32_t destination_key(const parser::IpAddress& address) {
    if (address.is_ipv4()) return address.low32();
    uint64_t high = 0, low = 0;
    for (int i = 0; i < 8; ++i) high = high << 8 | address.bytes[i];
    for (int i = 8; i < 16; ++i) low = low << 8 | address.bytes[i];
    uint64_t hash = mix64(high * 0x9e3779b97f4a7c15ULL ^ low);
    return static_cast<uint32_t>(hash ^ (hash >> 32));
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
    uint32_t destination = frame.destination.low32();
    if (samples > 0 && destination != last_destination) {
        ++steps;
        int64_t distance = static_cast<int64_t>(destination) - static_cast<int64_t>(last_destination);
        if (distance > 0 && distance <= kSequentialGap) ++ascending_steps;
        else if (distance < 0) ++descending_steps;
        for (unsigned size = 0; size < kBlockSizes; ++size) {
            unsigned host_bits = kLargestBlockBits - size;
            if (destination >> host_bits != last_destination >> host_bits) ++block_changes[size];
        }
    }
    last_destination = destination;

    destinations.add(destination_key(frame.destination));

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

    probe_evidence.observe(frame);

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
    // Up by a little most of the time, and hardly ever down: a random order
    // inside a small block also goes up by a little half the time, but
    // down as often.
    if (ascending_steps * 2 >= steps && descending_steps * 4 < steps) return ScanStrategy::sequential;
    // Random inside small netblocks, one netblock after another: at some
    // block size, 3 steps in 4 stay inside the previous destination's
    // block, and the scan moved on to another block at least once. Inside a
    // single /24 and nowhere more local, the order is random — whether it
    // draws with repeats (svmap --randomize) or visits each host once
    // (ZMap and Masscan permute a /24 they are given: random scanners).
    for (unsigned size = 0; size < kBlockSizes; ++size) {
        uint32_t changes = block_changes[size];
        if (changes > 0 && (steps - changes) * 4 >= steps * 3) return ScanStrategy::random_sequential;
    }
    return ScanStrategy::random;
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
