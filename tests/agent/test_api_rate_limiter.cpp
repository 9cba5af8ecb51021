#include <doctest/doctest.h>

#include "agent/api/rate_limiter.h"
#include "tests/agent/test_api_fakes.h"

using namespace flowwatch;
using namespace flowwatch::agent;
using namespace flowwatch::agent::api;
using namespace flowwatch::agent::api::testing;
using namespace std::chrono_literals;

TEST_CASE("the rate limiter lets one second's worth through, then spaces requests evenly") {
    FakeTime time;
    RateLimiter limiter(120, time.source());  // 2 a second.
    StopSource stop;
    for (int i = 0; i < 2; ++i) {
        REQUIRE(limiter.acquire(stop));
    }
    CHECK(time.sleeps().empty());
    REQUIRE(limiter.acquire(stop));
    REQUIRE(time.sleeps().size() == 1);
    CHECK(time.sleeps()[0] == 500ms);
}

TEST_CASE("over a simulated minute the limiter never lets more than the rate through") {
    FakeTime time;
    RateLimiter limiter(600, time.source());
    StopSource stop;
    const Timestamp start = time.now();
    int granted = 0;
    while (time.now() - start < 60s) {
        REQUIRE(limiter.acquire(stop));
        ++granted;
    }
    CHECK(granted <= 600 + 10);  // The rate, plus the one-second burst.
    CHECK(granted >= 590);
}

TEST_CASE("a stopped limiter refuses the slot instead of waiting") {
    FakeTime time;
    RateLimiter limiter(60, time.source());
    StopSource stop;
    REQUIRE(limiter.acquire(stop));
    stop.request_stop();
    CHECK_FALSE(limiter.acquire(stop));
}
