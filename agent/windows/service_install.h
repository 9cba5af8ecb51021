#pragma once
/// `flowwatch service install` and `uninstall`: the service's registration with the SCM, its
/// account, start mode, recovery, event source and the ACL on its state directory.

#include <filesystem>
#include <string>
#include <vector>

#include "core/error.h"

namespace flowwatch::agent::windows {

struct ServiceInstallOptions {
    /// Defaults to flowwatch.json in the state directory.
    std::filesystem::path config;
    /// A virtual account holds no password and only the rights granted to it; "LocalService"
    /// (NT AUTHORITY\LocalService) is the fallback where virtual accounts are not allowed.
    std::string account = "NT SERVICE\\flowwatch";
};

/// What an install did, for the command to tell the user.
struct ServiceInstallReport {
    std::wstring command_line;
    std::filesystem::path state_directory;
    std::wstring service_sid;
    /// Settings this service control manager does not know (Wine's), left at their defaults.
    std::vector<std::string> unsupported_settings;
};

Result<ServiceInstallReport> install_service(const ServiceInstallOptions& options);

/// What configuring an installed service did.
struct ServiceConfigureReport {
    std::filesystem::path state_directory;
    std::wstring service_sid;
    std::vector<std::string> unsupported_settings;
};

/// Gives a service that someone else registered (the MSI) what install_service sets beyond the
/// registration: delayed start, recovery, the service SID, the privileges, the preshutdown window,
/// and the locked-down state directory.
Result<ServiceConfigureReport> configure_installed_service();

/// Stops the service if it runs, deletes it and its event source. The state directory stays.
Result<void> uninstall_service();

}  // namespace flowwatch::agent::windows
