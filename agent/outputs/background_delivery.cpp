#include "agent/outputs/background_delivery.h"

#include <algorithm>

namespace flowwatch::agent {

BackgroundDelivery::BackgroundDelivery(OutputDispatcher& dispatcher,
                                       std::chrono::milliseconds idle_interval)
    : dispatcher_(dispatcher), idle_interval_(idle_interval) {}

BackgroundDelivery::~BackgroundDelivery() {
    stop();
}

void BackgroundDelivery::start() {
    if (!thread_.joinable()) {
        thread_ = std::jthread([this](const std::stop_token& stop) { run(stop); });
    }
}

void BackgroundDelivery::wake() {
    {
        std::lock_guard lock(mutex_);
        woken_ = true;
    }
    wakeup_.notify_one();
}

void BackgroundDelivery::stop() {
    if (thread_.joinable()) {
        thread_.request_stop();
        thread_.join();
    }
}

void BackgroundDelivery::run(const std::stop_token& stop) {
    while (!stop.stop_requested()) {
        auto pass = dispatcher_.deliver_pending(stop);

        // Sleep until woken, until a resting output may retry, or for the idle interval.
        auto now = std::chrono::steady_clock::now();
        auto until = pass.more_pending ? now : now + idle_interval_;
        if (pass.next_retry) {
            until = std::min(until, *pass.next_retry);
        }
        std::unique_lock lock(mutex_);
        wakeup_.wait_until(lock, stop, until, [this] { return woken_; });
        woken_ = false;
    }
}

}  // namespace flowwatch::agent
