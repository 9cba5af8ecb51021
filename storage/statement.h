#pragma once
/// A prepared SQLite statement kept for the life of the connection and reused for every call.
/// Text parameters are copied into buffers the statement owns, so callers may bind string views
/// (SQLiteCpp binds only null-terminated text without copying it again).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

namespace flowwatch::storage {

class ReusableStatement {
  public:
    ReusableStatement(SQLite::Database& db, const char* sql);

    /// Clears the previous run so the statement can be bound again.
    void reset() noexcept;

    void bind(int index, std::string_view text);
    /// Binds the text that `write(std::string&)` appends to this parameter's own buffer, handed
    /// over empty: encoding a value straight into it costs no string of its own.
    template <typename Write>
    void bind_written(int index, Write&& write) {
        std::string& buffer = text_buffers_.at(static_cast<std::size_t>(index));
        buffer.clear();
        write(buffer);
        statement_.bindNoCopy(index, buffer);
    }
    void bind(int index, std::int64_t value) { statement_.bind(index, value); }
    void bind_flag(int index, bool value) { statement_.bind(index, value ? 1 : 0); }

    /// Steps a query; true while there is a row.
    bool next_row() { return statement_.executeStep(); }
    /// Runs a statement that returns no rows; the number of rows it changed.
    int run() { return statement_.exec(); }

    std::int64_t integer(int column) const { return statement_.getColumn(column).getInt64(); }
    bool is_null(int column) const { return statement_.getColumn(column).isNull(); }
    std::string text(int column) const { return statement_.getColumn(column).getString(); }

  private:
    SQLite::Statement statement_;
    std::vector<std::string> text_buffers_;
};

/// Resets a statement when a use of it ends, however it ends, so no read stays open.
class StatementUse {
  public:
    explicit StatementUse(ReusableStatement& statement) : statement_(statement) {
        statement_.reset();
    }
    ~StatementUse() { statement_.reset(); }
    StatementUse(const StatementUse&) = delete;
    StatementUse& operator=(const StatementUse&) = delete;

    ReusableStatement* operator->() { return &statement_; }
    ReusableStatement& operator*() { return statement_; }

  private:
    ReusableStatement& statement_;
};

}  // namespace flowwatch::storage
