#pragma once
/// @file HmacSha256.h
/// HMAC-SHA256 through OpenSSL's EVP_MAC.

#include <memory>

#include "common/Bytes.h"
#include "crypto/Digest.h"

namespace verbatim::crypto {

/// Incremental HMAC-SHA256 keyed once. `final()` returns the tag and re-arms the context with the
/// same key. Not thread-safe; one per thread.
class HmacSha256 {
public:
    /// Any key length is accepted here (RFC 2104); the libsignal provider refuses empty keys.
    static Result<HmacSha256> create(ByteView key);
    HmacSha256(HmacSha256&&) noexcept;
    HmacSha256& operator=(HmacSha256&&) noexcept;
    ~HmacSha256();

    [[nodiscard]] Result<void> update(ByteView data);
    [[nodiscard]] Result<Hash256> final();

private:
    HmacSha256();
    struct Impl;
    std::unique_ptr<Impl> m;
};

/// One-shot HMAC-SHA256.
[[nodiscard]] Result<Hash256> hmacSha256(ByteView key, ByteView data);

} // namespace verbatim::crypto
