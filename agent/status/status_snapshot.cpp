#include "agent/status/status_snapshot.h"

#include <cstddef>

#include <fmt/format.h>

namespace flowwatch::agent {

std::string_view auth_state_name(AuthState state) {
    switch (state) {
        case AuthState::ok:
            return "ok";
        case AuthState::failed:
            return "failed";
        case AuthState::unknown:
            break;
    }
    return "unknown";
}

std::uint64_t TenantStatus::alerts_with_severity(Severity severity) const {
    std::uint64_t total = 0;
    for (const auto& by_severity : alerts) {
        total += by_severity[static_cast<std::size_t>(severity)];
    }
    return total;
}

std::optional<std::chrono::seconds> lag(const TenantStatus& tenant, Timestamp now) {
    if (!tenant.newest_committed) {
        return std::nullopt;
    }
    auto behind = std::chrono::duration_cast<std::chrono::seconds>(now - *tenant.newest_committed);
    return behind.count() < 0 ? std::chrono::seconds{0} : behind;
}

namespace {

std::string tenant_not_ready(const TenantStatus& tenant, Timestamp now) {
    if (tenant.auth == AuthState::failed) {
        return fmt::format("tenant {}: authentication fails: {}", tenant.tenant, tenant.last_error);
    }
    if (!tenant.last_success) {
        return tenant.last_error.empty()
                   ? fmt::format("tenant {}: no cycle has finished yet", tenant.tenant)
                   : fmt::format("tenant {}: no cycle has succeeded yet: {}", tenant.tenant,
                                 tenant.last_error);
    }
    const auto limit = std::chrono::seconds{3LL * tenant.poll_interval_seconds};
    if (now - *tenant.last_success > limit) {
        return fmt::format("tenant {}: last successful cycle at {} is older than three intervals",
                           tenant.tenant, format_time(*tenant.last_success));
    }
    return {};
}

}  // namespace

Readiness check_readiness(const StatusSnapshot& snapshot, Timestamp now) {
    if (snapshot.tenants.empty()) {
        return {false, "no tenant is configured"};
    }
    for (const auto& tenant : snapshot.tenants) {
        if (auto reason = tenant_not_ready(tenant, now); !reason.empty()) {
            return {false, std::move(reason)};
        }
    }
    return {true, {}};
}

}  // namespace flowwatch::agent
