#pragma once
/// Which keys a table may hold: a Bloom filter over the encoded keys of its rows. "No" is
/// certain, so a row the cache has never seen and the filter does not know needs no query: in a
/// replay most flows and many users are new, and asking the table for each cost a query apiece.

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string_view>
#include <vector>

namespace flowwatch::storage {

class KeyFilter {
  public:
    /// Bits per key it is sized for; with kProbes probes that is about 1 % false "maybe".
    static constexpr std::size_t kBitsPerKey = 10;
    static constexpr int kProbes = 6;

    /// A filter for up to `capacity` keys (at least 1,024) before its false "maybe" grow.
    explicit KeyFilter(std::size_t capacity) {
        capacity_ = std::max<std::size_t>(capacity, 1024);
        const std::size_t bits = std::bit_ceil(capacity_ * kBitsPerKey);
        words_.assign(bits / 64, 0);
        mask_ = bits - 1;
    }

    void add(std::string_view key) {
        probe(key, [this](std::size_t bit) {
            words_[bit / 64] |= std::uint64_t{1} << (bit % 64);
            return true;
        });
        ++keys_;
    }

    /// False only when `key` was never added.
    bool may_contain(std::string_view key) const {
        return probe(key, [this](std::size_t bit) {
            return (words_[bit / 64] & (std::uint64_t{1} << (bit % 64))) != 0;
        });
    }

    /// More keys were added than it was sized for: time to build a larger one.
    bool full() const { return keys_ > capacity_; }
    std::size_t keys() const { return keys_; }
    std::size_t capacity() const { return capacity_; }

  private:
    /// Calls `at(bit)` for each probe of `key` until one answers false; whether none did. The
    /// probes are h1 + i * h2 of two halves of one 64-bit hash (Kirsch and Mitzenmacher).
    template <typename At>
    bool probe(std::string_view key, At&& at) const {
        std::uint64_t h = std::hash<std::string_view>{}(key);
        // Spread the hash (splitmix64's finaliser) so both halves carry all of it.
        h ^= h >> 30;
        h *= 0xbf58476d1ce4e5b9ULL;
        h ^= h >> 27;
        h *= 0x94d049bb133111ebULL;
        h ^= h >> 31;
        const std::uint64_t h1 = h;
        const std::uint64_t h2 = (h >> 32) | 1;
        for (int i = 0; i < kProbes; ++i) {
            if (!at(static_cast<std::size_t>((h1 + static_cast<std::uint64_t>(i) * h2) & mask_))) {
                return false;
            }
        }
        return true;
    }

    std::vector<std::uint64_t> words_;
    std::size_t mask_ = 0;
    std::size_t capacity_ = 0;
    std::size_t keys_ = 0;
};

}  // namespace flowwatch::storage
