#pragma once
/// Keeps one tenant's requests under a rate: a token bucket holding one second's worth of
/// requests, shared by every thread that talks to that tenant's API.

#include <mutex>

#include "agent/api/time_source.h"

namespace flowwatch::agent::api {

class RateLimiter {
  public:
    RateLimiter(int max_requests_per_minute, TimeSource time);

    /// Takes one request slot, waiting for it if need be; false when `stop` came first.
    bool acquire(const StopSource& stop);

  private:
    TimeSource time_;
    double per_millisecond_;
    double capacity_;
    std::mutex mutex_;
    double tokens_;
    Timestamp refilled_at_{};
};

}  // namespace flowwatch::agent::api
