/// Loading a tenant's client secret from a file, an environment variable or systemd's
/// $CREDENTIALS_DIRECTORY, and the errors that name the source but never its content.

#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "agent/api/client_credential.h"
#include "tests/support/scratch_folder.h"

using namespace flowwatch;
using namespace flowwatch::agent;
using namespace flowwatch::agent::api;
using flowwatch::test::ScratchFolder;
using flowwatch::test::write_file;

namespace {

constexpr const char* kSecretValue = "Xy7~credential.Value_0123";

TenantConfig tenant_with(SecretSource source) {
    TenantConfig tenant;
    tenant.tenant_id = "4b7c6a3e-1f2d-4e5a-9b8c-0d1e2f3a4b5c";
    tenant.client_id = "6a0b1c2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d";
    tenant.secret = std::move(source);
    return tenant;
}

}  // namespace

TEST_CASE("a secret file is read without its trailing newline") {
    ScratchFolder dir;
    write_file(dir / "secret", std::string(kSecretValue) + "\r\n");
    auto credential = load_client_credential(tenant_with({.file = (dir / "secret").string()}));
    REQUIRE(credential);
    CHECK(credential->secret == kSecretValue);
    CHECK_FALSE(credential->signer.has_value());
}

TEST_CASE("a secret comes from the environment variable client_secret_env names") {
    ::setenv("FLOWWATCH_TEST_SECRET", kSecretValue, 1);
    auto credential = load_client_credential(tenant_with({.env = "FLOWWATCH_TEST_SECRET"}));
    ::unsetenv("FLOWWATCH_TEST_SECRET");
    REQUIRE(credential);
    CHECK(credential->secret == kSecretValue);

    auto missing = load_client_credential(tenant_with({.env = "FLOWWATCH_TEST_SECRET"}));
    REQUIRE_FALSE(missing);
    CHECK(missing.error().message.find("FLOWWATCH_TEST_SECRET") != std::string::npos);
}

TEST_CASE("a secret comes from systemd's credentials directory, and needs it set") {
    ScratchFolder dir;
    write_file(dir / "o365-secret", kSecretValue);
    ::setenv("CREDENTIALS_DIRECTORY", dir.path().c_str(), 1);
    auto credential = load_client_credential(tenant_with({.credential = "o365-secret"}));
    ::unsetenv("CREDENTIALS_DIRECTORY");
    REQUIRE(credential);
    CHECK(credential->secret == kSecretValue);

    auto unset = load_client_credential(tenant_with({.credential = "o365-secret"}));
    REQUIRE_FALSE(unset);
    CHECK(unset.error().message.find("$CREDENTIALS_DIRECTORY") != std::string::npos);
}

TEST_CASE("an unreadable or empty secret file is named in the error") {
    ScratchFolder dir;
    auto missing = load_client_credential(tenant_with({.file = (dir / "nope").string()}));
    REQUIRE_FALSE(missing);
    CHECK(missing.error().message.find((dir / "nope").string()) != std::string::npos);
    CHECK(missing.error().code == "config");

    write_file(dir / "empty", "\n");
    auto empty = load_client_credential(tenant_with({.file = (dir / "empty").string()}));
    REQUIRE_FALSE(empty);
    CHECK(empty.error().message.find("is empty") != std::string::npos);
}
