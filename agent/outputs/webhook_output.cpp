#include "agent/outputs/webhook_output.h"

// cpprestsdk otherwise defines a macro U() that breaks fmt and Boost headers.
#define _TURN_OFF_PLATFORM_STRING

#include <algorithm>
#include <cctype>
#include <exception>
#include <fstream>
#include <sstream>
#include <utility>

#include <cpprest/http_client.h>
#include <fmt/format.h>
#include <boost/asio/ssl/context.hpp>

#include "agent/api/retry_policy.h"
#include "agent/logging.h"

namespace flowwatch::agent {

namespace {

constexpr std::chrono::seconds kMaxRequestedDelay{3600};
using HeaderMap = std::map<std::string, std::string>;

bool is_loopback_host(const std::string& host) {
    return host == "localhost" || host == "::1" || host == "[::1]" || host.starts_with("127.");
}

bool is_sensitive_header(std::string name) {
    std::ranges::transform(name, name.begin(),
                           [](char c) { return static_cast<char>(std::tolower(c)); });
    for (std::string_view word : {"auth", "key", "token", "secret", "cookie", "signature"}) {
        if (name.find(word) != std::string::npos) {
            return true;
        }
    }
    return false;
}

std::string trimmed(std::string text) {
    auto is_space = [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; };
    text.erase(text.begin(), std::ranges::find_if_not(text, is_space));
    while (!text.empty() && is_space(text.back())) {
        text.pop_back();
    }
    return text;
}

void read_url(OutputSettings& settings, WebhookSettings& out) {
    auto url = settings.text("url");
    if (!url) {
        settings.require("url");
        return;
    }
    try {
        web::uri uri(*url);
        bool https = uri.scheme() == "https";
        if (!https && !(uri.scheme() == "http" && is_loopback_host(uri.host()))) {
            settings.reject("url",
                            "expected an https URL (plain http only for a loopback address)");
            return;
        }
        if (uri.host().empty()) {
            settings.reject("url", "has no host");
            return;
        }
    } catch (const std::exception&) {
        settings.reject("url", "is not a valid URL");
        return;
    }
    out.url = *url;
    register_secret(out.url);
}

void read_headers(OutputSettings& settings, WebhookSettings& out) {
    for (auto& [name, value] : settings.text_map("headers").value_or(HeaderMap{})) {
        if (is_sensitive_header(name)) {
            register_secret(value);
        }
        out.headers[name] = value;
    }
    for (auto& [name, path] : settings.text_map("header_files").value_or(HeaderMap{})) {
        std::ifstream file(path, std::ios::binary);
        std::stringstream content;
        content << file.rdbuf();
        std::string value = trimmed(content.str());
        if (!file || value.empty()) {
            settings.reject(fmt::format("header_files.{}", name),
                            fmt::format("cannot read a value from {}", path));
            continue;
        }
        register_secret(value);
        out.headers[name] = value;
    }
}

/// The wait a Retry-After header asks for (seconds or an HTTP date), rounded up to seconds.
std::optional<std::chrono::seconds> retry_after(const web::http::http_headers& headers) {
    auto found = headers.find("Retry-After");
    if (found == headers.end()) {
        return std::nullopt;
    }
    auto now = std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now());
    auto wait = api::parse_retry_after(found->second, now);
    if (!wait) {
        return std::nullopt;
    }
    return std::min(std::chrono::ceil<std::chrono::seconds>(*wait), kMaxRequestedDelay);
}

}  // namespace

Result<WebhookSettings> read_webhook_settings(OutputSettings& settings) {
    WebhookSettings out;
    read_url(settings, out);
    read_headers(settings, out);
    if (auto timeout = settings.number("timeout_seconds", 1, 300)) {
        out.timeout = std::chrono::seconds(*timeout);
    }
    out.ca_file = settings.text("ca_file").value_or("");
    if (auto done = settings.finish(); !done) {
        return std::unexpected(done.error());
    }
    return out;
}

std::string webhook_origin(const std::string& url) {
    try {
        web::uri uri(url);
        int port = uri.port() > 0 ? uri.port() : (uri.scheme() == "https" ? 443 : 80);
        return fmt::format("{}://{}:{}", uri.scheme(), uri.host(), port);
    } catch (const std::exception&) {
        return "(invalid URL)";
    }
}

struct WebhookOutput::Client {
    web::http::client::http_client http;
};

WebhookOutput::WebhookOutput(std::string name, WebhookSettings settings)
    : AlertOutput(std::move(name)),
      settings_(std::move(settings)),
      origin_(webhook_origin(settings_.url)) {
    web::http::client::http_client_config config;
    config.set_timeout(settings_.timeout);
    if (!settings_.ca_file.empty()) {
        config.set_ssl_context_callback(
            [ca_file = settings_.ca_file](auto& context) { context.load_verify_file(ca_file); });
    }
    client_ =
        std::make_unique<Client>(Client{web::http::client::http_client(settings_.url, config)});
}

WebhookOutput::~WebhookOutput() = default;

Result<void> WebhookOutput::deliver(const Alert& alert) {
    requested_delay_.reset();
    web::http::http_request request(web::http::methods::POST);
    request.set_body(to_json(alert).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                     "application/json");
    for (const auto& [name, value] : settings_.headers) {
        request.headers().add(name, value);
    }

    try {
        auto response = client_->http.request(request).get();
        // Read the body so the connection can be reused; its content is not needed.
        response.extract_string().get();
        auto status = response.status_code();
        if (status >= 200 && status < 300) {
            return {};
        }
        requested_delay_ = retry_after(response.headers());
        return fail(fmt::format("webhook output {}: posting alert {} to {}: HTTP {}", name(),
                                alert.id, origin_, status),
                    std::to_string(status));
    } catch (const std::exception& e) {
        // cpprestsdk reports timeouts, refused connections and TLS failures as exceptions.
        return fail(fmt::format("webhook output {}: posting alert {} to {}: {}", name(), alert.id,
                                origin_, redact(e.what())));
    }
}

std::optional<std::chrono::seconds> WebhookOutput::requested_delay() {
    return requested_delay_;
}

}  // namespace flowwatch::agent
