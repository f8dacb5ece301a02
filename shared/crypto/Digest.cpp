#include "crypto/Digest.h"

#include <cstdio>
#include <cstdlib>
#include <openssl/evp.h>

#include "crypto/OpenSslUtil.h"

namespace verbatim::crypto {

namespace {
// Fetched once: EVP_MD_fetch is a provider lookup, too slow for the per-message path.
const EVP_MD* md(Digest::Algorithm a) {
    static EVP_MD* s256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    static EVP_MD* s512 = EVP_MD_fetch(nullptr, "SHA512", nullptr);
    return a == Digest::Algorithm::Sha256 ? s256 : s512;
}

template <class Out> Out oneShot(Digest::Algorithm a, ByteView data) {
    Out out{};
    unsigned int len = 0;
    if (EVP_Digest(data.data(), data.size(), out.data(), &len, md(a), nullptr) != 1 ||
        len != out.size()) {
        // A digest failure means OpenSSL itself is broken: nothing sane can follow.
        std::fputs("verbatim: fatal: digest failed\n", stderr);
        std::abort();
    }
    return out;
}
} // namespace

Hash256 sha256(ByteView data) {
    return oneShot<Hash256>(Digest::Algorithm::Sha256, data);
}
Hash512 sha512(ByteView data) {
    return oneShot<Hash512>(Digest::Algorithm::Sha512, data);
}

struct Digest::Impl {
    EvpMdCtxPtr ctx{EVP_MD_CTX_new()};
    const EVP_MD* md = nullptr;
};

Digest::Digest(Algorithm algorithm) : m(std::make_unique<Impl>()) {
    m->md = md(algorithm);
    if (!m->ctx || EVP_DigestInit_ex2(m->ctx.get(), m->md, nullptr) != 1) {
        std::fputs("verbatim: fatal: digest init failed\n", stderr);
        std::abort();
    }
}
Digest::~Digest() = default;

std::size_t Digest::size() const {
    return static_cast<std::size_t>(EVP_MD_get_size(m->md));
}

Result<void> Digest::update(ByteView data) {
    if (EVP_DigestUpdate(m->ctx.get(), data.data(), data.size()) != 1)
        return opensslFailure("digest update failed");
    return {};
}

Result<Bytes> Digest::final() {
    Bytes out(size());
    unsigned int len = 0;
    if (EVP_DigestFinal_ex(m->ctx.get(), out.data(), &len) != 1)
        return opensslFailure("digest final failed");
    // Reset for reuse: the context must accept update() again straight after final().
    if (EVP_DigestInit_ex2(m->ctx.get(), m->md, nullptr) != 1)
        return opensslFailure("digest reset failed");
    return out;
}

} // namespace verbatim::crypto
