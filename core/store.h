#pragma once
/// What the detection remembers between records: baselines, flow ownership, activity, and the
/// bookkeeping that makes evaluation exactly-once. `storage/` implements it on SQLite; the
/// in-memory `MemoryStore` implements it for tests. Both pass the same contract tests.

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/alert.h"
#include "core/connector.h"
#include "core/time.h"

namespace flowwatch {

/// Kinds of change a user makes, counted per activity bucket.
enum class ActivityKind { creation = 0, edit = 1, deletion = 2, permission = 3 };
inline constexpr std::size_t kActivityKinds = 4;
/// Activity is counted in buckets of this length; a burst is judged over kBurstWindowBuckets.
inline constexpr std::int64_t kActivityBucketMillis = 10 * 60 * 1000;
inline constexpr int kBurstWindowBuckets = 6;
/// A user's buckets are kept for this long behind their newest one, so that records delivered
/// out of order within it still land in their own bucket.
inline constexpr std::int64_t kActivityHorizonMillis = 24 * 60 * 60 * 1000;

/// A user's events of each kind in the kActivityBucketMillis that begin at start_ms.
struct ActivityBucket {
    std::int64_t start_ms = 0;
    std::array<std::int64_t, kActivityKinds> counts{};
};

/// Running totals of activity over a user's (or a tenant's) whole history.
struct ActivityTotals {
    std::array<std::int64_t, kActivityKinds> events{};
    /// Buckets with any activity: per user, or summed over users for a tenant.
    std::int64_t active_buckets = 0;
};

struct TenantBaseline {
    Timestamp first_event{};  ///< Start of the learning period.
    Timestamp last_event{};
    std::int64_t records = 0;  ///< Power Automate records evaluated.
    std::int64_t makers = 0;   ///< Distinct users who created or edited a flow.
    ActivityTotals activity;
};

/// A connector as one user has used it.
struct UserConnectorBaseline {
    std::string key;  ///< connector_key() of it.
    std::string display;
    Timestamp first_seen{};
    Timestamp last_seen{};
    std::int64_t flows = 0;   ///< Flows into which this user brought the connector.
    std::int64_t events = 0;  ///< Creations and edits of flows that use it.
    /// Environments of the flows into which this user brought the connector.
    std::vector<std::string> environments;
};

struct UserBaseline {
    Timestamp first_seen{};
    Timestamp last_seen{};
    std::int64_t events = 0;
    std::int64_t flows_created = 0;
    bool is_maker = false;  ///< Has created or edited a flow.
    /// Environments in which the user has created or edited a flow.
    std::vector<std::string> environments;
    ActivityTotals activity;
    /// Event time of the last burst alert per ActivityKind (0 = never), so a burst alerts once.
    std::array<std::int64_t, kActivityKinds> last_burst_ms{};
    /// Buckets with activity up to kActivityHorizonMillis behind the newest, oldest first.
    std::vector<ActivityBucket> recent_activity;
    /// The connectors this user has brought into flows, in the order they first did.
    std::vector<UserConnectorBaseline> connectors;

    /// The connector with this key, or null.
    const UserConnectorBaseline* connector(std::string_view key) const {
        auto it = std::ranges::find(connectors, key, &UserConnectorBaseline::key);
        return it != connectors.end() ? &*it : nullptr;
    }
    UserConnectorBaseline* connector(std::string_view key) {
        return const_cast<UserConnectorBaseline*>(std::as_const(*this).connector(key));
    }
};

/// A connector's spread in one scope: an environment, or the whole tenant (scope "").
struct ScopeConnectorBaseline {
    std::string display;
    Timestamp first_seen{};
    Timestamp last_seen{};
    std::int64_t makers = 0;  ///< Distinct users whose flows use it.
    std::int64_t flows = 0;   ///< Distinct flows that have used it.
};

struct EnvironmentBaseline {
    Timestamp first_seen{};
    Timestamp last_seen{};
    std::int64_t makers = 0;
    std::int64_t flows = 0;
};

struct FlowState {
    std::string environment;
    std::string creator;
    bool creator_certain = false;  ///< False when the creation predates the data.
    Timestamp created{};
    std::vector<Connector> connectors;  ///< As of the last create or edit.
    /// Keys of every connector the flow has used, in the order they first appeared.
    std::vector<std::string> connector_history;
    std::string last_actor;
    Timestamp last_event{};
    bool deleted = false;
};

struct FlowOwner {
    std::string user;
    int permission = 0;  ///< SharingPermission: 3 owner, 2 run-only.
    std::string granted_by;
    Timestamp granted_at{};
    bool by_admin = false;
};

/// Adds `value` to a small set kept as a list; true when it was not there before.
inline bool add_to_set(std::vector<std::string>& set, std::string_view value) {
    if (std::ranges::find(set, value) != set.end()) {
        return false;
    }
    set.emplace_back(value);
    return true;
}

/// The two steps of a prefetch hint, given a few records apart: first where the rows are found,
/// then the rows themselves.
enum class PrefetchStep : std::uint8_t { locate, fetch };

class BaselineStore {
  public:
    virtual ~BaselineStore() = default;

    /// Hints that the user's and the flow's rows will be asked for soon, so that a store may start
    /// bringing them into the processor's cache; changes nothing a read returns. A caller gives
    /// both steps for the same rows, `locate` some time before `fetch`.
    virtual void prefetch(std::string_view /*tenant*/, std::string_view /*user*/,
                          std::string_view /*flow_id*/, PrefetchStep /*step*/) {}

    // Each kind of row has three ways in. find_* lends the stored row (null when there is none)
    // instead of copying it: the pointer stays valid until the unit ends, or outside a unit until
    // the next write, and a later write of the same row may or may not show through it. edit_*
    // lends the row for changing in place (`if_absent` when there is none), to be written when
    // the unit commits; only inside a unit, and its reference lives as long. put_* replaces the
    // row. The reads without find_ return a copy.

    virtual const TenantBaseline* find_tenant(std::string_view tenant) = 0;
    virtual void put_tenant(std::string_view tenant, TenantBaseline row) = 0;
    virtual TenantBaseline& edit_tenant(std::string_view tenant, TenantBaseline if_absent) = 0;

    virtual const UserBaseline* find_user(std::string_view tenant, std::string_view user) = 0;
    virtual void put_user(std::string_view tenant, std::string_view user, UserBaseline row) = 0;
    virtual UserBaseline& edit_user(std::string_view tenant, std::string_view user,
                                    UserBaseline if_absent) = 0;

    /// `scope` is an environment id, or "" for the tenant as a whole.
    virtual const ScopeConnectorBaseline* find_scope_connector(std::string_view tenant,
                                                               std::string_view scope,
                                                               std::string_view connector) = 0;
    virtual void put_scope_connector(std::string_view tenant, std::string_view scope,
                                     std::string_view connector, ScopeConnectorBaseline row) = 0;
    virtual ScopeConnectorBaseline& edit_scope_connector(std::string_view tenant,
                                                         std::string_view scope,
                                                         std::string_view connector,
                                                         ScopeConnectorBaseline if_absent) = 0;

    virtual const EnvironmentBaseline* find_environment(std::string_view tenant,
                                                        std::string_view environment) = 0;
    virtual void put_environment(std::string_view tenant, std::string_view environment,
                                 EnvironmentBaseline row) = 0;
    virtual EnvironmentBaseline& edit_environment(std::string_view tenant,
                                                  std::string_view environment,
                                                  EnvironmentBaseline if_absent) = 0;

    virtual const FlowState* find_flow(std::string_view tenant, std::string_view flow_id) = 0;
    virtual void put_flow(std::string_view tenant, std::string_view flow_id, FlowState row) = 0;
    virtual FlowState& edit_flow(std::string_view tenant, std::string_view flow_id,
                                 FlowState if_absent) = 0;

    virtual std::vector<FlowOwner> flow_owners(std::string_view tenant,
                                               std::string_view flow_id) = 0;
    virtual void put_flow_owner(std::string_view tenant, std::string_view flow_id,
                                const FlowOwner& owner) = 0;
    virtual void remove_flow_owner(std::string_view tenant, std::string_view flow_id,
                                   std::string_view user) = 0;

    std::optional<TenantBaseline> tenant(std::string_view tenant) {
        return copy_of(find_tenant(tenant));
    }
    std::optional<UserBaseline> user(std::string_view tenant, std::string_view user) {
        return copy_of(find_user(tenant, user));
    }
    std::optional<ScopeConnectorBaseline> scope_connector(std::string_view tenant,
                                                          std::string_view scope,
                                                          std::string_view connector) {
        return copy_of(find_scope_connector(tenant, scope, connector));
    }
    std::optional<EnvironmentBaseline> environment(std::string_view tenant,
                                                   std::string_view environment) {
        return copy_of(find_environment(tenant, environment));
    }
    std::optional<FlowState> flow(std::string_view tenant, std::string_view flow_id) {
        return copy_of(find_flow(tenant, flow_id));
    }

  private:
    template <typename Row>
    static std::optional<Row> copy_of(const Row* row) {
        return row ? std::optional<Row>(*row) : std::nullopt;
    }
};

/// An alert as kept by the store: the alert and whether it met the emit threshold.
struct StoredAlert {
    Alert alert;
    bool emitted = false;
    std::int64_t sequence = 0;  ///< Insertion order, increasing.
};

/// The whole persistent state the pipeline needs, with unit-of-work transactions: everything
/// written between begin_unit and commit_unit lands together or not at all.
class Store : public BaselineStore {
  public:
    virtual void begin_unit() = 0;
    virtual void commit_unit() = 0;
    /// Whether the open unit holds as many written rows as the store means to keep in memory
    /// until a commit: a caller that chooses where units end should end this one.
    virtual bool unit_full() const { return false; }
    virtual void rollback_unit() = 0;

    /// Records that a Power Automate record was evaluated; false when it already was. A record is
    /// known by its id and its event time: the API repeats a record with both unchanged.
    virtual bool mark_record_seen(std::string_view tenant, std::string_view record_id,
                                  Timestamp time) = 0;

    /// Stores an alert; false (and nothing changes) when an alert with its id exists.
    virtual bool insert_alert(const Alert& alert, bool emitted) = 0;

    /// Stored alerts, newest first, with sequence above `after_sequence`, at most `limit`.
    virtual std::vector<StoredAlert> recent_alerts(std::int64_t after_sequence,
                                                   std::size_t limit) = 0;
};

}  // namespace flowwatch
