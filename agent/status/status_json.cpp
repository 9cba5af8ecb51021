#include "agent/status/status_json.h"

#include <chrono>
#include <cstddef>
#include <string>

namespace flowwatch::agent {

namespace {

nlohmann::json optional_time(const std::optional<Timestamp>& time) {
    return time ? nlohmann::json(format_time(*time)) : nlohmann::json(nullptr);
}

nlohmann::json alerts_by_severity(const TenantStatus& tenant) {
    auto by_severity = nlohmann::json::object();
    for (Severity severity : kAllSeverities) {
        by_severity[std::string(severity_name(severity))] = tenant.alerts_with_severity(severity);
    }
    return by_severity;
}

nlohmann::json last_error(const TenantStatus& tenant) {
    if (tenant.last_error.empty()) {
        return nullptr;
    }
    return {{"message", tenant.last_error},
            {"code", tenant.last_error_code},
            {"at", optional_time(tenant.last_error_at)}};
}

nlohmann::json tenant_to_json(const TenantStatus& tenant, Timestamp now) {
    const auto behind = lag(tenant, now);
    return {
        {"tenant", tenant.tenant},
        {"authentication", auth_state_name(tenant.auth)},
        {"poll_interval_seconds", tenant.poll_interval_seconds},
        {"cycles", tenant.cycles},
        {"failed_cycles", tenant.failed_cycles},
        {"last_success", optional_time(tenant.last_success)},
        {"newest_content_committed", optional_time(tenant.newest_committed)},
        {"lag_seconds", behind ? nlohmann::json(behind->count()) : nlohmann::json(nullptr)},
        {"backlog_blobs", tenant.backlog},
        {"requests", tenant.requests_by_outcome},
        {"blobs", tenant.blobs},
        {"records", tenant.records},
        {"power_automate_records", tenant.flow_records},
        {"duplicates_skipped", tenant.duplicates},
        {"gaps", tenant.gaps},
        {"last_error", last_error(tenant)},
        {"alerts", alerts_by_severity(tenant)},
    };
}

}  // namespace

nlohmann::json status_to_json(const StatusSnapshot& snapshot, Timestamp now) {
    const auto uptime = std::chrono::duration_cast<std::chrono::seconds>(now - snapshot.started_at);
    const auto readiness = check_readiness(snapshot, now);
    auto tenants = nlohmann::json::array();
    for (const auto& tenant : snapshot.tenants) {
        tenants.push_back(tenant_to_json(tenant, now));
    }
    return {
        {"version", snapshot.version},
        {"started_at", format_time(snapshot.started_at)},
        {"uptime_seconds", uptime.count() < 0 ? 0 : uptime.count()},
        {"ready", readiness.ready},
        {"not_ready_reason",
         readiness.ready ? nlohmann::json(nullptr) : nlohmann::json(readiness.reason)},
        {"tenants", std::move(tenants)},
    };
}

nlohmann::json alerts_to_json(const std::vector<StoredAlert>& alerts) {
    auto list = nlohmann::json::array();
    for (const auto& stored : alerts) {
        auto entry = to_json(stored.alert);
        entry["sequence"] = stored.sequence;
        entry["emitted"] = stored.emitted;
        list.push_back(std::move(entry));
    }
    return {{"count", list.size()}, {"alerts", std::move(list)}};
}

nlohmann::json error_to_json(int status, std::string_view message) {
    return {{"error", {{"status", status}, {"message", message}}}};
}

}  // namespace flowwatch::agent
