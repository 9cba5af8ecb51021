#pragma once
/// Where alerts go: one configured sink (a file, stdout, syslog, a webhook) that delivers one
/// alert at a time. The dispatcher calls it from one thread; an output need not lock.

#include <chrono>
#include <optional>
#include <string>
#include <utility>

#include "core/alert.h"
#include "core/error.h"

namespace flowwatch::agent {

class AlertOutput {
  public:
    explicit AlertOutput(std::string name) : name_(std::move(name)) {}
    virtual ~AlertOutput() = default;
    AlertOutput(const AlertOutput&) = delete;
    AlertOutput& operator=(const AlertOutput&) = delete;

    /// The configured name; it keys the output's delivery state in the store.
    const std::string& name() const { return name_; }

    /// Delivers one alert, within the output's own deadline. Success means the sink has it.
    virtual Result<void> deliver(const Alert& alert) = 0;

    /// Reopens files and connections (SIGHUP, after logrotate moved a file).
    virtual Result<void> reopen() { return {}; }

    /// After a failed delivery: how long the sink asked to be left alone (Retry-After), if it did.
    virtual std::optional<std::chrono::seconds> requested_delay() { return std::nullopt; }

  private:
    std::string name_;
};

}  // namespace flowwatch::agent
