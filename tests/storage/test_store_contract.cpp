// The contract every store keeps, run against the SQLite store and the in-memory store alike.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "tests/storage/store_fixtures.h"
#include "tests/storage/store_probe.h"

namespace flowwatch::test {
namespace {

constexpr std::string_view kT = "tenant-a";
constexpr std::string_view kGeneral = "Audit.General";

ScopeConnectorBaseline sample_scope_connector() {
    return ScopeConnectorBaseline{"Office 365 Outlook", at_ms(33), at_ms(44), 5, 6};
}
EnvironmentBaseline sample_environment() {
    return EnvironmentBaseline{at_ms(55), at_ms(66), 7, 8};
}
ContentGap sample_gap(std::string tenant, std::string id) {
    return ContentGap{std::move(tenant), std::string(kGeneral), std::move(id),
                      at_ms(1000),       at_ms(2000),           "expired",
                      at_ms(3000)};
}

/// Asks whether a record is known, without changing anything.
template <typename S>
bool record_known(S& store, std::string_view id, std::int64_t time_ms) {
    store.begin_unit();
    const bool added = store.mark_record_seen(kT, id, at_ms(time_ms));
    store.rollback_unit();
    return !added;
}

/// Everything the script below can change, as text.
template <typename S>
std::string describe(S& s) {
    std::string out;
    out += show(s.tenant(kT)) + "\n" + show(s.user(kT, "u1")) + "\n";
    out += show(s.scope_connector(kT, "", "office 365 outlook")) + "\n";
    out += show(s.environment(kT, "env")) + "\n" + show(s.flow(kT, "f1")) + "\n";
    out += show(s.flow_owners(kT, "f0")) + show(s.flow_owners(kT, "f1")) + "\n";
    out += show(s.user(kT, "u0")) + "\n";
    out += fmt::format("seen {} {}\n", record_known(s, "r0", 10), record_known(s, "r1", 20));
    out += show(s.recent_alerts(0, 100)) + "\n";
    out += fmt::format("content {} {} newest {} cursor {} start {} delivered {}\n",
                       s.content_committed(kT, "c0"), s.content_committed(kT, "c1"),
                       show(s.newest_committed_content(kT)), show(s.cursor(kT, kGeneral)),
                       show(s.last_subscription_start(kT, kGeneral)), s.delivered_through("jsonl"));
    out += show(s.gaps(kT)) + "\n";
    return out;
}

/// What is committed before the script runs.
template <typename S>
void commit_setup(S& s) {
    s.begin_unit();
    s.put_tenant(kT, sample_tenant(1));
    s.put_flow_owner(kT, "f0", sample_owner("a", 3));
    s.put_user(kT, "u0", sample_user(1));
    s.mark_record_seen(kT, "r0", at_ms(10));
    s.insert_alert(sample_alert(0), true);
    s.mark_content_committed(kT, kGeneral, "c0", at_ms(100));
    s.put_delivered_through("jsonl", 1);
    s.commit_unit();
}

template <typename S>
using Step = std::function<void(S&)>;

/// One unit's worth of writes touching every table.
template <typename S>
std::vector<Step<S>> script() {
    return {
        [](S& s) { s.put_tenant(kT, sample_tenant(2)); },
        [](S& s) { s.put_user(kT, "u1", sample_user(3)); },
        [](S& s) { s.put_scope_connector(kT, "", "office 365 outlook", sample_scope_connector()); },
        [](S& s) { s.put_environment(kT, "env", sample_environment()); },
        [](S& s) { s.put_flow(kT, "f1", sample_flow(4)); },
        [](S& s) { s.put_flow_owner(kT, "f1", sample_owner("b", 2)); },
        [](S& s) { s.remove_flow_owner(kT, "f0", "a"); },
        [](S& s) {
            UserBaseline u0 = *s.user(kT, "u0");
            add_to_set(u0.environments, "env-late");
            s.put_user(kT, "u0", u0);
        },
        // A committed row changed in place, and rows written earlier in this unit.
        [](S& s) { s.edit_user(kT, "u0", UserBaseline{}).events += 5; },
        [](S& s) { s.edit_flow(kT, "f1", FlowState{}).last_actor = "editor"; },
        [](S& s) { s.edit_tenant(kT, TenantBaseline{}).records += 2; },
        [](S& s) { ++s.edit_environment(kT, "env", EnvironmentBaseline{}).makers; },
        [](S& s) {
            ++s.edit_scope_connector(kT, "", "office 365 outlook", ScopeConnectorBaseline{}).flows;
        },
        [](S& s) { s.mark_record_seen(kT, "r1", at_ms(20)); },
        [](S& s) { s.insert_alert(sample_alert(1), false); },
        [](S& s) { s.mark_content_committed(kT, kGeneral, "c1", at_ms(200)); },
        [](S& s) { s.prune_committed_content(kT, at_ms(150)); },
        [](S& s) { s.put_cursor(kT, kGeneral, at_ms(4000)); },
        [](S& s) { s.put_subscription_start(kT, kGeneral, at_ms(5000)); },
        [](S& s) { s.record_gap(sample_gap(std::string(kT), "c9")); },
        [](S& s) { s.put_delivered_through("jsonl", 2); },
        [](S& s) { s.put_tenant(kT, sample_tenant(3)); },
    };
}

}  // namespace

TEST_CASE_TEMPLATE("every baseline row reads back as written, also after re-opening", F,
                   SqliteFixture, MemoryFixture) {
    F f;
    auto& s = *f.store;
    s.begin_unit();
    s.put_tenant(kT, sample_tenant(4));
    s.put_user(kT, "u@x", sample_user(5));
    s.put_scope_connector(kT, "env", "http", sample_scope_connector());
    s.put_environment(kT, "env", sample_environment());
    s.put_flow(kT, "f", sample_flow(6));
    s.commit_unit();

    for (int pass = 0; pass < 2; ++pass) {
        CAPTURE(pass);
        auto& r = *f.store;
        CHECK(show(r.tenant(kT)) == show(sample_tenant(4)));
        CHECK(show(r.user(kT, "u@x")) == show(sample_user(5)));
        CHECK(show(r.scope_connector(kT, "env", "http")) == show(sample_scope_connector()));
        CHECK(show(r.environment(kT, "env")) == show(sample_environment()));
        CHECK(show(r.flow(kT, "f")) == show(sample_flow(6)));
        f.reopen();
    }
}

TEST_CASE_TEMPLATE("absent rows read as absent, empty or zero", F, SqliteFixture, MemoryFixture) {
    F f;
    auto& s = *f.store;
    commit_setup(s);

    CHECK_FALSE(s.tenant("other").has_value());
    CHECK_FALSE(s.user(kT, "nobody").has_value());
    CHECK(s.user(kT, "u0")->connector("ftp") == nullptr);
    CHECK_FALSE(s.scope_connector(kT, "", "ftp").has_value());
    CHECK_FALSE(s.environment(kT, "nowhere").has_value());
    CHECK_FALSE(s.flow(kT, "no-flow").has_value());
    CHECK(s.flow_owners(kT, "no-flow").empty());
    CHECK_FALSE(s.cursor(kT, "Audit.Exchange").has_value());
    CHECK_FALSE(s.last_subscription_start(kT, kGeneral).has_value());
    CHECK_FALSE(s.content_committed(kT, "c-unknown"));
    CHECK(s.newest_committed_content(kT) == at_ms(100));
    CHECK_FALSE(s.newest_committed_content("other").has_value());
    CHECK(s.gaps(kT).empty());
    CHECK(s.delivered_through("webhook") == 0);
    // A row of another tenant is not this tenant's row.
    CHECK_FALSE(s.tenant("tenant-b").has_value());
    CHECK(s.tenant(kT).has_value());
}

TEST_CASE_TEMPLATE("the sets kept inside rows come back whole, per tenant", F, SqliteFixture,
                   MemoryFixture) {
    F f;
    auto& s = *f.store;
    UserBaseline user = sample_user(1);
    user.environments = {"env-b", "env-a", ""};
    FlowState flow = sample_flow(2);
    flow.connector_history = {"shared_http", "shared_dropbox"};
    user.connectors.at(0).environments = {};
    s.begin_unit();
    s.put_user(kT, "u1", user);
    s.put_flow(kT, "f1", flow);
    s.commit_unit();
    f.reopen();

    auto& r = *f.store;
    CHECK(show(r.user(kT, "u1")) == show(user));
    CHECK(show(r.flow(kT, "f1")) == show(flow));
    CHECK(r.user(kT, "u1")->connector("http")->environments.empty());
    CHECK_FALSE(r.user("tenant-b", "u1").has_value());
    // Insertion order is kept, so a set reads back as it was written.
    CHECK(r.user(kT, "u1")->environments == std::vector<std::string>{"env-b", "env-a", ""});
}

TEST_CASE("add_to_set adds a value once") {
    std::vector<std::string> set;
    CHECK(add_to_set(set, "http"));
    CHECK(add_to_set(set, "ftp"));
    CHECK_FALSE(add_to_set(set, "http"));
    CHECK(set == std::vector<std::string>{"http", "ftp"});
}

TEST_CASE_TEMPLATE("flow owners are kept per user: put replaces, remove forgets", F, SqliteFixture,
                   MemoryFixture) {
    F f;
    auto& s = *f.store;
    s.begin_unit();
    s.put_flow_owner(kT, "f1", sample_owner("zoe", 3));
    s.put_flow_owner(kT, "f1", sample_owner("adam", 2));
    s.put_flow_owner(kT, "f2", sample_owner("zoe", 2));
    s.put_flow_owner(kT, "f1", sample_owner("zoe", 2));
    CHECK(show(s.flow_owners(kT, "f1")) ==
          show(std::vector{sample_owner("adam", 2), sample_owner("zoe", 2)}));
    s.commit_unit();
    f.reopen();

    auto& r = *f.store;
    CHECK(show(r.flow_owners(kT, "f1")) ==
          show(std::vector{sample_owner("adam", 2), sample_owner("zoe", 2)}));
    r.begin_unit();
    r.remove_flow_owner(kT, "f1", "adam");
    r.remove_flow_owner(kT, "f1", "nobody");
    r.commit_unit();
    f.reopen();
    CHECK(show(f.store->flow_owners(kT, "f1")) == show(std::vector{sample_owner("zoe", 2)}));
    CHECK(show(f.store->flow_owners(kT, "f2")) == show(std::vector{sample_owner("zoe", 2)}));
}

TEST_CASE_TEMPLATE("a rolled-back unit leaves nothing of itself, whatever step it stopped at", F,
                   SqliteFixture, MemoryFixture) {
    F f;
    auto& s = *f.store;
    commit_setup(s);
    const std::string before = describe(s);
    const auto steps = script<std::remove_reference_t<decltype(s)>>();

    // Stop after each number of steps in turn: the state is always the last commit's.
    for (std::size_t n = 0; n <= steps.size(); ++n) {
        CAPTURE(n);
        s.begin_unit();
        for (std::size_t i = 0; i < n; ++i) {
            steps[i](s);
        }
        s.rollback_unit();
        CHECK(describe(s) == before);
    }
    f.reopen();
    CHECK(describe(*f.store) == before);
}

TEST_CASE_TEMPLATE("a committed unit keeps all of itself, also after re-opening", F, SqliteFixture,
                   MemoryFixture) {
    F f;
    auto& s = *f.store;
    commit_setup(s);
    const std::string before = describe(s);
    s.begin_unit();
    for (const auto& step : script<std::remove_reference_t<decltype(s)>>()) {
        step(s);
    }
    s.commit_unit();
    const std::string after = describe(s);

    CHECK(after != before);
    CHECK(show(s.tenant(kT)) == show(sample_tenant(3)));
    CHECK(s.content_committed(kT, "c1"));
    CHECK_FALSE(s.content_committed(kT, "c0"));  // pruned in the unit
    CHECK(s.newest_committed_content(kT) == at_ms(200));
    CHECK(s.flow_owners(kT, "f0").empty());
    f.reopen();
    CHECK(describe(*f.store) == after);
}

TEST_CASE_TEMPLATE("a row edited in place is written at commit; an absent one starts as given", F,
                   SqliteFixture, MemoryFixture) {
    F f;
    auto& s = *f.store;
    commit_setup(s);
    s.begin_unit();
    UserBaseline& known = s.edit_user(kT, "u0", sample_user(7));
    CHECK(show(known) == show(sample_user(1)));  // the stored row, not the one for absence
    known.flows_created = 41;
    CHECK(s.find_user(kT, "u0")->flows_created == 41);  // the unit reads its own change
    FlowState& fresh = s.edit_flow(kT, "new-flow", sample_flow(2));
    CHECK(show(fresh) == show(sample_flow(2)));
    fresh.creator = "maker";
    // The same row again, already changed in this unit.
    s.edit_flow(kT, "new-flow", FlowState{}).connector_history.emplace_back("http");
    s.edit_tenant(kT, sample_tenant(5)).makers = 77;
    s.edit_environment(kT, "env-new", sample_environment()).flows = 3;
    s.edit_scope_connector(kT, "env-new", "http", sample_scope_connector()).makers = 4;
    s.commit_unit();
    f.reopen();
    auto& again = *f.store;

    UserBaseline user = sample_user(1);
    user.flows_created = 41;
    CHECK(show(again.user(kT, "u0")) == show(user));
    FlowState flow = sample_flow(2);
    flow.creator = "maker";
    flow.connector_history.emplace_back("http");
    CHECK(show(again.flow(kT, "new-flow")) == show(flow));
    TenantBaseline tenant = sample_tenant(1);
    tenant.makers = 77;
    CHECK(show(again.tenant(kT)) == show(tenant));
    EnvironmentBaseline environment = sample_environment();
    environment.flows = 3;
    CHECK(show(again.environment(kT, "env-new")) == show(environment));
    ScopeConnectorBaseline connector = sample_scope_connector();
    connector.makers = 4;
    CHECK(show(again.scope_connector(kT, "env-new", "http")) == show(connector));
    // A change in place has no unit to land in outside one.
    CHECK_THROWS(again.edit_user(kT, "u0", UserBaseline{}));
    CHECK_THROWS(again.edit_tenant(kT, TenantBaseline{}));
}

TEST_CASE_TEMPLATE("a rolled-back value gives way to the committed one it replaced", F,
                   SqliteFixture, MemoryFixture) {
    F f;
    auto& s = *f.store;
    commit_setup(s);
    s.begin_unit();
    s.put_tenant(kT, sample_tenant(8));
    CHECK(show(s.tenant(kT)) == show(sample_tenant(8)));  // a unit reads its own writes
    s.rollback_unit();
    CHECK(show(s.tenant(kT)) == show(sample_tenant(1)));

    s.begin_unit();
    CHECK(show(s.tenant(kT)) == show(sample_tenant(1)));
    s.put_tenant(kT, sample_tenant(9));
    s.commit_unit();
    CHECK(show(s.tenant(kT)) == show(sample_tenant(9)));
}

TEST_CASE_TEMPLATE("a record id is seen exactly once, across units and re-opening", F,
                   SqliteFixture, MemoryFixture) {
    F f;
    auto& s = *f.store;
    s.begin_unit();
    CHECK(s.mark_record_seen(kT, "r1", at_ms(5)));
    CHECK_FALSE(s.mark_record_seen(kT, "r1", at_ms(5)));
    CHECK(s.mark_record_seen("tenant-b", "r1", at_ms(5)));
    // A record is its id and its time: the same id at another time is another record.
    CHECK(s.mark_record_seen(kT, "r1", at_ms(7)));
    s.commit_unit();

    s.begin_unit();
    CHECK_FALSE(s.mark_record_seen(kT, "r1", at_ms(5)));
    CHECK(s.mark_record_seen(kT, "r2", at_ms(6)));
    s.rollback_unit();

    f.reopen();
    auto& r = *f.store;
    r.begin_unit();
    CHECK_FALSE(r.mark_record_seen(kT, "r1", at_ms(5)));
    CHECK(r.mark_record_seen(kT, "r2", at_ms(6)));  // its first marking was rolled back
    r.commit_unit();
}

TEST_CASE_TEMPLATE("seen record ids older than a time can be forgotten", F, SqliteFixture,
                   MemoryFixture) {
    F f;
    auto& s = *f.store;
    s.begin_unit();
    s.mark_record_seen(kT, "old", at_ms(100));
    s.mark_record_seen(kT, "new", at_ms(300));
    s.commit_unit();

    CHECK(f.prune_seen_records(at_ms(200)) == 1);
    s.begin_unit();
    CHECK(s.mark_record_seen(kT, "old", at_ms(100)));
    CHECK_FALSE(s.mark_record_seen(kT, "new", at_ms(300)));
    s.commit_unit();
}

TEST_CASE_TEMPLATE("an alert id is stored once and reads back whole", F, SqliteFixture,
                   MemoryFixture) {
    F f;
    auto& s = *f.store;
    s.begin_unit();
    CHECK(s.insert_alert(sample_alert(1), true));
    Alert same_id = sample_alert(2);
    same_id.id = sample_alert(1).id;
    CHECK_FALSE(s.insert_alert(same_id, false));
    s.commit_unit();
    f.reopen();

    auto& r = *f.store;
    CHECK_FALSE(r.insert_alert(sample_alert(1), true));
    const auto alerts = r.recent_alerts(0, 10);
    REQUIRE(alerts.size() == 1);
    CHECK(alerts[0].emitted);
    CHECK(alerts[0].sequence > 0);
    CHECK(to_json(alerts[0].alert) == to_json(sample_alert(1)));
}

TEST_CASE_TEMPLATE("recent alerts come newest first, above a sequence, at most a limit", F,
                   SqliteFixture, MemoryFixture) {
    F f;
    auto& s = *f.store;
    s.begin_unit();
    for (int n = 1; n <= 5; ++n) {
        s.insert_alert(sample_alert(n), n % 2 == 1);
    }
    s.commit_unit();

    const auto all = s.recent_alerts(0, 100);
    REQUIRE(all.size() == 5);
    for (std::size_t i = 0; i + 1 < all.size(); ++i) {
        CHECK(all[i].sequence > all[i + 1].sequence);
    }
    CHECK(all.front().alert.id == "alert-5");

    const auto newest_two = s.recent_alerts(0, 2);
    REQUIRE(newest_two.size() == 2);
    CHECK(newest_two[0].alert.id == "alert-5");
    CHECK(newest_two[1].alert.id == "alert-4");

    const auto above_third = s.recent_alerts(all[2].sequence, 100);
    REQUIRE(above_third.size() == 2);
    CHECK(above_third[1].alert.id == "alert-4");
    CHECK(s.recent_alerts(all[0].sequence, 100).empty());
    CHECK(s.recent_alerts(0, 0).empty());
}

TEST_CASE_TEMPLATE("emitted alerts come oldest first, emitted only, at most a limit", F,
                   SqliteFixture, MemoryFixture) {
    F f;
    auto& s = *f.store;
    s.begin_unit();
    for (int n = 1; n <= 6; ++n) {
        s.insert_alert(sample_alert(n), n != 3);
    }
    s.commit_unit();

    const auto emitted = s.emitted_alerts_after(0, 100);
    REQUIRE(emitted.size() == 5);
    CHECK(emitted[0].alert.id == "alert-1");
    CHECK(emitted[2].alert.id == "alert-4");
    for (const auto& stored : emitted) {
        CHECK(stored.emitted);
    }

    const auto page = s.emitted_alerts_after(emitted[0].sequence, 2);
    REQUIRE(page.size() == 2);
    CHECK(page[0].alert.id == "alert-2");
    CHECK(page[1].alert.id == "alert-4");
    CHECK(s.emitted_alerts_after(emitted.back().sequence, 100).empty());
}

TEST_CASE_TEMPLATE("alert sequences keep increasing after a rolled-back insert", F, SqliteFixture,
                   MemoryFixture) {
    F f;
    auto& s = *f.store;
    s.begin_unit();
    s.insert_alert(sample_alert(1), true);
    s.commit_unit();
    s.begin_unit();
    s.insert_alert(sample_alert(2), true);
    s.rollback_unit();
    s.begin_unit();
    s.insert_alert(sample_alert(3), true);
    s.commit_unit();

    const auto emitted = s.emitted_alerts_after(0, 10);
    REQUIRE(emitted.size() == 2);
    CHECK(emitted[0].alert.id == "alert-1");
    CHECK(emitted[1].alert.id == "alert-3");
    CHECK(emitted[1].sequence > emitted[0].sequence);
}

TEST_CASE_TEMPLATE("alerts are counted per tenant, trigger and severity", F, SqliteFixture,
                   MemoryFixture) {
    F f;
    auto& s = *f.store;
    s.begin_unit();
    s.insert_alert(sample_alert(1, "t1", Trigger::unusual_connector, Severity::high), true);
    s.insert_alert(sample_alert(2, "t1", Trigger::unusual_connector, Severity::high), false);
    s.insert_alert(sample_alert(3, "t1", Trigger::abnormal_activity, Severity::low), false);
    s.insert_alert(sample_alert(4, "t2", Trigger::unusual_connector, Severity::critical), true);
    s.commit_unit();

    const std::vector<storage::AlertCount> expected{
        {"t1", Trigger::unusual_connector, Severity::high, 2},
        {"t1", Trigger::abnormal_activity, Severity::low, 1},
        {"t2", Trigger::unusual_connector, Severity::critical, 1},
    };
    CHECK(f.alert_counts() == expected);
}

TEST_CASE_TEMPLATE("delivery cursors start at zero and keep each output's last value", F,
                   SqliteFixture, MemoryFixture) {
    F f;
    auto& s = *f.store;
    CHECK(s.delivered_through("jsonl") == 0);
    s.put_delivered_through("jsonl", 4);
    s.put_delivered_through("webhook", 2);
    s.put_delivered_through("jsonl", 9);
    f.reopen();
    CHECK(f.store->delivered_through("jsonl") == 9);
    CHECK(f.store->delivered_through("webhook") == 2);
    CHECK(f.store->delivered_through("syslog") == 0);
}

TEST_CASE_TEMPLATE("gaps are listed per tenant in the order recorded", F, SqliteFixture,
                   MemoryFixture) {
    F f;
    auto& s = *f.store;
    s.record_gap(sample_gap("t1", "c2"));
    s.record_gap(sample_gap("t2", "c1"));
    s.record_gap(sample_gap("t1", ""));
    f.reopen();

    const auto gaps = f.store->gaps("t1");
    CHECK(show(gaps) == show(std::vector{sample_gap("t1", "c2"), sample_gap("t1", "")}));
    CHECK(f.store->gaps("t2").size() == 1);
    CHECK(f.store->gaps("t3").empty());
}

TEST_CASE_TEMPLATE("listing cursors and subscription starts are kept per tenant and content type",
                   F, SqliteFixture, MemoryFixture) {
    F f;
    auto& s = *f.store;
    s.put_cursor("t1", kGeneral, at_ms(1000));
    s.put_cursor("t1", "Audit.Exchange", at_ms(2000));
    s.put_cursor("t1", kGeneral, at_ms(3000));
    s.put_subscription_start("t1", kGeneral, at_ms(500));
    s.put_subscription_start("t2", kGeneral, at_ms(600));
    f.reopen();

    auto& r = *f.store;
    CHECK(show(r.cursor("t1", kGeneral)) == "3000");
    CHECK(show(r.cursor("t1", "Audit.Exchange")) == "2000");
    CHECK_FALSE(r.cursor("t2", kGeneral).has_value());
    CHECK(show(r.last_subscription_start("t1", kGeneral)) == "500");
    CHECK(show(r.last_subscription_start("t2", kGeneral)) == "600");
    CHECK_FALSE(r.last_subscription_start("t1", "Audit.Exchange").has_value());
}

TEST_CASE_TEMPLATE("committed content is known per tenant and pruned by creation time", F,
                   SqliteFixture, MemoryFixture) {
    F f;
    auto& s = *f.store;
    s.begin_unit();
    s.mark_content_committed("t1", kGeneral, "old", at_ms(100));
    s.mark_content_committed("t1", kGeneral, "new", at_ms(300));
    s.mark_content_committed("t2", kGeneral, "old", at_ms(100));
    s.commit_unit();
    CHECK(s.content_committed("t1", "old"));
    CHECK_FALSE(s.content_committed("t3", "old"));

    s.prune_committed_content("t1", at_ms(200));
    f.reopen();
    CHECK_FALSE(f.store->content_committed("t1", "old"));
    CHECK(f.store->content_committed("t1", "new"));
    CHECK(f.store->content_committed("t2", "old"));
}

TEST_CASE("the SQLite and in-memory stores end a unit in the same state") {
    SqliteFixture sqlite;
    MemoryFixture memory;
    commit_setup(*sqlite.store);
    commit_setup(*memory.store);
    CHECK(describe(*sqlite.store) == describe(*memory.store));

    sqlite.store->begin_unit();
    memory.store->begin_unit();
    for (const auto& step : script<storage::SqliteStore>()) {
        step(*sqlite.store);
    }
    for (const auto& step : script<MemoryStore>()) {
        step(*memory.store);
    }
    sqlite.store->commit_unit();
    memory.store->commit_unit();
    CHECK(describe(*sqlite.store) == describe(*memory.store));
}

}  // namespace flowwatch::test
