#include "crypto/PassphraseBox.h"

#include <openssl/evp.h>
#include <openssl/kdf.h>

#include "crypto/Aes.h"
#include "crypto/OpenSslUtil.h"
#include "crypto/Random.h"

// Defined only in test executables (tests/support/TestKdfCost.cpp): the log2(N) they want for
// new boxes, or 0 for the production cost. A weak reference, so in every program we ship it is
// null and nothing at run time can lower the cost.
extern "C" __attribute__((weak)) int verbatim_test_scrypt_log2n();

namespace verbatim::crypto {

namespace {
constexpr std::string_view kMagic = "VPB1";
constexpr std::size_t kHeaderSize = 4 + 1 + 4 + 4 + 16 + 12;

Result<SecureBytes> scrypt(ByteView passphrase, ByteView salt, const ScryptParams& p) {
    // Bounds keep a hostile file from asking for gigabytes of memory or hours of CPU.
    if (p.log2N < 10 || p.log2N > 20 || p.r < 1 || p.r > 32 || p.p < 1 || p.p > 16)
        return fail(ErrorCode::Unsupported, "unsupported key file parameters");
    SecureBytes key(32);
    std::uint64_t n = std::uint64_t(1) << p.log2N;
    if (EVP_PBE_scrypt(reinterpret_cast<const char*>(passphrase.data()), passphrase.size(),
                       salt.data(), salt.size(), n, p.r, p.p, 1024ull * 1024 * 1024, key.data(),
                       key.size()) != 1)
        return opensslFailure("scrypt failed");
    return key;
}
} // namespace

ScryptParams scryptCost() {
    ScryptParams p;
    if (verbatim_test_scrypt_log2n) {
        const int t = verbatim_test_scrypt_log2n();
        if (t >= 10 && t < p.log2N) p.log2N = std::uint8_t(t);
    }
    return p;
}

bool scryptAtLeast(const ScryptParams& p, const ScryptParams& floor) {
    if (p.log2N > 40 || floor.log2N > 40) return p.log2N >= floor.log2N;
    const unsigned __int128 memory = (unsigned __int128)(std::uint64_t(1) << p.log2N) * p.r;
    const unsigned __int128 floorMemory =
        (unsigned __int128)(std::uint64_t(1) << floor.log2N) * floor.r;
    return memory >= floorMemory && memory * p.p >= floorMemory * floor.p;
}

Result<ScryptParams> passphraseBoxParams(ByteView box) {
    if (box.size() < kHeaderSize + 16 || asString(box.subspan(0, 4)) != kMagic)
        return fail(ErrorCode::Malformed, "not a Verbatim key file");
    ByteReader r(box.subspan(4));
    ScryptParams p;
    p.log2N = *r.u8();
    p.r = *r.u32();
    p.p = *r.u32();
    return p;
}

Result<Bytes> passphraseSeal(ByteView secret, ByteView passphrase, const ScryptParams& params) {
    if (passphrase.empty()) return fail(ErrorCode::InvalidArgument, "passphrase is empty");
    Bytes header;
    appendRaw(header, view(kMagic));
    appendU8(header, params.log2N);
    appendU32(header, params.r);
    appendU32(header, params.p);
    Bytes salt = randomBytes(16), nonce = randomBytes(12);
    appendRaw(header, salt);
    appendRaw(header, nonce);
    auto key = scrypt(passphrase, salt, params);
    if (!key) return tl::unexpected(key.error());
    auto ct = aesGcmSeal(*key, nonce, header, secret);
    if (!ct) return tl::unexpected(ct.error());
    appendRaw(header, *ct);
    return header;
}

Result<SecureBytes> passphraseOpen(ByteView box, ByteView passphrase) {
    if (box.size() < kHeaderSize + 16 || asString(box.subspan(0, 4)) != kMagic)
        return fail(ErrorCode::Malformed, "not a Verbatim key file");
    ByteReader r(box.subspan(4));
    ScryptParams p;
    p.log2N = *r.u8();
    p.r = *r.u32();
    p.p = *r.u32();
    ByteView salt = *r.raw(16), nonce = *r.raw(12);
    auto key = scrypt(passphrase, salt, p);
    if (!key) return tl::unexpected(key.error());
    auto secret = aesGcmOpen(*key, nonce, box.subspan(0, kHeaderSize), box.subspan(kHeaderSize));
    if (!secret) return fail(ErrorCode::WrongKey, "wrong passphrase, or the key file is damaged");
    return secret;
}

} // namespace verbatim::crypto
