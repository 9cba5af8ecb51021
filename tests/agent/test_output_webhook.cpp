#include "agent/outputs/webhook_output.h"

#include <chrono>
#include <fstream>
#include <string>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "agent/logging.h"
#include "test_output_support.h"

namespace flowwatch::agent {

namespace {

using output_testing::HttpPeer;
using output_testing::sample_alert;
using output_testing::TempDir;

WebhookSettings settings_for(const HttpPeer& peer) {
    WebhookSettings settings;
    settings.url = peer.url("/hooks/secret-path-token");
    settings.timeout = std::chrono::seconds(2);
    return settings;
}

std::string settings_error(const nlohmann::json& settings) {
    OutputSettings reader(settings, "outputs[3]");
    auto parsed = read_webhook_settings(reader);
    return parsed ? std::string() : parsed.error().message;
}

}  // namespace

TEST_CASE("a webhook output posts the alert's JSON with its content type and headers") {
    HttpPeer peer;
    auto settings = settings_for(peer);
    settings.headers["X-Source"] = "flowwatch-test";
    WebhookOutput output("webhook", settings);

    REQUIRE(output.deliver(sample_alert(1)).has_value());

    auto requests = peer.requests();
    REQUIRE(requests.size() == 1);
    CHECK(requests[0].target == "/hooks/secret-path-token");
    CHECK(requests[0].headers["Content-Type"] == "application/json");
    CHECK(requests[0].headers["X-Source"] == "flowwatch-test");
    CHECK(nlohmann::json::parse(requests[0].body) == to_json(sample_alert(1)));
}

TEST_CASE("a webhook error names the output and the origin but never the URL's path") {
    HttpPeer peer;
    peer.status = 500;
    WebhookOutput output("siem-hook", settings_for(peer));

    auto sent = output.deliver(sample_alert(1));
    REQUIRE_FALSE(sent.has_value());
    CHECK(sent.error().code == "500");
    CHECK(sent.error().message.find("siem-hook") != std::string::npos);
    CHECK(sent.error().message.find(fmt::format("http://127.0.0.1:{}", peer.port())) !=
          std::string::npos);
    CHECK(sent.error().message.find("secret-path-token") == std::string::npos);
    CHECK_FALSE(output.requested_delay().has_value());
}

TEST_CASE("a webhook answering 429 with Retry-After asks the dispatcher to wait that long") {
    HttpPeer peer;
    peer.status = 429;
    peer.retry_after = "7";
    WebhookOutput output("webhook", settings_for(peer));

    REQUIRE_FALSE(output.deliver(sample_alert(1)).has_value());
    CHECK(output.requested_delay() == std::chrono::seconds(7));
}

TEST_CASE("a webhook that never answers fails when its deadline passes") {
    HttpPeer peer;
    peer.silent = true;
    auto settings = settings_for(peer);
    settings.timeout = std::chrono::seconds(1);
    WebhookOutput output("webhook", settings);

    auto started = std::chrono::steady_clock::now();
    auto sent = output.deliver(sample_alert(1));
    auto took = std::chrono::steady_clock::now() - started;

    REQUIRE_FALSE(sent.has_value());
    CHECK(took < std::chrono::seconds(5));
    peer.stop();
}

TEST_CASE("a webhook with nobody listening fails naming the output") {
    std::string url;
    {
        HttpPeer gone;
        url = gone.url();
    }
    WebhookSettings settings;
    settings.url = url;
    settings.timeout = std::chrono::seconds(2);
    WebhookOutput output("webhook", settings);

    auto sent = output.deliver(sample_alert(1));
    REQUIRE_FALSE(sent.has_value());
    CHECK(sent.error().message.starts_with("webhook output webhook: posting alert"));
}

TEST_CASE("a header read from a file is sent, and its value is a secret no log line shows") {
    forget_secrets();
    TempDir dir;
    auto token_file = dir.path() / "auth";
    std::ofstream(token_file) << "Bearer very-secret-token-123\n";
    HttpPeer peer;
    OutputSettings reader({{"url", peer.url()},
                           {"header_files", {{"Authorization", token_file.string()}}},
                           {"timeout_seconds", 2}},
                          "outputs[0]");
    auto settings = read_webhook_settings(reader);
    REQUIRE(settings.has_value());
    WebhookOutput output("webhook", *settings);

    REQUIRE(output.deliver(sample_alert(1)).has_value());
    CHECK(peer.requests().at(0).headers["Authorization"] == "Bearer very-secret-token-123");
    CHECK(redact("sent Bearer very-secret-token-123") == "sent ***");
    forget_secrets();
}

TEST_CASE("webhook settings require https except for loopback and name every bad key") {
    CHECK(settings_error({{"url", "https://siem.example/hook"}}).empty());
    CHECK(settings_error({{"url", "http://127.0.0.1:8080/hook"}}).empty());
    CHECK(settings_error({{"url", "http://localhost/hook"}}).empty());
    CHECK(settings_error({{"url", "http://siem.example/hook"}}) ==
          "outputs[3].url: expected an https URL (plain http only for a loopback address)");
    CHECK(settings_error(nlohmann::json::object()) == "outputs[3].url: is required");
    CHECK(settings_error({{"url", "https://siem.example/"}, {"timeout_seconds", "10"}}) ==
          "outputs[3].timeout_seconds: expected a number, got a string");
    CHECK(settings_error({{"url", "https://siem.example/"}, {"headers", {{"X-Id", 5}}}}) ==
          "outputs[3].headers.X-Id: expected a string, got a number");
    CHECK(settings_error({{"url", "https://siem.example/"},
                          {"header_files", {{"Authorization", "/nonexistent/flowwatch-token"}}}}) ==
          "outputs[3].header_files.Authorization: cannot read a value from "
          "/nonexistent/flowwatch-token");
    CHECK(settings_error({{"url", "https://siem.example/"}, {"retries", 3}}) ==
          "outputs[3].retries: unknown key");
    forget_secrets();
}

TEST_CASE("a webhook's origin keeps scheme, host and port and drops path and query") {
    CHECK(webhook_origin("https://hooks.example.com/services/T000/B000/XXXX?token=abc") ==
          "https://hooks.example.com:443");
    CHECK(webhook_origin("http://127.0.0.1:8080/a") == "http://127.0.0.1:8080");
}

}  // namespace flowwatch::agent
