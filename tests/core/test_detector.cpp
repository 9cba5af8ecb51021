#include "core/detector.h"

#include <algorithm>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <fmt/format.h>

#include "core/pipeline.h"
#include "tests/support/flow_records.h"
#include "tests/support/memory_store.h"

namespace flowwatch {
namespace {

using test::day;
using test::flow_record;
using test::permission_record;

constexpr auto kCreate = FlowOperation::create_flow;
constexpr auto kEdit = FlowOperation::edit_flow;
constexpr auto kDelete = FlowOperation::delete_flow;
constexpr auto kGrant = FlowOperation::put_permissions;

/// A tenant with a history: the detector is fed through the real pipeline into a store, and
/// every alert is returned whatever its severity.
class Tenant {
  public:
    Tenant() { policy.min_severity = Severity::low; }

    std::vector<Alert> feed(const FlowRecord& record) {
        auto outcome = pipeline_.process_unit(std::span(&record, 1));
        REQUIRE(outcome.has_value());
        return outcome->emitted;
    }

    /// 20 makers build flows with everyday connectors over the first 20 days; the first
    /// `http_makers` of them (maker0 by default) also use HTTP. Each maker's flow is
    /// "flow-<maker>".
    void build_history(int makers = 20, int http_makers = 1) {
        for (int m = 0; m < makers; ++m) {
            auto user = fmt::format("maker{}@contoso.com", m);
            auto connectors = m < http_makers ? "Office 365 Outlook, SharePoint, HTTP"
                                              : "Office 365 Outlook, SharePoint, Approvals";
            feed(flow_record(kCreate, user, "flow-" + user, connectors, day(m % 10, m)));
            feed(flow_record(kEdit, user, "flow-" + user, connectors, day(10 + m % 10, m)));
        }
    }

    DetectionPolicy policy;
    test::MemoryStore store;

  private:
    Pipeline pipeline_{store, policy};
};

std::vector<Alert> with_trigger(const std::vector<Alert>& alerts, Trigger trigger) {
    std::vector<Alert> out;
    std::ranges::copy_if(alerts, std::back_inserter(out),
                         [&](const Alert& a) { return a.trigger == trigger; });
    return out;
}

bool at_least(const Alert& alert, Severity severity) {
    return alert.severity >= severity;
}

}  // namespace

TEST_CASE("a risky connector new to an established maker raises unusual_connector with numbers") {
    Tenant t;
    t.build_history();

    auto alerts = t.feed(
        flow_record(kCreate, "maker5@contoso.com", "exfil-1", "Office 365 Outlook, HTTP", day(21)));

    auto unusual = with_trigger(alerts, Trigger::unusual_connector);
    REQUIRE(unusual.size() == 1);
    CHECK(at_least(unusual[0], Severity::high));
    CHECK(unusual[0].reason.find("first use of HTTP by this user") != std::string::npos);
    CHECK(unusual[0].reason.find("used by 1 of 20 makers in this environment over 21 days") !=
          std::string::npos);
    CHECK(unusual[0].evidence["exfiltration_shape"] == true);
    CHECK(unusual[0].record_ids.size() == 1);
    CHECK(unusual[0].connectors == std::vector<std::string>{"Office 365 Outlook", "HTTP"});
}

TEST_CASE("a connector most makers use weighs too little to be emitted as unusual") {
    Tenant t;
    t.build_history();
    t.feed(flow_record(kCreate, "maker0@contoso.com", "flow-x", "SharePoint", day(15)));

    // maker0 never used Approvals, which 19 of 20 makers use.
    auto alerts = t.feed(
        flow_record(kEdit, "maker0@contoso.com", "flow-x", "SharePoint, Approvals", day(22)));

    for (const auto& a : with_trigger(alerts, Trigger::unusual_connector)) {
        CHECK_FALSE(at_least(a, Severity::medium));
    }
}

TEST_CASE("an edit that keeps the flow's connectors raises nothing") {
    Tenant t;
    t.build_history();

    auto alerts = t.feed(flow_record(kEdit, "maker0@contoso.com", "flow-maker0@contoso.com",
                                     "Office 365 Outlook, SharePoint, HTTP", day(25)));

    CHECK(alerts.empty());
}

TEST_CASE("only connectors an edit adds are judged, not those the flow already had") {
    Tenant t;
    t.build_history();
    // maker3 is granted ownership of maker0's flow, which uses HTTP; editing it is not a new use.
    t.feed(permission_record(kGrant, "maker0@contoso.com", "flow-maker0@contoso.com",
                             "maker3@contoso.com", kPermissionOwner, day(20)));

    auto alerts = t.feed(flow_record(kEdit, "maker3@contoso.com", "flow-maker0@contoso.com",
                                     "Office 365 Outlook, SharePoint, HTTP", day(21)));

    CHECK(alerts.empty());
}

TEST_CASE("the learning period holds back every trigger but unauthorized_connector") {
    Tenant t;
    t.policy.blocked_connectors = {connector_key("Dropbox")};
    t.build_history();

    auto learning =
        t.feed(flow_record(kCreate, "maker7@contoso.com", "early", "HTTP, Dropbox", day(13)));
    CHECK(with_trigger(learning, Trigger::unusual_connector).empty());
    REQUIRE(with_trigger(learning, Trigger::unauthorized_connector).size() == 1);

    auto after = t.feed(flow_record(kCreate, "maker8@contoso.com", "late", "HTTP", day(14, 1)));
    CHECK(with_trigger(after, Trigger::unusual_connector).size() == 1);
}

TEST_CASE("unauthorized_connector follows the blocked list and the allowed list") {
    SUBCASE("blocked") {
        Tenant t;
        t.policy.blocked_connectors = {connector_key("gmail")};
        auto alerts =
            t.feed(flow_record(kCreate, "a@contoso.com", "f1", "GMAIL , SharePoint", day(1)));
        auto hits = with_trigger(alerts, Trigger::unauthorized_connector);
        REQUIRE(hits.size() == 1);
        CHECK(hits[0].evidence["blocked"] == nlohmann::json::array({"GMAIL"}));
        CHECK(at_least(hits[0], Severity::high));
        CHECK(hits[0].reason.find("is on the blocked list") != std::string::npos);
    }
    SUBCASE("outside the allowed list") {
        Tenant t;
        t.policy.allowed_connectors = {connector_key("SharePoint"), connector_key("Approvals")};
        auto alerts =
            t.feed(flow_record(kCreate, "a@contoso.com", "f1", "SharePoint, Salesforce", day(1)));
        auto hits = with_trigger(alerts, Trigger::unauthorized_connector);
        REQUIRE(hits.size() == 1);
        CHECK(hits[0].evidence["not_allowed"] == nlohmann::json::array({"Salesforce"}));
        CHECK(at_least(hits[0], Severity::medium));
    }
    SUBCASE("allowed connectors raise nothing") {
        Tenant t;
        t.policy.allowed_connectors = {connector_key("SharePoint")};
        auto alerts = t.feed(flow_record(kCreate, "a@contoso.com", "f1", "sharepoint", day(1)));
        CHECK(with_trigger(alerts, Trigger::unauthorized_connector).empty());
    }
    SUBCASE("a blocked connector already in the flow does not alert again on each edit") {
        Tenant t;
        t.policy.blocked_connectors = {connector_key("FTP")};
        CHECK(t.feed(flow_record(kCreate, "a@contoso.com", "f1", "FTP", day(1))).size() == 1);
        auto again = t.feed(flow_record(kEdit, "a@contoso.com", "f1", "FTP", day(2)));
        CHECK(with_trigger(again, Trigger::unauthorized_connector).empty());
    }
}

TEST_CASE("an edit of another user's flow without a grant is cross_user_modification") {
    Tenant t;
    t.build_history();

    auto alerts = t.feed(flow_record(kEdit, "maker9@contoso.com", "flow-maker2@contoso.com",
                                     "Office 365 Outlook, SharePoint, Approvals, HTTP", day(22)));

    auto hits = with_trigger(alerts, Trigger::cross_user_modification);
    REQUIRE(hits.size() == 1);
    CHECK(at_least(hits[0], Severity::high));
    CHECK(hits[0].evidence["creator"] == "maker2@contoso.com");
    CHECK(hits[0].evidence["connectors_added"] == nlohmann::json::array({"HTTP"}));
    CHECK(hits[0].reason.find("created by maker2@contoso.com") != std::string::npos);
    CHECK(hits[0].reason.find("before: Office 365 Outlook, SharePoint, Approvals; after: Office "
                              "365 Outlook, SharePoint, Approvals, HTTP") != std::string::npos);
}

TEST_CASE("a co-owner granted by the flow's owner edits without alerting") {
    Tenant t;
    t.build_history();
    t.feed(permission_record(kGrant, "maker2@contoso.com", "flow-maker2@contoso.com",
                             "maker9@contoso.com", kPermissionOwner, day(20)));

    auto alerts = t.feed(flow_record(kEdit, "maker9@contoso.com", "flow-maker2@contoso.com",
                                     "Office 365 Outlook, SharePoint, Approvals", day(22)));
    CHECK(with_trigger(alerts, Trigger::cross_user_modification).empty());

    auto deleted =
        t.feed(flow_record(kDelete, "maker9@contoso.com", "flow-maker2@contoso.com", "", day(23)));
    CHECK(with_trigger(deleted, Trigger::cross_user_modification).empty());
}

TEST_CASE("a run-only grant does not cover an edit") {
    Tenant t;
    t.build_history();
    t.feed(permission_record(kGrant, "maker2@contoso.com", "flow-maker2@contoso.com",
                             "maker9@contoso.com", kPermissionRunOnly, day(20)));

    auto alerts = t.feed(flow_record(kEdit, "maker9@contoso.com", "flow-maker2@contoso.com",
                                     "Office 365 Outlook, SharePoint, Approvals", day(22)));
    CHECK(with_trigger(alerts, Trigger::cross_user_modification).size() == 1);
}

TEST_CASE(
    "granting oneself ownership of another user's flow scores higher, and so does the edit after "
    "it") {
    Tenant t;
    t.build_history();
    auto plain = t.feed(flow_record(kEdit, "maker8@contoso.com", "flow-maker1@contoso.com",
                                    "Office 365 Outlook, SharePoint, Approvals", day(21)));
    auto grant = t.feed(permission_record(kGrant, "maker9@contoso.com", "flow-maker2@contoso.com",
                                          "maker9@contoso.com", kPermissionOwner, day(21)));
    auto edit = t.feed(flow_record(kEdit, "maker9@contoso.com", "flow-maker2@contoso.com",
                                   "Office 365 Outlook, SharePoint, Approvals", day(21, 5)));

    auto plain_hit = with_trigger(plain, Trigger::cross_user_modification);
    auto grant_hit = with_trigger(grant, Trigger::cross_user_modification);
    auto edit_hit = with_trigger(edit, Trigger::cross_user_modification);
    REQUIRE(plain_hit.size() == 1);
    REQUIRE(grant_hit.size() == 1);
    REQUIRE(edit_hit.size() == 1);
    CHECK(grant_hit[0].evidence["self_grant"] == true);
    CHECK(edit_hit[0].evidence["self_grant"] == true);
    CHECK(grant_hit[0].score > plain_hit[0].score);
    CHECK(edit_hit[0].score > plain_hit[0].score);
    CHECK(edit_hit[0].reason.find("granted ownership to themselves") != std::string::npos);
}

TEST_CASE("admin rights raise a cross-user score; an uncertain creator lowers it") {
    Tenant t;
    t.build_history();
    auto as_user = flow_record(kEdit, "maker8@contoso.com", "flow-maker1@contoso.com",
                               "Office 365 Outlook, SharePoint, Approvals", day(21));
    auto as_admin = flow_record(kEdit, "maker8@contoso.com", "flow-maker3@contoso.com",
                                "Office 365 Outlook, SharePoint, Approvals", day(21));
    as_admin.user_type_initiated = kInitiatedByAdmin;
    // A flow first seen through an edit: its creator is a guess.
    t.feed(flow_record(kEdit, "maker4@contoso.com", "old-flow", "SharePoint", day(15)));
    auto uncertain = flow_record(kEdit, "maker8@contoso.com", "old-flow", "SharePoint", day(21));

    auto user_hit = with_trigger(t.feed(as_user), Trigger::cross_user_modification);
    auto admin_hit = with_trigger(t.feed(as_admin), Trigger::cross_user_modification);
    auto uncertain_hit = with_trigger(t.feed(uncertain), Trigger::cross_user_modification);
    REQUIRE(user_hit.size() == 1);
    REQUIRE(admin_hit.size() == 1);
    REQUIRE(uncertain_hit.size() == 1);
    CHECK(admin_hit[0].score > user_hit[0].score);
    CHECK(uncertain_hit[0].score < user_hit[0].score);
    CHECK(uncertain_hit[0].evidence["creator_certain"] == false);
}

TEST_CASE("a new maker with everyday connectors stays low; with rare risky ones it is abnormal") {
    Tenant t;
    t.build_history();

    auto everyday = t.feed(
        flow_record(kCreate, "newbie@contoso.com", "n1", "Office 365 Outlook, Approvals", day(22)));
    for (const auto& a : everyday) {
        CHECK(a.severity == Severity::low);
    }

    auto risky = t.feed(
        flow_record(kCreate, "intruder@contoso.com", "n2", "Office 365 Outlook, Gmail", day(22)));
    auto hits = with_trigger(risky, Trigger::abnormal_activity);
    REQUIRE(hits.size() == 1);
    CHECK(at_least(hits[0], Severity::high));
    CHECK(hits[0].evidence["pattern"] == "new_maker");
    // newbie's flow made them the environment's 21st maker.
    CHECK(hits[0].reason.find("first flow ever made by this user uses Gmail, used by 0 of 21 "
                              "makers in this environment") != std::string::npos);
}

TEST_CASE("a burst of creations far above the user's and the tenant's rate alerts once") {
    Tenant t;
    t.build_history();

    std::vector<Alert> bursts;
    for (int i = 0; i < 30; ++i) {
        auto alerts = t.feed(flow_record(kCreate, "maker4@contoso.com", fmt::format("burst-{}", i),
                                         "SharePoint", day(23, 2 * i)));
        for (auto& a : alerts) {
            if (a.trigger == Trigger::abnormal_activity) {
                bursts.push_back(a);
            }
        }
    }

    REQUIRE(bursts.size() == 1);
    CHECK(bursts[0].evidence["pattern"] == "burst");
    CHECK(bursts[0].evidence["count"] == 10);
    CHECK(bursts[0].evidence["threshold"] == 10);
    CHECK(bursts[0].reason.find("10 flow creations in 60 minutes") != std::string::npos);
}

TEST_CASE("a burst delivered late is judged in its own window within a day, and not beyond it") {
    const auto late_burst = [](int newest_day, int newest_minute) {
        Tenant t;
        t.build_history();
        t.feed(flow_record(kCreate, "maker4@contoso.com", "newer", "SharePoint",
                           day(newest_day, newest_minute)));
        std::vector<Alert> bursts;
        for (int i = 0; i < 30; ++i) {
            auto alerts =
                t.feed(flow_record(kCreate, "maker4@contoso.com", fmt::format("late-{}", i),
                                   "SharePoint", day(24, 2 * i)));
            auto found = with_trigger(alerts, Trigger::abnormal_activity);
            bursts.insert(bursts.end(), found.begin(), found.end());
        }
        const auto user = t.store.user(std::string(test::kTenant), "maker4@contoso.com");
        REQUIRE(user.has_value());
        CHECK(user->activity.events.at(static_cast<std::size_t>(ActivityKind::creation)) == 32);
        return bursts;
    };
    // Ten hours after the burst was made: it lands in its own buckets and is seen.
    const auto within = late_burst(24, 600);
    REQUIRE(within.size() == 1);
    CHECK(within[0].evidence["count"] == 10);
    // Two days after: its buckets are no longer kept; it counts, but in no window.
    CHECK(late_burst(26, 0).empty());
}

TEST_CASE("activity at the user's usual pace is not a burst") {
    Tenant t;
    t.build_history();
    for (int i = 0; i < 9; ++i) {
        auto alerts = t.feed(flow_record(kCreate, "maker4@contoso.com", fmt::format("calm-{}", i),
                                         "SharePoint", day(23, 5 * i)));
        CHECK(with_trigger(alerts, Trigger::abnormal_activity).empty());
    }
}

TEST_CASE("authorized users raise nothing but still feed the baselines") {
    Tenant t;
    t.policy.authorized_users = {"it-admin@contoso.com"};
    t.policy.blocked_connectors = {connector_key("FTP")};
    t.build_history();

    auto alerts =
        t.feed(flow_record(kEdit, "it-admin@contoso.com", "flow-maker1@contoso.com",
                           "Office 365 Outlook, SharePoint, Approvals, FTP, HTTP", day(22)));
    CHECK(alerts.empty());

    auto tenant_http =
        t.store.scope_connector(std::string(test::kTenant), "", connector_key("HTTP"));
    REQUIRE(tenant_http.has_value());
    CHECK(tenant_http->makers == 2);
    CHECK(t.store.flow(std::string(test::kTenant), "flow-maker1@contoso.com")->last_actor ==
          "it-admin@contoso.com");
}

TEST_CASE("baselines count distinct makers and flows per connector and environment") {
    Tenant t;
    t.build_history();
    auto tenant = std::string(test::kTenant);

    auto outlook = t.store.scope_connector(tenant, std::string(test::kEnvironment),
                                           connector_key("office 365 outlook"));
    REQUIRE(outlook.has_value());
    CHECK(outlook->makers == 20);
    CHECK(outlook->flows == 20);
    CHECK(outlook->display == "Office 365 Outlook");
    CHECK(t.store.environment(tenant, std::string(test::kEnvironment))->makers == 20);
    CHECK(t.store.tenant(tenant)->makers == 20);
    CHECK(t.store.tenant(tenant)->records == 40);

    const auto maker0 = t.store.user(tenant, "maker0@contoso.com");
    REQUIRE(maker0.has_value());
    const auto* mine = maker0->connector(connector_key("HTTP"));
    REQUIRE(mine != nullptr);
    CHECK(mine->flows == 1);
    CHECK(mine->events == 2);
    auto flow = t.store.flow(tenant, "flow-maker0@contoso.com");
    REQUIRE(flow.has_value());
    CHECK(flow->creator == "maker0@contoso.com");
    CHECK(flow->creator_certain);
    CHECK(flow->connectors.size() == 3);
}

TEST_CASE("a record is evaluated once, and a replay of the same input emits nothing new") {
    Tenant t;
    t.policy.blocked_connectors = {connector_key("FTP")};
    std::vector<FlowRecord> unit = {
        flow_record(kCreate, "a@contoso.com", "f1", "FTP", day(1)),
        flow_record(kCreate, "b@contoso.com", "f2", "FTP", day(1)),
    };
    unit.push_back(unit[0]);  // Microsoft documents duplicate deliveries.
    Pipeline pipeline(t.store, t.policy);

    auto first = pipeline.process_unit(unit);
    REQUIRE(first.has_value());
    CHECK(first->counts.evaluated == 2);
    CHECK(first->counts.duplicates == 1);
    CHECK(first->emitted.size() == 2);

    auto second = pipeline.process_unit(unit);
    REQUIRE(second.has_value());
    CHECK(second->counts.evaluated == 0);
    CHECK(second->counts.duplicates == 3);
    CHECK(second->emitted.empty());
}

TEST_CASE("the same input gives the same alert ids in a fresh store") {
    auto run = [] {
        Tenant t;
        t.policy.blocked_connectors = {connector_key("FTP")};
        auto record = flow_record(kCreate, "a@contoso.com", "f1", "FTP", day(1));
        record.id = "fixed-id";
        return t.feed(record).at(0).id;
    };
    auto id = run();
    CHECK(id.size() == 32);
    CHECK(id == run());
}

TEST_CASE("alerts below min_severity are stored but not emitted") {
    Tenant t;
    t.policy.min_severity = Severity::critical;
    t.policy.blocked_connectors = {connector_key("Salesforce")};

    auto emitted = t.feed(flow_record(kCreate, "a@contoso.com", "f1", "Salesforce", day(1)));

    CHECK(emitted.empty());
    auto stored = t.store.recent_alerts(0, 10);
    REQUIRE(stored.size() == 1);
    CHECK_FALSE(stored[0].emitted);
    CHECK(stored[0].alert.trigger == Trigger::unauthorized_connector);
}

TEST_CASE("one edit logged as two records makes one cross-user alert") {
    Tenant t;
    t.build_history();
    auto first = flow_record(kEdit, "maker9@contoso.com", "flow-maker2@contoso.com",
                             "Office 365 Outlook, SharePoint, Approvals", day(22));
    auto second = first;
    second.id = "another-record-of-the-same-action";

    auto alerts = t.feed(first);
    auto again = t.feed(second);

    CHECK(with_trigger(alerts, Trigger::cross_user_modification).size() == 1);
    CHECK(with_trigger(again, Trigger::cross_user_modification).empty());
}

TEST_CASE("the rarer a connector new to a user, the higher its unusual_connector score") {
    Tenant rare;
    rare.build_history(20, 1);
    Tenant common;
    common.build_history(20, 15);

    auto edit = flow_record(kCreate, "maker19@contoso.com", "new", "SharePoint, HTTP", day(21));
    auto rare_hit = with_trigger(rare.feed(edit), Trigger::unusual_connector);
    auto common_hit = with_trigger(common.feed(edit), Trigger::unusual_connector);

    REQUIRE(rare_hit.size() == 1);
    REQUIRE(common_hit.size() == 1);
    CHECK(rare_hit[0].score > common_hit[0].score);
    CHECK(rare_hit[0].reason.find("used by 1 of 20 makers") != std::string::npos);
    CHECK(common_hit[0].reason.find("used by 15 of 20 makers") != std::string::npos);
    CHECK(rare_hit[0].evidence["unusual_connectors"][0]["environment_makers_using"] == 1);
}

TEST_CASE("a connector the user already uses in another flow is not unusual for them") {
    Tenant t;
    t.build_history();

    auto alerts =
        t.feed(flow_record(kCreate, "maker0@contoso.com", "second", "SharePoint, HTTP", day(21)));

    CHECK(with_trigger(alerts, Trigger::unusual_connector).empty());
}

TEST_CASE("unauthorized_connector alerts during learning, on the first record of a tenant") {
    Tenant t;
    t.policy.blocked_connectors = {connector_key("HTTP")};

    auto alerts = t.feed(flow_record(kCreate, "a@contoso.com", "f1", "HTTP", day(0)));

    auto hits = with_trigger(alerts, Trigger::unauthorized_connector);
    REQUIRE(hits.size() == 1);
    CHECK(hits[0].evidence["connectors_after"] == nlohmann::json::array({"HTTP"}));
}

TEST_CASE("a blocked connector added by an edit is reported with the flow before and after") {
    Tenant t;
    t.policy.blocked_connectors = {connector_key("Dropbox")};
    t.feed(flow_record(kCreate, "a@contoso.com", "f1", "SharePoint", day(1)));

    auto alerts = t.feed(flow_record(kEdit, "a@contoso.com", "f1", "SharePoint, Dropbox", day(2)));

    auto hits = with_trigger(alerts, Trigger::unauthorized_connector);
    REQUIRE(hits.size() == 1);
    CHECK(hits[0].evidence["connectors_before"] == nlohmann::json::array({"SharePoint"}));
    CHECK(hits[0].evidence["blocked"] == nlohmann::json::array({"Dropbox"}));
    CHECK(hits[0].reason.find("added connector Dropbox") != std::string::npos);
}

TEST_CASE("a co-owner whose grant was deleted is cross-user again") {
    Tenant t;
    t.build_history();
    t.feed(permission_record(kGrant, "maker2@contoso.com", "flow-maker2@contoso.com",
                             "maker9@contoso.com", kPermissionOwner, day(20)));
    t.feed(permission_record(FlowOperation::delete_permissions, "maker2@contoso.com",
                             "flow-maker2@contoso.com", "maker9@contoso.com", kPermissionOwner,
                             day(21)));

    auto alerts = t.feed(flow_record(kEdit, "maker9@contoso.com", "flow-maker2@contoso.com",
                                     "Office 365 Outlook, SharePoint, Approvals", day(22)));

    CHECK(with_trigger(alerts, Trigger::cross_user_modification).size() == 1);
}

TEST_CASE("a deletion or a permission change of another user's flow is cross-user too") {
    Tenant t;
    t.build_history();

    auto deleted =
        t.feed(flow_record(kDelete, "maker9@contoso.com", "flow-maker3@contoso.com", "", day(22)));
    auto shared = t.feed(permission_record(kGrant, "maker9@contoso.com", "flow-maker4@contoso.com",
                                           "outsider@fabrikam.com", kPermissionOwner, day(22)));

    auto delete_hit = with_trigger(deleted, Trigger::cross_user_modification);
    auto share_hit = with_trigger(shared, Trigger::cross_user_modification);
    REQUIRE(delete_hit.size() == 1);
    REQUIRE(share_hit.size() == 1);
    CHECK(delete_hit[0].reason.find("deleted a flow created by maker3@contoso.com") !=
          std::string::npos);
    CHECK(share_hit[0].evidence["recipient"] == "outsider@fabrikam.com");
    CHECK(share_hit[0].evidence["self_grant"] == false);
}

TEST_CASE("an edit that adds connectors to another user's flow scores above one that does not") {
    Tenant t;
    t.build_history();
    auto same = t.feed(flow_record(kEdit, "maker9@contoso.com", "flow-maker2@contoso.com",
                                   "Office 365 Outlook, SharePoint, Approvals", day(22)));
    auto added = t.feed(flow_record(kEdit, "maker8@contoso.com", "flow-maker3@contoso.com",
                                    "Office 365 Outlook, SharePoint, Approvals, Dropbox", day(22)));

    auto same_hit = with_trigger(same, Trigger::cross_user_modification);
    auto added_hit = with_trigger(added, Trigger::cross_user_modification);
    REQUIRE(same_hit.size() == 1);
    REQUIRE(added_hit.size() == 1);
    CHECK(added_hit[0].score > same_hit[0].score);
    CHECK(same_hit[0].evidence["connectors_added"].empty());
    CHECK(added_hit[0].evidence["connectors_before"] ==
          nlohmann::json::array({"Office 365 Outlook", "SharePoint", "Approvals"}));
}

TEST_CASE("a first flow with a connector no other maker uses is abnormal, not only low") {
    Tenant t;
    t.build_history();

    auto alerts =
        t.feed(flow_record(kCreate, "newbie@contoso.com", "n1", "SharePoint, Salesforce", day(22)));

    auto hits = with_trigger(alerts, Trigger::abnormal_activity);
    REQUIRE(hits.size() == 1);
    CHECK(at_least(hits[0], Severity::medium));
    CHECK(hits[0].evidence["riskiest_connector"] == "Salesforce");
    CHECK(hits[0].reason.find("uses Salesforce, used by 0 of 20 makers") != std::string::npos);
}

TEST_CASE("a first flow with a connector many makers use stays low") {
    Tenant t;
    t.build_history();
    for (int m = 0; m < 15; ++m) {
        auto user = fmt::format("maker{}@contoso.com", m);
        t.feed(flow_record(kEdit, user, "flow-" + user, "SharePoint, Salesforce", day(20, m)));
    }

    auto alerts =
        t.feed(flow_record(kCreate, "newbie@contoso.com", "n1", "SharePoint, Salesforce", day(22)));

    for (const auto& a : alerts) {
        CHECK(a.severity == Severity::low);
    }
    auto hits = with_trigger(alerts, Trigger::abnormal_activity);
    REQUIRE(hits.size() == 1);
    CHECK(hits[0].reason.find("with common connectors") != std::string::npos);
}

TEST_CASE("a user who habitually works in bursts is not alerted at their usual pace") {
    Tenant t;
    t.build_history();
    // An automation account: an hour a day at three creations every ten minutes.
    auto session = [&](int d) {
        std::vector<Alert> out;
        for (int i = 0; i < 18; ++i) {
            auto alerts =
                t.feed(flow_record(kCreate, "robot@contoso.com", fmt::format("robot-{}-{}", d, i),
                                   "SharePoint", day(d, 60 + 3 * i + (i % 3))));
            auto bursts = with_trigger(alerts, Trigger::abnormal_activity);
            out.insert(out.end(), bursts.begin(), bursts.end());
        }
        return out;
    };
    for (int d = 15; d < 20; ++d) {
        session(d);
    }

    auto usual = session(22);
    CHECK(usual.empty());

    std::vector<Alert> burst;
    for (int i = 0; i < 40; ++i) {
        auto alerts = t.feed(flow_record(kCreate, "robot@contoso.com", fmt::format("rush-{}", i),
                                         "SharePoint", day(24, 60)));
        auto hits = with_trigger(alerts, Trigger::abnormal_activity);
        burst.insert(burst.end(), hits.begin(), hits.end());
    }
    REQUIRE(burst.size() == 1);
    CHECK(burst[0].evidence["user_usual_per_bucket"] == 3.0);
}

TEST_CASE("a newcomer's burst is judged against the tenant's usual rate") {
    // An hour at three creations every ten minutes by someone with no history of their own.
    auto newcomer_hour = [](Tenant& t) {
        std::vector<Alert> out;
        for (int i = 0; i < 18; ++i) {
            auto alerts =
                t.feed(flow_record(kCreate, "fresh@contoso.com", fmt::format("fresh-{}", i),
                                   "SharePoint", day(22, 60 + 3 * i + (i % 3))));
            for (const auto& a : with_trigger(alerts, Trigger::abnormal_activity)) {
                if (a.evidence["pattern"] == "burst") {
                    out.push_back(a);
                }
            }
        }
        return out;
    };

    Tenant quiet;
    quiet.build_history();
    Tenant busy;
    busy.build_history();
    for (int r = 0; r < 10; ++r) {
        for (int d = 15; d < 20; ++d) {
            for (int i = 0; i < 18; ++i) {
                busy.feed(flow_record(kCreate, fmt::format("robot{}@contoso.com", r),
                                      fmt::format("robot{}-{}-{}", r, d, i), "SharePoint",
                                      day(d, 60 + 3 * i + (i % 3))));
            }
        }
    }

    auto in_quiet = newcomer_hour(quiet);
    auto in_busy = newcomer_hour(busy);

    REQUIRE(in_quiet.size() == 1);
    CHECK(in_quiet[0].evidence["user_history_events"] == 0);
    CHECK(in_busy.empty());
}

TEST_CASE("each tenant learns from its own first record") {
    Tenant t;
    t.build_history();
    auto late = flow_record(kCreate, "maker5@contoso.com", "other-tenant-flow", "HTTP", day(30));
    late.tenant = "9e8d7c6b-0000-4000-8000-000000000001";
    t.feed(late);
    auto next = late;
    next.id = "second-record-of-the-late-tenant";
    next.flow_id = "other-tenant-flow-2";
    next.connectors = split_connectors("Dropbox, Office 365 Outlook");
    next.time = day(31);

    CHECK(t.feed(next).empty());
}

TEST_CASE("an alert's JSON carries every field the detection promises") {
    Tenant t;
    t.build_history();
    auto record =
        flow_record(kCreate, "maker5@contoso.com", "exfil-1", "Office 365 Outlook, HTTP", day(21));
    auto alerts = with_trigger(t.feed(record), Trigger::unusual_connector);
    REQUIRE(alerts.size() == 1);

    const nlohmann::json j = to_json(alerts[0]);

    CHECK(j["id"].get<std::string>().size() == 32);
    CHECK(j["detection"] == "M365 Suspect Power Automate Activity");
    CHECK(j["trigger"] == "unusual_connector");
    CHECK(j["severity"] == severity_name(severity_for_score(j["score"].get<int>())));
    CHECK(j["score"].get<int>() >= 0);
    CHECK(j["score"].get<int>() <= 100);
    CHECK(j["tenant"] == test::kTenant);
    CHECK(j["user"] == "maker5@contoso.com");
    CHECK(j["time"] == "2025-03-24T00:00:00Z");
    CHECK(j["flow_id"] == "exfil-1");
    CHECK(j["environment"] == test::kEnvironment);
    CHECK(j["connectors"] == nlohmann::json::array({"Office 365 Outlook", "HTTP"}));
    CHECK(j["record_ids"] == nlohmann::json::array({record.id}));
    CHECK(j["reason"].get<std::string>().find("1 of 20 makers") != std::string::npos);
    CHECK(j["evidence"].is_object());
    CHECK_FALSE(j["evidence"].empty());
}

TEST_CASE("an alert at min_severity is emitted, one just below is not") {
    Tenant t;
    t.policy.blocked_connectors = {connector_key("Salesforce"), connector_key("HTTP")};
    t.policy.min_severity = Severity::high;

    // Blocked and risky scores 85 (critical); blocked alone 70 (high).
    auto risky = t.feed(flow_record(kCreate, "a@contoso.com", "f1", "HTTP", day(1)));
    auto plain = t.feed(flow_record(kCreate, "a@contoso.com", "f2", "Salesforce", day(1)));
    t.policy.min_severity = Severity::critical;
    auto below = t.feed(flow_record(kCreate, "b@contoso.com", "f3", "Salesforce", day(1)));

    CHECK(risky.size() == 1);
    REQUIRE(plain.size() == 1);
    CHECK(plain[0].severity == Severity::high);
    CHECK(below.empty());
}

}  // namespace flowwatch
