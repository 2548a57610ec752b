// Which worker owns a requesting address (DESIGN.md rule 1).
//
// The owner is a function of the address alone: a Toeplitz hash (the RSS
// hash NICs compute) over the address with the key sipscope programs into
// RSS-capable ports, reduced to a worker. Where the port hashes on the
// source address alone, packets mostly arrive at their owner already; where
// it does not, the receiving worker hands them over. Correctness never
// depends on the NIC.
#pragma once

#include <rte_thash.h>

#include <array>
#include <cstdint>

#include "ip_address.hpp"

namespace sipscope::lcore {

// 40-byte RSS key (the length every common NIC takes).
inline constexpr std::array<uint8_t, 40> kRssKey = {
    0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67, 0x25, 0x3d, 0x43, 0xa3,
    0x8f, 0xb0, 0xd0, 0xca, 0x2b, 0xcb, 0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3,
    0x80, 0x30, 0xf2, 0x0c, 0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa};

class SourceOwner {
public:
    explicit SourceOwner(unsigned workers) : workers_(workers) {}

    unsigned owner(const parser::IpAddress& address) const {
        if (workers_ == 1) return 0;
        uint32_t tuple[4];
        unsigned words = static_cast<unsigned>(address.significant_length() / 4);
        const uint8_t* bytes = address.significant_bytes();
        for (unsigned i = 0; i < words; ++i) {
            tuple[i] = static_cast<uint32_t>(bytes[4 * i]) << 24 | static_cast<uint32_t>(bytes[4 * i + 1]) << 16 |
                       static_cast<uint32_t>(bytes[4 * i + 2]) << 8 | bytes[4 * i + 3];
        }
        uint32_t hash = rte_softrss(tuple, words, kRssKey.data());
        // Low 6 bits, as indexed by a (≥64-entry) redirection table holding
        // queue i % n in entry i: the NIC's default layout.
        return (hash & 63u) % workers_;
    }

private:
    unsigned workers_;
};

}  // namespace sipscope::lcore
