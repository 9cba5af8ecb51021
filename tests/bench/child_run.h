#pragma once
/// Runs the flowwatch binary as a child and measures it: wall time and peak resident memory.

#include <string>
#include <vector>

#include "core/error.h"

namespace flowwatch::bench {

struct ChildRun {
    int exit_code = -1;
    double seconds = 0;
    long peak_rss_kb = 0;
    std::string err;  ///< Its stderr (the replay's summary line).
};

/// Forks the helper that starts every child from here on. Call it first, while the bench is
/// small: Linux carries a process's peak memory across fork and exec, so a child started by a
/// bench that holds a corpus in memory would report the bench's peak as its own.
void start_spawner();

/// Starts `argv[0]` with stdout discarded and stderr captured to `err_file`, waits for it.
Result<ChildRun> run_child(const std::vector<std::string>& argv, const std::string& err_file);

}  // namespace flowwatch::bench
