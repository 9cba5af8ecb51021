#pragma once
/// The agent's configuration: one JSON file (comments allowed), every key optional. Unknown keys
/// and wrong types are errors that name the key ("tenants[0].cloud: expected a string").

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/policy.h"

namespace flowwatch::agent {

/// Where a tenant's client secret comes from. The secret itself is never kept in the config.
struct SecretSource {
    std::string file;  ///< client_secret_file
    std::string env;   ///< client_secret_env
    /// client_secret_credential: a name under systemd's $CREDENTIALS_DIRECTORY.
    std::string credential;
};

struct CertificateSource {
    std::string key_file;   ///< PEM private key (or a $CREDENTIALS_DIRECTORY name via credential).
    std::string cert_file;  ///< PEM certificate whose thumbprint is sent.
    std::string key_credential;
    std::string algorithm = "PS256";  ///< PS256 (x5t#S256) or RS256 (x5t).
};

struct TenantConfig {
    std::string tenant_id;
    std::string client_id;
    SecretSource secret;
    std::optional<CertificateSource> certificate;
    std::string cloud = "commercial";  ///< commercial, gcc, gcchigh, dod.
    std::string publisher_id;          ///< Defaults to tenant_id.
    std::vector<std::string> content_types{"Audit.General"};
    std::string login_endpoint;  ///< Overrides the cloud's login host (tests).
    std::string api_endpoint;    ///< Overrides the cloud's API host (tests).
    std::string ca_file;
    int backfill_days = 7;
    int relist_overlap_minutes = 60;
    std::optional<int> poll_interval_seconds;  ///< Overrides the global one.
};

struct HttpConfig {
    int concurrency = 4;
    int timeout_seconds = 60;
    int max_requests_per_minute = 600;
    std::string proxy;
    /// Attempts per idempotent request, the first included, and the backoff between them.
    int retry_max_attempts = 5;
    int retry_base_delay_ms = 1000;
    int retry_max_delay_ms = 60'000;
};

struct StatusConfig {
    std::string listen = "127.0.0.1:9464";  ///< "" or "off" turns the endpoint off.
    std::string token_file;
};

/// One alert output; `type` is jsonl, stdout, syslog or webhook. The remaining keys of the entry
/// are kept as JSON for the output to read (and reject) itself.
struct OutputConfig {
    std::string type;
    std::string name;  ///< Unique; defaults to "<type>" or "<type>-<n>"; keys delivery state.
    nlohmann::json settings = nlohmann::json::object();
};

struct Config {
    std::filesystem::path source;  ///< The file it was read from; empty for defaults.
    std::string database;          ///< Path of the SQLite database.
    DetectionPolicy detection;
    std::vector<TenantConfig> tenants;
    HttpConfig http;
    StatusConfig status;
    std::vector<OutputConfig> outputs;
    int poll_interval_seconds = 60;
};

/// Parses configuration text. `origin` names it in errors.
Result<Config> parse_config(std::string_view text, std::string_view origin);
/// Reads and parses a configuration file.
Result<Config> load_config(const std::filesystem::path& path);

}  // namespace flowwatch::agent
