#include "core/activity.h"

#include <algorithm>
#include <cstddef>

namespace flowwatch {

namespace {

/// The first bucket that starts at or after `start`.
template <typename Buckets>
auto first_from(Buckets& recent, std::int64_t start) {
    return std::ranges::lower_bound(recent, start, {}, &ActivityBucket::start_ms);
}

bool any_activity(const ActivityBucket& bucket) {
    return std::ranges::any_of(bucket.counts, [](std::int64_t n) { return n > 0; });
}

}  // namespace

std::int64_t bucket_start(std::int64_t ms) {
    return ms - (((ms % kActivityBucketMillis) + kActivityBucketMillis) % kActivityBucketMillis);
}

BucketChange count_activity(std::vector<ActivityBucket>& recent, std::int64_t time_ms,
                            ActivityKind kind) {
    const std::int64_t start = bucket_start(time_ms);
    if (!recent.empty() && start <= recent.back().start_ms - kActivityHorizonMillis) {
        return BucketChange::beyond_horizon;
    }
    auto at = first_from(recent, start);
    BucketChange change = BucketChange::extended;
    if (at == recent.end() || at->start_ms != start) {
        at = recent.insert(at, ActivityBucket{.start_ms = start});
        change = BucketChange::opened;
    }
    ++at->counts.at(static_cast<std::size_t>(kind));

    const std::int64_t oldest_kept = recent.back().start_ms - kActivityHorizonMillis;
    recent.erase(recent.begin(), first_from(recent, oldest_kept + 1));
    return change;
}

WindowActivity window_activity(const std::vector<ActivityBucket>& recent, std::int64_t time_ms,
                               ActivityKind kind) {
    const std::int64_t last = bucket_start(time_ms);
    const std::int64_t first = last - (kBurstWindowBuckets - 1) * kActivityBucketMillis;
    WindowActivity window;
    for (auto it = first_from(recent, first); it != recent.end() && it->start_ms <= last; ++it) {
        window.events += it->counts.at(static_cast<std::size_t>(kind));
        if (any_activity(*it)) {
            ++window.active_buckets;
        }
    }
    return window;
}

}  // namespace flowwatch
