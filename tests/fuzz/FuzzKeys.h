#pragma once
/// @file FuzzKeys.h
/// Fixed keys for the fuzz targets and the corpus generator, so that the committed seeds verify
/// and open on every run and the fuzzer starts from inputs that pass the signature and
/// decryption checks, reaching the code behind them. Test-only keys: never use them elsewhere.

#include <memory>
#include <string>

#include "common/Bytes.h"
#include "crypto/X25519.h"
#include "journal/JournalCrypto.h"
#include "signal/SignalContext.h"

namespace verbatim::fuzz {

struct FuzzKeys {
    std::shared_ptr<signal::SignalContext> signal;
    std::unique_ptr<crypto::X25519Key> journal; ///< the firm's journal key pair
    SecureBytes senderPrivate;                  ///< a device's Signal identity (32 bytes)
    Bytes senderPublic;                         ///< 33 bytes, 0x05 prefix
    SecureBytes approverPrivate;                ///< a second device of the same user
    Bytes approverPublic;
    SecureBytes relayPrivate; ///< the relay's Ed25519 seed (wipe commands)
    Bytes relayPublic;
    SecureBytes rootPrivate; ///< the firm root's Ed25519 seed (manifest)
    Bytes rootPublic;
    std::string rootFingerprint;      ///< what links carry
    SecureBytes relayIdentityPrivate; ///< signs the relay's own journal entries (audit)
    Bytes relayIdentityPublic;
    /// The firm manifest (version 2) of this world, signed by the root: journal key, relay key and
    /// relay identity above, relay "relay.example.com:8443".
    Bytes manifest;

    /// Signs as the sender device (journal entries).
    journal::Signer senderSigner() const;
    /// Signs as the approving device (device approvals).
    journal::Signer approverSigner() const;
    /// Signs as the relay's journal identity (its ADMIN_ACTION entries).
    journal::Signer relaySigner() const;
};

/// The process's fixed keys (made on first use; thread-safe).
const FuzzKeys& fuzzKeys();

} // namespace verbatim::fuzz
