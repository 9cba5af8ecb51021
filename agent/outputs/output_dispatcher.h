#pragma once
/// Delivers stored alerts to every output, in store order, each output at its own pace: it reads
/// the alerts after the output's cursor, delivers them one by one, and advances the cursor in
/// the store after each. A failing output rests (DeliveryBackoff) and later resumes where it
/// stopped, while the others go on.
///
/// Delivery is at least once, and exactly once across restarts except for one window: a crash
/// (or a failed cursor write) after the sink took an alert and before the cursor was stored
/// sends that alert again on the next pass.
///
/// `deliver_pending` runs one bounded pass on the calling thread: it starts no new delivery once
/// `pass_budget` has passed, and each delivery is bounded by its output's own deadline. The
/// daemon runs it on its own thread (BackgroundDelivery) so polling never waits on a sink.

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

#include "agent/outputs/alert_output.h"
#include "agent/outputs/delivery_backoff.h"
#include "core/delivery_state.h"

namespace flowwatch::agent {

struct DispatcherOptions {
    std::size_t batch = 100;  ///< Alerts read from the store per output per pass.
    std::chrono::milliseconds pass_budget{5'000};
    BackoffPolicy backoff;
};

/// One output's state, for the status endpoint and the logs.
struct OutputStatus {
    std::string name;
    std::int64_t delivered_through = 0;
    std::uint64_t delivered = 0;  ///< Since the process started.
    std::uint32_t consecutive_failures = 0;
    std::string last_error;  ///< Of the current run of failures; empty when healthy.
};

class OutputDispatcher {
  public:
    using Clock = std::function<std::chrono::steady_clock::time_point()>;

    /// `store` is used only from the thread that calls `deliver_pending`.
    OutputDispatcher(DeliveryStateStore& store, std::vector<std::unique_ptr<AlertOutput>> outputs,
                     DispatcherOptions options = {}, Clock clock = std::chrono::steady_clock::now);

    struct Pass {
        std::size_t delivered = 0;
        bool more_pending = false;  ///< The batch or the budget ran out; run again soon.
        /// The earliest moment a resting output may try again.
        std::optional<std::chrono::steady_clock::time_point> next_retry;
    };
    /// One pass over every output that is not resting.
    Pass deliver_pending(std::stop_token stop = {});

    /// Has every output reopen its files and connections at the start of the next pass. Safe
    /// from any thread (the SIGHUP handler's thread, say).
    void request_reopen() { reopen_requested_ = true; }

    /// Safe from any thread.
    std::vector<OutputStatus> status() const;

  private:
    struct Lane {
        std::unique_ptr<AlertOutput> output;
        DeliveryBackoff backoff;
        std::optional<std::chrono::steady_clock::time_point> resume_at;
        OutputStatus status;
    };

    void reopen_all();
    /// Delivers one output's pending alerts; returns how many, and sets `more` when some remain.
    std::size_t deliver_lane(Lane& lane, std::chrono::steady_clock::time_point deadline,
                             const std::stop_token& stop, bool& more);
    void record_failure(Lane& lane, const Error& error);
    void publish(const Lane& lane);

    DeliveryStateStore& store_;
    DispatcherOptions options_;
    Clock clock_;
    std::vector<Lane> lanes_;
    std::atomic<bool> reopen_requested_ = false;
    mutable std::mutex status_mutex_;
    std::vector<OutputStatus> published_;
};

}  // namespace flowwatch::agent
