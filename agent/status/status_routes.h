#pragma once
/// What the status endpoint answers to one request, decided from the request line, the
/// Authorization header and a snapshot: no socket, no waiting on the poll loop.

#include <string>
#include <string_view>

#include "agent/status/status_snapshot.h"
#include "core/time.h"

namespace flowwatch::agent {

struct StatusRequest {
    std::string_view method;
    std::string_view target;  ///< Path and query, as sent.
    std::string_view authorization;
};

struct StatusReply {
    int status = 200;
    std::string content_type = "application/json";
    std::string body;
    bool ask_for_token = false;  ///< 401: send `WWW-Authenticate: Bearer`.
    bool only_get = false;       ///< 405: send `Allow: GET`.
};

/// Routes one request. `token` empty means no token is required.
StatusReply answer_status_request(const StatusRequest& request, const StatusSnapshot& snapshot,
                                  Timestamp now, std::string_view token);

}  // namespace flowwatch::agent
