#pragma once
/// Evaluates input units (a blob, or a chunk of a file) exactly once: each unit's records,
/// baseline updates and alerts are committed in one transaction of the store.

#include <array>
#include <cstdint>
#include <functional>
#include <span>
#include <string_view>
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

    // The same unit in parts, for records that arrive while it is open: open_unit, add_records
    // as often as records come, close_unit to commit. A failure at any step rolls back the whole
    // unit, its earlier parts included, and leaves no unit open.

    Result<void> open_unit();
    Result<void> add_records(std::span<const FlowRecord> records);
    Result<UnitOutcome> close_unit(const std::function<void()>& in_transaction = {});
    bool unit_open() const { return unit_open_; }
    /// Records added to the open unit so far.
    std::size_t unit_records() const { return open_outcome_.counts.flow_records; }
    /// Whether the store holds as many rows written in the open unit as it keeps in memory: the
    /// caller should close the unit now rather than at its record count.
    bool unit_full() const { return store_.unit_full(); }

  private:
    void evaluate_one(const FlowRecord& record, UnitOutcome& outcome);
    enum class Stage { begin, evaluate, commit };
    /// Rolls the open unit back and says what failed, and where.
    Error abandon_unit(Stage stage, std::string_view what);

    Store& store_;
    const DetectionPolicy& policy_;
    Detector detector_;
    bool unit_open_ = false;
    UnitOutcome open_outcome_;  ///< Of the open unit so far.
};

}  // namespace flowwatch
