// Issue 19: a compliance archive written by a newer release than this one is refused with a
// clear message and never damaged (its bytes are the same after the refusal); one written by
// every earlier release (made by that release's schema code, tests/storage/ArchiveSchemaHistory.h)
// opens and migrates with its rows; a migration that fails leaves the archive as it was.

#include <QTemporaryDir>
#include <QtTest>

#include <fstream>
#include <sstream>

#include "../storage/ArchiveSchemaHistory.h"
#include "compliance/Archive.h"
#include "compliance/ArchiveSchema.h"
#include "crypto/Digest.h"
#include "crypto/Hkdf.h"
#include "crypto/X25519.h"
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
std::vector<crypto::X25519Key> keysOf(ByteView privateKey) {
    std::vector<crypto::X25519Key> keys;
    keys.push_back(*crypto::X25519Key::fromPrivate(privateKey));
    return keys;
}
Bytes archiveKey(ByteView priv) {
    auto key = crypto::hkdfSha256(priv, view(std::string_view("verbatim-archive-v1")),
                                  view(std::string_view("archive database key")), 32);
    return key ? Bytes(key->begin(), key->end()) : Bytes();
}

std::string text(storage::Database& db, const std::string& sql) {
    auto st = db.prepare(sql);
    if (!st) return "prepare failed: " + st.error().message;
    auto row = st->step();
    if (!row || !*row) return "no row";
    return st->columnText(0);
}

void run(storage::Database& db, const std::string& sql) {
    auto r = db.exec(sql);
    QVERIFY2(r, r ? "" : (sql + ": " + r.error().message).c_str());
}

/// Every table's definition and rows, to compare an archive before and after a refusal.
std::string dump(storage::Database& db) {
    std::string out = "user_version " + text(db, "PRAGMA user_version") + "\n";
    auto st = db.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT "
                         "LIKE 'records_fts%' ORDER BY name");
    std::vector<std::string> tables;
    while (st && *st->step()) {
        tables.push_back(st->columnText(0));
        out += st->columnText(1) + "\n";
    }
    for (const auto& t : tables)
        out += t + ": " +
               text(db, "SELECT count(*) || ' ' || coalesce(sum(length(quote(x))), 0) "
                        "FROM (SELECT * FROM \"" +
                            t + "\") AS x") +
               "\n";
    return out;
}

/// An archive at schema `version` as verbatim-journal of that release wrote it: its schema steps
/// from ArchiveSchemaHistory.h, then rows in every table that version had.
void makeArchiveAt(int version, const std::string& path, ByteView key) {
    auto opened = storage::Database::open(path, key);
    QVERIFY2(opened, opened ? "" : opened.error().message.c_str());
    storage::Database& db = **opened;
    QVERIFY(db.migrate(std::span<const std::string_view>(compliance::history::kShipped.data(),
                                                         std::size_t(version))));
    QCOMPARE(text(db, "PRAGMA user_version"), std::to_string(version));
    run(db, "INSERT INTO meta (k, v) VALUES ('head_seq', '2'), ('written_by', 'v" +
                std::to_string(version) + "')");
    run(db, "INSERT INTO entries VALUES (1, x'0a01', zeroblob(32), 1000), (2, x'0a02', "
            "zeroblob(32), 1001)");
    run(db, "INSERT INTO checkpoints VALUES (2, x'c0')");
    run(db, "INSERT INTO users VALUES ('lena', 'Lena', 'ROLE_LAWYER')");
    run(db, "INSERT INTO devices (user, device, identity_key, registered_seq, registered_ms) "
            "VALUES ('lena', 1, x'05aa', 1, 1000)");
    run(db, "INSERT INTO conversations VALUES ('c1', 'Matter', 1, 1)");
    run(db, "INSERT INTO records (seq, message_id, conversation, user, device, recipients, type, "
            "time_ms, server_time_ms, body, entry_hash, key_id) VALUES (2, x'11', 'c1', 'lena', "
            "1, 'carl', 1, 999, 1001, 'privileged words', x'22', x'33')");
    run(db, "INSERT INTO records_fts (rowid, body) VALUES (2, 'privileged words')");
    run(db, "INSERT INTO admin_actions (seq, actor, action, target, detail) VALUES (1, 'admin', "
            "'enroll-user', 'lena', '')");
    run(db, "INSERT INTO attachments VALUES (2, 0, 'a.pdf', 'application/pdf', 3, x'010203', "
            "NULL)");
    run(db, "INSERT INTO problems VALUES (2, 'attachment-unavailable', 'kept', 'pull')");
    run(db, "INSERT INTO members VALUES ('c1', 'lena')");
    if (version >= 2) run(db, "UPDATE admin_actions SET members = 'lena carl' WHERE seq = 1");
    if (version >= 3) {
        run(db, "INSERT INTO device_state (user, device, chain) VALUES ('lena', 1, 0)");
        run(db, "INSERT INTO unopened_ids VALUES (x'44', 1)");
    }
    if (version >= 4)
        run(db, "INSERT INTO sv_policies (name, version, seq, user, device, time_ms, query, "
                "enabled) VALUES ('p', 1, 2, 'olga', 1, 1002, 'words', 1)");
}

} // namespace

class TestArchiveVersion : public QObject {
    Q_OBJECT
private slots:
    // A released step is history: today's schema begins with exactly the frozen ones, and every
    // version but the newest (which may still be in development) has its frozen copy.
    void releasedStepsNeverChange() {
        const auto& steps = compliance::archiveSchema();
        QVERIFY(steps.size() >= compliance::history::kShipped.size());
        QVERIFY2(steps.size() <= compliance::history::kShipped.size() + 1,
                 "an archive schema version has no frozen copy in ArchiveSchemaHistory.h");
        for (std::size_t i = 0; i < compliance::history::kShipped.size(); ++i)
            QVERIFY2(steps[i] == compliance::history::kShipped[i],
                     qPrintable(QString("archive schema v%1 differs from the one released; add a "
                                        "new version instead")
                                    .arg(i + 1)));
    }

    // An archive of every earlier release opens: migrated in one step to today's schema (the
    // same as a new archive's), every row kept, the relay-restore tables empty, searchable.
    void everyEarlierArchiveOpensAndMigrates() {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        auto journalKey = crypto::X25519Key::generate();
        QVERIFY(journalKey);
        const SecureBytes priv = *journalKey->privateKey();
        const Bytes key = archiveKey(priv);
        std::string freshSchema;
        {
            const std::string fresh = dir.filePath("fresh.archive").toStdString();
            QVERIFY(compliance::Archive::open(fresh, keysOf(priv), true));
            auto db = storage::Database::open(fresh, key, {false});
            QVERIFY(db);
            freshSchema = text(**db, "SELECT group_concat(sql, ';') FROM (SELECT sql FROM "
                                     "sqlite_master ORDER BY name)");
        }
        for (int v = 1; v <= int(compliance::history::kShipped.size()); ++v) {
            const QString at = QString(" (from v%1)").arg(v);
            const std::string path = dir.filePath(QString("v%1.archive").arg(v)).toStdString();
            makeArchiveAt(v, path, key);
            if (QTest::currentTestFailed()) return;
            {
                auto archive = compliance::Archive::open(path, keysOf(priv), false);
                QVERIFY2(archive, archive ? "" : archive.error().message.c_str());
                auto size = (*archive)->size();
                QVERIFY2(size && size->first == 2 && size->second == 2, qPrintable(at));
                auto kept = (*archive)->superseded();
                QVERIFY2(kept && kept->empty(), qPrintable(at));
                auto problems = (*archive)->problems();
                QVERIFY2(problems && problems->size() == 1, qPrintable(at));
                compliance::SearchQuery q;
                q.text = "privileged";
                auto hits = (*archive)->search(q);
                QVERIFY2(hits && hits->size() == 1, qPrintable(at));
            }
            auto db = storage::Database::open(path, key, {false});
            QVERIFY(db);
            storage::Database& d = **db;
            QVERIFY2(text(d, "PRAGMA user_version") ==
                         std::to_string(compliance::archiveSchema().size()),
                     qPrintable(at));
            QVERIFY2(text(d, "PRAGMA integrity_check") == "ok", qPrintable(at));
            QVERIFY2(text(d, "SELECT group_concat(sql, ';') FROM (SELECT sql FROM sqlite_master "
                             "ORDER BY name)") == freshSchema,
                     qPrintable("schema differs from a new archive" + at));
            QVERIFY2(text(d, "SELECT v FROM meta WHERE k = 'written_by'") ==
                         "v" + std::to_string(v),
                     qPrintable(at));
            QVERIFY2(text(d, "SELECT count(*) FROM records WHERE body = 'privileged words'") == "1",
                     qPrintable(at));
            QVERIFY2(text(d, "SELECT hex(data) FROM attachments") == "010203", qPrintable(at));
            QVERIFY2(text(d, "SELECT coalesce(members, '') FROM admin_actions") ==
                         (v >= 2 ? "lena carl" : ""),
                     qPrintable(at));
            // v3 started the device checks after what an older archive held.
            QVERIFY2(text(d, "SELECT v FROM meta WHERE k = 'device_checks_from'") ==
                         (v >= 3 ? "no row" : "2"),
                     qPrintable(at));
            QVERIFY2(text(d, "SELECT count(*) FROM sv_policies") == (v >= 4 ? "1" : "0"),
                     qPrintable(at));
            QVERIFY2(text(d, "SELECT count(*) FROM restores") == "0", qPrintable(at));
            // v6 (issue 22): no hold, no disposition, nothing disposed.
            QVERIFY2(text(d, "SELECT count(*) FROM rt_holds") == "0", qPrintable(at));
            QVERIFY2(text(d, "SELECT count(*) FROM entries WHERE disposed_by IS NOT NULL") == "0",
                     qPrintable(at));
        }
    }

    // A migration that fails (here: the step to version 5 meets a table of its name that
    // someone made by hand) leaves the archive at its version with every row, and says which
    // version failed.
    void failedMigrationLeavesTheArchiveUntouched() {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        auto journalKey = crypto::X25519Key::generate();
        QVERIFY(journalKey);
        const SecureBytes priv = *journalKey->privateKey();
        const Bytes key = archiveKey(priv);
        const std::string path = dir.filePath("v4.archive").toStdString();
        makeArchiveAt(4, path, key);
        if (QTest::currentTestFailed()) return;
        std::string before;
        {
            auto db = storage::Database::open(path, key, {false});
            QVERIFY(db);
            run(**db, "CREATE TABLE restores (hand_made INTEGER)");
            before = dump(**db);
        }
        auto refused = compliance::Archive::open(path, keysOf(priv), false);
        QVERIFY(!refused);
        QVERIFY2(refused.error().message.find("schema migration to version 5 failed") !=
                     std::string::npos,
                 refused.error().message.c_str());
        QVERIFY2(refused.error().message.find("left at version 4") != std::string::npos,
                 refused.error().message.c_str());
        auto db = storage::Database::open(path, key, {false});
        QVERIFY(db);
        QCOMPARE(dump(**db), before);
    }

    void newerArchiveIsRefusedAndNotDamaged() {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const std::string path = dir.filePath("archive.db").toStdString();
        auto journalKey = crypto::X25519Key::generate();
        QVERIFY(journalKey);
        const SecureBytes priv = *journalKey->privateKey();
        {
            auto archive = compliance::Archive::open(path, keysOf(priv), true);
            QVERIFY2(archive, archive ? "" : archive.error().message.c_str());
        }
        // What a newer release would have written: its own table and a higher version. The
        // archive's database key as the archive derives it from the first journal key.
        {
            auto key = crypto::hkdfSha256(priv, view(std::string_view("verbatim-archive-v1")),
                                          view(std::string_view("archive database key")), 32);
            QVERIFY(key);
            auto db = storage::Database::open(path, *key, {false});
            QVERIFY2(db, db ? "" : db.error().message.c_str());
            auto v = (*db)->userVersion();
            QVERIFY(v && *v > 0);
            QVERIFY((*db)->exec("CREATE TABLE from_the_future (x); PRAGMA user_version = " +
                                std::to_string(*v + 1)));
            QVERIFY((*db)->exec("PRAGMA wal_checkpoint(TRUNCATE)"));
        }
        const std::string before = fileHash(path);
        auto refused = compliance::Archive::open(path, keysOf(priv), false);
        QVERIFY(!refused);
        QCOMPARE(refused.error().code, ErrorCode::Unsupported);
        QVERIFY2(refused.error().message.find("newer Verbatim release") != std::string::npos,
                 refused.error().message.c_str());
        QCOMPARE(fileHash(path), before);
    }
};

QTEST_GUILESS_MAIN(TestArchiveVersion)
#include "tst_archive_version.moc"
