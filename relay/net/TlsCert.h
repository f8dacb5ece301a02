#pragma once
/// @file TlsCert.h
/// A self-signed TLS certificate for local use (P-256, 1 year, SAN localhost and 127.0.0.1).

#include <string>

#include "common/Result.h"

namespace verbatim::relay {

/// Writes PEM files; the key file gets mode 0600.
[[nodiscard]] Result<void> generateSelfSignedCertificate(const std::string& certPath,
                                                         const std::string& keyPath,
                                                         const std::string& commonName);

/// SHA-256 fingerprint (hex) of the DER certificate in `certPath`, for pinning.
[[nodiscard]] Result<std::string> certificateFingerprint(const std::string& certPath);

/// SHA-256 (hex) of the certificate's public key (SubjectPublicKeyInfo, DER): the TLS key pin a
/// firm manifest carries. It survives a renewal that keeps the key.
[[nodiscard]] Result<std::string> certificateKeyPin(const std::string& certPath);

} // namespace verbatim::relay
