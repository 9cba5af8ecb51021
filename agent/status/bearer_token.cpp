#include "agent/status/bearer_token.h"

#include <cstddef>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

namespace flowwatch::agent {

namespace {

constexpr std::string_view kWhiteSpace = " \t\r\n";

std::string_view trim(std::string_view text) {
    const auto first = text.find_first_not_of(kWhiteSpace);
    if (first == std::string_view::npos) {
        return {};
    }
    const auto last = text.find_last_not_of(kWhiteSpace);
    return text.substr(first, last - first + 1);
}

/// Compares every byte of `expected` whatever the input, so timing tells nothing but the length.
bool constant_time_equal(std::string_view given, std::string_view expected) {
    unsigned difference = given.size() == expected.size() ? 0U : 1U;
    for (std::size_t i = 0; i < expected.size(); ++i) {
        const char other = i < given.size() ? given[i] : '\0';
        difference |= static_cast<unsigned>(static_cast<unsigned char>(other) ^
                                            static_cast<unsigned char>(expected[i]));
    }
    return difference == 0U;
}

}  // namespace

Result<std::string> read_bearer_token(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        return fail(fmt::format("read the status token file {}: cannot open it", file.string()));
    }
    std::ostringstream content_stream;
    content_stream << in.rdbuf();
    const std::string content = content_stream.str();
    if (in.bad()) {
        return fail(fmt::format("read the status token file {}: read error", file.string()));
    }
    const auto token = trim(content);
    if (token.empty()) {
        return fail(fmt::format("read the status token file {}: it is empty", file.string()));
    }
    return std::string(token);
}

bool bearer_matches(std::string_view authorization, std::string_view token) {
    constexpr std::string_view kScheme = "bearer ";
    if (authorization.size() < kScheme.size()) {
        return false;
    }
    // The scheme is case-insensitive (RFC 7235); the token is not.
    for (std::size_t i = 0; i < kScheme.size(); ++i) {
        const char c = authorization[i];
        const char lower = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
        if (lower != kScheme[i]) {
            return false;
        }
    }
    return constant_time_equal(trim(authorization.substr(kScheme.size())), token);
}

}  // namespace flowwatch::agent
