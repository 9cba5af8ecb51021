#pragma once
/// The persistent store of the agent on one SQLite file: baselines, exactly-once bookkeeping,
/// alerts, API polling state and output delivery state.
///
/// Baseline rows go through a write-back cache: reads hit memory after the first and lend the
/// cached row, writes and edits in place stay in memory until commit_unit flushes them with
/// prepared INSERTs or UPDATEs in the unit's transaction, and rollback_unit forgets them. A row
/// the cache has never seen is first looked up in a Bloom filter of the table's keys, so a new
/// row costs no query. Everything else is written straight into the open transaction.
///
/// Not thread-safe: one SqliteStore is used from one thread at a time. Another thread that needs
/// the database (a status endpoint, say) opens its own SqliteStore on the same file; WAL lets it
/// read while the pipeline writes. Only one SqliteStore per file may use baselines: each caches
/// them and keeps a filter of the keys each table holds, and neither sees another connection's
/// writes. (The other stores read alerts, API and delivery state, which are not cached.)
///
/// The interface methods return plain values, so a SQLite failure in them throws StorageFailure
/// (storage/storage_failure.h) with the operation and the file in its message. The methods this
/// class adds return Result instead.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/api_state.h"
#include "core/delivery_state.h"
#include "core/error.h"
#include "core/store.h"
#include "storage/alert_count.h"

namespace flowwatch::storage {

struct SqliteStoreOptions {
    /// Rows each baseline cache keeps between units; beyond it, clean rows are evicted. A unit
    /// is full (unit_full) once one cache holds as many rows written in it.
    std::size_t cache_rows = 150'000;
    std::chrono::milliseconds busy_timeout{5000};
    /// SQLite's own page cache; random record ids make the seen-record index want a large one.
    int page_cache_kib = 32 * 1024;
};

class SqliteStore final : public Store, public ApiStateStore, public DeliveryStateStore {
  public:
    /// Opens (creating the file and its parent directory if missing) and migrates the database.
    static Result<std::unique_ptr<SqliteStore>> open(const std::filesystem::path& path,
                                                     const SqliteStoreOptions& options = {});

    ~SqliteStore() override;
    SqliteStore(const SqliteStore&) = delete;
    SqliteStore& operator=(const SqliteStore&) = delete;

    const std::filesystem::path& path() const { return path_; }

    // BaselineStore
    void prefetch(std::string_view tenant, std::string_view user, std::string_view flow_id,
                  PrefetchStep step) override;
    const TenantBaseline* find_tenant(std::string_view tenant) override;
    void put_tenant(std::string_view tenant, TenantBaseline row) override;
    TenantBaseline& edit_tenant(std::string_view tenant, TenantBaseline if_absent) override;
    const UserBaseline* find_user(std::string_view tenant, std::string_view user) override;
    void put_user(std::string_view tenant, std::string_view user, UserBaseline row) override;
    UserBaseline& edit_user(std::string_view tenant, std::string_view user,
                            UserBaseline if_absent) override;
    const ScopeConnectorBaseline* find_scope_connector(std::string_view tenant,
                                                       std::string_view scope,
                                                       std::string_view connector) override;
    void put_scope_connector(std::string_view tenant, std::string_view scope,
                             std::string_view connector, ScopeConnectorBaseline row) override;
    ScopeConnectorBaseline& edit_scope_connector(std::string_view tenant, std::string_view scope,
                                                 std::string_view connector,
                                                 ScopeConnectorBaseline if_absent) override;
    const EnvironmentBaseline* find_environment(std::string_view tenant,
                                                std::string_view environment) override;
    void put_environment(std::string_view tenant, std::string_view environment,
                         EnvironmentBaseline row) override;
    EnvironmentBaseline& edit_environment(std::string_view tenant, std::string_view environment,
                                          EnvironmentBaseline if_absent) override;
    const FlowState* find_flow(std::string_view tenant, std::string_view flow_id) override;
    void put_flow(std::string_view tenant, std::string_view flow_id, FlowState row) override;
    FlowState& edit_flow(std::string_view tenant, std::string_view flow_id,
                         FlowState if_absent) override;
    std::vector<FlowOwner> flow_owners(std::string_view tenant, std::string_view flow_id) override;
    void put_flow_owner(std::string_view tenant, std::string_view flow_id,
                        const FlowOwner& owner) override;
    void remove_flow_owner(std::string_view tenant, std::string_view flow_id,
                           std::string_view user) override;

    // Store
    void begin_unit() override;
    void commit_unit() override;
    bool unit_full() const override;
    /// Never throws: it runs on failure paths. The cache is put right whatever SQLite says.
    void rollback_unit() override;
    bool mark_record_seen(std::string_view tenant, std::string_view record_id,
                          Timestamp time) override;
    bool insert_alert(const Alert& alert, bool emitted) override;
    std::vector<StoredAlert> recent_alerts(std::int64_t after_sequence, std::size_t limit) override;

    // ApiStateStore
    std::optional<Timestamp> cursor(std::string_view tenant,
                                    std::string_view content_type) override;
    void put_cursor(std::string_view tenant, std::string_view content_type,
                    Timestamp window_end) override;
    bool content_committed(std::string_view tenant, std::string_view content_id) override;
    void mark_content_committed(std::string_view tenant, std::string_view content_type,
                                std::string_view content_id, Timestamp content_created) override;
    void prune_committed_content(std::string_view tenant, Timestamp before) override;
    std::optional<Timestamp> newest_committed_content(std::string_view tenant) override;
    std::optional<Timestamp> last_subscription_start(std::string_view tenant,
                                                     std::string_view content_type) override;
    void put_subscription_start(std::string_view tenant, std::string_view content_type,
                                Timestamp at) override;
    void record_gap(const ContentGap& gap) override;
    std::vector<ContentGap> gaps(std::string_view tenant) override;

    // DeliveryStateStore
    std::int64_t delivered_through(std::string_view output) override;
    void put_delivered_through(std::string_view output, std::int64_t sequence) override;
    std::vector<StoredAlert> emitted_alerts_after(std::int64_t after_sequence,
                                                  std::size_t limit) override;

    // Read helpers and upkeep.
    /// Stored alerts counted per tenant, trigger and severity (no zero rows), ordered by them.
    Result<std::vector<AlertCount>> alert_counts();
    /// The schema version the file is at (kSchemaVersion once open).
    Result<int> schema_version();
    /// Forgets seen record ids with event time before `before`; returns how many. Only safe for
    /// times older than any record the API can still deliver. The ids are kept in time order,
    /// so this reads only what it deletes.
    Result<std::int64_t> prune_seen_records(Timestamp before);
    /// Rows held by the baseline caches (for tests and the status endpoint).
    std::size_t cached_rows() const;

    /// The connection, statements and caches; opaque outside storage/.
    struct State;

  private:
    SqliteStore(std::filesystem::path path, std::unique_ptr<State> state);

    template <typename Body>
    auto guarded(std::string_view operation, Body&& body) -> decltype(body());
    /// Runs `write` in the open unit, or in a unit of its own when none is open.
    template <typename Write>
    void write_in_unit(std::string_view operation, Write&& write);
    /// Throws SQLite::Exception (for guarded to wrap) when no unit is open.
    void require_unit() const;

    std::filesystem::path path_;
    std::unique_ptr<State> state_;
};

}  // namespace flowwatch::storage
