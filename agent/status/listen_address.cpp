#include "agent/status/listen_address.h"

#include <charconv>
#include <system_error>

#include <fmt/format.h>
#include <boost/asio/ip/address.hpp>

namespace flowwatch::agent {

Result<std::optional<ListenAddress>> parse_listen_address(std::string_view listen) {
    if (listen.empty() || listen == "off") {
        return std::optional<ListenAddress>{};
    }

    const auto colon = listen.rfind(':');
    if (colon == std::string_view::npos) {
        return fail(fmt::format("status.listen \"{}\": expected HOST:PORT", listen));
    }
    auto host = listen.substr(0, colon);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
        host = host.substr(1, host.size() - 2);
    }

    boost::system::error_code ec;
    boost::asio::ip::make_address(std::string(host), ec);
    if (ec) {
        return fail(fmt::format("status.listen \"{}\": \"{}\" is not an IP address", listen, host));
    }

    const auto port_text = listen.substr(colon + 1);
    std::uint16_t port = 0;
    const auto* end = port_text.data() + port_text.size();
    auto [ptr, errc] = std::from_chars(port_text.data(), end, port);
    if (port_text.empty() || errc != std::errc{} || ptr != end) {
        return fail(
            fmt::format("status.listen \"{}\": the port is not a number from 0 to 65535", listen));
    }
    return std::optional<ListenAddress>{ListenAddress{std::string(host), port}};
}

}  // namespace flowwatch::agent
