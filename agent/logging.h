#pragma once
/// The agent's logging: one spdlog sink for every component, writing text, journald-prefixed or
/// JSON lines, dropping identical repeated warnings and errors, and masking registered secrets.

#include <chrono>
#include <cstddef>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <spdlog/logger.h>
#include <spdlog/sinks/base_sink.h>

#include "core/error.h"

namespace flowwatch::agent {

enum class LogFormat { text, json };

struct LogOptions {
    spdlog::level::level_enum level = spdlog::level::info;
    LogFormat format = LogFormat::text;
    /// Journald priority prefixes (`<3>`) and no timestamps. Unset: on when JOURNAL_STREAM is set.
    std::optional<bool> journald;
    /// An identical warning or error line is written at most once in this window.
    std::chrono::seconds repeat_window{60};
};

/// `trace`, `debug`, `info`, `warning` (or `warn`), `error`, `critical`, `off`.
Result<spdlog::level::level_enum> parse_log_level(std::string_view name);
/// `text` or `json`.
Result<LogFormat> parse_log_format(std::string_view name);

/// The logger of one component ("outputs", "api", "poller"…); its name starts every line.
std::shared_ptr<spdlog::logger> component_logger(std::string_view component);

/// One `key=value` field for a log line; the value is quoted when it holds spaces or quotes.
std::string field(std::string_view key, std::string_view value);
/// Several fields separated by spaces: `fields({{"tenant", t}, {"content_type", c}})`.
std::string fields(std::initializer_list<std::pair<std::string_view, std::string_view>> pairs);

/// Masks `secret` (and its URL-encoded form) in every later log line and in `redact`. Empty
/// strings and strings shorter than four characters are ignored: masking them would shred lines.
void register_secret(std::string_view secret);
/// `text` with every registered secret replaced by `***`.
std::string redact(std::string_view text);
/// Forgets every registered secret (for tests).
void forget_secrets();

/// Drops an identical line seen again within a window; the next line let through after the
/// window says how many were dropped.
class RepeatLimiter {
  public:
    using Clock = std::function<std::chrono::steady_clock::time_point()>;

    RepeatLimiter(std::chrono::seconds window, Clock clock);

    /// Whether to write the line with this key now, and how many copies were dropped before it.
    struct Verdict {
        bool write = true;
        std::size_t dropped = 0;
    };
    Verdict check(const std::string& key);

  private:
    struct Entry {
        std::chrono::steady_clock::time_point written;
        std::size_t dropped = 0;
        /// When the line last came, written or not: a flood evicts the lines not seen lately.
        std::chrono::steady_clock::time_point seen;
    };
    void forget_expired(std::chrono::steady_clock::time_point now);

    std::chrono::seconds window_;
    Clock clock_;
    std::map<std::string, Entry> entries_;
};

/// The sink behind every component logger. `writer` receives each finished line without its
/// newline (stderr in the agent, a vector in tests).
class LineSink : public spdlog::sinks::base_sink<std::mutex> {
  public:
    using Writer = std::function<void(std::string_view line)>;

    LineSink(const LogOptions& options, Writer writer,
             RepeatLimiter::Clock clock = std::chrono::steady_clock::now);

  protected:
    void sink_it_(const spdlog::details::log_msg& msg) override;
    void flush_() override {}

  private:
    std::string text_line(const spdlog::details::log_msg& msg, std::string_view payload) const;
    std::string json_line(const spdlog::details::log_msg& msg, std::string_view payload) const;

    LogFormat format_;
    bool journald_;
    Writer writer_;
    RepeatLimiter limiter_;
};

/// Sends every component's lines, now and later, to `writer` (stderr when empty) in the given
/// form. Call it before other threads log: loggers in use are switched over without a lock.
void configure_logging(const LogOptions& options, LineSink::Writer writer = {});

}  // namespace flowwatch::agent
