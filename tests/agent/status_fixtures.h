#pragma once
/// Snapshots and alerts for the status endpoint's tests.

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "agent/status/status_snapshot.h"
#include "core/alert.h"
#include "core/time.h"

namespace flowwatch::agent::testing {

inline Timestamp at(const char* iso) {
    return *parse_time(iso);
}

inline TenantStatus healthy_tenant(std::string name, Timestamp now) {
    TenantStatus tenant;
    tenant.tenant = std::move(name);
    tenant.poll_interval_seconds = 60;
    tenant.auth = AuthState::ok;
    tenant.cycles = 3;
    tenant.last_success = now - std::chrono::seconds(30);
    tenant.newest_committed = now - std::chrono::minutes(5);
    tenant.requests_by_outcome = {{"ok", 12}, {"throttled", 1}};
    tenant.blobs = 4;
    tenant.records = 40;
    tenant.flow_records = 9;
    tenant.duplicates = 2;
    tenant.gaps = 1;
    tenant.alerts[static_cast<std::size_t>(Trigger::unauthorized_connector)]
                 [static_cast<std::size_t>(Severity::high)] = 2;
    tenant.alerts[static_cast<std::size_t>(Trigger::abnormal_activity)]
                 [static_cast<std::size_t>(Severity::medium)] = 1;
    return tenant;
}

inline StoredAlert stored_alert(std::int64_t sequence, Timestamp time) {
    StoredAlert stored;
    stored.sequence = sequence;
    stored.emitted = true;
    stored.alert.id = "alert-" + std::to_string(sequence);
    stored.alert.trigger = Trigger::unauthorized_connector;
    stored.alert.severity = Severity::high;
    stored.alert.score = 80;
    stored.alert.tenant = "contoso";
    stored.alert.user = "megan@contoso.example";
    stored.alert.time = time;
    stored.alert.operation = "CreateFlow";
    stored.alert.reason = "the flow uses a blocked connector";
    return stored;
}

/// One healthy tenant and three alerts, sequences 3, 2, 1 (newest first) an hour apart.
inline std::shared_ptr<StatusSnapshot> sample_snapshot(Timestamp now) {
    auto snapshot = std::make_shared<StatusSnapshot>();
    snapshot->version = "9.9.9";
    snapshot->started_at = now - std::chrono::minutes(10);
    snapshot->tenants.push_back(healthy_tenant("contoso", now));
    for (std::int64_t sequence = 3; sequence >= 1; --sequence) {
        snapshot->recent_alerts.push_back(
            stored_alert(sequence, now - std::chrono::hours(4 - sequence)));
    }
    return snapshot;
}

}  // namespace flowwatch::agent::testing
