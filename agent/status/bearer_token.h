#pragma once
/// The status endpoint's optional bearer token: read once from `status.token_file`, compared in
/// constant time, and never written to a log, an error or a reply.

#include <filesystem>
#include <string>
#include <string_view>

#include "core/error.h"

namespace flowwatch::agent {

/// Reads the token; surrounding white space is dropped. An empty file is an error.
Result<std::string> read_bearer_token(const std::filesystem::path& file);

/// True when `authorization` is "Bearer <token>". Takes the same time for every wrong token of a
/// given length, wherever it differs.
bool bearer_matches(std::string_view authorization, std::string_view token);

}  // namespace flowwatch::agent
