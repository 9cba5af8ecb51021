#include <chrono>
#include <memory>
#include <string>

#include <doctest/doctest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <nlohmann/json.hpp>

#include "agent/simtenant/self_signed_certificate.h"
#include "tests/agent/test_simtenant_fixture.h"

using namespace flowwatch;
using namespace flowwatch::simtenant;
using namespace flowwatch::simtenant::testing;
using namespace std::chrono_literals;

namespace {

const CertificateAndKey& app_credential() {
    static const CertificateAndKey credential = *make_self_signed_certificate("flowwatch-test-app");
    return credential;
}

const CertificateAndKey& other_credential() {
    static const CertificateAndKey credential = *make_self_signed_certificate("someone-else");
    return credential;
}

std::string thumbprint(const std::string& certificate_pem, const EVP_MD* md) {
    BIO* bio = BIO_new_mem_buf(certificate_pem.data(), static_cast<int>(certificate_pem.size()));
    X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
    BIO_free(bio);
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    X509_digest(cert, md, digest, &length);
    X509_free(cert);
    return base64url_encode(std::string(reinterpret_cast<const char*>(digest), length));
}

std::string sign(const std::string& key_pem, bool pss, const std::string& input) {
    BIO* bio = BIO_new_mem_buf(key_pem.data(), static_cast<int>(key_pem.size()));
    EVP_PKEY* key = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
    BIO_free(bio);
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    EVP_PKEY_CTX* pctx = nullptr;
    EVP_DigestSignInit(ctx, &pctx, EVP_sha256(), nullptr, key);
    if (pss) {
        EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING);
        EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST);
        EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, EVP_sha256());
    }
    std::size_t length = 0;
    auto* data = reinterpret_cast<const unsigned char*>(input.data());
    EVP_DigestSign(ctx, nullptr, &length, data, input.size());
    std::string signature(length, '\0');
    EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(signature.data()), &length, data,
                   input.size());
    signature.resize(length);
    EVP_MD_CTX_free(ctx);
    EVP_PKEY_free(key);
    return signature;
}

struct AssertionSpec {
    std::string alg = "PS256";
    const CertificateAndKey* signer = &app_credential();
    std::string audience{};
    std::chrono::seconds lifetime{600};
    bool sha1_thumbprint = false;
};

std::string make_assertion(const Fixture& f, const AssertionSpec& spec) {
    nlohmann::json header = {{"alg", spec.alg}, {"typ", "JWT"}};
    if (spec.sha1_thumbprint) {
        header["x5t"] = thumbprint(app_credential().certificate_pem, EVP_sha1());
    } else {
        header["x5t#S256"] = thumbprint(app_credential().certificate_pem, EVP_sha256());
    }
    auto now = std::chrono::floor<std::chrono::seconds>(f.now()).time_since_epoch().count();
    nlohmann::json claims = {
        {"aud", spec.audience.empty() ? f.token_url() : spec.audience},
        {"iss", kClient},
        {"sub", kClient},
        {"jti", "3f1e6a1c-0000-4000-8000-000000000001"},
        {"nbf", now},
        {"exp", now + spec.lifetime.count()},
    };
    std::string input = base64url_encode(header.dump()) + "." + base64url_encode(claims.dump());
    return input + "." +
           base64url_encode(sign(spec.signer->private_key_pem, spec.alg == "PS256", input));
}

Answer post_assertion(const Fixture& f, const std::string& assertion) {
    std::string form =
        "grant_type=client_credentials&client_id=" + std::string(kClient) +
        "&scope=https%3A%2F%2Fmanage.office.com%2F.default"
        "&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer"
        "&client_assertion=" +
        assertion;
    return post_form(f.token_url(), form, f.tenant->ca_certificate_pem());
}

SimTenantOptions certificate_app() {
    SimTenantOptions options;
    options.certificate_pem = app_credential().certificate_pem;
    return options;
}

}  // namespace

TEST_CASE("a PS256 assertion with x5t#S256 signed by the registered key gets a token") {
    Fixture f(certificate_app());
    Answer answer = post_assertion(f, make_assertion(f, {}));
    CHECK(answer.status == 200);
    CHECK(nlohmann::json::parse(answer.body).contains("access_token"));
}

TEST_CASE("an RS256 assertion with a SHA-1 x5t signed by the registered key gets a token") {
    Fixture f(certificate_app());
    Answer answer = post_assertion(f, make_assertion(f, {.alg = "RS256", .sha1_thumbprint = true}));
    CHECK(answer.status == 200);
}

TEST_CASE("an assertion signed by another key fails signature validation (AADSTS700027)") {
    Fixture f(certificate_app());
    Answer answer = post_assertion(f, make_assertion(f, {.signer = &other_credential()}));
    CHECK(answer.status == 401);
    CHECK(entra_codes(answer) == std::vector<int>{700027});
}

TEST_CASE("an assertion whose signature bytes were altered is refused") {
    Fixture f(certificate_app());
    std::string assertion = make_assertion(f, {});
    char& last = assertion[assertion.size() - 3];
    last = last == 'A' ? 'B' : 'A';
    CHECK(entra_codes(post_assertion(f, assertion)) == std::vector<int>{700027});
}

TEST_CASE("an assertion signed with PKCS#1 v1.5 but labelled PS256 is refused") {
    Fixture f(certificate_app());
    std::string assertion = make_assertion(f, {.alg = "RS256"});
    // Re-label the header without re-signing: the padding no longer matches the algorithm.
    nlohmann::json header = {
        {"alg", "PS256"},
        {"typ", "JWT"},
        {"x5t#S256", thumbprint(app_credential().certificate_pem, EVP_sha256())}};
    std::string relabelled =
        base64url_encode(header.dump()) + assertion.substr(assertion.find('.'));
    CHECK(entra_codes(post_assertion(f, relabelled)) == std::vector<int>{700027});
}

TEST_CASE("an assertion for another audience is refused") {
    Fixture f(certificate_app());
    Answer answer = post_assertion(
        f,
        make_assertion(f, {.audience = "https://login.microsoftonline.com/x/oauth2/v2.0/token"}));
    CHECK(entra_codes(answer) == std::vector<int>{700027});
}

TEST_CASE("an expired or long-lived assertion is outside its valid time range (AADSTS700024)") {
    Fixture f(certificate_app());
    CHECK(entra_codes(post_assertion(f, make_assertion(f, {.lifetime = -60s}))) ==
          std::vector<int>{700024});
    CHECK(entra_codes(post_assertion(f, make_assertion(f, {.lifetime = 48h}))) ==
          std::vector<int>{700024});
}

TEST_CASE("a malformed assertion is refused, not crashed on") {
    Fixture f(certificate_app());
    CHECK(post_assertion(f, "not-a-jwt").status == 401);
    CHECK(post_assertion(f, base64url_encode("[1]") + ".e30.AAAA").status == 401);
    CHECK(post_assertion(f, base64url_encode(R"({"alg":5})") + ".e30.AAAA").status == 401);
}
