#pragma once
/// Inside SqliteStore: the connection, its prepared statements and the baseline caches. Shared by
/// the .cpp files that implement the store; nothing outside storage/ includes it.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Exception.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/store.h"
#include "storage/baseline_rows.h"
#include "storage/key_filter.h"
#include "storage/row_cache.h"
#include "storage/sqlite_store.h"
#include "storage/statement.h"
#include "storage/storage_failure.h"

namespace flowwatch::storage {

/// One baseline table: its cache, the statement that fills it, and those that flush it: an
/// INSERT for rows the table lacks, an UPDATE for rows it has (a quarter cheaper than the UPSERT
/// that serves rows whose presence the cache does not know).
template <typename Row>
struct CachedTable {
    explicit CachedTable(SQLite::Database& db)
        : select(db, select_sql<Row>().c_str()),
          insert(db, insert_sql<Row>().c_str()),
          update(db, update_sql<Row>().c_str()),
          upsert(db, upsert_sql<Row>().c_str()),
          select_keys(db, keys_sql<Row>().c_str()),
          count(db, (std::string("SELECT count(*) FROM ") + RowTraits<Row>::kTable).c_str()) {}

    ReusableStatement& write_for(Stored stored) {
        switch (stored) {
            case Stored::no:
                return insert;
            case Stored::yes:
                return update;
            case Stored::unknown:
                break;
        }
        return upsert;
    }

    RowCache<Row> cache;
    ReusableStatement select;
    ReusableStatement insert;
    ReusableStatement update;
    ReusableStatement upsert;
    ReusableStatement select_keys;
    ReusableStatement count;
    /// The keys of the table's rows, built on the first read the cache cannot answer and again
    /// each time the table outgrows it; every row written from then on is added at flush.
    std::optional<KeyFilter> stored_keys;
};

/// Binds the first `parts` parts of a cache key as parameters 1..n; returns the next free index.
inline int bind_key(ReusableStatement& statement, std::string_view key, std::size_t parts) {
    CacheKey reader(key);
    std::string scratch;
    int index = 1;
    for (std::size_t i = 0; i < parts; ++i, ++index) {
        statement.bind(index, reader.next(scratch));
    }
    return index;
}

/// A filter of the keys `select_keys` gives, each of its first `parts` columns a key part, sized
/// for twice the rows `count` says there are.
inline KeyFilter scan_keys(ReusableStatement& count, ReusableStatement& select_keys,
                           std::size_t parts) {
    std::size_t rows = 0;
    {
        StatementUse use(count);
        if (use->next_row()) {
            rows = static_cast<std::size_t>(use->integer(0));
        }
    }
    KeyFilter filter(2 * rows);
    StatementUse use(select_keys);
    std::string key;
    while (use->next_row()) {
        key.clear();
        for (std::size_t i = 0; i < parts; ++i) {
            CacheKey::append(key, use->text(static_cast<int>(i)));
        }
        filter.add(key);
    }
    return filter;
}

/// Whether the table may hold a row for `key`: false is certain.
template <typename Row>
bool may_be_stored(CachedTable<Row>& table, std::string_view key) {
    if (!table.stored_keys || table.stored_keys->full()) {
        table.stored_keys = scan_keys(table.count, table.select_keys, RowTraits<Row>::kKeys.size());
    }
    return table.stored_keys->may_contain(key);
}

/// The cache's item for `key`: read from the table on first use and cached, a miss included,
/// so the next read of an absent row costs no query; nor does the first when the table's key
/// filter knows it absent.
template <typename Row>
typename RowCache<Row>::Item& cached_item(CachedTable<Row>& table, const std::string& key,
                                          std::uint64_t unit) {
    if (auto* item = table.cache.find_item(key, unit)) {
        return *item;
    }
    if (!may_be_stored(table, key)) {
        return table.cache.remember(key, std::nullopt, unit);
    }
    StatementUse use(table.select);
    bind_key(*use, key, RowTraits<Row>::kKeys.size());
    std::optional<Row> row;
    if (use->next_row()) {
        row = RowTraits<Row>::read(*use);
    }
    return table.cache.remember(key, std::move(row), unit);
}

/// The row for `key`, lent from the cache; null when the table has none.
template <typename Row>
const Row* cached_row(CachedTable<Row>& table, const std::string& key, std::uint64_t unit) {
    auto& row = cached_item(table, key, unit).entry().row;
    return row ? &*row : nullptr;
}

/// The row for `key`, lent for changing in place (`if_absent` when the table has none); it is
/// written when the unit commits.
template <typename Row>
Row& edited_row(CachedTable<Row>& table, const std::string& key, std::uint64_t unit,
                Row if_absent) {
    return table.cache.edit(cached_item(table, key, unit), std::move(if_absent));
}

template <typename Row>
void flush_table(CachedTable<Row>& table) {
    table.cache.flush_dirty([&table](std::string_view key, const Row& row, Stored stored) {
        if (stored != Stored::yes && table.stored_keys) {
            table.stored_keys->add(key);
        }
        StatementUse use(table.write_for(stored));
        const int next = bind_key(*use, key, RowTraits<Row>::kKeys.size());
        RowTraits<Row>::bind(*use, next, row);
        // An UPDATE that finds nothing would lose the row without a word.
        if (use->run() != 1) {
            throw SQLite::Exception(fmt::format("{}: a row the cache took for stored is not there",
                                                RowTraits<Row>::kTable));
        }
    });
}

/// Writes the dirty flow owner lists: each flow's rows are replaced by its list.
void flush_owners(SqliteStore::State& s);

struct SqliteStore::State {
    explicit State(SQLite::Database database, const SqliteStoreOptions& store_options);

    /// Fills `key` with the encoded parts.
    template <typename... Parts>
    const std::string& make_key(const Parts&... parts) {
        key.clear();
        (append_part(parts), ...);
        return key;
    }
    void append_part(std::string_view part) { CacheKey::append(key, part); }

    SQLite::Database db;
    SqliteStoreOptions options;
    std::string key;         ///< Scratch space for cache keys, reused to avoid allocations.
    std::uint64_t unit = 1;  ///< Counts units; the caches use it to find rows not used lately.
    bool in_unit = false;

    CachedTable<TenantBaseline> tenants;
    CachedTable<UserBaseline> users;
    CachedTable<ScopeConnectorBaseline> scope_connectors;
    CachedTable<EnvironmentBaseline> environments;
    CachedTable<FlowState> flows;
    /// A flow's owners, sorted by user; flushed by deleting the flow's rows and inserting these.
    RowCache<std::vector<FlowOwner>> owners;
    ReusableStatement select_owners;
    ReusableStatement delete_owners;
    ReusableStatement insert_owner;
    ReusableStatement select_owner_flows;
    ReusableStatement count_owners;
    /// The keys of the flows that have owners, in the table or put in the open unit: most flows
    /// have none, and this answers so without a lookup. Built as the tables' key filters are.
    std::optional<KeyFilter> owner_flows;

    ReusableStatement begin;
    ReusableStatement commit;
    ReusableStatement rollback;
    ReusableStatement mark_seen;
    ReusableStatement prune_seen;

    ReusableStatement insert_alert;
    ReusableStatement recent_alerts;
    ReusableStatement emitted_alerts_after;
    ReusableStatement alert_counts;

    ReusableStatement select_cursor;
    ReusableStatement upsert_cursor;
    ReusableStatement select_content;
    ReusableStatement insert_content;
    ReusableStatement prune_content;
    ReusableStatement newest_content;
    ReusableStatement select_subscription;
    ReusableStatement upsert_subscription;
    ReusableStatement insert_gap;
    ReusableStatement select_gaps;
    ReusableStatement select_delivery;
    ReusableStatement upsert_delivery;
};

template <typename Body>
auto SqliteStore::guarded(std::string_view operation, Body&& body) -> decltype(body()) {
    try {
        return body();
    } catch (const SQLite::Exception& e) {
        throw StorageFailure(fmt::format("{} in {}: {}", operation, path_.string(), e.what()));
    } catch (const nlohmann::json::exception& e) {
        throw StorageFailure(fmt::format("{} in {}: unreadable stored JSON: {}", operation,
                                         path_.string(), e.what()));
    }
}

template <typename Write>
void SqliteStore::write_in_unit(std::string_view operation, Write&& write) {
    if (state_->in_unit) {
        guarded(operation, write);
        return;
    }
    // A write outside any unit is its own unit.
    begin_unit();
    try {
        guarded(operation, write);
        commit_unit();
    } catch (...) {
        rollback_unit();
        throw;
    }
}

}  // namespace flowwatch::storage
