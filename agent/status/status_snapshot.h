#pragma once
/// What the status endpoint serves: an immutable picture of the agent, built by the poll loop after
/// every cycle and read by the HTTP handlers without ever waiting on the loop.

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/alert.h"
#include "core/store.h"
#include "core/time.h"

namespace flowwatch::agent {

/// Whether the agent could get a token for a tenant.
enum class AuthState { unknown, ok, failed };
std::string_view auth_state_name(AuthState state);

/// One tenant as the last finished cycle left it; counters run from the process start.
struct TenantStatus {
    std::string tenant;
    int poll_interval_seconds = 60;
    AuthState auth = AuthState::unknown;
    std::uint64_t cycles = 0;
    std::uint64_t failed_cycles = 0;
    std::optional<Timestamp> last_success;      ///< End of the last cycle that succeeded.
    std::optional<Timestamp> newest_committed;  ///< Newest contentCreated committed.
    std::uint64_t backlog = 0;                  ///< Blobs listed but not yet committed.

    std::map<std::string, std::uint64_t> requests_by_outcome;  ///< "ok", "throttled", "error"...
    std::uint64_t blobs = 0;
    std::uint64_t records = 0;       ///< Audit records of any workload.
    std::uint64_t flow_records = 0;  ///< Power Automate records.
    std::uint64_t duplicates = 0;
    std::uint64_t gaps = 0;
    /// alerts[trigger][severity], indexed by the enums' values.
    std::array<std::array<std::uint64_t, 4>, 4> alerts{};

    std::string last_error;  ///< Empty when the last cycle succeeded.
    std::string last_error_code;
    std::optional<Timestamp> last_error_at;

    std::uint64_t alerts_with_severity(Severity severity) const;
};

struct StatusSnapshot {
    std::string version;
    Timestamp started_at{};
    std::vector<TenantStatus> tenants;
    /// The most recent stored alerts, newest first (bounded; see kSnapshotAlerts).
    std::vector<StoredAlert> recent_alerts;
};

/// How many recent alerts a snapshot keeps for `/api/v1/alerts`.
inline constexpr std::size_t kSnapshotAlerts = 1000;

/// Now minus the newest committed contentCreated, never negative; empty before any commit.
std::optional<std::chrono::seconds> lag(const TenantStatus& tenant, Timestamp now);

struct Readiness {
    bool ready = false;
    std::string reason;  ///< Why not, naming the tenant; empty when ready.
};

/// Ready when every tenant authenticates and its last success is within three intervals.
Readiness check_readiness(const StatusSnapshot& snapshot, Timestamp now);

}  // namespace flowwatch::agent
