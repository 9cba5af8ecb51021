#include "agent/status/status_routes.h"

#include <algorithm>
#include <array>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "agent/status/alert_query.h"
#include "agent/status/bearer_token.h"
#include "agent/status/prometheus_text.h"
#include "agent/status/status_json.h"

namespace flowwatch::agent {

namespace {

constexpr std::array<std::string_view, 5> kPaths = {"/healthz", "/readyz", "/api/v1/status",
                                                    "/api/v1/alerts", "/metrics"};

StatusReply json_reply(int status, const nlohmann::json& body) {
    StatusReply reply;
    reply.status = status;
    reply.body = body.dump() + "\n";
    return reply;
}

StatusReply error_reply(int status, std::string_view message) {
    return json_reply(status, error_to_json(status, message));
}

StatusReply answer_readyz(const StatusSnapshot& snapshot, Timestamp now) {
    const auto readiness = check_readiness(snapshot, now);
    if (readiness.ready) {
        return json_reply(200, {{"ready", true}});
    }
    return json_reply(503, {{"ready", false}, {"reason", readiness.reason}});
}

StatusReply answer_alerts(std::string_view query, const StatusSnapshot& snapshot) {
    auto parsed = parse_alert_query(query);
    if (!parsed) {
        return error_reply(400, fmt::format("/api/v1/alerts: {}", parsed.error().message));
    }
    return json_reply(200, alerts_to_json(select_alerts(snapshot.recent_alerts, *parsed)));
}

StatusReply answer_metrics(const StatusSnapshot& snapshot, Timestamp now) {
    StatusReply reply;
    reply.content_type = std::string(kMetricsContentType);
    reply.body = render_metrics(snapshot, now);
    return reply;
}

}  // namespace

StatusReply answer_status_request(const StatusRequest& request, const StatusSnapshot& snapshot,
                                  Timestamp now, std::string_view token) {
    const auto question = request.target.find('?');
    const auto path = request.target.substr(0, question);
    const auto query = question == std::string_view::npos ? std::string_view{}
                                                          : request.target.substr(question + 1);

    // Everything but liveness needs the token, and unknown paths too, so they reveal nothing.
    if (path != "/healthz" && !token.empty() && !bearer_matches(request.authorization, token)) {
        auto reply = error_reply(401, "a valid bearer token is required");
        reply.ask_for_token = true;
        return reply;
    }
    if (std::find(kPaths.begin(), kPaths.end(), path) == kPaths.end()) {
        return error_reply(404, fmt::format("no such path: {}", path));
    }
    if (request.method != "GET") {
        auto reply = error_reply(405, fmt::format("{} takes GET only", path));
        reply.only_get = true;
        return reply;
    }
    if (path != "/api/v1/alerts" && !query.empty()) {
        return error_reply(400, fmt::format("{} takes no parameters", path));
    }

    if (path == "/healthz")
        return json_reply(200, {{"status", "alive"}});
    if (path == "/readyz")
        return answer_readyz(snapshot, now);
    if (path == "/api/v1/status")
        return json_reply(200, status_to_json(snapshot, now));
    if (path == "/api/v1/alerts")
        return answer_alerts(query, snapshot);
    return answer_metrics(snapshot, now);
}

}  // namespace flowwatch::agent
