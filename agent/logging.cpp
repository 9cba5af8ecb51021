#include "agent/logging.h"

#include <algorithm>
#include <cctype>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

namespace flowwatch::agent {

namespace {

constexpr std::size_t kMinSecretLength = 4;
constexpr std::size_t kMaxLimiterEntries = 1024;
constexpr std::string_view kMask = "***";

struct SecretRegistry {
    std::mutex mutex;
    std::vector<std::string> secrets;  ///< Longest first, so a longer secret masks whole.
};

SecretRegistry& secret_registry() {
    static SecretRegistry registry;
    return registry;
}

struct LoggingState {
    std::mutex mutex;
    std::shared_ptr<spdlog::sinks::sink> sink;
    spdlog::level::level_enum level = spdlog::level::info;
};

void write_to_stderr(std::string_view line) {
    std::string out;
    out.reserve(line.size() + 1);
    out.append(line);
    out.push_back('\n');
    std::fwrite(out.data(), 1, out.size(), stderr);
}

LoggingState& logging_state() {
    static LoggingState state{
        {}, std::make_shared<LineSink>(LogOptions{}, write_to_stderr), spdlog::level::info};
    return state;
}

std::string percent_encoded(std::string_view text) {
    std::string out;
    for (char c : text) {
        auto byte = static_cast<unsigned char>(c);
        if (std::isalnum(byte) != 0 || c == '-' || c == '.' || c == '_' || c == '~') {
            out.push_back(c);
        } else {
            out += fmt::format("%{:02X}", byte);
        }
    }
    return out;
}

std::string json_escaped(std::string_view text) {
    std::string quoted = nlohmann::json(std::string(text))
                             .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    return quoted.substr(1, quoted.size() - 2);
}

int journald_priority(spdlog::level::level_enum level) {
    switch (level) {
        case spdlog::level::critical:
            return 2;
        case spdlog::level::err:
            return 3;
        case spdlog::level::warn:
            return 4;
        case spdlog::level::info:
            return 6;
        default:
            return 7;
    }
}

std::string utc_text(std::chrono::system_clock::time_point tp) {
    using namespace std::chrono;
    auto ms = floor<milliseconds>(tp);
    auto day = floor<days>(ms);
    year_month_day ymd{day};
    hh_mm_ss hms{ms - day};
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", static_cast<int>(ymd.year()),
                       static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                       hms.hours().count(), hms.minutes().count(), hms.seconds().count(),
                       hms.subseconds().count());
}

/// Keeps a log line on one line whatever a message holds.
std::string single_line(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        if (c == '\n') {
            out += "\\n";
        } else if (c == '\r') {
            out += "\\r";
        } else {
            out.push_back(c);
        }
    }
    return out;
}

bool is_key_start(char c) {
    return std::isalpha(static_cast<unsigned char>(c)) != 0 || c == '_';
}
bool is_key_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '.' || c == '-';
}

/// Length of a `key=` starting at `pos` (0 when there is none).
std::size_t key_length_at(std::string_view s, std::size_t pos) {
    if (pos >= s.size() || (pos > 0 && s[pos - 1] != ' ') || !is_key_start(s[pos])) {
        return 0;
    }
    std::size_t end = pos + 1;
    while (end < s.size() && is_key_char(s[end])) {
        ++end;
    }
    return end < s.size() && s[end] == '=' ? end - pos : 0;
}

/// Reads one value at `pos` (quoted as `field` quotes, or bare up to a space); advances `pos`.
std::optional<std::string> read_value(std::string_view s, std::size_t& pos) {
    std::string value;
    if (pos < s.size() && s[pos] == '"') {
        for (++pos; pos < s.size() && s[pos] != '"'; ++pos) {
            if (s[pos] == '\\' && pos + 1 < s.size()) {
                char next = s[++pos];
                value.push_back(next == 'n'   ? '\n'
                                : next == 'r' ? '\r'
                                : next == 't' ? '\t'
                                              : next);
            } else {
                value.push_back(s[pos]);
            }
        }
        if (pos >= s.size()) {
            return std::nullopt;
        }
        ++pos;
        return value;
    }
    while (pos < s.size() && s[pos] != ' ') {
        value.push_back(s[pos++]);
    }
    return value;
}

struct SplitPayload {
    std::string message;
    std::vector<std::pair<std::string, std::string>> fields;
};

/// Splits "text key=value key=\"a b\"" into the text and its fields; a payload whose tail does
/// not parse as fields stays whole in the message.
SplitPayload split_payload(std::string_view s) {
    std::size_t start = 0;
    while (start < s.size() && key_length_at(s, start) == 0) {
        ++start;
    }
    SplitPayload out;
    std::size_t pos = start;
    while (pos < s.size()) {
        std::size_t key_length = key_length_at(s, pos);
        if (key_length == 0) {
            return SplitPayload{std::string(s), {}};
        }
        std::string key(s.substr(pos, key_length));
        pos += key_length + 1;
        auto value = read_value(s, pos);
        if (!value) {
            return SplitPayload{std::string(s), {}};
        }
        out.fields.emplace_back(std::move(key), std::move(*value));
        while (pos < s.size() && s[pos] == ' ') {
            ++pos;
        }
    }
    std::string_view text = s.substr(0, start);
    while (!text.empty() && text.back() == ' ') {
        text.remove_suffix(1);
    }
    out.message = std::string(text);
    return out;
}

}  // namespace

Result<spdlog::level::level_enum> parse_log_level(std::string_view name) {
    if (name == "warn") {
        return spdlog::level::warn;
    }
    for (auto level :
         {spdlog::level::trace, spdlog::level::debug, spdlog::level::info, spdlog::level::warn,
          spdlog::level::err, spdlog::level::critical, spdlog::level::off}) {
        auto level_name = spdlog::level::to_string_view(level);
        if (std::string_view(level_name.data(), level_name.size()) == name) {
            return level;
        }
    }
    return fail(fmt::format(
        "log level \"{}\": expected trace, debug, info, warning, error, critical or off", name));
}

Result<LogFormat> parse_log_format(std::string_view name) {
    if (name == "text") {
        return LogFormat::text;
    }
    if (name == "json") {
        return LogFormat::json;
    }
    return fail(fmt::format("log format \"{}\": expected text or json", name));
}

void configure_logging(const LogOptions& options, LineSink::Writer writer) {
    auto& state = logging_state();
    std::lock_guard lock(state.mutex);
    state.sink = std::make_shared<LineSink>(
        options, writer ? std::move(writer) : LineSink::Writer(write_to_stderr));
    state.level = options.level;
    // Loggers made before this call keep their object but take the new sink and level.
    spdlog::apply_all([&state](const std::shared_ptr<spdlog::logger>& logger) {
        logger->sinks().assign(1, state.sink);
        logger->set_level(state.level);
    });
    // Lines logged through spdlog's free functions name the program rather than nothing.
    auto fallback = std::make_shared<spdlog::logger>("flowwatch", state.sink);
    fallback->set_level(state.level);
    fallback->flush_on(spdlog::level::warn);
    spdlog::set_default_logger(std::move(fallback));
}

std::shared_ptr<spdlog::logger> component_logger(std::string_view component) {
    auto& state = logging_state();
    std::lock_guard lock(state.mutex);
    std::string name(component);
    if (auto existing = spdlog::get(name)) {
        return existing;
    }
    auto logger = std::make_shared<spdlog::logger>(name, state.sink);
    logger->set_level(state.level);
    logger->flush_on(spdlog::level::warn);
    spdlog::register_logger(logger);
    return logger;
}

std::string field(std::string_view key, std::string_view value) {
    bool quote = value.empty() || std::any_of(value.begin(), value.end(), [](char c) {
                     return c == ' ' || c == '"' || c == '=' || c == '\\' ||
                            static_cast<unsigned char>(c) < 0x20;
                 });
    if (!quote) {
        return fmt::format("{}={}", key, value);
    }
    std::string out = fmt::format("{}=\"", key);
    for (char c : value) {
        if (c == '"' || c == '\\') {
            out.push_back('\\');
            out.push_back(c);
        } else if (c == '\n') {
            out += "\\n";
        } else if (c == '\r') {
            out += "\\r";
        } else if (c == '\t') {
            out += "\\t";
        } else {
            out.push_back(c);
        }
    }
    out.push_back('"');
    return out;
}

std::string fields(std::initializer_list<std::pair<std::string_view, std::string_view>> pairs) {
    std::string out;
    for (const auto& [key, value] : pairs) {
        if (!out.empty()) {
            out.push_back(' ');
        }
        out += field(key, value);
    }
    return out;
}

void register_secret(std::string_view secret) {
    if (secret.size() < kMinSecretLength) {
        return;
    }
    auto& registry = secret_registry();
    std::lock_guard lock(registry.mutex);
    for (std::string form : {std::string(secret), percent_encoded(secret), json_escaped(secret)}) {
        if (std::find(registry.secrets.begin(), registry.secrets.end(), form) ==
            registry.secrets.end()) {
            registry.secrets.push_back(std::move(form));
        }
    }
    std::sort(registry.secrets.begin(), registry.secrets.end(),
              [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
}

std::string redact(std::string_view text) {
    std::string out(text);
    auto& registry = secret_registry();
    std::lock_guard lock(registry.mutex);
    for (const auto& secret : registry.secrets) {
        for (auto pos = out.find(secret); pos != std::string::npos;
             pos = out.find(secret, pos + kMask.size())) {
            out.replace(pos, secret.size(), kMask);
        }
    }
    return out;
}

void forget_secrets() {
    auto& registry = secret_registry();
    std::lock_guard lock(registry.mutex);
    registry.secrets.clear();
}

RepeatLimiter::RepeatLimiter(std::chrono::seconds window, Clock clock)
    : window_(window), clock_(std::move(clock)) {}

RepeatLimiter::Verdict RepeatLimiter::check(const std::string& key) {
    auto now = clock_();
    auto found = entries_.find(key);
    if (found == entries_.end()) {
        if (entries_.size() >= kMaxLimiterEntries) {
            forget_expired(now);
        }
        entries_.emplace(key, Entry{now, 0, now});
        return Verdict{};
    }
    Entry& entry = found->second;
    entry.seen = now;
    if (now - entry.written < window_) {
        ++entry.dropped;
        return Verdict{false, entry.dropped};
    }
    Verdict verdict{true, entry.dropped};
    entry = Entry{now, 0, now};
    return verdict;
}

void RepeatLimiter::forget_expired(std::chrono::steady_clock::time_point now) {
    std::erase_if(entries_, [&](const auto& item) { return now - item.second.written >= window_; });
    if (entries_.size() < kMaxLimiterEntries) {
        return;
    }
    // A flood of distinct lines within one window: forget the half seen least lately, so a line
    // that keeps repeating stays held back while the flood passes.
    std::vector<std::chrono::steady_clock::time_point> seen;
    seen.reserve(entries_.size());
    for (const auto& [key, entry] : entries_) {
        seen.push_back(entry.seen);
    }
    auto middle = seen.begin() + static_cast<std::ptrdiff_t>(seen.size() / 2);
    std::nth_element(seen.begin(), middle, seen.end());
    const auto cut = *middle;
    std::erase_if(entries_, [&](const auto& item) { return item.second.seen < cut; });
    if (entries_.size() >= kMaxLimiterEntries) {
        entries_.clear();  // All seen at the same instant: nothing tells them apart.
    }
}

LineSink::LineSink(const LogOptions& options, Writer writer, RepeatLimiter::Clock clock)
    : format_(options.format),
      journald_(options.journald.value_or(std::getenv("JOURNAL_STREAM") != nullptr)),
      writer_(std::move(writer)),
      limiter_(options.repeat_window, std::move(clock)) {}

void LineSink::sink_it_(const spdlog::details::log_msg& msg) {
    std::string payload = redact(std::string_view(msg.payload.data(), msg.payload.size()));

    // Only warnings and worse repeat in storms (a peer down, a tenant misconfigured).
    if (msg.level >= spdlog::level::warn) {
        std::string key = fmt::format(
            "{}\x1f{}\x1f{}", std::string_view(msg.logger_name.data(), msg.logger_name.size()),
            static_cast<int>(msg.level), payload);
        auto verdict = limiter_.check(key);
        if (!verdict.write) {
            return;
        }
        if (verdict.dropped > 0) {
            payload += " " + field("repeated", std::to_string(verdict.dropped));
        }
    }

    writer_(format_ == LogFormat::json ? json_line(msg, payload) : text_line(msg, payload));
}

std::string LineSink::text_line(const spdlog::details::log_msg& msg,
                                std::string_view payload) const {
    std::string_view component(msg.logger_name.data(), msg.logger_name.size());
    if (journald_) {
        return fmt::format("<{}>{}: {}", journald_priority(msg.level), component,
                           single_line(payload));
    }
    auto level = spdlog::level::to_string_view(msg.level);
    return fmt::format("{} {} {}: {}", utc_text(msg.time),
                       std::string_view(level.data(), level.size()), component,
                       single_line(payload));
}

std::string LineSink::json_line(const spdlog::details::log_msg& msg,
                                std::string_view payload) const {
    auto split = split_payload(payload);
    auto level = spdlog::level::to_string_view(msg.level);
    nlohmann::ordered_json line;
    line["time"] = utc_text(msg.time);
    line["level"] = std::string(level.data(), level.size());
    line["component"] = std::string(msg.logger_name.data(), msg.logger_name.size());
    line["message"] = split.message;
    for (auto& [key, value] : split.fields) {
        // A field never overwrites the line's own keys.
        std::string name = line.contains(key) ? "field." + key : key;
        line[name] = value;
    }
    std::string text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    return journald_ ? fmt::format("<{}>{}", journald_priority(msg.level), text) : text;
}

}  // namespace flowwatch::agent
