#pragma once
/// Text forms of stored rows, so tests compare whole rows (and whole store states) in one CHECK
/// and show the difference when it fails.

#include <string>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/api_state.h"
#include "core/delivery_state.h"
#include "core/store.h"

namespace flowwatch::test {

inline std::string show(Timestamp t) {
    return std::to_string(to_millis(t));
}

inline std::string show(const ActivityTotals& a) {
    return fmt::format("events={} active={}", fmt::join(a.events, ","), a.active_buckets);
}

inline std::string show(const TenantBaseline& r) {
    return fmt::format("tenant[{} {} {} {} {}]", to_millis(r.first_event), to_millis(r.last_event),
                       r.records, r.makers, show(r.activity));
}

inline std::string show(const ActivityBucket& r) {
    return fmt::format("bucket[{}:{}]", r.start_ms, fmt::join(r.counts, ","));
}

inline std::string show(const UserConnectorBaseline& r) {
    return fmt::format("user_connector[{} {} {} {} {} {} environments={}]", r.key, r.display,
                       to_millis(r.first_seen), to_millis(r.last_seen), r.flows, r.events,
                       fmt::join(r.environments, ";"));
}

inline std::string show(const UserBaseline& r) {
    std::string recent;
    for (const ActivityBucket& bucket : r.recent_activity) {
        recent += show(bucket);
    }
    std::string connectors;
    for (const UserConnectorBaseline& connector : r.connectors) {
        connectors += show(connector);
    }
    return fmt::format("user[{} {} {} {} {} {} bursts={} environments={} recent={} connectors={}]",
                       to_millis(r.first_seen), to_millis(r.last_seen), r.events, r.flows_created,
                       r.is_maker, show(r.activity), fmt::join(r.last_burst_ms, ","),
                       fmt::join(r.environments, ";"), recent, connectors);
}

inline std::string show(const ScopeConnectorBaseline& r) {
    return fmt::format("scope_connector[{} {} {} {} {}]", r.display, to_millis(r.first_seen),
                       to_millis(r.last_seen), r.makers, r.flows);
}

inline std::string show(const EnvironmentBaseline& r) {
    return fmt::format("environment[{} {} {} {}]", to_millis(r.first_seen), to_millis(r.last_seen),
                       r.makers, r.flows);
}

inline std::string show(const FlowState& r) {
    std::string connectors;
    for (const auto& c : r.connectors) {
        connectors += c.key + "=" + c.display + ";";
    }
    return fmt::format("flow[{} {} {} {} {} {} {} {} history={}]", r.environment, r.creator,
                       r.creator_certain, to_millis(r.created), connectors, r.last_actor,
                       to_millis(r.last_event), r.deleted, fmt::join(r.connector_history, ";"));
}

inline std::string show(const FlowOwner& r) {
    return fmt::format("owner[{} {} {} {} {}]", r.user, r.permission, r.granted_by,
                       to_millis(r.granted_at), r.by_admin);
}

inline std::string show(const ContentGap& g) {
    return fmt::format("gap[{} {} {} {} {} {} {}]", g.tenant, g.content_type, g.content_id,
                       to_millis(g.window_start), to_millis(g.window_end), g.reason,
                       to_millis(g.recorded_at));
}

inline std::string show(const StoredAlert& s) {
    return fmt::format("alert[{} seq={} emitted={} {}]", s.alert.id, s.sequence, s.emitted,
                       to_json(s.alert).dump());
}

template <typename Row>
std::string show(const std::optional<Row>& row) {
    return row ? show(*row) : std::string("absent");
}

template <typename Row>
std::string show(const std::vector<Row>& rows) {
    std::string out = "{";
    for (const auto& row : rows) {
        out += show(row) + " ";
    }
    return out + "}";
}

}  // namespace flowwatch::test
