#pragma once
/// The parameters of `GET /api/v1/alerts`: `since` (an ISO 8601 time compared with the alert's
/// event time, or a store sequence number to read on from) and `limit`.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/store.h"
#include "core/time.h"

namespace flowwatch::agent {

inline constexpr std::size_t kDefaultAlertLimit = 100;
inline constexpr std::size_t kMaxAlertLimit = 1000;

struct AlertQuery {
    std::optional<Timestamp> since_time;
    std::optional<std::int64_t> after_sequence;
    std::size_t limit = kDefaultAlertLimit;
};

/// Parses the query string (without the `?`); percent-escapes are decoded. Unknown parameters,
/// repeated ones and unreadable values are errors naming the parameter.
Result<AlertQuery> parse_alert_query(std::string_view query);

/// The alerts of `newest_first` that match, newest first, at most `query.limit`.
std::vector<StoredAlert> select_alerts(const std::vector<StoredAlert>& newest_first,
                                       const AlertQuery& query);

}  // namespace flowwatch::agent
