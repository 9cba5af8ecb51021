#include "agent/windows/event_log.h"

#include <string>

#include "agent/windows/windows_text.h"

namespace flowwatch::agent::windows {

namespace {

// The ids of event_messages.mc, whose messages are the event's text as it is.
constexpr DWORD kInformationEvent = 1;
constexpr DWORD kWarningEvent = 2;
constexpr DWORD kErrorEvent = 3;

constexpr wchar_t kSourceKey[] =
    L"SYSTEM\\CurrentControlSet\\Services\\EventLog\\Application\\flowwatch";

}  // namespace

EventLog::EventLog() : source_(RegisterEventSourceW(nullptr, kEventSource)) {}

EventLog::~EventLog() {
    if (source_ != nullptr) {
        DeregisterEventSource(source_);
    }
}

void EventLog::information(std::string_view message) const {
    write(EVENTLOG_INFORMATION_TYPE, kInformationEvent, message);
}

void EventLog::warning(std::string_view message) const {
    write(EVENTLOG_WARNING_TYPE, kWarningEvent, message);
}

void EventLog::error(std::string_view message) const {
    write(EVENTLOG_ERROR_TYPE, kErrorEvent, message);
}

void EventLog::write(WORD type, DWORD event_id, std::string_view message) const {
    if (source_ == nullptr) {
        return;
    }
    const std::wstring text = widen(message);
    const wchar_t* strings[] = {text.c_str()};
    ReportEventW(source_, type, 0, event_id, nullptr, 1, 0, strings, nullptr);
}

Result<void> register_event_source(const std::wstring& executable) {
    HKEY key = nullptr;
    LSTATUS status = RegCreateKeyExW(HKEY_LOCAL_MACHINE, kSourceKey, 0, nullptr, 0, KEY_SET_VALUE,
                                     nullptr, &key, nullptr);
    if (status != ERROR_SUCCESS) {
        return fail("register event source flowwatch: " + error_text(static_cast<DWORD>(status)));
    }

    const auto bytes = static_cast<DWORD>((executable.size() + 1) * sizeof(wchar_t));
    const DWORD types = EVENTLOG_ERROR_TYPE | EVENTLOG_WARNING_TYPE | EVENTLOG_INFORMATION_TYPE;
    status = RegSetValueExW(key, L"EventMessageFile", 0, REG_EXPAND_SZ,
                            reinterpret_cast<const BYTE*>(executable.c_str()), bytes);
    if (status == ERROR_SUCCESS) {
        status = RegSetValueExW(key, L"TypesSupported", 0, REG_DWORD,
                                reinterpret_cast<const BYTE*>(&types), sizeof(types));
    }
    RegCloseKey(key);
    if (status != ERROR_SUCCESS) {
        return fail("register event source flowwatch: " + error_text(static_cast<DWORD>(status)));
    }
    return {};
}

Result<void> unregister_event_source() {
    const LSTATUS status = RegDeleteKeyW(HKEY_LOCAL_MACHINE, kSourceKey);
    if (status != ERROR_SUCCESS && status != ERROR_FILE_NOT_FOUND) {
        return fail("unregister event source flowwatch: " + error_text(static_cast<DWORD>(status)));
    }
    return {};
}

}  // namespace flowwatch::agent::windows
