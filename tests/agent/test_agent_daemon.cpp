#include "agent/daemon/agent_daemon.h"

#include <doctest/doctest.h>

#include <chrono>
#include <condition_variable>
#include <fstream>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "agent/simtenant/sim_tenant.h"
#include "tests/agent/test_output_support.h"

namespace flowwatch::agent {

namespace {

using namespace std::chrono_literals;

constexpr const char* kSecret = "daemon~Secret.Value_5e4d3c2b";
constexpr const char* kClientId = "1e2d3c4b-5a69-4788-9a0b-c1d2e3f4a5b6";

/// Finished cycles per tenant, as the daemon reports them from its poll thread.
class CycleCounts {
  public:
    void add(const std::string& tenant) {
        std::lock_guard lock(mutex_);
        ++counts_[tenant];
        changed_.notify_all();
    }
    int of(const std::string& tenant) {
        std::lock_guard lock(mutex_);
        return counts_[tenant];
    }
    bool wait_until(const std::string& tenant, int count, std::chrono::seconds deadline) {
        std::unique_lock lock(mutex_);
        return changed_.wait_for(lock, deadline, [&] { return counts_[tenant] >= count; });
    }

  private:
    std::mutex mutex_;
    std::condition_variable changed_;
    std::map<std::string, int> counts_;
};

std::unique_ptr<simtenant::SimTenant> start_tenant(const std::string& tenant_id) {
    simtenant::SimTenantOptions options;
    options.tenant_id = tenant_id;
    options.client_id = kClientId;
    options.client_secret = kSecret;
    options.enabled_content_types = {"Audit.General"};
    auto started = simtenant::SimTenant::start(options);
    REQUIRE(started);
    return std::move(*started);
}

TenantConfig tenant_config(const simtenant::SimTenant& sim, const std::string& tenant_id,
                           const std::filesystem::path& secret_file, int interval) {
    TenantConfig tenant;
    tenant.tenant_id = tenant_id;
    tenant.client_id = kClientId;
    tenant.secret.file = secret_file.string();
    tenant.login_endpoint = sim.base_url();
    tenant.api_endpoint = sim.base_url();
    tenant.poll_interval_seconds = interval;
    return tenant;
}

}  // namespace

TEST_CASE("each tenant polls on its own interval and a stop ends every wait at once") {
    const std::string fast = "7a1b2c3d-4e5f-4061-8a7b-9c0d1e2f3a4b";
    const std::string slow = "8b2c3d4e-5f60-4172-9b8c-0d1e2f3a4b5c";
    auto fast_sim = start_tenant(fast);
    auto slow_sim = start_tenant(slow);
    output_testing::TempDir dir;
    std::ofstream(dir.path() / "secret") << kSecret;

    Config config;
    config.database = (dir.path() / "flowwatch.db").string();
    config.status.listen = "127.0.0.1:0";
    config.tenants.push_back(tenant_config(*fast_sim, fast, dir.path() / "secret", 1));
    config.tenants.push_back(tenant_config(*slow_sim, slow, dir.path() / "secret", 3600));

    CycleCounts cycles;
    std::promise<std::string> listening;
    DaemonOptions options;
    options.after_cycle = [&cycles](const TenantStatus& status, const api::PollStats*) {
        cycles.add(status.tenant);
    };
    options.on_listening = [&listening](std::string_view url) {
        listening.set_value(std::string(url));
    };
    StopSource stop;
    auto daemon = std::async(std::launch::async,
                             [&] { return run_daemon(config, stop, ServiceHooks{}, options); });

    CHECK(listening.get_future().get().starts_with("http://127.0.0.1:"));
    REQUIRE(cycles.wait_until(fast, 3, 60s));
    // The slow tenant's next cycle is an hour away: it has had exactly its first.
    CHECK(cycles.of(slow) == 1);

    stop.request_stop();
    REQUIRE(daemon.wait_for(30s) == std::future_status::ready);
    CHECK(daemon.get() == 0);
}

TEST_CASE("a daemon whose database cannot be opened exits 1 without waiting for a stop") {
    output_testing::TempDir dir;
    // A regular file where the database's folder should be.
    std::ofstream(dir.path() / "not-a-folder") << "x";
    Config config;
    config.database = (dir.path() / "not-a-folder" / "flowwatch.db").string();
    config.status.listen = "off";
    StopSource stop;
    auto daemon = std::async(std::launch::async, [&] {
        return run_daemon(config, stop, ServiceHooks{}, DaemonOptions{});
    });
    const bool returned = daemon.wait_for(30s) == std::future_status::ready;
    stop.request_stop();
    CHECK(returned);
    CHECK(daemon.get() == 1);
}

}  // namespace flowwatch::agent
