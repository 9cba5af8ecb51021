#pragma once
/// Runs an OutputDispatcher on its own thread, so polling never waits on a sink: `wake` after a
/// poll commits new alerts, and a timer retries resting outputs and catches anything missed.
/// The dispatcher's store must be usable from that thread (its own SQLite connection).

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <stop_token>
#include <thread>

#include "agent/outputs/output_dispatcher.h"

namespace flowwatch::agent {

class BackgroundDelivery {
  public:
    /// `idle_interval`: the longest wait between passes when nobody wakes the thread.
    explicit BackgroundDelivery(OutputDispatcher& dispatcher,
                                std::chrono::milliseconds idle_interval = std::chrono::seconds(30));
    /// Stops and joins the thread.
    ~BackgroundDelivery();
    BackgroundDelivery(const BackgroundDelivery&) = delete;
    BackgroundDelivery& operator=(const BackgroundDelivery&) = delete;

    void start();
    /// Asks for a pass soon; returns at once.
    void wake();
    /// Ends the thread after the delivery in progress (bounded by that output's deadline).
    void stop();

  private:
    void run(const std::stop_token& stop);

    OutputDispatcher& dispatcher_;
    std::chrono::milliseconds idle_interval_;
    std::mutex mutex_;
    std::condition_variable_any wakeup_;
    bool woken_ = false;
    std::jthread thread_;
};

}  // namespace flowwatch::agent
