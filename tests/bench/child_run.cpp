#include "tests/bench/child_run.h"

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <fcntl.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace flowwatch::bench {

namespace {

/// Starts and waits for one child; its stderr is left in `err_file`.
Result<ChildRun> spawn_and_wait(const std::vector<std::string>& argv, const std::string& err_file) {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 2, err_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                     0600);
    std::vector<char*> args;
    for (const auto& arg : argv) {
        args.push_back(const_cast<char*>(arg.c_str()));
    }
    args.push_back(nullptr);

    const auto started = std::chrono::steady_clock::now();
    pid_t pid = 0;
    const int rc = posix_spawn(&pid, argv.at(0).c_str(), &actions, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) {
        return fail("start " + argv[0] + ": " + std::strerror(rc), std::to_string(rc));
    }
    int status = 0;
    rusage usage{};
    while (wait4(pid, &status, 0, &usage) < 0 && errno == EINTR) {
    }

    ChildRun run;
    run.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    run.peak_rss_kb = usage.ru_maxrss;
    run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return run;
}

// The helper's requests and answers go through pipes. A request is the argument count, then
// each argument, the stderr file and the working folder as a length and its bytes; an answer is
// the exit code (-1 when the child could not start, with the reason), the seconds and the peak
// memory.

/// Moves all `size` bytes with `step` (a read or a write), going on after interruptions.
template <typename Byte, typename Step>
bool transfer_all(Byte* bytes, std::size_t size, Step&& step) {
    while (size > 0) {
        const ssize_t n = step(bytes, size);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return false;
        }
        bytes += n;
        size -= static_cast<std::size_t>(n);
    }
    return true;
}

bool write_all(int fd, const void* data, std::size_t size) {
    return transfer_all(static_cast<const char*>(data), size,
                        [fd](const char* bytes, std::size_t n) { return write(fd, bytes, n); });
}

bool read_all(int fd, void* data, std::size_t size) {
    return transfer_all(static_cast<char*>(data), size,
                        [fd](char* bytes, std::size_t n) { return read(fd, bytes, n); });
}

bool write_text(int fd, const std::string& text) {
    const auto size = static_cast<std::uint32_t>(text.size());
    return write_all(fd, &size, sizeof size) && write_all(fd, text.data(), text.size());
}

bool read_text(int fd, std::string& text) {
    std::uint32_t size = 0;
    if (!read_all(fd, &size, sizeof size)) {
        return false;
    }
    text.resize(size);
    return read_all(fd, text.data(), size);
}

struct Answer {
    int exit_code = -1;
    int start_error = 0;  ///< errno of a child that could not be started.
    double seconds = 0;
    long peak_rss_kb = 0;
};

struct Spawner {
    int requests = -1;  ///< The bench writes here, the helper reads.
    int answers = -1;
};
Spawner spawner;

[[noreturn]] void serve(int requests, int answers) {
    for (;;) {
        std::uint32_t count = 0;
        if (!read_all(requests, &count, sizeof count)) {
            _exit(0);  // The bench has gone.
        }
        std::vector<std::string> argv(count);
        std::string err_file;
        for (auto& arg : argv) {
            if (!read_text(requests, arg)) {
                _exit(1);
            }
        }
        std::string folder;
        if (!read_text(requests, err_file) || !read_text(requests, folder) ||
            chdir(folder.c_str()) != 0) {
            _exit(1);
        }
        Answer answer;
        if (auto run = spawn_and_wait(argv, err_file)) {
            answer = Answer{run->exit_code, 0, run->seconds, run->peak_rss_kb};
        } else {
            answer.start_error = std::stoi(run.error().code);
        }
        if (!write_all(answers, &answer, sizeof answer)) {
            _exit(1);
        }
    }
}

}  // namespace

void start_spawner() {
    int requests[2];
    int answers[2];
    if (pipe(requests) != 0 || pipe(answers) != 0) {
        return;  // Children are then started directly, their peak memory possibly overstated.
    }
    const pid_t pid = fork();
    if (pid == 0) {
        close(requests[1]);
        close(answers[0]);
        serve(requests[0], answers[1]);
    }
    close(requests[0]);
    close(answers[1]);
    if (pid < 0) {
        close(requests[1]);
        close(answers[0]);
        return;
    }
    spawner = Spawner{requests[1], answers[0]};
}

Result<ChildRun> run_child(const std::vector<std::string>& argv, const std::string& err_file) {
    ChildRun run;
    if (spawner.requests < 0) {
        auto direct = spawn_and_wait(argv, err_file);
        if (!direct) {
            return direct;
        }
        run = *direct;
    } else {
        const auto count = static_cast<std::uint32_t>(argv.size());
        bool sent = write_all(spawner.requests, &count, sizeof count);
        for (const auto& arg : argv) {
            sent = sent && write_text(spawner.requests, arg);
        }
        sent = sent && write_text(spawner.requests, err_file) &&
               write_text(spawner.requests, std::filesystem::current_path().string());
        Answer answer;
        if (!sent || !read_all(spawner.answers, &answer, sizeof answer)) {
            return fail("the helper that starts children has gone");
        }
        if (answer.exit_code < 0) {
            return fail("start " + argv.at(0) + ": " + std::strerror(answer.start_error));
        }
        run.exit_code = answer.exit_code;
        run.seconds = answer.seconds;
        run.peak_rss_kb = answer.peak_rss_kb;
    }
    std::ifstream err(err_file);
    std::ostringstream text;
    text << err.rdbuf();
    run.err = text.str();
    return run;
}

}  // namespace flowwatch::bench
