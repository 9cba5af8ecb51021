#pragma once
/// How each cached baseline row maps to its table: the table, its key and value columns, and the
/// reading and binding of one row. The SQL built from these names binds every value.

#include <array>
#include <string>

#include "core/store.h"
#include "storage/statement.h"

namespace flowwatch::storage {

template <typename Row>
struct RowTraits;

template <>
struct RowTraits<TenantBaseline> {
    static constexpr const char* kTable = "tenant_baseline";
    static constexpr std::array kKeys{"tenant"};
    static constexpr std::array kColumns{"first_event_ms", "last_event_ms",      "records",
                                         "makers",         "creations",          "edits",
                                         "deletions",      "permission_changes", "active_buckets"};
    static TenantBaseline read(const ReusableStatement& statement);
    static void bind(ReusableStatement& statement, int first, const TenantBaseline& row);
};

template <>
struct RowTraits<UserBaseline> {
    static constexpr const char* kTable = "user_baseline";
    static constexpr std::array kKeys{"tenant", "user"};
    static constexpr std::array kColumns{"first_seen_ms",
                                         "last_seen_ms",
                                         "events",
                                         "flows_created",
                                         "is_maker",
                                         "creations",
                                         "edits",
                                         "deletions",
                                         "permission_changes",
                                         "active_buckets",
                                         "creation_burst_ms",
                                         "edit_burst_ms",
                                         "deletion_burst_ms",
                                         "permission_burst_ms",
                                         "environments",
                                         "recent_activity",
                                         "connectors"};
    static UserBaseline read(const ReusableStatement& statement);
    static void bind(ReusableStatement& statement, int first, const UserBaseline& row);
};

template <>
struct RowTraits<ScopeConnectorBaseline> {
    static constexpr const char* kTable = "scope_connector";
    static constexpr std::array kKeys{"tenant", "scope", "connector"};
    static constexpr std::array kColumns{"display", "first_seen_ms", "last_seen_ms", "makers",
                                         "flows"};
    static ScopeConnectorBaseline read(const ReusableStatement& statement);
    static void bind(ReusableStatement& statement, int first, const ScopeConnectorBaseline& row);
};

template <>
struct RowTraits<EnvironmentBaseline> {
    static constexpr const char* kTable = "environment";
    static constexpr std::array kKeys{"tenant", "environment"};
    static constexpr std::array kColumns{"first_seen_ms", "last_seen_ms", "makers", "flows"};
    static EnvironmentBaseline read(const ReusableStatement& statement);
    static void bind(ReusableStatement& statement, int first, const EnvironmentBaseline& row);
};

template <>
struct RowTraits<FlowState> {
    static constexpr const char* kTable = "flow";
    static constexpr std::array kKeys{"tenant", "flow_id"};
    static constexpr std::array kColumns{"environment",   "creator",    "creator_certain",
                                         "created_ms",    "connectors", "last_actor",
                                         "last_event_ms", "deleted",    "connector_history"};
    static FlowState read(const ReusableStatement& statement);
    static void bind(ReusableStatement& statement, int first, const FlowState& row);
};

/// A flow owner row; selected by (tenant, flow_id), with `user` as the third key.
template <>
struct RowTraits<FlowOwner> {
    static constexpr const char* kTable = "flow_owner";
    static constexpr std::array kKeys{"tenant", "flow_id", "user"};
    static constexpr std::array kColumns{"permission", "granted_by", "granted_at_ms", "by_admin"};
    /// Reads the user column first, then kColumns.
    static FlowOwner read(const ReusableStatement& statement);
    static void bind(ReusableStatement& statement, int first, const FlowOwner& row);
};

/// `a, b, c`
template <std::size_t N>
std::string column_list(const std::array<const char*, N>& names) {
    std::string list;
    for (const char* name : names) {
        list += list.empty() ? "" : ", ";
        list += name;
    }
    return list;
}

/// `SELECT <columns> FROM <table> WHERE <key> = ? AND ...`
template <typename Row>
std::string select_sql() {
    using Traits = RowTraits<Row>;
    std::string sql =
        "SELECT " + column_list(Traits::kColumns) + " FROM " + Traits::kTable + " WHERE ";
    for (std::size_t i = 0; i < Traits::kKeys.size(); ++i) {
        sql += (i == 0 ? "" : " AND ");
        sql += std::string(Traits::kKeys[i]) + " = ?";
    }
    return sql;
}

/// `SELECT <keys> FROM <table>`
template <typename Row>
std::string keys_sql() {
    using Traits = RowTraits<Row>;
    return "SELECT " + column_list(Traits::kKeys) + " FROM " + Traits::kTable;
}

/// `INSERT INTO <table> (<keys>, <columns>) VALUES (?...)`
template <typename Row>
std::string insert_sql() {
    using Traits = RowTraits<Row>;
    std::string names;
    std::string marks;
    for (const char* key : Traits::kKeys) {
        names += std::string(names.empty() ? "" : ", ") + key;
        marks += marks.empty() ? "?" : ", ?";
    }
    for (const char* column : Traits::kColumns) {
        names += std::string(", ") + column;
        marks += ", ?";
    }
    return std::string("INSERT INTO ") + Traits::kTable + " (" + names + ") VALUES (" + marks + ")";
}

/// `UPDATE <table> SET <column> = ?k+1, ... WHERE <key> = ?1 AND ...`: parameters are numbered
/// as in insert_sql, keys first.
template <typename Row>
std::string update_sql() {
    using Traits = RowTraits<Row>;
    const std::size_t keys = Traits::kKeys.size();
    std::string sets;
    std::string where;
    for (std::size_t i = 0; i < Traits::kColumns.size(); ++i) {
        sets += std::string(i == 0 ? "" : ", ") + Traits::kColumns[i] + " = ?" +
                std::to_string(keys + i + 1);
    }
    for (std::size_t i = 0; i < keys; ++i) {
        where +=
            std::string(i == 0 ? "" : " AND ") + Traits::kKeys[i] + " = ?" + std::to_string(i + 1);
    }
    return std::string("UPDATE ") + Traits::kTable + " SET " + sets + " WHERE " + where;
}

/// `INSERT INTO <table> (<keys>, <columns>) VALUES (?...) ON CONFLICT (<keys>) DO UPDATE ...`
template <typename Row>
std::string upsert_sql() {
    using Traits = RowTraits<Row>;
    std::string keys;
    std::string updates;
    for (const char* key : Traits::kKeys) {
        keys += std::string(keys.empty() ? "" : ", ") + key;
    }
    for (const char* column : Traits::kColumns) {
        updates += std::string(updates.empty() ? "" : ", ") + column + " = excluded." + column;
    }
    return insert_sql<Row>() + " ON CONFLICT (" + keys + ") DO UPDATE SET " + updates;
}

}  // namespace flowwatch::storage
