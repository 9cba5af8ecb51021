#pragma once
/// Reads one output's settings from its configuration entry, naming each key in errors as the
/// configuration does (`outputs[1].port: expected a number`), and rejecting keys it never read.

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/error.h"

namespace flowwatch::agent {

class OutputSettings {
  public:
    /// `prefix` names the entry in errors, e.g. "outputs[1]".
    OutputSettings(nlohmann::json settings, std::string prefix);

    /// The value of an optional key; a wrong type records an error and gives nullopt.
    std::optional<std::string> text(std::string_view key);
    std::optional<std::int64_t> number(std::string_view key, std::int64_t min, std::int64_t max);
    std::optional<bool> flag(std::string_view key);
    std::optional<std::map<std::string, std::string>> text_map(std::string_view key);

    /// Records an error about `key` ("outputs[1].<key>: <problem>").
    void reject(std::string_view key, std::string_view problem);
    /// Records that a required key is missing.
    void require(std::string_view key);

    /// The first error recorded, or one naming a key no reader asked for.
    Result<void> finish() const;

    const std::string& prefix() const { return prefix_; }

  private:
    const nlohmann::json* find(std::string_view key);

    nlohmann::json settings_;  ///< A copy: callers often pass a temporary.
    std::string prefix_;
    std::set<std::string, std::less<>> read_;
    std::optional<std::string> first_error_;
};

}  // namespace flowwatch::agent
