#include "signal/CryptoProvider.h"

#include "crypto/Aes.h"
#include "crypto/Digest.h"
#include "crypto/HmacSha256.h"
#include "crypto/Random.h"
#include "signal/SignalPtr.h"

namespace verbatim::signal {

namespace {

int randomFunc(uint8_t* data, size_t len, void*) noexcept {
    if (!data && len) return SG_ERR_INVAL;
    return crypto::randomFill({data, len}) ? 0 : SG_ERR_UNKNOWN;
}

int hmacInit(void** ctx, const uint8_t* key, size_t keyLen, void*) noexcept {
    if (!ctx) return SG_ERR_INVAL;
    *ctx = nullptr;
    // libsignal always keys HMAC with derived 32-byte keys; an empty key is a caller bug.
    if (!key || keyLen == 0) return SG_ERR_INVAL;
    try {
        auto h = crypto::HmacSha256::create({key, keyLen});
        if (!h) return SG_ERR_UNKNOWN;
        *ctx = new crypto::HmacSha256(std::move(*h));
        return 0;
    } catch (...) {
        return SG_ERR_NOMEM;
    }
}

int hmacUpdate(void* ctx, const uint8_t* data, size_t len, void*) noexcept {
    if (!ctx || (!data && len)) return SG_ERR_INVAL;
    return static_cast<crypto::HmacSha256*>(ctx)->update({data, len}) ? 0 : SG_ERR_UNKNOWN;
}

int hmacFinal(void* ctx, signal_buffer** output, void*) noexcept {
    if (!ctx || !output) return SG_ERR_INVAL;
    auto tag = static_cast<crypto::HmacSha256*>(ctx)->final();
    if (!tag) return SG_ERR_UNKNOWN;
    *output = makeSignalBuffer(*tag);
    return *output ? 0 : SG_ERR_NOMEM;
}

void hmacCleanup(void* ctx, void*) noexcept {
    delete static_cast<crypto::HmacSha256*>(ctx);
}

int sha512Init(void** ctx, void*) noexcept {
    if (!ctx) return SG_ERR_INVAL;
    try {
        *ctx = new crypto::Digest(crypto::Digest::Algorithm::Sha512);
        return 0;
    } catch (...) {
        *ctx = nullptr;
        return SG_ERR_NOMEM;
    }
}

int sha512Update(void* ctx, const uint8_t* data, size_t len, void*) noexcept {
    if (!ctx || (!data && len)) return SG_ERR_INVAL;
    return static_cast<crypto::Digest*>(ctx)->update({data, len}) ? 0 : SG_ERR_UNKNOWN;
}

// Digest::final resets the context: libsignal's fingerprint code updates again after final.
int sha512Final(void* ctx, signal_buffer** output, void*) noexcept {
    if (!ctx || !output) return SG_ERR_INVAL;
    auto d = static_cast<crypto::Digest*>(ctx)->final();
    if (!d) return SG_ERR_UNKNOWN;
    *output = makeSignalBuffer(*d);
    return *output ? 0 : SG_ERR_NOMEM;
}

void sha512Cleanup(void* ctx, void*) noexcept {
    delete static_cast<crypto::Digest*>(ctx);
}

bool validCipherArgs(int cipher, const uint8_t* key, size_t keyLen, const uint8_t* iv, size_t ivLen,
                     const uint8_t* data, size_t dataLen) {
    if (cipher != SG_CIPHER_AES_CTR_NOPADDING && cipher != SG_CIPHER_AES_CBC_PKCS5) return false;
    if (!key || (keyLen != 16 && keyLen != 24 && keyLen != 32)) return false;
    if (!iv || ivLen != 16) return false;
    if (!data && dataLen) return false;
    return true;
}

int encryptFunc(signal_buffer** output, int cipher, const uint8_t* key, size_t keyLen,
                const uint8_t* iv, size_t ivLen, const uint8_t* plaintext, size_t plaintextLen,
                void*) noexcept {
    if (!output) return SG_ERR_INVAL;
    *output = nullptr;
    if (!validCipherArgs(cipher, key, keyLen, iv, ivLen, plaintext, plaintextLen))
        return SG_ERR_INVAL;
    try {
        if (cipher == SG_CIPHER_AES_CBC_PKCS5) {
            auto ct = crypto::aesCbcEncrypt({key, keyLen}, {iv, ivLen}, {plaintext, plaintextLen});
            if (!ct) return SG_ERR_UNKNOWN;
            *output = makeSignalBuffer(*ct);
        } else {
            auto ct = crypto::aesCtr({key, keyLen}, {iv, ivLen}, {plaintext, plaintextLen});
            if (!ct) return SG_ERR_UNKNOWN;
            *output = makeSignalBuffer(*ct);
        }
        return *output ? 0 : SG_ERR_NOMEM;
    } catch (...) {
        return SG_ERR_NOMEM;
    }
}

int decryptFunc(signal_buffer** output, int cipher, const uint8_t* key, size_t keyLen,
                const uint8_t* iv, size_t ivLen, const uint8_t* ciphertext, size_t ciphertextLen,
                void*) noexcept {
    if (!output) return SG_ERR_INVAL;
    *output = nullptr;
    if (!validCipherArgs(cipher, key, keyLen, iv, ivLen, ciphertext, ciphertextLen))
        return SG_ERR_INVAL;
    try {
        auto pt =
            cipher == SG_CIPHER_AES_CBC_PKCS5
                ? crypto::aesCbcDecrypt({key, keyLen}, {iv, ivLen}, {ciphertext, ciphertextLen})
                : crypto::aesCtr({key, keyLen}, {iv, ivLen}, {ciphertext, ciphertextLen});
        if (!pt) return SG_ERR_UNKNOWN;
        *output = makeSignalBuffer(*pt);
        return *output ? 0 : SG_ERR_NOMEM;
    } catch (...) {
        return SG_ERR_NOMEM;
    }
}

} // namespace

signal_crypto_provider makeCryptoProvider() {
    signal_crypto_provider p{};
    p.random_func = randomFunc;
    p.hmac_sha256_init_func = hmacInit;
    p.hmac_sha256_update_func = hmacUpdate;
    p.hmac_sha256_final_func = hmacFinal;
    p.hmac_sha256_cleanup_func = hmacCleanup;
    p.sha512_digest_init_func = sha512Init;
    p.sha512_digest_update_func = sha512Update;
    p.sha512_digest_final_func = sha512Final;
    p.sha512_digest_cleanup_func = sha512Cleanup;
    p.encrypt_func = encryptFunc;
    p.decrypt_func = decryptFunc;
    p.user_data = nullptr;
    return p;
}

} // namespace verbatim::signal
