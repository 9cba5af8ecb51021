#include <doctest/doctest.h>

#include "agent/api/token_provider.h"
#include "tests/agent/test_api_fakes.h"

using namespace flowwatch;
using namespace flowwatch::agent;
using namespace flowwatch::agent::api;
using namespace flowwatch::agent::api::testing;
using namespace std::chrono_literals;

namespace {

constexpr const char* kSecret = "Zx8Q~s3cr3t+value/with&symbols";

TokenRequestTarget target() {
    return {
        "11111111-2222-3333-4444-555555555555", "app-id",
        "https://login.microsoftonline.com/11111111-2222-3333-4444-555555555555/oauth2/v2.0/token",
        "https://manage.office.com/.default"};
}

ClientCredential secret_credential() {
    ClientCredential credential;
    credential.secret = kSecret;
    return credential;
}

FakeTransport::Handler tokens_with(std::string expires_in_json) {
    auto issued = std::make_shared<int>(0);
    return [issued, expires_in_json](const HttpRequest&) {
        ++*issued;
        return Result<HttpResponse>(reply(200, R"({"token_type":"Bearer","expires_in":)" +
                                                   expires_in_json + R"(,"access_token":"token-)" +
                                                   std::to_string(*issued) + R"("})"));
    };
}

}  // namespace

TEST_CASE("the token is cached until shortly before expires_in runs out, then renewed") {
    FakeTime time;
    FakeTransport transport(tokens_with("3600"));
    TokenProvider tokens(transport, target(), secret_credential(), time.source());
    StopSource stop;

    CHECK(tokens.token(stop) == "token-1");
    time.advance(50min);
    CHECK(tokens.token(stop) == "token-1");
    CHECK(transport.requests().size() == 1);

    time.advance(6min);  // 56 minutes: inside the 5-minute margin.
    CHECK(tokens.token(stop) == "token-2");
    CHECK(tokens.state() == AuthState::ok);
}

TEST_CASE("expires_in given as a string, the v1 form, is understood") {
    FakeTime time;
    FakeTransport transport(tokens_with(R"("3599")"));
    TokenProvider tokens(transport, target(), secret_credential(), time.source());
    StopSource stop;
    CHECK(tokens.token(stop) == "token-1");
    time.advance(30min);
    CHECK(tokens.token(stop) == "token-1");
    CHECK(parse_expires_in(R"({"expires_in":"3599"})") == 3599);
    CHECK(parse_expires_in(R"({"expires_in":3599})") == 3599);
    CHECK_FALSE(parse_expires_in(R"({"expires_in":"soon"})").has_value());
}

TEST_CASE("after invalidate the next call logs in again") {
    FakeTime time;
    FakeTransport transport(tokens_with("3600"));
    TokenProvider tokens(transport, target(), secret_credential(), time.source());
    StopSource stop;
    CHECK(tokens.token(stop) == "token-1");
    tokens.invalidate();
    CHECK(tokens.token(stop) == "token-2");
}

TEST_CASE("the token request is a client-credentials form with the scope and encoded secret") {
    FakeTime time;
    FakeTransport transport(tokens_with("3600"));
    TokenProvider tokens(transport, target(), secret_credential(), time.source());
    StopSource stop;
    REQUIRE(tokens.token(stop));
    const auto request = transport.requests().at(0);
    CHECK(request.method == "POST");
    CHECK(request.url == target().token_url);
    CHECK(request.content_type == "application/x-www-form-urlencoded");
    CHECK(request.body.find("grant_type=client_credentials") != std::string::npos);
    CHECK(request.body.find("scope=https%3A%2F%2Fmanage.office.com%2F.default") !=
          std::string::npos);
    CHECK(request.body.find("client_secret=Zx8Q~s3cr3t%2Bvalue%2Fwith%26symbols") !=
          std::string::npos);
}

TEST_CASE("a wrong secret value says the secret's ID may have been pasted, without the secret") {
    FakeTime time;
    FakeTransport transport([](const HttpRequest&) {
        return Result<HttpResponse>(reply(
            401,
            R"({"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided. Trace ID: abc","error_codes":[7000215]})"));
    });
    TokenProvider tokens(transport, target(), secret_credential(), time.source());
    StopSource stop;
    auto token = tokens.token(stop);
    REQUIRE_FALSE(token);
    CHECK(token.error().code == "AADSTS7000215");
    CHECK(token.error().message.find("secret's ID") != std::string::npos);
    CHECK(token.error().message.find(target().tenant_id) != std::string::npos);
    CHECK(token.error().message.find(kSecret) == std::string::npos);
    CHECK(tokens.state() == AuthState::failed);
}

TEST_CASE("login errors are keyed on their AADSTS code") {
    CHECK(explain_login_error(400, R"({"error_codes":[700016]})", "t").code == "AADSTS700016");
    CHECK(explain_login_error(400, R"({"error_codes":[700016]})", "t").message.find("client_id") !=
          std::string::npos);
    CHECK(explain_login_error(400, R"({"error_description":"AADSTS90002: Tenant 'x' not found."})",
                              "t")
              .message.find("cloud") != std::string::npos);
    CHECK(explain_login_error(401, R"({"error_codes":[7000222]})", "t").message.find("expired") !=
          std::string::npos);
    const Error unknown = explain_login_error(
        400, "{\"error_description\":\"AADSTS123: Odd.\\r\\nTrace ID: 1\"}", "t");
    CHECK(unknown.code == "AADSTS123");
    CHECK(unknown.message.find("Odd.") != std::string::npos);
    CHECK(unknown.message.find("Trace ID") == std::string::npos);
    CHECK(explain_login_error(502, "<html>", "t").code == "http_502");
}

TEST_CASE("a login answer that echoes the secret has it redacted from the error") {
    FakeTime time;
    FakeTransport transport([](const HttpRequest&) {
        return Result<HttpResponse>(reply(
            400, std::string(R"({"error_description":"AADSTS999: bad value )") + kSecret + "\"}"));
    });
    TokenProvider tokens(transport, target(), secret_credential(), time.source());
    StopSource stop;
    auto token = tokens.token(stop);
    REQUIRE_FALSE(token);
    CHECK(token.error().message.find(kSecret) == std::string::npos);
    CHECK(token.error().message.find("[redacted]") != std::string::npos);
}

TEST_CASE("a token endpoint that is down is retried, then reported without marking auth failed") {
    FakeTime time;
    FakeTransport transport(
        [](const HttpRequest&) { return Result<HttpResponse>(fail("reset", "network")); });
    TokenProvider tokens(transport, target(), secret_credential(), time.source(),
                         RetryPolicy{.max_attempts = 3, .jitter = 0.0});
    StopSource stop;
    auto token = tokens.token(stop);
    REQUIRE_FALSE(token);
    CHECK(token.error().code == "network");
    CHECK(transport.requests().size() == 3);
    CHECK(tokens.state() == AuthState::unknown);
}
