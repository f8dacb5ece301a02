// Over 600 lines on purpose: one Qt Test class for a restored relay; every function runs the
// same firm, backup and restore programs through the helpers at the top.
//
// C-RESTORE-1 (issue 19, "Backup, restore"): real clients (client::Client) against the real
// verbatim-relay over TLS, backed up with `verbatim-relay backup` while they talk and brought
// back with `verbatim-relay restore` into a new data directory. The clients only reconnect:
// nobody resends anything by hand. Every message reaches its recipients exactly once (what the
// restored relay lost comes again from its sender, under the same id), an attachment uploaded
// after the backup can still be opened, the journal verifies in a compliance archive, a device
// can still be reached by a new session (its pre-keys were replaced), and each sender is told
// once.

#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QtTest>

#include <algorithm>
#include <map>
#include <random>

#include "ClientParty.h"
#include "ComplianceParty.h"
#include "E2EHarness.h"
#include "RelayProgram.h"
#include "client/compliance/Archive.h"
#include "common/Try.h"
#include "crypto/Random.h"
#include "crypto/X25519.h"

using namespace verbatim;
using namespace verbatim::e2e::parties;

namespace {

bool writeAll(const QString& path, const QByteArray& data) {
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate)) return false;
    return f.write(data) == data.size();
}

QByteArray readAll(const QString& path) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

QByteArray randomFile(std::size_t size) {
    Bytes b = crypto::randomBytes(size);
    return QByteArray(reinterpret_cast<const char*>(b.data()), int(b.size()));
}

std::size_t countOf(Party& p, client::Event::Kind kind, const std::string& id) {
    std::size_t n = 0;
    for (const auto& e : p.eventsOf(kind))
        n += e.messageId == id ? 1 : 0;
    return n;
}

} // namespace

class TestRelayRestore : public QObject {
    Q_OBJECT
    std::uint16_t m_port = 0, m_adminPort = 0;
    e2e::ServedRelay m_relay;

    using Run = e2e::ProgramRun;

    static QProcessEnvironment env() {
        return e2e::relayEnvironment("restore-test-passphrase-long-enough");
    }

    static Run relay(const QStringList& args) {
        return e2e::runProgram(VERBATIM_RELAY_BIN, args, env());
    }

    /// verbatim-cli with profile `profile` (the passphrase from the environment).
    static QProcess* startCli(const QString& profile, const QStringList& args) {
        auto* p = new QProcess();
        auto e = QProcessEnvironment::systemEnvironment();
        e.insert("VERBATIM_PASSPHRASE", kPass);
        e.insert("VERBATIM_LOG", "warn");
        p->setProcessEnvironment(e);
        p->start(VERBATIM_CLI_BIN, QStringList{"--profile", profile} + args);
        p->waitForStarted();
        return p;
    }
    static Run cli(const QString& profile, const QStringList& args) {
        std::unique_ptr<QProcess> p(startCli(profile, args));
        Run r;
        if (!p->waitForFinished(60000)) {
            p->kill();
            p->waitForFinished();
            r.err = "timed out";
            return r;
        }
        r.code = p->exitStatus() == QProcess::NormalExit ? p->exitCode() : -1;
        r.out = QString::fromUtf8(p->readAllStandardOutput());
        r.err = QString::fromUtf8(p->readAllStandardError());
        if (r.code != 0) qWarning("cli %s: %s", qPrintable(args.join(' ')), qPrintable(r.err));
        return r;
    }

    /// `verbatim-relay init` in `dir`/data for firm `firm` with `journalKey`, on new ports.
    bool initFirm(const QString& dir, const QString& firm, const crypto::X25519Key& journalKey) {
        m_port = e2e::freeLoopbackPort();
        do // two probes may return the same free port
            m_adminPort = e2e::freeLoopbackPort();
        while (m_adminPort == m_port);
        if (!writeAll(dir + "/journal.pub",
                      QByteArray::fromStdString(toHex(journalKey.publicKey()))))
            return false;
        auto r = relay({"init", "--data", dir + "/data", "--unlock-file", dir + "/relay.unlock",
                        "--firm", firm, "--journal-key", dir + "/journal.pub", "--root-key-out",
                        dir + "/root.key", "--address", QString("127.0.0.1:%1").arg(m_port)});
        if (r.code != 0) qWarning("init: %s", qPrintable(r.err));
        return r.code == 0;
    }

    /// The link `verbatim-relay admin ARGS` prints (enroll, invite).
    static std::string adminLink(const QString& data, const QString& unlock,
                                 const QStringList& args) {
        auto r = relay(QStringList{"admin", "--data", data, "--unlock-file", unlock} + args);
        if (r.code != 0) qWarning("admin: %s", qPrintable(r.err));
        return r.out.trimmed().toStdString();
    }

    /// The firm the compliance tests restore: Lena (lawyer), Olga (compliance) and Carl,
    /// invited by Lena into a matter. Their links come from `verbatim-relay admin` before the
    /// relay serves; joinLenasFirm() joins, starts and syncs all three on the serving relay, and
    /// sets `matter` to the matter's id once Lena knows it too.
    struct LenasFirm {
        std::string lenaLink, olgaLink, carlLink;
        PartyHandle lena, olga, carl;
        std::string matter;
    };
    static LenasFirm lenasFirmLinks(const QString& data, const QString& unlock,
                                    const QString& matterTitle) {
        LenasFirm firm;
        firm.lenaLink = adminLink(data, unlock, {"enroll", "lena", "--role", "lawyer"});
        firm.olgaLink = adminLink(data, unlock, {"enroll", "olga", "--role", "compliance"});
        firm.carlLink =
            adminLink(data, unlock, {"invite", "--from", "lena", "--matter", matterTitle});
        return firm;
    }
    static bool joinLenasFirm(LenasFirm& firm) {
        firm.lena = joinParty(firm.lenaLink, "Lena");
        firm.olga = joinParty(firm.olgaLink, "Olga");
        firm.carl = joinParty(firm.carlLink, "Carl", true);
        if (!firm.lena || !firm.olga || !firm.carl) return false;
        for (auto* p : {firm.lena.get(), firm.olga.get(), firm.carl.get()}) {
            (*p)->start();
            if (!(*p)->waitUntilSynced(20s)) return false;
        }
        auto convs = firm.carl->conversations();
        if (!convs || convs->size() != 1) return false;
        firm.matter = (*convs)[0].id;
        return eventually([&] { return firm.lena->resolveConversation(firm.matter).has_value(); });
    }

    /// Pulls the whole journal into a new archive through `officer` and verifies it.
    static Result<std::unique_ptr<compliance::Archive>>
    pullAndVerify(const QString& path, const crypto::X25519Key& journalKey, Party& officer,
                  compliance::VerifyReport* report) {
        if (!eventually([&] { return officer->isConnected(); }))
            return fail(ErrorCode::Unavailable, "the officer is offline");
        VERBATIM_TRY_LET(pulled, pullInProcess(officer, path.toStdString(), journalKey, true));
        *report = std::move(pulled->report);
        return std::move(pulled->archive);
    }

    /// Brings `archive` up to date through `officer`, with what the relay announced at connect
    /// about a restore (as verbatim-journal pull does); `accept`: as with --accept-restore naming
    /// the announced epoch (J-RESTORE-3).
    static Result<compliance::PullStats> pullInto(compliance::Archive& archive, Party& officer,
                                                  bool accept = true) {
        if (!eventually([&] { return officer->isConnected() && officer->relayRestore().known; }))
            return fail(ErrorCode::Unavailable, "the officer is offline");
        VERBATIM_TRY_LET(manifest, officer->firmManifest());
        VERBATIM_TRY(archive.setManifest(view(*manifest), officer->account().firmFingerprint));
        const auto notice = officer->relayRestore();
        compliance::RelayRestore restore;
        restore.epoch = notice.epoch;
        restore.restoredSequence = notice.restoredSequence;
        if (accept) restore.accepted = notice.epoch;
        auto* c = officer.c.get();
        return archive.pull(
            [c](std::uint64_t a, std::uint32_t l) { return c->pullJournalPage(a, l); },
            [c](const std::string& id, std::uint64_t max) { return c->fetchBlob(id, max); }, {}, 0,
            restore);
    }

    static Result<std::unique_ptr<compliance::Archive>>
    newArchive(const QString& path, const crypto::X25519Key& journalKey) {
        std::vector<crypto::X25519Key> keys;
        keys.push_back(std::move(*crypto::X25519Key::fromPrivate(*journalKey.privateKey())));
        return compliance::Archive::open(path.toStdString(), std::move(keys), true);
    }

    bool startServe(const QString& data, const QString& unlock) {
        return m_relay.start(VERBATIM_RELAY_BIN, data, unlock, m_port, m_adminPort, env());
    }

    void stopServe() { m_relay.stop(); }

private slots:
    void cleanup() { stopServe(); }

    // A lawyer keeps talking after the nightly backup (texts, an attachment, an edit; a
    // colleague writes to her for the first time); the client of the matter writes, then goes
    // offline. The disk dies; the backup is restored on another machine. When the devices
    // reconnect, each sends again what the restored relay lost, and nothing shows twice.
    void clientsSendAgainWhatARestoredRelayLost() {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString data = dir.path() + "/data", unlock = dir.path() + "/relay.unlock",
                      backupFile = dir.path() + "/nightly.vrb", restored = dir.path() + "/restored";
        auto journalKey = *crypto::X25519Key::generate();
        QVERIFY(initFirm(dir.path(), "Restore & Co", journalKey));
        auto link = [&](const QString& dataDir, const QStringList& args) {
            return adminLink(dataDir, unlock, args);
        };
        const auto lenaLink = link(data, {"enroll", "lena", "--role", "lawyer"});
        const auto samLink = link(data, {"enroll", "sam", "--role", "lawyer"});
        const auto olgaLink = link(data, {"enroll", "olga", "--role", "compliance"});
        const auto carlLink =
            link(data, {"invite", "--from", "lena", "--matter", "Restore matter"});
        QVERIFY(startServe(data, unlock));

        auto lena = joinParty(lenaLink, "Lena");
        auto sam = joinParty(samLink, "Sam");
        auto olga = joinParty(olgaLink, "Olga");
        auto carl = joinParty(carlLink, "Carl", true);
        QVERIFY(lena && sam && olga && carl);
        for (auto* p : {lena.get(), sam.get(), olga.get(), carl.get()}) {
            (*p)->start();
            QVERIFY((*p)->waitUntilSynced(20s));
        }
        auto convs = carl->conversations();
        QVERIFY(convs && convs->size() == 1);
        const std::string matter = (*convs)[0].id;
        QVERIFY(eventually([&] { return lena->resolveConversation(matter).has_value(); }));
        auto samChat = lena->createConversation("Sam chat", false, {"sam"});
        QVERIFY2(samChat, samChat ? "" : samChat.error().message.c_str());

        // Before the backup.
        std::vector<std::string> before;
        for (int i = 0; i < 3; ++i)
            before.push_back(*lena->sendText(matter, "before " + std::to_string(i)));
        const QString fileA = dir.path() + "/before.bin";
        QVERIFY(writeAll(fileA, randomFile(50000)));
        auto attachmentA = lena->sendAttachment(matter, fileA.toStdString());
        QVERIFY(attachmentA);
        before.push_back(*attachmentA);
        auto carlBefore = carl->sendText(matter, "carl before the backup");
        QVERIFY(carlBefore);
        QVERIFY(eventually([&] {
            for (const auto& id : before)
                if (!msg(*carl, id)) return false;
            return msg(*lena, *carlBefore).has_value();
        }));
        QVERIFY(lena->waitUntilSynced(20s) && carl->waitUntilSynced(20s));

        // The nightly backup, taken while the relay serves.
        auto b = relay({"backup", "--data", data, "--out", backupFile, "--unlock-file", unlock});
        QVERIFY2(b.code == 0, qPrintable(b.err));
        auto m = QRegularExpression("journal up to sequence (\\d+)").match(b.out);
        QVERIFY2(m.hasMatch(), qPrintable(b.out));
        const std::uint64_t backupSeq = m.captured(1).toULongLong();

        // After it: the client writes, then goes offline; the lawyer sends texts, an attachment
        // and an edit; a colleague writes to her for the first time (a session started from one
        // of her one-time pre-keys, which her device then deletes).
        auto carlAfter = carl->sendText(matter, "carl after the backup");
        QVERIFY(carlAfter && carl->waitForOutbox(20s));
        QVERIFY(eventually([&] { return msg(*lena, *carlAfter).has_value(); }));
        carl->stop();
        std::vector<std::string> after;
        for (int i = 0; i < 3; ++i)
            after.push_back(*lena->sendText(matter, "after " + std::to_string(i)));
        const QString fileB = dir.path() + "/after.bin";
        const QByteArray bytesB = randomFile(40000);
        QVERIFY(writeAll(fileB, bytesB));
        auto attachmentB = lena->sendAttachment(matter, fileB.toStdString());
        QVERIFY(attachmentB);
        after.push_back(*attachmentB);
        QVERIFY(lena->edit(before[0], "before 0, edited after the backup"));
        auto samAfter = sam->sendText(*samChat, "sam after the backup");
        QVERIFY(samAfter);
        QVERIFY(eventually([&] { return hasBody(*lena, *samAfter, "sam after the backup"); }));
        QVERIFY(lena->waitUntilSynced(20s) && sam->waitUntilSynced(20s));
        for (const auto& id : after) {
            auto v = msg(*lena, id);
            QVERIFY(v && v->journalSequence > backupSeq);
        }

        // The disk dies. The backup is restored on another machine and served there; a new
        // colleague is enrolled on it.
        lena->stop();
        sam->stop();
        olga->stop();
        stopServe();
        auto r =
            relay({"restore", "--from", backupFile, "--data", restored, "--unlock-file", unlock});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        const auto ninaLink = link(restored, {"enroll", "nina", "--role", "lawyer"});
        QVERIFY(!ninaLink.empty());
        QVERIFY(startServe(restored, unlock));
        for (auto* p : {lena.get(), sam.get(), olga.get(), carl.get()})
            (*p)->start();

        // The client, offline since the backup, gets what the relay lost, from its sender.
        QVERIFY(eventually(
            [&] {
                for (const auto& id : after)
                    if (!msg(*carl, id)) return false;
                return hasBody(*carl, before[0], "before 0, edited after the backup");
            },
            30s));
        QVERIFY(eventually([&] { return msg(*lena, *carlAfter).has_value(); }));
        for (auto* p : {lena.get(), sam.get(), carl.get()})
            QVERIFY((*p)->waitUntilSynced(30s) && (*p)->waitForOutbox(30s));
        // Each device that lost something is told once, with how many messages went again.
        auto restoredEvents = [](Party& p) {
            return p.eventsOf(client::Event::Kind::RelayRestored);
        };
        QVERIFY(eventually([&] { return restoredEvents(*lena).size() == 1; }, 30s));
        QVERIFY(eventually([&] { return restoredEvents(*sam).size() == 1; }, 30s));
        QVERIFY(eventually([&] { return restoredEvents(*carl).size() == 1; }, 30s));
        // Three texts, the attachment and the edit.
        QCOMPARE(restoredEvents(*lena)[0].detail,
                 std::string("The relay was restored from a backup; 5 messages were sent again."));
        QCOMPARE(restoredEvents(*sam)[0].detail,
                 std::string("The relay was restored from a backup; 1 message was sent again."));
        QVERIFY(restoredEvents(*olga).empty()); // it had sent nothing

        QTest::qWait(500); // room for a duplicate to show, were one to come
        auto history = carl->history(matter, 1000);
        QVERIFY(history);
        std::map<std::string, int> shown;
        for (const auto& v : *history)
            ++shown[v.id];
        for (const auto& id : before) {
            QCOMPARE(shown[id], 1);
            QCOMPARE(countOf(*carl, client::Event::Kind::Message, id), std::size_t(1));
        }
        for (const auto& id : after) {
            QCOMPARE(shown[id], 1);
            QCOMPARE(countOf(*carl, client::Event::Kind::Message, id), std::size_t(1));
        }
        // The lawyer had the client's and the colleague's messages before the restore: their
        // resends are dropped as duplicates.
        QCOMPARE(countOf(*lena, client::Event::Kind::Message, *carlAfter), std::size_t(1));
        QCOMPARE(countOf(*lena, client::Event::Kind::Message, *samAfter), std::size_t(1));
        auto lenaHistory = lena->history(matter, 1000);
        QVERIFY(lenaHistory);
        int carlAfterShown = 0, notices = 0;
        for (const auto& v : *lenaHistory) {
            carlAfterShown += v.id == *carlAfter ? 1 : 0;
            if (v.kind == client::MessageKind::System &&
                v.body.find("restored from a backup") != std::string::npos)
                ++notices;
        }
        QCOMPARE(carlAfterShown, 1);
        QCOMPARE(notices, 1);
        // The attachment uploaded after the backup (its blob is not in it) still opens.
        const QString savedB = dir.path() + "/after.saved";
        auto saved = carl->saveAttachment(*attachmentB, 0, savedB.toStdString());
        QVERIFY2(saved, saved ? "" : saved.error().message.c_str());
        QCOMPARE(readAll(savedB), bytesB);

        // A new session to the lawyer's device: the restored relay must not hand out the
        // one-time pre-key the colleague's session used after the backup.
        auto nina = joinParty(ninaLink, "Nina");
        QVERIFY(nina);
        nina->start();
        QVERIFY(nina->waitUntilSynced(20s));
        auto ninaChat = nina->createConversation("Nina chat", false, {"lena"});
        QVERIFY2(ninaChat, ninaChat ? "" : ninaChat.error().message.c_str());
        auto hello = nina->sendText(*ninaChat, "hello after the restore");
        QVERIFY(hello);
        QVERIFY2(eventually([&] { return hasBody(*lena, *hello, "hello after the restore"); }, 30s),
                 "the lawyer's device could not open a session started after the restore");

        // Compliance: the restored journal, continued by the resends, verifies (chain,
        // signatures, commitments and every device's own chain) and holds each message once.
        compliance::VerifyReport report;
        auto archive = pullAndVerify(dir.path() + "/restore.archive", journalKey, *olga, &report);
        QVERIFY2(archive, archive ? "" : archive.error().message.c_str());
        QVERIFY2(report.ok(), report.text().c_str());
        auto timeline = (*archive)->timeline(matter);
        QVERIFY(timeline);
        std::map<std::string, int> journaled;
        for (const auto& e : *timeline)
            ++journaled[e.messageId];
        for (const auto& id : before)
            QCOMPARE(journaled[id], 1);
        for (const auto& id : after)
            QCOMPARE(journaled[id], 1);
        QCOMPARE(journaled[*carlAfter], 1);
        for (const auto& e : *timeline)
            if (e.messageId == before[0])
                QCOMPARE(e.body, std::string("before 0, edited after the backup"));
    }

    // J-RESTORE-1: a compliance archive that pulled past the nightly backup meets the restored
    // relay's new history (the lawyer's resends under the same ids, sealed afresh, at the
    // sequence numbers of what it holds). The relay announced the restore: the archive keeps
    // what it held past the backup as superseded, follows the new history, verifies clean and
    // holds every message once. The attack: the operator serves a copy of the data directory
    // taken at the backup instead (no restore, no epoch) and the lawyer writes on: same
    // sequence numbers, other entries, nothing announced: `history-rewritten`.
    void complianceFollowsARestoreAndRefusesASilentRollback() {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString data = dir.path() + "/data", unlock = dir.path() + "/relay.unlock",
                      backupFile = dir.path() + "/nightly.vrb", restored = dir.path() + "/restored",
                      rolledBack = dir.path() + "/rolled-back";
        auto journalKey = *crypto::X25519Key::generate();
        QVERIFY(initFirm(dir.path(), "Archive & Co", journalKey));
        auto firm = lenasFirmLinks(data, unlock, "Archive matter");
        QVERIFY(startServe(data, unlock));
        QVERIFY(joinLenasFirm(firm));
        auto &lena = firm.lena, &olga = firm.olga, &carl = firm.carl;
        const std::string& matter = firm.matter;
        std::vector<std::string> before, after;
        for (int i = 0; i < 2; ++i)
            before.push_back(*lena->sendText(matter, "before " + std::to_string(i)));
        QVERIFY(eventually([&] { return msg(*carl, before.back()).has_value(); }));
        QVERIFY(lena->waitForOutbox(20s));

        // The nightly backup; the operator also keeps a copy of the data directory as it was
        // (relay stopped for it), which the attack serves later.
        auto b = relay({"backup", "--data", data, "--out", backupFile, "--unlock-file", unlock});
        QVERIFY2(b.code == 0, qPrintable(b.err));
        stopServe();
        QCOMPARE(QProcess::execute("cp", {"-a", data, rolledBack}), 0);
        QVERIFY(startServe(data, unlock));
        for (int i = 0; i < 3; ++i)
            after.push_back(*lena->sendText(matter, "after " + std::to_string(i)));
        QVERIFY(eventually([&] { return msg(*carl, after.back()).has_value(); }, 30s));
        QVERIFY(lena->waitForOutbox(20s));

        // Two archives pulled past the backup.
        auto archive = newArchive(dir.path() + "/a.archive", journalKey);
        auto attacked = newArchive(dir.path() + "/b.archive", journalKey);
        QVERIFY(archive && attacked);
        auto first = pullInto(**archive, *olga);
        QVERIFY2(first, first ? "" : first.error().message.c_str());
        QVERIFY(pullInto(**attacked, *olga));
        const std::uint64_t pulledHead = first->headSequence;
        auto v = msg(*lena, after.back());
        QVERIFY(v && pulledHead >= v->journalSequence);

        // The disk dies; the backup is restored and served; the lawyer's device sends again.
        for (auto* p : {lena.get(), olga.get(), carl.get()})
            (*p)->stop();
        stopServe();
        auto r =
            relay({"restore", "--from", backupFile, "--data", restored, "--unlock-file", unlock});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QVERIFY(startServe(restored, unlock));
        for (auto* p : {lena.get(), olga.get(), carl.get()})
            (*p)->start();
        QVERIFY(eventually(
            [&] { return lena.p->eventsOf(client::Event::Kind::RelayRestored).size() == 1; }, 30s));
        QVERIFY(lena->waitUntilSynced(30s) && lena->waitForOutbox(30s));
        const auto resent = lena->sendText(matter, "first after the restore");
        QVERIFY(resent && lena->waitForOutbox(20s));

        // J-RESTORE-3: not followed until the officer accepts this epoch; nothing changes.
        auto pending = pullInto(**archive, *olga, false);
        QVERIFY2(pending, pending ? "" : pending.error().message.c_str());
        QCOMPARE(pending->pendingEpoch, toHex(view(olga->relayRestore().epoch)));
        QCOMPARE(pending->superseded, std::uint64_t(0));
        QCOMPARE(pending->entries, std::uint64_t(0));
        QCOMPARE(pending->headSequence, pulledHead);
        QVERIFY(pending->pendingSuperseded.size() >= after.size());
        auto waiting = (*archive)->verify();
        QVERIFY(waiting && !waiting->ok());
        QVERIFY2(
            std::any_of(waiting->problems.begin(), waiting->problems.end(),
                        [](const compliance::Problem& p) { return p.fault == "restore-pending"; }),
            waiting->text().c_str());

        auto second = pullInto(**archive, *olga);
        QVERIFY2(second, second ? "" : second.error().message.c_str());
        QCOMPARE(second->rewrittenAt, std::uint64_t(0));
        QVERIFY(second->superseded >= after.size());
        QVERIFY(second->supersededFrom > 0 && second->supersededFrom <= v->journalSequence);
        auto report = (*archive)->verify();
        QVERIFY(report);
        QVERIFY2(report->ok(), report->text().c_str());
        QCOMPARE(report->superseded, second->superseded);
        QCOMPARE(report->restores.size(), std::size_t(1));
        // Every message once; each lost one listed as superseded and found again in the new
        // history.
        auto timeline = (*archive)->timeline(matter);
        QVERIFY(timeline);
        std::map<std::string, int> journaled;
        for (const auto& e : *timeline)
            ++journaled[e.messageId];
        for (const auto& id : before)
            QCOMPARE(journaled[id], 1);
        for (const auto& id : after)
            QCOMPARE(journaled[id], 1);
        QCOMPARE(journaled[*resent], 1);
        auto kept = (*archive)->superseded();
        QVERIFY(kept);
        QCOMPARE(std::uint64_t(kept->size()), second->superseded);
        for (const auto& id : after) {
            auto it =
                std::find_if(kept->begin(), kept->end(), [&](const compliance::SupersededEntry& e) {
                    return e.messageId == id;
                });
            QVERIFY2(it != kept->end(), id.c_str());
            QVERIFY(it->resentAt > 0);
        }
        compliance::SearchQuery q;
        q.text = "after";
        auto hits = (*archive)->search(q);
        QVERIFY(hits);
        std::map<std::string, int> found;
        for (const auto& h : *hits)
            ++found[h.messageId];
        for (const auto& id : after)
            QCOMPARE(found[id], 1);

        // The attack: the copy of the data directory taken at the backup served as it is, and
        // the lawyer writes on. Nothing announced a restore.
        for (auto* p : {lena.get(), olga.get(), carl.get()})
            (*p)->stop();
        stopServe();
        QVERIFY(startServe(rolledBack, unlock));
        lena->start();
        olga->start();
        QVERIFY(lena->waitUntilSynced(30s));
        QVERIFY(lena->sendText(matter, "written on the rolled-back relay"));
        QVERIFY(lena->waitForOutbox(20s));
        auto silent = pullInto(**attacked, *olga);
        QVERIFY2(silent, silent ? "" : silent.error().message.c_str());
        QVERIFY(olga->relayRestore().epoch.empty());
        QVERIFY(silent->rewrittenAt > 0 && silent->rewrittenAt <= pulledHead);
        QCOMPARE(silent->superseded, std::uint64_t(0));
        auto refused = (*attacked)->verify();
        QVERIFY(refused && !refused->ok());
        bool rewritten = false;
        for (const auto& p : refused->problems)
            rewritten |= p.fault == "history-rewritten" && p.sequence == silent->rewrittenAt;
        QVERIFY2(rewritten, refused->text().c_str());

        // Issue 19 A1: caught, the operator serves the restored backup instead, and the restore
        // is even accepted: the recorded rewrite stays a fault after the pull and every verify.
        for (auto* p : {lena.get(), olga.get()})
            (*p)->stop();
        stopServe();
        QVERIFY(startServe(restored, unlock));
        olga->start();
        auto cover = pullInto(**attacked, *olga);
        QVERIFY2(cover, cover ? "" : cover.error().message.c_str());
        QVERIFY(cover->superseded > 0);
        for (int round = 0; round < 2; ++round) {
            auto still = (*attacked)->verify();
            QVERIFY(still && !still->ok());
            bool kept = false;
            for (const auto& p : still->problems)
                kept |= p.fault == "history-rewritten" && p.sequence == silent->rewrittenAt;
            QVERIFY2(kept, still->text().c_str());
            QVERIFY(still->json().find("history-rewritten") != std::string::npos);
        }
    }

    // J-RESTORE-2: the restore epoch is not signed by anything the relay operator cannot forge,
    // so a restore can be announced to hide a message (here the client's, whose device never
    // comes back to send it again). The archive keeps it visible: search and the timeline (so
    // show and export) give it once, marked, and verify warns naming its sequence and id, apart
    // from the messages that were sent again. Lena's resent message shows once, unmarked.
    void aRestoreCannotHideAMessageNobodySentAgain() {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString data = dir.path() + "/data", unlock = dir.path() + "/relay.unlock",
                      backupFile = dir.path() + "/nightly.vrb", restored = dir.path() + "/restored";
        auto journalKey = *crypto::X25519Key::generate();
        QVERIFY(initFirm(dir.path(), "Hidden & Co", journalKey));
        auto firm = lenasFirmLinks(data, unlock, "Hidden matter");
        QVERIFY(startServe(data, unlock));
        QVERIFY(joinLenasFirm(firm));
        auto &lena = firm.lena, &olga = firm.olga, &carl = firm.carl;
        const std::string& matter = firm.matter;
        const auto before = lena->sendText(matter, "before the backup");
        QVERIFY(before && lena->waitForOutbox(20s));
        auto b = relay({"backup", "--data", data, "--out", backupFile, "--unlock-file", unlock});
        QVERIFY2(b.code == 0, qPrintable(b.err));
        const auto hidden = carl->sendText(matter, "wire the escrow funds offshore tonight");
        QVERIFY(hidden && carl->waitForOutbox(20s));
        const auto resentLater = lena->sendText(matter, "after the backup");
        QVERIFY(resentLater && lena->waitForOutbox(20s));
        QVERIFY(eventually([&] { return msg(*lena, *hidden).has_value(); }, 30s));
        auto hiddenView = msg(*carl, *hidden);
        QVERIFY(hiddenView && hiddenView->journalSequence > 0);
        const std::uint64_t hiddenSeq = hiddenView->journalSequence;

        auto archive = newArchive(dir.path() + "/a.archive", journalKey);
        QVERIFY(archive);
        auto first = pullInto(**archive, *olga);
        QVERIFY2(first, first ? "" : first.error().message.c_str());
        QVERIFY(first->headSequence >= hiddenSeq);

        // The relay announces a restore; the client's device never reconnects to send again.
        for (auto* p : {lena.get(), olga.get(), carl.get()})
            (*p)->stop();
        stopServe();
        auto r =
            relay({"restore", "--from", backupFile, "--data", restored, "--unlock-file", unlock});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QVERIFY(startServe(restored, unlock));
        lena->start();
        olga->start();
        QVERIFY(eventually(
            [&] { return lena.p->eventsOf(client::Event::Kind::RelayRestored).size() == 1; }, 30s));
        QVERIFY(lena->waitUntilSynced(30s) && lena->waitForOutbox(30s));
        auto second = pullInto(**archive, *olga);
        QVERIFY2(second, second ? "" : second.error().message.c_str());
        QCOMPARE(second->rewrittenAt, std::uint64_t(0));
        QVERIFY(second->superseded >= 2);

        // Search finds it, once, marked.
        compliance::SearchQuery q;
        q.text = "escrow offshore";
        auto hits = (*archive)->search(q);
        QVERIFY2(hits, hits ? "" : hits.error().message.c_str());
        QCOMPARE(hits->size(), std::size_t(1));
        QCOMPARE((*hits)[0].messageId, *hidden);
        QCOMPARE((*hits)[0].status, std::string(compliance::kSupersededNotResent));
        QCOMPARE((*hits)[0].sequence, hiddenSeq);
        q.text = "after backup";
        hits = (*archive)->search(q);
        QVERIFY(hits && hits->size() == 1);
        QCOMPARE((*hits)[0].messageId, *resentLater);
        QCOMPARE((*hits)[0].status, std::string());

        // The timeline (which show and every export read) holds each message once.
        auto timeline = (*archive)->timeline(matter);
        QVERIFY(timeline);
        std::map<std::string, std::vector<std::string>> seen;
        for (const auto& e : *timeline)
            seen[e.messageId].push_back(e.verification);
        QCOMPARE(seen[*hidden], std::vector<std::string>{compliance::kSupersededNotResent});
        QCOMPARE(seen[*resentLater], std::vector<std::string>{"verified"});
        QCOMPARE(seen[*before], std::vector<std::string>{"verified"});

        // verify: the restore shown, the hidden message a warning naming it, the resent one not.
        auto report = (*archive)->verify();
        QVERIFY(report);
        QVERIFY2(report->ok(), report->text().c_str());
        QCOMPARE(report->notResent, std::uint64_t(1));
        QCOMPARE(report->warnings.size(), std::size_t(1));
        QCOMPARE(report->warnings[0].fault, std::string(compliance::kSupersededNotResent));
        QCOMPARE(report->warnings[0].sequence, hiddenSeq);
        QVERIFY(report->warnings[0].detail.find(*hidden) != std::string::npos);
        QVERIFY(report->warnings[0].detail.find(*resentLater) == std::string::npos);
        const std::string text = report->text();
        QVERIFY2(text.find("RELAY RESTORE:") != std::string::npos, text.c_str());
        QVERIFY2(text.find("WARNING: seq " + std::to_string(hiddenSeq)) != std::string::npos,
                 text.c_str());
        QVERIFY(report->json().find("\"not_resent\":1") != std::string::npos);
        // A restore far behind what the archive had pulled is flagged (here any at all).
        compliance::RestoreLimits strict;
        strict.rollbackMs = 1;
        auto flagged = (*archive)->verify(0, strict);
        QVERIFY(flagged);
        QVERIFY2(std::any_of(
                     flagged->warnings.begin(), flagged->warnings.end(),
                     [](const compliance::Problem& p) { return p.fault == "restore-suspicious"; }),
                 flagged->text().c_str());
    }

    // The reaction is crash-safe: a lawyer on verbatim-cli meets the restored relay in `sync`
    // runs killed with SIGKILL at random moments (while it queues what was lost, records the
    // epoch, sends). Once a run finishes, everything the relay lost has reached the client
    // exactly once, the lawyer was told once, and the journal verifies.
    void killedDuringTheReactionLosesNothing() {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString data = dir.path() + "/data", unlock = dir.path() + "/relay.unlock",
                      backupFile = dir.path() + "/nightly.vrb", restored = dir.path() + "/restored",
                      lena = dir.path() + "/lena";
        auto journalKey = *crypto::X25519Key::generate();
        QVERIFY(initFirm(dir.path(), "Crash & Co", journalKey));
        const auto firm = lenasFirmLinks(data, unlock, "Crash matter");
        QVERIFY(startServe(data, unlock));
        QCOMPARE(cli(lena, {"join", QString::fromStdString(firm.lenaLink), "--name", "Lena"}).code,
                 0);
        auto carl = joinParty(firm.carlLink, "Carl", true);
        auto olga = joinParty(firm.olgaLink, "Olga");
        QVERIFY(carl && olga);
        carl->start();
        olga->start();
        QVERIFY(carl->waitUntilSynced(20s) && olga->waitUntilSynced(20s));
        auto convs = carl->conversations();
        QVERIFY(convs && convs->size() == 1);
        const QString matter = QString::fromStdString((*convs)[0].id);
        auto send = [&](const std::string& text) {
            auto r = cli(lena, {"send", matter, QString::fromStdString(text)});
            return r.code == 0 ? r.out.trimmed().toStdString() : std::string();
        };
        const std::string first = send("before the backup");
        QVERIFY(!first.empty());
        QVERIFY(eventually([&] { return msg(*carl, first).has_value(); }));
        auto b = relay({"backup", "--data", data, "--out", backupFile, "--unlock-file", unlock});
        QVERIFY2(b.code == 0, qPrintable(b.err));
        carl->stop();
        std::vector<std::string> after;
        for (int i = 0; i < 4; ++i) {
            after.push_back(send("after the backup " + std::to_string(i)));
            QVERIFY(!after.back().empty());
        }
        olga->stop();
        stopServe();
        auto r =
            relay({"restore", "--from", backupFile, "--data", restored, "--unlock-file", unlock});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QVERIFY(startServe(restored, unlock));

        // SIGKILL at moments creeping through the lawyer's first runs against the restored relay
        // (opening the profile, connecting, queueing what was lost and recording the epoch,
        // sending), until a run has done the whole reaction.
        // The kills start a little before a run has unlocked the profile (scrypt) and opened it.
        QElapsedTimer opening;
        opening.start();
        QCOMPARE(cli(lena, {"history", matter, "--limit", "1"}).code, 0); // offline
        const int start = int(opening.elapsed() * 3 / 4);
        std::mt19937 rng(19);
        QByteArray events;
        int killedBefore = 0;
        for (int round = 0; round < 40 && !events.contains("relay_restored"); ++round) {
            std::unique_ptr<QProcess> p(startCli(lena, {"sync", "--wait", "1"}));
            if (!p->waitForFinished(int(start + 15 * round + rng() % 15))) {
                p->kill();
                p->waitForFinished();
            }
            events += p->readAllStandardOutput();
            killedBefore += events.contains("relay_restored") ? 0 : 1;
        }
        qInfo("%d runs killed before one told of the restore (kills from %d ms)", killedBefore,
              start);
        QVERIFY(killedBefore > 0);
        for (int round = 0; round < 2; ++round) { // and while sending
            std::unique_ptr<QProcess> p(startCli(lena, {"sync", "--wait", "1"}));
            if (!p->waitForFinished(int(50 + rng() % 300))) {
                p->kill();
                p->waitForFinished();
            }
            events += p->readAllStandardOutput();
        }
        auto last = cli(lena, {"sync"});
        QCOMPARE(last.code, 0);
        events += last.out.toUtf8();
        QVERIFY2(events.count("\"event\":\"relay_restored\"") <= 1, events.constData());

        carl->start();
        olga->start();
        QVERIFY(eventually(
            [&] {
                for (const auto& id : after)
                    if (!msg(*carl, id)) return false;
                return true;
            },
            30s));
        QVERIFY(carl->waitUntilSynced(20s));
        QTest::qWait(500);
        auto history = carl->history(matter.toStdString(), 1000);
        QVERIFY(history);
        std::map<std::string, int> shown;
        for (const auto& v : *history)
            ++shown[v.id];
        QCOMPARE(shown[first], 1);
        for (const auto& id : after) {
            QCOMPARE(shown[id], 1);
            QCOMPARE(countOf(*carl, client::Event::Kind::Message, id), std::size_t(1));
        }
        // The lawyer's own view: each message once, and one notice of the restore.
        auto own = cli(lena, {"history", matter, "--limit", "1000"});
        QCOMPARE(own.code, 0);
        QCOMPARE(int(own.out.count("restored from a backup")), 1);
        for (const auto& id : after)
            QCOMPARE(int(own.out.count(QString::fromStdString("\"id\":\"" + id + "\""))), 1);

        compliance::VerifyReport report;
        auto archive = pullAndVerify(dir.path() + "/crash.archive", journalKey, *olga, &report);
        QVERIFY2(archive, archive ? "" : archive.error().message.c_str());
        QVERIFY2(report.ok(), report.text().c_str());
    }
};

QTEST_GUILESS_MAIN(TestRelayRestore)
#include "tst_relay_restore.moc"
