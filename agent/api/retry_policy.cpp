#include "agent/api/retry_policy.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <random>

#include <nlohmann/json.hpp>

namespace flowwatch::agent::api {
namespace {

bool is_retryable_api_code(std::string_view code) {
    return code == "AF429" || code == "AF50000" || code == "AF50005" || code == "AF50006";
}

std::optional<int> parse_int(std::string_view text) {
    int value = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || ptr != text.data() + text.size()) {
        return std::nullopt;
    }
    return value;
}

double uniform01() {
    thread_local std::mt19937_64 engine{std::random_device{}()};
    return std::uniform_real_distribution<double>(0.0, 1.0)(engine);
}

}  // namespace

std::string api_error_code(std::string_view body) {
    const auto json = nlohmann::json::parse(body, nullptr, false);
    if (json.is_object() && json.contains("error") && json["error"].is_object()) {
        const auto& error = json["error"];
        if (error.contains("code") && error["code"].is_string()) {
            return error["code"].get<std::string>();
        }
    }
    // The documented throttling example is not valid JSON; the code is still unmistakable.
    if (body.find("AF429") != std::string_view::npos) {
        return "AF429";
    }
    return {};
}

bool RetryPolicy::is_retryable(const Result<HttpResponse>& outcome) {
    if (!outcome) {
        return outcome.error().code == kTimeoutCode || outcome.error().code == kNetworkCode;
    }
    const int status = outcome->status;
    if (status == 408 || status == 429 || status >= 500) {
        return true;
    }
    return status >= 400 && is_retryable_api_code(api_error_code(outcome->body));
}

std::chrono::milliseconds RetryPolicy::delay_before(
    int retry, std::optional<std::chrono::milliseconds> retry_after, double random01) const {
    if (retry_after) {
        return std::clamp(*retry_after, std::chrono::milliseconds{0}, max_retry_after);
    }
    const double exponent = std::min(retry - 1, 30);
    const double backoff = std::min(static_cast<double>(base_delay.count()) * std::exp2(exponent),
                                    static_cast<double>(max_delay.count()));
    const double scale = 1.0 - std::clamp(jitter, 0.0, 1.0) * std::clamp(random01, 0.0, 1.0);
    return std::chrono::milliseconds{std::llround(backoff * scale)};
}

std::optional<Timestamp> parse_http_date(std::string_view value) {
    // "Sun, 06 Nov 1994 08:49:37 GMT": the weekday is ignored, the rest is fixed width.
    const auto comma = value.find(", ");
    if (comma == std::string_view::npos || value.size() < comma + 2 + 20) {
        return std::nullopt;
    }
    const std::string_view rest = value.substr(comma + 2);
    static constexpr std::array<std::string_view, 12> kMonths = {
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    const auto month = std::ranges::find(kMonths, rest.substr(3, 3));
    const auto day = parse_int(rest.substr(0, 2));
    const auto year = parse_int(rest.substr(7, 4));
    const auto hour = parse_int(rest.substr(12, 2));
    const auto minute = parse_int(rest.substr(15, 2));
    const auto second = parse_int(rest.substr(18, 2));
    if (month == kMonths.end() || !day || !year || !hour || !minute || !second) {
        return std::nullopt;
    }
    const auto month_number = static_cast<unsigned>(month - kMonths.begin() + 1);
    const std::chrono::year_month_day date{std::chrono::year{*year},
                                           std::chrono::month{month_number},
                                           std::chrono::day{static_cast<unsigned>(*day)}};
    if (!date.ok()) {
        return std::nullopt;
    }
    return Timestamp{std::chrono::sys_days{date}} + std::chrono::hours{*hour} +
           std::chrono::minutes{*minute} + std::chrono::seconds{*second};
}

std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view value, Timestamp now) {
    while (!value.empty() && value.front() == ' ') {
        value.remove_prefix(1);
    }
    if (const auto seconds = parse_int(value)) {
        return std::chrono::milliseconds{std::max(*seconds, 0) * 1000LL};
    }
    if (const auto date = parse_http_date(value)) {
        return std::max(std::chrono::milliseconds{0}, *date - now);
    }
    return std::nullopt;
}

Result<HttpResponse> send_with_retries(HttpTransport& transport, const HttpRequest& request,
                                       const RetryPolicy& policy, const TimeSource& time,
                                       const StopSource& stop, const RetryHooks& hooks) {
    for (int attempt = 1;; ++attempt) {
        if (hooks.before_attempt && !hooks.before_attempt()) {
            return fail("stopped before " + request.method + " " + request.url, "stopped");
        }
        auto outcome = transport.send(request);

        const bool retry = RetryPolicy::is_retryable(outcome) && attempt < policy.max_attempts;
        if (hooks.on_attempt) {
            hooks.on_attempt(outcome && outcome->status < 400 ? "ok"
                                                              : (retry ? "retry" : "failed"));
        }
        if (!retry) {
            return outcome;
        }

        // A server that says when to come back knows better than our backoff.
        std::optional<std::chrono::milliseconds> retry_after;
        if (outcome) {
            retry_after = parse_retry_after(outcome->header("Retry-After"), time.now());
        }
        const auto delay = policy.delay_before(attempt, retry_after, uniform01());
        if (!time.sleep(stop, delay)) {
            return fail("stopped while waiting to retry " + request.method + " " + request.url,
                        "stopped");
        }
    }
}

}  // namespace flowwatch::agent::api
