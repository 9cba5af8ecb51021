/// The platform's service command: on Linux systemd runs flowwatch (packaging/linux/
/// flowwatch.service), so there is nothing to install from the binary and no command to add.

#include "agent/commands/commands.h"

namespace flowwatch::agent {

void add_service_command(CLI::App&, int&) {}

}  // namespace flowwatch::agent
