#include "core/record.h"

#include <array>
#include <utility>

namespace flowwatch {
namespace {

constexpr std::array<std::pair<std::string_view, FlowOperation>, 7> kOperations = {{
    {"CreateFlow", FlowOperation::create_flow},
    {"EditFlow", FlowOperation::edit_flow},
    {"DeleteFlow", FlowOperation::delete_flow},
    {"PutPermissions", FlowOperation::put_permissions},
    {"DeletePermissions", FlowOperation::delete_permissions},
    {"StartAPaidTrial", FlowOperation::start_paid_trial},
    {"RenewTrial", FlowOperation::renew_trial},
}};

bool equals_ignoring_case(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) {
        return false;
    }
    for (std::size_t i = 0; i < a.size(); ++i) {
        const auto lower = [](char c) {
            return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
        };
        if (lower(a[i]) != lower(b[i])) {
            return false;
        }
    }
    return true;
}

}  // namespace

FlowOperation parse_operation(std::string_view name) {
    for (const auto& [spelling, op] : kOperations) {
        if (equals_ignoring_case(name, spelling)) {
            return op;
        }
    }
    return FlowOperation::other;
}

std::string_view operation_name(FlowOperation op) {
    for (const auto& [spelling, known] : kOperations) {
        if (known == op) {
            return spelling;
        }
    }
    return "other";
}

}  // namespace flowwatch
