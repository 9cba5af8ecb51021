#include <set>
#include <sstream>
#include <string>

#include <doctest/doctest.h>

#include "agent/status/prometheus_text.h"
#include "status_fixtures.h"

using namespace flowwatch;
using namespace flowwatch::agent;
using namespace flowwatch::agent::testing;

namespace {

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("label values escape backslash, double quote and line feed") {
    CHECK(escape_label_value(R"(a\b"c)"
                             "\n") == R"(a\\b\"c\n)");
    CHECK(escape_label_value("plain") == "plain");
}

TEST_CASE("help text escapes backslash and line feed but keeps quotes") {
    CHECK(escape_help("say \"hi\"\\\n") == "say \"hi\"\\\\\\n");
}

TEST_CASE("every metric family has HELP and TYPE lines before its samples, all prefixed") {
    const auto now = at("2025-03-11T10:00:00Z");
    const auto text = render_metrics(*sample_snapshot(now), now);

    std::istringstream lines(text);
    std::set<std::string> typed;
    std::string line;
    while (std::getline(lines, line)) {
        CAPTURE(line);
        if (line.rfind("# TYPE ", 0) == 0) {
            const auto name = line.substr(7, line.find(' ', 7) - 7);
            CHECK(name.rfind("flowwatch_", 0) == 0);
            typed.insert(name);
            continue;
        }
        if (line.rfind("# HELP flowwatch_", 0) == 0) {
            continue;
        }
        REQUIRE(line.rfind("flowwatch_", 0) == 0);
        const auto name = line.substr(0, line.find_first_of("{ "));
        CHECK(typed.contains(name));
    }
    CHECK(typed.size() >= 14);
}

TEST_CASE("tenant metrics carry their counters, alerts by trigger and severity, and lag") {
    const auto now = at("2025-03-11T10:00:00Z");
    const auto text = render_metrics(*sample_snapshot(now), now);

    CHECK(contains(text, "# TYPE flowwatch_blobs_total counter\n"));
    CHECK(contains(text, "flowwatch_blobs_total{tenant=\"contoso\"} 4\n"));
    CHECK(contains(text, "flowwatch_records_total{tenant=\"contoso\"} 40\n"));
    CHECK(contains(text, "flowwatch_gaps_total{tenant=\"contoso\"} 1\n"));
    CHECK(contains(text,
                   "flowwatch_api_requests_total{tenant=\"contoso\",outcome=\"throttled\"} 1\n"));
    CHECK(contains(text,
                   "flowwatch_alerts_total{tenant=\"contoso\",trigger=\"unauthorized_"
                   "connector\",severity=\"high\"} 2\n"));
    CHECK(contains(text, "# TYPE flowwatch_lag_seconds gauge\n"));
    CHECK(contains(text, "flowwatch_lag_seconds{tenant=\"contoso\"} 300\n"));
    CHECK(contains(text,
                   "flowwatch_last_success_timestamp_seconds{tenant=\"contoso\"} 1741687170\n"));
    CHECK(contains(text, "flowwatch_ready 1\n"));
}

TEST_CASE("a tenant that has committed nothing has no lag sample") {
    const auto now = at("2025-03-11T10:00:00Z");
    StatusSnapshot snapshot;
    snapshot.tenants.push_back(TenantStatus{.tenant = "contoso"});
    const auto text = render_metrics(snapshot, now);
    CHECK(contains(text, "# TYPE flowwatch_lag_seconds gauge\n"));
    CHECK_FALSE(contains(text, "flowwatch_lag_seconds{"));
    CHECK(contains(text, "flowwatch_ready 0\n"));
}

TEST_CASE("a tenant name with quotes cannot break the exposition format") {
    const auto now = at("2025-03-11T10:00:00Z");
    StatusSnapshot snapshot;
    snapshot.tenants.push_back(healthy_tenant("evil\"}\nflowwatch_fake 1", now));
    const auto text = render_metrics(snapshot, now);
    CHECK_FALSE(contains(text, "\nflowwatch_fake 1"));
    CHECK(contains(text, "tenant=\"evil\\\"}\\nflowwatch_fake 1\""));
}
