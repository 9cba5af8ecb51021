#include "agent/simtenant/self_signed_certificate.h"

#include <memory>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

namespace flowwatch::simtenant {
namespace {

struct X509Free {
    void operator()(X509* p) const { X509_free(p); }
};
struct PkeyFree {
    void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct BioFree {
    void operator()(BIO* p) const { BIO_free(p); }
};

std::string drain(BIO* bio) {
    std::string text(BIO_ctrl_pending(bio), '\0');
    int read = BIO_read(bio, text.data(), static_cast<int>(text.size()));
    text.resize(read > 0 ? static_cast<std::size_t>(read) : 0);
    return text;
}

bool add_extension(X509* cert, int nid, const char* value) {
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
    X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
    if (extension == nullptr) {
        return false;
    }
    bool added = X509_add_ext(cert, extension, -1) == 1;
    X509_EXTENSION_free(extension);
    return added;
}

bool fill_certificate(X509* cert, EVP_PKEY* key, const std::string& common_name) {
    X509_NAME* name = X509_get_subject_name(cert);
    return X509_set_version(cert, 2) == 1 &&
           ASN1_INTEGER_set(X509_get_serialNumber(cert), 1) == 1 &&
           X509_gmtime_adj(X509_getm_notBefore(cert), -3600) != nullptr &&
           X509_gmtime_adj(X509_getm_notAfter(cert), 30L * 24 * 3600) != nullptr &&
           X509_set_pubkey(cert, key) == 1 &&
           X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                      reinterpret_cast<const unsigned char*>(common_name.c_str()),
                                      -1, -1, 0) == 1 &&
           X509_set_issuer_name(cert, name) == 1 &&
           add_extension(cert, NID_subject_alt_name, "IP:127.0.0.1,DNS:localhost") &&
           add_extension(cert, NID_basic_constraints, "critical,CA:TRUE") &&
           X509_sign(cert, key, EVP_sha256()) > 0;
}

}  // namespace

Result<CertificateAndKey> make_self_signed_certificate(const std::string& common_name) {
    std::unique_ptr<EVP_PKEY, PkeyFree> key(
        EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<std::size_t>(2048)));
    std::unique_ptr<X509, X509Free> cert(X509_new());
    if (!key || !cert) {
        return fail("generate self-signed certificate for " + common_name + ": key generation");
    }
    if (!fill_certificate(cert.get(), key.get(), common_name)) {
        return fail("generate self-signed certificate for " + common_name + ": signing");
    }

    std::unique_ptr<BIO, BioFree> cert_bio(BIO_new(BIO_s_mem()));
    std::unique_ptr<BIO, BioFree> key_bio(BIO_new(BIO_s_mem()));
    if (!cert_bio || !key_bio || PEM_write_bio_X509(cert_bio.get(), cert.get()) != 1 ||
        PEM_write_bio_PrivateKey(key_bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) !=
            1) {
        return fail("generate self-signed certificate for " + common_name + ": PEM encoding");
    }
    return CertificateAndKey{drain(cert_bio.get()), drain(key_bio.get())};
}

}  // namespace flowwatch::simtenant
