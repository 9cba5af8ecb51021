/// TEST STAND-IN main for the Wine check of packaging/ci/windows.sh: the real agent/main.cpp
/// registers commands whose libraries cannot be cross-built here, so this one registers only the
/// service command (and --version), which is what the check exercises.

#include <string>

#include <CLI/CLI.hpp>

#include "agent/commands/commands.h"

int main(int argc, char** argv) {
    CLI::App app{"flowwatch (Windows service test build)", "flowwatch"};
    app.set_version_flag("--version", std::string("flowwatch ") + FLOWWATCH_VERSION);
    app.require_subcommand(1);
    int exit_code = 0;
    flowwatch::agent::add_service_command(app, exit_code);
    CLI11_PARSE(app, argc, argv);
    return exit_code;
}
