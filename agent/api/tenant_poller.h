#pragma once
/// One tenant's polling cycle: ensure the subscriptions, list each content type's windows from
/// its cursor, download the new blobs, evaluate them through the pipeline (a blob's records,
/// alerts and its contentId in one transaction), record gaps, and advance each cursor only once
/// every page and every blob of a window is committed. Built once per tenant; the daemon calls
/// run_cycle on its schedule.

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "agent/api/api_session.h"
#include "agent/api/blob_fetcher.h"
#include "agent/api/content_lister.h"
#include "agent/api/http_transport.h"
#include "agent/api/subscription_keeper.h"
#include "agent/api/token_provider.h"
#include "agent/config.h"
#include "core/api_state.h"
#include "core/pipeline.h"
#include "core/record_reader.h"
#include "core/store.h"

namespace flowwatch::agent::api {

/// What one cycle did, for the summary, the status endpoint and /metrics.
struct PollStats {
    std::map<std::string, std::uint64_t> requests;  ///< Attempts by outcome (see ApiSession).
    std::uint64_t windows_listed = 0;
    std::uint64_t windows_completed = 0;
    std::uint64_t blobs_listed = 0;
    std::uint64_t blobs_already_committed = 0;
    std::uint64_t blobs_committed = 0;  ///< Blobs read and evaluated.
    std::uint64_t blobs_gone = 0;
    std::uint64_t blobs_refused = 0;  ///< contentUri outside the API host.
    std::uint64_t blobs_failed = 0;   ///< To be tried again next cycle.
    std::uint64_t records = 0;        ///< Audit records of any workload.
    std::uint64_t malformed_records = 0;
    PipelineCounts pipeline;  ///< Power Automate records, duplicates, evaluations, alerts.
    std::uint64_t gaps = 0;
    std::uint64_t security_events = 0;
    std::optional<Timestamp> newest_content_committed;
    std::optional<Error> last_error;
    AuthState auth = AuthState::unknown;
    std::chrono::milliseconds clock_skew{0};

    /// True when every window of every content type was listed and committed.
    bool complete() const { return !last_error.has_value(); }
};

struct TenantPollerOptions {
    TenantConfig tenant;
    HttpConfig http;
    TimeSource time = TimeSource::system();
    /// Default: the attempts and backoff of `http`.
    std::optional<RetryPolicy> retry;
    /// Each new alert at or above min_severity, right after its blob was committed.
    std::function<void(const Alert&)> on_emitted;
    /// Used instead of the cpprest transport when set (tests).
    std::shared_ptr<HttpTransport> transport;
};

class TenantPoller {
  public:
    /// Loads the credential and resolves the endpoints; errors are configuration errors.
    /// `store` and `state` usually are one SqliteStore; both outlive the poller.
    static Result<std::unique_ptr<TenantPoller>> create(TenantPollerOptions options, Store& store,
                                                        ApiStateStore& state,
                                                        const DetectionPolicy& policy);
    ~TenantPoller();

    /// One full cycle. Fails only when the cycle could not start or the store failed (an
    /// authentication error, say); a window that could not be finished is reported in
    /// `last_error` and tried again next cycle.
    Result<PollStats> run_cycle(StopSource& stop);

    const std::string& tenant_id() const;

  private:
    struct Parts;
    explicit TenantPoller(std::unique_ptr<Parts> parts);

    struct Cycle;
    Result<void> poll_content_type(Cycle& cycle, const std::string& content_type);
    Result<bool> poll_window(Cycle& cycle, const std::string& content_type,
                             const ListingWindow& window);
    Result<void> commit_blob(Cycle& cycle, const ContentEntry& entry, const ListingWindow& window,
                             const FetchedBlob& blob);

    std::unique_ptr<Parts> parts_;
};

/// True for errors the user must fix (configuration, credentials, consent): `once` exits on them.
bool is_fatal_poll_error(const Error& error);

}  // namespace flowwatch::agent::api
