#pragma once
/// The `webhook` output: an HTTPS POST of each alert's JSON (cpprestsdk), with configured
/// headers, under a deadline. Plain http is accepted only for loopback addresses.
///
/// Settings: `url` (required); `headers` (name → value); `header_files` (name → a file whose
/// trimmed content is the value, e.g. an Authorization header; registered as a secret, never
/// logged); `timeout_seconds` (10); `ca_file` (PEM bundle that replaces the system's).
/// One attempt per delivery: the dispatcher's backoff is the retry policy for every output, and
/// honours the Retry-After a 429 or 503 sends.

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "agent/outputs/alert_output.h"
#include "agent/outputs/output_settings.h"

namespace flowwatch::agent {

struct WebhookSettings {
    std::string url;
    std::map<std::string, std::string> headers;  ///< Literal and file-read headers together.
    std::chrono::seconds timeout{10};
    std::string ca_file;
};

/// Reads and checks the settings; reads the header files now so a missing one stops start-up.
Result<WebhookSettings> read_webhook_settings(OutputSettings& settings);

/// "https://siem.example.com:443": the URL without path or query, which may carry a token.
std::string webhook_origin(const std::string& url);

class WebhookOutput : public AlertOutput {
  public:
    WebhookOutput(std::string name, WebhookSettings settings);
    ~WebhookOutput() override;

    Result<void> deliver(const Alert& alert) override;
    std::optional<std::chrono::seconds> requested_delay() override;

  private:
    struct Client;

    WebhookSettings settings_;
    std::string origin_;
    std::unique_ptr<Client> client_;
    std::optional<std::chrono::seconds> requested_delay_;
};

}  // namespace flowwatch::agent
