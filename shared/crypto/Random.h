#pragma once
/// @file Random.h
/// Cryptographically secure random bytes (OpenSSL DRBG, fork-safe in OpenSSL 3).

#include "common/Bytes.h"

namespace verbatim::crypto {

/// Fill `out` completely. On failure `out` is wiped (never left partially random) and an error
/// is returned. Thread-safe.
[[nodiscard]] Result<void> randomFill(MutableByteView out);

/// `n` random bytes; aborts the process if the system RNG fails (it has no recovery).
Bytes randomBytes(std::size_t n);
SecureBytes randomSecret(std::size_t n);

/// Replace the byte source (tests inject failures). nullptr restores OpenSSL's RAND_bytes.
/// The function returns 1 on success like RAND_bytes. Not thread-safe against concurrent use.
using RandomSource = int (*)(unsigned char* buf, int num);
void setRandomSourceForTesting(RandomSource source);

} // namespace verbatim::crypto
