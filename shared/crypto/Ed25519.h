#pragma once
/// @file Ed25519.h
/// Ed25519 signatures (RFC 8032) through OpenSSL: the relay's checkpoint and manifest key and
/// the firm root key.

#include "common/Bytes.h"

namespace verbatim::crypto {

struct Ed25519KeyPair {
    SecureBytes privateKey; ///< 32-byte seed
    Bytes publicKey;        ///< 32 bytes
};

[[nodiscard]] Result<Ed25519KeyPair> ed25519Generate();
[[nodiscard]] Result<Bytes> ed25519PublicKey(ByteView privateKey);
/// 64-byte signature of `message`.
[[nodiscard]] Result<Bytes> ed25519Sign(ByteView privateKey, ByteView message);
/// True only for a valid signature by `publicKey` (32 bytes) over `message`.
bool ed25519Verify(ByteView publicKey, ByteView message, ByteView signature);

} // namespace verbatim::crypto
