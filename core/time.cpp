#include "core/time.h"

#include <array>
#include <cstddef>

namespace flowwatch {
namespace {

using std::chrono::days;
using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

/// Reads exactly `count` decimal digits at `pos`; nullopt when any of them is not a digit.
std::optional<int> read_digits(std::string_view text, std::size_t pos, std::size_t count) {
    if (pos + count > text.size()) {
        return std::nullopt;
    }
    int value = 0;
    for (std::size_t i = pos; i < pos + count; ++i) {
        const char c = text[i];
        if (c < '0' || c > '9') {
            return std::nullopt;
        }
        value = value * 10 + (c - '0');
    }
    return value;
}

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

std::optional<days> parse_date(std::string_view text) {
    const auto year = read_digits(text, 0, 4);
    const auto month = read_digits(text, 5, 2);
    const auto day = read_digits(text, 8, 2);
    if (!year || !month || !day || text[4] != '-' || text[7] != '-') {
        return std::nullopt;
    }
    const std::chrono::year_month_day ymd{std::chrono::year{*year},
                                          std::chrono::month{static_cast<unsigned>(*month)},
                                          std::chrono::day{static_cast<unsigned>(*day)}};
    if (!ymd.ok()) {
        return std::nullopt;
    }
    return std::chrono::sys_days{ymd}.time_since_epoch();
}

/// `+hh:mm`, `-hh:mm` or `Z` at the end of the text; returns the offset east of UTC.
std::optional<minutes> parse_zone(std::string_view zone) {
    if (zone.empty() || zone == "Z" || zone == "z") {
        return minutes{0};
    }
    if (zone.size() != 6 || (zone[0] != '+' && zone[0] != '-') || zone[3] != ':') {
        return std::nullopt;
    }
    const auto hh = read_digits(zone, 1, 2);
    const auto mm = read_digits(zone, 4, 2);
    if (!hh || !mm || *hh > 23 || *mm > 59) {
        return std::nullopt;
    }
    const minutes offset = hours{*hh} + minutes{*mm};
    return zone[0] == '+' ? offset : -offset;
}

}  // namespace

std::optional<Timestamp> parse_time(std::string_view text) {
    constexpr std::size_t kDateLength = 10;
    constexpr std::size_t kDateTimeLength = 19;
    if (text.size() < kDateLength) {
        return std::nullopt;
    }
    const auto date = parse_date(text);
    if (!date) {
        return std::nullopt;
    }
    if (text.size() == kDateLength) {
        return Timestamp{*date};
    }

    // The clock part: `Thh:mm:ss`, seconds required (the API never leaves them out).
    if (text.size() < kDateTimeLength || (text[10] != 'T' && text[10] != 't' && text[10] != ' ') ||
        text[13] != ':' || text[16] != ':') {
        return std::nullopt;
    }
    const auto hh = read_digits(text, 11, 2);
    const auto mi = read_digits(text, 14, 2);
    const auto ss = read_digits(text, 17, 2);
    if (!hh || !mi || !ss || *hh > 23 || *mi > 59 || *ss > 59) {
        return std::nullopt;
    }

    // Any number of fraction digits; the first three are kept, the rest truncated.
    std::size_t pos = kDateTimeLength;
    int millis = 0;
    if (pos < text.size() && text[pos] == '.') {
        const std::size_t first = ++pos;
        while (pos < text.size() && is_digit(text[pos])) {
            if (pos - first < 3) {
                millis = millis * 10 + (text[pos] - '0');
            }
            ++pos;
        }
        if (pos == first) {
            return std::nullopt;
        }
        for (std::size_t kept = pos - first; kept < 3; ++kept) {
            millis *= 10;
        }
    }

    const auto offset = parse_zone(text.substr(pos));
    if (!offset) {
        return std::nullopt;
    }
    return Timestamp{*date + hours{*hh} + minutes{*mi} + seconds{*ss} + milliseconds{millis} -
                     *offset};
}

std::string format_time(Timestamp t) {
    const auto day = std::chrono::floor<days>(t);
    const std::chrono::year_month_day ymd{day};
    const std::chrono::hh_mm_ss clock{t - day};
    const int year = static_cast<int>(ymd.year());
    const auto millis = clock.subseconds().count();

    // Fixed-width fields written by hand: this runs once per alert and per log line.
    std::array<char, 32> buf{};
    std::size_t n = 0;
    const auto put = [&](long long value, int width) {
        for (int i = width - 1; i >= 0; --i) {
            buf[n + static_cast<std::size_t>(i)] = static_cast<char>('0' + value % 10);
            value /= 10;
        }
        n += static_cast<std::size_t>(width);
    };
    const auto put_char = [&](char c) { buf[n++] = c; };
    if (year < 0) {
        put_char('-');
    }
    put(year < 0 ? -year : year, 4);
    put_char('-');
    put(static_cast<unsigned>(ymd.month()), 2);
    put_char('-');
    put(static_cast<unsigned>(ymd.day()), 2);
    put_char('T');
    put(clock.hours().count(), 2);
    put_char(':');
    put(clock.minutes().count(), 2);
    put_char(':');
    put(clock.seconds().count(), 2);
    if (millis != 0) {
        put_char('.');
        put(millis, 3);
    }
    put_char('Z');
    return std::string(buf.data(), n);
}

}  // namespace flowwatch
