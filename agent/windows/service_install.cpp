#include "agent/windows/service_install.h"

#include <windows.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "agent/windows/event_log.h"
#include "agent/windows/service_main.h"
#include "agent/windows/state_directory.h"
#include "agent/windows/windows_text.h"

namespace flowwatch::agent::windows {

namespace {

constexpr DWORD kRecoveryResetSeconds = 24 * 60 * 60;
constexpr DWORD kPreshutdownTimeoutMs = 30'000;
constexpr auto kStopDeadline = std::chrono::seconds(60);

/// Closes an SCM or service handle when it leaves scope.
class ServiceHandle {
  public:
    explicit ServiceHandle(SC_HANDLE handle) : handle_(handle) {}
    ServiceHandle(const ServiceHandle&) = delete;
    ServiceHandle& operator=(const ServiceHandle&) = delete;
    ~ServiceHandle() {
        if (handle_ != nullptr) {
            CloseServiceHandle(handle_);
        }
    }
    SC_HANDLE get() const { return handle_; }
    explicit operator bool() const { return handle_ != nullptr; }

  private:
    SC_HANDLE handle_;
};

Result<std::wstring> executable_path() {
    std::wstring path(MAX_PATH, L'\0');
    for (;;) {
        const DWORD length =
            GetModuleFileNameW(nullptr, path.data(), static_cast<DWORD>(path.size()));
        if (length == 0) {
            return fail("find flowwatch.exe: " + error_text(GetLastError()));
        }
        if (length < path.size()) {
            path.resize(length);
            return path;
        }
        path.resize(path.size() * 2);
    }
}

std::wstring account_name(const std::string& account) {
    if (account == "LocalService" || account == "NT AUTHORITY\\LocalService") {
        return L"NT AUTHORITY\\LocalService";
    }
    return widen(account);
}

/// Applies one ChangeServiceConfig2W setting. A level the SCM does not know (Wine's knows few)
/// is noted in `unsupported` instead of failing; any other error fails the install.
Result<void> change(SC_HANDLE service, DWORD level, void* info, const char* setting,
                    std::vector<std::string>& unsupported) {
    if (ChangeServiceConfig2W(service, level, info)) {
        return {};
    }
    const DWORD error = GetLastError();
    if (error == ERROR_INVALID_LEVEL) {
        unsupported.emplace_back(setting);
        return {};
    }
    return fail(std::string("set ") + setting + " of service flowwatch: " + error_text(error));
}

/// Delayed automatic start, restart on failure (10 s, then 1 min, then 5 min), a preshutdown
/// window for the stop path, and a token with the service SID and no privilege it does not use.
Result<void> configure(SC_HANDLE service, std::vector<std::string>& unsupported) {
    wchar_t description[] =
        L"Reads Microsoft 365 audit records and raises M365 Suspect Power Automate Activity.";
    SERVICE_DESCRIPTIONW about{description};
    SERVICE_DELAYED_AUTO_START_INFO delayed{TRUE};
    SC_ACTION actions[] = {
        {SC_ACTION_RESTART, 10'000}, {SC_ACTION_RESTART, 60'000}, {SC_ACTION_RESTART, 300'000}};
    SERVICE_FAILURE_ACTIONSW recovery{kRecoveryResetSeconds, nullptr, nullptr, 3, actions};
    // Also when the agent reports STOPPED with an error code, not only when it crashes.
    SERVICE_FAILURE_ACTIONS_FLAG on_error_exit{TRUE};
    SERVICE_PRESHUTDOWN_INFO preshutdown{kPreshutdownTimeoutMs};
    SERVICE_SID_INFO sid{SERVICE_SID_TYPE_UNRESTRICTED};
    wchar_t privileges[] = L"SeChangeNotifyPrivilege\0";
    SERVICE_REQUIRED_PRIVILEGES_INFOW required{privileges};

    struct Setting {
        DWORD level;
        void* info;
        const char* name;
    };
    const Setting settings[] = {
        {SERVICE_CONFIG_DESCRIPTION, &about, "description"},
        {SERVICE_CONFIG_DELAYED_AUTO_START_INFO, &delayed, "delayed automatic start"},
        {SERVICE_CONFIG_FAILURE_ACTIONS, &recovery, "recovery"},
        {SERVICE_CONFIG_FAILURE_ACTIONS_FLAG, &on_error_exit, "recovery on error exit"},
        {SERVICE_CONFIG_PRESHUTDOWN_INFO, &preshutdown, "preshutdown timeout"},
        {SERVICE_CONFIG_SERVICE_SID_INFO, &sid, "service SID"},
        {SERVICE_CONFIG_REQUIRED_PRIVILEGES_INFO, &required, "required privileges"},
    };
    for (const auto& setting : settings) {
        if (auto changed = change(service, setting.level, setting.info, setting.name, unsupported);
            !changed) {
            return changed;
        }
    }
    return {};
}

/// Asks a running service to stop and waits, up to a deadline, until the SCM reports STOPPED.
Result<void> stop_and_wait(SC_HANDLE service) {
    SERVICE_STATUS_PROCESS status{};
    DWORD needed = 0;
    auto query = [&] {
        return QueryServiceStatusEx(service, SC_STATUS_PROCESS_INFO,
                                    reinterpret_cast<BYTE*>(&status), sizeof(status), &needed);
    };
    if (!query()) {
        return fail("query service flowwatch: " + error_text(GetLastError()));
    }
    if (status.dwCurrentState == SERVICE_STOPPED) {
        return {};
    }
    SERVICE_STATUS ignored{};
    if (!ControlService(service, SERVICE_CONTROL_STOP, &ignored) &&
        GetLastError() != ERROR_SERVICE_NOT_ACTIVE) {
        return fail("stop service flowwatch: " + error_text(GetLastError()));
    }

    const auto deadline = std::chrono::steady_clock::now() + kStopDeadline;
    while (query() && status.dwCurrentState != SERVICE_STOPPED) {
        if (std::chrono::steady_clock::now() > deadline) {
            return fail("stop service flowwatch: still running after 60 s");
        }
        // The SCM has no wait-for-state call short of a notification callback; poll at a
        // tenth of the service's own wait hint, as Microsoft's service samples do.
        Sleep(std::clamp<DWORD>(status.dwWaitHint / 10, 100, 1'000));
    }
    return {};
}

}  // namespace

Result<ServiceInstallReport> install_service(const ServiceInstallOptions& options) {
    auto executable = executable_path();
    auto directory = state_directory();
    auto sid = service_sid(kServiceName);
    if (!executable || !directory || !sid) {
        return std::unexpected(!executable ? executable.error()
                                           : (!directory ? directory.error() : sid.error()));
    }
    const std::filesystem::path config = std::filesystem::absolute(
        options.config.empty() ? *directory / L"flowwatch.json" : options.config);
    const std::wstring command_line =
        L"\"" + *executable + L"\" service run --config \"" + config.native() + L"\"";

    if (auto locked = lock_down_directory(*directory, *sid); !locked) {
        return std::unexpected(locked.error());
    }

    const ServiceHandle manager(OpenSCManagerW(nullptr, nullptr, SC_MANAGER_CREATE_SERVICE));
    if (!manager) {
        return fail("open the service control manager: " + error_text(GetLastError()));
    }
    const std::wstring account = account_name(options.account);
    const ServiceHandle service(
        CreateServiceW(manager.get(), kServiceName, L"flowwatch", SERVICE_ALL_ACCESS,
                       SERVICE_WIN32_OWN_PROCESS, SERVICE_AUTO_START, SERVICE_ERROR_NORMAL,
                       command_line.c_str(), nullptr, nullptr, nullptr, account.c_str(), nullptr));
    if (!service) {
        const DWORD error = GetLastError();
        if (error == ERROR_SERVICE_EXISTS) {
            return fail(
                "install service flowwatch: it is already installed; run "
                "`flowwatch service uninstall` first");
        }
        return fail("install service flowwatch as " + options.account + ": " + error_text(error));
    }

    // A half-configured service would start without its recovery or hardening: take it back.
    std::vector<std::string> unsupported;
    auto configured = configure(service.get(), unsupported);
    if (configured) {
        configured = register_event_source(*executable);
    }
    if (!configured) {
        DeleteService(service.get());
        return std::unexpected(configured.error());
    }
    return ServiceInstallReport{command_line, *directory, *sid, std::move(unsupported)};
}

Result<ServiceConfigureReport> configure_installed_service() {
    auto directory = state_directory();
    auto sid = service_sid(kServiceName);
    if (!directory || !sid) {
        return std::unexpected(!directory ? directory.error() : sid.error());
    }
    if (auto locked = lock_down_directory(*directory, *sid); !locked) {
        return std::unexpected(locked.error());
    }

    const ServiceHandle manager(OpenSCManagerW(nullptr, nullptr, SC_MANAGER_CONNECT));
    if (!manager) {
        return fail("open the service control manager: " + error_text(GetLastError()));
    }
    const ServiceHandle service(
        OpenServiceW(manager.get(), kServiceName, SERVICE_CHANGE_CONFIG | SERVICE_START));
    if (!service) {
        return fail("open service flowwatch: " + error_text(GetLastError()));
    }
    ServiceConfigureReport report{*directory, *sid, {}};
    if (auto configured = configure(service.get(), report.unsupported_settings); !configured) {
        return std::unexpected(configured.error());
    }
    return report;
}

Result<void> uninstall_service() {
    const ServiceHandle manager(OpenSCManagerW(nullptr, nullptr, SC_MANAGER_CONNECT));
    if (!manager) {
        return fail("open the service control manager: " + error_text(GetLastError()));
    }
    const ServiceHandle service(
        OpenServiceW(manager.get(), kServiceName, SERVICE_STOP | SERVICE_QUERY_STATUS | DELETE));
    if (!service) {
        const DWORD error = GetLastError();
        if (error == ERROR_SERVICE_DOES_NOT_EXIST) {
            return fail("uninstall service flowwatch: it is not installed");
        }
        return fail("open service flowwatch: " + error_text(error));
    }

    if (auto stopped = stop_and_wait(service.get()); !stopped) {
        return stopped;
    }
    if (!DeleteService(service.get())) {
        return fail("delete service flowwatch: " + error_text(GetLastError()));
    }
    return unregister_event_source();
}

}  // namespace flowwatch::agent::windows
