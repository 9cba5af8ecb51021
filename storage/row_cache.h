#pragma once
/// The write-back cache in front of each baseline table: reads are served from memory after the
/// first, writes stay in memory (dirty) until the unit commits, and a rolled-back unit leaves
/// nothing behind. Rows are keyed by their encoded primary key (see CacheKey).

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace flowwatch::storage {

/// A composite primary key as one string whose bytewise order is the order of its parts, as
/// SQLite's BINARY collation sorts them: each part ends with the bytes 00 00, and a zero byte
/// inside a part is written 00 01. No choice of parts makes two different keys equal, and sorting
/// keys as plain strings sorts them part by part.
class CacheKey {
  public:
    static void append(std::string& key, std::string_view part) {
        for (auto zero = part.find('\0'); zero != std::string_view::npos; zero = part.find('\0')) {
            key.append(part.substr(0, zero));
            key.append("\0\1", 2);
            part.remove_prefix(zero + 1);
        }
        key.append(part);
        key.append("\0\0", 2);
    }

    explicit CacheKey(std::string_view key) : rest_(key) {}

    /// The next part, in the order they were appended: a view into the key, or into `scratch`
    /// when the part holds zero bytes and had to be decoded.
    std::string_view next(std::string& scratch) {
        auto zero = rest_.find('\0');
        if (rest_[zero + 1] == '\0') {
            const std::string_view part = rest_.substr(0, zero);
            rest_.remove_prefix(zero + 2);
            return part;
        }
        scratch.clear();
        for (;; zero = rest_.find('\0')) {
            scratch.append(rest_.substr(0, zero));
            const bool escaped = rest_[zero + 1] == '\1';
            rest_.remove_prefix(zero + 2);
            if (!escaped) {
                return scratch;
            }
            scratch += '\0';
        }
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

    /// A cached key and its entry.
    using Item = std::pair<const std::string, Entry>;

    /// The cached item, or null when the key was never read or written since it was evicted.
    Item* find_item(std::string_view key, std::uint64_t unit) {
        // A record reads and then changes the same few rows: the last item found is asked for
        // again more often than not, and comparing one key is cheaper than hashing it.
        if (last_ == nullptr || last_->first != key) {
            auto it = rows_.find(key);
            if (it == rows_.end()) {
                return nullptr;
            }
            last_ = &*it;
        }
        last_->second.last_unit = unit;
        return last_;
    }
    Entry* find(std::string_view key, std::uint64_t unit) {
        Item* item = find_item(key, unit);
        return item != nullptr ? &item->second : nullptr;
    }

    /// Remembers what the database holds for `key` (nothing, when `row` is empty).
    Item& remember(std::string_view key, std::optional<Row> row, std::uint64_t unit) {
        const Stored stored = row ? Stored::yes : Stored::no;
        last_ =
            &*rows_.insert_or_assign(std::string(key), Entry{std::move(row), false, stored, unit})
                  .first;
        return *last_;
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

    /// The row of a cached item, to change in place until flush_dirty writes it: `if_absent`
    /// when the cache holds a miss.
    Row& edit(Item& item, Row if_absent) {
        if (!item.second.row) {
            item.second.row = std::move(if_absent);
        }
        mark_dirty(item);
        return *item.second.row;
    }

    /// Calls `write(key, row, stored)` for every dirty row, in the order of their key parts,
    /// `stored` telling whether the database held the row before the unit; they stay dirty until
    /// mark_clean. In key order, consecutive writes land on the same B-tree pages.
    template <typename Write>
    void flush_dirty(Write&& write) {
        std::ranges::sort(dirty_, [](const auto* a, const auto* b) { return a->first < b->first; });
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
        last_ = nullptr;
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
        last_ = nullptr;
        std::erase_if(rows_, [unit](const auto& item) { return item.second.last_unit < unit; });
        if (rows_.size() > max_rows) {
            rows_.clear();
        }
    }

    std::size_t size() const { return rows_.size(); }
    bool has_dirty() const { return !dirty_.empty(); }

  private:
    void mark_dirty(Item& item) {
        if (!item.second.dirty) {
            item.second.dirty = true;
            dirty_.push_back(&item);
        }
    }

    std::unordered_map<std::string, Entry, KeyHash, std::equal_to<>> rows_;
    /// The item find_item or remember gave last, until an erase may have taken it.
    Item* last_ = nullptr;
    /// Element addresses of an unordered_map stay valid until the element is erased.
    std::vector<Item*> dirty_;
};

}  // namespace flowwatch::storage
