// Over 600 lines on purpose: one Qt Test class driving the real verbatim-relay binary; every
// function shares its served relay (m_relay), firm builder and command runner.
//
// Issue 19, "Backup, restore, check" and "Bad input and faults", against the real verbatim-relay
// binary over TLS: an online backup taken while a lawyer keeps sending, restored into a new
// directory and served with the same unlock secret, loses no acknowledged message and
// duplicates none; devices ahead of the backup learn of the restore; `check` names the first
// bad row; a truncated, damaged or foreign backup, a non-empty target, a data directory open to
// others or owned by another user, and kill -9 during a backup each fail cleanly, changing
// nothing.

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QThread>
#include <QtTest>

#include <boost/asio/ip/tcp.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <mutex>
#include <set>

#include "E2EHarness.h"
#include "RelayProgram.h"
#include "crypto/Aes.h"
#include "crypto/Digest.h"
#include "crypto/Hkdf.h"
#include "crypto/Random.h"
#include "journal/FirmManifest.h"
#include "journal/HashChain.h"
#include "relay/core/RelaySchema.h"
#include "relay/net/TlsCert.h"
#include "storage/Database.h"

using namespace verbatim;
using namespace verbatim::e2e;

namespace {

std::uint16_t freePort() {
    return freeLoopbackPort();
}
std::string tokenOf(const QString& link) {
    return linkToken(link.trimmed().toStdString());
}

QByteArray readAll(const QString& path) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

bool writeAll(const QString& path, const QByteArray& data) {
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate)) return false;
    return f.write(data) == data.size();
}

ByteView bv(const QByteArray& b) {
    return ByteView(reinterpret_cast<const std::uint8_t*>(b.constData()), std::size_t(b.size()));
}

/// Every file below `dir` with its bytes' hash: what "changes nothing" is checked against.
std::map<QString, QByteArray> snapshotTree(const QString& dir) {
    std::map<QString, QByteArray> out;
    QDirIterator it(dir, QDir::Files | QDir::Hidden | QDir::NoDotAndDotDot,
                    QDirIterator::Subdirectories);
    while (it.hasNext()) {
        QString p = it.next();
        auto h = crypto::sha256(bv(readAll(p)));
        out[QDir(dir).relativeFilePath(p)] =
            QByteArray(reinterpret_cast<const char*>(h.data()), int(h.size()));
    }
    return out;
}

/// db.key opened as docs/protocol.md ("Relay keys at rest") describes it: "VRK1" | salt[32] |
/// nonce[12] | AES-256-GCM(HKDF-SHA256(unlock, salt, "verbatim-relay-key-v1" | name), nonce,
/// aad = header | field(name)) | tag. The test needs the key to damage rows inside relay.db.
std::optional<SecureBytes> databaseKey(const QString& dataDir, const QString& unlockFile) {
    auto sealed = readAll(dataDir + "/db.key");
    auto unlock = fromHex(readAll(unlockFile).trimmed().toStdString());
    if (sealed.size() != 4 + 32 + 12 + 32 + 16 || !unlock) return std::nullopt;
    ByteView file = bv(sealed);
    Bytes info = toBytes(view(std::string_view("verbatim-relay-key-v1db.key")));
    auto k = crypto::hkdfSha256(*unlock, file.subspan(4, 32), info, 32);
    Bytes aad = toBytes(file.subspan(0, 48));
    appendField(aad, std::string_view("db.key"));
    if (!k) return std::nullopt;
    auto key = crypto::aesGcmOpen(*k, file.subspan(36, 12), aad, file.subspan(48));
    if (!key) return std::nullopt;
    return *key;
}

} // namespace

class TestRelayOps : public QObject {
    Q_OBJECT
    std::uint16_t m_port = 0, m_adminPort = 0;
    e2e::ServedRelay m_relay;

    using Run = e2e::ProgramRun;

    static QProcessEnvironment env() {
        return e2e::relayEnvironment("ops-test-passphrase-long-enough");
    }

    static Run relay(const QStringList& args, int timeoutMs = 60000) {
        return e2e::runProgram(VERBATIM_RELAY_BIN, args, env(), timeoutMs);
    }

    /// init in `dir`/data, unlock secret in `dir`/relay.unlock, journal key in `dir`/journal.pub.
    static bool init(const QString& dir, const QString& firm, const crypto::X25519Key& journalKey,
                     std::uint16_t port) {
        if (!writeAll(dir + "/journal.pub",
                      QByteArray::fromStdString(toHex(journalKey.publicKey()))))
            return false;
        auto r = relay({"init", "--data", dir + "/data", "--unlock-file", dir + "/relay.unlock",
                        "--firm", firm, "--journal-key", dir + "/journal.pub", "--root-key-out",
                        dir + "/root.key", "--address", QString("127.0.0.1:%1").arg(port)});
        if (r.code != 0) qWarning("init: %s", qPrintable(r.err));
        return r.code == 0;
    }

    bool startServe(const QString& data, const QString& unlock) {
        return m_relay.start(VERBATIM_RELAY_BIN, data, unlock, m_port, m_adminPort, env());
    }

    void stopServe() { m_relay.stop(); }

    /// A relay with one small store: a lawyer, a compliance officer, a matter with one invited
    /// client and `messages` journaled sends (the client offline). Not served afterwards.
    struct Firm {
        QString dir, data, unlock;
        crypto::X25519Key journalKey = *crypto::X25519Key::generate();
    };
    bool makeFirm(Firm& f, const QString& dir, const QString& name, int messages) {
        f.dir = dir;
        f.data = dir + "/data";
        f.unlock = dir + "/relay.unlock";
        m_port = freePort();
        m_adminPort = freePort();
        if (!init(dir, name, f.journalKey, m_port)) return false;
        auto lawyerToken = tokenOf(relay({"admin", "--data", f.data, "--unlock-file", f.unlock,
                                          "enroll", "lena", "--role", "lawyer"})
                                       .out);
        auto inviteToken = tokenOf(relay({"admin", "--data", f.data, "--unlock-file", f.unlock,
                                          "invite", "--from", "lena", "--matter", "M"})
                                       .out);
        if (lawyerToken.empty() || inviteToken.empty() || !startServe(f.data, f.unlock))
            return false;
        client::Endpoint ep{"127.0.0.1", m_port,
                            *relay::certificateFingerprint((f.data + "/tls.crt").toStdString())};
        auto ctx = *signal::SignalContext::create();
        auto lawyer = Device::create(ctx), client = Device::create(ctx);
        auto r1 =
            client::RelayConnection::registerDevice(ep, lawyer->registration(lawyerToken, "L"));
        auto r2 =
            client::RelayConnection::registerDevice(ep, client->registration(inviteToken, "C"));
        if (!r1 || !r2) return false;
        lawyer->user = r1->user();
        lawyer->device = r1->device();
        if (!lawyer->connect(ep)) return false;
        for (int i = 0; i < messages; ++i) {
            proto::Request req;
            *req.mutable_send() = buildSend(*lawyer, r2->conversation_id(), "m" + std::to_string(i),
                                            f.journalKey.publicKey());
            auto r = lawyer->connection->call(req);
            if (!r || r->status() != proto::STATUS_OK) return false;
        }
        lawyer->disconnect();
        stopServe();
        return true;
    }

private slots:
    void cleanup() { stopServe(); }

    // Backup while a lawyer pipelines sends, restore on "another machine" (a new directory),
    // serve with the same unlock secret: every send acknowledged before the backup began is
    // delivered exactly once, the lawyer's resend of everything is deduplicated by message id,
    // the journal chain continues from the backup's last entry and verifies, and devices learn
    // of the restore (QueueDrained carries the restore epoch and where the backup's journal ends).
    void backupUnderLoadRestoresEveryAcknowledgedMessage() {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString data = dir.path() + "/data", unlock = dir.path() + "/relay.unlock",
                      out = dir.path() + "/nightly.vrb";
        auto journalKey = *crypto::X25519Key::generate();
        m_port = freePort();
        m_adminPort = freePort();
        QVERIFY(init(dir.path(), "Backup & Co", journalKey, m_port));
        auto admin = [&](const QStringList& args) {
            return relay(QStringList{"admin", "--data", data, "--unlock-file", unlock} + args);
        };
        auto lawyerToken = tokenOf(admin({"enroll", "lena", "--role", "lawyer"}).out);
        auto officerToken = tokenOf(admin({"enroll", "olga", "--role", "compliance"}).out);
        auto inviteToken =
            tokenOf(admin({"invite", "--from", "lena", "--matter", "Backup matter"}).out);
        QVERIFY(!lawyerToken.empty() && !officerToken.empty() && !inviteToken.empty());
        QVERIFY(startServe(data, unlock));
        client::Endpoint ep{"127.0.0.1", m_port,
                            *relay::certificateFingerprint((data + "/tls.crt").toStdString())};
        auto ctx = *signal::SignalContext::create();
        auto enrol = [&](const std::string& token, std::string* conv) {
            return registerAt(ep, ctx, token, "T", conv);
        };
        std::string conv;
        auto lawyer = enrol(lawyerToken, nullptr);
        auto officer = enrol(officerToken, nullptr);
        auto client = enrol(inviteToken, &conv);
        QVERIFY(lawyer && officer && client);
        QVERIFY(lawyer->connect(ep));
        // An attachment uploaded before the backup comes back with it, byte for byte.
        const Bytes attachmentBytes = crypto::randomBytes(300000);
        const std::string attachment(attachmentBytes.begin(), attachmentBytes.end());
        auto blobId = client::RelayConnection::uploadBlob(ep, lawyer->credentials, attachment);
        QVERIFY2(blobId, blobId ? "" : blobId.error().message.c_str());

        constexpr int kMessages = 1500;
        std::vector<proto::SendMessage> sends;
        for (int i = 0; i < kMessages; ++i)
            sends.push_back(
                buildSend(*lawyer, conv, "b-" + std::to_string(i), journalKey.publicKey()));
        std::mutex mutex;
        std::set<std::string> acked;
        std::atomic<int> answered{0};
        auto sendRange = [&](int from, int to) {
            for (int i = from; i < to; ++i) {
                proto::Request req;
                *req.mutable_send() = sends[std::size_t(i)];
                std::string id = sends[std::size_t(i)].message_id();
                lawyer->connection->request(req, [&, id](proto::Response r) {
                    if (r.status() == proto::STATUS_OK) {
                        std::lock_guard lock(mutex);
                        acked.insert(id);
                    }
                    ++answered;
                });
            }
        };
        // 500 acknowledged first; then the backup starts while 1,000 more are in flight.
        sendRange(0, 500);
        QTRY_COMPARE_WITH_TIMEOUT(answered.load(), 500, 30000);
        std::set<std::string> ackedBeforeBackup;
        {
            std::lock_guard lock(mutex);
            ackedBeforeBackup = acked;
        }
        QCOMPARE(ackedBeforeBackup.size(), std::size_t(500));
        sendRange(500, kMessages);
        QProcess backup;
        backup.setProcessEnvironment(env());
        backup.start(VERBATIM_RELAY_BIN,
                     {"backup", "--data", data, "--out", out, "--unlock-file", unlock});
        QVERIFY(backup.waitForFinished(60000));
        QVERIFY2(backup.exitCode() == 0, backup.readAllStandardError().constData());
        const QString summary = QString::fromUtf8(backup.readAllStandardOutput());
        QVERIFY2(summary.contains("backup of Backup & Co"), qPrintable(summary));
        QVERIFY2(summary.contains(", 1 attachment(s)"), qPrintable(summary));
        QTRY_COMPARE_WITH_TIMEOUT(answered.load(), kMessages, 60000);
        QCOMPARE(acked.size(), std::size_t(kMessages));
        QVERIFY(QFile::exists(out));
        QVERIFY(!QFile::exists(out + ".partial"));
        // The backup holds nothing readable: no clear key, no TLS key in clear.
        const QByteArray file = readAll(out);
        QVERIFY(!file.contains(readAll(data + "/tls.key")));
        QVERIFY(!file.contains(readAll(unlock).trimmed()));
        QVERIFY(!file.contains("SQLite format 3"));
        // The journal sequence the backup ends at, from its header.
        auto m = QRegularExpression("journal up to sequence (\\d+)").match(summary);
        QVERIFY(m.hasMatch());
        const std::uint64_t backupSeq = m.captured(1).toULongLong();
        QVERIFY(backupSeq >= 500);

        // The disk dies: the relay is gone; restore on another machine (a new directory).
        lawyer->disconnect();
        stopServe();
        const QString restored = dir.path() + "/restored";
        auto r = relay({"restore", "--from", out, "--data", restored, "--unlock-file", unlock});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QVERIFY(!QDir(restored + "/.restore-partial").exists());
        QCOMPARE(QFileInfo(restored).permissions() &
                     (QFile::ReadGroup | QFile::ReadOther | QFile::ExeGroup | QFile::ExeOther),
                 QFileDevice::Permissions());
        auto c = relay({"check", "--data", restored, "--unlock-file", unlock});
        QVERIFY2(c.code == 0, qPrintable(c.err));
        QVERIFY(c.out.startsWith("ok:"));
        QVERIFY(startServe(restored, unlock));

        // A device learns of the restore when it connects: the epoch, where the backup ended.
        auto drained = [&](Device& d) -> std::optional<proto::QueueDrained> {
            std::mutex mu;
            std::optional<proto::QueueDrained> got;
            d.credentials.user = d.user;
            d.credentials.device = d.device;
            auto conn = client::RelayConnection::connect(ep, d.credentials,
                                                         [&](const proto::Push& p) {
                                                             std::lock_guard lock(mu);
                                                             if (p.has_queue_drained())
                                                                 got = p.queue_drained();
                                                         },
                                                         {});
            if (!conn) return std::nullopt;
            QElapsedTimer t;
            t.start();
            while (t.elapsed() < 10000) {
                {
                    std::lock_guard lock(mu);
                    if (got) break;
                }
                QTest::qWait(20);
            }
            (*conn).reset();
            return got;
        };
        auto fetched =
            client::RelayConnection::downloadBlob(ep, lawyer->credentials, *blobId, 1 << 20);
        QVERIFY2(fetched, fetched ? "" : fetched.error().message.c_str());
        QVERIFY(*fetched == attachment);
        auto notice = drained(*lawyer);
        QVERIFY(notice);
        QCOMPARE(notice->restore_epoch().size(), std::size_t(16));
        QCOMPARE(notice->restored_journal_sequence(), backupSeq);

        // The lawyer resends everything it sent, by hand at the protocol level (the relay's side of
        // C-RESTORE-1 under load; the real client's own reaction is tests/e2e/tst_relay_restore.cpp):
        // whatever the backup held is a duplicate, the rest is stored again, nothing twice.
        QVERIFY(lawyer->connect(ep));
        int duplicates = 0;
        for (const auto& s : sends) {
            proto::Request req;
            *req.mutable_send() = s;
            auto res = lawyer->connection->call(req);
            QVERIFY(res);
            QCOMPARE(res->status(), proto::STATUS_OK);
            duplicates += res->send_result().duplicate() ? 1 : 0;
            if (!res->send_result().duplicate())
                QVERIFY(res->send_result().journal_sequence() > backupSeq);
        }
        QVERIFY(duplicates >= 500);
        qInfo("backup ended at journal %llu; %d of %d resends were already in it",
              (unsigned long long)backupSeq, duplicates, kMessages);

        // The client, offline all along, receives each message exactly once.
        QVERIFY(client->connect(ep));
        auto got = client->waitForEnvelopes(kMessages, 60000);
        QCOMPARE(got.size(), std::size_t(kMessages));
        std::set<std::string> ids;
        for (const auto& e : got)
            QVERIFY(ids.insert(e.message_id()).second);
        for (const auto& id : ackedBeforeBackup)
            QVERIFY(ids.count(id));
        QTest::qWait(200);
        QCOMPARE(client->envelopes().size(), std::size_t(kMessages));

        // The journal continues from the backup's last entry and verifies end to end.
        QVERIFY(officer->connect(ep));
        auto pulled = pullJournalChain(*officer);
        QVERIFY2(pulled, pulled ? "" : pulled.error().message.c_str());
        const auto& items = pulled->items;
        const auto& cps = pulled->checkpoints;
        auto manifest = journal::FirmManifest::parse(bv(readAll(restored + "/manifest.bin")));
        QVERIFY(manifest);
        auto report = journal::verifyChain(items, cps, manifest->relayPublicKey);
        QVERIFY(report.ok());
        QCOMPARE(items.size(), std::size_t(backupSeq) + std::size_t(kMessages - duplicates));
        for (std::size_t i = 0; i < items.size(); ++i)
            QCOMPARE(items[i].sequence, std::uint64_t(i + 1));
        stopServe();
        auto c2 = relay({"check", "--data", restored, "--unlock-file", unlock});
        QVERIFY2(c2.code == 0, qPrintable(c2.err));
    }

    // `check` passes a sound store and names the first bad row of a damaged one: an altered
    // journal entry, a removed one, a forged checkpoint, a damaged encrypted page.
    void checkNamesTheFirstBadRow() {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        Firm f;
        QVERIFY(makeFirm(f, dir.path(), "Check & Co", 20));
        auto ok = relay({"check", "--data", f.data, "--unlock-file", f.unlock});
        QVERIFY2(ok.code == 0, qPrintable(ok.err));
        auto entries = QRegularExpression("journal chain of (\\d+) entries").match(ok.out);
        QVERIFY2(entries.hasMatch() && entries.captured(1).toInt() > 20,
                 qPrintable(ok.out)); // 20 sends + admin entries
        auto key = databaseKey(f.data, f.unlock);
        QVERIFY(key);
        const QString pristine = dir.path() + "/pristine.db";
        QVERIFY(QFile::copy(f.data + "/relay.db", pristine));
        auto damage = [&](const char* sql) {
            QFile::remove(f.data + "/relay.db");
            QFile::remove(f.data + "/relay.db-wal");
            QFile::remove(f.data + "/relay.db-shm");
            QVERIFY(QFile::copy(pristine, f.data + "/relay.db"));
            auto db = storage::Database::open((f.data + "/relay.db").toStdString(), *key, {false});
            QVERIFY(db);
            QVERIFY((*db)->exec(sql));
        };
        damage("UPDATE journal SET entry = entry || x'00' WHERE seq = 12");
        auto r = relay({"check", "--data", f.data, "--unlock-file", f.unlock});
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains("first bad row: journal seq 12: altered"), qPrintable(r.err));
        damage("DELETE FROM journal WHERE seq = 7");
        r = relay({"check", "--data", f.data, "--unlock-file", f.unlock});
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains("first bad row: journal seq 7: missing"), qPrintable(r.err));
        damage("DELETE FROM journal WHERE seq > 15");
        r = relay({"check", "--data", f.data, "--unlock-file", f.unlock});
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains("queue row"), qPrintable(r.err));
        // A damaged page of the encrypted file (its HMAC fails).
        damage("SELECT 1");
        {
            QFile db(f.data + "/relay.db");
            QVERIFY(db.open(QIODevice::ReadWrite));
            QVERIFY(db.size() > 3 * 4096);
            db.seek(2 * 4096 + 100);
            char b = 0;
            db.read(&b, 1);
            b = char(b ^ 0x5a);
            db.seek(2 * 4096 + 100);
            db.write(&b, 1);
        }
        r = relay({"check", "--data", f.data, "--unlock-file", f.unlock});
        QVERIFY(r.code != 0);
        QVERIFY2(r.err.contains("page") || r.err.contains("malformed") || r.err.contains("damaged"),
                 qPrintable(r.err));
    }

    // Restore refuses, with a reason, and leaves the target as it was: a truncated backup (cut
    // anywhere), a byte changed anywhere, a non-empty target (naming the firm found there), a
    // wrong unlock secret, a file that is no backup.
    void restoreRefusesBadBackupsAndTargets() {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        Firm f;
        QVERIFY(makeFirm(f, dir.path(), "Restore & Co", 5));
        const QString out = dir.path() + "/b.vrb";
        auto b = relay({"backup", "--data", f.data, "--out", out, "--unlock-file", f.unlock});
        QVERIFY2(b.code == 0, qPrintable(b.err));
        const QByteArray good = readAll(out);
        QVERIFY(good.size() > 100000);
        const QString target = dir.path() + "/target";
        auto restoreInto = [&](const QByteArray& bytes, const QString& unlock = {}) {
            writeAll(dir.path() + "/bad.vrb", bytes);
            return relay({"restore", "--from", dir.path() + "/bad.vrb", "--data", target,
                          "--unlock-file", unlock.isEmpty() ? f.unlock : unlock});
        };
        QVERIFY(QDir().mkpath(target));
        for (qsizetype cut : {qsizetype(0), qsizetype(10), qsizetype(30), qsizetype(500),
                              good.size() / 2, good.size() - 40, good.size() - 1}) {
            auto r = restoreInto(good.left(cut));
            QCOMPARE(r.code, 1);
            QVERIFY2(r.err.contains("truncated") || r.err.contains("not a Verbatim relay backup"),
                     qPrintable(r.err));
            QVERIFY2(QDir(target).isEmpty(QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot),
                     qPrintable(r.err));
        }
        for (qsizetype at :
             {qsizetype(40), qsizetype(300), good.size() / 3, good.size() - 60, good.size() - 5}) {
            QByteArray bad = good;
            bad[at] = char(bad[at] ^ 1);
            auto r = restoreInto(bad);
            QCOMPARE(r.code, 1);
            QVERIFY2(r.err.contains("damaged") || r.err.contains("truncated") ||
                         r.err.contains("format"),
                     qPrintable(r.err));
            QVERIFY(QDir(target).isEmpty(QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot));
        }
        auto extra = restoreInto(good + "x");
        QCOMPARE(extra.code, 1);
        QVERIFY2(extra.err.contains("after its end"), qPrintable(extra.err));
        // A backup from a newer release (its header says a schema this relay does not know).
        {
            const int headerLen = int(std::uint8_t(good[24])) << 24 |
                                  int(std::uint8_t(good[25])) << 16 |
                                  int(std::uint8_t(good[26])) << 8 | int(std::uint8_t(good[27]));
            QByteArray header = good.mid(28, headerLen);
            const QByteArray current =
                "schema_version=" + QByteArray::number(int(relay::kRelayMigrations.size())) + "\n";
            QVERIFY2(header.contains(current), header.constData());
            header.replace(current, "schema_version=99\n");
            QByteArray front = good.left(24);
            for (int shift : {24, 16, 8, 0})
                front.append(char(header.size() >> shift));
            front.append(header);
            auto h = crypto::sha256(bv(front));
            auto newer =
                restoreInto(front + QByteArray(reinterpret_cast<const char*>(h.data()), 32) +
                            good.mid(28 + headerLen + 32));
            QCOMPARE(newer.code, 1);
            QVERIFY2(newer.err.contains("schema version 99, written by a newer release"),
                     qPrintable(newer.err));
            QVERIFY(QDir(target).isEmpty(QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot));
        }
        auto notBackup = restoreInto(QByteArray(4096, 'a'));
        QVERIFY2(notBackup.err.contains("not a Verbatim relay backup"), qPrintable(notBackup.err));
        // Another unlock secret: the wrapped TLS key and the sealed keys do not open.
        writeAll(dir.path() + "/other.unlock", QByteArray(64, 'a') + "\n");
        auto wrong = restoreInto(good, dir.path() + "/other.unlock");
        QCOMPARE(wrong.code, 1);
        QVERIFY2(wrong.err.contains("not made under this unlock secret"), qPrintable(wrong.err));
        QVERIFY(QDir(target).isEmpty(QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot));
        // Another firm's relay in the target: refused, naming both firms; its files unchanged.
        QTemporaryDir other;
        Firm g;
        QVERIFY(makeFirm(g, other.path(), "Other LLP", 1));
        auto before = snapshotTree(g.data);
        auto foreign =
            relay({"restore", "--from", out, "--data", g.data, "--unlock-file", g.unlock});
        QCOMPARE(foreign.code, 1);
        QVERIFY2(foreign.err.contains("not empty") && foreign.err.contains("Other LLP") &&
                     foreign.err.contains("Restore & Co"),
                 qPrintable(foreign.err));
        QVERIFY(snapshotTree(g.data) == before);
        // Any other file in the target is refused too.
        writeAll(target + "/notes.txt", "x");
        auto nonEmpty = restoreInto(good);
        QCOMPARE(nonEmpty.code, 1);
        QVERIFY2(nonEmpty.err.contains("not empty"), qPrintable(nonEmpty.err));
        QCOMPARE(readAll(target + "/notes.txt"), QByteArray("x"));
        QFile::remove(target + "/notes.txt");
        // The good file restores into the (empty) target, and serves.
        auto ok = restoreInto(good);
        QVERIFY2(ok.code == 0, qPrintable(ok.err));
        QVERIFY(startServe(target, f.unlock));
    }

    // kill -9 while the backup writes: nothing under the output name; the next backup works and
    // clears what the killed one left.
    void killNineDuringBackupLeavesNoFile() {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        Firm f;
        QVERIFY(makeFirm(f, dir.path(), "Kill & Co", 3));
        // A big relay.db so that the backup takes long enough to be caught in the middle.
        auto key = databaseKey(f.data, f.unlock);
        QVERIFY(key);
        {
            auto db = storage::Database::open((f.data + "/relay.db").toStdString(), *key, {false});
            QVERIFY(db);
            QVERIFY(
                (*db)->exec("CREATE TABLE ballast (b BLOB); WITH RECURSIVE n(i) AS (SELECT 1 UNION "
                            "ALL SELECT i + 1 FROM n "
                            "WHERE i < 40000) INSERT INTO ballast SELECT randomblob(3000) FROM n"));
        }
        const QString out = dir.path() + "/b.vrb";
        for (int attempt = 0; attempt < 2; ++attempt) {
            QProcess p;
            p.setProcessEnvironment(env());
            p.start(VERBATIM_RELAY_BIN,
                    {"backup", "--data", f.data, "--out", out, "--unlock-file", f.unlock});
            QVERIFY(p.waitForStarted());
            // The first time as soon as the output is being written, the second while the
            // snapshot is being taken.
            const QString watch = attempt == 0 ? out + ".partial" : out + ".partial-db";
            QElapsedTimer t;
            t.start();
            bool seen = false;
            while (!(seen = QFile::exists(watch)) && p.state() == QProcess::Running &&
                   t.elapsed() < 60000)
                QThread::usleep(200);
            // Killed the moment the file is seen (checking it again first would race with the
            // phase ending on a busy machine).
            p.kill();
            QVERIFY2(seen, qPrintable(watch + " never appeared while the backup ran"));
            QVERIFY(p.waitForFinished());
            QVERIFY(!QFile::exists(out));
        }
        auto r = relay({"backup", "--data", f.data, "--out", out, "--unlock-file", f.unlock});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QVERIFY(QFile::exists(out));
        QVERIFY(!QFile::exists(out + ".partial"));
        QVERIFY(!QFile::exists(out + ".partial-db"));
    }

    // A data directory that group or others may enter, or that belongs to another user, is
    // refused by serve, admin, backup and check with a message that says what to do.
    // Issue 22, the firm policy: `init` and `policy` sign it into the manifest with the root
    // key; a value not given keeps the manifest's; a bad value, --show with a key, or another
    // firm's root key change nothing.
    void policyIsSignedIntoTheManifest() {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString d = dir.path();
        crypto::X25519Key journalKey = *crypto::X25519Key::generate();
        QVERIFY(
            writeAll(d + "/journal.pub", QByteArray::fromStdString(toHex(journalKey.publicKey()))));
        auto made = relay({"init", "--data", d + "/data", "--unlock-file", d + "/relay.unlock",
                           "--firm", "Policy & Co", "--journal-key", d + "/journal.pub",
                           "--root-key-out", d + "/root.key", "--retention-years", "6",
                           "--wipe-client-devices", "yes", "--wipe-after-offline-days", "45"});
        QVERIFY2(made.code == 0, qPrintable(made.err));
        const auto manifestNow = [&] {
            QFile f(d + "/data/manifest.bin");
            return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
        };
        const auto show = [&] { return relay({"policy", "--data", d + "/data", "--show"}).out; };
        QVERIFY2(show().contains("retention-years\t6\n"), qPrintable(show()));
        QVERIFY(show().contains("wipe-client-devices\tyes\n"));
        QVERIFY(show().contains("clients-may-save\tyes\n"));
        QVERIFY(show().contains("wipe-after-offline-days\t45\n"));

        auto changed =
            relay({"policy", "--data", d + "/data", "--root-key", d + "/root.key",
                   "--clients-may-save", "no", "--device-message-days", "90", "--privacy-notice",
                   "https://policy.example/privacy", "--max-idle-lock", "20"});
        QVERIFY2(changed.code == 0, qPrintable(changed.err));
        const QString after = show();
        for (const char* line :
             {"retention-years\t6\n", "wipe-client-devices\tyes\n", "clients-may-save\tno\n",
              "staff-may-save\tyes\n", "device-message-days\t90\n", "wipe-after-offline-days\t45\n",
              "privacy-notice\thttps://policy.example/privacy\n", "max-idle-lock\t20\n"})
            QVERIFY2(after.contains(line), qPrintable(QString(line) + " not in:\n" + after));
        const QByteArray signedBytes = manifestNow();
        auto parsed = journal::FirmManifest::parse(
            ByteView(reinterpret_cast<const std::uint8_t*>(signedBytes.constData()),
                     std::size_t(signedBytes.size())));
        QVERIFY(parsed);
        QVERIFY(parsed->verify(journal::firmFingerprint(parsed->rootPublicKey)));
        QCOMPARE(int(parsed->version), 4); // the relay writes version 4 (H6)
        QVERIFY(!parsed->policy.clientsMaySave && parsed->policy.mayWipeClientDevices);
        QCOMPARE(parsed->policy.maxIdleLockMinutes, 20u);
        QCOMPARE(parsed->retention.yearsAfterClose, 6u);

        // Refused before anything is written.
        QVERIFY(writeAll(d + "/other.pub", QByteArray::fromStdString(
                                               toHex(crypto::X25519Key::generate()->publicKey()))));
        auto other = relay({"init", "--data", d + "/other", "--unlock-file", d + "/other.unlock",
                            "--firm", "Other LLP", "--journal-key", d + "/other.pub",
                            "--root-key-out", d + "/other.key"});
        QVERIFY2(other.code == 0, qPrintable(other.err));
        const QString root = d + "/root.key";
        for (const auto& [args, code] : std::vector<std::pair<QStringList, int>>{
                 {{"--root-key", root, "--privacy-notice", "http://policy.example/privacy"}, 2},
                 {{"--root-key", root, "--privacy-notice", "https://policy.example/a b"}, 2},
                 {{"--root-key", root, "--retention-years", "101"}, 2},
                 {{"--root-key", root, "--staff-may-save", "maybe"}, 2},
                 {{"--root-key", root, "--device-message-days", "-1"}, 2},
                 {{"--root-key", root, "--max-idle-lock", "1441"}, 2},
                 {{"--root-key", root, "--max-idle-lock", "-5"}, 2},
                 {{"--root-key", root, "--max-idle-lock", "ten"}, 2},
                 {{"--show", "--root-key", root}, 2},
                 {{"--retention-years", "3"}, 2},
                 {{"--root-key", d + "/other.key", "--retention-years", "1"}, 1}}) {
            auto r = relay(QStringList{"policy", "--data", d + "/data"} + args);
            QVERIFY2(r.code == code, qPrintable(args.join(' ') + ": " + r.err));
            QVERIFY2(!r.err.isEmpty(), qPrintable(args.join(' ')));
            QVERIFY2(manifestNow() == signedBytes, qPrintable(args.join(' ')));
        }
    }

    void dataDirectoryOpenOrForeignIsRefused() {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        Firm f;
        QVERIFY(makeFirm(f, dir.path(), "Perm & Co", 1));
        QVERIFY(::chmod(f.data.toUtf8().constData(), 0755) == 0);
        auto before = snapshotTree(f.data);
        for (const QStringList& args :
             {QStringList{"admin", "--data", f.data, "--unlock-file", f.unlock, "users"},
              QStringList{"check", "--data", f.data, "--unlock-file", f.unlock},
              QStringList{"backup", "--data", f.data, "--out", dir.path() + "/x.vrb",
                          "--unlock-file", f.unlock},
              QStringList{"serve", "--data", f.data, "--unlock-file", f.unlock, "--listen",
                          "127.0.0.1:0", "--admin-listen", "127.0.0.1:0"}}) {
            auto r = relay(args, 15000);
            QCOMPARE(r.code, 1);
            QVERIFY2(r.err.contains("has mode 0755") && r.err.contains("chmod 700"),
                     qPrintable(r.err));
        }
        QVERIFY(snapshotTree(f.data) == before);
        QVERIFY(!QFile::exists(dir.path() + "/x.vrb"));
        QVERIFY(::chmod(f.data.toUtf8().constData(), 0700) == 0);
        // Another owner: as root, hand the directory to nobody; otherwise a root-owned one.
        QString foreign = f.data;
        if (::geteuid() == 0) {
            QVERIFY(::chown(f.data.toUtf8().constData(), 65534, 65534) == 0);
        } else {
            foreign = "/";
        }
        auto r = relay({"admin", "--data", foreign, "--unlock-file", f.unlock, "users"});
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains("is owned by uid") && r.err.contains("run as its owner"),
                 qPrintable(r.err));
        if (::geteuid() == 0) QVERIFY(::chown(f.data.toUtf8().constData(), 0, 0) == 0);
        auto fine = relay({"admin", "--data", f.data, "--unlock-file", f.unlock, "users"});
        QVERIFY2(fine.code == 0, qPrintable(fine.err));
    }
};

QTEST_GUILESS_MAIN(TestRelayOps)
#include "tst_relay_ops.moc"
