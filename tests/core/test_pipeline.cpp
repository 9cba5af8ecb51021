#include "core/pipeline.h"

#include <stdexcept>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <simdjson.h>

#include "core/record_reader.h"
#include "tests/support/flow_records.h"
#include "tests/support/memory_store.h"

namespace flowwatch {
namespace {

using test::day;
using test::flow_record;

/// The records a blob of audit JSON gives, as the reader hands them on.
std::vector<FlowRecord> read_blob(const std::vector<std::string>& records) {
    std::string text = "[";
    for (const auto& r : records) {
        text += (text.size() > 1 ? "," : "") + r;
    }
    text += "]";
    const simdjson::padded_string padded(text);
    RecordReader reader;
    std::vector<FlowRecord> out;
    reader.read_json(
        padded, "blob.json", [&](FlowRecord&& r) { out.push_back(std::move(r)); },
        [](const ReadDiagnostic& d) { FAIL(d.to_string()); });
    return out;
}

/// A blocked connector, so every first evaluation of a record raises one alert.
struct Setup {
    Setup() { policy.blocked_connectors = {connector_key("FTP")}; }

    DetectionPolicy policy;
    test::MemoryStore store;
    Pipeline pipeline{store, policy};
};

std::string with_id(FlowRecord record, std::string_view id) {
    record.id = std::string(id);
    return test::audit_json(record);
}

}  // namespace

TEST_CASE("records with the same Id, in any letter case, are evaluated once") {
    Setup s;
    const auto record =
        flow_record(FlowOperation::create_flow, "a@contoso.com", "f1", "FTP", day(1));
    const auto unit = read_blob({with_id(record, "AB12CD34-0000-4000-8000-000000000001"),
                                 with_id(record, "ab12cd34-0000-4000-8000-000000000001")});
    REQUIRE(unit.size() == 2);

    const auto outcome = s.pipeline.process_unit(unit);

    REQUIRE(outcome.has_value());
    CHECK(outcome->counts.flow_records == 2);
    CHECK(outcome->counts.evaluated == 1);
    CHECK(outcome->counts.duplicates == 1);
    CHECK(outcome->emitted.size() == 1);
}

TEST_CASE("a record delivered again in a later blob is a duplicate and alerts nothing new") {
    Setup s;
    auto first = flow_record(FlowOperation::create_flow, "a@contoso.com", "f1", "FTP", day(1));
    auto second = flow_record(FlowOperation::create_flow, "b@contoso.com", "f2", "FTP", day(1));
    const auto blob1 = read_blob({test::audit_json(first)});
    const auto blob2 = read_blob({test::audit_json(second), test::audit_json(first)});

    const auto one = s.pipeline.process_unit(blob1);
    const auto two = s.pipeline.process_unit(blob2);

    REQUIRE(one.has_value());
    REQUIRE(two.has_value());
    CHECK(one->emitted.size() == 1);
    CHECK(two->counts.evaluated == 1);
    CHECK(two->counts.duplicates == 1);
    REQUIRE(two->emitted.size() == 1);
    CHECK(two->emitted[0].user == "b@contoso.com");
}

TEST_CASE("the same Id in two tenants is two records") {
    Setup s;
    auto here = flow_record(FlowOperation::create_flow, "a@contoso.com", "f1", "FTP", day(1));
    auto there = here;
    there.tenant = "11111111-2222-3333-4444-555555555555";

    const auto outcome = s.pipeline.process_unit(std::vector{here, there});

    REQUIRE(outcome.has_value());
    CHECK(outcome->counts.evaluated == 2);
    CHECK(outcome->counts.duplicates == 0);
}

TEST_CASE("a unit that fails keeps nothing, so its records are evaluated when it comes again") {
    Setup s;
    const std::vector unit = {
        flow_record(FlowOperation::create_flow, "a@contoso.com", "f1", "FTP", day(1)),
        flow_record(FlowOperation::create_flow, "b@contoso.com", "f2", "FTP", day(1)),
    };

    const auto failed =
        s.pipeline.process_unit(unit, [] { throw std::runtime_error("disk full"); });
    REQUIRE_FALSE(failed.has_value());
    CHECK(failed.error().message.find("disk full") != std::string::npos);
    CHECK(s.store.recent_alerts(0, 10).empty());

    const auto retried = s.pipeline.process_unit(unit);
    REQUIRE(retried.has_value());
    CHECK(retried->counts.evaluated == 2);
    CHECK(retried->emitted.size() == 2);
}

TEST_CASE("pipeline counts add up alerts by trigger and severity") {
    Setup s;
    const std::vector unit = {
        flow_record(FlowOperation::create_flow, "a@contoso.com", "f1", "FTP", day(1)),
        flow_record(FlowOperation::create_flow, "b@contoso.com", "f2", "SharePoint", day(1)),
    };
    const auto outcome = s.pipeline.process_unit(unit);
    REQUIRE(outcome.has_value());

    PipelineCounts total;
    total += outcome->counts;
    total += outcome->counts;

    const auto unauthorized = static_cast<std::size_t>(Trigger::unauthorized_connector);
    CHECK(outcome->counts.alerts_by_trigger[unauthorized] == 1);
    CHECK(total.alerts_by_trigger[unauthorized] == 2);
    CHECK(total.evaluated == 4);
    CHECK(total.alerts_emitted == 2 * outcome->counts.alerts_emitted);
}

}  // namespace flowwatch
