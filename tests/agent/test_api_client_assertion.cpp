#include <doctest/doctest.h>

#include <array>
#include <memory>
#include <string>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <nlohmann/json.hpp>

#include "agent/api/client_assertion.h"

using namespace flowwatch;
using namespace flowwatch::agent::api;

namespace {

struct TestKeyPair {
    std::string key_pem;
    std::string cert_pem;
    std::string cert_der;
};

std::string bio_text(BIO* bio) {
    BUF_MEM* mem = nullptr;
    BIO_get_mem_ptr(bio, &mem);
    return std::string(mem->data, mem->length);
}

/// A fresh RSA key and a self-signed certificate for it.
TestKeyPair make_key_pair(unsigned bits = 2048) {
    EVP_PKEY* key = EVP_RSA_gen(bits);
    REQUIRE(key != nullptr);
    X509* cert = X509_new();
    ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
    X509_gmtime_adj(X509_getm_notBefore(cert), 0);
    X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
    X509_set_pubkey(cert, key);
    X509_NAME* name = X509_get_subject_name(cert);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>("flowwatch test"), -1, -1, 0);
    X509_set_issuer_name(cert, name);
    REQUIRE(X509_sign(cert, key, EVP_sha256()) > 0);

    TestKeyPair pair;
    BIO* key_bio = BIO_new(BIO_s_mem());
    PEM_write_bio_PrivateKey(key_bio, key, nullptr, nullptr, 0, nullptr, nullptr);
    pair.key_pem = bio_text(key_bio);
    BIO* cert_bio = BIO_new(BIO_s_mem());
    PEM_write_bio_X509(cert_bio, cert);
    pair.cert_pem = bio_text(cert_bio);
    unsigned char* der = nullptr;
    const int der_length = i2d_X509(cert, &der);
    pair.cert_der.assign(reinterpret_cast<const char*>(der), static_cast<std::size_t>(der_length));
    OPENSSL_free(der);
    BIO_free(key_bio);
    BIO_free(cert_bio);
    X509_free(cert);
    EVP_PKEY_free(key);
    return pair;
}

std::string digest(const std::string& bytes, const EVP_MD* md) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
    unsigned int length = 0;
    EVP_Digest(bytes.data(), bytes.size(), out.data(), &length, md, nullptr);
    return std::string(reinterpret_cast<const char*>(out.data()), length);
}

bool verify_signature(const TestKeyPair& pair, const std::string& jwt, bool pss) {
    const auto last_dot = jwt.rfind('.');
    const std::string input = jwt.substr(0, last_dot);
    const auto signature = base64url_decode(jwt.substr(last_dot + 1));
    REQUIRE(signature);

    BIO* bio = BIO_new_mem_buf(pair.cert_pem.data(), static_cast<int>(pair.cert_pem.size()));
    X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
    EVP_PKEY* public_key = X509_get_pubkey(cert);
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    EVP_PKEY_CTX* pkey_ctx = nullptr;
    EVP_DigestVerifyInit(ctx, &pkey_ctx, EVP_sha256(), nullptr, public_key);
    if (pss) {
        EVP_PKEY_CTX_set_rsa_padding(pkey_ctx, RSA_PKCS1_PSS_PADDING);
        EVP_PKEY_CTX_set_rsa_pss_saltlen(pkey_ctx, 32);
        EVP_PKEY_CTX_set_rsa_mgf1_md(pkey_ctx, EVP_sha256());
    }
    const int ok = EVP_DigestVerify(
        ctx, reinterpret_cast<const unsigned char*>(signature->data()), signature->size(),
        reinterpret_cast<const unsigned char*>(input.data()), input.size());
    EVP_MD_CTX_free(ctx);
    EVP_PKEY_free(public_key);
    X509_free(cert);
    BIO_free(bio);
    return ok == 1;
}

nlohmann::json part(const std::string& jwt, int index) {
    const auto first = jwt.find('.');
    const auto second = jwt.find('.', first + 1);
    const std::string text =
        index == 0 ? jwt.substr(0, first) : jwt.substr(first + 1, second - first - 1);
    auto decoded = base64url_decode(text);
    REQUIRE(decoded);
    return nlohmann::json::parse(*decoded);
}

const std::string kEndpoint = "https://login.microsoftonline.com/tenant/oauth2/v2.0/token";
const Timestamp kNow = *parse_time("2025-03-11T08:00:00Z");

}  // namespace

TEST_CASE("a PS256 assertion carries x5t#S256 and the claims Entra checks, and verifies") {
    const TestKeyPair pair = make_key_pair();
    auto signer = AssertionSigner::from_pem(pair.key_pem, pair.cert_pem, AssertionAlgorithm::ps256);
    REQUIRE(signer);
    auto jwt = signer->make_assertion("app-id", kEndpoint, kNow);
    REQUIRE(jwt);

    const auto header = part(*jwt, 0);
    CHECK(header["alg"] == "PS256");
    CHECK(header["typ"] == "JWT");
    CHECK(header["x5t#S256"] == base64url_encode(digest(pair.cert_der, EVP_sha256())));
    CHECK_FALSE(header.contains("x5t"));

    const auto claims = part(*jwt, 1);
    CHECK(claims["aud"] == kEndpoint);
    CHECK(claims["iss"] == "app-id");
    CHECK(claims["sub"] == "app-id");
    CHECK(claims["nbf"] == 1'741'680'000);
    CHECK(claims["exp"].get<std::int64_t>() - claims["nbf"].get<std::int64_t>() <= 600);
    CHECK(claims["jti"].get<std::string>().size() == 36);

    CHECK(verify_signature(pair, *jwt, true));
    CHECK_FALSE(verify_signature(pair, *jwt, false));
}

TEST_CASE("an RS256 assertion carries the SHA-1 x5t and a PKCS#1 v1.5 signature") {
    const TestKeyPair pair = make_key_pair();
    auto signer = AssertionSigner::from_pem(pair.key_pem, pair.cert_pem, AssertionAlgorithm::rs256);
    REQUIRE(signer);
    auto jwt = signer->make_assertion("app-id", kEndpoint, kNow);
    REQUIRE(jwt);
    const auto header = part(*jwt, 0);
    CHECK(header["alg"] == "RS256");
    CHECK(header["x5t"] == base64url_encode(digest(pair.cert_der, EVP_sha1())));
    CHECK(verify_signature(pair, *jwt, false));
}

TEST_CASE("every assertion has a fresh jti") {
    const TestKeyPair pair = make_key_pair();
    auto signer = AssertionSigner::from_pem(pair.key_pem, pair.cert_pem, AssertionAlgorithm::ps256);
    REQUIRE(signer);
    CHECK(part(*signer->make_assertion("a", kEndpoint, kNow), 1)["jti"] !=
          part(*signer->make_assertion("a", kEndpoint, kNow), 1)["jti"]);
}

TEST_CASE("a key that does not match the certificate, or is too short, is refused") {
    const TestKeyPair one = make_key_pair();
    const TestKeyPair other = make_key_pair();
    auto mismatched =
        AssertionSigner::from_pem(one.key_pem, other.cert_pem, AssertionAlgorithm::ps256);
    REQUIRE_FALSE(mismatched);
    CHECK(mismatched.error().message.find("does not belong") != std::string::npos);

    const TestKeyPair small = make_key_pair(1024);
    CHECK_FALSE(
        AssertionSigner::from_pem(small.key_pem, small.cert_pem, AssertionAlgorithm::ps256));
    CHECK_FALSE(AssertionSigner::from_pem("not a key", one.cert_pem, AssertionAlgorithm::ps256));
}

TEST_CASE("base64url round-trips without padding or URL-unsafe characters") {
    const std::string bytes("\xfb\xff\xfe\x00\x01", 5);
    const std::string encoded = base64url_encode(bytes);
    CHECK(encoded.find_first_of("+/=") == std::string::npos);
    CHECK(base64url_decode(encoded) == bytes);
    CHECK(base64url_decode("") == std::string{});
    CHECK(parse_assertion_algorithm("rs256") == AssertionAlgorithm::rs256);
    CHECK_FALSE(parse_assertion_algorithm("HS256"));
}
