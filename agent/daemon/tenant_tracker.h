#pragma once
/// Folds each poll cycle's PollStats into a tenant's running TenantStatus, the form the status
/// endpoint serves: counters add up across cycles, states take the latest value.

#include <optional>
#include <string>

#include "agent/api/tenant_poller.h"
#include "agent/status/status_snapshot.h"
#include "core/alert.h"
#include "core/error.h"
#include "core/time.h"

namespace flowwatch::agent {

/// Counters count from the process start, as Prometheus counters do; the newest commit is taken
/// from the store at the start, so the lag is known before the first new blob.
class TenantTracker {
  public:
    TenantTracker(std::string tenant, int poll_interval_seconds,
                  std::optional<Timestamp> newest_committed = std::nullopt);

    /// A cycle that ran; `stats.last_error` set means it did not finish every window.
    void cycle_finished(const api::PollStats& stats, Timestamp now);
    /// A cycle that could not run at all (authentication, the store).
    void cycle_failed(const Error& error, Timestamp now);
    /// An alert emitted by this tenant's pipeline.
    void alert_emitted(const Alert& alert);

    const TenantStatus& status() const { return status_; }

  private:
    void note_error(const Error& error, Timestamp now);

    TenantStatus status_;
};

}  // namespace flowwatch::agent
