#include <doctest/doctest.h>

#include "agent/api/retry_policy.h"
#include "tests/agent/test_api_fakes.h"

using namespace flowwatch;
using namespace flowwatch::agent;
using namespace flowwatch::agent::api;
using namespace flowwatch::agent::api::testing;
using namespace std::chrono_literals;

namespace {

RetryPolicy steady_policy() {
    RetryPolicy policy;
    policy.jitter = 0.0;
    policy.base_delay = 1000ms;
    policy.max_delay = 8000ms;
    return policy;
}

/// Answers with each response in turn, the last one forever.
FakeTransport::Handler in_turn(std::vector<Result<HttpResponse>> answers) {
    auto shared = std::make_shared<std::vector<Result<HttpResponse>>>(std::move(answers));
    auto index = std::make_shared<std::size_t>(0);
    return [shared, index](const HttpRequest&) {
        const std::size_t i = std::min(*index, shared->size() - 1);
        ++*index;
        return (*shared)[i];
    };
}

const HttpRequest kGet{.method = "GET", .url = "https://manage.office.com/x"};

}  // namespace

TEST_CASE("a 503 followed by a 200 is retried once after the base delay") {
    FakeTime time;
    FakeTransport transport(in_turn({reply(503, ""), reply(200, "[]")}));
    StopSource stop;
    auto response = send_with_retries(transport, kGet, steady_policy(), time.source(), stop);
    REQUIRE(response);
    CHECK(response->status == 200);
    CHECK(transport.requests().size() == 2);
    CHECK(time.sleeps() == std::vector<std::chrono::milliseconds>{1000ms});
}

TEST_CASE("AF429 carried by HTTP 403 is retried after the server's Retry-After") {
    FakeTime time;
    FakeTransport transport(
        in_turn({reply(403, R"({"error":{"code":"AF429","message":"Too many requests."}})",
                       {{"retry-after", "7"}}),
                 reply(200, "[]")}));
    StopSource stop;
    auto response = send_with_retries(transport, kGet, steady_policy(), time.source(), stop);
    REQUIRE(response);
    CHECK(response->status == 200);
    CHECK(time.sleeps() == std::vector<std::chrono::milliseconds>{7000ms});
}

TEST_CASE("429, 408, 500, timeouts and resets are retryable; other client errors are not") {
    CHECK(RetryPolicy::is_retryable(reply(429, "")));
    CHECK(RetryPolicy::is_retryable(reply(408, "")));
    CHECK(RetryPolicy::is_retryable(reply(500, "")));
    CHECK(RetryPolicy::is_retryable(fail("x", std::string(kTimeoutCode))));
    CHECK(RetryPolicy::is_retryable(fail("x", std::string(kNetworkCode))));
    CHECK_FALSE(RetryPolicy::is_retryable(fail("x", "foreign_host")));
    CHECK_FALSE(RetryPolicy::is_retryable(reply(400, R"({"error":{"code":"AF20030"}})")));
    CHECK_FALSE(RetryPolicy::is_retryable(reply(404, "")));
    CHECK(RetryPolicy::is_retryable(reply(403, "{'error':{'code':'AF429'}}")));
}

TEST_CASE("a request that keeps failing is tried max_attempts times with doubling capped delays") {
    FakeTime time;
    FakeTransport transport(in_turn({reply(500, "")}));
    StopSource stop;
    auto response = send_with_retries(transport, kGet, steady_policy(), time.source(), stop);
    REQUIRE(response);
    CHECK(response->status == 500);
    CHECK(transport.requests().size() == 5);
    CHECK(time.sleeps() == std::vector<std::chrono::milliseconds>{1000ms, 2000ms, 4000ms, 8000ms});
}

TEST_CASE("jitter shortens a delay by at most its fraction") {
    RetryPolicy policy = steady_policy();
    policy.jitter = 0.5;
    CHECK(policy.delay_before(2, std::nullopt, 0.0) == 2000ms);
    CHECK(policy.delay_before(2, std::nullopt, 0.999) >= 1000ms);
    CHECK(policy.delay_before(2, std::nullopt, 0.999) < 2000ms);
    CHECK(policy.delay_before(30, std::nullopt, 0.0) == 8000ms);
}

TEST_CASE("a Retry-After beyond the limit is cut to max_retry_after") {
    RetryPolicy policy = steady_policy();
    policy.max_retry_after = 60s;
    CHECK(policy.delay_before(1, 3600s, 0.0) == 60s);
}

TEST_CASE("Retry-After is read as seconds or as an HTTP date") {
    const Timestamp now = *parse_time("2025-03-11T08:00:00Z");
    CHECK(parse_retry_after("120", now) == std::optional(120'000ms));
    CHECK(parse_retry_after("Tue, 11 Mar 2025 08:00:30 GMT", now) == std::optional(30'000ms));
    CHECK_FALSE(parse_retry_after("soon", now).has_value());
    CHECK(parse_http_date("Tue, 11 Mar 2025 08:00:30 GMT") == parse_time("2025-03-11T08:00:30Z"));
}

TEST_CASE("a stop requested during a backoff ends the send with code stopped") {
    FakeTime time;
    FakeTransport transport(in_turn({reply(503, "")}));
    StopSource stop;
    stop.request_stop();
    auto response = send_with_retries(transport, kGet, steady_policy(), time.source(), stop);
    REQUIRE_FALSE(response);
    CHECK(response.error().code == "stopped");
}

TEST_CASE("the API error code is read from an error body, and absent from content") {
    CHECK(api_error_code(R"({"error":{"code":"AF20051","message":"expired"}})") == "AF20051");
    CHECK(api_error_code(R"([{"Id":"1"}])").empty());
    CHECK(api_error_code("not json").empty());
}
