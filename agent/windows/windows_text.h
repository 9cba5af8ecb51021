#pragma once
/// Text at the Win32 boundary: UTF-8 (the agent's strings) to and from UTF-16 (the W APIs), and
/// the system's own description of an error code.

#include <windows.h>

#include <string>
#include <string_view>

namespace flowwatch::agent::windows {

std::wstring widen(std::string_view utf8);
std::string narrow(std::wstring_view utf16);

/// "Access is denied. (5)": FormatMessage's text for `code` on one line, and the number.
std::string error_text(DWORD code);

}  // namespace flowwatch::agent::windows
