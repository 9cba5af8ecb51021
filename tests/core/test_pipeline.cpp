#include "core/pipeline.h"

#include <algorithm>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <fmt/format.h>
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

/// A store that fails to mark one record seen, as a full disk would.
class FailingStore : public test::MemoryStore {
  public:
    explicit FailingStore(std::string fail_on) : fail_on_(std::move(fail_on)) {}
    bool mark_record_seen(std::string_view tenant, std::string_view record_id,
                          Timestamp time) override {
        if (record_id == fail_on_) {
            throw std::runtime_error("disk full");
        }
        return MemoryStore::mark_record_seen(tenant, record_id, time);
    }

  private:
    std::string fail_on_;
};

std::vector<FlowRecord> blocked_creations(int first, int count) {
    std::vector<FlowRecord> records;
    for (int i = first; i < first + count; ++i) {
        auto record = flow_record(FlowOperation::create_flow, fmt::format("u{}@contoso.com", i),
                                  fmt::format("f{}", i), "FTP", day(1));
        record.id = fmt::format("rec-{}", i);
        records.push_back(std::move(record));
    }
    return records;
}

TEST_CASE("a unit given in parts counts and alerts as the same unit given whole") {
    const auto records = blocked_creations(0, 6);
    Setup whole;
    const auto at_once = whole.pipeline.process_unit(records);
    REQUIRE(at_once.has_value());

    Setup parts;
    REQUIRE(parts.pipeline.open_unit().has_value());
    CHECK(parts.pipeline.unit_open());
    const std::span<const FlowRecord> all(records);
    REQUIRE(parts.pipeline.add_records(all.subspan(0, 1)).has_value());
    REQUIRE(parts.pipeline.add_records(all.subspan(1, 3)).has_value());
    REQUIRE(parts.pipeline.add_records(all.subspan(4)).has_value());
    CHECK(parts.pipeline.unit_records() == 6);
    const auto in_parts = parts.pipeline.close_unit();
    REQUIRE(in_parts.has_value());
    CHECK_FALSE(parts.pipeline.unit_open());

    CHECK(in_parts->counts.evaluated == 6);
    CHECK(in_parts->counts.alerts_emitted == at_once->counts.alerts_emitted);
    REQUIRE(in_parts->emitted.size() == at_once->emitted.size());
    for (std::size_t i = 0; i < at_once->emitted.size(); ++i) {
        CHECK(in_parts->emitted[i].id == at_once->emitted[i].id);
    }
    CHECK(parts.store.recent_alerts(0, 10).size() == 6);
}

/// A store that logs the prefetch hints and the records marked seen, in the order they come.
class HintLog : public test::MemoryStore {
  public:
    void prefetch(std::string_view, std::string_view, std::string_view flow_id,
                  PrefetchStep step) override {
        log.push_back(
            fmt::format("{} {}", step == PrefetchStep::locate ? "locate" : "fetch", flow_id));
    }
    bool mark_record_seen(std::string_view tenant, std::string_view record_id,
                          Timestamp time) override {
        log.push_back(fmt::format("evaluate {}", record_id));
        return MemoryStore::mark_record_seen(tenant, record_id, time);
    }

    std::vector<std::string> log;
};

TEST_CASE("each record's rows are hinted to the store, located and then fetched, before use") {
    DetectionPolicy policy;
    HintLog store;
    Pipeline pipeline(store, policy);
    const auto records = blocked_creations(0, 6);
    REQUIRE(pipeline.process_unit(records).has_value());

    const auto at = [&](const std::string& entry) {
        const auto it = std::ranges::find(store.log, entry);
        REQUIRE_MESSAGE(it != store.log.end(), entry);
        return it - store.log.begin();
    };
    // The first records of a part are not hinted: nothing came before them to do it.
    for (int i = 0; i < 6; ++i) {
        CAPTURE(i);
        const auto evaluated = at(fmt::format("evaluate rec-{}", i));
        if (i >= 2) {
            CHECK(at(fmt::format("fetch f{}", i)) < evaluated);
        }
        if (i >= 4) {
            CHECK(at(fmt::format("locate f{}", i)) < at(fmt::format("fetch f{}", i)));
        }
    }
    // Each hint once, none beyond the part's end.
    CHECK(store.log.size() == 6 + 4 + 2);
}

TEST_CASE("a part that fails rolls back the whole unit, its earlier parts too") {
    DetectionPolicy policy;
    policy.blocked_connectors = {connector_key("FTP")};
    FailingStore store("rec-4");
    Pipeline pipeline(store, policy);

    const auto records = blocked_creations(0, 6);
    const std::span<const FlowRecord> all(records);
    REQUIRE(pipeline.open_unit().has_value());
    REQUIRE(pipeline.add_records(all.subspan(0, 3)).has_value());
    const auto failed = pipeline.add_records(all.subspan(3));
    REQUIRE_FALSE(failed.has_value());
    CHECK(failed.error().message.find("at its record 4") != std::string::npos);
    CHECK(failed.error().message.find("disk full") != std::string::npos);
    CHECK_FALSE(pipeline.unit_open());
    CHECK_FALSE(pipeline.add_records(all.subspan(5)).has_value());  // no unit is open
    CHECK(store.recent_alerts(0, 10).empty());

    // The first three records were rolled back with the rest: they are evaluated again.
    REQUIRE(pipeline.open_unit().has_value());
    REQUIRE(pipeline.add_records(all.subspan(0, 3)).has_value());
    const auto retried = pipeline.close_unit();
    REQUIRE(retried.has_value());
    CHECK(retried->counts.evaluated == 3);
    CHECK(retried->emitted.size() == 3);
}

TEST_CASE("a unit whose commit fails keeps none of its parts") {
    Setup s;
    const auto records = blocked_creations(0, 4);
    const std::span<const FlowRecord> all(records);
    REQUIRE(s.pipeline.open_unit().has_value());
    CHECK_FALSE(s.pipeline.open_unit().has_value());  // one unit at a time
    REQUIRE(s.pipeline.add_records(all.subspan(0, 2)).has_value());
    REQUIRE(s.pipeline.add_records(all.subspan(2)).has_value());
    const auto failed = s.pipeline.close_unit([] { throw std::runtime_error("disk full"); });
    REQUIRE_FALSE(failed.has_value());
    CHECK(failed.error().message.find("committing a unit of 4 records") != std::string::npos);
    CHECK(s.store.recent_alerts(0, 10).empty());
    CHECK_FALSE(s.pipeline.close_unit().has_value());  // no unit is open
}

}  // namespace flowwatch
