#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "tests/agent/test_simtenant_fixture.h"

using namespace flowwatch;
using namespace flowwatch::simtenant;
using namespace flowwatch::simtenant::testing;
using namespace std::chrono_literals;

namespace {

using SteadyClock = std::chrono::steady_clock;

/// Polls `condition` until it holds or `deadline` passes; true when it held.
template <typename Condition>
bool wait_until(Condition condition, std::chrono::milliseconds deadline = 5000ms) {
    auto until = SteadyClock::now() + deadline;
    while (SteadyClock::now() < until) {
        if (condition()) {
            return true;
        }
        std::this_thread::sleep_for(2ms);
    }
    return condition();
}

std::string a_window() {
    return content_window("2026-03-10T09:00", "2026-03-10T10:00");
}

}  // namespace

TEST_CASE("a 429 fault answers the next matching request with Retry-After, then clears") {
    Fixture f(general_enabled());
    std::string bearer = f.bearer();
    f.tenant->faults().next({.kind = FaultKind::too_many_requests,
                             .on = RequestKind::content_list,
                             .retry_after_seconds = 7},
                            1);

    CHECK(f.get(f.api("subscriptions/list"), bearer).status == 200);
    Answer throttled = f.get(f.api(a_window()), bearer);
    CHECK(throttled.status == 429);
    CHECK(throttled.header("retry-after") == "7");
    CHECK(error_code(throttled) == "AF429");
    CHECK(f.get(f.api(a_window()), bearer).status == 200);
    CHECK(f.tenant->stats().faults_applied[FaultKind::too_many_requests] == 1);
}

TEST_CASE("AF429 can arrive as HTTP 403 naming the method and the publisher") {
    Fixture f(general_enabled());
    std::string bearer = f.bearer();
    f.tenant->faults().next({.kind = FaultKind::throttled_as_403, .on = RequestKind::blob}, 1);
    f.tenant->add_blob(f.blob("b1", f.now() - 1h));

    Answer answer = f.get(f.api("audit/b1?PublisherIdentifier=") + kTenant, bearer);
    CHECK(answer.status == 403);
    CHECK(answer.header("retry-after") == "1");
    CHECK(error_code(answer) == "AF429");
    CHECK(answer.body.find("Method=GetBlob") != std::string::npos);
    CHECK(answer.body.find(std::string("PublisherId=") + kTenant) != std::string::npos);
}

TEST_CASE("500 and 503 faults apply to the next requests in the order planned") {
    Fixture f(general_enabled());
    std::string bearer = f.bearer();
    f.tenant->faults().next({.kind = FaultKind::internal_error}, 1);
    f.tenant->faults().next({.kind = FaultKind::unavailable}, 2);

    CHECK(f.get(f.api(a_window()), bearer).status == 500);
    CHECK(f.get(f.api(a_window()), bearer).status == 503);
    CHECK(f.get(f.api(a_window()), bearer).status == 503);
    CHECK(f.get(f.api(a_window()), bearer).status == 200);
    CHECK(f.tenant->stats().count(RequestKind::content_list, 503) == 2);
}

TEST_CASE("a fault on the token endpoint answers in Entra's error shape") {
    Fixture f;
    f.tenant->faults().next({.kind = FaultKind::unavailable, .on = RequestKind::token}, 1);

    Answer answer = post_form(f.token_url(), f.secret_form());
    CHECK(answer.status == 503);
    CHECK(nlohmann::json::parse(answer.body)["error"] == "temporarily_unavailable");
    CHECK(post_form(f.token_url(), f.secret_form()).status == 200);
}

TEST_CASE("a slow answer arrives late without holding up other connections") {
    Fixture f(general_enabled());
    std::string bearer = f.bearer();
    f.tenant->faults().next(
        {.kind = FaultKind::slow_answer, .on = RequestKind::subscription_list, .delay = 1500ms}, 1);

    Answer slow;
    auto slow_started = SteadyClock::now();
    SteadyClock::duration slow_took{};
    std::thread slow_client([&] {
        slow = f.get(f.api("subscriptions/list"), bearer);
        slow_took = SteadyClock::now() - slow_started;
    });
    REQUIRE(
        wait_until([&] { return f.tenant->stats().count(RequestKind::subscription_list) == 1; }));

    auto fast_started = SteadyClock::now();
    Answer fast = f.get(f.api(a_window()), bearer);
    auto fast_took = SteadyClock::now() - fast_started;
    slow_client.join();

    CHECK(fast.status == 200);
    CHECK(fast_took < 1000ms);
    CHECK(slow.status == 200);
    CHECK(slow_took >= 1500ms);
}

TEST_CASE("a connection reset closes the socket without an answer") {
    Fixture f(general_enabled());
    std::string bearer = f.bearer();
    f.tenant->faults().next({.kind = FaultKind::connection_reset, .on = RequestKind::content_list},
                            1);

    Answer answer = f.get(f.api(a_window()), bearer);
    CHECK(answer.status == 0);
    CHECK(!answer.error.empty());
    CHECK(f.tenant->stats().count(RequestKind::content_list, 0) == 1);
    CHECK(f.get(f.api(a_window()), bearer).status == 200);
}

TEST_CASE("a truncated body promises more than it sends, then the connection closes") {
    Fixture f(general_enabled());
    std::string bearer = f.bearer();
    SimBlob blob = f.blob("big", f.now() - 1h);
    f.tenant->add_blob(blob);
    f.tenant->faults().next({.kind = FaultKind::truncated_body, .on = RequestKind::blob}, 1);

    Answer answer = f.get(f.api("audit/big"), bearer);
    CHECK(answer.status == 200);
    CHECK(!answer.error.empty());
    CHECK(answer.header("content-length") == std::to_string(blob.body.size()));
    CHECK(answer.body.size() < blob.body.size());
    CHECK(f.tenant->stats().blob_downloads.count("big") == 0);

    Answer whole = f.get(f.api("audit/big"), bearer);
    CHECK(whole.error.empty());
    CHECK(whole.body == blob.body);
}

TEST_CASE("token expiry mid-cycle makes the next API call 401 until a new token is fetched") {
    Fixture f(general_enabled());
    std::string bearer = f.bearer();
    CHECK(f.get(f.api(a_window()), bearer).status == 200);

    f.tenant->faults().expire_tokens();
    CHECK(f.get(f.api(a_window()), bearer).status == 401);
    CHECK(f.get(f.api(a_window()), f.bearer()).status == 200);
}

TEST_CASE("a token expiry fault revokes the tokens as the planned request arrives") {
    Fixture f(general_enabled());
    std::string bearer = f.bearer();
    f.tenant->faults().next({.kind = FaultKind::token_expiry, .on = RequestKind::content_list}, 1);
    CHECK(f.get(f.api("subscriptions/list"), bearer).status == 200);

    CHECK(f.get(f.api(a_window()), bearer).status == 401);
    CHECK(f.get(f.api("subscriptions/list"), bearer).status == 401);
    CHECK(f.get(f.api(a_window()), f.bearer()).status == 200);
    CHECK(f.tenant->stats().faults_applied[FaultKind::token_expiry] == 1);
}

TEST_CASE("a counted fault with a skip lets that many matching requests through first") {
    Fixture f(general_enabled());
    std::string bearer = f.bearer();
    f.tenant->faults().next(
        {.kind = FaultKind::internal_error, .on = RequestKind::content_list, .skip = 2}, 1);
    CHECK(f.get(f.api("subscriptions/list"), bearer).status == 200);
    CHECK(f.get(f.api(a_window()), bearer).status == 200);
    CHECK(f.get(f.api(a_window()), bearer).status == 200);
    CHECK(f.get(f.api(a_window()), bearer).status == 500);
    CHECK(f.get(f.api(a_window()), bearer).status == 200);
}

TEST_CASE("clock skew offsets the Date header from the tenant's clock") {
    Fixture f(general_enabled());
    CHECK(post_form(f.token_url(), f.secret_form()).header("date") ==
          "Tue, 10 Mar 2026 12:00:00 GMT");

    f.tenant->faults().set_clock_skew(std::chrono::seconds{-600});
    CHECK(post_form(f.token_url(), f.secret_form()).header("date") ==
          format_http_date(f.now() - 10min));
}

TEST_CASE("a contentUri pointing to a foreign host reaches the decoy, which records the token") {
    Fixture f(general_enabled());
    std::string bearer = f.bearer();
    f.tenant->add_blob(f.blob("elsewhere", *parse_query_time("2026-03-10T09:30")));
    f.tenant->faults().send_content_uris_to_decoy(true);

    auto listed = nlohmann::json::parse(f.get(f.api(a_window()), bearer).body);
    REQUIRE(listed.size() == 1);
    std::string uri = listed[0]["contentUri"].get<std::string>();
    CHECK(uri.starts_with(f.tenant->decoy_url()));
    CHECK(f.tenant->decoy_url() != f.tenant->base_url());

    // A careless client would follow it with its token; the decoy proves it.
    f.get(uri, bearer);
    auto stats = f.tenant->stats();
    CHECK(stats.decoy_requests == 1);
    CHECK(stats.decoy_authorization_headers == std::vector<std::string>{bearer});
}

TEST_CASE("a NextPageUri can point to the decoy host") {
    SimTenantOptions options = general_enabled();
    options.page_size = 1;
    Fixture f(options);
    f.tenant->add_blob(f.blob("one", *parse_query_time("2026-03-10T09:10")));
    f.tenant->add_blob(f.blob("two", *parse_query_time("2026-03-10T09:20")));
    f.tenant->faults().send_next_page_to_decoy(true);

    Answer first = f.get(f.api(a_window()), f.bearer());
    CHECK(first.header("nextpageuri").starts_with(f.tenant->decoy_url() + "/api/v1/"));
    CHECK(f.tenant->stats().decoy_requests == 0);
}

TEST_CASE("random faults with the same seed fail the same requests") {
    auto statuses = [](std::uint64_t seed) {
        Fixture f(general_enabled());
        std::string bearer = f.bearer();
        f.tenant->faults().randomly({.kind = FaultKind::internal_error}, 0.5, seed);
        std::vector<int> out;
        for (int i = 0; i < 16; ++i) {
            out.push_back(f.get(f.api("subscriptions/list"), bearer).status);
        }
        return out;
    };

    auto first = statuses(42);
    CHECK(first == statuses(42));
    CHECK(std::count(first.begin(), first.end(), 500) > 0);
    CHECK(std::count(first.begin(), first.end(), 200) > 0);
}

TEST_CASE("stop ends promptly with a slow request in flight") {
    Fixture f(general_enabled());
    std::string bearer = f.bearer();
    f.tenant->faults().next({.kind = FaultKind::slow_answer, .delay = 60s}, 1);

    Answer answer;
    std::thread client([&] { answer = f.get(f.api("subscriptions/list"), bearer); });
    REQUIRE(
        wait_until([&] { return f.tenant->stats().count(RequestKind::subscription_list) == 1; }));

    auto started = SteadyClock::now();
    f.tenant->stop();
    client.join();
    auto took = SteadyClock::now() - started;

    CHECK(took < 2s);
    CHECK(answer.status == 0);
    CHECK(!answer.error.empty());
}

TEST_CASE("over HTTPS the tenant serves tokens, listings and blobs with its self-signed cert") {
    SimTenantOptions options = general_enabled();
    options.https = true;
    Fixture f(options);
    REQUIRE(f.tenant->base_url().starts_with("https://127.0.0.1:"));
    REQUIRE(f.tenant->ca_certificate_pem().starts_with("-----BEGIN CERTIFICATE-----"));
    f.tenant->add_blob(f.blob("tls-blob", *parse_query_time("2026-03-10T09:30")));

    std::string bearer = f.bearer();
    auto listed = nlohmann::json::parse(f.get(f.api(a_window()), bearer).body);
    REQUIRE(listed.size() == 1);
    Answer blob = f.get(listed[0]["contentUri"].get<std::string>(), bearer);
    CHECK(blob.status == 200);
    CHECK(blob.body.find("tls-blob") != std::string::npos);
}

TEST_CASE("over HTTPS a client that does not trust the certificate gets no answer") {
    SimTenantOptions options;
    options.https = true;
    Fixture f(options);

    Call call;
    call.url = f.tenant->base_url() + "/api/v1.0/" + kTenant + "/activity/feed/subscriptions/list";
    call.ca_pem = "";
    Answer answer = send(call);
    CHECK(answer.status == 0);
    CHECK(!answer.error.empty());
}
