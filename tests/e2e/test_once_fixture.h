#pragma once
/// The real `flowwatch once` binary against a simulated tenant on loopback: a work folder with
/// the config, secret and database, corpora of Power Automate records that each raise one alert,
/// and the checks that every record was evaluated once and no alert was lost or repeated.

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "agent/simtenant/self_signed_certificate.h"
#include "agent/simtenant/sim_tenant.h"
#include "tests/support/flow_records.h"
#include "tests/support/process.h"
#include "tests/support/scratch_folder.h"

namespace flowwatch::e2e {

using namespace std::chrono_literals;
using simtenant::FaultKind;
using simtenant::FaultSpec;
using simtenant::RequestKind;
using simtenant::SimBlob;
using simtenant::SimTenant;
using simtenant::SimTenantOptions;

inline constexpr const char* kClientId = "6a0b1c2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d";
inline constexpr const char* kSecret = "e2e~Secret.Value_9f8e7d6c5b4a";

inline Timestamp system_now() {
    return std::chrono::time_point_cast<std::chrono::milliseconds>(
        std::chrono::system_clock::now());
}

/// A temporary folder for one test's config, secrets, database and alert files.
using Workdir = flowwatch::test::ScratchFolder;

using flowwatch::test::read_file;
using flowwatch::test::write_file;

/// Blobs of Power Automate records, each of which raises exactly one unauthorized_connector alert.
struct Corpus {
    std::vector<SimBlob> blobs;
    std::set<std::string> record_ids;
};

/// `blobs` blobs created a minute apart from `first_created` on; `tag` keeps ids of two corpora
/// apart.
inline Corpus make_corpus(int blobs, int records_per_blob, Timestamp first_created,
                          const std::string& tag) {
    Corpus corpus;
    for (int b = 0; b < blobs; ++b) {
        std::string body = "[";
        for (int r = 0; r < records_per_blob; ++r) {
            const FlowRecord record = test::flow_record(
                FlowOperation::create_flow, "maker-" + tag + std::to_string(b) + "@contoso.com",
                "flow-" + tag + "-" + std::to_string(b) + "-" + std::to_string(r),
                "Office 365 Outlook, HTTP", test::day(0, b * 10 + r));
            corpus.record_ids.insert(record.id);
            body += (r > 0 ? "," : "") + test::audit_json(record);
        }
        body += "]";
        SimBlob blob;
        blob.content_id = "20250311" + std::to_string(100000 + b) + "$" + tag +
                          "$audit_general$Audit_General$na0045";
        blob.content_created = first_created + std::chrono::minutes{b};
        blob.body = std::move(body);
        corpus.blobs.push_back(std::move(blob));
    }
    return corpus;
}

/// The default corpus: content created three hours before `now`.
inline Corpus make_corpus(int blobs, int records_per_blob, Timestamp now) {
    return make_corpus(blobs, records_per_blob, now - 3h, "a");
}

struct Setup {
    bool https = false;
    int concurrency = 2;
    int timeout_seconds = 5;
    /// The secret written to the secret file (the tenant expects kSecret).
    std::string secret = kSecret;
    /// The tenant and client id the agent is configured with.
    std::string tenant_id = std::string(test::kTenant);
    std::string client_id = kClientId;
    /// The tenant's clock minus the machine's.
    std::chrono::milliseconds tenant_clock_offset{0};
    bool secret_expired = false;
    /// Log in with a certificate (PS256) instead of the secret.
    bool certificate = false;
    int retry_max_attempts = 5;
    int retry_base_delay_ms = 50;
};

struct OnceRun {
    test::ProcessResult process;
    std::vector<nlohmann::json> alerts;
    std::uint64_t evaluated = 0;  ///< Summed over the "blob committed" log lines.
};

/// Alerts (stdout lines) and evaluations (stderr "blob committed" lines) of one run's output.
inline OnceRun parse_run(test::ProcessResult process) {
    OnceRun out{std::move(process), {}, 0};
    std::istringstream lines(out.process.out);
    for (std::string line; std::getline(lines, line);) {
        if (!line.empty()) {
            out.alerts.push_back(nlohmann::json::parse(line));
        }
    }
    static const std::regex kCommitted("blob committed .*evaluated=([0-9]+)");
    std::istringstream err(out.process.err);
    for (std::string line; std::getline(err, line);) {
        std::smatch match;
        if (std::regex_search(line, match, kCommitted)) {
            out.evaluated += std::stoull(match[1].str());
        }
    }
    return out;
}

class OnceFixture {
  public:
    explicit OnceFixture(Setup setup = {}) : setup_(std::move(setup)) {
        SimTenantOptions options;
        options.tenant_id = std::string(test::kTenant);
        options.client_id = kClientId;
        options.client_secret = kSecret;
        options.client_secret_expired = setup_.secret_expired;
        options.https = setup_.https;
        options.page_size = 3;
        options.enabled_content_types = {"Audit.General"};
        if (setup_.certificate) {
            auto identity = simtenant::make_self_signed_certificate("flowwatch-e2e-app");
            REQUIRE(identity);
            write_file(dir.path() / "app.crt", identity->certificate_pem);
            write_file(dir.path() / "app.key", identity->private_key_pem);
            options.certificate_pem = identity->certificate_pem;
        }
        offset_ms_->store(setup_.tenant_clock_offset.count());
        options.clock = [offset = offset_ms_] {
            return system_now() + std::chrono::milliseconds{offset->load()};
        };
        auto started = SimTenant::start(options);
        REQUIRE(started);
        sim = std::move(*started);
        write_config();
    }

    /// The tenant's "now".
    Timestamp tenant_now() const {
        return system_now() + std::chrono::milliseconds{offset_ms_->load()};
    }
    /// Moves the tenant's clock (not the machine's) forward, as if the agent had been off.
    void advance_tenant_clock(std::chrono::milliseconds by) { *offset_ms_ += by.count(); }

    std::filesystem::path config_path() const { return dir.path() / "config.json"; }

    void write_config() {
        write_file(dir.path() / "secret", setup_.secret + "\n");
        nlohmann::json tenant = {{"tenant_id", setup_.tenant_id},
                                 {"client_id", setup_.client_id},
                                 {"login_endpoint", sim->base_url()},
                                 {"api_endpoint", sim->base_url()}};
        if (setup_.certificate) {
            tenant["certificate"] = {{"key_file", (dir.path() / "app.key").string()},
                                     {"cert_file", (dir.path() / "app.crt").string()}};
        } else {
            tenant["client_secret_file"] = (dir.path() / "secret").string();
        }
        if (setup_.https) {
            write_file(dir.path() / "ca.pem", sim->ca_certificate_pem());
            tenant["ca_file"] = (dir.path() / "ca.pem").string();
        }
        const nlohmann::json config = {{"database", (dir.path() / "flowwatch.db").string()},
                                       {"detection", {{"blocked_connectors", {"HTTP"}}}},
                                       {"tenants", {tenant}},
                                       {"http",
                                        {{"concurrency", setup_.concurrency},
                                         {"timeout_seconds", setup_.timeout_seconds},
                                         {"max_requests_per_minute", 2000},
                                         {"retry_max_attempts", setup_.retry_max_attempts},
                                         {"retry_base_delay_ms", setup_.retry_base_delay_ms},
                                         {"retry_max_delay_ms", 200}}}};
        write_file(config_path(), config.dump(2));
    }

    void add(const Corpus& corpus) {
        for (const auto& blob : corpus.blobs) {
            sim->add_blob(blob);
        }
    }

    /// Runs `flowwatch once` at debug level, so the secret checks see every line it can write.
    OnceRun run(std::chrono::milliseconds deadline = 60s) {
        auto process = test::run_process(
            {FLOWWATCH_BINARY, "once", "--config", config_path().string(), "--log-level", "debug"},
            deadline);
        REQUIRE(process);
        return parse_run(std::move(*process));
    }

    Workdir dir;
    std::unique_ptr<SimTenant> sim;

  private:
    Setup setup_;
    std::shared_ptr<std::atomic<std::int64_t>> offset_ms_ =
        std::make_shared<std::atomic<std::int64_t>>(0);
};

/// Every record raised its one alert, once, over all the runs together.
inline void check_exactly_once(const Corpus& corpus, const std::vector<OnceRun>& runs) {
    std::uint64_t evaluated = 0;
    std::multiset<std::string> alert_ids;
    std::set<std::string> alerted_records;
    for (const auto& run : runs) {
        evaluated += run.evaluated;
        for (const auto& alert : run.alerts) {
            alert_ids.insert(alert.at("id").get<std::string>());
            for (const auto& id : alert.at("record_ids")) {
                alerted_records.insert(id.get<std::string>());
            }
        }
    }
    CHECK(evaluated == corpus.record_ids.size());
    CHECK(alert_ids.size() == corpus.record_ids.size());
    CHECK(std::set<std::string>(alert_ids.begin(), alert_ids.end()).size() == alert_ids.size());
    CHECK(alerted_records == corpus.record_ids);
}

/// Neither the client secret nor any bearer token the tenant handed out is in the output.
inline void check_no_secret(const OnceRun& run, const SimTenant& sim) {
    CHECK(run.process.out.find(kSecret) == std::string::npos);
    CHECK(run.process.err.find(kSecret) == std::string::npos);
    for (const auto& header : sim.stats().authorization_headers) {
        const std::string token = header.substr(header.find(' ') + 1);
        REQUIRE(token.size() > 20);
        CHECK(run.process.out.find(token) == std::string::npos);
        CHECK(run.process.err.find(token) == std::string::npos);
    }
}

}  // namespace flowwatch::e2e
