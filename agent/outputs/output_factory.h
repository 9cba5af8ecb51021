#pragma once
/// Builds the configured alert outputs. Each output reads and checks its own settings; errors
/// name the entry and key as the configuration file does (`outputs[1].port: expected a number`).

#include <memory>
#include <vector>

#include "agent/config.h"
#include "agent/outputs/alert_output.h"
#include "core/error.h"

namespace flowwatch::agent {

Result<std::vector<std::unique_ptr<AlertOutput>>> make_outputs(
    const std::vector<OutputConfig>& configs);

}  // namespace flowwatch::agent
