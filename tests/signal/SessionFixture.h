#pragma once
/// @file SessionFixture.h
/// Provisioned Signal devices for the protocol tests (TESTPLAN B2): each device has its own
/// SignalContext, a ProtocolStore (in memory, or SQLCipher in a temporary folder under a random
/// 32-byte key), a fresh identity and registration id, signed pre-key 1 and 100 one-time
/// pre-keys. SessionFixture holds the usual pair, "alice"/1 and "bob"/1, and hands out pre-key
/// bundles the way the relay would (each one-time pre-key at most once).
/// Test-only code; a device is used from one thread at a time.

#include <QString>
#include <QTemporaryDir>
#include <memory>
#include <string>
#include <vector>

#include "common/Result.h"
#include "signal/InMemoryProtocolStore.h"
#include "signal/SessionManager.h"
#include "signal/SignalContext.h"
#include "signal/SqlProtocolStore.h"
#include "storage/Database.h"

namespace verbatim::test {

enum class StoreKind { InMemory, SqlCipher };

/// One simulated device with its own context, store and session manager.
class TestDevice {
public:
    static constexpr unsigned kPreKeyCount = 100;
    static constexpr std::uint32_t kSignedPreKeyId = 1;

    /// Provisions a new device. For SqlCipher the database file is created in `folder`, which
    /// must outlive the device.
    [[nodiscard]] static Result<std::unique_ptr<TestDevice>>
    create(std::string name, std::int32_t deviceId, StoreKind kind, const QString& folder);
    ~TestDevice();
    TestDevice(const TestDevice&) = delete;
    TestDevice& operator=(const TestDevice&) = delete;

    const signal::Address& address() const { return m_address; }
    StoreKind kind() const { return m_kind; }
    signal::SessionManager& manager() const { return *m_manager; }
    signal::ProtocolStore& store() const { return *m_store; }
    signal::SignalContext& context() const { return *m_context; }
    /// The in-memory store (nullptr for SqlCipher devices); copyable, so tests can snapshot it.
    signal::InMemoryProtocolStore* memoryStore() const { return m_memoryStore.get(); }
    /// Path of the SQLCipher file ("" for in-memory devices).
    const std::string& databasePath() const { return m_dbPath; }

    /// Public identity key (33 bytes).
    const Bytes& identityKey() const { return m_identityPublic; }
    const signal::SignedPreKeyPublic& signedPreKey() const { return m_signedPreKey; }
    const std::vector<signal::PreKeyPublic>& preKeys() const { return m_preKeys; }

    /// The next pre-key bundle as the relay would serve it: with the next one-time pre-key not
    /// yet handed out when `withOneTimePreKey`, and none otherwise.
    [[nodiscard]] Result<signal::PreKeyBundle> bundle(bool withOneTimePreKey = true);

    /// Simulates an app restart: destroys the session manager, the store, the database and
    /// the context, then opens the same file with the same key (SqlCipher only).
    [[nodiscard]] Result<void> reopen();

    /// Simulates a re-install: all state is thrown away and the device is provisioned again
    /// with a new identity, registration id and pre-keys (same address).
    [[nodiscard]] Result<void> reRegister();

private:
    TestDevice(std::string name, std::int32_t deviceId, StoreKind kind, QString folder);
    [[nodiscard]] Result<void> provision();
    [[nodiscard]] Result<void> openManager();
    void closeAll();

    signal::Address m_address;
    StoreKind m_kind;
    QString m_folder;
    std::string m_dbPath;
    SecureBytes m_dbKey;
    int m_generation = 0;

    std::shared_ptr<signal::SignalContext> m_context;
    std::unique_ptr<storage::Database> m_db;
    std::unique_ptr<signal::SqlProtocolStore> m_sqlStore;
    std::unique_ptr<signal::InMemoryProtocolStore> m_memoryStore;
    signal::ProtocolStore* m_store = nullptr;
    std::unique_ptr<signal::SessionManager> m_manager;

    Bytes m_identityPublic;
    signal::SignedPreKeyPublic m_signedPreKey;
    std::vector<signal::PreKeyPublic> m_preKeys;
    std::size_t m_nextPreKey = 0;
};

/// The two devices most tests need: "alice"/1 and "bob"/1.
class SessionFixture {
public:
    [[nodiscard]] static Result<std::unique_ptr<SessionFixture>> create(StoreKind kind);

    TestDevice& alice() const { return *m_alice; }
    TestDevice& bob() const { return *m_bob; }
    StoreKind kind() const { return m_kind; }
    const QTemporaryDir& folder() const { return m_dir; }

    /// A pre-key bundle of `of`, as fetched by the other device.
    [[nodiscard]] static Result<signal::PreKeyBundle> bundleFor(TestDevice& of,
                                                                bool withOneTimePreKey = true);
    /// `from` processes a bundle of `to` (X3DH as the initiator).
    [[nodiscard]] static Result<void> startSession(TestDevice& from, TestDevice& to,
                                                   bool withOneTimePreKey = true);
    /// Encrypts `plaintext` at `from` and decrypts it at `to`; fails unless the decrypted bytes
    /// equal the plaintext. `type` receives the message type when given.
    [[nodiscard]] static Result<void> roundTrip(TestDevice& from, TestDevice& to,
                                                ByteView plaintext,
                                                signal::CipherMessage::Type* type = nullptr);

private:
    explicit SessionFixture(StoreKind kind) : m_kind(kind) {}
    StoreKind m_kind;
    QTemporaryDir m_dir;
    std::unique_ptr<TestDevice> m_alice;
    std::unique_ptr<TestDevice> m_bob;
};

/// A test plaintext: the label, then `extra` deterministic filler bytes.
Bytes makePlaintext(std::string_view label, std::size_t extra = 0);

} // namespace verbatim::test
