// A quick measure of the SQLite store under the real pipeline: synthetic Power Automate records
// evaluated and committed in units, as the agent does. It prints records per second; it asserts
// only what must hold on any machine (every record evaluated once).

#include <chrono>
#include <ctime>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <fmt/format.h>

#include "core/pipeline.h"
#include "core/policy.h"
#include "tests/storage/store_fixtures.h"
#include "tests/support/flow_records.h"

namespace flowwatch::test {
namespace {

/// Makers edit their own flows, now and then create one, with connectors from a small pool.
std::vector<FlowRecord> synthetic_records(int count) {
    static const char* const kConnectors[] = {
        "Office 365 Outlook, SharePoint", "Microsoft Teams, Approvals",
        "OneDrive for Business, Office 365 Outlook", "SharePoint, Excel Online (Business)",
        "Planner, Microsoft Teams"};
    std::vector<FlowRecord> records;
    records.reserve(static_cast<std::size_t>(count));
    for (int i = 0; i < count; ++i) {
        const int user = (i * 7919) % 300;
        const int flow = user * 5 + (i / 300) % 5;
        const auto op = i % 11 == 0 ? FlowOperation::create_flow : FlowOperation::edit_flow;
        records.push_back(flow_record(op, "maker" + std::to_string(user) + "@contoso.example",
                                      "flow-" + std::to_string(flow), kConnectors[flow % 5],
                                      day(i / 2000, (i % 2000) / 2)));
    }
    return records;
}

/// Runs the corpus through a pipeline on `store` in units; returns records evaluated.
template <typename S>
std::uint64_t run_corpus(S& store, const std::vector<FlowRecord>& records, std::size_t unit_size,
                         std::string_view label) {
    DetectionPolicy policy;
    Pipeline pipeline(store, policy);
    std::uint64_t evaluated = 0;
    const auto started = std::chrono::steady_clock::now();
    const std::clock_t cpu_started = std::clock();
    for (std::size_t at = 0; at < records.size(); at += unit_size) {
        const auto unit = std::span(records).subspan(at, std::min(unit_size, records.size() - at));
        auto outcome = pipeline.process_unit(unit);
        REQUIRE_MESSAGE(outcome.has_value(), (outcome ? "" : outcome.error().message));
        evaluated += outcome->counts.evaluated;
    }
    const std::chrono::duration<double> wall = std::chrono::steady_clock::now() - started;
    const double cpu = static_cast<double>(std::clock() - cpu_started) / CLOCKS_PER_SEC;
    const auto n = static_cast<double>(records.size());
    MESSAGE(fmt::format("{}: {} records, wall {:.2f} s ({:.0f}/s), cpu {:.2f} s ({:.0f}/s)", label,
                        records.size(), wall.count(), n / wall.count(), cpu, n / cpu));
    return evaluated;
}

}  // namespace

TEST_CASE("the SQLite store evaluates and commits a synthetic corpus exactly once, with a rate") {
    constexpr int kRecords = 60'000;
    constexpr std::size_t kUnit = 1'000;
    const auto records = synthetic_records(kRecords);
    SqliteFixture f;
    CHECK(run_corpus(*f.store, records, kUnit, "sqlite store") == kRecords);
    MESSAGE(fmt::format("{} rows cached", f.store->cached_rows()));

    // The same unit again, after re-opening: every record is a duplicate.
    f.reopen();
    DetectionPolicy policy;
    Pipeline again(*f.store, policy);
    auto repeat = again.process_unit(std::span(records).first(kUnit));
    REQUIRE(repeat.has_value());
    CHECK(repeat->counts.duplicates == kUnit);
    CHECK(repeat->counts.evaluated == 0);
}

TEST_CASE("the in-memory store evaluates the same corpus, for comparison") {
    MemoryFixture memory;
    CHECK(run_corpus(*memory.store, synthetic_records(60'000), 1'000, "memory store") == 60'000);
}

}  // namespace flowwatch::test
