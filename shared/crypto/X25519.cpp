#include "crypto/X25519.h"

#include <openssl/evp.h>

#include "crypto/OpenSslUtil.h"
#include "crypto/Random.h"

namespace verbatim::crypto {

Result<X25519KeyPair> x25519Generate() {
    X25519KeyPair kp;
    kp.privateKey = randomSecret(32);
    auto pub = x25519PublicKey(kp.privateKey);
    if (!pub) return tl::unexpected(pub.error());
    kp.publicKey = std::move(*pub);
    return kp;
}

Result<Bytes> x25519PublicKey(ByteView privateKey) {
    if (privateKey.size() != 32) return fail(ErrorCode::InvalidArgument, "X25519 key must be 32 bytes");
    EvpPkeyPtr key(EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, nullptr, privateKey.data(), 32));
    if (!key) return opensslFailure("X25519 private key rejected");
    Bytes pub(32);
    size_t len = pub.size();
    if (EVP_PKEY_get_raw_public_key(key.get(), pub.data(), &len) != 1 || len != 32)
        return opensslFailure("X25519 public key derivation failed");
    return pub;
}

Result<SecureBytes> x25519(ByteView privateKey, ByteView peerPublic) {
    if (privateKey.size() != 32 || peerPublic.size() != 32)
        return fail(ErrorCode::InvalidArgument, "X25519 keys must be 32 bytes");
    EvpPkeyPtr priv(EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, nullptr, privateKey.data(), 32));
    EvpPkeyPtr peer(EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, nullptr, peerPublic.data(), 32));
    if (!priv || !peer) return opensslFailure("X25519 key rejected");
    EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, priv.get(), nullptr));
    if (!ctx || EVP_PKEY_derive_init(ctx.get()) != 1 ||
        EVP_PKEY_derive_set_peer_ex(ctx.get(), peer.get(), 0) != 1)
        return opensslFailure("X25519 setup failed");
    SecureBytes secret(32);
    size_t len = secret.size();
    // OpenSSL fails the derivation when the shared secret is all zero (low-order peer key).
    if (EVP_PKEY_derive(ctx.get(), secret.data(), &len) != 1 || len != 32)
        return opensslFailure("X25519 agreement failed (low-order public key?)");
    return secret;
}

bool x25519IsLowOrder(ByteView publicKey) {
    if (publicKey.size() != 32) return true;
    SecureBytes probe = randomSecret(32);
    return !x25519(probe, publicKey).has_value();
}

}  // namespace verbatim::crypto
