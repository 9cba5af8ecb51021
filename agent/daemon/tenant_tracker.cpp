#include "agent/daemon/tenant_tracker.h"

#include <algorithm>
#include <cstddef>
#include <string>
#include <utility>

namespace flowwatch::agent {

namespace {

AuthState from_api(api::AuthState state) {
    switch (state) {
        case api::AuthState::ok:
            return AuthState::ok;
        case api::AuthState::failed:
            return AuthState::failed;
        case api::AuthState::unknown:
            break;
    }
    return AuthState::unknown;
}

/// Errors that say the tenant's credentials or consent do not work: Entra's AADSTS codes, a 401
/// that a fresh token did not cure, a token answer that is not one, a token without the API role.
bool is_authentication_error(const Error& error) {
    const std::string& code = error.code;
    return code.starts_with("AADSTS") || code == "http_401" || code == "bad_token_response" ||
           code == "AF10001";
}

}  // namespace

TenantTracker::TenantTracker(std::string tenant, int poll_interval_seconds,
                             std::optional<Timestamp> newest_committed) {
    status_.tenant = std::move(tenant);
    status_.poll_interval_seconds = poll_interval_seconds;
    status_.newest_committed = newest_committed;
}

void TenantTracker::cycle_finished(const api::PollStats& stats, Timestamp now) {
    ++status_.cycles;
    status_.auth = from_api(stats.auth);
    // The session counts requests from its start, so the latest figures are the totals.
    status_.requests_by_outcome = stats.requests;
    status_.blobs += stats.blobs_committed;
    status_.records += stats.records;
    status_.flow_records += stats.pipeline.flow_records;
    status_.duplicates += stats.pipeline.duplicates;
    status_.gaps += stats.gaps;
    status_.backlog = stats.blobs_failed;
    if (stats.newest_content_committed) {
        status_.newest_committed =
            status_.newest_committed
                ? std::max(*status_.newest_committed, *stats.newest_content_committed)
                : *stats.newest_content_committed;
    }

    if (stats.last_error) {
        ++status_.failed_cycles;
        note_error(*stats.last_error, now);
        return;
    }
    status_.last_success = now;
    status_.last_error.clear();
    status_.last_error_code.clear();
}

void TenantTracker::cycle_failed(const Error& error, Timestamp now) {
    ++status_.cycles;
    ++status_.failed_cycles;
    if (is_authentication_error(error)) {
        status_.auth = AuthState::failed;
    }
    note_error(error, now);
}

void TenantTracker::alert_emitted(const Alert& alert) {
    ++status_.alerts[static_cast<std::size_t>(alert.trigger)]
                    [static_cast<std::size_t>(alert.severity)];
}

void TenantTracker::note_error(const Error& error, Timestamp now) {
    status_.last_error = error.message;
    status_.last_error_code = error.code;
    status_.last_error_at = now;
}

}  // namespace flowwatch::agent
