#pragma once
/// The HTTP seam of the API client: one request in, one response (or a transport failure) out.
/// The cpprest adapter implements it for real traffic; tests put a fake behind it.

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.h"

namespace flowwatch::agent::api {

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
    std::string method = "GET";
    std::string url;
    HttpHeaders headers;
    std::string body;
    std::string content_type;  ///< Sent with the body when not empty.
};

struct HttpResponse {
    int status = 0;
    HttpHeaders headers;
    std::string body;

    /// The first header named `name`, compared without regard to case; "" when absent.
    std::string header(std::string_view name) const;
};

/// Error codes a transport gives a failed exchange, so the retry policy can judge it.
inline constexpr std::string_view kTimeoutCode = "timeout";
inline constexpr std::string_view kNetworkCode = "network";

class HttpTransport {
  public:
    virtual ~HttpTransport() = default;

    /// Sends `request` and waits for the whole response. Must be safe to call from several
    /// threads at once. Fails with code kTimeoutCode or kNetworkCode when no response came.
    virtual Result<HttpResponse> send(const HttpRequest& request) = 0;
};

/// True when two header names are equal without regard to ASCII case.
bool header_name_equals(std::string_view a, std::string_view b);

}  // namespace flowwatch::agent::api
