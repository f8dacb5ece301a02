#include "crypto/X25519.h"

#include <openssl/evp.h>

#include <utility>

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
    if (privateKey.size() != 32)
        return fail(ErrorCode::InvalidArgument, "X25519 key must be 32 bytes");
    EvpPkeyPtr key(EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, nullptr, privateKey.data(), 32));
    if (!key) return opensslFailure("X25519 private key rejected");
    Bytes pub(32);
    size_t len = pub.size();
    if (EVP_PKEY_get_raw_public_key(key.get(), pub.data(), &len) != 1 || len != 32)
        return opensslFailure("X25519 public key derivation failed");
    return pub;
}

namespace {
Result<SecureBytes> deriveWith(EVP_PKEY* priv, ByteView peerPublic) {
    if (peerPublic.size() != 32)
        return fail(ErrorCode::InvalidArgument, "X25519 keys must be 32 bytes");
    EvpPkeyPtr peer(EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, nullptr, peerPublic.data(), 32));
    if (!peer) return opensslFailure("X25519 key rejected");
    EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, priv, nullptr));
    if (!ctx || EVP_PKEY_derive_init(ctx.get()) != 1 ||
        EVP_PKEY_derive_set_peer_ex(ctx.get(), peer.get(), 0) != 1)
        return opensslFailure("X25519 setup failed");
    SecureBytes secret(32);
    size_t len = secret.size();
    if (EVP_PKEY_derive(ctx.get(), secret.data(), &len) != 1 || len != 32)
        return opensslFailure("X25519 agreement failed (low-order public key?)");
    return secret;
}
} // namespace

X25519Key::X25519Key(X25519Key&& o) noexcept
    : m_pkey(std::exchange(o.m_pkey, nullptr)), m_public(std::move(o.m_public)) {}
X25519Key& X25519Key::operator=(X25519Key&& o) noexcept {
    if (this != &o) {
        EVP_PKEY_free(static_cast<EVP_PKEY*>(m_pkey));
        m_pkey = std::exchange(o.m_pkey, nullptr);
        m_public = std::move(o.m_public);
    }
    return *this;
}
X25519Key::~X25519Key() {
    EVP_PKEY_free(static_cast<EVP_PKEY*>(m_pkey));
}

Result<X25519Key> X25519Key::adopt(void* evpPkey) {
    X25519Key k;
    k.m_pkey = evpPkey; // owned from here on, also on the error path
    k.m_public.resize(32);
    size_t len = 32;
    if (EVP_PKEY_get_raw_public_key(static_cast<EVP_PKEY*>(evpPkey), k.m_public.data(), &len) !=
            1 ||
        len != 32)
        return opensslFailure("X25519 public key export failed");
    return k;
}

Result<X25519Key> X25519Key::generate() {
    EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_id(EVP_PKEY_X25519, nullptr));
    EVP_PKEY* pkey = nullptr;
    if (!ctx || EVP_PKEY_keygen_init(ctx.get()) != 1 || EVP_PKEY_keygen(ctx.get(), &pkey) != 1)
        return opensslFailure("X25519 key generation failed");
    return adopt(pkey);
}

Result<X25519Key> X25519Key::fromPrivate(ByteView privateKey) {
    if (privateKey.size() != 32)
        return fail(ErrorCode::InvalidArgument, "X25519 key must be 32 bytes");
    EVP_PKEY* pkey = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, nullptr, privateKey.data(), 32);
    if (!pkey) return opensslFailure("X25519 private key rejected");
    return adopt(pkey);
}

Result<SecureBytes> X25519Key::privateKey() const {
    SecureBytes out(32);
    size_t len = 32;
    if (EVP_PKEY_get_raw_private_key(static_cast<EVP_PKEY*>(m_pkey), out.data(), &len) != 1 ||
        len != 32)
        return opensslFailure("X25519 private key export failed");
    return out;
}

Result<SecureBytes> X25519Key::agree(ByteView peerPublic) const {
    return deriveWith(static_cast<EVP_PKEY*>(m_pkey), peerPublic);
}

Result<SecureBytes> x25519(ByteView privateKey, ByteView peerPublic) {
    if (peerPublic.size() != 32)
        return fail(ErrorCode::InvalidArgument, "X25519 keys must be 32 bytes");
    auto key = X25519Key::fromPrivate(privateKey);
    if (!key) return tl::unexpected(key.error());
    return key->agree(peerPublic);
}

bool x25519IsLowOrder(ByteView publicKey) {
    if (publicKey.size() != 32) return true;
    auto probe = X25519Key::generate();
    return !probe || !probe->agree(publicKey).has_value();
}

} // namespace verbatim::crypto
