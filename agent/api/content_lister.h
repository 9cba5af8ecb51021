#pragma once
/// Which contentCreated windows to list, and listing one of them: half-open windows of at most
/// 24 hours, never older than the API's 7-day retention (less a margin), re-listing an overlap
/// for content that shows up late, and following NextPageUri to the last page.

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "agent/api/api_session.h"
#include "core/error.h"
#include "core/time.h"

namespace flowwatch::agent::api {

struct ListingWindow {
    Timestamp start{};  ///< Inclusive.
    Timestamp end{};    ///< Exclusive.
};

struct WindowSettings {
    int backfill_days = 7;
    std::chrono::minutes relist_overlap{60};
    /// How far inside the retention the oldest start stays, so it is not refused at the edge.
    std::chrono::minutes retention_margin{10};
    std::chrono::hours retention{24 * 7};
    std::chrono::hours max_window{24};
};

struct WindowPlan {
    std::vector<ListingWindow> windows;
    /// Content the API no longer holds: from the cursor to the oldest listable start.
    std::optional<ListingWindow> lost;
};

/// Plans the windows from `cursor` (end of the last committed window; none on the first start)
/// to `now` (already corrected for the server's clock). Boundaries are whole seconds.
WindowPlan plan_windows(std::optional<Timestamp> cursor, Timestamp now,
                        const WindowSettings& settings);

/// `2025-03-11T09:14:52`: the listing's time form (UTC, no zone suffix, nothing to encode).
std::string format_query_time(Timestamp t);

struct ContentEntry {
    std::string content_type;
    std::string content_id;
    std::string content_uri;
    Timestamp content_created{};
    Timestamp content_expiration{};
};

/// Parses one listing page (a JSON array). Entries without contentId or contentUri are errors.
Result<std::vector<ContentEntry>> parse_content_page(std::string_view body);

/// Lists every page of `window` for `content_type`. An API error keeps its AF code.
Result<std::vector<ContentEntry>> list_content(ApiSession& session, const std::string& feed_root,
                                               const std::string& content_type,
                                               const ListingWindow& window, const StopSource& stop);

/// The error an API answer carries, as an Error naming `operation` with the AF code (or the
/// HTTP status as "http_<n>") as its code.
Error api_failure(std::string_view operation, const HttpResponse& response);

}  // namespace flowwatch::agent::api
