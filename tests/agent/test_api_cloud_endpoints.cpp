/// The login and API hosts of each national cloud, and the checks on test overrides.

#include <doctest/doctest.h>

#include <string>

#include "agent/api/cloud_endpoints.h"

using namespace flowwatch;
using namespace flowwatch::agent;
using namespace flowwatch::agent::api;

namespace {

TenantConfig tenant_in(std::string cloud) {
    TenantConfig tenant;
    tenant.tenant_id = "4b7c6a3e-1f2d-4e5a-9b8c-0d1e2f3a4b5c";
    tenant.cloud = std::move(cloud);
    return tenant;
}

}  // namespace

TEST_CASE("each cloud logs in at its own host and scopes the token to its own API") {
    struct Expected {
        const char* cloud;
        const char* login;
        const char* api;
    };
    for (const Expected& e :
         {Expected{"commercial", "https://login.microsoftonline.com", "https://manage.office.com"},
          Expected{"gcc", "https://login.microsoftonline.com", "https://manage-gcc.office.com"},
          Expected{"gcchigh", "https://login.microsoftonline.us", "https://manage.office365.us"},
          Expected{"dod", "https://login.microsoftonline.us",
                   "https://manage.protection.apps.mil"}}) {
        CAPTURE(e.cloud);
        auto endpoints = resolve_endpoints(tenant_in(e.cloud));
        REQUIRE(endpoints);
        CHECK(endpoints->token_url ==
              std::string(e.login) + "/4b7c6a3e-1f2d-4e5a-9b8c-0d1e2f3a4b5c/oauth2/v2.0/token");
        CHECK(endpoints->scope == std::string(e.api) + "/.default");
        CHECK(endpoints->api_base == e.api);
        CHECK(endpoints->feed_root ==
              std::string(e.api) + "/api/v1.0/4b7c6a3e-1f2d-4e5a-9b8c-0d1e2f3a4b5c/activity/feed");
    }
}

TEST_CASE("overridden endpoints keep the cloud's scope and may use http on loopback only") {
    TenantConfig tenant = tenant_in("commercial");
    tenant.login_endpoint = "http://127.0.0.1:4711/";
    tenant.api_endpoint = "http://[::1]:4712";
    auto endpoints = resolve_endpoints(tenant);
    REQUIRE(endpoints);
    CHECK(endpoints->token_url ==
          "http://127.0.0.1:4711/4b7c6a3e-1f2d-4e5a-9b8c-0d1e2f3a4b5c/oauth2/v2.0/token");
    CHECK(endpoints->api_base == "http://[::1]:4712");
    CHECK(endpoints->scope == "https://manage.office.com/.default");

    tenant.api_endpoint = "http://manage.example.com";
    auto plain = resolve_endpoints(tenant);
    REQUIRE_FALSE(plain);
    CHECK(plain.error().message.find("api_endpoint: plain http is allowed only for loopback") !=
          std::string::npos);

    tenant.api_endpoint = "https://manage.example.com";
    CHECK(resolve_endpoints(tenant).has_value());
}

TEST_CASE("an unknown cloud or an override that is not a URL is a configuration error") {
    auto unknown = resolve_endpoints(tenant_in("moon"));
    REQUIRE_FALSE(unknown);
    CHECK(unknown.error().message.find("\"moon\" is not one of") != std::string::npos);

    TenantConfig tenant = tenant_in("commercial");
    tenant.login_endpoint = "login.example.com";
    auto not_url = resolve_endpoints(tenant);
    REQUIRE_FALSE(not_url);
    CHECK(not_url.error().message.find("login_endpoint") != std::string::npos);
    CHECK(not_url.error().code == "config");
}
