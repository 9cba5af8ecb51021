#pragma once
/// A Power Automate audit record (RecordType 30, Workload MicrosoftFlow), normalised for detection.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/connector.h"
#include "core/time.h"

namespace flowwatch {

enum class FlowOperation {
    create_flow,
    edit_flow,
    delete_flow,
    put_permissions,
    delete_permissions,
    start_paid_trial,
    renew_trial,
    other,  ///< An operation this version does not know; kept as data, never rejected.
};

/// Maps an Operation value (case-insensitive) to its kind; unknown names give `other`.
FlowOperation parse_operation(std::string_view name);
std::string_view operation_name(FlowOperation op);

/// SharingPermission values of PutPermissions records.
inline constexpr int kPermissionOwner = 3;
inline constexpr int kPermissionRunOnly = 2;
/// UserTypeInitiated values.
inline constexpr int kInitiatedByUser = 1;
inline constexpr int kInitiatedByAdmin = 2;

struct FlowRecord {
    std::string id;      ///< Id, lower-cased.
    std::string tenant;  ///< OrganizationId, lower-cased.
    FlowOperation operation = FlowOperation::other;
    std::string operation_name;  ///< Operation exactly as the record spells it.
    Timestamp time{};            ///< CreationTime, UTC.
    std::string user;            ///< UserId (a UPN), lower-cased: one user whatever the case.
    std::string client_ip;       ///< ClientIP without port or brackets; may be empty.
    std::string environment;     ///< From FlowDetailsUrl (`environments/{env}`); may be empty.
    std::string flow_id;  ///< From FlowDetailsUrl (`flows/{flow}`), lower-cased; may be empty.
    std::vector<Connector> connectors;       ///< FlowConnectorNames, split, deduplicated, in order.
    std::string recipient;                   ///< RecipientUPN, lower-cased; may be empty.
    std::optional<int> sharing_permission;   ///< 3 owner, 2 run-only.
    std::optional<int> user_type_initiated;  ///< 1 user, 2 admin.
    std::optional<int> user_type;            ///< The common schema's UserType.
    std::string result_status;
    std::string license;

    bool initiated_by_admin() const { return user_type_initiated == kInitiatedByAdmin; }
};

}  // namespace flowwatch
