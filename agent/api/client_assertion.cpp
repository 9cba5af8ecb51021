#include "agent/api/client_assertion.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <fstream>
#include <sstream>
#include <vector>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <nlohmann/json.hpp>

namespace flowwatch::agent::api {

struct AssertionSigner::Key {
    EVP_PKEY* pkey = nullptr;
    ~Key() { EVP_PKEY_free(pkey); }
};

namespace {

constexpr auto kAssertionLifetime = std::chrono::minutes{10};

Result<std::string> read_file(const std::string& path, std::string_view what) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        return fail("cannot read the " + std::string(what) + " " + path, "config");
    }
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

std::unique_ptr<BIO, decltype(&BIO_free)> memory_bio(std::string_view text) {
    return {BIO_new_mem_buf(text.data(), static_cast<int>(text.size())), &BIO_free};
}

std::string random_uuid() {
    std::array<unsigned char, 16> bytes{};
    RAND_bytes(bytes.data(), static_cast<int>(bytes.size()));
    bytes[6] = static_cast<unsigned char>((bytes[6] & 0x0F) | 0x40);
    bytes[8] = static_cast<unsigned char>((bytes[8] & 0x3F) | 0x80);
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10) {
            out.push_back('-');
        }
        out.push_back(kHex[bytes[i] >> 4]);
        out.push_back(kHex[bytes[i] & 0x0F]);
    }
    return out;
}

}  // namespace

std::string base64url_encode(std::string_view bytes) {
    std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
    const int length = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                       reinterpret_cast<const unsigned char*>(bytes.data()),
                                       static_cast<int>(bytes.size()));
    out.resize(static_cast<std::size_t>(length));
    while (!out.empty() && out.back() == '=') {
        out.pop_back();
    }
    for (char& c : out) {
        c = c == '+' ? '-' : (c == '/' ? '_' : c);
    }
    return out;
}

Result<std::string> base64url_decode(std::string_view text) {
    if (text.empty()) {
        return std::string{};
    }
    std::string padded(text);
    for (char& c : padded) {
        c = c == '-' ? '+' : (c == '_' ? '/' : c);
    }
    while (padded.size() % 4 != 0) {
        padded.push_back('=');
    }
    std::string out(padded.size() / 4 * 3, '\0');
    const int length = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                       reinterpret_cast<const unsigned char*>(padded.data()),
                                       static_cast<int>(padded.size()));
    if (length < 0) {
        return fail("base64url decode: not base64url text");
    }
    const auto pad = static_cast<std::size_t>(std::count(padded.end() - 2, padded.end(), '='));
    out.resize(static_cast<std::size_t>(length) - pad);
    return out;
}

Result<AssertionAlgorithm> parse_assertion_algorithm(std::string_view name) {
    std::string upper(name);
    for (char& c : upper) {
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    if (upper == "PS256") {
        return AssertionAlgorithm::ps256;
    }
    if (upper == "RS256") {
        return AssertionAlgorithm::rs256;
    }
    return fail("certificate algorithm \"" + std::string(name) + "\": use PS256 or RS256",
                "config");
}

AssertionSigner::AssertionSigner(std::shared_ptr<Key> key, std::string thumbprint,
                                 AssertionAlgorithm algorithm)
    : key_(std::move(key)), thumbprint_(std::move(thumbprint)), algorithm_(algorithm) {}

Result<AssertionSigner> AssertionSigner::from_files(const std::string& key_file,
                                                    const std::string& cert_file,
                                                    AssertionAlgorithm algorithm) {
    auto key_pem = read_file(key_file, "certificate key file");
    if (!key_pem) {
        return std::unexpected(key_pem.error());
    }
    auto cert_pem = read_file(cert_file, "certificate file");
    if (!cert_pem) {
        return std::unexpected(cert_pem.error());
    }
    auto signer = from_pem(*key_pem, *cert_pem, algorithm);
    if (!signer) {
        return fail(
            signer.error().message + " (key " + key_file + ", certificate " + cert_file + ")",
            signer.error().code);
    }
    return signer;
}

Result<AssertionSigner> AssertionSigner::from_pem(std::string_view key_pem,
                                                  std::string_view cert_pem,
                                                  AssertionAlgorithm algorithm) {
    auto key = std::make_shared<Key>();
    auto key_bio = memory_bio(key_pem);
    key->pkey = PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr);
    if (key->pkey == nullptr || EVP_PKEY_get_base_id(key->pkey) != EVP_PKEY_RSA) {
        return fail("load client certificate key: not an unencrypted PEM RSA private key",
                    "config");
    }
    if (EVP_PKEY_get_bits(key->pkey) < 2048) {
        return fail("load client certificate key: the RSA key must have at least 2048 bits",
                    "config");
    }

    auto cert_bio = memory_bio(cert_pem);
    std::unique_ptr<X509, decltype(&X509_free)> cert(
        PEM_read_bio_X509(cert_bio.get(), nullptr, nullptr, nullptr), &X509_free);
    if (!cert) {
        return fail("load client certificate: not a PEM certificate", "config");
    }
    if (X509_check_private_key(cert.get(), key->pkey) != 1) {
        return fail("load client certificate: the key does not belong to the certificate",
                    "config");
    }

    // The thumbprint is a hash of the DER bytes: SHA-256 for x5t#S256, SHA-1 for x5t.
    const EVP_MD* md = algorithm == AssertionAlgorithm::ps256 ? EVP_sha256() : EVP_sha1();
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int digest_length = 0;
    if (X509_digest(cert.get(), md, digest.data(), &digest_length) != 1) {
        return fail("load client certificate: cannot compute its thumbprint", "config");
    }
    std::string thumbprint = base64url_encode(
        std::string_view(reinterpret_cast<const char*>(digest.data()), digest_length));
    return AssertionSigner(std::move(key), std::move(thumbprint), algorithm);
}

Result<std::string> AssertionSigner::make_assertion(std::string_view client_id,
                                                    std::string_view token_endpoint,
                                                    Timestamp now) const {
    const bool pss = algorithm_ == AssertionAlgorithm::ps256;
    nlohmann::json header = {{"alg", pss ? "PS256" : "RS256"}, {"typ", "JWT"}};
    header[pss ? "x5t#S256" : "x5t"] = thumbprint_;
    const auto issued =
        std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
    const auto expires = issued + std::chrono::seconds{kAssertionLifetime}.count();
    const nlohmann::json claims = {{"aud", token_endpoint}, {"iss", client_id}, {"sub", client_id},
                                   {"jti", random_uuid()},  {"nbf", issued},    {"iat", issued},
                                   {"exp", expires}};
    const std::string signing_input =
        base64url_encode(header.dump()) + "." + base64url_encode(claims.dump());

    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
    EVP_PKEY_CTX* pkey_ctx = nullptr;
    if (!ctx || EVP_DigestSignInit(ctx.get(), &pkey_ctx, EVP_sha256(), nullptr, key_->pkey) != 1) {
        return fail("sign client assertion: cannot set up the signature", "assertion");
    }
    if (pss && (EVP_PKEY_CTX_set_rsa_padding(pkey_ctx, RSA_PKCS1_PSS_PADDING) != 1 ||
                EVP_PKEY_CTX_set_rsa_pss_saltlen(pkey_ctx, 32) != 1 ||
                EVP_PKEY_CTX_set_rsa_mgf1_md(pkey_ctx, EVP_sha256()) != 1)) {
        return fail("sign client assertion: cannot select PSS padding", "assertion");
    }
    std::size_t length = 0;
    const auto* input = reinterpret_cast<const unsigned char*>(signing_input.data());
    if (EVP_DigestSign(ctx.get(), nullptr, &length, input, signing_input.size()) != 1) {
        return fail("sign client assertion: cannot size the signature", "assertion");
    }
    std::vector<unsigned char> signature(length);
    if (EVP_DigestSign(ctx.get(), signature.data(), &length, input, signing_input.size()) != 1) {
        return fail("sign client assertion: signing failed", "assertion");
    }
    return signing_input + "." +
           base64url_encode(
               std::string_view(reinterpret_cast<const char*>(signature.data()), length));
}

}  // namespace flowwatch::agent::api
