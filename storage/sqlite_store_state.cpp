#include "storage/sqlite_store_state.h"

namespace flowwatch::storage {

SqliteStore::State::State(SQLite::Database database, const SqliteStoreOptions& store_options)
    : db(std::move(database)),
      options(store_options),
      tenants(db),
      users(db),
      scope_connectors(db),
      environments(db),
      flows(db),
      select_owners(db,
                    "SELECT user, permission, granted_by, granted_at_ms, by_admin FROM flow_owner"
                    " WHERE tenant = ? AND flow_id = ? ORDER BY user"),
      delete_owners(db, "DELETE FROM flow_owner WHERE tenant = ? AND flow_id = ?"),
      insert_owner(db,
                   "INSERT INTO flow_owner (tenant, flow_id, user, permission, granted_by,"
                   " granted_at_ms, by_admin) VALUES (?, ?, ?, ?, ?, ?, ?)"),
      select_owner_flows(db, "SELECT DISTINCT tenant, flow_id FROM flow_owner"),
      count_owners(db, "SELECT count(*) FROM flow_owner"),
      begin(db, "BEGIN IMMEDIATE"),
      commit(db, "COMMIT"),
      rollback(db, "ROLLBACK"),
      mark_seen(db,
                "INSERT INTO seen_record (tenant, record_id, time_ms) VALUES (?, ?, ?)"
                " ON CONFLICT DO NOTHING"),
      prune_seen(db, "DELETE FROM seen_record WHERE time_ms < ?"),
      insert_alert(db,
                   "INSERT INTO alert (id, tenant, trigger_name, severity, time_ms, emitted, body)"
                   " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING"),
      recent_alerts(db,
                    "SELECT sequence, emitted, body FROM alert WHERE sequence > ?"
                    " ORDER BY sequence DESC LIMIT ?"),
      emitted_alerts_after(db,
                           "SELECT sequence, emitted, body FROM alert"
                           " WHERE emitted = 1 AND sequence > ? ORDER BY sequence LIMIT ?"),
      alert_counts(db,
                   "SELECT tenant, trigger_name, severity, COUNT(*) FROM alert"
                   " GROUP BY tenant, trigger_name, severity"),
      select_cursor(db,
                    "SELECT window_end_ms FROM api_cursor WHERE tenant = ? AND content_type = ?"),
      upsert_cursor(db,
                    "INSERT INTO api_cursor (tenant, content_type, window_end_ms) VALUES (?, ?, ?)"
                    " ON CONFLICT (tenant, content_type)"
                    " DO UPDATE SET window_end_ms = excluded.window_end_ms"),
      select_content(db, "SELECT 1 FROM committed_content WHERE tenant = ? AND content_id = ?"),
      insert_content(db,
                     "INSERT INTO committed_content (tenant, content_id, content_type, created_ms)"
                     " VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING"),
      prune_content(db, "DELETE FROM committed_content WHERE tenant = ? AND created_ms < ?"),
      newest_content(db, "SELECT max(created_ms) FROM committed_content WHERE tenant = ?"),
      select_subscription(
          db, "SELECT started_ms FROM subscription_start WHERE tenant = ? AND content_type = ?"),
      upsert_subscription(db,
                          "INSERT INTO subscription_start (tenant, content_type, started_ms)"
                          " VALUES (?, ?, ?) ON CONFLICT (tenant, content_type)"
                          " DO UPDATE SET started_ms = excluded.started_ms"),
      insert_gap(db,
                 "INSERT INTO content_gap (tenant, content_type, content_id, window_start_ms,"
                 " window_end_ms, reason, recorded_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?)"),
      select_gaps(db,
                  "SELECT tenant, content_type, content_id, window_start_ms, window_end_ms,"
                  " reason, recorded_at_ms FROM content_gap WHERE tenant = ? ORDER BY id"),
      select_delivery(db, "SELECT delivered_through FROM output_delivery WHERE output = ?"),
      upsert_delivery(db,
                      "INSERT INTO output_delivery (output, delivered_through) VALUES (?, ?)"
                      " ON CONFLICT (output)"
                      " DO UPDATE SET delivered_through = excluded.delivered_through") {}

}  // namespace flowwatch::storage
