#pragma once
/// The seam between the agent and whatever hosts it: a console, systemd, or the Windows service
/// control manager. Every host ends in one stop request; the agent reports readiness, a one-line
/// state and liveness through the hooks.

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string_view>
#include <utility>
#include <vector>

#include "agent/config.h"

namespace flowwatch::agent {

/// A stop request that any thread may raise, once; later requests are no-ops.
class StopSource {
  public:
    void request_stop() {
        std::vector<std::function<void()>> callbacks;
        {
            std::lock_guard lock(mutex_);
            if (stopped_) {
                return;
            }
            stopped_ = true;
            callbacks.swap(callbacks_);
        }
        cv_.notify_all();
        for (auto& callback : callbacks) {
            callback();
        }
    }

    bool stop_requested() const {
        std::lock_guard lock(mutex_);
        return stopped_;
    }

    /// Waits up to `timeout`; true when a stop was requested.
    template <typename Rep, typename Period>
    bool wait_for(std::chrono::duration<Rep, Period> timeout) const {
        std::unique_lock lock(mutex_);
        return cv_.wait_for(lock, timeout, [this] { return stopped_; });
    }

    /// Runs `callback` on the stopping thread when a stop is requested (at once if it was).
    void on_stop(std::function<void()> callback) {
        {
            std::lock_guard lock(mutex_);
            if (!stopped_) {
                callbacks_.push_back(std::move(callback));
                return;
            }
        }
        callback();
    }

  private:
    mutable std::mutex mutex_;
    mutable std::condition_variable cv_;
    bool stopped_ = false;
    std::vector<std::function<void()>> callbacks_;
};

/// What the agent tells its host. Every hook is optional.
struct ServiceHooks {
    std::function<void()> ready;                   ///< Initialised; polling has begun.
    std::function<void(std::string_view)> status;  ///< "polling 2 tenants, lag 3 min".
    std::function<void()> alive;                   ///< From the event loop, for a watchdog.
    std::function<void()> stopping;                ///< The stop path has begun.
};

/// Runs the agent (`flowwatch run`) until `stop` is requested. Returns the process exit code.
int run_agent(const Config& config, StopSource& stop, const ServiceHooks& hooks);

/// The hooks for the service manager that started `flowwatch run`, from the platform shell:
/// systemd's notify protocol on Linux (silent outside a Type=notify unit); none on Windows,
/// whose service runs as `flowwatch service run` and brings its own.
ServiceHooks platform_service_hooks();

}  // namespace flowwatch::agent
