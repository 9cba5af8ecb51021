#include "core/json_extent.h"

#include <cstring>
#include <vector>

namespace flowwatch {
namespace {

bool is_json_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/// From just after an opening quote, returns one past the closing quote, or npos.
std::size_t skip_string(std::string_view text, std::size_t pos) {
    while (pos < text.size()) {
        const void* quote = std::memchr(text.data() + pos, '"', text.size() - pos);
        if (quote == nullptr) {
            return std::string_view::npos;
        }
        const auto at = static_cast<std::size_t>(static_cast<const char*>(quote) - text.data());

        // The quote closes the string unless an odd run of backslashes escapes it.
        std::size_t backslashes = 0;
        while (at - backslashes > pos && text[at - backslashes - 1] == '\\') {
            ++backslashes;
        }
        if (backslashes % 2 == 0) {
            return at + 1;
        }
        pos = at + 1;
    }
    return std::string_view::npos;
}

JsonExtent scan_scalar(std::string_view text, std::size_t start) {
    std::size_t pos = start + 1;
    while (pos < text.size()) {
        const char c = text[pos];
        if (c == ',' || c == ']' || c == '}' || is_json_space(c)) {
            return {pos, ExtentStatus::complete};
        }
        ++pos;
    }
    return {text.size(), ExtentStatus::incomplete};
}

}  // namespace

JsonExtent scan_json_value(std::string_view text, std::size_t start) {
    if (start >= text.size()) {
        return {text.size(), ExtentStatus::incomplete};
    }
    if (text[start] == '"') {
        const std::size_t end = skip_string(text, start + 1);
        return end == std::string_view::npos ? JsonExtent{text.size(), ExtentStatus::incomplete}
                                             : JsonExtent{end, ExtentStatus::complete};
    }
    if (text[start] != '{' && text[start] != '[') {
        return scan_scalar(text, start);
    }

    std::vector<char> open;
    std::size_t pos = start;
    while (pos < text.size()) {
        const char c = text[pos++];
        if (c == '"') {
            pos = skip_string(text, pos);
            if (pos == std::string_view::npos) {
                break;
            }
        } else if (c == '{' || c == '[') {
            open.push_back(c == '{' ? '}' : ']');
        } else if (c == '}' || c == ']') {
            if (open.back() != c) {
                return {pos, ExtentStatus::mismatched};
            }
            open.pop_back();
            if (open.empty()) {
                return {pos, ExtentStatus::complete};
            }
        }
    }
    return {text.size(), ExtentStatus::incomplete};
}

std::size_t skip_json_space(std::string_view text, std::size_t pos) {
    while (pos < text.size() && is_json_space(text[pos])) {
        ++pos;
    }
    return pos;
}

std::size_t bom_length(std::string_view text) {
    return text.starts_with("\xEF\xBB\xBF") ? 3 : 0;
}

}  // namespace flowwatch
