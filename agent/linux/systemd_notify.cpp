#include "agent/linux/systemd_notify.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <utility>

#include "agent/logging.h"

namespace flowwatch::agent {

namespace {

std::string environment(const char* name) {
    const char* value = std::getenv(name);
    return value == nullptr ? std::string() : std::string(value);
}

/// Parses a decimal environment value; nullopt when it is absent or not a plain number.
std::optional<unsigned long long> environment_number(const char* name) {
    const std::string text = environment(name);
    unsigned long long value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || error != std::errc() || end != text.data() + text.size()) {
        return std::nullopt;
    }
    return value;
}

/// Closes a descriptor when it leaves scope.
class Descriptor {
  public:
    explicit Descriptor(int fd) : fd_(fd) {}
    Descriptor(const Descriptor&) = delete;
    Descriptor& operator=(const Descriptor&) = delete;
    ~Descriptor() {
        if (fd_ >= 0) {
            ::close(fd_);
        }
    }
    int get() const { return fd_; }

  private:
    int fd_;
};

}  // namespace

SystemdNotifier::SystemdNotifier(std::string socket_path,
                                 std::chrono::microseconds watchdog_interval,
                                 std::function<Clock::time_point()> now)
    : socket_path_(std::move(socket_path)),
      watchdog_interval_(watchdog_interval),
      now_(std::move(now)) {}

std::shared_ptr<SystemdNotifier> SystemdNotifier::from_environment() {
    std::chrono::microseconds watchdog{0};
    const auto usec = environment_number("WATCHDOG_USEC");
    const auto pid = environment_number("WATCHDOG_PID");
    const bool ours = !pid || *pid == static_cast<unsigned long long>(::getpid());
    if (usec && ours) {
        watchdog = std::chrono::microseconds(static_cast<std::chrono::microseconds::rep>(*usec));
    }
    return std::make_shared<SystemdNotifier>(environment("NOTIFY_SOCKET"), watchdog);
}

Result<void> SystemdNotifier::send(std::string_view message) const {
    if (socket_path_.empty()) {
        return {};
    }

    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    if (socket_path_.size() >= sizeof(address.sun_path) ||
        (socket_path_[0] != '/' && socket_path_[0] != '@')) {
        return fail("send systemd notification to " + socket_path_ +
                    ": not an absolute or abstract socket path");
    }
    std::memcpy(address.sun_path, socket_path_.data(), socket_path_.size());
    // An abstract socket's name starts with a NUL byte and is not NUL-terminated.
    if (address.sun_path[0] == '@') {
        address.sun_path[0] = '\0';
    }
    const size_t terminator = address.sun_path[0] == '\0' ? 0 : 1;
    const auto length =
        static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + socket_path_.size() + terminator);

    const Descriptor socket(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (socket.get() < 0) {
        return fail("send systemd notification to " + socket_path_ + ": " + std::strerror(errno));
    }
    const ssize_t sent = ::sendto(socket.get(), message.data(), message.size(), MSG_NOSIGNAL,
                                  reinterpret_cast<const sockaddr*>(&address), length);
    if (sent < 0 || static_cast<size_t>(sent) != message.size()) {
        return fail("send systemd notification to " + socket_path_ + ": " +
                    (sent < 0 ? std::strerror(errno) : "short write"));
    }
    return {};
}

void SystemdNotifier::ready() {
    send_or_warn("READY=1");
}

void SystemdNotifier::status(std::string_view line) {
    std::string message = "STATUS=" + std::string(line);
    std::ranges::replace_if(
        message, [](char c) { return c == '\n' || c == '\r'; }, ' ');
    send_or_warn(message);
}

void SystemdNotifier::alive() {
    if (watchdog_interval_.count() <= 0 || !enabled()) {
        return;
    }
    {
        // systemd recommends petting at half the interval: late enough to be cheap, early
        // enough that one slow turn of the loop does not cost a restart.
        std::lock_guard lock(mutex_);
        const auto now = now_();
        if (last_watchdog_ && now - *last_watchdog_ < watchdog_interval_ / 2) {
            return;
        }
        last_watchdog_ = now;
    }
    send_or_warn("WATCHDOG=1");
}

void SystemdNotifier::stopping() {
    send_or_warn("STOPPING=1");
}

void SystemdNotifier::send_or_warn(std::string_view message) {
    auto sent = send(message);
    if (sent) {
        return;
    }
    // The logger drops the identical repeats a watchdog on a dead socket would produce.
    component_logger("systemd")->warn("notify failed {}", field("error", sent.error().message));
}

ServiceHooks systemd_hooks(std::shared_ptr<SystemdNotifier> notifier) {
    if (!notifier->enabled()) {
        return {};
    }
    return ServiceHooks{
        .ready = [notifier] { notifier->ready(); },
        .status = [notifier](std::string_view line) { notifier->status(line); },
        .alive = [notifier] { notifier->alive(); },
        .stopping = [notifier] { notifier->stopping(); },
    };
}

ServiceHooks systemd_hooks() {
    return systemd_hooks(SystemdNotifier::from_environment());
}

ServiceHooks platform_service_hooks() {
    return systemd_hooks();
}

}  // namespace flowwatch::agent
