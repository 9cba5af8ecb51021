/// TEST STAND-IN, built only into the Wine check of packaging/ci/windows.sh, never into
/// flowwatch (agent/CMakeLists.txt leaves test_standin_*.cpp out): cpprestsdk cannot be
/// cross-built here, so this run_agent replaces the real agent. It behaves as the real one does
/// towards its host: ready once up, alive from its loop, and on a stop request it runs a stop
/// path that leaves standin-stop-ran.txt in the working (state) directory as proof.

#include <chrono>
#include <fstream>

#include "agent/service_host.h"

namespace flowwatch::agent {

int run_agent(const Config& config, StopSource& stop, const ServiceHooks& hooks) {
    if (hooks.ready) {
        hooks.ready();
    }
    if (hooks.status) {
        hooks.status("test stand-in, " + std::to_string(config.tenants.size()) + " tenants");
    }
    while (!stop.wait_for(std::chrono::milliseconds(200))) {
        if (hooks.alive) {
            hooks.alive();
        }
    }

    if (hooks.stopping) {
        hooks.stopping();
    }
    std::ofstream marker("standin-stop-ran.txt");
    marker << "stop path ran\n";
    return marker ? 0 : 1;
}

}  // namespace flowwatch::agent
