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
};

struct FirmManifest {
    /// Version 2 (the one written) names every relay address and may pin the relays' TLS keys;
    /// version 1 (still read, so that profiles from before keep working) names one address.
    static constexpr std::uint8_t kVersion = 2;
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
    Bytes rootPublicKey; ///< 32-byte Ed25519
    Bytes signature;     ///< by the root key

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

/// Hex of SHA-256("verbatim-firm-root-v1" || rootPublicKey)[0..16): what links carry.
std::string firmFingerprint(ByteView rootPublicKey);

} // namespace verbatim::journal
