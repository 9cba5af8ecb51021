#include "agent/logging.h"

#include <chrono>
#include <cstdlib>
#include <memory>
#include <regex>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <spdlog/logger.h>
#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

namespace flowwatch::agent {

namespace {

/// A logger named `component` whose lines land in `lines`, with a clock the test moves.
struct CapturedLog {
    explicit CapturedLog(LogOptions options, std::string component = "outputs") {
        auto sink = std::make_shared<LineSink>(
            options, [this](std::string_view line) { lines.emplace_back(line); },
            [this] { return now; });
        logger = std::make_shared<spdlog::logger>(std::move(component), sink);
        logger->set_level(spdlog::level::trace);
    }

    std::vector<std::string> lines;
    std::chrono::steady_clock::time_point now{};
    std::shared_ptr<spdlog::logger> logger;
};

LogOptions text_options() {
    LogOptions options;
    options.journald = false;
    return options;
}

}  // namespace

TEST_CASE("a text line carries a UTC timestamp, the level, the component and the fields") {
    CapturedLog log(text_options());
    log.logger->error("delivery failed {}",
                      fields({{"output", "siem"}, {"error", "connection refused"}}));

    REQUIRE(log.lines.size() == 1);
    std::regex shape(
        R"(^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z error outputs: delivery failed output=siem error="connection refused"$)");
    CHECK(std::regex_match(log.lines[0], shape));
}

TEST_CASE("under journald a line starts with the sd-daemon priority and has no timestamp") {
    LogOptions options;
    options.journald = true;
    CapturedLog log(options, "api");
    log.logger->error("token request failed {}", field("tenant", "contoso"));
    log.logger->warn("throttled");
    log.logger->info("polled");
    log.logger->debug("page");
    log.logger->critical("database gone");

    REQUIRE(log.lines.size() == 5);
    CHECK(log.lines[0] == "<3>api: token request failed tenant=contoso");
    CHECK(log.lines[1] == "<4>api: throttled");
    CHECK(log.lines[2] == "<6>api: polled");
    CHECK(log.lines[3] == "<7>api: page");
    CHECK(log.lines[4] == "<2>api: database gone");
}

TEST_CASE("journald prefixes are chosen when JOURNAL_STREAM is set and none was asked for") {
    ::setenv("JOURNAL_STREAM", "8:12345", 1);
    CapturedLog under_systemd(LogOptions{});
    ::unsetenv("JOURNAL_STREAM");
    CapturedLog on_console(LogOptions{});

    under_systemd.logger->info("started");
    on_console.logger->info("started");

    CHECK(under_systemd.lines.at(0) == "<6>outputs: started");
    CHECK(on_console.lines.at(0).ends_with(" info outputs: started"));
}

TEST_CASE("a JSON line holds the message and each field as its own key") {
    LogOptions options = text_options();
    options.format = LogFormat::json;
    CapturedLog log(options, "poller");
    log.logger->warn("listing failed {}", fields({{"tenant", "contoso"},
                                                  {"content_type", "Audit.General"},
                                                  {"error", "HTTP 503 \"busy\""}}));

    REQUIRE(log.lines.size() == 1);
    auto line = nlohmann::json::parse(log.lines[0]);
    CHECK(line["level"] == "warning");
    CHECK(line["component"] == "poller");
    CHECK(line["message"] == "listing failed");
    CHECK(line["tenant"] == "contoso");
    CHECK(line["content_type"] == "Audit.General");
    CHECK(line["error"] == "HTTP 503 \"busy\"");
    CHECK(line["time"].get<std::string>().ends_with("Z"));
}

TEST_CASE("a field never replaces the JSON line's own keys") {
    LogOptions options = text_options();
    options.format = LogFormat::json;
    CapturedLog log(options);
    log.logger->info("odd {}", field("level", "forged"));

    auto line = nlohmann::json::parse(log.lines.at(0));
    CHECK(line["level"] == "info");
    CHECK(line["field.level"] == "forged");
}

TEST_CASE("a message with a line break stays on one line") {
    CapturedLog log(text_options());
    log.logger->error("bad body\nforged line");

    REQUIRE(log.lines.size() == 1);
    CHECK(log.lines[0].find('\n') == std::string::npos);
    CHECK(log.lines[0].ends_with("bad body\\nforged line"));
}

TEST_CASE("an identical error is written once a window, then says how often it repeated") {
    LogOptions options = text_options();
    options.repeat_window = std::chrono::seconds(60);
    CapturedLog log(options);

    for (int i = 0; i < 5; ++i) {
        log.logger->error("delivery failed output=siem");
        log.now += std::chrono::seconds(1);
    }
    CHECK(log.lines.size() == 1);

    log.now += std::chrono::seconds(60);
    log.logger->error("delivery failed output=siem");
    REQUIRE(log.lines.size() == 2);
    CHECK(log.lines[1].ends_with("delivery failed output=siem repeated=4"));

    log.now += std::chrono::seconds(61);
    log.logger->error("delivery failed output=siem");
    REQUIRE(log.lines.size() == 3);
    CHECK(log.lines[2].ends_with("delivery failed output=siem"));
}

TEST_CASE("a line that keeps repeating stays held back while a flood of distinct lines passes") {
    LogOptions options = text_options();
    options.repeat_window = std::chrono::seconds(60);
    CapturedLog log(options);

    // Far more distinct lines than the limiter remembers, all within one window, with the hot
    // line coming back every tenth line.
    for (int i = 0; i < 5000; ++i) {
        if (i % 10 == 0) {
            log.logger->error("delivery failed output=siem");
        }
        log.logger->error("record {} unreadable", i);
        log.now += std::chrono::milliseconds(1);
    }
    std::size_t hot = 0;
    for (const auto& line : log.lines) {
        hot += line.ends_with("delivery failed output=siem") ? 1 : 0;
    }
    CHECK(hot == 1);
    CHECK(log.lines.size() == 5001);

    // After the window it is written again with the count of what was held back.
    log.now += std::chrono::seconds(60);
    log.logger->error("delivery failed output=siem");
    CHECK(log.lines.back().ends_with("delivery failed output=siem repeated=499"));
}

TEST_CASE("repeat limiting leaves different errors and informational lines alone") {
    CapturedLog log(text_options());
    log.logger->error("delivery failed output=siem");
    log.logger->error("delivery failed output=webhook");
    log.logger->info("polled tenant=contoso");
    log.logger->info("polled tenant=contoso");
    log.logger->warn("delivery failed output=siem");

    CHECK(log.lines.size() == 5);
}

TEST_CASE("a registered secret is masked in every format, also URL- and JSON-encoded") {
    forget_secrets();
    register_secret("s3cr3t/Value+\"x\"");

    CapturedLog text(text_options());
    text.logger->error("token request body client_secret=s3cr3t/Value+\"x\" rejected");
    text.logger->error("GET https://login.example/?client_secret=s3cr3t%2FValue%2B%22x%22");
    text.logger->error(R"(json {"secret":"s3cr3t/Value+\"x\""})");

    LogOptions json_options = text_options();
    json_options.format = LogFormat::json;
    CapturedLog json(json_options);
    json.logger->error("auth {}", field("secret", "s3cr3t/Value+\"x\""));

    for (const auto& line : text.lines) {
        CHECK(line.find("s3cr3t") == std::string::npos);
        CHECK(line.find("***") != std::string::npos);
    }
    REQUIRE(json.lines.size() == 1);
    CHECK(json.lines[0].find("s3cr3t") == std::string::npos);
    CHECK(nlohmann::json::parse(json.lines[0])["message"] == "auth");
    forget_secrets();
}

TEST_CASE("redact masks every occurrence and ignores secrets too short to mask safely") {
    forget_secrets();
    register_secret("hunter22");
    register_secret("ab");
    CHECK(redact("pw hunter22 and hunter22 again, ab") == "pw *** and *** again, ab");
    forget_secrets();
    CHECK(redact("pw hunter22") == "pw hunter22");
}

TEST_CASE("configured component loggers write through the one sink at the configured level") {
    forget_secrets();
    register_secret("tok-12345678");
    std::vector<std::string> lines;
    LogOptions options = text_options();
    options.level = spdlog::level::info;
    options.journald = true;
    configure_logging(options, [&lines](std::string_view line) { lines.emplace_back(line); });

    auto log = component_logger("logging-test");
    log->debug("hidden");
    log->info("token loaded {}", field("token", "tok-12345678"));
    CHECK(component_logger("logging-test") == log);

    configure_logging(LogOptions{});
    REQUIRE(lines.size() == 1);
    CHECK(lines[0] == "<6>logging-test: token loaded token=***");
    forget_secrets();
}

TEST_CASE("a line logged through spdlog's default logger names the program as its component") {
    std::vector<std::string> lines;
    LogOptions options = text_options();
    options.journald = true;
    configure_logging(options, [&lines](std::string_view line) { lines.emplace_back(line); });

    spdlog::warn("plain {}", field("tenant", "t1"));
    spdlog::debug("below the level");

    configure_logging(LogOptions{});
    REQUIRE(lines.size() == 1);
    CHECK(lines[0] == "<4>flowwatch: plain tenant=t1");
}

TEST_CASE("log levels and formats are parsed by name and a wrong name is explained") {
    CHECK(parse_log_level("debug").value() == spdlog::level::debug);
    CHECK(parse_log_level("warning").value() == spdlog::level::warn);
    CHECK(parse_log_level("warn").value() == spdlog::level::warn);
    CHECK(parse_log_format("json").value() == LogFormat::json);

    auto bad = parse_log_level("loud");
    REQUIRE_FALSE(bad.has_value());
    CHECK(bad.error().message.find("\"loud\"") != std::string::npos);
    CHECK_FALSE(parse_log_format("xml").has_value());
}

}  // namespace flowwatch::agent
