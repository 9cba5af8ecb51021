#pragma once
/// The `syslog` output: each alert as an RFC 5424 message (the alert's JSON, or CEF, as MSG)
/// over UDP, TCP or a Unix socket.
///
/// Settings: `transport` udp (default), tcp, unix (datagram) or unix-stream; `host` and `port`
/// (127.0.0.1:514); `socket` (/dev/log); `facility` (local0 by default: alerts stay out of the
/// system's auth logs and are easy to route); `format` json (default) or cef; `hostname` (this
/// host's name); `app_name` (flowwatch); `timeout_seconds` (10).

#include <functional>
#include <memory>
#include <string>

#include "agent/outputs/alert_output.h"
#include "agent/outputs/output_settings.h"
#include "agent/outputs/syslog_message.h"
#include "agent/outputs/syslog_transport.h"
#include "core/time.h"

namespace flowwatch::agent {

struct SyslogSettings {
    SyslogEndpoint endpoint;
    SyslogIdentity identity;
};

Result<SyslogSettings> read_syslog_settings(OutputSettings& settings);

class SyslogOutput : public AlertOutput {
  public:
    using Clock = std::function<Timestamp()>;

    /// `clock` gives each message's TIMESTAMP (the system clock in the agent).
    SyslogOutput(std::string name, SyslogSettings settings, Clock clock = {});

    Result<void> deliver(const Alert& alert) override;
    /// Drops the connection; the next alert connects again.
    Result<void> reopen() override;

  private:
    SyslogSettings settings_;
    Clock clock_;
    std::unique_ptr<SyslogTransport> transport_;
};

}  // namespace flowwatch::agent
