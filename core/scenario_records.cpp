#include "core/scenario_records.h"

#include <array>
#include <chrono>
#include <string_view>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/record.h"

namespace flowwatch::scenario {
namespace {

using Json = nlohmann::ordered_json;

constexpr std::array<std::string_view, 4> kRegions = {"emea", "unitedstates", "asia", "uk"};
constexpr std::array<std::string_view, 4> kUserAgents = {
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36 Edg/120.0.2210.91",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.2 Safari/605.1.15",
    "Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.17126; Pro)",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
    "Gecko) Mobile/15E148 Teams/6.1.0"};
constexpr std::array<std::string_view, 8> kDocuments = {
    "Quarterly forecast.xlsx", "Supplier contract v3.docx", "Onboarding checklist.docx",
    "Board update.pptx",       "Travel expenses.xlsx",      "Incident review.docx",
    "Team roster.xlsx",        "Product roadmap.pptx"};
constexpr std::array<std::string_view, 6> kSites = {"finance", "hr",    "sales",
                                                    "it",      "legal", "operations"};
constexpr std::array<std::string_view, 5> kReports = {"Sales pipeline", "Service desk KPIs",
                                                      "Headcount", "Cloud spend", "Customer churn"};

std::string flow_details_url(const FlowEvent& event, Random& random) {
    if (event.actor->role == Role::flow_admin || event.user_type_initiated == kInitiatedByAdmin) {
        return fmt::format(
            "https://admin.powerplatform.microsoft.com/environments/{}/flows/{}/flowDetails",
            event.environment, event.flow_id);
    }
    if (random.chance(0.5)) {
        return fmt::format("https://make.powerautomate.com/environments/{}/flows/{}/details",
                           event.environment, event.flow_id);
    }
    return fmt::format("https://{}.flow.microsoft.com/manage/environments/{}/flows/{}/details",
                       kRegions[random.below(kRegions.size())], event.environment, event.flow_id);
}

std::string address(const std::string& ip, Random& random) {
    // Some services log the client's source port too.
    return random.chance(0.1) ? fmt::format("{}:{}", ip, random.between(1024, 65535)) : ip;
}

const std::string& upn_as_logged(const Person& person, Random& random) {
    return random.chance(0.12) ? person.upn_styled : person.upn;
}

std::string join_names(const std::vector<std::string>& names) {
    return fmt::format("{}", fmt::join(names, ", "));
}

Json common_fields(Timestamp time, Random& random, std::string_view operation,
                   const std::string& tenant, int record_type, std::string_view workload) {
    Json j;
    j["CreationTime"] = record_time(time);
    j["Id"] = random.guid();
    j["Operation"] = operation;
    j["OrganizationId"] = tenant;
    j["RecordType"] = record_type;
    j["UserKey"] = nullptr;
    j["UserType"] = 0;
    j["Version"] = 1;
    j["Workload"] = workload;
    return j;
}

std::string sharepoint_record(const Person& actor, Timestamp time, const std::string& tenant,
                              const std::string& domain, Random& random) {
    static constexpr std::array<std::string_view, 5> kOps = {
        "FileAccessed", "FilePreviewed", "FileModified", "FileUploaded", "FileDownloaded"};
    const std::string_view site = kSites[random.below(kSites.size())];
    const std::string_view doc = kDocuments[random.below(kDocuments.size())];
    const std::string tenant_host = domain.substr(0, domain.find('.'));
    const std::string site_url =
        fmt::format("https://{}.sharepoint.com/sites/{}/", tenant_host, site);
    Json j = common_fields(time, random, kOps[random.below(kOps.size())], tenant, 6, "SharePoint");
    j["UserKey"] = fmt::format("i:0h.f|membership|{}@live.com", actor.puid);
    j["ClientIP"] = actor.client_ip;
    j["ObjectId"] = fmt::format("{}Shared Documents/{}", site_url, doc);
    j["UserId"] = upn_as_logged(actor, random);
    j["CorrelationId"] = random.guid();
    j["EventSource"] = "SharePoint";
    j["ItemType"] = "File";
    j["ListId"] = random.guid();
    j["ListItemUniqueId"] = random.guid();
    j["Site"] = random.guid();
    j["UserAgent"] = kUserAgents[random.below(kUserAgents.size())];
    j["WebId"] = random.guid();
    j["HighPriorityMediaProcessing"] = false;
    j["GeoLocation"] = "EUR";
    j["IsManagedDevice"] = random.chance(0.7);
    j["Platform"] = "WinDesktop";
    j["AuthenticationType"] = "OAuth";
    j["SourceFileExtension"] = doc.substr(doc.rfind('.') + 1);
    j["SiteUrl"] = site_url;
    j["SourceFileName"] = doc;
    j["SourceRelativeUrl"] = "Shared Documents";
    return j.dump();
}

std::string teams_record(const Person& actor, Timestamp time, const std::string& tenant,
                         Random& random) {
    const bool message = random.chance(0.6);
    Json j = common_fields(time, random, message ? "MessageSent" : "TeamsSessionStarted", tenant,
                           25, "MicrosoftTeams");
    j["UserKey"] = actor.object_id;
    j["ClientIP"] = address(actor.client_ip, random);
    j["UserId"] = upn_as_logged(actor, random);
    if (message) {
        j["ChatThreadId"] = fmt::format("19:{}@thread.v2", random.guid());
        j["CommunicationType"] = random.chance(0.5) ? "OneOnOne" : "GroupChat";
        j["MessageId"] = std::to_string(random.between(1700000000000, 1799999999999));
        j["MessageSizeInBytes"] = random.between(40, 4000);
        j["MessageVersion"] = "1";
        j["ParticipantInfo"] = Json{{"HasForeignTenantUsers", false},
                                    {"HasGuestUsers", random.chance(0.1)},
                                    {"HasOtherGuestUsers", false},
                                    {"HasUnauthenticatedUsers", false}};
        j["ResourceTenantId"] = tenant;
    } else {
        j["ObjectId"] = "Teams Desktop (49/24010300014)";
    }
    j["AppAccessContext"] = Json{{"AADSessionId", random.guid()},
                                 {"ClientAppId", "1fec8e78-bce4-4aaf-ab1b-5451cc387264"},
                                 {"CorrelationId", random.guid()}};
    j["ExtraProperties"] = Json::array(
        {Json{{"Key", "OriginEnvironment"}, {"Value", "ProdEUNO-01"}},
         Json{{"Key", "UserAgent"}, {"Value", kUserAgents[random.below(kUserAgents.size())]}}});
    return j.dump();
}

std::string exchange_record(const Person& actor, Timestamp time, const std::string& tenant,
                            const std::string& domain, Random& random) {
    Json j = common_fields(time, random, "MailItemsAccessed", tenant, 50, "Exchange");
    j["ResultStatus"] = "Succeeded";
    j["UserKey"] = actor.puid;
    j["ClientIP"] = address(actor.client_ip, random);
    j["UserId"] = upn_as_logged(actor, random);
    j["AppId"] = "00000002-0000-0ff1-ce00-000000000000";
    j["ClientAppId"] = "";
    j["ClientIPAddress"] = actor.client_ip;
    j["ClientInfoString"] = "Client=OWA;Action=ViaProxy";
    j["ExternalAccess"] = false;
    j["InternalLogonType"] = 0;
    j["LogonType"] = 0;
    j["LogonUserSid"] =
        fmt::format("S-1-5-21-{}-{}-{}", random.between(100000000, 999999999),
                    random.between(100000000, 999999999), random.between(1000, 99999));
    j["MailboxGuid"] = random.guid();
    j["MailboxOwnerUPN"] = actor.upn;
    j["OperationProperties"] = Json::array({Json{{"Name", "MailAccessType"}, {"Value", "Bind"}},
                                            Json{{"Name", "IsThrottled"}, {"Value", "False"}}});
    j["OrganizationName"] = domain.substr(0, domain.find('.')) + ".onmicrosoft.com";
    j["OriginatingServer"] = fmt::format("AM{}PR0{}MB{} (15.20.7228.000)", random.between(1, 9),
                                         random.between(1, 9), random.between(1000, 9999));
    Json items = Json::array();
    const auto count = random.between(1, 12);
    for (std::int64_t i = 0; i < count; ++i) {
        items.push_back(Json{{"InternetMessageId",
                              fmt::format("<{}@{}>", random.guid(), "eurprd04.prod.outlook.com")},
                             {"SizeInBytes", random.between(2000, 400000)}});
    }
    j["Folders"] = Json::array({Json{{"FolderItems", std::move(items)},
                                     {"Id", fmt::format("LgAAAAD{:016X}AQ", random.next())},
                                     {"Path", "\\Inbox"}}});
    j["OperationCount"] = count;
    return j.dump();
}

std::string power_bi_record(const Person& actor, Timestamp time, const std::string& tenant,
                            Random& random) {
    const std::string_view report = kReports[random.below(kReports.size())];
    Json j = common_fields(time, random, "ViewReport", tenant, 20, "PowerBI");
    j["UserKey"] = actor.puid;
    j["UserId"] = upn_as_logged(actor, random);
    j["ClientIP"] = actor.client_ip;
    j["UserAgent"] = kUserAgents[0];
    j["Activity"] = "ViewReport";
    j["ItemName"] = report;
    j["WorkSpaceName"] = fmt::format("{} analytics", kSites[random.below(kSites.size())]);
    j["DatasetName"] = report;
    j["ReportName"] = report;
    j["CapacityId"] = random.guid();
    j["CapacityName"] = "Premium Per User - Reserved";
    j["WorkspaceId"] = random.guid();
    j["ObjectId"] = report;
    j["DatasetId"] = random.guid();
    j["ReportId"] = random.guid();
    j["ArtifactId"] = random.guid();
    j["ArtifactName"] = report;
    j["IsSuccess"] = true;
    j["ReportType"] = "PowerBIReport";
    j["RequestId"] = random.guid();
    j["ActivityId"] = random.guid();
    j["DistributionMethod"] = "Workspace";
    j["ConsumptionMethod"] = "Power BI Web";
    j["ArtifactKind"] = "Report";
    return j.dump();
}

std::string forms_record(const Person& actor, Timestamp time, const std::string& tenant,
                         Random& random) {
    const bool respond = random.chance(0.7);
    Json j = common_fields(time, random, respond ? "CreateResponse" : "ViewForm", tenant, 66,
                           "MicrosoftForms");
    j["UserKey"] = actor.object_id;
    j["ClientIP"] = actor.client_ip;
    j["ObjectId"] =
        fmt::format("https://forms.office.com/Pages/DesignPageV2.aspx?id={}", random.guid());
    j["UserId"] = upn_as_logged(actor, random);
    j["FormsUserType"] = respond ? "Responder" : "Owner";
    j["SourceApp"] = "Microsoft Forms";
    j["FormName"] = random.chance(0.5) ? "Team offsite survey" : "IT service feedback";
    j["FormId"] = fmt::format("{}{}", random.guid(), random.guid());
    j["FormTypes"] = "Form";
    j["ResponseId"] = respond ? std::to_string(random.between(1, 900)) : "";
    return j.dump();
}

std::string sign_in_record(const Person& actor, Timestamp time, const std::string& tenant,
                           Random& random) {
    Json j = common_fields(time, random, "UserLoggedIn", tenant, 15, "AzureActiveDirectory");
    j["ResultStatus"] = "Success";
    j["UserKey"] = actor.object_id;
    j["ClientIP"] = actor.client_ip;
    j["ObjectId"] = "00000003-0000-0ff1-ce00-000000000000";
    j["UserId"] = upn_as_logged(actor, random);
    j["AzureActiveDirectoryEventType"] = 1;
    j["ExtendedProperties"] = Json::array(
        {Json{{"Name", "ResultStatusDetail"}, {"Value", "Redirect"}},
         Json{{"Name", "UserAgent"}, {"Value", kUserAgents[random.below(kUserAgents.size())]}},
         Json{{"Name", "RequestType"}, {"Value", "OAuth2:Authorize"}}});
    j["ModifiedProperties"] = Json::array();
    j["Actor"] = Json::array(
        {Json{{"ID", actor.object_id}, {"Type", 0}}, Json{{"ID", actor.upn}, {"Type", 5}}});
    j["ActorContextId"] = tenant;
    j["ActorIpAddress"] = actor.client_ip;
    j["InterSystemsId"] = random.guid();
    j["IntraSystemId"] = random.guid();
    j["SupportTicketId"] = "";
    j["Target"] = Json::array({Json{{"ID", "00000003-0000-0ff1-ce00-000000000000"}, {"Type", 0}}});
    j["TargetContextId"] = tenant;
    j["ApplicationId"] = "89bee1f7-5e6e-4d8a-9f3d-ecd601259da7";
    j["DeviceProperties"] = Json::array({Json{{"Name", "OS"}, {"Value", "Windows10"}},
                                         Json{{"Name", "BrowserType"}, {"Value", "Edge"}},
                                         Json{{"Name", "SessionId"}, {"Value", random.guid()}}});
    j["ErrorNumber"] = "0";
    return j.dump();
}

}  // namespace

std::string record_time(Timestamp t) {
    const auto secs = std::chrono::floor<std::chrono::seconds>(t);
    const auto day = std::chrono::floor<std::chrono::days>(secs);
    const std::chrono::year_month_day ymd{day};
    const std::chrono::hh_mm_ss hms{secs - day};
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}", static_cast<int>(ymd.year()),
                       static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                       hms.hours().count(), hms.minutes().count(), hms.seconds().count());
}

std::string flow_record_json(const FlowEvent& event, const std::string& id,
                             const std::string& tenant, Random& random) {
    const Person& actor = *event.actor;
    const bool admin = event.user_type_initiated == kInitiatedByAdmin;
    Json j;
    j["CreationTime"] = record_time(event.time);
    j["Id"] = id;
    j["Operation"] = event.operation;
    j["OrganizationId"] = tenant;
    j["RecordType"] = 30;
    j["ResultStatus"] = "Succeeded";
    j["UserKey"] = actor.object_id;
    j["UserType"] = admin ? 2 : 0;
    j["Version"] = 1;
    j["Workload"] = "MicrosoftFlow";
    j["ClientIP"] = address(event.client_ip.empty() ? actor.client_ip : event.client_ip, random);
    // Deletes often come without the URL and with the actor's id as ObjectId (a known defect).
    const bool blank_url =
        event.flow_id.empty() || (event.operation == "DeleteFlow" && random.chance(0.7));
    j["ObjectId"] = blank_url ? actor.object_id : event.flow_id;
    j["UserId"] = upn_as_logged(actor, random);
    j["FlowConnectorNames"] = join_names(event.connectors);
    j["FlowDetailsUrl"] = blank_url ? std::string() : flow_details_url(event, random);
    if (!event.license.empty()) {
        j["LicenseDisplayName"] = event.license;
    }
    if (event.recipient != nullptr) {
        j["RecipientUPN"] = upn_as_logged(*event.recipient, random);
    }
    if (event.sharing_permission != 0) {
        // Documented as a string; both forms occur.
        j["SharingPermission"] = random.chance(0.25)
                                     ? Json(std::to_string(event.sharing_permission))
                                     : Json(event.sharing_permission);
    }
    if (event.user_type_initiated != 0) {
        j["UserTypeInitiated"] = event.user_type_initiated;
    }
    j["UserUPN"] = actor.object_id;
    return j.dump();
}

std::string other_record_json(const Person& actor, Timestamp time, const std::string& tenant,
                              const std::string& domain, Random& random) {
    static constexpr std::array<double, 6> kWorkloadWeights = {34, 22, 18, 10, 8, 8};
    switch (random.weighted(kWorkloadWeights)) {
        case 0:
            return sharepoint_record(actor, time, tenant, domain, random);
        case 1:
            return teams_record(actor, time, tenant, random);
        case 2:
            return exchange_record(actor, time, tenant, domain, random);
        case 3:
            return sign_in_record(actor, time, tenant, random);
        case 4:
            return power_bi_record(actor, time, tenant, random);
        default:
            return forms_record(actor, time, tenant, random);
    }
}

}  // namespace flowwatch::scenario
