// Finds line ends and colons in a SIP message 64 bytes at a time: SIMD
// compares (byte_masks.hpp) turn each 64-byte block into bitmasks, and the
// parser walks the set bits instead of calling memchr per line. Nothing is
// read past the input.
// Worker lcore, inside parse_sip_message; header-only for inlining.
#pragma once

#include <cstddef>
#include <cstdint>

#include "byte_masks.hpp"

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
    std::size_t next_newline(std::size_t from) {
        return eager_ ? next_eager(newlines_, from, length_) : next(from, length_, true);
    }
    // Position of the first ':' in [from, limit), or `limit` if none.
    std::size_t next_colon(std::size_t from, std::size_t limit) {
        return eager_ ? next_eager(colons_, from, limit) : next(from, limit, false);
    }
    std::size_t length() const { return length_; }

private:
    // The common case, a message indexed whole: the block of `from` first
    // (most delimiters are a line or less away), then whole blocks up to
    // the limit's. Blocks past the message's are never read.
    static std::size_t next_eager(const uint64_t* masks, std::size_t from, std::size_t limit) {
        if (from >= limit) return limit;
        std::size_t block = from / 64;
        uint64_t mask = masks[block] >> (from % 64);
        if (mask == 0) {
            const std::size_t last = (limit - 1) / 64;
            do {
                if (++block > last) return limit;
                mask = masks[block];
            } while (mask == 0);
            from = block * 64;
        }
        std::size_t found = from + static_cast<std::size_t>(__builtin_ctzll(mask));
        return found < limit ? found : limit;
    }

    // A message too long to index whole (SIP over TCP): one block per
    // delimiter is kept in slot 0: both scans only move forward, so each
    // block loads once per scan.
    std::size_t next(std::size_t from, std::size_t limit, bool newline) {
        while (from < limit) {
            std::size_t start = from & ~std::size_t{63};
            std::size_t& cached = newline ? lazy_newline_block_ : lazy_colon_block_;
            if (cached != start) {
                uint64_t newlines, colons;
                load(start, newlines, colons);
                cached = start;
                (newline ? newlines_[0] : colons_[0]) = newline ? newlines : colons;
            }
            const uint64_t mask = newline ? newlines_[0] : colons_[0];
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
        auto masks = byte_masks<2>(data_ + start, length_ - start, {'\n', ':'});
        newlines = masks[0];
        colons = masks[1];
    }

    const char* data_;
    std::size_t length_;
    bool eager_ = false;
    std::size_t lazy_newline_block_ = ~std::size_t{0};
    std::size_t lazy_colon_block_ = ~std::size_t{0};
    uint64_t newlines_[kEagerBlocks];
    uint64_t colons_[kEagerBlocks];
};

}  // namespace sipscope::parser
