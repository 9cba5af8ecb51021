#include "agent/status/status_server.h"

#include <chrono>
#include <mutex>
#include <thread>
#include <utility>

#include <fmt/format.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "agent/status/status_routes.h"

namespace flowwatch::agent {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr auto kIoTimeout = std::chrono::seconds(10);
constexpr std::uint32_t kHeaderLimit = 16 * 1024;
constexpr std::uint64_t kBodyLimit = 4 * 1024;

}  // namespace

struct StatusServer::Impl {
    StatusServerOptions options;
    asio::io_context io{1};
    tcp::acceptor acceptor{io};
    std::thread thread;
    std::once_flag stopped;
    std::uint16_t bound_port = 0;

    mutable std::mutex snapshot_mutex;
    std::shared_ptr<const StatusSnapshot> snapshot;

    std::shared_ptr<const StatusSnapshot> current() const {
        std::lock_guard lock(snapshot_mutex);
        return snapshot;
    }

    Timestamp now() const {
        if (options.clock) {
            return options.clock();
        }
        return std::chrono::time_point_cast<std::chrono::milliseconds>(
            std::chrono::system_clock::now());
    }

    http::response<http::string_body> answer(const http::request<http::string_body>& request) {
        const auto reply = answer_status_request(
            StatusRequest{std::string_view(request.method_string()),
                          std::string_view(request.target()),
                          std::string_view(request[http::field::authorization])},
            *current(), now(), options.token);

        http::response<http::string_body> response{static_cast<http::status>(reply.status),
                                                   request.version()};
        response.set(http::field::server, "flowwatch");
        response.set(http::field::content_type, reply.content_type);
        response.set(http::field::cache_control, "no-store");
        if (reply.ask_for_token) {
            response.set(http::field::www_authenticate, "Bearer");
        }
        if (reply.only_get) {
            response.set(http::field::allow, "GET");
        }
        response.keep_alive(request.keep_alive());
        response.body() = reply.body;
        response.prepare_payload();
        return response;
    }

    asio::awaitable<void> serve(tcp::socket socket) {
        beast::tcp_stream stream(std::move(socket));
        beast::flat_buffer buffer;
        boost::system::error_code ec;
        for (;;) {
            http::request_parser<http::string_body> parser;
            parser.header_limit(kHeaderLimit);
            parser.body_limit(kBodyLimit);
            stream.expires_after(kIoTimeout);
            co_await http::async_read(stream, buffer, parser,
                                      asio::redirect_error(asio::use_awaitable, ec));
            if (ec) {
                break;  // Closed, timed out, or not HTTP: nothing to answer.
            }

            auto response = answer(parser.get());
            const bool keep_alive = response.keep_alive();
            stream.expires_after(kIoTimeout);
            co_await http::async_write(stream, response,
                                       asio::redirect_error(asio::use_awaitable, ec));
            if (ec || !keep_alive) {
                break;
            }
        }
        stream.socket().shutdown(tcp::socket::shutdown_send, ec);
    }

    asio::awaitable<void> accept_connections() {
        boost::system::error_code ec;
        for (;;) {
            tcp::socket socket =
                co_await acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec));
            if (!acceptor.is_open()) {
                co_return;
            }
            if (!ec) {
                asio::co_spawn(io, serve(std::move(socket)), asio::detached);
            }
        }
    }

    Result<void> bind() {
        try {
            const tcp::endpoint endpoint{asio::ip::make_address(options.listen.host),
                                         options.listen.port};
            acceptor.open(endpoint.protocol());
            acceptor.set_option(asio::socket_base::reuse_address(true));
            acceptor.bind(endpoint);
            acceptor.listen(asio::socket_base::max_listen_connections);
            bound_port = acceptor.local_endpoint().port();
            return {};
        } catch (const boost::system::system_error& e) {
            return fail(fmt::format("start the status endpoint on {}:{}: {}", options.listen.host,
                                    options.listen.port, e.code().message()));
        }
    }
};

Result<std::unique_ptr<StatusServer>> StatusServer::start(
    StatusServerOptions options, std::shared_ptr<const StatusSnapshot> initial) {
    auto impl = std::make_unique<Impl>();
    impl->options = std::move(options);
    impl->snapshot = initial ? std::move(initial) : std::make_shared<const StatusSnapshot>();
    if (auto bound = impl->bind(); !bound) {
        return std::unexpected(bound.error());
    }

    asio::co_spawn(impl->io, impl->accept_connections(), asio::detached);
    impl->thread = std::thread([io = &impl->io] { io->run(); });
    return std::unique_ptr<StatusServer>(new StatusServer(std::move(impl)));
}

StatusServer::StatusServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

StatusServer::~StatusServer() {
    stop();
}

void StatusServer::publish(std::shared_ptr<const StatusSnapshot> snapshot) {
    if (!snapshot) {
        return;
    }
    std::lock_guard lock(impl_->snapshot_mutex);
    impl_->snapshot = std::move(snapshot);
}

void StatusServer::stop() {
    std::call_once(impl_->stopped, [this] {
        // Open connections and the acceptor go with the io_context; none is resumed again.
        impl_->io.stop();
        if (impl_->thread.joinable()) {
            impl_->thread.join();
        }
        boost::system::error_code ignored;
        impl_->acceptor.close(ignored);
    });
}

std::uint16_t StatusServer::port() const {
    return impl_->bound_port;
}

std::string StatusServer::url() const {
    const auto& host = impl_->options.listen.host;
    const bool ipv6 = host.find(':') != std::string::npos;
    return fmt::format("http://{}{}{}:{}", ipv6 ? "[" : "", host, ipv6 ? "]" : "", port());
}

}  // namespace flowwatch::agent
