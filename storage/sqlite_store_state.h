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
#include "storage/row_cache.h"
#include "storage/sqlite_store.h"
#include "storage/statement.h"
#include "storage/storage_failure.h"

namespace flowwatch::storage {

/// One baseline table: its cache and the two statements that fill and flush it.
template <typename Row>
struct CachedTable {
    explicit CachedTable(SQLite::Database& db)
        : select(db, select_sql<Row>().c_str()), upsert(db, upsert_sql<Row>().c_str()) {}

    RowCache<Row> cache;
    ReusableStatement select;
    ReusableStatement upsert;
};

/// Binds the first `parts` parts of a cache key as parameters 1..n; returns the next free index.
inline int bind_key(ReusableStatement& statement, std::string_view key, std::size_t parts) {
    CacheKey reader(key);
    int index = 1;
    for (std::size_t i = 0; i < parts; ++i, ++index) {
        statement.bind(index, reader.next());
    }
    return index;
}

/// Reads the row for `key`: from the cache, else from the table (and caches it,
/// a miss included, so the next read of an absent row costs no query).
template <typename Row>
std::optional<Row> cached_row(CachedTable<Row>& table, const std::string& key, std::uint64_t unit) {
    if (auto* entry = table.cache.find(key, unit)) {
        return entry->row;
    }
    StatementUse use(table.select);
    bind_key(*use, key, RowTraits<Row>::kKeys.size());
    std::optional<Row> row;
    if (use->next_row()) {
        row = RowTraits<Row>::read(*use);
    }
    table.cache.remember(key, row, unit);
    return row;
}

template <typename Row>
void flush_table(CachedTable<Row>& table) {
    table.cache.flush_dirty([&table](std::string_view key, const Row& row) {
        StatementUse use(table.upsert);
        const int next = bind_key(*use, key, RowTraits<Row>::kKeys.size());
        RowTraits<Row>::bind(*use, next, row);
        use->run();
    });
}

/// A user's activity buckets as far back as they have been read: every stored bucket that starts
/// at or after `known_from` is in `buckets`, sorted by start; older ones may be in the table.
struct UserActivity {
    std::int64_t known_from = INT64_MAX;
    std::vector<std::pair<std::int64_t, ActivityBucket>> buckets;
    std::vector<std::int64_t> written;  ///< Starts put in the open unit, flushed at commit.

    /// The bucket at `start`, or null.
    const ActivityBucket* find(std::int64_t start) const;
    /// Adds or replaces the bucket at `start`.
    void put(std::int64_t start, const ActivityBucket& bucket);
    /// After a commit: nothing is pending, and the oldest clean buckets of a long history are
    /// forgotten (they stay in the table).
    void committed();
};

/// Buckets kept per user beyond the window; older clean ones are forgotten after a commit.
inline constexpr std::size_t kActivityBucketsKept = 64;

/// Writes the dirty flow owner lists: each flow's rows are replaced by its list.
void flush_owners(SqliteStore::State& s);
/// Writes the activity buckets written in the open unit.
void flush_activity(SqliteStore::State& s);

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
    CachedTable<UserConnectorBaseline> user_connectors;
    CachedTable<ScopeConnectorBaseline> scope_connectors;
    CachedTable<EnvironmentBaseline> environments;
    CachedTable<FlowState> flows;
    /// Activity by (tenant, user), so a burst window costs one lookup; an entry is dirty when a
    /// bucket of it was written in the open unit.
    RowCache<UserActivity> activity;
    ReusableStatement select_buckets_from;
    ReusableStatement upsert_bucket;

    /// A flow's owners, sorted by user; flushed by deleting the flow's rows and inserting these.
    RowCache<std::vector<FlowOwner>> owners;
    ReusableStatement select_owners;
    ReusableStatement delete_owners;
    ReusableStatement insert_owner;

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
