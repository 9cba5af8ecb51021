/// End-to-end: the real `flowwatch run` binary stopped by SIGTERM in the middle of a cycle and
/// started again, an output that is down and comes back, and SIGHUP after logrotate moved the
/// alert file. Across all of it every alert arrives exactly once.

#include <doctest/doctest.h>

#include <csignal>
#include <filesystem>
#include <map>
#include <regex>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "tests/agent/test_output_support.h"
#include "tests/e2e/test_run_daemon.h"

using namespace flowwatch;
using namespace flowwatch::run_testing;

namespace {

/// Every record of `corpus` raised its alert, and each alert is in `lines` exactly once.
void check_exactly_once(const Corpus& corpus, const std::vector<nlohmann::json>& lines) {
    const auto counts = alert_id_counts(lines);
    CHECK(counts.size() == corpus.record_ids.size());
    for (const auto& [id, count] : counts) {
        CAPTURE(id);
        CHECK(count == 1);
    }
    CHECK(alerted_records(lines) == corpus.record_ids);
}

/// The tenant's counter `key` in the running agent's status, 0 when it cannot be had.
std::uint64_t tenant_counter(const RunFixture& f, const char* key) {
    const auto status = f.status();
    if (!status.is_object() || status["tenants"].empty()) {
        return 0;
    }
    return status["tenants"][0][key].get<std::uint64_t>();
}

}  // namespace

TEST_CASE("SIGTERM in the middle of a cycle and a restart lose and duplicate no alert") {
    RunFixture f;
    const Corpus corpus = make_corpus(16, 2, system_now());
    f.add(corpus);
    // Slow blobs stretch the first cycle so the stop lands inside it.
    f.sim->faults().next({.kind = simtenant::FaultKind::slow_answer,
                          .on = simtenant::RequestKind::blob,
                          .delay = std::chrono::milliseconds(250)},
                         16);

    auto first = f.start();
    REQUIRE_MESSAGE(eventually([&] { return json_lines(f.alerts_file()).size() >= 4; }),
                    "no alert arrived; stderr:\n", first->err());
    first->signal(SIGTERM);
    const auto stopped = first->wait_exit(30s);
    REQUIRE(stopped.has_value());
    CHECK(*stopped == 0);
    const auto after_stop = json_lines(f.alerts_file()).size();
    INFO("alerts before the restart: ", after_stop);
    // The stop came before the cycle had committed every blob.
    CHECK(after_stop < corpus.record_ids.size());
    CHECK(first->err().find("stopping") != std::string::npos);

    f.sim->faults().clear();
    auto second = f.start();
    REQUIRE_MESSAGE(
        eventually([&] { return json_lines(f.alerts_file()).size() >= corpus.record_ids.size(); }),
        "the restart did not catch up; stderr:\n", second->err());
    // Two more finished cycles: anything it would send twice has had its chance.
    const auto cycles = tenant_counter(f, "cycles");
    REQUIRE(eventually([&] { return tenant_counter(f, "cycles") >= cycles + 2; }));
    second->signal(SIGTERM);
    REQUIRE(second->wait_exit(30s) == 0);

    check_exactly_once(corpus, json_lines(f.alerts_file()));
}

TEST_CASE("after a restart the status knows the lag before anything new is committed") {
    RunFixture f;
    const Corpus corpus = make_corpus(3, 1, system_now());
    f.add(corpus);
    auto first = f.start();
    REQUIRE(eventually([&] { return json_lines(f.alerts_file()).size() == 3; }));
    first->signal(SIGTERM);
    REQUIRE(first->wait_exit(30s) == 0);

    auto second = f.start();
    REQUIRE(eventually([&] { return f.status().is_object(); }));
    const auto tenant = f.status()["tenants"][0];
    // Nothing is left to commit, so the lag can only come from what the first run committed.
    CHECK(tenant["blobs"] == 0);
    REQUIRE(tenant["lag_seconds"].is_number());
    CHECK(tenant["lag_seconds"].get<std::int64_t>() >= 0);
    second->signal(SIGTERM);
    REQUIRE(second->wait_exit(30s) == 0);
}

TEST_CASE("a webhook that answers 503 gets every alert once after it comes back") {
    agent::output_testing::HttpPeer webhook;
    webhook.retry_after = "1";
    webhook.status = 503;
    RunFixture f(RunSetup{
        .outputs = {{{"type", "webhook"}, {"url", webhook.url("/hook")}, {"timeout_seconds", 5}}},
        .status_token = true});
    const Corpus corpus = make_corpus(6, 2, system_now());
    f.add(corpus);
    auto agent = f.start();

    // Polling and the file output go on while the webhook fails.
    REQUIRE(
        eventually([&] { return json_lines(f.alerts_file()).size() == corpus.record_ids.size(); }));
    REQUIRE(eventually([&] { return !webhook.requests().empty(); }));

    webhook.status = 200;
    auto delivered = [&] {
        std::vector<nlohmann::json> lines;
        for (const auto& request : webhook.requests()) {
            if (request.answered == 200) {
                lines.push_back(nlohmann::json::parse(request.body));
            }
        }
        return lines;
    };
    REQUIRE_MESSAGE(eventually([&] { return delivered().size() >= corpus.record_ids.size(); }),
                    "the webhook did not catch up; stderr:\n", agent->err());
    const auto cycles = tenant_counter(f, "cycles");
    REQUIRE(eventually([&] { return tenant_counter(f, "cycles") >= cycles + 2; }));
    agent->signal(SIGTERM);
    REQUIRE(agent->wait_exit(30s) == 0);

    check_exactly_once(corpus, delivered());
    const auto failed = webhook.requests().size() - delivered().size();
    CHECK(failed >= 1);
}

TEST_CASE("after logrotate moves the alert file, SIGHUP has the agent write a fresh one") {
    RunFixture f;
    const Corpus before = make_corpus(3, 1, system_now(), "a");
    f.add(before);
    auto agent = f.start();
    REQUIRE(eventually([&] { return json_lines(f.alerts_file()).size() == 3; }));

    const auto rotated = f.dir.path() / "alerts.jsonl.1";
    std::filesystem::rename(f.alerts_file(), rotated);
    agent->signal(SIGHUP);
    REQUIRE(agent->wait_for_err(std::regex("daemon: reopening the outputs")));
    REQUIRE(eventually([&] { return std::filesystem::exists(f.alerts_file()); }));

    // Made available just now: inside the window the next cycle lists.
    const Corpus after = make_corpus(2, 1, system_now(), "b", std::chrono::seconds(30));
    f.add(after);
    REQUIRE_MESSAGE(eventually([&] { return json_lines(f.alerts_file()).size() == 2; }),
                    "no alert in the fresh file; stderr:\n", agent->err());
    agent->signal(SIGTERM);
    REQUIRE(agent->wait_exit(30s) == 0);

    check_exactly_once(before, json_lines(rotated));
    check_exactly_once(after, json_lines(f.alerts_file()));
}
