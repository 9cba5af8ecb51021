#pragma once
/// Gets and caches an app-only access token for one tenant (client credentials on the v2
/// endpoint), refreshes it before it runs out and on demand after a 401, and turns login
/// failures into messages that say what to fix.

#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "agent/api/client_credential.h"
#include "agent/api/http_transport.h"
#include "agent/api/retry_policy.h"
#include "agent/api/time_source.h"
#include "core/error.h"

namespace flowwatch::agent::api {

enum class AuthState { unknown, ok, failed };
std::string_view auth_state_name(AuthState state);

struct TokenRequestTarget {
    std::string tenant_id;
    std::string client_id;
    std::string token_url;
    std::string scope;
};

class TokenProvider {
  public:
    TokenProvider(HttpTransport& transport, TokenRequestTarget target, ClientCredential credential,
                  TimeSource time, RetryPolicy retry = {});

    /// A valid access token, from the cache while it has time left. Thread-safe.
    Result<std::string> token(const StopSource& stop);
    /// Drops the cached token (the API answered 401), so the next call logs in again.
    void invalidate();

    AuthState state() const;

    /// Removes the credential's secret from `text` wherever it appears.
    std::string redact(std::string text) const;

  private:
    Result<std::string> request_token(const StopSource& stop);

    HttpTransport& transport_;
    TokenRequestTarget target_;
    ClientCredential credential_;
    TimeSource time_;
    RetryPolicy retry_;

    mutable std::mutex mutex_;
    std::string access_token_;
    Timestamp refresh_at_{};
    AuthState state_ = AuthState::unknown;
};

/// The login error in `body` (a token endpoint's error JSON) as an actionable Error whose code is
/// the AADSTS code ("AADSTS7000215") or "http_<status>".
Error explain_login_error(int status, std::string_view body, std::string_view tenant_id);

/// The `expires_in` of a token response, as a number or a string; nullopt when missing or bad.
std::optional<std::int64_t> parse_expires_in(const std::string& response_body);

}  // namespace flowwatch::agent::api
