#include <chrono>

#include <doctest/doctest.h>

#include "agent/status/alert_query.h"
#include "status_fixtures.h"

using namespace flowwatch;
using namespace flowwatch::agent;
using namespace flowwatch::agent::testing;
using namespace std::chrono_literals;

TEST_CASE("an empty alert query asks for the default number of alerts") {
    auto query = parse_alert_query("");
    REQUIRE(query);
    CHECK(query->limit == kDefaultAlertLimit);
    CHECK_FALSE(query->since_time);
    CHECK_FALSE(query->after_sequence);
}

TEST_CASE("since accepts a percent-escaped ISO 8601 time and limit a number") {
    auto query = parse_alert_query("since=2025-03-11T09%3A14%3A52Z&limit=5");
    REQUIRE(query);
    REQUIRE(query->since_time);
    CHECK(format_time(*query->since_time) == "2025-03-11T09:14:52Z");
    CHECK(query->limit == 5);
}

TEST_CASE("since given as digits reads on after that store sequence") {
    auto query = parse_alert_query("since=42");
    REQUIRE(query);
    CHECK(query->after_sequence == 42);
    CHECK_FALSE(query->since_time);
}

TEST_CASE("bad alert query parameters are errors that name the parameter") {
    for (const char* bad : {"limit=0", "limit=1001", "limit=ten", "limit=", "since=yesterday",
                            "since=%zz", "since=%4", "sort=asc", "limit=1&limit=2"}) {
        CAPTURE(bad);
        auto query = parse_alert_query(bad);
        REQUIRE_FALSE(query);
        const bool names_it = query.error().message.find("limit") != std::string::npos ||
                              query.error().message.find("since") != std::string::npos ||
                              query.error().message.find("sort") != std::string::npos;
        CHECK(names_it);
    }
}

TEST_CASE("selecting alerts keeps newest first and applies since and limit") {
    const auto now = at("2025-03-11T10:00:00Z");
    const auto snapshot = sample_snapshot(now);

    auto by_sequence = select_alerts(snapshot->recent_alerts, AlertQuery{.after_sequence = 1});
    REQUIRE(by_sequence.size() == 2);
    CHECK(by_sequence[0].sequence == 3);
    CHECK(by_sequence[1].sequence == 2);

    auto by_time = select_alerts(snapshot->recent_alerts,
                                 AlertQuery{.since_time = now - std::chrono::hours(2)});
    REQUIRE(by_time.size() == 2);
    CHECK(by_time[0].sequence == 3);

    auto limited = select_alerts(snapshot->recent_alerts, AlertQuery{.limit = 1});
    REQUIRE(limited.size() == 1);
    CHECK(limited[0].sequence == 3);
}
