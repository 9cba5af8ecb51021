#pragma once
/// A throwaway RSA key and self-signed certificate for 127.0.0.1, made in memory with OpenSSL:
/// the simulated tenant's HTTPS identity, and a test app's client-assertion credential.

#include <string>

#include "core/error.h"

namespace flowwatch::simtenant {

struct CertificateAndKey {
    std::string certificate_pem;
    std::string private_key_pem;  ///< PKCS#8, unencrypted.
};

/// A 2048-bit RSA key and a certificate valid from an hour ago for 30 days, with subject
/// CN=`common_name` and subjectAltName IP:127.0.0.1, DNS:localhost.
Result<CertificateAndKey> make_self_signed_certificate(const std::string& common_name);

}  // namespace flowwatch::simtenant
