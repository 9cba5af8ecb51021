/// End-to-end: one `flowwatch once` over two tenants, each on its own simulated tenant, with its
/// own token, checkpoint and content.

#include <doctest/doctest.h>

#include "tests/e2e/test_once_fixture.h"

using namespace flowwatch;
using namespace flowwatch::e2e;

namespace {

constexpr const char* kOtherTenant = "0f1e2d3c-4b5a-4697-8877-665544332211";

std::unique_ptr<SimTenant> start_other_tenant() {
    SimTenantOptions options;
    options.tenant_id = kOtherTenant;
    options.client_id = kClientId;
    options.client_secret = kSecret;
    options.page_size = 2;
    options.enabled_content_types = {"Audit.General"};
    auto started = SimTenant::start(options);
    REQUIRE(started);
    return std::move(*started);
}

/// The fixture's config with a second tenant added.
void add_tenant(const OnceFixture& f, const SimTenant& other) {
    auto config = nlohmann::json::parse(read_file(f.config_path()));
    nlohmann::json tenant = config["tenants"][0];
    tenant["tenant_id"] = kOtherTenant;
    tenant["login_endpoint"] = other.base_url();
    tenant["api_endpoint"] = other.base_url();
    config["tenants"].push_back(tenant);
    write_file(f.config_path(), config.dump(2));
}

std::set<std::string> tokens_of(const SimTenant& sim) {
    const auto headers = sim.stats().authorization_headers;
    return {headers.begin(), headers.end()};
}

}  // namespace

TEST_CASE("two tenants in one run are each polled once, with their own tokens and checkpoints") {
    OnceFixture f;
    auto other = start_other_tenant();
    add_tenant(f, *other);
    const Corpus first_corpus = make_corpus(3, 2, system_now());
    const Corpus other_corpus = make_corpus(4, 1, system_now() - 2h, "other");
    f.add(first_corpus);
    for (const auto& blob : other_corpus.blobs) {
        other->add_blob(blob);
    }

    const OnceRun run = f.run();
    INFO(run.process.err);
    CHECK(run.process.exit_code == 0);
    Corpus both = first_corpus;
    both.record_ids.insert(other_corpus.record_ids.begin(), other_corpus.record_ids.end());
    check_exactly_once(both, {run});
    CHECK(run.process.err.find(std::string("once: tenant=") + kOtherTenant + " complete=yes") !=
          std::string::npos);

    // Each tenant's API saw its own publisher id and never the other's token.
    for (const auto& publisher : other->stats().publisher_ids) {
        CHECK(publisher == kOtherTenant);
    }
    for (const auto& token : tokens_of(*other)) {
        CHECK_FALSE(tokens_of(*f.sim).contains(token));
    }

    // New content for one tenant only: the next run takes just that.
    const Corpus later = make_corpus(1, 2, system_now() - 5min, "later");
    for (const auto& blob : later.blobs) {
        other->add_blob(blob);
    }
    const OnceRun next = f.run();
    INFO(next.process.err);
    CHECK(next.process.exit_code == 0);
    check_exactly_once(later, {next});
    check_no_secret(next, *other);
}
