// What only the SQLite store has: a file, its schema, its pragmas, its cache and its failures.

#include <fstream>
#include <string>
#include <vector>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <doctest/doctest.h>
#include <fmt/format.h>

#include "storage/schema.h"
#include "storage/storage_failure.h"
#include "tests/storage/store_fixtures.h"
#include "tests/storage/store_probe.h"

namespace flowwatch::test {

using storage::SqliteStore;

namespace {

/// A database file as a flowwatch whose schema ended at `version` left it.
SQLite::Database database_at_version(const std::filesystem::path& path, int version) {
    SQLite::Database db(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    const auto migrations = storage::schema_migrations().first(static_cast<std::size_t>(version));
    REQUIRE(storage::migrate(db, migrations, path.string()).has_value());
    return db;
}

}  // namespace

TEST_CASE("opening creates the file and its missing parent directories") {
    TempDir dir;
    const auto path = dir.path() / "a" / "b" / "flowwatch.db";
    auto store = SqliteStore::open(path);
    REQUIRE(store.has_value());
    CHECK(std::filesystem::exists(path));
    CHECK((*store)->path() == path);
}

TEST_CASE("a new database records the current schema version in its migration table") {
    TempDir dir;
    const auto path = dir.path() / "flowwatch.db";
    auto store = SqliteStore::open(path);
    REQUIRE(store.has_value());
    CHECK(*(*store)->schema_version() == storage::kSchemaVersion);

    SQLite::Database raw(path, SQLite::OPEN_READONLY);
    CHECK(raw.execAndGet("SELECT MAX(version) FROM schema_version").getInt() ==
          storage::kSchemaVersion);
    CHECK(raw.execAndGet("PRAGMA journal_mode").getString() == "wal");
    CHECK(raw.execAndGet("PRAGMA page_size").getInt() == 16384);
}

TEST_CASE("re-opening an existing database migrates nothing again and keeps its rows") {
    SqliteFixture f;
    f.store->put_tenant("t", sample_tenant(1));
    f.reopen();
    f.reopen();
    CHECK(show(f.store->tenant("t")) == show(sample_tenant(1)));
    SQLite::Database raw(f.dir.path() / "flowwatch.db", SQLite::OPEN_READONLY);
    CHECK(raw.execAndGet("SELECT COUNT(*) FROM schema_version").getInt() ==
          storage::kSchemaVersion);
}

TEST_CASE("a version 1 database moves its set tables into the rows they belong to") {
    TempDir dir;
    const auto path = dir.path() / "flowwatch.db";
    {
        SQLite::Database v1 = database_at_version(path, 1);
        v1.exec(R"sql(
            INSERT INTO user_baseline VALUES ('t', 'u1', 1, 2, 3, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0);
            INSERT INTO user_baseline VALUES ('t', 'u2', 1, 2, 3, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0);
            INSERT INTO user_connector VALUES ('t', 'u1', 'http', 'HTTP', 1, 2, 1, 1);
            INSERT INTO flow VALUES ('t', 'f1', 'env-a', 'u1', 1, 5, '[["http","HTTP"]]', 'u1', 6, 0);
            INSERT INTO environment_maker VALUES ('t', '', 'u1'), ('t', 'env-b', 'u1'),
                                                 ('t', 'env-a', 'u1'), ('x', 'env-c', 'u1');
            INSERT INTO environment_connector_maker VALUES ('t', '', 'http', 'u1'),
                                                           ('t', 'env-a', 'http', 'u1');
            INSERT INTO flow_connector VALUES ('t', 'f1', 'http'), ('t', 'f1', 'dropbox');
        )sql");
    }

    auto store = SqliteStore::open(path);
    REQUIRE(store.has_value());
    auto& s = **store;
    CHECK(*s.schema_version() == storage::kSchemaVersion);
    // The tenant scope ("") was never a real environment: it is not carried over.
    CHECK(s.user("t", "u1")->environments == std::vector<std::string>{"env-a", "env-b"});
    CHECK(s.user("t", "u2")->environments.empty());
    CHECK(s.user("t", "u1")->connector("http")->environments == std::vector<std::string>{"env-a"});
    CHECK(s.flow("t", "f1")->connector_history == std::vector<std::string>{"dropbox", "http"});
    CHECK(s.flow("t", "f1")->connectors.size() == 1);

    SQLite::Database raw(path, SQLite::OPEN_READONLY);
    // A file made before the page size was set keeps the one it was made with.
    CHECK(raw.execAndGet("PRAGMA page_size").getInt() == 4096);
    CHECK_FALSE(raw.tableExists("environment_maker"));
    CHECK_FALSE(raw.tableExists("environment_connector_maker"));
    CHECK_FALSE(raw.tableExists("flow_connector"));
}

TEST_CASE("a version 2 database keeps its seen records and flows in the re-keyed tables") {
    TempDir dir;
    const auto path = dir.path() / "flowwatch.db";
    {
        SQLite::Database v2 = database_at_version(path, 2);
        v2.exec(R"sql(
            INSERT INTO seen_record VALUES ('t', 'r1', 100), ('t', 'r2', 300), ('x', 'r1', 100);
            INSERT INTO flow VALUES ('t', 'f1', 'env-a', 'u1', 1, 5, '[["http","HTTP"]]', 'u1', 6,
                                     0, '["http","dropbox"]');
        )sql");
    }

    auto store = SqliteStore::open(path);
    REQUIRE(store.has_value());
    auto& s = **store;
    CHECK(*s.schema_version() == storage::kSchemaVersion);
    s.begin_unit();
    CHECK_FALSE(s.mark_record_seen("t", "r1", at_ms(100)));
    CHECK_FALSE(s.mark_record_seen("x", "r1", at_ms(100)));
    CHECK(s.mark_record_seen("t", "r3", at_ms(200)));
    s.commit_unit();
    CHECK(s.flow("t", "f1")->connector_history == std::vector<std::string>{"http", "dropbox"});
    CHECK(s.flow("t", "f1")->creator == "u1");
    // Forgetting by time is a range of the new key: the older two go, the rest stay.
    CHECK(*s.prune_seen_records(at_ms(150)) == 2);
    s.begin_unit();
    CHECK_FALSE(s.mark_record_seen("t", "r2", at_ms(300)));
    CHECK(s.mark_record_seen("t", "r1", at_ms(100)));
    s.commit_unit();
}

TEST_CASE("a version 3 database moves each user's last day of activity into their row") {
    constexpr std::int64_t kBucket = kActivityBucketMillis;
    constexpr std::int64_t kDay = kActivityHorizonMillis;
    TempDir dir;
    const auto path = dir.path() / "flowwatch.db";
    {
        SQLite::Database v3 = database_at_version(path, 3);
        v3.exec(R"sql(
            INSERT INTO user_baseline VALUES
                ('t', 'u1', 1, 2, 3, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, '[]'),
                ('t', 'u2', 1, 2, 3, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, '[]'),
                ('t', 'u3', 1, 2, 3, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, '[]');
        )sql");
        SQLite::Statement insert(v3, "INSERT INTO activity VALUES ('t', ?, ?, ?, ?, ?, ?)");
        const auto bucket = [&insert](const char* user, std::int64_t start, int creations,
                                      int edits) {
            insert.bind(1, user);
            insert.bind(2, start);
            insert.bind(3, creations);
            insert.bind(4, edits);
            insert.bind(5, 0);
            insert.bind(6, 0);
            insert.exec();
            insert.reset();
        };
        // u1: a bucket a whole day behind the newest (dropped), one just inside the day, and
        // two more.
        bucket("u1", 12 * kBucket, 9, 9);
        bucket("u1", 13 * kBucket, 1, 0);
        bucket("u1", 11 * kBucket + kDay, 0, 2);
        bucket("u1", 12 * kBucket + kDay, 3, 0);
        bucket("u2", 5 * kBucket, 4, 4);
        // Another tenant's user of the same name is not u2's.
        v3.exec("INSERT INTO activity VALUES ('x', 'u2', 0, 7, 7, 7, 7)");
    }

    auto store = SqliteStore::open(path);
    REQUIRE(store.has_value());
    auto& s = **store;
    CHECK(*s.schema_version() == storage::kSchemaVersion);
    const auto recent = [&s](const char* user) {
        std::string out;
        const auto row = s.user("t", user);
        for (const ActivityBucket& b : row->recent_activity) {
            out += show(b);
        }
        return out;
    };
    CHECK(recent("u1") == fmt::format("bucket[{}:1,0,0,0]bucket[{}:0,2,0,0]bucket[{}:3,0,0,0]",
                                      13 * kBucket, 11 * kBucket + kDay, 12 * kBucket + kDay));
    CHECK(recent("u2") == fmt::format("bucket[{}:4,4,0,0]", 5 * kBucket));
    CHECK(recent("u3").empty());
    SQLite::Database raw(path, SQLite::OPEN_READONLY);
    CHECK_FALSE(raw.tableExists("activity"));
}

TEST_CASE("a version 4 database moves each user's connectors into their row, behind a view") {
    TempDir dir;
    const auto path = dir.path() / "flowwatch.db";
    {
        SQLite::Database v4 = database_at_version(path, 4);
        v4.exec(R"sql(
            INSERT INTO user_baseline VALUES
                ('t', 'u1', 1, 2, 3, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, '[]', '[]'),
                ('t', 'u2', 1, 2, 3, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, '[]', '[]');
            INSERT INTO user_connector VALUES
                ('t', 'u1', 'shared_http', 'HTTP', 20, 30, 2, 5, '["env-a","env-b"]'),
                ('t', 'u1', 'shared_dropbox', 'Dropbox "x"', 10, 11, 1, 1, '[]'),
                ('x', 'u2', 'shared_ftp', 'FTP', 1, 1, 1, 1, '[]');
        )sql");
    }

    auto store = SqliteStore::open(path);
    REQUIRE(store.has_value());
    auto& s = **store;
    CHECK(*s.schema_version() == storage::kSchemaVersion);
    const auto u1 = s.user("t", "u1");
    REQUIRE(u1.has_value());
    // In the order the user first brought them in.
    REQUIRE(u1->connectors.size() == 2);
    CHECK(show(u1->connectors[0]) ==
          "user_connector[shared_dropbox Dropbox \"x\" 10 11 1 1 "
          "environments=]");
    CHECK(show(u1->connectors[1]) ==
          "user_connector[shared_http HTTP 20 30 2 5 "
          "environments=env-a;env-b]");
    // Another tenant's row with the same user name is not u2's.
    CHECK(s.user("t", "u2")->connectors.empty());

    SQLite::Database raw(path, SQLite::OPEN_READONLY);
    SQLite::Statement view(raw,
                           "SELECT user, connector, display, flows, events, environments"
                           " FROM user_connector WHERE tenant = 't' ORDER BY connector");
    std::vector<std::string> rows;
    while (view.executeStep()) {
        rows.push_back(fmt::format("{} {} {} {} {} {}", view.getColumn(0).getString(),
                                   view.getColumn(1).getString(), view.getColumn(2).getString(),
                                   view.getColumn(3).getInt64(), view.getColumn(4).getInt64(),
                                   view.getColumn(5).getString()));
    }
    CHECK(rows == std::vector<std::string>{"u1 shared_dropbox Dropbox \"x\" 1 1 []",
                                           "u1 shared_http HTTP 2 5 [\"env-a\",\"env-b\"]"});
}

TEST_CASE("a user row whose stored activity is not a list of buckets is refused, naming the file") {
    SqliteFixture f;
    f.store->begin_unit();
    f.store->put_user("t", "u", UserBaseline{});
    f.store->commit_unit();
    {
        SQLite::Database raw((f.dir.path() / "flowwatch.db"), SQLite::OPEN_READWRITE);
        raw.exec("UPDATE user_baseline SET recent_activity = '[[1, 2]]'");
    }
    f.reopen();
    try {
        (void)f.store->user("t", "u");
        FAIL("an unreadable row was read");
    } catch (const storage::StorageFailure& e) {
        CHECK(std::string(e.what()).find((f.dir.path() / "flowwatch.db").string()) !=
              std::string::npos);
        CHECK(std::string(e.what()).find("read user baseline") != std::string::npos);
    }
}

TEST_CASE("a database claiming a future schema version is refused, naming the file") {
    TempDir dir;
    const auto path = dir.path() / "flowwatch.db";
    REQUIRE(SqliteStore::open(path).has_value());
    {
        SQLite::Database raw(path, SQLite::OPEN_READWRITE);
        raw.exec("INSERT INTO schema_version (version, applied_at_ms) VALUES (99, 0)");
    }
    auto refused = SqliteStore::open(path);
    REQUIRE_FALSE(refused.has_value());
    CHECK(refused.error().message.find(path.string()) != std::string::npos);
    CHECK(refused.error().message.find("newer") != std::string::npos);
}

TEST_CASE("a file that is not a database is refused, naming the file") {
    TempDir dir;
    const auto path = dir.path() / "notes.db";
    std::ofstream(path) << "these are not the pages you are looking for, not a database at all";
    auto refused = SqliteStore::open(path);
    REQUIRE_FALSE(refused.has_value());
    CHECK(refused.error().message.find(path.string()) != std::string::npos);
}

TEST_CASE("a directory that cannot be created is reported with the database path") {
    TempDir dir;
    std::ofstream(dir.path() / "plain-file") << "x";
    const auto path = dir.path() / "plain-file" / "flowwatch.db";
    auto refused = SqliteStore::open(path);
    REQUIRE_FALSE(refused.has_value());
    CHECK(refused.error().message.find(path.string()) != std::string::npos);
}

TEST_CASE("a write outside any unit is committed at once") {
    SqliteFixture f;
    f.store->put_user("t", "u", sample_user(2));
    f.store->put_flow("t", "f", sample_flow(3));
    f.reopen();
    CHECK(show(f.store->user("t", "u")) == show(sample_user(2)));
    CHECK(show(f.store->flow("t", "f")) == show(sample_flow(3)));
}

TEST_CASE("a unit that cannot start fails with the file named, and the store recovers") {
    SqliteFixture f;
    f.reopen(storage::SqliteStoreOptions{.busy_timeout = std::chrono::milliseconds(20)});
    SQLite::Database other(f.dir.path() / "flowwatch.db", SQLite::OPEN_READWRITE);
    other.exec("BEGIN IMMEDIATE");

    try {
        f.store->begin_unit();
        FAIL("begin_unit succeeded while another connection held the write lock");
    } catch (const storage::StorageFailure& e) {
        CHECK(std::string(e.what()).find("begin unit") != std::string::npos);
        CHECK(std::string(e.what()).find("flowwatch.db") != std::string::npos);
    }
    f.store->rollback_unit();

    other.exec("ROLLBACK");
    f.store->begin_unit();
    f.store->put_tenant("t", sample_tenant(5));
    f.store->commit_unit();
    CHECK(show(f.store->tenant("t")) == show(sample_tenant(5)));
}

TEST_CASE("a unit whose commit fails is rolled back whole and its values leave the cache") {
    SqliteFixture f;
    f.store->put_tenant("t", sample_tenant(1));
    {
        // Another connection plants a trigger that rejects one row when the unit flushes it.
        SQLite::Database other(f.dir.path() / "flowwatch.db", SQLite::OPEN_READWRITE);
        other.exec(
            "CREATE TRIGGER reject_bad BEFORE INSERT ON tenant_baseline WHEN NEW.tenant = 'bad'"
            " BEGIN SELECT RAISE(ABORT, 'rejected by the test'); END");
    }
    f.store->begin_unit();
    f.store->put_tenant("t", sample_tenant(2));
    f.store->put_tenant("bad", sample_tenant(3));
    f.store->mark_record_seen("t", "r1", at_ms(1));
    f.store->put_cursor("t", "Audit.General", at_ms(9));
    try {
        f.store->commit_unit();
        FAIL("commit_unit succeeded although a row was rejected");
    } catch (const storage::StorageFailure& e) {
        CHECK(std::string(e.what()).find("commit unit") != std::string::npos);
        CHECK(std::string(e.what()).find("rejected by the test") != std::string::npos);
    }
    f.store->rollback_unit();

    CHECK(show(f.store->tenant("t")) == show(sample_tenant(1)));
    CHECK_FALSE(f.store->tenant("bad").has_value());
    CHECK_FALSE(f.store->cursor("t", "Audit.General").has_value());
    f.store->begin_unit();
    CHECK(f.store->mark_record_seen("t", "r1", at_ms(1)));
    f.store->commit_unit();
    f.reopen();
    CHECK(show(f.store->tenant("t")) == show(sample_tenant(1)));
}

TEST_CASE("keys and texts with separators, quotes and non-ASCII characters round-trip") {
    SqliteFixture f;
    const std::string odd_user = std::string("o'neil\x1f\"x\"@contoso.example") + '\0' + "tail";
    FlowState flow = sample_flow(1);
    flow.connectors = {{"sql \"server\"", "SQL \"Server\", ümlaut ✓"}, {"a,b", "A,B"}};
    f.store->begin_unit();
    f.store->put_user("t", odd_user, sample_user(1));
    f.store->put_user("t", "o'neil", sample_user(2));
    f.store->put_flow("t", odd_user, flow);
    f.store->commit_unit();
    f.reopen();
    CHECK(show(f.store->user("t", odd_user)) == show(sample_user(1)));
    CHECK(show(f.store->user("t", "o'neil")) == show(sample_user(2)));
    CHECK(show(f.store->flow("t", odd_user)) == show(flow));
}

TEST_CASE("every character that JSON escapes round-trips at every position in stored lists") {
    // The row encoder scans eight bytes at a time; put each escape at each offset of a word.
    std::vector<std::string> names;
    for (char special : {'"', '\\', '\x01', '\x1f', '\n', '\0'}) {
        for (std::size_t offset = 0; offset < 18; ++offset) {
            names.push_back(std::string(offset, 'a') + special + std::string(offset % 9, 'b'));
        }
    }
    names.push_back(std::string(16, '"'));
    names.push_back("\xc3\xa9t\xc3\xa9 \xe2\x9c\x93 no escape, 8+ bytes long");
    SqliteFixture f;
    FlowState flow = sample_flow(1);
    flow.connector_history = names;
    flow.connectors.clear();
    for (const auto& name : names) {
        flow.connectors.push_back(Connector{name, name + " display"});
    }
    UserBaseline user = sample_user(1);
    user.environments = names;
    f.store->begin_unit();
    f.store->put_flow("t", "f", flow);
    f.store->put_user("t", "u", user);
    f.store->commit_unit();
    f.reopen();
    CHECK(show(f.store->flow("t", "f")) == show(flow));
    CHECK(f.store->flow("t", "f")->connector_history == names);
    CHECK(f.store->user("t", "u")->environments == names);
}

TEST_CASE("the baseline cache stays near its bound across many units") {
    SqliteFixture f;
    f.reopen(storage::SqliteStoreOptions{.cache_rows = 50});
    for (int unit = 0; unit < 40; ++unit) {
        f.store->begin_unit();
        for (int u = 0; u < 10; ++u) {
            const std::string user = "u" + std::to_string(unit * 10 + u);
            CHECK_FALSE(f.store->user("t", user).has_value());
            f.store->put_user("t", user, sample_user(u));
        }
        f.store->commit_unit();
        // Beyond the bound, the rows the last unit did not touch are evicted.
        CHECK(f.store->cached_rows() <= 50);
    }
    // Evicted rows were flushed first: every row is still there.
    CHECK(show(f.store->user("t", "u0")) == show(sample_user(0)));
    CHECK(show(f.store->user("t", "u399")) == show(sample_user(9)));
}

TEST_CASE("a unit is full once one cache holds as many written rows as it keeps") {
    SqliteFixture f;
    f.reopen(storage::SqliteStoreOptions{.cache_rows = 50});
    f.store->begin_unit();
    // Rows of several tables, none with 50 of its own: not full.
    for (int n = 0; n < 49; ++n) {
        f.store->put_user("t", "u" + std::to_string(n), sample_user(n));
        f.store->put_flow("t", "f" + std::to_string(n), FlowState{.creator = "u"});
    }
    // Written again, a row counts once.
    f.store->put_user("t", "u0", sample_user(1));
    CHECK_FALSE(f.store->unit_full());
    f.store->put_flow("t", "f49", FlowState{.creator = "u"});
    CHECK(f.store->unit_full());
    f.store->commit_unit();
    CHECK_FALSE(f.store->unit_full());

    // Rows read but not written do not fill it; a rollback empties it.
    f.store->begin_unit();
    for (int n = 0; n < 49; ++n) {
        CHECK(f.store->find_user("t", "u" + std::to_string(n)) != nullptr);
    }
    CHECK_FALSE(f.store->unit_full());
    for (int n = 0; n < 50; ++n) {
        f.store->edit_user("t", "u" + std::to_string(n), UserBaseline{});
    }
    CHECK(f.store->unit_full());
    f.store->rollback_unit();
    CHECK_FALSE(f.store->unit_full());
}

TEST_CASE("rows are found again past the key filter's size, after eviction and re-opening") {
    SqliteFixture f;
    f.reopen(storage::SqliteStoreOptions{.cache_rows = 50});
    // 3,000 new users in units of 100: the filter, built for 1,024 keys on the first read, fills
    // up and is built again from the table; each new user's absence is known without a query.
    for (int unit = 0; unit < 30; ++unit) {
        f.store->begin_unit();
        for (int u = 0; u < 100; ++u) {
            const std::string user = fmt::format("maker{}@contoso.example", unit * 100 + u);
            REQUIRE_FALSE(f.store->find_user("t", user));
            f.store->edit_user("t", user, sample_user(u));
        }
        f.store->commit_unit();
    }
    auto every_user_is_there = [](SqliteStore& store) {
        for (int n = 0; n < 3000; ++n) {
            const auto* row = store.find_user("t", fmt::format("maker{}@contoso.example", n));
            REQUIRE(row != nullptr);
            REQUIRE(show(*row) == show(sample_user(n % 100)));
            REQUIRE(store.find_user("u", fmt::format("maker{}@contoso.example", n)) == nullptr);
        }
    };
    every_user_is_there(*f.store);

    // A new store's filter is built from the file.
    f.reopen(storage::SqliteStoreOptions{.cache_rows = 50});
    every_user_is_there(*f.store);
    // Writing the known rows again updates them: none was taken for new.
    f.store->begin_unit();
    for (int n = 0; n < 3000; n += 7) {
        ++f.store->edit_user("t", fmt::format("maker{}@contoso.example", n), {}).events;
    }
    f.store->commit_unit();
    CHECK(f.store->find_user("t", "maker7@contoso.example")->events == sample_user(7).events + 1);
}

TEST_CASE("flow owners are found past the filter of flows with owners, put before any read") {
    SqliteFixture f;
    f.reopen(storage::SqliteStoreOptions{.cache_rows = 50});
    // Owners put in a unit before anything asked for owners: the filter is built then, from a
    // table that lacks them, and must still know them.
    for (int unit = 0; unit < 30; ++unit) {
        f.store->begin_unit();
        for (int n = unit * 100; n < unit * 100 + 100; ++n) {
            f.store->put_flow_owner("t", fmt::format("flow-{}", n), sample_owner("zoe", 3));
            REQUIRE(f.store->flow_owners("t", fmt::format("flow-{}", n)).size() == 1);
            REQUIRE(f.store->flow_owners("t", fmt::format("lone-{}", n)).empty());
        }
        f.store->commit_unit();
    }
    auto owners_are_there = [](SqliteStore& store) {
        for (int n = 0; n < 3000; ++n) {
            REQUIRE(show(store.flow_owners("t", fmt::format("flow-{}", n))) ==
                    show(std::vector{sample_owner("zoe", 3)}));
            REQUIRE(store.flow_owners("t", fmt::format("lone-{}", n)).empty());
        }
    };
    owners_are_there(*f.store);
    f.reopen(storage::SqliteStoreOptions{.cache_rows = 50});
    owners_are_there(*f.store);
}

TEST_CASE("a second store opens and reads the file while the first has a unit open") {
    SqliteFixture writer;
    writer.reopen(storage::SqliteStoreOptions{.busy_timeout = std::chrono::milliseconds(20)});
    writer.store->put_delivered_through("jsonl", 3);
    writer.store->begin_unit();
    writer.store->mark_content_committed("t", "Audit.General", "c1", at_ms(1));

    auto reader = SqliteStore::open(writer.dir.path() / "flowwatch.db",
                                    {.busy_timeout = std::chrono::milliseconds(20)});
    REQUIRE_MESSAGE(reader.has_value(), (reader ? "" : reader.error().message));
    CHECK((*reader)->delivered_through("jsonl") == 3);
    CHECK_FALSE((*reader)->content_committed("t", "c1"));  // not committed yet

    writer.store->commit_unit();
    CHECK((*reader)->content_committed("t", "c1"));
}

}  // namespace flowwatch::test
