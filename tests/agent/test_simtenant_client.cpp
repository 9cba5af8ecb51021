#include "tests/agent/test_simtenant_client.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

namespace flowwatch::simtenant::testing {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

struct Url {
    bool tls = false;
    std::string host;
    unsigned short port = 0;
    std::string target;
};

Url parse_url(const std::string& url) {
    Url out;
    std::size_t scheme_end = url.find("://");
    out.tls = url.compare(0, scheme_end, "https") == 0;
    std::size_t host_start = scheme_end + 3;
    std::size_t path_start = url.find('/', host_start);
    std::string authority = url.substr(host_start, path_start - host_start);
    std::size_t colon = authority.rfind(':');
    out.host = authority.substr(0, colon);
    out.port = static_cast<unsigned short>(std::stoi(authority.substr(colon + 1)));
    out.target = path_start == std::string::npos ? "/" : url.substr(path_start);
    return out;
}

template <typename Stream>
Answer exchange(asio::io_context& io, Stream& stream, const Url& url, const Call& call) {
    http::request<http::string_body> request{http::string_to_verb(call.method), url.target, 11};
    request.set(http::field::host, url.host + ":" + std::to_string(url.port));
    if (!call.authorization.empty()) {
        request.set(http::field::authorization, call.authorization);
    }
    if (!call.content_type.empty()) {
        request.set(http::field::content_type, call.content_type);
    }
    request.body() = call.body;
    request.prepare_payload();
    request.keep_alive(false);

    Answer answer;
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 * 1024 * 1024);
    auto fail = [&](beast::error_code ec) { answer.error = ec.message(); };
    auto read = [&] {
        http::async_read(stream, buffer, parser, [&](beast::error_code ec, std::size_t) {
            if (ec) {
                fail(ec);
            }
        });
    };
    auto write = [&] {
        http::async_write(stream, request, [&](beast::error_code ec, std::size_t) {
            if (ec) {
                return fail(ec);
            }
            read();
        });
    };

    auto& lowest = beast::get_lowest_layer(stream);
    lowest.expires_after(call.timeout);
    lowest.async_connect(
        tcp::endpoint(asio::ip::make_address(url.host), url.port), [&](beast::error_code ec) {
            if (ec) {
                return fail(ec);
            }
            if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
                write();
            } else {
                stream.async_handshake(asio::ssl::stream_base::client, [&](beast::error_code hs) {
                    if (hs) {
                        return fail(hs);
                    }
                    write();
                });
            }
        });
    io.run();

    if (parser.is_header_done()) {
        const auto& response = parser.get();
        answer.status = static_cast<int>(response.result_int());
        for (const auto& field : response) {
            std::string name(field.name_string());
            for (char& c : name) {
                c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            }
            answer.headers[name] = std::string(field.value());
        }
        answer.body = response.body();
    }
    return answer;
}

}  // namespace

Answer send(const Call& call) {
    Url url = parse_url(call.url);
    asio::io_context io;
    if (!url.tls) {
        beast::tcp_stream stream(io);
        return exchange(io, stream, url, call);
    }
    asio::ssl::context tls(asio::ssl::context::tls_client);
    if (!call.ca_pem.empty()) {
        tls.add_certificate_authority(asio::buffer(call.ca_pem.data(), call.ca_pem.size()));
    }
    tls.set_verify_mode(asio::ssl::verify_peer);
    beast::ssl_stream<beast::tcp_stream> stream(io, tls);
    stream.set_verify_callback(asio::ssl::host_name_verification(url.host));
    return exchange(io, stream, url, call);
}

Answer post_form(const std::string& url, const std::string& form, const std::string& ca_pem) {
    Call call;
    call.method = "POST";
    call.url = url;
    call.body = form;
    call.content_type = "application/x-www-form-urlencoded";
    call.ca_pem = ca_pem;
    return send(call);
}

}  // namespace flowwatch::simtenant::testing
