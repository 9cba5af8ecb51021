#include "agent/outputs/syslog_message.h"

#include <array>

#include <fmt/format.h>

#include "agent/outputs/cef.h"

namespace flowwatch::agent {

namespace {

// 32473 is the private enterprise number RFC 5612 reserves for examples and documentation.
// TODO: register a private enterprise number for flowwatch and use it here.
constexpr std::string_view kSdId = "flowwatch@32473";

constexpr std::array<std::string_view, 24> kFacilityNames = {
    "kern",   "user",   "mail",     "daemon", "auth",   "syslog", "lpr",    "news",
    "uucp",   "cron",   "authpriv", "ftp",    "ntp",    "audit",  "alert",  "clock",
    "local0", "local1", "local2",   "local3", "local4", "local5", "local6", "local7"};

/// A header field (PRINTUSASCII, no spaces), cut to `max` characters; "-" when empty.
std::string header_field(std::string_view text, std::size_t max) {
    std::string out;
    for (char c : text.substr(0, max)) {
        out.push_back(c > ' ' && c < 127 ? c : '_');
    }
    return out.empty() ? std::string("-") : out;
}

}  // namespace

int facility_code(std::string_view name) {
    for (std::size_t i = 0; i < kFacilityNames.size(); ++i) {
        if (kFacilityNames[i] == name) {
            return static_cast<int>(i);
        }
    }
    return -1;
}

int syslog_severity(Severity severity) {
    switch (severity) {
        case Severity::low:
            return 5;
        case Severity::medium:
            return 4;
        case Severity::high:
            return 3;
        case Severity::critical:
            return 2;
    }
    return 4;
}

std::string sd_param_value(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        if (c == '"' || c == '\\' || c == ']') {
            out.push_back('\\');
        }
        out.push_back(c);
    }
    return out;
}

std::string rfc5424_message(const Alert& alert, const SyslogIdentity& identity, Timestamp now) {
    int pri = identity.facility * 8 + syslog_severity(alert.severity);
    std::string structured = fmt::format(
        "[{} id=\"{}\" trigger=\"{}\" severity=\"{}\" score=\"{}\" tenant=\"{}\" user=\"{}\"]",
        kSdId, sd_param_value(alert.id), trigger_name(alert.trigger), severity_name(alert.severity),
        alert.score, sd_param_value(alert.tenant), sd_param_value(alert.user));
    std::string body = identity.cef ? cef_event(alert)
                                    : to_json(alert).dump(-1, ' ', false,
                                                          nlohmann::json::error_handler_t::replace);
    return fmt::format("<{}>1 {} {} {} {} {} {} {}", pri, format_time(now),
                       header_field(identity.hostname, 255), header_field(identity.app_name, 48),
                       header_field(identity.procid, 128),
                       header_field(trigger_name(alert.trigger), 32), structured, body);
}

std::string octet_counted(std::string_view message) {
    return fmt::format("{} {}", message.size(), message);
}

}  // namespace flowwatch::agent
