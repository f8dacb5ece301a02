// The message store on its own (client/core/MessageStore.h): a real SQLCipher database with the
// client schema, no relay. Records are applied as the receive path applies them; the checks are
// what the chat screens and verbatim-cli read back.
#include <QTemporaryDir>
#include <QtTest>

#include "client/core/MessageStore.h"
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

std::uint64_t g_clock = 1'764'300'000'000ULL;

proto::JournalRecord record(const std::string& conversation, const std::string& user,
                            proto::MessageType type, const std::string& body,
                            const std::string& ref = {}) {
    proto::JournalRecord r;
    r.set_version(2);
    r.set_message_id(journal::newMessageId(++g_clock));
    r.set_conversation_id(conversation);
    r.mutable_sender()->set_user(user);
    r.mutable_sender()->set_device(1);
    r.set_client_time_ms(g_clock);
    r.set_type(type);
    r.set_body(body);
    if (!ref.empty()) r.set_ref_message_id(ref);
    return r;
}

std::string hex(const std::string& raw) {
    return toHex(view(raw));
}

} // namespace

class TestMessageStore : public QObject {
    Q_OBJECT
private slots:
    void appliedMessagesReadBackOldestFirstWithNamesAndPaging();
    void onlyTheAuthorEditsAndARetractionLeavesNoText();
    void aRetractionFromAnotherUserIsIgnored();
    void searchTakesUserInputAsWordsNeverAsFtsSyntax();
    void receiptsOfEveryOtherMemberMakeOwnMessagesDeliveredThenRead();
    void conversationsCountUnreadAndResolveByIdOrTitle();
    void processedIdsAreRemembered();
};

void TestMessageStore::appliedMessagesReadBackOldestFirstWithNamesAndPaging() {
    QTemporaryDir dir;
    auto db = openDb(dir);
    QVERIFY(db);
    MessageStore store(*db, dir.path().toStdString(), "alice");
    proto::Conversation c;
    c.set_id("c1");
    c.set_title("Estate of Doe");
    c.set_is_matter(true);
    c.add_members("alice");
    c.add_members("carol");
    c.add_member_names("Alice Adams");
    c.add_member_names("Carol Client");
    c.add_member_roles(proto::ROLE_LAWYER);
    c.add_member_roles(proto::ROLE_CLIENT);
    QVERIFY(store.upsertConversation(c));
    QCOMPARE(store.members("c1"), (std::vector<std::string>{"alice", "carol"}));
    std::vector<Event> events;
    for (int i = 0; i < 5; ++i) {
        auto r = record("c1", "carol", proto::TEXT, "message " + std::to_string(i));
        QVERIFY(store.apply(r, g_clock, std::uint64_t(i + 1), events));
    }
    QCOMPARE(events.size(), std::size_t(5));
    QCOMPARE(int(events[0].kind), int(Event::Kind::Message));
    auto all = store.history("c1", 10, 0);
    QVERIFY(all);
    QCOMPARE(all->size(), std::size_t(5));
    QCOMPARE(all->front().body, std::string("message 0"));
    QCOMPARE(all->back().body, std::string("message 4"));
    QCOMPARE(all->back().senderName, std::string("Carol Client"));
    QCOMPARE(all->back().journalSequence, std::uint64_t(5));
    QCOMPARE(int(all->back().state), int(MessageState::Received));
    // Paging: the two before the newest three.
    auto latest = store.history("c1", 3, 0);
    QVERIFY(latest && latest->size() == 3);
    auto older = store.history("c1", 10, latest->front().rowId);
    QVERIFY(older);
    QCOMPARE(older->size(), std::size_t(2));
    QCOMPARE(older->back().body, std::string("message 1"));
}

void TestMessageStore::onlyTheAuthorEditsAndARetractionLeavesNoText() {
    QTemporaryDir dir;
    auto db = openDb(dir);
    QVERIFY(db);
    MessageStore store(*db, dir.path().toStdString(), "alice");
    std::vector<Event> events;
    auto original = record("c1", "carol", proto::TEXT, "the will is in the safe");
    QVERIFY(store.apply(original, g_clock, 1, events));
    // Someone else's edit is ignored.
    QVERIFY(
        store.apply(record("c1", "mallory", proto::EDIT, "the will is gone", original.message_id()),
                    g_clock, 2, events));
    auto m = store.message(hex(original.message_id()));
    QVERIFY(m && *m);
    QCOMPARE((*m)->body, std::string("the will is in the safe"));
    QVERIFY(!(*m)->edited);
    // The author's edit applies.
    QVERIFY(store.apply(
        record("c1", "carol", proto::EDIT, "the will is in the bank", original.message_id()),
        g_clock, 3, events));
    m = store.message(hex(original.message_id()));
    QVERIFY(m && *m && (*m)->edited);
    QCOMPARE((*m)->body, std::string("the will is in the bank"));
    QCOMPARE(int(events.back().kind), int(Event::Kind::Edited));
    // A reaction, then the retraction: no text, no reactions, not found by search.
    QVERIFY(store.apply(record("c1", "alice", proto::REACTION, "👍", original.message_id()), g_clock,
                        4, events));
    QCOMPARE(store.message(hex(original.message_id())).value()->reactions.size(), std::size_t(1));
    QVERIFY(store.apply(record("c1", "carol", proto::RETRACT, "", original.message_id()), g_clock,
                        5, events));
    m = store.message(hex(original.message_id()));
    QVERIFY(m && *m);
    QVERIFY((*m)->retracted);
    QCOMPARE((*m)->retractedBy, std::string("carol"));
    QVERIFY((*m)->body.empty());
    QVERIFY((*m)->reactions.empty());
    QCOMPARE(int(events.back().kind), int(Event::Kind::Retracted));
    QCOMPARE(store.search("bank", 10).value().size(), std::size_t(0));
    // A retracted message is not edited back.
    QVERIFY(store.apply(record("c1", "carol", proto::EDIT, "back again", original.message_id()),
                        g_clock, 6, events));
    QVERIFY(store.message(hex(original.message_id())).value()->body.empty());
}

// C-RECV-3 on the client: a retraction is honoured only from the author's own user (any of
// their devices); another member's, even the local user's, leaves the message as it was.
void TestMessageStore::aRetractionFromAnotherUserIsIgnored() {
    QTemporaryDir dir;
    auto db = openDb(dir);
    QVERIFY(db);
    MessageStore store(*db, dir.path().toStdString(), "alice");
    std::vector<Event> events;
    auto original = record("c1", "carol", proto::TEXT, "settle at 40");
    QVERIFY(store.apply(original, g_clock, 1, events));
    for (const char* other : {"mallory", "alice"}) {
        const auto before = events.size();
        QVERIFY(store.apply(record("c1", other, proto::RETRACT, "", original.message_id()), g_clock,
                            2, events));
        auto m = store.message(hex(original.message_id()));
        QVERIFY(m && *m);
        QVERIFY2(!(*m)->retracted, other);
        QCOMPARE((*m)->body, std::string("settle at 40"));
        QCOMPARE(events.size(), before);
    }
    // The author's other device may.
    auto own = record("c1", "carol", proto::RETRACT, "", original.message_id());
    own.mutable_sender()->set_device(2);
    QVERIFY(store.apply(own, g_clock, 3, events));
    QVERIFY(store.message(hex(original.message_id())).value()->retracted);
}

void TestMessageStore::searchTakesUserInputAsWordsNeverAsFtsSyntax() {
    QCOMPARE(MessageStore::ftsQuery("  estate   doe "), std::string("\"estate\" \"doe\""));
    QCOMPARE(MessageStore::ftsQuery("say \"hi\""), std::string("\"say\" \"\"\"hi\"\"\""));
    QCOMPARE(MessageStore::ftsQuery("   "), std::string());
    QTemporaryDir dir;
    auto db = openDb(dir);
    QVERIFY(db);
    MessageStore store(*db, dir.path().toStdString(), "alice");
    std::vector<Event> events;
    QVERIFY(store.apply(record("c1", "carol", proto::TEXT, "estate of doe: NEAR the end"), g_clock,
                        1, events));
    QVERIFY(store.apply(record("c1", "carol", proto::TEXT, "unrelated"), g_clock, 2, events));
    auto hits = store.search("doe estate", 10);
    QVERIFY(hits);
    QCOMPARE(hits->size(), std::size_t(1));
    // FTS operators and stray quotes are words here, never an error.
    for (const char* q : {"NEAR(", "\"", "doe OR", "* AND -", "col:doe"}) {
        auto r = store.search(q, 10);
        QVERIFY2(r, q);
    }
    QCOMPARE(store.search("NEAR", 10).value().size(), std::size_t(1));
}

void TestMessageStore::receiptsOfEveryOtherMemberMakeOwnMessagesDeliveredThenRead() {
    QTemporaryDir dir;
    auto db = openDb(dir);
    QVERIFY(db);
    MessageStore store(*db, dir.path().toStdString(), "alice");
    proto::Conversation c;
    c.set_id("c1");
    c.add_members("alice");
    c.add_members("bob");
    c.add_members("carol");
    QVERIFY(store.upsertConversation(c));
    auto mine = record("c1", "alice", proto::TEXT, "hello both");
    QVERIFY(store.insert(mine, MessageKind::Text, true, MessageState::Queued, 0, 0, mine.body()));
    QCOMPARE(int(store.message(hex(mine.message_id())).value()->state), int(MessageState::Queued));
    QVERIFY(store.markSent(mine.message_id(), 1000, 7));
    auto stateNow = [&] { return int(store.message(hex(mine.message_id())).value()->state); };
    QCOMPARE(stateNow(), int(MessageState::Sent));
    std::vector<Event> events;
    QVERIFY(store.apply(record("c1", "bob", proto::RECEIPT, "delivered", mine.message_id()), 1100,
                        8, events));
    QCOMPARE(stateNow(), int(MessageState::Sent)); // Carol has not got it yet
    QVERIFY(store.apply(record("c1", "carol", proto::RECEIPT, "read", mine.message_id()), 1200, 9,
                        events));
    QCOMPARE(stateNow(), int(MessageState::Delivered)); // read implies delivered; Bob has not read
    QVERIFY(store.apply(record("c1", "bob", proto::RECEIPT, "read", mine.message_id()), 1300, 10,
                        events));
    QCOMPARE(stateNow(), int(MessageState::Read));
    QCOMPARE(int(events.back().kind), int(Event::Kind::Receipt));
}

void TestMessageStore::conversationsCountUnreadAndResolveByIdOrTitle() {
    QTemporaryDir dir;
    auto db = openDb(dir);
    QVERIFY(db);
    MessageStore store(*db, dir.path().toStdString(), "alice");
    proto::Conversation c;
    c.set_id("c1");
    c.set_title("Estate of Doe");
    c.set_is_matter(true);
    c.add_members("alice");
    QVERIFY(store.upsertConversation(c));
    std::vector<Event> events;
    QVERIFY(store.apply(record("c1", "carol", proto::TEXT, "first"), 100, 1, events));
    QVERIFY(store.apply(record("c1", "carol", proto::TEXT, "second"), 200, 2, events));
    auto list = store.conversations();
    QVERIFY(list && list->size() == 1);
    QCOMPARE(list->front().title, std::string("Estate of Doe"));
    QCOMPARE(list->front().unread, std::uint64_t(2));
    QCOMPARE(list->front().lastMessage, std::string("second"));
    QCOMPARE(list->front().lastTimeMs, std::uint64_t(200));
    QCOMPARE(store.resolveConversation("c1").value(), std::string("c1"));
    QCOMPARE(store.resolveConversation("Estate of Doe").value(), std::string("c1"));
    auto missing = store.resolveConversation("Estate of Roe");
    QVERIFY(!missing);
    QCOMPARE(int(missing.error().code), int(ErrorCode::NotFound));
}

void TestMessageStore::processedIdsAreRemembered() {
    QTemporaryDir dir;
    auto db = openDb(dir);
    QVERIFY(db);
    MessageStore store(*db, dir.path().toStdString(), "alice");
    const std::string id = journal::newMessageId(++g_clock);
    QCOMPARE(store.processed(id).value(), false);
    QVERIFY(store.markProcessed(id));
    QVERIFY(store.markProcessed(id)); // a redelivery is no error
    QCOMPARE(store.processed(id).value(), true);
}

QTEST_GUILESS_MAIN(TestMessageStore)
#include "tst_message_store.moc"
