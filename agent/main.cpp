/// The flowwatch executable: one binary, one subcommand per job.

#include <string>

#include <CLI/CLI.hpp>

#include "agent/commands/commands.h"

int main(int argc, char** argv) {
    CLI::App app{
        "flowwatch: raises \"M365 Suspect Power Automate Activity\" from Microsoft 365 audit "
        "records",
        "flowwatch"};
    app.set_version_flag("--version", std::string("flowwatch ") + FLOWWATCH_VERSION);
    app.require_subcommand(1);
    int exit_code = 0;
    flowwatch::agent::register_commands(app, exit_code);
    CLI11_PARSE(app, argc, argv);
    return exit_code;
}
