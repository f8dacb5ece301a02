#pragma once
/// @file PassphraseBox.h
/// Encrypts a small secret (a key) under a passphrase: scrypt -> AES-256-GCM. Used for the firm
/// root key file, the journal private key file and the client's database-key wrap.
///
/// Layout: "VPB1" || u8 log2(N) || u32 r || u32 p || salt[16] || nonce[12] || ciphertext||tag,
/// the header (everything before the ciphertext) being the GCM associated data. The scrypt
/// parameters travel in the box, so a box always opens at the cost it was sealed with; callers
/// that can re-seal (client/core/Profile) raise an old box's cost after it opened.

#include "common/Bytes.h"

namespace verbatim::crypto {

/// scrypt's cost: N = 2^log2N, block size r, parallelism p. Memory is 128 * r * N bytes; time
/// grows with N * r * p.
struct ScryptParams {
    /// The production cost, N = 2^17, r = 8, p = 1: 128 MiB, median 0.37 s on the 2-core
    /// development machine (`verbatim-bench kdf`). A phone can afford it once per unlock;
    /// 2^18 (256 MiB, 0.77 s) risks the OS killing a backgrounded app for memory.
    std::uint8_t log2N = 17;
    std::uint32_t r = 8;
    std::uint32_t p = 1;
};

/// What N = 2^15 (r = 8, p = 1), the cost before issue 16, was: boxes below the production cost
/// still open, and a profile key is re-sealed at the production cost at its next unlock.
inline constexpr ScryptParams kLegacyScrypt{15, 8, 1};

/// The cost new boxes get in this program, and the floor below which client/core/Profile
/// re-seals a profile key after a successful unlock: ScryptParams{} in every program we ship.
/// Only a test executable can lower it, by linking tests/support/TestKdfCost.cpp (which
/// defines the weak hook this reads); no option, setting or environment variable does. Opening
/// a box always uses the parameters stored in it.
[[nodiscard]] ScryptParams scryptCost();
/// True when `p` costs at least as much memory (N * r) and work (N * r * p) as `floor`.
[[nodiscard]] bool scryptAtLeast(const ScryptParams& p, const ScryptParams& floor);

/// Seals `secret` under `passphrase` (which may be any bytes, at least 1).
[[nodiscard]] Result<Bytes> passphraseSeal(ByteView secret, ByteView passphrase,
                                           const ScryptParams& params = scryptCost());
/// Opens a box. A wrong passphrase or a damaged box fails with ErrorCode::WrongKey; the error
/// never says which, and nothing of the secret is returned.
[[nodiscard]] Result<SecureBytes> passphraseOpen(ByteView box, ByteView passphrase);
/// The scrypt parameters a box states (ErrorCode::Malformed if it is not a box). Not
/// authenticated until the box opens: they are what opening it will cost.
[[nodiscard]] Result<ScryptParams> passphraseBoxParams(ByteView box);

} // namespace verbatim::crypto
