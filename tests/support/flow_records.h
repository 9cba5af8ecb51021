#pragma once
/// Builders of Power Automate records for tests: normalised FlowRecords for the detector, and the
/// audit JSON the API delivers for readers and end-to-end tests.

#include <string>
#include <string_view>

#include "core/record.h"

namespace flowwatch::test {

inline constexpr std::string_view kTenant = "4b7c6a3e-1f2d-4e5a-9b8c-0d1e2f3a4b5c";
inline constexpr std::string_view kEnvironment = "Default-4b7c6a3e-1f2d-4e5a-9b8c-0d1e2f3a4b5c";

/// Day `d` of the test tenant's history (day 0 = 2025-03-03), plus `minutes`.
Timestamp day(int d, int minutes = 0);

/// A record with a fresh unique Id. `connectors` is a FlowConnectorNames string.
FlowRecord flow_record(FlowOperation op, std::string_view user, std::string_view flow_id,
                       std::string_view connectors, Timestamp time,
                       std::string_view environment = kEnvironment);

/// A PutPermissions (or DeletePermissions) record: `user` grants `recipient` `permission`.
FlowRecord permission_record(FlowOperation op, std::string_view user, std::string_view flow_id,
                             std::string_view recipient, int permission, Timestamp time);

/// The record as the Management Activity API delivers it (one JSON object).
std::string audit_json(const FlowRecord& record);

}  // namespace flowwatch::test
