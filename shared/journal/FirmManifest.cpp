#include "journal/FirmManifest.h"

#include "crypto/Digest.h"
#include "crypto/Ed25519.h"

namespace verbatim::journal {

namespace {
constexpr std::string_view kManifestLabel = "verbatim-manifest-v1";
constexpr std::string_view kRootLabel = "verbatim-firm-root-v1";
}  // namespace

std::string firmFingerprint(ByteView rootPublicKey) {
    Bytes in;
    appendRaw(in, view(kRootLabel));
    appendRaw(in, rootPublicKey);
    auto h = crypto::sha256(in);
    return toHex(ByteView(h.data(), 16));
}

Bytes FirmManifest::body() const {
    Bytes b;
    appendField(b, firmName);
    appendField(b, relayAddress);
    appendU64(b, issuedMs);
    appendField(b, relayPublicKey);
    appendField(b, relayIdentityKey);
    appendU32(b, std::uint32_t(journalKeys.size()));
    for (const auto& k : journalKeys) {
        appendField(b, k.publicKey);
        appendU64(b, k.validFromMs);
    }
    // The device policy is optional (absent in manifests that set none).
    if (policy.maxFailedUnlocks || policy.maxOfflineDays) {
        appendU32(b, policy.maxFailedUnlocks);
        appendU32(b, policy.maxOfflineDays);
    }
    return b;
}

Bytes FirmManifest::serialize() const {
    Bytes out;
    appendU8(out, 1);
    appendField(out, rootPublicKey);
    appendField(out, body());
    appendField(out, signature);
    return out;
}

Result<FirmManifest> FirmManifest::parse(ByteView bytes) {
    ByteReader r(bytes);
    auto version = r.u8();
    if (!version) return tl::unexpected(version.error());
    if (*version != 1) return fail(ErrorCode::Unsupported, "unsupported manifest version");
    FirmManifest m;
    auto root = r.field(32);
    auto body = root ? r.field(64 * 1024) : root;
    auto sig = body ? r.field(64) : body;
    if (!sig) return tl::unexpected(sig.error());
    if (!r.atEnd()) return fail(ErrorCode::Malformed, "trailing bytes after manifest");
    if (root->size() != 32 || sig->size() != 64) return fail(ErrorCode::Malformed, "manifest key or signature size");
    m.rootPublicKey = toBytes(*root);
    m.signature = toBytes(*sig);
    ByteReader b(*body);
    auto firm = b.field(256);
    auto addr = firm ? b.field(256) : firm;
    if (!addr) return tl::unexpected(addr.error());
    m.firmName.assign(asString(*firm));
    m.relayAddress.assign(asString(*addr));
    auto issued = b.u64();
    if (!issued) return tl::unexpected(issued.error());
    m.issuedMs = *issued;
    auto relay = b.field(32);
    if (!relay) return tl::unexpected(relay.error());
    if (relay->size() != 32) return fail(ErrorCode::Malformed, "relay key size");
    m.relayPublicKey = toBytes(*relay);
    auto identity = b.field(33);
    if (!identity) return tl::unexpected(identity.error());
    if (!identity->empty() && identity->size() != 33) return fail(ErrorCode::Malformed, "relay identity key size");
    m.relayIdentityKey = toBytes(*identity);
    auto n = b.u32();
    if (!n) return tl::unexpected(n.error());
    if (*n == 0 || *n > 64) return fail(ErrorCode::Malformed, "manifest journal key count");
    for (std::uint32_t i = 0; i < *n; ++i) {
        auto k = b.field(32);
        if (!k) return tl::unexpected(k.error());
        if (k->size() != 32) return fail(ErrorCode::Malformed, "journal key size");
        auto from = b.u64();
        if (!from) return tl::unexpected(from.error());
        m.journalKeys.push_back({toBytes(*k), *from});
    }
    if (!b.atEnd()) {
        auto unlocks = b.u32();
        auto days = unlocks ? b.u32() : unlocks;
        if (!days) return tl::unexpected(days.error());
        if (*unlocks == 0 && *days == 0) return fail(ErrorCode::Malformed, "empty device policy in manifest");
        m.policy = {*unlocks, *days};
    }
    if (!b.atEnd()) return fail(ErrorCode::Malformed, "trailing bytes in manifest body");
    return m;
}

Result<void> FirmManifest::sign(ByteView rootPrivateKey) {
    auto pub = crypto::ed25519PublicKey(rootPrivateKey);
    if (!pub) return tl::unexpected(pub.error());
    rootPublicKey = *pub;
    Bytes msg;
    appendRaw(msg, view(kManifestLabel));
    appendRaw(msg, body());
    auto sig = crypto::ed25519Sign(rootPrivateKey, msg);
    if (!sig) return tl::unexpected(sig.error());
    signature = *sig;
    return {};
}

Result<void> FirmManifest::verify(std::string_view pinnedFingerprint) const {
    if (!constantTimeEqual(view(firmFingerprint(rootPublicKey)), view(pinnedFingerprint)))
        return fail(ErrorCode::AuthFailed, "manifest is signed by another firm's root key");
    Bytes msg;
    appendRaw(msg, view(kManifestLabel));
    appendRaw(msg, body());
    if (!crypto::ed25519Verify(rootPublicKey, msg, signature))
        return fail(ErrorCode::AuthFailed, "manifest signature does not verify");
    if (journalKeys.empty()) return fail(ErrorCode::Malformed, "manifest has no journal key");
    return {};
}

}  // namespace verbatim::journal
