#include "core/connector.h"

#include <algorithm>
#include <array>
#include <utility>

namespace flowwatch {
namespace {

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

char fold(char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

std::string_view trim(std::string_view text) {
    while (!text.empty() && is_space(text.front())) {
        text.remove_prefix(1);
    }
    while (!text.empty() && is_space(text.back())) {
        text.remove_suffix(1);
    }
    return text;
}

// The lists below are keyed by `connector_key`. They come from Power Platform's DLP documentation
// (connectors that cannot be blocked), the risky-connector lists collected in detections.md §2.3,
// and the API names (`shared_*`) that some tools print instead of display names.

/// Core Microsoft 365 connectors present in most benign flows; rarity still counts, risk is low.
constexpr std::string_view kUbiquitous[] = {
    "office 365 outlook",
    "office 365 users",
    "office 365 groups",
    "office 365 groups mail",
    "microsoft 365 groups",
    "microsoft teams",
    "sharepoint",
    "onedrive for business",
    "approvals",
    "notifications",
    "excel online (business)",
    "planner",
    "microsoft forms",
    "onenote (business)",
    "microsoft to-do (business)",
    "to-do (business)",
    "content conversion",
    "power apps notification",
    "power apps notification (v2)",
    // Built-in steps, named by their action type in some FlowConnectorNames values.
    "openapiconnection",
    "recurrence",
};

/// Connectors that move data to a place the tenant does not control. Personal mail and storage
/// (Outlook.com, Gmail, Dropbox…) belong here even though they are Microsoft or big-vendor
/// services. "Request" is the built-in "When a HTTP request is received" trigger: an inbound
/// webhook that anyone with the URL can drive.
constexpr std::string_view kExternalSinks[] = {
    "http",
    "http webhook",
    "httpwebhook",
    "request",
    "when a http request is received",
    "smtp",
    "mail",
    "gmail",
    "outlook.com",
    "dropbox",
    "google drive",
    "box",
    "ftp",
    "sftp",
    "sftp - ssh",
    "slack",
    "telegram",
    "telegram bot",
    "twitter",
    "x",
    "facebook",
    "sendgrid",
    "twilio",
    "github",
    "amazon s3",
    "google cloud storage",
    "azure blob storage",
    "azure file storage",
    "azure queues",
    "discord",
    "webhook",
};

/// Sinks with the widest reach: authenticated HTTP into Microsoft Graph and Azure, secrets, and
/// directory writes.
constexpr std::string_view kCritical[] = {
    "http with microsoft entra id",
    "http with microsoft entra id (preauthorized)",
    "http with entra id",
    "http with azure ad",
    "azure key vault",
    "azure ad",
    "microsoft entra id",
    "azure automation",
};

/// Mailbox, file and table connectors: where the data of an exfiltration flow comes from.
constexpr std::string_view kDataSources[] = {
    "office 365 outlook",
    "outlook",
    "outlook.com",
    "sharepoint",
    "onedrive",
    "onedrive for business",
    "excel online (business)",
    "excel online (onedrive)",
    "dataverse",
    "dataverse (legacy)",
    "common data service",
    "common data service (current environment)",
    "microsoft dataverse",
    "sql server",
    "azure blob storage",
    "azure file storage",
    "onenote (business)",
    "office 365 groups mail",
};

/// API names (as seen in connection references) of connectors in the lists above.
constexpr std::array<std::pair<std::string_view, std::string_view>, 32> kApiNames = {{
    {"shared_office365", "office 365 outlook"},
    {"shared_office365users", "office 365 users"},
    {"shared_office365groups", "office 365 groups"},
    {"shared_teams", "microsoft teams"},
    {"shared_sharepointonline", "sharepoint"},
    {"shared_onedriveforbusiness", "onedrive for business"},
    {"shared_onedrive", "onedrive"},
    {"shared_approvals", "approvals"},
    {"shared_flowpush", "notifications"},
    {"shared_excelonlinebusiness", "excel online (business)"},
    {"shared_planner", "planner"},
    {"shared_microsoftforms", "microsoft forms"},
    {"shared_commondataserviceforapps", "dataverse"},
    {"shared_sql", "sql server"},
    {"shared_webcontents", "http with microsoft entra id"},
    {"shared_keyvault", "azure key vault"},
    {"shared_azuread", "azure ad"},
    {"shared_azureautomation", "azure automation"},
    {"shared_sendmail", "mail"},
    {"shared_smtp", "smtp"},
    {"shared_gmail", "gmail"},
    {"shared_outlook", "outlook.com"},
    {"shared_dropbox", "dropbox"},
    {"shared_googledrive", "google drive"},
    {"shared_box", "box"},
    {"shared_ftp", "ftp"},
    {"shared_sftpwithssh", "sftp - ssh"},
    {"shared_slack", "slack"},
    {"shared_twitter", "twitter"},
    {"shared_sendgrid", "sendgrid"},
    {"shared_azureblob", "azure blob storage"},
    {"shared_github", "github"},
}};

template <typename List, typename Value>
bool contains(const List& list, const Value& value) {
    return std::find(std::begin(list), std::end(list), value) != std::end(list);
}

/// Maps an API name to the display-name key; nullopt-like empty view for names not in the table.
std::string_view known_api_name(std::string_view key) {
    for (const auto& [api, display] : kApiNames) {
        if (api == key) {
            return display;
        }
    }
    return {};
}

}  // namespace

std::string connector_key(std::string_view name) {
    const std::string_view trimmed = trim(name);
    std::string key;
    key.reserve(trimmed.size());
    bool in_space = false;
    for (const char c : trimmed) {
        if (is_space(c)) {
            in_space = true;
            continue;
        }
        if (in_space) {
            key.push_back(' ');
            in_space = false;
        }
        key.push_back(fold(c));
    }
    return key;
}

Connector make_connector(std::string_view name) {
    return Connector{connector_key(name), std::string(trim(name))};
}

std::vector<Connector> split_connectors(std::string_view names) {
    std::vector<Connector> connectors;
    while (!names.empty()) {
        const std::size_t comma = names.find(',');
        const std::string_view part = names.substr(0, comma);
        names = comma == std::string_view::npos ? std::string_view{} : names.substr(comma + 1);

        Connector connector = make_connector(part);
        if (!connector.key.empty() && !contains(connectors, connector)) {
            connectors.push_back(std::move(connector));
        }
    }
    return connectors;
}

ConnectorClass classify_connector(const Connector& connector) {
    std::string_view key = connector.key;
    if (key.starts_with("shared_")) {
        // An API name that is not a known Microsoft one is a custom connector (their API names
        // look like `shared_contoso-5fapi-5f<hash>`): code the tenant cannot see into.
        key = known_api_name(key);
        if (key.empty()) {
            return ConnectorClass::critical;
        }
    }
    if (contains(kCritical, key)) {
        return ConnectorClass::critical;
    }
    if (contains(kExternalSinks, key)) {
        return ConnectorClass::external_sink;
    }
    if (contains(kUbiquitous, key)) {
        return ConnectorClass::ubiquitous;
    }
    // TODO: a custom connector named by its display name looks like any unknown connector; only
    // an inventory of the tenant's custom connectors could tell them apart.
    return ConnectorClass::standard;
}

std::string_view class_name(ConnectorClass c) {
    switch (c) {
        case ConnectorClass::ubiquitous:
            return "ubiquitous";
        case ConnectorClass::standard:
            return "standard";
        case ConnectorClass::external_sink:
            return "external_sink";
        case ConnectorClass::critical:
            return "critical";
    }
    return "standard";
}

double prior_risk(ConnectorClass c) {
    switch (c) {
        case ConnectorClass::ubiquitous:
            return 0.1;
        case ConnectorClass::standard:
            return 0.35;
        case ConnectorClass::external_sink:
            return 0.75;
        case ConnectorClass::critical:
            return 1.0;
    }
    return 0.35;
}

bool is_data_source(const Connector& connector) {
    std::string_view key = connector.key;
    if (key.starts_with("shared_")) {
        key = known_api_name(key);
    }
    return !key.empty() && contains(kDataSources, key);
}

}  // namespace flowwatch
