#pragma once
/// @file Aes.h
/// AES in the three modes Verbatim uses: GCM (journal sealing, attachments), CBC with PKCS#7
/// padding and CTR (both for the libsignal provider). Keys of 16, 24 or 32 bytes.

#include "common/Bytes.h"

namespace verbatim::crypto {

/// AES-GCM encryption; returns ciphertext || tag (`tagLen` bytes, 12..16).
/// `iv` is 1..128 bytes (OpenSSL's limit); 12 bytes is the standard and fastest size.
[[nodiscard]] Result<Bytes> aesGcmSeal(ByteView key, ByteView iv, ByteView aad, ByteView plaintext,
                                       std::size_t tagLen = 16);

/// AES-GCM decryption of ciphertext || tag. No byte of plaintext is returned unless the tag
/// verifies; on failure the scratch buffer is wiped and ErrorCode::AuthFailed is returned.
[[nodiscard]] Result<SecureBytes> aesGcmOpen(ByteView key, ByteView iv, ByteView aad,
                                             ByteView ciphertextAndTag, std::size_t tagLen = 16);

/// AES-CBC with PKCS#7 padding. `iv` is 16 bytes. Encrypting empty input yields one block.
[[nodiscard]] Result<Bytes> aesCbcEncrypt(ByteView key, ByteView iv, ByteView plaintext);
/// Fails with AuthFailed-free ErrorCode::Malformed on bad padding or a length that is not a
/// multiple of 16; the partial output is wiped.
[[nodiscard]] Result<SecureBytes> aesCbcDecrypt(ByteView key, ByteView iv, ByteView ciphertext);

/// AES-CTR with a 16-byte initial counter block; encryption and decryption are the same.
[[nodiscard]] Result<SecureBytes> aesCtr(ByteView key, ByteView iv, ByteView data);

} // namespace verbatim::crypto
