#pragma once
/// Accepts HTTP or HTTPS connections on 127.0.0.1 (an ephemeral port) and answers each request
/// with what a handler returns, delivering faulted answers late, cut short, or not at all.

#include <functional>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

#include "agent/simtenant/exchange.h"
#include "core/error.h"

namespace flowwatch::simtenant {

using RequestHandler = std::function<SimReply(const SimRequest&)>;

class HttpListener {
  public:
    /// `tls` (may be null for plain HTTP) and `io` must outlive every connection, which only
    /// ends when `io` is stopped and destroyed.
    static Result<std::unique_ptr<HttpListener>> open(boost::asio::io_context& io,
                                                      boost::asio::ssl::context* tls,
                                                      std::shared_ptr<RequestHandler> handler);

    unsigned short port() const { return port_; }

  private:
    HttpListener(boost::asio::io_context& io, boost::asio::ssl::context* tls,
                 std::shared_ptr<RequestHandler> handler);
    void accept();

    boost::asio::io_context& io_;
    boost::asio::ssl::context* tls_;
    std::shared_ptr<RequestHandler> handler_;
    boost::asio::ip::tcp::acceptor acceptor_;
    unsigned short port_ = 0;
};

}  // namespace flowwatch::simtenant
