#pragma once
/// Where a tenant logs in and where its Management Activity API lives, per national cloud, with
/// the test overrides checked (plain http only on loopback).

#include <string>
#include <string_view>

#include "agent/config.h"
#include "core/error.h"

namespace flowwatch::agent::api {

struct TenantEndpoints {
    std::string token_url;  ///< The tenant-specific v2 token endpoint (also the assertion's aud).
    std::string scope;      ///< "{resource}/.default".
    std::string api_base;   ///< "https://manage.office.com", or the override.
    std::string feed_root;  ///< "{api_base}/api/v1.0/{tenant}/activity/feed".
};

/// Resolves the endpoints of `tenant`; errors name the key to fix.
Result<TenantEndpoints> resolve_endpoints(const TenantConfig& tenant);

}  // namespace flowwatch::agent::api
