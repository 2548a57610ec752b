// A fast 32-bit hash, and an equality test, of short texts on the worker's
// path (the tool matcher's header keys and values). The hash: CRC32-C, 8
// bytes per instruction where the CPU has SSE 4.2 (DPDK picks the
// instruction at start, tables otherwise). For lookups inside one process
// only: nothing written out depends on its values (fingerprint_id has its
// own hash, template_id.hpp).
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

// Whether two short texts (header values, ≤ a template's 96 bytes) are
// equal, compared 8 bytes at a time inline: a libc memcmp call per value
// cost more than the compare on every settled request.
inline bool same_text(std::string_view a, std::string_view b) {
    const std::size_t size = a.size();
    if (size != b.size()) return false;
    const char* x = a.data();
    const char* y = b.data();
    auto word = [](const char* at) {
        uint64_t value;
        std::memcpy(&value, at, 8);
        return value;
    };
    if (size >= 8) {
        for (std::size_t i = 0; i + 8 < size; i += 8)
            if (word(x + i) != word(y + i)) return false;
        return word(x + size - 8) == word(y + size - 8);  // the last 8, overlapping
    }
    if (size >= 4) {
        uint32_t head_x, head_y, tail_x, tail_y;
        std::memcpy(&head_x, x, 4);
        std::memcpy(&head_y, y, 4);
        std::memcpy(&tail_x, x + size - 4, 4);
        std::memcpy(&tail_y, y + size - 4, 4);
        return head_x == head_y && tail_x == tail_y;
    }
    for (std::size_t i = 0; i < size; ++i)
        if (x[i] != y[i]) return false;
    return true;
}

}  // namespace sipscope::fingerprint
