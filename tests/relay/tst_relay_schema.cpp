// Issue 19, schema upgrades: a store written by each released relay schema (v1..v10), made by the
// schema code of that release (RelaySchemaHistory.h) and filled with the rows that release wrote,
// opens in this release, migrates in one transaction and keeps every row; a migration that
// fails leaves the old store exactly as it was; a store newer than this release is refused with
// a clear message and not modified. Also: released migrations never change.

#include <QTemporaryDir>
#include <QtTest>

#include <fstream>
#include <map>
#include <sstream>

#include "RelaySchemaHistory.h"
#include "crypto/Digest.h"
#include "crypto/Ed25519.h"
#include "crypto/Random.h"
#include "crypto/X25519.h"
#include "journal/HashChain.h"
#include "relay/core/JournalRows.h"
#include "relay/core/RelaySchema.h"
#include "relay/core/RelayService.h"
#include "signal/SessionManager.h"
#include "signal/SignalContext.h"
#include "storage/Database.h"

using namespace verbatim;
using namespace verbatim::relay;
using storage::Database;

namespace {

/// Runs `sql` with `?` bound to `args` in order (text or blob).
template <class... A> void run(Database& db, std::string_view sql, A&&... args) {
    auto st = db.prepare(sql);
    QVERIFY2(st, st ? "" : st.error().message.c_str());
    int i = 1;
    (st->bind(i++, std::forward<A>(args)), ...);
    auto r = st->run();
    QVERIFY2(r, r ? "" : r.error().message.c_str());
}

std::string text(Database& db, std::string_view sql) {
    auto st = db.prepare(sql);
    if (!st) return "error: " + st.error().message;
    auto row = st->step();
    if (!row) return "error: " + row.error().message;
    return *row ? st->columnText(0) : "";
}

/// Every table's definition and rows, as text: "the store is exactly as it was".
std::string dump(Database& db) {
    std::string out;
    std::vector<std::string> tables;
    {
        auto st =
            db.prepare("SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY name");
        while (st && *st->step()) {
            out += st->columnText(1) + ";\n";
            if (text(db, "SELECT type FROM sqlite_master WHERE name = '" + st->columnText(0) +
                             "'") == "table")
                tables.push_back(st->columnText(0));
        }
    }
    for (const auto& t : tables) {
        std::string cols;
        auto info = db.prepare("SELECT name FROM pragma_table_info('" + t + "') ORDER BY cid");
        while (info && *info->step())
            cols += (cols.empty() ? "" : " || ',' || ") + std::string("quote(") +
                    info->columnText(0) + ")";
        auto rows = db.prepare("SELECT " + cols + " FROM " + t + " ORDER BY 1");
        while (rows && *rows->step())
            out += t + ": " + rows->columnText(0) + "\n";
    }
    out += "user_version " + text(db, "PRAGMA user_version") + "\n";
    return out;
}

std::string fileHash(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    std::string s = ss.str();
    return toHex(crypto::sha256(view(s)));
}

/// A store at schema `version` as the relay of that release wrote it: its migrations from
/// RelaySchemaHistory.h, then the rows it kept (each column that version had).
void makeStoreAt(int version, const std::string& path, ByteView key) {
    auto opened = Database::open(path, key);
    QVERIFY(opened);
    Database& db = **opened;
    QVERIFY(db.migrate(
        std::span<const std::string_view>(history::kShipped.data(), std::size_t(version))));
    QCOMPARE(text(db, "PRAGMA user_version"), std::to_string(version));
    const Bytes secret = crypto::randomBytes(32), identity = crypto::randomBytes(33);
    run(db, "INSERT INTO users (id, role, display_name, created_ms) VALUES ('alice', 2, 'Alice', "
            "1000)");
    run(db,
        "INSERT INTO users (id, role, display_name, created_ms) VALUES ('carl', 1, 'Carl', 1001)");
    for (int d : {1, 2})
        run(db,
            "INSERT INTO devices (user, device, secret_hash, registration_id, identity_key, "
            "platform, app_version, enrolled_ms) "
            "VALUES ('alice', " +
                std::to_string(d) + ", ?, 7, ?, 'linux', '0.1', 1002)",
            ByteView(secret), ByteView(identity));
    run(db,
        "INSERT INTO devices (user, device, secret_hash, registration_id, identity_key, "
        "enrolled_ms) "
        "VALUES ('carl', 1, ?, 8, ?, 1003)",
        ByteView(secret), ByteView(identity));
    run(db, "INSERT INTO signed_prekeys VALUES ('alice', 1, 1, x'05aa', x'bb')");
    run(db, "INSERT INTO prekeys VALUES ('alice', 1, 1, x'05cc')");
    run(db, "INSERT INTO conversations (id, title, is_matter, created_by, created_ms) VALUES "
            "('c1', 'Matter', 1, 'alice', 1004)");
    run(db, "INSERT INTO members VALUES ('c1', 'alice', 1004), ('c1', 'carl', 1005)");
    // Two journal entries with their real chain hashes, as the relay appended them.
    journal::ChainBuilder chain;
    for (int i = 1; i <= 2; ++i) {
        Bytes entry = crypto::randomBytes(200);
        chain.append(entry);
        run(db,
            "INSERT INTO journal (seq, entry, chain_hash, server_time_ms) VALUES (" +
                std::to_string(i) + ", ?, ?, 1006)",
            ByteView(entry), ByteView(chain.head().data(), chain.head().size()));
    }
    const Bytes messageId = crypto::randomBytes(16);
    run(db,
        "INSERT INTO sends (sender_user, sender_device, message_id, journal_seq, server_time_ms) "
        "VALUES ('alice', 1, ?, 2, 1007)",
        ByteView(messageId));
    run(db,
        "INSERT INTO queue (user, device, message_id, conversation, sender_user, sender_device, "
        "type, body, server_time_ms, "
        "commitment, journal_seq) VALUES ('carl', 1, ?, 'c1', 'alice', 1, 1, x'c0ffee', 1007, "
        "x'0102', 2)",
        ByteView(messageId));
    run(db, "INSERT INTO tokens (hash, kind, user, role, display_name, created_ms, expires_ms) "
            "VALUES (x'a1b2c3d4e5', 1, 'alice', 2, 'Alice', 1008, 99999999999)");
    run(db, "INSERT INTO audit (time_ms, actor, action, target) VALUES (1009, 'admin-cli', "
            "'enroll-user', 'alice')");
    run(db, "INSERT INTO meta (key, value) VALUES ('installed_by', 'v" + std::to_string(version) +
                "')");
    if (version >= 2)
        run(db, "UPDATE devices SET wipe_command = x'77', wipe_requested_ms = 2000 WHERE user = "
                "'alice' AND device = 2");
    if (version >= 3)
        run(db, "UPDATE devices SET wiped_ms = 2001 WHERE user = 'alice' AND device = 2");
    if (version >= 5)
        run(db, "UPDATE devices SET pending_ms = 2002, approval = x'88' WHERE user = 'carl'");
    if (version >= 6) run(db, "UPDATE devices SET link_binding = x'99' WHERE user = 'carl'");
    if (version >= 7) {
        run(db, "INSERT INTO blobs (id, user, device, size, created_ms, referenced_ms) VALUES "
                "(zeroblob(32), 'alice', 1, 10, 2003, 2004)");
        run(db, "INSERT INTO blob_refs VALUES (zeroblob(32), 2)");
    }
    if (version >= 8)
        run(db,
            "UPDATE tokens SET lookup = 'a1b2c3d4' WHERE kind = 1"); // a v8 relay sets it at insert
    if (version >= 8)
        run(db, "INSERT INTO tokens (hash, kind, inviter, conversation, created_ms, expires_ms, "
                "lookup, inviter_device) "
                "VALUES (x'0f0e0d0c0b', 2, 'alice', 'c1', 2005, 99999999999, '0f0e0d0c', 1)");
    if (version >= 10)
        run(db, "UPDATE conversations SET closed_ms = 2006, closed_by = 'alice/1' WHERE id = 'c1'");
}

struct Keys {
    std::shared_ptr<signal::SignalContext> ctx = *signal::SignalContext::create();
    crypto::X25519Key journal = *crypto::X25519Key::generate();
    RelayConfig config() {
        RelayConfig c;
        c.journalPublicKey = journal.publicKey();
        c.relayKey = *crypto::ed25519Generate();
        auto identity = signal::SessionManager::generateIdentity(*ctx);
        c.relayIdentityPublic = identity->publicKey;
        c.relayIdentityPrivate = std::move(identity->privateKey);
        c.publicAddress = "127.0.0.1:1";
        return c;
    }
};

} // namespace

class TestRelaySchema : public QObject {
    Q_OBJECT
    const Bytes m_key = crypto::randomBytes(32);

private slots:
    // A released migration is history: the current list begins with exactly the shipped ones,
    // and every released version has its frozen copy (so that a store of each is made by
    // the code of its release and upgraded below).
    void releasedMigrationsNeverChange() {
        // The newest version may still be in development (frozen when the next one comes);
        // every one before it must be here.
        QVERIFY2(kRelayMigrations.size() <= history::kShipped.size() + 1,
                 qPrintable(QString("relay schema v%1 has no frozen copy in RelaySchemaHistory.h")
                                .arg(history::kShipped.size() + 1)));
        for (std::size_t i = 0; i < history::kShipped.size(); ++i)
            QVERIFY2(
                kRelayMigrations[i] == history::kShipped[i],
                qPrintable(
                    QString(
                        "relay schema v%1 differs from the one released; add a new version instead")
                        .arg(i + 1)));
    }

    // Every released version, with its rows, upgrades to the current one in one step and the
    // relay opens it: rows kept, later columns at their defaults, the schema the same as a store
    // created new, the integrity check clean.
    void everyReleasedVersionUpgradesWithItsData() {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        std::string freshSchema;
        {
            auto db = Database::open(dir.filePath("fresh.db").toStdString(), m_key);
            QVERIFY(db);
            QVERIFY((*db)->migrate(kRelayMigrations));
            auto st = (*db)->prepare(
                "SELECT group_concat(sql, ';') FROM (SELECT sql FROM sqlite_master ORDER BY name)");
            QVERIFY(st && *st->step());
            freshSchema = st->columnText(0);
        }
        Keys keys;
        // Every frozen version, the current one included (opened as it is, nothing to migrate).
        for (int v = 1; v <= int(history::kShipped.size()); ++v) {
            const std::string path = dir.filePath(QString("v%1.db").arg(v)).toStdString();
            makeStoreAt(v, path, m_key);
            if (QTest::currentTestFailed()) return;
            {
                auto db = Database::open(path, m_key, {false});
                QVERIFY(db);
                auto service = RelayService::open(std::move(*db), keys.config());
                QVERIFY2(service, service ? "" : service.error().message.c_str());
                auto users = (*service)->listUsers();
                QVERIFY(users && users->size() == 2);
                auto devices = (*service)->listDevices("alice");
                QVERIFY(devices && devices->size() == 2);
                QCOMPARE((*devices)[1].wipeRequestedMs, std::uint64_t(v >= 2 ? 2000 : 0));
                QCOMPARE((*devices)[1].wipedMs, std::uint64_t(v >= 3 ? 2001 : 0));
            }
            auto db = Database::open(path, m_key, {false});
            QVERIFY(db);
            Database& d = **db;
            const QString at = QString(" (from v%1)").arg(v);
            QVERIFY2(text(d, "PRAGMA user_version") == std::to_string(kRelayMigrations.size()),
                     qPrintable(at));
            QVERIFY2(text(d, "PRAGMA integrity_check") == "ok", qPrintable(at));
            QVERIFY2(text(d, "SELECT group_concat(sql, ';') FROM (SELECT sql FROM sqlite_master "
                             "ORDER BY name)") == freshSchema,
                     qPrintable("schema differs from a new store" + at));
            QVERIFY2(text(d, "SELECT count(*) FROM journal") == "2", qPrintable(at));
            // Schema 17 (issue 22, M1): the rows stored before it were classified once, at the
            // first open, and every later row is classified at its send.
            QCOMPARE(text(d, "SELECT value FROM meta WHERE key = 'journal_state_from'"),
                     std::string("3"));
            QVERIFY2(text(d, "SELECT hex(body) FROM queue") == "C0FFEE", qPrintable(at));
            QVERIFY2(
                text(
                    d,
                    "SELECT count(*) FROM sends WHERE journal_seq = 2 AND sender_user = 'alice'") ==
                    "1",
                qPrintable(at));
            QVERIFY2(text(d, "SELECT count(*) FROM members") == "2", qPrintable(at));
            QVERIFY2(text(d, "SELECT value FROM meta WHERE key = 'installed_by'") ==
                         "v" + std::to_string(v),
                     qPrintable(at));
            // v8 gave every earlier token its lookup id from its hash.
            QVERIFY2(text(d, "SELECT lookup FROM tokens WHERE kind = 1") == "a1b2c3d4",
                     qPrintable(at));
            QVERIFY2(text(d, "SELECT coalesce(pending_ms, 0) FROM devices WHERE user = 'carl'") ==
                         (v >= 5 ? "2002" : "0"),
                     qPrintable(at));
            QVERIFY2(text(d, "SELECT count(*) FROM blobs") == (v >= 7 ? "1" : "0"), qPrintable(at));
            QVERIFY2(text(d, "SELECT count(*) FROM notices") == "0", qPrintable(at));
            QVERIFY2(text(d, "SELECT coalesce(closed_ms, 0) || ' ' || coalesce(closed_by, '') "
                             "FROM conversations WHERE id = 'c1'") ==
                         (v >= 10 ? "2006 alice/1" : "0 "),
                     qPrintable(at));
        }
    }

    // Issue 22 (what pruning costs): the journal in two parts. Rows of a store from before the
    // split stay whole and read back byte for byte through the `journal` view; a sealed entry
    // stored as the relay stores it is split (metadata, ciphertext) and reads back whole; a row
    // of another shape is kept whole; writing through the view (what an operator's tool or a
    // test does) stores whole rows and reaches both parts; the relay's delete takes both parts
    // and leaves secure_delete on.
    void journalRowsKeepTheirBytesAcrossTheSplit() {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const std::string path = dir.filePath("v14.db").toStdString();
        makeStoreAt(14, path, m_key);
        if (QTest::currentTestFailed()) return;
        auto entries = [](Database& d) {
            std::vector<Bytes> out;
            auto st = d.prepare("SELECT entry FROM journal ORDER BY seq");
            while (st && *st->step())
                out.push_back(st->columnBlob(0));
            return out;
        };
        std::vector<Bytes> before;
        {
            auto db = Database::open(path, m_key, {false});
            QVERIFY(db);
            before = entries(**db);
        }
        QCOMPARE(before.size(), std::size_t(2));
        auto db = Database::open(path, m_key, {false});
        QVERIFY(db);
        QVERIFY((*db)->migrate(kRelayMigrations));
        Database& d = **db;
        QVERIFY(entries(d) == before);
        QCOMPARE(text(d, "SELECT count(*) FROM journal_meta WHERE cut IS NULL"), std::string("2"));
        QCOMPARE(text(d, "SELECT count(*) FROM journal_sealed"), std::string("0"));

        // u8(1) || field(header) || field(ciphertext) || field(signature)
        const Bytes header = crypto::randomBytes(40), ciphertext = crypto::randomBytes(100),
                    signature = crypto::randomBytes(64);
        Bytes entry{1};
        for (const Bytes* part : {&header, &ciphertext, &signature}) {
            appendU32(entry, std::uint32_t(part->size()));
            entry.insert(entry.end(), part->begin(), part->end());
        }
        const Bytes hash = crypto::randomBytes(32);
        QVERIFY(insertJournalRow(d, 3, entry, hash, 1010));
        QCOMPARE(text(d, "SELECT cut FROM journal_meta WHERE seq = 3"), std::string("49"));
        QCOMPARE(text(d, "SELECT length(entry) FROM journal_meta WHERE seq = 3"),
                 std::to_string(entry.size() - ciphertext.size()));
        {
            auto st = d.prepare("SELECT ciphertext FROM journal_sealed WHERE seq = 3");
            QVERIFY(st && *st->step());
            QVERIFY(st->columnBlob(0) == ciphertext);
        }
        auto all = entries(d);
        QCOMPARE(all.size(), std::size_t(3));
        QVERIFY(all[2] == entry);

        // Through the view: an update stores the row whole, a delete takes both parts.
        run(d, "UPDATE journal SET server_time_ms = 1011 WHERE seq = 3");
        QCOMPARE(text(d, "SELECT count(*) FROM journal_sealed"), std::string("0"));
        QVERIFY(entries(d)[2] == entry);
        QCOMPARE(text(d, "SELECT server_time_ms FROM journal WHERE seq = 3"), std::string("1011"));
        run(d, "DELETE FROM journal WHERE seq = 3");
        QCOMPARE(text(d, "SELECT count(*) FROM journal_meta"), std::string("2"));
        QVERIFY(insertJournalRow(d, 3, entry, hash, 1012));
        run(d, "DELETE FROM journal WHERE seq = 3");
        QCOMPARE(text(d, "SELECT count(*) FROM journal_sealed"), std::string("0"));
        run(d,
            "INSERT INTO journal (seq, entry, chain_hash, server_time_ms) VALUES (3, ?, ?, 1013)",
            ByteView(entry), ByteView(hash));
        QCOMPARE(text(d, "SELECT count(*) FROM journal_meta WHERE seq = 3 AND cut IS NULL"),
                 std::string("1"));
        QVERIFY(entries(d)[2] == entry);

        // Bytes of another shape (one more trailing byte) are stored whole.
        Bytes odd = entry;
        odd.push_back(0);
        QVERIFY(!sealedCiphertextSpan(odd));
        QVERIFY(insertJournalRow(d, 4, odd, hash, 1014));
        QCOMPARE(text(d, "SELECT count(*) FROM journal_meta WHERE seq = 4 AND cut IS NULL"),
                 std::string("1"));
        QVERIFY(entries(d)[3] == odd);

        // The relay's delete: both parts of split and whole rows, secure_delete on again after.
        QVERIFY(insertJournalRow(d, 5, entry, hash, 1015));
        QVERIFY(deleteJournalRows(d, 2, 5));
        QCOMPARE(text(d, "SELECT count(*) FROM journal"), std::string("2"));
        QCOMPARE(text(d, "SELECT count(*) FROM journal_sealed"), std::string("0"));
        QCOMPARE(text(d, "PRAGMA secure_delete"), std::string("1"));
        QVERIFY(entries(d) == before);
        QCOMPARE(text(d, "PRAGMA integrity_check"), std::string("ok"));
    }

    // A migration that fails (here: v7 or v9 meets a table of the same name that an operator
    // made by hand) leaves the store at its old version with every row: no step before the
    // failing one stays applied, and the relay says which version failed.
    void failedMigrationLeavesOldStoreUntouched() {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        Keys keys;
        for (int v : {1, 4, 6, 8}) {
            const std::string path = dir.filePath(QString("v%1.db").arg(v)).toStdString();
            makeStoreAt(v, path, m_key);
            if (QTest::currentTestFailed()) return;
            std::string before;
            {
                auto db = Database::open(path, m_key, {false});
                QVERIFY(db);
                QVERIFY((*db)->exec("CREATE TABLE notices (hand_made INTEGER)"));
                before = dump(**db);
            }
            auto db = Database::open(path, m_key, {false});
            QVERIFY(db);
            auto service = RelayService::open(std::move(*db), keys.config());
            QVERIFY(!service);
            QVERIFY2(service.error().message.find("schema migration to version 9 failed") !=
                         std::string::npos,
                     service.error().message.c_str());
            QVERIFY2(service.error().message.find("left at version " + std::to_string(v)) !=
                         std::string::npos,
                     service.error().message.c_str());
            auto again = Database::open(path, m_key, {false});
            QVERIFY(again);
            QCOMPARE(dump(**again), before);
        }
    }

    // A store from a newer release: refused before anything is written, saying so; the file's
    // bytes are the same afterwards.
    void newerStoreIsRefusedAndNotModified() {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const std::string path = dir.filePath("newer.db").toStdString();
        {
            auto db = Database::open(path, m_key);
            QVERIFY(db);
            QVERIFY((*db)->migrate(kRelayMigrations));
            QVERIFY((*db)->exec("CREATE TABLE from_the_future (x); PRAGMA user_version = " +
                                std::to_string(kRelayMigrations.size() + 1)));
            QVERIFY((*db)->exec("PRAGMA wal_checkpoint(TRUNCATE)"));
        }
        const std::string hash = fileHash(path);
        Keys keys;
        {
            auto db = Database::open(path, m_key, {false});
            QVERIFY(db);
            auto service = RelayService::open(std::move(*db), keys.config());
            QVERIFY(!service);
            QCOMPARE(service.error().code, ErrorCode::Unsupported);
            QVERIFY2(service.error().message.find("newer Verbatim release") != std::string::npos,
                     service.error().message.c_str());
            QVERIFY2(service.error().message.find("schema version " +
                                                  std::to_string(kRelayMigrations.size() + 1)) !=
                         std::string::npos,
                     service.error().message.c_str());
        }
        QCOMPARE(fileHash(path), hash);
        auto db = Database::open(path, m_key, {false});
        QVERIFY(db);
        QCOMPARE(text(**db, "SELECT count(*) FROM sqlite_master WHERE name = 'from_the_future'"),
                 std::string("1"));
    }
};

QTEST_GUILESS_MAIN(TestRelaySchema)
#include "tst_relay_schema.moc"
