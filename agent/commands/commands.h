#pragma once
/// Every subcommand of the flowwatch executable. Each lives in its own file and registers itself
/// on the application; the action stores the process exit code in `exit_code`.

#include <CLI/CLI.hpp>

namespace flowwatch::agent {

void add_replay_command(CLI::App& app, int& exit_code);
void add_generate_command(CLI::App& app, int& exit_code);
/// The platform's service command: `service install|uninstall|run` on Windows, none on Linux.
void add_service_command(CLI::App& app, int& exit_code);

/// Registers every command above.
void register_commands(CLI::App& app, int& exit_code);

}  // namespace flowwatch::agent
