#include "crypto/HmacSha256.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "crypto/OpenSslUtil.h"

namespace verbatim::crypto {

namespace {
EVP_MAC* hmacAlgorithm() {
    static EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    return mac;
}

// A keyless template with the digest parameter already set: dup is cheaper than re-parsing
// parameters for every MAC.
EVP_MAC_CTX* hmacTemplate() {
    static EVP_MAC_CTX* tmpl = [] {
        EVP_MAC_CTX* ctx = EVP_MAC_CTX_new(hmacAlgorithm());
        char digest[] = "SHA256";
        OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                               OSSL_PARAM_construct_end()};
        if (ctx) EVP_MAC_CTX_set_params(ctx, params);
        return ctx;
    }();
    return tmpl;
}
} // namespace

struct HmacSha256::Impl {
    EvpMacCtxPtr ctx;
};

HmacSha256::HmacSha256() : m(std::make_unique<Impl>()) {}
HmacSha256::HmacSha256(HmacSha256&&) noexcept = default;
HmacSha256& HmacSha256::operator=(HmacSha256&&) noexcept = default;
HmacSha256::~HmacSha256() = default;

Result<HmacSha256> HmacSha256::create(ByteView key) {
    HmacSha256 h;
    if (!hmacTemplate()) return opensslFailure("HMAC unavailable");
    h.m->ctx.reset(EVP_MAC_CTX_dup(hmacTemplate()));
    if (!h.m->ctx) return opensslFailure("HMAC context allocation failed");
    // OpenSSL refuses a NULL key pointer even for length 0; RFC 2104 allows the empty key.
    static const unsigned char empty = 0;
    if (EVP_MAC_init(h.m->ctx.get(), key.empty() ? &empty : key.data(), key.size(), nullptr) != 1)
        return opensslFailure("HMAC init failed");
    return h;
}

Result<void> HmacSha256::update(ByteView data) {
    if (EVP_MAC_update(m->ctx.get(), data.data(), data.size()) != 1)
        return opensslFailure("HMAC update failed");
    return {};
}

Result<Hash256> HmacSha256::final() {
    Hash256 out{};
    size_t len = 0;
    if (EVP_MAC_final(m->ctx.get(), out.data(), &len, out.size()) != 1 || len != out.size())
        return opensslFailure("HMAC final failed");
    // Re-arm with the same key: EVP_MAC_init with a NULL key keeps the previous one.
    if (EVP_MAC_init(m->ctx.get(), nullptr, 0, nullptr) != 1)
        return opensslFailure("HMAC reset failed");
    return out;
}

Result<Hash256> hmacSha256(ByteView key, ByteView data) {
    auto h = HmacSha256::create(key);
    if (!h) return tl::unexpected(h.error());
    if (auto r = h->update(data); !r) return tl::unexpected(r.error());
    return h->final();
}

} // namespace verbatim::crypto
