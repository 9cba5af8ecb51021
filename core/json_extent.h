#pragma once
/// Finds where one JSON value ends without parsing it, so a bad record in an array or a stream can
/// be cut out and skipped while its neighbours are still read.

#include <cstddef>
#include <string_view>

namespace flowwatch {

enum class ExtentStatus {
    complete,    ///< The value ends at `end`.
    incomplete,  ///< The text ended inside the value (a truncated input, or more bytes to come).
    mismatched,  ///< A closing bracket of the wrong kind ends the value at `end`: it is malformed.
};

struct JsonExtent {
    std::size_t end = 0;  ///< One past the value's last byte (or the text's size when incomplete).
    ExtentStatus status = ExtentStatus::complete;
};

/// Scans the value starting at `text[start]` (its first byte, not white space). Strings and
/// nesting are tracked; scalars end at the next `,`, `]`, `}` or white space. Consumes at least
/// one byte.
JsonExtent scan_json_value(std::string_view text, std::size_t start);

/// Index of the first byte at or after `pos` that is not JSON white space (or `text.size()`).
std::size_t skip_json_space(std::string_view text, std::size_t pos);

/// Length of a UTF-8 byte order mark at the start of `text` (0 or 3).
std::size_t bom_length(std::string_view text);

}  // namespace flowwatch
