// The receiver on its own (client/core/Receiver.h): Alice's profile database with a real Signal
// store, Bob's device as key material made here, and envelopes built as the relay delivers them,
// with no relay. ES-08 (a message that does not open its commitment is withheld and reported),
// the journal copy check, at-least-once delivery, and CF-05 (a receive the disk refuses leaves
// nothing behind, not even the session's step, and succeeds when delivered again).
#include <QTemporaryDir>
#include <QtTest>

#include "client/core/BundleConversion.h"
#include "client/core/Profile.h"
#include "client/core/Receiver.h"
#include "crypto/Random.h"
#include "journal/Commitment.h"
#include "journal/JournalCrypto.h"
#include "journal/SealedEntry.h"
#include "signal/InMemoryProtocolStore.h"
#include "signal/SqlProtocolStore.h"

using namespace verbatim;
using namespace verbatim::client;

namespace {

std::string str(ByteView b) {
    return std::string(b.begin(), b.end());
}

struct Report {
    std::string rawMessageId, fields;
};

struct Alice {
    QTemporaryDir dir;
    std::shared_ptr<signal::SignalContext> ctx;
    std::unique_ptr<storage::Database> db;
    std::unique_ptr<signal::SqlProtocolStore> store;
    std::unique_ptr<signal::SessionManager> sessions;
    std::unique_ptr<AccountStore> accounts;
    std::unique_ptr<Outbox> outbox;
    std::unique_ptr<MessageStore> messages;
    std::unique_ptr<ContactTrust> trust;
    std::unique_ptr<Receiver> receiver;
    std::vector<std::uint64_t> acked;
    std::vector<Report> reports;
    Result<void> journalCopy; ///< what the journal copy check answers
    proto::DeviceBundle bundle;
    bool open() {
        ctx = *signal::SignalContext::create();
        auto key = crypto::randomSecret(32);
        auto d = storage::Database::open((dir.path() + "/alice.db").toStdString(), key);
        if (!d || !migrateClientSchema(**d)) return false;
        db = std::move(*d);
        auto id = *signal::SessionManager::generateIdentity(*ctx);
        bundle.set_identity_key(str(id.publicKey));
        store = std::move(*signal::SqlProtocolStore::open(*db, &id, 4321));
        sessions = std::move(*signal::SessionManager::create(ctx, *store));
        auto spk = *sessions->generateSignedPreKey(1);
        auto pks = *sessions->generatePreKeys(1, 1);
        bundle.set_device(1);
        bundle.set_registration_id(4321);
        bundle.mutable_signed_pre_key()->set_id(spk.id);
        bundle.mutable_signed_pre_key()->set_public_key(str(spk.publicKey));
        bundle.mutable_signed_pre_key()->set_signature(str(spk.signature));
        bundle.mutable_pre_key()->set_id(pks[0].id);
        bundle.mutable_pre_key()->set_public_key(str(pks[0].publicKey));
        accounts = std::make_unique<AccountStore>(*db);
        outbox = std::make_unique<Outbox>(*db);
        messages = std::make_unique<MessageStore>(*db, dir.path().toStdString(), "alice");
        trust = std::make_unique<ContactTrust>(*db, *ctx, *sessions, *accounts, *outbox, "alice", 1,
                                               [](const Event&) {});
        Receiver::Hooks hooks;
        hooks.acknowledge = [this](std::uint64_t q) { acked.push_back(q); };
        hooks.reportMismatch = [this](const std::string&, const std::string& id, const std::string&,
                                      std::uint64_t, const std::string& fields) {
            reports.push_back({id, fields});
        };
        hooks.checkJournalCopy = [this](const proto::JournalRecord&, const proto::Envelope&) {
            return journalCopy;
        };
        receiver = std::make_unique<Receiver>(*db, *sessions, *messages, *trust, "alice",
                                              std::move(hooks));
        return true;
    }
};

struct Bob {
    std::unique_ptr<signal::InMemoryProtocolStore> store;
    std::unique_ptr<signal::SessionManager> sessions;
    std::uint64_t queue = 100, clock = 1'764'300'000'000ULL;
    bool open(const std::shared_ptr<signal::SignalContext>& ctx, const proto::DeviceBundle& alice) {
        auto id = *signal::SessionManager::generateIdentity(*ctx);
        store = std::make_unique<signal::InMemoryProtocolStore>(std::move(id), 99);
        sessions = std::move(*signal::SessionManager::create(ctx, *store));
        return bool(sessions->processBundle({"alice", 1}, toPreKeyBundle(alice)));
    }
    /// An envelope of a text from Bob, as the relay delivers it; `shape` may alter it afterwards.
    proto::Envelope text(const std::string& body, proto::JournalRecord* out = nullptr) {
        proto::JournalRecord rec;
        rec.set_version(2);
        rec.set_message_id(journal::newMessageId(++clock));
        rec.set_conversation_id("c1");
        rec.mutable_sender()->set_user("bob");
        rec.mutable_sender()->set_device(1);
        rec.set_client_time_ms(clock);
        rec.set_type(proto::TEXT);
        rec.set_body(body);
        rec.set_commit_key(str(crypto::randomBytes(32)));
        auto ct = *sessions->encrypt({"alice", 1}, view(rec.SerializeAsString()));
        auto commitment =
            *journal::computeCommitment(view(rec.commit_key()), journal::commitContentOf(rec));
        proto::Envelope e;
        e.set_queue_id(++queue);
        e.set_message_id(rec.message_id());
        e.set_conversation_id("c1");
        e.mutable_sender()->set_user("bob");
        e.mutable_sender()->set_device(1);
        e.set_type(std::uint32_t(ct.type));
        e.set_body(str(ct.body));
        e.set_commitment(str(ByteView(commitment.data(), commitment.size())));
        e.set_server_time_ms(clock + 5);
        e.set_journal_sequence(queue);
        if (out) *out = rec;
        return e;
    }
};

std::string hex(const std::string& raw) {
    return toHex(view(raw));
}

} // namespace

class TestReceiver : public QObject {
    Q_OBJECT
private slots:
    void storesOnceAcknowledgesAfterAndDuplicatesAreOnlyAcknowledged();
    void aMessageThatDoesNotOpenItsCommitmentIsWithheldAndReported();
    void aJournalCopyThatIsNotTheMessageIsWithheldAndReported();
    void aPayloadThatContradictsItsEnvelopeIsDropped();
    void aReceiveTheDiskRefusesLeavesNothingAndSucceedsWhenDeliveredAgain();
};

void TestReceiver::storesOnceAcknowledgesAfterAndDuplicatesAreOnlyAcknowledged() {
    Alice a;
    Bob b;
    QVERIFY(a.open() && b.open(a.ctx, a.bundle));
    proto::JournalRecord rec;
    auto e = b.text("hello Alice", &rec);
    auto got = a.receiver->receive(e);
    QCOMPARE(int(got.outcome), int(Receiver::Outcome::Stored));
    QCOMPARE(a.acked, (std::vector<std::uint64_t>{e.queue_id()}));
    QVERIFY(got.wantsDeliveryReceipt);
    QCOMPARE(got.rawMessageId, rec.message_id());
    QVERIFY(!got.events.empty());
    QCOMPARE(int(got.events.back().kind), int(Event::Kind::Message));
    auto m = a.messages->message(hex(rec.message_id()));
    QVERIFY(m && *m);
    QCOMPARE((*m)->body, std::string("hello Alice"));
    QCOMPARE((*m)->journalSequence, e.journal_sequence());
    // Delivered again (the acknowledgement was lost): acknowledged, nothing stored twice.
    got = a.receiver->receive(e);
    QCOMPARE(int(got.outcome), int(Receiver::Outcome::Handled));
    QVERIFY(got.events.empty());
    QCOMPARE(a.acked.size(), std::size_t(2));
    QCOMPARE(a.messages->history("c1", 10, 0).value().size(), std::size_t(1));
}

void TestReceiver::aMessageThatDoesNotOpenItsCommitmentIsWithheldAndReported() {
    Alice a;
    Bob b;
    QVERIFY(a.open() && b.open(a.ctx, a.bundle));
    proto::JournalRecord rec;
    auto e = b.text("what Alice sees", &rec);
    const auto other = crypto::randomBytes(32); // the journal holds something else
    e.set_commitment(str(other));
    auto got = a.receiver->receive(e);
    QCOMPARE(int(got.outcome), int(Receiver::Outcome::Handled));
    QCOMPARE(a.acked.size(), std::size_t(1));
    QCOMPARE(got.events.size(), std::size_t(1));
    QCOMPARE(int(got.events[0].kind), int(Event::Kind::JournalMismatch));
    QCOMPARE(a.reports.size(), std::size_t(1));
    QCOMPARE(a.reports[0].rawMessageId, rec.message_id());
    QVERIFY(a.reports[0].fields.find("received_body_sha256") != std::string::npos);
    QVERIFY(a.reports[0].fields.find("what Alice sees") == std::string::npos); // never content
    auto m = a.messages->message(hex(rec.message_id()));
    QVERIFY(m && *m);
    QCOMPARE(int((*m)->state), int(MessageState::Mismatch));
    QVERIFY((*m)->body.empty());
    QVERIFY(a.messages->search("sees", 10).value().empty());
}

void TestReceiver::aJournalCopyThatIsNotTheMessageIsWithheldAndReported() {
    Alice a;
    Bob b;
    QVERIFY(a.open() && b.open(a.ctx, a.bundle));
    a.journalCopy =
        fail(ErrorCode::Crypto, "journal copy", int(journal::Fault::CommitmentMismatch));
    proto::JournalRecord rec;
    auto got = a.receiver->receive(b.text("shown to Alice only", &rec));
    QCOMPARE(int(got.outcome), int(Receiver::Outcome::Handled));
    QCOMPARE(a.reports.size(), std::size_t(1));
    QVERIFY(a.reports[0].fields.find("journal_copy") != std::string::npos);
    QCOMPARE(int(a.messages->message(hex(rec.message_id())).value().value().state),
             int(MessageState::Mismatch));
}

void TestReceiver::aPayloadThatContradictsItsEnvelopeIsDropped() {
    Alice a;
    Bob b;
    QVERIFY(a.open() && b.open(a.ctx, a.bundle));
    proto::JournalRecord rec;
    auto e = b.text("meant for c1", &rec);
    e.set_conversation_id("c2"); // the relay files it elsewhere
    auto got = a.receiver->receive(e);
    QCOMPARE(int(got.outcome), int(Receiver::Outcome::Handled));
    QCOMPARE(a.acked.size(), std::size_t(1));
    QCOMPARE(int(got.events.back().kind), int(Event::Kind::Undecryptable));
    QVERIFY(!a.messages->message(hex(rec.message_id())).value().has_value());
    QVERIFY(a.messages->processed(rec.message_id()).value());
}

void TestReceiver::aReceiveTheDiskRefusesLeavesNothingAndSucceedsWhenDeliveredAgain() {
    Alice a;
    Bob b;
    QVERIFY(a.open() && b.open(a.ctx, a.bundle));
    QVERIFY(a.receiver->receive(b.text("first")).outcome == Receiver::Outcome::Stored);
    proto::JournalRecord rec;
    auto e = b.text(std::string(20000, 'x'), &rec); // needs new pages
    auto pages = a.db->prepare("PRAGMA page_count");
    QVERIFY(pages && pages->step().value());
    const auto count = pages->columnInt(0);
    pages->reset();
    QVERIFY(a.db->exec("PRAGMA max_page_count = " + std::to_string(count)));
    auto got = a.receiver->receive(e);
    QCOMPARE(int(got.outcome), int(Receiver::Outcome::StorageTrouble));
    QCOMPARE(a.acked.size(), std::size_t(1)); // not this one
    QVERIFY(got.events.empty());
    QVERIFY(!a.messages->message(hex(rec.message_id())).value().has_value());
    // Room again: the same envelope decrypts (the session step was rolled back) and is stored.
    QVERIFY(a.db->exec("PRAGMA max_page_count = 1073741823"));
    got = a.receiver->receive(e);
    QCOMPARE(int(got.outcome), int(Receiver::Outcome::Stored));
    QCOMPARE(a.messages->message(hex(rec.message_id())).value().value().body.size(),
             std::size_t(20000));
}

QTEST_GUILESS_MAIN(TestReceiver)
#include "tst_receiver.moc"
