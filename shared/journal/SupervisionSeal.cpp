#include "journal/SupervisionSeal.h"

#include <algorithm>
#include <optional>

#include "crypto/Aes.h"
#include "crypto/Hkdf.h"
#include "journal/JournalCrypto.h"

namespace verbatim::journal {

namespace {
// Text, not bytes: every string of a record is UTF-8 (C-UTF8-1).
constexpr std::string_view kPrefix = "vbsv1:";
constexpr std::string_view kLabel = "verbatim-supervision-body-v1";
constexpr std::size_t kHeader = kKeyIdSize + 32;
constexpr std::size_t kTag = 16;
constexpr std::string_view kAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string base64(ByteView in) {
    std::string out;
    out.reserve((in.size() + 2) / 3 * 4);
    for (std::size_t i = 0; i < in.size(); i += 3) {
        const std::size_t n = std::min<std::size_t>(3, in.size() - i);
        std::uint32_t v = std::uint32_t(in[i]) << 16;
        if (n > 1) v |= std::uint32_t(in[i + 1]) << 8;
        if (n > 2) v |= in[i + 2];
        for (std::size_t k = 0; k < 4; ++k)
            out += k <= n ? kAlphabet[(v >> (18 - 6 * k)) & 63] : '=';
    }
    return out;
}

/// Strict: padded, no whitespace, canonical (unused bits zero); nullopt otherwise.
std::optional<Bytes> unbase64(std::string_view in) {
    if (in.size() % 4 != 0) return std::nullopt;
    Bytes out;
    out.reserve(in.size() / 4 * 3);
    for (std::size_t i = 0; i < in.size(); i += 4) {
        std::uint32_t v = 0;
        std::size_t pad = 0;
        for (std::size_t k = 0; k < 4; ++k) {
            const char c = in[i + k];
            if (c == '=' && i + 4 == in.size() && k >= 2) {
                ++pad;
                v <<= 6;
                continue;
            }
            const auto at = kAlphabet.find(c);
            if (at == std::string_view::npos || pad) return std::nullopt;
            v = (v << 6) | std::uint32_t(at);
        }
        if ((pad == 1 && (v & 0xff)) || (pad == 2 && (v & 0xffff))) return std::nullopt;
        out.push_back(std::uint8_t(v >> 16));
        if (pad < 2) out.push_back(std::uint8_t(v >> 8));
        if (pad < 1) out.push_back(std::uint8_t(v));
    }
    return out;
}
// Each body has its own ephemeral key, hence its own AES key: a fixed nonce is never reused.
constexpr std::array<std::uint8_t, 12> kNonce{};

Result<SecureBytes> bodyKey(ByteView shared, ByteView ephemeralPublic, ByteView journalPublic) {
    Bytes info;
    appendRaw(info, view(kLabel));
    appendRaw(info, ephemeralPublic);
    appendRaw(info, journalPublic);
    return crypto::hkdfSha256(shared, {}, info, 32);
}

Bytes associatedData(ByteView keyId, ByteView ephemeralPublic) {
    Bytes aad;
    appendRaw(aad, view(kLabel));
    appendRaw(aad, keyId);
    appendRaw(aad, ephemeralPublic);
    return aad;
}
} // namespace

bool isSealedSupervisionBody(std::string_view body) noexcept {
    return body.substr(0, kPrefix.size()) == kPrefix;
}

Result<std::string> sealSupervisionBody(std::string_view body, ByteView journalPublicKey) {
    if (journalPublicKey.size() != 32)
        return fail(ErrorCode::InvalidArgument, "journal public key must be 32 bytes");
    auto ephemeral = crypto::X25519Key::generate();
    if (!ephemeral) return tl::unexpected(ephemeral.error());
    auto shared = ephemeral->agree(journalPublicKey);
    if (!shared) return tl::unexpected(shared.error());
    const Bytes& e = ephemeral->publicKey();
    auto key = bodyKey(*shared, e, journalPublicKey);
    if (!key) return tl::unexpected(key.error());
    const auto keyId = journalKeyId(journalPublicKey);
    auto sealed = crypto::aesGcmSeal(*key, kNonce, associatedData(keyId, e), view(body));
    if (!sealed) return tl::unexpected(sealed.error());
    Bytes raw;
    raw.reserve(kHeader + sealed->size());
    appendRaw(raw, keyId);
    appendRaw(raw, e);
    appendRaw(raw, *sealed);
    return std::string(kPrefix) + base64(raw);
}

Result<std::string> openSupervisionBody(std::string_view body, const JournalKeyLookup& keys) {
    auto raw = isSealedSupervisionBody(body) ? unbase64(body.substr(kPrefix.size())) : std::nullopt;
    if (!raw || raw->size() < kHeader + kTag)
        return fail(ErrorCode::Malformed, "not a sealed supervision body of format 1");
    const ByteView sealed(*raw);
    std::array<std::uint8_t, kKeyIdSize> keyId{};
    std::copy_n(sealed.begin(), kKeyIdSize, keyId.begin());
    const ByteView e = sealed.subspan(kKeyIdSize, 32);
    const crypto::X25519Key* key = keys ? keys(keyId) : nullptr;
    if (!key)
        return fail(ErrorCode::NotFound,
                    "the supervision body is sealed to a journal key this archive does not hold");
    auto shared = key->agree(e);
    if (!shared) return fail(ErrorCode::AuthFailed, "the supervision body does not open");
    auto k = bodyKey(*shared, e, key->publicKey());
    if (!k) return tl::unexpected(k.error());
    auto plain = crypto::aesGcmOpen(*k, kNonce, associatedData(keyId, e), sealed.subspan(kHeader));
    if (!plain) return fail(ErrorCode::AuthFailed, "the supervision body does not open");
    return std::string(asString(*plain));
}

} // namespace verbatim::journal
