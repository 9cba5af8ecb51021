#pragma once
/// The detection engine: evaluates one Power Automate record against the baselines as they stood
/// before it, then folds the record into them.

#include <vector>

#include "core/alert.h"
#include "core/policy.h"
#include "core/record.h"
#include "core/store.h"

namespace flowwatch {

class Detector {
public:
    Detector(BaselineStore& store, const DetectionPolicy& policy);

    /// Evaluates `record` and learns from it. Returns every alert it raised, whatever its
    /// severity; authorized users and the learning period are applied here.
    std::vector<Alert> evaluate(const FlowRecord& record);

private:
    struct Context;
    void load_context(const FlowRecord& record, Context& ctx);
    void check_unauthorized(const Context& ctx, std::vector<Alert>& out) const;
    void check_unusual_connector(const Context& ctx, std::vector<Alert>& out);
    void check_cross_user(const Context& ctx, std::vector<Alert>& out) const;
    void check_new_maker(const Context& ctx, std::vector<Alert>& out);
    void check_burst(Context& ctx, std::vector<Alert>& out);
    void learn(const Context& ctx);

    BaselineStore& store_;
    const DetectionPolicy& policy_;
};

}  // namespace flowwatch
