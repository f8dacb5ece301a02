#pragma once
/// @file FirmManifest.h
/// The firm manifest: the journal public key(s) and the relay's signing key, signed by the firm
/// root key (Ed25519). Links carry the root key's fingerprint; clients pin it and refuse a
/// manifest, and so a journal key, that the pinned root did not sign (ES-10).
/// Layout: docs/protocol.md, "Firm manifest".

#include <string>
#include <vector>

#include "common/Bytes.h"

namespace verbatim::journal {

struct JournalKeyEntry {
    Bytes publicKey; ///< 32-byte X25519
    std::uint64_t validFromMs = 0;
};

/// The firm's rules for devices, enforced by the clients (0: off).
struct DevicePolicy {
    std::uint32_t maxFailedUnlocks =
        0; ///< erase the profile after this many wrong passphrases in a row
    std::uint32_t maxOfflineDays =
        0; ///< erase the profile when the relay was not reached for this long
    // Version 3 on (docs/protocol.md, "Firm policy"):
    std::uint32_t messageDays = 0; ///< apps remove messages older than this (0: keep them)
    bool staffMaySave = true;      ///< staff may save attachments outside the app
    bool clientsMaySave = true;    ///< clients may save attachments outside the app
    bool staffMayCopy = true;      ///< staff may copy message text
    bool clientsMayCopy = true;    ///< clients may copy message text
    /// The firm may erase a client's device (its copy is the client's record of the advice, so
    /// only where the firm says so, and the recording notice tells the client).
    bool mayWipeClientDevices = false;
    /// Version 4 on: the longest idle time, in minutes, after which apps lock (1..1440; 0: no
    /// firm maximum). A user may choose a shorter time, never a longer one or "never".
    std::uint32_t maxIdleLockMinutes = 0;
};

/// The largest DevicePolicy::maxIdleLockMinutes a manifest may carry: one day.
inline constexpr std::uint32_t kMaxIdleLockMinutes = 1440;

/// How long the firm keeps client communications in its compliance archives (version 3 on;
/// 0: no period set, kept until the firm decides). Compliance applies it with
/// `verbatim-journal dispose --by-policy`; a legal hold always wins.
struct RetentionPolicy {
    std::uint32_t yearsAfterClose = 0; ///< matters: years after the matter closed
    std::uint32_t yearsDirect = 0;     ///< direct conversations: years after each message
};

struct FirmManifest {
    /// Version 4 (the one written) adds the firm's maximum idle lock; version 3 adds the firm
    /// policy (retention, the privacy notice, what devices may do); version 2 names every relay
    /// address and may pin the relays' TLS keys; version 1 names one address. Versions 1 to 3
    /// are still read, so that profiles from before keep working, with the later versions'
    /// fields at their defaults.
    static constexpr std::uint8_t kVersion = 4;
    std::uint8_t version = kVersion;
    std::string firmName;
    std::string relayAddress; ///< HOST:PORT, the first of relayAddresses (kept for callers)
    std::vector<std::string> relayAddresses; ///< every HOST:PORT the manifest is valid for (1..16)
    /// SHA-256 of each TLS certificate public key (SubjectPublicKeyInfo, DER) the relays may
    /// present; empty: any certificate that passes the usual checks (chain and host, or the
    /// link's certificate pin). 0..16 entries.
    std::vector<Bytes> tlsKeyPins;
    std::uint64_t issuedMs = 0;
    Bytes relayPublicKey;   ///< 32-byte Ed25519 (checkpoints, wipe commands)
    Bytes relayIdentityKey; ///< 33-byte Signal identity key signing the relay's own journal entries
                            ///< (audit)
    std::vector<JournalKeyEntry> journalKeys; ///< oldest first; the last is current
    DevicePolicy policy;
    RetentionPolicy retention;    ///< version 3 on
    std::string privacyNoticeUrl; ///< version 3 on: empty, or an https:// URL of <= 512 bytes
    Bytes rootPublicKey;          ///< 32-byte Ed25519
    Bytes signature;              ///< by the root key

    Bytes body() const;
    Bytes serialize() const;
    [[nodiscard]] static Result<FirmManifest> parse(ByteView bytes);
    /// Signs with the root private key (32-byte seed); sets rootPublicKey and signature.
    [[nodiscard]] Result<void> sign(ByteView rootPrivateKey);
    /// Checks the signature and that the root key's fingerprint is `pinnedFingerprint`.
    [[nodiscard]] Result<void> verify(std::string_view pinnedFingerprint) const;
    /// Whether HOST:PORT is one of the relay addresses (host compared case-insensitively).
    bool namesRelay(std::string_view hostPort) const;
    const JournalKeyEntry* currentJournalKey() const {
        return journalKeys.empty() ? nullptr : &journalKeys.back();
    }
};

/// Whether `url` may be a manifest's privacy notice link: https://, at most 512 bytes, printable
/// ASCII without spaces (so a client can show it as a link without interpreting anything).
bool validPrivacyNoticeUrl(std::string_view url);

/// Hex of SHA-256("verbatim-firm-root-v1" || rootPublicKey)[0..16): what links carry.
std::string firmFingerprint(ByteView rootPublicKey);

} // namespace verbatim::journal
