#pragma once
/// The Windows event log as the service writes it: start, stop and fatal errors under the
/// "flowwatch" source of the Application log.

#include <windows.h>

#include <string_view>

#include "core/error.h"

namespace flowwatch::agent::windows {

inline constexpr wchar_t kEventSource[] = L"flowwatch";

class EventLog {
  public:
    EventLog();
    EventLog(const EventLog&) = delete;
    EventLog& operator=(const EventLog&) = delete;
    ~EventLog();

    void information(std::string_view message) const;
    void warning(std::string_view message) const;
    void error(std::string_view message) const;

  private:
    void write(WORD type, DWORD event_id, std::string_view message) const;

    HANDLE source_;
};

/// Registers the source under HKLM so the viewer finds the message table in `executable`.
Result<void> register_event_source(const std::wstring& executable);
Result<void> unregister_event_source();

}  // namespace flowwatch::agent::windows
