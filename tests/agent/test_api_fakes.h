#pragma once
/// Fakes for the API client's seams: an HTTP transport answered by a function, and a clock whose
/// sleeps only move time forward.

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "agent/api/http_transport.h"
#include "agent/api/time_source.h"

namespace flowwatch::agent::api::testing {

class FakeTransport final : public HttpTransport {
  public:
    using Handler = std::function<Result<HttpResponse>(const HttpRequest&)>;

    explicit FakeTransport(Handler handler) : handler_(std::move(handler)) {}

    Result<HttpResponse> send(const HttpRequest& request) override {
        {
            std::lock_guard lock(mutex_);
            requests_.push_back(request);
        }
        return handler_(request);
    }

    std::vector<HttpRequest> requests() const {
        std::lock_guard lock(mutex_);
        return requests_;
    }

  private:
    Handler handler_;
    mutable std::mutex mutex_;
    std::vector<HttpRequest> requests_;
};

inline HttpResponse reply(int status, std::string body, HttpHeaders headers = {}) {
    return HttpResponse{status, std::move(headers), std::move(body)};
}

/// Time that stands still until a sleep moves it; every sleep is recorded.
class FakeTime {
  public:
    explicit FakeTime(Timestamp start = from_millis(1'741'680'000'000))  // 2025-03-11T08:00:00Z
        : now_ms_(to_millis(start)) {}

    TimeSource source() {
        return TimeSource{[this] { return from_millis(now_ms_.load()); },
                          [this](const StopSource& stop, std::chrono::milliseconds d) {
                              {
                                  std::lock_guard lock(mutex_);
                                  sleeps_.push_back(d);
                              }
                              now_ms_ += d.count();
                              return !stop.stop_requested();
                          }};
    }

    Timestamp now() const { return from_millis(now_ms_.load()); }
    void advance(std::chrono::milliseconds d) { now_ms_ += d.count(); }

    std::vector<std::chrono::milliseconds> sleeps() const {
        std::lock_guard lock(mutex_);
        return sleeps_;
    }

  private:
    std::atomic<std::int64_t> now_ms_;
    mutable std::mutex mutex_;
    std::vector<std::chrono::milliseconds> sleeps_;
};

}  // namespace flowwatch::agent::api::testing
