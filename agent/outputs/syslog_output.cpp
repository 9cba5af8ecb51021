#include "agent/outputs/syslog_output.h"

#include <chrono>
#include <utility>

#include <fmt/format.h>
#include <unistd.h>
#include <boost/asio/ip/host_name.hpp>

namespace flowwatch::agent {

namespace {

std::optional<SyslogTransportKind> transport_kind(std::string_view name) {
    if (name == "udp") {
        return SyslogTransportKind::udp;
    }
    if (name == "tcp") {
        return SyslogTransportKind::tcp;
    }
    if (name == "unix") {
        return SyslogTransportKind::unix_datagram;
    }
    if (name == "unix-stream") {
        return SyslogTransportKind::unix_stream;
    }
    return std::nullopt;
}

std::string this_host_name() {
    boost::system::error_code ec;
    std::string name = boost::asio::ip::host_name(ec);
    return ec ? std::string() : name;
}

Timestamp system_now() {
    return std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

void read_endpoint(OutputSettings& settings, SyslogEndpoint& endpoint) {
    if (auto transport = settings.text("transport")) {
        if (auto kind = transport_kind(*transport)) {
            endpoint.kind = *kind;
        } else {
            settings.reject(
                "transport",
                fmt::format("\"{}\": expected udp, tcp, unix or unix-stream", *transport));
        }
    }
    if (auto host = settings.text("host")) {
        endpoint.host = *host;
    }
    if (auto port = settings.number("port", 1, 65'535)) {
        endpoint.port = static_cast<std::uint16_t>(*port);
    }
    if (auto socket = settings.text("socket")) {
        endpoint.socket_path = *socket;
    }
    if (auto timeout = settings.number("timeout_seconds", 1, 300)) {
        endpoint.timeout = std::chrono::seconds(*timeout);
    }
}

void read_identity(OutputSettings& settings, SyslogIdentity& identity) {
    if (auto facility = settings.text("facility")) {
        identity.facility = facility_code(*facility);
        if (identity.facility < 0) {
            settings.reject("facility",
                            fmt::format("\"{}\": expected a name from kern to local7", *facility));
        }
    }
    if (auto format = settings.text("format")) {
        identity.cef = *format == "cef";
        if (*format != "cef" && *format != "json") {
            settings.reject("format", fmt::format("\"{}\": expected json or cef", *format));
        }
    }
    identity.hostname = settings.text("hostname").value_or(this_host_name());
    if (auto app_name = settings.text("app_name")) {
        identity.app_name = *app_name;
    }
    identity.procid = std::to_string(::getpid());
}

}  // namespace

Result<SyslogSettings> read_syslog_settings(OutputSettings& settings) {
    SyslogSettings out;
    read_endpoint(settings, out.endpoint);
    read_identity(settings, out.identity);
    if (auto done = settings.finish(); !done) {
        return std::unexpected(done.error());
    }
    return out;
}

SyslogOutput::SyslogOutput(std::string name, SyslogSettings settings, Clock clock)
    : AlertOutput(std::move(name)),
      settings_(std::move(settings)),
      clock_(clock ? std::move(clock) : Clock(system_now)),
      transport_(make_syslog_transport(settings_.endpoint)) {}

Result<void> SyslogOutput::deliver(const Alert& alert) {
    auto sent = transport_->send(rfc5424_message(alert, settings_.identity, clock_()));
    if (!sent) {
        return fail(
            fmt::format("syslog output {}: alert {}: {}", name(), alert.id, sent.error().message));
    }
    return {};
}

Result<void> SyslogOutput::reopen() {
    transport_->close();
    return {};
}

}  // namespace flowwatch::agent
