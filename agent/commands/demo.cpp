/// `flowwatch demo`: the real agent (real HTTP, real SQLite, the status endpoint) against a
/// generated tenant served by the simulated tenant on loopback. The whole month is loaded into
/// the simulated tenant at once; a clock shared by the tenant and the agent starts at the
/// scenario's first day and jumps ahead after each completed cycle, so a month passes in seconds
/// while every request, listing window and blob goes the way it does in production.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "agent/commands/commands.h"
#include "agent/config.h"
#include "agent/daemon/agent_daemon.h"
#include "agent/daemon/console_signals.h"
#include "agent/logging.h"
#include "agent/simtenant/sim_tenant.h"
#include "core/connector.h"
#include "core/scenario.h"

namespace flowwatch::agent {
namespace {

struct DemoOptions {
    ScenarioOptions scenario;
    bool serve = false;
    std::string listen = "127.0.0.1:9464";
    int step_hours = 96;
    std::string log_level = "warning";
};

/// The demo's "now", read by the simulated tenant and the agent alike: real time from `start`,
/// plus the jumps made after each completed cycle (so rate limits and deadlines still see time
/// pass while a cycle runs).
class DemoClock {
  public:
    explicit DemoClock(Timestamp start) : start_(start), began_(std::chrono::steady_clock::now()) {}
    Timestamp now() const {
        const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
            std::chrono::steady_clock::now() - began_);
        return start_ + elapsed + std::chrono::milliseconds(jumped_ms_.load());
    }
    /// Jumps ahead by `by`, but not past `limit`.
    void advance(std::chrono::milliseconds by, Timestamp limit) {
        const auto room = std::chrono::duration_cast<std::chrono::milliseconds>(limit - now());
        jumped_ms_ += std::max(std::chrono::milliseconds(0), std::min(by, room)).count();
    }

  private:
    Timestamp start_;
    std::chrono::steady_clock::time_point began_;
    std::atomic<std::int64_t> jumped_ms_{0};
};

std::string random_secret() {
    std::random_device device;
    return fmt::format("demo-{:016x}{:016x}", std::uint64_t{device()} << 32 | device(),
                       std::uint64_t{device()} << 32 | device());
}

/// What the demo knows of its generated tenant, to judge the agent's alerts at the end.
struct LoadedScenario {
    Timestamp newest{};
    std::vector<PlantedAttack> attacks;
    std::string authorized_user;
};

LoadedScenario load_scenario(simtenant::SimTenant& tenant, const ScenarioOptions& options) {
    ScenarioGenerator generator(options);
    LoadedScenario loaded{.newest = options.start, .attacks = {}, .authorized_user = {}};
    std::size_t blobs = 0;
    while (!generator.finished()) {
        for (auto& blob : generator.next_day()) {
            loaded.newest = std::max(loaded.newest, blob.content_created);
            tenant.add_blob(simtenant::SimBlob{.content_id = blob.content_id,
                                               .content_type = blob.content_type,
                                               .content_created = blob.content_created,
                                               .available_at = {},
                                               .expires_at = {},
                                               .body = blob.array_text()});
            ++blobs;
        }
    }
    loaded.attacks = generator.attacks();
    if (!generator.authorized_users().empty()) {
        loaded.authorized_user = generator.authorized_users().front();
    }
    fmt::print("demo: generated {} days of {} for {} users: {} blobs, {} planted attacks\n",
               options.days, options.domain, options.users, blobs, loaded.attacks.size());
    std::fflush(stdout);
    return loaded;
}

void print_alert(const Alert& alert) {
    fmt::print("ALERT [{}] {} {} user={} flow={}\n      {}\n", severity_name(alert.severity),
               format_time(alert.time), trigger_name(alert.trigger), alert.user,
               alert.flow_id.empty() ? "-" : alert.flow_id, alert.reason);
    std::fflush(stdout);
}

/// The alerts the agent emitted, in order, for the summary; filled on the poll thread.
class AlertLog {
  public:
    void add(const Alert& alert) {
        std::lock_guard lock(mutex_);
        alerts_.push_back(alert);
    }
    std::vector<Alert> all() const {
        std::lock_guard lock(mutex_);
        return alerts_;
    }

  private:
    mutable std::mutex mutex_;
    std::vector<Alert> alerts_;
};

bool explains(const PlantedAttack& attack, const Alert& alert) {
    return alert.user == attack.user && alert.time >= attack.time && alert.time <= attack.until;
}

void print_summary(const std::vector<Alert>& alerts, const LoadedScenario& scenario) {
    std::map<std::string_view, int> by_trigger;
    for (const auto& alert : alerts) {
        ++by_trigger[trigger_name(alert.trigger)];
    }
    std::string counts;
    for (const auto trigger : kAllTriggers) {
        counts += fmt::format("{}{} {}", counts.empty() ? "" : ", ", trigger_name(trigger),
                              by_trigger[trigger_name(trigger)]);
    }
    fmt::print("demo: {} alerts: {}\n", alerts.size(), counts);

    std::size_t caught = 0;
    for (const auto& attack : scenario.attacks) {
        const bool found = std::any_of(alerts.begin(), alerts.end(), [&](const Alert& alert) {
            return alert.trigger == attack.trigger && explains(attack, alert);
        });
        caught += found ? 1 : 0;
        fmt::print("demo: planted {} [{}]: {}\n", trigger_name(attack.trigger),
                   found ? "detected" : "MISSED", attack.description);
    }
    const auto unexplained = std::count_if(alerts.begin(), alerts.end(), [&](const Alert& alert) {
        return std::none_of(scenario.attacks.begin(), scenario.attacks.end(),
                            [&](const PlantedAttack& attack) { return explains(attack, alert); });
    });
    fmt::print("demo: {} of {} planted attacks detected; {} alerts not explained by one\n", caught,
               scenario.attacks.size(), unexplained);
}

/// The scenario's recommended detection settings: its admin may work on other people's flows,
/// and the connectors it plants as forbidden are blocked.
DetectionPolicy demo_policy(const LoadedScenario& scenario) {
    DetectionPolicy policy;
    policy.learning_days = kScenarioLearningDays;
    if (!scenario.authorized_user.empty()) {
        policy.authorized_users.insert(scenario.authorized_user);
    }
    for (const auto& name : scenario_blocked_connectors()) {
        policy.blocked_connectors.insert(connector_key(name));
    }
    return policy;
}

Config demo_config(const std::string& base_url, const std::filesystem::path& folder,
                   const std::string& secret, const DemoOptions& options,
                   const LoadedScenario& scenario) {
    const auto secret_file = folder / "client_secret";
    std::ofstream(secret_file) << secret;
    Config config;
    config.database = (folder / "flowwatch.db").string();
    config.status.listen = options.listen;
    config.poll_interval_seconds = 1;
    // Loopback has no quota; the default rate would stretch a month of blobs over minutes.
    config.http.max_requests_per_minute = 1'000'000;
    config.http.concurrency = 8;
    config.detection = demo_policy(scenario);
    TenantConfig tenant;
    tenant.tenant_id = options.scenario.tenant_id;
    tenant.client_id = "flowwatch-demo";
    tenant.secret.file = secret_file.string();
    tenant.login_endpoint = base_url;
    tenant.api_endpoint = base_url;
    tenant.backfill_days = 1;
    config.tenants.push_back(std::move(tenant));
    return config;
}

/// A fresh private folder for the demo's database and secret, removed when the demo ends.
class DemoFolder {
  public:
    DemoFolder() {
        std::string pattern =
            (std::filesystem::temp_directory_path() / "flowwatch-demo-XXXXXX").string();
        if (mkdtemp(pattern.data()) != nullptr) {
            path_ = pattern;
        }
    }
    ~DemoFolder() {
        std::error_code ignored;
        if (!path_.empty()) {
            std::filesystem::remove_all(path_, ignored);
        }
    }
    DemoFolder(const DemoFolder&) = delete;
    DemoFolder& operator=(const DemoFolder&) = delete;
    const std::filesystem::path& path() const { return path_; }

  private:
    std::filesystem::path path_;
};

int run_demo(const DemoOptions& options) {
    auto level = parse_log_level(options.log_level);
    if (!level) {
        fmt::print(stderr, "flowwatch demo: {}\n", level.error().message);
        return 2;
    }
    configure_logging(LogOptions{.level = *level});
    DemoFolder folder;
    if (folder.path().empty()) {
        fmt::print(stderr, "flowwatch demo: cannot create a folder in {}\n",
                   std::filesystem::temp_directory_path().string());
        return 1;
    }

    const auto began = std::chrono::steady_clock::now();
    DemoClock clock(options.scenario.start + std::chrono::hours(1));
    const auto secret = random_secret();
    auto tenant = simtenant::SimTenant::start({.tenant_id = options.scenario.tenant_id,
                                               .client_id = "flowwatch-demo",
                                               .client_secret = secret,
                                               .clock = [&clock] { return clock.now(); }});
    if (!tenant) {
        fmt::print(stderr, "flowwatch demo: {}\n", tenant.error().message);
        return 1;
    }
    const auto scenario = load_scenario(**tenant, options.scenario);
    const auto end = scenario.newest + std::chrono::hours(2);
    const auto config =
        demo_config((*tenant)->base_url(), folder.path(), secret, options, scenario);

    StopSource stop;
    ConsoleSignals signals(stop);
    AlertLog alerts;
    std::string status_url;
    DaemonOptions daemon;
    daemon.time.now = [&clock] { return clock.now(); };
    daemon.on_alert = [&alerts](const Alert& alert) {
        alerts.add(alert);
        print_alert(alert);
    };
    daemon.on_listening = [&status_url](std::string_view url) {
        status_url = url;
        fmt::print("demo: status endpoint at {}/api/v1/status (also /metrics, /api/v1/alerts)\n",
                   url);
        std::fflush(stdout);
    };
    daemon.after_cycle = [&](const TenantStatus& status, const api::PollStats* stats) {
        const bool complete = stats != nullptr && stats->complete();
        if (!complete || clock.now() < end) {
            if (complete) {
                clock.advance(std::chrono::hours(options.step_hours), end);
            }
            return;
        }
        const auto seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
        fmt::print("demo: caught up in {:.1f} s: {} blobs, {} records, {} Power Automate records\n",
                   seconds, status.blobs, status.records, status.flow_records);
        print_summary(alerts.all(), scenario);
        if (options.serve) {
            fmt::print("demo: still serving {}/api/v1/status; Ctrl-C ends the demo\n", status_url);
        } else {
            stop.request_stop();
        }
        std::fflush(stdout);
    };
    const int code = run_daemon(config, stop, ServiceHooks{}, daemon);
    (*tenant)->stop();
    return code;
}

}  // namespace

void add_demo_command(CLI::App& app, int& exit_code) {
    auto options = std::make_shared<DemoOptions>();
    auto* cmd = app.add_subcommand(
        "demo", "Run the agent against a generated tenant on loopback and print its alerts");
    cmd->add_option("--days", options->scenario.days, "Days of activity")->capture_default_str();
    cmd->add_option("--users", options->scenario.users, "People in the tenant")
        ->capture_default_str();
    cmd->add_option("--seed", options->scenario.seed, "Scenario seed")->capture_default_str();
    cmd->add_option("--listen", options->listen, "Status endpoint address")->capture_default_str();
    cmd->add_option("--log-level", options->log_level, "Log level of the agent")
        ->capture_default_str();
    cmd->add_flag("--serve", options->serve, "Keep running (and serving status) once caught up");
    cmd->callback([options, &exit_code] { exit_code = run_demo(*options); });
}

}  // namespace flowwatch::agent
