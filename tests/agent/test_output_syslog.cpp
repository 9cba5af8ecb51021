#include "agent/outputs/syslog_output.h"

#include <chrono>
#include <optional>
#include <string>

#include <doctest/doctest.h>
#include <unistd.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/local/datagram_protocol.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <nlohmann/json.hpp>

#include "agent/outputs/syslog_message.h"
#include "test_output_support.h"

namespace flowwatch::agent {

namespace {

namespace asio = boost::asio;
using output_testing::sample_alert;
using output_testing::TempDir;

const Timestamp kNow = from_millis(1'741'684'500'250);  // 2025-03-11T09:15:00.250Z

SyslogIdentity test_identity() {
    SyslogIdentity identity;
    identity.hostname = "sensor-1";
    identity.procid = "4242";
    return identity;
}

SyslogOutput output_to(SyslogEndpoint endpoint, SyslogIdentity identity = test_identity()) {
    endpoint.timeout = std::chrono::seconds(2);
    return SyslogOutput("siem", SyslogSettings{endpoint, identity}, [] { return kNow; });
}

/// Runs `io` until `done` or two seconds pass; true when done.
bool run_until(asio::io_context& io, const bool& done) {
    io.restart();
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    while (!done && std::chrono::steady_clock::now() < deadline) {
        io.run_one_for(std::chrono::milliseconds(100));
    }
    return done;
}

/// One datagram from `socket`, or nullopt after two seconds.
template <typename Socket>
std::optional<std::string> receive_datagram(asio::io_context& io, Socket& socket) {
    std::string buffer(70'000, '\0');
    std::size_t size = 0;
    bool done = false;
    socket.async_receive(asio::buffer(buffer), [&](boost::system::error_code ec, std::size_t n) {
        size = ec ? 0 : n;
        done = true;
    });
    if (!run_until(io, done)) {
        socket.cancel();
        return std::nullopt;
    }
    buffer.resize(size);
    return buffer;
}

/// One octet-counted frame (`LEN SP MSG`) from a stream, checking LEN; nullopt on failure.
template <typename Socket>
std::optional<std::string> receive_frame(asio::io_context& io, Socket& socket,
                                         std::string& pending) {
    bool done = false;
    boost::system::error_code error;
    asio::async_read_until(socket, asio::dynamic_buffer(pending), ' ',
                           [&](boost::system::error_code ec, std::size_t) {
                               error = ec;
                               done = true;
                           });
    if (!run_until(io, done) || error) {
        return std::nullopt;
    }
    auto space = pending.find(' ');
    std::size_t length = std::stoul(pending.substr(0, space));
    pending.erase(0, space + 1);
    if (pending.size() < length) {
        done = false;
        asio::async_read(socket, asio::dynamic_buffer(pending),
                         asio::transfer_exactly(length - pending.size()),
                         [&](boost::system::error_code ec, std::size_t) {
                             error = ec;
                             done = true;
                         });
        if (!run_until(io, done) || error) {
            return std::nullopt;
        }
    }
    std::string frame = pending.substr(0, length);
    pending.erase(0, length);
    return frame;
}

std::string settings_error(const nlohmann::json& settings) {
    OutputSettings reader(settings, "outputs[1]");
    auto parsed = read_syslog_settings(reader);
    return parsed ? std::string() : parsed.error().message;
}

}  // namespace

TEST_CASE("an RFC 5424 message carries PRI, version, time, host, app, pid, trigger and the alert") {
    Alert alert = sample_alert(1);
    std::string message = rfc5424_message(alert, test_identity(), kNow);

    std::string header = fmt::format(
        "<131>1 2025-03-11T09:15:00.250Z sensor-1 flowwatch 4242 unusual_connector "
        "[flowwatch@32473 id=\"{}\" trigger=\"unusual_connector\" severity=\"high\" score=\"72\" "
        "tenant=\"4b7c6a3e-1f2d-4e5a-9b8c-0d1e2f3a4b5c\" user=\"adele.vance@contoso.example\"] ",
        alert.id);
    REQUIRE(message.starts_with(header));
    CHECK(nlohmann::json::parse(message.substr(header.size())) == to_json(alert));
}

TEST_CASE("the syslog priority combines the facility with a severity mapped from the alert's") {
    SyslogIdentity identity = test_identity();
    identity.facility = facility_code("authpriv");
    Alert alert = sample_alert(1);

    alert.severity = Severity::critical;
    CHECK(rfc5424_message(alert, identity, kNow).starts_with("<82>1 "));
    alert.severity = Severity::low;
    CHECK(rfc5424_message(alert, identity, kNow).starts_with("<85>1 "));
    CHECK(facility_code("local7") == 23);
    CHECK(facility_code("kern") == 0);
    CHECK(facility_code("nonsense") == -1);
}

TEST_CASE("structured data values escape quotes, backslashes and closing brackets") {
    Alert alert = sample_alert(1);
    alert.user = R"(eve"]\x@contoso.example)";
    std::string message = rfc5424_message(alert, test_identity(), kNow);
    CHECK(message.find(R"(user="eve\"\]\\x@contoso.example"])") != std::string::npos);
    CHECK(sd_param_value(R"(a"b\c]d)") == R"(a\"b\\c\]d)");
}

TEST_CASE("header fields lose spaces and fall back to the nil value when empty") {
    SyslogIdentity identity = test_identity();
    identity.hostname = "my host";
    identity.procid = "";
    std::string message = rfc5424_message(sample_alert(1), identity, kNow);
    CHECK(message.starts_with("<131>1 2025-03-11T09:15:00.250Z my_host flowwatch - "));
}

TEST_CASE("octet counting frames a message with its length in bytes") {
    CHECK(octet_counted("<131>1 - - - - - - héllo") == "25 <131>1 - - - - - - héllo");
}

TEST_CASE("a UDP syslog output sends one RFC 5424 datagram per alert to the receiver") {
    asio::io_context io;
    asio::ip::udp::socket receiver(io, {asio::ip::address_v4::loopback(), 0});
    SyslogEndpoint endpoint;
    endpoint.port = receiver.local_endpoint().port();
    auto output = output_to(endpoint);

    REQUIRE(output.deliver(sample_alert(1)).has_value());
    REQUIRE(output.deliver(sample_alert(2)).has_value());

    CHECK(receive_datagram(io, receiver) ==
          rfc5424_message(sample_alert(1), test_identity(), kNow));
    CHECK(receive_datagram(io, receiver) ==
          rfc5424_message(sample_alert(2), test_identity(), kNow));
}

TEST_CASE("a syslog output in CEF format puts the CEF event in MSG") {
    asio::io_context io;
    asio::ip::udp::socket receiver(io, {asio::ip::address_v4::loopback(), 0});
    SyslogEndpoint endpoint;
    endpoint.port = receiver.local_endpoint().port();
    SyslogIdentity identity = test_identity();
    identity.cef = true;
    auto output = output_to(endpoint, identity);

    REQUIRE(output.deliver(sample_alert(3)).has_value());
    auto datagram = receive_datagram(io, receiver);
    REQUIRE(datagram.has_value());
    CHECK(datagram->find("] CEF:0|flowwatch|flowwatch|") != std::string::npos);
    CHECK(datagram->ends_with("cn1Label=score cn1=72"));
}

TEST_CASE("a TCP syslog output frames each message by octet counting on one connection") {
    asio::io_context io;
    asio::ip::tcp::acceptor listener(io, {asio::ip::address_v4::loopback(), 0});
    SyslogEndpoint endpoint;
    endpoint.kind = SyslogTransportKind::tcp;
    endpoint.port = listener.local_endpoint().port();
    auto output = output_to(endpoint);

    REQUIRE(output.deliver(sample_alert(1)).has_value());
    REQUIRE(output.deliver(sample_alert(2)).has_value());

    asio::ip::tcp::socket peer(io);
    listener.accept(peer);
    std::string pending;
    CHECK(receive_frame(io, peer, pending) ==
          rfc5424_message(sample_alert(1), test_identity(), kNow));
    CHECK(receive_frame(io, peer, pending) ==
          rfc5424_message(sample_alert(2), test_identity(), kNow));
}

TEST_CASE("a TCP syslog output notices the receiver hung up and sends on a new connection") {
    asio::io_context io;
    asio::ip::tcp::acceptor listener(io, {asio::ip::address_v4::loopback(), 0});
    SyslogEndpoint endpoint;
    endpoint.kind = SyslogTransportKind::tcp;
    endpoint.port = listener.local_endpoint().port();
    auto output = output_to(endpoint);

    REQUIRE(output.deliver(sample_alert(1)).has_value());
    asio::ip::tcp::socket first(io);
    listener.accept(first);
    std::string pending;
    REQUIRE(receive_frame(io, first, pending).has_value());
    first.close();

    REQUIRE(output.deliver(sample_alert(2)).has_value());
    asio::ip::tcp::socket second(io);
    listener.accept(second);
    std::string pending_second;
    CHECK(receive_frame(io, second, pending_second) ==
          rfc5424_message(sample_alert(2), test_identity(), kNow));
}

TEST_CASE("a TCP syslog output with no receiver fails naming the target") {
    std::uint16_t port = 0;
    {
        asio::io_context io;
        asio::ip::tcp::acceptor closed(io, {asio::ip::address_v4::loopback(), 0});
        port = closed.local_endpoint().port();
    }
    SyslogEndpoint endpoint;
    endpoint.kind = SyslogTransportKind::tcp;
    endpoint.port = port;
    auto output = output_to(endpoint);

    auto sent = output.deliver(sample_alert(1));
    REQUIRE_FALSE(sent.has_value());
    CHECK(sent.error().message.find(fmt::format("tcp 127.0.0.1:{}", port)) != std::string::npos);
    CHECK(sent.error().message.find("siem") != std::string::npos);
}

TEST_CASE("a Unix datagram syslog output sends each message to the socket") {
    TempDir dir;
    asio::io_context io;
    auto path = (dir.path() / "log.sock").string();
    asio::local::datagram_protocol::socket receiver(io,
                                                    asio::local::datagram_protocol::endpoint(path));
    SyslogEndpoint endpoint;
    endpoint.kind = SyslogTransportKind::unix_datagram;
    endpoint.socket_path = path;
    auto output = output_to(endpoint);

    REQUIRE(output.deliver(sample_alert(4)).has_value());
    CHECK(receive_datagram(io, receiver) ==
          rfc5424_message(sample_alert(4), test_identity(), kNow));
}

TEST_CASE("a Unix stream syslog output frames messages by octet counting") {
    TempDir dir;
    asio::io_context io;
    auto path = (dir.path() / "stream.sock").string();
    asio::local::stream_protocol::acceptor listener(io,
                                                    asio::local::stream_protocol::endpoint(path));
    SyslogEndpoint endpoint;
    endpoint.kind = SyslogTransportKind::unix_stream;
    endpoint.socket_path = path;
    auto output = output_to(endpoint);

    REQUIRE(output.deliver(sample_alert(5)).has_value());
    asio::local::stream_protocol::socket peer(io);
    listener.accept(peer);
    std::string pending;
    CHECK(receive_frame(io, peer, pending) ==
          rfc5424_message(sample_alert(5), test_identity(), kNow));
}

TEST_CASE("syslog settings default to UDP on 127.0.0.1:514 with facility local0 and JSON") {
    OutputSettings reader(nlohmann::json::object(), "outputs[0]");
    auto settings = read_syslog_settings(reader);
    REQUIRE(settings.has_value());
    CHECK(settings->endpoint.kind == SyslogTransportKind::udp);
    CHECK(settings->endpoint.host == "127.0.0.1");
    CHECK(settings->endpoint.port == 514);
    CHECK(settings->identity.facility == kFacilityLocal0);
    CHECK_FALSE(settings->identity.cef);
    CHECK(settings->identity.procid == std::to_string(::getpid()));
}

TEST_CASE("syslog settings errors name the output entry and the key") {
    CHECK(settings_error({{"port", "514"}}) == "outputs[1].port: expected a number, got a string");
    CHECK(settings_error({{"port", 70000}}) ==
          "outputs[1].port: expected a number from 1 to 65535, got 70000");
    CHECK(settings_error({{"transport", "sctp"}}) ==
          "outputs[1].transport: \"sctp\": expected udp, tcp, unix or unix-stream");
    CHECK(settings_error({{"facility", "local9"}}) ==
          "outputs[1].facility: \"local9\": expected a name from kern to local7");
    CHECK(settings_error({{"format", "leef"}}) ==
          "outputs[1].format: \"leef\": expected json or cef");
    CHECK(settings_error({{"hots", "siem.example"}}) == "outputs[1].hots: unknown key");
    CHECK(settings_error({{"transport", "tcp"}, {"format", "cef"}, {"facility", "authpriv"}})
              .empty());
}

}  // namespace flowwatch::agent
