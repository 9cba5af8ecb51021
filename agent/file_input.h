#pragma once
/// Reads replay inputs from files: a content blob (a JSON array, or one record object), NDJSON
/// (one record a line), or the CSV the Purview audit search exports (the record JSON in its
/// AuditData column). Power Automate records are handed on in units of bounded size.

#include <cstddef>
#include <filesystem>
#include <functional>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/record.h"
#include "core/record_reader.h"

namespace flowwatch::agent {

enum class InputFormat { json_document, ndjson, purview_csv };

/// Tells the format from the first bytes of a file (a UTF-8 BOM and blanks are skipped). The
/// error says what the file looks like instead.
Result<InputFormat> detect_input_format(std::string_view head);

/// Called with each unit of records, in input order; the sink may move them away.
using RecordUnitSink = std::function<void(std::vector<FlowRecord>&&)>;

/// Reads `path` record by record and hands Power Automate records to `on_unit`, at most
/// `unit_records` at a time. NDJSON and CSV are streamed, so memory does not grow with the file;
/// a JSON document is read whole (content blobs are bounded in size). A bad record or row is
/// reported through `on_diagnostic` and skipped; an unusable file is an error.
Result<ReadCounts> read_input_file(const std::filesystem::path& path, RecordReader& reader,
                                   std::size_t unit_records, const RecordUnitSink& on_unit,
                                   const DiagnosticSink& on_diagnostic);

}  // namespace flowwatch::agent
