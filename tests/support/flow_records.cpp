#include "tests/support/flow_records.h"

#include <atomic>
#include <chrono>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace flowwatch::test {

namespace {

std::string next_id() {
    static std::atomic<unsigned> counter{0};
    return fmt::format("00000000-0000-4000-8000-{:012x}", ++counter);
}

}  // namespace

Timestamp day(int d, int minutes) {
    using namespace std::chrono;
    return Timestamp{sys_days{year{2025} / March / 3}} + days{d} + std::chrono::minutes{minutes};
}

FlowRecord flow_record(FlowOperation op, std::string_view user, std::string_view flow_id,
                       std::string_view connectors, Timestamp time, std::string_view environment) {
    FlowRecord r;
    r.id = next_id();
    r.tenant = std::string(kTenant);
    r.operation = op;
    r.operation_name = std::string(operation_name(op));
    r.time = time;
    r.user = std::string(user);
    r.client_ip = "203.0.113.7";
    r.environment = std::string(environment);
    r.flow_id = std::string(flow_id);
    r.connectors = split_connectors(connectors);
    r.user_type_initiated = kInitiatedByUser;
    r.user_type = 0;
    r.result_status = "Succeeded";
    return r;
}

FlowRecord permission_record(FlowOperation op, std::string_view user, std::string_view flow_id,
                             std::string_view recipient, int permission, Timestamp time) {
    FlowRecord r = flow_record(op, user, flow_id, "", time);
    r.recipient = std::string(recipient);
    r.sharing_permission = permission;
    return r;
}

std::string audit_json(const FlowRecord& r) {
    std::string names;
    for (const auto& c : r.connectors) {
        names += (names.empty() ? "" : ", ") + c.display;
    }
    nlohmann::json j = {
        {"CreationTime", format_time(r.time).substr(0, 19)},
        {"Id", r.id},
        {"Operation", r.operation_name},
        {"OrganizationId", r.tenant},
        {"RecordType", 30},
        {"ResultStatus", r.result_status},
        {"UserKey", "1003BFFD9A8B1C2D"},
        {"UserType", r.user_type.value_or(0)},
        {"Version", 1},
        {"Workload", "MicrosoftFlow"},
        {"ClientIP", r.client_ip},
        {"ObjectId", r.flow_id},
        {"UserId", r.user},
        {"FlowConnectorNames", names},
        {"FlowDetailsUrl", r.flow_id.empty() ? std::string()
                                             : fmt::format("https://make.powerautomate.com/manage/"
                                                           "environments/{}/flows/{}/details",
                                                           r.environment, r.flow_id)},
        {"LicenseDisplayName", ""},
        {"UserTypeInitiated", r.user_type_initiated.value_or(1)},
        {"UserUPN", r.user},
    };
    if (!r.recipient.empty()) {
        j["RecipientUPN"] = r.recipient;
        j["SharingPermission"] = r.sharing_permission.value_or(0);
    }
    return j.dump();
}

}  // namespace flowwatch::test
