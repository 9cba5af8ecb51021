#include <cstdint>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/activity.h"

using namespace flowwatch;

namespace {

constexpr std::int64_t kBucket = kActivityBucketMillis;

std::string show(const std::vector<ActivityBucket>& buckets) {
    std::string out;
    for (const ActivityBucket& b : buckets) {
        out += fmt::format("{}:{} ", b.start_ms / kBucket, fmt::join(b.counts, ","));
    }
    return out;
}

}  // namespace

TEST_CASE("a bucket starts at the multiple of its length at or before the time") {
    CHECK(bucket_start(0) == 0);
    CHECK(bucket_start(kBucket - 1) == 0);
    CHECK(bucket_start(kBucket) == kBucket);
    CHECK(bucket_start(-1) == -kBucket);
    CHECK(bucket_start(-kBucket) == -kBucket);
}

TEST_CASE("counting opens a bucket once and keeps the buckets in time order") {
    std::vector<ActivityBucket> recent;
    CHECK(count_activity(recent, 5 * kBucket + 7, ActivityKind::edit) == BucketChange::opened);
    CHECK(count_activity(recent, 5 * kBucket + 9, ActivityKind::edit) == BucketChange::extended);
    CHECK(count_activity(recent, 2 * kBucket, ActivityKind::creation) == BucketChange::opened);
    CHECK(count_activity(recent, 9 * kBucket, ActivityKind::permission) == BucketChange::opened);
    CHECK(count_activity(recent, 5 * kBucket, ActivityKind::deletion) == BucketChange::extended);
    CHECK(show(recent) == "2:1,0,0,0 5:0,2,1,0 9:0,0,0,1 ");
}

TEST_CASE("buckets a day behind the newest are forgotten, and an event there is not counted") {
    const std::int64_t day_buckets = kActivityHorizonMillis / kBucket;
    std::vector<ActivityBucket> recent;
    count_activity(recent, 0, ActivityKind::creation);
    count_activity(recent, kBucket, ActivityKind::creation);
    // The newest moves a day past the first bucket: the first goes, the second stays.
    CHECK(count_activity(recent, kActivityHorizonMillis, ActivityKind::edit) ==
          BucketChange::opened);
    CHECK(show(recent) == fmt::format("1:1,0,0,0 {}:0,1,0,0 ", day_buckets));
    // Late records: within the day they land in their bucket, beyond it they change nothing.
    CHECK(count_activity(recent, 3 * kBucket, ActivityKind::edit) == BucketChange::opened);
    CHECK(count_activity(recent, 0, ActivityKind::edit) == BucketChange::beyond_horizon);
    CHECK(show(recent) == fmt::format("1:1,0,0,0 3:0,1,0,0 {}:0,1,0,0 ", day_buckets));
}

TEST_CASE("a window sums the kind over its six buckets and counts those with any activity") {
    std::vector<ActivityBucket> recent;
    count_activity(recent, 10 * kBucket, ActivityKind::creation);
    count_activity(recent, 13 * kBucket, ActivityKind::edit);
    count_activity(recent, 13 * kBucket, ActivityKind::creation);
    count_activity(recent, 15 * kBucket + 1, ActivityKind::creation);
    count_activity(recent, 16 * kBucket, ActivityKind::creation);

    // The window ending at bucket 15 is buckets 10..15: bucket 16 is after it.
    WindowActivity window = window_activity(recent, 15 * kBucket + 500, ActivityKind::creation);
    CHECK(window.events == 3);
    CHECK(window.active_buckets == 3);
    window = window_activity(recent, 15 * kBucket, ActivityKind::edit);
    CHECK(window.events == 1);
    CHECK(window.active_buckets == 3);
    // Ending at bucket 16, bucket 10 falls out.
    window = window_activity(recent, 16 * kBucket, ActivityKind::creation);
    CHECK(window.events == 3);
    CHECK(window.active_buckets == 3);
    window = window_activity(recent, 40 * kBucket, ActivityKind::creation);
    CHECK(window.events == 0);
    CHECK(window.active_buckets == 0);
}
