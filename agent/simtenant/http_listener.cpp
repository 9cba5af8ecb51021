#include "agent/simtenant/http_listener.h"

#include <chrono>
#include <sstream>
#include <utility>

#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include "agent/simtenant/wire_format.h"

namespace flowwatch::simtenant {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

constexpr auto kIdleTimeout = std::chrono::seconds{60};

SimRequest to_sim_request(const http::request<http::string_body>& request) {
    SimRequest out;
    out.method = std::string(request.method_string());
    std::string_view target(request.target().data(), request.target().size());
    std::size_t question = target.find('?');
    out.path = percent_decode(target.substr(0, question), false);
    if (question != std::string_view::npos) {
        out.query = parse_form(target.substr(question + 1));
    }
    for (const auto& field : request) {
        std::string name(field.name_string());
        for (char& c : name) {
            c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        }
        out.headers[name] = std::string(field.value());
    }
    out.body = request.body();
    return out;
}

/// The bytes of the answer; `truncated` keeps the head and only half of the body.
std::string serialize(const SimReply& reply, unsigned version, bool keep_alive) {
    http::response<http::string_body> response;
    response.version(version);
    response.result(static_cast<unsigned>(reply.status));
    for (const auto& [name, value] : reply.headers) {
        response.set(name, value);
    }
    response.body() = reply.body;
    response.keep_alive(keep_alive);
    response.prepare_payload();

    std::ostringstream out;
    out << response;
    std::string bytes = out.str();
    if (reply.delivery == Delivery::truncated) {
        bytes.resize(bytes.size() - reply.body.size() + reply.body.size() / 2);
    }
    return bytes;
}

template <typename Stream>
class Session : public std::enable_shared_from_this<Session<Stream>> {
  public:
    Session(Stream stream, std::shared_ptr<RequestHandler> handler)
        : stream_(std::move(stream)),
          handler_(std::move(handler)),
          delay_(stream_.get_executor()) {}

    void run() {
        if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
            read();
        } else {
            beast::get_lowest_layer(stream_).expires_after(kIdleTimeout);
            stream_.async_handshake(asio::ssl::stream_base::server,
                                    [self = this->shared_from_this()](beast::error_code ec) {
                                        if (!ec) {
                                            self->read();
                                        }
                                    });
        }
    }

  private:
    void read() {
        request_ = {};
        beast::get_lowest_layer(stream_).expires_after(kIdleTimeout);
        http::async_read(stream_, buffer_, request_,
                         [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                             self->on_read(ec);
                         });
    }

    void on_read(beast::error_code ec) {
        if (ec) {
            close();
            return;
        }
        reply_ = (*handler_)(to_sim_request(request_));
        if (reply_.delay.count() <= 0) {
            respond();
            return;
        }
        // A timer, not a sleep: other connections keep being served, and stop cancels it.
        beast::get_lowest_layer(stream_).expires_never();
        delay_.expires_after(reply_.delay);
        delay_.async_wait([self = this->shared_from_this()](beast::error_code wait_ec) {
            if (!wait_ec) {
                self->respond();
            }
        });
    }

    void respond() {
        if (reply_.delivery == Delivery::reset) {
            // Linger zero turns the close into a TCP reset.
            beast::error_code ignored;
            auto& socket = beast::get_lowest_layer(stream_).socket();
            socket.set_option(asio::socket_base::linger(true, 0), ignored);
            socket.close(ignored);
            return;
        }
        keep_alive_ = request_.keep_alive() && reply_.delivery == Delivery::whole;
        out_ = serialize(reply_, request_.version(), keep_alive_);
        beast::get_lowest_layer(stream_).expires_after(kIdleTimeout);
        asio::async_write(stream_, asio::buffer(out_),
                          [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                              if (ec || !self->keep_alive_) {
                                  self->close();
                              } else {
                                  self->read();
                              }
                          });
    }

    void close() {
        beast::error_code ignored;
        auto& socket = beast::get_lowest_layer(stream_).socket();
        socket.shutdown(tcp::socket::shutdown_both, ignored);
        socket.close(ignored);
    }

    Stream stream_;
    std::shared_ptr<RequestHandler> handler_;
    asio::steady_timer delay_;
    beast::flat_buffer buffer_;
    http::request<http::string_body> request_;
    SimReply reply_;
    std::string out_;
    bool keep_alive_ = false;
};

}  // namespace

HttpListener::HttpListener(asio::io_context& io, asio::ssl::context* tls,
                           std::shared_ptr<RequestHandler> handler)
    : io_(io), tls_(tls), handler_(std::move(handler)), acceptor_(io) {}

Result<std::unique_ptr<HttpListener>> HttpListener::open(asio::io_context& io,
                                                         asio::ssl::context* tls,
                                                         std::shared_ptr<RequestHandler> handler) {
    std::unique_ptr<HttpListener> listener(new HttpListener(io, tls, std::move(handler)));
    beast::error_code ec;
    tcp::endpoint endpoint(asio::ip::make_address_v4("127.0.0.1"), 0);
    listener->acceptor_.open(endpoint.protocol(), ec);
    if (!ec) {
        listener->acceptor_.bind(endpoint, ec);
    }
    if (!ec) {
        listener->acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    }
    if (ec) {
        return fail("listen on 127.0.0.1 for the simulated tenant: " + ec.message());
    }
    listener->port_ = listener->acceptor_.local_endpoint().port();
    listener->accept();
    return listener;
}

void HttpListener::accept() {
    acceptor_.async_accept(io_, [this](beast::error_code ec, tcp::socket socket) {
        if (ec == asio::error::operation_aborted || !acceptor_.is_open()) {
            return;
        }
        if (!ec) {
            if (tls_ != nullptr) {
                using TlsStream = beast::ssl_stream<beast::tcp_stream>;
                std::make_shared<Session<TlsStream>>(
                    TlsStream(beast::tcp_stream(std::move(socket)), *tls_), handler_)
                    ->run();
            } else {
                std::make_shared<Session<beast::tcp_stream>>(beast::tcp_stream(std::move(socket)),
                                                             handler_)
                    ->run();
            }
        }
        accept();
    });
}

}  // namespace flowwatch::simtenant
