#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "tests/agent/test_simtenant_fixture.h"

using namespace flowwatch;
using namespace flowwatch::simtenant;
using namespace flowwatch::simtenant::testing;
using namespace std::chrono_literals;

TEST_CASE("the token endpoint issues a bearer token for the app's client secret") {
    Fixture f;
    Answer answer = post_form(f.token_url(), f.secret_form());

    REQUIRE(answer.status == 200);
    auto body = nlohmann::json::parse(answer.body);
    CHECK(body["token_type"] == "Bearer");
    CHECK(body["expires_in"] == 3599);
    CHECK(!body["access_token"].get<std::string>().empty());
    CHECK(f.tenant->stats().tokens_issued == 1);
}

TEST_CASE("expires_in can come back as a string, as the v1 endpoint sends it") {
    SimTenantOptions options;
    options.expires_in_as_string = true;
    Fixture f(options);

    auto body = nlohmann::json::parse(post_form(f.token_url(), f.secret_form()).body);
    CHECK(body["expires_in"] == "3599");
}

TEST_CASE("a wrong client secret is refused with AADSTS7000215 and does not echo the secret") {
    Fixture f;
    Answer answer = post_form(f.token_url(), f.secret_form("the-secret-id-not-its-value"));

    CHECK(answer.status == 401);
    CHECK(entra_codes(answer) == std::vector<int>{7000215});
    auto body = nlohmann::json::parse(answer.body);
    CHECK(body["error"] == "invalid_client");
    CHECK(body["error_description"].get<std::string>().starts_with("AADSTS7000215: "));
    CHECK(answer.body.find("the-secret-id-not-its-value") == std::string::npos);
}

TEST_CASE("the right secret past its end date is refused with AADSTS7000222") {
    SimTenantOptions options;
    options.client_secret_expired = true;
    Fixture f(options);
    Answer answer = post_form(f.token_url(), f.secret_form());

    CHECK(answer.status == 401);
    CHECK(entra_codes(answer) == std::vector<int>{7000222});
    CHECK(answer.body.find(kSecret) == std::string::npos);
}

TEST_CASE("an unknown client id is refused with AADSTS700016") {
    Fixture f;
    std::string form = f.secret_form();
    form.replace(form.find(kClient), std::string(kClient).size(),
                 "11111111-2222-4333-8444-555555555555");
    Answer answer = post_form(f.token_url(), form);

    CHECK(answer.status == 400);
    CHECK(entra_codes(answer) == std::vector<int>{700016});
}

TEST_CASE("an unknown tenant is refused with AADSTS90002") {
    Fixture f;
    Answer answer =
        post_form(f.tenant->base_url() + "/99999999-2222-4333-8444-555555555555/oauth2/v2.0/token",
                  f.secret_form());

    CHECK(answer.status == 400);
    CHECK(entra_codes(answer) == std::vector<int>{90002});
}

TEST_CASE("a token request with neither secret nor assertion gets AADSTS7000218") {
    Fixture f;
    std::string form = "grant_type=client_credentials&client_id=" + std::string(kClient) +
                       "&scope=https%3A%2F%2Fmanage.office.com%2F.default";
    Answer answer = post_form(f.token_url(), form);

    CHECK(answer.status == 400);
    CHECK(entra_codes(answer) == std::vector<int>{7000218});
}

TEST_CASE("a scope that is not a single /.default resource gets AADSTS70011") {
    Fixture f;
    std::string form = f.secret_form();
    std::string bad = form.substr(0, form.find("&scope=")) +
                      "&scope=https%3A%2F%2Fmanage.office.com%2FActivityFeed.Read" +
                      form.substr(form.find("&client_secret="));
    CHECK(entra_codes(post_form(f.token_url(), bad)) == std::vector<int>{70011});
}

TEST_CASE("the API answers 401 without a token, with an unknown token, and after expiry") {
    Fixture f(general_enabled());
    std::string list = f.api("subscriptions/list");

    CHECK(f.get(list, "").status == 401);
    CHECK(f.get(list, "Bearer not-a-token").status == 401);

    std::string bearer = f.bearer();
    CHECK(f.get(list, bearer).status == 200);
    f.advance(3600s);
    CHECK(f.get(list, bearer).status == 401);
}

TEST_CASE("subscriptions start, answer AF20024 when already enabled, list, and stop") {
    Fixture f;
    std::string bearer = f.bearer();

    Answer started = f.post(f.api("subscriptions/start?contentType=Audit.General"), bearer);
    REQUIRE(started.status == 200);
    auto body = nlohmann::json::parse(started.body);
    CHECK(body["contentType"] == "Audit.General");
    CHECK(body["status"] == "enabled");
    CHECK(body["webhook"].is_null());

    Answer again = f.post(f.api("subscriptions/start?contentType=Audit.General"), bearer);
    CHECK(again.status == 400);
    CHECK(error_code(again) == "AF20024");

    auto listed = nlohmann::json::parse(f.get(f.api("subscriptions/list"), bearer).body);
    REQUIRE(listed.size() == 1);
    CHECK(listed[0]["status"] == "enabled");

    CHECK(f.post(f.api("subscriptions/stop?contentType=Audit.General"), bearer).status == 200);
    Answer after_stop =
        f.get(f.api(content_window("2026-03-10T00:00", "2026-03-10T06:00")), bearer);
    CHECK(error_code(after_stop) == "AF20022");
}

TEST_CASE("starting an unknown content type answers AF20020") {
    Fixture f;
    Answer answer = f.post(f.api("subscriptions/start?contentType=Audit.Flow"), f.bearer());
    CHECK(answer.status == 400);
    CHECK(error_code(answer) == "AF20020");
}

TEST_CASE("listing lists a window half-open on contentCreated, once content is available") {
    Fixture f(general_enabled());
    Timestamp nine = *parse_query_time("2026-03-10T09:00:00");
    f.tenant->add_blob(f.blob("at-start", nine));
    f.tenant->add_blob(f.blob("inside", nine + 30min));
    f.tenant->add_blob(f.blob("at-end", nine + 1h));
    SimBlob late = f.blob("late", nine + 10min);
    late.available_at = f.now() + 1h;
    f.tenant->add_blob(late);
    std::string bearer = f.bearer();

    Answer answer =
        f.get(f.api(content_window("2026-03-10T09:00:00", "2026-03-10T10:00:00")), bearer);
    REQUIRE(answer.status == 200);
    auto listed = nlohmann::json::parse(answer.body);
    REQUIRE(listed.size() == 2);
    CHECK(listed[0]["contentId"] == "at-start");
    CHECK(listed[1]["contentId"] == "inside");
    CHECK(listed[0]["contentType"] == "Audit.General");
    CHECK(listed[0]["contentCreated"] == "2026-03-10T09:00:00.000Z");
    CHECK(listed[0]["contentExpiration"] == "2026-03-17T09:00:00.000Z");
    CHECK(listed[0]["contentUri"] ==
          f.tenant->base_url() + "/api/v1.0/" + kTenant + "/activity/feed/audit/at-start");
    CHECK(answer.header("nextpageuri").empty());

    f.advance(1h);
    bearer = f.bearer();
    auto later = nlohmann::json::parse(
        f.get(f.api(content_window("2026-03-10T09:00:00", "2026-03-10T10:00:00")), bearer).body);
    CHECK(later.size() == 3);
}

TEST_CASE("listing answers the API's validation errors") {
    Fixture f(general_enabled());
    std::string bearer = f.bearer();
    auto code_of = [&](const std::string& query) {
        Answer answer = f.get(f.api("subscriptions/content?" + query), bearer);
        CHECK(answer.status == 400);
        return error_code(answer);
    };

    CHECK(code_of("contentType=Audit.General&startTime=2026-03-10T00:00") == "AF20030");
    CHECK(code_of("contentType=Audit.General&endTime=2026-03-10T00:00") == "AF20030");
    CHECK(code_of("contentType=Audit.General&startTime=2026-03-09T00:00&endTime=2026-03-10T"
                  "00:00:01") == "AF20030");
    CHECK(code_of("contentType=Audit.General&startTime=2026-03-02T11:00&endTime=2026-03-02T"
                  "12:00") == "AF20030");
    CHECK(code_of("contentType=Audit.General&startTime=2026-03-10T06:00&endTime=2026-03-10T"
                  "05:00") == "AF20055");
    CHECK(code_of("contentType=Audit.General&startTime=yesterday&endTime=2026-03-10T05:00") ==
          "AF20002");
    CHECK(code_of("contentType=Audit.Nope&startTime=2026-03-10T04:00&endTime=2026-03-10T05:00") ==
          "AF20020");
    CHECK(
        code_of("contentType=Audit.Exchange&startTime=2026-03-10T04:00&endTime=2026-03-10T05:00") ==
        "AF20022");
    CHECK(code_of("contentType=Audit.General&startTime=2026-03-10T04:00&endTime=2026-03-10T05:"
                  "00&nextPage=garbage") == "AF20031");

    f.tenant->disable_subscription_by_admin("Audit.General");
    CHECK(
        code_of("contentType=Audit.General&startTime=2026-03-10T04:00&endTime=2026-03-10T05:00") ==
        "AF20023");
}

TEST_CASE("a window of exactly 24 hours starting under 7 days ago is accepted") {
    Fixture f(general_enabled());
    Answer answer =
        f.get(f.api(content_window("2026-03-03T13:00:00Z", "2026-03-04T13:00:00Z")), f.bearer());
    CHECK(answer.status == 200);
    CHECK(answer.body == "[]");
}

TEST_CASE("pagination follows NextPageUri on the same host through every page") {
    SimTenantOptions options = general_enabled();
    options.page_size = 3;
    Fixture f(options);
    Timestamp nine = *parse_query_time("2026-03-10T09:00:00");
    for (int i = 0; i < 7; ++i) {
        f.tenant->add_blob(f.blob("blob-" + std::to_string(i), nine + std::chrono::minutes{i}));
    }
    std::string bearer = f.bearer();

    std::vector<std::string> seen;
    std::string url = f.api(content_window("2026-03-10T09:00", "2026-03-10T10:00"));
    int pages = 0;
    while (!url.empty() && pages < 10) {
        Answer answer = f.get(url, bearer);
        REQUIRE(answer.status == 200);
        for (const auto& entry : nlohmann::json::parse(answer.body)) {
            seen.push_back(entry["contentId"].get<std::string>());
        }
        url = answer.header("nextpageuri");
        if (!url.empty()) {
            CHECK(url.starts_with(f.tenant->base_url() + "/api/v1/"));
            url += std::string("&PublisherIdentifier=") + kTenant;
        }
        ++pages;
    }

    CHECK(pages == 3);
    REQUIRE(seen.size() == 7);
    for (int i = 0; i < 7; ++i) {
        CHECK(seen[static_cast<std::size_t>(i)] == "blob-" + std::to_string(i));
    }
}

TEST_CASE("the PublisherIdentifier of every API request is recorded, empty when missing") {
    Fixture f(general_enabled());
    std::string bearer = f.bearer();
    f.get(f.api("subscriptions/list?PublisherIdentifier=pub-1"), bearer);
    f.get(f.api("subscriptions/list"), bearer);

    auto stats = f.tenant->stats();
    CHECK(stats.publisher_ids == std::vector<std::string>{"pub-1", ""});
    CHECK(stats.authorization_headers == std::vector<std::string>{bearer, bearer});
}

TEST_CASE("a blob downloads as its JSON array until it expires, then answers AF20051") {
    Fixture f(general_enabled());
    SimBlob blob = f.blob("20260310$blob$one", f.now() - 1h);
    blob.expires_at = f.now() + 10min;
    f.tenant->add_blob(blob);
    std::string bearer = f.bearer();
    std::string uri = f.tenant->base_url() + "/api/v1.0/" + kTenant +
                      "/activity/feed/audit/20260310$blob$one?PublisherIdentifier=" + kTenant;

    Answer answer = f.get(uri, bearer);
    CHECK(answer.status == 200);
    CHECK(answer.body == blob.body);
    CHECK(answer.header("content-type").starts_with("application/json"));
    CHECK(f.tenant->stats().blob_downloads["20260310$blob$one"] == 1);

    f.advance(10min);
    Answer expired = f.get(uri, f.bearer());
    CHECK(expired.status == 404);
    CHECK(error_code(expired) == "AF20051");

    Answer missing = f.get(f.api("audit/no-such-blob"), bearer);
    CHECK(missing.status == 404);
    CHECK(error_code(missing) == "AF20050");
}

TEST_CASE("a tenant id in the API path that is not a GUID answers AF20013") {
    Fixture f(general_enabled());
    Answer answer = f.get(
        f.tenant->base_url() + "/api/v1.0/contoso/activity/feed/subscriptions/list", f.bearer());
    CHECK(answer.status == 400);
    CHECK(error_code(answer) == "AF20013");
}
