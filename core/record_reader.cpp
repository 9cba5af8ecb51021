#include "core/record_reader.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <expected>
#include <optional>
#include <utility>

#include <fmt/format.h>

#include "core/json_extent.h"

namespace flowwatch {
namespace {

namespace od = simdjson::ondemand;

constexpr std::int64_t kFlowRecordType = 30;
constexpr std::string_view kFlowWorkload = "MicrosoftFlow";

char lower_char(char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

std::string lower(std::string_view text) {
    std::string out(text);
    for (char& c : out) {
        c = lower_char(c);
    }
    return out;
}

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) {
        return false;
    }
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (lower_char(a[i]) != lower_char(b[i])) {
            return false;
        }
    }
    return true;
}

/// The record fields flowwatch reads. Keys are matched without regard to case, so `ID` (as the
/// Power Automate docs spell it) works too.
enum class Field {
    unknown,
    record_type,
    workload,
    id,
    creation_time,
    operation,
    organization_id,
    user_id,
    client_ip,
    flow_details_url,
    flow_connector_names,
    recipient_upn,
    sharing_permission,
    user_type_initiated,
    user_type,
    result_status,
    license,
    additional_info,
};

constexpr std::array<std::pair<std::string_view, Field>, 18> kFields = {{
    {"RecordType", Field::record_type},
    {"Workload", Field::workload},
    {"Id", Field::id},
    {"CreationTime", Field::creation_time},
    {"Operation", Field::operation},
    {"OrganizationId", Field::organization_id},
    {"UserId", Field::user_id},
    {"ClientIP", Field::client_ip},
    {"FlowDetailsUrl", Field::flow_details_url},
    {"FlowConnectorNames", Field::flow_connector_names},
    {"RecipientUPN", Field::recipient_upn},
    {"SharingPermission", Field::sharing_permission},
    {"UserTypeInitiated", Field::user_type_initiated},
    // The Power Automate docs spell it this way; records may follow either spelling.
    {"UserTypeInititated", Field::user_type_initiated},
    {"UserType", Field::user_type},
    {"ResultStatus", Field::result_status},
    {"LicenseDisplayName", Field::license},
    {"AdditionalInfo", Field::additional_info},
}};

/// The key of a field as it stands in the JSON (escapes not decoded: no field we read has any).
Field field_of(const od::raw_json_string& key) {
    const char* raw = key.raw();
    const char* end = std::strchr(raw, '"');
    if (end == nullptr) {
        return Field::unknown;
    }
    const std::string_view name(raw, static_cast<std::size_t>(end - raw));
    for (const auto& [spelling, field] : kFields) {
        if (iequals(name, spelling)) {
            return field;
        }
    }
    return Field::unknown;
}

/// A string field: absent (or null), present, or present with another JSON type.
struct Text {
    std::string_view value;
    bool wrong_type = false;
};

/// A small whole number field: absent (or null or unreadable), present, or of another JSON type.
struct Number {
    std::optional<int> value;
    bool wrong_type = false;
};

/// The fields of one record as views into the parser's buffers, before any checks.
struct RawRecord {
    std::optional<std::int64_t> record_type;
    bool record_type_wrong = false;
    Text workload, id, creation_time, operation, organization_id, user_id, client_ip, url,
        connectors, recipient, result_status, license, environment_hint;
    Number sharing_permission, user_type_initiated, user_type;
    std::string environment_from_text;  ///< EnvironmentName of an AdditionalInfo given as text.
};

simdjson::error_code read_text(od::value& value, Text& out) {
    od::json_type type{};
    if (auto error = value.type().get(type)) {
        return error;
    }
    if (type == od::json_type::string) {
        return value.get_string().get(out.value);
    }
    out.wrong_type = type != od::json_type::null;
    return simdjson::SUCCESS;
}

/// Whole decimal numbers of at most nine digits, as in `"3"`; anything else gives nullopt.
std::optional<int> parse_small_int(std::string_view text) {
    if (text.empty() || text.size() > 9) {
        return std::nullopt;
    }
    int value = 0;
    for (const char c : text) {
        if (c < '0' || c > '9') {
            return std::nullopt;
        }
        value = value * 10 + (c - '0');
    }
    return value;
}

/// UserType names, for records that spell the enum out instead of giving its number.
std::optional<int> user_type_from_name(std::string_view name) {
    constexpr std::array<std::string_view, 11> kNames = {
        "Regular",     "Reserved",         "Admin",        "DcAdmin",      "System",
        "Application", "ServicePrincipal", "CustomPolicy", "SystemPolicy", "PartnerTechnician",
        "Guest"};
    for (std::size_t i = 0; i < kNames.size(); ++i) {
        if (iequals(name, kNames[i])) {
            return static_cast<int>(i);
        }
    }
    return std::nullopt;
}

/// SharingPermission names matching the documented numbers (3 owner, 2 run-only).
std::optional<int> permission_from_name(std::string_view name) {
    if (iequals(name, "Owner") || iequals(name, "ReadWrite") || iequals(name, "CanEdit")) {
        return kPermissionOwner;
    }
    if (iequals(name, "Read") || iequals(name, "RunOnly") || iequals(name, "CanView")) {
        return kPermissionRunOnly;
    }
    return std::nullopt;
}

/// A number given as a JSON number or a string; `by_name` maps other strings. A number or string
/// that means nothing known stays absent; other JSON types (but null) are marked.
simdjson::error_code read_int(od::value& value, Number& out,
                              std::optional<int> (*by_name)(std::string_view) = nullptr) {
    od::json_type type{};
    if (auto error = value.type().get(type)) {
        return error;
    }
    if (type == od::json_type::number) {
        std::int64_t number = 0;
        if (value.get_int64().get(number) == simdjson::SUCCESS && number >= 0 &&
            number <= 1'000'000) {
            out.value = static_cast<int>(number);
        }
        return simdjson::SUCCESS;
    }
    if (type == od::json_type::string) {
        std::string_view text;
        if (auto error = value.get_string().get(text)) {
            return error;
        }
        out.value = parse_small_int(text);
        if (!out.value && by_name != nullptr) {
            out.value = by_name(text);
        }
        return simdjson::SUCCESS;
    }
    out.wrong_type = type != od::json_type::null;
    return simdjson::SUCCESS;
}

/// RecordType as a number, a numeric string, or the enum name `MicrosoftFlow`. Any other number or
/// string stands for "some other record type" (-1); null counts as absent; other types are marked.
simdjson::error_code read_record_type(od::value& value, std::optional<std::int64_t>& out,
                                      bool& wrong_type) {
    od::json_type type{};
    if (auto error = value.type().get(type)) {
        return error;
    }
    if (type == od::json_type::number) {
        std::int64_t number = 0;
        out = value.get_int64().get(number) == simdjson::SUCCESS ? number : -1;
    } else if (type == od::json_type::string) {
        std::string_view text;
        if (auto error = value.get_string().get(text)) {
            return error;
        }
        const auto number = parse_small_int(text);
        out = number ? *number : (iequals(text, kFlowWorkload) ? kFlowRecordType : -1);
    } else {
        wrong_type = type != od::json_type::null;
    }
    return simdjson::SUCCESS;
}

/// EnvironmentName of an AdditionalInfo given as a string of JSON text; empty when it has none.
std::string environment_in_text(std::string_view text) {
    // A parser of its own: the record's parser is still iterating the record.
    thread_local od::parser parser;
    const simdjson::padded_string padded(text);
    od::document doc;
    od::object info;
    std::string_view environment;
    if (parser.iterate(padded).get(doc) || doc.get_object().get(info) ||
        info.find_field_unordered("EnvironmentName").get_string().get(environment)) {
        return {};
    }
    return std::string(environment);
}

/// AdditionalInfo may carry `EnvironmentName`, a fallback when FlowDetailsUrl has none. It comes
/// as an object or as a string holding one; anything else is ignored, as is a bad string.
simdjson::error_code read_additional_info(od::value& value, RawRecord& raw) {
    od::json_type type{};
    if (auto error = value.type().get(type)) {
        return error;
    }
    if (type == od::json_type::string) {
        std::string_view text;
        if (auto error = value.get_string().get(text)) {
            return error;
        }
        raw.environment_from_text = environment_in_text(text);
        return simdjson::SUCCESS;
    }
    if (type != od::json_type::object) {
        return simdjson::SUCCESS;
    }
    od::object info;
    if (auto error = value.get_object().get(info)) {
        return error;
    }
    for (auto member : info) {
        od::field field;
        if (auto error = std::move(member).get(field)) {
            return error;
        }
        if (field.key() == "EnvironmentName") {
            od::value inner = field.value();
            return read_text(inner, raw.environment_hint);
        }
    }
    return simdjson::SUCCESS;
}

simdjson::error_code read_field(Field field, od::value& value, RawRecord& raw) {
    switch (field) {
        case Field::record_type:
            return read_record_type(value, raw.record_type, raw.record_type_wrong);
        case Field::workload:
            return read_text(value, raw.workload);
        case Field::id:
            return read_text(value, raw.id);
        case Field::creation_time:
            return read_text(value, raw.creation_time);
        case Field::operation:
            return read_text(value, raw.operation);
        case Field::organization_id:
            return read_text(value, raw.organization_id);
        case Field::user_id:
            return read_text(value, raw.user_id);
        case Field::client_ip:
            return read_text(value, raw.client_ip);
        case Field::flow_details_url:
            return read_text(value, raw.url);
        case Field::flow_connector_names:
            return read_text(value, raw.connectors);
        case Field::recipient_upn:
            return read_text(value, raw.recipient);
        case Field::sharing_permission:
            return read_int(value, raw.sharing_permission, permission_from_name);
        case Field::user_type_initiated:
            return read_int(value, raw.user_type_initiated);
        case Field::user_type:
            return read_int(value, raw.user_type, user_type_from_name);
        case Field::result_status:
            return read_text(value, raw.result_status);
        case Field::license:
            return read_text(value, raw.license);
        case Field::additional_info:
            return read_additional_info(value, raw);
        case Field::unknown:
            break;
    }
    return simdjson::SUCCESS;
}

/// Why a record's fields could not be read; `broken_json` when simdjson itself failed, so the
/// document around the record can no longer be trusted.
struct FieldsError {
    std::string message;
    bool broken_json = false;
};
using CollectedFields = std::expected<std::optional<RawRecord>, FieldsError>;

CollectedFields json_failure(simdjson::error_code error) {
    return std::unexpected(
        FieldsError{std::string("not valid JSON: ") + simdjson::error_message(error), true});
}

CollectedFields record_failure(std::string message) {
    return std::unexpected(FieldsError{std::move(message)});
}

/// Reads the fields of one record object in a single pass. Gives nullopt for a record of another
/// kind as soon as its RecordType says so; the rest of it is never looked at.
CollectedFields collect_object_fields(od::object& object) {
    RawRecord raw;
    for (auto member : object) {
        od::field field;
        if (auto error = std::move(member).get(field)) {
            return json_failure(error);
        }
        const Field which = field_of(field.key());
        if (which == Field::unknown) {
            continue;
        }
        if (auto error = read_field(which, field.value(), raw)) {
            return json_failure(error);
        }
        if (raw.record_type_wrong) {
            return record_failure("RecordType is not a number or a string");
        }
        if (raw.record_type && *raw.record_type != kFlowRecordType) {
            return std::nullopt;
        }
    }

    // RecordType decides when present; Workload only stands in for a missing RecordType.
    if (!raw.record_type && raw.workload.value.empty()) {
        return record_failure("not an audit record: no RecordType or Workload");
    }
    if (!raw.record_type && !iequals(raw.workload.value, kFlowWorkload)) {
        return std::nullopt;
    }
    return raw;
}

/// collect_object_fields over a record given alone.
CollectedFields collect_fields(od::parser& parser, simdjson::padded_string_view json) {
    od::document doc;
    if (auto error = parser.iterate(json).get(doc)) {
        return json_failure(error);
    }
    od::object object;
    if (auto error = doc.get_object().get(object)) {
        return json_failure(error);
    }
    return collect_object_fields(object);
}

/// A required string field, or why it is unusable.
std::expected<std::string_view, std::string> required(const Text& text, std::string_view name) {
    if (text.wrong_type) {
        return std::unexpected(fmt::format("{} is not a string", name));
    }
    if (text.value.empty()) {
        return std::unexpected(fmt::format("{} is missing", name));
    }
    return text.value;
}

/// Environment ids are case-insensitive in Power Platform; one spelling keeps one baseline.
/// `Default-<tenant>` keeps its capital D as the admin center shows it, the rest is lower-cased.
std::string normalize_environment(std::string_view environment) {
    std::string out = lower(environment);
    if (out.starts_with("default-")) {
        out[0] = 'D';
    }
    return out;
}

/// The first optional field the detection relies on that has a wrong JSON type, by name.
std::optional<std::string> mistyped_field(const RawRecord& raw) {
    const std::pair<const Text*, std::string_view> texts[] = {
        {&raw.operation, "Operation"},    {&raw.organization_id, "OrganizationId"},
        {&raw.url, "FlowDetailsUrl"},     {&raw.connectors, "FlowConnectorNames"},
        {&raw.recipient, "RecipientUPN"},
    };
    for (const auto& [text, name] : texts) {
        if (text->wrong_type) {
            return fmt::format("{} is not a string", name);
        }
    }
    if (raw.sharing_permission.wrong_type) {
        return std::string("SharingPermission is not a number or a string");
    }
    if (raw.user_type_initiated.wrong_type) {
        return std::string("UserTypeInitiated is not a number or a string");
    }
    return std::nullopt;
}

std::expected<FlowRecord, std::string> build_record(const RawRecord& raw) {
    const auto id = required(raw.id, "Id");
    const auto creation_time = required(raw.creation_time, "CreationTime");
    const auto user = required(raw.user_id, "UserId");
    for (const auto* check : {&id, &creation_time, &user}) {
        if (!*check) {
            return std::unexpected(check->error());
        }
    }
    if (auto mistyped = mistyped_field(raw)) {
        return std::unexpected(std::move(*mistyped));
    }
    const auto time = parse_time(*creation_time);
    if (!time) {
        return std::unexpected(
            fmt::format("CreationTime is not a date: \"{}\"", creation_time->substr(0, 40)));
    }

    FlowRecord record;
    record.id = lower(*id);
    record.tenant = lower(raw.organization_id.value);
    record.operation_name = std::string(raw.operation.value);
    record.operation = parse_operation(raw.operation.value);
    record.time = *time;
    record.user = lower(*user);
    record.client_ip = normalize_client_ip(raw.client_ip.value);
    FlowLocation location = parse_flow_details_url(raw.url.value);
    const std::string_view hint = raw.environment_hint.value.empty()
                                      ? std::string_view(raw.environment_from_text)
                                      : raw.environment_hint.value;
    record.environment =
        normalize_environment(location.environment.empty() ? hint : location.environment);
    record.flow_id = std::move(location.flow_id);
    record.connectors = split_connectors(raw.connectors.value);
    record.recipient = lower(raw.recipient.value);
    record.sharing_permission = raw.sharing_permission.value;
    record.user_type_initiated = raw.user_type_initiated.value;
    record.user_type = raw.user_type.value;
    record.result_status = std::string(raw.result_status.value);
    record.license = std::string(raw.license.value);
    return record;
}

/// One input being read: where the results go and where diagnostics point.
struct ReadContext {
    od::parser& parser;
    simdjson::padded_string_view json;
    std::string_view origin;
    std::size_t base_offset = 0;
    const FlowRecordSink& on_record;
    const DiagnosticSink& on_error;
    ReadCounts counts;

    std::string_view text() const { return {json.data(), json.size()}; }

    void diagnose(std::size_t index, std::size_t offset, std::string message) const {
        if (on_error) {
            on_error(ReadDiagnostic{std::string(origin), index, base_offset + offset,
                                    std::move(message)});
        }
    }

    /// A record (or the whole input) is lost: counted and reported.
    void reject(std::size_t index, std::size_t offset, std::string message) {
        ++counts.malformed;
        diagnose(index, offset, std::move(message));
    }
};

/// Hands on the record whose fields were read, or rejects it; `begin` places it in the input.
void take_record(ReadContext& ctx, const CollectedFields& raw, std::size_t begin,
                 std::size_t index) {
    if (!raw) {
        ctx.reject(index, begin, raw.error().message);
        return;
    }
    if (!*raw) {
        return;
    }
    auto record = build_record(**raw);
    if (!record) {
        ctx.reject(index, begin, record.error());
        return;
    }
    ++ctx.counts.flow_records;
    ctx.on_record(std::move(*record));
}

/// Reads the record object at [begin, end) of the input.
void read_record(ReadContext& ctx, std::size_t begin, std::size_t end, std::size_t index) {
    ++ctx.counts.records;
    if (ctx.text()[begin] != '{') {
        ctx.reject(index, begin, "record is not a JSON object");
        return;
    }

    // The record's bytes are followed by the rest of the input, so the padding is there.
    const simdjson::padded_string_view view(ctx.json.data() + begin, end - begin,
                                            ctx.json.capacity() - begin);
    take_record(ctx, collect_fields(ctx.parser, view), begin, index);
}

/// Reads the value at `pos` as one record; anything after it is reported, not read.
void read_single(ReadContext& ctx, std::size_t pos, std::size_t index) {
    const JsonExtent extent = scan_json_value(ctx.text(), pos);
    if (extent.status == ExtentStatus::incomplete) {
        ++ctx.counts.records;
        ctx.reject(index, pos, "record is truncated");
        return;
    }
    read_record(ctx, pos, extent.end, index);

    const std::size_t rest = skip_json_space(ctx.text(), extent.end);
    if (rest < ctx.text().size()) {
        ctx.diagnose(index, rest, "unexpected content after the record, ignored");
    }
}

/// Where the element-by-element reading of an array picks up from the in-place one.
struct ArrayResume {
    std::size_t pos = 0;    ///< An element's first byte, or just after the opening bracket.
    std::size_t index = 0;  ///< That element's index.
    std::size_t skip = 0;   ///< Elements from `pos` already read, to pass over.
};

/// The fast path: the whole array goes through simdjson once and each record's fields are read
/// in place. Returns false at the first thing it cannot be sure of (malformed JSON, an element
/// that is not an object), with `resume` saying where the element-by-element path takes over;
/// that path then finds the fault again and reports it.
bool read_array_in_place(ReadContext& ctx, std::size_t array_pos, ArrayResume& resume) {
    const char* base = ctx.json.data();
    const simdjson::padded_string_view view(base + array_pos, ctx.json.size() - array_pos,
                                            ctx.json.capacity() - array_pos);
    resume = ArrayResume{array_pos + 1, 0, 0};
    od::document doc;
    od::array array;
    if (ctx.parser.iterate(view).get(doc) != simdjson::SUCCESS ||
        doc.get_array().get(array) != simdjson::SUCCESS) {
        return false;
    }
    std::size_t index = 0;
    for (auto element : array) {
        od::value value;
        const char* at = nullptr;
        od::json_type type{};
        if (element.get(value) != simdjson::SUCCESS ||
            value.current_location().get(at) != simdjson::SUCCESS ||
            value.type().get(type) != simdjson::SUCCESS || type != od::json_type::object) {
            return false;
        }
        const auto begin = static_cast<std::size_t>(at - base);
        resume = ArrayResume{begin, index, 0};
        od::object object;
        if (value.get_object().get(object) != simdjson::SUCCESS) {
            return false;
        }
        const CollectedFields raw = collect_object_fields(object);
        if (!raw && raw.error().broken_json) {
            return false;
        }
        resume.skip = 1;
        ++ctx.counts.records;
        take_record(ctx, raw, begin, index++);
    }
    // Past the closing bracket, a location in bounds is content that should not be there.
    if (const char* at = nullptr; doc.current_location().get(at) == simdjson::SUCCESS) {
        ctx.diagnose(index, static_cast<std::size_t>(at - base),
                     "unexpected content after the array, ignored");
    }
    return true;
}

/// The slow path, which cuts each element out by scanning its bytes, so a bad record is skipped
/// and the next one is still read. A truncated array keeps what came before.
void read_array_elements(ReadContext& ctx, ArrayResume from) {
    const std::string_view text = ctx.text();
    std::size_t pos = from.pos;
    std::size_t index = from.index;
    while (true) {
        pos = skip_json_space(text, pos);
        if (pos >= text.size()) {
            ctx.diagnose(index, pos, "the array is not closed: the input is truncated");
            return;
        }
        if (text[pos] == ']') {
            ++pos;
            break;
        }

        const JsonExtent extent = scan_json_value(text, pos);
        if (extent.status == ExtentStatus::incomplete) {
            ++ctx.counts.records;
            ctx.reject(index, pos, "record is truncated");
            return;
        }
        if (from.skip > 0) {
            --from.skip;
            ++index;
        } else {
            read_record(ctx, pos, extent.end, index++);
        }

        // Between records: a comma or the end. Anything else is reported and read as a record.
        pos = skip_json_space(text, extent.end);
        if (pos < text.size() && text[pos] == ',') {
            ++pos;
        } else if (pos < text.size() && text[pos] != ']') {
            ctx.diagnose(index, pos, "expected ',' or ']' after a record");
        }
    }

    pos = skip_json_space(text, pos);
    if (pos < text.size()) {
        ctx.diagnose(index, pos, "unexpected content after the array, ignored");
    }
}

/// Reads the records of the array opening at `pos`: in place while the JSON is sound, element
/// by element from the first fault on.
void read_array(ReadContext& ctx, std::size_t pos) {
    ArrayResume resume;
    if (!read_array_in_place(ctx, pos, resume)) {
        read_array_elements(ctx, resume);
    }
}

}  // namespace

std::string ReadDiagnostic::to_string() const {
    return fmt::format("{}: record {} (byte {}): {}", origin, index, offset, message);
}

ReadCounts& ReadCounts::operator+=(const ReadCounts& other) {
    records += other.records;
    flow_records += other.flow_records;
    malformed += other.malformed;
    bytes += other.bytes;
    return *this;
}

ReadCounts RecordReader::read_json(simdjson::padded_string_view json, std::string_view origin,
                                   const FlowRecordSink& on_record,
                                   const DiagnosticSink& on_error) {
    ReadContext ctx{parser_, json, origin, 0, on_record, on_error, {}};
    ctx.counts.bytes = json.size();
    const std::string_view text = ctx.text();
    const std::size_t pos = skip_json_space(text, bom_length(text));
    if (pos >= text.size()) {
        ctx.reject(0, pos, "the input is empty");
    } else if (text[pos] == '[') {
        read_array(ctx, pos);
    } else if (text[pos] == '{') {
        read_single(ctx, pos, 0);
    } else {
        ctx.reject(0, pos, "the input is not a JSON array or object of audit records");
    }
    return ctx.counts;
}

ReadCounts RecordReader::read_one(std::string_view json, std::string_view origin, std::size_t index,
                                  std::size_t offset, const FlowRecordSink& on_record,
                                  const DiagnosticSink& on_error) {
    // A padded copy, with blanks in the padding so nothing uninitialised is ever read.
    scratch_.assign(json);
    scratch_.resize(json.size() + simdjson::SIMDJSON_PADDING, ' ');
    const simdjson::padded_string_view padded(scratch_.data(), json.size(), scratch_.size());

    ReadContext ctx{parser_, padded, origin, offset, on_record, on_error, {}};
    ctx.counts.bytes = json.size();
    const std::string_view text = ctx.text();
    const std::size_t pos = skip_json_space(text, bom_length(text));
    if (pos >= text.size()) {
        ctx.reject(index, pos, "the record is empty");
    } else if (text[pos] == '{') {
        read_single(ctx, pos, index);
    } else {
        ++ctx.counts.records;
        ctx.reject(index, pos, "record is not a JSON object");
    }
    return ctx.counts;
}

FlowLocation parse_flow_details_url(std::string_view url) {
    // Drop the scheme and host; then the path and a `#/…` fragment both carry segments, and a
    // query string ends either of them.
    if (const std::size_t scheme = url.find("://"); scheme != std::string_view::npos) {
        const std::size_t path = url.find_first_of("/?#", scheme + 3);
        url = path == std::string_view::npos ? std::string_view{} : url.substr(path);
    }
    std::string_view fragment;
    if (const std::size_t hash = url.find('#'); hash != std::string_view::npos) {
        fragment = url.substr(hash + 1);
        url = url.substr(0, hash);
    }
    const auto before_query = [](std::string_view part) { return part.substr(0, part.find('?')); };

    FlowLocation location;
    std::string_view previous;
    for (const std::string_view part : {before_query(url), before_query(fragment)}) {
        std::size_t pos = 0;
        while (pos < part.size()) {
            const std::size_t slash = std::min(part.find('/', pos), part.size());
            const std::string_view segment = part.substr(pos, slash - pos);
            pos = slash + 1;
            if (segment.empty()) {
                continue;
            }
            if (location.environment.empty() && iequals(previous, "environments")) {
                location.environment = std::string(segment);
            } else if (location.flow_id.empty() && iequals(previous, "flows")) {
                location.flow_id = lower(segment);
            }
            previous = segment;
        }
    }
    return location;
}

std::string normalize_client_ip(std::string_view ip) {
    while (!ip.empty() && (ip.front() == ' ' || ip.front() == '\t')) {
        ip.remove_prefix(1);
    }
    while (!ip.empty() && (ip.back() == ' ' || ip.back() == '\t')) {
        ip.remove_suffix(1);
    }

    // `[v6]` or `[v6]:port`.
    if (ip.starts_with('[')) {
        const std::size_t close = ip.find(']');
        return lower(ip.substr(1, close == std::string_view::npos ? ip.size() - 1 : close - 1));
    }

    // One colon after a dotted address is a port; more colons make an IPv6 address.
    const std::size_t colon = ip.find(':');
    if (colon == std::string_view::npos) {
        return std::string(ip);
    }
    if (ip.find(':', colon + 1) == std::string_view::npos) {
        return std::string(ip.substr(0, colon));
    }
    std::string v6 = lower(ip);
    constexpr std::string_view kMappedV4 = "::ffff:";
    if (v6.starts_with(kMappedV4) && v6.find('.') != std::string::npos &&
        v6.find(':', kMappedV4.size()) == std::string::npos) {
        return v6.substr(kMappedV4.size());
    }
    return v6;
}

}  // namespace flowwatch
