#include "agent/api/token_provider.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <regex>

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "agent/api/url.h"
#include "agent/logging.h"

namespace flowwatch::agent::api {
namespace {

struct LoginAdvice {
    std::string_view code;
    std::string_view advice;
};

constexpr std::array<LoginAdvice, 14> kLoginAdvice = {{
    {"AADSTS7000215",
     "the client secret is wrong; was the secret's ID pasted instead of its value? Copy the "
     "Value column from the app's Certificates & secrets page"},
    {"AADSTS7000222", "the client secret has expired; create a new secret for the app"},
    {"AADSTS7000218", "no client secret or certificate was sent; configure one for the tenant"},
    {"AADSTS700016",
     "the application (client_id) was not found in the tenant; check client_id and tenant_id, "
     "and that an admin consented to the app in this tenant"},
    {"AADSTS90002",
     "the tenant was not found; check tenant_id and that `cloud` names the tenant's cloud"},
    {"AADSTS90038", "the tenant belongs to another national cloud; set `cloud` accordingly"},
    {"AADSTS500011", "the Office 365 Management APIs resource is not in the tenant; check `cloud`"},
    {"AADSTS70011", "the scope was rejected; check `cloud` and `api_endpoint`"},
    {"AADSTS700027",
     "the client assertion's signature was rejected; upload this certificate to the app, or try "
     "algorithm RS256"},
    {"AADSTS700024", "the client assertion is outside its valid time; check this machine's clock"},
    {"AADSTS7000112", "the application is disabled in the tenant"},
    {"AADSTS90055", "too many token requests for the tenant; wait and try again"},
    {"AADSTS9001023", "client credentials need the tenant-specific endpoint; set tenant_id"},
    {"AADSTS50034", "the account does not exist in the tenant; check tenant_id"},
}};

constexpr auto kMaxRefreshMargin = std::chrono::minutes{5};

std::string form_field(std::string_view name, std::string_view value) {
    return std::string(name) + "=" + percent_encode(value);
}

}  // namespace

std::string_view auth_state_name(AuthState state) {
    switch (state) {
        case AuthState::ok:
            return "ok";
        case AuthState::failed:
            return "failed";
        case AuthState::unknown:
            break;
    }
    return "unknown";
}

Error explain_login_error(int status, std::string_view body, std::string_view tenant_id) {
    const auto json = nlohmann::json::parse(body, nullptr, false);
    std::string description;
    std::string error;
    std::string code;
    if (json.is_object()) {
        description = json.value("error_description", std::string{});
        error = json.value("error", std::string{});
        const auto codes = json.find("error_codes");
        if (codes != json.end() && codes->is_array() && !codes->empty() &&
            codes->front().is_number_integer()) {
            code = "AADSTS" + std::to_string(codes->front().get<std::int64_t>());
        }
    }
    if (code.empty()) {
        static const std::regex kCodePattern("AADSTS[0-9]+");
        std::smatch match;
        if (std::regex_search(description, match, kCodePattern)) {
            code = match.str();
        }
    }

    const std::string prefix = "login to tenant " + std::string(tenant_id) + " failed";
    for (const auto& [known, advice] : kLoginAdvice) {
        if (known == code) {
            return Error{prefix + ": " + code + ": " + std::string(advice), code};
        }
    }
    // An unknown code: show the server's first line, without its trace and correlation ids.
    std::string first_line = description.substr(0, description.find_first_of("\r\n"));
    if (first_line.empty()) {
        first_line = error.empty() ? "no error description" : error;
    }
    return Error{prefix + " (HTTP " + std::to_string(status) + "): " + first_line,
                 code.empty() ? "http_" + std::to_string(status) : code};
}

std::optional<std::int64_t> parse_expires_in(const std::string& response_body) {
    const auto json = nlohmann::json::parse(response_body, nullptr, false);
    if (!json.is_object() || !json.contains("expires_in")) {
        return std::nullopt;
    }
    const auto& value = json["expires_in"];
    if (value.is_number_integer()) {
        return value.get<std::int64_t>();
    }
    if (value.is_string()) {
        const auto text = value.get<std::string>();
        std::int64_t seconds = 0;
        auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), seconds);
        if (ec == std::errc{} && ptr == text.data() + text.size()) {
            return seconds;
        }
    }
    return std::nullopt;
}

TokenProvider::TokenProvider(HttpTransport& transport, TokenRequestTarget target,
                             ClientCredential credential, TimeSource time, RetryPolicy retry)
    : transport_(transport),
      target_(std::move(target)),
      credential_(std::move(credential)),
      time_(std::move(time)),
      retry_(retry) {}

Result<std::string> TokenProvider::token(const StopSource& stop) {
    std::lock_guard lock(mutex_);
    if (!access_token_.empty() && time_.now() < refresh_at_) {
        return access_token_;
    }
    auto fresh = request_token(stop);
    if (!fresh) {
        // Only an answer from the login service says the credential is bad; a network
        // failure says nothing about it.
        const std::string& code = fresh.error().code;
        if (code.starts_with("AADSTS") || code.starts_with("http_")) {
            state_ = AuthState::failed;
        }
        return fresh;
    }
    state_ = AuthState::ok;
    return access_token_;
}

void TokenProvider::invalidate() {
    std::lock_guard lock(mutex_);
    access_token_.clear();
}

AuthState TokenProvider::state() const {
    std::lock_guard lock(mutex_);
    return state_;
}

std::string TokenProvider::redact(std::string text) const {
    const std::string& secret = credential_.secret;
    if (secret.empty()) {
        return text;
    }
    for (auto at = text.find(secret); at != std::string::npos; at = text.find(secret, at)) {
        text.replace(at, secret.size(), "[redacted]");
    }
    return text;
}

Result<std::string> TokenProvider::request_token(const StopSource& stop) {
    HttpRequest request{.method = "POST", .url = target_.token_url};
    request.content_type = "application/x-www-form-urlencoded";
    request.body = form_field("grant_type", "client_credentials") + "&" +
                   form_field("client_id", target_.client_id) + "&" +
                   form_field("scope", target_.scope) + "&";
    if (credential_.signer) {
        auto assertion =
            credential_.signer->make_assertion(target_.client_id, target_.token_url, time_.now());
        if (!assertion) {
            return std::unexpected(assertion.error());
        }
        request.body += form_field("client_assertion_type",
                                   "urn:ietf:params:oauth:client-assertion-type:jwt-bearer") +
                        "&" + form_field("client_assertion", *assertion);
    } else {
        request.body += form_field("client_secret", credential_.secret);
    }

    const Timestamp asked_at = time_.now();
    auto response = send_with_retries(transport_, request, retry_, time_, stop);
    if (!response) {
        return fail(
            "login to tenant " + target_.tenant_id + ": " + redact(response.error().message),
            response.error().code);
    }
    if (response->status != 200) {
        Error error = explain_login_error(response->status, response->body, target_.tenant_id);
        return fail(redact(std::move(error.message)), error.code);
    }

    const auto json = nlohmann::json::parse(response->body, nullptr, false);
    const auto expires_in = parse_expires_in(response->body);
    if (!json.is_object() || !json.contains("access_token") || !json["access_token"].is_string() ||
        !expires_in || *expires_in <= 0) {
        return fail("login to tenant " + target_.tenant_id +
                        ": the token endpoint's answer has no access_token or expires_in",
                    "bad_token_response");
    }
    // Renew well before the end: the lifetime varies (60 to 90 minutes) and clocks drift.
    const std::chrono::seconds lifetime{*expires_in};
    const auto margin = std::min<std::chrono::milliseconds>(kMaxRefreshMargin, lifetime / 5);
    access_token_ = json["access_token"].get<std::string>();
    refresh_at_ = asked_at + lifetime - margin;
    component_logger("auth")->info("token obtained tenant={} expires_in={}s", target_.tenant_id,
                                   *expires_in);
    return access_token_;
}

}  // namespace flowwatch::agent::api
