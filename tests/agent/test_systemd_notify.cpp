#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <optional>
#include <random>
#include <string>

#include <doctest/doctest.h>

#include "agent/linux/systemd_notify.h"

using flowwatch::agent::SystemdNotifier;
using namespace std::chrono_literals;

namespace {

/// Plays systemd's side: a datagram socket bound in a fresh temporary directory.
class NotifySocket {
  public:
    NotifySocket() {
        std::random_device random;
        dir_ = std::filesystem::temp_directory_path() /
               ("flowwatch-notify-" + std::to_string(::getpid()) + "-" + std::to_string(random()));
        std::filesystem::create_directories(dir_);
        path_ = (dir_ / "notify").string();
        fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        REQUIRE(fd_ >= 0);
        sockaddr_un address{};
        address.sun_family = AF_UNIX;
        REQUIRE(path_.size() < sizeof(address.sun_path));
        std::memcpy(address.sun_path, path_.c_str(), path_.size() + 1);
        REQUIRE(::bind(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) == 0);
    }
    NotifySocket(const NotifySocket&) = delete;
    NotifySocket& operator=(const NotifySocket&) = delete;
    ~NotifySocket() {
        ::close(fd_);
        std::error_code ignored;
        std::filesystem::remove_all(dir_, ignored);
    }

    const std::string& path() const { return path_; }

    /// The next datagram, or nullopt when none arrives within `deadline`.
    std::optional<std::string> receive(std::chrono::milliseconds deadline = 2s) const {
        pollfd waiting{.fd = fd_, .events = POLLIN, .revents = 0};
        if (::poll(&waiting, 1, static_cast<int>(deadline.count())) != 1) {
            return std::nullopt;
        }
        std::array<char, 4096> buffer{};
        const ssize_t size = ::recv(fd_, buffer.data(), buffer.size(), 0);
        if (size < 0) {
            return std::nullopt;
        }
        return std::string(buffer.data(), static_cast<size_t>(size));
    }

    /// True when nothing is queued right now (messages are sent synchronously, so nothing late).
    bool empty() const { return !receive(0ms); }

  private:
    std::filesystem::path dir_;
    std::string path_;
    int fd_ = -1;
};

/// A clock the test moves by hand.
struct ManualClock {
    SystemdNotifier::Clock::time_point now{};
    auto function() {
        return [this] { return now; };
    }
};

/// Sets an environment variable for one scope and restores the old value after.
class ScopedEnv {
  public:
    ScopedEnv(const char* name, std::optional<std::string> value) : name_(name) {
        if (const char* old = std::getenv(name)) {
            old_ = old;
        }
        set(value);
    }
    ScopedEnv(const ScopedEnv&) = delete;
    ScopedEnv& operator=(const ScopedEnv&) = delete;
    ~ScopedEnv() { set(old_); }

  private:
    void set(const std::optional<std::string>& value) {
        if (value) {
            ::setenv(name_, value->c_str(), 1);
        } else {
            ::unsetenv(name_);
        }
    }
    const char* name_;
    std::optional<std::string> old_;
};

}  // namespace

TEST_CASE("ready, status and stopping reach the notify socket as systemd's exact messages") {
    NotifySocket socket;
    SystemdNotifier notifier(socket.path(), 0us);

    notifier.ready();
    notifier.status("polling 2 tenants, lag 3 min");
    notifier.stopping();

    CHECK(socket.receive() == "READY=1");
    CHECK(socket.receive() == "STATUS=polling 2 tenants, lag 3 min");
    CHECK(socket.receive() == "STOPPING=1");
    CHECK(socket.empty());
}

TEST_CASE("a status with line breaks is sent as a single line") {
    NotifySocket socket;
    SystemdNotifier notifier(socket.path(), 0us);

    notifier.status("polling 1 tenant\nlag 2 min\r");

    CHECK(socket.receive() == "STATUS=polling 1 tenant lag 2 min ");
}

TEST_CASE("the watchdog is petted at most once per half interval however often the loop turns") {
    NotifySocket socket;
    ManualClock clock;
    SystemdNotifier notifier(socket.path(), 10s, clock.function());

    notifier.alive();
    CHECK(socket.receive() == "WATCHDOG=1");

    clock.now += 4s;
    notifier.alive();
    notifier.alive();
    CHECK(socket.empty());

    clock.now += 1s;
    notifier.alive();
    CHECK(socket.receive() == "WATCHDOG=1");
    CHECK(socket.empty());
}

TEST_CASE("without a watchdog interval alive sends nothing") {
    NotifySocket socket;
    SystemdNotifier notifier(socket.path(), 0us);

    notifier.alive();

    CHECK(socket.empty());
}

TEST_CASE("the environment of a Type=notify unit with a watchdog gives working hooks") {
    NotifySocket socket;
    ScopedEnv notify("NOTIFY_SOCKET", socket.path());
    ScopedEnv usec("WATCHDOG_USEC", "30000000");
    ScopedEnv pid("WATCHDOG_PID", std::to_string(::getpid()));

    const auto hooks = flowwatch::agent::systemd_hooks();
    REQUIRE(hooks.ready);
    REQUIRE(hooks.status);
    REQUIRE(hooks.alive);
    REQUIRE(hooks.stopping);
    hooks.ready();
    hooks.alive();

    CHECK(socket.receive() == "READY=1");
    CHECK(socket.receive() == "WATCHDOG=1");
    CHECK(SystemdNotifier::from_environment()->watchdog_interval() == 30s);
}

TEST_CASE("a watchdog meant for another process is left alone") {
    ScopedEnv notify("NOTIFY_SOCKET", "/run/systemd/notify");
    ScopedEnv usec("WATCHDOG_USEC", "30000000");
    ScopedEnv pid("WATCHDOG_PID", std::to_string(::getpid() + 1));

    CHECK(SystemdNotifier::from_environment()->watchdog_interval() == 0us);
}

TEST_CASE("outside systemd the hooks are empty and sending is a no-op") {
    ScopedEnv notify("NOTIFY_SOCKET", std::nullopt);

    const auto hooks = flowwatch::agent::systemd_hooks();

    CHECK_FALSE(hooks.ready);
    CHECK_FALSE(hooks.alive);
    CHECK(SystemdNotifier("", 0us).send("READY=1").has_value());
}

TEST_CASE("an abstract notify socket is reached through its @ name") {
    const std::string name = "flowwatch-test-" + std::to_string(::getpid());
    const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd >= 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::memcpy(address.sun_path + 1, name.data(), name.size());
    const auto length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + name.size());
    REQUIRE(::bind(fd, reinterpret_cast<const sockaddr*>(&address), length) == 0);

    const auto sent = SystemdNotifier("@" + name, 0us).send("READY=1");

    std::array<char, 64> buffer{};
    pollfd waiting{.fd = fd, .events = POLLIN, .revents = 0};
    const bool arrived = ::poll(&waiting, 1, 2000) == 1;
    const ssize_t size = arrived ? ::recv(fd, buffer.data(), buffer.size(), 0) : -1;
    ::close(fd);
    CHECK(sent.has_value());
    REQUIRE(size > 0);
    CHECK(std::string(buffer.data(), static_cast<size_t>(size)) == "READY=1");
}

TEST_CASE("a socket that is gone is reported with its path") {
    const auto sent = SystemdNotifier("/nonexistent/flowwatch/notify", 0us).send("READY=1");

    REQUIRE_FALSE(sent.has_value());
    CHECK(sent.error().message.find("/nonexistent/flowwatch/notify") != std::string::npos);
}

TEST_CASE("a relative notify socket path is refused rather than guessed at") {
    const auto sent = SystemdNotifier("relative/notify", 0us).send("READY=1");

    CHECK_FALSE(sent.has_value());
}
