#include "agent/outputs/delivery_backoff.h"

#include <algorithm>

namespace flowwatch::agent {

DeliveryBackoff::DeliveryBackoff(BackoffPolicy policy, std::uint64_t seed)
    : policy_(policy), random_(seed) {}

std::chrono::milliseconds DeliveryBackoff::next_delay() {
    // Doubling stops once past the cap, so the shift never overflows.
    std::uint32_t doublings = std::min<std::uint32_t>(failures_, 30);
    ++failures_;
    auto base =
        std::min(policy_.initial.count() * (std::int64_t{1} << doublings), policy_.max.count());
    double factor = 1.0;
    if (policy_.jitter > 0.0) {
        std::uniform_real_distribution<double> spread(1.0 - policy_.jitter, 1.0 + policy_.jitter);
        factor = spread(random_);
    }
    auto delay = static_cast<std::int64_t>(static_cast<double>(base) * factor);
    return std::chrono::milliseconds(std::clamp<std::int64_t>(delay, 0, policy_.max.count()));
}

}  // namespace flowwatch::agent
