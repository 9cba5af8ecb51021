#pragma once
/// An alert as an ArcSight Common Event Format (CEF:0) event, with CEF's escaping rules.

#include <string>
#include <string_view>

#include "core/alert.h"

namespace flowwatch::agent {

/// `CEF:0|flowwatch|flowwatch|<version>|<trigger>|M365 Suspect Power Automate Activity|<0-10>|…`
/// followed by key=value extensions (rt, externalId, suser, src, act, msg, cs1…cs5, cn1).
std::string cef_event(const Alert& alert);

/// Header fields: backslash and pipe are escaped; line breaks become spaces.
std::string cef_escape_header(std::string_view text);
/// Extension values: backslash and equals are escaped; line breaks become `\n` / `\r`.
std::string cef_escape_value(std::string_view text);

/// CEF severity: low 3, medium 5, high 8, critical 10 (ArcSight's Low … Very-High bands).
int cef_severity(Severity severity);

}  // namespace flowwatch::agent
