#pragma once
/// systemd's readiness protocol for a Type=notify unit: datagrams to $NOTIFY_SOCKET that say the
/// agent is ready (READY=1), what it is doing (STATUS=), that its loop still turns (WATCHDOG=1) and
/// that it is on its way out (STOPPING=1).

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "agent/service_host.h"
#include "core/error.h"

namespace flowwatch::agent {

class SystemdNotifier {
  public:
    using Clock = std::chrono::steady_clock;

    /// `socket_path` as systemd passes it in $NOTIFY_SOCKET: a path, or "@name" for an abstract
    /// socket; empty turns every message into a no-op. A zero `watchdog_interval` turns the
    /// watchdog off.
    SystemdNotifier(std::string socket_path, std::chrono::microseconds watchdog_interval,
                    std::function<Clock::time_point()> now = Clock::now);

    /// Reads $NOTIFY_SOCKET, $WATCHDOG_USEC and $WATCHDOG_PID (the watchdog is ours only when the
    /// pid is unset or equals this process).
    static std::shared_ptr<SystemdNotifier> from_environment();

    bool enabled() const { return !socket_path_.empty(); }
    std::chrono::microseconds watchdog_interval() const { return watchdog_interval_; }

    /// Sends one datagram as it is; succeeds without sending when the notifier is disabled.
    Result<void> send(std::string_view message) const;

    void ready();
    /// Sends STATUS= with line breaks flattened to spaces, since systemd shows one line.
    void status(std::string_view line);
    /// Pets the watchdog, at most once per half interval however often it is called.
    void alive();
    void stopping();

  private:
    void send_or_warn(std::string_view message);

    std::string socket_path_;
    std::chrono::microseconds watchdog_interval_;
    std::function<Clock::time_point()> now_;
    std::mutex mutex_;
    std::optional<Clock::time_point> last_watchdog_;
};

/// Hooks that drive `notifier`; it lives as long as the hooks do.
ServiceHooks systemd_hooks(std::shared_ptr<SystemdNotifier> notifier);
/// Hooks for the environment this process was started in: silent outside a Type=notify unit.
ServiceHooks systemd_hooks();

}  // namespace flowwatch::agent
