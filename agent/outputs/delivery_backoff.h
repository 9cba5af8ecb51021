#pragma once
/// How long a failing output rests before its next attempt: exponential from `initial`, capped
/// at `max`, with jitter so outputs that failed together do not retry together. This is the
/// one retry policy of every output (webhooks included).

#include <chrono>
#include <cstdint>
#include <random>

namespace flowwatch::agent {

struct BackoffPolicy {
    std::chrono::milliseconds initial{1'000};
    std::chrono::milliseconds max{300'000};
    double jitter = 0.2;  ///< Each delay is scaled by a random factor in [1 - jitter, 1 + jitter].
};

class DeliveryBackoff {
  public:
    explicit DeliveryBackoff(BackoffPolicy policy, std::uint64_t seed = std::random_device{}());

    /// Counts a failure and returns the delay before the next attempt.
    std::chrono::milliseconds next_delay();
    /// After a success: the next failure starts from `initial` again.
    void reset() { failures_ = 0; }
    std::uint32_t failures() const { return failures_; }

  private:
    BackoffPolicy policy_;
    std::mt19937_64 random_;
    std::uint32_t failures_ = 0;
};

}  // namespace flowwatch::agent
