#include <cctype>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "agent/file_input.h"
#include "tests/support/flow_records.h"
#include "tests/support/scratch_folder.h"

using namespace flowwatch;
using namespace flowwatch::agent;
namespace fs = std::filesystem;

namespace {

const fs::path kData = FLOWWATCH_TEST_DATA_DIR;

/// Everything one read_input_file call handed on.
struct ReadResult {
    Result<ReadCounts> counts = ReadCounts{};
    std::vector<std::vector<FlowRecord>> units;
    std::vector<ReadDiagnostic> diagnostics;

    std::vector<FlowRecord> records() const {
        std::vector<FlowRecord> all;
        for (const auto& unit : units) {
            all.insert(all.end(), unit.begin(), unit.end());
        }
        return all;
    }
};

ReadResult read_file(const fs::path& path, std::size_t unit_records = 1000) {
    RecordReader reader;
    ReadResult out;
    out.counts = read_input_file(
        path, reader, unit_records,
        [&](std::vector<FlowRecord>&& unit) { out.units.push_back(std::move(unit)); },
        [&](const ReadDiagnostic& d) { out.diagnostics.push_back(d); });
    return out;
}

std::string lowercase(std::string text) {
    for (char& c : text) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    return text;
}

std::string csv_quote(const std::string& text) {
    std::string out = "\"";
    for (char c : text) {
        out += c;
        if (c == '"') {
            out += '"';
        }
    }
    return out + "\"";
}

}  // namespace

TEST_CASE("the format is told from the first bytes, after a BOM and blanks") {
    CHECK(detect_input_format("  [ {} ]") == InputFormat::json_document);
    CHECK(detect_input_format("\xEF\xBB\xBF{\n  \"Id\": 1\n}") == InputFormat::json_document);
    CHECK(detect_input_format("{\"Id\": 1}\n{\"Id\": 2}\n") == InputFormat::ndjson);
    CHECK(detect_input_format("\xEF\xBB\xBFRecordId,CreationDate,AuditData\n") ==
          InputFormat::purview_csv);
    CHECK_FALSE(detect_input_format("").has_value());
    CHECK_FALSE(detect_input_format("\xEF\xBB\xBF  \n").has_value());
    auto text = detect_input_format("hello, world\n");
    REQUIRE_FALSE(text.has_value());
    CHECK(text.error().message.find("AuditData") != std::string::npos);
}

TEST_CASE("a content blob keeps only its Power Automate records") {
    auto result = read_file(kData / "blob_mixed_workloads.json");
    REQUIRE(result.counts.has_value());
    CHECK(result.counts->records > result.counts->flow_records);
    CHECK(result.counts->flow_records > 0);
    CHECK(result.records().size() == result.counts->flow_records);
    CHECK(result.diagnostics.empty());
}

TEST_CASE("NDJSON and the Purview CSV export keep their good records and name the bad ones") {
    auto ndjson = read_file(kData / "records.ndjson");
    REQUIRE(ndjson.counts.has_value());
    CHECK(ndjson.counts->flow_records == ndjson.records().size());
    CHECK(ndjson.counts->flow_records > 0);
    CHECK(ndjson.counts->malformed == 3);
    REQUIRE(ndjson.diagnostics.size() == 3);
    CHECK(ndjson.diagnostics[0].index == 2);
    CHECK(ndjson.diagnostics[0].message.find("Id") != std::string::npos);
    CHECK(ndjson.diagnostics[1].index == 3);
    CHECK(ndjson.diagnostics[2].index == 5);
    // Each offset is where its line starts.
    std::ifstream in(kData / "records.ndjson", std::ios::binary);
    const std::string text{std::istreambuf_iterator<char>(in), {}};
    for (const auto& d : ndjson.diagnostics) {
        REQUIRE(d.offset < text.size());
        CHECK((d.offset == 0 || text[d.offset - 1] == '\n'));
    }

    auto csv = read_file(kData / "purview_export.csv");
    REQUIRE(csv.counts.has_value());
    CHECK(csv.counts->records > csv.counts->flow_records);  // The export holds Exchange rows too.
    CHECK(csv.counts->flow_records == csv.records().size());
    REQUIRE(csv.diagnostics.size() == 1);
    CHECK(csv.diagnostics[0].index == 3);
    for (const auto& record : csv.records()) {
        CHECK_FALSE(record.id.empty());
        CHECK(record.user == lowercase(record.user));
    }
    CHECK(csv.records().front().user == "alice@contoso.com");  // Alice@Contoso.com in the file.
}

TEST_CASE("a single pretty-printed record with a BOM is one record") {
    auto result = read_file(kData / "single_record_bom.json");
    REQUIRE(result.counts.has_value());
    CHECK(result.counts->records == 1);
    CHECK(result.records().size() == 1);
}

TEST_CASE("units never exceed the requested size and keep input order") {
    std::string ndjson;
    std::vector<std::string> ids;
    for (int i = 0; i < 7; ++i) {
        auto record = test::flow_record(FlowOperation::create_flow, "maker@contoso.com",
                                        "flow-" + std::to_string(i), "SharePoint", test::day(i));
        ids.push_back(record.id);
        ndjson += test::audit_json(record) + "\n";
    }
    const test::ScratchFolder folder;
    const auto file = folder.write("input", ndjson);
    auto result = read_file(file, 3);
    REQUIRE(result.counts.has_value());
    REQUIRE(result.units.size() == 3);
    CHECK(result.units[0].size() == 3);
    CHECK(result.units[2].size() == 1);
    auto records = result.records();
    REQUIRE(records.size() == ids.size());
    for (std::size_t i = 0; i < ids.size(); ++i) {
        CHECK(records[i].id == ids[i]);
    }
}

TEST_CASE("a bad NDJSON line is skipped with its line and byte offset; the rest is read") {
    auto good = test::flow_record(FlowOperation::create_flow, "maker@contoso.com", "flow-1",
                                  "SharePoint", test::day(1));
    const std::string first = test::audit_json(good) + "\n";
    const std::string bad = "{\"RecordType\": 30, \"Workload\": \"MicrosoftFlow\", oops}\n";
    auto later = test::flow_record(FlowOperation::edit_flow, "maker@contoso.com", "flow-1",
                                   "SharePoint, HTTP", test::day(2));
    const test::ScratchFolder folder;
    const auto file = folder.write("input", first + "\n" + bad + test::audit_json(later) + "\n");

    auto result = read_file(file);
    REQUIRE(result.counts.has_value());
    CHECK(result.records().size() == 2);
    CHECK(result.counts->malformed == 1);
    REQUIRE(result.diagnostics.size() == 1);
    CHECK(result.diagnostics[0].index == 1);
    CHECK(result.diagnostics[0].offset == first.size() + 1);
    CHECK(result.diagnostics[0].to_string().find(file.string()) != std::string::npos);
}

TEST_CASE("CSV fields may hold commas, doubled quotes and line breaks") {
    auto record = test::flow_record(FlowOperation::create_flow, "maker@contoso.com", "flow-1",
                                    "Office 365 Outlook, HTTP", test::day(1));
    std::string json = test::audit_json(record);
    // A pretty-printed AuditData cell spans lines.
    json.insert(1, "\r\n  ");
    const std::string csv = "CreationDate,Operations,AuditData\r\n2025-03-04,\"Create, Flow\"," +
                            csv_quote(json) + "\r\n\r\n";
    const test::ScratchFolder folder;
    const auto file = folder.write("input", csv);

    auto result = read_file(file);
    REQUIRE(result.counts.has_value());
    auto records = result.records();
    REQUIRE(records.size() == 1);
    CHECK(records[0].id == record.id);
    REQUIRE(records[0].connectors.size() == 2);
    CHECK(records[0].connectors[1].display == "HTTP");
}

TEST_CASE("a CSV cut off inside a quoted field reports the row and keeps the rows before it") {
    auto result = read_file(kData / "purview_export_truncated.csv");
    REQUIRE(result.counts.has_value());
    CHECK(result.counts->malformed >= 1);
    REQUIRE_FALSE(result.diagnostics.empty());
    CHECK(result.diagnostics.back().message.find("quoted field") != std::string::npos);
}

TEST_CASE("a CSV row without an AuditData cell is reported, not read") {
    auto record = test::flow_record(FlowOperation::create_flow, "maker@contoso.com", "flow-1",
                                    "SharePoint", test::day(1));
    const test::ScratchFolder folder;
    const auto file = folder.write(
        "input", "RecordId,AuditData\nshort-row\nid," + csv_quote(test::audit_json(record)) + "\n");
    auto result = read_file(file);
    REQUIRE(result.counts.has_value());
    CHECK(result.records().size() == 1);
    REQUIRE(result.diagnostics.size() == 1);
    CHECK(result.diagnostics[0].index == 0);
    CHECK(result.diagnostics[0].message.find("AuditData is column 2") != std::string::npos);
}

TEST_CASE("an unusable file is an error that names the file") {
    auto missing = read_file(kData / "no-such-file.json");
    REQUIRE_FALSE(missing.counts.has_value());
    CHECK(missing.counts.error().message.find("no-such-file.json") != std::string::npos);

    auto text = read_file(kData / "not_audit.txt");
    REQUIRE_FALSE(text.counts.has_value());
    CHECK(text.counts.error().message.find("not_audit.txt") != std::string::npos);

    const test::ScratchFolder folder;
    const auto empty = folder.write("empty", "");
    auto nothing = read_file(empty);
    REQUIRE_FALSE(nothing.counts.has_value());
    CHECK(nothing.counts.error().message.find("empty") != std::string::npos);

    const auto header_only = folder.write("header-only.csv", "RecordId,Operation\n1,CreateFlow\n");
    CHECK_FALSE(read_file(header_only).counts.has_value());
}
