#include "agent/simtenant/client_assertion.h"

#include <memory>
#include <string>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <nlohmann/json.hpp>

#include "agent/simtenant/wire_format.h"

namespace flowwatch::simtenant {
namespace {

constexpr const char* kBadSignature = "700027";
constexpr const char* kOutOfTime = "700024";

struct X509Free {
    void operator()(X509* p) const { X509_free(p); }
};
struct PkeyFree {
    void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct MdCtxFree {
    void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); }
};

std::unique_ptr<X509, X509Free> read_certificate(const std::string& pem) {
    BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
    if (bio == nullptr) {
        return nullptr;
    }
    X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
    BIO_free(bio);
    return std::unique_ptr<X509, X509Free>(cert);
}

std::string thumbprint(X509* cert, const EVP_MD* md) {
    int length = i2d_X509(cert, nullptr);
    if (length <= 0) {
        return {};
    }
    std::string der(static_cast<std::size_t>(length), '\0');
    auto* out = reinterpret_cast<unsigned char*>(der.data());
    i2d_X509(cert, &out);
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int digest_length = 0;
    EVP_Digest(der.data(), der.size(), digest, &digest_length, md, nullptr);
    return base64url_encode(std::string_view(reinterpret_cast<const char*>(digest), digest_length));
}

bool signature_holds(X509* cert, bool pss, std::string_view signed_part,
                     const std::string& signature) {
    std::unique_ptr<EVP_PKEY, PkeyFree> key(X509_get_pubkey(cert));
    std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
    EVP_PKEY_CTX* pctx = nullptr;
    if (!key || !ctx ||
        EVP_DigestVerifyInit(ctx.get(), &pctx, EVP_sha256(), nullptr, key.get()) != 1) {
        return false;
    }
    // PS256 is RSA-PSS with SHA-256, MGF1-SHA-256 and a salt as long as the digest (RFC 7518).
    if (pss && (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
                EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) != 1 ||
                EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, EVP_sha256()) != 1)) {
        return false;
    }
    return EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                            signature.size(),
                            reinterpret_cast<const unsigned char*>(signed_part.data()),
                            signed_part.size()) == 1;
}

Result<void> check_header(const nlohmann::json& header, X509* cert, bool& pss) {
    std::string alg = header.value("alg", "");
    if (alg != "PS256" && alg != "RS256") {
        return fail("client assertion: unsupported alg '" + alg + "'", kBadSignature);
    }
    pss = alg == "PS256";

    bool has_sha256 = header.contains("x5t#S256");
    bool has_sha1 = header.contains("x5t");
    if (!has_sha256 && !has_sha1) {
        return fail("client assertion: no x5t#S256 or x5t header", kBadSignature);
    }
    if (has_sha256 && header.value("x5t#S256", "") != thumbprint(cert, EVP_sha256())) {
        return fail("client assertion: x5t#S256 does not match the registered certificate",
                    kBadSignature);
    }
    if (has_sha1 && header.value("x5t", "") != thumbprint(cert, EVP_sha1())) {
        return fail("client assertion: x5t does not match the registered certificate",
                    kBadSignature);
    }
    return {};
}

bool audience_matches(const nlohmann::json& aud, const std::string& expected) {
    if (aud.is_string()) {
        return aud.get<std::string>() == expected;
    }
    if (aud.is_array()) {
        for (const auto& item : aud) {
            if (item.is_string() && item.get<std::string>() == expected) {
                return true;
            }
        }
    }
    return false;
}

Result<void> check_claims(const nlohmann::json& claims, const AssertionExpectations& expected) {
    if (!claims.contains("aud") || !audience_matches(claims["aud"], expected.audience)) {
        return fail("client assertion: aud is not " + expected.audience, kBadSignature);
    }
    if (claims.value("iss", "") != expected.client_id ||
        claims.value("sub", "") != expected.client_id) {
        return fail("client assertion: iss and sub must be the client id", kBadSignature);
    }
    if (!claims.contains("exp") || !claims["exp"].is_number_integer()) {
        return fail("client assertion: exp missing or not an integer", kOutOfTime);
    }
    auto now = std::chrono::floor<std::chrono::seconds>(expected.now).time_since_epoch().count();
    auto exp = claims["exp"].get<std::int64_t>();
    if (exp <= now) {
        return fail("client assertion: expired", kOutOfTime);
    }
    if (exp - now > expected.max_lifetime.count()) {
        return fail("client assertion: exp too far in the future", kOutOfTime);
    }
    if (claims.contains("nbf") && claims["nbf"].is_number_integer() &&
        claims["nbf"].get<std::int64_t>() > now + expected.allowed_skew.count()) {
        return fail("client assertion: not valid yet (nbf)", kOutOfTime);
    }
    return {};
}

Result<void> verify_parts(std::string_view assertion, const AssertionExpectations& expected) {
    auto first_dot = assertion.find('.');
    auto last_dot = assertion.rfind('.');
    if (first_dot == std::string_view::npos || last_dot == first_dot) {
        return fail("client assertion: not a JWT (three dot-separated parts)", kBadSignature);
    }
    auto header_text = base64url_decode(assertion.substr(0, first_dot));
    auto claims_text = base64url_decode(assertion.substr(first_dot + 1, last_dot - first_dot - 1));
    auto signature = base64url_decode(assertion.substr(last_dot + 1));
    if (!header_text || !claims_text || !signature) {
        return fail("client assertion: a part is not base64url", kBadSignature);
    }

    auto header = nlohmann::json::parse(*header_text, nullptr, false);
    auto claims = nlohmann::json::parse(*claims_text, nullptr, false);
    if (!header.is_object() || !claims.is_object()) {
        return fail("client assertion: header or claims are not JSON objects", kBadSignature);
    }

    auto cert = read_certificate(expected.certificate_pem);
    if (!cert) {
        return fail("client assertion: the registered certificate cannot be read", kBadSignature);
    }
    bool pss = false;
    if (auto ok = check_header(header, cert.get(), pss); !ok) {
        return ok;
    }
    if (!signature_holds(cert.get(), pss, assertion.substr(0, last_dot), *signature)) {
        return fail("client assertion: signature does not verify with the registered certificate",
                    kBadSignature);
    }
    return check_claims(claims, expected);
}

}  // namespace

Result<void> verify_client_assertion(std::string_view assertion,
                                     const AssertionExpectations& expected) {
    try {
        return verify_parts(assertion, expected);
    } catch (const nlohmann::json::exception& e) {
        return fail(
            std::string("client assertion: a header or claim has the wrong type: ") + e.what(),
            kBadSignature);
    }
}

}  // namespace flowwatch::simtenant
