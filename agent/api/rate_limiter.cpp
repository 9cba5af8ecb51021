#include "agent/api/rate_limiter.h"

#include <algorithm>
#include <cmath>

namespace flowwatch::agent::api {

RateLimiter::RateLimiter(int max_requests_per_minute, TimeSource time)
    : time_(std::move(time)),
      per_millisecond_(std::max(max_requests_per_minute, 1) / 60'000.0),
      capacity_(std::max(1.0, std::floor(std::max(max_requests_per_minute, 1) / 60.0))),
      tokens_(capacity_),
      refilled_at_(time_.now()) {}

bool RateLimiter::acquire(const StopSource& stop) {
    std::chrono::milliseconds wait{0};
    {
        std::lock_guard lock(mutex_);
        const Timestamp now = time_.now();
        const auto elapsed = static_cast<double>(std::max<std::int64_t>(
            0, std::chrono::duration_cast<std::chrono::milliseconds>(now - refilled_at_).count()));
        tokens_ = std::min(capacity_, tokens_ + elapsed * per_millisecond_);
        refilled_at_ = std::max(refilled_at_, now);

        // Take the slot now, even into debt, so waiters queue in arrival order.
        tokens_ -= 1.0;
        if (tokens_ < 0.0) {
            wait = std::chrono::milliseconds{std::llround(std::ceil(-tokens_ / per_millisecond_))};
        }
    }
    if (wait.count() == 0) {
        return !stop.stop_requested();
    }
    return time_.sleep(stop, wait);
}

}  // namespace flowwatch::agent::api
