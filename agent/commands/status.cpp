/// `flowwatch status [--config FILE] [--json]`: asks the running agent's status endpoint and
/// prints a readable summary (or the JSON as served).

#include <chrono>
#include <memory>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "agent/commands/commands.h"
#include "agent/config.h"
#include "agent/status/bearer_token.h"
#include "agent/status/listen_address.h"
#include "agent/status/status_client.h"

namespace flowwatch::agent {
namespace {

struct StatusOptions {
    std::string config;
    bool json = false;
};

std::string text_or_dash(const nlohmann::json& value) {
    if (value.is_null()) {
        return "-";
    }
    return value.is_string() ? value.get<std::string>() : value.dump();
}

void print_summary(const nlohmann::json& status) {
    fmt::print("flowwatch {} up {} s, {}\n", text_or_dash(status["version"]),
               text_or_dash(status["uptime_seconds"]),
               status["ready"].get<bool>()
                   ? std::string("ready")
                   : "not ready: " + text_or_dash(status["not_ready_reason"]));
    for (const auto& tenant : status["tenants"]) {
        fmt::print("tenant {}\n", text_or_dash(tenant["tenant"]));
        fmt::print("  authentication {}, last success {}, lag {} s, backlog {} blobs\n",
                   text_or_dash(tenant["authentication"]), text_or_dash(tenant["last_success"]),
                   text_or_dash(tenant["lag_seconds"]), text_or_dash(tenant["backlog_blobs"]));
        fmt::print("  blobs {}, records {}, Power Automate records {}, duplicates {}, gaps {}\n",
                   text_or_dash(tenant["blobs"]), text_or_dash(tenant["records"]),
                   text_or_dash(tenant["power_automate_records"]),
                   text_or_dash(tenant["duplicates_skipped"]), text_or_dash(tenant["gaps"]));
        const auto& alerts = tenant["alerts"];
        fmt::print("  alerts: critical {}, high {}, medium {}, low {}\n",
                   text_or_dash(alerts["critical"]), text_or_dash(alerts["high"]),
                   text_or_dash(alerts["medium"]), text_or_dash(alerts["low"]));
        if (!tenant["last_error"].is_null()) {
            fmt::print("  last error [{}]: {}\n", text_or_dash(tenant["last_error"]["code"]),
                       text_or_dash(tenant["last_error"]["message"]));
        }
    }
}

Result<HttpGet> request_for(const StatusOptions& options) {
    Config config;
    if (!options.config.empty()) {
        auto loaded = load_config(options.config);
        if (!loaded) {
            return std::unexpected(loaded.error());
        }
        config = std::move(*loaded);
    }
    auto listen = parse_listen_address(config.status.listen);
    if (!listen) {
        return std::unexpected(listen.error());
    }
    if (!listen->has_value()) {
        return fail("the status endpoint is turned off in the configuration (status.listen)");
    }
    HttpGet request{.host = (*listen)->host, .port = (*listen)->port, .target = "/api/v1/status"};
    if (!config.status.token_file.empty()) {
        auto token = read_bearer_token(config.status.token_file);
        if (!token) {
            return std::unexpected(token.error());
        }
        request.bearer_token = std::move(*token);
    }
    return request;
}

int show_status(const StatusOptions& options) {
    auto request = request_for(options);
    if (!request) {
        fmt::print(stderr, "flowwatch status: {}\n", request.error().message);
        return 2;
    }
    auto reply = http_get(*request);
    if (!reply) {
        fmt::print(stderr, "flowwatch status: is the agent running? {}\n", reply.error().message);
        return 1;
    }
    if (reply->status != 200) {
        fmt::print(stderr, "flowwatch status: the endpoint answered {}: {}\n", reply->status,
                   reply->body);
        return 1;
    }
    auto status = nlohmann::json::parse(reply->body, nullptr, false);
    if (status.is_discarded()) {
        fmt::print(stderr, "flowwatch status: the endpoint's answer is not JSON\n");
        return 1;
    }
    if (options.json) {
        fmt::print("{}\n", status.dump(2));
    } else {
        print_summary(status);
    }
    return status["ready"] == true ? 0 : 3;
}

}  // namespace

void add_status_command(CLI::App& app, int& exit_code) {
    auto options = std::make_shared<StatusOptions>();
    auto* cmd = app.add_subcommand("status", "Ask the running agent how it is doing");
    cmd->add_option("--config", options->config,
                    "Configuration file (for status.listen and status.token_file)");
    cmd->add_flag("--json", options->json, "Print the status as JSON");
    cmd->callback([options, &exit_code] { exit_code = show_status(*options); });
}

}  // namespace flowwatch::agent
