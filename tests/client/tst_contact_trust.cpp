// Contact trust on its own (client/core/ContactTrust.h, BundleConversion.h): Alice's profile
// database with a real Signal store, and Bob's devices as key material made here; the bundles are
// built as the relay sends them, with no relay. PR-08 (a changed safety number holds sending),
// issue 15 break 2 (a second unapproved device is a change, not a silent addition).
#include <QTemporaryDir>
#include <QtTest>

#include "client/core/BundleConversion.h"
#include "client/core/ContactTrust.h"
#include "client/core/Profile.h"
#include "crypto/Random.h"
#include "journal/SealedEntry.h"
#include "signal/InMemoryProtocolStore.h"
#include "signal/SqlProtocolStore.h"

using namespace verbatim;
using namespace verbatim::client;

namespace {

std::string str(ByteView b) {
    return std::string(b.begin(), b.end());
}

/// A device of someone else, with keys, and its bundle as the relay would serve it.
struct Peer {
    std::unique_ptr<signal::InMemoryProtocolStore> store;
    std::unique_ptr<signal::SessionManager> sessions;
    proto::DeviceBundle bundle;
    static Peer make(const std::shared_ptr<signal::SignalContext>& ctx, std::uint32_t device,
                     bool withPreKey = true) {
        Peer p;
        auto id = *signal::SessionManager::generateIdentity(*ctx);
        const Bytes pub = id.publicKey;
        const auto reg = *signal::SessionManager::generateRegistrationId(*ctx);
        p.store = std::make_unique<signal::InMemoryProtocolStore>(std::move(id), reg);
        p.sessions = std::move(*signal::SessionManager::create(ctx, *p.store));
        auto spk = *p.sessions->generateSignedPreKey(7);
        auto pks = *p.sessions->generatePreKeys(100, 1);
        p.bundle.set_device(device);
        p.bundle.set_registration_id(reg);
        p.bundle.set_identity_key(str(pub));
        p.bundle.mutable_signed_pre_key()->set_id(spk.id);
        p.bundle.mutable_signed_pre_key()->set_public_key(str(spk.publicKey));
        p.bundle.mutable_signed_pre_key()->set_signature(str(spk.signature));
        if (withPreKey) {
            p.bundle.mutable_pre_key()->set_id(pks[0].id);
            p.bundle.mutable_pre_key()->set_public_key(str(pks[0].publicKey));
        }
        return p;
    }
};

/// Alice's side: a profile database with her Signal store, and her trust over it.
struct Alice {
    QTemporaryDir dir;
    std::shared_ptr<signal::SignalContext> ctx;
    std::unique_ptr<storage::Database> db;
    std::unique_ptr<signal::SqlProtocolStore> store;
    std::unique_ptr<signal::SessionManager> sessions;
    std::unique_ptr<AccountStore> accounts;
    std::unique_ptr<Outbox> outbox;
    std::unique_ptr<ContactTrust> trust;
    std::vector<Event> events;
    bool open() {
        ctx = *signal::SignalContext::create();
        auto key = crypto::randomSecret(32);
        auto d = storage::Database::open((dir.path() + "/alice.db").toStdString(), key);
        if (!d || !migrateClientSchema(**d)) return false;
        db = std::move(*d);
        auto id = *signal::SessionManager::generateIdentity(*ctx);
        store = std::move(*signal::SqlProtocolStore::open(*db, &id, 1234));
        sessions = std::move(*signal::SessionManager::create(ctx, *store));
        accounts = std::make_unique<AccountStore>(*db);
        outbox = std::make_unique<Outbox>(*db);
        trust = std::make_unique<ContactTrust>(*db, *ctx, *sessions, *accounts, *outbox, "alice", 1,
                                               [this](const Event& e) { events.push_back(e); });
        return true;
    }
};

proto::Bundles bundlesOf(const std::string& user, std::initializer_list<const Peer*> devices) {
    proto::Bundles b;
    b.set_user(user);
    for (const auto* d : devices)
        *b.add_devices() = d->bundle;
    return b;
}

} // namespace

class TestContactTrust : public QObject {
    Q_OBJECT
private slots:
    void aBundleConvertsFieldByField();
    void firstContactTrustsOneDeviceAndStartsItsSession();
    void aSecondUnapprovedDeviceHoldsSendingUntilAccepted();
    void twoUnapprovedDevicesAtFirstContactAreAlreadyAChange();
};

void TestContactTrust::aBundleConvertsFieldByField() {
    auto ctx = *signal::SignalContext::create();
    auto bob = Peer::make(ctx, 3);
    auto pb = toPreKeyBundle(bob.bundle);
    QCOMPARE(pb.deviceId, 3);
    QCOMPARE(pb.registrationId, bob.bundle.registration_id());
    QCOMPARE(pb.preKeyId.value_or(0), 100u);
    QCOMPARE(str(pb.preKeyPublic), bob.bundle.pre_key().public_key());
    QCOMPARE(pb.signedPreKeyId, 7u);
    QCOMPARE(str(pb.signedPreKeyPublic), bob.bundle.signed_pre_key().public_key());
    QCOMPARE(str(pb.signedPreKeySignature), bob.bundle.signed_pre_key().signature());
    QCOMPARE(str(pb.identityKey), bob.bundle.identity_key());
    auto spent = Peer::make(ctx, 4, false); // no one-time pre-key left
    auto without = toPreKeyBundle(spent.bundle);
    QVERIFY(!without.preKeyId.has_value());
    QVERIFY(without.preKeyPublic.empty());
}

void TestContactTrust::firstContactTrustsOneDeviceAndStartsItsSession() {
    Alice a;
    QVERIFY(a.open());
    auto bob = Peer::make(a.ctx, 1);
    std::set<std::string> changed;
    QVERIFY(a.trust->processBundles(bundlesOf("bob", {&bob}), &changed));
    QVERIFY(changed.empty());
    QVERIFY(a.sessions->hasSession({"bob", 1}));
    QCOMPARE(a.trust->identityKeys("bob").size(), std::size_t(1));
    QCOMPARE(a.trust->userHeld("bob").value(), false);
    auto number = a.trust->safetyNumber("bob");
    QVERIFY(number);
    QCOMPARE(number->digits.size(), std::size_t(60));
    QVERIFY(!number->changed);
    QCOMPARE(number->devices, std::size_t(1));
    QVERIFY(!a.trust->safetyNumber("alice")); // not with oneself
    QCOMPARE(int(a.trust->safetyNumber("carol").error().code), int(ErrorCode::NotFound));
}

void TestContactTrust::aSecondUnapprovedDeviceHoldsSendingUntilAccepted() {
    Alice a;
    QVERIFY(a.open());
    auto bob = Peer::make(a.ctx, 1);
    QVERIFY(a.trust->processBundles(bundlesOf("bob", {&bob}), nullptr));
    const auto before = a.trust->safetyNumber("bob").value().digits;
    // A message waits in the outbox; then the relay lists a device of Bob's nobody approved.
    proto::JournalRecord rec;
    rec.set_message_id(journal::newMessageId(1));
    rec.set_conversation_id("c1");
    QVERIFY(a.outbox->add(rec));
    auto rows = a.outbox->window(10).value();
    QVERIFY(a.outbox->hold(rows.front().seq)); // what the send pipeline does for a held user
    auto stranger = Peer::make(a.ctx, 2);
    std::set<std::string> changed;
    QVERIFY(a.trust->processBundles(bundlesOf("bob", {&bob, &stranger}), &changed));
    QCOMPARE(changed, (std::set<std::string>{"bob"}));
    QCOMPARE(a.trust->userHeld("bob").value(), true);
    auto now = a.trust->safetyNumber("bob").value();
    QVERIFY(now.changed);
    QVERIFY(now.digits != before);
    QCOMPARE(now.devices, std::size_t(2));
    // Seen again: still one change, not announced twice.
    changed.clear();
    QVERIFY(a.trust->processBundles(bundlesOf("bob", {&bob, &stranger}), &changed));
    QVERIFY(changed.empty());
    // The user compares and accepts: nothing held any more, the message is offered again.
    QVERIFY(a.trust->accept("bob"));
    QCOMPARE(a.trust->userHeld("bob").value(), false);
    QCOMPARE(a.outbox->sendable().value(), std::size_t(1));
    QVERIFY(!a.trust->safetyNumber("bob").value().changed);
}

void TestContactTrust::twoUnapprovedDevicesAtFirstContactAreAlreadyAChange() {
    Alice a;
    QVERIFY(a.open());
    auto first = Peer::make(a.ctx, 1), second = Peer::make(a.ctx, 2);
    std::set<std::string> changed;
    QVERIFY(a.trust->processBundles(bundlesOf("bob", {&first, &second}), &changed));
    QCOMPARE(changed, (std::set<std::string>{"bob"}));
    QCOMPARE(a.trust->userHeld("bob").value(), true);
    a.trust->markChanged("carol");
    QCOMPARE(a.trust->userHeld("carol").value(), true);
}

QTEST_GUILESS_MAIN(TestContactTrust)
#include "tst_contact_trust.moc"
