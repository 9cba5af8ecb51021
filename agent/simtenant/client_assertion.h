#pragma once
/// Checks a client assertion (a JWT signed with the app's certificate key) the way Entra does:
/// algorithm, certificate thumbprint, audience, issuer and subject, lifetime, and signature.

#include <chrono>
#include <string>
#include <string_view>

#include "core/error.h"
#include "core/time.h"

namespace flowwatch::simtenant {

struct AssertionExpectations {
    std::string certificate_pem;  ///< The certificate registered on the app.
    std::string audience;         ///< The token endpoint URL.
    std::string client_id;        ///< Expected as both iss and sub.
    Timestamp now{};
    std::chrono::seconds max_lifetime{3600};  ///< exp may be at most this far ahead of now.
    std::chrono::seconds allowed_skew{300};   ///< Slack for nbf ahead of now.
};

/// On failure the error code is the AADSTS number Entra uses: 700027 for the signature, the
/// thumbprint or the claims that name the app, 700024 for the time range; the message says why.
Result<void> verify_client_assertion(std::string_view assertion,
                                     const AssertionExpectations& expected);

}  // namespace flowwatch::simtenant
