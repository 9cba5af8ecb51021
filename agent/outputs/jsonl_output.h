#pragma once
/// The `jsonl` output: appends each alert as one JSON line to a file, flushed per alert, and
/// reopens the file on request so logrotate can move it away.

#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include "agent/outputs/alert_output.h"
#include "agent/outputs/output_settings.h"

namespace flowwatch::agent {

struct JsonlSettings {
    std::filesystem::path path;
};

/// Reads `path` (required).
Result<JsonlSettings> read_jsonl_settings(OutputSettings& settings);

class JsonlOutput : public AlertOutput {
  public:
    JsonlOutput(std::string name, JsonlSettings settings);

    Result<void> deliver(const Alert& alert) override;
    /// Closes the file and opens the path again, creating it when it was moved away.
    Result<void> reopen() override;

  private:
    struct FileCloser {
        void operator()(std::FILE* file) const { std::fclose(file); }
    };

    Result<void> open();

    JsonlSettings settings_;
    std::unique_ptr<std::FILE, FileCloser> file_;
    /// Set by a failed write, which may have put part of its line in the file.
    bool maybe_unterminated_ = false;
};

}  // namespace flowwatch::agent
