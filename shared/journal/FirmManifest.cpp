#include "journal/FirmManifest.h"

#include "crypto/Digest.h"
#include "crypto/Ed25519.h"

#include <algorithm>
#include <cctype>

namespace verbatim::journal {

namespace {
constexpr std::string_view kManifestLabelV1 = "verbatim-manifest-v1";
constexpr std::string_view kManifestLabelV2 = "verbatim-manifest-v2";
constexpr std::string_view kManifestLabelV3 = "verbatim-manifest-v3";
constexpr std::string_view kManifestLabelV4 = "verbatim-manifest-v4";
constexpr std::size_t kMaxAddresses = 16, kMaxPins = 16, kMaxPrivacyUrl = 512;
constexpr std::uint32_t kMaxRetentionYears = 100, kMaxMessageDays = 36500;
// The device policy's flags byte (version 3).
enum : std::uint8_t {
    kStaffMaySave = 1,
    kClientsMaySave = 2,
    kStaffMayCopy = 4,
    kClientsMayCopy = 8,
    kMayWipeClientDevices = 16,
    kKnownFlags = 31
};

std::string_view labelFor(std::uint8_t version) {
    return version == 1   ? kManifestLabelV1
           : version == 2 ? kManifestLabelV2
           : version == 3 ? kManifestLabelV3
                          : kManifestLabelV4;
}

std::string lowered(std::string_view s) {
    std::string out(s);
    for (auto& c : out)
        c = char(std::tolower(static_cast<unsigned char>(c)));
    return out;
}
constexpr std::string_view kRootLabel = "verbatim-firm-root-v1";
} // namespace

bool validPrivacyNoticeUrl(std::string_view url) {
    constexpr std::string_view scheme = "https://";
    if (url.size() <= scheme.size() || url.size() > kMaxPrivacyUrl) return false;
    if (lowered(url.substr(0, scheme.size())) != scheme) return false;
    return std::all_of(url.begin(), url.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

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
    if (version >= 3) {
        appendU32(b, policy.messageDays);
        appendU8(b, std::uint8_t((policy.staffMaySave ? kStaffMaySave : 0) |
                                 (policy.clientsMaySave ? kClientsMaySave : 0) |
                                 (policy.staffMayCopy ? kStaffMayCopy : 0) |
                                 (policy.clientsMayCopy ? kClientsMayCopy : 0) |
                                 (policy.mayWipeClientDevices ? kMayWipeClientDevices : 0)));
        appendU32(b, retention.yearsAfterClose);
        appendU32(b, retention.yearsDirect);
        appendField(b, privacyNoticeUrl);
    }
    if (version >= 4) appendU32(b, policy.maxIdleLockMinutes);
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
    if (*version < 1 || *version > kVersion)
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
        m.policy.maxFailedUnlocks = *unlocks;
        m.policy.maxOfflineDays = *days;
    }
    if (m.version >= 3) {
        auto messageDays = b.u32();
        auto flags = messageDays ? b.u8() : tl::unexpected(messageDays.error());
        auto afterClose = flags ? b.u32() : tl::unexpected(flags.error());
        auto direct = afterClose ? b.u32() : afterClose;
        auto url = direct ? b.field(kMaxPrivacyUrl) : tl::unexpected(direct.error());
        if (!url) return tl::unexpected(url.error());
        if (*messageDays > kMaxMessageDays)
            return fail(ErrorCode::Malformed, "manifest device message days out of range");
        if (*flags & ~kKnownFlags)
            return fail(ErrorCode::Malformed, "unknown device policy flags in manifest");
        if (*afterClose > kMaxRetentionYears || *direct > kMaxRetentionYears)
            return fail(ErrorCode::Malformed, "manifest retention years out of range");
        m.policy.messageDays = *messageDays;
        m.policy.staffMaySave = *flags & kStaffMaySave;
        m.policy.clientsMaySave = *flags & kClientsMaySave;
        m.policy.staffMayCopy = *flags & kStaffMayCopy;
        m.policy.clientsMayCopy = *flags & kClientsMayCopy;
        m.policy.mayWipeClientDevices = *flags & kMayWipeClientDevices;
        m.retention = {*afterClose, *direct};
        m.privacyNoticeUrl.assign(asString(*url));
        if (!m.privacyNoticeUrl.empty() && !validPrivacyNoticeUrl(m.privacyNoticeUrl))
            return fail(ErrorCode::Malformed, "manifest privacy notice is not an https:// URL");
    }
    if (m.version >= 4) {
        auto idle = b.u32();
        if (!idle) return tl::unexpected(idle.error());
        if (*idle > kMaxIdleLockMinutes)
            return fail(ErrorCode::Malformed,
                        "manifest idle lock minutes out of range (0 to 1440)");
        m.policy.maxIdleLockMinutes = *idle;
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
