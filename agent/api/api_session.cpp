#include "agent/api/api_session.h"

#include "agent/api/url.h"
#include "agent/logging.h"

namespace flowwatch::agent::api {

ApiSession::ApiSession(HttpTransport& transport, TokenProvider& tokens, RateLimiter& limiter,
                       ApiSessionOptions options, TimeSource time)
    : transport_(transport),
      tokens_(tokens),
      limiter_(limiter),
      options_(std::move(options)),
      time_(std::move(time)) {}

bool ApiSession::is_api_url(std::string_view url) const {
    return same_origin(url, options_.api_base);
}

Result<HttpResponse> ApiSession::get(std::string_view url, const StopSource& stop) {
    return send("GET", url, stop);
}

Result<HttpResponse> ApiSession::post(std::string_view url, const StopSource& stop) {
    return send("POST", url, stop);
}

std::map<std::string, std::uint64_t> ApiSession::request_counts() const {
    std::lock_guard lock(counts_mutex_);
    return counts_;
}

void ApiSession::count(std::string_view outcome) {
    std::lock_guard lock(counts_mutex_);
    ++counts_[std::string(outcome)];
}

Result<HttpResponse> ApiSession::send(std::string method, std::string_view url,
                                      const StopSource& stop) {
    // The token goes to the API host and nowhere else, whatever a listing says.
    if (!is_api_url(url)) {
        count("refused");
        const auto parts = parse_url(url);
        const std::string host = parts ? parts->origin() : std::string("(not a URL)");
        component_logger("api")->error(
            "security: refused to send the API token to a foreign host {}",
            fields({{"tenant", options_.tenant_id}, {"host", host}}));
        return fail("tenant " + options_.tenant_id + ": refused " + method + " to " + host +
                        ": it is not the API host " + options_.api_base,
                    std::string(kForeignHostCode));
    }

    HttpRequest request{.method = std::move(method), .url = std::string(url)};
    if (!has_query_parameter(url, "PublisherIdentifier")) {
        request.url = append_query(url, "PublisherIdentifier", options_.publisher_id);
    }
    if (request.method == "POST") {
        request.content_type = "application/json";
    }

    auto response = send_once(request, stop);
    if (response && response->status == 401) {
        // The token may have been revoked or expired early: log in again, once.
        count("unauthorized");
        tokens_.invalidate();
        response = send_once(request, stop);
    }
    return response;
}

Result<HttpResponse> ApiSession::send_once(const HttpRequest& request, const StopSource& stop) {
    auto token = tokens_.token(stop);
    if (!token) {
        return std::unexpected(token.error());
    }
    HttpRequest authorized = request;
    authorized.headers.emplace_back("Authorization", "Bearer " + *token);
    authorized.headers.emplace_back("Accept", "application/json");

    Timestamp sent_at{};
    RetryHooks hooks;
    hooks.before_attempt = [&] {
        const bool go = limiter_.acquire(stop);
        sent_at = time_.now();
        return go;
    };
    hooks.on_attempt = [this](std::string_view outcome) { count(outcome); };
    auto response = send_with_retries(transport_, authorized, options_.retry, time_, stop, hooks);
    if (response) {
        note_server_date(*response, sent_at);
    }
    return response;
}

void ApiSession::note_server_date(const HttpResponse& response, Timestamp sent_at) {
    const auto server = parse_http_date(response.header("Date"));
    if (!server) {
        return;
    }
    // The Date header has whole seconds; half the round trip is noise next to that.
    const auto skew = *server - sent_at;
    skew_ms_.store(std::chrono::duration_cast<std::chrono::milliseconds>(skew).count());
}

}  // namespace flowwatch::agent::api
