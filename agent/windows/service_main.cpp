#include "agent/windows/service_main.h"

#include <windows.h>

#include <exception>
#include <iostream>
#include <mutex>
#include <string>

#include "agent/config.h"
#include "agent/service_host.h"
#include "agent/windows/event_log.h"
#include "agent/windows/state_directory.h"
#include "agent/windows/windows_text.h"

namespace flowwatch::agent::windows {

namespace {

constexpr DWORD kStartWaitHintMs = 60'000;
constexpr DWORD kStopWaitHintMs = 30'000;
constexpr DWORD kConsoleCloseGraceMs = 4'500;
constexpr DWORD kAcceptedControls =
    SERVICE_ACCEPT_STOP | SERVICE_ACCEPT_SHUTDOWN | SERVICE_ACCEPT_PRESHUTDOWN;

/// Tells the SCM where the service is; within a pending state each report advances the
/// checkpoint, so a slow start or stop is seen as progress rather than a hang.
class StatusReporter {
  public:
    void attach(SERVICE_STATUS_HANDLE handle) { handle_ = handle; }

    void start_pending() { report(SERVICE_START_PENDING, kStartWaitHintMs, 0); }

    /// RUNNING, unless a stop already began.
    void running() {
        std::lock_guard lock(mutex_);
        if (status_.dwCurrentState == SERVICE_START_PENDING) {
            set(SERVICE_RUNNING, 0, 0);
        }
    }

    void stop_pending() {
        std::lock_guard lock(mutex_);
        if (status_.dwCurrentState != SERVICE_STOP_PENDING) {
            set(SERVICE_STOP_PENDING, kStopWaitHintMs, 0);
        }
    }

    /// Re-reports a pending state with the next checkpoint; nothing otherwise.
    void progress() {
        std::lock_guard lock(mutex_);
        const DWORD state = status_.dwCurrentState;
        if (state == SERVICE_START_PENDING || state == SERVICE_STOP_PENDING) {
            set(state, status_.dwWaitHint, 0);
        }
    }

    void stopped(int exit_code) { report(SERVICE_STOPPED, 0, exit_code); }

  private:
    void report(DWORD state, DWORD wait_hint, int exit_code) {
        std::lock_guard lock(mutex_);
        set(state, wait_hint, exit_code);
    }

    void set(DWORD state, DWORD wait_hint, int exit_code) {
        const bool pending = state == SERVICE_START_PENDING || state == SERVICE_STOP_PENDING;
        status_.dwServiceType = SERVICE_WIN32_OWN_PROCESS;
        status_.dwControlsAccepted = state == SERVICE_STOPPED ? 0 : kAcceptedControls;
        status_.dwWin32ExitCode = exit_code == 0 ? NO_ERROR : ERROR_SERVICE_SPECIFIC_ERROR;
        status_.dwServiceSpecificExitCode = static_cast<DWORD>(exit_code);
        status_.dwCheckPoint = pending && state == status_.dwCurrentState ? status_.dwCheckPoint + 1
                                                                          : (pending ? 1 : 0);
        status_.dwCurrentState = state;
        status_.dwWaitHint = wait_hint;
        if (handle_ != nullptr) {
            SetServiceStatus(handle_, &status_);
        }
    }

    std::mutex mutex_;
    SERVICE_STATUS_HANDLE handle_ = nullptr;
    SERVICE_STATUS status_{};
};

/// Everything one run of the service shares between the SCM's threads and the agent.
struct HostedAgent {
    std::filesystem::path config_path;
    StopSource stop;
    StatusReporter reporter;
    EventLog log;
    /// Started from a console: errors go to stderr as well, where the user is looking.
    bool console = false;

    void error(const std::string& message) const {
        log.error(message);
        if (console) {
            std::cerr << message << "\n";
        }
    }
};

// ServiceMain and the console handler take no context argument, so they find the run here.
HostedAgent* hosted = nullptr;
HANDLE foreground_finished = nullptr;

/// Loads the configuration and runs the agent in the state directory; every way out is an exit
/// code, and start, stop and fatal errors reach the event log.
int run_hosted(HostedAgent& agent, const ServiceHooks& hooks) {
    if (auto directory = state_directory()) {
        SetCurrentDirectoryW(directory->c_str());
    }
    auto config = load_config(agent.config_path);
    if (!config) {
        agent.error("flowwatch could not start: " + config.error().message);
        return kConfigExitCode;
    }

    int exit_code = kFatalExitCode;
    try {
        exit_code = run_agent(*config, agent.stop, hooks);
    } catch (const std::exception& error) {
        agent.error(std::string("flowwatch stopped on a fatal error: ") + error.what());
        return kFatalExitCode;
    }
    if (exit_code != 0) {
        agent.error("flowwatch stopped with exit code " + std::to_string(exit_code));
    } else {
        agent.log.information("flowwatch stopped");
    }
    return exit_code;
}

DWORD WINAPI handle_control(DWORD control, DWORD, void*, void* context) {
    auto& agent = *static_cast<HostedAgent*>(context);
    switch (control) {
        case SERVICE_CONTROL_STOP:
        case SERVICE_CONTROL_SHUTDOWN:
        case SERVICE_CONTROL_PRESHUTDOWN:
            // The same stop request as SIGTERM on Linux; the agent's stop path does the rest.
            agent.reporter.stop_pending();
            agent.stop.request_stop();
            return NO_ERROR;
        case SERVICE_CONTROL_INTERROGATE:
            return NO_ERROR;
        default:
            return ERROR_CALL_NOT_IMPLEMENTED;
    }
}

void WINAPI service_main(DWORD, LPWSTR*) {
    HostedAgent& agent = *hosted;
    const SERVICE_STATUS_HANDLE handle =
        RegisterServiceCtrlHandlerExW(kServiceName, handle_control, &agent);
    if (handle == nullptr) {
        agent.log.error("flowwatch could not register its service control handler: " +
                        error_text(GetLastError()));
        return;
    }
    agent.reporter.attach(handle);
    agent.reporter.start_pending();

    const ServiceHooks hooks{
        .ready =
            [&agent] {
                agent.reporter.running();
                agent.log.information("flowwatch started");
            },
        .status = nullptr,
        .alive = [&agent] { agent.reporter.progress(); },
        .stopping = [&agent] { agent.reporter.stop_pending(); },
    };
    const int exit_code = run_hosted(agent, hooks);
    agent.reporter.stopped(exit_code);
}

BOOL WINAPI handle_console(DWORD event) {
    switch (event) {
        case CTRL_C_EVENT:
        case CTRL_BREAK_EVENT:
            hosted->stop.request_stop();
            return TRUE;
        case CTRL_CLOSE_EVENT:
        case CTRL_LOGOFF_EVENT:
        case CTRL_SHUTDOWN_EVENT:
            // Windows ends the process when this returns: give the stop path its few seconds.
            hosted->stop.request_stop();
            WaitForSingleObject(foreground_finished, kConsoleCloseGraceMs);
            return TRUE;
        default:
            return FALSE;
    }
}

int run_foreground(HostedAgent& agent) {
    agent.console = true;
    foreground_finished = CreateEventW(nullptr, TRUE, FALSE, nullptr);
    SetConsoleCtrlHandler(handle_console, TRUE);
    const int exit_code = run_hosted(agent, ServiceHooks{});
    SetEvent(foreground_finished);
    SetConsoleCtrlHandler(handle_console, FALSE);
    return exit_code;
}

}  // namespace

int run_service_or_foreground(const std::filesystem::path& config_path) {
    HostedAgent agent{.config_path = config_path};
    hosted = &agent;

    wchar_t name[] = L"flowwatch";
    const SERVICE_TABLE_ENTRYW table[] = {{name, service_main}, {nullptr, nullptr}};
    int exit_code = 0;
    if (!StartServiceCtrlDispatcherW(table)) {
        const DWORD error = GetLastError();
        if (error != ERROR_FAILED_SERVICE_CONTROLLER_CONNECT) {
            agent.log.error("flowwatch could not reach the service control manager: " +
                            error_text(error));
            hosted = nullptr;
            return kFatalExitCode;
        }
        exit_code = run_foreground(agent);
    }
    hosted = nullptr;
    return exit_code;
}

}  // namespace flowwatch::agent::windows

namespace flowwatch::agent {

ServiceHooks platform_service_hooks() {
    return {};
}

}  // namespace flowwatch::agent
