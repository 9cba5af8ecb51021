#pragma once
/// The Management Activity API of one tenant as the poller talks to it: every request carries
/// the PublisherIdentifier and a bearer token that only ever goes to the configured API host,
/// takes a rate-limit slot, is retried as the policy says, and is sent again once after a 401.
/// The server's Date header gives the clock skew the listing windows correct for.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include "agent/api/http_transport.h"
#include "agent/api/rate_limiter.h"
#include "agent/api/retry_policy.h"
#include "agent/api/time_source.h"
#include "agent/api/token_provider.h"

namespace flowwatch::agent::api {

/// Error code of a request refused because its URL leaves the API host.
inline constexpr std::string_view kForeignHostCode = "foreign_host";

struct ApiSessionOptions {
    std::string tenant_id;
    std::string api_base;      ///< Only URLs of this origin get the token.
    std::string publisher_id;  ///< Sent as PublisherIdentifier on every request.
    RetryPolicy retry;
};

class ApiSession {
  public:
    ApiSession(HttpTransport& transport, TokenProvider& tokens, RateLimiter& limiter,
               ApiSessionOptions options, TimeSource time);

    /// Thread-safe. Refuses (code kForeignHostCode) a URL outside the API host.
    Result<HttpResponse> get(std::string_view url, const StopSource& stop);
    Result<HttpResponse> post(std::string_view url, const StopSource& stop);

    bool is_api_url(std::string_view url) const;

    /// The server's clock minus ours, from the last Date header seen (0 before any).
    std::chrono::milliseconds clock_skew() const {
        return std::chrono::milliseconds{skew_ms_.load()};
    }

    /// Attempts by outcome: ok, retry, failed, refused, unauthorized.
    std::map<std::string, std::uint64_t> request_counts() const;

    const ApiSessionOptions& options() const { return options_; }

  private:
    Result<HttpResponse> send(std::string method, std::string_view url, const StopSource& stop);
    Result<HttpResponse> send_once(const HttpRequest& request, const StopSource& stop);
    void count(std::string_view outcome);
    void note_server_date(const HttpResponse& response, Timestamp sent_at);

    HttpTransport& transport_;
    TokenProvider& tokens_;
    RateLimiter& limiter_;
    ApiSessionOptions options_;
    TimeSource time_;

    std::atomic<std::int64_t> skew_ms_{0};
    mutable std::mutex counts_mutex_;
    std::map<std::string, std::uint64_t> counts_;
};

}  // namespace flowwatch::agent::api
