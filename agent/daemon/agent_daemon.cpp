#include "agent/daemon/agent_daemon.h"

#include <atomic>
#include <chrono>
#include <deque>
#include <memory>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "agent/daemon/tenant_tracker.h"
#include "agent/logging.h"
#include "agent/outputs/background_delivery.h"
#include "agent/outputs/output_dispatcher.h"
#include "agent/outputs/output_factory.h"
#include "agent/status/bearer_token.h"
#include "agent/status/listen_address.h"
#include "agent/status/status_server.h"
#include "storage/sqlite_store.h"
#include "storage/storage_failure.h"

namespace flowwatch::agent {

namespace asio = boost::asio;

namespace {

std::atomic<bool> reopen_requested{false};
constexpr auto kAliveEvery = std::chrono::seconds(2);

std::shared_ptr<spdlog::logger> daemon_log() {
    static const auto logger = component_logger("daemon");
    return logger;
}

struct TenantSlot {
    std::unique_ptr<api::TenantPoller> poller;
    TenantTracker tracker;
    std::chrono::seconds interval;
    std::unique_ptr<asio::steady_timer> timer;
};

class Daemon {
  public:
    Daemon(const Config& config, StopSource& stop, const ServiceHooks& hooks,
           const DaemonOptions& options)
        : config_(config), stop_(stop), hooks_(hooks), options_(options) {}

    int run();

  private:
    Result<void> open_store_and_outputs();
    Result<void> create_pollers();
    Result<void> start_status_endpoint();
    void schedule(std::size_t index, std::chrono::steady_clock::duration delay);
    void poll(std::size_t index);
    void collect_new_alerts();
    void publish();
    void report_status();
    void keep_alive();
    void shut_down();

    const Config& config_;
    StopSource& stop_;
    const ServiceHooks& hooks_;
    const DaemonOptions& options_;
    // First, so they outlive the tenants' timers and the work queued on them.
    asio::io_context io_;       ///< Timers and liveness, on the calling thread.
    asio::io_context poll_io_;  ///< Cycles, one at a time, on the poll thread.
    Timestamp started_at_{};

    std::unique_ptr<storage::SqliteStore> store_;           ///< Poll thread only.
    std::unique_ptr<storage::SqliteStore> delivery_store_;  ///< Delivery thread only.
    std::unique_ptr<OutputDispatcher> dispatcher_;
    std::unique_ptr<BackgroundDelivery> delivery_;
    std::unique_ptr<StatusServer> status_server_;
    std::vector<TenantSlot> tenants_;
    std::deque<StoredAlert> recent_alerts_;  ///< Newest first; poll thread only.
    std::int64_t newest_sequence_ = 0;

    asio::steady_timer alive_timer_{io_};
    std::mutex summary_mutex_;
    std::string summary_;
};

Result<void> Daemon::open_store_and_outputs() {
    auto store = storage::SqliteStore::open(config_.database);
    if (!store) {
        return std::unexpected(store.error());
    }
    store_ = std::move(*store);
    // The outputs read and advance their cursors on their own thread, so on their own connection.
    auto delivery_store = storage::SqliteStore::open(config_.database);
    if (!delivery_store) {
        return std::unexpected(delivery_store.error());
    }
    delivery_store_ = std::move(*delivery_store);

    auto outputs = make_outputs(config_.outputs);
    if (!outputs) {
        return std::unexpected(outputs.error());
    }
    dispatcher_ = std::make_unique<OutputDispatcher>(*delivery_store_, std::move(*outputs));
    delivery_ = std::make_unique<BackgroundDelivery>(*dispatcher_);
    return {};
}

Result<void> Daemon::create_pollers() {
    tenants_.reserve(config_.tenants.size());
    for (const auto& tenant : config_.tenants) {
        const auto index = tenants_.size();
        api::TenantPollerOptions poller_options;
        poller_options.tenant = tenant;
        poller_options.http = config_.http;
        poller_options.time = options_.time;
        poller_options.on_emitted = [this, index](const Alert& alert) {
            tenants_[index].tracker.alert_emitted(alert);
            delivery_->wake();
            if (options_.on_alert) {
                options_.on_alert(alert);
            }
        };
        auto poller = api::TenantPoller::create(std::move(poller_options), *store_, *store_,
                                                config_.detection);
        if (!poller) {
            return fail(fmt::format("tenant {}: {}", tenant.tenant_id, poller.error().message),
                        poller.error().code);
        }
        const int interval = tenant.poll_interval_seconds.value_or(config_.poll_interval_seconds);
        // What an earlier run committed: the lag is known before this run commits anything.
        std::optional<Timestamp> newest;
        try {
            newest = store_->newest_committed_content(tenant.tenant_id);
        } catch (const storage::StorageFailure& e) {
            return fail(fmt::format("tenant {}: {}", tenant.tenant_id, e.what()));
        }
        tenants_.push_back(
            TenantSlot{std::move(*poller), TenantTracker(tenant.tenant_id, interval, newest),
                       std::chrono::seconds(interval), std::make_unique<asio::steady_timer>(io_)});
    }
    return {};
}

Result<void> Daemon::start_status_endpoint() {
    auto listen = parse_listen_address(config_.status.listen);
    if (!listen) {
        return std::unexpected(listen.error());
    }
    if (!listen->has_value()) {
        return {};
    }
    StatusServerOptions server_options;
    server_options.listen = **listen;
    server_options.clock = options_.time.now;
    if (!config_.status.token_file.empty()) {
        auto token = read_bearer_token(config_.status.token_file);
        if (!token) {
            return std::unexpected(token.error());
        }
        register_secret(*token);
        server_options.token = std::move(*token);
    }
    auto server = StatusServer::start(std::move(server_options), nullptr);
    if (!server) {
        return std::unexpected(server.error());
    }
    status_server_ = std::move(*server);
    daemon_log()->info("status endpoint listening {}", field("url", status_server_->url()));
    if (options_.on_listening) {
        options_.on_listening(status_server_->url());
    }
    return {};
}

void Daemon::schedule(std::size_t index, std::chrono::steady_clock::duration delay) {
    auto& timer = *tenants_[index].timer;
    timer.expires_after(delay);
    timer.async_wait([this, index](const boost::system::error_code& ec) {
        if (ec || stop_.stop_requested()) {
            return;
        }
        asio::post(poll_io_, [this, index] { poll(index); });
    });
}

void Daemon::poll(std::size_t index) {
    if (stop_.stop_requested()) {
        return;
    }
    auto& slot = tenants_[index];
    auto stats = slot.poller->run_cycle(stop_);
    const auto now = options_.time.now();
    if (stats) {
        slot.tracker.cycle_finished(*stats, now);
    } else {
        daemon_log()->error(
            "cycle failed: {} {}", stats.error().message,
            fields({{"tenant", slot.poller->tenant_id()}, {"code", stats.error().code}}));
        slot.tracker.cycle_failed(stats.error(), now);
    }
    collect_new_alerts();
    publish();
    if (options_.after_cycle) {
        options_.after_cycle(slot.tracker.status(), stats ? &*stats : nullptr);
    }
    asio::post(io_, [this, index] {
        report_status();
        schedule(index, tenants_[index].interval);
    });
}

void Daemon::collect_new_alerts() {
    // Newest first; prepend them in reverse so the deque stays newest first.
    auto fresh = store_->recent_alerts(newest_sequence_, kSnapshotAlerts);
    for (auto it = fresh.rbegin(); it != fresh.rend(); ++it) {
        newest_sequence_ = std::max(newest_sequence_, it->sequence);
        recent_alerts_.push_front(std::move(*it));
    }
    while (recent_alerts_.size() > kSnapshotAlerts) {
        recent_alerts_.pop_back();
    }
}

void Daemon::publish() {
    auto snapshot = std::make_shared<StatusSnapshot>();
    snapshot->version = FLOWWATCH_VERSION;
    snapshot->started_at = started_at_;
    std::optional<std::chrono::seconds> worst_lag;
    for (const auto& slot : tenants_) {
        snapshot->tenants.push_back(slot.tracker.status());
        if (auto behind = lag(slot.tracker.status(), options_.time.now())) {
            worst_lag = std::max(worst_lag.value_or(*behind), *behind);
        }
    }
    snapshot->recent_alerts.assign(recent_alerts_.begin(), recent_alerts_.end());
    if (status_server_) {
        status_server_->publish(std::move(snapshot));
    }

    std::lock_guard lock(summary_mutex_);
    summary_ =
        fmt::format("polling {} tenant{}, lag {}", tenants_.size(), tenants_.size() == 1 ? "" : "s",
                    worst_lag ? fmt::format("{} min", worst_lag->count() / 60) : "unknown");
}

void Daemon::report_status() {
    if (!hooks_.status) {
        return;
    }
    std::string summary;
    {
        std::lock_guard lock(summary_mutex_);
        summary = summary_;
    }
    hooks_.status(summary);
}

void Daemon::keep_alive() {
    if (hooks_.alive) {
        hooks_.alive();
    }
    if (reopen_requested.exchange(false)) {
        daemon_log()->info("reopening the outputs");
        dispatcher_->request_reopen();
        delivery_->wake();
    }
    alive_timer_.expires_after(kAliveEvery);
    alive_timer_.async_wait([this](const boost::system::error_code& ec) {
        if (!ec) {
            keep_alive();
        }
    });
}

void Daemon::shut_down() {
    if (hooks_.stopping) {
        hooks_.stopping();
    }
    daemon_log()->info("stopping");
    if (status_server_) {
        status_server_->stop();
    }
    if (delivery_) {
        delivery_->stop();
    }
}

int Daemon::run() {
    started_at_ = options_.time.now();
    auto opened = open_store_and_outputs();
    auto pollers = opened ? create_pollers() : Result<void>{};
    auto endpoint = opened && pollers ? start_status_endpoint() : Result<void>{};
    for (const auto* step : {&opened, &pollers, &endpoint}) {
        if (!*step) {
            daemon_log()->critical("cannot start: {}", step->error().message);
            return 1;
        }
    }

    // The poll thread runs one cycle at a time; a stop ends the wait at once.
    auto poll_work = asio::make_work_guard(poll_io_);
    std::thread poll_thread([this] { poll_io_.run(); });
    stop_.on_stop([this] { io_.stop(); });

    delivery_->start();
    publish();
    for (std::size_t index = 0; index < tenants_.size(); ++index) {
        schedule(index, std::chrono::seconds(0));
    }
    if (hooks_.ready) {
        hooks_.ready();
    }
    daemon_log()->info("polling {}", field("tenants", std::to_string(tenants_.size())));
    keep_alive();
    io_.run();

    // A cycle in progress sees the stop, rolls back its unfinished blob and returns.
    shut_down();
    poll_work.reset();
    poll_io_.stop();
    poll_thread.join();
    return 0;
}

}  // namespace

int run_daemon(const Config& config, StopSource& stop, const ServiceHooks& hooks,
               const DaemonOptions& options) {
    Daemon daemon(config, stop, hooks, options);
    return daemon.run();
}

int run_agent(const Config& config, StopSource& stop, const ServiceHooks& hooks) {
    return run_daemon(config, stop, hooks, DaemonOptions{});
}

void request_output_reopen() {
    reopen_requested.store(true);
}

}  // namespace flowwatch::agent
