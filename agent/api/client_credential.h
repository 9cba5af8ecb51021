#pragma once
/// What a tenant's app proves itself with: a client secret (from a file, an environment variable
/// or systemd's $CREDENTIALS_DIRECTORY) or a certificate that signs client assertions.

#include <optional>
#include <string>

#include "agent/api/client_assertion.h"
#include "agent/config.h"
#include "core/error.h"

namespace flowwatch::agent::api {

struct ClientCredential {
    std::string secret;                     ///< Set for secret credentials. Never log it.
    std::optional<AssertionSigner> signer;  ///< Set for certificate credentials.
};

/// Loads the credential `tenant` names. Errors say which source failed, never what it held.
Result<ClientCredential> load_client_credential(const TenantConfig& tenant);

}  // namespace flowwatch::agent::api
