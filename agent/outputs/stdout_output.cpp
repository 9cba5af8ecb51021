#include "agent/outputs/stdout_output.h"

#include <cerrno>
#include <cstring>
#include <utility>

#include <fmt/format.h>

namespace flowwatch::agent {

Result<void> read_stdout_settings(OutputSettings& settings) {
    return settings.finish();
}

StdoutOutput::StdoutOutput(std::string name, std::FILE* stream)
    : AlertOutput(std::move(name)), stream_(stream) {}

Result<void> StdoutOutput::deliver(const Alert& alert) {
    std::string line =
        to_json(alert).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    line.push_back('\n');
    if (std::fwrite(line.data(), 1, line.size(), stream_) != line.size() ||
        std::fflush(stream_) != 0) {
        return fail(fmt::format("writing alert {} to standard output ({}): {}", alert.id, name(),
                                std::strerror(errno)));
    }
    return {};
}

}  // namespace flowwatch::agent
