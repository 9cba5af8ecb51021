#pragma once
/// Evaluates records as they arrive into units, each committed in one transaction, and writes a
/// unit's new alerts only once it is committed.

#include <cstddef>
#include <optional>
#include <ostream>
#include <vector>

#include "core/error.h"
#include "core/pipeline.h"
#include "core/policy.h"
#include "core/record.h"
#include "core/store.h"

namespace flowwatch::agent {

/// Records handed over together from the reading thread.
using Chunk = std::vector<FlowRecord>;

/// A unit ends at about `unit_records` Power Automate records, or sooner once the store says
/// its caches are full of rows written in the unit (Pipeline::unit_full): memory stays bounded
/// whatever the unit size. Alerts are written after their unit's commit, so a crash repeats
/// nothing and loses nothing that was written.
class UnitCommitter {
  public:
    UnitCommitter(Store& store, const DetectionPolicy& policy, std::size_t unit_records,
                  std::ostream& alerts_out);

    /// Evaluates a chunk, committing the unit when it is done. Does nothing after a failure.
    void add(const Chunk& chunk);
    /// Commits the unit that is open, however small.
    void finish();

    const std::optional<Error>& failure() const { return failure_; }
    const PipelineCounts& counts() const { return counts_; }
    /// Units committed so far.
    std::size_t units() const { return units_; }

  private:
    void commit();

    Pipeline pipeline_;
    std::size_t unit_records_;
    std::ostream& alerts_out_;
    PipelineCounts counts_;
    std::size_t units_ = 0;
    std::optional<Error> failure_;
};

}  // namespace flowwatch::agent
