#pragma once
/// For the end-to-end tests of `flowwatch run`: the real binary as a child process that keeps
/// running (its output captured as it comes, signals on demand), a simulated tenant on loopback
/// feeding it blobs whose every record raises one alert, and the agent's configuration.

#include <doctest/doctest.h>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "agent/simtenant/sim_tenant.h"
#include "agent/status/status_client.h"
#include "tests/support/flow_records.h"
#include "tests/support/scratch_folder.h"

namespace flowwatch::run_testing {

using namespace std::chrono_literals;

inline constexpr const char* kClientId = "0c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f";
inline constexpr const char* kSecret = "run~Secret.Value_4d3c2b1a0f9e";
inline constexpr const char* kStatusToken = "status-token-7f6e5d4c3b2a1908";

/// Polls `condition` until it holds or `deadline` passes; true when it held. The pause between
/// looks only spaces them out: the deadline is generous and never part of what is checked.
inline bool eventually(const std::function<bool()>& condition,
                       std::chrono::milliseconds deadline = 60s) {
    const auto until = std::chrono::steady_clock::now() + deadline;
    while (!condition()) {
        if (std::chrono::steady_clock::now() >= until) {
            return false;
        }
        std::this_thread::sleep_for(50ms);
    }
    return true;
}

/// A temporary folder for one test's config, secrets, database and alert files.
using Workdir = flowwatch::test::ScratchFolder;

using flowwatch::test::read_file;
using flowwatch::test::write_file;

/// The JSON lines of an alert file (empty when it does not exist yet). A line still being
/// written (no newline yet) is left for the next look.
inline std::vector<nlohmann::json> json_lines(const std::filesystem::path& path) {
    std::vector<nlohmann::json> out;
    const std::string text = read_file(path);
    std::size_t start = 0;
    for (auto end = text.find('\n'); end != std::string::npos; end = text.find('\n', start)) {
        if (end > start) {
            out.push_back(nlohmann::json::parse(text.substr(start, end - start)));
        }
        start = end + 1;
    }
    return out;
}

/// `flowwatch run` (or any argv) as a child: stdout and stderr captured as they arrive.
class ChildProcess {
  public:
    ChildProcess(const std::vector<std::string>& argv,
                 const std::map<std::string, std::string>& env = {}) {
        int out[2];
        int err[2];
        REQUIRE(pipe2(out, O_CLOEXEC) == 0);
        REQUIRE(pipe2(err, O_CLOEXEC) == 0);
        std::vector<std::string> environment;
        for (char** entry = environ; *entry != nullptr; ++entry) {
            const std::string text(*entry);
            if (!env.contains(text.substr(0, text.find('=')))) {
                environment.push_back(text);
            }
        }
        for (const auto& [name, value] : env) {
            environment.push_back(name + "=" + value);
        }
        // Everything the child needs is allocated before fork: between fork and exec only
        // async-signal-safe calls, as another thread may hold the allocator's lock.
        std::vector<char*> args;
        for (const auto& arg : argv) {
            args.push_back(const_cast<char*>(arg.c_str()));
        }
        args.push_back(nullptr);
        std::vector<char*> envp;
        for (auto& entry : environment) {
            envp.push_back(entry.data());
        }
        envp.push_back(nullptr);
        pid_ = fork();
        REQUIRE(pid_ >= 0);
        if (pid_ == 0) {
            dup2(out[1], STDOUT_FILENO);
            dup2(err[1], STDERR_FILENO);
            execve(args[0], args.data(), envp.data());
            _exit(127);
        }
        close(out[1]);
        close(err[1]);
        readers_.emplace_back([this, fd = out[0]] { drain(fd, out_); });
        readers_.emplace_back([this, fd = err[0]] { drain(fd, err_); });
    }

    ~ChildProcess() {
        if (!exit_code_) {
            kill(pid_, SIGKILL);
            wait_exit(30s);
        }
        for (auto& reader : readers_) {
            reader.join();
        }
    }
    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;

    std::string out() const {
        std::lock_guard lock(mutex_);
        return out_;
    }
    std::string err() const {
        std::lock_guard lock(mutex_);
        return err_;
    }

    /// The first match of `pattern` in stderr, waiting for it up to `deadline`.
    std::optional<std::smatch> wait_for_err(const std::regex& pattern,
                                            std::chrono::milliseconds deadline = 60s) {
        std::unique_lock lock(mutex_);
        std::smatch match;
        const bool found = arrived_.wait_for(lock, deadline, [&] {
            held_ = err_;
            return std::regex_search(held_, match, pattern) || eof_ == 2;
        });
        if (found && std::regex_search(held_, match, pattern)) {
            return match;
        }
        return std::nullopt;
    }

    /// Sends `number` to the child; a child that has exited and been waited for gets nothing.
    void signal(int number) {
        if (!exit_code_) {
            CHECK(kill(pid_, number) == 0);
        }
    }

    /// The exit status (128 + signal when killed by one), or nullopt when `deadline` passed.
    std::optional<int> wait_exit(std::chrono::milliseconds deadline) {
        const auto until = std::chrono::steady_clock::now() + deadline;
        while (!exit_code_) {
            int status = 0;
            const pid_t done = waitpid(pid_, &status, WNOHANG);
            if (done == pid_) {
                exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
                break;
            }
            if (std::chrono::steady_clock::now() >= until) {
                return std::nullopt;
            }
            std::this_thread::sleep_for(20ms);
        }
        return exit_code_;
    }

  private:
    void drain(int fd, std::string& into) {
        char buffer[4096];
        while (true) {
            const ssize_t n = read(fd, buffer, sizeof buffer);
            if (n < 0 && errno == EINTR) {
                continue;
            }
            std::lock_guard lock(mutex_);
            if (n <= 0) {
                ++eof_;
                arrived_.notify_all();
                break;
            }
            into.append(buffer, static_cast<std::size_t>(n));
            arrived_.notify_all();
        }
        close(fd);
    }

    pid_t pid_ = -1;
    std::optional<int> exit_code_;
    mutable std::mutex mutex_;
    std::condition_variable arrived_;
    std::string out_;
    std::string err_;
    std::string held_;  ///< The stderr text a match refers into.
    int eof_ = 0;
    std::vector<std::thread> readers_;
};

/// Blobs of Power Automate records; with HTTP blocked each record raises exactly one alert.
struct Corpus {
    std::vector<simtenant::SimBlob> blobs;
    std::set<std::string> record_ids;
};

/// `blobs` blobs of `records_per_blob` records, made available from `ago` before `now` on, ten
/// seconds apart; `tag` keeps the ids of separate corpora apart.
inline Corpus make_corpus(int blobs, int records_per_blob, Timestamp now,
                          const std::string& tag = "a",
                          std::chrono::milliseconds ago = std::chrono::hours(2)) {
    Corpus corpus;
    for (int b = 0; b < blobs; ++b) {
        std::string body = "[";
        for (int r = 0; r < records_per_blob; ++r) {
            const FlowRecord record = test::flow_record(
                FlowOperation::create_flow, fmt::format("maker{}{}@contoso.com", tag, b),
                fmt::format("flow-{}-{}-{}", tag, b, r), "Office 365 Outlook, HTTP",
                test::day(0, b * 10 + r));
            corpus.record_ids.insert(record.id);
            body += (r > 0 ? "," : "") + test::audit_json(record);
        }
        body += "]";
        simtenant::SimBlob blob;
        blob.content_id =
            fmt::format("20250311{}{}$audit_general$Audit_General$na0045", tag, 100000 + b);
        blob.content_created = now - ago + std::chrono::seconds{b * 10};
        blob.body = std::move(body);
        corpus.blobs.push_back(std::move(blob));
    }
    return corpus;
}

inline Timestamp system_now() {
    return std::chrono::time_point_cast<std::chrono::milliseconds>(
        std::chrono::system_clock::now());
}

/// The agent's parts a test changes; the rest is fixed.
struct RunSetup {
    std::vector<nlohmann::json> outputs;  ///< Besides the jsonl file every run writes.
    bool status_token = true;
};

/// A simulated tenant, the agent's configuration, and runs of `flowwatch run` against them.
class RunFixture {
  public:
    explicit RunFixture(RunSetup setup = {}) : setup_(std::move(setup)) {
        simtenant::SimTenantOptions options;
        options.tenant_id = std::string(test::kTenant);
        options.client_id = kClientId;
        options.client_secret = kSecret;
        options.page_size = 4;
        options.enabled_content_types = {"Audit.General"};
        auto started = simtenant::SimTenant::start(options);
        REQUIRE(started);
        sim = std::move(*started);
        write_config();
    }

    std::filesystem::path alerts_file() const { return dir.path() / "alerts.jsonl"; }
    std::filesystem::path config_file() const { return dir.path() / "config.json"; }
    std::filesystem::path database() const { return dir.path() / "flowwatch.db"; }

    void add(const Corpus& corpus) {
        for (const auto& blob : corpus.blobs) {
            sim->add_blob(blob);
        }
    }

    /// Starts `flowwatch run` and waits until its status endpoint listens.
    std::unique_ptr<ChildProcess> start(const std::vector<std::string>& extra = {},
                                        const std::map<std::string, std::string>& env = {}) {
        std::vector<std::string> argv{FLOWWATCH_BINARY, "run", "--config", config_file().string()};
        argv.insert(argv.end(), extra.begin(), extra.end());
        auto child = std::make_unique<ChildProcess>(argv, env);
        static const std::regex kListening(R"(listening.*http://127\.0\.0\.1:([0-9]+))");
        auto match = child->wait_for_err(kListening);
        REQUIRE_MESSAGE(match, "the agent never said where it listens; stderr:\n", child->err());
        port = static_cast<std::uint16_t>(std::stoi((*match)[1].str()));
        return child;
    }

    /// One request to the running agent's status endpoint.
    agent::HttpReply get(const std::string& target, bool with_token = true,
                         const std::string& method = "GET") const {
        agent::HttpGet request{
            .host = "127.0.0.1",
            .port = port,
            .target = target,
            .method = method,
            .bearer_token = with_token && setup_.status_token ? kStatusToken : "",
            .timeout = 10s};
        auto reply = agent::http_get(request);
        REQUIRE_MESSAGE(reply, target, ": ", reply ? "" : reply.error().message);
        return *reply;
    }

    /// The running agent's /api/v1/status, parsed; null when it cannot be had.
    nlohmann::json status() const {
        auto reply = get("/api/v1/status");
        return reply.status == 200 ? nlohmann::json::parse(reply.body, nullptr, false)
                                   : nlohmann::json();
    }

    /// The number of alerts the running agent has raised, from its status endpoint.
    std::uint64_t alerts_raised() const {
        const auto now = status();
        std::uint64_t total = 0;
        if (now.is_object()) {
            for (const auto& tenant : now["tenants"]) {
                for (const auto& [severity, count] : tenant["alerts"].items()) {
                    total += count.get<std::uint64_t>();
                }
            }
        }
        return total;
    }

    Workdir dir;
    std::unique_ptr<simtenant::SimTenant> sim;
    std::uint16_t port = 0;

  private:
    void write_config() {
        write_file(dir.path() / "secret", std::string(kSecret) + "\n");
        write_file(dir.path() / "status_token", std::string(kStatusToken) + "\n");
        const nlohmann::json tenant = {{"tenant_id", std::string(test::kTenant)},
                                       {"client_id", kClientId},
                                       {"client_secret_file", (dir.path() / "secret").string()},
                                       {"login_endpoint", sim->base_url()},
                                       {"api_endpoint", sim->base_url()}};
        nlohmann::json outputs = nlohmann::json::array();
        outputs.push_back({{"type", "jsonl"}, {"path", alerts_file().string()}});
        for (const auto& output : setup_.outputs) {
            outputs.push_back(output);
        }
        nlohmann::json status = {{"listen", "127.0.0.1:0"}};
        if (setup_.status_token) {
            status["token_file"] = (dir.path() / "status_token").string();
        }
        const nlohmann::json config = {
            {"database", database().string()},
            {"poll_interval_seconds", 1},
            {"detection", {{"blocked_connectors", {"HTTP"}}}},
            {"tenants", {tenant}},
            {"status", status},
            {"outputs", outputs},
            {"http",
             {{"concurrency", 2}, {"timeout_seconds", 5}, {"max_requests_per_minute", 2000}}}};
        write_file(config_file(), config.dump(2));
    }

    RunSetup setup_;
};

/// Each alert id of the lines, with how often it appears.
inline std::map<std::string, int> alert_id_counts(const std::vector<nlohmann::json>& lines) {
    std::map<std::string, int> counts;
    for (const auto& line : lines) {
        ++counts[line.at("id").get<std::string>()];
    }
    return counts;
}

/// The record ids the alerts were raised for.
inline std::set<std::string> alerted_records(const std::vector<nlohmann::json>& lines) {
    std::set<std::string> ids;
    for (const auto& line : lines) {
        for (const auto& id : line.at("record_ids")) {
            ids.insert(id.get<std::string>());
        }
    }
    return ids;
}

}  // namespace flowwatch::run_testing
