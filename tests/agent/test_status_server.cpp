#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include <doctest/doctest.h>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <nlohmann/json.hpp>

#include "agent/status/bearer_token.h"
#include "agent/status/listen_address.h"
#include "agent/status/status_client.h"
#include "agent/status/status_server.h"
#include "status_fixtures.h"

using namespace flowwatch;
using namespace flowwatch::agent;
using namespace flowwatch::agent::testing;

namespace {

const Timestamp kNow = at("2025-03-11T10:00:00Z");

std::unique_ptr<StatusServer> start_server(std::string token = {}) {
    StatusServerOptions options;
    options.listen = ListenAddress{"127.0.0.1", 0};
    options.token = std::move(token);
    options.clock = [] { return kNow; };
    auto server = StatusServer::start(std::move(options), sample_snapshot(kNow));
    REQUIRE_MESSAGE(server, server.error().message);
    return std::move(*server);
}

Result<HttpReply> get(const StatusServer& server, std::string target, std::string token = {},
                      std::string method = "GET") {
    return http_get(HttpGet{.host = "127.0.0.1",
                            .port = server.port(),
                            .target = std::move(target),
                            .method = std::move(method),
                            .bearer_token = std::move(token)});
}

}  // namespace

TEST_CASE("the status server answers every endpoint over loopback") {
    auto server = start_server();
    CHECK(server->url() == "http://127.0.0.1:" + std::to_string(server->port()));

    for (const char* path :
         {"/healthz", "/readyz", "/api/v1/status", "/api/v1/alerts?limit=1", "/metrics"}) {
        CAPTURE(path);
        auto reply = get(*server, path);
        REQUIRE_MESSAGE(reply, reply.error().message);
        CHECK(reply->status == 200);
    }
    auto missing = get(*server, "/favicon.ico");
    REQUIRE(missing);
    CHECK(missing->status == 404);
    auto posted = get(*server, "/api/v1/status", {}, "DELETE");
    REQUIRE(posted);
    CHECK(posted->status == 405);
    CHECK(posted->allow == "GET");
}

TEST_CASE("a published snapshot is what the next request sees") {
    auto server = start_server();
    auto next = sample_snapshot(kNow);
    next->version = "10.0.0";
    server->publish(next);
    auto reply = get(*server, "/api/v1/status");
    REQUIRE(reply);
    CHECK(nlohmann::json::parse(reply->body)["version"] == "10.0.0");
}

TEST_CASE("the status server asks for the bearer token and accepts the right one") {
    auto server = start_server("tok-123");
    auto refused = get(*server, "/metrics");
    REQUIRE(refused);
    CHECK(refused->status == 401);
    CHECK(refused->www_authenticate == "Bearer");
    auto accepted = get(*server, "/metrics", "tok-123");
    REQUIRE(accepted);
    CHECK(accepted->status == 200);
}

TEST_CASE("stopping the server with a client connected and silent returns promptly") {
    auto server = start_server();
    boost::asio::io_context io;
    boost::asio::ip::tcp::socket idle(io);
    idle.connect({boost::asio::ip::make_address("127.0.0.1"), server->port()});

    const auto started = std::chrono::steady_clock::now();
    server->stop();
    server->stop();
    CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(2));

    auto after = http_get(HttpGet{.host = "127.0.0.1",
                                  .port = server->port(),
                                  .target = "/healthz",
                                  .timeout = std::chrono::milliseconds(500)});
    CHECK_FALSE(after);
}

TEST_CASE("a second server on a taken address fails naming the address") {
    auto server = start_server();
    StatusServerOptions options;
    options.listen = ListenAddress{"127.0.0.1", server->port()};
    auto clash = StatusServer::start(options, nullptr);
    REQUIRE_FALSE(clash);
    CHECK(clash.error().message.find("127.0.0.1:" + std::to_string(server->port())) !=
          std::string::npos);
}

TEST_CASE("the listen setting parses IPv4 and IPv6 literals and can turn the endpoint off") {
    auto v4 = parse_listen_address("127.0.0.1:9464");
    REQUIRE(v4);
    REQUIRE(v4->has_value());
    CHECK((*v4)->host == "127.0.0.1");
    CHECK((*v4)->port == 9464);

    auto v6 = parse_listen_address("[::1]:19464");
    REQUIRE(v6);
    REQUIRE(v6->has_value());
    CHECK((*v6)->host == "::1");

    for (const char* off : {"", "off"}) {
        auto parsed = parse_listen_address(off);
        REQUIRE(parsed);
        CHECK_FALSE(parsed->has_value());
    }
    for (const char* bad : {"localhost:9464", "127.0.0.1", "127.0.0.1:70000", "127.0.0.1:x"}) {
        CAPTURE(bad);
        CHECK_FALSE(parse_listen_address(bad));
    }
}

TEST_CASE("the token file is read trimmed and an empty one is refused without echoing it") {
    const auto dir = std::filesystem::temp_directory_path() / "flowwatch-test-token";
    std::filesystem::create_directories(dir);
    const auto file = dir / "token";
    std::ofstream(file) << "  abc-def\n";
    auto token = read_bearer_token(file);
    REQUIRE(token);
    CHECK(*token == "abc-def");

    std::ofstream(file, std::ios::trunc) << "\n";
    auto empty = read_bearer_token(file);
    REQUIRE_FALSE(empty);
    CHECK(empty.error().message.find("empty") != std::string::npos);

    CHECK_FALSE(read_bearer_token(dir / "missing"));
    std::filesystem::remove_all(dir);
}
