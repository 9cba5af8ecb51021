#include "agent/outputs/output_factory.h"

#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "agent/logging.h"
#include "test_output_support.h"

namespace flowwatch::agent {

namespace {

OutputConfig entry(std::string type, std::string name, nlohmann::json settings) {
    return OutputConfig{std::move(type), std::move(name), std::move(settings)};
}

std::string error_of(const std::vector<OutputConfig>& configs) {
    auto outputs = make_outputs(configs);
    return outputs ? std::string() : outputs.error().message;
}

}  // namespace

TEST_CASE("every configured output is built, in order, under its configured name") {
    output_testing::TempDir dir;
    auto outputs = make_outputs({
        entry("jsonl", "jsonl", {{"path", (dir.path() / "alerts.jsonl").string()}}),
        entry("stdout", "stdout", nlohmann::json::object()),
        entry("syslog", "siem", {{"transport", "tcp"}, {"port", 6514}, {"format", "cef"}}),
        entry("webhook", "webhook", {{"url", "https://siem.example/hook"}}),
        entry("syslog", "syslog-2", nlohmann::json::object()),
    });
    REQUIRE(outputs.has_value());
    std::vector<std::string> names;
    for (const auto& output : *outputs) {
        names.push_back(output->name());
    }
    CHECK(names == std::vector<std::string>{"jsonl", "stdout", "siem", "webhook", "syslog-2"});
    forget_secrets();
}

TEST_CASE("an output configuration error names the entry's index and the key") {
    CHECK(error_of({entry("stdout", "stdout", nlohmann::json::object()),
                    entry("syslog", "syslog", {{"port", "514"}})}) ==
          "outputs[1].port: expected a number, got a string");
    CHECK(error_of({entry("jsonl", "jsonl", nlohmann::json::object())}) ==
          "outputs[0].path: is required");
    CHECK(error_of({entry("kafka", "kafka", nlohmann::json::object())}) ==
          "outputs[0].type: unknown output type \"kafka\" (expected jsonl, stdout, syslog or "
          "webhook)");
    CHECK(error_of({entry("stdout", "same", nlohmann::json::object()),
                    entry("stdout", "same", nlohmann::json::object())}) ==
          "outputs[1].name: \"same\" is already used by outputs[0]");
}

TEST_CASE("no outputs configured is valid and builds none") {
    auto outputs = make_outputs({});
    REQUIRE(outputs.has_value());
    CHECK(outputs->empty());
}

}  // namespace flowwatch::agent
