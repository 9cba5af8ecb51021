#include <doctest/doctest.h>

#include "core/connector.h"

using namespace flowwatch;

TEST_CASE("a connector key is trimmed, case-folded and has single inner spaces") {
    CHECK(connector_key("  Office 365   Outlook ") == "office 365 outlook");
    CHECK(connector_key("HTTP\twith  Microsoft Entra ID") == "http with microsoft entra id");
    CHECK(connector_key("   ") == "");
}

TEST_CASE("make_connector keeps the display name as written, only trimmed") {
    const Connector c = make_connector("  SharePoint  Online ");
    CHECK(c.key == "sharepoint online");
    CHECK(c.display == "SharePoint  Online");
    CHECK(make_connector(" ").key.empty());
}

TEST_CASE("FlowConnectorNames splits into trimmed connectors in order") {
    const auto connectors = split_connectors("Office 365 Outlook, SharePoint,HTTP");
    REQUIRE(connectors.size() == 3);
    CHECK(connectors[0].display == "Office 365 Outlook");
    CHECK(connectors[1].display == "SharePoint");
    CHECK(connectors[2].display == "HTTP");
}

TEST_CASE("repeated connectors are dropped whatever their case, keeping the first spelling") {
    const auto connectors = split_connectors("HTTP, sharepoint, http ,SharePoint,  Http");
    REQUIRE(connectors.size() == 2);
    CHECK(connectors[0].display == "HTTP");
    CHECK(connectors[1].display == "sharepoint");
}

TEST_CASE("blank names in FlowConnectorNames are ignored") {
    CHECK(split_connectors("").empty());
    CHECK(split_connectors(" , ,").empty());
    CHECK(split_connectors(",Approvals,,").size() == 1);
}

TEST_CASE("connectors compare by key only") {
    CHECK(make_connector("Microsoft Teams") == make_connector("microsoft  TEAMS"));
    CHECK_FALSE(make_connector("Teams") == make_connector("Microsoft Teams"));
}

TEST_CASE("core Microsoft 365 connectors are ubiquitous") {
    for (const char* name : {"Office 365 Outlook", "Office 365 Users", "Microsoft Teams",
                             "SharePoint", "OneDrive for Business", "Approvals", "Notifications",
                             "Excel Online (Business)", "Planner"}) {
        CAPTURE(name);
        CHECK(classify_connector(make_connector(name)) == ConnectorClass::ubiquitous);
    }
}

TEST_CASE("personal mail and storage, HTTP and file transfer are external sinks") {
    for (const char* name :
         {"HTTP", "HTTP Webhook", "SMTP", "Gmail", "Outlook.com", "Dropbox", "Google Drive", "Box",
          "FTP", "SFTP - SSH", "Slack", "Mail", "Azure Blob Storage", "Request"}) {
        CAPTURE(name);
        CHECK(classify_connector(make_connector(name)) == ConnectorClass::external_sink);
    }
}

TEST_CASE("HTTP with Entra ID, Key Vault and unknown custom connector ids are critical") {
    for (const char* name : {"HTTP with Microsoft Entra ID", "HTTP with Azure AD",
                             "Azure Key Vault", "shared_contoso-5fexport-5f1234abcd"}) {
        CAPTURE(name);
        CHECK(classify_connector(make_connector(name)) == ConnectorClass::critical);
    }
}

TEST_CASE("API names of known connectors are classified like their display names") {
    CHECK(classify_connector(make_connector("shared_office365")) == ConnectorClass::ubiquitous);
    CHECK(classify_connector(make_connector("shared_sendmail")) == ConnectorClass::external_sink);
    CHECK(classify_connector(make_connector("shared_webcontents")) == ConnectorClass::critical);
    CHECK(is_data_source(make_connector("shared_sharepointonline")));
}

TEST_CASE("an unknown connector is standard") {
    CHECK(classify_connector(make_connector("Contoso Inventory")) == ConnectorClass::standard);
    CHECK(classify_connector(make_connector("Dataverse")) == ConnectorClass::standard);
}

TEST_CASE("prior risk grows with the class") {
    CHECK(prior_risk(ConnectorClass::ubiquitous) == doctest::Approx(0.1));
    CHECK(prior_risk(ConnectorClass::standard) == doctest::Approx(0.35));
    CHECK(prior_risk(ConnectorClass::external_sink) == doctest::Approx(0.75));
    CHECK(prior_risk(ConnectorClass::critical) == doctest::Approx(1.0));
}

TEST_CASE("class names are the enumerator names") {
    CHECK(class_name(ConnectorClass::ubiquitous) == "ubiquitous");
    CHECK(class_name(ConnectorClass::standard) == "standard");
    CHECK(class_name(ConnectorClass::external_sink) == "external_sink");
    CHECK(class_name(ConnectorClass::critical) == "critical");
}

TEST_CASE("mailbox, file and table connectors are data sources; sinks are not") {
    for (const char* name :
         {"Office 365 Outlook", "Outlook", "SharePoint", "OneDrive", "OneDrive for Business",
          "Excel Online (Business)", "Dataverse", "SQL Server"}) {
        CAPTURE(name);
        CHECK(is_data_source(make_connector(name)));
    }
    for (const char* name : {"HTTP", "Approvals", "Microsoft Teams", "Gmail", "Slack"}) {
        CAPTURE(name);
        CHECK_FALSE(is_data_source(make_connector(name)));
    }
}
