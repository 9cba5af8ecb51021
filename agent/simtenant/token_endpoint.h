#pragma once
/// The simulated Entra v2 token endpoint: issues app-only access tokens for one app in one
/// tenant against a client secret or a certificate-signed client assertion, answers the AADSTS
/// errors Entra sends, and checks the bearer tokens the API receives.

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>

#include "agent/simtenant/exchange.h"
#include "agent/simtenant/faults.h"
#include "core/time.h"

namespace flowwatch::simtenant {

struct TokenSettings {
    std::string tenant_id;
    std::string client_id;
    std::string client_secret;
    std::string certificate_pem;
    int lifetime_seconds = 3599;
    bool expires_in_as_string = false;
    bool client_secret_expired = false;
};

enum class BearerCheck { valid, missing, unknown, expired };

class TokenEndpoint {
  public:
    TokenEndpoint(TokenSettings settings, std::function<Timestamp()> clock, Faults& faults);

    /// Answers `POST /{path_tenant}/oauth2/v2.0/token`; `endpoint_url` is the URL the client
    /// posted to, which a client assertion must carry as its audience.
    SimReply issue(const SimRequest& request, const std::string& path_tenant,
                   const std::string& endpoint_url);

    /// Checks an `Authorization` header value.
    BearerCheck check(const std::string& authorization);

    int tokens_issued() const;

  private:
    struct Issued {
        Timestamp expires_at;
        std::uint64_t generation;
    };

    SimReply check_credentials(const std::map<std::string, std::string>& form,
                               const std::string& endpoint_url);
    SimReply grant();

    TokenSettings settings_;
    std::function<Timestamp()> clock_;
    Faults& faults_;
    mutable std::mutex mutex_;
    std::map<std::string, Issued> issued_;
    int tokens_issued_ = 0;
};

/// An Entra error body (`error`, `error_description` with trace and correlation ids,
/// `error_codes`, ...), as the login service sends it.
SimReply entra_error(int status, const std::string& error, int code, const std::string& text,
                     Timestamp now);

}  // namespace flowwatch::simtenant
