#include "storage/statement.h"

#include <cstddef>

namespace flowwatch::storage {

ReusableStatement::ReusableStatement(SQLite::Database& db, const char* sql) : statement_(db, sql) {
    // Parameters are numbered from 1; slot 0 stays unused.
    text_buffers_.resize(static_cast<std::size_t>(statement_.getBindParameterCount()) + 1);
}

void ReusableStatement::reset() noexcept {
    static_cast<void>(statement_.tryReset());
}

void ReusableStatement::bind(int index, std::string_view text) {
    std::string& buffer = text_buffers_.at(static_cast<std::size_t>(index));
    buffer.assign(text);
    statement_.bindNoCopy(index, buffer);
}

}  // namespace flowwatch::storage
