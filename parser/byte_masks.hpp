// Where some bytes are in a block of up to 64: one 64-bit mask per wanted
// byte value (bit i: byte i), made with SIMD compares — AVX-512BW, AVX2 or
// SSE2, as the build's -march allows, bytes otherwise. Nothing is read
// past `available`: AVX-512BW's masked load reads only the block's bytes;
// the others compare a zero-padded copy of a short block. Worker lcore
// (the parser's delimiter index, the request URI's user); header-only for
// inlining.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>

#if defined(__AVX512BW__) || defined(__AVX2__)
#include <immintrin.h>
#elif defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace sipscope::parser {

// 64 bytes that may be read from: `at` itself when 64 are available there,
// else the `available` bytes copied into `padded` with zeros behind them
// (for the SIMD paths without masked loads).
[[gnu::always_inline]] inline const char* readable_block(const char* at, std::size_t available, char (&padded)[64]) {
    if (available >= 64) return at;
    std::memset(padded, 0, sizeof padded);
    std::memcpy(padded, at, available);
    return padded;
}

template <std::size_t N>
[[gnu::always_inline]] inline std::array<uint64_t, N> byte_masks(const char* at, std::size_t available,
                                                                 const std::array<char, N>& wanted) {
    std::array<uint64_t, N> masks{};
    const uint64_t inside = available >= 64 ? ~uint64_t{0} : (uint64_t{1} << available) - 1;
#if defined(__AVX512BW__)
    const __m512i bytes = _mm512_maskz_loadu_epi8(inside, at);
    for (std::size_t c = 0; c < N; ++c) masks[c] = _mm512_mask_cmpeq_epi8_mask(inside, bytes, _mm512_set1_epi8(wanted[c]));
#else
    alignas(32) char padded[64];
    at = readable_block(at, available, padded);
#if defined(__AVX2__)
    for (int part = 0; part < 2; ++part) {
        __m256i bytes = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(at + 32 * part));
        for (std::size_t c = 0; c < N; ++c)
            masks[c] |= static_cast<uint64_t>(static_cast<uint32_t>(
                            _mm256_movemask_epi8(_mm256_cmpeq_epi8(bytes, _mm256_set1_epi8(wanted[c])))))
                        << (32 * part);
    }
#elif defined(__SSE2__)
    for (int part = 0; part < 4; ++part) {
        __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(at + 16 * part));
        for (std::size_t c = 0; c < N; ++c)
            masks[c] |= static_cast<uint64_t>(static_cast<uint16_t>(
                            _mm_movemask_epi8(_mm_cmpeq_epi8(bytes, _mm_set1_epi8(wanted[c])))))
                        << (16 * part);
    }
#else
    for (int i = 0; i < 64; ++i)
        for (std::size_t c = 0; c < N; ++c) masks[c] |= static_cast<uint64_t>(at[i] == wanted[c]) << i;
#endif
    // The zero padding may match a wanted 0 byte: keep the block's bytes only.
    for (uint64_t& mask : masks) mask &= inside;
#endif
    return masks;
}

}  // namespace sipscope::parser
