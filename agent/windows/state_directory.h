#pragma once
/// Where the service keeps its state: %ProgramData%\flowwatch, readable and writable only by
/// SYSTEM, Administrators and the service's own SID.

#include <filesystem>
#include <string>

#include "core/error.h"

namespace flowwatch::agent::windows {

/// %ProgramData%\flowwatch (not created).
Result<std::filesystem::path> state_directory();

/// "S-1-5-80-…": the SID Windows derives from a service's name, which the service's token
/// carries when its SID type is unrestricted, whatever account it runs as.
Result<std::wstring> service_sid(std::wstring_view service_name);

/// Creates `directory` if needed and replaces its ACL with a protected one: full control for
/// SYSTEM and Administrators, modify for `service_sid`, inherited by everything inside.
Result<void> lock_down_directory(const std::filesystem::path& directory,
                                 const std::wstring& service_sid);

}  // namespace flowwatch::agent::windows
