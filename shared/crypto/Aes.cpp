#include "crypto/Aes.h"

#include <climits>
#include <openssl/evp.h>

#include "crypto/OpenSslUtil.h"

namespace verbatim::crypto {

namespace {
enum Mode { Gcm = 0, Cbc = 1, Ctr = 2 };

// Ciphers are fetched once per (mode, key size): provider lookups are slow.
const EVP_CIPHER* cipherFor(Mode mode, std::size_t keyLen) {
    static EVP_CIPHER* table[3][3] = {
        {EVP_CIPHER_fetch(nullptr, "AES-128-GCM", nullptr),
         EVP_CIPHER_fetch(nullptr, "AES-192-GCM", nullptr),
         EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr)},
        {EVP_CIPHER_fetch(nullptr, "AES-128-CBC", nullptr),
         EVP_CIPHER_fetch(nullptr, "AES-192-CBC", nullptr),
         EVP_CIPHER_fetch(nullptr, "AES-256-CBC", nullptr)},
        {EVP_CIPHER_fetch(nullptr, "AES-128-CTR", nullptr),
         EVP_CIPHER_fetch(nullptr, "AES-192-CTR", nullptr),
         EVP_CIPHER_fetch(nullptr, "AES-256-CTR", nullptr)},
    };
    switch (keyLen) {
    case 16:
        return table[mode][0];
    case 24:
        return table[mode][1];
    case 32:
        return table[mode][2];
    default:
        return nullptr;
    }
}

bool tooLong(std::size_t n) {
    return n > static_cast<std::size_t>(INT_MAX) - 32;
}

// OpenSSL 3's GCM provider keeps the IV in a 128-byte buffer (GCM_IV_MAX_SIZE, 1024 bits) and
// rejects longer ones at init; refuse them here as an argument error instead.
constexpr std::size_t kGcmMaxIvLen = 128;
} // namespace

Result<Bytes> aesGcmSeal(ByteView key, ByteView iv, ByteView aad, ByteView plaintext,
                         std::size_t tagLen) {
    const EVP_CIPHER* cipher = cipherFor(Gcm, key.size());
    if (!cipher) return fail(ErrorCode::InvalidArgument, "AES key must be 16, 24 or 32 bytes");
    if (iv.empty() || iv.size() > kGcmMaxIvLen)
        return fail(ErrorCode::InvalidArgument, "bad GCM IV length");
    if (tagLen < 12 || tagLen > 16) return fail(ErrorCode::InvalidArgument, "bad GCM tag length");
    if (tooLong(plaintext.size()) || tooLong(aad.size()))
        return fail(ErrorCode::InvalidArgument, "input too long");

    EvpCipherCtxPtr ctx(EVP_CIPHER_CTX_new());
    int len = 0;
    Bytes out(plaintext.size() + tagLen);
    if (!ctx || EVP_EncryptInit_ex2(ctx.get(), cipher, nullptr, nullptr, nullptr) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, int(iv.size()), nullptr) != 1 ||
        EVP_EncryptInit_ex2(ctx.get(), nullptr, key.data(), iv.data(), nullptr) != 1)
        return opensslFailure("GCM init failed");
    if (!aad.empty() &&
        EVP_EncryptUpdate(ctx.get(), nullptr, &len, aad.data(), int(aad.size())) != 1)
        return opensslFailure("GCM aad failed");
    int total = 0;
    if (!plaintext.empty()) {
        if (EVP_EncryptUpdate(ctx.get(), out.data(), &len, plaintext.data(),
                              int(plaintext.size())) != 1)
            return opensslFailure("GCM encrypt failed");
        total = len;
    }
    if (EVP_EncryptFinal_ex(ctx.get(), out.data() + total, &len) != 1)
        return opensslFailure("GCM final failed");
    total += len;
    if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, int(tagLen), out.data() + total) != 1)
        return opensslFailure("GCM tag failed");
    out.resize(std::size_t(total) + tagLen);
    return out;
}

Result<SecureBytes> aesGcmOpen(ByteView key, ByteView iv, ByteView aad, ByteView ct,
                               std::size_t tagLen) {
    const EVP_CIPHER* cipher = cipherFor(Gcm, key.size());
    if (!cipher) return fail(ErrorCode::InvalidArgument, "AES key must be 16, 24 or 32 bytes");
    if (iv.empty() || iv.size() > kGcmMaxIvLen)
        return fail(ErrorCode::InvalidArgument, "bad GCM IV length");
    if (tagLen < 12 || tagLen > 16) return fail(ErrorCode::InvalidArgument, "bad GCM tag length");
    if (ct.size() < tagLen) return fail(ErrorCode::AuthFailed, "ciphertext shorter than its tag");
    if (tooLong(ct.size()) || tooLong(aad.size()))
        return fail(ErrorCode::InvalidArgument, "input too long");
    std::size_t bodyLen = ct.size() - tagLen;

    EvpCipherCtxPtr ctx(EVP_CIPHER_CTX_new());
    int len = 0;
    if (!ctx || EVP_DecryptInit_ex2(ctx.get(), cipher, nullptr, nullptr, nullptr) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, int(iv.size()), nullptr) != 1 ||
        EVP_DecryptInit_ex2(ctx.get(), nullptr, key.data(), iv.data(), nullptr) != 1)
        return opensslFailure("GCM init failed");
    if (!aad.empty() &&
        EVP_DecryptUpdate(ctx.get(), nullptr, &len, aad.data(), int(aad.size())) != 1)
        return opensslFailure("GCM aad failed");
    // Plaintext goes to a wiped-on-free scratch buffer and is only handed out after the tag
    // check below succeeds.
    SecureBytes out(bodyLen + 16);
    int total = 0;
    if (bodyLen) {
        if (EVP_DecryptUpdate(ctx.get(), out.data(), &len, ct.data(), int(bodyLen)) != 1)
            return opensslFailure("GCM decrypt failed");
        total = len;
    }
    if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, int(tagLen),
                            const_cast<std::uint8_t*>(ct.data() + bodyLen)) != 1)
        return opensslFailure("GCM tag failed");
    if (EVP_DecryptFinal_ex(ctx.get(), out.data() + total, &len) != 1) {
        secureWipe(out.data(), out.size());
        return opensslFailure("GCM authentication failed", ErrorCode::AuthFailed);
    }
    out.resize(std::size_t(total + len));
    return out;
}

namespace {
template <class Out>
Result<Out> runCipher(Mode mode, bool encrypt, ByteView key, ByteView iv, ByteView in) {
    const EVP_CIPHER* cipher = cipherFor(mode, key.size());
    if (!cipher) return fail(ErrorCode::InvalidArgument, "AES key must be 16, 24 or 32 bytes");
    if (iv.size() != 16) return fail(ErrorCode::InvalidArgument, "AES IV must be 16 bytes");
    if (tooLong(in.size())) return fail(ErrorCode::InvalidArgument, "input too long");
    if (mode == Cbc && !encrypt && (in.empty() || in.size() % 16))
        return fail(ErrorCode::Malformed, "CBC ciphertext is not a whole number of blocks");

    EvpCipherCtxPtr ctx(EVP_CIPHER_CTX_new());
    if (!ctx ||
        EVP_CipherInit_ex2(ctx.get(), cipher, key.data(), iv.data(), encrypt ? 1 : 0, nullptr) != 1)
        return opensslFailure("AES init failed");
    Out out(in.size() + 16);
    int len = 0, total = 0;
    if (!in.empty()) {
        if (EVP_CipherUpdate(ctx.get(), out.data(), &len, in.data(), int(in.size())) != 1) {
            secureWipe(out.data(), out.size());
            return opensslFailure("AES update failed");
        }
        total = len;
    }
    if (EVP_CipherFinal_ex(ctx.get(), out.data() + total, &len) != 1) {
        secureWipe(out.data(), out.size());
        return opensslFailure(mode == Cbc ? "CBC padding is invalid" : "AES final failed",
                              ErrorCode::Malformed);
    }
    out.resize(std::size_t(total + len));
    return out;
}
} // namespace

Result<Bytes> aesCbcEncrypt(ByteView key, ByteView iv, ByteView plaintext) {
    return runCipher<Bytes>(Cbc, true, key, iv, plaintext);
}
Result<SecureBytes> aesCbcDecrypt(ByteView key, ByteView iv, ByteView ciphertext) {
    return runCipher<SecureBytes>(Cbc, false, key, iv, ciphertext);
}
Result<SecureBytes> aesCtr(ByteView key, ByteView iv, ByteView data) {
    return runCipher<SecureBytes>(Ctr, true, key, iv, data);
}

} // namespace verbatim::crypto
