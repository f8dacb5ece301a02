#include "crypto/Ed25519.h"

#include <openssl/evp.h>

#include "crypto/OpenSslUtil.h"
#include "crypto/Random.h"

namespace verbatim::crypto {

Result<Ed25519KeyPair> ed25519Generate() {
    Ed25519KeyPair kp;
    kp.privateKey = randomSecret(32);
    auto pub = ed25519PublicKey(kp.privateKey);
    if (!pub) return tl::unexpected(pub.error());
    kp.publicKey = std::move(*pub);
    return kp;
}

Result<Bytes> ed25519PublicKey(ByteView privateKey) {
    if (privateKey.size() != 32)
        return fail(ErrorCode::InvalidArgument, "Ed25519 key must be 32 bytes");
    EvpPkeyPtr key(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, privateKey.data(), 32));
    if (!key) return opensslFailure("Ed25519 private key rejected");
    Bytes pub(32);
    size_t len = pub.size();
    if (EVP_PKEY_get_raw_public_key(key.get(), pub.data(), &len) != 1 || len != 32)
        return opensslFailure("Ed25519 public key derivation failed");
    return pub;
}

Result<Bytes> ed25519Sign(ByteView privateKey, ByteView message) {
    if (privateKey.size() != 32)
        return fail(ErrorCode::InvalidArgument, "Ed25519 key must be 32 bytes");
    EvpPkeyPtr key(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, privateKey.data(), 32));
    EvpMdCtxPtr ctx(EVP_MD_CTX_new());
    if (!key || !ctx ||
        EVP_DigestSignInit_ex(ctx.get(), nullptr, nullptr, nullptr, nullptr, key.get(), nullptr) !=
            1)
        return opensslFailure("Ed25519 sign setup failed");
    Bytes sig(64);
    size_t len = sig.size();
    if (EVP_DigestSign(ctx.get(), sig.data(), &len, message.data(), message.size()) != 1 ||
        len != 64)
        return opensslFailure("Ed25519 sign failed");
    return sig;
}

bool ed25519Verify(ByteView publicKey, ByteView message, ByteView signature) {
    if (publicKey.size() != 32 || signature.size() != 64) return false;
    EvpPkeyPtr key(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, publicKey.data(), 32));
    EvpMdCtxPtr ctx(EVP_MD_CTX_new());
    if (!key || !ctx ||
        EVP_DigestVerifyInit_ex(ctx.get(), nullptr, nullptr, nullptr, nullptr, key.get(),
                                nullptr) != 1) {
        opensslFailure("Ed25519 verify setup failed");
        return false;
    }
    bool ok = EVP_DigestVerify(ctx.get(), signature.data(), signature.size(), message.data(),
                               message.size()) == 1;
    if (!ok) opensslFailure("Ed25519 verify failed"); // clears the error queue
    return ok;
}

} // namespace verbatim::crypto
