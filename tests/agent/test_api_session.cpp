#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <vector>

#include <spdlog/sinks/ostream_sink.h>

#include "agent/api/api_session.h"
#include "agent/api/blob_fetcher.h"
#include "agent/api/content_lister.h"
#include "agent/logging.h"
#include "tests/agent/test_api_fakes.h"

using namespace flowwatch;
using namespace flowwatch::agent;
using namespace flowwatch::agent::api;
using namespace flowwatch::agent::api::testing;
using namespace std::chrono_literals;

namespace {

constexpr const char* kTenantId = "11111111-2222-3333-4444-555555555555";
constexpr const char* kApi = "https://manage.office.com";
constexpr const char* kSecret = "session-secret-value-42";

/// A session over a fake transport; `api` answers API requests, the login always succeeds.
struct SessionFixture {
    explicit SessionFixture(FakeTransport::Handler api)
        : transport([this, api](const HttpRequest& request) -> Result<HttpResponse> {
              if (request.url.find("/oauth2/v2.0/token") != std::string::npos) {
                  ++logins;
                  return reply(200, R"({"expires_in":3600,"access_token":"tok-)" +
                                        std::to_string(logins) + R"("})");
              }
              return api(request);
          }),
          tokens(transport,
                 TokenRequestTarget{kTenantId, "app",
                                    "https://login.microsoftonline.com/t/oauth2/v2.0/token",
                                    "https://manage.office.com/.default"},
                 ClientCredential{kSecret, std::nullopt}, time.source(),
                 RetryPolicy{.jitter = 0.0}),
          limiter(60'000, time.source()),
          session(transport, tokens, limiter,
                  ApiSessionOptions{kTenantId, kApi, "publisher-guid", RetryPolicy{.jitter = 0.0}},
                  time.source()) {}

    std::vector<HttpRequest> api_requests() const {
        std::vector<HttpRequest> out;
        for (auto& request : transport.requests()) {
            if (request.url.find("/oauth2/") == std::string::npos) {
                out.push_back(request);
            }
        }
        return out;
    }

    int logins = 0;
    FakeTime time;
    FakeTransport transport;
    TokenProvider tokens;
    RateLimiter limiter;
    ApiSession session;
    StopSource stop;
};

std::string authorization_of(const HttpRequest& request) {
    for (const auto& [name, value] : request.headers) {
        if (header_name_equals(name, "Authorization")) {
            return value;
        }
    }
    return {};
}

/// Collects the lines of the api and poller component loggers.
struct LogCapture {
    LogCapture() : sink(std::make_shared<spdlog::sinks::ostream_sink_mt>(stream)) {
        for (auto name : {"api", "poller"}) {
            component_logger(name)->sinks().push_back(sink);
        }
    }
    ~LogCapture() {
        for (auto name : {"api", "poller"}) {
            auto& sinks = component_logger(name)->sinks();
            std::erase(sinks, sink);
        }
    }
    std::string text() {
        for (auto name : {"api", "poller"}) {
            component_logger(name)->flush();
        }
        return stream.str();
    }
    std::ostringstream stream;
    std::shared_ptr<spdlog::sinks::ostream_sink_mt> sink;
};

}  // namespace

TEST_CASE("every API request carries the bearer token and the PublisherIdentifier") {
    SessionFixture f([](const HttpRequest&) { return Result<HttpResponse>(reply(200, "[]")); });
    REQUIRE(
        f.session.get(std::string(kApi) + "/api/v1.0/t/activity/feed/subscriptions/list", f.stop));
    REQUIRE(f.session.get(std::string(kApi) + "/api/v1.0/t/activity/feed/audit/abc?x=1", f.stop));
    const auto requests = f.api_requests();
    REQUIRE(requests.size() == 2);
    CHECK(requests[0].url.ends_with("/subscriptions/list?PublisherIdentifier=publisher-guid"));
    CHECK(requests[1].url.ends_with("/audit/abc?x=1&PublisherIdentifier=publisher-guid"));
    CHECK(authorization_of(requests[1]) == "Bearer tok-1");
}

TEST_CASE("a URL on another host is refused, logged as a security event, and never sent") {
    LogCapture logs;
    SessionFixture f([](const HttpRequest&) { return Result<HttpResponse>(reply(200, "[]")); });
    for (const char* url :
         {"https://evil.example.com/api/v1.0/t/activity/feed/audit/x",
          "http://manage.office.com/api/v1.0/t/x", "https://manage.office.com:8443/x",
          "https://manage.office.com@evil/x"}) {
        auto response = f.session.get(url, f.stop);
        REQUIRE_FALSE(response);
        CHECK(response.error().code == kForeignHostCode);
    }
    CHECK(f.transport.requests().empty());
    CHECK(f.session.request_counts().at("refused") == 4);
    CHECK(logs.text().find("security") != std::string::npos);
}

TEST_CASE("a 401 makes the session log in again and repeat the request once") {
    int calls = 0;
    SessionFixture f([&calls](const HttpRequest&) {
        return Result<HttpResponse>(++calls == 1 ? reply(401, "") : reply(200, "[]"));
    });
    auto response = f.session.get(std::string(kApi) + "/x", f.stop);
    REQUIRE(response);
    CHECK(response->status == 200);
    CHECK(f.logins == 2);
    CHECK(authorization_of(f.api_requests().back()) == "Bearer tok-2");
}

TEST_CASE("the server's Date header gives the clock skew") {
    SessionFixture f([](const HttpRequest&) {
        // FakeTime starts at 2025-03-11T08:00:00Z; the server is 90 seconds ahead.
        return Result<HttpResponse>(reply(200, "[]", {{"Date", "Tue, 11 Mar 2025 08:01:30 GMT"}}));
    });
    REQUIRE(f.session.get(std::string(kApi) + "/x", f.stop));
    CHECK(f.session.clock_skew() == 90s);
}

TEST_CASE("listing follows NextPageUri in any header case to the last page") {
    const std::string root = std::string(kApi) + "/api/v1.0/t/activity/feed";
    SessionFixture f([&root](const HttpRequest& request) -> Result<HttpResponse> {
        auto entry = [&root](const std::string& id) {
            return R"({"contentId":")" + id + R"(","contentUri":")" + root + "/audit/" + id +
                   R"(","contentCreated":"2025-03-11T07:00:00.000Z"})";
        };
        if (request.url.find("nextPage=2") != std::string::npos) {
            return reply(200, "[" + entry("b") + "]",
                         {{"nextpageuri", root + "/subscriptions/content?nextPage=3"}});
        }
        if (request.url.find("nextPage=3") != std::string::npos) {
            return reply(200, "[" + entry("c") + "]");
        }
        return reply(200, "[" + entry("a") + "]",
                     {{"NextPageUri", root + "/subscriptions/content?nextPage=2"}});
    });
    const ListingWindow window{*parse_time("2025-03-11T06:00:00Z"),
                               *parse_time("2025-03-11T08:00:00Z")};
    auto entries = list_content(f.session, root, "Audit.General", window, f.stop);
    REQUIRE(entries);
    REQUIRE(entries->size() == 3);
    CHECK((*entries)[2].content_id == "c");
    const auto first = f.api_requests().at(0).url;
    CHECK(first.find("contentType=Audit.General") != std::string::npos);
    CHECK(first.find("startTime=2025-03-11T06%3A00%3A00") != std::string::npos);
    CHECK(first.find("endTime=2025-03-11T08%3A00%3A00") != std::string::npos);
}

TEST_CASE("a NextPageUri on another host ends the listing with a security refusal") {
    const std::string root = std::string(kApi) + "/api/v1.0/t/activity/feed";
    SessionFixture f([](const HttpRequest&) {
        return Result<HttpResponse>(
            reply(200, "[]", {{"NextPageUri", "https://decoy.example/next?nextPage=2"}}));
    });
    const ListingWindow window{*parse_time("2025-03-11T06:00:00Z"),
                               *parse_time("2025-03-11T08:00:00Z")};
    auto entries = list_content(f.session, root, "Audit.General", window, f.stop);
    REQUIRE_FALSE(entries);
    CHECK(entries.error().code == kForeignHostCode);
    CHECK(f.api_requests().size() == 1);
}

TEST_CASE("blob answers are sorted into content, gone and failed by status and JSON type") {
    const ContentEntry entry{"Audit.General", "id-1", std::string(kApi) + "/b", {}, {}};
    CHECK(classify_blob_response(reply(200, "\xEF\xBB\xBF [ ]"), entry).status ==
          BlobStatus::content);
    CHECK(classify_blob_response(reply(404, ""), entry).status == BlobStatus::gone);
    CHECK(classify_blob_response(reply(400, R"({"error":{"code":"AF20051"}})"), entry).status ==
          BlobStatus::gone);
    CHECK(classify_blob_response(reply(200, R"({"error":{"code":"AF20050"}})"), entry).status ==
          BlobStatus::gone);
    const auto odd = classify_blob_response(reply(200, R"({"not":"an array"})"), entry);
    CHECK(odd.status == BlobStatus::failed);
    CHECK(odd.error.message.find("id-1") != std::string::npos);
    CHECK(classify_blob_response(reply(500, ""), entry).status == BlobStatus::failed);
    CHECK(classify_blob_response(fail("no", std::string(kForeignHostCode)), entry).status ==
          BlobStatus::refused);
}

TEST_CASE("the blob fetcher keeps at most `concurrency` downloads in flight") {
    std::atomic<int> in_flight{0};
    std::atomic<int> peak{0};
    SessionFixture f([&](const HttpRequest&) {
        const int now = ++in_flight;
        int seen = peak.load();
        while (now > seen && !peak.compare_exchange_weak(seen, now)) {
        }
        std::this_thread::yield();
        --in_flight;
        return Result<HttpResponse>(reply(200, "[]"));
    });
    std::vector<ContentEntry> entries;
    for (int i = 0; i < 40; ++i) {
        entries.push_back({"Audit.General",
                           "id-" + std::to_string(i),
                           std::string(kApi) + "/b/" + std::to_string(i),
                           {},
                           {}});
    }
    BlobFetcher fetcher(f.session, 3);
    const auto blobs = fetcher.fetch(entries, f.stop);
    REQUIRE(blobs.size() == 40);
    for (const auto& blob : blobs) {
        CHECK(blob.status == BlobStatus::content);
    }
    CHECK(peak.load() <= 3);
}

TEST_CASE("neither the secret nor the token appears in the session's logs or errors") {
    LogCapture logs;
    SessionFixture f([](const HttpRequest&) {
        return Result<HttpResponse>(reply(403, R"({"error":{"code":"AF10001","message":"no"}})"));
    });
    auto response = f.session.get(std::string(kApi) + "/x", f.stop);
    REQUIRE(response);
    const Error error = api_failure("list", *response);
    auto refused = f.session.get("https://other.example/x", f.stop);
    REQUIRE_FALSE(refused);
    const std::string everything = logs.text() + error.message + refused.error().message;
    CHECK(everything.find(kSecret) == std::string::npos);
    CHECK(everything.find("tok-1") == std::string::npos);
    CHECK_FALSE(logs.text().empty());
}
