#pragma once
/// The detection's tunables: learning, triage, connector lists and thresholds.

#include <set>
#include <string>

#include "core/alert.h"

namespace flowwatch {

struct DetectionPolicy {
    /// Days of event time, from a tenant's first record, during which baselines are built and
    /// only `unauthorized_connector` alerts.
    int learning_days = 14;
    /// Lower-cased UPNs whose activity feeds the baselines but never alerts.
    std::set<std::string> authorized_users;
    /// Connector keys (see `connector_key`) that must not be used.
    std::set<std::string> blocked_connectors;
    /// When not empty, every connector outside it is unauthorized.
    std::set<std::string> allowed_connectors;
    /// Alerts below this are stored, not emitted.
    Severity min_severity = Severity::medium;

    /// Burst judgement (abnormal_activity): the least count in 60 minutes that can be a burst,
    /// and how many times the usual rate it must reach.
    int burst_min_events = 10;
    double burst_factor = 5.0;

    bool is_authorized(const std::string& user) const { return authorized_users.contains(user); }
};

}  // namespace flowwatch
