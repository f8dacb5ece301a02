#pragma once
/// @file X25519.h
/// X25519 key agreement (RFC 7748) through OpenSSL: the journal escrow path.

#include <array>

#include "common/Bytes.h"

namespace verbatim::crypto {

struct X25519KeyPair {
    SecureBytes privateKey; ///< 32 bytes
    Bytes publicKey;        ///< 32 bytes, u-coordinate little-endian
};

/// A fresh key pair from the system RNG.
[[nodiscard]] Result<X25519KeyPair> x25519Generate();
/// The public key for a 32-byte private key.
[[nodiscard]] Result<Bytes> x25519PublicKey(ByteView privateKey);
/// X25519(privateKey, peerPublic). Fails (ErrorCode::Crypto) when the result is all zero, i.e.
/// the peer key has low order: such a secret would be known to everyone.
[[nodiscard]] Result<SecureBytes> x25519(ByteView privateKey, ByteView peerPublic);

/// A private key held as an OpenSSL key object, so that repeated agreements do not re-derive
/// the public key each time (one scalar multiplication per agreement, not two).
class X25519Key {
public:
    [[nodiscard]] static Result<X25519Key> generate();
    [[nodiscard]] static Result<X25519Key> fromPrivate(ByteView privateKey);
    X25519Key(X25519Key&&) noexcept;
    X25519Key& operator=(X25519Key&&) noexcept;
    ~X25519Key();

    const Bytes& publicKey() const { return m_public; }
    [[nodiscard]] Result<SecureBytes> privateKey() const;
    /// X25519 with `peerPublic` (32 bytes); fails on an all-zero result like x25519().
    [[nodiscard]] Result<SecureBytes> agree(ByteView peerPublic) const;

private:
    X25519Key() = default;
    /// Takes ownership of an EVP_PKEY and reads its public key.
    static Result<X25519Key> adopt(void* evpPkey);
    void* m_pkey = nullptr; // EVP_PKEY*, kept out of this header
    Bytes m_public;
};

/// True when `publicKey` (32 bytes) is a point of small order or a non-canonical encoding of one,
/// so that any agreement with it yields a predictable secret. Decided by a trial agreement with
/// a fresh clamped scalar (a multiple of 8 kills every small-order component).
bool x25519IsLowOrder(ByteView publicKey);

} // namespace verbatim::crypto
