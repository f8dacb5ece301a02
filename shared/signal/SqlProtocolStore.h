#pragma once
/// @file SqlProtocolStore.h
/// ProtocolStore on a SQLCipher database (tables prefixed `signal_`). Each write is its own
/// durable statement, so a crash leaves either the old or the new record.

#include <memory>

#include "signal/ProtocolStore.h"
#include "storage/Database.h"

namespace verbatim::signal {

class SqlProtocolStore final : public ProtocolStore {
public:
    /// Creates the tables if needed. When the database holds no identity yet, `newIdentity` and
    /// `newRegistrationId` are stored; otherwise the stored identity is kept and they are
    /// ignored. `db` must outlive the store.
    [[nodiscard]] static Result<std::unique_ptr<SqlProtocolStore>>
    open(storage::Database& db, const IdentityKeyPair* newIdentity = nullptr,
         std::uint32_t newRegistrationId = 0);

    /// Whether the database already holds a device identity.
    [[nodiscard]] static Result<bool> hasIdentity(storage::Database& db);

    Result<IdentityKeyPair> identityKeyPair() override;
    Result<std::uint32_t> localRegistrationId() override;
    Result<void> saveIdentity(const Address& address, ByteView identityKey) override;
    Result<std::optional<Bytes>> loadIdentity(const Address& address) override;
    Result<void> deleteIdentity(const Address& address) override;

    Result<std::optional<Bytes>> loadSession(const Address& address) override;
    Result<void> storeSession(const Address& address, ByteView record) override;
    Result<bool> containsSession(const Address& address) override;
    Result<bool> deleteSession(const Address& address) override;
    Result<int> deleteAllSessions(const std::string& name) override;
    Result<std::vector<std::int32_t>> subDeviceSessions(const std::string& name) override;

    Result<std::optional<Bytes>> loadPreKey(std::uint32_t id) override;
    Result<void> storePreKey(std::uint32_t id, ByteView record) override;
    Result<bool> containsPreKey(std::uint32_t id) override;
    Result<bool> removePreKey(std::uint32_t id) override;

    Result<std::optional<Bytes>> loadSignedPreKey(std::uint32_t id) override;
    Result<void> storeSignedPreKey(std::uint32_t id, ByteView record) override;
    Result<bool> containsSignedPreKey(std::uint32_t id) override;
    Result<bool> removeSignedPreKey(std::uint32_t id) override;

    Result<std::optional<Bytes>> loadSenderKey(const std::string& groupId,
                                               const Address& sender) override;
    Result<void> storeSenderKey(const std::string& groupId, const Address& sender,
                                ByteView record) override;

private:
    explicit SqlProtocolStore(storage::Database& db) : m_db(db) {}
    Result<std::optional<Bytes>> loadOne(const char* sql, auto&&... binds);
    Result<bool> changeSome(const char* sql, auto&&... binds);

    storage::Database& m_db;
    IdentityKeyPair m_identity;
    std::uint32_t m_registrationId = 0;
};

} // namespace verbatim::signal
