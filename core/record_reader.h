#pragma once
/// Reads Microsoft 365 audit records and keeps the Power Automate ones (RecordType 30, Workload
/// MicrosoftFlow). Every other record is skipped without building a DOM. A bad record is reported
/// with where it was and skipped; the rest of the input is still read.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include <simdjson.h>

#include "core/record.h"

namespace flowwatch {

/// Where and what: "audit.json: record 12 (byte 3456): CreationTime is not a date".
struct ReadDiagnostic {
    std::string origin;      ///< File name, content id, or another label of the input.
    std::size_t index = 0;   ///< Record index in the input, from 0.
    std::size_t offset = 0;  ///< Byte offset of the record (or of the fault) in the input.
    std::string message;
    std::string to_string() const;
};

struct ReadCounts {
    std::uint64_t records = 0;       ///< Audit records of any workload.
    std::uint64_t flow_records = 0;  ///< Power Automate records handed on.
    std::uint64_t malformed = 0;     ///< Records or inputs skipped as unusable.
    std::uint64_t bytes = 0;

    ReadCounts& operator+=(const ReadCounts& other);
};

using FlowRecordSink = std::function<void(FlowRecord&&)>;
using DiagnosticSink = std::function<void(const ReadDiagnostic&)>;

/// Holds the simdjson parser (and its buffers) so it is reused across inputs. Not thread-safe:
/// use one reader per thread.
class RecordReader {
  public:
    /// Reads a JSON array of audit records (a content blob as the API returns it) or a single
    /// record object. `json` must have simdjson's padding. A leading UTF-8 BOM is accepted.
    ReadCounts read_json(simdjson::padded_string_view json, std::string_view origin,
                         const FlowRecordSink& on_record, const DiagnosticSink& on_error);

    /// Reads one record given as JSON text (an NDJSON line, a CSV AuditData cell); `index` and
    /// `offset` place it in its input for diagnostics. The text needs no padding.
    ReadCounts read_one(std::string_view json, std::string_view origin, std::size_t index,
                        std::size_t offset, const FlowRecordSink& on_record,
                        const DiagnosticSink& on_error);

  private:
    simdjson::ondemand::parser parser_;
    std::string scratch_;  ///< Padded copy for read_one.
};

/// Derives environment id and flow id from a FlowDetailsUrl by its `environments/{env}` and
/// `flows/{flow}` path segments, whatever the host and prefix. Missing parts come back empty.
struct FlowLocation {
    std::string environment;
    std::string flow_id;
};
FlowLocation parse_flow_details_url(std::string_view url);

/// ClientIP without a port and without IPv6 brackets ("1.2.3.4:5678" -> "1.2.3.4").
std::string normalize_client_ip(std::string_view ip);

}  // namespace flowwatch
