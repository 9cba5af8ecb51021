#include "core/record_reader.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

namespace flowwatch {
namespace {

using nlohmann::json;

constexpr std::string_view kEnv = "Default-2d4c6e8f-1a3b-4c5d-8e9f-0a1b2c3d4e5f";
constexpr std::string_view kFlow = "0c7a6e2f-1b3d-4a5c-8e9f-0a1b2c3d4e5f";

/// A CreateFlow record with the documented fields; tests change what they are about.
json flow_json(std::string_view id = "6f1c2b1e-4a7d-4a1e-9a2b-1d2c3e4f5a6b") {
    return {
        {"CreationTime", "2025-03-11T09:14:52"},
        {"Id", id},
        {"Operation", "CreateFlow"},
        {"OrganizationId", "2D4C6E8F-1A3B-4C5D-8E9F-0A1B2C3D4E5F"},
        {"RecordType", 30},
        {"ResultStatus", "Succeeded"},
        {"UserKey", "100320009A1B2C3D"},
        {"UserType", 0},
        {"Version", 1},
        {"Workload", "MicrosoftFlow"},
        {"ClientIP", "203.0.113.24"},
        {"UserId", "alice@contoso.com"},
        {"ObjectId", kFlow},
        {"FlowConnectorNames", "Office 365 Outlook, SharePoint, HTTP"},
        {"FlowDetailsUrl", "https://make.powerautomate.com/environments/" + std::string(kEnv) +
                               "/flows/" + std::string(kFlow) + "/details"},
        {"UserUPN", "alice@contoso.com"},
    };
}

/// What one read produced.
struct Outcome {
    ReadCounts counts;
    std::vector<FlowRecord> records;
    std::vector<ReadDiagnostic> diagnostics;

    /// The only diagnostic; fails the test when there is not exactly one.
    const ReadDiagnostic& diagnostic() const {
        REQUIRE(diagnostics.size() == 1);
        return diagnostics.front();
    }
};

Outcome read_text(std::string_view text, std::string_view origin = "blob.json") {
    const simdjson::padded_string padded(text);
    RecordReader reader;
    Outcome out;
    out.counts = reader.read_json(
        padded, origin, [&](FlowRecord&& r) { out.records.push_back(std::move(r)); },
        [&](const ReadDiagnostic& d) { out.diagnostics.push_back(d); });
    return out;
}

Outcome read_line(std::string_view text, std::size_t index = 0, std::size_t offset = 0) {
    RecordReader reader;
    Outcome out;
    out.counts = reader.read_one(
        text, "records.ndjson", index, offset,
        [&](FlowRecord&& r) { out.records.push_back(std::move(r)); },
        [&](const ReadDiagnostic& d) { out.diagnostics.push_back(d); });
    return out;
}

/// Reads one record object and returns the record it gave, failing the test if there is none.
FlowRecord read_record(const json& record) {
    const Outcome out = read_text(record.dump());
    INFO(record.dump());
    for (const auto& d : out.diagnostics) {
        INFO(d.to_string());
    }
    REQUIRE(out.records.size() == 1);
    CHECK(out.diagnostics.empty());
    return out.records.front();
}

FlowRecord with_field(std::string_view key, const json& value) {
    json record = flow_json();
    record[std::string(key)] = value;
    return read_record(record);
}

/// The message of the diagnostic a record with `key` set to `value` gives; the record is lost.
std::string rejection(std::string_view key, const json& value) {
    json record = flow_json();
    if (value.is_discarded()) {
        record.erase(std::string(key));
    } else {
        record[std::string(key)] = value;
    }
    const Outcome out = read_text(record.dump());
    CHECK(out.records.empty());
    CHECK(out.counts.malformed == 1);
    return out.diagnostic().message;
}

std::string load(const std::filesystem::path& path) {
    auto text = simdjson::padded_string::load(path.string());
    REQUIRE_MESSAGE(text.error() == simdjson::SUCCESS, path.string());
    return std::string(text.value_unsafe());
}

Timestamp utc(int hour, int minute, int second, int millis = 0) {
    using namespace std::chrono;
    return Timestamp{sys_days{year{2025} / March / 11}} + hours{hour} + minutes{minute} +
           seconds{second} + milliseconds{millis};
}

bool contains(std::string_view text, std::string_view part) {
    return text.find(part) != std::string_view::npos;
}

}  // namespace

// --- Which records are Power Automate records -------------------------------------------------

TEST_CASE("a Power Automate record is read with its documented fields") {
    const FlowRecord r = read_record(flow_json());

    CHECK(r.id == "6f1c2b1e-4a7d-4a1e-9a2b-1d2c3e4f5a6b");
    CHECK(r.tenant == "2d4c6e8f-1a3b-4c5d-8e9f-0a1b2c3d4e5f");
    CHECK(r.operation == FlowOperation::create_flow);
    CHECK(r.operation_name == "CreateFlow");
    CHECK(r.time == utc(9, 14, 52));
    CHECK(r.user == "alice@contoso.com");
    CHECK(r.client_ip == "203.0.113.24");
    CHECK(r.environment == kEnv);
    CHECK(r.flow_id == kFlow);
    REQUIRE(r.connectors.size() == 3);
    CHECK(r.connectors[2].display == "HTTP");
    CHECK(r.result_status == "Succeeded");
    CHECK(r.user_type == 0);
}

TEST_CASE("RecordType 30 is read whether it is a number or a string") {
    CHECK(with_field("RecordType", 30).operation == FlowOperation::create_flow);
    CHECK(with_field("RecordType", "30").operation == FlowOperation::create_flow);
    CHECK(with_field("RecordType", "MicrosoftFlow").operation == FlowOperation::create_flow);
}

TEST_CASE("another RecordType is skipped whether it is a number or a string") {
    for (const json& type : {json(15), json("15"), json(45), json("PowerAppsApp")}) {
        json record = flow_json();
        record["RecordType"] = type;
        const Outcome out = read_text(record.dump());
        INFO(type.dump());
        CHECK(out.records.empty());
        CHECK(out.diagnostics.empty());
        CHECK(out.counts.records == 1);
        CHECK(out.counts.malformed == 0);
    }
}

TEST_CASE("without a RecordType the Workload decides") {
    json flow = flow_json();
    flow.erase("RecordType");
    CHECK(read_text(flow.dump()).records.size() == 1);

    json exchange = flow_json();
    exchange.erase("RecordType");
    exchange["Workload"] = "Exchange";
    const Outcome out = read_text(exchange.dump());
    CHECK(out.records.empty());
    CHECK(out.diagnostics.empty());
}

TEST_CASE("a record with neither RecordType nor Workload is reported as not an audit record") {
    json record = flow_json();
    record.erase("RecordType");
    record.erase("Workload");
    const Outcome out = read_text(record.dump());
    CHECK(out.records.empty());
    CHECK(contains(out.diagnostic().message, "no RecordType or Workload"));
}

TEST_CASE("the real records of other workloads are all skipped, none reported") {
    const std::filesystem::path samples = FLOWWATCH_SAMPLES_DIR;
    struct Sample {
        const char* file;
        std::uint64_t records;
    };
    // Record counts as SOURCES.md lists them for each file.
    const Sample files[] = {
        {"pnp-Microsoft365-Analytics-Insights/Example Data/Azure AD 2.json", 5},
        {"pnp-Microsoft365-Analytics-Insights/Example Data/Azure AD Login.json", 1},
        {"pnp-Microsoft365-Analytics-Insights/Example Data/Exchange.json", 1},
        {"pnp-Microsoft365-Analytics-Insights/Example Data/Exchange2.json", 2},
        {"pnp-Microsoft365-Analytics-Insights/Example Data/Project.json", 1},
        {"pnp-Microsoft365-Analytics-Insights/Example Data/SharePoint Permission Change.json", 1},
        {"pnp-Microsoft365-Analytics-Insights/Example Data/SharePoint Search Event.json", 2},
        {"pnp-Microsoft365-Analytics-Insights/Example Data/SharePoint Various Responses.json", 3},
        {"pnp-Microsoft365-Analytics-Insights/Example Data/Azure AD Login.json", 1},
        {"pnp-Microsoft365-Analytics-Insights/Resources/Activity/AddIn Added to Channel.json", 1},
        {"pnp-Microsoft365-Analytics-Insights/Resources/Activity/TeamsMemberAdded.json", 1},
        {"pnp-Microsoft365-Analytics-Insights/Resources/Activity/TeamsSessionStarted.json", 1},
        {"aliyoussefi-MonitoringPowerPlatform/ContentBlog.json", 10},
        {"MicrosoftDocs-office-365-management-api/"
         "office-365-management-activity-api-reference.retrieve-content-sample-response.json",
         3},
    };
    for (const auto& sample : files) {
        INFO(sample.file);
        const Outcome out = read_text(load(samples / sample.file), sample.file);
        CHECK(out.counts.records == sample.records);
        CHECK(out.counts.flow_records == 0);
        CHECK(out.counts.malformed == 0);
        CHECK(out.diagnostics.empty());
    }
}

TEST_CASE("Power Automate records among a real blob's records are picked out in order") {
    // Splice two flow records into the API's own content blob sample, first and last.
    const std::filesystem::path samples = FLOWWATCH_SAMPLES_DIR;
    std::string blob = load(samples / "aliyoussefi-MonitoringPowerPlatform/ContentBlog.json");
    blob.insert(blob.find('[') + 1, flow_json("first").dump() + ",");
    blob.insert(blob.rfind(']'), "," + flow_json("last").dump());

    const Outcome out = read_text(blob);

    CHECK(out.counts.records == 12);
    CHECK(out.counts.flow_records == 2);
    CHECK(out.diagnostics.empty());
    REQUIRE(out.records.size() == 2);
    CHECK(out.records[0].id == "first");
    CHECK(out.records[1].id == "last");
}

TEST_CASE("a real file that starts with a UTF-8 byte order mark is read") {
    const std::filesystem::path samples = FLOWWATCH_SAMPLES_DIR;
    const std::string text =
        load(samples / "pnp-Microsoft365-Analytics-Insights/Example Data/Azure AD Login.json");
    REQUIRE(text.starts_with("\xEF\xBB\xBF"));
    const Outcome out = read_text(text);
    CHECK(out.counts.records == 1);
    CHECK(out.diagnostics.empty());
}

TEST_CASE("a byte order mark before a flow blob, a single record or an NDJSON line is skipped") {
    const std::string bom = "\xEF\xBB\xBF";
    CHECK(read_text(bom + "[" + flow_json().dump() + "]").records.size() == 1);
    CHECK(read_text(bom + flow_json().dump()).records.size() == 1);
    CHECK(read_line(bom + flow_json().dump()).records.size() == 1);
    CHECK(read_text(bom + "[" + flow_json().dump() + "]").diagnostics.empty());
}

// --- Operations -------------------------------------------------------------------------------

TEST_CASE("every documented operation is recognised") {
    const std::pair<const char*, FlowOperation> operations[] = {
        {"CreateFlow", FlowOperation::create_flow},
        {"EditFlow", FlowOperation::edit_flow},
        {"DeleteFlow", FlowOperation::delete_flow},
        {"PutPermissions", FlowOperation::put_permissions},
        {"DeletePermissions", FlowOperation::delete_permissions},
        {"StartAPaidTrial", FlowOperation::start_paid_trial},
        {"RenewTrial", FlowOperation::renew_trial},
    };
    for (const auto& [name, op] : operations) {
        INFO(name);
        const FlowRecord r = with_field("Operation", name);
        CHECK(r.operation == op);
        CHECK(r.operation_name == name);
    }
}

TEST_CASE("an unknown operation is kept as other, with its name") {
    const FlowRecord r = with_field("Operation", "EnableFlow");
    CHECK(r.operation == FlowOperation::other);
    CHECK(r.operation_name == "EnableFlow");
}

TEST_CASE("operation names are matched without regard to case, the spelling kept") {
    const FlowRecord r = with_field("Operation", "editflow");
    CHECK(r.operation == FlowOperation::edit_flow);
    CHECK(r.operation_name == "editflow");
}

// --- FlowDetailsUrl ---------------------------------------------------------------------------

TEST_CASE("environment and flow come from FlowDetailsUrl path segments whatever the host") {
    const std::string env = "0fe6a0c4-6a9e-4b5f-9d3e-2c1b0a9f8e7d";
    const std::string flow = "5ad3e1f0-7c2b-4e9a-8d6f-1b2c3d4e5f60";
    const std::string urls[] = {
        "https://make.powerautomate.com/environments/" + env + "/flows/" + flow + "/details",
        "https://emea.flow.microsoft.com/manage/environments/" + env + "/flows/" + flow +
            "/details",
        "https://admin.powerplatform.microsoft.com/environments/" + env + "/flows/" + flow +
            "/flowDetails",
        "https://make.powerautomate.com/environments/" + env + "/flows/" + flow +
            "/details?v3=true",
        "https://flow.microsoft.com/#/environments/" + env + "/flows/" + flow + "/details",
    };
    for (const auto& url : urls) {
        INFO(url);
        const FlowRecord r = with_field("FlowDetailsUrl", url);
        CHECK(r.environment == env);
        CHECK(r.flow_id == flow);
    }
}

TEST_CASE("flow ids are lower-cased and the default environment keeps its capital D") {
    const FlowRecord r = with_field(
        "FlowDetailsUrl",
        "https://make.powerautomate.com/environments/DEFAULT-2D4C6E8F-1A3B-4C5D-8E9F-0A1B2C3D4E5F/"
        "flows/0C7A6E2F-1B3D-4A5C-8E9F-0A1B2C3D4E5F/details");
    CHECK(r.environment == kEnv);
    CHECK(r.flow_id == kFlow);
}

TEST_CASE("a DeleteFlow record with an empty FlowDetailsUrl is read without a location") {
    json record = flow_json();
    record["Operation"] = "DeleteFlow";
    record["FlowDetailsUrl"] = "";
    record["FlowConnectorNames"] = "";
    const FlowRecord r = read_record(record);
    CHECK(r.operation == FlowOperation::delete_flow);
    CHECK(r.environment.empty());
    CHECK(r.flow_id.empty());
    CHECK(r.connectors.empty());
}

TEST_CASE("without an environment in the URL, AdditionalInfo's EnvironmentName stands in") {
    json record = flow_json();
    record["FlowDetailsUrl"] = "";
    record["AdditionalInfo"] = {
        {"EnvironmentName", "default-2d4c6e8f-1a3b-4c5d-8e9f-0a1b2c3d4e5f"}};
    CHECK(read_record(record).environment == kEnv);
}

TEST_CASE("AdditionalInfo given as a string of JSON text also gives the environment") {
    json record = flow_json();
    record["FlowDetailsUrl"] = "";
    record["AdditionalInfo"] = json{{"EnvironmentName", std::string(kEnv)}}.dump();
    CHECK(read_record(record).environment == kEnv);

    record["AdditionalInfo"] = "{not json";
    CHECK(read_record(record).environment.empty());
    record["AdditionalInfo"] = 42;
    CHECK(read_record(record).environment.empty());
}

TEST_CASE("parse_flow_details_url leaves out what the URL does not have") {
    CHECK(parse_flow_details_url("").environment.empty());
    const FlowLocation env_only =
        parse_flow_details_url("https://make.powerautomate.com/environments/abc/flows");
    CHECK(env_only.environment == "abc");
    CHECK(env_only.flow_id.empty());
    const FlowLocation no_path = parse_flow_details_url("https://make.powerautomate.com");
    CHECK(no_path.environment.empty());
    CHECK(no_path.flow_id.empty());
}

// --- Connectors, permissions, time, addresses, users ------------------------------------------

TEST_CASE("FlowConnectorNames is split, trimmed and compared without case, display kept") {
    const FlowRecord r = with_field("FlowConnectorNames",
                                    " Office 365 Outlook ,SharePoint,, HTTP , http,sharepoint ");
    REQUIRE(r.connectors.size() == 3);
    CHECK(r.connectors[0].display == "Office 365 Outlook");
    CHECK(r.connectors[1].display == "SharePoint");
    CHECK(r.connectors[2].display == "HTTP");
    CHECK(r.connectors[0].key == connector_key("office 365 OUTLOOK"));
    CHECK(r.connectors[2].key == "http");
}

TEST_CASE("SharingPermission is read as a number or as a string") {
    CHECK(with_field("SharingPermission", 3).sharing_permission == kPermissionOwner);
    CHECK(with_field("SharingPermission", "3").sharing_permission == kPermissionOwner);
    CHECK(with_field("SharingPermission", 2).sharing_permission == kPermissionRunOnly);
    CHECK(with_field("SharingPermission", "2").sharing_permission == kPermissionRunOnly);
    CHECK(with_field("SharingPermission", "Owner").sharing_permission == kPermissionOwner);
    CHECK_FALSE(read_record(flow_json()).sharing_permission.has_value());
}

TEST_CASE("UserTypeInitiated is read under both spellings") {
    CHECK(with_field("UserTypeInitiated", 2).initiated_by_admin());
    CHECK(with_field("UserTypeInititated", 2).initiated_by_admin());
    CHECK(with_field("UserTypeInititated", "2").initiated_by_admin());
    CHECK(with_field("UserTypeInitiated", 1).user_type_initiated == kInitiatedByUser);
    CHECK_FALSE(with_field("UserTypeInititated", 1).initiated_by_admin());
}

TEST_CASE("CreationTime is read with or without a fraction and a Z") {
    CHECK(with_field("CreationTime", "2025-03-11T09:14:52").time == utc(9, 14, 52));
    CHECK(with_field("CreationTime", "2025-03-11T09:14:52Z").time == utc(9, 14, 52));
    CHECK(with_field("CreationTime", "2025-03-11T09:14:52.25").time == utc(9, 14, 52, 250));
    CHECK(with_field("CreationTime", "2025-03-11T09:14:52.1234567Z").time == utc(9, 14, 52, 123));
}

TEST_CASE("ClientIP loses its port and IPv6 brackets") {
    CHECK(with_field("ClientIP", "203.0.113.24:56789").client_ip == "203.0.113.24");
    CHECK(with_field("ClientIP", "[2001:DB8::1]:443").client_ip == "2001:db8::1");
    CHECK(with_field("ClientIP", "[2001:db8::1]").client_ip == "2001:db8::1");
    CHECK(with_field("ClientIP", "2001:db8::1").client_ip == "2001:db8::1");
    CHECK(with_field("ClientIP", "::ffff:203.0.113.24").client_ip == "203.0.113.24");
    CHECK(with_field("ClientIP", nullptr).client_ip.empty());
}

TEST_CASE("UPNs in any letter case are one user") {
    CHECK(with_field("UserId", "Alice@Contoso.COM").user == "alice@contoso.com");
    CHECK(with_field("RecipientUPN", "Bob@CONTOSO.com").recipient == "bob@contoso.com");
}

TEST_CASE("record ids are lower-cased so one record keeps one id") {
    CHECK(with_field("Id", "6F1C2B1E-4A7D-4A1E-9A2B-1D2C3E4F5A6B").id ==
          "6f1c2b1e-4a7d-4a1e-9a2b-1d2c3e4f5a6b");
}

TEST_CASE("field names are matched without regard to case, as the docs spell ID") {
    json record = flow_json();
    record.erase("Id");
    record["ID"] = "upper-id";
    CHECK(read_record(record).id == "upper-id");
}

// --- Input shapes -----------------------------------------------------------------------------

TEST_CASE("a blob, a single record and an NDJSON line give the same record") {
    const std::string one = flow_json().dump();
    const FlowRecord from_blob = read_text("[" + one + "]").records.at(0);
    const FlowRecord from_object = read_text(one).records.at(0);
    const FlowRecord from_line = read_line(one).records.at(0);
    CHECK(from_blob.id == from_object.id);
    CHECK(from_blob.id == from_line.id);
    CHECK(from_blob.time == from_line.time);
    CHECK(from_blob.connectors == from_line.connectors);
}

TEST_CASE("an empty array is read as no records and no fault") {
    const Outcome out = read_text(" [ ] \n");
    CHECK(out.counts.records == 0);
    CHECK(out.counts.malformed == 0);
    CHECK(out.diagnostics.empty());
}

TEST_CASE("counts cover every record, the flow ones, the bad ones and the bytes") {
    json other = flow_json("other");
    other["RecordType"] = 25;
    const std::string text =
        "[" + flow_json("a").dump() + "," + other.dump() + ",17," + flow_json("b").dump() + "]";
    const Outcome out = read_text(text);
    CHECK(out.counts.records == 4);
    CHECK(out.counts.flow_records == 2);
    CHECK(out.counts.malformed == 1);
    CHECK(out.counts.bytes == text.size());
}

// --- Malformed input --------------------------------------------------------------------------

TEST_CASE("a record with a missing or mistyped required field is skipped and named") {
    CHECK(rejection("Id", json(json::value_t::discarded)) == "Id is missing");
    CHECK(rejection("Id", 12345) == "Id is not a string");
    CHECK(rejection("Id", "") == "Id is missing");
    CHECK(rejection("UserId", json(json::value_t::discarded)) == "UserId is missing");
    CHECK(rejection("CreationTime", json(json::value_t::discarded)) == "CreationTime is missing");
    CHECK(rejection("CreationTime", 20250311) == "CreationTime is not a string");
    CHECK(rejection("CreationTime", "yesterday") == "CreationTime is not a date: \"yesterday\"");
    CHECK(rejection("CreationTime", "2025-02-30T09:14:52") ==
          "CreationTime is not a date: \"2025-02-30T09:14:52\"");
}

TEST_CASE("a mistyped field the detection relies on is skipped and named") {
    CHECK(rejection("FlowConnectorNames", json::array({"HTTP"})) ==
          "FlowConnectorNames is not a string");
    CHECK(rejection("FlowDetailsUrl", 7) == "FlowDetailsUrl is not a string");
    CHECK(rejection("Operation", json::object()) == "Operation is not a string");
    CHECK(rejection("OrganizationId", true) == "OrganizationId is not a string");
    CHECK(rejection("RecipientUPN", 3) == "RecipientUPN is not a string");
    CHECK(rejection("SharingPermission", json::object()) ==
          "SharingPermission is not a number or a string");
    CHECK(rejection("UserTypeInitiated", json::array()) ==
          "UserTypeInitiated is not a number or a string");
    CHECK(rejection("RecordType", json::array({30})) == "RecordType is not a number or a string");
}

TEST_CASE(
    "a bad record in a blob is reported with origin, index and byte offset; the rest is read") {
    json bad = flow_json("bad");
    bad.erase("Id");
    const std::string head = "[" + flow_json("r0").dump() + ",\n";
    const std::string text = head + bad.dump() + ",\n" + flow_json("r2").dump() + "]";

    const Outcome out = read_text(text, "audit/blob-7.json");

    REQUIRE(out.records.size() == 2);
    CHECK(out.records[0].id == "r0");
    CHECK(out.records[1].id == "r2");
    CHECK(out.counts.malformed == 1);
    const ReadDiagnostic& d = out.diagnostic();
    CHECK(d.origin == "audit/blob-7.json");
    CHECK(d.index == 1);
    CHECK(d.offset == head.size());
    CHECK(d.to_string() ==
          "audit/blob-7.json: record 1 (byte " + std::to_string(head.size()) + "): Id is missing");
}

TEST_CASE("a record that is not valid JSON is skipped and its neighbours read") {
    std::string broken = flow_json("broken").dump();
    broken.replace(broken.find("\"CreateFlow\""), 12, "CreateFlow");
    const std::string head = "[" + flow_json("r0").dump() + ",";
    const Outcome out = read_text(head + broken + "," + flow_json("r2").dump() + "]");

    REQUIRE(out.records.size() == 2);
    CHECK(out.records[1].id == "r2");
    CHECK(out.diagnostic().index == 1);
    CHECK(out.diagnostic().offset == head.size());
    CHECK(contains(out.diagnostic().message, "not valid JSON"));
}

TEST_CASE("a fault late in a blob costs only its record: the ones before are handed on once") {
    // Records before the fault are read in place, the rest one by one; none is read twice and
    // every diagnostic keeps the index and offset it would have had either way.
    std::string text = "[";
    std::vector<std::size_t> offsets;
    std::vector<std::string> expected;
    for (int i = 0; i < 50; ++i) {
        text += i == 0 ? "" : ",\n ";
        offsets.push_back(text.size());
        const std::string id = "r" + std::to_string(i);
        json record = flow_json(id);
        if (i % 3 == 1) {
            record["RecordType"] = 15;
            record["Workload"] = "AzureActiveDirectory";
        } else if (i == 11) {
            record.erase("CreationTime");
        }
        std::string dumped = record.dump();
        if (i == 41) {
            dumped.replace(dumped.find("\"CreateFlow\""), 12, "CreateFlow");
        }
        if (i % 3 != 1 && i != 11 && i != 41) {
            expected.push_back(id);
        }
        text += dumped;
    }
    text += "]";

    const Outcome out = read_text(text);
    std::vector<std::string> ids;
    for (const auto& r : out.records) {
        ids.push_back(r.id);
    }
    CHECK(ids == expected);
    CHECK(out.counts.records == 50);
    CHECK(out.counts.malformed == 2);
    REQUIRE(out.diagnostics.size() == 2);
    CHECK(out.diagnostics[0].index == 11);
    CHECK(out.diagnostics[0].offset == offsets[11]);
    CHECK(contains(out.diagnostics[0].message, "CreationTime"));
    CHECK(out.diagnostics[1].index == 41);
    CHECK(out.diagnostics[1].offset == offsets[41]);
    CHECK(contains(out.diagnostics[1].message, "not valid JSON"));
}

TEST_CASE("whatever one byte of a blob is changed to, the records before it are each read once") {
    // Every fault sends the reading from in place to element by element somewhere; wherever that
    // is, nothing before the fault may be lost or handed on twice.
    std::string blob = "[";
    std::vector<std::size_t> ends;
    for (int i = 0; i < 12; ++i) {
        blob += (i == 0 ? "" : ", ") + flow_json("r" + std::to_string(i)).dump();
        ends.push_back(blob.size());
    }
    blob += "]";

    std::uint64_t state = 0x9e3779b97f4a7c15;
    const auto next = [&state] {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        return state;
    };
    const std::string replacements = "\"{}[],:\\x0 \n";
    for (int trial = 0; trial < 400; ++trial) {
        std::string broken = blob;
        const std::size_t at = 1 + next() % (blob.size() - 2);
        broken[at] = replacements[next() % replacements.size()];
        if (broken == blob) {
            continue;
        }
        const Outcome out = read_text(broken);

        std::vector<std::string> ids;
        for (const auto& r : out.records) {
            ids.push_back(r.id);
        }
        std::vector<std::string> unique = ids;
        std::ranges::sort(unique);
        CAPTURE(at);
        CAPTURE(broken[at]);
        CHECK(std::ranges::adjacent_find(unique) == unique.end());
        for (std::size_t i = 0; i < ends.size() && ends[i] < at; ++i) {
            CHECK(std::ranges::find(ids, "r" + std::to_string(i)) != ids.end());
        }
    }
}

TEST_CASE("a blob read whole and the same records read one by one agree") {
    std::string blob = "[";
    std::vector<std::string> lines;
    for (int i = 0; i < 20; ++i) {
        json record = flow_json("r" + std::to_string(i));
        record["FlowConnectorNames"] = i % 2 == 0 ? "HTTP, Dropbox" : "Office 365 Outlook";
        if (i % 4 == 3) {
            record["RecordType"] = "8";
        }
        lines.push_back(record.dump());
        blob += (i == 0 ? "" : ",") + lines.back();
    }
    blob += "]";
    const Outcome whole = read_text(blob);
    std::vector<FlowRecord> one_by_one;
    for (std::size_t i = 0; i < lines.size(); ++i) {
        for (auto& r : read_line(lines[i], i).records) {
            one_by_one.push_back(std::move(r));
        }
    }
    REQUIRE(whole.records.size() == one_by_one.size());
    CHECK(whole.records.size() == 15);
    for (std::size_t i = 0; i < one_by_one.size(); ++i) {
        CHECK(whole.records[i].id == one_by_one[i].id);
        CHECK(whole.records[i].connectors.size() == one_by_one[i].connectors.size());
        CHECK(whole.records[i].flow_id == one_by_one[i].flow_id);
        CHECK(whole.records[i].time == one_by_one[i].time);
    }
}

TEST_CASE("a record with a bracket of the wrong kind is skipped and its neighbours read") {
    std::string broken = flow_json("broken").dump();
    broken.back() = ']';
    const Outcome out =
        read_text("[" + flow_json("r0").dump() + "," + broken + "," + flow_json("r2").dump() + "]");
    REQUIRE(out.records.size() == 2);
    CHECK(out.records[1].id == "r2");
    CHECK(out.counts.malformed == 1);
    CHECK(out.diagnostic().index == 1);
}

TEST_CASE("a value in a blob that is not an object is reported as a bad record") {
    const std::string head = "[" + flow_json("r0").dump() + ",";
    const Outcome out = read_text(head + "\"text\"," + flow_json("r2").dump() + "]");
    REQUIRE(out.records.size() == 2);
    CHECK(out.diagnostic().message == "record is not a JSON object");
    CHECK(out.diagnostic().index == 1);
    CHECK(out.diagnostic().offset == head.size());
}

TEST_CASE("a truncated blob keeps the records before the cut and says where it ends") {
    const std::string full = flow_json("r2").dump();
    const std::string head = "[" + flow_json("r0").dump() + "," + flow_json("r1").dump() + ",";
    const Outcome out = read_text(head + full.substr(0, full.size() / 2), "cut.json");

    REQUIRE(out.records.size() == 2);
    CHECK(out.records[1].id == "r1");
    CHECK(out.counts.malformed == 1);
    CHECK(out.diagnostic().message == "record is truncated");
    CHECK(out.diagnostic().index == 2);
    CHECK(out.diagnostic().offset == head.size());
}

TEST_CASE("a blob cut after a comma keeps every record and says the array is not closed") {
    const Outcome out = read_text("[" + flow_json("r0").dump() + ",  ");
    CHECK(out.records.size() == 1);
    CHECK(contains(out.diagnostic().message, "not closed"));
}

TEST_CASE("garbage between records is reported and the records around it are read") {
    SUBCASE("a stray word") {
        const std::string head = "[" + flow_json("r0").dump() + ", ";
        const Outcome out = read_text(head + "garbage, " + flow_json("r1").dump() + "]");
        REQUIRE(out.records.size() == 2);
        CHECK(out.records[1].id == "r1");
        CHECK(out.diagnostic().offset == head.size());
    }
    SUBCASE("a missing comma") {
        const std::string head = "[" + flow_json("r0").dump() + " ";
        const Outcome out = read_text(head + flow_json("r1").dump() + "]");
        REQUIRE(out.records.size() == 2);
        CHECK(out.diagnostic().message == "expected ',' or ']' after a record");
        CHECK(out.diagnostic().index == 1);
        CHECK(out.diagnostic().offset == head.size());
    }
    SUBCASE("content after the array") {
        const std::string body = "[" + flow_json("r0").dump() + "]";
        const Outcome out = read_text(body + "\n{}");
        REQUIRE(out.records.size() == 1);
        CHECK(out.diagnostic().offset == body.size() + 1);
        CHECK(contains(out.diagnostic().message, "after the array"));
    }
}

TEST_CASE("an input that is no JSON array or object is one fault, said where") {
    const Outcome empty = read_text("  \n", "empty.json");
    CHECK(empty.counts.malformed == 1);
    CHECK(empty.diagnostic().to_string() == "empty.json: record 0 (byte 3): the input is empty");

    const Outcome words = read_text("not audit records", "notes.txt");
    CHECK(words.counts.malformed == 1);
    CHECK(contains(words.diagnostic().message, "not a JSON array or object"));
}

TEST_CASE("a bad NDJSON line is placed by the line's index and byte offset") {
    const Outcome out = read_line("{\"Id\": ", 41, 9000);
    CHECK(out.counts.malformed == 1);
    CHECK(out.diagnostic().index == 41);
    CHECK(out.diagnostic().offset == 9000);
    CHECK(out.diagnostic().message == "record is truncated");

    json bad = flow_json();
    bad["CreationTime"] = "soon";
    const Outcome later = read_line("  " + bad.dump(), 3, 500);
    CHECK(later.diagnostic().offset == 502);
    CHECK(later.diagnostic().index == 3);
}

TEST_CASE("an NDJSON line that is not an object, or is blank, is reported") {
    CHECK(read_line("[1, 2]").diagnostic().message == "record is not a JSON object");
    CHECK(read_line("   ").diagnostic().message == "the record is empty");
    CHECK(read_line("   ").counts.malformed == 1);
}

TEST_CASE("one reader reads many inputs, a bad one not spoiling the next") {
    RecordReader reader;
    std::vector<FlowRecord> records;
    std::vector<ReadDiagnostic> diagnostics;
    const auto keep = [&](FlowRecord&& r) { records.push_back(std::move(r)); };
    const auto note = [&](const ReadDiagnostic& d) { diagnostics.push_back(d); };

    const simdjson::padded_string bad(std::string_view("[{\"Id\": \"x\", "));
    const simdjson::padded_string good("[" + flow_json("after").dump() + "]");
    reader.read_json(bad, "bad.json", keep, note);
    reader.read_one("{oops}", "lines.ndjson", 0, 0, keep, note);
    reader.read_json(good, "good.json", keep, note);

    REQUIRE(records.size() == 1);
    CHECK(records[0].id == "after");
    CHECK(diagnostics.size() == 2);
}

}  // namespace flowwatch
