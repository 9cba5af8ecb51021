#pragma once
/// The write-back cache in front of each baseline table: reads are served from memory after the
/// first, writes stay in memory (dirty) until the unit commits, and a rolled-back unit leaves
/// nothing behind. Rows are keyed by their encoded primary key (see CacheKey).

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <new>
#include <optional>
#include <string>
#include <string_view>
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

/// Whether the database holds a row for a cached key, as far as the cache knows.
enum class Stored : std::uint8_t { unknown, no, yes };

/// The multiplier that spreads a key's hash before its top bits pick the slot where its probe
/// starts (Fibonacci hashing: 2^64 divided by the golden ratio, an odd number).
inline constexpr std::uint64_t kHashSpread = 0x9E3779B97F4A7C15ULL;

/// `Hash` is std::hash but in tests, which use ones that make probes collide.
template <typename Row, typename Hash = std::hash<std::string_view>>
class RowCache {
  public:
    struct Entry {
        std::optional<Row> row;  ///< Empty: the database has no such row (a cached miss).
        bool dirty = false;      ///< Written in the open unit, not yet in the database.
        Stored stored = Stored::unknown;
        std::uint64_t last_unit = 0;
    };

    /// A cached key and its entry, in one block of memory that stays where it is until the key
    /// is evicted or dropped: this header, then the key's bytes, then the entry. A lookup that
    /// compares the key has then mostly fetched the row too.
    class Item {
      public:
        Item(const Item&) = delete;
        Item& operator=(const Item&) = delete;

        std::string_view key() const { return {reinterpret_cast<const char*>(this + 1), size_}; }
        Entry& entry() {
            return *std::launder(
                reinterpret_cast<Entry*>(reinterpret_cast<std::byte*>(this) + entry_offset(size_)));
        }
        const Entry& entry() const { return const_cast<Item*>(this)->entry(); }

      private:
        friend class RowCache;
        Item(std::uint64_t hash, std::uint32_t size) : hash_(hash), size_(size) {}
        ~Item() = default;

        static constexpr std::size_t entry_offset(std::size_t key_size) {
            return (sizeof(Item) + key_size + alignof(Entry) - 1) / alignof(Entry) * alignof(Entry);
        }

        std::uint64_t hash_;
        std::uint32_t size_;
    };

    RowCache() = default;
    RowCache(const RowCache&) = delete;
    RowCache& operator=(const RowCache&) = delete;
    ~RowCache() { clear(); }

    /// The cached item, or null when the key was never read or written since it was evicted.
    Item* find_item(std::string_view key, std::uint64_t unit) {
        // A record reads and then changes the same few rows: the last item found is asked for
        // again more often than not, and comparing one key is cheaper than hashing it.
        if (last_ == nullptr || last_->key() != key) {
            Item* item = slots_.empty() ? nullptr : slots_[find_slot(key, hash_of(key))].item;
            if (item == nullptr) {
                return nullptr;
            }
            last_ = item;
        }
        last_->entry().last_unit = unit;
        return last_;
    }
    /// Starts fetching the slot where a lookup of `key` begins into the processor's cache.
    void prefetch_slot(std::string_view key) const {
        if (!slots_.empty()) {
            __builtin_prefetch(&slots_[home(hash_of(key))]);
        }
    }
    /// Starts fetching the item of `key` when the slot where its probe starts holds it: call
    /// prefetch_slot a little before, so that reading the slot does not wait.
    void prefetch_item(std::string_view key) const {
        if (slots_.empty()) {
            return;
        }
        const std::uint64_t hash = hash_of(key);
        const Slot& slot = slots_[home(hash)];
        if (slot.item != nullptr && slot.hash == hash) {
            __builtin_prefetch(slot.item);
            __builtin_prefetch(reinterpret_cast<const std::byte*>(slot.item) + 64);
        }
    }

    Entry* find(std::string_view key, std::uint64_t unit) {
        Item* item = find_item(key, unit);
        return item != nullptr ? &item->entry() : nullptr;
    }

    /// Remembers what the database holds for `key` (nothing, when `row` is empty).
    Item& remember(std::string_view key, std::optional<Row> row, std::uint64_t unit) {
        const Stored stored = row ? Stored::yes : Stored::no;
        Item& item = emplace(key);
        item.entry() = Entry{std::move(row), item.entry().dirty, stored, unit};
        last_ = &item;
        return item;
    }

    /// Holds `row` for `key` until flush_dirty; `dirty` false when it is already stored.
    void put(std::string_view key, Row row, std::uint64_t unit, bool dirty = true) {
        Item& item = emplace(key);
        item.entry().row = std::move(row);
        item.entry().last_unit = unit;
        if (dirty) {
            mark_dirty(item);
        }
    }

    /// The row of a cached item, to change in place until flush_dirty writes it: `if_absent`
    /// when the cache holds a miss.
    Row& edit(Item& item, Row if_absent) {
        Entry& entry = item.entry();
        if (!entry.row) {
            entry.row = std::move(if_absent);
        }
        mark_dirty(item);
        return *entry.row;
    }

    /// Calls `write(key, row, stored)` for every dirty row, in the order of their key parts,
    /// `stored` telling whether the database held the row before the unit; they stay dirty until
    /// mark_clean. In key order, consecutive writes land on the same B-tree pages.
    template <typename Write>
    void flush_dirty(Write&& write) {
        std::ranges::sort(dirty_, [](const Item* a, const Item* b) { return a->key() < b->key(); });
        for (const Item* item : dirty_) {
            write(item->key(), *item->entry().row, item->entry().stored);
        }
    }

    /// After a commit: the dirty rows are now what the database holds.
    void mark_clean() {
        for (Item* item : dirty_) {
            item->entry().dirty = false;
            item->entry().stored = Stored::yes;
        }
        dirty_.clear();
    }

    /// After a rollback: forgets every row written in the unit (the next read goes to the disk).
    void drop_dirty() {
        last_ = nullptr;
        for (Item* item : dirty_) {
            erase_slot(find_slot(item->key(), item->hash_));
            destroy(item);
        }
        dirty_.clear();
    }

    /// Keeps the cache near `max_rows`: drops clean rows the last unit did not touch, and
    /// everything clean if that is not enough. Call between units.
    void trim(std::size_t max_rows, std::uint64_t unit) {
        if (size_ <= max_rows || !dirty_.empty()) {
            return;
        }
        last_ = nullptr;
        std::vector<Item*> kept;
        for (Slot& slot : slots_) {
            if (slot.item == nullptr) {
                continue;
            }
            if (slot.item->entry().last_unit < unit) {
                destroy(slot.item);
            } else {
                kept.push_back(slot.item);
            }
            slot = Slot{};
        }
        size_ = 0;
        if (kept.size() > max_rows) {
            std::ranges::for_each(kept, destroy);
            kept.clear();
        }
        for (Item* item : kept) {
            place(item);
        }
    }

    std::size_t size() const { return size_; }
    bool has_dirty() const { return !dirty_.empty(); }
    std::size_t dirty_rows() const { return dirty_.size(); }

  private:
    /// An open-addressing table with linear probing, at most half full. A slot keeps the key's
    /// hash beside the item, so a probe touches the item only when the hashes are equal.
    struct Slot {
        std::uint64_t hash = 0;
        Item* item = nullptr;
    };

    static_assert(alignof(Entry) <= __STDCPP_DEFAULT_NEW_ALIGNMENT__);

    static std::uint64_t hash_of(std::string_view key) { return Hash{}(key); }

    /// The slot holding `key`, or the empty slot where it would go.
    std::size_t find_slot(std::string_view key, std::uint64_t hash) const {
        for (std::size_t i = home(hash);; i = (i + 1) & mask_) {
            const Slot& slot = slots_[i];
            if (slot.item == nullptr || (slot.hash == hash && slot.item->key() == key)) {
                return i;
            }
        }
    }

    /// Where a hash's probe starts: its top bits after a multiplication that spreads them.
    std::size_t home(std::uint64_t hash) const {
        return static_cast<std::size_t>((hash * kHashSpread) >> shift_);
    }

    /// The item for `key`, created with an empty entry when there is none.
    Item& emplace(std::string_view key) {
        const std::uint64_t hash = hash_of(key);
        if (!slots_.empty()) {
            if (Item* item = slots_[find_slot(key, hash)].item) {
                return *item;
            }
        }
        if ((size_ + 1) * 2 > slots_.size()) {
            grow();
        }
        Item* item = create(key, hash);
        place(item);
        return *item;
    }

    /// Puts an item known to be absent into the first free slot of its probe.
    void place(Item* item) {
        std::size_t i = home(item->hash_);
        while (slots_[i].item != nullptr) {
            i = (i + 1) & mask_;
        }
        slots_[i] = Slot{item->hash_, item};
        ++size_;
    }

    void grow() {
        const std::size_t capacity = std::max<std::size_t>(16, slots_.size() * 2);
        std::vector<Slot> old = std::exchange(slots_, std::vector<Slot>(capacity));
        mask_ = capacity - 1;
        shift_ = 64 - std::countr_zero(capacity);
        size_ = 0;
        for (const Slot& slot : old) {
            if (slot.item != nullptr) {
                place(slot.item);
            }
        }
    }

    /// Empties slot `i` and moves back the items after it whose probe passed it, so that every
    /// probe still reaches its item without crossing an empty slot.
    void erase_slot(std::size_t i) {
        for (std::size_t j = (i + 1) & mask_; slots_[j].item != nullptr; j = (j + 1) & mask_) {
            // The item at j may fill the hole at i when its home is not in (i, j], cyclically.
            const std::size_t k = home(slots_[j].hash);
            const bool home_between = i <= j ? (i < k && k <= j) : (i < k || k <= j);
            if (!home_between) {
                slots_[i] = slots_[j];
                i = j;
            }
        }
        slots_[i] = Slot{};
        --size_;
    }

    static Item* create(std::string_view key, std::uint64_t hash) {
        const std::size_t offset = Item::entry_offset(key.size());
        void* block = ::operator new(offset + sizeof(Entry));
        Item* item = ::new (block) Item(hash, static_cast<std::uint32_t>(key.size()));
        std::memcpy(static_cast<std::byte*>(block) + sizeof(Item), key.data(), key.size());
        ::new (static_cast<std::byte*>(block) + offset) Entry{};
        return item;
    }

    static void destroy(Item* item) {
        item->entry().~Entry();
        item->~Item();
        ::operator delete(static_cast<void*>(item));
    }

    void clear() {
        for (Slot& slot : slots_) {
            if (slot.item != nullptr) {
                destroy(slot.item);
                slot = Slot{};
            }
        }
        size_ = 0;
        last_ = nullptr;
        dirty_.clear();
    }

    void mark_dirty(Item& item) {
        if (!item.entry().dirty) {
            item.entry().dirty = true;
            dirty_.push_back(&item);
        }
    }

    std::vector<Slot> slots_;
    std::size_t mask_ = 0;
    int shift_ = 64;
    std::size_t size_ = 0;
    /// The item find_item or remember gave last, until an erase may have taken it.
    Item* last_ = nullptr;
    /// Items written in the open unit; an item stays where it is until erased.
    std::vector<Item*> dirty_;
};

}  // namespace flowwatch::storage
