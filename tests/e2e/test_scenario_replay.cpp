#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "core/alert.h"
#include "core/scenario.h"
#include "tests/support/process.h"
#include "tests/support/scratch_folder.h"

namespace fs = std::filesystem;
using namespace flowwatch;

namespace {

std::string read_text(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

std::vector<Alert> read_alerts(const fs::path& path) {
    std::vector<Alert> alerts;
    std::istringstream lines(read_text(path));
    for (std::string line; std::getline(lines, line);) {
        if (!line.empty()) {
            alerts.push_back(alert_from_json(nlohmann::json::parse(line)));
        }
    }
    return alerts;
}

std::vector<std::string> blob_files(const fs::path& folder) {
    std::vector<std::string> files;
    for (const auto& entry : fs::directory_iterator(folder)) {
        files.push_back(entry.path().string());
    }
    std::sort(files.begin(), files.end());
    return files;
}

bool explains(const PlantedAttack& attack, const Alert& alert) {
    return alert.user == attack.user && alert.time >= attack.time && alert.time <= attack.until;
}

/// The summary line replay prints last on stderr.
std::string summary_of(const std::string& err) {
    const auto at = err.rfind("replay: ");
    REQUIRE(at != std::string::npos);
    return err.substr(at, err.find('\n', at) - at);
}

test::ProcessResult run(const std::vector<std::string>& argv) {
    auto result = test::run_process(argv, std::chrono::minutes{10});
    REQUIRE_MESSAGE(result, result.error().message);
    REQUIRE_FALSE(result->timed_out);
    REQUIRE_MESSAGE(result->exit_code == 0, argv[1], " failed: ", result->err);
    return *result;
}

}  // namespace

TEST_CASE(
    "a replayed 30-day tenant raises every planted attack and spares the "
    "look-alikes") {
    const test::ScratchFolder scratch;
    const fs::path out = scratch.path() / "tenant";
    run({FLOWWATCH_BINARY, "generate", "--seed", "11", "--days", "30", "--users", "300",
         "--other-ratio", "20", "--out", out.string()});
    auto truth = parse_scenario_truth(read_text(out / "truth.json"));
    REQUIRE_MESSAGE(truth, truth.error().message);
    REQUIRE(truth->attacks.size() == 7);

    std::vector<std::string> replay = {
        FLOWWATCH_BINARY, "replay",
        "--config",       (out / "config.json").string(),
        "--db",           (scratch.path() / "state.db").string(),
        "--alerts",       (scratch.path() / "alerts.jsonl").string()};
    const auto blobs = blob_files(out / "blobs");
    replay.insert(replay.end(), blobs.begin(), blobs.end());
    const auto first = run(replay);
    const std::vector<Alert> alerts = read_alerts(scratch.path() / "alerts.jsonl");

    for (const auto& attack : truth->attacks) {
        const bool raised = std::any_of(alerts.begin(), alerts.end(), [&](const Alert& a) {
            return a.trigger == attack.trigger && explains(attack, a);
        });
        CHECK_MESSAGE(raised, "missed ", trigger_name(attack.trigger), " by ", attack.user, ": ",
                      attack.description);
    }

    for (const auto& look_alike : truth->look_alikes) {
        for (const auto& alert : alerts) {
            const bool same_event = alert.user == look_alike.user && alert.time == look_alike.time;
            CHECK_MESSAGE(!(same_event && alert.severity >= Severity::medium), look_alike.kind,
                          " raised ", trigger_name(alert.trigger), ": ", alert.reason);
        }
    }

    std::size_t unexplained = 0;
    for (const auto& alert : alerts) {
        const bool planted =
            std::any_of(truth->attacks.begin(), truth->attacks.end(),
                        [&](const PlantedAttack& p) { return explains(p, alert); });
        if (!planted && alert.severity >= Severity::medium) {
            ++unexplained;
            MESSAGE("unexplained ", trigger_name(alert.trigger), " ", severity_name(alert.severity),
                    " for ", alert.user, ": ", alert.reason);
        }
    }
    MESSAGE("alerts emitted: ", alerts.size(),
            ", medium or higher not explained by a planted "
            "attack: ",
            unexplained);
    CHECK(unexplained <= 5);

    // A second replay over the same database has seen every record already.
    run(replay);
    CHECK(read_alerts(scratch.path() / "alerts.jsonl").size() == alerts.size());

    // Units of 50 records, each evaluated in chunks of 3 as they are read and committed on its
    // own, raise the same alerts in the same order as one unit for the whole month.
    std::vector<std::string> small_units = {
        FLOWWATCH_BINARY, "replay",
        "--unit-records", "50",
        "--config",       (out / "config.json").string(),
        "--db",           (scratch.path() / "small-units.db").string(),
        "--alerts",       (scratch.path() / "small-units.jsonl").string()};
    small_units.insert(small_units.end(), blobs.begin(), blobs.end());
    const auto small = run(small_units);
    const std::vector<Alert> small_alerts = read_alerts(scratch.path() / "small-units.jsonl");
    REQUIRE(small_alerts.size() == alerts.size());
    for (std::size_t i = 0; i < alerts.size(); ++i) {
        CHECK(small_alerts[i].id == alerts[i].id);
    }
    // And they count the same records, duplicates and alerts.
    CHECK(summary_of(small.err) == summary_of(first.err));
}
