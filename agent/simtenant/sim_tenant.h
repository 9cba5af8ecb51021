#pragma once
/// A simulated Microsoft 365 tenant on loopback: the Entra v2 token endpoint and the Office 365
/// Management Activity API, over real HTTP or HTTPS, with faults a test can inject.

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "agent/simtenant/faults.h"
#include "core/error.h"
#include "core/time.h"

namespace flowwatch::simtenant {

/// One content blob of the activity feed.
struct SimBlob {
    std::string content_id;
    std::string content_type = "Audit.General";
    /// Listed in the window that contains it, once available.
    Timestamp content_created{};
    /// Not listed (nor served) before this: late-arriving content. Epoch = content_created.
    Timestamp available_at{};
    /// After this the blob answers AF20051. Epoch = content_created + 7 days.
    Timestamp expires_at{};
    /// The JSON array text served as the blob.
    std::string body;
};

struct SimTenantOptions {
    std::string tenant_id;
    std::string client_id;
    std::string client_secret;
    /// The secret is right but past its end date: AADSTS7000222.
    bool client_secret_expired = false;
    /// When set, client assertions must be signed by this certificate's key (PS256 or RS256).
    std::string certificate_pem;
    /// Serve HTTPS with a self-signed certificate generated at start (in memory).
    bool https = false;
    int token_lifetime_seconds = 3599;
    /// The v1-style `"expires_in":"3599"` (a string) instead of a number.
    bool expires_in_as_string = false;
    /// The tenant's "now"; default the system clock.
    std::function<Timestamp()> clock;
    /// Entries per listing page before a NextPageUri is sent.
    int page_size = 100;
    /// The HTTP status carrying AF20051 (content expired).
    int expired_content_status = 404;
    /// Content types whose subscription is already enabled at start.
    std::vector<std::string> enabled_content_types;
};

/// What the tenant saw, for assertions in tests.
struct Stats {
    /// Answers sent, by request kind and HTTP status (faulted answers included; a reset is 0).
    std::map<RequestKind, std::map<int, int>> answers;
    int tokens_issued = 0;
    /// Successful downloads per content id.
    std::map<std::string, int> blob_downloads;
    /// The PublisherIdentifier query parameter of every API request ("" when absent), in order.
    std::vector<std::string> publisher_ids;
    /// Every Authorization header the API endpoints received, in order.
    std::vector<std::string> authorization_headers;
    /// Requests that reached the decoy host, and the Authorization headers among them.
    int decoy_requests = 0;
    std::vector<std::string> decoy_authorization_headers;
    /// Faults applied, by kind.
    std::map<FaultKind, int> faults_applied;

    /// Answers of `kind` with `status` (any status when 0 is not asked: pass -1).
    int count(RequestKind kind, int status = -1) const;
};

class SimTenant {
  public:
    static Result<std::unique_ptr<SimTenant>> start(SimTenantOptions options);
    /// Stops and joins.
    ~SimTenant();
    SimTenant(const SimTenant&) = delete;
    SimTenant& operator=(const SimTenant&) = delete;

    /// Closes the listeners and every connection (slow answers in flight included), then joins.
    void stop();

    /// "http(s)://127.0.0.1:PORT": both the login and the API endpoint.
    std::string base_url() const;
    /// The decoy host that foreign contentUri / NextPageUri values point at.
    std::string decoy_url() const;
    /// The self-signed certificate (PEM), for the client's ca_file; empty over plain HTTP.
    std::string ca_certificate_pem() const;
    /// The token endpoint URL, which is also the `aud` a client assertion must carry.
    std::string token_endpoint() const;

    /// Thread-safe, any time. A blob with an id already present replaces it.
    void add_blob(SimBlob blob);
    /// Thread-safe. The subscription of `content_type` becomes disabled by an admin (AF20023).
    void disable_subscription_by_admin(const std::string& content_type);

    Faults& faults();
    Stats stats() const;

    struct Impl;

  private:
    explicit SimTenant(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace flowwatch::simtenant
