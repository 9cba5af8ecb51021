/// End-to-end: the real `flowwatch once` binary against the simulated tenant over loopback HTTP
/// and HTTPS, through every transient fault, late content, clock skew, expired content and a
/// token that must stay home.

#include <doctest/doctest.h>

#include "tests/e2e/test_once_fixture.h"

using namespace flowwatch;
using namespace flowwatch::e2e;

TEST_CASE("once over HTTP evaluates every Power Automate record once; a second run adds nothing") {
    OnceFixture f;
    const Corpus corpus = make_corpus(8, 3, system_now());
    f.add(corpus);

    const OnceRun first = f.run();
    INFO(first.process.err);
    CHECK(first.process.exit_code == 0);
    const OnceRun second = f.run();
    INFO(second.process.err);
    CHECK(second.process.exit_code == 0);
    CHECK(second.alerts.empty());
    CHECK(second.evaluated == 0);
    check_exactly_once(corpus, {first, second});

    const simtenant::Stats stats = f.sim->stats();
    for (const auto& blob : corpus.blobs) {
        CHECK(stats.blob_downloads.at(blob.content_id) == 1);
    }
    CHECK_FALSE(stats.publisher_ids.empty());
    for (const auto& publisher : stats.publisher_ids) {
        CHECK(publisher == test::kTenant);
    }
    check_no_secret(first, *f.sim);
    check_no_secret(second, *f.sim);

    // Nor in the database, byte for byte (tokens included).
    std::string database;
    for (const auto& entry : std::filesystem::directory_iterator(f.dir.path())) {
        if (entry.path().filename().string().starts_with("flowwatch.db")) {
            database += read_file(entry.path());
        }
    }
    REQUIRE_FALSE(database.empty());
    CHECK(database.find(kSecret) == std::string::npos);
    for (const auto& header : stats.authorization_headers) {
        CHECK(database.find(header.substr(header.find(' ') + 1)) == std::string::npos);
    }
}

TEST_CASE("once over HTTPS trusts the simulated tenant through ca_file") {
    OnceFixture f(Setup{.https = true});
    const Corpus corpus = make_corpus(4, 2, system_now());
    f.add(corpus);
    const OnceRun run = f.run();
    INFO(run.process.err);
    CHECK(run.process.exit_code == 0);
    check_exactly_once(corpus, {run});
}

TEST_CASE("once over HTTPS logs in with a PS256 certificate assertion") {
    OnceFixture f(Setup{.https = true, .certificate = true});
    const Corpus corpus = make_corpus(3, 1, system_now());
    f.add(corpus);
    const OnceRun run = f.run();
    INFO(run.process.err);
    CHECK(run.process.exit_code == 0);
    CHECK(f.sim->stats().tokens_issued == 1);
    check_exactly_once(corpus, {run});
    CHECK(run.process.err.find("PRIVATE KEY") == std::string::npos);
}

TEST_CASE(
    "over HTTP and HTTPS once rides out each transient fault mid-window, evaluating all once") {
    const std::vector<FaultSpec> faults = {
        {FaultKind::too_many_requests, RequestKind::blob, 0ms, 1},
        {FaultKind::throttled_as_403, RequestKind::content_list, 0ms, 1},
        {FaultKind::internal_error, RequestKind::blob},
        {FaultKind::unavailable, RequestKind::token},
        {FaultKind::unavailable, RequestKind::subscription_list},
        {FaultKind::connection_reset, RequestKind::blob},
        {FaultKind::connection_reset, RequestKind::content_list},
        {FaultKind::truncated_body, RequestKind::blob},
        {FaultKind::truncated_body, RequestKind::content_list},
        {FaultKind::slow_answer, RequestKind::blob, 5000ms},
    };
    for (const bool https : {false, true}) {
        for (const auto& fault : faults) {
            CAPTURE(https);
            CAPTURE(static_cast<int>(fault.kind));
            CAPTURE(simtenant::to_string(fault.on));
            OnceFixture f(Setup{.https = https, .timeout_seconds = 2});
            const Corpus corpus = make_corpus(4, 2, system_now());
            f.add(corpus);
            // After the first matching request, so a window is faulted in its middle.
            FaultSpec planned = fault;
            planned.skip = fault.on == RequestKind::blob ? 1 : 0;
            // Over HTTPS once, and without a wait asked for, to keep the sweep short.
            const int times = https ? 1 : 2;
            if (https) {
                planned.retry_after_seconds = std::min(planned.retry_after_seconds, 0);
            }
            f.sim->faults().next(planned, times);
            const OnceRun run = f.run();
            INFO(run.process.err);
            CHECK(run.process.exit_code == 0);
            CHECK(f.sim->stats().faults_applied[fault.kind] == times);
            check_exactly_once(corpus, {run});
        }
    }
}

TEST_CASE("tokens revoked in the middle of a cycle are renewed once on the 401") {
    // One download at a time, so exactly one request meets the revoked token.
    OnceFixture f(Setup{.concurrency = 1});
    const Corpus corpus = make_corpus(5, 2, system_now());
    f.add(corpus);
    f.sim->faults().next({.kind = FaultKind::token_expiry, .on = RequestKind::blob, .skip = 2}, 1);

    const OnceRun run = f.run();
    INFO(run.process.err);
    CHECK(run.process.exit_code == 0);
    const simtenant::Stats stats = f.sim->stats();
    CHECK(stats.count(RequestKind::blob, 401) == 1);
    CHECK(stats.tokens_issued == 2);
    check_exactly_once(corpus, {run});
    check_no_secret(run, *f.sim);
}

TEST_CASE("content that shows up late inside the re-listed overlap is evaluated on the next run") {
    OnceFixture f;
    const Timestamp now = system_now();
    const Corpus early = make_corpus(3, 2, now - 2h, "early");
    Corpus late = make_corpus(2, 2, now - 20min, "late");
    for (auto& blob : late.blobs) {
        blob.available_at = now + 24h;  // Not listed yet.
    }
    f.add(early);
    f.add(late);

    const OnceRun first = f.run();
    INFO(first.process.err);
    CHECK(first.process.exit_code == 0);
    check_exactly_once(early, {first});

    for (auto& blob : late.blobs) {
        blob.available_at = system_now() - 1s;
        f.sim->add_blob(blob);
    }
    const OnceRun second = f.run();
    INFO(second.process.err);
    CHECK(second.process.exit_code == 0);
    check_exactly_once(late, {second});
    for (const auto& blob : early.blobs) {
        CHECK(f.sim->stats().blob_downloads.at(blob.content_id) == 1);
    }
}

TEST_CASE("a tenant clock hours ahead of the machine's: windows follow the server's Date") {
    OnceFixture f(Setup{.tenant_clock_offset = 3h});
    // Created after the machine's "now": only a client that corrects its clock lists it.
    const Corpus corpus = make_corpus(3, 1, f.tenant_now() - 30min);
    f.add(corpus);
    const OnceRun run = f.run();
    INFO(run.process.err);
    CHECK(run.process.exit_code == 0);
    check_exactly_once(corpus, {run});
}

TEST_CASE("a tenant clock hours behind the machine's: the cursor does not run ahead of it") {
    OnceFixture f(Setup{.tenant_clock_offset = -3h});
    const Corpus before = make_corpus(2, 1, f.tenant_now() - 1h, "before");
    f.add(before);
    const OnceRun first = f.run();
    INFO(first.process.err);
    CHECK(first.process.exit_code == 0);

    // New content at the tenant's now, which is hours before the machine's.
    const Corpus after = make_corpus(2, 1, f.tenant_now() - 2min, "after");
    f.add(after);
    const OnceRun second = f.run();
    INFO(second.process.err);
    CHECK(second.process.exit_code == 0);
    check_exactly_once(before, {first});
    check_exactly_once(after, {second});
}

TEST_CASE("content URIs and next pages on another host never receive the token") {
    for (const bool next_page : {false, true}) {
        CAPTURE(next_page);
        OnceFixture f;
        const Corpus corpus = make_corpus(5, 1, system_now());
        f.add(corpus);
        if (next_page) {
            f.sim->faults().send_next_page_to_decoy(true);
        } else {
            f.sim->faults().send_content_uris_to_decoy(true);
        }
        const OnceRun run = f.run();
        INFO(run.process.err);
        CHECK(run.process.err.find("security: refused to send the API token to a foreign host") !=
              std::string::npos);
        CHECK(run.process.err.find("security_events=0") == std::string::npos);
        // A refused blob is a recorded gap; a refused next page leaves the window unfinished.
        CHECK(run.process.exit_code == (next_page ? 1 : 0));
        CHECK((run.process.err.find("blobs_refused=5") != std::string::npos) == !next_page);
        const simtenant::Stats stats = f.sim->stats();
        CHECK(stats.decoy_authorization_headers.empty());
        CHECK(stats.decoy_requests == 0);
        CHECK(stats.blob_downloads.empty());
        CHECK(run.alerts.empty());
        check_no_secret(run, *f.sim);
    }
}

TEST_CASE("an expired blob is recorded as a gap and the rest of the window is committed") {
    OnceFixture f;
    const Timestamp now = system_now();
    Corpus corpus = make_corpus(3, 1, now);
    SimBlob expired = make_corpus(1, 1, now - 2h, "expired").blobs.front();
    expired.expires_at = now - 1min;
    f.add(corpus);
    f.sim->add_blob(expired);
    const OnceRun run = f.run();
    INFO(run.process.err);
    CHECK(run.process.exit_code == 0);
    CHECK(run.process.err.find("blobs_gone=1") != std::string::npos);
    CHECK(run.process.err.find("gaps=1") != std::string::npos);
    check_exactly_once(corpus, {run});

    // The gap is remembered: the next run neither downloads it again nor counts it twice.
    const OnceRun again = f.run();
    CHECK(again.process.exit_code == 0);
    CHECK(again.process.err.find("gaps=0") != std::string::npos);
}

TEST_CASE("an outage longer than the retention is reported as a gap naming the lost window") {
    OnceFixture f;
    const Corpus before = make_corpus(2, 1, system_now() - 1h, "before");
    f.add(before);
    const OnceRun first = f.run();
    INFO(first.process.err);
    CHECK(first.process.exit_code == 0);

    // Eight days pass for the tenant; what was created in the first of them has expired.
    f.advance_tenant_clock(std::chrono::days{8});
    const Corpus after = make_corpus(2, 1, f.tenant_now() - 1h, "after");
    f.add(after);
    const OnceRun second = f.run();
    INFO(second.process.err);
    CHECK(second.process.exit_code == 0);
    CHECK(second.process.err.find("content lost to retention") != std::string::npos);
    CHECK(second.process.err.find("gaps=1") != std::string::npos);
    check_exactly_once(before, {first});
    check_exactly_once(after, {second});
}
