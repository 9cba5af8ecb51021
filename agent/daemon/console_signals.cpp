#include "agent/daemon/console_signals.h"

#include "agent/daemon/agent_daemon.h"
#include "agent/logging.h"

namespace flowwatch::agent {

ConsoleSignals::ConsoleSignals(StopSource& stop)
    : stop_(stop), signals_(io_, SIGTERM, SIGINT, SIGHUP) {
    wait();
    thread_ = std::thread([this] { io_.run(); });
}

ConsoleSignals::~ConsoleSignals() {
    io_.stop();
    thread_.join();
}

void ConsoleSignals::wait() {
    signals_.async_wait([this](const boost::system::error_code& ec, int signal) {
        if (ec) {
            return;
        }
        if (signal == SIGHUP) {
            component_logger("daemon")->info("signal {} received; the outputs will reopen", signal);
            request_output_reopen();
        } else {
            component_logger("daemon")->info("signal {} received; stopping", signal);
            stop_.request_stop();
        }
        wait();
    });
}

}  // namespace flowwatch::agent
