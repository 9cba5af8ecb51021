#include "agent/status/prometheus_text.h"

#include <chrono>
#include <cmath>
#include <cstddef>

#include <fmt/format.h>

namespace flowwatch::agent {

std::string escape_label_value(std::string_view value) {
    std::string out;
    out.reserve(value.size());
    for (char c : value) {
        if (c == '\\') {
            out += "\\\\";
        } else if (c == '"') {
            out += "\\\"";
        } else if (c == '\n') {
            out += "\\n";
        } else {
            out.push_back(c);
        }
    }
    return out;
}

std::string escape_help(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        if (c == '\\') {
            out += "\\\\";
        } else if (c == '\n') {
            out += "\\n";
        } else {
            out.push_back(c);
        }
    }
    return out;
}

void MetricsText::family(std::string_view name, std::string_view type, std::string_view help) {
    text_ += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, escape_help(help), name, type);
}

void MetricsText::sample(std::string_view name, const Labels& labels, double value) {
    text_ += name;
    if (!labels.empty()) {
        text_ += '{';
        for (std::size_t i = 0; i < labels.size(); ++i) {
            text_ += fmt::format("{}{}=\"{}\"", i == 0 ? "" : ",", labels[i].first,
                                 escape_label_value(labels[i].second));
        }
        text_ += '}';
    }
    // Whole numbers print without a fraction so counters read as integers.
    if (std::isfinite(value) && value == std::floor(value) && std::fabs(value) < 1e15) {
        text_ += fmt::format(" {}\n", static_cast<long long>(value));
    } else {
        text_ += fmt::format(" {}\n", value);
    }
}

namespace {

double seconds_since_epoch(Timestamp t) {
    return static_cast<double>(to_millis(t)) / 1000.0;
}

void write_process_metrics(MetricsText& out, const StatusSnapshot& snapshot, Timestamp now) {
    out.family("flowwatch_build_info", "gauge", "The running flowwatch version (always 1).");
    out.sample("flowwatch_build_info", {{"version", snapshot.version}}, 1);
    out.family("flowwatch_start_time_seconds", "gauge", "When the agent started, Unix seconds.");
    out.sample("flowwatch_start_time_seconds", {}, seconds_since_epoch(snapshot.started_at));
    out.family("flowwatch_ready", "gauge", "1 when /readyz answers 200, else 0.");
    out.sample("flowwatch_ready", {}, check_readiness(snapshot, now).ready ? 1 : 0);
}

/// A per-tenant counter or gauge with only the tenant label.
template <typename Value>
void write_tenant_family(MetricsText& out, const StatusSnapshot& snapshot, std::string_view name,
                         std::string_view type, std::string_view help, Value value) {
    out.family(name, type, help);
    for (const auto& tenant : snapshot.tenants) {
        out.sample(name, {{"tenant", tenant.tenant}}, static_cast<double>(value(tenant)));
    }
}

void write_requests_and_cycles(MetricsText& out, const StatusSnapshot& snapshot) {
    out.family("flowwatch_api_requests_total", "counter",
               "Requests to the login and Management Activity API endpoints, by outcome.");
    for (const auto& tenant : snapshot.tenants) {
        for (const auto& [outcome, count] : tenant.requests_by_outcome) {
            out.sample("flowwatch_api_requests_total",
                       {{"tenant", tenant.tenant}, {"outcome", outcome}},
                       static_cast<double>(count));
        }
    }
    out.family("flowwatch_cycles_total", "counter", "Poll cycles finished, by outcome.");
    for (const auto& tenant : snapshot.tenants) {
        out.sample("flowwatch_cycles_total", {{"tenant", tenant.tenant}, {"outcome", "success"}},
                   static_cast<double>(tenant.cycles - tenant.failed_cycles));
        out.sample("flowwatch_cycles_total", {{"tenant", tenant.tenant}, {"outcome", "failure"}},
                   static_cast<double>(tenant.failed_cycles));
    }
}

void write_alerts(MetricsText& out, const StatusSnapshot& snapshot) {
    out.family("flowwatch_alerts_total", "counter",
               "Alerts raised by the detection, by trigger and severity.");
    for (const auto& tenant : snapshot.tenants) {
        for (Trigger trigger : kAllTriggers) {
            for (Severity severity : kAllSeverities) {
                const auto count = tenant.alerts[static_cast<std::size_t>(trigger)]
                                                [static_cast<std::size_t>(severity)];
                out.sample("flowwatch_alerts_total",
                           {{"tenant", tenant.tenant},
                            {"trigger", trigger_name(trigger)},
                            {"severity", severity_name(severity)}},
                           static_cast<double>(count));
            }
        }
    }
}

void write_time_gauges(MetricsText& out, const StatusSnapshot& snapshot, Timestamp now) {
    out.family("flowwatch_lag_seconds", "gauge",
               "Now minus the newest contentCreated committed (absent before the first commit).");
    for (const auto& tenant : snapshot.tenants) {
        if (auto behind = lag(tenant, now)) {
            out.sample("flowwatch_lag_seconds", {{"tenant", tenant.tenant}},
                       static_cast<double>(behind->count()));
        }
    }
    out.family("flowwatch_last_success_timestamp_seconds", "gauge",
               "End of the last successful poll cycle, Unix seconds.");
    for (const auto& tenant : snapshot.tenants) {
        if (tenant.last_success) {
            out.sample("flowwatch_last_success_timestamp_seconds", {{"tenant", tenant.tenant}},
                       seconds_since_epoch(*tenant.last_success));
        }
    }
}

}  // namespace

std::string render_metrics(const StatusSnapshot& snapshot, Timestamp now) {
    MetricsText out;
    write_process_metrics(out, snapshot, now);
    write_tenant_family(out, snapshot, "flowwatch_authenticated", "gauge",
                        "1 when the last token request for the tenant succeeded.",
                        [](const TenantStatus& t) { return t.auth == AuthState::ok ? 1 : 0; });
    write_requests_and_cycles(out, snapshot);
    write_tenant_family(out, snapshot, "flowwatch_blobs_total", "counter",
                        "Content blobs read and committed.",
                        [](const TenantStatus& t) { return t.blobs; });
    write_tenant_family(out, snapshot, "flowwatch_records_total", "counter",
                        "Audit records read, of any workload.",
                        [](const TenantStatus& t) { return t.records; });
    write_tenant_family(out, snapshot, "flowwatch_power_automate_records_total", "counter",
                        "Power Automate audit records read.",
                        [](const TenantStatus& t) { return t.flow_records; });
    write_tenant_family(out, snapshot, "flowwatch_duplicate_records_total", "counter",
                        "Records skipped because their Id was evaluated before.",
                        [](const TenantStatus& t) { return t.duplicates; });
    write_tenant_family(out, snapshot, "flowwatch_gaps_total", "counter",
                        "Stretches of content that could not be read (expired or gone).",
                        [](const TenantStatus& t) { return t.gaps; });
    write_tenant_family(out, snapshot, "flowwatch_backlog_blobs", "gauge",
                        "Blobs listed as available but not yet committed.",
                        [](const TenantStatus& t) { return t.backlog; });
    write_alerts(out, snapshot);
    write_time_gauges(out, snapshot, now);
    return out.text();
}

}  // namespace flowwatch::agent
