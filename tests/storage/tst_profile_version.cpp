// Issue 19: a client profile written by a newer release than this one is refused with a clear
// message and never damaged: its database's bytes are the same after the refusal, and the
// newer release (here: the same store with its version put back) still opens it.

#include <QTemporaryDir>
#include <QtTest>

#include <fstream>
#include <sstream>

#include "ClientSchemaHistory.h"
#include "TestKdfCost.h"
#include "client/core/MessageStore.h"
#include "client/core/Outbox.h"
#include "client/core/Profile.h"
#include "crypto/Digest.h"
#include "storage/Database.h"

using namespace verbatim;

namespace {
std::string fileHash(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    std::string s = ss.str();
    return toHex(crypto::sha256(view(s)));
}
const std::string kPassphrase = "correct horse battery staple 19";

std::string textOf(storage::Database& db, const std::string& sql) {
    auto st = db.prepare(sql);
    if (!st) return "error: " + st.error().message;
    auto row = st->step();
    if (!row || !*row) return "no row";
    return st->columnText(0);
}

/// A profile as a release of schema version 1 left it: made with today's key file and
/// encryption, its database rebuilt by the version 1 schema kept in the test tree, with a
/// little of everything a user has (an account, a conversation, a message, a queued record).
/// `extra` runs last (before the version is set).
bool makeVersion1Profile(const client::ProfilePaths& paths, const std::string& extra = {}) {
    auto db = client::createProfile(paths, kPassphrase);
    if (!db) return false;
    auto& d = **db;
    std::vector<std::string> tables;
    {
        auto st = d.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT "
                            "LIKE 'sqlite_%' AND name NOT LIKE 'messages_fts_%'");
        if (!st) return false;
        while (true) {
            auto row = st->step();
            if (!row) return false;
            if (!*row) break;
            tables.push_back(st->columnText(0));
        }
    }
    if (!d.exec("DROP TABLE IF EXISTS messages_fts")) return false;
    for (const auto& t : tables)
        if (t != "messages_fts" && !d.exec("DROP TABLE IF EXISTS \"" + t + "\"")) return false;
    return d.exec("PRAGMA user_version = 0") && d.exec(client::history::kShippedV1) &&
           d.exec("INSERT INTO account (k, v) VALUES ('display_name', CAST('Old Lena' AS BLOB));"
                  "INSERT INTO conversations (id, title, is_matter) VALUES ('c1', 'Old matter', 1);"
                  "INSERT INTO messages (id, conversation, sender_user, sender_device, outgoing, "
                  "kind, body, state) VALUES (x'00112233445566778899aabbccddeeff', 'c1', 'lena', "
                  "1, 1, 0, 'written by the old release', 1);"
                  "INSERT INTO outbox (message, conversation, record) VALUES "
                  "(x'ffeeddccbbaa99887766554433221100', 'c1', x'');") &&
           (extra.empty() || d.exec(extra)) && d.exec("PRAGMA user_version = 1") &&
           d.exec("PRAGMA wal_checkpoint(TRUNCATE)");
}
} // namespace

class TestProfileVersion : public QObject {
    Q_OBJECT
private slots:
    void newerProfileIsRefusedAndNotDamaged() {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        client::ProfilePaths paths{dir.filePath("profile").toStdString()};
        std::int64_t current = 0;
        {
            auto db = client::createProfile(paths, kPassphrase);
            QVERIFY2(db, db ? "" : db.error().message.c_str());
            auto v = (*db)->userVersion();
            QVERIFY(v && *v > 0);
            current = *v;
            // What a newer release would have added, and its version.
            QVERIFY((*db)->exec("CREATE TABLE from_the_future (x); INSERT INTO from_the_future "
                                "VALUES (42); PRAGMA user_version = " +
                                std::to_string(current + 1)));
            QVERIFY((*db)->exec("PRAGMA wal_checkpoint(TRUNCATE)"));
        }
        const std::string before = fileHash(paths.database());
        auto refused = client::openProfile(paths, kPassphrase);
        QVERIFY(!refused);
        QCOMPARE(refused.error().code, ErrorCode::Unsupported);
        QVERIFY2(refused.error().message.find("newer Verbatim release") != std::string::npos,
                 refused.error().message.c_str());
        QVERIFY2(refused.error().message.find("was not changed") != std::string::npos,
                 refused.error().message.c_str());
        QCOMPARE(fileHash(paths.database()), before);
        // The passphrase was right: the refusal is no failed unlock.
        QCOMPARE(client::readUnlockCounter(paths).failures, std::uint32_t(0));
    }

    // Issue 19: a profile written by the previous schema version (1: before the `sent` table of
    // the restore work) opens, is migrated in place and keeps everything it held.
    void previousProfileOpensAndMigrates() {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        client::ProfilePaths paths{dir.filePath("profile").toStdString()};
        QVERIFY(makeVersion1Profile(paths));
        auto db = client::openProfile(paths, kPassphrase);
        QVERIFY2(db, db ? "" : db.error().message.c_str());
        auto v = (*db)->userVersion();
        // Through version 2 (restore), 3 (closed matters, issue 22), 4 (matter number and
        // client name, issue 23), 5 (message info's recipient devices, issue 23) and 6 (imported
        // messages' source device, issue 23's review).
        QVERIFY(v && *v == 6);
        QCOMPARE(textOf(**db, "SELECT imported_from_device FROM messages"), std::string("0"));
        QCOMPARE(textOf(**db, "SELECT closed_ms FROM conversations WHERE id = 'c1'"),
                 std::string("0"));
        QCOMPARE(textOf(**db, "SELECT matter_number || '|' || client_name FROM conversations "
                              "WHERE id = 'c1'"),
                 std::string("|"));
        QCOMPARE(textOf(**db, "SELECT CAST(v AS TEXT) FROM account WHERE k = 'display_name'"),
                 std::string("Old Lena"));
        QCOMPARE(textOf(**db, "SELECT title FROM conversations WHERE id = 'c1'"),
                 std::string("Old matter"));
        QCOMPARE(textOf(**db, "SELECT body FROM messages"),
                 std::string("written by the old release"));
        QCOMPARE(textOf(**db, "SELECT count(*) FROM outbox"), std::string("1"));
        // The new table works: what is sent from now on is kept for a restore.
        client::Outbox outbox(**db);
        auto none = outbox.sentAfter(0);
        QVERIFY(none && none->empty());
        proto::JournalRecord rec;
        rec.set_message_id(std::string(16, '\x42'));
        rec.set_conversation_id("c1");
        QVERIFY(outbox.recordSent(rec, 7, {}, 1000));
        auto kept = outbox.sentAfter(6);
        QVERIFY(kept && kept->size() == 1 && (*kept)[0].record.message_id() == rec.message_id());
        // Version 5: an old message has no recipient devices kept; a message's devices are kept
        // and a receipt dates them.
        {
            client::MessageStore store(**db, dir.path().toStdString(), "lena");
            auto old = store.recipients(
                std::string("\x00\x11\x22\x33\x44\x55\x66\x77\x88\x99\xaa\xbb\xcc\xdd\xee\xff", 16),
                1);
            QVERIFY(old && old->empty());
            proto::JournalRecord msg;
            msg.set_message_id(std::string(16, '\x43'));
            msg.set_conversation_id("c1");
            msg.mutable_sender()->set_user("lena");
            msg.mutable_sender()->set_device(1);
            msg.set_type(proto::TEXT);
            msg.set_body("after the migration");
            auto* to = msg.add_recipients();
            to->set_user("carol");
            to->set_device(3);
            QVERIFY(store.insert(msg, client::MessageKind::Text, true, client::MessageState::Sent,
                                 2000, 8, msg.body()));
            QVERIFY(store.recordRecipients(msg, 2000));
            proto::JournalRecord receipt;
            receipt.set_message_id(std::string(16, '\x44'));
            receipt.set_conversation_id("c1");
            receipt.mutable_sender()->set_user("carol");
            receipt.mutable_sender()->set_device(3);
            receipt.set_type(proto::RECEIPT);
            receipt.set_body("delivered");
            receipt.set_ref_message_id(msg.message_id());
            std::vector<client::Event> events;
            QVERIFY(store.apply(receipt, 2100, 9, events));
            auto kept = store.recipients(msg.message_id(), 1);
            QVERIFY(kept && kept->size() == 1);
            QCOMPARE((*kept)[0].user, std::string("carol"));
            QCOMPARE((*kept)[0].device, std::uint32_t(3));
            QCOMPARE((*kept)[0].deliveredMs, std::uint64_t(2100));
            QCOMPARE((*kept)[0].readMs, std::uint64_t(0));
        }
        db->reset();
        // Opening again finds it current and changes nothing.
        auto again = client::openProfile(paths, kPassphrase);
        QVERIFY(again);
        QCOMPARE(textOf(**again, "SELECT count(*) FROM sent"), std::string("1"));
    }

    // A migration that fails leaves the profile at its old version, whole: the error says so and
    // the database's bytes are the same.
    void failedMigrationLeavesTheProfileAsItWas() {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        client::ProfilePaths paths{dir.filePath("profile").toStdString()};
        // An object in the way of version 2's table makes its migration fail.
        QVERIFY(makeVersion1Profile(paths, "CREATE TABLE sent (in_the_way INTEGER)"));
        const std::string before = fileHash(paths.database());
        auto refused = client::openProfile(paths, kPassphrase);
        QVERIFY(!refused);
        QVERIFY2(refused.error().message.find("schema migration to version 2 failed") !=
                         std::string::npos &&
                     refused.error().message.find("left at version 1") != std::string::npos,
                 refused.error().message.c_str());
        QCOMPARE(fileHash(paths.database()), before);
        QCOMPARE(client::readUnlockCounter(paths).failures, std::uint32_t(0));
    }
};

QTEST_GUILESS_MAIN(TestProfileVersion)
#include "tst_profile_version.moc"
