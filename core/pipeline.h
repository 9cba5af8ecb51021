#pragma once
/// Evaluates input units (a blob, or a chunk of a file) exactly once: each unit's records,
/// baseline updates and alerts are committed in one transaction of the store.

#include <array>
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "core/alert.h"
#include "core/detector.h"
#include "core/error.h"
#include "core/policy.h"
#include "core/record.h"
#include "core/store.h"

namespace flowwatch {

struct PipelineCounts {
    std::uint64_t flow_records = 0;  ///< Power Automate records offered.
    std::uint64_t duplicates = 0;    ///< Skipped: their Id was evaluated before.
    std::uint64_t evaluated = 0;
    std::array<std::uint64_t, 4> alerts_by_trigger{};   ///< Indexed by Trigger.
    std::array<std::uint64_t, 4> alerts_by_severity{};  ///< Indexed by Severity.
    std::uint64_t alerts_emitted = 0;

    PipelineCounts& operator+=(const PipelineCounts& other);
};

struct UnitOutcome {
    PipelineCounts counts;
    std::vector<Alert> emitted;  ///< New alerts at or above the policy's min_severity.
};

class Pipeline {
  public:
    Pipeline(Store& store, const DetectionPolicy& policy);

    /// Evaluates `records` in order in one transaction. `in_transaction`, when given, runs just
    /// before the commit (to mark a blob committed, say). On failure nothing of the unit is kept.
    Result<UnitOutcome> process_unit(std::span<const FlowRecord> records,
                                     const std::function<void()>& in_transaction = {});

  private:
    void evaluate_one(const FlowRecord& record, UnitOutcome& outcome);

    Store& store_;
    const DetectionPolicy& policy_;
    Detector detector_;
};

}  // namespace flowwatch
