#include "agent/unit_committer.h"

#include <cstddef>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <simdjson.h>

#include "core/connector.h"
#include "core/record_reader.h"
#include "core/scenario.h"
#include "storage/sqlite_store.h"
#include "tests/support/scratch_folder.h"

namespace flowwatch::agent {
namespace {

/// A 40-day all-Power-Automate tenant with every trigger planted, as chunks of 16 records.
struct Tenant {
    Tenant() {
        ScenarioOptions options;
        options.seed = 11;
        options.days = 40;
        options.users = 400;
        options.other_workload_ratio = 0;
        const Scenario scenario = generate_scenario(options);
        attacks = scenario.attacks.size();
        duplicates = scenario.totals.duplicates;
        for (const auto& user : scenario.authorized_users) {
            policy.authorized_users.insert(user);
        }
        for (const auto& name : scenario_blocked_connectors()) {
            policy.blocked_connectors.insert(connector_key(name));
        }
        RecordReader reader;
        Chunk pending;
        for (const auto& blob : scenario.blobs) {
            const simdjson::padded_string text(blob.array_text());
            reader.read_json(
                text, blob.content_id,
                [&](FlowRecord&& record) {
                    pending.push_back(std::move(record));
                    if (pending.size() == 16) {
                        chunks.push_back(std::move(pending));
                        pending = Chunk();
                    }
                },
                [](const ReadDiagnostic& d) { FAIL(d.to_string()); });
            records += blob.flow_records();
        }
        chunks.push_back(std::move(pending));
    }

    DetectionPolicy policy;
    std::vector<Chunk> chunks;
    std::size_t records = 0;
    std::size_t attacks = 0;
    std::size_t duplicates = 0;  ///< Records the tenant delivers twice, as the API does.
};

const Tenant& tenant() {
    static const Tenant built;
    return built;
}

struct Run {
    std::string alerts;
    PipelineCounts counts;
    std::size_t units = 0;
};

/// Replays the tenant through a committer into `store`. A committer does nothing after a
/// failure, so one check at the end covers every chunk.
Run replay_into(Store& store, std::size_t unit_records) {
    std::ostringstream alerts;
    UnitCommitter committer(store, tenant().policy, unit_records, alerts);
    for (const auto& chunk : tenant().chunks) {
        committer.add(chunk);
    }
    committer.finish();
    REQUIRE_FALSE(committer.failure().has_value());
    return Run{alerts.str(), committer.counts(), committer.units()};
}

std::unique_ptr<storage::SqliteStore> open_store(const test::ScratchFolder& folder,
                                                 std::size_t cache_rows) {
    auto store = storage::SqliteStore::open(folder / "flowwatch.db",
                                            storage::SqliteStoreOptions{.cache_rows = cache_rows});
    REQUIRE(store.has_value());
    return std::move(*store);
}

/// Replays the tenant into a fresh SQLite database.
Run replay(std::size_t unit_records, std::size_t cache_rows) {
    const test::ScratchFolder folder;
    return replay_into(*open_store(folder, cache_rows), unit_records);
}

}  // namespace

TEST_CASE("a unit ends at its record count, and the last one at finish") {
    const auto& t = tenant();
    REQUIRE(t.records > 512);
    const Run run = replay(128, 1'000'000);

    // Units end once a chunk brings them to 128 records or more: 8 chunks of 16 each.
    CHECK(run.units == (t.records + 127) / 128);
    CHECK(run.counts.flow_records == t.records);
    CHECK(run.counts.evaluated == t.records - t.duplicates);
}

TEST_CASE("units that end because the store's caches are full alert as one large unit does") {
    const auto& t = tenant();
    const Run whole = replay(1 << 20, 1'000'000);
    const Run cut = replay(1 << 20, 16);

    REQUIRE(whole.units == 1);
    // 16 rows hold far fewer than the tenant's flows, so units end long before 2^20 records.
    CHECK(cut.units > 1);
    CHECK(cut.counts.evaluated == whole.counts.evaluated);
    CHECK(cut.counts.alerts_by_trigger == whole.counts.alerts_by_trigger);
    CHECK(whole.counts.alerts_emitted >= t.attacks);
    CHECK(cut.alerts == whole.alerts);
}

TEST_CASE("the same records committed again emit nothing new") {
    const test::ScratchFolder folder;
    const auto store = open_store(folder, 16);
    const Run first = replay_into(*store, 128);
    const Run again = replay_into(*store, 128);

    CHECK_FALSE(first.alerts.empty());
    CHECK(again.alerts.empty());
    CHECK(again.counts.duplicates == tenant().records);
    CHECK(again.counts.evaluated == 0);
}

}  // namespace flowwatch::agent
