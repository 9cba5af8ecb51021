#pragma once
/// Keeps a tenant's subscriptions started: looks at the subscription list first, starts what is
/// missing at most once per 15 minutes per content type (remembered in the database), and takes
/// AF20024 "already enabled" as success.

#include <chrono>
#include <set>
#include <string>
#include <vector>

#include "agent/api/api_session.h"
#include "core/api_state.h"

namespace flowwatch::agent::api {

inline constexpr std::chrono::minutes kMinStartInterval{15};

class SubscriptionKeeper {
  public:
    SubscriptionKeeper(ApiSession& session, ApiStateStore& state, std::string feed_root,
                       TimeSource time);

    /// The content types among `wanted` that are enabled now, starting the others when allowed.
    Result<std::set<std::string>> ensure(const std::vector<std::string>& wanted,
                                         const StopSource& stop);

    /// Starts `content_type` unless a start was sent less than 15 minutes ago; true when it is
    /// enabled afterwards. For AF20022 / AF20023 answers to a listing.
    Result<bool> start(const std::string& content_type, const StopSource& stop);

  private:
    Result<std::set<std::string>> enabled_types(const StopSource& stop);

    ApiSession& session_;
    ApiStateStore& state_;
    std::string feed_root_;
    TimeSource time_;
};

}  // namespace flowwatch::agent::api
