#pragma once
/// One request to the simulated tenant and the answer it gets, free of any socket: the
/// endpoints produce a SimReply and the listener delivers it (or, under a fault, mangles it).

#include <chrono>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace flowwatch::simtenant {

struct SimRequest {
    std::string method;
    std::string path;                            ///< Percent-decoded, without the query.
    std::map<std::string, std::string> query;    ///< Decoded; the last value of a repeated name.
    std::map<std::string, std::string> headers;  ///< Names in lower case.
    std::string body;

    std::string header(const std::string& lower_name) const {
        auto it = headers.find(lower_name);
        return it == headers.end() ? std::string{} : it->second;
    }
    const std::string* param(const std::string& name) const {
        auto it = query.find(name);
        return it == query.end() ? nullptr : &it->second;
    }
};

enum class Delivery { whole, truncated, reset };

struct SimReply {
    int status = 200;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    std::chrono::milliseconds delay{0};
    Delivery delivery = Delivery::whole;
};

/// A JSON answer with the content type the real services send.
inline SimReply json_reply(int status, std::string body) {
    SimReply reply;
    reply.status = status;
    reply.headers.emplace_back("Content-Type", "application/json; charset=utf-8");
    reply.body = std::move(body);
    return reply;
}

}  // namespace flowwatch::simtenant
