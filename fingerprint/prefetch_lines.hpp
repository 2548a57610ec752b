// Asking for every cache line of an object before it is used: the worker's
// flows and details one or two packets ahead, its next record object before
// it is written, the control lcore's records before they are formatted.
// DPDK 22.11's rte_prefetch0 reads one line, and its write variant
// (rte_prefetch0_write) is still experimental API.
#pragma once

#include <cstddef>

namespace sipscope::fingerprint {

inline constexpr std::size_t kCacheLineBytes = 64;

// Every line of `bytes` at `at`, to be read.
inline void prefetch_lines_for_reading(const void* at, std::size_t bytes) {
    for (std::size_t line = 0; line < bytes; line += kCacheLineBytes)
        __builtin_prefetch(static_cast<const char*>(at) + line, 0, 3);
}

// Every line of `bytes` at `at`, to be written.
inline void prefetch_lines_for_writing(const void* at, std::size_t bytes) {
    for (std::size_t line = 0; line < bytes; line += kCacheLineBytes)
        __builtin_prefetch(static_cast<const char*>(at) + line, 1, 3);
}

}  // namespace sipscope::fingerprint
