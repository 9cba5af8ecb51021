#pragma once
/// The few URL operations the API client needs: splitting out the origin (to pin the bearer token
/// to one host), appending query parameters, and form encoding.

#include <optional>
#include <string>
#include <string_view>

namespace flowwatch::agent::api {

struct UrlParts {
    std::string scheme;  ///< Lower-cased: "http" or "https".
    std::string host;    ///< Lower-cased, without brackets for IPv6.
    int port = 0;        ///< Explicit, or the scheme's default.
    std::string target;  ///< Path and query, at least "/".

    /// "scheme://host:port", the unit the token is pinned to.
    std::string origin() const;
};

/// Splits an absolute http or https URL; nullopt for anything else.
std::optional<UrlParts> parse_url(std::string_view url);

/// True when both URLs parse and have the same scheme, host and port.
bool same_origin(std::string_view a, std::string_view b);

/// True for localhost, 127.0.0.0/8 and ::1.
bool is_loopback_host(std::string_view host);

/// Percent-encodes everything but RFC 3986's unreserved characters.
std::string percent_encode(std::string_view text);

/// Appends `name=value` (value encoded) with `?` or `&` as the URL needs.
std::string append_query(std::string_view url, std::string_view name, std::string_view value);

/// True when the URL's query already has a parameter `name` (case-insensitive).
bool has_query_parameter(std::string_view url, std::string_view name);

}  // namespace flowwatch::agent::api
