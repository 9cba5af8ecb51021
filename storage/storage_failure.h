#pragma once
/// The exception SqliteStore's interface methods throw when SQLite fails. Those methods return
/// plain values (the core interfaces have no error channel), so this is how a failure reaches the
/// pipeline, which turns it into an Error and rolls the unit back.

#include <stdexcept>

namespace flowwatch::storage {

/// Its message names the operation and the database file ("commit unit in /var/lib/x.db: ...").
class StorageFailure : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

}  // namespace flowwatch::storage
