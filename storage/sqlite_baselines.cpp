// SqliteStore's BaselineStore side: every read and write of a baseline row goes through the
// write-back caches of State.

#include <algorithm>
#include <cstddef>

#include "storage/sqlite_store.h"
#include "storage/sqlite_store_state.h"

namespace flowwatch::storage {

namespace {

/// The cached owner list of the flow whose key is in `s.key`, loaded on first use.
std::vector<FlowOwner>& owners_of(SqliteStore::State& s) {
    if (auto* entry = s.owners.find(s.key, s.unit)) {
        return *entry->row;
    }
    std::vector<FlowOwner> owners;
    StatementUse use(s.select_owners);
    bind_key(*use, s.key, 2);
    while (use->next_row()) {
        owners.push_back(RowTraits<FlowOwner>::read(*use));
    }
    return *s.owners.remember(s.key, std::move(owners), s.unit).entry().row;
}

/// The filter of flows with owners: built from the table when first needed, and built again when
/// outgrown once no owner list waits for a commit (the table then holds every one).
KeyFilter& owner_flows(SqliteStore::State& s) {
    if (s.owner_flows && !(s.owner_flows->full() && !s.owners.has_dirty())) {
        return *s.owner_flows;
    }
    return s.owner_flows.emplace(scan_keys(s.count_owners, s.select_owner_flows, 2));
}

}  // namespace

void flush_owners(SqliteStore::State& s) {
    s.owners.flush_dirty([&s](std::string_view key, const std::vector<FlowOwner>& owners, Stored) {
        {
            StatementUse erase(s.delete_owners);
            bind_key(*erase, key, 2);
            erase->run();
        }
        for (const FlowOwner& owner : owners) {
            StatementUse insert(s.insert_owner);
            const int next = bind_key(*insert, key, 2);
            insert->bind(next, owner.user);
            RowTraits<FlowOwner>::bind(*insert, next + 1, owner);
            insert->run();
        }
    });
}

void SqliteStore::prefetch(std::string_view tenant, std::string_view user, std::string_view flow_id,
                           PrefetchStep step) {
    State& s = *state_;
    const auto hint = [step](const auto& cache, const std::string& key) {
        if (step == PrefetchStep::locate) {
            cache.prefetch_slot(key);
        } else {
            cache.prefetch_item(key);
        }
    };
    hint(s.users.cache, s.make_key(tenant, user));
    if (!flow_id.empty()) {
        hint(s.flows.cache, s.make_key(tenant, flow_id));
    }
}

const TenantBaseline* SqliteStore::find_tenant(std::string_view tenant) {
    return guarded("read tenant baseline", [&] {
        return cached_row(state_->tenants, state_->make_key(tenant), state_->unit);
    });
}

void SqliteStore::put_tenant(std::string_view tenant, TenantBaseline row) {
    write_in_unit("write tenant baseline", [&] {
        state_->tenants.cache.put(state_->make_key(tenant), std::move(row), state_->unit);
    });
}

TenantBaseline& SqliteStore::edit_tenant(std::string_view tenant, TenantBaseline if_absent) {
    return guarded("edit tenant baseline", [&]() -> TenantBaseline& {
        require_unit();
        return edited_row(state_->tenants, state_->make_key(tenant), state_->unit,
                          std::move(if_absent));
    });
}

const UserBaseline* SqliteStore::find_user(std::string_view tenant, std::string_view user) {
    return guarded("read user baseline", [&] {
        return cached_row(state_->users, state_->make_key(tenant, user), state_->unit);
    });
}

void SqliteStore::put_user(std::string_view tenant, std::string_view user, UserBaseline row) {
    write_in_unit("write user baseline", [&] {
        state_->users.cache.put(state_->make_key(tenant, user), std::move(row), state_->unit);
    });
}

UserBaseline& SqliteStore::edit_user(std::string_view tenant, std::string_view user,
                                     UserBaseline if_absent) {
    return guarded("edit user baseline", [&]() -> UserBaseline& {
        require_unit();
        return edited_row(state_->users, state_->make_key(tenant, user), state_->unit,
                          std::move(if_absent));
    });
}

const ScopeConnectorBaseline* SqliteStore::find_scope_connector(std::string_view tenant,
                                                                std::string_view scope,
                                                                std::string_view connector) {
    return guarded("read scope connector baseline", [&] {
        return cached_row(state_->scope_connectors, state_->make_key(tenant, scope, connector),
                          state_->unit);
    });
}

void SqliteStore::put_scope_connector(std::string_view tenant, std::string_view scope,
                                      std::string_view connector, ScopeConnectorBaseline row) {
    write_in_unit("write scope connector baseline", [&] {
        state_->scope_connectors.cache.put(state_->make_key(tenant, scope, connector),
                                           std::move(row), state_->unit);
    });
}

ScopeConnectorBaseline& SqliteStore::edit_scope_connector(std::string_view tenant,
                                                          std::string_view scope,
                                                          std::string_view connector,
                                                          ScopeConnectorBaseline if_absent) {
    return guarded("edit scope connector baseline", [&]() -> ScopeConnectorBaseline& {
        require_unit();
        return edited_row(state_->scope_connectors, state_->make_key(tenant, scope, connector),
                          state_->unit, std::move(if_absent));
    });
}

const EnvironmentBaseline* SqliteStore::find_environment(std::string_view tenant,
                                                         std::string_view environment) {
    return guarded("read environment baseline", [&] {
        return cached_row(state_->environments, state_->make_key(tenant, environment),
                          state_->unit);
    });
}

void SqliteStore::put_environment(std::string_view tenant, std::string_view environment,
                                  EnvironmentBaseline row) {
    write_in_unit("write environment baseline", [&] {
        state_->environments.cache.put(state_->make_key(tenant, environment), std::move(row),
                                       state_->unit);
    });
}

EnvironmentBaseline& SqliteStore::edit_environment(std::string_view tenant,
                                                   std::string_view environment,
                                                   EnvironmentBaseline if_absent) {
    return guarded("edit environment baseline", [&]() -> EnvironmentBaseline& {
        require_unit();
        return edited_row(state_->environments, state_->make_key(tenant, environment), state_->unit,
                          std::move(if_absent));
    });
}

const FlowState* SqliteStore::find_flow(std::string_view tenant, std::string_view flow_id) {
    return guarded("read flow state", [&] {
        return cached_row(state_->flows, state_->make_key(tenant, flow_id), state_->unit);
    });
}

void SqliteStore::put_flow(std::string_view tenant, std::string_view flow_id, FlowState row) {
    write_in_unit("write flow state", [&] {
        state_->flows.cache.put(state_->make_key(tenant, flow_id), std::move(row), state_->unit);
    });
}

FlowState& SqliteStore::edit_flow(std::string_view tenant, std::string_view flow_id,
                                  FlowState if_absent) {
    return guarded("edit flow state", [&]() -> FlowState& {
        require_unit();
        return edited_row(state_->flows, state_->make_key(tenant, flow_id), state_->unit,
                          std::move(if_absent));
    });
}

std::vector<FlowOwner> SqliteStore::flow_owners(std::string_view tenant, std::string_view flow_id) {
    return guarded("read flow owners", [&] {
        State& s = *state_;
        s.make_key(tenant, flow_id);
        if (!owner_flows(s).may_contain(s.key)) {
            return std::vector<FlowOwner>();
        }
        return owners_of(s);
    });
}

void SqliteStore::put_flow_owner(std::string_view tenant, std::string_view flow_id,
                                 const FlowOwner& owner) {
    write_in_unit("write flow owner", [&] {
        State& s = *state_;
        s.make_key(tenant, flow_id);
        std::vector<FlowOwner> owners = owners_of(s);
        auto at = std::lower_bound(
            owners.begin(), owners.end(), owner.user,
            [](const FlowOwner& o, const std::string& user) { return o.user < user; });
        if (at != owners.end() && at->user == owner.user) {
            *at = owner;
        } else {
            owners.insert(at, owner);
        }
        owner_flows(s).add(s.key);
        s.owners.put(s.key, std::move(owners), s.unit);
    });
}

void SqliteStore::remove_flow_owner(std::string_view tenant, std::string_view flow_id,
                                    std::string_view user) {
    write_in_unit("remove flow owner", [&] {
        State& s = *state_;
        s.make_key(tenant, flow_id);
        std::vector<FlowOwner> owners = owners_of(s);
        const auto removed =
            std::erase_if(owners, [user](const FlowOwner& o) { return o.user == user; });
        if (removed > 0) {
            s.owners.put(s.key, std::move(owners), s.unit);
        }
    });
}

}  // namespace flowwatch::storage
