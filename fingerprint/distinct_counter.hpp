// Counts distinct values in fixed space: exactly while there are at most
// `Exact` of them, then by HyperLogLog (Flajolet et al. 2007) with
// `Registers` one-byte registers, fed all along so the switch loses nothing.
// With `BitmapBits`, the middle range is counted by linear counting on a
// bitmap of that many bits (Whang et al. 1990) while at least 1/32 of it
// is still clear: far more accurate there than a HyperLogLog of the same
// bytes (4,096 bits: about 1 % at 1,000 values, 2.5 % at 14,000), which is
// what extension enumerations need; HyperLogLog takes over beyond.
// Used per flow for destinations and for extensions; no allocation.
#pragma once

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <type_traits>

namespace sipscope::fingerprint {

// MurmurHash3's 64-bit finaliser: spreads a key over the registers.
constexpr uint64_t mix64(uint64_t x) {
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
}

template <std::size_t Exact, std::size_t Registers, std::size_t BitmapBits = 0>
class DistinctCounter {
    static_assert((Registers & (Registers - 1)) == 0 && Registers >= 16, "registers: a power of two, at least 16");
    static_assert((BitmapBits & (BitmapBits - 1)) == 0 && (BitmapBits == 0 || BitmapBits >= 64),
                  "bitmap: none, or a power of two of at least 64 bits");
    static constexpr unsigned kIndexBits = static_cast<unsigned>(__builtin_ctzll(Registers));

public:
    // `key` identifies the value exactly (while counting exactly);
    // `hash` is a well-mixed 64-bit hash of it.
    void add(uint32_t key, uint64_t hash) {
        std::size_t index = hash & (Registers - 1);
        uint64_t rest = hash >> kIndexBits;
        uint8_t rank = static_cast<uint8_t>(rest == 0 ? 58 : __builtin_ctzll(rest) + 1);
        uint8_t previous = registers_[index];
        if (rank > previous) {
            registers_[index] = rank;
            // Keep the estimator's sum of 2^-register current, in exact
            // fixed point (units of 2^-64), so that count() is O(1).
            inverse_sum_ -= unit(previous);
            inverse_sum_ += unit(rank);
            if (previous == 0) --zero_registers_;
        }
        if constexpr (BitmapBits != 0) {
            // Bits of the hash the register index does not use.
            std::size_t bit = (hash >> 32) & (BitmapBits - 1);
            uint64_t& word = bitmap_[bit / 64];
            uint64_t mask = uint64_t{1} << (bit % 64);
            if (!(word & mask)) {
                word |= mask;
                --clear_bits_;
            }
        }
        if (overflow_) return;
        for (uint8_t i = 0; i < exact_count_; ++i)
            if (exact_[i] == key) return;
        if (exact_count_ < Exact) exact_[exact_count_++] = key;
        else overflow_ = true;
    }

    bool estimated() const { return overflow_; }

    uint64_t count() const {
        if (!overflow_) return exact_count_;
        if constexpr (BitmapBits != 0) {
            if (clear_bits_ >= BitmapBits / 32) {
                constexpr double bits = static_cast<double>(BitmapBits);
                return at_least_beyond_exact(bits * std::log(bits / clear_bits_));
            }
        }
        constexpr double m = static_cast<double>(Registers);
        const double alpha = Registers == 16 ? 0.673 : Registers == 32 ? 0.697 : Registers == 64 ? 0.709 : 0.7213 / (1.0 + 1.079 / m);
        double sum = std::ldexp(static_cast<double>(inverse_sum_), -64);
        unsigned zeros = zero_registers_;
        double estimate = alpha * m * m / sum;
        if (estimate <= 2.5 * m && zeros > 0) estimate = m * std::log(m / zeros);  // small-range correction
        return at_least_beyond_exact(estimate);
    }

private:
    static uint64_t at_least_beyond_exact(double estimate) {
        auto rounded = static_cast<uint64_t>(std::llround(estimate));
        return rounded < Exact + 1 ? Exact + 1 : rounded;  // more than the exact set held
    }

    struct NoBitmap {};
    using Bitmap = std::conditional_t<BitmapBits != 0, std::array<uint64_t, BitmapBits / 64>, NoBitmap>;
    [[no_unique_address]] Bitmap bitmap_{};
    uint32_t clear_bits_ = static_cast<uint32_t>(BitmapBits);

    // 2^-value in units of 2^-64 (ranks never exceed 64 - index bits).
    static unsigned __int128 unit(uint8_t value) { return static_cast<unsigned __int128>(1) << (64 - value); }

    std::array<uint32_t, Exact> exact_{};
    uint8_t exact_count_ = 0;
    bool overflow_ = false;
    std::array<uint8_t, Registers> registers_{};
    unsigned __int128 inverse_sum_ = static_cast<unsigned __int128>(Registers) << 64;  // every register 0
    uint16_t zero_registers_ = Registers;
};

}  // namespace sipscope::fingerprint
