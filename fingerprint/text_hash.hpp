// A fast 32-bit hash of short texts on the worker's path (the tool
// matcher's header keys and values): CRC32-C, 8 bytes per instruction where
// the CPU has SSE 4.2 (DPDK picks the instruction at start, tables
// otherwise). For lookups inside one process only: nothing written out
// depends on its values (fingerprint_id has its own hash, template_id.hpp).
#pragma once

#include <rte_hash_crc.h>

#include <cstdint>
#include <cstring>
#include <string_view>

namespace sipscope::fingerprint {

// Reads at any alignment (rte_hash_crc casts its pointer to uint64_t,
// which is undefined on unaligned data, and header values are unaligned).
inline uint32_t text_hash(std::string_view bytes, uint32_t seed = 0) {
    uint32_t crc = seed;
    std::size_t i = 0;
    for (; i + 8 <= bytes.size(); i += 8) {
        uint64_t word;
        std::memcpy(&word, bytes.data() + i, 8);
        crc = rte_hash_crc_8byte(word, crc);
    }
    for (; i < bytes.size(); ++i) crc = rte_hash_crc_1byte(static_cast<uint8_t>(bytes[i]), crc);
    return crc;
}

}  // namespace sipscope::fingerprint
