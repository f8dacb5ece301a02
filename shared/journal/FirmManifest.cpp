#include "journal/FirmManifest.h"

#include "crypto/Digest.h"
#include "crypto/Ed25519.h"

#include <algorithm>
#include <cctype>

namespace verbatim::journal {

namespace {
constexpr std::string_view kManifestLabelV1 = "verbatim-manifest-v1";
constexpr std::string_view kManifestLabelV2 = "verbatim-manifest-v2";
constexpr std::size_t kMaxAddresses = 16, kMaxPins = 16;

std::string_view labelFor(std::uint8_t version) {
    return version == 1 ? kManifestLabelV1 : kManifestLabelV2;
}

std::string lowered(std::string_view s) {
    std::string out(s);
    for (auto& c : out)
        c = char(std::tolower(static_cast<unsigned char>(c)));
    return out;
}
constexpr std::string_view kRootLabel = "verbatim-firm-root-v1";
} // namespace

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
    if (version == 1) {
        appendField(b, relayAddress);
    } else {
        const auto& addresses =
            relayAddresses.empty() ? std::vector<std::string>{relayAddress} : relayAddresses;
        appendU32(b, std::uint32_t(addresses.size()));
        for (const auto& a : addresses)
            appendField(b, a);
        appendU32(b, std::uint32_t(tlsKeyPins.size()));
        for (const auto& p : tlsKeyPins)
            appendField(b, p);
    }
    appendU64(b, issuedMs);
    appendField(b, relayPublicKey);
    appendField(b, relayIdentityKey);
    appendU32(b, std::uint32_t(journalKeys.size()));
    for (const auto& k : journalKeys) {
        appendField(b, k.publicKey);
        appendU64(b, k.validFromMs);
    }
    // Version 2 always carries the device policy; in version 1 it is absent when it sets none.
    if (version != 1 || policy.maxFailedUnlocks || policy.maxOfflineDays) {
        appendU32(b, policy.maxFailedUnlocks);
        appendU32(b, policy.maxOfflineDays);
    }
    return b;
}

Bytes FirmManifest::serialize() const {
    Bytes out;
    appendU8(out, version);
    appendField(out, rootPublicKey);
    appendField(out, body());
    appendField(out, signature);
    return out;
}

Result<FirmManifest> FirmManifest::parse(ByteView bytes) {
    ByteReader r(bytes);
    auto version = r.u8();
    if (!version) return tl::unexpected(version.error());
    if (*version != 1 && *version != 2)
        return fail(ErrorCode::Unsupported,
                    "unsupported manifest version " + std::to_string(*version) +
                        ": this app is too old for the firm's manifest, update it");
    FirmManifest m;
    m.version = *version;
    auto root = r.field(32);
    auto body = root ? r.field(64 * 1024) : root;
    auto sig = body ? r.field(64) : body;
    if (!sig) return tl::unexpected(sig.error());
    if (!r.atEnd()) return fail(ErrorCode::Malformed, "trailing bytes after manifest");
    if (root->size() != 32 || sig->size() != 64)
        return fail(ErrorCode::Malformed, "manifest key or signature size");
    m.rootPublicKey = toBytes(*root);
    m.signature = toBytes(*sig);
    ByteReader b(*body);
    auto firm = b.field(256);
    if (!firm) return tl::unexpected(firm.error());
    m.firmName.assign(asString(*firm));
    // Shown to every user and written into their notice acceptances: text, never empty.
    if (m.firmName.empty() || !isUtf8(m.firmName))
        return fail(ErrorCode::Malformed, "manifest firm name is not UTF-8 text");
    if (m.version == 1) {
        auto addr = b.field(256);
        if (!addr) return tl::unexpected(addr.error());
        m.relayAddresses.emplace_back(asString(*addr));
    } else {
        auto n = b.u32();
        if (!n) return tl::unexpected(n.error());
        if (*n == 0 || *n > kMaxAddresses)
            return fail(ErrorCode::Malformed, "manifest relay address count");
        for (std::uint32_t i = 0; i < *n; ++i) {
            auto addr = b.field(256);
            if (!addr) return tl::unexpected(addr.error());
            if (addr->empty()) return fail(ErrorCode::Malformed, "empty relay address in manifest");
            m.relayAddresses.emplace_back(asString(*addr));
        }
        auto pins = b.u32();
        if (!pins) return tl::unexpected(pins.error());
        if (*pins > kMaxPins) return fail(ErrorCode::Malformed, "manifest TLS key pin count");
        for (std::uint32_t i = 0; i < *pins; ++i) {
            auto pin = b.field(32);
            if (!pin) return tl::unexpected(pin.error());
            if (pin->size() != 32) return fail(ErrorCode::Malformed, "manifest TLS key pin size");
            m.tlsKeyPins.push_back(toBytes(*pin));
        }
    }
    m.relayAddress = m.relayAddresses.front();
    auto issued = b.u64();
    if (!issued) return tl::unexpected(issued.error());
    m.issuedMs = *issued;
    auto relay = b.field(32);
    if (!relay) return tl::unexpected(relay.error());
    if (relay->size() != 32) return fail(ErrorCode::Malformed, "relay key size");
    m.relayPublicKey = toBytes(*relay);
    auto identity = b.field(33);
    if (!identity) return tl::unexpected(identity.error());
    if (!identity->empty() && identity->size() != 33)
        return fail(ErrorCode::Malformed, "relay identity key size");
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
        // Oldest first: the last is the current key, so the list may not go back in time.
        if (!m.journalKeys.empty() && *from < m.journalKeys.back().validFromMs)
            return fail(ErrorCode::Malformed, "manifest journal keys are not in valid-from order");
        m.journalKeys.push_back({toBytes(*k), *from});
    }
    if (m.version != 1 || !b.atEnd()) {
        auto unlocks = b.u32();
        auto days = unlocks ? b.u32() : unlocks;
        if (!days) return tl::unexpected(days.error());
        if (m.version == 1 && *unlocks == 0 && *days == 0)
            return fail(ErrorCode::Malformed, "empty device policy in manifest");
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
    appendRaw(msg, view(labelFor(version)));
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
    appendRaw(msg, view(labelFor(version)));
    appendRaw(msg, body());
    if (!crypto::ed25519Verify(rootPublicKey, msg, signature))
        return fail(ErrorCode::AuthFailed, "manifest signature does not verify");
    if (journalKeys.empty()) return fail(ErrorCode::Malformed, "manifest has no journal key");
    return {};
}

bool FirmManifest::namesRelay(std::string_view hostPort) const {
    const std::string wanted = lowered(hostPort);
    const auto& addresses =
        relayAddresses.empty() ? std::vector<std::string>{relayAddress} : relayAddresses;
    return std::any_of(addresses.begin(), addresses.end(),
                       [&](const std::string& a) { return lowered(a) == wanted; });
}

} // namespace verbatim::journal
