#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "tests/support/process.h"
#include "tests/support/scratch_folder.h"

namespace fs = std::filesystem;
using namespace flowwatch;

namespace {

const fs::path kData = FLOWWATCH_TEST_DATA_DIR;

test::ProcessResult run_flowwatch(std::vector<std::string> args) {
    args.insert(args.begin(), FLOWWATCH_BINARY);
    auto result = test::run_process(args, std::chrono::minutes{2});
    REQUIRE_MESSAGE(result, result.error().message);
    REQUIRE_FALSE(result->timed_out);
    return *result;
}

std::vector<nlohmann::json> alert_lines(const std::string& text) {
    std::vector<nlohmann::json> alerts;
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);) {
        if (!line.empty()) {
            alerts.push_back(nlohmann::json::parse(line));
        }
    }
    return alerts;
}

constexpr const char* kBlockHttp = R"({
    // HTTP is blocked here, so its use alerts even during the learning period.
    "detection": {"blocked_connectors": ["HTTP"], "min_severity": "low"}
})";

}  // namespace

TEST_CASE("replay writes each new alert once as a JSON line and a summary to stderr") {
    const test::ScratchFolder folder;
    const auto config = folder.write("config.json", kBlockHttp);
    const std::vector<std::string> args = {"replay",
                                           "--config",
                                           config.string(),
                                           "--db",
                                           (folder / "state.db").string(),
                                           (kData / "blob_mixed_workloads.json").string()};

    auto first = run_flowwatch(args);
    REQUIRE_MESSAGE(first.exit_code == 0, first.err);
    const auto alerts = alert_lines(first.out);
    REQUIRE_FALSE(alerts.empty());
    for (const auto& alert : alerts) {
        CHECK(alert.at("detection") == "M365 Suspect Power Automate Activity");
        CHECK(alert.at("trigger") == "unauthorized_connector");
        CHECK(alert.at("user") == "alice@contoso.com");
        CHECK(alert.at("reason").get<std::string>().find("HTTP") != std::string::npos);
    }
    CHECK(first.err.find("records read") != std::string::npos);
    CHECK(first.err.find("Power Automate") != std::string::npos);

    // The same input into the same database has been evaluated already.
    auto second = run_flowwatch(args);
    REQUIRE_MESSAGE(second.exit_code == 0, second.err);
    CHECK(alert_lines(second.out).empty());
    CHECK(second.err.find("0 new alerts") != std::string::npos);
}

TEST_CASE("replay appends alerts to --alerts and leaves stdout empty") {
    const test::ScratchFolder folder;
    const auto config = folder.write("config.json", kBlockHttp);
    const auto alerts_file = folder / "alerts.jsonl";
    auto run = run_flowwatch({"replay", "--config", config.string(), "--alerts",
                              alerts_file.string(), (kData / "records.ndjson").string(),
                              (kData / "purview_export.csv").string()});
    REQUIRE_MESSAGE(run.exit_code == 0, run.err);
    CHECK(run.out.empty());
    std::ifstream in(alerts_file);
    const std::string written{std::istreambuf_iterator<char>(in), {}};
    CHECK_FALSE(alert_lines(written).empty());
    // The bad records of the inputs are named with file and place, and only they are skipped.
    CHECK(run.err.find("records.ndjson: record 2") != std::string::npos);
    CHECK(run.err.find("purview_export.csv: record 3") != std::string::npos);
}

TEST_CASE("an unusable input is named, the others are still replayed, and the exit is non-zero") {
    const test::ScratchFolder folder;
    const auto config = folder.write("config.json", kBlockHttp);
    auto run =
        run_flowwatch({"replay", "--config", config.string(), (kData / "not_audit.txt").string(),
                       (kData / "blob_mixed_workloads.json").string()});
    CHECK(run.exit_code == 1);
    CHECK(run.err.find("not_audit.txt") != std::string::npos);
    CHECK(run.err.find("1 unusable") != std::string::npos);
    CHECK_FALSE(alert_lines(run.out).empty());
}

TEST_CASE("a folder input replays the files in it in name order, as if each were named") {
    const test::ScratchFolder folder;
    const auto config = folder.write("config.json", kBlockHttp);
    const fs::path blobs = folder / "blobs";
    fs::create_directories(blobs / "older");
    fs::copy_file(kData / "records.ndjson", blobs / "1.ndjson");
    fs::copy_file(kData / "blob_mixed_workloads.json", blobs / "2.json");
    fs::copy_file(kData / "blob_mixed_workloads.json", blobs / "older" / "3.json");

    auto named = run_flowwatch({"replay", "--config", config.string(), "--db",
                                (folder / "named.db").string(), (blobs / "1.ndjson").string(),
                                (blobs / "2.json").string()});
    REQUIRE_MESSAGE(named.exit_code == 0, named.err);
    auto whole = run_flowwatch({"replay", "--config", config.string(), "--db",
                                (folder / "folder.db").string(), blobs.string()});
    REQUIRE_MESSAGE(whole.exit_code == 0, whole.err);

    CHECK_FALSE(alert_lines(whole.out).empty());
    CHECK(whole.out == named.out);
    CHECK(whole.err.find("replay: 2 inputs (0 unusable)") != std::string::npos);
    // A folder inside is named as not read, not passed over in silence.
    CHECK(whole.err.find("not read: " + (blobs / "older").string()) != std::string::npos);
}

TEST_CASE("a configuration with an unknown key stops replay with the key's name") {
    const test::ScratchFolder folder;
    const auto config = folder.write("config.json", R"({"detection": {"learnin_days": 3}})");
    auto run =
        run_flowwatch({"replay", "--config", config.string(), (kData / "records.ndjson").string()});
    CHECK(run.exit_code != 0);
    CHECK(run.err.find("learnin_days") != std::string::npos);
    CHECK(run.out.empty());
}

TEST_CASE("--version and replay --help describe the command") {
    auto version = run_flowwatch({"--version"});
    CHECK(version.exit_code == 0);
    CHECK(version.out.find("flowwatch ") == 0);

    auto help = run_flowwatch({"replay", "--help"});
    CHECK(help.exit_code == 0);
    for (const char* option : {"--config", "--db", "--alerts"}) {
        CHECK_MESSAGE(help.out.find(option) != std::string::npos, option);
    }
}
