#pragma once
/// HttpTransport on cpprestsdk: one client per origin, a per-request deadline, an optional private
/// CA and proxy. cpprest's exceptions end here and come back as transport errors.

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "agent/api/http_transport.h"

namespace web::http::client {
class http_client;
}

namespace flowwatch::agent::api {

struct CpprestTransportOptions {
    std::chrono::seconds timeout{60};
    std::string ca_file;  ///< PEM bundle trusted in addition to the system's.
    std::string proxy;    ///< "http://host:port" of an HTTPS proxy; empty for none.
};

class CpprestTransport final : public HttpTransport {
  public:
    explicit CpprestTransport(CpprestTransportOptions options);
    ~CpprestTransport() override;

    Result<HttpResponse> send(const HttpRequest& request) override;

  private:
    std::shared_ptr<web::http::client::http_client> client_for(const std::string& origin);

    CpprestTransportOptions options_;
    std::mutex mutex_;
    std::map<std::string, std::shared_ptr<web::http::client::http_client>> clients_;
};

}  // namespace flowwatch::agent::api
