#pragma once
/// @file PassphraseBox.h
/// Encrypts a small secret (a key) under a passphrase: scrypt -> AES-256-GCM. Used for the firm
/// root key file, the journal private key file and the client's database-key wrap.
///
/// Layout: "VPB1" || u8 log2(N) || u32 r || u32 p || salt[16] || nonce[12] || ciphertext||tag,
/// the header (everything before the ciphertext) being the GCM associated data.

#include "common/Bytes.h"

namespace verbatim::crypto {

struct ScryptParams {
    std::uint8_t log2N = 15;  ///< N = 32768: about 32 MiB and ~100 ms here
    std::uint32_t r = 8;
    std::uint32_t p = 1;
};

/// Seals `secret` under `passphrase` (which may be any bytes, at least 1).
[[nodiscard]] Result<Bytes> passphraseSeal(ByteView secret, ByteView passphrase,
                                           const ScryptParams& params = {});
/// Opens a box. A wrong passphrase or a damaged box fails with ErrorCode::WrongKey; the error
/// never says which, and nothing of the secret is returned.
[[nodiscard]] Result<SecureBytes> passphraseOpen(ByteView box, ByteView passphrase);

}  // namespace verbatim::crypto
