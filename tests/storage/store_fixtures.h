#pragma once
/// The two stores under the contract tests, behind one fixture shape, plus the sample rows the
/// tests write. A fixture's `reopen()` closes and re-opens the SQLite file; for the in-memory
/// store it keeps the same object (its "file" is the process).

#include <atomic>
#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include <doctest/doctest.h>

#include "core/alert.h"
#include "core/store.h"
#include "storage/sqlite_store.h"
#include "tests/support/memory_store.h"

namespace flowwatch::test {

/// A directory of its own under the system temp directory, removed with everything in it.
class TempDir {
  public:
    TempDir() {
        static std::atomic<int> counter{0};
        const auto stamp = std::chrono::steady_clock::now().time_since_epoch().count();
        path_ = std::filesystem::temp_directory_path() /
                ("flowwatch-storage-" + std::to_string(stamp) + "-" + std::to_string(++counter));
        std::filesystem::create_directories(path_);
    }
    ~TempDir() {
        std::error_code ignored;
        std::filesystem::remove_all(path_, ignored);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    const std::filesystem::path& path() const { return path_; }

  private:
    std::filesystem::path path_;
};

struct SqliteFixture {
    static constexpr const char* kName = "sqlite";

    SqliteFixture() { reopen(); }

    void reopen(storage::SqliteStoreOptions options = {}) {
        store.reset();
        auto opened = storage::SqliteStore::open(dir.path() / "flowwatch.db", options);
        REQUIRE_MESSAGE(opened.has_value(), (opened ? "" : opened.error().message));
        store = std::move(*opened);
    }

    std::vector<storage::AlertCount> alert_counts() {
        auto counts = store->alert_counts();
        REQUIRE(counts.has_value());
        return *counts;
    }
    std::int64_t prune_seen_records(Timestamp before) {
        auto pruned = store->prune_seen_records(before);
        REQUIRE(pruned.has_value());
        return *pruned;
    }

    TempDir dir;
    std::unique_ptr<storage::SqliteStore> store;
};

struct MemoryFixture {
    static constexpr const char* kName = "memory";

    void reopen() {}
    std::vector<storage::AlertCount> alert_counts() { return store->alert_counts(); }
    std::int64_t prune_seen_records(Timestamp before) { return store->prune_seen_records(before); }

    std::unique_ptr<MemoryStore> store = std::make_unique<MemoryStore>();
};

inline Timestamp at_ms(std::int64_t ms) {
    return from_millis(ms);
}

/// An alert with every field set, distinct per `n`.
inline Alert sample_alert(int n, std::string tenant = "tenant-a",
                          Trigger trigger = Trigger::unusual_connector,
                          Severity severity = Severity::high) {
    Alert alert;
    alert.id = "alert-" + std::to_string(n);
    alert.trigger = trigger;
    alert.severity = severity;
    alert.score = 70 + n % 30;
    alert.tenant = std::move(tenant);
    alert.user = "maker" + std::to_string(n) + "@contoso.example";
    alert.time = at_ms(1'741'684'492'000 + n * 1000LL);
    alert.operation = "CreateFlow";
    alert.flow_id = "flow-" + std::to_string(n);
    alert.environment = "Default-env";
    alert.client_ip = "203.0.113.7";
    alert.connectors = {"HTTP", "Office 365 Outlook"};
    alert.record_ids = {"rec-" + std::to_string(n)};
    alert.reason = "HTTP is new to this maker.";
    alert.evidence = {{"makers_using", n}};
    alert.mitre = {"T1567"};
    return alert;
}

inline TenantBaseline sample_tenant(std::int64_t n) {
    TenantBaseline row;
    row.first_event = at_ms(1000 * n);
    row.last_event = at_ms(2000 * n);
    row.records = 10 + n;
    row.makers = 3 + n;
    row.activity.events = {1 + n, 2 + n, 3 + n, 4 + n};
    row.activity.active_buckets = 5 + n;
    return row;
}

inline UserBaseline sample_user(std::int64_t n) {
    UserBaseline row;
    row.first_seen = at_ms(100 + n);
    row.last_seen = at_ms(200 + n);
    row.events = 7 + n;
    row.flows_created = 2 + n;
    row.is_maker = n % 2 == 1;
    row.activity.events = {n, n + 1, n + 2, n + 3};
    row.activity.active_buckets = 9 + n;
    row.last_burst_ms = {0, 600'000 + n, 0, 1'200'000 + n};
    row.environments = {"env-" + std::to_string(n), "Default-\"quoted\" \\ \u00e9 \x01\t"};
    row.connectors = {
        UserConnectorBaseline{"http", "HTTP", at_ms(11), at_ms(22), 3, 4 + n, {"env-a", "env-b"}},
        UserConnectorBaseline{"q\"x", "Q \\ \u00fc\n", at_ms(1), at_ms(2), 1, n, {}}};
    // A negative start (before 1970) is a valid one too.
    row.recent_activity = {{-600'000, {n, 0, 0, 1}}, {1'200'000 * n, {0, 2, n, 0}}};
    return row;
}

inline FlowState sample_flow(std::int64_t n) {
    FlowState row;
    row.environment = "env-" + std::to_string(n);
    row.creator = "creator@contoso.example";
    row.creator_certain = n % 2 == 0;
    row.created = at_ms(5000 + n);
    row.connectors = {
        {"http", "HTTP"}, {"office 365 outlook", "Office 365 Outlook"}, {"q\"x", "Q \\ \u00fc\n"}};
    row.last_actor = "editor@contoso.example";
    row.last_event = at_ms(6000 + n);
    row.deleted = n % 3 == 0;
    row.connector_history = {"http", "ftp", "office 365 outlook"};
    return row;
}

inline FlowOwner sample_owner(std::string user, int permission) {
    return FlowOwner{std::move(user), permission, "granter@contoso.example", at_ms(777),
                     permission == 2};
}

}  // namespace flowwatch::test
