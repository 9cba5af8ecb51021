#pragma once
/// A minimal HTTP/1.1 GET over loopback for `flowwatch status` and the tests: one request, one
/// reply, one deadline for the whole exchange.

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/error.h"

namespace flowwatch::agent {

struct HttpReply {
    int status = 0;
    std::string content_type;
    std::string body;
    std::string www_authenticate;
    std::string allow;
};

struct HttpGet {
    std::string host;  ///< An IP literal.
    std::uint16_t port = 0;
    std::string target = "/";
    std::string method = "GET";
    std::string bearer_token;  ///< Sent as `Authorization: Bearer …` when not empty.
    std::chrono::milliseconds timeout{5000};
};

/// Sends the request and reads the reply; errors name the URL, never the token.
Result<HttpReply> http_get(const HttpGet& request);

}  // namespace flowwatch::agent
