// The account store and the outbox on their own (client/core/AccountStore.h, Outbox.h): a real
// SQLCipher database with the client schema, no relay.
#include <QTemporaryDir>
#include <QtTest>

#include "client/core/AccountStore.h"
#include "client/core/Outbox.h"
#include "client/core/Profile.h"
#include "crypto/Random.h"
#include "journal/SealedEntry.h"

using namespace verbatim;
using namespace verbatim::client;

namespace {

std::unique_ptr<storage::Database> openDb(const QTemporaryDir& dir) {
    auto key = crypto::randomSecret(32);
    auto db = storage::Database::open((dir.path() + "/store.db").toStdString(), key);
    if (!db || !migrateClientSchema(**db)) return nullptr;
    return std::move(*db);
}

proto::JournalRecord record(const std::string& conversation, const std::string& body) {
    static std::uint64_t clock = 1'764'300'000'000ULL;
    proto::JournalRecord r;
    r.set_message_id(journal::newMessageId(++clock));
    r.set_conversation_id(conversation);
    r.set_type(proto::TEXT);
    r.set_body(body);
    return r;
}

} // namespace

class TestAccountStore : public QObject {
    Q_OBJECT
private slots:
    void loadsWhatJoinStoredAndRefusesAnUnfinishedJoin();
    void linkSecretsExpireAndAreWipedFromTheListWhenUsed();
    void theJournalChainAdvancesOnlyByAcknowledgedEntries();
    void outboxKeepsOrderHoldsAndReleases();
    void outboxKeepsWhatWasSentForARestore();
};

void TestAccountStore::loadsWhatJoinStoredAndRefusesAnUnfinishedJoin() {
    QTemporaryDir dir;
    auto db = openDb(dir);
    QVERIFY(db);
    AccountStore store(*db);
    auto none = store.load();
    QVERIFY(!none);
    QCOMPARE(int(none.error().code), int(ErrorCode::NotFound));
    for (auto [k, v] : std::initializer_list<std::pair<const char*, const char*>>{
             {"user", "alice"},
             {"device", "3"},
             {"display_name", "Alice Adams"},
             {"role", "lawyer"},
             {"relay", "relay.example:8443"},
             {"firm", "ab12"},
             {"tls_pin", "cd34"},
             {"notice_required", "1"},
             {"secret", "0123456789abcdef0123456789abcdef"},
             {"manifest", "bytes"}})
        QVERIFY(store.set(k, view(std::string_view(v))));
    auto loaded = store.load();
    QVERIFY(loaded);
    QCOMPARE(loaded->account.user, std::string("alice"));
    QCOMPARE(loaded->account.device, std::uint32_t(3));
    QVERIFY(loaded->account.noticeRequired);
    QVERIFY(!loaded->account.noticeAccepted);
    QCOMPARE(loaded->endpoint.host, std::string("relay.example"));
    QCOMPARE(loaded->endpoint.port, std::uint16_t(8443));
    QCOMPARE(loaded->endpoint.tlsPin, std::string("cd34"));
    QCOMPARE(loaded->credentials.secret.size(), std::size_t(32));
    QCOMPARE(loaded->manifest, std::string("bytes"));
    QVERIFY(store.set("notice_accepted_ms", view(std::string_view("5"))));
    QVERIFY(store.load()->account.noticeAccepted);
    QVERIFY(store.remove("notice_accepted_ms"));
    QVERIFY(!store.load()->account.noticeAccepted);
    QCOMPARE(store.text("missing"), std::string());
}

void TestAccountStore::linkSecretsExpireAndAreWipedFromTheListWhenUsed() {
    QTemporaryDir dir;
    auto db = openDb(dir);
    QVERIFY(db);
    AccountStore store(*db);
    const auto a = crypto::randomSecret(32), b = crypto::randomSecret(32);
    QVERIFY(store.rememberLinkSecret(a, 1000, 0));
    QVERIFY(store.rememberLinkSecret(b, 2000, 0));
    QCOMPARE(store.linkSecrets(500).size(), std::size_t(2));
    auto later = store.linkSecrets(1500); // a expired
    QCOMPARE(later.size(), std::size_t(1));
    QVERIFY(later.front().secret == b);
    later.clear(); // b used: single use
    QVERIFY(store.storeLinkSecrets(later));
    QCOMPARE(store.linkSecrets(0).size(), std::size_t(0));
}

void TestAccountStore::theJournalChainAdvancesOnlyByAcknowledgedEntries() {
    QTemporaryDir dir;
    auto db = openDb(dir);
    QVERIFY(db);
    AccountStore store(*db);
    auto empty = store.deviceChain();
    QVERIFY(empty);
    QCOMPARE(empty->acked, std::uint64_t(0));
    const std::string first = journal::newMessageId(1), second = journal::newMessageId(2);
    QVERIFY(store.advanceDeviceChain(view(first)));
    QVERIFY(store.advanceDeviceChain(view(second)));
    auto chain = store.deviceChain();
    QVERIFY(chain);
    QCOMPARE(chain->acked, std::uint64_t(2));
    QVERIFY(chain->head == empty->next(view(first)).next(view(second)).head);
    QVERIFY(store.set("journal_chain_head", view(std::string_view("short"))));
    QVERIFY(!store.deviceChain()); // a damaged head is an error, never a fresh chain
}

void TestAccountStore::outboxKeepsOrderHoldsAndReleases() {
    QTemporaryDir dir;
    auto db = openDb(dir);
    QVERIFY(db);
    Outbox outbox(*db);
    for (int i = 0; i < 4; ++i)
        QVERIFY(outbox.add(record(i % 2 ? "c2" : "c1", "m" + std::to_string(i))));
    auto rows = outbox.window(3);
    QVERIFY(rows && rows->size() == 3);
    QCOMPARE((*rows)[0].record.body(), std::string("m0"));
    QCOMPARE((*rows)[1].conversation, std::string("c2"));
    QVERIFY((*rows)[0].seq < (*rows)[1].seq);
    QVERIFY(outbox.hold((*rows)[0].seq));
    QVERIFY(outbox.remove((*rows)[1].seq));
    QVERIFY(outbox.countAttempt((*rows)[2].seq));
    QCOMPARE(outbox.sendable().value(), std::size_t(2));
    rows = outbox.window(10);
    QVERIFY(rows && rows->size() == 2);
    QCOMPARE(rows->front().record.body(), std::string("m2")); // the held one is not offered
    QVERIFY(outbox.releaseHeld());
    rows = outbox.window(10);
    QVERIFY(rows && rows->size() == 3);
    QCOMPARE(rows->front().record.body(), std::string("m0")); // back, in its place
}

// C-RESTORE-1: what the relay acknowledged is kept with its journal sequence and the chain before
// it, so that what a restored relay lost can be queued again, ahead of what waits, and the chain
// put back to where the restored journal ends; old records fall away after 30 days.
void TestAccountStore::outboxKeepsWhatWasSentForARestore() {
    QTemporaryDir dir;
    auto db = openDb(dir);
    QVERIFY(db);
    AccountStore accounts(*db);
    Outbox outbox(*db);
    const std::uint64_t now = 1'764'300'000'000ULL;
    std::vector<proto::JournalRecord> sent;
    std::vector<journal::DeviceChain> chains;
    for (int i = 0; i < 4; ++i) {
        sent.push_back(record("c1", "s" + std::to_string(i)));
        auto before = accounts.deviceChain();
        QVERIFY(before);
        chains.push_back(*before);
        QVERIFY(outbox.recordSent(sent.back(), std::uint64_t(10 + i), *before, now));
        QVERIFY(accounts.advanceDeviceChain(view(sent.back().message_id())));
    }
    // A restore to journal sequence 11: the last two were lost, in acknowledgement order.
    auto lost = outbox.sentAfter(11);
    QVERIFY(lost && lost->size() == 2);
    QCOMPARE((*lost)[0].record.body(), std::string("s2"));
    QCOMPARE((*lost)[1].record.body(), std::string("s3"));
    QCOMPARE((*lost)[0].journalSequence, std::uint64_t(12));
    QCOMPARE((*lost)[0].chainBefore.acked, chains[2].acked);
    QVERIFY((*lost)[0].chainBefore.head == chains[2].head);
    QVERIFY(accounts.setDeviceChain((*lost)[0].chainBefore));
    auto rewound = accounts.deviceChain();
    QVERIFY(rewound && rewound->acked == 2 && rewound->head == chains[2].head);
    // Queued again ahead of what waits; a record already queued stays where it is.
    QVERIFY(outbox.add(record("c1", "waiting")));
    QVERIFY(outbox.requeueFirst({(*lost)[0].record, (*lost)[1].record}));
    QVERIFY(outbox.requeueFirst({(*lost)[1].record}));
    auto rows = outbox.window(10);
    QVERIFY(rows && rows->size() == 3);
    QCOMPARE((*rows)[0].record.body(), std::string("s2"));
    QCOMPARE((*rows)[1].record.body(), std::string("s3"));
    QCOMPARE((*rows)[2].record.body(), std::string("waiting"));
    // Acknowledged again: the new sequence replaces the old.
    QVERIFY(outbox.recordSent((*lost)[0].record, 20, *rewound, now));
    auto after = outbox.sentAfter(19);
    QVERIFY(after && after->size() == 1 && (*after)[0].record.body() == "s2");
    // Thirty days on, the next acknowledgement forgets what is older.
    QVERIFY(outbox.anySent().value());
    QVERIFY(
        outbox.recordSent(record("c1", "later"), 30, *rewound, now + Outbox::kSentRetentionMs + 1));
    auto kept = outbox.sentAfter(0);
    QVERIFY(kept && kept->size() == 1 && (*kept)[0].record.body() == "later");
}

QTEST_GUILESS_MAIN(TestAccountStore)
#include "tst_account_store.moc"
