#pragma once
/// The database schema as numbered migrations, and the mechanism that applies the missing ones
/// in order, in one transaction, and refuses a database newer than this binary.

#include <span>
#include <string_view>

#include <SQLiteCpp/Database.h>

#include "core/error.h"

namespace flowwatch::storage {

struct Migration {
    int version;      ///< 1, 2, 3 ... in order, without holes.
    const char* sql;  ///< One or more statements.
};

/// Every migration this binary knows; the last one's version is kSchemaVersion.
std::span<const Migration> schema_migrations();
inline constexpr int kSchemaVersion = 5;

/// The highest applied migration (0 for a new database).
Result<int> schema_version(SQLite::Database& db, std::string_view target);

/// Applies the migrations of `migrations` the database lacks, in order, inside one transaction:
/// either all of them land or none. `target` names the database in errors. Returns the version
/// reached.
Result<int> migrate(SQLite::Database& db, std::span<const Migration> migrations,
                    std::string_view target);

}  // namespace flowwatch::storage
