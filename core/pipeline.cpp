#include "core/pipeline.h"

#include <exception>

#include <fmt/format.h>

namespace flowwatch {

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
    UnitOutcome outcome;
    std::size_t index = 0;
    try {
        store_.begin_unit();
        for (; index < records.size(); ++index) {
            evaluate_one(records[index], outcome);
        }
        if (in_transaction) {
            in_transaction();
        }
        store_.commit_unit();
    } catch (const std::exception& e) {
        try {
            store_.rollback_unit();
        } catch (const std::exception&) {
            // The original failure is the one worth reporting.
        }
        return fail(fmt::format("evaluating a unit of {} records failed at record {}: {}",
                                records.size(), index, e.what()),
                    "store");
    }
    return outcome;
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
