// How a source scans, from the packets it sends (section V-B of the paper):
// the order of its destinations (sequential, random-sequential, random),
// how many distinct destinations (exact while few, estimated beyond),
// which destination ports, and the artefacts raw-socket tools leave in
// their source port, IP TTL and IP ID.
//
// Fixed size, no allocation; lives beside the fingerprint in the owning
// worker's detail pool and is updated once per SIP request of the flow.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string_view>
#include <type_traits>

#include "distinct_counter.hpp"
#include "probe_signature.hpp"
#include "frame_decoder.hpp"

namespace sipscope::fingerprint {

enum class ScanStrategy : uint8_t { unknown, sequential, random_sequential, random };
std::string_view label(ScanStrategy strategy);
inline constexpr std::size_t kScanStrategyCount = 4;

enum class FieldBehaviour : uint8_t { unknown, fixed, few, changing };
std::string_view label(FieldBehaviour behaviour);

enum class IpIdBehaviour : uint8_t { unknown, zero, fixed, incrementing, random };
std::string_view label(IpIdBehaviour behaviour);

struct ScanProfile {
    // Destination order (paper section IV: sequential, random-sequential,
    // random), as a sensor sees it: often a sample of the scan's
    // destinations (a telescope holding part of a range, a mirror of one
    // /16 of an Internet-wide scan), with repeats. Addresses are compared
    // on their last 32 bits (the IPv4 address for IPv4).
    //   sequential: most steps go up by a little (by 1 when every address
    //     is seen; by a few through a partial view), fewer than 1 in 4 down;
    //   random-sequential: otherwise, at some block size from a /24 down
    //     to 16 addresses (a /28), 3 steps in 4 stay inside the previous
    //     destination's block and the scan moved to another block at least
    //     once (random inside small netblocks, one netblock after another);
    //   random: anything else — far jumps, or a random order inside a
    //     single /24 (svmap --randomize; ZMap or Masscan given a /24).
    static constexpr unsigned kMinimumSteps = 8;        // steps before a strategy is named
    static constexpr int64_t kSequentialGap = 64;       // "a little": 1 in 64 addresses visible still reads as sequential
    static constexpr unsigned kLargestBlockBits = 8;    // a /24 ...
    static constexpr unsigned kBlockSizes = 5;          // ... /25, /26, /27, /28
    uint32_t samples = 0;
    uint32_t last_destination = 0;
    uint32_t steps = 0;            // consecutive requests to a different destination
    uint32_t ascending_steps = 0;  // up by 1..kSequentialGap
    uint32_t descending_steps = 0; // down, by any distance
    // Steps into another block than the previous destination's, by block
    // size: [0] /24 (256 addresses) ... [4] /28 (16).
    std::array<uint32_t, kBlockSizes> block_changes{};

    // Distinct destinations: exact for the first 16, then HyperLogLog.
    DistinctCounter<16, 128> destinations;

    // Destination ports: the first few distinct, then a count of others.
    static constexpr std::size_t kPorts = 4;
    std::array<uint16_t, kPorts> ports{};
    std::array<uint32_t, kPorts> port_requests{};
    uint8_t port_count = 0;
    uint32_t other_port_requests = 0;

    // Source port, TTL and IP ID.
    uint16_t first_source_port = 0;
    uint16_t previous_source_port = 0;
    uint32_t source_port_changes = 0;
    std::array<uint16_t, 4> source_ports{};
    uint8_t source_port_count = 0;      // distinct, saturating at 5 (= "more")
    uint8_t first_ttl = 0, minimum_ttl = 255, maximum_ttl = 0;
    uint16_t previous_ip_id = 0;
    uint32_t ip_id_samples = 0, ip_id_zero = 0, ip_id_same = 0, ip_id_small_increment = 0;

    // Raw-socket scanner marks (IP ID, TTL, TCP window and options).
    ProbeEvidence probe_evidence;

    // ~400 bytes, value-initialised in place (no zeroed temporary to copy).
    void clear() {
        static_assert(std::is_trivially_destructible_v<ScanProfile>, "constructed over a live one");
        std::construct_at(this);
    }
    void observe(const parser::DecodedFrame& frame);

    ScanStrategy strategy() const;
    uint64_t distinct_destinations() const { return destinations.count(); }
    bool destinations_estimated() const { return destinations.estimated(); }
    FieldBehaviour source_port_behaviour() const;
    FieldBehaviour ttl_behaviour() const;
    IpIdBehaviour ip_id_behaviour() const;
    ProbeSignature probe_signature() const {
        return probe_evidence.signature(maximum_ttl >= minimum_ttl ? maximum_ttl - minimum_ttl : 0u, source_port_count == 1);
    }
};

}  // namespace sipscope::fingerprint
