#pragma once
/// Folds each poll cycle's PollStats into a tenant's running TenantStatus, the form the status
/// endpoint serves: counters add up across cycles, states take the latest value.

#include "agent/api/tenant_poller.h"
#include "agent/status/status_snapshot.h"
#include "core/alert.h"
#include "core/error.h"
#include "core/time.h"

namespace flowwatch::agent {

// TODO: counters and the newest commit start from zero at each process start; after a restart
// the lag stays unknown until the first new blob is committed (the checkpoint holds the cursor).
class TenantTracker {
  public:
    TenantTracker(std::string tenant, int poll_interval_seconds);

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
