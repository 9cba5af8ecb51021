#pragma once
/// The scenario's random source: xoshiro256** seeded through splitmix64, with its own bounded and
/// floating draws so a seed gives the same tenant on every standard library.

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace flowwatch::scenario {

class Random {
  public:
    explicit Random(std::uint64_t seed) {
        for (auto& word : state_) {
            seed += 0x9e3779b97f4a7c15ULL;
            std::uint64_t z = seed;
            z = (z ^ (z >> 30U)) * 0xbf58476d1ce4e5b9ULL;
            z = (z ^ (z >> 27U)) * 0x94d049bb133111ebULL;
            word = z ^ (z >> 31U);
        }
    }

    std::uint64_t next() {
        const std::uint64_t result = rotl(state_[1] * 5, 7) * 9;
        const std::uint64_t t = state_[1] << 17U;
        state_[2] ^= state_[0];
        state_[3] ^= state_[1];
        state_[1] ^= state_[2];
        state_[0] ^= state_[3];
        state_[2] ^= t;
        state_[3] = rotl(state_[3], 45);
        return result;
    }

    /// Uniform in [0, n); n must be positive.
    std::size_t below(std::size_t n) {
        // The modulo bias is below 2^-40 for the sizes a scenario draws from.
        return static_cast<std::size_t>(next() % n);
    }

    /// Uniform in [lo, hi].
    std::int64_t between(std::int64_t lo, std::int64_t hi) {
        return lo + static_cast<std::int64_t>(below(static_cast<std::size_t>(hi - lo + 1)));
    }

    /// Uniform in [0, 1).
    double unit() { return static_cast<double>(next() >> 11U) * 0x1.0p-53; }

    bool chance(double p) { return unit() < p; }

    template <typename T>
    const T& pick(std::span<const T> items) {
        return items[below(items.size())];
    }

    /// Index drawn in proportion to `weights`.
    std::size_t weighted(std::span<const double> weights) {
        double total = 0;
        for (double w : weights) {
            total += w;
        }
        double x = unit() * total;
        for (std::size_t i = 0; i < weights.size(); ++i) {
            x -= weights[i];
            if (x < 0) {
                return i;
            }
        }
        return weights.size() - 1;
    }

    /// A version-4-shaped GUID, lower case.
    std::string guid() {
        static constexpr char kHex[] = "0123456789abcdef";
        const std::uint64_t a = next();
        const std::uint64_t b = next();
        std::string out(36, '-');
        std::size_t bit = 0;
        for (std::size_t i = 0; i < out.size(); ++i) {
            if (i == 8 || i == 13 || i == 18 || i == 23) {
                continue;
            }
            const std::uint64_t word = bit < 16 ? a : b;
            const auto nibble = static_cast<std::size_t>((word >> ((bit % 16) * 4)) & 0xfU);
            out[i] = kHex[nibble];
            ++bit;
        }
        out[14] = '4';
        out[19] = kHex[8 + (static_cast<std::size_t>(b >> 60U) & 0x3U)];
        return out;
    }

  private:
    static std::uint64_t rotl(std::uint64_t x, int k) {
        return (x << static_cast<unsigned>(k)) | (x >> static_cast<unsigned>(64 - k));
    }

    std::array<std::uint64_t, 4> state_{};
};

}  // namespace flowwatch::scenario
