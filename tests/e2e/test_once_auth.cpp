/// End-to-end: `flowwatch once` with credentials or subscriptions that need the user, against the
/// simulated tenant: actionable login errors, no secret in any output, subscription starts.

#include <doctest/doctest.h>

#include "tests/e2e/test_once_fixture.h"

using namespace flowwatch;
using namespace flowwatch::e2e;

namespace {

struct LoginCase {
    const char* name;
    Setup setup;
    const char* code;
    const char* advice;
};

}  // namespace

TEST_CASE("login errors exit 2 with advice keyed on the AADSTS code, and no secret printed") {
    const std::vector<LoginCase> cases = {
        {"wrong secret", Setup{.secret = "the-secret-id-not-its-value"}, "AADSTS7000215",
         "was the secret's ID pasted instead of its value?"},
        {"expired secret", Setup{.secret_expired = true}, "AADSTS7000222",
         "the client secret has expired"},
        {"unknown app", Setup{.client_id = "00000000-1111-4222-8333-444444444444"}, "AADSTS700016",
         "check client_id and tenant_id"},
        {"unknown tenant", Setup{.tenant_id = "99999999-8888-4777-8666-555555555555"},
         "AADSTS90002", "check tenant_id and that `cloud` names the tenant's cloud"},
    };
    for (const auto& login : cases) {
        CAPTURE(login.name);
        OnceFixture f(login.setup);
        f.add(make_corpus(1, 1, system_now()));
        const OnceRun run = f.run();
        INFO(run.process.err);
        CHECK(run.process.exit_code == 2);
        CHECK(run.process.err.find(login.code) != std::string::npos);
        CHECK(run.process.err.find(login.advice) != std::string::npos);
        CHECK(run.process.err.find(login.setup.secret) == std::string::npos);
        CHECK(run.alerts.empty());
        check_no_secret(run, *f.sim);
        CHECK(f.sim->stats().count(RequestKind::content_list) == 0);
    }
}

TEST_CASE("a subscription that is not enabled is started before the content is listed") {
    OnceFixture f;
    const Corpus corpus = make_corpus(2, 1, system_now());
    f.add(corpus);
    f.sim->disable_subscription_by_admin("Audit.General");
    const OnceRun run = f.run();
    INFO(run.process.err);
    CHECK(run.process.exit_code == 0);
    CHECK(f.sim->stats().count(RequestKind::subscription_start) == 1);
    check_exactly_once(corpus, {run});
}

TEST_CASE("a subscription is started at most once in 15 minutes, remembered across runs") {
    OnceFixture f;
    const Corpus corpus = make_corpus(2, 1, system_now());
    f.add(corpus);
    f.sim->disable_subscription_by_admin("Audit.General");
    const OnceRun first = f.run();
    INFO(first.process.err);
    CHECK(f.sim->stats().count(RequestKind::subscription_start) == 1);

    // Disabled again at once: the next run (a new process) must not start it a second time.
    f.sim->disable_subscription_by_admin("Audit.General");
    const OnceRun second = f.run();
    INFO(second.process.err);
    CHECK(f.sim->stats().count(RequestKind::subscription_start) == 1);
    CHECK(second.process.err.find("subscription start sent recently") != std::string::npos);
    CHECK(second.alerts.empty());
}
