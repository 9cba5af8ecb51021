#pragma once
/// The simulated tenant's fault plan: what goes wrong with which requests, set by a test or the
/// demo at any time from any thread and drawn by the server as requests arrive.

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <vector>

namespace flowwatch::simtenant {

/// Which endpoint a request went to.
enum class RequestKind {
    any,  ///< Only as a fault target: matches every kind.
    token,
    subscription_start,
    subscription_list,
    subscription_stop,
    content_list,
    blob,
    unknown,
};

std::string to_string(RequestKind kind);

enum class FaultKind {
    too_many_requests,  ///< HTTP 429 with Retry-After.
    throttled_as_403,   ///< The API's AF429 carried by HTTP 403, with Retry-After.
    internal_error,     ///< HTTP 500.
    unavailable,        ///< HTTP 503.
    slow_answer,        ///< The right answer, after `delay`.
    connection_reset,   ///< The socket is closed (RST) without an answer.
    truncated_body,     ///< Content-Length promises the whole body; half is sent, then close.
    /// Token expiry mid-cycle: every token issued so far stops being accepted as this request
    /// arrives, so it (and any later one with an old token) is answered 401.
    token_expiry,
};

struct FaultSpec {
    FaultKind kind = FaultKind::internal_error;
    RequestKind on = RequestKind::any;
    std::chrono::milliseconds delay{0};  ///< For slow_answer.
    int retry_after_seconds = 1;         ///< For the throttling kinds; negative sends none.
    /// Counted faults only: this many matching requests pass untouched before the fault applies
    /// (a fault in the middle of a window rather than at its start).
    int skip = 0;
};

/// Thread-safe. Counted faults apply to the next N matching requests, in the order they were
/// planned; random faults fire with a probability from their own seeded generator.
class Faults {
  public:
    void next(FaultSpec spec, int count = 1);
    void randomly(FaultSpec spec, double probability, std::uint64_t seed);
    /// Drops every planned fault (counted and random); leaves the switches below alone.
    void clear();

    /// Token expiry mid-cycle: every token issued so far stops being accepted (401).
    void expire_tokens();
    /// The `Date` header the server sends is the tenant clock plus this offset.
    void set_clock_skew(std::chrono::seconds skew);
    /// contentUri values in listings point at the decoy host.
    void send_content_uris_to_decoy(bool on);
    /// NextPageUri headers point at the decoy host.
    void send_next_page_to_decoy(bool on);

    // Read by the server.
    std::optional<FaultSpec> draw(RequestKind kind);
    std::uint64_t token_generation() const;
    std::chrono::seconds clock_skew() const;
    bool content_uris_to_decoy() const;
    bool next_page_to_decoy() const;

  private:
    struct Counted {
        FaultSpec spec;
        int remaining;
    };
    struct Random {
        FaultSpec spec;
        double probability;
        std::mt19937_64 generator;
    };

    mutable std::mutex mutex_;
    std::vector<Counted> counted_;
    std::vector<Random> random_;
    std::uint64_t token_generation_ = 0;
    std::chrono::seconds clock_skew_{0};
    bool content_uris_to_decoy_ = false;
    bool next_page_to_decoy_ = false;
};

}  // namespace flowwatch::simtenant
