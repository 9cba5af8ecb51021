#pragma once
/// The simulated Management Activity API feed of one tenant: subscriptions per content type,
/// content listing by contentCreated window with the API's validation errors and pagination,
/// and content blobs that arrive late and expire.

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <variant>

#include "agent/simtenant/exchange.h"
#include "agent/simtenant/sim_tenant.h"

namespace flowwatch::simtenant {

struct FeedSettings {
    std::string tenant_id;
    int page_size = 100;
    int expired_content_status = 404;
};

/// Where the URIs the feed hands out point: the API's own root, or the decoy's.
struct FeedLinks {
    std::string content_base;    ///< "http://127.0.0.1:PORT" for contentUri
    std::string next_page_base;  ///< the same, for NextPageUri
};

class ActivityFeed {
  public:
    ActivityFeed(FeedSettings settings, std::function<Timestamp()> clock);

    void add_blob(SimBlob blob);
    void enable(const std::string& content_type);
    void disable_by_admin(const std::string& content_type);

    SimReply start_subscription(const SimRequest& request);
    SimReply list_subscriptions();
    SimReply stop_subscription(const SimRequest& request);
    SimReply list_content(const SimRequest& request, const FeedLinks& links);
    /// `content_id` decoded from the path; `blob_downloaded` set on a successful answer.
    SimReply get_blob(const std::string& content_id, bool& blob_downloaded);

  private:
    enum class Subscription { enabled, disabled_by_admin, stopped };
    struct Stored {
        SimBlob blob;
        std::uint64_t sequence;
    };
    struct Window {
        Timestamp start;
        Timestamp end;
        std::string start_text;
        std::string end_text;
    };

    std::optional<SimReply> subscription_error(const std::string& content_type) const;
    std::variant<Window, SimReply> window_of(const SimRequest& request, Timestamp now) const;
    SimReply page_of(const std::string& content_type, const Window& window,
                     const std::string* next_page, const FeedLinks& links);

    FeedSettings settings_;
    std::function<Timestamp()> clock_;
    mutable std::mutex mutex_;
    std::map<std::string, Subscription> subscriptions_;
    std::map<std::string, Stored> blobs_;  ///< By content id.
    std::uint64_t next_sequence_ = 0;
};

/// The API's error body: `{"error":{"code":"AF...","message":"..."}}`.
SimReply api_error(int status, const std::string& code, const std::string& message);

bool is_content_type(const std::string& name);

}  // namespace flowwatch::simtenant
