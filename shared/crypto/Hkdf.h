#pragma once
/// @file Hkdf.h
/// HKDF-SHA256 (RFC 5869).

#include "common/Bytes.h"

namespace verbatim::crypto {

/// Derive `length` bytes (1..8160) from `ikm` with `salt` (may be empty) and `info`.
[[nodiscard]] Result<SecureBytes> hkdfSha256(ByteView ikm, ByteView salt, ByteView info,
                                             std::size_t length);

} // namespace verbatim::crypto
