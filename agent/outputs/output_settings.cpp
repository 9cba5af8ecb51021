#include "agent/outputs/output_settings.h"

#include <cstdint>
#include <utility>

#include <fmt/format.h>

namespace flowwatch::agent {

namespace {

std::string kind_of(const nlohmann::json& value) {
    switch (value.type()) {
        case nlohmann::json::value_t::string:
            return "a string";
        case nlohmann::json::value_t::boolean:
            return "a boolean";
        case nlohmann::json::value_t::number_integer:
        case nlohmann::json::value_t::number_unsigned:
        case nlohmann::json::value_t::number_float:
            return "a number";
        case nlohmann::json::value_t::array:
            return "an array";
        case nlohmann::json::value_t::object:
            return "an object";
        default:
            return "null";
    }
}

}  // namespace

OutputSettings::OutputSettings(nlohmann::json settings, std::string prefix)
    : settings_(std::move(settings)), prefix_(std::move(prefix)) {
    if (!settings_.is_object()) {
        first_error_ = fmt::format("{}: expected an object, got {}", prefix_, kind_of(settings_));
    }
}

const nlohmann::json* OutputSettings::find(std::string_view key) {
    read_.emplace(key);
    if (!settings_.is_object()) {
        return nullptr;
    }
    auto it = settings_.find(key);
    return it == settings_.end() || it->is_null() ? nullptr : &*it;
}

std::optional<std::string> OutputSettings::text(std::string_view key) {
    const auto* value = find(key);
    if (value == nullptr) {
        return std::nullopt;
    }
    if (!value->is_string()) {
        reject(key, "expected a string, got " + kind_of(*value));
        return std::nullopt;
    }
    return value->get<std::string>();
}

std::optional<std::int64_t> OutputSettings::number(std::string_view key, std::int64_t min,
                                                   std::int64_t max) {
    const auto* value = find(key);
    if (value == nullptr) {
        return std::nullopt;
    }
    if (!value->is_number_integer()) {
        reject(key, "expected a number, got " + kind_of(*value));
        return std::nullopt;
    }
    auto n = value->is_number_unsigned() && value->get<std::uint64_t>() > INT64_MAX
                 ? max + 1
                 : value->get<std::int64_t>();
    if (n < min || n > max) {
        reject(key,
               fmt::format("expected a number from {} to {}, got {}", min, max, value->dump()));
        return std::nullopt;
    }
    return n;
}

std::optional<bool> OutputSettings::flag(std::string_view key) {
    const auto* value = find(key);
    if (value == nullptr) {
        return std::nullopt;
    }
    if (!value->is_boolean()) {
        reject(key, "expected true or false, got " + kind_of(*value));
        return std::nullopt;
    }
    return value->get<bool>();
}

std::optional<std::map<std::string, std::string>> OutputSettings::text_map(std::string_view key) {
    const auto* value = find(key);
    if (value == nullptr) {
        return std::nullopt;
    }
    if (!value->is_object()) {
        reject(key, "expected an object of strings, got " + kind_of(*value));
        return std::nullopt;
    }
    std::map<std::string, std::string> out;
    for (const auto& [name, item] : value->items()) {
        if (!item.is_string()) {
            reject(fmt::format("{}.{}", key, name), "expected a string, got " + kind_of(item));
            return std::nullopt;
        }
        out.emplace(name, item.get<std::string>());
    }
    return out;
}

void OutputSettings::reject(std::string_view key, std::string_view problem) {
    if (!first_error_) {
        first_error_ = fmt::format("{}.{}: {}", prefix_, key, problem);
    }
}

void OutputSettings::require(std::string_view key) {
    reject(key, "is required");
}

Result<void> OutputSettings::finish() const {
    if (first_error_) {
        return fail(*first_error_, "config");
    }
    for (const auto& [key, value] : settings_.items()) {
        if (!read_.contains(key)) {
            return fail(fmt::format("{}.{}: unknown key", prefix_, key), "config");
        }
    }
    return {};
}

}  // namespace flowwatch::agent
