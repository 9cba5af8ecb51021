/// End-to-end: `flowwatch once` stopped in the middle of a window (killed with SIGKILL, or a
/// cycle cut short by a blob that keeps failing) and run again: nothing lost, nothing repeated.

#include <doctest/doctest.h>

#include <csignal>
#include <thread>

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/e2e/test_once_fixture.h"

extern char** environ;

using namespace flowwatch;
using namespace flowwatch::e2e;

namespace {

/// A `flowwatch once` child whose output goes to files, so it can be killed at any moment and
/// its output still read.
class OnceChild {
  public:
    OnceChild(const OnceFixture& f)
        : out_(f.dir.path() / "child.out"), err_(f.dir.path() / "child.err") {
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, out_.c_str(),
                                         O_WRONLY | O_CREAT | O_TRUNC, 0600);
        posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, err_.c_str(),
                                         O_WRONLY | O_CREAT | O_TRUNC, 0600);
        std::vector<std::string> argv = {FLOWWATCH_BINARY,         "once",        "--config",
                                         f.config_path().string(), "--log-level", "debug"};
        std::vector<char*> args;
        for (auto& arg : argv) {
            args.push_back(arg.data());
        }
        args.push_back(nullptr);
        const int rc = posix_spawn(&pid_, args[0], &actions, nullptr, args.data(), environ);
        posix_spawn_file_actions_destroy(&actions);
        REQUIRE(rc == 0);
    }
    ~OnceChild() {
        if (pid_ > 0) {
            kill_and_reap();
        }
    }
    OnceChild(const OnceChild&) = delete;
    OnceChild& operator=(const OnceChild&) = delete;

    /// SIGKILL, as a crash or a power cut would end it; returns what it had written.
    OnceRun kill_and_reap() {
        ::kill(pid_, SIGKILL);
        int status = 0;
        ::waitpid(pid_, &status, 0);
        pid_ = -1;
        test::ProcessResult process;
        process.exit_code = WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
        process.out = read_file(out_);
        process.err = read_file(err_);
        return parse_run(std::move(process));
    }

  private:
    std::filesystem::path out_;
    std::filesystem::path err_;
    pid_t pid_ = -1;
};

/// Polls `condition` until it holds or `limit` passes.
template <typename Condition>
bool wait_for(Condition condition, std::chrono::milliseconds limit = 30s) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!condition()) {
        if (std::chrono::steady_clock::now() > deadline) {
            return false;
        }
        std::this_thread::sleep_for(5ms);
    }
    return true;
}

}  // namespace

TEST_CASE("killed in the middle of a window, the next run resumes with nothing lost or repeated") {
    OnceFixture f(Setup{.concurrency = 1, .timeout_seconds = 30});
    const Corpus corpus = make_corpus(12, 2, system_now());
    f.add(corpus);
    // The sixth download hangs; the agent is killed while it waits for it.
    f.sim->faults().next(
        {.kind = FaultKind::slow_answer, .on = RequestKind::blob, .delay = 120s, .skip = 5}, 1);

    OnceChild child(f);
    REQUIRE(wait_for([&] { return f.sim->stats().faults_applied[FaultKind::slow_answer] == 1; }));
    const OnceRun killed = child.kill_and_reap();
    CHECK(killed.process.exit_code == 128 + SIGKILL);
    CHECK(killed.evaluated > 0);
    CHECK(killed.evaluated < corpus.record_ids.size());

    const OnceRun resumed = f.run();
    INFO(resumed.process.err);
    CHECK(resumed.process.exit_code == 0);
    check_exactly_once(corpus, {killed, resumed});
    check_no_secret(killed, *f.sim);
}

TEST_CASE("a blob that keeps failing ends the cycle unfinished; the next run commits only it") {
    OnceFixture f(Setup{.concurrency = 1, .retry_max_attempts = 2});
    const Corpus corpus = make_corpus(6, 2, system_now());
    f.add(corpus);
    // Every attempt at the fourth download fails.
    f.sim->faults().next({.kind = FaultKind::internal_error, .on = RequestKind::blob, .skip = 3},
                         2);

    const OnceRun cut = f.run();
    INFO(cut.process.err);
    CHECK(cut.process.exit_code == 1);
    CHECK(cut.process.err.find("blobs_failed=1") != std::string::npos);
    CHECK(cut.evaluated == corpus.record_ids.size() - 2);

    const OnceRun resumed = f.run();
    INFO(resumed.process.err);
    CHECK(resumed.process.exit_code == 0);
    CHECK(resumed.evaluated == 2);
    check_exactly_once(corpus, {cut, resumed});
    const simtenant::Stats stats = f.sim->stats();
    for (const auto& blob : corpus.blobs) {
        CHECK(stats.blob_downloads.at(blob.content_id) == 1);
    }
}
