/// The tenant poller's subscription handling over a fake transport and a real SQLite database:
/// AF20022/AF20023 on a listing lead to a start, and starts are spaced 15 minutes apart even
/// across restarts.

#include <doctest/doctest.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "agent/api/tenant_poller.h"
#include "storage/sqlite_store.h"
#include "tests/agent/test_api_fakes.h"
#include "tests/support/scratch_folder.h"

using namespace flowwatch;
using namespace flowwatch::agent;
using namespace flowwatch::agent::api;
using namespace flowwatch::agent::api::testing;
using flowwatch::test::ScratchFolder;
using namespace std::chrono_literals;

namespace {

constexpr const char* kTenantId = "4b7c6a3e-1f2d-4e5a-9b8c-0d1e2f3a4b5c";

/// The API as the poller sees it: the subscription list says `listed_status`; a content
/// listing answers `listing_error` (an AF code) while it is set, else an empty page.
struct FakeApi {
    std::string listed_status = "enabled";
    std::string listing_error;
    std::atomic<int> starts{0};

    std::shared_ptr<FakeTransport> transport() {
        return std::make_shared<FakeTransport>([this](const HttpRequest& request) {
            if (request.url.find("/oauth2/v2.0/token") != std::string::npos) {
                return Result<HttpResponse>(
                    reply(200, R"({"token_type":"Bearer","expires_in":3599,"access_token":"t"})"));
            }
            if (request.url.find("/subscriptions/list") != std::string::npos) {
                return Result<HttpResponse>(
                    reply(200, R"([{"contentType":"Audit.General","status":")" + listed_status +
                                   R"(","webhook":null}])"));
            }
            if (request.url.find("/subscriptions/start") != std::string::npos) {
                ++starts;
                listed_status = "enabled";
                listing_error.clear();
                return Result<HttpResponse>(
                    reply(200, R"({"contentType":"Audit.General","status":"enabled"})"));
            }
            if (!listing_error.empty()) {
                return Result<HttpResponse>(
                    reply(400, R"({"error":{"code":")" + listing_error + R"(","message":"no"}})"));
            }
            return Result<HttpResponse>(reply(200, "[]"));
        });
    }
};

/// One agent process: a fresh poller on the database file, run for one cycle.
Result<PollStats> one_cycle(const ScratchFolder& db, FakeApi& api, FakeTime& time) {
    ::setenv("FLOWWATCH_POLLER_TEST_SECRET", "poller-secret", 1);
    auto store = storage::SqliteStore::open(db / "flowwatch.db");
    REQUIRE(store);
    TenantPollerOptions options;
    options.tenant.tenant_id = kTenantId;
    options.tenant.client_id = "6a0b1c2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d";
    options.tenant.secret.env = "FLOWWATCH_POLLER_TEST_SECRET";
    options.tenant.backfill_days = 1;
    options.time = time.source();
    options.transport = api.transport();
    const DetectionPolicy policy;
    auto poller = TenantPoller::create(options, **store, **store, policy);
    REQUIRE(poller);
    StopSource stop;
    return (*poller)->run_cycle(stop);
}

}  // namespace

TEST_CASE("a listing that answers AF20023 starts the subscription and leaves the window") {
    for (const char* code : {"AF20022", "AF20023"}) {
        CAPTURE(code);
        ScratchFolder db;
        FakeApi api;
        FakeTime time;
        api.listing_error = code;

        auto cut = one_cycle(db, api, time);
        REQUIRE(cut);
        CHECK(api.starts == 1);
        REQUIRE(cut->last_error.has_value());
        CHECK(cut->last_error->code == code);
        CHECK(cut->windows_completed == 0);

        auto next = one_cycle(db, api, time);
        REQUIRE(next);
        CHECK(next->complete());
        CHECK(next->windows_completed > 0);
    }
}

TEST_CASE("a subscription start is sent at most once in 15 minutes, across restarts") {
    ScratchFolder db;
    FakeApi api;
    FakeTime time;
    api.listed_status = "disabled";
    REQUIRE(one_cycle(db, api, time));
    CHECK(api.starts == 1);

    // Disabled again; a restarted agent five minutes later must wait.
    api.listed_status = "disabled";
    time.advance(5min);
    auto waiting = one_cycle(db, api, time);
    REQUIRE(waiting);
    CHECK(api.starts == 1);
    CHECK(waiting->windows_listed == 0);

    time.advance(11min);
    auto started = one_cycle(db, api, time);
    REQUIRE(started);
    CHECK(api.starts == 2);
    CHECK(started->windows_listed > 0);
}
