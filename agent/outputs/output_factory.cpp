#include "agent/outputs/output_factory.h"

#include <fmt/format.h>

#include "agent/outputs/jsonl_output.h"
#include "agent/outputs/output_settings.h"
#include "agent/outputs/stdout_output.h"
#include "agent/outputs/syslog_output.h"
#include "agent/outputs/webhook_output.h"

namespace flowwatch::agent {

namespace {

/// Builds one output from settings read by `read`, or passes the reader's error on.
template <typename Output, typename Settings>
Result<std::unique_ptr<AlertOutput>> built(const OutputConfig& config, Result<Settings> settings) {
    if (!settings) {
        return std::unexpected(settings.error());
    }
    return std::make_unique<Output>(config.name, std::move(*settings));
}

Result<std::unique_ptr<AlertOutput>> make_output(const OutputConfig& config, std::size_t index) {
    OutputSettings settings(config.settings, fmt::format("outputs[{}]", index));
    if (config.type == "jsonl") {
        return built<JsonlOutput>(config, read_jsonl_settings(settings));
    }
    if (config.type == "syslog") {
        return built<SyslogOutput>(config, read_syslog_settings(settings));
    }
    if (config.type == "webhook") {
        return built<WebhookOutput>(config, read_webhook_settings(settings));
    }
    if (config.type == "stdout") {
        if (auto checked = read_stdout_settings(settings); !checked) {
            return std::unexpected(checked.error());
        }
        return std::make_unique<StdoutOutput>(config.name);
    }
    return fail(fmt::format("outputs[{}].type: unknown output type \"{}\" (expected jsonl, stdout, "
                            "syslog or webhook)",
                            index, config.type),
                "config");
}

}  // namespace

Result<std::vector<std::unique_ptr<AlertOutput>>> make_outputs(
    const std::vector<OutputConfig>& configs) {
    std::vector<std::unique_ptr<AlertOutput>> outputs;
    for (std::size_t i = 0; i < configs.size(); ++i) {
        for (std::size_t k = 0; k < i; ++k) {
            if (configs[k].name == configs[i].name) {
                return fail(fmt::format("outputs[{}].name: \"{}\" is already used by outputs[{}]",
                                        i, configs[i].name, k),
                            "config");
            }
        }
        auto output = make_output(configs[i], i);
        if (!output) {
            return std::unexpected(output.error());
        }
        outputs.push_back(std::move(*output));
    }
    return outputs;
}

}  // namespace flowwatch::agent
