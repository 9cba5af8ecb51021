#include <string>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "agent/status/status_routes.h"
#include "status_fixtures.h"

using namespace flowwatch;
using namespace flowwatch::agent;
using namespace flowwatch::agent::testing;

namespace {

const Timestamp kNow = at("2025-03-11T10:00:00Z");

StatusReply ask(std::string_view target, std::string_view token = {},
                std::string_view authorization = {}, std::string_view method = "GET") {
    return answer_status_request(StatusRequest{method, target, authorization},
                                 *sample_snapshot(kNow), kNow, token);
}

}  // namespace

TEST_CASE("healthz answers 200 with no token even when one is configured") {
    const auto reply = ask("/healthz", "s3cret");
    CHECK(reply.status == 200);
    CHECK(nlohmann::json::parse(reply.body)["status"] == "alive");
}

TEST_CASE("everything but healthz needs the bearer token when one is configured") {
    for (const char* path : {"/readyz", "/api/v1/status", "/api/v1/alerts", "/metrics", "/nope"}) {
        CAPTURE(path);
        const auto refused = ask(path, "s3cret", "Bearer wrong");
        CHECK(refused.status == 401);
        CHECK(refused.ask_for_token);
        CHECK(refused.body.find("s3cret") == std::string::npos);
        CHECK(ask(path, "s3cret").status == 401);
    }
    CHECK(ask("/api/v1/status", "s3cret", "Bearer s3cret").status == 200);
    CHECK(ask("/api/v1/status", "s3cret", "bearer s3cret").status == 200);
    CHECK(ask("/api/v1/status", "s3cret", "Bearer s3cre").status == 401);
    CHECK(ask("/api/v1/status", "s3cret", "Bearer s3crett").status == 401);
}

TEST_CASE("an unknown path is 404 and a wrong method 405, both with a JSON error body") {
    const auto missing = ask("/api/v2/status");
    CHECK(missing.status == 404);
    CHECK(nlohmann::json::parse(missing.body)["error"]["status"] == 404);

    const auto wrong_method = ask("/metrics", {}, {}, "POST");
    CHECK(wrong_method.status == 405);
    CHECK(wrong_method.only_get);
    CHECK(nlohmann::json::parse(wrong_method.body)["error"]["message"] ==
          "/metrics takes GET only");
}

TEST_CASE("bad alert parameters and parameters on other paths are 400") {
    const auto bad_limit = ask("/api/v1/alerts?limit=-1");
    CHECK(bad_limit.status == 400);
    CHECK(nlohmann::json::parse(bad_limit.body)["error"]["message"].get<std::string>().find(
              "limit") != std::string::npos);
    CHECK(ask("/api/v1/status?verbose=1").status == 400);
}

TEST_CASE("alerts come newest first with their sequence") {
    const auto reply = ask("/api/v1/alerts?limit=2");
    REQUIRE(reply.status == 200);
    const auto body = nlohmann::json::parse(reply.body);
    CHECK(body["count"] == 2);
    CHECK(body["alerts"][0]["sequence"] == 3);
    CHECK(body["alerts"][1]["sequence"] == 2);
    CHECK(body["alerts"][0]["id"] == "alert-3");
}

TEST_CASE("status reports version, uptime and each tenant's counters") {
    const auto reply = ask("/api/v1/status");
    REQUIRE(reply.status == 200);
    const auto body = nlohmann::json::parse(reply.body);
    CHECK(body["version"] == "9.9.9");
    CHECK(body["uptime_seconds"] == 600);
    CHECK(body["ready"] == true);
    const auto& tenant = body["tenants"][0];
    CHECK(tenant["tenant"] == "contoso");
    CHECK(tenant["authentication"] == "ok");
    CHECK(tenant["lag_seconds"] == 300);
    CHECK(tenant["duplicates_skipped"] == 2);
    CHECK(tenant["power_automate_records"] == 9);
    CHECK(tenant["alerts"]["high"] == 2);
    CHECK(tenant["requests"]["ok"] == 12);
    CHECK(tenant["last_error"].is_null());
}

TEST_CASE("readyz is 503 with the reason when a tenant is behind") {
    auto snapshot = sample_snapshot(kNow);
    snapshot->tenants[0].last_success = kNow - std::chrono::hours(1);
    const auto reply =
        answer_status_request(StatusRequest{"GET", "/readyz", ""}, *snapshot, kNow, "");
    CHECK(reply.status == 503);
    const auto body = nlohmann::json::parse(reply.body);
    CHECK(body["ready"] == false);
    CHECK(body["reason"].get<std::string>().find("contoso") != std::string::npos);
}

TEST_CASE("metrics are served as Prometheus text") {
    const auto reply = ask("/metrics");
    CHECK(reply.status == 200);
    CHECK(reply.content_type.find("text/plain; version=0.0.4") == 0);
    CHECK(reply.body.find("flowwatch_blobs_total") != std::string::npos);
}
