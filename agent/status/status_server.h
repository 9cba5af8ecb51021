#pragma once
/// The local status endpoint: an HTTP/1.1 server on Boost.Beast with its own thread, answering
/// from the latest published snapshot. See status_routes.h for what it answers.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "agent/status/listen_address.h"
#include "agent/status/status_snapshot.h"
#include "core/error.h"
#include "core/time.h"

namespace flowwatch::agent {

struct StatusServerOptions {
    ListenAddress listen{"127.0.0.1", 9464};  ///< Port 0 picks a free port.
    std::string token;                        ///< Empty: no token required.
    std::function<Timestamp()> clock;         ///< Defaults to the system clock.
};

class StatusServer {
  public:
    /// Binds and starts serving `initial`. Fails (naming the address) when it cannot bind.
    static Result<std::unique_ptr<StatusServer>> start(
        StatusServerOptions options, std::shared_ptr<const StatusSnapshot> initial);

    StatusServer(const StatusServer&) = delete;
    StatusServer& operator=(const StatusServer&) = delete;
    ~StatusServer();

    /// Replaces the snapshot the handlers read; never blocks on a handler for long.
    void publish(std::shared_ptr<const StatusSnapshot> snapshot);
    /// Stops accepting, drops open connections and joins the thread. Idempotent.
    void stop();

    std::uint16_t port() const;
    /// "http://127.0.0.1:9464".
    std::string url() const;

    struct Impl;

  private:
    explicit StatusServer(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace flowwatch::agent
