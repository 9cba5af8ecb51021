#include "agent/simtenant/wire_format.h"

#include <array>
#include <charconv>
#include <chrono>
#include <cstdint>

#include <fmt/format.h>

namespace flowwatch::simtenant {
namespace {

constexpr std::string_view kBase64UrlAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int hex_value(char c) {
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

bool read_number(std::string_view text, std::size_t at, std::size_t digits, int& out) {
    if (at + digits > text.size()) {
        return false;
    }
    const char* first = text.data() + at;
    auto [end, ec] = std::from_chars(first, first + digits, out);
    return ec == std::errc{} && end == first + digits;
}

}  // namespace

std::string percent_decode(std::string_view text, bool plus_is_space) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (c == '+' && plus_is_space) {
            out.push_back(' ');
        } else if (c == '%' && i + 2 < text.size() && hex_value(text[i + 1]) >= 0 &&
                   hex_value(text[i + 2]) >= 0) {
            out.push_back(static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2])));
            i += 2;
        } else {
            out.push_back(c);
        }
    }
    return out;
}

std::string percent_encode(std::string_view text) {
    std::string out;
    for (char c : text) {
        auto u = static_cast<unsigned char>(c);
        bool unreserved = (u >= 'A' && u <= 'Z') || (u >= 'a' && u <= 'z') ||
                          (u >= '0' && u <= '9') || c == '-' || c == '_' || c == '.' || c == '~';
        if (unreserved) {
            out.push_back(c);
        } else {
            out += fmt::format("%{:02X}", u);
        }
    }
    return out;
}

std::map<std::string, std::string> parse_form(std::string_view text) {
    std::map<std::string, std::string> fields;
    while (!text.empty()) {
        std::size_t amp = text.find('&');
        std::string_view pair = text.substr(0, amp);
        std::size_t eq = pair.find('=');
        std::string name = percent_decode(pair.substr(0, eq), true);
        std::string value = eq == std::string_view::npos
                                ? std::string{}
                                : percent_decode(pair.substr(eq + 1), true);
        if (!name.empty()) {
            fields[name] = value;
        }
        text = amp == std::string_view::npos ? std::string_view{} : text.substr(amp + 1);
    }
    return fields;
}

std::string base64url_encode(std::string_view bytes) {
    std::string out;
    std::uint32_t buffer = 0;
    int bits = 0;
    for (char c : bytes) {
        buffer = (buffer << 8) | static_cast<unsigned char>(c);
        bits += 8;
        while (bits >= 6) {
            bits -= 6;
            out.push_back(kBase64UrlAlphabet[(buffer >> bits) & 0x3Fu]);
        }
    }
    if (bits > 0) {
        out.push_back(kBase64UrlAlphabet[(buffer << (6 - bits)) & 0x3Fu]);
    }
    return out;
}

std::optional<std::string> base64url_decode(std::string_view text) {
    while (!text.empty() && text.back() == '=') {
        text.remove_suffix(1);
    }
    std::string out;
    std::uint32_t buffer = 0;
    int bits = 0;
    for (char c : text) {
        std::size_t value = kBase64UrlAlphabet.find(c);
        if (value == std::string_view::npos) {
            return std::nullopt;
        }
        buffer = (buffer << 6) | static_cast<std::uint32_t>(value);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(static_cast<char>((buffer >> bits) & 0xFFu));
        }
    }
    return out;
}

std::optional<Timestamp> parse_query_time(std::string_view text) {
    if (!text.empty() && (text.back() == 'Z' || text.back() == 'z')) {
        text.remove_suffix(1);
    }
    int year = 0;
    int month = 0;
    int day = 0;
    if (!read_number(text, 0, 4, year) || text.size() < 10 || text[4] != '-' || text[7] != '-' ||
        !read_number(text, 5, 2, month) || !read_number(text, 8, 2, day)) {
        return std::nullopt;
    }
    int hour = 0;
    int minute = 0;
    int second = 0;
    int millis = 0;
    if (text.size() > 10) {
        if (text[10] != 'T' || text.size() < 16 || text[13] != ':' ||
            !read_number(text, 11, 2, hour) || !read_number(text, 14, 2, minute)) {
            return std::nullopt;
        }
        if (text.size() > 16) {
            if (text[16] != ':' || !read_number(text, 17, 2, second)) {
                return std::nullopt;
            }
            if (text.size() > 19) {
                std::string_view fraction = text.substr(20);
                if (text[19] != '.' || fraction.empty() ||
                    fraction.find_first_not_of("0123456789") != std::string_view::npos) {
                    return std::nullopt;
                }
                std::string three = std::string(fraction.substr(0, 3));
                three.resize(3, '0');
                read_number(three, 0, 3, millis);
            }
        }
    }
    std::chrono::year_month_day date{std::chrono::year{year},
                                     std::chrono::month{static_cast<unsigned>(month)},
                                     std::chrono::day{static_cast<unsigned>(day)}};
    if (!date.ok() || hour > 23 || minute > 59 || second > 59) {
        return std::nullopt;
    }
    return Timestamp{std::chrono::sys_days{date}} + std::chrono::hours{hour} +
           std::chrono::minutes{minute} + std::chrono::seconds{second} +
           std::chrono::milliseconds{millis};
}

std::string format_listing_time(Timestamp t) {
    auto days = std::chrono::floor<std::chrono::days>(t);
    std::chrono::year_month_day date{days};
    std::chrono::hh_mm_ss clock{t - days};
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", static_cast<int>(date.year()),
                       static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                       clock.hours().count(), clock.minutes().count(), clock.seconds().count(),
                       clock.subseconds().count());
}

std::string format_http_date(Timestamp t) {
    static constexpr std::array<std::string_view, 7> kWeekdays{"Sun", "Mon", "Tue", "Wed",
                                                               "Thu", "Fri", "Sat"};
    static constexpr std::array<std::string_view, 12> kMonths{
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    auto days = std::chrono::floor<std::chrono::days>(t);
    std::chrono::year_month_day date{days};
    std::chrono::weekday weekday{days};
    std::chrono::hh_mm_ss clock{std::chrono::floor<std::chrono::seconds>(t - days)};
    return fmt::format("{}, {:02} {} {:04} {:02}:{:02}:{:02} GMT", kWeekdays[weekday.c_encoding()],
                       static_cast<unsigned>(date.day()),
                       kMonths[static_cast<unsigned>(date.month()) - 1],
                       static_cast<int>(date.year()), clock.hours().count(),
                       clock.minutes().count(), clock.seconds().count());
}

}  // namespace flowwatch::simtenant
