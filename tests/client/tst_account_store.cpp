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

QTEST_GUILESS_MAIN(TestAccountStore)
#include "tst_account_store.moc"
