#pragma once
/// The write-back cache in front of each baseline table: reads are served from memory after the
/// first, writes stay in memory (dirty) until the unit commits, and a rolled-back unit leaves
/// nothing behind. Rows are keyed by their encoded primary key (see CacheKey).

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace flowwatch::storage {

/// A composite primary key as one string: each part is its length (4 bytes) then its bytes, so
/// no choice of separator can make two different keys equal.
class CacheKey {
  public:
    static void append(std::string& key, std::string_view part) {
        const auto size = static_cast<std::uint32_t>(part.size());
        char length[sizeof size];
        std::memcpy(length, &size, sizeof size);
        key.append(length, sizeof size);
        key.append(part);
    }

    explicit CacheKey(std::string_view key) : rest_(key) {}

    /// The next part, in the order they were appended.
    std::string_view next() {
        std::uint32_t size = 0;
        std::memcpy(&size, rest_.data(), sizeof size);
        std::string_view part = rest_.substr(sizeof size, size);
        rest_.remove_prefix(sizeof size + size);
        return part;
    }

    /// Orders keys part by part, bytewise: the order of SQLite's BINARY collation over text.
    static bool parts_less(std::string_view a, std::string_view b) {
        CacheKey left(a);
        CacheKey right(b);
        while (!left.rest_.empty() && !right.rest_.empty()) {
            const std::string_view x = left.next();
            const std::string_view y = right.next();
            if (x != y) {
                return x < y;
            }
        }
        return left.rest_.empty() && !right.rest_.empty();
    }

  private:
    std::string_view rest_;
};

/// Not noexcept on purpose: libstdc++ then keeps each node's hash, so a lookup does not hash
/// the keys of its whole bucket again (profiling showed that rehashing as the largest single cost).
struct KeyHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view key) const {
        return std::hash<std::string_view>{}(key);
    }
};

/// Whether the database holds a row for a cached key, as far as the cache knows.
enum class Stored : std::uint8_t { unknown, no, yes };

template <typename Row>
class RowCache {
  public:
    struct Entry {
        std::optional<Row> row;  ///< Empty: the database has no such row (a cached miss).
        bool dirty = false;      ///< Written in the open unit, not yet in the database.
        Stored stored = Stored::unknown;
        std::uint64_t last_unit = 0;
    };

    /// The cached entry, or null when the key was never read or written since it was evicted.
    Entry* find(std::string_view key, std::uint64_t unit) {
        auto it = rows_.find(key);
        if (it == rows_.end()) {
            return nullptr;
        }
        it->second.last_unit = unit;
        return &it->second;
    }

    /// Remembers what the database holds for `key` (nothing, when `row` is empty).
    Entry& remember(std::string_view key, std::optional<Row> row, std::uint64_t unit) {
        const Stored stored = row ? Stored::yes : Stored::no;
        return rows_.insert_or_assign(std::string(key), Entry{std::move(row), false, stored, unit})
            .first->second;
    }

    /// Holds `row` for `key` until flush_dirty; `dirty` false when it is already stored.
    void put(std::string_view key, Row row, std::uint64_t unit, bool dirty = true) {
        auto it = rows_.find(key);
        if (it == rows_.end()) {
            it = rows_.emplace(std::string(key), Entry{}).first;
        }
        it->second.row = std::move(row);
        it->second.last_unit = unit;
        if (dirty) {
            mark_dirty(*it);
        }
    }

    /// The row for `key`, to change in place until flush_dirty writes it: `if_absent` when the
    /// cache holds a miss. The key must be cached (read or written in this unit).
    Row& edit(std::string_view key, std::uint64_t unit, Row if_absent) {
        auto it = rows_.find(key);
        if (!it->second.row) {
            it->second.row = std::move(if_absent);
        }
        it->second.last_unit = unit;
        mark_dirty(*it);
        return *it->second.row;
    }

    /// Calls `write(key, row, stored)` for every dirty row, in the order of their key parts,
    /// `stored` telling whether the database held the row before the unit; they stay dirty until
    /// mark_clean. In key order, consecutive writes land on the same B-tree pages.
    template <typename Write>
    void flush_dirty(Write&& write) {
        std::ranges::sort(dirty_, [](const auto* a, const auto* b) {
            return CacheKey::parts_less(a->first, b->first);
        });
        for (const auto* item : dirty_) {
            write(std::string_view(item->first), *item->second.row, item->second.stored);
        }
    }

    /// After a commit: the dirty rows are now what the database holds.
    void mark_clean() {
        for (auto* item : dirty_) {
            item->second.dirty = false;
            item->second.stored = Stored::yes;
        }
        dirty_.clear();
    }

    /// After a rollback: forgets every row written in the unit (the next read goes to the disk).
    void drop_dirty() {
        for (auto* item : dirty_) {
            // Erase by iterator: a key that lives inside the erased element must not be used.
            rows_.erase(rows_.find(item->first));
        }
        dirty_.clear();
    }

    /// Keeps the cache near `max_rows`: drops clean rows the last unit did not touch, and
    /// everything clean if that is not enough. Call between units.
    void trim(std::size_t max_rows, std::uint64_t unit) {
        if (rows_.size() <= max_rows || !dirty_.empty()) {
            return;
        }
        std::erase_if(rows_, [unit](const auto& item) { return item.second.last_unit < unit; });
        if (rows_.size() > max_rows) {
            rows_.clear();
        }
    }

    std::size_t size() const { return rows_.size(); }
    bool has_dirty() const { return !dirty_.empty(); }

  private:
    void mark_dirty(std::pair<const std::string, Entry>& item) {
        if (!item.second.dirty) {
            item.second.dirty = true;
            dirty_.push_back(&item);
        }
    }

    std::unordered_map<std::string, Entry, KeyHash, std::equal_to<>> rows_;
    /// Element addresses of an unordered_map stay valid until the element is erased.
    std::vector<std::pair<const std::string, Entry>*> dirty_;
};

}  // namespace flowwatch::storage
