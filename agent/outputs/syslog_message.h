#pragma once
/// An alert as an RFC 5424 syslog message, and the RFC 6587 octet-counting frame for streams.

#include <string>
#include <string_view>

#include "core/alert.h"
#include "core/time.h"

namespace flowwatch::agent {

/// Syslog facility codes (RFC 5424 §6.2.1) that an output may be configured with.
inline constexpr int kFacilityLocal0 = 16;

/// What a message says about its sender, and what its MSG part holds.
struct SyslogIdentity {
    int facility = kFacilityLocal0;
    std::string hostname;  ///< Printable ASCII; spaces and controls become '_'; empty gives "-".
    std::string app_name = "flowwatch";
    std::string procid;  ///< The process id as text; empty gives "-".
    bool cef = false;    ///< MSG is a CEF event instead of the alert's JSON.
};

/// The facility code of a name (`kern` … `local7`, RFC 5424 table 1), or -1.
int facility_code(std::string_view name);

/// Syslog severity of an alert: low 5 notice, medium 4 warning, high 3 error, critical 2 critical.
int syslog_severity(Severity severity);

/// `<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID [flowwatch@32473 …] MSG`, where MSGID is the
/// trigger and the structured data carries the alert's id, trigger, severity, score, tenant and
/// user. MSG has no byte-order mark (RFC 5424 MSG-ANY), so JSON readers take it as it is.
std::string rfc5424_message(const Alert& alert, const SyslogIdentity& identity, Timestamp now);

/// Escapes an SD-PARAM value: `"`, `\` and `]` get a backslash.
std::string sd_param_value(std::string_view text);

/// `MSG-LEN SP SYSLOG-MSG` (RFC 6587 §3.4.1), the framing for TCP and stream sockets.
std::string octet_counted(std::string_view message);

}  // namespace flowwatch::agent
