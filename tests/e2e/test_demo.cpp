/// End-to-end: `flowwatch demo` runs the real agent against a generated tenant on loopback,
/// prints the planted attacks' alerts and exits once caught up; with --serve it keeps serving
/// until Ctrl-C.

#include <doctest/doctest.h>

#include <csignal>
#include <regex>
#include <string>

#include <nlohmann/json.hpp>

#include "agent/status/status_client.h"
#include "tests/e2e/test_run_daemon.h"
#include "tests/support/process.h"

using namespace flowwatch;
using namespace flowwatch::run_testing;

namespace {

/// A smaller tenant than the default month: still past the learning period, with every attack.
const std::vector<std::string> kSmallDemo{FLOWWATCH_BINARY, "demo", "--days",   "20",
                                          "--users",        "120",  "--listen", "127.0.0.1:0"};

}  // namespace

TEST_CASE("the demo prints every planted attack's alert and exits 0 once caught up") {
    auto run = test::run_process(kSmallDemo, std::chrono::minutes(3));
    REQUIRE(run);
    INFO("stdout:\n", run->out, "\nstderr:\n", run->err);
    CHECK(run->exit_code == 0);
    CHECK(std::regex_search(run->out, std::regex(R"(status endpoint at http://127\.0\.0\.1:\d+)")));
    CHECK(std::regex_search(run->out, std::regex(R"(ALERT \[(medium|high|critical)\] )")));
    CHECK(run->out.find("demo: caught up") != std::string::npos);

    std::smatch detected;
    REQUIRE(std::regex_search(run->out, detected,
                              std::regex(R"((\d+) of (\d+) planted attacks detected)")));
    CHECK(std::stoi(detected[2].str()) > 0);
    CHECK(detected[1].str() == detected[2].str());
    CHECK(run->out.find("MISSED") == std::string::npos);
}

TEST_CASE("the demo with --serve keeps its status endpoint up until it is interrupted") {
    auto argv = kSmallDemo;
    argv.push_back("--serve");
    ChildProcess demo(argv);
    std::smatch url;
    REQUIRE(eventually([&] { return demo.out().find("still serving") != std::string::npos; },
                       std::chrono::minutes(3)));
    const std::string out = demo.out();
    REQUIRE(
        std::regex_search(out, url, std::regex(R"(status endpoint at http://127\.0\.0\.1:(\d+))")));

    auto reply = agent::http_get({.host = "127.0.0.1",
                                  .port = static_cast<std::uint16_t>(std::stoi(url[1].str())),
                                  .target = "/api/v1/status"});
    REQUIRE(reply);
    CHECK(reply->status == 200);
    const auto status = nlohmann::json::parse(reply->body);
    CHECK(status["tenants"][0]["power_automate_records"].get<int>() > 0);

    demo.signal(SIGINT);
    CHECK(demo.wait_exit(std::chrono::seconds(30)) == 0);
}
