/// End-to-end: the real `flowwatch run` binary against the simulated tenant over loopback HTTP:
/// every status endpoint, /metrics through promtool, logging as configured, and no secret in
/// anything the agent writes or serves.

#include <doctest/doctest.h>

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <regex>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "tests/e2e/test_run_daemon.h"
#include "tests/support/process.h"

using namespace flowwatch;
using namespace flowwatch::run_testing;

namespace {

/// A running agent that has raised every alert of a small corpus.
struct CaughtUp {
    CaughtUp() : corpus(make_corpus(5, 2, system_now())) {
        fixture.add(corpus);
        agent = fixture.start();
        REQUIRE_MESSAGE(eventually([&] { return json_lines(fixture.alerts_file()).size() >= 10; }),
                        "alerts never reached the file; stderr:\n", agent->err());
        REQUIRE(eventually([&] { return fixture.get("/readyz").status == 200; }));
    }
    ~CaughtUp() {
        agent->signal(SIGTERM);
        agent->wait_exit(30s);
    }

    RunFixture fixture;
    Corpus corpus;
    std::unique_ptr<ChildProcess> agent;
};

bool is_json_error(const agent::HttpReply& reply, int status) {
    const auto body = nlohmann::json::parse(reply.body, nullptr, false);
    return reply.status == status && reply.content_type.starts_with("application/json") &&
           body.is_object() && body["error"]["status"] == status &&
           body["error"]["message"].is_string();
}

}  // namespace

TEST_CASE("a running agent serves health, readiness, status, alerts and metrics over loopback") {
    CaughtUp up;
    auto& f = up.fixture;

    CHECK(f.get("/healthz", false).status == 200);
    CHECK(f.get("/readyz").status == 200);

    const auto status = f.status();
    REQUIRE(status.is_object());
    CHECK(status["ready"] == true);
    CHECK(status["version"].is_string());
    REQUIRE(status["tenants"].size() == 1);
    const auto& tenant = status["tenants"][0];
    CHECK(tenant["tenant"] == std::string(test::kTenant));
    CHECK(tenant["authentication"] == "ok");
    CHECK(tenant["blobs"] == 5);
    CHECK(tenant["power_automate_records"] == 10);
    CHECK(tenant["last_success"].is_string());
    CHECK(tenant["lag_seconds"].is_number());

    const auto all = nlohmann::json::parse(f.get("/api/v1/alerts").body);
    REQUIRE(all["alerts"].size() == 10);
    const auto two = nlohmann::json::parse(f.get("/api/v1/alerts?limit=2").body);
    REQUIRE(two["alerts"].size() == 2);
    // Newest first: the two are the two highest sequences of the ten.
    CHECK(two["alerts"][0]["sequence"] == all["alerts"][0]["sequence"]);
    CHECK(two["alerts"][0]["sequence"].get<std::int64_t>() >
          two["alerts"][1]["sequence"].get<std::int64_t>());
    const auto since = all["alerts"][2]["sequence"].get<std::int64_t>();
    const auto after =
        nlohmann::json::parse(f.get("/api/v1/alerts?since=" + std::to_string(since)).body);
    CHECK(after["alerts"].size() == 2);

    const auto metrics = f.get("/metrics");
    CHECK(metrics.status == 200);
    CHECK(metrics.content_type.starts_with("text/plain"));
    CHECK(metrics.body.find("flowwatch_alerts_total{") != std::string::npos);
    CHECK(metrics.body.find(std::string(test::kTenant)) != std::string::npos);
}

TEST_CASE("everything but healthz asks for the bearer token, and bad requests get JSON errors") {
    CaughtUp up;
    auto& f = up.fixture;

    for (const char* target : {"/readyz", "/api/v1/status", "/api/v1/alerts", "/metrics"}) {
        CAPTURE(target);
        const auto reply = f.get(target, false);
        CHECK(reply.status == 401);
        CHECK(reply.www_authenticate.starts_with("Bearer"));
    }
    CHECK(is_json_error(f.get("/api/v1/nothing"), 404));
    CHECK(is_json_error(f.get("/api/v1/status", true, "POST"), 405));
    CHECK(is_json_error(f.get("/api/v1/alerts?limit=many"), 400));
    CHECK(is_json_error(f.get("/api/v1/alerts?since=yesterday"), 400));
}

TEST_CASE("the agent's /metrics pass promtool check metrics") {
    const char* required = std::getenv("FLOWWATCH_REQUIRE_PROMTOOL");
    const bool must = required != nullptr && std::string(required) == "1";
    const std::filesystem::path promtool = "/usr/bin/promtool";
    if (!std::filesystem::exists(promtool)) {
        REQUIRE_FALSE_MESSAGE(must, "promtool is required but missing");
        MESSAGE("skipped: promtool is not installed");
        return;
    }
    CaughtUp up;
    const auto metrics = up.fixture.get("/metrics");
    REQUIRE(metrics.status == 200);
    const auto file = up.fixture.dir.path() / "metrics.txt";
    write_file(file, metrics.body);

    auto checked = test::run_process(
        {"/bin/sh", "-c", "exec \"$0\" check metrics < \"$1\"", promtool.string(), file.string()},
        std::chrono::seconds(60));
    REQUIRE(checked);
    INFO("promtool said:\n", checked->out, checked->err);
    CHECK(checked->exit_code == 0);
    CHECK(checked->err.find("error") == std::string::npos);
}

TEST_CASE("no secret reaches the logs, the status endpoint, the alerts or the database") {
    std::string served;
    std::string log;
    RunFixture* fixture = nullptr;
    {
        CaughtUp up;
        fixture = &up.fixture;
        for (const char* target : {"/api/v1/status", "/api/v1/alerts", "/metrics"}) {
            served += up.fixture.get(target).body;
        }
        up.agent->signal(SIGTERM);
        REQUIRE(up.agent->wait_exit(30s) == 0);
        log = up.agent->err() + up.agent->out();
        const std::string stored = read_file(up.fixture.database()) +
                                   read_file(up.fixture.database().string() + "-wal") +
                                   read_file(up.fixture.alerts_file());
        for (const std::string secret : {kSecret, kStatusToken}) {
            CAPTURE(secret);
            CHECK(served.find(secret) == std::string::npos);
            CHECK(log.find(secret) == std::string::npos);
            CHECK(stored.find(secret) == std::string::npos);
        }
    }
    CHECK(fixture != nullptr);
}

TEST_CASE("a wrong client secret is explained in the log without showing it") {
    RunFixture f;
    const std::string wrong = "wrong~Secret.Value_0a1b2c3d4e5f";
    write_file(f.dir.path() / "secret", wrong + "\n");
    auto agent = f.start();
    REQUIRE(agent->wait_for_err(std::regex("AADSTS7000215")));
    REQUIRE(eventually([&] { return f.get("/readyz").status == 503; }));
    const auto status = f.status();
    CHECK(status["tenants"][0]["authentication"] == "failed");
    agent->signal(SIGTERM);
    CHECK(agent->wait_exit(30s) == 0);
    CHECK(agent->err().find(wrong) == std::string::npos);
}

TEST_CASE("under systemd every log line starts with a journald priority and has no timestamp") {
    RunFixture f;
    f.add(make_corpus(2, 1, system_now()));
    auto agent = f.start({}, {{"JOURNAL_STREAM", "8:12345"}});
    REQUIRE(eventually([&] { return json_lines(f.alerts_file()).size() >= 2; }));
    agent->signal(SIGTERM);
    REQUIRE(agent->wait_exit(30s) == 0);

    std::istringstream lines(agent->err());
    int count = 0;
    for (std::string line; std::getline(lines, line); ++count) {
        CAPTURE(line);
        CHECK(std::regex_search(line, std::regex("^<[0-7]>[a-z]+: ")));
        CHECK_FALSE(std::regex_search(line, std::regex("[0-9]{4}-[0-9]{2}-[0-9]{2}T")));
    }
    CHECK(count > 3);
}

TEST_CASE("with --log-format json every log line is a JSON object naming its component") {
    RunFixture f;
    f.add(make_corpus(2, 1, system_now()));
    auto agent = f.start({"--log-format", "json"});
    REQUIRE(eventually([&] { return json_lines(f.alerts_file()).size() >= 2; }));
    agent->signal(SIGTERM);
    REQUIRE(agent->wait_exit(30s) == 0);

    std::istringstream lines(agent->err());
    int committed = 0;
    for (std::string line; std::getline(lines, line);) {
        CAPTURE(line);
        const auto parsed = nlohmann::json::parse(line, nullptr, false);
        REQUIRE(parsed.is_object());
        CHECK(parsed.contains("level"));
        CHECK(parsed.contains("message"));
        CHECK(parsed["component"].is_string());
        if (parsed["message"].get<std::string>().starts_with("blob committed")) {
            CHECK(parsed["tenant"] == std::string(test::kTenant));
            ++committed;
        }
    }
    CHECK(committed == 2);
}

TEST_CASE("flowwatch status asks the running agent and prints a summary or the JSON") {
    CaughtUp up;
    auto& f = up.fixture;
    // The agent listens on an ephemeral port; the status command reads it from its own config.
    auto config = nlohmann::json::parse(read_file(f.config_file()));
    config["status"]["listen"] = "127.0.0.1:" + std::to_string(f.port);
    const auto status_config = f.dir.path() / "status.json";
    write_file(status_config, config.dump());

    auto text = test::run_process({FLOWWATCH_BINARY, "status", "--config", status_config.string()},
                                  std::chrono::seconds(60));
    REQUIRE(text);
    INFO(text->out, text->err);
    CHECK(text->exit_code == 0);
    CHECK(text->out.find(", ready") != std::string::npos);
    CHECK(text->out.find("tenant " + std::string(test::kTenant)) != std::string::npos);
    CHECK(text->out.find("Power Automate records 10") != std::string::npos);

    auto json = test::run_process(
        {FLOWWATCH_BINARY, "status", "--config", status_config.string(), "--json"},
        std::chrono::seconds(60));
    REQUIRE(json);
    CHECK(json->exit_code == 0);
    const auto parsed = nlohmann::json::parse(json->out, nullptr, false);
    REQUIRE(parsed.is_object());
    CHECK(parsed["tenants"][0]["blobs"] == 5);

    // Without the token the endpoint refuses, and the command says so.
    config["status"].erase("token_file");
    write_file(status_config, config.dump());
    auto refused = test::run_process(
        {FLOWWATCH_BINARY, "status", "--config", status_config.string()}, std::chrono::seconds(60));
    REQUIRE(refused);
    CHECK(refused->exit_code == 1);
    CHECK(refused->err.find("401") != std::string::npos);
}
