// The message store on its own (client/core/MessageStore.h): a real SQLCipher database with the
// client schema, no relay. Records are applied as the receive path applies them; the checks are
// what the chat screens and verbatim-cli read back.
#include <QTemporaryDir>
#include <QtTest>

#include <functional>

#include "client/core/Emoji.h"
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

/// Alice's message store in a fresh database, with conversation "c1" of `members` and what
/// `more` adds to it (a title, names); `store` is null when any of it failed.
struct StoreWithConversation {
    QTemporaryDir dir;
    std::unique_ptr<storage::Database> db;
    std::unique_ptr<MessageStore> store;

    explicit StoreWithConversation(std::initializer_list<const char*> members,
                                   const std::function<void(proto::Conversation&)>& more = {})
        : db(openDb(dir)) {
        if (!db) return;
        auto s = std::make_unique<MessageStore>(*db, dir.path().toStdString(), "alice");
        proto::Conversation c;
        c.set_id("c1");
        for (const char* m : members)
            c.add_members(m);
        if (more) more(c);
        if (s->upsertConversation(c)) store = std::move(s);
    }
};

/// Conversation "Estate of Doe", a matter.
void estateMatter(proto::Conversation& c) {
    c.set_title("Estate of Doe");
    c.set_is_matter(true);
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
    void receiptsGiveEachRecipientDeviceItsDeliveredAndReadTimes();
    void oneEmojiIsAReactionAnythingElseIsNot();
    void reactionsAreOneEmojiPerUserReplacedRemovedOrRefused();
    void conversationsCountUnreadAndResolveByIdOrTitle();
    void processedIdsAreRemembered();
    void voiceNoteHintsAreClampedWhenRead();
};

void TestMessageStore::appliedMessagesReadBackOldestFirstWithNamesAndPaging() {
    StoreWithConversation f({"alice", "carol"}, [](proto::Conversation& c) {
        estateMatter(c);
        c.add_member_names("Alice Adams");
        c.add_member_names("Carol Client");
        c.add_member_roles(proto::ROLE_LAWYER);
        c.add_member_roles(proto::ROLE_CLIENT);
    });
    QVERIFY(f.store);
    auto& store = *f.store;
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
    StoreWithConversation f{"alice", "bob", "carol"};
    QVERIFY(f.store);
    auto& store = *f.store;
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

// Issue 23, message info: each device an own message went to gets the server time of the first
// delivered and read receipt of that device covering it; a later receipt changes nothing, a read
// receipt sets delivered too, and a receipt for older messages does not reach newer ones. This
// device itself is not listed.
void TestMessageStore::receiptsGiveEachRecipientDeviceItsDeliveredAndReadTimes() {
    StoreWithConversation f({"alice", "bob", "carol"}, [](proto::Conversation& c) {
        for (const char* name : {"Alice Adams", "Bob Baker", "Carol Client"})
            c.add_member_names(name);
    });
    QVERIFY(f.store);
    auto& store = *f.store;
    auto addRecipient = [](proto::JournalRecord& r, const char* user, std::uint32_t device) {
        auto* d = r.add_recipients();
        d->set_user(user);
        d->set_device(device);
    };
    auto first = record("c1", "alice", proto::TEXT, "first");
    auto second = record("c1", "alice", proto::TEXT, "second");
    for (auto* r : {&first, &second}) {
        addRecipient(*r, "bob", 1);
        addRecipient(*r, "bob", 2);
        addRecipient(*r, "carol", 1);
        addRecipient(*r, "alice", 1); // the sending device itself: never listed
    }
    QVERIFY(store.insert(first, MessageKind::Text, true, MessageState::Queued, 0, 0, "first"));
    QVERIFY(store.markSent(first.message_id(), 1000, 1));
    QVERIFY(store.recordRecipients(first, 1000));
    auto receipt = [&](const char* user, std::uint32_t device, const char* kind,
                       const proto::JournalRecord& ref, std::uint64_t at) {
        auto r = record("c1", user, proto::RECEIPT, kind, ref.message_id());
        r.mutable_sender()->set_device(device);
        std::vector<Event> events;
        return bool(store.apply(r, at, 0, events));
    };
    QVERIFY(receipt("bob", 2, "delivered", first, 1100));
    // The second message is stored by the relay after Bob's second device confirmed the first.
    QVERIFY(store.insert(second, MessageKind::Text, true, MessageState::Queued, 0, 0, "second"));
    QVERIFY(store.markSent(second.message_id(), 1150, 2));
    QVERIFY(store.recordRecipients(second, 1150));
    QVERIFY(receipt("carol", 1, "read", second, 1200)); // covers both
    QVERIFY(receipt("bob", 1, "delivered", second, 1300));
    QVERIFY(receipt("bob", 2, "delivered", second, 1400));
    QVERIFY(receipt("bob", 2, "read", first, 1500));       // the first only
    QVERIFY(receipt("bob", 2, "delivered", second, 1600)); // again: no change
    using Row = std::tuple<std::string, std::string, std::uint32_t, std::uint64_t, std::uint64_t>;
    auto rows = [&](const proto::JournalRecord& m) {
        std::vector<Row> out;
        auto r = store.recipients(m.message_id(), 1);
        if (!r) return out;
        for (const auto& x : *r)
            out.emplace_back(x.user, x.displayName, x.device, x.deliveredMs, x.readMs);
        return out;
    };
    QCOMPARE(rows(first), (std::vector<Row>{{"bob", "Bob Baker", 1, 1300, 0},
                                            {"bob", "Bob Baker", 2, 1100, 1500},
                                            {"carol", "Carol Client", 1, 1200, 1200}}));
    QCOMPARE(rows(second), (std::vector<Row>{{"bob", "Bob Baker", 1, 1300, 0},
                                             {"bob", "Bob Baker", 2, 1400, 0},
                                             {"carol", "Carol Client", 1, 1200, 1200}}));
    // A message sent from another of Alice's devices lists this one's siblings, not itself.
    auto other = record("c1", "alice", proto::TEXT, "from the phone");
    other.mutable_sender()->set_device(2);
    addRecipient(other, "alice", 1);
    addRecipient(other, "carol", 1);
    std::vector<Event> events;
    QVERIFY(store.apply(other, 1700, 3, events));
    QCOMPARE(rows(other), (std::vector<Row>{{"carol", "Carol Client", 1, 0, 0}}));
    // Someone else's message has no recipients here.
    auto theirs = record("c1", "carol", proto::TEXT, "hello");
    addRecipient(theirs, "alice", 1);
    QVERIFY(store.apply(theirs, 1800, 4, events));
    QVERIFY(rows(theirs).empty());
}

// Issue 23: what a reaction may be (client/core/Emoji.h).
void TestMessageStore::oneEmojiIsAReactionAnythingElseIsNot() {
    for (const char* ok : {
             "\u2714",                                                     // heavy check mark
             "\u2764",                                                     // heart, text style
             "\u2764\ufe0f",                                               // heart, emoji style
             "\U0001F44D",                                                 // thumbs up
             "\U0001F44D\U0001F3FD",                                       // with a skin tone
             "\U0001F468\u200D\U0001F469\u200D\U0001F467\u200D\U0001F466", // family
             "\U0001F3F3\ufe0f\u200D\U0001F308",                           // rainbow flag
             "\U0001F1E9\U0001F1EA",                                       // flag: DE
             "\U0001F3F4\U000E0067\U000E0062\U000E0073\U000E0063\U000E0074\U000E007F", // Scotland
             "1\ufe0f\u20E3",                                                          // keycap 1
             "\u00A9\ufe0f", // copyright sign
         })
        QVERIFY2(client::isSingleEmoji(ok), ok);
    const std::string kilobyte(1024, 'a');
    std::string manyHearts;
    for (int i = 0; i < 20; ++i)
        manyHearts += "\u2764";
    for (const std::string& bad : std::vector<std::string>{
             "",
             "a",
             "1",
             "ok",
             " \U0001F44D",
             "\U0001F44D ",
             "\U0001F44D\U0001F44D",           // two emoji
             "\u2764\u2764",                   // two hearts
             "\u202E\U0001F44D",               // right-to-left override before it
             "\U0001F44D\u202E",               // and after it
             "\u2066\U0001F44D\u2069",         // isolated
             "\U0001F44D\u200D",               // a dangling joiner
             "\u200D\U0001F44D",               //
             "\U0001F1E9",                     // half a flag
             "\U0001F1E9\U0001F1EA\U0001F1EB", // a flag and a half
             "\U0001F3FD",                     // a skin tone alone
             "<b>\U0001F44D</b>",              // markup
             "\U0001F44D\u0301",               // a combining mark
             std::string("\xF0\x9F\x91", 3),   // cut UTF-8
             std::string("\xC0\xAF", 2),       // overlong
             kilobyte,
             manyHearts,
             "\U0001F468\u200D\U0001F468\u200D\U0001F468\u200D\U0001F468\u200D\U0001F468"
             "\u200D\U0001F468\u200D\U0001F468\u200D\U0001F468", // 8 joined: too many
         })
        QVERIFY2(!client::isSingleEmoji(bad), toHex(view(bad)).c_str());
}

// Issue 23: one reaction per user and message, replaced by a new pick and removed by an empty
// one; a receiver drops what is not exactly one emoji (a modified client's text, two emoji, an
// override, a kilobyte) and keeps the reaction it had.
void TestMessageStore::reactionsAreOneEmojiPerUserReplacedRemovedOrRefused() {
    QTemporaryDir dir;
    auto db = openDb(dir);
    QVERIFY(db);
    MessageStore store(*db, dir.path().toStdString(), "alice");
    std::vector<Event> events;
    auto msg = record("c1", "alice", proto::TEXT, "the draft is attached");
    QVERIFY(store.apply(msg, 100, 1, events));
    auto reactions = [&] {
        auto m = store.message(hex(msg.message_id()));
        return m && *m ? (*m)->reactions : std::vector<std::pair<std::string, std::string>>{};
    };
    using R = std::vector<std::pair<std::string, std::string>>;
    QVERIFY(store.apply(record("c1", "carol", proto::REACTION, "\U0001F44D", msg.message_id()), 200,
                        2, events));
    QVERIFY(store.apply(record("c1", "bob", proto::REACTION, "\u2764\ufe0f", msg.message_id()), 210,
                        3, events));
    QCOMPARE(reactions(), (R{{"bob", "\u2764\ufe0f"}, {"carol", "\U0001F44D"}}));
    QVERIFY(store.apply(record("c1", "carol", proto::REACTION, "\U0001F389", msg.message_id()), 300,
                        4, events));
    QCOMPARE(reactions(), (R{{"bob", "\u2764\ufe0f"}, {"carol", "\U0001F389"}}));
    const std::size_t before = events.size();
    for (const std::string& hostile :
         {std::string("\U0001F44D\U0001F44E"), std::string(1024, 'x'),
          std::string("\u202E\U0001F44D"), std::string("<img src=http://x/>")})
        QVERIFY(store.apply(record("c1", "carol", proto::REACTION, hostile, msg.message_id()), 400,
                            5, events));
    QCOMPARE(events.size(), before); // nothing for the screen to hear
    QCOMPARE(reactions(), (R{{"bob", "\u2764\ufe0f"}, {"carol", "\U0001F389"}}));
    QVERIFY(
        store.apply(record("c1", "carol", proto::REACTION, "", msg.message_id()), 500, 6, events));
    QCOMPARE(reactions(), (R{{"bob", "\u2764\ufe0f"}}));
}

void TestMessageStore::conversationsCountUnreadAndResolveByIdOrTitle() {
    StoreWithConversation f({"alice"}, estateMatter);
    QVERIFY(f.store);
    auto& store = *f.store;
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

// Issue 23, C-VOICE-1: a modified client's voice note claims 49 days and a 100 KiB waveform; the
// store hands out at most 15 minutes and 256 bytes, so nothing downstream sizes anything by them.
void TestMessageStore::voiceNoteHintsAreClampedWhenRead() {
    StoreWithConversation f{"alice", "bob"};
    QVERIFY(f.store);
    auto& store = *f.store;
    auto note = record("c1", "bob", proto::ATTACHMENT, "");
    auto* a = note.add_attachments();
    a->set_blob_id(std::string(32, '\x01'));
    a->set_file_name("Voice note.ogg");
    a->set_mime_type("audio/ogg");
    a->set_size(1000);
    a->set_duration_ms(0xffffffffu);
    a->set_waveform(std::string(100 * 1024, '\x7f'));
    auto honest = record("c1", "bob", proto::ATTACHMENT, "");
    *honest.add_attachments() = *a;
    honest.mutable_attachments(0)->set_duration_ms(4200);
    honest.mutable_attachments(0)->set_waveform(std::string(64, '\x10'));
    std::vector<Event> events;
    QVERIFY(store.apply(note, 1000, 1, events));
    QVERIFY(store.apply(honest, 1001, 2, events));
    auto shown = store.message(hex(note.message_id()));
    QVERIFY(shown && *shown);
    QCOMPARE((*shown)->attachments.size(), std::size_t(1));
    QCOMPARE((*shown)->attachments[0].durationMs, std::uint32_t(15 * 60 * 1000));
    QCOMPARE((*shown)->attachments[0].waveform.size(), std::size_t(256));
    auto kept = store.message(hex(honest.message_id()));
    QVERIFY(kept && *kept);
    QCOMPARE((*kept)->attachments[0].durationMs, 4200u); // an honest one as sent
    QCOMPARE((*kept)->attachments[0].waveform, std::string(64, '\x10'));
}

QTEST_GUILESS_MAIN(TestMessageStore)
#include "tst_message_store.moc"
