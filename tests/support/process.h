#pragma once
/// Runs a child process to completion with a deadline and captures its output (for end-to-end
/// tests that drive the real flowwatch binary).

#include <chrono>
#include <string>
#include <vector>

#include "core/error.h"

namespace flowwatch::test {

struct ProcessResult {
    int exit_code = -1;  ///< The exit status, or 128 + signal when killed by one.
    std::string out;
    std::string err;
    long peak_rss_kb = 0;  ///< The child's maximum resident set size.
    bool timed_out = false;
    double seconds = 0;  ///< Wall-clock time from start to exit.
};

/// Starts `argv[0]` (a path; no PATH search) with `argv`, reads its stdout and stderr until it
/// exits, and kills it once `deadline` has passed.
Result<ProcessResult> run_process(const std::vector<std::string>& argv,
                                  std::chrono::milliseconds deadline = std::chrono::minutes{5});

}  // namespace flowwatch::test
