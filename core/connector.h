#pragma once
/// Connector names: normalisation, splitting FlowConnectorNames, and the prior risk of a connector.

#include <string>
#include <string_view>
#include <vector>

namespace flowwatch {

/// A connector as named in FlowConnectorNames. `key` identifies it (trimmed, case-folded, inner
/// white space collapsed); `display` keeps the first spelling seen, for people.
struct Connector {
    std::string key;
    std::string display;

    friend bool operator==(const Connector& a, const Connector& b) { return a.key == b.key; }
};

/// Builds a connector from one name; returns an empty key for a blank name.
Connector make_connector(std::string_view name);

/// The normalised key of a connector name, as used in configuration lists and the database.
std::string connector_key(std::string_view name);

/// Splits the comma-separated FlowConnectorNames string; blanks and repeats are dropped.
std::vector<Connector> split_connectors(std::string_view names);

/// What a connector is known to be good for, before any baseline says how common it is.
enum class ConnectorClass {
    ubiquitous,  ///< Core Microsoft 365 connectors most makers use (Outlook, Teams, Approvals…).
    standard,    ///< Anything not otherwise known.
    external_sink,  ///< Sends data out of the tenant (HTTP, SMTP, Gmail, Dropbox, FTP…).
    critical,       ///< Sinks with the widest reach (HTTP with Entra ID, Key Vault, custom ones).
};

ConnectorClass classify_connector(const Connector& connector);
std::string_view class_name(ConnectorClass c);

/// 0..1: how much a connector weighs before rarity is known (ubiquitous 0.1 … critical 1.0).
double prior_risk(ConnectorClass c);

/// True for mailbox and file connectors, the usual source of an exfiltration flow.
bool is_data_source(const Connector& connector);

}  // namespace flowwatch
