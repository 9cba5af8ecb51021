#pragma once
/// The `stdout` output: each alert as one JSON line on standard output, flushed per alert.

#include <cstdio>
#include <string>

#include "agent/outputs/alert_output.h"
#include "agent/outputs/output_settings.h"

namespace flowwatch::agent {

/// The entry takes no settings; any key is an error.
Result<void> read_stdout_settings(OutputSettings& settings);

class StdoutOutput : public AlertOutput {
  public:
    /// `stream` is stdout in the agent; tests pass a temporary file.
    explicit StdoutOutput(std::string name, std::FILE* stream = stdout);

    Result<void> deliver(const Alert& alert) override;

  private:
    std::FILE* stream_;
};

}  // namespace flowwatch::agent
