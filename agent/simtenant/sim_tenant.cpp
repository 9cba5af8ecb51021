#include "agent/simtenant/sim_tenant.h"

#include <mutex>
#include <thread>

#include <fmt/format.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>

#include "agent/simtenant/activity_feed.h"
#include "agent/simtenant/http_listener.h"
#include "agent/simtenant/self_signed_certificate.h"
#include "agent/simtenant/token_endpoint.h"
#include "agent/simtenant/wire_format.h"

namespace flowwatch::simtenant {
namespace {

namespace asio = boost::asio;

/// The parts of a request path that route it.
struct Route {
    RequestKind kind = RequestKind::unknown;
    std::string tenant;
    std::string content_id;
};

std::vector<std::string> split_path(const std::string& path) {
    std::vector<std::string> parts;
    std::size_t at = 0;
    while (at < path.size()) {
        std::size_t slash = path.find('/', at);
        std::size_t end = slash == std::string::npos ? path.size() : slash;
        if (end > at) {
            parts.push_back(path.substr(at, end - at));
        }
        at = end + 1;
    }
    return parts;
}

Route route_of(const std::string& path) {
    auto parts = split_path(path);
    if (parts.size() == 4 && parts[1] == "oauth2" && parts[2] == "v2.0" && parts[3] == "token") {
        return {RequestKind::token, parts[0], {}};
    }
    // /api/v1.0/{tenant}/activity/feed/... (the documented NextPageUri uses /api/v1/).
    if (parts.size() < 6 || parts[0] != "api" || (parts[1] != "v1.0" && parts[1] != "v1") ||
        parts[3] != "activity" || parts[4] != "feed") {
        return {};
    }
    if (parts.size() == 7 && parts[5] == "audit") {
        return {RequestKind::blob, parts[2], parts[6]};
    }
    if (parts.size() == 7 && parts[5] == "subscriptions") {
        if (parts[6] == "start") {
            return {RequestKind::subscription_start, parts[2], {}};
        }
        if (parts[6] == "list") {
            return {RequestKind::subscription_list, parts[2], {}};
        }
        if (parts[6] == "stop") {
            return {RequestKind::subscription_stop, parts[2], {}};
        }
        if (parts[6] == "content") {
            return {RequestKind::content_list, parts[2], {}};
        }
    }
    return {RequestKind::unknown, parts[2], {}};
}

bool is_guid(const std::string& text) {
    if (text.size() != 36) {
        return false;
    }
    for (std::size_t i = 0; i < text.size(); ++i) {
        bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? text[i] != '-' : !std::isxdigit(static_cast<unsigned char>(text[i]))) {
            return false;
        }
    }
    return true;
}

std::string method_name(RequestKind kind) {
    switch (kind) {
        case RequestKind::subscription_start:
            return "StartSubscription";
        case RequestKind::subscription_list:
            return "ListSubscriptions";
        case RequestKind::subscription_stop:
            return "StopSubscription";
        case RequestKind::content_list:
            return "ListContent";
        case RequestKind::blob:
            return "GetBlob";
        default:
            return "Unknown";
    }
}

}  // namespace

int Stats::count(RequestKind kind, int status) const {
    auto it = answers.find(kind);
    if (it == answers.end()) {
        return 0;
    }
    int total = 0;
    for (const auto& [answered, n] : it->second) {
        if (status < 0 || answered == status) {
            total += n;
        }
    }
    return total;
}

struct SimTenant::Impl {
    SimTenantOptions options;
    Faults faults;
    std::unique_ptr<asio::ssl::context> tls;
    std::string ca_pem;
    std::unique_ptr<TokenEndpoint> tokens;
    std::unique_ptr<ActivityFeed> feed;

    mutable std::mutex stats_mutex;
    Stats stats;

    std::unique_ptr<asio::io_context> io;
    std::unique_ptr<HttpListener> api;
    std::unique_ptr<HttpListener> decoy;
    std::thread thread;
    std::once_flag stopped;

    unsigned short api_port = 0;
    unsigned short decoy_port = 0;

    std::string url_of(unsigned short port) const {
        return fmt::format("{}://127.0.0.1:{}", options.https ? "https" : "http", port);
    }

    Timestamp now() const { return options.clock(); }

    SimReply handle(const SimRequest& request);
    SimReply handle_decoy(const SimRequest& request);
    SimReply route(const Route& route, const SimRequest& request);
    SimReply route_api(const Route& route, const SimRequest& request);
    SimReply fault_reply(const FaultSpec& fault, RequestKind kind, const std::string& publisher);
    void record(RequestKind kind, const SimRequest& request, const SimReply& reply,
                const std::optional<FaultSpec>& fault, bool blob_downloaded,
                const std::string& content_id);
};

SimReply SimTenant::Impl::handle(const SimRequest& request) {
    Route where = route_of(request.path);
    std::optional<FaultSpec> fault = faults.draw(where.kind);
    std::string publisher = request.param("PublisherIdentifier") != nullptr
                                ? *request.param("PublisherIdentifier")
                                : std::string{};

    if (fault && fault->kind == FaultKind::token_expiry) {
        faults.expire_tokens();
    }
    bool answer_fault = fault && fault->kind != FaultKind::slow_answer &&
                        fault->kind != FaultKind::connection_reset &&
                        fault->kind != FaultKind::truncated_body &&
                        fault->kind != FaultKind::token_expiry;
    SimReply reply =
        answer_fault ? fault_reply(*fault, where.kind, publisher) : route(where, request);
    if (fault && fault->kind == FaultKind::slow_answer) {
        reply.delay = fault->delay;
    } else if (fault && fault->kind == FaultKind::connection_reset) {
        reply.delivery = Delivery::reset;
    } else if (fault && fault->kind == FaultKind::truncated_body) {
        reply.delivery = Delivery::truncated;
    }
    reply.headers.emplace_back("Date", format_http_date(now() + faults.clock_skew()));

    bool downloaded = where.kind == RequestKind::blob && reply.status == 200 && !answer_fault;
    record(where.kind, request, reply, fault, downloaded, where.content_id);
    return reply;
}

SimReply SimTenant::Impl::route(const Route& where, const SimRequest& request) {
    if (where.kind == RequestKind::token) {
        return tokens->issue(request, where.tenant, url_of(api_port) + request.path);
    }
    if (where.kind == RequestKind::unknown) {
        return api_error(404, "AF20000", "No endpoint at " + request.path + ".");
    }
    if (!is_guid(where.tenant)) {
        return api_error(
            400, "AF20013",
            "The tenant ID passed in the URL (" + where.tenant + ") is not a valid GUID.");
    }

    // TODO: the body of the API's 401 is inferred (ASP.NET's default), not seen in a sample.
    switch (tokens->check(request.header("authorization"))) {
        case BearerCheck::valid:
            break;
        case BearerCheck::missing:
        case BearerCheck::unknown:
        case BearerCheck::expired: {
            SimReply denied =
                json_reply(401, R"({"Message":"Authorization has been denied for this request."})");
            denied.headers.emplace_back("WWW-Authenticate", "Bearer");
            return denied;
        }
    }
    if (where.tenant != options.tenant_id) {
        return api_error(400, "AF20010",
                         "The tenant ID passed in the URL (" + where.tenant +
                             ") does not match the tenant ID passed in the access token (" +
                             options.tenant_id + ").");
    }
    return route_api(where, request);
}

SimReply SimTenant::Impl::route_api(const Route& where, const SimRequest& request) {
    bool post = where.kind == RequestKind::subscription_start ||
                where.kind == RequestKind::subscription_stop;
    if (request.method != (post ? "POST" : "GET")) {
        return api_error(405, "AF20000", "Method " + request.method + " is not allowed here.");
    }
    switch (where.kind) {
        case RequestKind::subscription_start:
            return feed->start_subscription(request);
        case RequestKind::subscription_list:
            return feed->list_subscriptions();
        case RequestKind::subscription_stop:
            return feed->stop_subscription(request);
        case RequestKind::content_list: {
            FeedLinks links{faults.content_uris_to_decoy() ? url_of(decoy_port) : url_of(api_port),
                            faults.next_page_to_decoy() ? url_of(decoy_port) : url_of(api_port)};
            return feed->list_content(request, links);
        }
        case RequestKind::blob: {
            bool downloaded = false;
            return feed->get_blob(where.content_id, downloaded);
        }
        default:
            return api_error(404, "AF20000", "No endpoint at " + request.path + ".");
    }
}

SimReply SimTenant::Impl::fault_reply(const FaultSpec& fault, RequestKind kind,
                                      const std::string& publisher) {
    bool throttled =
        fault.kind == FaultKind::too_many_requests || fault.kind == FaultKind::throttled_as_403;
    int status = fault.kind == FaultKind::too_many_requests  ? 429
                 : fault.kind == FaultKind::throttled_as_403 ? 403
                 : fault.kind == FaultKind::unavailable      ? 503
                                                             : 500;
    SimReply reply;
    if (kind == RequestKind::token) {
        reply = throttled ? entra_error(status, "temporarily_unavailable", 90055,
                                        "The tenant is throttled: too many token requests.", now())
                          : entra_error(status, "temporarily_unavailable", 50000,
                                        "There was an error issuing a token.", now());
    } else if (throttled) {
        reply = api_error(
            status, "AF429",
            fmt::format("Too many requests. Method={}, PublisherId={}", method_name(kind),
                        publisher.empty() ? "00000000-0000-0000-0000-000000000000" : publisher));
    } else {
        reply =
            api_error(status, "AF50000", "An internal server error occurred. Retry the request.");
    }
    if (throttled && fault.retry_after_seconds >= 0) {
        reply.headers.emplace_back("Retry-After", std::to_string(fault.retry_after_seconds));
    }
    return reply;
}

void SimTenant::Impl::record(RequestKind kind, const SimRequest& request, const SimReply& reply,
                             const std::optional<FaultSpec>& fault, bool blob_downloaded,
                             const std::string& content_id) {
    std::lock_guard lock(stats_mutex);
    stats.answers[kind][reply.delivery == Delivery::reset ? 0 : reply.status] += 1;
    if (fault) {
        stats.faults_applied[fault->kind] += 1;
    }
    if (kind != RequestKind::token) {
        auto publisher = request.param("PublisherIdentifier");
        stats.publisher_ids.push_back(publisher != nullptr ? *publisher : std::string{});
        if (auto authorization = request.headers.find("authorization");
            authorization != request.headers.end()) {
            stats.authorization_headers.push_back(authorization->second);
        }
    }
    if (blob_downloaded && reply.delivery == Delivery::whole) {
        stats.blob_downloads[content_id] += 1;
    }
    stats.tokens_issued = tokens->tokens_issued();
}

SimReply SimTenant::Impl::handle_decoy(const SimRequest& request) {
    {
        std::lock_guard lock(stats_mutex);
        stats.decoy_requests += 1;
        if (auto authorization = request.headers.find("authorization");
            authorization != request.headers.end()) {
            stats.decoy_authorization_headers.push_back(authorization->second);
        }
    }
    return api_error(404, "AF20050", "The specified content doesn't exist.");
}

SimTenant::SimTenant(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

SimTenant::~SimTenant() {
    stop();
}

Result<std::unique_ptr<SimTenant>> SimTenant::start(SimTenantOptions options) {
    auto impl = std::make_unique<Impl>();
    if (!options.clock) {
        options.clock = [] {
            return std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now());
        };
    }
    impl->options = std::move(options);
    const SimTenantOptions& o = impl->options;

    if (o.https) {
        auto identity = make_self_signed_certificate("127.0.0.1");
        if (!identity) {
            return std::unexpected(identity.error());
        }
        try {
            impl->tls = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
            impl->tls->use_certificate_chain(
                asio::buffer(identity->certificate_pem.data(), identity->certificate_pem.size()));
            impl->tls->use_private_key(
                asio::buffer(identity->private_key_pem.data(), identity->private_key_pem.size()),
                asio::ssl::context::pem);
        } catch (const boost::system::system_error& e) {
            return fail(std::string("configure TLS for the simulated tenant: ") + e.what());
        }
        impl->ca_pem = identity->certificate_pem;
    }

    impl->tokens = std::make_unique<TokenEndpoint>(
        TokenSettings{o.tenant_id, o.client_id, o.client_secret, o.certificate_pem,
                      o.token_lifetime_seconds, o.expires_in_as_string, o.client_secret_expired},
        o.clock, impl->faults);
    impl->feed = std::make_unique<ActivityFeed>(
        FeedSettings{o.tenant_id, o.page_size, o.expired_content_status}, o.clock);
    for (const auto& content_type : o.enabled_content_types) {
        impl->feed->enable(content_type);
    }

    Impl* raw = impl.get();
    impl->io = std::make_unique<asio::io_context>(1);
    auto api = HttpListener::open(
        *impl->io, impl->tls.get(),
        std::make_shared<RequestHandler>([raw](const SimRequest& r) { return raw->handle(r); }));
    auto decoy = HttpListener::open(*impl->io, impl->tls.get(),
                                    std::make_shared<RequestHandler>([raw](const SimRequest& r) {
                                        return raw->handle_decoy(r);
                                    }));
    if (!api) {
        return std::unexpected(api.error());
    }
    if (!decoy) {
        return std::unexpected(decoy.error());
    }
    impl->api = std::move(*api);
    impl->decoy = std::move(*decoy);
    impl->api_port = impl->api->port();
    impl->decoy_port = impl->decoy->port();
    impl->thread = std::thread([raw] { raw->io->run(); });
    return std::unique_ptr<SimTenant>(new SimTenant(std::move(impl)));
}

void SimTenant::stop() {
    std::call_once(impl_->stopped, [this] {
        impl_->io->stop();
        if (impl_->thread.joinable()) {
            impl_->thread.join();
        }
        // Destroying the context destroys every pending operation and so every connection.
        impl_->api.reset();
        impl_->decoy.reset();
        impl_->io.reset();
    });
}

std::string SimTenant::base_url() const {
    return impl_->url_of(impl_->api_port);
}

std::string SimTenant::decoy_url() const {
    return impl_->url_of(impl_->decoy_port);
}

std::string SimTenant::ca_certificate_pem() const {
    return impl_->ca_pem;
}

std::string SimTenant::token_endpoint() const {
    return base_url() + "/" + impl_->options.tenant_id + "/oauth2/v2.0/token";
}

void SimTenant::add_blob(SimBlob blob) {
    impl_->feed->add_blob(std::move(blob));
}

void SimTenant::disable_subscription_by_admin(const std::string& content_type) {
    impl_->feed->disable_by_admin(content_type);
}

Faults& SimTenant::faults() {
    return impl_->faults;
}

Stats SimTenant::stats() const {
    std::lock_guard lock(impl_->stats_mutex);
    Stats copy = impl_->stats;
    copy.tokens_issued = impl_->tokens->tokens_issued();
    return copy;
}

}  // namespace flowwatch::simtenant
