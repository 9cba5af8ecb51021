#pragma once
/// The small text codecs the simulated tenant speaks: URL and form decoding, base64url, and the
/// time formats of the Management Activity API and of HTTP.

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "core/time.h"

namespace flowwatch::simtenant {

/// Decodes %XX escapes; `plus_is_space` for form bodies and query strings.
std::string percent_decode(std::string_view text, bool plus_is_space);
/// Escapes everything but unreserved characters (RFC 3986).
std::string percent_encode(std::string_view text);
/// `a=1&b=2` into a map; names and values decoded.
std::map<std::string, std::string> parse_form(std::string_view text);

std::string base64url_encode(std::string_view bytes);
/// Nothing when the text is not base64url (padding tolerated).
std::optional<std::string> base64url_decode(std::string_view text);

/// The forms the API accepts for startTime/endTime: `YYYY-MM-DD`, `YYYY-MM-DDTHH:MM`,
/// `YYYY-MM-DDTHH:MM:SS`, optionally with a fraction and a trailing `Z`.
std::optional<Timestamp> parse_query_time(std::string_view text);
/// `2015-05-23T17:35:00.000Z`, as listings carry contentCreated and contentExpiration.
std::string format_listing_time(Timestamp t);
/// `Thu, 03 Dec 2026 21:26:31 GMT` for the Date header.
std::string format_http_date(Timestamp t);

}  // namespace flowwatch::simtenant
