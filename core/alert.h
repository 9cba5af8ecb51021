#pragma once
/// An alert of the detection "M365 Suspect Power Automate Activity", and its JSON form.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/time.h"

namespace flowwatch {

inline constexpr std::string_view kDetectionName = "M365 Suspect Power Automate Activity";

enum class Trigger {
    unusual_connector,
    unauthorized_connector,
    cross_user_modification,
    abnormal_activity,
};
inline constexpr Trigger kAllTriggers[] = {
    Trigger::unusual_connector, Trigger::unauthorized_connector, Trigger::cross_user_modification,
    Trigger::abnormal_activity};

enum class Severity { low, medium, high, critical };
inline constexpr Severity kAllSeverities[] = {Severity::low, Severity::medium, Severity::high,
                                              Severity::critical};

std::string_view trigger_name(Trigger t);
std::optional<Trigger> parse_trigger(std::string_view name);
std::string_view severity_name(Severity s);
std::optional<Severity> parse_severity(std::string_view name);

/// Severity bands of the 0–100 score: <40 low, <65 medium, <85 high, else critical.
Severity severity_for_score(int score);

struct Alert {
    std::string id;  ///< Stable: a hash of tenant, trigger and the records that raised it.
    Trigger trigger = Trigger::unusual_connector;
    Severity severity = Severity::low;
    int score = 0;  ///< 0–100.
    std::string tenant;
    std::string user;
    Timestamp time{};  ///< Event time of the record that raised it.
    std::string operation;
    std::string flow_id;
    std::string environment;
    std::string client_ip;
    std::vector<std::string> connectors;  ///< Display names of the flow's connectors.
    std::vector<std::string> record_ids;
    std::string reason;                                  ///< One sentence with the numbers.
    nlohmann::json evidence = nlohmann::json::object();  ///< The trigger's own facts.
    std::vector<std::string> mitre;                      ///< ATT&CK technique ids.
};

/// The alert as one JSON object (the form written to every output).
nlohmann::json to_json(const Alert& alert);
/// Reads an alert written by `to_json` back (used by the store and the status endpoint).
Alert alert_from_json(const nlohmann::json& j);

/// A stable alert id: 32 hex digits derived from the given parts.
std::string make_alert_id(std::string_view tenant, Trigger trigger, std::string_view key);

}  // namespace flowwatch
