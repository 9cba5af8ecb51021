#include "storage/sqlite_store.h"

#include <algorithm>
#include <system_error>
#include <utility>

#include <fmt/format.h>
#include <sqlite3.h>

#include "storage/schema.h"
#include "storage/sqlite_store_state.h"

namespace flowwatch::storage {

namespace {

/// The page size of a database this store creates.
constexpr int kPageSize = 16 * 1024;

/// Applies `step` to every cache of the state.
template <typename Step>
void for_each_cache(SqliteStore::State& s, Step&& step) {
    step(s.tenants.cache);
    step(s.users.cache);
    step(s.scope_connectors.cache);
    step(s.environments.cache);
    step(s.flows.cache);
    step(s.owners);
}

}  // namespace

Result<std::unique_ptr<SqliteStore>> SqliteStore::open(const std::filesystem::path& path,
                                                       const SqliteStoreOptions& options) {
    std::error_code error;
    if (path.has_parent_path()) {
        std::filesystem::create_directories(path.parent_path(), error);
    }
    if (error) {
        return fail(fmt::format("open database {}: cannot create its directory: {}", path.string(),
                                error.message()));
    }

    // SQLite counts the memory it allocates under a global mutex; nothing here reads the count.
    // Only a call before SQLite's first use takes effect, and a later one fails harmlessly.
    static const bool untracked = sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0) == SQLITE_OK;
    static_cast<void>(untracked);

    try {
        // One thread at a time uses a store (see the header), so its connection needs no mutex.
        SQLite::Database db(path,
                            SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE | SQLite::OPEN_NOMUTEX,
                            static_cast<int>(options.busy_timeout.count()));
        // Pages of 16 KiB: the text-keyed baseline B-trees are shallower and a commit writes
        // fewer pages than with 4 KiB (an all-Power-Automate replay takes about a tenth less
        // time). Only a new file takes it; an existing one keeps the size it was made with.
        db.exec(fmt::format("PRAGMA page_size = {}", kPageSize));
        // WAL lets a status reader run beside the writer; NORMAL is durable at every checkpoint
        // and loses at most the last commits on power loss, which re-polling recovers.
        db.exec("PRAGMA journal_mode = WAL");
        db.exec("PRAGMA synchronous = NORMAL");
        db.exec("PRAGMA foreign_keys = ON");
        // Fewer, larger checkpoints: hot baseline pages are copied back about once every 32 MB
        // of WAL, not at every 4 MB.
        db.exec(fmt::format("PRAGMA wal_autocheckpoint = {}", (32 << 20) / kPageSize));
        db.exec(fmt::format("PRAGMA cache_size = -{}", options.page_cache_kib));
        auto migrated = migrate(db, schema_migrations(), path.string());
        if (!migrated) {
            return std::unexpected(migrated.error());
        }
        auto state = std::make_unique<State>(std::move(db), options);
        return std::unique_ptr<SqliteStore>(new SqliteStore(path, std::move(state)));
    } catch (const SQLite::Exception& e) {
        return fail(fmt::format("open database {}: {}", path.string(), e.what()));
    }
}

SqliteStore::SqliteStore(std::filesystem::path path, std::unique_ptr<State> state)
    : path_(std::move(path)), state_(std::move(state)) {}

SqliteStore::~SqliteStore() {
    if (state_ && state_->in_unit) {
        rollback_unit();
    }
}

std::size_t SqliteStore::cached_rows() const {
    std::size_t rows = 0;
    for_each_cache(*state_, [&rows](const auto& cache) { rows += cache.size(); });
    return rows;
}

void SqliteStore::require_unit() const {
    if (!state_->in_unit) {
        throw SQLite::Exception("no unit is open");
    }
}

void SqliteStore::begin_unit() {
    guarded("begin unit", [this] {
        if (state_->in_unit) {
            throw SQLite::Exception("a unit is already open");
        }
        StatementUse(state_->begin)->run();
        state_->in_unit = true;
    });
}

void SqliteStore::commit_unit() {
    guarded("commit unit", [this] {
        State& s = *state_;
        if (!s.in_unit) {
            throw SQLite::Exception("no unit is open");
        }
        // TODO: this flush is about a quarter of the evaluating thread's time in an
        // all-Power-Automate replay, encoding the rows half of it; writing them on another
        // thread pays only once encoding is cheaper.
        flush_table(s.tenants);
        flush_table(s.users);
        flush_table(s.scope_connectors);
        flush_table(s.environments);
        flush_table(s.flows);
        flush_owners(s);
        StatementUse(s.commit)->run();

        // Only now is the database what the caches say; a failure above leaves them dirty for
        // rollback_unit to drop.
        s.in_unit = false;
        for_each_cache(s, [&s](auto& cache) {
            cache.mark_clean();
            cache.trim(s.options.cache_rows, s.unit);
        });
        ++s.unit;
    });
}

bool SqliteStore::unit_full() const {
    const std::size_t limit = state_->options.cache_rows;
    bool full = false;
    for_each_cache(
        *state_, [limit, &full](const auto& cache) { full = full || cache.dirty_rows() >= limit; });
    return full;
}

void SqliteStore::rollback_unit() {
    State& s = *state_;
    for_each_cache(s, [](auto& cache) { cache.drop_dirty(); });
    s.in_unit = false;
    ++s.unit;
    try {
        if (sqlite3_get_autocommit(s.db.getHandle()) == 0) {
            StatementUse(s.rollback)->run();
        }
    } catch (const SQLite::Exception&) {
        // SQLite has already rolled the transaction back after the errors that make ROLLBACK
        // fail; a still-open one would make the next begin_unit fail loudly.
    }
}

}  // namespace flowwatch::storage
