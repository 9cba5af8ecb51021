#include "agent/config.h"

#include <filesystem>
#include <fstream>
#include <string>

#include <doctest/doctest.h>

#include "core/connector.h"

namespace flowwatch::agent {
namespace {

std::string error_of(std::string_view text) {
    auto config = parse_config(text, "flowwatch.json");
    REQUIRE_FALSE(config.has_value());
    return config.error().message;
}

}  // namespace

TEST_CASE("an empty object gives every default") {
    auto config = parse_config("{}", "flowwatch.json");
    REQUIRE(config.has_value());
    CHECK(config->detection.learning_days == 14);
    CHECK(config->detection.min_severity == Severity::medium);
    CHECK(config->tenants.empty());
    CHECK(config->status.listen == "127.0.0.1:9464");
    CHECK(config->poll_interval_seconds == 60);
    CHECK(config->http.max_requests_per_minute < 2000);
}

TEST_CASE("comments and a byte order mark are accepted") {
    auto config = parse_config(
        "\xEF\xBB\xBF{\n"
        "  // how long baselines learn\n"
        "  \"detection\": { \"learning_days\": 7 /* a week */ }\n"
        "}",
        "flowwatch.json");
    REQUIRE(config.has_value());
    CHECK(config->detection.learning_days == 7);
}

TEST_CASE("detection keys are read and normalised") {
    auto config = parse_config(R"({"detection": {
        "authorized_users": ["IT-Admin@Contoso.com"],
        "blocked_connectors": [" HTTP ", "Gmail"],
        "allowed_connectors": ["SharePoint"],
        "min_severity": "high",
        "burst_min_events": 20,
        "burst_factor": 3.5}})",
                               "flowwatch.json");
    REQUIRE(config.has_value());
    const auto& d = config->detection;
    CHECK(d.is_authorized("it-admin@contoso.com"));
    CHECK(d.blocked_connectors.contains(connector_key("http")));
    CHECK(d.blocked_connectors.contains(connector_key("GMAIL")));
    CHECK(d.allowed_connectors.size() == 1);
    CHECK(d.min_severity == Severity::high);
    CHECK(d.burst_min_events == 20);
    CHECK(d.burst_factor == doctest::Approx(3.5));
}

TEST_CASE("unknown keys are errors that name the key") {
    CHECK(error_of(R"({"detection": {"learning_day": 3}})") ==
          "flowwatch.json: detection.learning_day: unknown key");
    CHECK(error_of(R"({"colour": "blue"})") == "flowwatch.json: colour: unknown key");
    CHECK(
        error_of(
            R"({"tenants": [{"tenant_id": "t", "client_id": "c", "client_secret_file": "f", "clod": "gcc"}]})") ==
        "flowwatch.json: tenants[0].clod: unknown key");
}

TEST_CASE("wrong types and values are errors that name the key") {
    CHECK(error_of(R"({"detection": {"learning_days": "14"}})") ==
          "flowwatch.json: detection.learning_days: expected a whole number, got a string");
    CHECK(error_of(R"({"detection": {"min_severity": "urgent"}})") ==
          "flowwatch.json: detection.min_severity: \"urgent\" is not one of low, medium, high, "
          "critical");
    CHECK(error_of(R"({"detection": {"authorized_users": ["a", 3]}})") ==
          "flowwatch.json: detection.authorized_users[1]: expected a string, got a number");
    CHECK(error_of(R"({"detection": {"learning_days": -1}})") ==
          "flowwatch.json: detection.learning_days: -1 is out of range 0..3650");
    CHECK(error_of(R"({"http": {"max_requests_per_minute": 5000}})")
              .find("http.max_requests_per_minute") != std::string::npos);
    CHECK(error_of(R"([1, 2])") == "flowwatch.json: (top level): expected an object, got an array");
}

TEST_CASE("a syntax error says the line and column") {
    auto message = error_of("{\n  \"detection\": {\n    \"learning_days\": 14,\n  }\n}");
    CHECK(message.starts_with("flowwatch.json:4:"));
    CHECK(message.find("not valid JSON") != std::string::npos);
}

TEST_CASE("a tenant needs ids and exactly one credential source") {
    auto config = parse_config(R"({"tenants": [{"tenant_id": "4B7C6A3E-1F2D-4E5A-9B8C-0D1E2F3A4B5C",
        "client_id": "app", "client_secret_env": "FLOWWATCH_SECRET", "cloud": "gcchigh"}]})",
                               "flowwatch.json");
    REQUIRE(config.has_value());
    REQUIRE(config->tenants.size() == 1);
    const auto& t = config->tenants[0];
    CHECK(t.tenant_id == "4b7c6a3e-1f2d-4e5a-9b8c-0d1e2f3a4b5c");
    CHECK(t.publisher_id == t.tenant_id);
    CHECK(t.cloud == "gcchigh");
    CHECK(t.content_types == std::vector<std::string>{"Audit.General"});
    CHECK(t.backfill_days == 7);

    CHECK(error_of(R"({"tenants": [{"client_id": "c", "client_secret_env": "X"}]})") ==
          "flowwatch.json: tenants[0].tenant_id: is required");
    CHECK(error_of(R"({"tenants": [{"tenant_id": "t", "client_id": "c"}]})")
              .find("give exactly one of") != std::string::npos);
    CHECK(error_of(R"({"tenants": [{"tenant_id": "t", "client_id": "c", "client_secret_env": "X",
                   "certificate": {"key_file": "k", "cert_file": "c"}}]})")
              .find("give exactly one of") != std::string::npos);
    CHECK(
        error_of(
            R"({"tenants": [{"tenant_id": "t", "client_id": "c", "client_secret_env": "X", "cloud": "mooncake"}]})") ==
        "flowwatch.json: tenants[0].cloud: \"mooncake\" is not one of commercial, gcc, gcchigh, "
        "dod");
}

TEST_CASE("an inline client secret is refused without repeating it") {
    auto message = error_of(
        R"({"tenants": [{"tenant_id": "t", "client_id": "c", "client_secret": "s3cr3t-Value~x"}]})");
    CHECK(message.find("tenants[0].client_secret") != std::string::npos);
    CHECK(message.find("s3cr3t") == std::string::npos);
}

TEST_CASE("a certificate credential is read with its algorithm") {
    auto config = parse_config(R"({"tenants": [{"tenant_id": "t", "client_id": "c",
        "certificate": {"key_file": "/etc/flowwatch/key.pem", "cert_file": "/etc/flowwatch/cert.pem", "algorithm": "RS256"}}]})",
                               "flowwatch.json");
    REQUIRE(config.has_value());
    REQUIRE(config->tenants[0].certificate.has_value());
    CHECK(config->tenants[0].certificate->algorithm == "RS256");
    CHECK(error_of(R"({"tenants": [{"tenant_id": "t", "client_id": "c",
        "certificate": {"key_file": "k", "cert_file": "c", "algorithm": "HS256"}}]})")
              .find("tenants[0].certificate.algorithm") != std::string::npos);
}

TEST_CASE("the same tenant twice is an error") {
    CHECK(error_of(R"({"tenants": [
        {"tenant_id": "T1", "client_id": "c", "client_secret_env": "A"},
        {"tenant_id": "t1", "client_id": "c", "client_secret_env": "B"}]})")
              .find("tenants[1].tenant_id") != std::string::npos);
}

TEST_CASE("outputs keep their own settings and get unique names") {
    auto config = parse_config(R"({"outputs": [
        {"type": "jsonl", "path": "/var/lib/flowwatch/alerts.jsonl"},
        {"type": "syslog", "address": "udp://127.0.0.1:514"},
        {"type": "syslog", "address": "tcp://127.0.0.1:601"}]})",
                               "flowwatch.json");
    REQUIRE(config.has_value());
    REQUIRE(config->outputs.size() == 3);
    CHECK(config->outputs[0].name == "jsonl");
    CHECK(config->outputs[0].settings["path"] == "/var/lib/flowwatch/alerts.jsonl");
    CHECK_FALSE(config->outputs[0].settings.contains("type"));
    CHECK(config->outputs[1].name == "syslog");
    CHECK(config->outputs[2].name == "syslog-2");

    CHECK(error_of(R"({"outputs": [{"type": "pager"}]})").find("outputs[0].type") !=
          std::string::npos);
    CHECK(error_of(R"({"outputs": [{"path": "x"}]})") ==
          "flowwatch.json: outputs[0].type: is required");
    CHECK(error_of(
              R"({"outputs": [{"type": "stdout", "name": "a"}, {"type": "jsonl", "name": "a"}]})")
              .find("outputs[1].name") != std::string::npos);
}

TEST_CASE("load_config names a missing file") {
    auto config = load_config("/nonexistent/flowwatch.json");
    REQUIRE_FALSE(config.has_value());
    CHECK(config.error().message.find("/nonexistent/flowwatch.json") != std::string::npos);
}

}  // namespace flowwatch::agent

namespace flowwatch::agent {

TEST_CASE("a number too large for any type is an error that names the file, not a crash") {
    const std::string message = error_of(R"({"poll_interval_seconds": 220e2222222})");
    CHECK(message.find("flowwatch.json") != std::string::npos);
    CHECK(message.find("220e2222222") != std::string::npos);
}

}  // namespace flowwatch::agent
