#include "agent/outputs/output_dispatcher.h"

#include <algorithm>
#include <exception>
#include <utility>

#include "agent/logging.h"

namespace flowwatch::agent {

namespace {

std::shared_ptr<spdlog::logger> log() {
    return component_logger("outputs");
}

}  // namespace

OutputDispatcher::OutputDispatcher(DeliveryStateStore& store,
                                   std::vector<std::unique_ptr<AlertOutput>> outputs,
                                   DispatcherOptions options, Clock clock)
    : store_(store), options_(options), clock_(std::move(clock)) {
    for (auto& output : outputs) {
        OutputStatus status;
        status.name = output->name();
        lanes_.push_back(Lane{std::move(output), DeliveryBackoff(options_.backoff), {}, status});
        published_.push_back(lanes_.back().status);
    }
}

OutputDispatcher::Pass OutputDispatcher::deliver_pending(std::stop_token stop) {
    if (reopen_requested_.exchange(false)) {
        reopen_all();
    }
    Pass pass;
    auto deadline = clock_() + options_.pass_budget;
    for (auto& lane : lanes_) {
        if (stop.stop_requested()) {
            break;
        }
        pass.delivered += deliver_lane(lane, deadline, stop, pass.more_pending);
        if (lane.resume_at && (!pass.next_retry || *lane.resume_at < *pass.next_retry)) {
            pass.next_retry = lane.resume_at;
        }
        publish(lane);
    }
    return pass;
}

std::size_t OutputDispatcher::deliver_lane(Lane& lane,
                                           std::chrono::steady_clock::time_point deadline,
                                           const std::stop_token& stop, bool& more) {
    if (lane.resume_at && clock_() < *lane.resume_at) {
        return 0;
    }
    const std::string& name = lane.output->name();
    std::size_t delivered = 0;
    try {
        auto cursor = store_.delivered_through(name);
        auto pending = store_.emitted_alerts_after(cursor, options_.batch);
        for (const auto& stored : pending) {
            if (stop.stop_requested() || clock_() >= deadline) {
                more = true;
                return delivered;
            }
            if (auto sent = lane.output->deliver(stored.alert); !sent) {
                record_failure(lane, sent.error());
                return delivered;
            }
            // The window: a crash here sends this alert again after the restart.
            store_.put_delivered_through(name, stored.sequence);
            lane.status.delivered_through = stored.sequence;
            ++lane.status.delivered;
            ++delivered;
        }
        more = more || pending.size() >= options_.batch;
    } catch (const std::exception& e) {
        // The store failed; the output did nothing wrong but must wait like a failing one.
        record_failure(lane, Error{"delivery state of output " + name + ": " + e.what(), "store"});
        return delivered;
    }

    if (lane.backoff.failures() > 0) {
        log()->info(
            "output recovered {}",
            fields({{"output", name}, {"failures", std::to_string(lane.backoff.failures())}}));
    }
    lane.backoff.reset();
    lane.resume_at.reset();
    lane.status.consecutive_failures = 0;
    lane.status.last_error.clear();
    return delivered;
}

void OutputDispatcher::record_failure(Lane& lane, const Error& error) {
    auto delay = lane.backoff.next_delay();
    if (auto asked = lane.output->requested_delay()) {
        delay = std::max<std::chrono::milliseconds>(delay, *asked);
    }
    lane.resume_at = clock_() + delay;
    lane.status.consecutive_failures = lane.backoff.failures();
    lane.status.last_error = redact(error.message);
    // The line stays the same while the same alert keeps failing, so the logger folds repeats.
    log()->warn("delivery failed {}",
                fields({{"output", lane.output->name()}, {"error", lane.status.last_error}}));
    log()->debug("output resting {}", fields({{"output", lane.output->name()},
                                              {"retry_in_ms", std::to_string(delay.count())}}));
}

void OutputDispatcher::reopen_all() {
    for (auto& lane : lanes_) {
        if (auto reopened = lane.output->reopen(); !reopened) {
            log()->warn("reopen failed {}", fields({{"output", lane.output->name()},
                                                    {"error", reopened.error().message}}));
        }
    }
}

void OutputDispatcher::publish(const Lane& lane) {
    std::lock_guard lock(status_mutex_);
    for (auto& status : published_) {
        if (status.name == lane.status.name) {
            status = lane.status;
        }
    }
}

std::vector<OutputStatus> OutputDispatcher::status() const {
    std::lock_guard lock(status_mutex_);
    return published_;
}

}  // namespace flowwatch::agent
