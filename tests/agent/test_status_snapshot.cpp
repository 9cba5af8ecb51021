#include <chrono>

#include <doctest/doctest.h>

#include "agent/status/status_snapshot.h"
#include "status_fixtures.h"

using namespace flowwatch;
using namespace flowwatch::agent;
using namespace flowwatch::agent::testing;
using namespace std::chrono_literals;

TEST_CASE("an agent with no tenant is not ready") {
    const auto readiness = check_readiness(StatusSnapshot{}, at("2025-03-11T10:00:00Z"));
    CHECK_FALSE(readiness.ready);
    CHECK(readiness.reason == "no tenant is configured");
}

TEST_CASE("a tenant whose last cycle succeeded within three intervals is ready") {
    const auto now = at("2025-03-11T10:00:00Z");
    StatusSnapshot snapshot;
    snapshot.tenants.push_back(healthy_tenant("contoso", now));
    snapshot.tenants.back().last_success = now - 179s;
    const auto readiness = check_readiness(snapshot, now);
    CHECK(readiness.ready);
    CHECK(readiness.reason.empty());
}

TEST_CASE("a tenant whose last success is older than three intervals makes the agent not ready") {
    const auto now = at("2025-03-11T10:00:00Z");
    StatusSnapshot snapshot;
    snapshot.tenants.push_back(healthy_tenant("contoso", now));
    snapshot.tenants.push_back(healthy_tenant("fabrikam", now));
    snapshot.tenants.back().last_success = now - 181s;
    const auto readiness = check_readiness(snapshot, now);
    CHECK_FALSE(readiness.ready);
    CHECK(readiness.reason.find("fabrikam") != std::string::npos);
    CHECK(readiness.reason.find("three intervals") != std::string::npos);
}

TEST_CASE("failed authentication makes the agent not ready and says why") {
    const auto now = at("2025-03-11T10:00:00Z");
    StatusSnapshot snapshot;
    snapshot.tenants.push_back(healthy_tenant("contoso", now));
    snapshot.tenants.back().auth = AuthState::failed;
    snapshot.tenants.back().last_error = "AADSTS7000215: invalid client secret";
    const auto readiness = check_readiness(snapshot, now);
    CHECK_FALSE(readiness.ready);
    CHECK(readiness.reason.find("AADSTS7000215") != std::string::npos);
}

TEST_CASE("a tenant that never finished a cycle is not ready") {
    const auto now = at("2025-03-11T10:00:00Z");
    StatusSnapshot snapshot;
    snapshot.tenants.push_back(TenantStatus{.tenant = "contoso"});
    CHECK_FALSE(check_readiness(snapshot, now).ready);
}

TEST_CASE(
    "lag is now minus the newest committed content, empty before any commit, never negative") {
    const auto now = at("2025-03-11T10:00:00Z");
    TenantStatus tenant;
    CHECK_FALSE(lag(tenant, now).has_value());
    tenant.newest_committed = now - 90s;
    CHECK(lag(tenant, now) == 90s);
    tenant.newest_committed = now + 5s;
    CHECK(lag(tenant, now) == 0s);
}

TEST_CASE("alerts by severity add up over every trigger") {
    const auto tenant = healthy_tenant("contoso", at("2025-03-11T10:00:00Z"));
    CHECK(tenant.alerts_with_severity(Severity::high) == 2);
    CHECK(tenant.alerts_with_severity(Severity::medium) == 1);
    CHECK(tenant.alerts_with_severity(Severity::critical) == 0);
}
