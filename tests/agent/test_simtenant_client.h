#pragma once
/// A small blocking HTTP(S) client for the simulated tenant's tests: one request per connection,
/// with a deadline, reporting what arrived even when the connection fails part way.

#include <chrono>
#include <map>
#include <string>

namespace flowwatch::simtenant::testing {

struct Answer {
    int status = 0;                              ///< 0 when no header arrived.
    std::map<std::string, std::string> headers;  ///< Names in lower case.
    std::string body;
    std::string error;  ///< Empty when the whole answer arrived.

    std::string header(const std::string& lower_name) const {
        auto it = headers.find(lower_name);
        return it == headers.end() ? std::string{} : it->second;
    }
};

struct Call {
    std::string method = "GET";
    std::string url;  ///< http(s)://127.0.0.1:PORT/path?query
    std::string body;
    std::string content_type;
    std::string authorization;
    std::string ca_pem;  ///< Trusted certificate for https.
    std::chrono::milliseconds timeout{10000};
};

Answer send(const Call& call);

/// `POST {base}/{tenant}/oauth2/v2.0/token` with the given form body.
Answer post_form(const std::string& url, const std::string& form, const std::string& ca_pem = {});

}  // namespace flowwatch::simtenant::testing
