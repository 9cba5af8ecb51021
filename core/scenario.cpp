#include "core/scenario.h"

#include <algorithm>
#include <chrono>
#include <utility>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/scenario_simulation.h"

namespace flowwatch {
namespace {

using std::chrono::minutes;

constexpr std::size_t kBlobMaxRecords = 1000;
constexpr minutes kBlobMaxWindow{5};

/// `20260105091452123` + six more digits, as the API's content ids begin.
std::string content_id_stamp(Timestamp t, std::uint64_t salt) {
    const auto day = std::chrono::floor<std::chrono::days>(t);
    const std::chrono::year_month_day ymd{day};
    const std::chrono::hh_mm_ss hms{t - day};
    return fmt::format("{:04}{:02}{:02}{:02}{:02}{:02}{:03}{:06}", static_cast<int>(ymd.year()),
                       static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                       hms.hours().count(), hms.minutes().count(), hms.seconds().count(),
                       hms.subseconds().count(), salt % 1000000);
}

nlohmann::json attack_to_json(const PlantedAttack& attack) {
    return {{"trigger", trigger_name(attack.trigger)},
            {"user", attack.user},
            {"flow_id", attack.flow_id},
            {"time", format_time(attack.time)},
            {"until", format_time(attack.until)},
            {"description", attack.description},
            {"record_ids", attack.record_ids}};
}

nlohmann::json look_alike_to_json(const BenignLookAlike& look_alike) {
    return {{"kind", look_alike.kind},
            {"user", look_alike.user},
            {"flow_id", look_alike.flow_id},
            {"time", format_time(look_alike.time)},
            {"description", look_alike.description}};
}

Timestamp time_field(const nlohmann::json& j, const char* key) {
    return parse_time(j.at(key).get<std::string>()).value_or(Timestamp{});
}

}  // namespace

std::size_t ScenarioBlob::flow_records() const {
    return static_cast<std::size_t>(std::count_if(
        records.begin(), records.end(), [](const ScenarioRecord& r) { return r.power_automate; }));
}

std::string ScenarioBlob::array_text() const {
    std::string out = "[";
    for (const auto& record : records) {
        if (out.size() > 1) {
            out += ',';
        }
        out += record.json;
    }
    out += ']';
    return out;
}

std::string ScenarioBlob::ndjson_text() const {
    std::string out;
    for (const auto& record : records) {
        out += record.json;
        out += '\n';
    }
    return out;
}

struct ScenarioGenerator::State {
    explicit State(ScenarioOptions o)
        : options(std::move(o)), simulation(options), salt(options.seed) {}

    std::vector<ScenarioBlob> cut_blobs(Timestamp boundary);

    ScenarioOptions options;
    scenario::TenantSimulation simulation;
    scenario::Random salt;
    std::vector<ScenarioRecord> pending;
    ScenarioTotals totals;
    int day = 0;
    bool finished = false;
};

std::vector<ScenarioBlob> ScenarioGenerator::State::cut_blobs(Timestamp boundary) {
    // Only records published before the boundary are final; later days may still add earlier ones.
    auto split = std::stable_partition(
        pending.begin(), pending.end(),
        [&](const ScenarioRecord& r) { return r.content_created < boundary; });
    std::vector<ScenarioRecord> ready(std::make_move_iterator(pending.begin()),
                                      std::make_move_iterator(split));
    pending.erase(pending.begin(), split);
    std::stable_sort(ready.begin(), ready.end(), [](const auto& a, const auto& b) {
        return a.content_created < b.content_created;
    });

    std::vector<ScenarioBlob> blobs;
    for (auto& record : ready) {
        const bool fresh =
            blobs.empty() || blobs.back().records.size() >= kBlobMaxRecords ||
            record.content_created - blobs.back().records.front().content_created >= kBlobMaxWindow;
        if (fresh) {
            blobs.emplace_back();
        }
        totals.records += 1;
        totals.flow_records += record.power_automate ? 1 : 0;
        totals.bytes += record.json.size();
        blobs.back().content_created = record.content_created;
        blobs.back().records.push_back(std::move(record));
    }
    for (auto& blob : blobs) {
        blob.content_id =
            fmt::format("{}${}$audit_general$Audit_General$emea0042",
                        content_id_stamp(blob.records.front().content_created, salt.next()),
                        content_id_stamp(blob.content_created, salt.next()));
    }
    totals.blobs += blobs.size();
    return blobs;
}

ScenarioGenerator::ScenarioGenerator(ScenarioOptions options)
    : state_(std::make_unique<State>(std::move(options))) {}

ScenarioGenerator::~ScenarioGenerator() = default;

bool ScenarioGenerator::finished() const {
    return state_->finished;
}

std::vector<ScenarioBlob> ScenarioGenerator::next_day() {
    State& s = *state_;
    if (s.finished) {
        return {};
    }
    s.simulation.simulate_day(s.day, s.pending);
    ++s.day;
    s.totals.duplicates = s.simulation.duplicates();
    if (s.day >= s.options.days) {
        s.finished = true;
        return s.cut_blobs(Timestamp::max());
    }
    return s.cut_blobs(s.options.start + std::chrono::days{s.day});
}

const ScenarioOptions& ScenarioGenerator::options() const {
    return state_->options;
}

const std::vector<PlantedAttack>& ScenarioGenerator::attacks() const {
    return state_->simulation.attacks();
}

const std::vector<BenignLookAlike>& ScenarioGenerator::look_alikes() const {
    return state_->simulation.look_alikes();
}

const ScenarioTotals& ScenarioGenerator::totals() const {
    return state_->totals;
}

std::vector<std::string> ScenarioGenerator::authorized_users() const {
    const auto& org = state_->simulation.organisation();
    return {org.people[org.admin].upn};
}

Scenario generate_scenario(const ScenarioOptions& options) {
    ScenarioGenerator generator(options);
    Scenario scenario;
    scenario.options = options;
    while (!generator.finished()) {
        for (auto& blob : generator.next_day()) {
            scenario.blobs.push_back(std::move(blob));
        }
    }
    scenario.attacks = generator.attacks();
    scenario.look_alikes = generator.look_alikes();
    scenario.authorized_users = generator.authorized_users();
    scenario.totals = generator.totals();
    return scenario;
}

std::vector<std::string> scenario_blocked_connectors() {
    return {"Gmail", "FTP"};
}

std::string scenario_truth_json(const ScenarioGenerator& generator) {
    const ScenarioOptions& o = generator.options();
    const ScenarioTotals& t = generator.totals();
    nlohmann::json truth = {{"seed", o.seed},
                            {"days", o.days},
                            {"users", o.users},
                            {"start", format_time(o.start)},
                            {"tenant_id", o.tenant_id},
                            {"learning_days", kScenarioLearningDays},
                            {"authorized_users", generator.authorized_users()},
                            {"blocked_connectors", scenario_blocked_connectors()},
                            {"totals",
                             {{"records", t.records},
                              {"flow_records", t.flow_records},
                              {"duplicates", t.duplicates},
                              {"blobs", t.blobs},
                              {"bytes", t.bytes}}},
                            {"attacks", nlohmann::json::array()},
                            {"look_alikes", nlohmann::json::array()}};
    for (const auto& attack : generator.attacks()) {
        truth["attacks"].push_back(attack_to_json(attack));
    }
    for (const auto& look_alike : generator.look_alikes()) {
        truth["look_alikes"].push_back(look_alike_to_json(look_alike));
    }
    return truth.dump(2) + "\n";
}

std::string scenario_config_json(const ScenarioGenerator& generator) {
    const nlohmann::json config = {{"detection",
                                    {{"learning_days", kScenarioLearningDays},
                                     {"authorized_users", generator.authorized_users()},
                                     {"blocked_connectors", scenario_blocked_connectors()}}}};
    return config.dump(2) + "\n";
}

Result<ScenarioTruth> parse_scenario_truth(std::string_view text) {
    try {
        const auto j = nlohmann::json::parse(text);
        ScenarioTruth truth;
        for (const auto& a : j.at("attacks")) {
            const auto trigger = parse_trigger(a.at("trigger").get<std::string>());
            if (!trigger) {
                return fail("read scenario truth: unknown trigger " + a.at("trigger").dump());
            }
            truth.attacks.push_back(
                PlantedAttack{.trigger = *trigger,
                              .user = a.at("user").get<std::string>(),
                              .flow_id = a.at("flow_id").get<std::string>(),
                              .time = time_field(a, "time"),
                              .until = time_field(a, "until"),
                              .description = a.at("description").get<std::string>(),
                              .record_ids = a.at("record_ids").get<std::vector<std::string>>()});
        }
        for (const auto& l : j.at("look_alikes")) {
            truth.look_alikes.push_back(
                BenignLookAlike{.kind = l.at("kind").get<std::string>(),
                                .user = l.at("user").get<std::string>(),
                                .flow_id = l.at("flow_id").get<std::string>(),
                                .time = time_field(l, "time"),
                                .description = l.at("description").get<std::string>()});
        }
        truth.authorized_users = j.at("authorized_users").get<std::vector<std::string>>();
        return truth;
    } catch (const nlohmann::json::exception& e) {
        return fail(std::string("read scenario truth: ") + e.what());
    }
}

}  // namespace flowwatch
