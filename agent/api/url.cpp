#include "agent/api/url.h"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "agent/api/http_transport.h"

namespace flowwatch::agent::api {
namespace {

std::string lower(std::string_view text) {
    std::string out(text);
    std::ranges::transform(out, out.begin(),
                           [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

}  // namespace

std::string UrlParts::origin() const {
    const bool ipv6 = host.find(':') != std::string::npos;
    return scheme + "://" + (ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

std::optional<UrlParts> parse_url(std::string_view url) {
    const auto scheme_end = url.find("://");
    if (scheme_end == std::string_view::npos) {
        return std::nullopt;
    }
    UrlParts parts;
    parts.scheme = lower(url.substr(0, scheme_end));
    if (parts.scheme != "http" && parts.scheme != "https") {
        return std::nullopt;
    }
    std::string_view rest = url.substr(scheme_end + 3);
    const auto authority_end = rest.find_first_of("/?#");
    std::string_view authority = rest.substr(0, authority_end);
    parts.target =
        authority_end == std::string_view::npos ? "/" : std::string(rest.substr(authority_end));
    if (parts.target.front() != '/') {
        parts.target.insert(0, "/");
    }
    if (authority.find('@') != std::string_view::npos || authority.empty()) {
        return std::nullopt;  // User info in a URL is never legitimate here.
    }

    std::string_view port_text;
    if (authority.front() == '[') {
        const auto close = authority.find(']');
        if (close == std::string_view::npos) {
            return std::nullopt;
        }
        parts.host = lower(authority.substr(1, close - 1));
        if (close + 1 < authority.size()) {
            if (authority[close + 1] != ':') {
                return std::nullopt;
            }
            port_text = authority.substr(close + 2);
        }
    } else {
        const auto colon = authority.rfind(':');
        parts.host = lower(authority.substr(0, colon));
        if (colon != std::string_view::npos) {
            port_text = authority.substr(colon + 1);
        }
    }
    parts.port = parts.scheme == "https" ? 443 : 80;
    if (!port_text.empty()) {
        auto [ptr, ec] =
            std::from_chars(port_text.data(), port_text.data() + port_text.size(), parts.port);
        if (ec != std::errc{} || ptr != port_text.data() + port_text.size() || parts.port <= 0 ||
            parts.port > 65535) {
            return std::nullopt;
        }
    }
    if (parts.host.empty()) {
        return std::nullopt;
    }
    return parts;
}

bool same_origin(std::string_view a, std::string_view b) {
    const auto pa = parse_url(a);
    const auto pb = parse_url(b);
    return pa && pb && pa->origin() == pb->origin();
}

bool is_loopback_host(std::string_view host) {
    const std::string h = lower(host);
    return h == "localhost" || h == "::1" || h.starts_with("127.");
}

std::string percent_encode(std::string_view text) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(text.size());
    for (const char ch : text) {
        const auto c = static_cast<unsigned char>(ch);
        if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
            out.push_back(ch);
        } else {
            out.push_back('%');
            out.push_back(kHex[c >> 4]);
            out.push_back(kHex[c & 0x0F]);
        }
    }
    return out;
}

std::string append_query(std::string_view url, std::string_view name, std::string_view value) {
    std::string out(url);
    out += url.find('?') == std::string_view::npos ? '?' : '&';
    out += name;
    out += '=';
    out += percent_encode(value);
    return out;
}

bool has_query_parameter(std::string_view url, std::string_view name) {
    const auto question = url.find('?');
    if (question == std::string_view::npos) {
        return false;
    }
    std::string_view query = url.substr(question + 1);
    while (!query.empty()) {
        const auto amp = query.find('&');
        std::string_view pair = query.substr(0, amp);
        if (header_name_equals(pair.substr(0, pair.find('=')), name)) {
            return true;
        }
        if (amp == std::string_view::npos) {
            break;
        }
        query.remove_prefix(amp + 1);
    }
    return false;
}

}  // namespace flowwatch::agent::api
