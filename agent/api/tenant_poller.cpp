#include "agent/api/tenant_poller.h"

#include <algorithm>
#include <set>

#include <simdjson.h>

#include "agent/api/cloud_endpoints.h"
#include "agent/api/cpprest_transport.h"
#include "agent/api/rate_limiter.h"
#include "agent/logging.h"

namespace flowwatch::agent::api {
namespace {

/// API codes that no retry will fix: permissions, tenant identity, content type.
constexpr std::array<std::string_view, 6> kFatalApiCodes = {"AF10001", "AF20010", "AF20011",
                                                            "AF20012", "AF20013", "AF20020"};

std::shared_ptr<spdlog::logger> poller_log() {
    return component_logger("poller");
}

/// Runs a store call, turning the store's exceptions into an Error naming the operation.
template <typename F>
auto guarded(std::string_view operation, F&& call) -> Result<decltype(call())> {
    try {
        if constexpr (std::is_void_v<decltype(call())>) {
            call();
            return {};
        } else {
            return call();
        }
    } catch (const std::exception& e) {
        return fail(std::string(operation) + ": " + e.what(), "storage");
    }
}

}  // namespace

bool is_fatal_poll_error(const Error& error) {
    const std::string& code = error.code;
    return code.starts_with("AADSTS") || code == "config" || code == "storage" ||
           code == "http_401" || code == "bad_token_response" ||
           std::ranges::find(kFatalApiCodes, code) != kFatalApiCodes.end();
}

struct TenantPoller::Parts {
    Parts(TenantPollerOptions opts, TenantEndpoints ends, ClientCredential credential, Store& store,
          ApiStateStore& api_state, const DetectionPolicy& detection)
        : options(std::move(opts)),
          endpoints(std::move(ends)),
          transport(options.transport ? options.transport
                                      : std::make_shared<CpprestTransport>(CpprestTransportOptions{
                                            std::chrono::seconds{options.http.timeout_seconds},
                                            options.tenant.ca_file, options.http.proxy})),
          tokens(*transport,
                 TokenRequestTarget{options.tenant.tenant_id, options.tenant.client_id,
                                    endpoints.token_url, endpoints.scope},
                 std::move(credential), options.time, *options.retry),
          limiter(options.http.max_requests_per_minute, options.time),
          session(
              *transport, tokens, limiter,
              ApiSessionOptions{options.tenant.tenant_id, endpoints.api_base,
                                options.tenant.publisher_id.empty() ? options.tenant.tenant_id
                                                                    : options.tenant.publisher_id,
                                *options.retry},
              options.time),
          keeper(session, api_state, endpoints.feed_root, options.time),
          fetcher(session, options.http.concurrency),
          state(api_state),
          policy(detection),
          pipeline(store, policy) {
        windows.backfill_days = options.tenant.backfill_days;
        windows.relist_overlap = std::chrono::minutes{options.tenant.relist_overlap_minutes};
    }

    TenantPollerOptions options;
    TenantEndpoints endpoints;
    std::shared_ptr<HttpTransport> transport;
    TokenProvider tokens;
    RateLimiter limiter;
    ApiSession session;
    SubscriptionKeeper keeper;
    BlobFetcher fetcher;
    ApiStateStore& state;
    DetectionPolicy policy;
    Pipeline pipeline;
    RecordReader reader;
    WindowSettings windows;
};

struct TenantPoller::Cycle {
    StopSource& stop;
    PollStats stats;
};

TenantPoller::TenantPoller(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}
TenantPoller::~TenantPoller() = default;

const std::string& TenantPoller::tenant_id() const {
    return parts_->options.tenant.tenant_id;
}

Result<std::unique_ptr<TenantPoller>> TenantPoller::create(TenantPollerOptions options,
                                                           Store& store, ApiStateStore& state,
                                                           const DetectionPolicy& policy) {
    auto endpoints = resolve_endpoints(options.tenant);
    if (!endpoints) {
        return std::unexpected(endpoints.error());
    }
    auto credential = load_client_credential(options.tenant);
    if (!credential) {
        return std::unexpected(credential.error());
    }
    // Masked in every log line from now on, should any path ever print it.
    register_secret(credential->secret);
    if (!options.retry) {
        options.retry = RetryPolicy{
            .max_attempts = options.http.retry_max_attempts,
            .base_delay = std::chrono::milliseconds{options.http.retry_base_delay_ms},
            .max_delay = std::chrono::milliseconds{options.http.retry_max_delay_ms},
        };
    }
    auto parts = std::make_unique<Parts>(std::move(options), std::move(*endpoints),
                                         std::move(*credential), store, state, policy);
    return std::unique_ptr<TenantPoller>(new TenantPoller(std::move(parts)));
}

Result<PollStats> TenantPoller::run_cycle(StopSource& stop) {
    Parts& p = *parts_;
    Cycle cycle{stop, {}};
    auto finish = [&]() -> Result<PollStats> {
        cycle.stats.requests = p.session.request_counts();
        cycle.stats.auth = p.tokens.state();
        cycle.stats.clock_skew = p.session.clock_skew();
        return cycle.stats;
    };

    auto enabled = p.keeper.ensure(p.options.tenant.content_types, stop);
    if (!enabled) {
        if (is_fatal_poll_error(enabled.error())) {
            return std::unexpected(enabled.error());
        }
        poller_log()->warn("cycle ended early: {} {}", enabled.error().message,
                           fields({{"tenant", tenant_id()}, {"code", enabled.error().code}}));
        cycle.stats.last_error = enabled.error();
        return finish();
    }

    for (const auto& content_type : p.options.tenant.content_types) {
        if (stop.stop_requested()) {
            break;
        }
        if (!enabled->contains(content_type)) {
            poller_log()->info("subscription not enabled yet; skipped this cycle {}",
                               fields({{"tenant", tenant_id()}, {"content_type", content_type}}));
            continue;
        }
        if (auto polled = poll_content_type(cycle, content_type); !polled) {
            return std::unexpected(polled.error());
        }
    }

    // Content created before this can no longer be listed, so its ids need not be kept.
    const Timestamp horizon = p.options.time.now() - p.windows.retention - std::chrono::days{1};
    if (auto pruned = guarded("prune committed content ids",
                              [&] { p.state.prune_committed_content(tenant_id(), horizon); });
        !pruned) {
        return std::unexpected(pruned.error());
    }
    return finish();
}

Result<void> TenantPoller::poll_content_type(Cycle& cycle, const std::string& content_type) {
    Parts& p = *parts_;
    const Timestamp now = p.options.time.now() + p.session.clock_skew();
    auto cursor =
        guarded("read the cursor", [&] { return p.state.cursor(tenant_id(), content_type); });
    if (!cursor) {
        return std::unexpected(cursor.error());
    }
    const WindowPlan plan = plan_windows(*cursor, now, p.windows);

    std::optional<Timestamp> position = *cursor;
    if (plan.lost) {
        // An outage longer than the retention: say what was lost, then go on from what is left.
        const ContentGap gap{tenant_id(),
                             content_type,
                             "",
                             plan.lost->start,
                             plan.lost->end,
                             "outage longer than the API's 7-day retention",
                             now};
        auto recorded = guarded("record a lost window", [&] {
            p.state.record_gap(gap);
            p.state.put_cursor(tenant_id(), content_type, plan.lost->end);
        });
        if (!recorded) {
            return std::unexpected(recorded.error());
        }
        ++cycle.stats.gaps;
        position = plan.lost->end;
        poller_log()->warn("content lost to retention {}",
                           fields({{"tenant", tenant_id()},
                                   {"content_type", content_type},
                                   {"from", format_time(plan.lost->start)},
                                   {"to", format_time(plan.lost->end)}}));
    }

    for (const auto& window : plan.windows) {
        auto done = poll_window(cycle, content_type, window);
        if (!done) {
            return std::unexpected(done.error());
        }
        if (!*done) {
            break;  // The cursor stays; the next cycle lists this window again.
        }
        const Timestamp next = position ? std::max(*position, window.end) : window.end;
        auto moved = guarded("advance the cursor",
                             [&] { p.state.put_cursor(tenant_id(), content_type, next); });
        if (!moved) {
            return std::unexpected(moved.error());
        }
        position = next;
        ++cycle.stats.windows_completed;
    }
    return {};
}

Result<bool> TenantPoller::poll_window(Cycle& cycle, const std::string& content_type,
                                       const ListingWindow& window) {
    Parts& p = *parts_;
    ++cycle.stats.windows_listed;
    auto entries = list_content(p.session, p.endpoints.feed_root, content_type, window, cycle.stop);
    if (!entries) {
        const Error& error = entries.error();
        if (is_fatal_poll_error(error)) {
            return std::unexpected(error);
        }
        if (error.code == "AF20022" || error.code == "AF20023") {
            // No subscription (or an admin disabled it): start it, list again next cycle.
            if (auto started = p.keeper.start(content_type, cycle.stop); !started) {
                poller_log()->warn(
                    "{} {}", started.error().message,
                    fields({{"tenant", tenant_id()}, {"code", started.error().code}}));
            }
        }
        if (error.code == kForeignHostCode) {
            ++cycle.stats.security_events;
        }
        if (error.code != "stopped") {
            poller_log()->warn("{} {}", error.message,
                               fields({{"tenant", tenant_id()}, {"code", error.code}}));
            cycle.stats.last_error = error;
        }
        return false;
    }
    cycle.stats.blobs_listed += entries->size();

    // Re-listed overlap and repeats across pages: only what is not yet committed, oldest first.
    std::vector<ContentEntry> pending;
    std::set<std::string> seen;
    for (auto& entry : *entries) {
        auto committed = guarded("check a committed content id", [&] {
            return p.state.content_committed(tenant_id(), entry.content_id);
        });
        if (!committed) {
            return std::unexpected(committed.error());
        }
        if (*committed || !seen.insert(entry.content_id).second) {
            ++cycle.stats.blobs_already_committed;
            continue;
        }
        pending.push_back(std::move(entry));
    }
    std::ranges::sort(pending, [](const ContentEntry& a, const ContentEntry& b) {
        return std::tie(a.content_created, a.content_id) <
               std::tie(b.content_created, b.content_id);
    });

    bool complete = true;
    const auto batch = static_cast<std::size_t>(std::max(p.options.http.concurrency, 1)) * 2;
    for (std::size_t from = 0; from < pending.size() && !cycle.stop.stop_requested();
         from += batch) {
        const std::span<const ContentEntry> chunk(pending.data() + from,
                                                  std::min(batch, pending.size() - from));
        const auto blobs = p.fetcher.fetch(chunk, cycle.stop);
        for (std::size_t i = 0; i < chunk.size(); ++i) {
            if (blobs[i].status == BlobStatus::failed) {
                complete = false;
                ++cycle.stats.blobs_failed;
                if (blobs[i].error.code != "stopped") {
                    poller_log()->warn(
                        "{} {}", blobs[i].error.message,
                        fields({{"tenant", tenant_id()}, {"code", blobs[i].error.code}}));
                    cycle.stats.last_error = blobs[i].error;
                }
                continue;
            }
            if (auto committed = commit_blob(cycle, chunk[i], window, blobs[i]); !committed) {
                return std::unexpected(committed.error());
            }
        }
    }
    return complete && !cycle.stop.stop_requested();
}

Result<void> TenantPoller::commit_blob(Cycle& cycle, const ContentEntry& entry,
                                       const ListingWindow& window, const FetchedBlob& blob) {
    Parts& p = *parts_;
    std::vector<FlowRecord> records;
    if (blob.status == BlobStatus::content) {
        const simdjson::padded_string padded(blob.body);
        const auto counts = p.reader.read_json(
            padded, entry.content_id,
            [&](FlowRecord&& record) { records.push_back(std::move(record)); },
            [&](const ReadDiagnostic& diagnostic) {
                poller_log()->warn("unreadable record skipped: {} {}", diagnostic.to_string(),
                                   fields({{"tenant", tenant_id()}}));
            });
        cycle.stats.records += counts.records;
        cycle.stats.malformed_records += counts.malformed;
    }

    // A blob that is gone is marked too, with its gap, so re-listing does not count it twice.
    std::optional<ContentGap> gap;
    if (blob.status != BlobStatus::content) {
        gap = ContentGap{tenant_id(), entry.content_type, entry.content_id,    window.start,
                         window.end,  blob.error.message, p.options.time.now()};
        if (gap->content_type.empty()) {
            gap->content_type = "unknown";
        }
    }
    auto outcome = p.pipeline.process_unit(records, [&] {
        p.state.mark_content_committed(tenant_id(), entry.content_type, entry.content_id,
                                       entry.content_created);
        if (gap) {
            p.state.record_gap(*gap);
        }
    });
    if (!outcome) {
        return fail("commit blob " + entry.content_id + " of tenant " + tenant_id() + ": " +
                        outcome.error().message,
                    "storage");
    }

    cycle.stats.pipeline += outcome->counts;
    if (p.options.on_emitted) {
        for (const auto& alert : outcome->emitted) {
            p.options.on_emitted(alert);
        }
    }
    const std::string content_id = entry.content_id;
    if (blob.status == BlobStatus::content) {
        ++cycle.stats.blobs_committed;
        cycle.stats.newest_content_committed = std::max(
            cycle.stats.newest_content_committed.value_or(Timestamp{}), entry.content_created);
        poller_log()->info("blob committed {}",
                           fields({{"tenant", tenant_id()},
                                   {"content_id", content_id},
                                   {"records", std::to_string(records.size())},
                                   {"evaluated", std::to_string(outcome->counts.evaluated)},
                                   {"duplicates", std::to_string(outcome->counts.duplicates)},
                                   {"alerts", std::to_string(outcome->emitted.size())}}));
        return {};
    }
    ++cycle.stats.gaps;
    ++(blob.status == BlobStatus::gone ? cycle.stats.blobs_gone : cycle.stats.blobs_refused);
    if (blob.status == BlobStatus::refused) {
        ++cycle.stats.security_events;
    }
    poller_log()->warn(
        "blob gone {}",
        fields({{"tenant", tenant_id()}, {"content_id", content_id}, {"code", blob.error.code}}));
    return {};
}

}  // namespace flowwatch::agent::api
