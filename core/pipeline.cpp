#include "core/pipeline.h"

#include <exception>
#include <utility>

#include <fmt/format.h>

namespace flowwatch {

namespace {

/// How many records ahead of the one evaluated the store is told where its rows are found, and
/// to fetch them: far enough for memory to answer, near enough that they are still cached.
constexpr std::size_t kLocateAhead = 4;
constexpr std::size_t kFetchAhead = 2;

}  // namespace

PipelineCounts& PipelineCounts::operator+=(const PipelineCounts& other) {
    flow_records += other.flow_records;
    duplicates += other.duplicates;
    evaluated += other.evaluated;
    for (std::size_t i = 0; i < alerts_by_trigger.size(); ++i) {
        alerts_by_trigger[i] += other.alerts_by_trigger[i];
    }
    for (std::size_t i = 0; i < alerts_by_severity.size(); ++i) {
        alerts_by_severity[i] += other.alerts_by_severity[i];
    }
    alerts_emitted += other.alerts_emitted;
    return *this;
}

Pipeline::Pipeline(Store& store, const DetectionPolicy& policy)
    : store_(store), policy_(policy), detector_(store, policy) {}

Result<UnitOutcome> Pipeline::process_unit(std::span<const FlowRecord> records,
                                           const std::function<void()>& in_transaction) {
    if (auto opened = open_unit(); !opened) {
        return std::unexpected(opened.error());
    }
    if (auto added = add_records(records); !added) {
        return std::unexpected(added.error());
    }
    return close_unit(in_transaction);
}

Result<void> Pipeline::open_unit() {
    if (unit_open_) {
        return fail("a unit is already open", "store");
    }
    try {
        store_.begin_unit();
    } catch (const std::exception& e) {
        return std::unexpected(abandon_unit(Stage::begin, e.what()));
    }
    unit_open_ = true;
    open_outcome_ = UnitOutcome{};
    return {};
}

Result<void> Pipeline::add_records(std::span<const FlowRecord> records) {
    if (!unit_open_) {
        return fail("no unit is open", "store");
    }
    try {
        // The user's and the flow's rows are scattered over a large cache, so each record's
        // first reads wait on memory; hinted a few records ahead, they are mostly there.
        const auto hint = [&](std::size_t at, PrefetchStep step) {
            if (at < records.size()) {
                const FlowRecord& r = records[at];
                store_.prefetch(r.tenant, r.user, r.flow_id, step);
            }
        };
        for (std::size_t i = 0; i < records.size(); ++i) {
            hint(i + kLocateAhead, PrefetchStep::locate);
            hint(i + kFetchAhead, PrefetchStep::fetch);
            evaluate_one(records[i], open_outcome_);
        }
    } catch (const std::exception& e) {
        return std::unexpected(abandon_unit(Stage::evaluate, e.what()));
    }
    return {};
}

Result<UnitOutcome> Pipeline::close_unit(const std::function<void()>& in_transaction) {
    if (!unit_open_) {
        return fail("no unit is open", "store");
    }
    try {
        if (in_transaction) {
            in_transaction();
        }
        store_.commit_unit();
    } catch (const std::exception& e) {
        return std::unexpected(abandon_unit(Stage::commit, e.what()));
    }
    unit_open_ = false;
    return std::exchange(open_outcome_, UnitOutcome{});
}

Error Pipeline::abandon_unit(Stage stage, std::string_view what) {
    try {
        store_.rollback_unit();
    } catch (const std::exception&) {
        // The original failure is the one worth reporting.
    }
    unit_open_ = false;
    // evaluate_one counts a record before evaluating it, so a failing record is counted.
    const std::uint64_t records = std::exchange(open_outcome_, UnitOutcome{}).counts.flow_records;
    switch (stage) {
        case Stage::begin:
            return Error{fmt::format("beginning a unit failed: {}", what), "store"};
        case Stage::evaluate:
            return Error{
                fmt::format("evaluating a unit failed at its record {}: {}", records - 1, what),
                "store"};
        case Stage::commit:
            break;
    }
    return Error{fmt::format("committing a unit of {} records failed: {}", records, what), "store"};
}

void Pipeline::evaluate_one(const FlowRecord& record, UnitOutcome& outcome) {
    ++outcome.counts.flow_records;
    if (!store_.mark_record_seen(record.tenant, record.id, record.time)) {
        ++outcome.counts.duplicates;
        return;
    }
    ++outcome.counts.evaluated;

    for (auto& alert : detector_.evaluate(record)) {
        bool emit = alert.severity >= policy_.min_severity;
        if (!store_.insert_alert(alert, emit)) {
            continue;
        }
        ++outcome.counts.alerts_by_trigger.at(static_cast<std::size_t>(alert.trigger));
        ++outcome.counts.alerts_by_severity.at(static_cast<std::size_t>(alert.severity));
        if (emit) {
            ++outcome.counts.alerts_emitted;
            outcome.emitted.push_back(std::move(alert));
        }
    }
}

}  // namespace flowwatch
