#include "storage/schema.h"

#include <chrono>
#include <cstdint>
#include <string>

#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>
#include <fmt/format.h>

#include "core/store.h"

namespace flowwatch::storage {

namespace {

// Version 1: every table the agent needs. Times are integer milliseconds since the epoch;
// WITHOUT ROWID where the primary key is the only way a row is found.
constexpr const char* kMigration1 = R"sql(
CREATE TABLE tenant_baseline (
    tenant TEXT NOT NULL PRIMARY KEY,
    first_event_ms INTEGER NOT NULL, last_event_ms INTEGER NOT NULL,
    records INTEGER NOT NULL, makers INTEGER NOT NULL,
    creations INTEGER NOT NULL, edits INTEGER NOT NULL, deletions INTEGER NOT NULL,
    permission_changes INTEGER NOT NULL, active_buckets INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE user_baseline (
    tenant TEXT NOT NULL, user TEXT NOT NULL,
    first_seen_ms INTEGER NOT NULL, last_seen_ms INTEGER NOT NULL,
    events INTEGER NOT NULL, flows_created INTEGER NOT NULL, is_maker INTEGER NOT NULL,
    creations INTEGER NOT NULL, edits INTEGER NOT NULL, deletions INTEGER NOT NULL,
    permission_changes INTEGER NOT NULL, active_buckets INTEGER NOT NULL,
    creation_burst_ms INTEGER NOT NULL, edit_burst_ms INTEGER NOT NULL,
    deletion_burst_ms INTEGER NOT NULL, permission_burst_ms INTEGER NOT NULL,
    PRIMARY KEY (tenant, user)
) WITHOUT ROWID;
CREATE TABLE user_connector (
    tenant TEXT NOT NULL, user TEXT NOT NULL, connector TEXT NOT NULL, display TEXT NOT NULL,
    first_seen_ms INTEGER NOT NULL, last_seen_ms INTEGER NOT NULL,
    flows INTEGER NOT NULL, events INTEGER NOT NULL,
    PRIMARY KEY (tenant, user, connector)
) WITHOUT ROWID;
CREATE TABLE scope_connector (
    tenant TEXT NOT NULL, scope TEXT NOT NULL, connector TEXT NOT NULL, display TEXT NOT NULL,
    first_seen_ms INTEGER NOT NULL, last_seen_ms INTEGER NOT NULL,
    makers INTEGER NOT NULL, flows INTEGER NOT NULL,
    PRIMARY KEY (tenant, scope, connector)
) WITHOUT ROWID;
CREATE TABLE environment (
    tenant TEXT NOT NULL, environment TEXT NOT NULL,
    first_seen_ms INTEGER NOT NULL, last_seen_ms INTEGER NOT NULL,
    makers INTEGER NOT NULL, flows INTEGER NOT NULL,
    PRIMARY KEY (tenant, environment)
) WITHOUT ROWID;
CREATE TABLE flow (
    tenant TEXT NOT NULL, flow_id TEXT NOT NULL,
    environment TEXT NOT NULL, creator TEXT NOT NULL, creator_certain INTEGER NOT NULL,
    created_ms INTEGER NOT NULL,
    connectors TEXT NOT NULL,  -- JSON: [[key, display], ...]
    last_actor TEXT NOT NULL, last_event_ms INTEGER NOT NULL, deleted INTEGER NOT NULL,
    PRIMARY KEY (tenant, flow_id)
);
CREATE TABLE flow_owner (
    tenant TEXT NOT NULL, flow_id TEXT NOT NULL, user TEXT NOT NULL,
    permission INTEGER NOT NULL, granted_by TEXT NOT NULL, granted_at_ms INTEGER NOT NULL,
    by_admin INTEGER NOT NULL,
    PRIMARY KEY (tenant, flow_id, user)
) WITHOUT ROWID;
CREATE TABLE activity (
    tenant TEXT NOT NULL, user TEXT NOT NULL, bucket_start_ms INTEGER NOT NULL,
    creations INTEGER NOT NULL, edits INTEGER NOT NULL, deletions INTEGER NOT NULL,
    permission_changes INTEGER NOT NULL,
    PRIMARY KEY (tenant, user, bucket_start_ms)
) WITHOUT ROWID;
CREATE TABLE environment_maker (
    tenant TEXT NOT NULL, environment TEXT NOT NULL, user TEXT NOT NULL,
    PRIMARY KEY (tenant, environment, user)
) WITHOUT ROWID;
CREATE TABLE environment_connector_maker (
    tenant TEXT NOT NULL, environment TEXT NOT NULL, connector TEXT NOT NULL, user TEXT NOT NULL,
    PRIMARY KEY (tenant, environment, connector, user)
) WITHOUT ROWID;
CREATE TABLE flow_connector (
    tenant TEXT NOT NULL, flow_id TEXT NOT NULL, connector TEXT NOT NULL,
    PRIMARY KEY (tenant, flow_id, connector)
) WITHOUT ROWID;
CREATE TABLE seen_record (
    tenant TEXT NOT NULL, record_id TEXT NOT NULL, time_ms INTEGER NOT NULL,
    PRIMARY KEY (tenant, record_id)
) WITHOUT ROWID;
CREATE TABLE alert (
    sequence INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    tenant TEXT NOT NULL, trigger_name TEXT NOT NULL, severity TEXT NOT NULL,
    time_ms INTEGER NOT NULL, emitted INTEGER NOT NULL,
    body TEXT NOT NULL  -- the alert's JSON, as written to outputs
);
CREATE INDEX alert_emitted ON alert (emitted, sequence);
CREATE INDEX alert_tenant ON alert (tenant, trigger_name, severity);
CREATE TABLE api_cursor (
    tenant TEXT NOT NULL, content_type TEXT NOT NULL, window_end_ms INTEGER NOT NULL,
    PRIMARY KEY (tenant, content_type)
) WITHOUT ROWID;
CREATE TABLE committed_content (
    tenant TEXT NOT NULL, content_id TEXT NOT NULL, content_type TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    PRIMARY KEY (tenant, content_id)
) WITHOUT ROWID;
CREATE TABLE subscription_start (
    tenant TEXT NOT NULL, content_type TEXT NOT NULL, started_ms INTEGER NOT NULL,
    PRIMARY KEY (tenant, content_type)
) WITHOUT ROWID;
CREATE TABLE content_gap (
    id INTEGER PRIMARY KEY,
    tenant TEXT NOT NULL, content_type TEXT NOT NULL, content_id TEXT NOT NULL,
    window_start_ms INTEGER NOT NULL, window_end_ms INTEGER NOT NULL,
    reason TEXT NOT NULL, recorded_at_ms INTEGER NOT NULL
);
CREATE INDEX content_gap_tenant ON content_gap (tenant, id);
CREATE TABLE output_delivery (
    output TEXT NOT NULL PRIMARY KEY, delivered_through INTEGER NOT NULL
) WITHOUT ROWID;
)sql";

// Version 2: the three "seen before?" sets move into the rows they belong to, so learning a
// record writes the rows it changes and nothing else. Each list is a JSON array of strings.
constexpr const char* kMigration2 = R"sql(
ALTER TABLE user_baseline ADD COLUMN environments TEXT NOT NULL DEFAULT '[]';
ALTER TABLE user_connector ADD COLUMN environments TEXT NOT NULL DEFAULT '[]';
ALTER TABLE flow ADD COLUMN connector_history TEXT NOT NULL DEFAULT '[]';
UPDATE user_baseline SET environments = (
    SELECT json_group_array(environment) FROM (
        SELECT environment FROM environment_maker m
        WHERE m.tenant = user_baseline.tenant AND m.user = user_baseline.user
          AND m.environment <> ''
        ORDER BY environment));
UPDATE user_connector SET environments = (
    SELECT json_group_array(environment) FROM (
        SELECT environment FROM environment_connector_maker m
        WHERE m.tenant = user_connector.tenant AND m.user = user_connector.user
          AND m.connector = user_connector.connector AND m.environment <> ''
        ORDER BY environment));
UPDATE flow SET connector_history = (
    SELECT json_group_array(connector) FROM (
        SELECT connector FROM flow_connector m
        WHERE m.tenant = flow.tenant AND m.flow_id = flow.flow_id
        ORDER BY connector));
DROP TABLE environment_maker;
DROP TABLE environment_connector_maker;
DROP TABLE flow_connector;
)sql";

// Version 3: seen record ids are kept in event-time order, so marking a record writes near the
// end of the index rather than at a random page, and forgetting old ids is a range delete. The
// API repeats a record with its id and its time unchanged. A flow is found by its key alone, so
// its table loses the rowid it never used.
constexpr const char* kMigration3 = R"sql(
CREATE TABLE seen_record_v3 (
    time_ms INTEGER NOT NULL, tenant TEXT NOT NULL, record_id TEXT NOT NULL,
    PRIMARY KEY (time_ms, tenant, record_id)
) WITHOUT ROWID;
INSERT INTO seen_record_v3 (time_ms, tenant, record_id)
    SELECT time_ms, tenant, record_id FROM seen_record;
DROP TABLE seen_record;
ALTER TABLE seen_record_v3 RENAME TO seen_record;
CREATE TABLE flow_v3 (
    tenant TEXT NOT NULL, flow_id TEXT NOT NULL,
    environment TEXT NOT NULL, creator TEXT NOT NULL, creator_certain INTEGER NOT NULL,
    created_ms INTEGER NOT NULL,
    connectors TEXT NOT NULL,  -- JSON: [[key, display], ...]
    last_actor TEXT NOT NULL, last_event_ms INTEGER NOT NULL, deleted INTEGER NOT NULL,
    connector_history TEXT NOT NULL,  -- JSON: [key, ...]
    PRIMARY KEY (tenant, flow_id)
) WITHOUT ROWID;
INSERT INTO flow_v3 SELECT tenant, flow_id, environment, creator, creator_certain, created_ms,
    connectors, last_actor, last_event_ms, deleted, connector_history FROM flow;
DROP TABLE flow;
ALTER TABLE flow_v3 RENAME TO flow;
)sql";

// Version 4: a user's activity buckets move into their baseline row, as far back as the detection
// reads them (a day behind the newest); the table that kept every bucket ever goes. Learning a
// record then writes one row for the user, not two.
constexpr const char* kMigration4 = R"sql(
ALTER TABLE user_baseline ADD COLUMN recent_activity TEXT NOT NULL DEFAULT '[]';
UPDATE user_baseline SET recent_activity = (
    SELECT json_group_array(json_array(bucket_start_ms, creations, edits, deletions,
                                       permission_changes)) FROM (
        SELECT * FROM activity a
        WHERE a.tenant = user_baseline.tenant AND a.user = user_baseline.user
          AND a.bucket_start_ms > (
              SELECT MAX(bucket_start_ms) FROM activity b
              WHERE b.tenant = a.tenant AND b.user = a.user) - 86400000
        ORDER BY bucket_start_ms));
DROP TABLE activity;
)sql";

// Version 5: a user's connectors move into their baseline row too, since they are only ever
// read with it; a view of the same name and columns keeps the old table's rows queryable.
constexpr const char* kMigration5 = R"sql(
ALTER TABLE user_baseline ADD COLUMN connectors TEXT NOT NULL DEFAULT '[]';
UPDATE user_baseline SET connectors = (
    SELECT json_group_array(json_array(connector, display, first_seen_ms, last_seen_ms, flows,
                                       events, json(environments))) FROM (
        SELECT * FROM user_connector c
        WHERE c.tenant = user_baseline.tenant AND c.user = user_baseline.user
        ORDER BY first_seen_ms, connector));
DROP TABLE user_connector;
CREATE VIEW user_connector (tenant, user, connector, display, first_seen_ms, last_seen_ms, flows,
                            events, environments) AS
    SELECT u.tenant, u.user, json_extract(c.value, '$[0]'), json_extract(c.value, '$[1]'),
           json_extract(c.value, '$[2]'), json_extract(c.value, '$[3]'),
           json_extract(c.value, '$[4]'), json_extract(c.value, '$[5]'),
           json(json_extract(c.value, '$[6]'))
    FROM user_baseline u, json_each(u.connectors) c;
)sql";

static_assert(kActivityHorizonMillis == 86'400'000, "migration 4 keeps the horizon's buckets");

constexpr Migration kMigrations[] = {
    {1, kMigration1}, {2, kMigration2}, {3, kMigration3}, {4, kMigration4}, {5, kMigration5}};
static_assert(std::size(kMigrations) == kSchemaVersion);

constexpr const char* kCreateVersionTable =
    "CREATE TABLE IF NOT EXISTS schema_version ("
    " version INTEGER NOT NULL PRIMARY KEY, applied_at_ms INTEGER NOT NULL)";

int read_version(SQLite::Database& db) {
    if (!db.tableExists("schema_version")) {
        return 0;
    }
    return db.execAndGet("SELECT COALESCE(MAX(version), 0) FROM schema_version").getInt();
}

void apply_one(SQLite::Database& db, const Migration& migration) {
    db.exec(migration.sql);
    SQLite::Statement record(db,
                             "INSERT INTO schema_version (version, applied_at_ms) VALUES (?, ?)");
    const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::system_clock::now().time_since_epoch());
    record.bind(1, migration.version);
    record.bind(2, static_cast<std::int64_t>(now.count()));
    record.exec();
}

}  // namespace

std::span<const Migration> schema_migrations() {
    return kMigrations;
}

Result<int> schema_version(SQLite::Database& db, std::string_view target) {
    try {
        return read_version(db);
    } catch (const SQLite::Exception& e) {
        return fail(fmt::format("read schema version of {}: {}", target, e.what()));
    }
}

Result<int> migrate(SQLite::Database& db, std::span<const Migration> migrations,
                    std::string_view target) {
    const int latest = migrations.empty() ? 0 : migrations.back().version;
    int step = 0;
    try {
        // An up-to-date file needs no write lock, so a reader can open it while a unit is open.
        if (read_version(db) == latest) {
            return latest;
        }

        // IMMEDIATE: two agents opening one new file must not both create the tables.
        SQLite::Transaction transaction(db, SQLite::TransactionBehavior::IMMEDIATE);
        db.exec(kCreateVersionTable);
        const int current = read_version(db);
        if (current > latest) {
            return fail(fmt::format("open database {}: its schema version {} is newer than this "
                                    "flowwatch understands ({}); use a newer flowwatch or another "
                                    "database",
                                    target, current, latest),
                        "schema_too_new");
        }
        for (const Migration& migration : migrations) {
            if (migration.version > current) {
                step = migration.version;
                apply_one(db, migration);
            }
        }
        transaction.commit();
        return latest;
    } catch (const SQLite::Exception& e) {
        return fail(
            fmt::format("migrate database {} to schema version {}: {}", target, step, e.what()));
    }
}

}  // namespace flowwatch::storage
