#include "agent/config.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <fstream>
#include <functional>
#include <iterator>
#include <limits>
#include <map>
#include <sstream>

#include <fmt/format.h>

#include "core/connector.h"

namespace flowwatch::agent {

namespace {

using nlohmann::json;

constexpr std::array<std::string_view, 4> kClouds = {"commercial", "gcc", "gcchigh", "dod"};
constexpr std::array<std::string_view, 5> kContentTypes = {
    "Audit.AzureActiveDirectory", "Audit.Exchange", "Audit.SharePoint", "Audit.General", "DLP.All"};
constexpr std::array<std::string_view, 4> kOutputTypes = {"jsonl", "stdout", "syslog", "webhook"};

/// Thrown inside the parser only, caught in parse_config and turned into an Error.
struct ConfigError {
    std::string path;
    std::string problem;
};

std::string lower(std::string_view s) {
    std::string out(s);
    std::ranges::transform(out, out.begin(), [](unsigned char c) {
        return static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    });
    return out;
}

std::string type_name(const json& j) {
    if (j.is_number_integer() || j.is_number_unsigned()) {
        return "a number";
    }
    if (j.is_number_float()) {
        return "a fractional number";
    }
    return fmt::format("{} {}", j.is_array() || j.is_object() ? "an" : "a", j.type_name());
}

/// Walks one JSON object: each key is taken by a handler, and any key left over is an error.
class ObjectWalker {
  public:
    ObjectWalker(const json& j, std::string path) : j_(j), path_(std::move(path)) {
        if (!j_.is_object()) {
            throw ConfigError{display_path(), "expected an object, got " + type_name(j_)};
        }
    }

    std::string key_path(std::string_view key) const {
        return path_.empty() ? std::string(key) : fmt::format("{}.{}", path_, key);
    }

    /// Calls `take(value, path)` when `key` is present.
    void on(std::string_view key,
            const std::function<void(const json&, const std::string&)>& take) {
        auto it = j_.find(std::string(key));
        if (it == j_.end()) {
            return;
        }
        taken_.emplace_back(key);
        take(*it, key_path(key));
    }

    void string(std::string_view key, std::string& out) {
        on(key, [&](const json& v, const std::string& p) { out = as_string(v, p); });
    }

    void integer(std::string_view key, int& out, int min, int max) {
        on(key, [&](const json& v, const std::string& p) { out = as_int(v, p, min, max); });
    }

    /// Keys not taken by any handler are errors; `rest`, when given, receives them instead.
    void finish(json* rest = nullptr) const {
        for (const auto& [key, value] : j_.items()) {
            if (std::ranges::find(taken_, key) != taken_.end()) {
                continue;
            }
            if (rest != nullptr) {
                (*rest)[key] = value;
                continue;
            }
            throw ConfigError{key_path(key), "unknown key"};
        }
    }

    static std::string as_string(const json& v, const std::string& path) {
        if (!v.is_string()) {
            throw ConfigError{path, "expected a string, got " + type_name(v)};
        }
        return v.get<std::string>();
    }

    static int as_int(const json& v, const std::string& path, int min, int max) {
        if (!v.is_number_integer() && !v.is_number_unsigned()) {
            throw ConfigError{path, "expected a whole number, got " + type_name(v)};
        }
        auto value = v.get<long long>();
        if (value < min || value > max) {
            throw ConfigError{path, fmt::format("{} is out of range {}..{}", value, min, max)};
        }
        return static_cast<int>(value);
    }

    static std::vector<std::string> as_strings(const json& v, const std::string& path) {
        if (!v.is_array()) {
            throw ConfigError{path, "expected an array of strings, got " + type_name(v)};
        }
        std::vector<std::string> out;
        for (std::size_t i = 0; i < v.size(); ++i) {
            out.push_back(as_string(v[i], fmt::format("{}[{}]", path, i)));
        }
        return out;
    }

  private:
    std::string display_path() const { return path_.empty() ? "(top level)" : path_; }

    const json& j_;
    std::string path_;
    std::vector<std::string> taken_;
};

template <std::size_t N>
std::string one_of(const json& v, const std::string& path,
                   const std::array<std::string_view, N>& allowed) {
    std::string value = ObjectWalker::as_string(v, path);
    if (std::ranges::find(allowed, value) == allowed.end()) {
        std::string list;
        for (auto a : allowed) {
            list += fmt::format("{}{}", list.empty() ? "" : ", ", a);
        }
        throw ConfigError{path, fmt::format("\"{}\" is not one of {}", value, list)};
    }
    return value;
}

void read_detection(const json& j, const std::string& path, DetectionPolicy& policy) {
    ObjectWalker w(j, path);
    w.integer("learning_days", policy.learning_days, 0, 3650);
    w.on("authorized_users", [&](const json& v, const std::string& p) {
        policy.authorized_users.clear();
        for (auto& user : ObjectWalker::as_strings(v, p)) {
            policy.authorized_users.insert(lower(user));
        }
    });
    auto connector_set = [](std::set<std::string>& out) {
        return [&out](const json& v, const std::string& p) {
            out.clear();
            auto names = ObjectWalker::as_strings(v, p);
            for (std::size_t i = 0; i < names.size(); ++i) {
                auto key = connector_key(names[i]);
                if (key.empty()) {
                    throw ConfigError{fmt::format("{}[{}]", p, i), "blank connector name"};
                }
                out.insert(std::move(key));
            }
        };
    };
    w.on("blocked_connectors", connector_set(policy.blocked_connectors));
    w.on("allowed_connectors", connector_set(policy.allowed_connectors));
    w.on("min_severity", [&](const json& v, const std::string& p) {
        auto name = ObjectWalker::as_string(v, p);
        auto severity = parse_severity(name);
        if (!severity)
            throw ConfigError{
                p, fmt::format("\"{}\" is not one of low, medium, high, critical", name)};
        policy.min_severity = *severity;
    });
    w.integer("burst_min_events", policy.burst_min_events, 1, 1'000'000);
    w.on("burst_factor", [&](const json& v, const std::string& p) {
        if (!v.is_number()) {
            throw ConfigError{p, "expected a number, got " + type_name(v)};
        }
        double factor = v.get<double>();
        if (!(factor >= 1.0 && factor <= 1000.0)) {
            throw ConfigError{p, "must be between 1 and 1000"};
        }
        policy.burst_factor = factor;
    });
    w.finish();
}

void read_certificate(const json& j, const std::string& path, CertificateSource& cert) {
    ObjectWalker w(j, path);
    w.string("key_file", cert.key_file);
    w.string("cert_file", cert.cert_file);
    w.string("key_credential", cert.key_credential);
    w.on("algorithm", [&](const json& v, const std::string& p) {
        cert.algorithm = one_of(v, p, std::array<std::string_view, 2>{"PS256", "RS256"});
    });
    w.finish();
    if (cert.cert_file.empty()) {
        throw ConfigError{path + ".cert_file", "is required"};
    }
    if (cert.key_file.empty() == cert.key_credential.empty()) {
        throw ConfigError{path, "give exactly one of key_file or key_credential"};
    }
}

TenantConfig read_tenant(const json& j, const std::string& path) {
    TenantConfig t;
    ObjectWalker w(j, path);
    w.string("tenant_id", t.tenant_id);
    w.string("client_id", t.client_id);
    w.on("client_secret", [](const json&, const std::string& p) {
        // The value is deliberately not repeated: it is a secret.
        throw ConfigError{p,
                          "a secret does not belong in the config file; put it in a file "
                          "(client_secret_file), an environment variable (client_secret_env) "
                          "or a systemd credential (client_secret_credential)"};
    });
    w.string("client_secret_file", t.secret.file);
    w.string("client_secret_env", t.secret.env);
    w.string("client_secret_credential", t.secret.credential);
    w.on("certificate", [&](const json& v, const std::string& p) {
        read_certificate(v, p, t.certificate.emplace());
    });
    w.on("cloud", [&](const json& v, const std::string& p) { t.cloud = one_of(v, p, kClouds); });
    w.string("publisher_id", t.publisher_id);
    w.on("content_types", [&](const json& v, const std::string& p) {
        if (!v.is_array() || v.empty()) {
            throw ConfigError{p, "expected a non-empty array of content types"};
        }
        t.content_types.clear();
        for (std::size_t i = 0; i < v.size(); ++i) {
            t.content_types.push_back(one_of(v[i], fmt::format("{}[{}]", p, i), kContentTypes));
        }
    });
    w.string("login_endpoint", t.login_endpoint);
    w.string("api_endpoint", t.api_endpoint);
    w.string("ca_file", t.ca_file);
    w.integer("backfill_days", t.backfill_days, 0, 7);
    w.integer("relist_overlap_minutes", t.relist_overlap_minutes, 0, 24 * 60);
    w.on("poll_interval_seconds", [&](const json& v, const std::string& p) {
        t.poll_interval_seconds = ObjectWalker::as_int(v, p, 1, 86'400);
    });
    w.finish();

    if (t.tenant_id.empty()) {
        throw ConfigError{path + ".tenant_id", "is required"};
    }
    if (t.client_id.empty()) {
        throw ConfigError{path + ".client_id", "is required"};
    }
    t.tenant_id = lower(t.tenant_id);
    int sources = (t.secret.file.empty() ? 0 : 1) + (t.secret.env.empty() ? 0 : 1) +
                  (t.secret.credential.empty() ? 0 : 1) + (t.certificate ? 1 : 0);
    if (sources != 1) {
        throw ConfigError{path,
                          "give exactly one of client_secret_file, client_secret_env, "
                          "client_secret_credential or certificate"};
    }
    if (t.publisher_id.empty()) {
        t.publisher_id = t.tenant_id;
    }
    return t;
}

void read_http(const json& j, const std::string& path, HttpConfig& http) {
    ObjectWalker w(j, path);
    w.integer("concurrency", http.concurrency, 1, 64);
    w.integer("timeout_seconds", http.timeout_seconds, 1, 3600);
    w.integer("max_requests_per_minute", http.max_requests_per_minute, 1, 2000);
    w.string("proxy", http.proxy);
    w.integer("retry_max_attempts", http.retry_max_attempts, 1, 20);
    w.integer("retry_base_delay_ms", http.retry_base_delay_ms, 1, 600'000);
    w.integer("retry_max_delay_ms", http.retry_max_delay_ms, 1, 3'600'000);
    w.finish();
    if (http.retry_max_delay_ms < http.retry_base_delay_ms) {
        throw ConfigError{path + ".retry_max_delay_ms",
                          "must not be less than retry_base_delay_ms"};
    }
}

void read_status(const json& j, const std::string& path, StatusConfig& status) {
    ObjectWalker w(j, path);
    w.string("listen", status.listen);
    w.string("token_file", status.token_file);
    w.finish();
}

std::vector<OutputConfig> read_outputs(const json& j, const std::string& path) {
    if (!j.is_array()) {
        throw ConfigError{path, "expected an array of outputs, got " + type_name(j)};
    }
    std::vector<OutputConfig> outputs;
    std::map<std::string, int> per_type;
    for (std::size_t i = 0; i < j.size(); ++i) {
        auto item_path = fmt::format("{}[{}]", path, i);
        OutputConfig out;
        ObjectWalker w(j[i], item_path);
        w.on("type",
             [&](const json& v, const std::string& p) { out.type = one_of(v, p, kOutputTypes); });
        w.string("name", out.name);
        w.finish(&out.settings);
        if (out.type.empty()) {
            throw ConfigError{item_path + ".type", "is required"};
        }
        int n = ++per_type[out.type];
        if (out.name.empty()) {
            out.name = n == 1 ? out.type : fmt::format("{}-{}", out.type, n);
        }
        outputs.push_back(std::move(out));
    }
    for (std::size_t i = 0; i < outputs.size(); ++i) {
        for (std::size_t k = 0; k < i; ++k) {
            if (outputs[i].name == outputs[k].name) {
                throw ConfigError{
                    fmt::format("{}[{}].name", path, i),
                    fmt::format("\"{}\" is already used by {}[{}]", outputs[i].name, path, k)};
            }
        }
    }
    return outputs;
}

void read_top(const json& j, Config& config) {
    ObjectWalker w(j, "");
    w.string("database", config.database);
    w.on("detection",
         [&](const json& v, const std::string& p) { read_detection(v, p, config.detection); });
    w.on("tenants", [&](const json& v, const std::string& p) {
        if (!v.is_array()) {
            throw ConfigError{p, "expected an array of tenants, got " + type_name(v)};
        }
        for (std::size_t i = 0; i < v.size(); ++i) {
            config.tenants.push_back(read_tenant(v[i], fmt::format("{}[{}]", p, i)));
        }
    });
    w.on("http", [&](const json& v, const std::string& p) { read_http(v, p, config.http); });
    w.on("status", [&](const json& v, const std::string& p) { read_status(v, p, config.status); });
    w.on("outputs",
         [&](const json& v, const std::string& p) { config.outputs = read_outputs(v, p); });
    w.integer("poll_interval_seconds", config.poll_interval_seconds, 1, 86'400);
    w.finish();
}

/// Line and column (from 1) of a byte offset, for syntax errors.
std::pair<std::size_t, std::size_t> line_and_column(std::string_view text, std::size_t offset) {
    offset = std::min(offset, text.size());
    auto before = text.substr(0, offset);
    auto line = static_cast<std::size_t>(std::ranges::count(before, '\n')) + 1;
    auto last_newline = before.rfind('\n');
    auto column = last_newline == std::string_view::npos ? offset + 1 : offset - last_newline;
    return {line, column};
}

}  // namespace

Result<Config> parse_config(std::string_view text, std::string_view origin) {
    if (text.starts_with("\xEF\xBB\xBF")) {
        text.remove_prefix(3);
    }
    json j;
    try {
        j = json::parse(text, nullptr, /*allow_exceptions=*/true, /*ignore_comments=*/true);
    } catch (const json::parse_error& e) {
        auto [line, column] = line_and_column(text, e.byte == 0 ? 0 : e.byte - 1);
        return fail(fmt::format("{}:{}:{}: not valid JSON (comments are allowed): {}", origin, line,
                                column, e.what()),
                    "config");
    } catch (const json::exception& e) {
        // A number too large for any type ("1e999") is out of range, not a parse error.
        return fail(fmt::format("{}: not usable JSON: {}", origin, e.what()), "config");
    }

    Config config;
    try {
        read_top(j, config);
    } catch (const ConfigError& e) {
        return fail(fmt::format("{}: {}: {}", origin, e.path, e.problem), "config");
    } catch (const json::exception& e) {
        return fail(fmt::format("{}: {}", origin, e.what()), "config");
    }

    for (std::size_t i = 0; i < config.tenants.size(); ++i) {
        for (std::size_t k = 0; k < i; ++k) {
            if (config.tenants[i].tenant_id == config.tenants[k].tenant_id) {
                return fail(fmt::format("{}: tenants[{}].tenant_id: {} is already configured in "
                                        "tenants[{}]",
                                        origin, i, config.tenants[i].tenant_id, k),
                            "config");
            }
        }
    }
    return config;
}

Result<Config> load_config(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        return fail(fmt::format("cannot read the configuration file {}", path.string()), "config");
    }
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in.bad()) {
        return fail(fmt::format("cannot read the configuration file {}", path.string()), "config");
    }

    auto config = parse_config(text, path.string());
    if (config) {
        config->source = path;
    }
    return config;
}

}  // namespace flowwatch::agent
