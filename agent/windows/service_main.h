#pragma once
/// The Windows service shell: the agent under the service control manager, or in the foreground
/// when the same command is started from a console. SCM controls and console events both end in
/// the one StopSource the agent watches.

#include <filesystem>

namespace flowwatch::agent::windows {

inline constexpr wchar_t kServiceName[] = L"flowwatch";

/// Exit codes of the shell itself (the agent's own codes pass through).
inline constexpr int kConfigExitCode = 78;
inline constexpr int kFatalExitCode = 70;

/// Hands the thread to the service control dispatcher and runs the agent as the service; when
/// the dispatcher says the process was started from a console, runs it in the foreground until
/// Ctrl+C, Ctrl+Break or the console closes. Returns the process exit code.
int run_service_or_foreground(const std::filesystem::path& config_path);

}  // namespace flowwatch::agent::windows
