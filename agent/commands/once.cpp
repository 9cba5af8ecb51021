/// `flowwatch once`: one full polling cycle over every configured tenant (subscribe, list,
/// download, evaluate, commit, emit), then exit. New alerts go to stdout as JSON lines, a
/// summary per tenant to stderr.

#include <iostream>
#include <memory>
#include <string>

#include <fmt/format.h>

#include "agent/api/tenant_poller.h"
#include "agent/commands/commands.h"
#include "agent/config.h"
#include "agent/logging.h"
#include "agent/service_host.h"
#include "storage/sqlite_store.h"

namespace flowwatch::agent {
namespace {

/// Exit codes: 0 every window committed; 1 a window is left for the next run (or the store
/// failed); 2 the configuration or a tenant's credentials need fixing.
constexpr int kIncomplete = 1;
constexpr int kMustFix = 2;

struct OnceOptions {
    std::string config;
    std::string log_level = "info";
};

std::string summary_line(const std::string& tenant, const api::PollStats& s) {
    std::uint64_t retries = 0;
    if (auto it = s.requests.find("retry"); it != s.requests.end()) {
        retries = it->second;
    }
    return fmt::format(
        "once: tenant={} complete={} windows={} blobs_listed={} blobs_committed={} "
        "blobs_skipped={} blobs_gone={} blobs_refused={} blobs_failed={} records={} "
        "flow_records={} evaluated={} duplicates={} alerts_emitted={} gaps={} "
        "security_events={} retries={} auth={}",
        tenant, s.complete() ? "yes" : "no", s.windows_completed, s.blobs_listed, s.blobs_committed,
        s.blobs_already_committed, s.blobs_gone, s.blobs_refused, s.blobs_failed, s.records,
        s.pipeline.flow_records, s.pipeline.evaluated, s.pipeline.duplicates,
        s.pipeline.alerts_emitted, s.gaps, s.security_events, retries,
        api::auth_state_name(s.auth));
}

int run_once(const OnceOptions& options) {
    auto level = parse_log_level(options.log_level);
    if (!level) {
        std::cerr << "flowwatch: " << level.error().message << '\n';
        return kMustFix;
    }
    configure_logging(LogOptions{.level = *level});

    auto config = load_config(options.config);
    if (!config) {
        std::cerr << "flowwatch: " << config.error().message << '\n';
        return kMustFix;
    }
    if (config->tenants.empty() || config->database.empty()) {
        std::cerr << "flowwatch: " << options.config
                  << ": `once` needs `database` and at least one entry in `tenants`\n";
        return kMustFix;
    }
    auto store = storage::SqliteStore::open(config->database);
    if (!store) {
        std::cerr << "flowwatch: " << store.error().message << '\n';
        return kIncomplete;
    }

    StopSource stop;
    int exit_code = 0;
    for (const auto& tenant : config->tenants) {
        api::TenantPollerOptions poller_options{.tenant = tenant, .http = config->http};
        poller_options.on_emitted = [](const Alert& alert) {
            // The blob is committed before its alerts are written: a crash repeats nothing.
            std::cout << to_json(alert).dump() << '\n' << std::flush;
        };
        auto poller = api::TenantPoller::create(std::move(poller_options), **store, **store,
                                                config->detection);
        if (!poller) {
            std::cerr << "flowwatch: " << poller.error().message << '\n';
            exit_code = kMustFix;
            continue;
        }
        auto stats = (*poller)->run_cycle(stop);
        if (!stats) {
            std::cerr << "flowwatch: " << stats.error().message << '\n';
            exit_code = api::is_fatal_poll_error(stats.error()) && stats.error().code != "storage"
                            ? kMustFix
                            : std::max(exit_code, kIncomplete);
            continue;
        }
        std::cerr << summary_line(tenant.tenant_id, *stats) << '\n';
        if (!stats->complete()) {
            std::cerr << "flowwatch: tenant " << tenant.tenant_id
                      << ": not every window was committed; the next run resumes it: "
                      << stats->last_error->message << '\n';
            exit_code = std::max(exit_code, kIncomplete);
        }
    }
    return exit_code;
}

}  // namespace

void add_once_command(CLI::App& app, int& exit_code) {
    auto options = std::make_shared<OnceOptions>();
    auto* cmd = app.add_subcommand(
        "once",
        "Poll every configured tenant once through the Management Activity API (subscribe, list, "
        "download, evaluate, commit), write new alerts to stdout as JSON lines, then exit");
    cmd->add_option("--config", options->config, "Configuration file (JSON, comments allowed)")
        ->required();
    cmd->add_option("--log-level", options->log_level,
                    "trace, debug, info, warning, error, critical or off");
    cmd->callback([options, &exit_code] { exit_code = run_once(*options); });
}

}  // namespace flowwatch::agent
