// The migration mechanism: order, one transaction, refusal of a newer database.

#include <array>

#include <SQLiteCpp/Database.h>
#include <doctest/doctest.h>

#include "storage/schema.h"
#include "tests/storage/store_fixtures.h"

namespace flowwatch::test {
namespace {

using storage::Migration;

constexpr std::array kTwoSteps{Migration{1, "CREATE TABLE first_table (x INTEGER)"},
                               Migration{2, "CREATE TABLE second_table (y INTEGER)"}};
constexpr std::array kThreeSteps{kTwoSteps[0], kTwoSteps[1],
                                 Migration{3, "ALTER TABLE first_table ADD COLUMN z TEXT"}};
constexpr std::array kBrokenThird{kTwoSteps[0], kTwoSteps[1],
                                  Migration{3, "CREATE TABLE first_table (duplicate INTEGER)"}};

SQLite::Database open_raw(const std::filesystem::path& path) {
    return SQLite::Database(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
}

}  // namespace

TEST_CASE("migrations from an empty file apply in order and record each version") {
    TempDir dir;
    auto db = open_raw(dir.path() / "m.db");
    auto reached = storage::migrate(db, kTwoSteps, "m.db");
    REQUIRE(reached.has_value());
    CHECK(*reached == 2);
    CHECK(db.tableExists("first_table"));
    CHECK(db.tableExists("second_table"));
    CHECK(db.execAndGet("SELECT COUNT(*) FROM schema_version").getInt() == 2);
    CHECK(*storage::schema_version(db, "m.db") == 2);
}

TEST_CASE("a later binary applies only the migrations the database lacks") {
    TempDir dir;
    auto db = open_raw(dir.path() / "m.db");
    REQUIRE(storage::migrate(db, kTwoSteps, "m.db").has_value());
    auto reached = storage::migrate(db, kThreeSteps, "m.db");
    REQUIRE(reached.has_value());
    CHECK(*reached == 3);
    // Migration 1 ran once: running it again would have failed on the existing table.
    CHECK(db.execAndGet("SELECT COUNT(*) FROM schema_version").getInt() == 3);
    CHECK(db.execAndGet("SELECT COUNT(*) FROM pragma_table_info('first_table')").getInt() == 2);
}

TEST_CASE("a failing migration keeps none of the migrations of its run") {
    TempDir dir;
    auto db = open_raw(dir.path() / "m.db");
    auto reached = storage::migrate(db, kBrokenThird, "m.db");
    REQUIRE_FALSE(reached.has_value());
    CHECK(reached.error().message.find("m.db") != std::string::npos);
    CHECK(reached.error().message.find("version 3") != std::string::npos);
    CHECK_FALSE(db.tableExists("first_table"));
    CHECK(*storage::schema_version(db, "m.db") == 0);
}

TEST_CASE("a database newer than the binary is refused with a clear error") {
    TempDir dir;
    auto db = open_raw(dir.path() / "m.db");
    REQUIRE(storage::migrate(db, kThreeSteps, "m.db").has_value());
    auto refused = storage::migrate(db, kTwoSteps, "m.db");
    REQUIRE_FALSE(refused.has_value());
    CHECK(refused.error().code == "schema_too_new");
    CHECK(refused.error().message.find("newer") != std::string::npos);
    CHECK(*storage::schema_version(db, "m.db") == 3);
}

TEST_CASE("the schema this binary ships ends at kSchemaVersion with no holes") {
    const auto migrations = storage::schema_migrations();
    REQUIRE_FALSE(migrations.empty());
    for (std::size_t i = 0; i < migrations.size(); ++i) {
        CHECK(migrations[i].version == static_cast<int>(i) + 1);
    }
    CHECK(migrations.back().version == storage::kSchemaVersion);
}

}  // namespace flowwatch::test
