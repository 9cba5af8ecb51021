/// libFuzzer target: the record reader must turn any bytes, read as a blob and as one NDJSON
/// line, into records and diagnostics without crashing, and keep its counts consistent.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include <simdjson.h>

#include "core/record_reader.h"

namespace {

constexpr std::size_t kLineOffset = 1000;

/// What one read handed on, checked against the counts the reader returned.
struct Tally {
    std::size_t size = 0;
    std::size_t base_offset = 0;
    std::uint64_t records = 0;
    std::uint64_t diagnostics = 0;

    void on_record(const flowwatch::FlowRecord& record) {
        // Every record handed on has what the detection keys on.
        if (record.id.empty() || record.user.empty()) {
            __builtin_trap();
        }
        ++records;
    }

    void on_error(const flowwatch::ReadDiagnostic& d) {
        // Every diagnostic says what, and points inside the input or just past its end.
        if (d.message.empty() || d.origin != "fuzz" || d.offset < base_offset ||
            d.offset > base_offset + size) {
            __builtin_trap();
        }
        ++diagnostics;
    }

    void check(const flowwatch::ReadCounts& counts) const {
        // Only a rejection of the whole input counts as malformed without being a record.
        if (counts.flow_records != records || counts.bytes != size ||
            counts.flow_records + counts.malformed > counts.records + 1 ||
            diagnostics < counts.malformed) {
            __builtin_trap();
        }
    }
};

flowwatch::ReadCounts read(flowwatch::RecordReader& reader, std::string_view text, Tally& tally,
                           bool as_line) {
    const auto on_record = [&](flowwatch::FlowRecord&& r) { tally.on_record(r); };
    const auto on_error = [&](const flowwatch::ReadDiagnostic& d) { tally.on_error(d); };
    if (as_line) {
        return reader.read_one(text, "fuzz", 7, kLineOffset, on_record, on_error);
    }
    const simdjson::padded_string padded(text);
    return reader.read_json(padded, "fuzz", on_record, on_error);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    // One reader for every input, as the agent uses it: state left by one input must not
    // spoil the next.
    static flowwatch::RecordReader reader;

    Tally blob{.size = size};
    blob.check(read(reader, text, blob, false));

    Tally line{.size = size, .base_offset = kLineOffset};
    line.check(read(reader, text, line, true));
    return 0;
}
