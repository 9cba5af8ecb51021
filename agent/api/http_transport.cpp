#include "agent/api/http_transport.h"

#include <algorithm>
#include <cctype>

namespace flowwatch::agent::api {

bool header_name_equals(std::string_view a, std::string_view b) {
    return std::ranges::equal(a, b, [](char x, char y) {
        return std::tolower(static_cast<unsigned char>(x)) ==
               std::tolower(static_cast<unsigned char>(y));
    });
}

std::string HttpResponse::header(std::string_view name) const {
    for (const auto& [key, value] : headers) {
        if (header_name_equals(key, name)) {
            return value;
        }
    }
    return {};
}

}  // namespace flowwatch::agent::api
