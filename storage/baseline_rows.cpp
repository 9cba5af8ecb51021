#include "storage/baseline_rows.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/time.h"

namespace flowwatch::storage {

namespace {

/// Reads kActivityKinds counters from consecutive columns.
std::array<std::int64_t, kActivityKinds> read_counters(const ReusableStatement& statement,
                                                       int first) {
    std::array<std::int64_t, kActivityKinds> counters{};
    for (std::size_t kind = 0; kind < kActivityKinds; ++kind) {
        counters[kind] = statement.integer(first + static_cast<int>(kind));
    }
    return counters;
}

void bind_counters(ReusableStatement& statement, int first,
                   const std::array<std::int64_t, kActivityKinds>& counters) {
    for (std::size_t kind = 0; kind < kActivityKinds; ++kind) {
        statement.bind(first + static_cast<int>(kind), counters[kind]);
    }
}

Timestamp time_at(const ReusableStatement& statement, int column) {
    return from_millis(statement.integer(column));
}

/// Whether any of the eight bytes of `word` needs an escape in a JSON string: a control
/// character, a quote or a backslash. (A byte below n exists exactly when (w - n*ones) & ~w has a
/// high bit set.)
constexpr bool needs_escape(std::uint64_t word) {
    constexpr std::uint64_t kOnes = 0x0101010101010101;
    constexpr std::uint64_t kHighs = 0x8080808080808080;
    const auto has_below = [](std::uint64_t w, std::uint64_t n) {
        return ((w - n * kOnes) & ~w & kHighs) != 0;
    };
    return has_below(word, 0x20) || has_below(word ^ ('"' * kOnes), 1) ||
           has_below(word ^ ('\\' * kOnes), 1);
}

/// Appends `text` as a JSON string. The text is valid UTF-8 (it came out of parsed JSON), so only
/// quotes, backslashes and control characters need escapes. Written by hand, eight bytes at a
/// time where none needs one: every changed row is encoded at every commit.
void append_json_string(std::string& out, std::string_view text) {
    out += '"';
    std::size_t plain = 0;  // Start of the characters not yet appended, none of them escaped.
    std::size_t i = 0;
    while (i < text.size()) {
        if (text.size() - i >= sizeof(std::uint64_t)) {
            std::uint64_t word = 0;
            std::memcpy(&word, text.data() + i, sizeof word);
            if (!needs_escape(word)) {
                i += sizeof word;
                continue;
            }
        }
        const auto byte = static_cast<unsigned char>(text[i]);
        if (byte >= 0x20 && byte != '"' && byte != '\\') {
            ++i;
            continue;
        }
        out.append(text.substr(plain, i - plain));
        if (byte < 0x20) {
            fmt::format_to(std::back_inserter(out), "\\u{:04x}", byte);
        } else {
            out += '\\';
            out += text[i];
        }
        plain = ++i;
    }
    out.append(text.substr(plain));
    out += '"';
}

/// Appends `value` in decimal, then `after` (to_chars: the encoders run for every row written).
void append_integer(std::string& out, std::int64_t value, char after) {
    std::array<char, 24> digits{};
    const auto end = std::to_chars(digits.data(), digits.data() + digits.size(), value).ptr;
    out.append(digits.data(), end);
    out += after;
}

// The encoders below append one JSON array to `out`.

/// Connectors of a flow as `[[key, display], ...]`.
void append_connectors(std::string& out, const std::vector<Connector>& connectors) {
    out += '[';
    for (const Connector& connector : connectors) {
        out += &connector == connectors.data() ? "[" : ",[";
        append_json_string(out, connector.key);
        out += ',';
        append_json_string(out, connector.display);
        out += ']';
    }
    out += ']';
}

/// A small set of names as a JSON array of strings.
void append_names(std::string& out, const std::vector<std::string>& names) {
    out += '[';
    for (const std::string& name : names) {
        if (&name != names.data()) {
            out += ',';
        }
        append_json_string(out, name);
    }
    out += ']';
}

std::vector<std::string> names_from_text(const std::string& text) {
    return nlohmann::json::parse(text).get<std::vector<std::string>>();
}

/// Activity buckets as `[[start_ms, creations, edits, deletions, permission_changes], ...]`.
void append_buckets(std::string& out, const std::vector<ActivityBucket>& buckets) {
    out += '[';
    for (const ActivityBucket& bucket : buckets) {
        out += &bucket == buckets.data() ? "[" : ",[";
        append_integer(out, bucket.start_ms, ',');
        for (std::size_t kind = 0; kind < kActivityKinds; ++kind) {
            append_integer(out, bucket.counts[kind], kind + 1 < kActivityKinds ? ',' : ']');
        }
    }
    out += ']';
}

std::vector<ActivityBucket> buckets_from_text(const std::string& text) {
    std::vector<ActivityBucket> buckets;
    for (const auto& entry : nlohmann::json::parse(text)) {
        ActivityBucket bucket{.start_ms = entry.at(0).get<std::int64_t>()};
        for (std::size_t kind = 0; kind < kActivityKinds; ++kind) {
            bucket.counts[kind] = entry.at(kind + 1).get<std::int64_t>();
        }
        buckets.push_back(bucket);
    }
    // The counting code relies on the order; a file edited by hand need not keep it.
    std::ranges::sort(buckets, {}, &ActivityBucket::start_ms);
    return buckets;
}

/// A user's connectors as
/// `[[key, display, first_seen_ms, last_seen_ms, flows, events, [environment, ...]], ...]`.
void append_user_connectors(std::string& out,
                            const std::vector<UserConnectorBaseline>& connectors) {
    out += '[';
    for (const UserConnectorBaseline& c : connectors) {
        out += &c == connectors.data() ? "[" : ",[";
        append_json_string(out, c.key);
        out += ',';
        append_json_string(out, c.display);
        out += ',';
        append_integer(out, to_millis(c.first_seen), ',');
        append_integer(out, to_millis(c.last_seen), ',');
        append_integer(out, c.flows, ',');
        append_integer(out, c.events, ',');
        append_names(out, c.environments);
        out += ']';
    }
    out += ']';
}

std::vector<UserConnectorBaseline> user_connectors_from_text(const std::string& text) {
    std::vector<UserConnectorBaseline> connectors;
    for (const auto& entry : nlohmann::json::parse(text)) {
        connectors.push_back(
            UserConnectorBaseline{.key = entry.at(0).get<std::string>(),
                                  .display = entry.at(1).get<std::string>(),
                                  .first_seen = from_millis(entry.at(2).get<std::int64_t>()),
                                  .last_seen = from_millis(entry.at(3).get<std::int64_t>()),
                                  .flows = entry.at(4).get<std::int64_t>(),
                                  .events = entry.at(5).get<std::int64_t>(),
                                  .environments = entry.at(6).get<std::vector<std::string>>()});
    }
    return connectors;
}

std::vector<Connector> connectors_from_text(const std::string& text) {
    std::vector<Connector> connectors;
    for (const auto& pair : nlohmann::json::parse(text)) {
        connectors.push_back(
            Connector{pair.at(0).get<std::string>(), pair.at(1).get<std::string>()});
    }
    return connectors;
}

}  // namespace

TenantBaseline RowTraits<TenantBaseline>::read(const ReusableStatement& statement) {
    TenantBaseline row;
    row.first_event = time_at(statement, 0);
    row.last_event = time_at(statement, 1);
    row.records = statement.integer(2);
    row.makers = statement.integer(3);
    row.activity.events = read_counters(statement, 4);
    row.activity.active_buckets = statement.integer(8);
    return row;
}

void RowTraits<TenantBaseline>::bind(ReusableStatement& statement, int first,
                                     const TenantBaseline& row) {
    statement.bind(first, to_millis(row.first_event));
    statement.bind(first + 1, to_millis(row.last_event));
    statement.bind(first + 2, row.records);
    statement.bind(first + 3, row.makers);
    bind_counters(statement, first + 4, row.activity.events);
    statement.bind(first + 8, row.activity.active_buckets);
}

UserBaseline RowTraits<UserBaseline>::read(const ReusableStatement& statement) {
    UserBaseline row;
    row.first_seen = time_at(statement, 0);
    row.last_seen = time_at(statement, 1);
    row.events = statement.integer(2);
    row.flows_created = statement.integer(3);
    row.is_maker = statement.integer(4) != 0;
    row.activity.events = read_counters(statement, 5);
    row.activity.active_buckets = statement.integer(9);
    row.last_burst_ms = read_counters(statement, 10);
    row.environments = names_from_text(statement.text(14));
    row.recent_activity = buckets_from_text(statement.text(15));
    row.connectors = user_connectors_from_text(statement.text(16));
    return row;
}

void RowTraits<UserBaseline>::bind(ReusableStatement& statement, int first,
                                   const UserBaseline& row) {
    statement.bind(first, to_millis(row.first_seen));
    statement.bind(first + 1, to_millis(row.last_seen));
    statement.bind(first + 2, row.events);
    statement.bind(first + 3, row.flows_created);
    statement.bind_flag(first + 4, row.is_maker);
    bind_counters(statement, first + 5, row.activity.events);
    statement.bind(first + 9, row.activity.active_buckets);
    bind_counters(statement, first + 10, row.last_burst_ms);
    statement.bind_written(first + 14,
                           [&row](std::string& out) { append_names(out, row.environments); });
    statement.bind_written(first + 15,
                           [&row](std::string& out) { append_buckets(out, row.recent_activity); });
    statement.bind_written(
        first + 16, [&row](std::string& out) { append_user_connectors(out, row.connectors); });
}

ScopeConnectorBaseline RowTraits<ScopeConnectorBaseline>::read(const ReusableStatement& statement) {
    ScopeConnectorBaseline row;
    row.display = statement.text(0);
    row.first_seen = time_at(statement, 1);
    row.last_seen = time_at(statement, 2);
    row.makers = statement.integer(3);
    row.flows = statement.integer(4);
    return row;
}

void RowTraits<ScopeConnectorBaseline>::bind(ReusableStatement& statement, int first,
                                             const ScopeConnectorBaseline& row) {
    statement.bind(first, row.display);
    statement.bind(first + 1, to_millis(row.first_seen));
    statement.bind(first + 2, to_millis(row.last_seen));
    statement.bind(first + 3, row.makers);
    statement.bind(first + 4, row.flows);
}

EnvironmentBaseline RowTraits<EnvironmentBaseline>::read(const ReusableStatement& statement) {
    EnvironmentBaseline row;
    row.first_seen = time_at(statement, 0);
    row.last_seen = time_at(statement, 1);
    row.makers = statement.integer(2);
    row.flows = statement.integer(3);
    return row;
}

void RowTraits<EnvironmentBaseline>::bind(ReusableStatement& statement, int first,
                                          const EnvironmentBaseline& row) {
    statement.bind(first, to_millis(row.first_seen));
    statement.bind(first + 1, to_millis(row.last_seen));
    statement.bind(first + 2, row.makers);
    statement.bind(first + 3, row.flows);
}

FlowState RowTraits<FlowState>::read(const ReusableStatement& statement) {
    FlowState row;
    row.environment = statement.text(0);
    row.creator = statement.text(1);
    row.creator_certain = statement.integer(2) != 0;
    row.created = time_at(statement, 3);
    row.connectors = connectors_from_text(statement.text(4));
    row.last_actor = statement.text(5);
    row.last_event = time_at(statement, 6);
    row.deleted = statement.integer(7) != 0;
    row.connector_history = names_from_text(statement.text(8));
    return row;
}

void RowTraits<FlowState>::bind(ReusableStatement& statement, int first, const FlowState& row) {
    statement.bind(first, row.environment);
    statement.bind(first + 1, row.creator);
    statement.bind_flag(first + 2, row.creator_certain);
    statement.bind(first + 3, to_millis(row.created));
    statement.bind_written(first + 4,
                           [&row](std::string& out) { append_connectors(out, row.connectors); });
    statement.bind(first + 5, row.last_actor);
    statement.bind(first + 6, to_millis(row.last_event));
    statement.bind_flag(first + 7, row.deleted);
    statement.bind_written(first + 8,
                           [&row](std::string& out) { append_names(out, row.connector_history); });
}

FlowOwner RowTraits<FlowOwner>::read(const ReusableStatement& statement) {
    FlowOwner row;
    row.user = statement.text(0);
    row.permission = static_cast<int>(statement.integer(1));
    row.granted_by = statement.text(2);
    row.granted_at = time_at(statement, 3);
    row.by_admin = statement.integer(4) != 0;
    return row;
}

void RowTraits<FlowOwner>::bind(ReusableStatement& statement, int first, const FlowOwner& row) {
    statement.bind(first, std::int64_t{row.permission});
    statement.bind(first + 1, row.granted_by);
    statement.bind(first + 2, to_millis(row.granted_at));
    statement.bind_flag(first + 3, row.by_admin);
}

}  // namespace flowwatch::storage
