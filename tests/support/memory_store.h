#pragma once
/// An in-memory Store, ApiStateStore and DeliveryStateStore for tests, with the same unit-of-work
/// semantics as the SQLite store: writes between begin_unit and commit_unit land together, and
/// rollback_unit discards them. It passes the same contract tests (tests/storage/).

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "core/api_state.h"
#include "core/delivery_state.h"
#include "core/store.h"
#include "storage/alert_count.h"

namespace flowwatch::test {

/// A map whose writes in an open unit stay pending until commit; nullopt in the pending layer
/// marks an erased key.
template <typename Key, typename Value>
class UnitMap {
  public:
    const Value* find(const Key& key) const {
        if (auto it = pending_.find(key); it != pending_.end()) {
            return it->second ? &*it->second : nullptr;
        }
        auto it = committed_.find(key);
        return it == committed_.end() ? nullptr : &it->second;
    }

    void put(const Key& key, Value value, bool in_unit) {
        if (in_unit) {
            pending_[key] = std::move(value);
        } else {
            committed_[key] = std::move(value);
        }
    }

    /// The value for `key` in the open unit, to change in place: on first use a copy of the
    /// committed one, or `if_absent`.
    Value& edit(const Key& key, Value if_absent) {
        auto [it, inserted] = pending_.try_emplace(key);
        if (!it->second) {
            auto committed = committed_.find(key);
            if (inserted && committed != committed_.end()) {
                it->second = committed->second;
            } else {
                it->second = std::move(if_absent);
            }
        }
        return *it->second;
    }

    void erase(const Key& key, bool in_unit) {
        if (in_unit) {
            pending_[key] = std::nullopt;
        } else {
            committed_.erase(key);
        }
    }

    /// Every visible entry, in key order.
    std::map<Key, Value> snapshot() const {
        std::map<Key, Value> all = committed_;
        for (const auto& [key, value] : pending_) {
            if (value) {
                all[key] = *value;
            } else {
                all.erase(key);
            }
        }
        return all;
    }

    void commit() {
        for (auto& [key, value] : pending_) {
            if (value) {
                committed_[key] = std::move(*value);
            } else {
                committed_.erase(key);
            }
        }
        pending_.clear();
    }

    void rollback() { pending_.clear(); }

  private:
    std::map<Key, Value> committed_;
    std::map<Key, std::optional<Value>> pending_;
};

class MemoryStore : public Store, public ApiStateStore, public DeliveryStateStore {
  public:
    // BaselineStore
    const TenantBaseline* find_tenant(std::string_view tenant) override;
    void put_tenant(std::string_view tenant, TenantBaseline row) override;
    TenantBaseline& edit_tenant(std::string_view tenant, TenantBaseline if_absent) override;
    const UserBaseline* find_user(std::string_view tenant, std::string_view user) override;
    void put_user(std::string_view tenant, std::string_view user, UserBaseline row) override;
    UserBaseline& edit_user(std::string_view tenant, std::string_view user,
                            UserBaseline if_absent) override;
    const ScopeConnectorBaseline* find_scope_connector(std::string_view tenant,
                                                       std::string_view scope,
                                                       std::string_view connector) override;
    void put_scope_connector(std::string_view tenant, std::string_view scope,
                             std::string_view connector, ScopeConnectorBaseline row) override;
    ScopeConnectorBaseline& edit_scope_connector(std::string_view tenant, std::string_view scope,
                                                 std::string_view connector,
                                                 ScopeConnectorBaseline if_absent) override;
    const EnvironmentBaseline* find_environment(std::string_view tenant,
                                                std::string_view environment) override;
    void put_environment(std::string_view tenant, std::string_view environment,
                         EnvironmentBaseline row) override;
    EnvironmentBaseline& edit_environment(std::string_view tenant, std::string_view environment,
                                          EnvironmentBaseline if_absent) override;
    const FlowState* find_flow(std::string_view tenant, std::string_view flow_id) override;
    void put_flow(std::string_view tenant, std::string_view flow_id, FlowState row) override;
    FlowState& edit_flow(std::string_view tenant, std::string_view flow_id,
                         FlowState if_absent) override;
    std::vector<FlowOwner> flow_owners(std::string_view tenant, std::string_view flow_id) override;
    void put_flow_owner(std::string_view tenant, std::string_view flow_id,
                        const FlowOwner& owner) override;
    void remove_flow_owner(std::string_view tenant, std::string_view flow_id,
                           std::string_view user) override;

    // Store
    void begin_unit() override;
    void commit_unit() override;
    void rollback_unit() override;
    bool mark_record_seen(std::string_view tenant, std::string_view record_id,
                          Timestamp time) override;
    bool insert_alert(const Alert& alert, bool emitted) override;
    std::vector<StoredAlert> recent_alerts(std::int64_t after_sequence, std::size_t limit) override;

    // ApiStateStore
    std::optional<Timestamp> cursor(std::string_view tenant,
                                    std::string_view content_type) override;
    void put_cursor(std::string_view tenant, std::string_view content_type,
                    Timestamp window_end) override;
    bool content_committed(std::string_view tenant, std::string_view content_id) override;
    void mark_content_committed(std::string_view tenant, std::string_view content_type,
                                std::string_view content_id, Timestamp content_created) override;
    void prune_committed_content(std::string_view tenant, Timestamp before) override;
    std::optional<Timestamp> newest_committed_content(std::string_view tenant) override;
    std::optional<Timestamp> last_subscription_start(std::string_view tenant,
                                                     std::string_view content_type) override;
    void put_subscription_start(std::string_view tenant, std::string_view content_type,
                                Timestamp at) override;
    void record_gap(const ContentGap& gap) override;
    std::vector<ContentGap> gaps(std::string_view tenant) override;

    // DeliveryStateStore
    std::int64_t delivered_through(std::string_view output) override;
    void put_delivered_through(std::string_view output, std::int64_t sequence) override;
    std::vector<StoredAlert> emitted_alerts_after(std::int64_t after_sequence,
                                                  std::size_t limit) override;

    /// As SqliteStore::alert_counts: per tenant, trigger and severity, ordered by them.
    std::vector<storage::AlertCount> alert_counts() const;
    /// As SqliteStore::prune_seen_records.
    std::int64_t prune_seen_records(Timestamp before);

    bool in_unit() const { return in_unit_; }

  private:
    using Key1 = std::string;
    using Key2 = std::pair<std::string, std::string>;
    using Key3 = std::tuple<std::string, std::string, std::string>;
    using KeyTime = std::tuple<std::string, std::string, std::int64_t>;

    /// Calls `step` on every map, so commit and rollback cannot forget one.
    template <typename Step>
    void for_each_map(Step&& step);
    /// Throws std::logic_error naming `operation` when no unit is open.
    void require_unit(std::string_view operation) const;

    bool in_unit_ = false;
    UnitMap<Key1, TenantBaseline> tenants_;
    UnitMap<Key2, UserBaseline> users_;
    UnitMap<Key3, ScopeConnectorBaseline> scope_connectors_;
    UnitMap<Key2, EnvironmentBaseline> environments_;
    UnitMap<Key2, FlowState> flows_;
    UnitMap<Key2, std::vector<FlowOwner>> owners_;  ///< Sorted by user.
    UnitMap<KeyTime, bool> seen_;                   ///< (tenant, record id, event time in ms)
    UnitMap<std::int64_t, StoredAlert> alerts_;     ///< By sequence.
    UnitMap<Key1, std::int64_t> alert_ids_;         ///< Alert id -> sequence.
    UnitMap<Key2, Timestamp> cursors_;
    UnitMap<Key2, std::pair<std::string, Timestamp>> content_;  ///< -> (content type, created)
    UnitMap<Key2, Timestamp> subscription_starts_;
    UnitMap<std::int64_t, ContentGap> gaps_;
    UnitMap<Key1, std::int64_t> delivered_;
    /// Sequence counters; a rolled-back unit gives its numbers back, as SQLite does.
    std::int64_t last_alert_ = 0;
    std::int64_t last_gap_ = 0;
    std::int64_t unit_start_alert_ = 0;
    std::int64_t unit_start_gap_ = 0;
};

}  // namespace flowwatch::test
