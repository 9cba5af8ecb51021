#pragma once
/// The `status.listen` setting: an IP literal and a port ("127.0.0.1:9464", "[::1]:9464").

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.h"

namespace flowwatch::agent {

struct ListenAddress {
    std::string host;  ///< An IPv4 or IPv6 literal, without brackets.
    std::uint16_t port = 0;
};

/// Parses `status.listen`; empty or "off" give nullopt (the endpoint is turned off).
Result<std::optional<ListenAddress>> parse_listen_address(std::string_view listen);

}  // namespace flowwatch::agent
