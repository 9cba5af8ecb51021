#pragma once
/// The API client's sense of time: an injected clock and a sleep that a stop request cuts short,
/// so tests run without waiting and the daemon stops promptly.

#include <chrono>
#include <functional>

#include "agent/service_host.h"
#include "core/time.h"

namespace flowwatch::agent::api {

struct TimeSource {
    std::function<Timestamp()> now;
    /// Waits `duration` unless `stop` is requested first; false when it was.
    std::function<bool(const StopSource& stop, std::chrono::milliseconds duration)> sleep;

    /// The system clock and a real, interruptible wait.
    static TimeSource system();
};

}  // namespace flowwatch::agent::api
