#include "agent/file_input.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <istream>
#include <memory>
#include <string>
#include <utility>

#include <fmt/format.h>
#include <simdjson.h>

namespace flowwatch::agent {
namespace {

constexpr std::string_view kBom = "\xEF\xBB\xBF";
/// Bytes read to tell the format: enough for a Purview header or a first NDJSON record.
constexpr std::size_t kHeadBytes = 64 * 1024;

std::string_view without_bom(std::string_view text) {
    return text.starts_with(kBom) ? text.substr(kBom.size()) : text;
}

bool is_blank(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

std::string_view trim(std::string_view text) {
    while (!text.empty() && is_blank(text.front())) {
        text.remove_prefix(1);
    }
    while (!text.empty() && is_blank(text.back())) {
        text.remove_suffix(1);
    }
    return text;
}

bool iequals(std::string_view a, std::string_view b) {
    return std::ranges::equal(a, b, [](char x, char y) {
        return std::tolower(static_cast<unsigned char>(x)) ==
               std::tolower(static_cast<unsigned char>(y));
    });
}

/// Collects records into units and hands each full unit on.
class UnitBuffer {
  public:
    UnitBuffer(std::size_t unit_records, const RecordUnitSink& on_unit)
        : limit_(std::max<std::size_t>(unit_records, 1)), on_unit_(on_unit) {}

    void add(FlowRecord&& record) {
        records_.push_back(std::move(record));
        if (records_.size() >= limit_) {
            flush();
        }
    }

    void flush() {
        if (!records_.empty()) {
            on_unit_(std::move(records_));
            records_.clear();
        }
    }

    FlowRecordSink sink() {
        return [this](FlowRecord&& record) { add(std::move(record)); };
    }

  private:
    std::size_t limit_;
    const RecordUnitSink& on_unit_;
    std::vector<FlowRecord> records_;
};

std::string open_error(const std::filesystem::path& path) {
    return fmt::format("cannot read {}: {}", path.string(), std::strerror(errno));
}

struct FileCloser {
    void operator()(std::FILE* file) const { std::fclose(file); }
};
using File = std::unique_ptr<std::FILE, FileCloser>;

File open_file(const std::filesystem::path& path) {
#ifdef _WIN32
    return File(_wfopen(path.c_str(), L"rb"));
#else
    return File(std::fopen(path.c_str(), "rb"));
#endif
}

/// Reads a whole JSON document whose first `head` bytes are already read from `file`, so the
/// file is opened and read once. A head shorter than kHeadBytes is the whole file.
Result<ReadCounts> read_json_document(std::FILE* file, std::string_view head,
                                      const std::filesystem::path& path, RecordReader& reader,
                                      UnitBuffer& units, const DiagnosticSink& on_diagnostic) {
    std::size_t size = head.size();
    if (head.size() == kHeadBytes) {
        std::error_code error;
        const std::uintmax_t expected = std::filesystem::file_size(path, error);
        if (error) {
            return fail(fmt::format("cannot read {}: {}", path.string(), error.message()));
        }
        size = std::max<std::size_t>(expected, head.size());
    }
    simdjson::padded_string json(size);
    if (json.data() == nullptr) {
        return fail(
            fmt::format("cannot read {}: {} bytes do not fit in memory", path.string(), size));
    }
    std::memcpy(json.data(), head.data(), head.size());
    std::size_t read = head.size();
    if (read < size) {
        read += std::fread(json.data() + read, 1, size - read, file);
    }
    if (std::ferror(file) != 0) {
        return fail(open_error(path));
    }
    // A file that shrank while being read ends where the reading ended; one that grew is read as
    // it was when its size was taken.
    std::memset(json.data() + read, 0, size - read);
    auto counts = reader.read_json(
        simdjson::padded_string_view(json.data(), read, json.size() + simdjson::SIMDJSON_PADDING),
        path.string(), units.sink(), on_diagnostic);
    units.flush();
    return counts;
}

Result<ReadCounts> read_ndjson(std::istream& in, const std::string& origin, RecordReader& reader,
                               UnitBuffer& units, const DiagnosticSink& on_diagnostic) {
    ReadCounts counts;
    std::string line;
    std::size_t offset = 0;
    std::size_t index = 0;
    const auto sink = units.sink();
    while (std::getline(in, line)) {
        const std::size_t line_bytes = line.size() + 1;
        std::string_view text = line;
        if (offset == 0) {
            text = without_bom(text);
        }
        if (!trim(text).empty()) {
            counts += reader.read_one(text, origin, index++, offset, sink, on_diagnostic);
        }
        offset += line_bytes;
    }
    if (in.bad()) {
        return fail(fmt::format("{}: reading stopped at byte {}", origin, offset));
    }
    units.flush();
    return counts;
}

/// One row of an RFC 4180 file at a time: quoted fields may hold commas, doubled quotes and line
/// breaks. Streams from the file, so a row is the most it holds.
class CsvRows {
  public:
    explicit CsvRows(std::istream& in) : in_(*in.rdbuf()) {}

    /// Reads the next row into `fields`; false at the end of the file. A row cut off inside a
    /// quoted field sets `error` and still returns true.
    bool next(std::vector<std::string>& fields, std::string& error) {
        fields.clear();
        error.clear();
        row_offset_ = offset_;
        int c = get();
        if (c == EOF) {
            return false;
        }
        fields.emplace_back();
        bool quoted = false;
        for (;; c = get()) {
            if (c == EOF) {
                if (quoted) {
                    error = "the file ends inside a quoted field";
                }
                return true;
            }
            const char ch = static_cast<char>(c);
            if (quoted) {
                if (ch != '"') {
                    fields.back().push_back(ch);
                } else if (in_.sgetc() == '"') {
                    fields.back().push_back(static_cast<char>(get()));
                } else {
                    quoted = false;
                }
            } else if (ch == '"') {
                quoted = true;
            } else if (ch == ',') {
                fields.emplace_back();
            } else if (ch == '\n') {
                return true;
            } else if (ch != '\r') {
                fields.back().push_back(ch);
            }
        }
    }

    std::size_t row_offset() const { return row_offset_; }

  private:
    int get() {
        const int c = in_.sbumpc();
        if (c != EOF) {
            ++offset_;
        }
        return c;
    }

    std::streambuf& in_;
    std::size_t offset_ = 0;
    std::size_t row_offset_ = 0;
};

Result<std::size_t> audit_data_column(const std::vector<std::string>& header,
                                      const std::string& origin) {
    for (std::size_t i = 0; i < header.size(); ++i) {
        if (iequals(trim(i == 0 ? without_bom(header[i]) : header[i]), "AuditData")) {
            return i;
        }
    }
    return fail(fmt::format("{}: the CSV header has no AuditData column", origin));
}

Result<ReadCounts> read_purview_csv(std::istream& in, const std::string& origin,
                                    RecordReader& reader, UnitBuffer& units,
                                    const DiagnosticSink& on_diagnostic) {
    CsvRows rows(in);
    std::vector<std::string> fields;
    std::string error;
    if (!rows.next(fields, error)) {
        return fail(fmt::format("{}: the file is empty", origin));
    }
    auto column = audit_data_column(fields, origin);
    if (!column) {
        return std::unexpected(column.error());
    }

    ReadCounts counts;
    const auto sink = units.sink();
    for (std::size_t index = 0; rows.next(fields, error); ++index) {
        if (fields.size() == 1 && trim(fields[0]).empty() && error.empty()) {
            continue;  // A blank line, often the last one.
        }
        if (error.empty() && fields.size() <= *column) {
            error = fmt::format("the row has {} columns, AuditData is column {}", fields.size(),
                                *column + 1);
        }
        if (!error.empty()) {
            ++counts.records;
            ++counts.malformed;
            on_diagnostic(ReadDiagnostic{origin, index, rows.row_offset(), error});
            continue;
        }
        counts +=
            reader.read_one(fields[*column], origin, index, rows.row_offset(), sink, on_diagnostic);
    }
    units.flush();
    return counts;
}

}  // namespace

Result<InputFormat> detect_input_format(std::string_view head) {
    const std::string_view text = trim(without_bom(head));
    if (text.empty()) {
        return fail("the file is empty");
    }
    if (text.front() == '[') {
        return InputFormat::json_document;
    }
    if (text.front() == '{') {
        // One complete object on the first line is NDJSON; an object spread over lines is one
        // pretty-printed record.
        const std::string_view first_line = trim(text.substr(0, text.find('\n')));
        return first_line.size() > 1 && first_line.back() == '}' ? InputFormat::ndjson
                                                                 : InputFormat::json_document;
    }
    const std::string_view first_line = text.substr(0, text.find('\n'));
    if (first_line.find("AuditData") != std::string_view::npos ||
        first_line.find("auditdata") != std::string_view::npos) {
        return InputFormat::purview_csv;
    }
    return fail(
        "not an audit export: expected a JSON array or object, NDJSON, or a Purview CSV with an "
        "AuditData column");
}

Result<ReadCounts> read_input_file(const std::filesystem::path& path, RecordReader& reader,
                                   std::size_t unit_records, const RecordUnitSink& on_unit,
                                   const DiagnosticSink& on_diagnostic) {
    const std::string origin = path.string();
    const File file = open_file(path);
    if (!file) {
        return fail(open_error(path));
    }
    // Reads go straight into our buffers; stdio's own buffer would be one more copy.
    std::setvbuf(file.get(), nullptr, _IONBF, 0);
    std::string head;
    head.resize_and_overwrite(kHeadBytes, [&file](char* data, std::size_t size) {
        return std::fread(data, 1, size, file.get());
    });
    if (std::ferror(file.get()) != 0) {
        return fail(open_error(path));
    }
    auto format = detect_input_format(head);
    if (!format) {
        return fail(fmt::format("{}: {}", origin, format.error().message));
    }

    UnitBuffer units(unit_records, on_unit);
    if (*format == InputFormat::json_document) {
        return read_json_document(file.get(), head, path, reader, units, on_diagnostic);
    }
    // The line formats can be far larger than memory: they are streamed.
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        return fail(open_error(path));
    }
    return *format == InputFormat::ndjson
               ? read_ndjson(in, origin, reader, units, on_diagnostic)
               : read_purview_csv(in, origin, reader, units, on_diagnostic);
}

}  // namespace flowwatch::agent
