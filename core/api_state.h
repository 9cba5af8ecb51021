#pragma once
/// What the API poller remembers across restarts: the listing cursor per tenant and content type,
/// the content blobs already committed, subscription starts, and gaps in the data. The SQLite
/// store implements it; the pipeline marks a blob committed inside the blob's own transaction.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/time.h"

namespace flowwatch {

/// A stretch of content the agent could not read: expired, gone, or older than the retention.
struct ContentGap {
    std::string tenant;
    std::string content_type;
    std::string content_id;  ///< Empty when a whole window was lost.
    Timestamp window_start{};
    Timestamp window_end{};
    std::string reason;
    Timestamp recorded_at{};
};

class ApiStateStore {
  public:
    virtual ~ApiStateStore() = default;

    /// End of the last listing window whose pages and blobs were all committed.
    virtual std::optional<Timestamp> cursor(std::string_view tenant,
                                            std::string_view content_type) = 0;
    virtual void put_cursor(std::string_view tenant, std::string_view content_type,
                            Timestamp window_end) = 0;

    virtual bool content_committed(std::string_view tenant, std::string_view content_id) = 0;
    /// Call inside the blob's unit of work so the mark lands with its records.
    virtual void mark_content_committed(std::string_view tenant, std::string_view content_type,
                                        std::string_view content_id, Timestamp content_created) = 0;
    /// Forgets committed content ids created before `before` (beyond any re-listing).
    virtual void prune_committed_content(std::string_view tenant, Timestamp before) = 0;
    /// The newest contentCreated among the committed content still remembered.
    virtual std::optional<Timestamp> newest_committed_content(std::string_view tenant) = 0;

    virtual std::optional<Timestamp> last_subscription_start(std::string_view tenant,
                                                             std::string_view content_type) = 0;
    virtual void put_subscription_start(std::string_view tenant, std::string_view content_type,
                                        Timestamp at) = 0;

    virtual void record_gap(const ContentGap& gap) = 0;
    virtual std::vector<ContentGap> gaps(std::string_view tenant) = 0;
};

}  // namespace flowwatch
