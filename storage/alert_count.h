#pragma once
/// How many stored alerts a tenant has per trigger and severity, for the status endpoint.

#include <cstdint>
#include <string>

#include "core/alert.h"

namespace flowwatch::storage {

struct AlertCount {
    std::string tenant;
    Trigger trigger = Trigger::unusual_connector;
    Severity severity = Severity::low;
    std::int64_t count = 0;

    friend bool operator==(const AlertCount&, const AlertCount&) = default;
};

}  // namespace flowwatch::storage
