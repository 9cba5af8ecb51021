#pragma once
/// The detection engine: evaluates one Power Automate record against the baselines as they stood
/// before it, then folds the record into them.

#include <optional>
#include <string>
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
    Context load_context(const FlowRecord& record);
    void check_unauthorized(const Context& ctx, std::vector<Alert>& out) const;
    void check_unusual_connector(const Context& ctx, std::vector<Alert>& out);
    void check_cross_user(const Context& ctx, std::vector<Alert>& out) const;
    void check_new_maker(const Context& ctx, std::vector<Alert>& out);
    void check_burst(const Context& ctx, std::vector<Alert>& out);
    void learn(const Context& ctx);
    /// Folds the record's connectors into the baselines, the user's among them; `history` is
    /// the flow's connector history, extended with the connectors new to the flow.
    void learn_connectors(const Context& ctx, UserBaseline& user,
                          std::vector<std::string>& history);
    /// Updates `flow` (the stored flow, lent for the change; its connector history already
    /// extended) with the record, and applies the record's change of owners.
    void learn_flow(const Context& ctx, FlowState& flow);

    /// How rare a connector is among the makers of the record's environment and tenant, and
    /// what it weighs once that rarity is known.
    struct Rarity;
    Rarity rarity_of(const Context& ctx, const Connector& connector);
    Alert make_alert(const Context& ctx, Trigger trigger, int score) const;

    BaselineStore& store_;
    const DetectionPolicy& policy_;
};

}  // namespace flowwatch
