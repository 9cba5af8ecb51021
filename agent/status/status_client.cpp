#include "agent/status/status_client.h"

#include <optional>
#include <utility>

#include <fmt/format.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace flowwatch::agent {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

std::string describe(const HttpGet& request) {
    const bool ipv6 = request.host.find(':') != std::string::npos;
    return fmt::format("{} http://{}{}{}:{}{}", request.method, ipv6 ? "[" : "", request.host,
                       ipv6 ? "]" : "", request.port, request.target);
}

http::request<http::empty_body> make_request(const HttpGet& request) {
    http::request<http::empty_body> out{http::string_to_verb(request.method), request.target, 11};
    if (out.method() == http::verb::unknown) {
        out.method_string(request.method);
    }
    out.set(http::field::host, fmt::format("{}:{}", request.host, request.port));
    out.set(http::field::user_agent, "flowwatch");
    if (!request.bearer_token.empty()) {
        out.set(http::field::authorization, "Bearer " + request.bearer_token);
    }
    return out;
}

asio::awaitable<void> exchange(const HttpGet& request, Result<HttpReply>& result) {
    boost::system::error_code ec;
    beast::tcp_stream stream(co_await asio::this_coro::executor);
    stream.expires_after(request.timeout);
    const tcp::endpoint endpoint{asio::ip::make_address(request.host, ec), request.port};
    if (!ec) {
        co_await stream.async_connect(endpoint, asio::redirect_error(asio::use_awaitable, ec));
    }
    if (!ec) {
        auto message = make_request(request);
        co_await http::async_write(stream, message, asio::redirect_error(asio::use_awaitable, ec));
    }
    beast::flat_buffer buffer;
    http::response<http::string_body> response;
    if (!ec) {
        co_await http::async_read(stream, buffer, response,
                                  asio::redirect_error(asio::use_awaitable, ec));
    }
    if (ec) {
        result = fail(fmt::format("{}: {}", describe(request), ec.message()));
        co_return;
    }
    result = HttpReply{static_cast<int>(response.result_int()),
                       std::string(response[http::field::content_type]), std::move(response.body()),
                       std::string(response[http::field::www_authenticate]),
                       std::string(response[http::field::allow])};
    stream.socket().shutdown(tcp::socket::shutdown_both, ec);
}

}  // namespace

Result<HttpReply> http_get(const HttpGet& request) {
    asio::io_context io;
    Result<HttpReply> result = fail(fmt::format("{}: timed out", describe(request)));
    asio::co_spawn(io, exchange(request, result), [&](std::exception_ptr failure) {
        if (failure) {
            result = fail(fmt::format("{}: the exchange failed", describe(request)));
        }
    });
    io.run();
    return result;
}

}  // namespace flowwatch::agent
