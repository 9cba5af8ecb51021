#include "agent/daemon/tenant_tracker.h"

#include <doctest/doctest.h>

#include <chrono>

namespace flowwatch::agent {

namespace {

Timestamp at(int minutes) {
    return Timestamp{std::chrono::minutes(29'000'000 + minutes)};
}

api::PollStats cycle(std::uint64_t blobs, std::uint64_t records, Timestamp newest) {
    api::PollStats stats;
    stats.auth = api::AuthState::ok;
    stats.requests = {{"ok", blobs + 2}};
    stats.blobs_committed = blobs;
    stats.records = records;
    stats.pipeline.flow_records = records / 2;
    stats.pipeline.duplicates = 1;
    stats.gaps = 0;
    stats.newest_content_committed = newest;
    return stats;
}

Alert alert(Trigger trigger, Severity severity) {
    Alert out;
    out.trigger = trigger;
    out.severity = severity;
    return out;
}

}  // namespace

TEST_CASE("counters add up over cycles while request totals and states take the latest") {
    TenantTracker tracker("t1", 30);
    tracker.cycle_finished(cycle(3, 10, at(5)), at(6));
    auto second = cycle(2, 4, at(4));
    second.requests = {{"ok", 9}, {"throttled", 1}};
    second.blobs_failed = 2;
    tracker.cycle_finished(second, at(7));

    const auto& status = tracker.status();
    CHECK(status.tenant == "t1");
    CHECK(status.poll_interval_seconds == 30);
    CHECK(status.cycles == 2);
    CHECK(status.failed_cycles == 0);
    CHECK(status.blobs == 5);
    CHECK(status.records == 14);
    CHECK(status.flow_records == 7);
    CHECK(status.duplicates == 2);
    CHECK(status.backlog == 2);
    CHECK(status.requests_by_outcome.at("throttled") == 1);
    CHECK(status.requests_by_outcome.at("ok") == 9);
    // The newest commit never moves back when a later cycle only re-read older content.
    CHECK(status.newest_committed == at(5));
    CHECK(status.last_success == at(7));
    CHECK(status.auth == AuthState::ok);
}

TEST_CASE("an unfinished cycle keeps the last success and records its error until one succeeds") {
    TenantTracker tracker("t1", 60);
    tracker.cycle_finished(cycle(1, 1, at(1)), at(2));
    auto broken = cycle(0, 0, at(1));
    broken.last_error = Error{"listing failed: HTTP 503", "http_503"};
    tracker.cycle_finished(broken, at(3));

    CHECK(tracker.status().failed_cycles == 1);
    CHECK(tracker.status().last_success == at(2));
    CHECK(tracker.status().last_error == "listing failed: HTTP 503");
    CHECK(tracker.status().last_error_code == "http_503");
    CHECK(tracker.status().last_error_at == at(3));

    tracker.cycle_finished(cycle(1, 1, at(4)), at(5));
    CHECK(tracker.status().last_error.empty());
    CHECK(tracker.status().last_error_code.empty());
    CHECK(tracker.status().last_success == at(5));
}

TEST_CASE(
    "a cycle that fails on credentials marks authentication failed, a storage error does not") {
    TenantTracker tracker("t1", 60);
    tracker.cycle_finished(cycle(1, 1, at(1)), at(1));
    tracker.cycle_failed(Error{"the database is locked", "storage"}, at(2));
    CHECK(tracker.status().auth == AuthState::ok);
    CHECK(tracker.status().failed_cycles == 1);
    CHECK(tracker.status().last_error_code == "storage");

    tracker.cycle_failed(Error{"the client secret is wrong", "AADSTS7000215"}, at(3));
    CHECK(tracker.status().auth == AuthState::failed);
    CHECK(tracker.status().cycles == 3);
    CHECK(tracker.status().last_success == at(1));
}

TEST_CASE("emitted alerts are counted by trigger and severity") {
    TenantTracker tracker("t1", 60);
    tracker.alert_emitted(alert(Trigger::unusual_connector, Severity::high));
    tracker.alert_emitted(alert(Trigger::unusual_connector, Severity::high));
    tracker.alert_emitted(alert(Trigger::abnormal_activity, Severity::critical));

    const auto& alerts = tracker.status().alerts;
    CHECK(alerts[static_cast<std::size_t>(Trigger::unusual_connector)]
                [static_cast<std::size_t>(Severity::high)] == 2);
    CHECK(alerts[static_cast<std::size_t>(Trigger::abnormal_activity)]
                [static_cast<std::size_t>(Severity::critical)] == 1);
    CHECK(tracker.status().alerts_with_severity(Severity::high) == 2);
    CHECK(tracker.status().alerts_with_severity(Severity::medium) == 0);
}

}  // namespace flowwatch::agent
