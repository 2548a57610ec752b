// Finds line ends and colons in a SIP message 64 bytes at a time: SIMD
// compares (AVX-512BW, AVX2 or SSE2, as the build's -march allows) turn
// each 64-byte block into bitmasks, and the parser walks the
// set bits instead of calling memchr per line. The last partial block is
// copied into a padded local buffer, so nothing is read past the input.
// Worker lcore, inside parse_sip_message; header-only for inlining.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#if defined(__AVX512BW__) || defined(__AVX2__)
#include <immintrin.h>
#elif defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace sipscope::parser {

class DelimiterIndex {
public:
    // Messages up to this size are indexed in one pass at construction;
    // longer ones (SIP over TCP) block by block as the parser advances.
    static constexpr std::size_t kEagerBlocks = 64;  // 4 KiB

    DelimiterIndex(const char* data, std::size_t length) : data_(data), length_(length) {
        eager_ = (length + 63) / 64 <= kEagerBlocks;
        if (eager_) {
            for (std::size_t block = 0; block * 64 < length; ++block) load(block * 64, newlines_[block], colons_[block]);
        }
    }

    // Position of the first '\n' at or after `from`, or length() if none.
    std::size_t next_newline(std::size_t from) { return next(from, length_, true); }
    // Position of the first ':' in [from, limit), or `limit` if none.
    std::size_t next_colon(std::size_t from, std::size_t limit) { return next(from, limit, false); }
    std::size_t length() const { return length_; }

private:
    std::size_t next(std::size_t from, std::size_t limit, bool newline) {
        while (from < limit) {
            std::size_t start = from & ~std::size_t{63};
            uint64_t mask;
            if (eager_) {
                mask = newline ? newlines_[start / 64] : colons_[start / 64];
            } else {
                // Lazy mode keeps one block per delimiter in slot 0/1: both
                // scans only move forward, so each block loads once per scan.
                std::size_t& cached = newline ? lazy_newline_block_ : lazy_colon_block_;
                if (cached != start) {
                    uint64_t newlines, colons;
                    load(start, newlines, colons);
                    cached = start;
                    (newline ? newlines_[0] : colons_[0]) = newline ? newlines : colons;
                }
                mask = newline ? newlines_[0] : colons_[0];
            }
            uint64_t remaining = mask >> (from - start);
            if (remaining != 0) {
                std::size_t found = from + static_cast<std::size_t>(__builtin_ctzll(remaining));
                return found < limit ? found : limit;
            }
            from = start + 64;
        }
        return limit;
    }

    void load(std::size_t start, uint64_t& newlines, uint64_t& colons) const {
        const char* at = data_ + start;
        std::size_t available = length_ - start;
#if defined(__AVX512BW__)
        // One compare per delimiter gives the block's mask directly; a
        // masked load reads (and may fault on) only the bytes it keeps, so
        // the last block needs no copy.
        const __mmask64 inside = available >= 64 ? ~__mmask64{0} : (__mmask64{1} << available) - 1;
        const __m512i bytes = _mm512_maskz_loadu_epi8(inside, at);
        newlines = _mm512_mask_cmpeq_epi8_mask(inside, bytes, _mm512_set1_epi8('\n'));
        colons = _mm512_mask_cmpeq_epi8_mask(inside, bytes, _mm512_set1_epi8(':'));
#else
        alignas(16) char padded[64];
        if (available < 64) {
            std::memset(padded, 0, sizeof padded);
            std::memcpy(padded, at, available);
            at = padded;
        }
        masks_of_block(at, newlines, colons);
        if (available < 64) {  // the zero padding holds neither, but be explicit
            newlines &= (uint64_t{1} << available) - 1;
            colons &= (uint64_t{1} << available) - 1;
        }
#endif
    }

#if !defined(__AVX512BW__)
    // The masks of 64 readable bytes at `at`.
    static void masks_of_block(const char* at, uint64_t& newlines, uint64_t& colons) {
        newlines = colons = 0;
#if defined(__AVX2__)
        const __m256i newline = _mm256_set1_epi8('\n'), colon = _mm256_set1_epi8(':');
        for (int part = 0; part < 2; ++part) {
            __m256i bytes = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(at + 32 * part));
            newlines |= static_cast<uint64_t>(static_cast<uint32_t>(_mm256_movemask_epi8(_mm256_cmpeq_epi8(bytes, newline))))
                        << (32 * part);
            colons |= static_cast<uint64_t>(static_cast<uint32_t>(_mm256_movemask_epi8(_mm256_cmpeq_epi8(bytes, colon))))
                      << (32 * part);
        }
#elif defined(__SSE2__)
        const __m128i newline = _mm_set1_epi8('\n'), colon = _mm_set1_epi8(':');
        for (int part = 0; part < 4; ++part) {
            __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(at + 16 * part));
            newlines |= static_cast<uint64_t>(static_cast<uint16_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(bytes, newline))))
                        << (16 * part);
            colons |= static_cast<uint64_t>(static_cast<uint16_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(bytes, colon))))
                      << (16 * part);
        }
#else
        for (int i = 0; i < 64; ++i) {
            newlines |= static_cast<uint64_t>(at[i] == '\n') << i;
            colons |= static_cast<uint64_t>(at[i] == ':') << i;
        }
#endif
    }
#endif

    const char* data_;
    std::size_t length_;
    bool eager_ = false;
    std::size_t lazy_newline_block_ = ~std::size_t{0};
    std::size_t lazy_colon_block_ = ~std::size_t{0};
    uint64_t newlines_[kEagerBlocks];
    uint64_t colons_[kEagerBlocks];
};

}  // namespace sipscope::parser
