#include "agent/simtenant/token_endpoint.h"

#include <chrono>
#include <random>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "agent/simtenant/client_assertion.h"
#include "agent/simtenant/wire_format.h"

namespace flowwatch::simtenant {
namespace {

constexpr std::string_view kAssertionType =
    "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

std::string random_guid() {
    thread_local std::mt19937_64 generator{std::random_device{}()};
    std::uniform_int_distribution<unsigned> nibble(0, 15);
    std::string guid;
    for (int i = 0; i < 32; ++i) {
        if (i == 8 || i == 12 || i == 16 || i == 20) {
            guid.push_back('-');
        }
        guid.push_back("0123456789abcdef"[nibble(generator)]);
    }
    return guid;
}

std::string entra_timestamp(Timestamp now) {
    auto days = std::chrono::floor<std::chrono::days>(now);
    std::chrono::year_month_day date{days};
    std::chrono::hh_mm_ss clock{std::chrono::floor<std::chrono::seconds>(now - days)};
    return fmt::format("{:04}-{:02}-{:02} {:02}:{:02}:{:02}Z", static_cast<int>(date.year()),
                       static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                       clock.hours().count(), clock.minutes().count(), clock.seconds().count());
}

std::int64_t epoch_seconds(Timestamp t) {
    return std::chrono::floor<std::chrono::seconds>(t).time_since_epoch().count();
}

}  // namespace

SimReply entra_error(int status, const std::string& error, int code, const std::string& text,
                     Timestamp now) {
    std::string trace = random_guid();
    std::string correlation = random_guid();
    std::string stamp = entra_timestamp(now);
    nlohmann::json body = {
        {"error", error},
        {"error_description", fmt::format("AADSTS{}: {}\r\nTrace ID: {}\r\nCorrelation ID: "
                                          "{}\r\nTimestamp: {}",
                                          code, text, trace, correlation, stamp)},
        {"error_codes", nlohmann::json::array({code})},
        {"timestamp", stamp},
        {"trace_id", trace},
        {"correlation_id", correlation},
        {"error_uri", fmt::format("https://login.microsoftonline.com/error?code={}", code)},
    };
    return json_reply(status, body.dump());
}

TokenEndpoint::TokenEndpoint(TokenSettings settings, std::function<Timestamp()> clock,
                             Faults& faults)
    : settings_(std::move(settings)), clock_(std::move(clock)), faults_(faults) {}

SimReply TokenEndpoint::issue(const SimRequest& request, const std::string& path_tenant,
                              const std::string& endpoint_url) {
    Timestamp now = clock_();
    if (path_tenant != settings_.tenant_id) {
        return entra_error(400, "invalid_request", 90002,
                           fmt::format("Tenant '{}' not found. Check to make sure you have the "
                                       "correct tenant ID and are signing into the correct cloud.",
                                       path_tenant),
                           now);
    }
    if (request.method != "POST") {
        return entra_error(405, "invalid_request", 900561,
                           "The endpoint only accepts POST requests.", now);
    }

    auto form = parse_form(request.body);
    if (!form.contains("grant_type")) {
        return entra_error(400, "invalid_request", 900144,
                           "The request body must contain the following parameter: 'grant_type'.",
                           now);
    }
    if (form["grant_type"] != "client_credentials") {
        return entra_error(
            400, "unsupported_grant_type", 70003,
            "The app requested an unsupported grant type '" + form["grant_type"] + "'.", now);
    }
    if (form["client_id"] != settings_.client_id) {
        return entra_error(400, "unauthorized_client", 700016,
                           fmt::format("Application with identifier '{}' was not found in the "
                                       "directory '{}'. The app may not be installed by the "
                                       "tenant's administrator, or was sent to the wrong tenant.",
                                       form["client_id"], path_tenant),
                           now);
    }
    const std::string& scope = form["scope"];
    if (scope.size() <= 9 || !scope.ends_with("/.default") ||
        scope.find(' ') != std::string::npos) {
        return entra_error(400, "invalid_scope", 70011,
                           "The provided value for the input parameter 'scope' is not valid. The "
                           "scope for client credentials must name one resource and end in "
                           "'/.default'.",
                           now);
    }
    return check_credentials(form, endpoint_url);
}

SimReply TokenEndpoint::check_credentials(const std::map<std::string, std::string>& form,
                                          const std::string& endpoint_url) {
    Timestamp now = clock_();
    auto secret = form.find("client_secret");
    auto assertion = form.find("client_assertion");
    auto assertion_type = form.find("client_assertion_type");

    if (assertion != form.end() && assertion_type != form.end() &&
        assertion_type->second == kAssertionType && !settings_.certificate_pem.empty()) {
        auto verified = verify_client_assertion(
            assertion->second, AssertionExpectations{settings_.certificate_pem, endpoint_url,
                                                     settings_.client_id, now});
        if (!verified) {
            int code = std::stoi(verified.error().code);
            return entra_error(code == 700024 ? 400 : 401, "invalid_client", code,
                               verified.error().message, now);
        }
        return grant();
    }
    if (secret != form.end() && !settings_.client_secret.empty()) {
        if (secret->second != settings_.client_secret) {
            // Entra answers a wrong secret with 401 invalid_client.
            return entra_error(401, "invalid_client", 7000215,
                               fmt::format("Invalid client secret provided. Ensure the secret "
                                           "being sent in the request is the client secret "
                                           "value, not the client secret ID, for a secret added "
                                           "to app '{}'.",
                                           settings_.client_id),
                               now);
        }
        if (settings_.client_secret_expired) {
            return entra_error(401, "invalid_client", 7000222,
                               fmt::format("The provided client secret keys for app '{}' are "
                                           "expired. Visit the Azure portal to create new keys "
                                           "for your app.",
                                           settings_.client_id),
                               now);
        }
        return grant();
    }
    return entra_error(400, "invalid_client", 7000218,
                       "The request body must contain the following parameter: "
                       "'client_assertion' or 'client_secret'.",
                       now);
}

SimReply TokenEndpoint::grant() {
    Timestamp now = clock_();
    Timestamp expires_at = now + std::chrono::seconds{settings_.lifetime_seconds};

    // Shaped like a real access token so a client that peeks at it finds the usual claims.
    nlohmann::json header = {{"typ", "JWT"}, {"alg", "RS256"}};
    nlohmann::json claims = {
        {"aud", "https://manage.office.com"},
        {"iss", "https://sts.windows.net/" + settings_.tenant_id + "/"},
        {"iat", epoch_seconds(now)},
        {"nbf", epoch_seconds(now)},
        {"exp", epoch_seconds(expires_at)},
        {"appid", settings_.client_id},
        {"tid", settings_.tenant_id},
        {"roles", nlohmann::json::array({"ActivityFeed.Read"})},
        {"uti", random_guid()},
    };
    std::string token = base64url_encode(header.dump()) + "." + base64url_encode(claims.dump()) +
                        "." + base64url_encode(random_guid() + random_guid());
    {
        std::lock_guard lock(mutex_);
        issued_[token] = Issued{expires_at, faults_.token_generation()};
        ++tokens_issued_;
    }

    nlohmann::json body = {{"token_type", "Bearer"}, {"access_token", token}};
    if (settings_.expires_in_as_string) {
        body["expires_in"] = std::to_string(settings_.lifetime_seconds);
        body["ext_expires_in"] = std::to_string(settings_.lifetime_seconds);
    } else {
        body["expires_in"] = settings_.lifetime_seconds;
        body["ext_expires_in"] = settings_.lifetime_seconds;
    }
    return json_reply(200, body.dump());
}

BearerCheck TokenEndpoint::check(const std::string& authorization) {
    constexpr std::string_view kScheme = "Bearer ";
    if (authorization.size() <= kScheme.size() || !authorization.starts_with(kScheme)) {
        return BearerCheck::missing;
    }
    std::string token = authorization.substr(kScheme.size());
    std::lock_guard lock(mutex_);
    auto it = issued_.find(token);
    if (it == issued_.end()) {
        return BearerCheck::unknown;
    }
    if (it->second.generation != faults_.token_generation() || clock_() >= it->second.expires_at) {
        return BearerCheck::expired;
    }
    return BearerCheck::valid;
}

int TokenEndpoint::tokens_issued() const {
    std::lock_guard lock(mutex_);
    return tokens_issued_;
}

}  // namespace flowwatch::simtenant
