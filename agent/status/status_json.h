#pragma once
/// The JSON bodies of the status endpoint: `/api/v1/status`, `/api/v1/alerts` and error replies.

#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "agent/status/status_snapshot.h"
#include "core/store.h"
#include "core/time.h"

namespace flowwatch::agent {

/// Version, uptime, readiness and every tenant's state. Holds no secret: the snapshot has none.
nlohmann::json status_to_json(const StatusSnapshot& snapshot, Timestamp now);

/// `{"alerts": [...], "count": n}`: each alert's JSON form plus its sequence and emitted flag.
nlohmann::json alerts_to_json(const std::vector<StoredAlert>& alerts);

/// `{"error": {"status": 404, "message": "..."}}`.
nlohmann::json error_to_json(int status, std::string_view message);

}  // namespace flowwatch::agent
