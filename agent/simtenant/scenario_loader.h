#pragma once
/// Puts the scenario generator's content blobs into a simulated tenant, so the tenant serves the
/// scenario's audit records as content that becomes available over time.

#include <chrono>
#include <vector>

#include "agent/simtenant/sim_tenant.h"
#include "core/scenario.h"

namespace flowwatch::simtenant {

struct ScenarioLoading {
    /// Every blob becomes available this long after its contentCreated (0: at once).
    std::chrono::milliseconds availability_delay{0};
    /// Every n-th blob (1-based; 0: none) arrives late by `late_by` on top of the delay.
    int every_nth_late = 0;
    std::chrono::milliseconds late_by{std::chrono::hours{2}};
    /// How long a blob stays retrievable after its contentCreated.
    std::chrono::hours retention{24 * 7};
};

/// Maps each ScenarioBlob to a SimBlob (same id, type and contentCreated; body = array text).
void load_scenario_blobs(SimTenant& tenant, const std::vector<ScenarioBlob>& blobs,
                         const ScenarioLoading& loading = {});

/// The SimBlob one ScenarioBlob becomes; `index` is its 0-based position in the scenario.
SimBlob to_sim_blob(const ScenarioBlob& blob, std::size_t index, const ScenarioLoading& loading);

}  // namespace flowwatch::simtenant
