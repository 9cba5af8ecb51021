#pragma once
/// A user's recent activity, as the buckets kept in their baseline row: counting an event into
/// them, and reading a burst window back.

#include <cstdint>
#include <vector>

#include "core/store.h"

namespace flowwatch {

/// Start of the activity bucket that holds `ms`.
std::int64_t bucket_start(std::int64_t ms);

/// What counting an event did to the buckets.
enum class BucketChange {
    opened,    ///< The event's bucket had no activity before.
    extended,  ///< The event's bucket already had some.
    /// The event is older than the horizon behind the newest bucket: its bucket is no longer
    /// kept, so it is counted nowhere and whether it opened a bucket is unknown.
    beyond_horizon,
};

/// Counts one event of `kind` at `time_ms` into `recent` (sorted by start, oldest first) and
/// forgets the buckets that fall more than kActivityHorizonMillis behind the newest.
BucketChange count_activity(std::vector<ActivityBucket>& recent, std::int64_t time_ms,
                            ActivityKind kind);

/// What a burst window held.
struct WindowActivity {
    std::int64_t events = 0;          ///< Events of the kind asked for.
    std::int64_t active_buckets = 0;  ///< Buckets with an event of any kind.
};

/// The kBurstWindowBuckets buckets that end with the bucket of `time_ms`.
WindowActivity window_activity(const std::vector<ActivityBucket>& recent, std::int64_t time_ms,
                               ActivityKind kind);

}  // namespace flowwatch
