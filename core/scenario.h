#pragma once
/// A simulated Microsoft 365 tenant: audit records of every workload over N days, grouped into
/// Audit.General content blobs the way the Management Activity API publishes them, with planted
/// Power Automate attacks and the ground truth a detector is measured against.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/alert.h"
#include "core/error.h"
#include "core/time.h"

namespace flowwatch {

/// 2026-01-05T00:00:00Z, a Monday: scenarios start here unless told otherwise.
inline constexpr Timestamp kScenarioDefaultStart{std::chrono::milliseconds{1767571200000}};
inline constexpr int kScenarioLearningDays = 14;

struct ScenarioOptions {
    std::uint64_t seed = 1;
    int days = 30;
    int users = 300;
    Timestamp start = kScenarioDefaultStart;
    std::string tenant_id = "5b0f6c2e-8d41-4a7b-9c3e-2f1a6d8e4b70";
    std::string domain = "contoso.com";
    /// Records of other workloads per Power Automate record; 0 gives an all-Power-Automate corpus.
    double other_workload_ratio = 50.0;
    /// Attacks are planted only when the scenario runs past the learning period plus two days.
    bool plant_attacks = true;
};

/// One planted attack: the alert a detector should raise, and when.
struct PlantedAttack {
    Trigger trigger = Trigger::unusual_connector;
    std::string user{};     ///< Lower-cased UPN of the acting account.
    std::string flow_id{};  ///< Lower-cased; for a burst, the first flow of it.
    Timestamp time{};       ///< CreationTime of the first record of the attack.
    Timestamp until{};      ///< CreationTime of its last record.
    std::string description{};
    std::vector<std::string> record_ids{};
};

/// Benign activity that resembles an attack and must not raise a medium or higher alert.
struct BenignLookAlike {
    std::string
        kind{};  ///< co_owner_edit, authorized_admin_edit, new_maker_common, habitual_reuse.
    std::string user{};
    std::string flow_id{};
    Timestamp time{};
    std::string description{};
};

/// One audit record as JSON text, with the moment the API makes it available.
struct ScenarioRecord {
    Timestamp creation_time{};
    Timestamp content_created{};  ///< Never before creation_time.
    bool power_automate = false;
    std::string json{};
};

/// A content blob of the Audit.General feed.
struct ScenarioBlob {
    std::string content_id{};
    std::string content_type = "Audit.General";
    Timestamp content_created{};  ///< The latest content_created of its records.
    std::vector<ScenarioRecord> records{};

    std::size_t flow_records() const;
    /// The blob as the API returns it: one JSON array.
    std::string array_text() const;
    /// One record per line.
    std::string ndjson_text() const;
};

struct ScenarioTotals {
    std::uint64_t records = 0;
    std::uint64_t flow_records = 0;
    std::uint64_t duplicates = 0;
    std::uint64_t blobs = 0;
    std::uint64_t bytes = 0;  ///< Sum of the records' JSON sizes.
};

/// Simulates the tenant one day at a time so a corpus of any size streams in bounded memory.
/// The same options give the same bytes.
class ScenarioGenerator {
  public:
    explicit ScenarioGenerator(ScenarioOptions options);
    ~ScenarioGenerator();
    ScenarioGenerator(const ScenarioGenerator&) = delete;
    ScenarioGenerator& operator=(const ScenarioGenerator&) = delete;

    /// True once every day has been simulated and every blob handed out.
    bool finished() const;

    /// Simulates the next day and returns the blobs that can no longer change, in contentCreated
    /// order. After the last day it also returns the blobs still pending.
    std::vector<ScenarioBlob> next_day();

    const ScenarioOptions& options() const;
    const std::vector<PlantedAttack>& attacks() const;
    const std::vector<BenignLookAlike>& look_alikes() const;
    const ScenarioTotals& totals() const;
    /// Lower-cased UPNs of the accounts allowed to work on other people's flows.
    std::vector<std::string> authorized_users() const;

  private:
    struct State;
    std::unique_ptr<State> state_;
};

/// A whole scenario in memory (for tests and small tenants).
struct Scenario {
    ScenarioOptions options;
    std::vector<ScenarioBlob> blobs{};
    std::vector<PlantedAttack> attacks{};
    std::vector<BenignLookAlike> look_alikes{};
    std::vector<std::string> authorized_users{};
    ScenarioTotals totals;
};

Scenario generate_scenario(const ScenarioOptions& options);

/// Connector names the scenario's recommended configuration blocks.
std::vector<std::string> scenario_blocked_connectors();

/// `truth.json`: the options, the planted attacks and the benign look-alikes.
std::string scenario_truth_json(const ScenarioGenerator& generator);
/// `config.json`: the detection configuration the scenario expects to be run with.
std::string scenario_config_json(const ScenarioGenerator& generator);

/// What `truth.json` says, read back (by the end-to-end test and the simulated tenant).
struct ScenarioTruth {
    std::vector<PlantedAttack> attacks{};
    std::vector<BenignLookAlike> look_alikes{};
    std::vector<std::string> authorized_users{};
};
Result<ScenarioTruth> parse_scenario_truth(std::string_view text);

}  // namespace flowwatch
