#pragma once
/// The error type every fallible flowwatch operation returns, and the Result alias around it.

#include <expected>
#include <string>
#include <utility>

namespace flowwatch {

/// What went wrong, said so a user can act on it: the operation and its target come first.
struct Error {
    std::string message;
    /// A stable machine-readable code where one exists (an AADSTS or AF code, an HTTP status).
    std::string code;
};

template <typename T>
using Result = std::expected<T, Error>;

inline std::unexpected<Error> fail(std::string message, std::string code = {}) {
    return std::unexpected<Error>(Error{std::move(message), std::move(code)});
}

}  // namespace flowwatch
