#include "agent/api/client_credential.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace flowwatch::agent::api {
namespace {

Result<std::string> read_secret_file(const std::filesystem::path& path, std::string_view what) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        return fail("cannot read the " + std::string(what) + " " + path.string(), "config");
    }
    std::ostringstream text;
    text << in.rdbuf();
    std::string secret = text.str();
    // Editors and `echo` leave a line end; a secret never ends in white space.
    while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r' ||
                               secret.back() == ' ' || secret.back() == '\t')) {
        secret.pop_back();
    }
    if (secret.empty()) {
        return fail("the " + std::string(what) + " " + path.string() + " is empty", "config");
    }
    return secret;
}

Result<std::filesystem::path> credential_path(const std::string& name) {
    const char* directory = std::getenv("CREDENTIALS_DIRECTORY");
    if (directory == nullptr || *directory == '\0') {
        return fail("credential \"" + name +
                        "\" needs $CREDENTIALS_DIRECTORY (set by systemd's LoadCredential=)",
                    "config");
    }
    return std::filesystem::path(directory) / name;
}

Result<std::string> load_secret(const TenantConfig& tenant) {
    const auto& source = tenant.secret;
    if (!source.file.empty()) {
        return read_secret_file(source.file, "client_secret_file");
    }
    if (!source.env.empty()) {
        const char* value = std::getenv(source.env.c_str());
        if (value == nullptr || *value == '\0') {
            return fail("client_secret_env: the environment variable " + source.env +
                            " is not set or empty",
                        "config");
        }
        return std::string(value);
    }
    if (!source.credential.empty()) {
        auto path = credential_path(source.credential);
        if (!path) {
            return std::unexpected(path.error());
        }
        return read_secret_file(*path, "credential");
    }
    return fail("tenant " + tenant.tenant_id +
                    ": no credential; set client_secret_file, client_secret_env, "
                    "client_secret_credential or certificate",
                "config");
}

}  // namespace

Result<ClientCredential> load_client_credential(const TenantConfig& tenant) {
    ClientCredential credential;
    if (!tenant.certificate) {
        auto secret = load_secret(tenant);
        if (!secret) {
            return std::unexpected(secret.error());
        }
        credential.secret = std::move(*secret);
        return credential;
    }

    const auto& certificate = *tenant.certificate;
    auto algorithm = parse_assertion_algorithm(certificate.algorithm);
    if (!algorithm) {
        return std::unexpected(algorithm.error());
    }
    std::string key_file = certificate.key_file;
    if (key_file.empty() && !certificate.key_credential.empty()) {
        auto path = credential_path(certificate.key_credential);
        if (!path) {
            return std::unexpected(path.error());
        }
        key_file = path->string();
    }
    auto signer = AssertionSigner::from_files(key_file, certificate.cert_file, *algorithm);
    if (!signer) {
        return fail("tenant " + tenant.tenant_id + ": " + signer.error().message, "config");
    }
    credential.signer = std::move(*signer);
    return credential;
}

}  // namespace flowwatch::agent::api
