#include "core/alert.h"

#include <array>
#include <cstdint>

#include <fmt/format.h>

namespace flowwatch {

namespace {

constexpr std::array<std::string_view, 4> kTriggerNames = {
    "unusual_connector", "unauthorized_connector", "cross_user_modification", "abnormal_activity"};
constexpr std::array<std::string_view, 4> kSeverityNames = {"low", "medium", "high", "critical"};

// FNV-1a over 64 bits, run twice with different offsets to make 128 bits of id. Stable across
// platforms and versions, which is all an alert id needs; it is not a security boundary.
std::uint64_t fnv1a(std::string_view data, std::uint64_t hash) {
    for (char c : data) {
        hash ^= static_cast<unsigned char>(c);
        hash *= 0x100000001b3ULL;
    }
    return hash;
}

template <typename T>
T get_or(const nlohmann::json& j, const char* key, T fallback) {
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) {
        return fallback;
    }
    return it->get<T>();
}

}  // namespace

std::string_view trigger_name(Trigger t) {
    return kTriggerNames.at(static_cast<std::size_t>(t));
}

std::optional<Trigger> parse_trigger(std::string_view name) {
    for (Trigger t : kAllTriggers) {
        if (trigger_name(t) == name) {
            return t;
        }
    }
    return std::nullopt;
}

std::string_view severity_name(Severity s) {
    return kSeverityNames.at(static_cast<std::size_t>(s));
}

std::optional<Severity> parse_severity(std::string_view name) {
    for (Severity s : kAllSeverities) {
        if (severity_name(s) == name) {
            return s;
        }
    }
    return std::nullopt;
}

Severity severity_for_score(int score) {
    if (score < 40) {
        return Severity::low;
    }
    if (score < 65) {
        return Severity::medium;
    }
    if (score < 85) {
        return Severity::high;
    }
    return Severity::critical;
}

nlohmann::json to_json(const Alert& alert) {
    return nlohmann::json{
        {"id", alert.id},
        {"detection", kDetectionName},
        {"trigger", trigger_name(alert.trigger)},
        {"severity", severity_name(alert.severity)},
        {"score", alert.score},
        {"tenant", alert.tenant},
        {"user", alert.user},
        {"time", format_time(alert.time)},
        {"operation", alert.operation},
        {"flow_id", alert.flow_id},
        {"environment", alert.environment},
        {"client_ip", alert.client_ip},
        {"connectors", alert.connectors},
        {"record_ids", alert.record_ids},
        {"reason", alert.reason},
        {"evidence", alert.evidence},
        {"mitre", alert.mitre},
    };
}

Alert alert_from_json(const nlohmann::json& j) {
    Alert alert;
    alert.id = get_or<std::string>(j, "id", "");
    alert.trigger = parse_trigger(get_or<std::string>(j, "trigger", "")).value_or(alert.trigger);
    alert.severity =
        parse_severity(get_or<std::string>(j, "severity", "")).value_or(alert.severity);
    alert.score = get_or<int>(j, "score", 0);
    alert.tenant = get_or<std::string>(j, "tenant", "");
    alert.user = get_or<std::string>(j, "user", "");
    alert.time = parse_time(get_or<std::string>(j, "time", "")).value_or(Timestamp{});
    alert.operation = get_or<std::string>(j, "operation", "");
    alert.flow_id = get_or<std::string>(j, "flow_id", "");
    alert.environment = get_or<std::string>(j, "environment", "");
    alert.client_ip = get_or<std::string>(j, "client_ip", "");
    alert.connectors = get_or<std::vector<std::string>>(j, "connectors", {});
    alert.record_ids = get_or<std::vector<std::string>>(j, "record_ids", {});
    alert.reason = get_or<std::string>(j, "reason", "");
    alert.evidence = get_or<nlohmann::json>(j, "evidence", nlohmann::json::object());
    alert.mitre = get_or<std::vector<std::string>>(j, "mitre", {});
    return alert;
}

std::string make_alert_id(std::string_view tenant, Trigger trigger, std::string_view key) {
    std::string material = fmt::format("{}\x1f{}\x1f{}", tenant, trigger_name(trigger), key);
    return fmt::format("{:016x}{:016x}", fnv1a(material, 0xcbf29ce484222325ULL),
                       fnv1a(material, 0x84222325cbf29ce4ULL));
}

}  // namespace flowwatch
