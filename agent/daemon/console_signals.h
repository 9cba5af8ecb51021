#pragma once
/// Console signals for a foreground agent: SIGTERM and SIGINT raise the stop request, SIGHUP asks
/// the outputs to reopen their files (for logrotate). Handled on a thread of its own, so no
/// handler ever runs inside the agent's loops.

#include <csignal>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include "agent/service_host.h"

namespace flowwatch::agent {

class ConsoleSignals {
  public:
    /// Listens from construction until destruction; `stop` must outlive this.
    explicit ConsoleSignals(StopSource& stop);
    ~ConsoleSignals();
    ConsoleSignals(const ConsoleSignals&) = delete;
    ConsoleSignals& operator=(const ConsoleSignals&) = delete;

  private:
    void wait();

    StopSource& stop_;
    boost::asio::io_context io_;
    boost::asio::signal_set signals_;
    std::thread thread_;
};

}  // namespace flowwatch::agent
