#include "agent/commands/commands.h"

namespace flowwatch::agent {

void register_commands(CLI::App& app, int& exit_code) {
    add_replay_command(app, exit_code);
    add_generate_command(app, exit_code);
    add_run_command(app, exit_code);
    add_status_command(app, exit_code);
    add_demo_command(app, exit_code);
    add_once_command(app, exit_code);
    add_service_command(app, exit_code);
}

}  // namespace flowwatch::agent
