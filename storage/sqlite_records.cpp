// SqliteStore's bookkeeping: seen record ids, alerts, API polling state and output delivery.
// These rows are written straight into the open transaction (or on their own outside a unit).

#include <algorithm>
#include <string>
#include <tuple>

#include "storage/schema.h"
#include "storage/sqlite_store.h"
#include "storage/sqlite_store_state.h"

namespace flowwatch::storage {

namespace {

std::vector<StoredAlert> read_alerts(ReusableStatement& statement, std::int64_t after_sequence,
                                     std::size_t limit) {
    StatementUse use(statement);
    use->bind(1, after_sequence);
    use->bind(2, static_cast<std::int64_t>(std::min<std::size_t>(limit, INT64_MAX)));
    std::vector<StoredAlert> alerts;
    while (use->next_row()) {
        StoredAlert stored;
        stored.sequence = use->integer(0);
        stored.emitted = use->integer(1) != 0;
        stored.alert = alert_from_json(nlohmann::json::parse(use->text(2)));
        alerts.push_back(std::move(stored));
    }
    return alerts;
}

std::optional<Timestamp> read_time(ReusableStatement& statement, std::string_view first,
                                   std::string_view second) {
    StatementUse use(statement);
    use->bind(1, first);
    use->bind(2, second);
    if (!use->next_row()) {
        return std::nullopt;
    }
    return from_millis(use->integer(0));
}

void write_time(ReusableStatement& statement, std::string_view first, std::string_view second,
                Timestamp time) {
    StatementUse use(statement);
    use->bind(1, first);
    use->bind(2, second);
    use->bind(3, to_millis(time));
    use->run();
}

}  // namespace

bool SqliteStore::mark_record_seen(std::string_view tenant, std::string_view record_id,
                                   Timestamp time) {
    return guarded("mark record seen", [&] {
        StatementUse use(state_->mark_seen);
        use->bind(1, tenant);
        use->bind(2, record_id);
        use->bind(3, to_millis(time));
        return use->run() == 1;
    });
}

bool SqliteStore::insert_alert(const Alert& alert, bool emitted) {
    return guarded("insert alert", [&] {
        StatementUse use(state_->insert_alert);
        use->bind(1, alert.id);
        use->bind(2, alert.tenant);
        use->bind(3, trigger_name(alert.trigger));
        use->bind(4, severity_name(alert.severity));
        use->bind(5, to_millis(alert.time));
        use->bind_flag(6, emitted);
        use->bind(7, to_json(alert).dump());
        return use->run() == 1;
    });
}

std::vector<StoredAlert> SqliteStore::recent_alerts(std::int64_t after_sequence,
                                                    std::size_t limit) {
    return guarded("read recent alerts",
                   [&] { return read_alerts(state_->recent_alerts, after_sequence, limit); });
}

std::vector<StoredAlert> SqliteStore::emitted_alerts_after(std::int64_t after_sequence,
                                                           std::size_t limit) {
    return guarded("read emitted alerts", [&] {
        return read_alerts(state_->emitted_alerts_after, after_sequence, limit);
    });
}

std::optional<Timestamp> SqliteStore::cursor(std::string_view tenant,
                                             std::string_view content_type) {
    return guarded("read listing cursor",
                   [&] { return read_time(state_->select_cursor, tenant, content_type); });
}

void SqliteStore::put_cursor(std::string_view tenant, std::string_view content_type,
                             Timestamp window_end) {
    guarded("write listing cursor",
            [&] { write_time(state_->upsert_cursor, tenant, content_type, window_end); });
}

bool SqliteStore::content_committed(std::string_view tenant, std::string_view content_id) {
    return guarded("read committed content", [&] {
        StatementUse use(state_->select_content);
        use->bind(1, tenant);
        use->bind(2, content_id);
        return use->next_row();
    });
}

void SqliteStore::mark_content_committed(std::string_view tenant, std::string_view content_type,
                                         std::string_view content_id, Timestamp content_created) {
    guarded("mark content committed", [&] {
        StatementUse use(state_->insert_content);
        use->bind(1, tenant);
        use->bind(2, content_id);
        use->bind(3, content_type);
        use->bind(4, to_millis(content_created));
        use->run();
    });
}

void SqliteStore::prune_committed_content(std::string_view tenant, Timestamp before) {
    guarded("prune committed content", [&] {
        StatementUse use(state_->prune_content);
        use->bind(1, tenant);
        use->bind(2, to_millis(before));
        use->run();
    });
}

std::optional<Timestamp> SqliteStore::newest_committed_content(std::string_view tenant) {
    return guarded("read newest committed content", [&]() -> std::optional<Timestamp> {
        StatementUse use(state_->newest_content);
        use->bind(1, tenant);
        // An aggregate always answers one row: NULL when the tenant has none.
        if (!use->next_row() || use->is_null(0)) {
            return std::nullopt;
        }
        return from_millis(use->integer(0));
    });
}

std::optional<Timestamp> SqliteStore::last_subscription_start(std::string_view tenant,
                                                              std::string_view content_type) {
    return guarded("read subscription start",
                   [&] { return read_time(state_->select_subscription, tenant, content_type); });
}

void SqliteStore::put_subscription_start(std::string_view tenant, std::string_view content_type,
                                         Timestamp at) {
    guarded("write subscription start",
            [&] { write_time(state_->upsert_subscription, tenant, content_type, at); });
}

void SqliteStore::record_gap(const ContentGap& gap) {
    guarded("record content gap", [&] {
        StatementUse use(state_->insert_gap);
        use->bind(1, gap.tenant);
        use->bind(2, gap.content_type);
        use->bind(3, gap.content_id);
        use->bind(4, to_millis(gap.window_start));
        use->bind(5, to_millis(gap.window_end));
        use->bind(6, gap.reason);
        use->bind(7, to_millis(gap.recorded_at));
        use->run();
    });
}

std::vector<ContentGap> SqliteStore::gaps(std::string_view tenant) {
    return guarded("read content gaps", [&] {
        StatementUse use(state_->select_gaps);
        use->bind(1, tenant);
        std::vector<ContentGap> gaps;
        while (use->next_row()) {
            gaps.push_back(ContentGap{use->text(0), use->text(1), use->text(2),
                                      from_millis(use->integer(3)), from_millis(use->integer(4)),
                                      use->text(5), from_millis(use->integer(6))});
        }
        return gaps;
    });
}

std::int64_t SqliteStore::delivered_through(std::string_view output) {
    return guarded("read delivery cursor", [&] {
        StatementUse use(state_->select_delivery);
        use->bind(1, output);
        return use->next_row() ? use->integer(0) : std::int64_t{0};
    });
}

void SqliteStore::put_delivered_through(std::string_view output, std::int64_t sequence) {
    guarded("write delivery cursor", [&] {
        StatementUse use(state_->upsert_delivery);
        use->bind(1, output);
        use->bind(2, sequence);
        use->run();
    });
}

Result<std::vector<AlertCount>> SqliteStore::alert_counts() {
    try {
        StatementUse use(state_->alert_counts);
        std::vector<AlertCount> counts;
        while (use->next_row()) {
            const auto trigger = parse_trigger(use->text(1));
            const auto severity = parse_severity(use->text(2));
            if (!trigger || !severity) {
                continue;  // Written by a newer flowwatch; not ours to count.
            }
            counts.push_back(AlertCount{use->text(0), *trigger, *severity, use->integer(3)});
        }
        std::ranges::sort(counts, {}, [](const AlertCount& c) {
            return std::tie(c.tenant, c.trigger, c.severity);
        });
        return counts;
    } catch (const SQLite::Exception& e) {
        return fail(fmt::format("count alerts in {}: {}", path_.string(), e.what()));
    }
}

Result<int> SqliteStore::schema_version() {
    return storage::schema_version(state_->db, path_.string());
}

Result<std::int64_t> SqliteStore::prune_seen_records(Timestamp before) {
    try {
        StatementUse use(state_->prune_seen);
        use->bind(1, to_millis(before));
        return std::int64_t{use->run()};
    } catch (const SQLite::Exception& e) {
        return fail(fmt::format("prune seen records in {}: {}", path_.string(), e.what()));
    }
}

}  // namespace flowwatch::storage
