#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "agent/simtenant/scenario_loader.h"
#include "tests/agent/test_simtenant_fixture.h"

using namespace flowwatch;
using namespace flowwatch::simtenant;
using namespace flowwatch::simtenant::testing;

namespace {

ScenarioBlob scenario_blob(const std::string& id, Timestamp created) {
    ScenarioBlob blob;
    blob.content_id = id;
    blob.content_created = created;
    return blob;
}

}  // namespace

TEST_CASE("a scenario blob keeps its id, type and creation time, and every n-th arrives late") {
    const Timestamp created = *parse_query_time("2026-03-10T10:00:00");
    ScenarioLoading loading;
    loading.availability_delay = 30min;
    loading.every_nth_late = 2;
    loading.late_by = 2h;

    const SimBlob first = to_sim_blob(scenario_blob("b1", created), 0, loading);
    const SimBlob second = to_sim_blob(scenario_blob("b2", created), 1, loading);
    CHECK(first.content_id == "b1");
    CHECK(first.content_type == "Audit.General");
    CHECK(first.content_created == created);
    CHECK(first.available_at == created + 30min);
    CHECK(second.available_at == created + 2h + 30min);
    CHECK(first.expires_at == created + std::chrono::hours{24 * 7});
    CHECK(nlohmann::json::parse(first.body).is_array());
}

TEST_CASE("a loaded scenario is listed as its blobs become available") {
    Fixture f(general_enabled());
    const Timestamp created = f.now() - 1h;
    ScenarioLoading loading;
    loading.every_nth_late = 2;
    loading.late_by = 2h;
    load_scenario_blobs(*f.tenant, {scenario_blob("b1", created), scenario_blob("b2", created)},
                        loading);

    const std::string window = content_window("2026-03-10T10:00", "2026-03-10T12:00");
    const std::string bearer = f.bearer();
    auto listed = nlohmann::json::parse(f.get(f.api(window), bearer).body);
    REQUIRE(listed.size() == 1);
    CHECK(listed[0]["contentId"] == "b1");

    f.advance(2h);
    listed = nlohmann::json::parse(f.get(f.api(window), f.bearer()).body);
    REQUIRE(listed.is_array());
    CHECK(listed.size() == 2);
}
