#include "core/detector.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <string>

#include <fmt/format.h>

#include "core/activity.h"

namespace flowwatch {

namespace {

using std::chrono::days;
using std::chrono::duration_cast;

constexpr std::int64_t kBurstWindowMillis = kActivityBucketMillis * kBurstWindowBuckets;
/// Alerts that would score below this are not worth a row: a common connector, say.
constexpr int kMinStoredScore = 15;
/// A connector is rare once at most this share of makers use it, in a tenant with enough makers
/// for the share to mean something.
constexpr double kRareRarity = 0.9;
constexpr std::int64_t kMinMakersForRarity = 5;

std::optional<ActivityKind> activity_kind(FlowOperation op) {
    switch (op) {
        case FlowOperation::create_flow:
            return ActivityKind::creation;
        case FlowOperation::edit_flow:
            return ActivityKind::edit;
        case FlowOperation::delete_flow:
            return ActivityKind::deletion;
        case FlowOperation::put_permissions:
        case FlowOperation::delete_permissions:
            return ActivityKind::permission;
        default:
            return std::nullopt;
    }
}

std::string_view activity_noun(ActivityKind kind) {
    switch (kind) {
        case ActivityKind::creation:
            return "flow creations";
        case ActivityKind::edit:
            return "flow edits";
        case ActivityKind::deletion:
            return "flow deletions";
        case ActivityKind::permission:
            return "flow permission changes";
    }
    return "changes";
}

/// 1234567 -> "1,234,567": reasons are read by people.
std::string grouped(std::int64_t n) {
    std::string digits = std::to_string(n < 0 ? -n : n);
    std::string out;
    for (std::size_t i = 0; i < digits.size(); ++i) {
        if (i > 0 && (digits.size() - i) % 3 == 0) {
            out += ',';
        }
        out += digits[i];
    }
    return n < 0 ? "-" + out : out;
}

std::string plural(std::int64_t n, std::string_view one, std::string_view many) {
    return fmt::format("{} {}", grouped(n), n == 1 ? one : many);
}

std::vector<std::string> display_names(const std::vector<Connector>& connectors) {
    std::vector<std::string> names;
    names.reserve(connectors.size());
    for (const auto& c : connectors) {
        names.push_back(c.display);
    }
    return names;
}

bool contains(const std::vector<Connector>& connectors, const Connector& c) {
    return std::ranges::find(connectors, c) != connectors.end();
}

bool is_risky(ConnectorClass c) {
    return c == ConnectorClass::external_sink || c == ConnectorClass::critical;
}

/// True when the flow reads from a mailbox or file store and can send data out of the tenant.
bool has_exfiltration_shape(const std::vector<Connector>& connectors) {
    bool source = std::ranges::any_of(connectors, is_data_source);
    bool sink = std::ranges::any_of(
        connectors, [](const Connector& c) { return is_risky(classify_connector(c)); });
    return source && sink;
}

int clamp_score(double score) {
    return static_cast<int>(std::lround(std::clamp(score, 0.0, 100.0)));
}

}  // namespace

struct Detector::Context {
    const FlowRecord& record;
    std::optional<ActivityKind> kind;
    TenantBaseline tenant;  ///< Before this record (zeroed for a new tenant).
    bool new_tenant = false;
    bool learning = false;
    bool authorized = false;
    /// Lent by the store (null when new). Learning changes them in place, so after it they may
    /// show the record learned.
    const UserBaseline* user = nullptr;
    const FlowState* flow = nullptr;
    std::vector<FlowOwner> owners;
    std::string environment;          ///< The record's, else the flow's.
    std::vector<Connector> added;     ///< Connectors this record brings into the flow.
    std::vector<Connector> previous;  ///< The flow's connectors before this record.
    bool changes_connectors = false;  ///< A create or edit that names its connectors.
};

struct Detector::Rarity {
    std::int64_t env_users = 0;   ///< Makers in the environment whose flows use it.
    std::int64_t env_makers = 0;  ///< Makers in the environment.
    std::int64_t tenant_users = 0;
    std::int64_t tenant_makers = 0;
    std::int64_t env_days = 0;  ///< Days the environment has been observed.
    bool new_to_user = false;
    bool new_to_environment = false;
    ConnectorClass cls = ConnectorClass::standard;
    double rarity = 1.0;  ///< 0 = every maker uses it, 1 = nobody does.
    double weight = 0.0;  ///< 0..1, the connector's contribution to a score.
};

Detector::Detector(BaselineStore& store, const DetectionPolicy& policy)
    : store_(store), policy_(policy) {}

std::vector<Alert> Detector::evaluate(const FlowRecord& record) {
    Context ctx = load_context(record);
    std::vector<Alert> alerts;
    if (!ctx.authorized) {
        check_unauthorized(ctx, alerts);
        if (!ctx.learning) {
            check_unusual_connector(ctx, alerts);
            check_cross_user(ctx, alerts);
            check_new_maker(ctx, alerts);
        }
    }

    learn(ctx);

    // A burst is judged with this record counted, so it runs after learning.
    if (!ctx.authorized && !ctx.learning) {
        check_burst(ctx, alerts);
    }
    std::erase_if(alerts, [](const Alert& a) { return a.score < kMinStoredScore; });
    return alerts;
}

Detector::Context Detector::load_context(const FlowRecord& record) {
    Context ctx{.record = record};
    ctx.kind = activity_kind(record.operation);
    auto tenant = store_.tenant(record.tenant);
    ctx.new_tenant = !tenant.has_value();
    if (tenant) {
        ctx.tenant = *tenant;
    }
    Timestamp start = ctx.new_tenant ? record.time : std::min(ctx.tenant.first_event, record.time);
    ctx.learning = record.time < start + days{policy_.learning_days};
    ctx.authorized = policy_.is_authorized(record.user);
    ctx.user = store_.find_user(record.tenant, record.user);

    if (!record.flow_id.empty()) {
        ctx.flow = store_.find_flow(record.tenant, record.flow_id);
        // Owners are learned with the flow's row (learn_flow), so a flow without one has none.
        if (ctx.flow != nullptr) {
            ctx.owners = store_.flow_owners(record.tenant, record.flow_id);
        }
    }
    ctx.environment = !record.environment.empty() ? record.environment
                      : ctx.flow                  ? ctx.flow->environment
                                                  : std::string();

    bool shapes_flow = record.operation == FlowOperation::create_flow ||
                       record.operation == FlowOperation::edit_flow;
    ctx.changes_connectors = shapes_flow && !record.connectors.empty();
    if (ctx.flow && record.operation != FlowOperation::create_flow) {
        ctx.previous = ctx.flow->connectors;
    }
    if (ctx.changes_connectors) {
        for (const auto& c : record.connectors) {
            if (!contains(ctx.previous, c)) {
                ctx.added.push_back(c);
            }
        }
    }
    return ctx;
}

Alert Detector::make_alert(const Context& ctx, Trigger trigger, int score) const {
    const FlowRecord& r = ctx.record;
    Alert alert;
    alert.id = make_alert_id(r.tenant, trigger, r.id);
    alert.trigger = trigger;
    alert.score = std::clamp(score, 0, 100);
    alert.severity = severity_for_score(alert.score);
    alert.tenant = r.tenant;
    alert.user = r.user;
    alert.time = r.time;
    alert.operation = r.operation_name;
    alert.flow_id = r.flow_id;
    alert.environment = ctx.environment;
    alert.client_ip = r.client_ip;
    alert.connectors =
        display_names(ctx.changes_connectors || !ctx.flow ? r.connectors : ctx.flow->connectors);
    alert.record_ids = {r.id};
    return alert;
}

void Detector::check_unauthorized(const Context& ctx, std::vector<Alert>& out) const {
    std::vector<Connector> blocked;
    std::vector<Connector> not_allowed;
    for (const auto& c : ctx.added) {
        if (policy_.blocked_connectors.contains(c.key)) {
            blocked.push_back(c);
        } else if (!policy_.allowed_connectors.empty() &&
                   !policy_.allowed_connectors.contains(c.key)) {
            not_allowed.push_back(c);
        }
    }
    if (blocked.empty() && not_allowed.empty()) {
        return;
    }

    const auto& offending = blocked.empty() ? not_allowed : blocked;
    bool risky = std::ranges::any_of(
        offending, [](const Connector& c) { return is_risky(classify_connector(c)); });
    double score = blocked.empty() ? 55 : 70;
    if (risky) {
        score += 15;
    }
    if (ctx.flow && ctx.flow->creator != ctx.record.user) {
        score += 5;
    }

    Alert alert = make_alert(ctx, Trigger::unauthorized_connector, clamp_score(score));
    auto names = display_names(offending);
    alert.reason = fmt::format(
        "{} {} {} {}, which {}", ctx.record.operation_name,
        ctx.record.operation == FlowOperation::create_flow ? "created a flow using" : "added",
        offending.size() == 1 ? "connector" : "connectors", fmt::join(names, ", "),
        blocked.empty() ? "is not on the allowed list" : "is on the blocked list");
    alert.evidence = {{"blocked", display_names(blocked)},
                      {"not_allowed", display_names(not_allowed)},
                      {"allowed_list_configured", !policy_.allowed_connectors.empty()},
                      {"connectors_before", display_names(ctx.previous)},
                      {"connectors_after", display_names(ctx.record.connectors)}};
    alert.mitre = {"T1567"};
    out.push_back(std::move(alert));
}

Detector::Rarity Detector::rarity_of(const Context& ctx, const Connector& connector) {
    const FlowRecord& r = ctx.record;
    Rarity rarity;
    rarity.cls = classify_connector(connector);
    rarity.new_to_user = !ctx.user || ctx.user->connector(connector.key) == nullptr;

    const ScopeConnectorBaseline* tenant_connector =
        store_.find_scope_connector(r.tenant, "", connector.key);
    rarity.tenant_users = tenant_connector ? tenant_connector->makers : 0;
    rarity.tenant_makers = ctx.tenant.makers;

    // Without an environment, the tenant stands in for it.
    const ScopeConnectorBaseline* env_connector =
        ctx.environment.empty()
            ? tenant_connector
            : store_.find_scope_connector(r.tenant, ctx.environment, connector.key);
    rarity.new_to_environment = env_connector == nullptr;
    rarity.env_users = env_connector ? env_connector->makers : 0;
    rarity.env_makers = ctx.tenant.makers;
    rarity.env_days = duration_cast<days>(r.time - ctx.tenant.first_event).count();
    if (!ctx.environment.empty()) {
        const EnvironmentBaseline* env = store_.find_environment(r.tenant, ctx.environment);
        rarity.env_makers = env ? env->makers : 0;
        if (env) {
            rarity.env_days = duration_cast<days>(r.time - env->first_seen).count();
        }
    }

    auto share = [](std::int64_t users, std::int64_t makers) {
        return makers <= 0
                   ? 0.0
                   : std::min(1.0, static_cast<double>(users) / static_cast<double>(makers));
    };
    rarity.rarity = 1.0 - (0.6 * share(rarity.env_users, rarity.env_makers) +
                           0.4 * share(rarity.tenant_users, rarity.tenant_makers));
    rarity.weight = prior_risk(rarity.cls) * (0.35 + 0.65 * rarity.rarity);
    return rarity;
}

void Detector::check_unusual_connector(const Context& ctx, std::vector<Alert>& out) {
    // New makers are judged by check_new_maker; unusual means unusual for an established maker.
    if (!ctx.changes_connectors || !ctx.user || !ctx.user->is_maker) {
        return;
    }

    struct Candidate {
        const Connector* connector;
        Rarity rarity;
    };
    std::vector<Candidate> candidates;
    for (const auto& c : ctx.added) {
        Rarity r = rarity_of(ctx, c);
        if (r.new_to_user || r.new_to_environment) {
            candidates.push_back({&c, r});
        }
    }
    if (candidates.empty()) {
        return;
    }

    auto top = std::ranges::max_element(candidates, {},
                                        [](const Candidate& c) { return c.rarity.weight; });
    double score = 100.0 * top->rarity.weight;
    score += 5.0 * static_cast<double>(std::ranges::count_if(candidates, [&](const Candidate& c) {
                 return &c != &*top && is_risky(c.rarity.cls);
             }));
    bool exfiltration = has_exfiltration_shape(ctx.record.connectors) && is_risky(top->rarity.cls);
    if (exfiltration) {
        score += 15;
    }

    const Rarity& r = top->rarity;
    Alert alert = make_alert(ctx, Trigger::unusual_connector, clamp_score(score));
    alert.reason =
        fmt::format("{} {} by this user; used by {} of {} in this environment over {}",
                    r.new_to_user ? "first use of" : "first use in this environment of",
                    top->connector->display, grouped(r.env_users),
                    plural(r.env_makers, "maker", "makers"), plural(r.env_days, "day", "days"));
    if (exfiltration) {
        alert.reason += "; the flow reads mail or files and can send them out";
    }

    nlohmann::json unusual = nlohmann::json::array();
    for (const auto& c : candidates) {
        unusual.push_back({{"connector", c.connector->display},
                           {"class", class_name(c.rarity.cls)},
                           {"new_to_user", c.rarity.new_to_user},
                           {"new_to_environment", c.rarity.new_to_environment},
                           {"environment_makers_using", c.rarity.env_users},
                           {"environment_makers", c.rarity.env_makers},
                           {"tenant_makers_using", c.rarity.tenant_users},
                           {"tenant_makers", c.rarity.tenant_makers},
                           {"rarity", std::round(c.rarity.rarity * 1000) / 1000}});
    }
    alert.evidence = {{"unusual_connectors", unusual},
                      {"exfiltration_shape", exfiltration},
                      {"environment_observed_days", r.env_days},
                      {"user_flows_created", ctx.user->flows_created},
                      {"connectors_before", display_names(ctx.previous)},
                      {"connectors_after", display_names(ctx.record.connectors)}};
    alert.mitre = {"T1567", "T1020"};
    out.push_back(std::move(alert));
}

void Detector::check_cross_user(const Context& ctx, std::vector<Alert>& out) const {
    const FlowRecord& r = ctx.record;
    bool modifies = r.operation == FlowOperation::edit_flow ||
                    r.operation == FlowOperation::delete_flow ||
                    r.operation == FlowOperation::put_permissions ||
                    r.operation == FlowOperation::delete_permissions;
    if (!modifies || !ctx.flow || ctx.flow->creator.empty() || ctx.flow->creator == r.user) {
        return;
    }

    auto grant = std::ranges::find(ctx.owners, r.user, &FlowOwner::user);
    bool has_grant = grant != ctx.owners.end();
    bool granted_by_other =
        has_grant && grant->permission == kPermissionOwner && grant->granted_by != r.user;
    if (granted_by_other) {
        return;
    }

    bool self_grant = (has_grant && grant->granted_by == r.user) ||
                      (r.operation == FlowOperation::put_permissions && r.recipient == r.user);
    bool risky_added = std::ranges::any_of(
        ctx.added, [](const Connector& c) { return is_risky(classify_connector(c)); });
    double score = r.operation == FlowOperation::delete_flow ? 50 : 45;
    if (self_grant) {
        score += 25;
    }
    if (r.initiated_by_admin()) {
        score += 10;
    }
    if (!ctx.added.empty()) {
        score += 15;
    }
    if (risky_added) {
        score += 10;
    }
    if (!ctx.flow->creator_certain) {
        score -= 20;
    }

    Alert alert = make_alert(ctx, Trigger::cross_user_modification, clamp_score(score));
    // One action can be logged as several records with their own Ids: key the alert on the
    // action (flow, user, operation, minute) so they make one alert.
    auto minute = std::chrono::floor<std::chrono::minutes>(r.time);
    alert.id = make_alert_id(r.tenant, Trigger::cross_user_modification,
                             fmt::format("{}|{}|{}|{}", r.flow_id, r.user, r.operation_name,
                                         minute.time_since_epoch().count()));
    std::string action = r.operation == FlowOperation::edit_flow     ? "edited"
                         : r.operation == FlowOperation::delete_flow ? "deleted"
                                                                     : "changed the permissions of";
    alert.reason = fmt::format("{} a flow {} {}, who {} this user owner permission", action,
                               ctx.flow->creator_certain ? "created by" : "first seen used by",
                               ctx.flow->creator, has_grant ? "did not grant" : "never granted");
    if (self_grant) {
        alert.reason += "; the user granted ownership to themselves";
    }
    if (r.initiated_by_admin()) {
        alert.reason += "; done with admin rights";
    }
    if (!ctx.added.empty()) {
        alert.reason += fmt::format("; the edit added {} (before: {}; after: {})",
                                    fmt::join(display_names(ctx.added), ", "),
                                    fmt::join(display_names(ctx.previous), ", "),
                                    fmt::join(display_names(r.connectors), ", "));
    }

    nlohmann::json owners = nlohmann::json::array();
    for (const auto& o : ctx.owners) {
        owners.push_back({{"user", o.user},
                          {"permission", o.permission},
                          {"granted_by", o.granted_by},
                          {"granted_at", format_time(o.granted_at)}});
    }
    alert.evidence = {
        {"creator", ctx.flow->creator},
        {"creator_certain", ctx.flow->creator_certain},
        {"owners", owners},
        {"self_grant", self_grant},
        {"initiated_by_admin", r.initiated_by_admin()},
        {"recipient", r.recipient},
        {"connectors_added", display_names(ctx.added)},
        {"connectors_before", display_names(ctx.previous)},
        {"connectors_after", display_names(ctx.changes_connectors ? r.connectors : ctx.previous)}};
    alert.mitre = {"T1098", "T1020"};
    out.push_back(std::move(alert));
}

void Detector::check_new_maker(const Context& ctx, std::vector<Alert>& out) {
    const FlowRecord& r = ctx.record;
    if (r.operation != FlowOperation::create_flow || r.connectors.empty()) {
        return;
    }
    if (ctx.user && ctx.user->is_maker) {
        return;
    }

    const Connector* top = nullptr;
    Rarity top_rarity;
    bool any_unusual = false;  ///< Risky, or rare among the tenant's makers.
    for (const auto& c : r.connectors) {
        Rarity rarity = rarity_of(ctx, c);
        bool rare = rarity.rarity >= kRareRarity && rarity.tenant_makers >= kMinMakersForRarity;
        any_unusual = any_unusual || is_risky(rarity.cls) || rare;
        if (top == nullptr || rarity.weight > top_rarity.weight) {
            top = &c;
            top_rarity = rarity;
        }
    }
    bool exfiltration = has_exfiltration_shape(r.connectors);
    // A new maker with common connectors is how every maker starts: never above low.
    double score = any_unusual ? 35.0 + 60.0 * top_rarity.weight + (exfiltration ? 15.0 : 0.0)
                               : std::min(35.0, 100.0 * top_rarity.weight);

    Alert alert = make_alert(ctx, Trigger::abnormal_activity, clamp_score(score));
    if (any_unusual) {
        alert.reason = fmt::format(
            "first flow ever made by this user uses {}, used by {} of {} in this environment",
            top->display, grouped(top_rarity.env_users),
            plural(top_rarity.env_makers, "maker", "makers"));
        if (exfiltration) {
            alert.reason += "; the flow reads mail or files and can send them out";
        }
    } else {
        alert.reason = fmt::format("first flow ever made by this user, with common connectors ({})",
                                   fmt::join(display_names(r.connectors), ", "));
    }
    alert.evidence = {
        {"pattern", "new_maker"},
        {"riskiest_connector", top->display},
        {"class", class_name(top_rarity.cls)},
        {"environment_makers_using", top_rarity.env_users},
        {"environment_makers", top_rarity.env_makers},
        {"tenant_makers_using", top_rarity.tenant_users},
        {"tenant_makers", top_rarity.tenant_makers},
        {"exfiltration_shape", exfiltration},
        {"user_first_seen", ctx.user ? format_time(ctx.user->first_seen) : format_time(r.time)}};
    alert.mitre = {"T1020"};
    out.push_back(std::move(alert));
}

void Detector::check_burst(const Context& ctx, std::vector<Alert>& out) {
    if (!ctx.kind) {
        return;
    }
    const FlowRecord& r = ctx.record;
    const UserBaseline* user = store_.find_user(r.tenant, r.user);
    if (user == nullptr) {
        return;
    }
    auto kind = static_cast<std::size_t>(*ctx.kind);
    std::int64_t now_ms = to_millis(r.time);
    const WindowActivity window = window_activity(user->recent_activity, now_ms, *ctx.kind);
    const std::int64_t count = window.events;
    const std::int64_t window_buckets = window.active_buckets;

    // Both usual paces leave this user's window out, so a burst does not raise its own bar
    // (in a small tenant it would otherwise be much of the tenant's rate).
    auto per_bucket = [](std::int64_t events, std::int64_t buckets) {
        return buckets <= 0 ? 0.0 : static_cast<double>(events) / static_cast<double>(buckets);
    };
    double user_usual = per_bucket(user->activity.events.at(kind) - count,
                                   user->activity.active_buckets - window_buckets);
    const TenantBaseline* stored_tenant = store_.find_tenant(r.tenant);
    const TenantBaseline& tenant = stored_tenant != nullptr ? *stored_tenant : ctx.tenant;
    double tenant_usual = per_bucket(tenant.activity.events.at(kind) - count,
                                     tenant.activity.active_buckets - window_buckets);
    // The usual rate is per active bucket, so the window's expected count scales with the
    // buckets of it that saw activity: an hour at one's usual pace is not a burst.
    double expected = std::max(user_usual, tenant_usual) * static_cast<double>(window_buckets);
    auto threshold = std::max<std::int64_t>(
        policy_.burst_min_events,
        static_cast<std::int64_t>(std::ceil(policy_.burst_factor * expected)));
    if (count < threshold) {
        return;
    }

    std::int64_t last = user->last_burst_ms.at(kind);
    if (last != 0 && now_ms - last < kBurstWindowMillis) {
        return;
    }
    const std::int64_t history_events = user->activity.events.at(kind) - count;
    store_.edit_user(r.tenant, r.user, UserBaseline{}).last_burst_ms.at(kind) = now_ms;

    double ratio = static_cast<double>(count) / static_cast<double>(threshold);
    double score =
        45.0 + 20.0 * std::log2(ratio) + (*ctx.kind == ActivityKind::deletion ? 15.0 : 0.0);
    Alert alert = make_alert(ctx, Trigger::abnormal_activity, clamp_score(score));
    alert.reason = fmt::format(
        "{} {} in {} minutes; this user's usual is {:.1f} per active 10 minutes and the tenant's "
        "{:.1f}, so the burst threshold was {}",
        grouped(count), activity_noun(*ctx.kind), kBurstWindowMillis / 60'000, user_usual,
        tenant_usual, grouped(threshold));
    alert.evidence = {{"pattern", "burst"},
                      {"activity", activity_noun(*ctx.kind)},
                      {"count", count},
                      {"window_minutes", kBurstWindowMillis / 60'000},
                      {"threshold", threshold},
                      {"user_usual_per_bucket", std::round(user_usual * 100) / 100},
                      {"tenant_usual_per_bucket", std::round(tenant_usual * 100) / 100},
                      {"user_history_events", history_events}};
    alert.mitre = {*ctx.kind == ActivityKind::deletion ? "T1485" : "T1059"};
    out.push_back(std::move(alert));
}

void Detector::learn(const Context& ctx) {
    const FlowRecord& r = ctx.record;
    TenantBaseline& tenant =
        store_.edit_tenant(r.tenant, TenantBaseline{.first_event = r.time, .last_event = r.time});
    tenant.first_event = std::min(tenant.first_event, r.time);
    tenant.last_event = std::max(tenant.last_event, r.time);
    ++tenant.records;

    UserBaseline& user =
        store_.edit_user(r.tenant, r.user, UserBaseline{.first_seen = r.time, .last_seen = r.time});
    user.first_seen = std::min(user.first_seen, r.time);
    user.last_seen = std::max(user.last_seen, r.time);
    ++user.events;
    if (r.operation == FlowOperation::create_flow) {
        ++user.flows_created;
    }
    bool shapes_flow =
        r.operation == FlowOperation::create_flow || r.operation == FlowOperation::edit_flow;
    if (shapes_flow) {
        if (!user.is_maker) {
            ++tenant.makers;
        }
        user.is_maker = true;
    }

    if (ctx.kind) {
        auto kind = static_cast<std::size_t>(*ctx.kind);
        const BucketChange change =
            count_activity(user.recent_activity, to_millis(r.time), *ctx.kind);
        ++user.activity.events.at(kind);
        ++tenant.activity.events.at(kind);
        // An event beyond the horizon may not have opened a bucket; counting it as one lowers
        // the usual pace a little, which can only make a burst easier to see.
        if (change != BucketChange::extended) {
            ++user.activity.active_buckets;
            ++tenant.activity.active_buckets;
        }
    }

    if (!ctx.environment.empty()) {
        EnvironmentBaseline& env =
            store_.edit_environment(r.tenant, ctx.environment,
                                    EnvironmentBaseline{.first_seen = r.time, .last_seen = r.time});
        env.first_seen = std::min(env.first_seen, r.time);
        env.last_seen = std::max(env.last_seen, r.time);
        if (shapes_flow && add_to_set(user.environments, ctx.environment)) {
            ++env.makers;
        }
        if (!ctx.flow && !r.flow_id.empty()) {
            ++env.flows;
        }
    }

    // Learning the connectors extends the flow's connector history.
    FlowState* flow =
        r.flow_id.empty() ? nullptr : &store_.edit_flow(r.tenant, r.flow_id, FlowState{});
    std::vector<std::string> no_history;
    if (ctx.changes_connectors) {
        learn_connectors(ctx, user, flow != nullptr ? flow->connector_history : no_history);
    }
    if (flow != nullptr) {
        learn_flow(ctx, *flow);
    }
}

void Detector::learn_connectors(const Context& ctx, UserBaseline& user,
                                std::vector<std::string>& history) {
    const FlowRecord& r = ctx.record;
    for (const auto& c : r.connectors) {
        bool added = contains(ctx.added, c);
        UserConnectorBaseline* known = user.connector(c.key);
        const bool new_maker_in_tenant = known == nullptr;
        UserConnectorBaseline& uc =
            known ? *known
                  : user.connectors.emplace_back(UserConnectorBaseline{.key = c.key,
                                                                       .display = c.display,
                                                                       .first_seen = r.time,
                                                                       .last_seen = r.time});
        uc.first_seen = std::min(uc.first_seen, r.time);
        uc.last_seen = std::max(uc.last_seen, r.time);
        ++uc.events;
        if (added || uc.flows == 0) {
            ++uc.flows;
        }
        // Whether the user, and the flow, are new to the connector decides the distinct counts
        // of each scope: the environment's, then the tenant's (scope ""). A record without an
        // environment counts only towards the tenant.
        bool new_maker_in_environment =
            !ctx.environment.empty() && add_to_set(uc.environments, ctx.environment);
        bool new_in_flow = r.flow_id.empty() || add_to_set(history, c.key);

        auto learn_scope = [&](std::string_view scope, bool new_maker) {
            ScopeConnectorBaseline& sc = store_.edit_scope_connector(
                r.tenant, scope, c.key,
                ScopeConnectorBaseline{
                    .display = c.display, .first_seen = r.time, .last_seen = r.time});
            sc.first_seen = std::min(sc.first_seen, r.time);
            sc.last_seen = std::max(sc.last_seen, r.time);
            if (new_maker) {
                ++sc.makers;
            }
            if (new_in_flow) {
                ++sc.flows;
            }
        };
        if (!ctx.environment.empty()) {
            learn_scope(ctx.environment, new_maker_in_environment);
        }
        learn_scope("", new_maker_in_tenant);
    }
}

void Detector::learn_flow(const Context& ctx, FlowState& flow) {
    const FlowRecord& r = ctx.record;
    bool creation = r.operation == FlowOperation::create_flow;
    if (ctx.flow == nullptr || (creation && !flow.creator_certain)) {
        // Without the creation record, the first actor seen is the best guess, marked uncertain.
        flow.creator = r.user;
        flow.creator_certain = creation;
        flow.created = r.time;
    }
    if (!ctx.environment.empty()) {
        flow.environment = ctx.environment;
    }
    if (ctx.changes_connectors) {
        flow.connectors = r.connectors;
    }
    flow.last_actor = r.user;
    flow.last_event = std::max(flow.last_event, r.time);
    if (r.operation == FlowOperation::delete_flow) {
        flow.deleted = true;
    }
    if (creation) {
        flow.deleted = false;
    }

    if (r.recipient.empty()) {
        return;
    }
    if (r.operation == FlowOperation::put_permissions) {
        store_.put_flow_owner(r.tenant, r.flow_id,
                              FlowOwner{.user = r.recipient,
                                        .permission = r.sharing_permission.value_or(0),
                                        .granted_by = r.user,
                                        .granted_at = r.time,
                                        .by_admin = r.initiated_by_admin()});
    } else if (r.operation == FlowOperation::delete_permissions) {
        store_.remove_flow_owner(r.tenant, r.flow_id, r.recipient);
    }
}

}  // namespace flowwatch
