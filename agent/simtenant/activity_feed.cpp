#include "agent/simtenant/activity_feed.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <tuple>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "agent/simtenant/wire_format.h"

namespace flowwatch::simtenant {
namespace {

constexpr std::array<std::string_view, 5> kContentTypes{
    "Audit.AzureActiveDirectory", "Audit.Exchange", "Audit.SharePoint", "Audit.General", "DLP.All"};
constexpr auto kRetention = std::chrono::days{7};
constexpr auto kMaxWindow = std::chrono::hours{24};

const std::string kWindowRule =
    "StartTime and EndTime must both be given or both omitted, be no more than 24 hours apart, "
    "and StartTime must be no more than 7 days in the past.";

/// nextPage tokens name the first entry of the page: its contentCreated and insertion order.
std::string page_token(Timestamp created, std::uint64_t sequence) {
    return fmt::format("{:013}R{:012}", to_millis(created), sequence);
}

std::optional<std::pair<std::int64_t, std::uint64_t>> read_page_token(const std::string& token) {
    auto r = token.find('R');
    if (r == std::string::npos || r == 0 || r + 1 >= token.size()) {
        return std::nullopt;
    }
    std::int64_t millis = 0;
    std::uint64_t sequence = 0;
    auto [end1, ec1] = std::from_chars(token.data(), token.data() + r, millis);
    auto [end2, ec2] = std::from_chars(token.data() + r + 1, token.data() + token.size(), sequence);
    if (ec1 != std::errc{} || ec2 != std::errc{} || end1 != token.data() + r ||
        end2 != token.data() + token.size()) {
        return std::nullopt;
    }
    return std::pair{millis, sequence};
}

Timestamp effective_available(const SimBlob& blob) {
    return blob.available_at == Timestamp{} ? blob.content_created : blob.available_at;
}

Timestamp effective_expiry(const SimBlob& blob) {
    return blob.expires_at == Timestamp{} ? blob.content_created + kRetention : blob.expires_at;
}

}  // namespace

SimReply api_error(int status, const std::string& code, const std::string& message) {
    nlohmann::json body = {{"error", {{"code", code}, {"message", message}}}};
    return json_reply(status, body.dump());
}

bool is_content_type(const std::string& name) {
    return std::find(kContentTypes.begin(), kContentTypes.end(), name) != kContentTypes.end();
}

ActivityFeed::ActivityFeed(FeedSettings settings, std::function<Timestamp()> clock)
    : settings_(std::move(settings)), clock_(std::move(clock)) {}

void ActivityFeed::add_blob(SimBlob blob) {
    std::lock_guard lock(mutex_);
    std::string id = blob.content_id;
    blobs_.insert_or_assign(id, Stored{std::move(blob), next_sequence_++});
}

void ActivityFeed::enable(const std::string& content_type) {
    std::lock_guard lock(mutex_);
    subscriptions_[content_type] = Subscription::enabled;
}

void ActivityFeed::disable_by_admin(const std::string& content_type) {
    std::lock_guard lock(mutex_);
    subscriptions_[content_type] = Subscription::disabled_by_admin;
}

SimReply ActivityFeed::start_subscription(const SimRequest& request) {
    const std::string* content_type = request.param("contentType");
    if (content_type == nullptr) {
        return api_error(400, "AF20001", "Missing parameter: contentType.");
    }
    if (!is_content_type(*content_type)) {
        return api_error(400, "AF20020", "The specified content type is not valid.");
    }

    std::lock_guard lock(mutex_);
    auto it = subscriptions_.find(*content_type);
    if (it != subscriptions_.end() && it->second == Subscription::enabled) {
        // Undocumented but what the service does: a repeated start is an error body.
        return api_error(400, "AF20024",
                         "The subscription is already enabled. No property change.");
    }
    subscriptions_[*content_type] = Subscription::enabled;
    nlohmann::json body = {
        {"contentType", *content_type}, {"status", "enabled"}, {"webhook", nullptr}};
    return json_reply(200, body.dump());
}

SimReply ActivityFeed::list_subscriptions() {
    std::lock_guard lock(mutex_);
    nlohmann::json body = nlohmann::json::array();
    for (const auto& [content_type, state] : subscriptions_) {
        body.push_back({{"contentType", content_type},
                        {"status", state == Subscription::enabled ? "enabled" : "disabled"},
                        {"webhook", nullptr}});
    }
    return json_reply(200, body.dump());
}

SimReply ActivityFeed::stop_subscription(const SimRequest& request) {
    const std::string* content_type = request.param("contentType");
    if (content_type == nullptr) {
        return api_error(400, "AF20001", "Missing parameter: contentType.");
    }
    if (!is_content_type(*content_type)) {
        return api_error(400, "AF20020", "The specified content type is not valid.");
    }
    std::lock_guard lock(mutex_);
    subscriptions_[*content_type] = Subscription::stopped;
    SimReply reply;
    reply.status = 200;
    return reply;
}

std::optional<SimReply> ActivityFeed::subscription_error(const std::string& content_type) const {
    auto it = subscriptions_.find(content_type);
    if (it == subscriptions_.end() || it->second == Subscription::stopped) {
        return api_error(400, "AF20022", "No subscription found for the specified content type.");
    }
    if (it->second == Subscription::disabled_by_admin) {
        return api_error(400, "AF20023", "The subscription was disabled by a tenant admin.");
    }
    return std::nullopt;
}

std::variant<ActivityFeed::Window, SimReply> ActivityFeed::window_of(const SimRequest& request,
                                                                     Timestamp now) const {
    const std::string* start_text = request.param("startTime");
    const std::string* end_text = request.param("endTime");
    if (start_text == nullptr && end_text == nullptr) {
        // The reference says an unbounded listing covers the last 24 hours.
        return Window{now - kMaxWindow, now, format_listing_time(now - kMaxWindow),
                      format_listing_time(now)};
    }
    if (start_text == nullptr || end_text == nullptr) {
        return api_error(400, "AF20030", kWindowRule);
    }

    auto start = parse_query_time(*start_text);
    auto end = parse_query_time(*end_text);
    if (!start || !end) {
        return api_error(400, "AF20002",
                         "Invalid parameter type: " + std::string(start ? "endTime" : "startTime") +
                             ". Expected type: DateTime.");
    }
    if (*end <= *start) {
        return api_error(400, "AF20055", kWindowRule + " StartTime must be prior to EndTime.");
    }
    if (*end - *start > kMaxWindow || *start < now - kRetention) {
        return api_error(400, "AF20030", kWindowRule);
    }
    return Window{*start, *end, *start_text, *end_text};
}

SimReply ActivityFeed::list_content(const SimRequest& request, const FeedLinks& links) {
    const std::string* content_type = request.param("contentType");
    if (content_type == nullptr) {
        return api_error(400, "AF20001", "Missing parameter: contentType.");
    }
    if (!is_content_type(*content_type)) {
        return api_error(400, "AF20020", "The specified content type is not valid.");
    }
    {
        std::lock_guard lock(mutex_);
        if (auto error = subscription_error(*content_type)) {
            return *error;
        }
    }

    auto window = window_of(request, clock_());
    if (auto* error = std::get_if<SimReply>(&window)) {
        return *error;
    }
    return page_of(*content_type, std::get<Window>(window), request.param("nextPage"), links);
}

SimReply ActivityFeed::page_of(const std::string& content_type, const Window& window,
                               const std::string* next_page, const FeedLinks& links) {
    std::pair<std::int64_t, std::uint64_t> from{to_millis(window.start), 0};
    if (next_page != nullptr) {
        auto token = read_page_token(*next_page);
        if (!token) {
            return api_error(400, "AF20031", "Invalid nextPage Input: " + *next_page + ".");
        }
        from = *token;
    }

    Timestamp now = clock_();
    std::vector<const Stored*> listed;
    std::lock_guard lock(mutex_);
    for (const auto& [id, stored] : blobs_) {
        const SimBlob& blob = stored.blob;
        // Half-open on contentCreated; content not yet available is not listed at all.
        if (blob.content_type == content_type && effective_available(blob) <= now &&
            blob.content_created >= window.start && blob.content_created < window.end &&
            std::pair{to_millis(blob.content_created), stored.sequence} >= from) {
            listed.push_back(&stored);
        }
    }
    std::sort(listed.begin(), listed.end(), [](const Stored* a, const Stored* b) {
        return std::tie(a->blob.content_created, a->sequence) <
               std::tie(b->blob.content_created, b->sequence);
    });

    auto page_size = static_cast<std::size_t>(std::max(1, settings_.page_size));
    nlohmann::json body = nlohmann::json::array();
    for (std::size_t i = 0; i < listed.size() && i < page_size; ++i) {
        const SimBlob& blob = listed[i]->blob;
        body.push_back({
            {"contentType", blob.content_type},
            {"contentId", blob.content_id},
            {"contentUri", links.content_base + "/api/v1.0/" + settings_.tenant_id +
                               "/activity/feed/audit/" + blob.content_id},
            {"contentCreated", format_listing_time(blob.content_created)},
            {"contentExpiration", format_listing_time(effective_expiry(blob))},
        });
    }

    SimReply reply = json_reply(200, body.dump());
    if (listed.size() > page_size) {
        const Stored* first_of_next = listed[page_size];
        // Like the documented example: /api/v1/ (not v1.0), the same window, and no publisher.
        reply.headers.emplace_back(
            "NextPageUri",
            fmt::format("{}/api/v1/{}/activity/feed/subscriptions/"
                        "content?contentType={}&startTime={}&endTime={}&nextPage={}",
                        links.next_page_base, settings_.tenant_id, percent_encode(content_type),
                        percent_encode(window.start_text), percent_encode(window.end_text),
                        page_token(first_of_next->blob.content_created, first_of_next->sequence)));
    }
    return reply;
}

SimReply ActivityFeed::get_blob(const std::string& content_id, bool& blob_downloaded) {
    blob_downloaded = false;
    if (content_id.empty() || content_id.find_first_of("/?# ") != std::string::npos) {
        return api_error(400, "AF20052", "Content ID " + content_id + " in the URL is invalid.");
    }

    Timestamp now = clock_();
    std::lock_guard lock(mutex_);
    auto it = blobs_.find(content_id);
    if (it == blobs_.end() || effective_available(it->second.blob) > now) {
        return api_error(404, "AF20050",
                         "The specified content (" + content_id + ") doesn't exist.");
    }
    if (now >= effective_expiry(it->second.blob)) {
        return api_error(settings_.expired_content_status, "AF20051",
                         "Content requested with the key " + content_id +
                             " has already expired. Content older than 7 days cannot be "
                             "retrieved.");
    }
    blob_downloaded = true;
    return json_reply(200, it->second.blob.body);
}

}  // namespace flowwatch::simtenant
