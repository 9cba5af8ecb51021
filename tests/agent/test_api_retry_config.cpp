/// The http keys that set the API client's attempts and backoff, as the tenant poller uses them.

#include <doctest/doctest.h>

#include <string>

#include "agent/config.h"

using namespace flowwatch;
using namespace flowwatch::agent;

namespace {

std::string error_of(std::string_view text) {
    auto config = parse_config(text, "test.json");
    REQUIRE_FALSE(config.has_value());
    return config.error().message;
}

}  // namespace

TEST_CASE("the retry keys of http default to five attempts from one second up to a minute") {
    auto config = parse_config("{}", "test.json");
    REQUIRE(config);
    CHECK(config->http.retry_max_attempts == 5);
    CHECK(config->http.retry_base_delay_ms == 1000);
    CHECK(config->http.retry_max_delay_ms == 60'000);
}

TEST_CASE("the retry keys of http are read and checked against each other") {
    auto config = parse_config(
        R"({"http": {"retry_max_attempts": 3, "retry_base_delay_ms": 20, "retry_max_delay_ms": 50}})",
        "test.json");
    REQUIRE(config);
    CHECK(config->http.retry_max_attempts == 3);
    CHECK(config->http.retry_base_delay_ms == 20);
    CHECK(config->http.retry_max_delay_ms == 50);

    CHECK(error_of(R"({"http": {"retry_max_attempts": 0}})").find("http.retry_max_attempts") !=
          std::string::npos);
    CHECK(error_of(R"({"http": {"retry_base_delay_ms": 500, "retry_max_delay_ms": 100}})")
              .find("http.retry_max_delay_ms: must not be less than retry_base_delay_ms") !=
          std::string::npos);
}
