#include "SessionFixture.h"

#include <QDir>
#include <QFile>

#include "crypto/Random.h"

namespace verbatim::test {

using signal::CipherMessage;
using signal::PreKeyBundle;
using signal::SessionManager;

TestDevice::TestDevice(std::string name, std::int32_t deviceId, StoreKind kind, QString folder)
    : m_address{std::move(name), deviceId}, m_kind(kind), m_folder(std::move(folder)) {}

TestDevice::~TestDevice() {
    closeAll();
}

Result<std::unique_ptr<TestDevice>> TestDevice::create(std::string name, std::int32_t deviceId,
                                                       StoreKind kind, const QString& folder) {
    std::unique_ptr<TestDevice> device(new TestDevice(std::move(name), deviceId, kind, folder));
    if (auto r = device->provision(); !r) return tl::unexpected(r.error());
    return device;
}

void TestDevice::closeAll() {
    // The manager refers to the store, and the SQL store to the database: destroy in that order.
    m_manager.reset();
    m_store = nullptr;
    m_sqlStore.reset();
    m_memoryStore.reset();
    m_db.reset();
    m_context.reset();
}

Result<void> TestDevice::provision() {
    closeAll();
    auto context = signal::SignalContext::create();
    if (!context) return tl::unexpected(context.error());
    m_context = std::move(*context);

    auto identity = SessionManager::generateIdentity(*m_context);
    if (!identity) return tl::unexpected(identity.error());
    auto registrationId = SessionManager::generateRegistrationId(*m_context);
    if (!registrationId) return tl::unexpected(registrationId.error());
    m_identityPublic = identity->publicKey;

    if (m_kind == StoreKind::SqlCipher) {
        // A new file per provisioning: a re-installed app starts from an empty database.
        m_dbPath = QDir(m_folder)
                       .filePath(QStringLiteral("%1-%2-%3.db")
                                     .arg(QString::fromStdString(m_address.name))
                                     .arg(m_address.deviceId)
                                     .arg(++m_generation))
                       .toStdString();
        m_dbKey = crypto::randomSecret(32);
        auto db = storage::Database::open(m_dbPath, m_dbKey);
        if (!db) return tl::unexpected(db.error());
        m_db = std::move(*db);
        auto store = signal::SqlProtocolStore::open(*m_db, &*identity, *registrationId);
        if (!store) return tl::unexpected(store.error());
        m_sqlStore = std::move(*store);
        m_store = m_sqlStore.get();
    } else {
        m_memoryStore =
            std::make_unique<signal::InMemoryProtocolStore>(std::move(*identity), *registrationId);
        m_store = m_memoryStore.get();
    }

    auto manager = SessionManager::create(m_context, *m_store);
    if (!manager) return tl::unexpected(manager.error());
    m_manager = std::move(*manager);

    auto spk = m_manager->generateSignedPreKey(kSignedPreKeyId);
    if (!spk) return tl::unexpected(spk.error());
    m_signedPreKey = std::move(*spk);
    auto preKeys = m_manager->generatePreKeys(1, kPreKeyCount);
    if (!preKeys) return tl::unexpected(preKeys.error());
    m_preKeys = std::move(*preKeys);
    m_nextPreKey = 0;
    return {};
}

Result<void> TestDevice::openManager() {
    auto context = signal::SignalContext::create();
    if (!context) return tl::unexpected(context.error());
    m_context = std::move(*context);
    auto db = storage::Database::open(m_dbPath, m_dbKey, storage::OpenOptions{.create = false});
    if (!db) return tl::unexpected(db.error());
    m_db = std::move(*db);
    // No identity passed: the stored one must be found, or the reopen has lost data.
    auto store = signal::SqlProtocolStore::open(*m_db);
    if (!store) return tl::unexpected(store.error());
    m_sqlStore = std::move(*store);
    m_store = m_sqlStore.get();
    auto manager = SessionManager::create(m_context, *m_store);
    if (!manager) return tl::unexpected(manager.error());
    m_manager = std::move(*manager);
    return {};
}

Result<void> TestDevice::reopen() {
    if (m_kind != StoreKind::SqlCipher)
        return fail(ErrorCode::InvalidArgument, "only a SQLCipher device can be reopened");
    closeAll();
    return openManager();
}

Result<void> TestDevice::reRegister() {
    const std::string oldPath = m_dbPath;
    auto r = provision(); // closes the old database before creating the new one
    if (r && !oldPath.empty()) {
        for (const char* suffix : {"", "-wal", "-shm"})
            QFile::remove(QString::fromStdString(oldPath + suffix));
    }
    return r;
}

Result<PreKeyBundle> TestDevice::bundle(bool withOneTimePreKey) {
    auto registrationId = m_store->localRegistrationId();
    if (!registrationId) return tl::unexpected(registrationId.error());
    PreKeyBundle b;
    b.registrationId = *registrationId;
    b.deviceId = m_address.deviceId;
    if (withOneTimePreKey) {
        if (m_nextPreKey >= m_preKeys.size())
            return fail(ErrorCode::NotFound, "test device ran out of one-time pre-keys");
        const auto& pk = m_preKeys[m_nextPreKey++];
        b.preKeyId = pk.id;
        b.preKeyPublic = pk.publicKey;
    }
    b.signedPreKeyId = m_signedPreKey.id;
    b.signedPreKeyPublic = m_signedPreKey.publicKey;
    b.signedPreKeySignature = m_signedPreKey.signature;
    b.identityKey = m_identityPublic;
    return b;
}

Result<std::unique_ptr<SessionFixture>> SessionFixture::create(StoreKind kind) {
    std::unique_ptr<SessionFixture> f(new SessionFixture(kind));
    if (!f->m_dir.isValid()) return fail(ErrorCode::Storage, "cannot create a temporary folder");
    auto alice = TestDevice::create("alice", 1, kind, f->m_dir.path());
    if (!alice) return tl::unexpected(alice.error());
    f->m_alice = std::move(*alice);
    auto bob = TestDevice::create("bob", 1, kind, f->m_dir.path());
    if (!bob) return tl::unexpected(bob.error());
    f->m_bob = std::move(*bob);
    return f;
}

Result<PreKeyBundle> SessionFixture::bundleFor(TestDevice& of, bool withOneTimePreKey) {
    return of.bundle(withOneTimePreKey);
}

Result<void> SessionFixture::startSession(TestDevice& from, TestDevice& to,
                                          bool withOneTimePreKey) {
    auto b = bundleFor(to, withOneTimePreKey);
    if (!b) return tl::unexpected(b.error());
    return from.manager().processBundle(to.address(), *b);
}

Result<void> SessionFixture::roundTrip(TestDevice& from, TestDevice& to, ByteView plaintext,
                                       CipherMessage::Type* type) {
    auto message = from.manager().encrypt(to.address(), plaintext);
    if (!message) return tl::unexpected(message.error());
    if (type) *type = message->type;
    auto decrypted = to.manager().decrypt(from.address(), *message);
    if (!decrypted) return tl::unexpected(decrypted.error());
    if (!std::equal(decrypted->begin(), decrypted->end(), plaintext.begin(), plaintext.end()))
        return fail(ErrorCode::Internal, "decrypted text differs from the plaintext");
    return {};
}

Bytes makePlaintext(std::string_view label, std::size_t extra) {
    Bytes out(label.begin(), label.end());
    // Deterministic filler, so that a mismatch is reproducible and lengths vary across blocks.
    std::uint32_t x = 0x9e3779b9u ^ static_cast<std::uint32_t>(label.size() * 2654435761u);
    for (std::size_t i = 0; i < extra; ++i) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        out.push_back(static_cast<std::uint8_t>(x));
    }
    return out;
}

} // namespace verbatim::test
