#include "crypto/Hkdf.h"

#include <openssl/core_names.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include "crypto/OpenSslUtil.h"

namespace verbatim::crypto {

Result<SecureBytes> hkdfSha256(ByteView ikm, ByteView salt, ByteView info, std::size_t length) {
    if (length == 0 || length > 255 * 32)
        return fail(ErrorCode::InvalidArgument, "HKDF output length must be 1..8160 bytes");
    static EVP_KDF* kdf = EVP_KDF_fetch(nullptr, "HKDF", nullptr);
    if (!kdf) return opensslFailure("HKDF unavailable");
    EvpKdfCtxPtr ctx(EVP_KDF_CTX_new(kdf));
    if (!ctx) return opensslFailure("HKDF context allocation failed");

    char digest[] = "SHA256";
    static unsigned char empty = 0;
    OSSL_PARAM params[5];
    int n = 0;
    params[n++] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0);
    params[n++] = OSSL_PARAM_construct_octet_string(
        OSSL_KDF_PARAM_KEY, ikm.empty() ? &empty : const_cast<std::uint8_t*>(ikm.data()),
        ikm.size());
    if (!salt.empty())
        params[n++] = OSSL_PARAM_construct_octet_string(
            OSSL_KDF_PARAM_SALT, const_cast<std::uint8_t*>(salt.data()), salt.size());
    params[n++] = OSSL_PARAM_construct_octet_string(
        OSSL_KDF_PARAM_INFO, info.empty() ? &empty : const_cast<std::uint8_t*>(info.data()),
        info.size());
    params[n] = OSSL_PARAM_construct_end();

    SecureBytes out(length);
    if (EVP_KDF_derive(ctx.get(), out.data(), out.size(), params) != 1)
        return opensslFailure("HKDF derive failed");
    return out;
}

} // namespace verbatim::crypto
