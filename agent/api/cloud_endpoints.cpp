#include "agent/api/cloud_endpoints.h"

#include <array>

#include "agent/api/url.h"

namespace flowwatch::agent::api {
namespace {

struct Cloud {
    std::string_view name;
    std::string_view login;
    std::string_view api;
};

constexpr std::array<Cloud, 4> kClouds = {{
    {"commercial", "https://login.microsoftonline.com", "https://manage.office.com"},
    {"gcc", "https://login.microsoftonline.com", "https://manage-gcc.office.com"},
    {"gcchigh", "https://login.microsoftonline.us", "https://manage.office365.us"},
    {"dod", "https://login.microsoftonline.us", "https://manage.protection.apps.mil"},
}};

/// An override must be an absolute URL, and http only to this machine.
Result<std::string> checked_base(std::string_view url, std::string_view key) {
    const auto parts = parse_url(url);
    if (!parts) {
        return fail(std::string(key) + ": \"" + std::string(url) + "\" is not an http(s) URL",
                    "config");
    }
    if (parts->scheme == "http" && !is_loopback_host(parts->host)) {
        return fail(
            std::string(key) + ": plain http is allowed only for loopback addresses; use https",
            "config");
    }
    std::string base(url);
    while (base.ends_with('/')) {
        base.pop_back();
    }
    return base;
}

}  // namespace

Result<TenantEndpoints> resolve_endpoints(const TenantConfig& tenant) {
    const Cloud* cloud = nullptr;
    for (const auto& candidate : kClouds) {
        if (candidate.name == tenant.cloud) {
            cloud = &candidate;
        }
    }
    if (cloud == nullptr) {
        return fail("tenant " + tenant.tenant_id + ": cloud \"" + tenant.cloud +
                        "\" is not one of commercial, gcc, gcchigh, dod",
                    "config");
    }
    auto login = checked_base(tenant.login_endpoint.empty() ? cloud->login : tenant.login_endpoint,
                              "tenant " + tenant.tenant_id + ": login_endpoint");
    if (!login) {
        return std::unexpected(login.error());
    }
    auto api = checked_base(tenant.api_endpoint.empty() ? cloud->api : tenant.api_endpoint,
                            "tenant " + tenant.tenant_id + ": api_endpoint");
    if (!api) {
        return std::unexpected(api.error());
    }

    TenantEndpoints out;
    out.token_url = *login + "/" + percent_encode(tenant.tenant_id) + "/oauth2/v2.0/token";
    // The token's audience stays the cloud's resource even when the host is overridden.
    out.scope = std::string(cloud->api) + "/.default";
    out.api_base = *api;
    out.feed_root = *api + "/api/v1.0/" + percent_encode(tenant.tenant_id) + "/activity/feed";
    return out;
}

}  // namespace flowwatch::agent::api
