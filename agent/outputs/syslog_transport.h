#pragma once
/// Carries finished syslog messages to a receiver over UDP, TCP or a Unix socket (Boost.Asio),
/// each operation under a deadline. Stream transports frame by octet counting (RFC 6587).

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/error.h"

namespace flowwatch::agent {

enum class SyslogTransportKind { udp, tcp, unix_datagram, unix_stream };

struct SyslogEndpoint {
    SyslogTransportKind kind = SyslogTransportKind::udp;
    std::string host = "127.0.0.1";             ///< udp and tcp.
    std::uint16_t port = 514;                   ///< udp and tcp.
    std::string socket_path = "/dev/log";       ///< unix and unix-stream.
    std::chrono::milliseconds timeout{10'000};  ///< Per connect, resolve or send.
};

/// "udp 127.0.0.1:514", "unix /dev/log": the target as errors name it.
std::string describe(const SyslogEndpoint& endpoint);

class SyslogTransport {
  public:
    virtual ~SyslogTransport() = default;

    /// Sends one message (unframed); connects first when there is no connection. On failure
    /// the connection is dropped and the next send starts a new one.
    virtual Result<void> send(std::string_view message) = 0;
    virtual void close() = 0;
};

std::unique_ptr<SyslogTransport> make_syslog_transport(const SyslogEndpoint& endpoint);

}  // namespace flowwatch::agent
