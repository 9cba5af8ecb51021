#pragma once
/// The floor: a simdjson on-demand pass over every record of every blob, touching RecordType.

#include <cstdint>
#include <string>
#include <vector>

#include "core/error.h"

namespace flowwatch::bench {

struct RawParseCounts {
    std::uint64_t bytes = 0;
    std::uint64_t records = 0;
    std::uint64_t flow_records = 0;  ///< RecordType 30.
    double seconds = 0;
};

/// Reads and parses each file (paths relative to the working directory).
Result<RawParseCounts> raw_parse(const std::vector<std::string>& files);

}  // namespace flowwatch::bench
