#pragma once
/// Benchmark corpora: a simulated tenant's blobs written as files until a size is reached.

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/scenario.h"

namespace flowwatch::bench {

struct Corpus {
    std::vector<std::string> files;  ///< Relative to the folder the corpus was written under.
    /// The folder that holds the corpus's files and nothing else (their names sort in their
    /// order); empty for a part of a corpus.
    std::string folder;
    std::vector<std::uint64_t> file_bytes;
    std::vector<std::uint64_t> file_records;
    std::vector<std::uint64_t> file_flow_records;
    std::uint64_t bytes = 0;
    std::uint64_t records = 0;
    std::uint64_t flow_records = 0;
};

/// Writes blobs of a scenario under `root / name` until `target_bytes` are written.
Result<Corpus> write_corpus(const std::filesystem::path& root, const std::string& name,
                            ScenarioOptions options, std::uint64_t target_bytes);

/// The first `share` of a corpus's files (by bytes), as a smaller corpus.
Corpus leading_part(const Corpus& corpus, double share);

}  // namespace flowwatch::bench
