#include "agent/outputs/jsonl_output.h"

#include <cerrno>
#include <cstring>
#include <utility>

#include <fmt/format.h>

namespace flowwatch::agent {

namespace {

/// True when the file is empty or its last byte is a newline. Leaves the position at the end,
/// ready for the next append.
bool ends_with_newline(std::FILE* file) {
    bool ended = true;
    if (std::fseek(file, -1, SEEK_END) == 0) {
        ended = std::fgetc(file) == '\n';
    }
    std::fseek(file, 0, SEEK_END);
    return ended;
}

}  // namespace

Result<JsonlSettings> read_jsonl_settings(OutputSettings& settings) {
    JsonlSettings out;
    if (auto path = settings.text("path")) {
        out.path = *path;
        if (path->empty()) {
            settings.reject("path", "must not be empty");
        }
    } else {
        settings.require("path");
    }
    if (auto done = settings.finish(); !done) {
        return std::unexpected(done.error());
    }
    return out;
}

JsonlOutput::JsonlOutput(std::string name, JsonlSettings settings)
    : AlertOutput(std::move(name)), settings_(std::move(settings)) {}

Result<void> JsonlOutput::open() {
    // Append mode: every write lands at the end even when another writer shares the file; the
    // "+" lets a retry look at the last byte. The file takes the process umask (the systemd unit
    // sets UMask=0077).
    file_.reset(std::fopen(settings_.path.c_str(), "a+b"));
    if (!file_) {
        return fail(fmt::format("opening alert file {} of output {}: {}", settings_.path.string(),
                                name(), std::strerror(errno)));
    }
    return {};
}

Result<void> JsonlOutput::deliver(const Alert& alert) {
    if (!file_) {
        if (auto opened = open(); !opened) {
            return opened;
        }
    }
    std::string line =
        to_json(alert).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    line.push_back('\n');
    // A write that failed part-way may have left the start of a line behind: end that line first,
    // or a reader would find the retried alert glued to it.
    if (maybe_unterminated_ && !ends_with_newline(file_.get())) {
        line.insert(line.begin(), '\n');
    }

    bool written = std::fwrite(line.data(), 1, line.size(), file_.get()) == line.size();
    if (!written || std::fflush(file_.get()) != 0) {
        int error = errno;
        // Start from a fresh handle next time; the alert is retried whole.
        maybe_unterminated_ = true;
        file_.reset();
        return fail(fmt::format("writing alert {} to {} of output {}: {}", alert.id,
                                settings_.path.string(), name(), std::strerror(error)));
    }
    maybe_unterminated_ = false;
    return {};
}

Result<void> JsonlOutput::reopen() {
    file_.reset();
    return open();
}

}  // namespace flowwatch::agent
