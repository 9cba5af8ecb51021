#include "agent/outputs/stdout_output.h"

#include <cstdio>
#include <memory>
#include <string>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "test_output_support.h"

namespace flowwatch::agent {

TEST_CASE("a stdout output writes each alert as one JSON line on its stream") {
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> stream(std::tmpfile(), &std::fclose);
    REQUIRE(stream != nullptr);
    StdoutOutput output("stdout", stream.get());

    REQUIRE(output.deliver(output_testing::sample_alert(1)).has_value());
    REQUIRE(output.deliver(output_testing::sample_alert(2)).has_value());

    std::rewind(stream.get());
    std::string text(4096, '\0');
    text.resize(std::fread(text.data(), 1, text.size(), stream.get()));
    auto newline = text.find('\n');
    REQUIRE(newline != std::string::npos);
    CHECK(nlohmann::json::parse(text.substr(0, newline)) ==
          to_json(output_testing::sample_alert(1)));
    CHECK(text.substr(newline + 1).ends_with("}\n"));
    CHECK(nlohmann::json::parse(text.substr(newline + 1)) ==
          to_json(output_testing::sample_alert(2)));
}

TEST_CASE("a stdout output takes no settings") {
    OutputSettings none(nlohmann::json::object(), "outputs[0]");
    CHECK(read_stdout_settings(none).has_value());
    OutputSettings some({{"pretty", true}}, "outputs[0]");
    CHECK(read_stdout_settings(some).error().message == "outputs[0].pretty: unknown key");
}

}  // namespace flowwatch::agent
