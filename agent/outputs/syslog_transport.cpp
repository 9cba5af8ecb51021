#include "agent/outputs/syslog_transport.h"

#include <array>
#include <optional>
#include <string>
#include <type_traits>

#include <fmt/format.h>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/local/datagram_protocol.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/write.hpp>

#include "agent/outputs/syslog_message.h"

namespace flowwatch::agent {

namespace {

namespace asio = boost::asio;
using boost::system::error_code;

/// The largest datagram sent; a longer message is cut (UDP's limit is 65507 bytes of payload).
/// TODO: cutting breaks the JSON or CEF in MSG; a receiver that needs whole alerts uses TCP.
constexpr std::size_t kMaxDatagram = 65'000;

template <typename Protocol>
constexpr bool kIsLocal = std::is_same_v<Protocol, asio::local::stream_protocol> ||
                          std::is_same_v<Protocol, asio::local::datagram_protocol>;

/// Runs one asynchronous operation on `io` for at most `timeout`; `cancel` stops it when late.
template <typename Start, typename Cancel>
error_code run_with_deadline(asio::io_context& io, std::chrono::milliseconds timeout,
                             const Start& start, const Cancel& cancel) {
    std::optional<error_code> result;
    start([&result](const error_code& ec, auto&&...) { result = ec; });
    io.restart();
    io.run_for(timeout);
    if (result) {
        return *result;
    }
    cancel();
    io.restart();
    io.run();
    return asio::error::timed_out;
}

/// The receiver's address: a Unix socket path, or the first address `host` resolves to.
template <typename Protocol>
Result<typename Protocol::endpoint> resolve_endpoint(asio::io_context& io,
                                                     const SyslogEndpoint& target) {
    if constexpr (kIsLocal<Protocol>) {
        return typename Protocol::endpoint(target.socket_path);
    } else {
        typename Protocol::resolver resolver(io);
        typename Protocol::resolver::results_type results;
        auto ec = run_with_deadline(
            io, target.timeout,
            [&](auto handler) {
                resolver.async_resolve(target.host, std::to_string(target.port),
                                       [&results, handler](const error_code& e, auto found) {
                                           results = found;
                                           handler(e);
                                       });
            },
            [&] { resolver.cancel(); });
        if (ec || results.empty()) {
            return fail(fmt::format("resolving {}: {}", describe(target),
                                    ec ? ec.message() : "no address"));
        }
        return results.begin()->endpoint();
    }
}

template <typename Protocol>
class DatagramTransport : public SyslogTransport {
  public:
    explicit DatagramTransport(SyslogEndpoint target) : target_(std::move(target)) {}

    Result<void> send(std::string_view message) override {
        if (!socket_.is_open()) {
            if (auto opened = open(); !opened) {
                return opened;
            }
        }
        auto bytes = message.substr(0, kMaxDatagram);
        auto ec = run_with_deadline(
            io_, target_.timeout,
            [&](auto handler) {
                socket_.async_send(asio::buffer(bytes.data(), bytes.size()), handler);
            },
            [&] { close(); });
        if (ec) {
            close();
            return fail(fmt::format("sending to {}: {}", describe(target_), ec.message()));
        }
        return {};
    }

    void close() override {
        error_code ignored;
        socket_.close(ignored);
    }

  private:
    Result<void> open() {
        auto endpoint = resolve_endpoint<Protocol>(io_, target_);
        if (!endpoint) {
            return std::unexpected(endpoint.error());
        }
        // A connected datagram socket reports an absent receiver (ICMP unreachable) on later sends.
        error_code ec;
        socket_.open(endpoint->protocol(), ec);
        if (!ec) {
            socket_.connect(*endpoint, ec);
        }
        if (ec) {
            close();
            return fail(fmt::format("connecting to {}: {}", describe(target_), ec.message()));
        }
        return {};
    }

    SyslogEndpoint target_;
    asio::io_context io_;
    typename Protocol::socket socket_{io_};
};

template <typename Protocol>
class StreamTransport : public SyslogTransport {
  public:
    explicit StreamTransport(SyslogEndpoint target) : target_(std::move(target)) {}

    Result<void> send(std::string_view message) override {
        if (socket_.is_open() && peer_closed()) {
            close();
        }
        if (!socket_.is_open()) {
            if (auto connected = connect(); !connected) {
                return connected;
            }
        }
        std::string frame = octet_counted(message);
        auto ec = run_with_deadline(
            io_, target_.timeout,
            [&](auto handler) { asio::async_write(socket_, asio::buffer(frame), handler); },
            [&] { close(); });
        if (ec) {
            close();
            return fail(fmt::format("sending to {}: {}", describe(target_), ec.message()));
        }
        return {};
    }

    void close() override {
        error_code ignored;
        socket_.close(ignored);
    }

  private:
    Result<void> connect() {
        auto endpoint = resolve_endpoint<Protocol>(io_, target_);
        if (!endpoint) {
            return std::unexpected(endpoint.error());
        }
        auto ec = run_with_deadline(
            io_, target_.timeout, [&](auto handler) { socket_.async_connect(*endpoint, handler); },
            [&] { close(); });
        if (ec) {
            close();
            return fail(fmt::format("connecting to {}: {}", describe(target_), ec.message()));
        }
        return {};
    }

    /// A receiver never writes to us, so readable means it hung up (end of stream or a reset).
    /// Checking first keeps the next alert from going into a socket that is already dead.
    /// TODO: a peer that dies after this check still swallows one alert; only acknowledgements
    /// (RELP) would close that window.
    bool peer_closed() {
        error_code ec;
        socket_.non_blocking(true, ec);
        std::array<char, 512> scratch{};
        while (!ec) {
            socket_.read_some(asio::buffer(scratch), ec);
        }
        return ec != asio::error::would_block;
    }

    SyslogEndpoint target_;
    asio::io_context io_;
    typename Protocol::socket socket_{io_};
};

}  // namespace

std::string describe(const SyslogEndpoint& endpoint) {
    switch (endpoint.kind) {
        case SyslogTransportKind::udp:
            return fmt::format("udp {}:{}", endpoint.host, endpoint.port);
        case SyslogTransportKind::tcp:
            return fmt::format("tcp {}:{}", endpoint.host, endpoint.port);
        case SyslogTransportKind::unix_datagram:
            return fmt::format("unix {}", endpoint.socket_path);
        case SyslogTransportKind::unix_stream:
            return fmt::format("unix-stream {}", endpoint.socket_path);
    }
    return "syslog";
}

std::unique_ptr<SyslogTransport> make_syslog_transport(const SyslogEndpoint& endpoint) {
    switch (endpoint.kind) {
        case SyslogTransportKind::udp:
            return std::make_unique<DatagramTransport<asio::ip::udp>>(endpoint);
        case SyslogTransportKind::tcp:
            return std::make_unique<StreamTransport<asio::ip::tcp>>(endpoint);
        case SyslogTransportKind::unix_datagram:
            return std::make_unique<DatagramTransport<asio::local::datagram_protocol>>(endpoint);
        case SyslogTransportKind::unix_stream:
            return std::make_unique<StreamTransport<asio::local::stream_protocol>>(endpoint);
    }
    return nullptr;
}

}  // namespace flowwatch::agent
