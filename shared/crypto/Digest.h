#pragma once
/// @file Digest.h
/// SHA-256 and SHA-512, one-shot and incremental.

#include <array>
#include <memory>

#include "common/Bytes.h"

namespace verbatim::crypto {

using Hash256 = std::array<std::uint8_t, 32>;
using Hash512 = std::array<std::uint8_t, 64>;

/// SHA-256 of `data`.
Hash256 sha256(ByteView data);
/// SHA-512 of `data`.
Hash512 sha512(ByteView data);

/// Incremental digest. `final()` returns the digest and resets the context so it can be reused
/// at once (libsignal's fingerprint code calls update after final on the same context).
/// Not thread-safe; one per thread.
class Digest {
public:
    enum class Algorithm { Sha256, Sha512 };
    explicit Digest(Algorithm algorithm);
    ~Digest();
    Digest(const Digest&) = delete;
    Digest& operator=(const Digest&) = delete;

    [[nodiscard]] Result<void> update(ByteView data);
    [[nodiscard]] Result<Bytes> final();
    std::size_t size() const;

private:
    struct Impl;
    std::unique_ptr<Impl> m;
};

} // namespace verbatim::crypto
