// The write-back cache on its own: key encoding, dirty rows, rollback and eviction.

#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "storage/row_cache.h"

namespace flowwatch::test {
namespace {

std::string key_of(std::initializer_list<std::string_view> parts) {
    std::string key;
    for (auto part : parts) {
        storage::CacheKey::append(key, part);
    }
    return key;
}

}  // namespace

TEST_CASE("cache keys keep their parts apart whatever bytes the parts hold") {
    CHECK(key_of({"ab", "c"}) != key_of({"a", "bc"}));
    CHECK(key_of({"a\037", "b"}) != key_of({"a", "\037b"}));
    CHECK(key_of({"", "x"}) != key_of({"x", ""}));

    CHECK(key_of({std::string_view("a\0", 2), "b"}) != key_of({"a", std::string_view("\0b", 2)}));
    CHECK(key_of({std::string_view("\0", 1)}) != key_of({"", ""}));

    const std::string key = key_of({"tenant", "", "user@x"});
    std::string scratch;
    storage::CacheKey reader(key);
    CHECK(reader.next(scratch) == "tenant");
    CHECK(reader.next(scratch) == "");
    CHECK(reader.next(scratch) == "user@x");

    // Zero bytes in a part are escaped in the key and come back as they were.
    const std::string zeros("\0a\0\0b\0", 6);
    const std::string with_zeros = key_of({zeros, "", std::string_view("\0", 1)});
    storage::CacheKey decoder(with_zeros);
    CHECK(decoder.next(scratch) == zeros);
    CHECK(decoder.next(scratch) == "");
    CHECK(decoder.next(scratch) == std::string_view("\0", 1));

    // A zero byte at each place of a part longer than a machine word.
    for (std::size_t at = 0; at < 17; ++at) {
        std::string part(20, 'x');
        part[at] = '\0';
        CAPTURE(at);
        CHECK(key_of({part}) != key_of({part.substr(0, at), part.substr(at + 1)}));
        const std::string encoded = key_of({part, "next"});
        storage::CacheKey words(encoded);
        CHECK(words.next(scratch) == part);
        CHECK(words.next(scratch) == "next");
    }
}

TEST_CASE("dirty rows are flushed until marked clean and dropped on rollback") {
    storage::RowCache<int> cache;
    const std::string clean = key_of({"t", "clean"});
    const std::string absent = key_of({"t", "absent"});
    const std::string added = key_of({"t", "new"});
    cache.remember(clean, 1, 1);
    cache.remember(absent, std::nullopt, 1);
    cache.put(added, 2, 1);
    cache.put(clean, 3, 1);

    std::vector<std::string> flushed;
    cache.flush_dirty(
        [&](std::string_view key, int, storage::Stored) { flushed.emplace_back(key); });
    CHECK(flushed == std::vector<std::string>{clean, added});
    CHECK(cache.has_dirty());

    cache.drop_dirty();
    CHECK_FALSE(cache.has_dirty());
    CHECK(cache.find(added, 2) == nullptr);
    CHECK(cache.find(clean, 2) == nullptr);  // its committed value must be read again
    REQUIRE(cache.find(absent, 2) != nullptr);
    CHECK_FALSE(cache.find(absent, 2)->row.has_value());
}

TEST_CASE("dirty rows are flushed in the order of their key parts, as the table sorts them") {
    storage::RowCache<int> cache;
    // Part by part, as the table sorts them: "ab" before "b", a part before its extensions
    // (a zero byte included), and a shorter first part before a longer one.
    const std::vector<std::string> sorted = {
        key_of({"t", "ab", "x"}),
        key_of({"t", "ab", "y"}),
        key_of({"t", "b"}),
        key_of({"t", "b", ""}),
        key_of({"t", std::string_view("b\0", 2)}),
        key_of({"t", std::string_view("b\0\0", 3)}),
        key_of({"t", "b\x01"}),
        key_of({"t", "ba"}),
        key_of({"t\xff", ""}),
        key_of({"u", ""}),
    };
    for (auto it = sorted.rbegin(); it != sorted.rend(); ++it) {
        cache.put(*it, 1, 1);
    }
    std::vector<std::string> flushed;
    cache.flush_dirty(
        [&](std::string_view key, int, storage::Stored) { flushed.emplace_back(key); });
    CHECK(flushed == sorted);
}

TEST_CASE("a flushed row says whether the table held it: read, read as absent, or never read") {
    using storage::Stored;
    storage::RowCache<int> cache;
    const std::string held = key_of({"t", "held"});
    const std::string missing = key_of({"t", "missing"});
    const std::string unread = key_of({"t", "unread"});
    cache.remember(held, 1, 1);
    cache.remember(missing, std::nullopt, 1);
    cache.put(held, 2, 1);
    cache.put(missing, 2, 1);
    cache.put(unread, 2, 1);

    std::vector<std::pair<std::string, Stored>> flushed;
    const auto record = [&](std::string_view key, int, Stored stored) {
        flushed.emplace_back(std::string(key), stored);
    };
    cache.flush_dirty(record);
    CHECK(flushed == std::vector<std::pair<std::string, Stored>>{
                         {held, Stored::yes}, {missing, Stored::no}, {unread, Stored::unknown}});

    // Once committed, every one of them is in the table.
    cache.mark_clean();
    for (const auto& key : {held, missing, unread}) {
        cache.put(key, 3, 2);
    }
    flushed.clear();
    cache.flush_dirty(record);
    CHECK(flushed == std::vector<std::pair<std::string, Stored>>{
                         {held, Stored::yes}, {missing, Stored::yes}, {unread, Stored::yes}});
}

TEST_CASE("eviction keeps the rows of the last unit and never a dirty row") {
    storage::RowCache<int> cache;
    for (int i = 0; i < 10; ++i) {
        cache.put(key_of({"old", std::to_string(i)}), i, 1);
    }
    cache.mark_clean();
    cache.put(key_of({"recent"}), 1, 2);
    cache.trim(5, 2);
    CHECK(cache.size() == 11);  // a dirty row blocks eviction: it cannot be read back yet

    cache.mark_clean();
    cache.trim(5, 2);
    CHECK(cache.size() == 1);
    CHECK(cache.find(key_of({"recent"}), 3) != nullptr);
}

TEST_CASE("the item found last is never served after it was evicted or dropped") {
    storage::RowCache<int> cache;
    const std::string old_key = key_of({"old"});
    cache.put(old_key, 1, 1);
    cache.mark_clean();
    REQUIRE(cache.find(old_key, 1) != nullptr);  // now the item found last
    for (int i = 0; i < 10; ++i) {
        cache.put(key_of({"new", std::to_string(i)}), i, 2, /*dirty=*/false);
    }
    cache.trim(5, 2);
    CHECK(cache.find(old_key, 3) == nullptr);

    // Found last, then dropped with its unit: the next find misses too.
    const std::string dirty_key = key_of({"dirty"});
    cache.put(dirty_key, 7, 3);
    REQUIRE(cache.find(dirty_key, 3) != nullptr);
    cache.drop_dirty();
    CHECK(cache.find(dirty_key, 4) == nullptr);

    // Asked for twice in a row, and for another key between, it answers each.
    cache.put(key_of({"a"}), 1, 4);
    cache.put(key_of({"b"}), 2, 4);
    CHECK(*cache.find(key_of({"a"}), 4)->row == 1);
    CHECK(*cache.find(key_of({"a"}), 4)->row == 1);
    CHECK(*cache.find(key_of({"b"}), 4)->row == 2);
    CHECK(cache.find(key_of({"c"}), 4) == nullptr);
    CHECK(*cache.find(key_of({"b"}), 4)->row == 2);
}

/// The inverse of an odd number modulo 2^64: Newton's iteration doubles its correct low bits
/// at each step.
constexpr std::uint64_t inverse(std::uint64_t odd) {
    std::uint64_t x = odd;
    for (int i = 0; i < 6; ++i) {
        x *= 2 - odd * x;
    }
    return x;
}

/// Sends every other key's probe to the table's last slot, whatever its size, so that the probes
/// of those keys run across the table's end: their hash times kHashSpread is 2^64 - 1.
struct WrappingHash {
    static constexpr std::uint64_t kLastSlot = ~std::uint64_t{0} * inverse(storage::kHashSpread);
    static_assert(kLastSlot * storage::kHashSpread == ~std::uint64_t{0});

    std::size_t operator()(std::string_view key) const {
        const std::size_t hash = std::hash<std::string_view>{}(key);
        return hash % 2 == 0 ? kLastSlot : hash;
    }
};

/// Starts the probe of a key at the slot its first letter names ('a' the first) while the cache
/// holds at most eight keys, and so sixteen slots.
struct LetteredHash {
    std::size_t operator()(std::string_view key) const {
        return inverse(storage::kHashSpread) * (std::uint64_t(key.front() - 'a') << 60);
    }
};

TEST_CASE("prefetch hints change nothing, on an empty cache or for absent keys") {
    storage::RowCache<int, LetteredHash> cache;
    cache.prefetch_slot("a");
    cache.prefetch_item("a");
    cache.put("aone", 1, 1);
    cache.put("atwo", 2, 1);  // shares the first one's slot: its own is the next
    for (std::string_view key : {"aone", "atwo", "athree", "bone"}) {
        cache.prefetch_slot(key);
        cache.prefetch_item(key);
    }
    CHECK(*cache.find("aone", 1)->row == 1);
    CHECK(*cache.find("atwo", 1)->row == 2);
    CHECK(cache.find("athree", 1) == nullptr);
    CHECK(cache.size() == 2);
}

TEST_CASE("a rollback keeps every other key found, across the table's end too") {
    const auto at = [](char slot, std::string_view name) { return slot + std::string(name); };
    for (const char hole : {'c', 'o'}) {
        // A key at home in the slot after the hole and one at home in the first slot, then one
        // displaced from the slot after the hole, which must stay, and one displaced from the
        // hole, which must move back into it. When the hole is the second-last slot, the last
        // two wrapped past the table's end, behind the one at home in the first slot.
        const char next = static_cast<char>(hole == 'o' ? 'p' : hole + 1);
        storage::RowCache<int, LetteredHash> cache;
        const std::string dropped = at(hole, "dropped");
        const std::vector<std::string> kept = {at(next, "home"), at('a', "first"),
                                               at(next, "stays"), at(hole, "moves back")};
        cache.put(dropped, 0, 1);
        int value = 1;
        for (const auto& key : kept) {
            cache.remember(key, value++, 1);
        }
        cache.drop_dirty();
        CAPTURE(hole);
        CHECK(cache.find(dropped, 2) == nullptr);
        value = 1;
        for (const auto& key : kept) {
            CAPTURE(key);
            auto* entry = cache.find(key, 2);
            REQUIRE(entry != nullptr);
            CHECK(*entry->row == value++);
        }
    }
}

TEST_CASE_TEMPLATE("the cache answers as a map would through growth, rollbacks and eviction", Hash,
                   std::hash<std::string_view>, WrappingHash) {
    // Two thousand keys in random order, a fifth of them written in each unit: the table grows
    // several times, and rollbacks empty slots in the middle of long probes.
    storage::RowCache<int, Hash> cache;
    std::map<std::string, std::optional<int>> committed;  // what the database would hold
    std::map<std::string, int> written;                   // rows written in the open unit
    std::mt19937 random(20261204);
    std::uint64_t unit = 1;

    const auto key_for = [](std::uint32_t n) { return key_of({"tenant", std::to_string(n)}); };
    const auto expect = [&](const std::string& key) -> std::optional<std::optional<int>> {
        if (auto it = written.find(key); it != written.end()) {
            return std::optional<int>(it->second);
        }
        if (auto it = committed.find(key); it != committed.end()) {
            return it->second;
        }
        return std::nullopt;
    };

    for (int round = 0; round < 40; ++round) {
        for (int i = 0; i < 400; ++i) {
            const std::string key = key_for(random() % 2000);
            const int value = static_cast<int>(random() % 1000);
            if (random() % 4 == 0 && !written.contains(key) && !committed.contains(key)) {
                const std::optional<int> stored =
                    random() % 2 ? std::optional<int>(value) : std::nullopt;
                cache.remember(key, stored, unit);
                committed[key] = stored;
            } else {
                cache.put(key, value, unit);
                written[key] = value;
            }
        }
        // Every key, present or not, is found as the model has it.
        for (std::uint32_t n = 0; n < 2000; ++n) {
            const std::string key = key_for(n);
            const auto want = expect(key);
            auto* entry = cache.find(key, unit);
            CAPTURE(round);
            CAPTURE(n);
            REQUIRE((entry != nullptr) == want.has_value());
            if (entry != nullptr) {
                CHECK(entry->row == *want);
            }
        }
        std::size_t flushed = 0;
        cache.flush_dirty([&](std::string_view key, int row, storage::Stored) {
            CHECK(written.at(std::string(key)) == row);
            ++flushed;
        });
        CHECK(flushed == written.size());

        if (round % 3 == 2) {
            // A rollback: the unit's rows go, and the cache no longer knows them at all.
            cache.drop_dirty();
            for (const auto& [key, value] : written) {
                committed.erase(key);
            }
        } else {
            cache.mark_clean();
            for (const auto& [key, value] : written) {
                committed[key] = value;
            }
        }
        written.clear();
        CHECK(cache.size() == committed.size());
        ++unit;
    }

    // Eviction keeps what the last unit touched and answers for it as before.
    std::set<std::string> touched;
    for (int i = 0; i < 300; ++i) {
        const std::string key = key_for(random() % 2000);
        if (cache.find(key, unit) != nullptr) {
            touched.insert(key);
        }
    }
    REQUIRE(touched.size() > 100);
    cache.trim(touched.size(), unit);
    CHECK(cache.size() == touched.size());
    for (const auto& key : touched) {
        auto* entry = cache.find(key, unit);
        REQUIRE(entry != nullptr);
        CHECK(entry->row == committed.at(key));
    }
}

}  // namespace flowwatch::test
