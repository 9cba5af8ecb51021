#include "agent/api/subscription_keeper.h"

#include <nlohmann/json.hpp>

#include "agent/api/content_lister.h"
#include "agent/api/url.h"
#include "agent/logging.h"

namespace flowwatch::agent::api {

SubscriptionKeeper::SubscriptionKeeper(ApiSession& session, ApiStateStore& state,
                                       std::string feed_root, TimeSource time)
    : session_(session), state_(state), feed_root_(std::move(feed_root)), time_(std::move(time)) {}

Result<std::set<std::string>> SubscriptionKeeper::enabled_types(const StopSource& stop) {
    const std::string operation =
        "list the subscriptions of tenant " + session_.options().tenant_id;
    auto response = session_.get(feed_root_ + "/subscriptions/list", stop);
    if (!response) {
        return fail(operation + ": " + response.error().message, response.error().code);
    }
    if (response->status != 200) {
        return std::unexpected(api_failure(operation, *response));
    }
    const auto json = nlohmann::json::parse(response->body, nullptr, false);
    if (!json.is_array()) {
        return fail(operation + ": the answer is not a JSON array", "bad_listing");
    }
    std::set<std::string> enabled;
    for (const auto& item : json) {
        if (item.is_object() && item.value("status", std::string{}) == "enabled" &&
            item.contains("contentType") && item["contentType"].is_string()) {
            enabled.insert(item["contentType"].get<std::string>());
        }
    }
    return enabled;
}

Result<std::set<std::string>> SubscriptionKeeper::ensure(const std::vector<std::string>& wanted,
                                                         const StopSource& stop) {
    auto listed = enabled_types(stop);
    if (!listed) {
        return listed;
    }
    std::set<std::string> enabled;
    for (const auto& content_type : wanted) {
        if (listed->contains(content_type)) {
            enabled.insert(content_type);
            continue;
        }
        auto started = start(content_type, stop);
        if (!started) {
            return std::unexpected(started.error());
        }
        if (*started) {
            enabled.insert(content_type);
        }
    }
    return enabled;
}

Result<bool> SubscriptionKeeper::start(const std::string& content_type, const StopSource& stop) {
    const std::string& tenant = session_.options().tenant_id;
    const Timestamp now = time_.now();
    try {
        const auto last = state_.last_subscription_start(tenant, content_type);
        if (last && now - *last < kMinStartInterval) {
            component_logger("api")->info(
                "subscription start sent recently; waiting {}",
                fields({{"tenant", tenant}, {"content_type", content_type}}));
            return false;
        }
        // Remembered before sending: a crash right after must not lead to a second start.
        state_.put_subscription_start(tenant, content_type, now);
    } catch (const std::exception& e) {
        return fail("remember the subscription start of " + content_type + " for tenant " + tenant +
                        ": " + e.what(),
                    "storage");
    }

    const std::string operation = "start the " + content_type + " subscription of tenant " + tenant;
    auto response = session_.post(
        append_query(feed_root_ + "/subscriptions/start", "contentType", content_type), stop);
    if (!response) {
        return fail(operation + ": " + response.error().message, response.error().code);
    }
    if (response->status == 200 || api_error_code(response->body) == "AF20024") {
        component_logger("api")->info("subscription enabled {}",
                                      fields({{"tenant", tenant}, {"content_type", content_type}}));
        return true;
    }
    return std::unexpected(api_failure(operation, *response));
}

}  // namespace flowwatch::agent::api
