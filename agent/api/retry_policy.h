#pragma once
/// When and how long to wait before trying an idempotent request again: timeouts, resets, 408,
/// 429, 5xx and the API's AF429 (whatever its status) are retried with capped exponential
/// backoff and jitter; a Retry-After header wins over the computed delay.

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "agent/api/http_transport.h"
#include "agent/api/time_source.h"
#include "core/time.h"

namespace flowwatch::agent::api {

struct RetryPolicy {
    int max_attempts = 5;  ///< Attempts in all, the first included.
    std::chrono::milliseconds base_delay{1000};
    std::chrono::milliseconds max_delay{60'000};
    /// The longest Retry-After honoured; a server asking for more gets this.
    std::chrono::milliseconds max_retry_after{300'000};
    /// Each delay is scaled by a random factor in [1 - jitter, 1].
    double jitter = 0.5;

    /// Whether the outcome of one attempt is worth another.
    static bool is_retryable(const Result<HttpResponse>& outcome);

    /// The wait before retry number `retry` (1 for the second attempt). `random01` is a uniform
    /// draw in [0, 1) that applies the jitter.
    std::chrono::milliseconds delay_before(int retry,
                                           std::optional<std::chrono::milliseconds> retry_after,
                                           double random01) const;
};

/// The `error.code` of an API error body (`{"error":{"code":"AF429",...}}`); "" when none.
std::string api_error_code(std::string_view body);

/// A Retry-After value, in seconds or as an HTTP date (relative to `now`).
std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view value, Timestamp now);

/// Parses an RFC 7231 HTTP date ("Sun, 06 Nov 1994 08:49:37 GMT").
std::optional<Timestamp> parse_http_date(std::string_view value);

/// What a retrying send reports about each attempt.
struct RetryHooks {
    /// Runs before every attempt (to take a rate-limit slot); false stops the send.
    std::function<bool()> before_attempt;
    /// Told the outcome of every attempt: "ok", "retry", "failed", "http_<status>".
    std::function<void(std::string_view outcome)> on_attempt;
};

/// Sends `request`, retrying as the policy says. Gives up early, with code "stopped", when
/// `stop` is requested during a wait.
Result<HttpResponse> send_with_retries(HttpTransport& transport, const HttpRequest& request,
                                       const RetryPolicy& policy, const TimeSource& time,
                                       const StopSource& stop, const RetryHooks& hooks = {});

}  // namespace flowwatch::agent::api
