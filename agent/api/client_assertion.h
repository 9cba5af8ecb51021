#pragma once
/// The signed JWT an app presents instead of a client secret: PS256 with `x5t#S256` (current
/// guidance) or RS256 with `x5t` (legacy), a short `exp`, a fresh `jti`, `aud` = token endpoint.

#include <memory>
#include <string>
#include <string_view>

#include "core/error.h"
#include "core/time.h"

namespace flowwatch::agent::api {

enum class AssertionAlgorithm { ps256, rs256 };

/// base64url without padding, as JWTs use it.
std::string base64url_encode(std::string_view bytes);
/// The inverse; nullopt-like empty error on bad input.
Result<std::string> base64url_decode(std::string_view text);

/// An RSA key and its certificate, loaded once from PEM text.
class AssertionSigner {
  public:
    /// Reads the private key and certificate from PEM files. Errors name the file, never its
    /// contents.
    static Result<AssertionSigner> from_files(const std::string& key_file,
                                              const std::string& cert_file,
                                              AssertionAlgorithm algorithm);
    static Result<AssertionSigner> from_pem(std::string_view key_pem, std::string_view cert_pem,
                                            AssertionAlgorithm algorithm);

    /// A new assertion for `client_id` at `token_endpoint`, valid from `now` for 10 minutes.
    Result<std::string> make_assertion(std::string_view client_id, std::string_view token_endpoint,
                                       Timestamp now) const;

    /// The thumbprint header value: base64url of the certificate's SHA-256 (PS256) or SHA-1.
    const std::string& thumbprint() const { return thumbprint_; }

  private:
    struct Key;
    AssertionSigner(std::shared_ptr<Key> key, std::string thumbprint, AssertionAlgorithm algorithm);

    std::shared_ptr<Key> key_;
    std::string thumbprint_;
    AssertionAlgorithm algorithm_;
};

/// Parses "PS256" / "RS256" (any case).
Result<AssertionAlgorithm> parse_assertion_algorithm(std::string_view name);

}  // namespace flowwatch::agent::api
