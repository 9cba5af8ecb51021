#pragma once
/// The simulated tenant on a fake clock, and the small helpers its tests share.

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "agent/simtenant/sim_tenant.h"
#include "agent/simtenant/wire_format.h"
#include "tests/agent/test_simtenant_client.h"

namespace flowwatch::simtenant::testing {

using namespace std::chrono_literals;

inline constexpr const char* kTenant = "6f1c2a90-1d2b-4c3d-8e4f-5a6b7c8d9e0f";
inline constexpr const char* kClient = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";
inline constexpr const char* kSecret = "s3cr3t-value~with.chars";

/// A tenant on a fake clock that tests move by hand.
struct Fixture {
    std::atomic<std::int64_t> now_ms{to_millis(*parse_query_time("2026-03-10T12:00:00"))};
    std::unique_ptr<SimTenant> tenant;

    explicit Fixture(SimTenantOptions options = {}) {
        if (options.tenant_id.empty()) {
            options.tenant_id = kTenant;
        }
        if (options.client_id.empty()) {
            options.client_id = kClient;
        }
        if (options.client_secret.empty()) {
            options.client_secret = kSecret;
        }
        options.clock = [this] { return from_millis(now_ms.load()); };
        auto started = SimTenant::start(std::move(options));
        REQUIRE(started.has_value());
        tenant = std::move(*started);
    }

    Timestamp now() const { return from_millis(now_ms.load()); }
    void advance(std::chrono::milliseconds by) { now_ms += by.count(); }

    std::string token_url() const { return tenant->token_endpoint(); }
    std::string api(const std::string& rest) const {
        return tenant->base_url() + "/api/v1.0/" + kTenant + "/activity/feed/" + rest;
    }

    std::string secret_form(const std::string& secret = kSecret) const {
        return "grant_type=client_credentials&client_id=" + std::string(kClient) +
               "&scope=" + percent_encode(tenant->base_url() + "/.default") +
               "&client_secret=" + percent_encode(secret);
    }

    std::string bearer() const {
        Answer answer = post_form(token_url(), secret_form(), tenant->ca_certificate_pem());
        REQUIRE(answer.status == 200);
        return "Bearer " + nlohmann::json::parse(answer.body)["access_token"].get<std::string>();
    }

    Answer get(const std::string& url, const std::string& authorization) const {
        Call call;
        call.url = url;
        call.authorization = authorization;
        call.ca_pem = tenant->ca_certificate_pem();
        return send(call);
    }

    Answer post(const std::string& url, const std::string& authorization) const {
        Call call;
        call.method = "POST";
        call.url = url;
        call.authorization = authorization;
        call.ca_pem = tenant->ca_certificate_pem();
        return send(call);
    }

    SimBlob blob(const std::string& id, Timestamp created) const {
        SimBlob b;
        b.content_id = id;
        b.content_created = created;
        b.body = R"([{"Id":")" + id + R"(","RecordType":30,"Workload":"MicrosoftFlow"}])";
        return b;
    }
};

inline SimTenantOptions general_enabled() {
    SimTenantOptions options;
    options.enabled_content_types = {"Audit.General"};
    return options;
}

inline std::string error_code(const Answer& answer) {
    auto body = nlohmann::json::parse(answer.body, nullptr, false);
    if (body.is_object() && body.contains("error") && body["error"].is_object()) {
        return body["error"].value("code", "");
    }
    return {};
}

inline std::vector<int> entra_codes(const Answer& answer) {
    auto body = nlohmann::json::parse(answer.body, nullptr, false);
    if (!body.is_object() || !body.contains("error_codes")) {
        return {};
    }
    return body["error_codes"].get<std::vector<int>>();
}

inline std::string content_window(const std::string& start, const std::string& end) {
    return "subscriptions/content?contentType=Audit.General&startTime=" + start +
           "&endTime=" + end + "&PublisherIdentifier=" + kTenant;
}

}  // namespace flowwatch::simtenant::testing
