#include "agent/simtenant/scenario_loader.h"

namespace flowwatch::simtenant {

SimBlob to_sim_blob(const ScenarioBlob& blob, std::size_t index, const ScenarioLoading& loading) {
    SimBlob out;
    out.content_id = blob.content_id;
    out.content_type = blob.content_type;
    out.content_created = blob.content_created;
    out.available_at = blob.content_created + loading.availability_delay;
    bool late = loading.every_nth_late > 0 &&
                (index + 1) % static_cast<std::size_t>(loading.every_nth_late) == 0;
    if (late) {
        out.available_at += loading.late_by;
    }
    out.expires_at = blob.content_created + loading.retention;
    out.body = blob.array_text();
    return out;
}

void load_scenario_blobs(SimTenant& tenant, const std::vector<ScenarioBlob>& blobs,
                         const ScenarioLoading& loading) {
    for (std::size_t i = 0; i < blobs.size(); ++i) {
        tenant.add_blob(to_sim_blob(blobs[i], i, loading));
    }
}

}  // namespace flowwatch::simtenant
