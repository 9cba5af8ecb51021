#include "agent/api/content_lister.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "agent/api/url.h"
#include "agent/logging.h"

namespace flowwatch::agent::api {
namespace {

/// A safety net against a server that pages forever.
constexpr int kMaxPages = 100'000;

Timestamp floor_seconds(Timestamp t) {
    return std::chrono::floor<std::chrono::seconds>(t);
}

Timestamp ceil_seconds(Timestamp t) {
    return std::chrono::ceil<std::chrono::seconds>(t);
}

}  // namespace

WindowPlan plan_windows(std::optional<Timestamp> cursor, Timestamp now,
                        const WindowSettings& settings) {
    WindowPlan plan;
    const Timestamp end = floor_seconds(now);
    const Timestamp earliest = ceil_seconds(now - settings.retention + settings.retention_margin);

    Timestamp from{};
    if (cursor) {
        if (*cursor < earliest) {
            plan.lost = ListingWindow{*cursor, earliest};
        }
        from = std::max(floor_seconds(*cursor - settings.relist_overlap), earliest);
    } else {
        const auto backfill = std::chrono::days{std::max(settings.backfill_days, 0)};
        from = std::max(floor_seconds(now - backfill), earliest);
    }

    while (from < end) {
        const Timestamp to = std::min(from + settings.max_window, end);
        plan.windows.push_back(ListingWindow{from, to});
        from = to;
    }
    return plan;
}

std::string format_query_time(Timestamp t) {
    std::string text = format_time(floor_seconds(t));
    if (text.ends_with('Z')) {
        text.pop_back();
    }
    return text;
}

Error api_failure(std::string_view operation, const HttpResponse& response) {
    std::string code = api_error_code(response.body);
    std::string message;
    const auto json = nlohmann::json::parse(response.body, nullptr, false);
    if (json.is_object() && json.contains("error") && json["error"].is_object()) {
        message = json["error"].value("message", std::string{});
    }
    const std::string status = "HTTP " + std::to_string(response.status);
    return Error{std::string(operation) + ": " + status + (code.empty() ? "" : " " + code) +
                     (message.empty() ? "" : ": " + message.substr(0, 300)),
                 code.empty() ? "http_" + std::to_string(response.status) : code};
}

Result<std::vector<ContentEntry>> parse_content_page(std::string_view body) {
    const auto json = nlohmann::json::parse(body, nullptr, false);
    if (!json.is_array()) {
        return fail("the content listing is not a JSON array", "bad_listing");
    }
    std::vector<ContentEntry> entries;
    entries.reserve(json.size());
    for (const auto& item : json) {
        if (!item.is_object() || !item.contains("contentId") || !item["contentId"].is_string() ||
            !item.contains("contentUri") || !item["contentUri"].is_string()) {
            return fail("a content listing entry lacks contentId or contentUri", "bad_listing");
        }
        ContentEntry entry;
        entry.content_id = item["contentId"].get<std::string>();
        entry.content_uri = item["contentUri"].get<std::string>();
        entry.content_type = item.value("contentType", std::string{});
        const auto created = parse_time(item.value("contentCreated", std::string{}));
        const auto expiration = parse_time(item.value("contentExpiration", std::string{}));
        entry.content_created = created.value_or(Timestamp{});
        entry.content_expiration =
            expiration.value_or(entry.content_created + std::chrono::days{7});
        entries.push_back(std::move(entry));
    }
    return entries;
}

Result<std::vector<ContentEntry>> list_content(ApiSession& session, const std::string& feed_root,
                                               const std::string& content_type,
                                               const ListingWindow& window,
                                               const StopSource& stop) {
    const std::string operation =
        "list " + content_type + " content of tenant " + session.options().tenant_id + " from " +
        format_query_time(window.start) + " to " + format_query_time(window.end);
    std::string url =
        append_query(feed_root + "/subscriptions/content", "contentType", content_type);
    url = append_query(url, "startTime", format_query_time(window.start));
    url = append_query(url, "endTime", format_query_time(window.end));

    std::vector<ContentEntry> entries;
    for (int page = 0; page < kMaxPages; ++page) {
        auto response = session.get(url, stop);
        if (!response) {
            return fail(operation + ": " + response.error().message, response.error().code);
        }
        if (response->status != 200) {
            return std::unexpected(api_failure(operation, *response));
        }
        auto page_entries = parse_content_page(response->body);
        if (!page_entries) {
            return fail(operation + ": " + page_entries.error().message, page_entries.error().code);
        }
        std::ranges::move(*page_entries, std::back_inserter(entries));

        // The header's case varies between services; HttpResponse::header ignores case.
        url = response->header("NextPageUri");
        if (url.empty()) {
            url = response->header("NextPageUrl");
        }
        if (url.empty()) {
            return entries;
        }
    }
    return fail(operation + ": more than " + std::to_string(kMaxPages) + " pages",
                "too_many_pages");
}

}  // namespace flowwatch::agent::api
