/// `flowwatch run --config FILE`: the agent in the foreground. SIGTERM and SIGINT stop it
/// gracefully; SIGHUP has the outputs reopen their files (for logrotate).

#include <memory>
#include <string>

#include <fmt/format.h>

#include "agent/commands/commands.h"
#include "agent/config.h"
#include "agent/daemon/agent_daemon.h"
#include "agent/daemon/console_signals.h"
#include "agent/logging.h"
#include "agent/service_host.h"

namespace flowwatch::agent {
namespace {

struct RunOptions {
    std::string config;
    std::string log_level = "info";
    std::string log_format = "text";
};

int run(const RunOptions& options) {
    auto level = parse_log_level(options.log_level);
    auto format = parse_log_format(options.log_format);
    if (!level || !format) {
        fmt::print(stderr, "flowwatch run: {}\n",
                   !level ? level.error().message : format.error().message);
        return 2;
    }
    configure_logging(LogOptions{.level = *level, .format = *format});

    auto config = load_config(options.config);
    if (!config) {
        fmt::print(stderr, "flowwatch run: {}\n", config.error().message);
        return 2;
    }

    StopSource stop;
    ConsoleSignals signals(stop);
    return run_agent(*config, stop, platform_service_hooks());
}

}  // namespace

void add_run_command(CLI::App& app, int& exit_code) {
    auto options = std::make_shared<RunOptions>();
    auto* cmd = app.add_subcommand("run", "Poll every tenant and raise alerts until stopped");
    cmd->add_option("--config", options->config, "Configuration file")->required();
    cmd->add_option("--log-level", options->log_level, "trace, debug, info, warning, error")
        ->capture_default_str();
    cmd->add_option("--log-format", options->log_format, "text or json")->capture_default_str();
    cmd->callback([options, &exit_code] { exit_code = run(*options); });
}

}  // namespace flowwatch::agent
