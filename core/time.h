#pragma once
/// Event time: UTC instants with millisecond precision, and the ISO 8601 forms the API uses.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace flowwatch {

using Timestamp = std::chrono::sys_time<std::chrono::milliseconds>;

/// Parses `2025-03-11T09:14:52`, with or without a fraction (any digits) and a trailing `Z` or
/// `+00:00`; also a bare date. Times without a zone are UTC, as the audit schema documents.
std::optional<Timestamp> parse_time(std::string_view text);

/// `2025-03-11T09:14:52Z`, or `2025-03-11T09:14:52.250Z` when there are milliseconds.
std::string format_time(Timestamp t);

/// Milliseconds since the Unix epoch, the form kept in the database.
inline std::int64_t to_millis(Timestamp t) {
    return t.time_since_epoch().count();
}
inline Timestamp from_millis(std::int64_t ms) {
    return Timestamp{std::chrono::milliseconds{ms}};
}

}  // namespace flowwatch
