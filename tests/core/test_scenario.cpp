#include <algorithm>
#include <map>
#include <set>
#include <string>

#include <doctest/doctest.h>
#include <simdjson.h>
#include <nlohmann/json.hpp>

#include "agent/config.h"
#include "core/pipeline.h"
#include "core/record_reader.h"
#include "core/scenario.h"
#include "tests/support/memory_store.h"

using namespace flowwatch;

namespace {

ScenarioOptions small_tenant(std::uint64_t seed = 7) {
    ScenarioOptions options;
    options.seed = seed;
    options.days = 24;
    options.users = 120;
    options.other_workload_ratio = 10;
    return options;
}

/// Every blob's bytes, in order: what a seed must reproduce exactly.
std::string corpus_bytes(const Scenario& scenario) {
    std::string out;
    for (const auto& blob : scenario.blobs) {
        out += blob.content_id;
        out += blob.array_text();
    }
    return out;
}

const Scenario& default_scenario() {
    static const Scenario scenario = generate_scenario(small_tenant());
    return scenario;
}

}  // namespace

TEST_CASE(
    "the same seed gives the same bytes and another seed gives different "
    "ones") {
    const std::string first = corpus_bytes(generate_scenario(small_tenant(7)));
    const std::string again = corpus_bytes(generate_scenario(small_tenant(7)));
    const std::string other = corpus_bytes(generate_scenario(small_tenant(8)));
    CHECK(first.size() > 100000);
    CHECK(first == again);
    CHECK(first != other);
}

TEST_CASE(
    "every trigger is planted at least once and only after the learning "
    "period") {
    const Scenario& s = default_scenario();
    const Timestamp learning_end = s.options.start + std::chrono::days{kScenarioLearningDays};
    std::set<Trigger> planted;
    for (const auto& attack : s.attacks) {
        planted.insert(attack.trigger);
        CHECK(attack.time >= learning_end);
        CHECK(attack.until >= attack.time);
        CHECK_FALSE(attack.user.empty());
        CHECK_FALSE(attack.flow_id.empty());
        CHECK_FALSE(attack.record_ids.empty());
    }
    CHECK(s.attacks.size() == 7);
    for (Trigger trigger : kAllTriggers) {
        CHECK_MESSAGE(planted.contains(trigger), trigger_name(trigger));
    }
}

TEST_CASE("a scenario too short to pass the learning period plants nothing") {
    ScenarioOptions options = small_tenant();
    options.days = kScenarioLearningDays;
    CHECK(generate_scenario(options).attacks.empty());
}

TEST_CASE("the Power Automate share follows the requested ratio of other workloads") {
    ScenarioOptions options = small_tenant();
    options.other_workload_ratio = 50;
    const Scenario s = generate_scenario(options);
    const double share =
        static_cast<double>(s.totals.flow_records) / static_cast<double>(s.totals.records);
    CHECK(share == doctest::Approx(1.0 / 51.0).epsilon(0.1));
    CHECK(s.totals.flow_records > 100);
}

TEST_CASE("an all-Power-Automate scenario holds no other workload") {
    ScenarioOptions options = small_tenant();
    options.other_workload_ratio = 0;
    const Scenario s = generate_scenario(options);
    CHECK(s.totals.records > 0);
    CHECK(s.totals.flow_records == s.totals.records);
}

TEST_CASE("every record parses as JSON with the fields the API always sends") {
    std::map<int, std::size_t> by_type;
    for (const auto& blob : default_scenario().blobs) {
        for (const auto& record : blob.records) {
            const auto j = nlohmann::json::parse(record.json);
            for (const char* field : {"CreationTime", "Id", "Operation", "OrganizationId",
                                      "RecordType", "UserId", "UserKey", "Workload"}) {
                REQUIRE_MESSAGE(j.contains(field), field, " missing in ", record.json);
            }
            const int type = j["RecordType"].get<int>();
            ++by_type[type];
            CHECK(parse_time(j["CreationTime"].get<std::string>()) == record.creation_time);
            CHECK(record.power_automate == (type == 30));
            if (type == 30) {
                CHECK(j["Workload"] == "MicrosoftFlow");
                CHECK(j.contains("FlowConnectorNames"));
                CHECK(j.contains("FlowDetailsUrl"));
            } else {
                CHECK(record.json.size() >= 400);
                CHECK(record.json.size() <= 3500);
            }
        }
    }
    CHECK(by_type.size() >= 6);
}

TEST_CASE(
    "the record reader finds exactly the Power Automate records of every "
    "blob") {
    RecordReader reader;
    std::size_t malformed = 0;
    for (const auto& blob : default_scenario().blobs) {
        const simdjson::padded_string text(blob.array_text());
        const ReadCounts counts = reader.read_json(
            text, blob.content_id, [](FlowRecord&&) {},
            [&](const ReadDiagnostic&) { ++malformed; });
        CHECK(counts.records == blob.records.size());
        CHECK(counts.flow_records == blob.flow_records());
    }
    CHECK(malformed == 0);
}

TEST_CASE(
    "blobs come in contentCreated order and no record is published "
    "before it happened") {
    const auto& blobs = default_scenario().blobs;
    std::set<std::string> ids;
    for (std::size_t i = 0; i < blobs.size(); ++i) {
        const auto& blob = blobs[i];
        REQUIRE_FALSE(blob.records.empty());
        CHECK(blob.records.size() <= 1000);
        CHECK(blob.content_type == "Audit.General");
        CHECK(ids.insert(blob.content_id).second);
        if (i > 0) {
            CHECK(blobs[i - 1].content_created <= blob.content_created);
        }
        for (const auto& record : blob.records) {
            CHECK(record.content_created >= record.creation_time);
            CHECK(record.content_created <= blob.content_created);
        }
        CHECK(blob.content_created - blob.records.front().content_created <
              std::chrono::minutes{5});
    }
}

TEST_CASE("duplicate records repeat an Id with the same bytes") {
    std::map<std::string, std::string> seen;
    std::size_t duplicates = 0;
    for (const auto& blob : default_scenario().blobs) {
        for (const auto& record : blob.records) {
            const std::string id = nlohmann::json::parse(record.json)["Id"];
            auto [it, fresh] = seen.emplace(id, record.json);
            if (!fresh) {
                ++duplicates;
                CHECK(it->second == record.json);
            }
        }
    }
    CHECK(duplicates == default_scenario().totals.duplicates);
}

TEST_CASE("benign look-alikes of every kind are recorded after the learning period") {
    std::set<std::string> kinds;
    const Timestamp learning_end =
        default_scenario().options.start + std::chrono::days{kScenarioLearningDays};
    for (const auto& look_alike : default_scenario().look_alikes) {
        kinds.insert(look_alike.kind);
        CHECK_MESSAGE(look_alike.time >= learning_end, look_alike.kind);
    }
    CHECK(kinds == std::set<std::string>{"authorized_admin_edit", "co_owner_edit", "habitual_reuse",
                                         "new_maker_common"});
}

TEST_CASE("truth.json reads back to the planted attacks and the authorized admin") {
    ScenarioGenerator generator(small_tenant());
    while (!generator.finished()) {
        generator.next_day();
    }
    auto truth = parse_scenario_truth(scenario_truth_json(generator));
    REQUIRE(truth);
    REQUIRE(truth->attacks.size() == generator.attacks().size());
    for (std::size_t i = 0; i < truth->attacks.size(); ++i) {
        CHECK(truth->attacks[i].trigger == generator.attacks()[i].trigger);
        CHECK(truth->attacks[i].user == generator.attacks()[i].user);
        CHECK(truth->attacks[i].time == generator.attacks()[i].time);
        CHECK(truth->attacks[i].record_ids == generator.attacks()[i].record_ids);
    }
    CHECK(truth->look_alikes.size() == generator.look_alikes().size());
    CHECK(truth->authorized_users == generator.authorized_users());
    CHECK_FALSE(parse_scenario_truth("{\"attacks\": 3}"));
}

TEST_CASE("the recommended config is accepted by the config loader") {
    ScenarioGenerator generator(small_tenant());
    auto config = agent::parse_config(scenario_config_json(generator), "config.json");
    REQUIRE_MESSAGE(config, config.error().message);
    CHECK(config->detection.authorized_users ==
          std::set<std::string>{generator.authorized_users().front()});
    CHECK(config->detection.blocked_connectors.contains(connector_key("Gmail")));
    CHECK(config->detection.blocked_connectors.contains(connector_key("FTP")));
}

TEST_CASE("the detector fed a generated tenant's blobs raises every planted attack and no other") {
    ScenarioOptions options = small_tenant(11);
    options.days = 30;
    options.users = 300;
    options.other_workload_ratio = 1;
    ScenarioGenerator generator(options);
    DetectionPolicy policy;
    policy.authorized_users = {generator.authorized_users().front()};
    for (const auto& name : scenario_blocked_connectors()) {
        policy.blocked_connectors.insert(connector_key(name));
    }
    test::MemoryStore store;
    Pipeline pipeline(store, policy);
    RecordReader reader;
    std::vector<Alert> alerts;
    while (!generator.finished()) {
        for (const auto& blob : generator.next_day()) {
            std::vector<FlowRecord> records;
            const simdjson::padded_string text(blob.array_text());
            reader.read_json(
                text, blob.content_id, [&](FlowRecord&& r) { records.push_back(std::move(r)); },
                [](const ReadDiagnostic& d) { FAIL(d.to_string()); });
            auto outcome = pipeline.process_unit(records);
            REQUIRE(outcome);
            alerts.insert(alerts.end(), outcome->emitted.begin(), outcome->emitted.end());
        }
    }

    auto explains = [](const PlantedAttack& attack, const Alert& alert) {
        return alert.user == attack.user && alert.time >= attack.time && alert.time <= attack.until;
    };
    for (const auto& attack : generator.attacks()) {
        CHECK_MESSAGE(std::any_of(alerts.begin(), alerts.end(),
                                  [&](const Alert& a) {
                                      return a.trigger == attack.trigger && explains(attack, a);
                                  }),
                      "missed: ", attack.description);
    }
    for (const auto& alert : alerts) {
        CHECK_MESSAGE(std::any_of(generator.attacks().begin(), generator.attacks().end(),
                                  [&](const PlantedAttack& p) { return explains(p, alert); }),
                      "unexplained ", trigger_name(alert.trigger), ": ", alert.reason);
    }
}
