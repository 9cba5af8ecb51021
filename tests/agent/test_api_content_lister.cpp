#include <doctest/doctest.h>

#include "agent/api/content_lister.h"

using namespace flowwatch;
using namespace flowwatch::agent::api;
using namespace std::chrono_literals;

namespace {

const Timestamp kNow = *parse_time("2025-03-11T08:00:00.750Z");

}  // namespace

TEST_CASE("the first start backfills the retention in tiled windows of at most 24 hours") {
    const WindowPlan plan = plan_windows(std::nullopt, kNow, WindowSettings{});
    REQUIRE(plan.windows.size() == 7);
    CHECK_FALSE(plan.lost.has_value());
    // The oldest start stays a margin inside the 7 days, on a whole second.
    CHECK(plan.windows.front().start == *parse_time("2025-03-04T08:10:01Z"));
    CHECK(plan.windows.back().end == *parse_time("2025-03-11T08:00:00Z"));
    for (std::size_t i = 0; i < plan.windows.size(); ++i) {
        CHECK(plan.windows[i].end - plan.windows[i].start <= 24h);
        CHECK(plan.windows[i].start < plan.windows[i].end);
        if (i > 0) {
            CHECK(plan.windows[i].start == plan.windows[i - 1].end);  // Half-open, no gap.
        }
    }
}

TEST_CASE("a short backfill lists only the days asked for") {
    WindowSettings settings;
    settings.backfill_days = 1;
    const WindowPlan plan = plan_windows(std::nullopt, kNow, settings);
    REQUIRE(plan.windows.size() == 1);
    CHECK(plan.windows[0].start == *parse_time("2025-03-10T08:00:00Z"));
}

TEST_CASE("a recent cursor re-lists the overlap before it, up to now") {
    const Timestamp cursor = *parse_time("2025-03-11T07:30:00Z");
    const WindowPlan plan = plan_windows(cursor, kNow, WindowSettings{});
    REQUIRE(plan.windows.size() == 1);
    CHECK(plan.windows[0].start == *parse_time("2025-03-11T06:30:00Z"));
    CHECK(plan.windows[0].end == *parse_time("2025-03-11T08:00:00Z"));
    CHECK_FALSE(plan.lost.has_value());
}

TEST_CASE("a cursor older than the retention is reported as a lost window") {
    const Timestamp cursor = *parse_time("2025-03-01T00:00:00Z");
    const WindowPlan plan = plan_windows(cursor, kNow, WindowSettings{});
    REQUIRE(plan.lost.has_value());
    CHECK(plan.lost->start == cursor);
    CHECK(plan.lost->end == plan.windows.front().start);
    CHECK(plan.windows.front().start >= kNow - std::chrono::days{7});
}

TEST_CASE("no window is planned when the cursor is already now") {
    const WindowPlan plan = plan_windows(*parse_time("2025-03-11T08:00:00Z"), kNow,
                                         WindowSettings{.relist_overlap = 0min});
    CHECK(plan.windows.empty());
}

TEST_CASE("listing times are UTC with whole seconds and no zone suffix to encode") {
    CHECK(format_query_time(kNow) == "2025-03-11T08:00:00");
    CHECK(format_query_time(kNow).find('+') == std::string::npos);
}

TEST_CASE("a listing page is parsed into entries with their creation times") {
    auto page = parse_content_page(R"([{"contentType":"Audit.General","contentId":"a$b",
        "contentUri":"https://manage.office.com/api/v1.0/t/activity/feed/audit/a$b",
        "contentCreated":"2025-03-11T07:35:00.000Z","contentExpiration":"2025-03-18T07:35:00.000Z"}])");
    REQUIRE(page);
    REQUIRE(page->size() == 1);
    CHECK((*page)[0].content_id == "a$b");
    CHECK((*page)[0].content_created == *parse_time("2025-03-11T07:35:00Z"));
    CHECK_FALSE(parse_content_page(R"({"error":{"code":"AF20030"}})"));
    CHECK_FALSE(parse_content_page(R"([{"contentId":"x"}])"));
}
