#pragma once
/// The agent's metrics in the Prometheus text exposition format (version 0.0.4): every family
/// has HELP and TYPE lines, every name starts with `flowwatch_`, samples are labelled by tenant.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "agent/status/status_snapshot.h"
#include "core/time.h"

namespace flowwatch::agent {

inline constexpr std::string_view kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

/// Escapes a label value: backslash, double quote and line feed.
std::string escape_label_value(std::string_view value);
/// Escapes HELP text: backslash and line feed.
std::string escape_help(std::string_view text);

/// Collects metric families and writes them out in order.
class MetricsText {
  public:
    using Labels = std::vector<std::pair<std::string_view, std::string_view>>;

    /// Starts a family; `type` is "counter" or "gauge".
    void family(std::string_view name, std::string_view type, std::string_view help);
    void sample(std::string_view name, const Labels& labels, double value);

    const std::string& text() const { return text_; }

  private:
    std::string text_;
};

/// Every metric of the snapshot, as of `now`.
std::string render_metrics(const StatusSnapshot& snapshot, Timestamp now);

}  // namespace flowwatch::agent
