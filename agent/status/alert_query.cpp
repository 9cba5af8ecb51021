#include "agent/status/alert_query.h"

#include <algorithm>
#include <charconv>
#include <string>
#include <system_error>

#include <fmt/format.h>

namespace flowwatch::agent {

namespace {

int hex_value(char c) {
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

std::optional<std::string> percent_decode(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '+') {
            out.push_back(' ');
        } else if (text[i] != '%') {
            out.push_back(text[i]);
        } else {
            if (i + 2 >= text.size())
                return std::nullopt;
            const int high = hex_value(text[i + 1]);
            const int low = hex_value(text[i + 2]);
            if (high < 0 || low < 0)
                return std::nullopt;
            out.push_back(static_cast<char>(high * 16 + low));
            i += 2;
        }
    }
    return out;
}

template <typename Int>
std::optional<Int> parse_integer(std::string_view text) {
    Int value{};
    const auto* end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (ec != std::errc{} || ptr != end || text.empty())
        return std::nullopt;
    return value;
}

Result<void> apply_since(const std::string& value, AlertQuery& query) {
    if (!value.empty() &&
        std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        auto sequence = parse_integer<std::int64_t>(value);
        if (!sequence)
            return fail("since: the sequence number is out of range");
        query.after_sequence = *sequence;
        return {};
    }
    auto time = parse_time(value);
    if (!time)
        return fail(fmt::format("since: \"{}\" is neither an ISO 8601 time nor a sequence", value));
    query.since_time = *time;
    return {};
}

Result<void> apply_limit(const std::string& value, AlertQuery& query) {
    auto limit = parse_integer<std::size_t>(value);
    if (!limit || *limit == 0 || *limit > kMaxAlertLimit) {
        return fail(fmt::format("limit: expected a whole number from 1 to {}", kMaxAlertLimit));
    }
    query.limit = *limit;
    return {};
}

}  // namespace

Result<AlertQuery> parse_alert_query(std::string_view query) {
    AlertQuery parsed;
    bool seen_since = false;
    bool seen_limit = false;
    while (!query.empty()) {
        const auto amp = query.find('&');
        const auto pair = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
        if (pair.empty())
            continue;

        const auto eq = pair.find('=');
        const auto name = pair.substr(0, eq);
        auto value = percent_decode(eq == std::string_view::npos ? "" : pair.substr(eq + 1));
        if (!value)
            return fail(fmt::format("{}: bad percent-escape", name));

        bool& seen = name == "since" ? seen_since : seen_limit;
        if (name != "since" && name != "limit")
            return fail(fmt::format("unknown parameter \"{}\"", name));
        if (seen)
            return fail(fmt::format("{}: given more than once", name));
        seen = true;
        auto applied = name == "since" ? apply_since(*value, parsed) : apply_limit(*value, parsed);
        if (!applied)
            return std::unexpected(applied.error());
    }
    return parsed;
}

std::vector<StoredAlert> select_alerts(const std::vector<StoredAlert>& newest_first,
                                       const AlertQuery& query) {
    std::vector<StoredAlert> selected;
    for (const auto& stored : newest_first) {
        if (selected.size() >= query.limit)
            break;
        if (query.after_sequence && stored.sequence <= *query.after_sequence)
            continue;
        if (query.since_time && stored.alert.time < *query.since_time)
            continue;
        selected.push_back(stored);
    }
    return selected;
}

}  // namespace flowwatch::agent
