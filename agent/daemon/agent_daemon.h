#pragma once
/// The agent's main job (`flowwatch run`, and the services): one poller per tenant on its own
/// interval, a store, the outputs on their own thread, and the status endpoint, all ending at one
/// stop request. `run_agent` (service_host.h) is this with the defaults.

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "agent/api/tenant_poller.h"
#include "agent/api/time_source.h"
#include "agent/config.h"
#include "agent/service_host.h"
#include "agent/status/status_snapshot.h"

namespace flowwatch::agent {

/// What a caller other than a service host may change (the demo, tests).
struct DaemonOptions {
    api::TimeSource time = api::TimeSource::system();
    /// After each tenant's cycle, on the poll thread, with the tenant's status so far.
    std::function<void(const TenantStatus&, const api::PollStats*)> after_cycle;
    /// Each alert as it is emitted, on the poll thread.
    std::function<void(const Alert&)> on_alert;
    /// Told the status endpoint's URL once it listens.
    std::function<void(std::string_view url)> on_listening;
};

/// Runs until `stop` is requested; returns the process exit code (0 after a clean stop).
int run_daemon(const Config& config, StopSource& stop, const ServiceHooks& hooks,
               const DaemonOptions& options);

/// Asks the running daemon to reopen its output files (SIGHUP). Async-signal-safe.
void request_output_reopen();

}  // namespace flowwatch::agent
