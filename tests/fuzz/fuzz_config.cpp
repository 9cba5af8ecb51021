/// libFuzzer target: the configuration parser must turn any bytes into a Config or an Error.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "agent/config.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    auto config = flowwatch::agent::parse_config(text, "fuzz.json");
    if (!config && config.error().message.empty()) {
        __builtin_trap();  // Every error must say what went wrong.
    }
    return 0;
}
