#include "agent/api/cpprest_transport.h"

#include <system_error>
#include <utility>

#include <cpprest/http_client.h>
#include <boost/asio/ssl.hpp>

#include "agent/api/url.h"

namespace flowwatch::agent::api {
namespace {

namespace http = web::http;

std::string describe(const HttpRequest& request) {
    // The query is left out: it is long and says nothing a user needs.
    const auto parts = parse_url(request.url);
    const std::string where =
        parts ? parts->origin() + parts->target.substr(0, parts->target.find('?')) : request.url;
    return request.method + " " + where;
}

}  // namespace

CpprestTransport::CpprestTransport(CpprestTransportOptions options)
    : options_(std::move(options)) {}

CpprestTransport::~CpprestTransport() = default;

std::shared_ptr<http::client::http_client> CpprestTransport::client_for(const std::string& origin) {
    std::lock_guard lock(mutex_);
    auto& client = clients_[origin];
    if (!client) {
        http::client::http_client_config config;
        config.set_timeout(options_.timeout);
        if (!options_.ca_file.empty()) {
            config.set_ssl_context_callback(
                [ca_file = options_.ca_file](boost::asio::ssl::context& context) {
                    context.load_verify_file(ca_file);
                });
        }
        if (!options_.proxy.empty()) {
            config.set_proxy(web::web_proxy(web::uri(options_.proxy)));
        }
        client = std::make_shared<http::client::http_client>(web::uri(origin), config);
    }
    return client;
}

Result<HttpResponse> CpprestTransport::send(const HttpRequest& request) {
    const auto parts = parse_url(request.url);
    if (!parts) {
        return fail(describe(request) + ": not an http or https URL", "bad_url");
    }
    try {
        http::http_request message(request.method);
        message.set_request_uri(web::uri(parts->target));
        for (const auto& [name, value] : request.headers) {
            message.headers().add(name, value);
        }
        if (!request.body.empty() || request.method == "POST") {
            message.set_body(request.body, request.content_type.empty()
                                               ? std::string("application/octet-stream")
                                               : request.content_type);
        }

        auto response = client_for(parts->origin())->request(message).get();
        HttpResponse out;
        out.status = response.status_code();
        for (const auto& [name, value] : response.headers()) {
            out.headers.emplace_back(name, value);
        }
        const auto bytes = response.extract_vector().get();
        out.body.assign(bytes.begin(), bytes.end());
        // A connection closed part way must not pass for a short but whole body.
        const std::string promised = out.header("Content-Length");
        if (!promised.empty() && promised != std::to_string(out.body.size())) {
            return fail(describe(request) + ": the answer ended after " +
                            std::to_string(out.body.size()) + " of " + promised + " bytes",
                        std::string(kNetworkCode));
        }
        return out;
    } catch (const http::http_exception& e) {
        const bool timed_out = e.error_code() == std::errc::timed_out;
        return fail(
            describe(request) + ": " + (timed_out ? "no response before the deadline" : e.what()),
            std::string(timed_out ? kTimeoutCode : kNetworkCode));
    } catch (const std::exception& e) {
        return fail(describe(request) + ": " + e.what(), std::string(kNetworkCode));
    }
}

}  // namespace flowwatch::agent::api
