#include "agent/outputs/cef.h"

#include <vector>

#include <fmt/format.h>

namespace flowwatch::agent {

namespace {

std::string joined(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& item : items) {
        if (!out.empty()) {
            out.push_back(',');
        }
        out += item;
    }
    return out;
}

/// Appends ` key=value`, or nothing when the value is empty.
void add_extension(std::string& out, std::string_view key, std::string_view value) {
    if (value.empty()) {
        return;
    }
    if (!out.empty()) {
        out.push_back(' ');
    }
    out += key;
    out.push_back('=');
    out += cef_escape_value(value);
}

/// A custom string extension with its label (`cs1Label=tenant cs1=…`).
void add_labelled(std::string& out, int slot, std::string_view label, std::string_view value) {
    if (value.empty()) {
        return;
    }
    add_extension(out, fmt::format("cs{}Label", slot), label);
    add_extension(out, fmt::format("cs{}", slot), value);
}

}  // namespace

std::string cef_escape_header(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        if (c == '\\' || c == '|') {
            out.push_back('\\');
            out.push_back(c);
        } else if (c == '\n' || c == '\r') {
            out.push_back(' ');
        } else {
            out.push_back(c);
        }
    }
    return out;
}

std::string cef_escape_value(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (c == '\\' || c == '=') {
            out.push_back('\\');
            out.push_back(c);
        } else if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
            out += "\\n";
            ++i;
        } else if (c == '\n') {
            out += "\\n";
        } else if (c == '\r') {
            out += "\\r";
        } else {
            out.push_back(c);
        }
    }
    return out;
}

int cef_severity(Severity severity) {
    switch (severity) {
        case Severity::low:
            return 3;
        case Severity::medium:
            return 5;
        case Severity::high:
            return 8;
        case Severity::critical:
            return 10;
    }
    return 5;
}

std::string cef_event(const Alert& alert) {
    std::string extensions;
    add_extension(extensions, "rt", std::to_string(to_millis(alert.time)));
    add_extension(extensions, "externalId", alert.id);
    add_extension(extensions, "suser", alert.user);
    add_extension(extensions, "src", alert.client_ip);
    add_extension(extensions, "act", alert.operation);
    add_extension(extensions, "msg", alert.reason);
    add_labelled(extensions, 1, "tenant", alert.tenant);
    add_labelled(extensions, 2, "flowId", alert.flow_id);
    add_labelled(extensions, 3, "environment", alert.environment);
    add_labelled(extensions, 4, "connectors", joined(alert.connectors));
    add_labelled(extensions, 5, "mitre", joined(alert.mitre));
    add_extension(extensions, "cn1Label", "score");
    add_extension(extensions, "cn1", std::to_string(alert.score));

    return fmt::format("CEF:0|flowwatch|flowwatch|{}|{}|{}|{}|{}",
                       cef_escape_header(FLOWWATCH_VERSION),
                       cef_escape_header(trigger_name(alert.trigger)),
                       cef_escape_header(kDetectionName), cef_severity(alert.severity), extensions);
}

}  // namespace flowwatch::agent
