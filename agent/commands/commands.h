#pragma once
/// Every subcommand of the flowwatch executable. Each lives in its own file and registers itself
/// on the application; the action stores the process exit code in `exit_code`.

#include <CLI/CLI.hpp>

namespace flowwatch::agent {

void add_replay_command(CLI::App& app, int& exit_code);
void add_generate_command(CLI::App& app, int& exit_code);
/// `flowwatch once`: one polling cycle over every configured tenant (agent/commands/once.cpp).
void add_once_command(CLI::App& app, int& exit_code);
/// The platform's service command: `service install|uninstall|run` on Windows, none on Linux.
void add_service_command(CLI::App& app, int& exit_code);

/// `flowwatch run`: the agent in the foreground until SIGTERM or SIGINT (agent/commands/run.cpp).
void add_run_command(CLI::App& app, int& exit_code);
/// `flowwatch status`: asks the running agent's status endpoint (agent/commands/status.cpp).
void add_status_command(CLI::App& app, int& exit_code);
/// `flowwatch demo`: the agent against a simulated tenant on loopback (agent/commands/demo.cpp).
void add_demo_command(CLI::App& app, int& exit_code);

/// Registers every command above.
void register_commands(CLI::App& app, int& exit_code);

}  // namespace flowwatch::agent
