#pragma once
/// Fakes and loopback peers for the output tests: sample alerts, an in-memory delivery store, a
/// recording output that can be switched off, a fake clock, and a small Beast HTTP server.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "agent/outputs/alert_output.h"
#include "core/alert.h"
#include "core/delivery_state.h"

namespace flowwatch::agent::output_testing {

/// Alert `n` of a made-up exfiltration story; every field is filled.
inline Alert sample_alert(int n) {
    Alert alert;
    alert.id = fmt::format("{:032x}", n);
    alert.trigger = Trigger::unusual_connector;
    alert.severity = Severity::high;
    alert.score = 72;
    alert.tenant = "4b7c6a3e-1f2d-4e5a-9b8c-0d1e2f3a4b5c";
    alert.user = "adele.vance@contoso.example";
    alert.time = from_millis(1'741'684'492'000 + std::int64_t{n} * 1'000);
    alert.operation = "CreateFlow";
    alert.flow_id = "0f8c4f53-5b5a-4d7e-9a55-6d2a0c1e9b77";
    alert.environment = "Default-4b7c6a3e-1f2d-4e5a-9b8c-0d1e2f3a4b5c";
    alert.client_ip = "203.0.113.7";
    alert.connectors = {"Office 365 Outlook", "HTTP"};
    alert.record_ids = {fmt::format("rec-{}", n)};
    alert.reason = "HTTP is new to this user and used by 1 of 40 makers";
    alert.evidence = {{"makers_with_connector", 1}, {"makers", 40}};
    alert.mitre = {"T1567"};
    return alert;
}

/// The delivery store in memory, safe to share with a delivery thread. `fail_cursor_writes`
/// makes put_delivered_through throw, as a SQLite adapter might on a full disk.
class FakeDeliveryStore : public DeliveryStateStore {
  public:
    std::int64_t add(const Alert& alert, bool emitted = true) {
        std::lock_guard lock(mutex_);
        alerts_.push_back(StoredAlert{alert, emitted, ++last_sequence_});
        return last_sequence_;
    }

    std::int64_t delivered_through(std::string_view output) override {
        std::lock_guard lock(mutex_);
        auto found = cursors_.find(std::string(output));
        return found == cursors_.end() ? 0 : found->second;
    }

    void put_delivered_through(std::string_view output, std::int64_t sequence) override {
        std::lock_guard lock(mutex_);
        if (fail_cursor_writes) {
            throw std::runtime_error("disk I/O error");
        }
        cursors_[std::string(output)] = sequence;
    }

    std::vector<StoredAlert> emitted_alerts_after(std::int64_t after_sequence,
                                                  std::size_t limit) override {
        std::lock_guard lock(mutex_);
        std::vector<StoredAlert> out;
        for (const auto& stored : alerts_) {
            if (stored.emitted && stored.sequence > after_sequence && out.size() < limit) {
                out.push_back(stored);
            }
        }
        return out;
    }

    std::atomic<bool> fail_cursor_writes = false;

  private:
    std::mutex mutex_;
    std::vector<StoredAlert> alerts_;
    std::map<std::string, std::int64_t> cursors_;
    std::int64_t last_sequence_ = 0;
};

/// What a RecordingOutput saw; shared with the test after the dispatcher took the output.
struct Recording {
    std::vector<std::string> delivered;  ///< Alert ids, in delivery order.
    int attempts = 0;
    int reopens = 0;
    bool down = false;
    std::optional<std::chrono::seconds> retry_after;
};

class RecordingOutput : public AlertOutput {
  public:
    RecordingOutput(std::string name, std::shared_ptr<Recording> recording)
        : AlertOutput(std::move(name)), recording_(std::move(recording)) {}

    Result<void> deliver(const Alert& alert) override {
        ++recording_->attempts;
        if (recording_->down) {
            return fail("recording output " + name() + ": down");
        }
        recording_->delivered.push_back(alert.id);
        return {};
    }

    Result<void> reopen() override {
        ++recording_->reopens;
        return {};
    }

    std::optional<std::chrono::seconds> requested_delay() override {
        return recording_->retry_after;
    }

  private:
    std::shared_ptr<Recording> recording_;
};

class FakeClock {
  public:
    std::chrono::steady_clock::time_point now{std::chrono::hours(1)};

    std::function<std::chrono::steady_clock::time_point()> function() {
        return [this] { return now; };
    }
};

/// Ids of alerts `from`..`to` (inclusive) as sample_alert makes them.
inline std::vector<std::string> ids(int from, int to) {
    std::vector<std::string> out;
    for (int n = from; n <= to; ++n) {
        out.push_back(sample_alert(n).id);
    }
    return out;
}

/// Polls `condition` until it holds or `timeout` passes; true when it held.
inline bool wait_until(const std::function<bool()>& condition,
                       std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!condition()) {
        if (std::chrono::steady_clock::now() >= deadline) {
            return false;
        }
        std::this_thread::yield();
    }
    return true;
}

/// A unique empty directory under the system's temporary directory, removed at the end.
class TempDir {
  public:
    TempDir() {
        static std::atomic<int> counter{0};
        path_ = std::filesystem::temp_directory_path() /
                fmt::format("flowwatch-outputs-{}-{}",
                            std::chrono::steady_clock::now().time_since_epoch().count(), counter++);
        std::filesystem::create_directories(path_);
    }
    ~TempDir() {
        std::error_code ignored;
        std::filesystem::remove_all(path_, ignored);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    const std::filesystem::path& path() const { return path_; }

  private:
    std::filesystem::path path_;
};

/// An HTTP/1.1 server on 127.0.0.1 (Boost.Beast, one thread, one request per connection) that
/// answers every request with the current status and records what it received. `silent` makes
/// it read requests and never answer, to test deadlines.
class HttpPeer {
  public:
    struct Request {
        std::string target;
        std::string body;
        std::map<std::string, std::string> headers;
        unsigned answered = 0;  ///< The status it was answered with; 0 when left unanswered.
    };

    HttpPeer() : acceptor_(io_, {boost::asio::ip::address_v4::loopback(), 0}) {
        thread_ = std::thread([this] { serve(); });
    }
    ~HttpPeer() { stop(); }
    HttpPeer(const HttpPeer&) = delete;
    HttpPeer& operator=(const HttpPeer&) = delete;

    std::uint16_t port() const { return port_; }
    std::string url(const std::string& path = "/alerts") const {
        return fmt::format("http://127.0.0.1:{}{}", port_, path);
    }

    std::atomic<unsigned> status{200};
    std::atomic<bool> silent{false};
    std::string retry_after;  ///< Set before requests arrive.

    std::vector<Request> requests() const {
        std::lock_guard lock(mutex_);
        return requests_;
    }

    void stop() {
        {
            std::lock_guard lock(mutex_);
            if (stopping_) {
                return;
            }
            stopping_ = true;
        }
        released_.notify_all();
        // A connection of our own wakes the blocking accept so the thread sees the stop.
        boost::system::error_code ignored;
        boost::asio::io_context io;
        boost::asio::ip::tcp::socket waker(io);
        waker.connect({boost::asio::ip::address_v4::loopback(), port_}, ignored);
        thread_.join();
    }

  private:
    void serve() {
        while (true) {
            boost::asio::ip::tcp::socket socket(io_);
            boost::system::error_code ec;
            acceptor_.accept(socket, ec);
            {
                std::lock_guard lock(mutex_);
                if (stopping_ || ec) {
                    return;
                }
            }
            answer(socket);
        }
    }

    void answer(boost::asio::ip::tcp::socket& socket) {
        namespace http = boost::beast::http;
        boost::beast::flat_buffer buffer;
        http::request<http::string_body> request;
        boost::system::error_code ec;
        http::read(socket, buffer, request, ec);
        if (ec) {
            return;
        }
        const unsigned answer_status = silent ? 0U : status.load();
        Request seen{std::string(request.target()), request.body(), {}, answer_status};
        for (const auto& header : request) {
            seen.headers[std::string(header.name_string())] = std::string(header.value());
        }
        std::unique_lock lock(mutex_);
        requests_.push_back(std::move(seen));
        if (answer_status == 0) {
            released_.wait(lock, [this] { return stopping_; });
            return;
        }
        lock.unlock();

        http::response<http::string_body> response{static_cast<http::status>(answer_status), 11};
        response.set(http::field::content_type, "text/plain");
        if (!retry_after.empty()) {
            response.set(http::field::retry_after, retry_after);
        }
        response.keep_alive(false);
        response.body() = "ok";
        response.prepare_payload();
        http::write(socket, response, ec);
        socket.shutdown(boost::asio::ip::tcp::socket::shutdown_both, ec);
    }

    boost::asio::io_context io_;
    boost::asio::ip::tcp::acceptor acceptor_;
    std::uint16_t port_ = acceptor_.local_endpoint().port();
    mutable std::mutex mutex_;
    std::condition_variable released_;
    bool stopping_ = false;
    std::vector<Request> requests_;
    std::thread thread_;
};

}  // namespace flowwatch::agent::output_testing
