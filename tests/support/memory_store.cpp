#include "tests/support/memory_store.h"

#include <algorithm>
#include <stdexcept>

namespace flowwatch::test {

namespace {

std::string s(std::string_view text) {
    return std::string(text);
}

template <typename Value>
std::optional<Value> optional_of(const Value* value) {
    return value ? std::optional<Value>(*value) : std::nullopt;
}

}  // namespace

template <typename Step>
void MemoryStore::for_each_map(Step&& step) {
    step(tenants_);
    step(users_);
    step(scope_connectors_);
    step(environments_);
    step(flows_);
    step(owners_);
    step(seen_);
    step(alerts_);
    step(alert_ids_);
    step(cursors_);
    step(content_);
    step(subscription_starts_);
    step(gaps_);
    step(delivered_);
}

const TenantBaseline* MemoryStore::find_tenant(std::string_view tenant) {
    return tenants_.find(s(tenant));
}

void MemoryStore::put_tenant(std::string_view tenant, TenantBaseline row) {
    tenants_.put(s(tenant), std::move(row), in_unit_);
}

TenantBaseline& MemoryStore::edit_tenant(std::string_view tenant, TenantBaseline if_absent) {
    require_unit("edit tenant");
    return tenants_.edit(s(tenant), std::move(if_absent));
}

const UserBaseline* MemoryStore::find_user(std::string_view tenant, std::string_view user) {
    return users_.find({s(tenant), s(user)});
}

void MemoryStore::put_user(std::string_view tenant, std::string_view user, UserBaseline row) {
    users_.put({s(tenant), s(user)}, std::move(row), in_unit_);
}

UserBaseline& MemoryStore::edit_user(std::string_view tenant, std::string_view user,
                                     UserBaseline if_absent) {
    require_unit("edit user");
    return users_.edit({s(tenant), s(user)}, std::move(if_absent));
}

const ScopeConnectorBaseline* MemoryStore::find_scope_connector(std::string_view tenant,
                                                                std::string_view scope,
                                                                std::string_view connector) {
    return scope_connectors_.find({s(tenant), s(scope), s(connector)});
}

void MemoryStore::put_scope_connector(std::string_view tenant, std::string_view scope,
                                      std::string_view connector, ScopeConnectorBaseline row) {
    scope_connectors_.put({s(tenant), s(scope), s(connector)}, std::move(row), in_unit_);
}

ScopeConnectorBaseline& MemoryStore::edit_scope_connector(std::string_view tenant,
                                                          std::string_view scope,
                                                          std::string_view connector,
                                                          ScopeConnectorBaseline if_absent) {
    require_unit("edit scope connector");
    return scope_connectors_.edit({s(tenant), s(scope), s(connector)}, std::move(if_absent));
}

const EnvironmentBaseline* MemoryStore::find_environment(std::string_view tenant,
                                                         std::string_view environment) {
    return environments_.find({s(tenant), s(environment)});
}

void MemoryStore::put_environment(std::string_view tenant, std::string_view environment,
                                  EnvironmentBaseline row) {
    environments_.put({s(tenant), s(environment)}, std::move(row), in_unit_);
}

EnvironmentBaseline& MemoryStore::edit_environment(std::string_view tenant,
                                                   std::string_view environment,
                                                   EnvironmentBaseline if_absent) {
    require_unit("edit environment");
    return environments_.edit({s(tenant), s(environment)}, std::move(if_absent));
}

const FlowState* MemoryStore::find_flow(std::string_view tenant, std::string_view flow_id) {
    return flows_.find({s(tenant), s(flow_id)});
}

void MemoryStore::put_flow(std::string_view tenant, std::string_view flow_id, FlowState row) {
    flows_.put({s(tenant), s(flow_id)}, std::move(row), in_unit_);
}

FlowState& MemoryStore::edit_flow(std::string_view tenant, std::string_view flow_id,
                                  FlowState if_absent) {
    require_unit("edit flow");
    return flows_.edit({s(tenant), s(flow_id)}, std::move(if_absent));
}

std::vector<FlowOwner> MemoryStore::flow_owners(std::string_view tenant, std::string_view flow_id) {
    const auto* owners = owners_.find({s(tenant), s(flow_id)});
    return owners ? *owners : std::vector<FlowOwner>{};
}

void MemoryStore::put_flow_owner(std::string_view tenant, std::string_view flow_id,
                                 const FlowOwner& owner) {
    std::vector<FlowOwner> owners = flow_owners(tenant, flow_id);
    auto at = std::ranges::lower_bound(owners, owner.user, {}, &FlowOwner::user);
    if (at != owners.end() && at->user == owner.user) {
        *at = owner;
    } else {
        owners.insert(at, owner);
    }
    owners_.put({s(tenant), s(flow_id)}, std::move(owners), in_unit_);
}

void MemoryStore::remove_flow_owner(std::string_view tenant, std::string_view flow_id,
                                    std::string_view user) {
    std::vector<FlowOwner> owners = flow_owners(tenant, flow_id);
    std::erase_if(owners, [user](const FlowOwner& o) { return o.user == user; });
    owners_.put({s(tenant), s(flow_id)}, std::move(owners), in_unit_);
}

void MemoryStore::require_unit(std::string_view operation) const {
    if (!in_unit_) {
        throw std::logic_error(std::string(operation) + ": no unit is open");
    }
}

void MemoryStore::begin_unit() {
    if (in_unit_) {
        throw std::logic_error("begin unit: a unit is already open");
    }
    in_unit_ = true;
    unit_start_alert_ = last_alert_;
    unit_start_gap_ = last_gap_;
}

void MemoryStore::commit_unit() {
    if (!in_unit_) {
        throw std::logic_error("commit unit: no unit is open");
    }
    for_each_map([](auto& map) { map.commit(); });
    in_unit_ = false;
}

void MemoryStore::rollback_unit() {
    if (!in_unit_) {
        return;
    }
    for_each_map([](auto& map) { map.rollback(); });
    last_alert_ = unit_start_alert_;
    last_gap_ = unit_start_gap_;
    in_unit_ = false;
}

bool MemoryStore::mark_record_seen(std::string_view tenant, std::string_view record_id,
                                   Timestamp time) {
    KeyTime key{s(tenant), s(record_id), to_millis(time)};
    if (seen_.find(key)) {
        return false;
    }
    seen_.put(key, true, in_unit_);
    return true;
}

bool MemoryStore::insert_alert(const Alert& alert, bool emitted) {
    if (alert_ids_.find(alert.id)) {
        return false;
    }
    const std::int64_t sequence = ++last_alert_;
    alerts_.put(sequence, StoredAlert{alert, emitted, sequence}, in_unit_);
    alert_ids_.put(alert.id, sequence, in_unit_);
    return true;
}

std::vector<StoredAlert> MemoryStore::recent_alerts(std::int64_t after_sequence,
                                                    std::size_t limit) {
    std::vector<StoredAlert> out;
    const auto all = alerts_.snapshot();
    for (auto it = all.rbegin(); it != all.rend() && out.size() < limit; ++it) {
        if (it->first <= after_sequence) {
            break;
        }
        out.push_back(it->second);
    }
    return out;
}

std::optional<Timestamp> MemoryStore::cursor(std::string_view tenant,
                                             std::string_view content_type) {
    return optional_of(cursors_.find({s(tenant), s(content_type)}));
}

void MemoryStore::put_cursor(std::string_view tenant, std::string_view content_type,
                             Timestamp window_end) {
    cursors_.put({s(tenant), s(content_type)}, window_end, in_unit_);
}

bool MemoryStore::content_committed(std::string_view tenant, std::string_view content_id) {
    return content_.find({s(tenant), s(content_id)}) != nullptr;
}

void MemoryStore::mark_content_committed(std::string_view tenant, std::string_view content_type,
                                         std::string_view content_id, Timestamp content_created) {
    Key2 key{s(tenant), s(content_id)};
    if (!content_.find(key)) {
        content_.put(key, {s(content_type), content_created}, in_unit_);
    }
}

void MemoryStore::prune_committed_content(std::string_view tenant, Timestamp before) {
    for (const auto& [key, value] : content_.snapshot()) {
        if (key.first == tenant && value.second < before) {
            content_.erase(key, in_unit_);
        }
    }
}

std::optional<Timestamp> MemoryStore::newest_committed_content(std::string_view tenant) {
    std::optional<Timestamp> newest;
    for (const auto& [key, value] : content_.snapshot()) {
        if (key.first == tenant && (!newest || value.second > *newest)) {
            newest = value.second;
        }
    }
    return newest;
}

std::optional<Timestamp> MemoryStore::last_subscription_start(std::string_view tenant,
                                                              std::string_view content_type) {
    return optional_of(subscription_starts_.find({s(tenant), s(content_type)}));
}

void MemoryStore::put_subscription_start(std::string_view tenant, std::string_view content_type,
                                         Timestamp at) {
    subscription_starts_.put({s(tenant), s(content_type)}, at, in_unit_);
}

void MemoryStore::record_gap(const ContentGap& gap) {
    gaps_.put(++last_gap_, gap, in_unit_);
}

std::vector<ContentGap> MemoryStore::gaps(std::string_view tenant) {
    std::vector<ContentGap> out;
    for (const auto& [id, gap] : gaps_.snapshot()) {
        if (gap.tenant == tenant) {
            out.push_back(gap);
        }
    }
    return out;
}

std::int64_t MemoryStore::delivered_through(std::string_view output) {
    const auto* sequence = delivered_.find(s(output));
    return sequence ? *sequence : 0;
}

void MemoryStore::put_delivered_through(std::string_view output, std::int64_t sequence) {
    delivered_.put(s(output), sequence, in_unit_);
}

std::vector<StoredAlert> MemoryStore::emitted_alerts_after(std::int64_t after_sequence,
                                                           std::size_t limit) {
    std::vector<StoredAlert> out;
    for (const auto& [sequence, stored] : alerts_.snapshot()) {
        if (out.size() >= limit) {
            break;
        }
        if (sequence > after_sequence && stored.emitted) {
            out.push_back(stored);
        }
    }
    return out;
}

std::vector<storage::AlertCount> MemoryStore::alert_counts() const {
    std::map<std::tuple<std::string, Trigger, Severity>, std::int64_t> counts;
    for (const auto& [sequence, stored] : alerts_.snapshot()) {
        ++counts[{stored.alert.tenant, stored.alert.trigger, stored.alert.severity}];
    }
    std::vector<storage::AlertCount> out;
    for (const auto& [key, count] : counts) {
        out.push_back({std::get<0>(key), std::get<1>(key), std::get<2>(key), count});
    }
    return out;
}

std::int64_t MemoryStore::prune_seen_records(Timestamp before) {
    std::int64_t pruned = 0;
    for (const auto& [key, seen] : seen_.snapshot()) {
        if (std::get<2>(key) < to_millis(before)) {
            seen_.erase(key, in_unit_);
            ++pruned;
        }
    }
    return pruned;
}

}  // namespace flowwatch::test
