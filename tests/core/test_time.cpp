#include <string>

#include <doctest/doctest.h>

#include "core/time.h"

using namespace flowwatch;
using namespace std::chrono;

namespace {

Timestamp at(int y, unsigned mo, unsigned d, int h = 0, int mi = 0, int s = 0, int ms = 0) {
    return Timestamp{sys_days{year{y} / month{mo} / day{d}} + hours{h} + minutes{mi} + seconds{s} +
                     milliseconds{ms}};
}

}  // namespace

TEST_CASE("a CreationTime without zone or fraction is read as UTC") {
    CHECK(parse_time("2025-03-11T09:14:52") == at(2025, 3, 11, 9, 14, 52));
}

TEST_CASE("a trailing Z or +00:00 gives the same instant") {
    CHECK(parse_time("2025-03-11T09:14:52Z") == at(2025, 3, 11, 9, 14, 52));
    CHECK(parse_time("2025-03-11T09:14:52+00:00") == at(2025, 3, 11, 9, 14, 52));
}

TEST_CASE("a zone offset other than UTC is converted to UTC") {
    CHECK(parse_time("2025-03-11T09:14:52+02:00") == at(2025, 3, 11, 7, 14, 52));
    CHECK(parse_time("2025-03-11T23:30:00-01:00") == at(2025, 3, 12, 0, 30, 0));
}

TEST_CASE("a fraction of any length keeps its milliseconds and drops the rest") {
    CHECK(parse_time("2015-05-23T17:35:00.000Z") == at(2015, 5, 23, 17, 35, 0));
    CHECK(parse_time("2025-03-11T09:14:52.2") == at(2025, 3, 11, 9, 14, 52, 200));
    CHECK(parse_time("2025-03-11T09:14:52.25Z") == at(2025, 3, 11, 9, 14, 52, 250));
    CHECK(parse_time("2025-03-11T09:14:52.1234567Z") == at(2025, 3, 11, 9, 14, 52, 123));
}

TEST_CASE("a bare date is midnight UTC") {
    CHECK(parse_time("2024-02-29") == at(2024, 2, 29));
}

TEST_CASE("garbage and impossible dates are rejected") {
    for (const char* text : {"",
                             "2025",
                             "2025-13-01T00:00:00",
                             "2025-00-10",
                             "2025-02-29",
                             "2025-04-31",
                             "2025-03-11T24:00:00",
                             "2025-03-11T09:60:00",
                             "2025-03-11T09:14:60",
                             "2025-03-11T09:14",
                             "2025-03-11X09:14:52",
                             "2025/03/11",
                             "2025-03-11T09:14:52.",
                             "2025-03-11T09:14:52.5x",
                             "2025-03-11T09:14:52+2:00",
                             "2025-03-11T09:14:52+24:00",
                             "2025-03-11T09:14:52ZZ",
                             "2025-3-11T09:14:52",
                             " 2025-03-11T09:14:52",
                             "2025-03-11T09:14:52 ",
                             "abcd-ef-ghTij:kl:mn",
                             "2025-03-11T-9:14:52"}) {
        CAPTURE(std::string(text));
        CHECK_FALSE(parse_time(text).has_value());
    }
}

TEST_CASE("format_time writes whole seconds without a fraction") {
    CHECK(format_time(at(2025, 3, 11, 9, 14, 52)) == "2025-03-11T09:14:52Z");
    CHECK(format_time(at(1970, 1, 1)) == "1970-01-01T00:00:00Z");
}

TEST_CASE("format_time writes milliseconds when there are some") {
    CHECK(format_time(at(2025, 3, 11, 9, 14, 52, 250)) == "2025-03-11T09:14:52.250Z");
    CHECK(format_time(at(2025, 3, 11, 9, 14, 52, 7)) == "2025-03-11T09:14:52.007Z");
}

TEST_CASE("format_time handles instants before the epoch") {
    CHECK(format_time(at(1969, 12, 31, 23, 59, 59, 500)) == "1969-12-31T23:59:59.500Z");
}

TEST_CASE("formatting then parsing gives the same instant") {
    for (const auto t : {at(2000, 2, 29, 12, 0, 0, 1), at(2038, 1, 19, 3, 14, 8),
                         at(2025, 12, 31, 23, 59, 59, 999)}) {
        CHECK(parse_time(format_time(t)) == t);
    }
}

TEST_CASE("milliseconds since the epoch round-trip") {
    const auto t = at(2025, 3, 11, 9, 14, 52, 250);
    CHECK(from_millis(to_millis(t)) == t);
    CHECK(to_millis(at(1970, 1, 1, 0, 0, 1)) == 1000);
}
