#pragma once
/// @file AccountStore.h
/// This profile's settings and credentials (table `account`, key -> bytes): who this device is,
/// where its relay is, the firm manifest it holds, pre-key counters, the journal chain the relay
/// acknowledged (issue 15 break 3) and the secrets of the device links this device made (issue 15
/// break 2). Keys are documented where they are written; docs/protocol.md lists the layout.
///
/// No locking: the caller (client::Client) holds its data lock. The database must outlive the
/// store.

#include <optional>
#include <string>
#include <vector>

#include "client/core/Client.h"
#include "client/core/RelayConnection.h"
#include "journal/JournalCrypto.h"
#include "storage/Database.h"

namespace verbatim::client {

class AccountStore {
public:
    explicit AccountStore(storage::Database& db);

    [[nodiscard]] Result<std::optional<std::string>> get(const std::string& key);
    /// The value as text, "" when missing or unreadable.
    std::string text(const std::string& key);
    [[nodiscard]] Result<void> set(const std::string& key, ByteView value);
    [[nodiscard]] Result<void> remove(const std::string& key);

    /// Who this device is and how it reaches its relay, as join() stored it. The manifest is
    /// returned as stored (unverified): the caller checks it against the pinned firm.
    struct Loaded {
        Account account;
        DeviceCredentials credentials;
        Endpoint endpoint; ///< without the manifest's TLS key pins
        std::string manifest;
    };
    /// NotFound for a profile whose join never finished.
    [[nodiscard]] Result<Loaded> load();

    /// The entries of this device the journal acknowledged, as a chain (journal/SealedEntry.h).
    [[nodiscard]] Result<journal::DeviceChain> deviceChain();
    /// Appends `messageId` (the journal stored it) to the chain.
    [[nodiscard]] Result<void> advanceDeviceChain(ByteView messageId);
    /// Puts the chain back to `chain` (the relay was restored to a journal that ends before
    /// entries the chain covers, which are sent again: docs/protocol.md, "Restore").
    [[nodiscard]] Result<void> setDeviceChain(const journal::DeviceChain& chain);

    /// A secret of a device link this device made (never sent to the relay), until it expires.
    struct LinkSecret {
        std::uint64_t expiresMs = 0;
        SecureBytes secret; ///< 32 bytes
    };
    /// The secrets not yet expired at `nowMs`; expired ones fall away.
    std::vector<LinkSecret> linkSecrets(std::uint64_t nowMs);
    [[nodiscard]] Result<void> storeLinkSecrets(const std::vector<LinkSecret>& secrets);
    [[nodiscard]] Result<void> rememberLinkSecret(const SecureBytes& secret,
                                                  std::uint64_t expiresMs, std::uint64_t nowMs);

private:
    storage::Database& m_db;
};

} // namespace verbatim::client
