// Legal hold, retention and disposal end to end (issue 22): real clients talk through a real
// relay over TLS; two compliance officers, each with their own profile and archive, run
// verbatim-journal. A places a hold on one matter; B's archive shows it after a pull and B's own
// disposal keeps that matter's entries while it removes the other's; verify then reports the
// removed entries as disposed, and still catches an entry deleted without a disposition, an
// altered disposition record and a disposition naming a chain hash the log does not hold. A dry
// run changes nothing.

#include <QCryptographicHash>
#include <QDateTime>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QtTest>

#include "ClientParty.h"
#include "ComplianceParty.h"
#include "E2EHarness.h"
#include "compliance/Retention.h"
#include "compliance/Supervision.h"
#include "crypto/Digest.h"
#include "crypto/Hkdf.h"
#include "crypto/PassphraseBox.h"
#include "journal/SealedEntry.h"
#include "storage/Database.h"

using namespace verbatim;
using namespace verbatim::e2e::parties;

namespace {

std::int64_t scalar(storage::Database& db, const std::string& sql) {
    auto q = db.prepare(sql);
    if (!q) return -1;
    auto row = q->step();
    return row && *row ? q->columnInt(0) : -1;
}

QByteArray fileHash(const QString& path) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) return {};
    return QCryptographicHash::hash(f.readAll(), QCryptographicHash::Sha256);
}

std::vector<crypto::X25519Key> keysOf(const crypto::X25519Key& key) {
    std::vector<crypto::X25519Key> keys;
    keys.push_back(std::move(*crypto::X25519Key::fromPrivate(*key.privateKey())));
    return keys;
}

/// The faults of a `verify --json` report.
QStringList faults(const QString& json) {
    QStringList out;
    for (const auto& p : QJsonDocument::fromJson(json.toUtf8()).object()["problems"].toArray())
        out << p.toObject()["fault"].toString() + "@" +
                   QString::number(p.toObject()["sequence"].toInteger());
    return out;
}

bool hasFault(const QString& json, const QString& fault, qint64 seq = -1) {
    for (const auto& f : faults(json))
        if (f.startsWith(fault + "@") && (seq < 0 || f == fault + "@" + QString::number(seq)))
            return true;
    return false;
}

/// Whether `word` is in the archive's full-text vocabulary (the index's own segments, read
/// through an fts5vocab table: what a reader of the file's pages would find).
bool inVocabulary(storage::Database& db, const std::string& word) {
    if (!db.exec("CREATE VIRTUAL TABLE IF NOT EXISTS temp.vocab USING fts5vocab(main, "
                 "records_fts, row)"))
        return true;
    auto q = db.prepare("SELECT count(*) FROM temp.vocab WHERE term = ?");
    if (!q) return true;
    q->bind(1, std::string_view(word));
    auto row = q->step();
    return !row || !*row || q->columnInt(0) != 0;
}

/// Whether `word`'s bytes are in any page of the full-text index's segments (the FTS5 shadow
/// table records_fts_data): a deleted row's words stay there until its segments are merged.
bool inIndexPages(storage::Database& db, const std::string& word) {
    auto q = db.prepare("SELECT count(*) FROM records_fts_data WHERE instr(block, CAST(? AS "
                        "BLOB)) > 0");
    if (!q) return true;
    q->bind(1, std::string_view(word));
    auto row = q->step();
    return !row || !*row || q->columnInt(0) != 0;
}

/// What a modified tool would do: drop entry `seq`'s content under disposition record `by`,
/// keeping its hash, header and (honest) facts as Retention::apply() does, whatever the entry.
bool forceDispose(storage::Database& db, std::int64_t seq, std::uint64_t by) {
    auto q = db.prepare("SELECT e.entry, r.type, r.conversation, r.user, r.recipients FROM "
                        "entries e JOIN records r ON r.seq = e.seq WHERE e.seq = ?");
    if (!q) return false;
    q->bind(1, seq);
    auto row = q->step();
    if (!row || !*row) return false;
    const Bytes raw = q->columnBlob(0);
    compliance::EntryFacts f;
    f.type = q->columnInt(1);
    f.conversation = q->columnText(2);
    f.user = q->columnText(3);
    f.recipients = q->columnText(4);
    auto sealed = journal::SealedEntry::parse(raw);
    if (!sealed) return false;
    const auto hash = crypto::sha256(raw);
    const Bytes header = sealed->header.serialize();
    const std::string facts = compliance::keptFactsText(f);
    auto up = db.prepare("UPDATE entries SET entry = x'', kept_hash = ?, kept_header = ?, "
                         "kept_facts = ?, disposed_by = ? WHERE seq = ?");
    if (!up) return false;
    up->bind(1, ByteView(hash.data(), hash.size()))
        .bind(2, ByteView(header))
        .bind(3, std::string_view(facts))
        .bind(4, std::int64_t(by))
        .bind(5, seq);
    return bool(up->run()) &&
           bool(db.exec("DELETE FROM records WHERE seq = " + std::to_string(seq)));
}

} // namespace

class TestRetention : public QObject {
    Q_OBJECT

private slots:
    // TESTPLAN J-HOLD-1..4, J-DISPOSE-1..5 (issue 22).
    void holdBlocksDisposalAndVerifyTellsDisposedFromMissing() {
        e2e::Harness h;
        QVERIFY(h.ok());
        QTemporaryDir dir;
        ComplianceStaff staff;
        QVERIFY(joinComplianceStaff(h, staff));
        auto &alice = staff.alice, &admin = staff.admin;
        auto &officerA = staff.officerA, &officerB = staff.officerB;
        auto smithLink = alice->createInvite("Estate of Smith");
        auto jonesLink = alice->createInvite("Jones Lease");
        QVERIFY(smithLink && jonesLink);
        auto carol = joinParty(*smithLink, "Carol Client", true);
        auto dave = joinParty(*jonesLink, "Dave Client", true);
        QVERIFY(carol && dave);
        carol->start();
        dave->start();
        QVERIFY(carol->waitUntilSynced(20s) && dave->waitUntilSynced(20s) &&
                alice->waitUntilSynced(20s));
        auto smith = alice->resolveConversation("Estate of Smith");
        auto jones = alice->resolveConversation("Jones Lease");
        QVERIFY(smith && jones);
        QVERIFY(admin->createConversation(compliance::kReviewConversationTitle, false,
                                          {"comply-a", "comply-b"}));
        QVERIFY(officerA->waitUntilSynced(20s) && officerB->waitUntilSynced(20s));
        officerA->stop(); // the tool opens the profiles itself
        officerB->stop();
        for (int i = 0; i < 3; ++i) {
            QVERIFY(carol->sendText(*smith, "Smith will, clause " + std::to_string(i)));
            QVERIFY(dave->sendText(*jones, "Jones lease, rent review " + std::to_string(i)));
        }
        QVERIFY(alice->sendText(*jones, "Jones lease: signed copy attached later"));
        QVERIFY(carol->waitForOutbox(20s) && dave->waitForOutbox(20s) && alice->waitForOutbox(20s));
        // Both matters closed: their retention runs from then.
        QVERIFY(alice->setMatterClosed("Estate of Smith", true));
        QVERIFY(alice->setMatterClosed("Jones Lease", true));

        const QString profileA = QString::fromStdString(officerA.get()->profile());
        const QString profileB = QString::fromStdString(officerB.get()->profile());
        const QString key = writeKeyFile(dir.path(), h.journalKey());
        const QString archiveA = dir.path() + "/a.archive", archiveB = dir.path() + "/b.archive";
        const QString before = QDateTime::currentDateTimeUtc().addDays(1).toString("yyyy-MM-dd");
        auto pullA = pullArchive(profileA, archiveA, key);
        QVERIFY2(pullA.code == 0, qPrintable(pullA.err));

        // Refused before anything is unlocked or journaled.
        auto both =
            journalTool({"hold", "add", archiveA, "--profile", profileA, "--key", key, "--matter",
                         "Estate of Smith", "--custodian", "alice", "--reason", "x"});
        QCOMPARE(both.code, 2);
        QVERIFY2(both.err.contains("one --matter or one --custodian"), qPrintable(both.err));

        // A holds the Smith matter.
        auto hold =
            journalTool({"hold", "add", archiveA, "--profile", profileA, "--key", key, "--matter",
                         "Estate of Smith", "--reason", "Litigation anticipated: will contested",
                         "--reference", "CLM-2026-17"});
        QVERIFY2(hold.code == 0, qPrintable(hold.out + hold.err));
        const std::uint64_t holdId = journaledAt(hold.out);
        QVERIFY(holdId > 0);

        // A year after the close for both; the test's entries are made two years old below.
        for (const char* matter : {"Estate of Smith", "Jones Lease"}) {
            auto set = journalTool({"retention", "set", archiveA, "--profile", profileA, "--key",
                                    key, "--matter", matter, "--years", "1"});
            QVERIFY2(set.code == 0, qPrintable(set.out + set.err));
        }

        // B's archive shows the same hold after a pull.
        auto pullB = pullArchive(profileB, archiveB, key);
        QVERIFY2(pullB.code == 0, qPrintable(pullB.err));
        auto listB = journalTool({"hold", "list", archiveB, "--key", key, "--json"});
        QCOMPARE(listB.code, 0);
        auto holdB = QJsonDocument::fromJson(listB.out.trimmed().toUtf8()).object();
        QCOMPARE(holdB["id"].toInteger(), qint64(holdId));
        QVERIFY(holdB["open"].toBool());
        QCOMPARE(holdB["matter"].toString(), QString::fromStdString(*smith));
        QCOMPARE(holdB["title"].toString(), QString("Estate of Smith"));
        QCOMPARE(holdB["reason"].toString(), QString("Litigation anticipated: will contested"));
        QCOMPARE(holdB["reference"].toString(), QString("CLM-2026-17"));
        QVERIFY(holdB["placed_by"].toString().startsWith("comply-a/"));
        QVERIFY(backdate(archiveB, h.journalKey()));
        // What the acknowledgement sends the relay: every Smith entry is under the hold.
        {
            auto archive =
                compliance::Archive::open(archiveB.toStdString(), keysOf(h.journalKey()), false);
            QVERIFY(archive);
            auto ranges = (*archive)->heldRanges();
            QVERIFY(ranges);
            std::uint64_t covered = 0;
            for (auto [a, b] : *ranges)
                covered += b - a + 1;
            QVERIFY2(covered >= 3, qPrintable(QString::number(covered)));
        }

        // A dry run counts per matter and touches nothing.
        const QByteArray untouched = fileHash(archiveB);
        auto dry =
            journalTool({"dispose", archiveB, "--key", key, "--before", before, "--dry-run"});
        QVERIFY2(dry.code == 0, qPrintable(dry.out + dry.err));
        QVERIFY2(captured(dry.out, "Jones Lease  (\\d+) to dispose of, 0 held") >= 4,
                 qPrintable(dry.out));
        QVERIFY2(captured(dry.out, "Estate of Smith  0 to dispose of, (\\d+) held") >= 3,
                 qPrintable(dry.out));
        QCOMPARE(fileHash(archiveB), untouched);
        QVERIFY(
            journalTool({"search", archiveB, "rent", "--key", key}).out.contains("rent review"));

        // B's own disposal honours A's hold.
        auto disposed = journalTool(
            {"dispose", archiveB, "--profile", profileB, "--key", key, "--before", before});
        QVERIFY2(disposed.code == 0, qPrintable(disposed.out + disposed.err));
        const std::uint64_t dispositionSeq = journaledAt(disposed.out);
        QVERIFY2(dispositionSeq > 0, qPrintable(disposed.out));
        auto searchJones = journalTool({"search", archiveB, "rent", "--key", key});
        QVERIFY2(searchJones.code == 0 && !searchJones.out.contains("rent review"),
                 qPrintable(searchJones.out));
        auto searchSmith = journalTool({"search", archiveB, "clause", "--key", key});
        QVERIFY2(searchSmith.out.contains("Smith will"), qPrintable(searchSmith.out));
        {
            auto db = archiveDb(archiveB, h.journalKey());
            QVERIFY(db);
            QVERIFY(scalar(*db, "SELECT count(*) FROM entries WHERE disposed_by = " +
                                    std::to_string(dispositionSeq) + " AND entry = x''") >= 4);
            QCOMPARE(scalar(*db, "SELECT count(*) FROM records WHERE conversation = '" + *jones +
                                     "' AND type = 1"),
                     std::int64_t(0));
            QCOMPARE(scalar(*db, "SELECT count(*) FROM records WHERE conversation = '" + *smith +
                                     "' AND type = 1"),
                     std::int64_t(3));
        }
        auto verifyB = journalTool({"verify", archiveB, "--key", key, "--json"});
        QVERIFY2(verifyB.code == 0, qPrintable(verifyB.out + verifyB.err));
        auto report = QJsonDocument::fromJson(verifyB.out.toUtf8()).object();
        QVERIFY(report["disposed"].toInteger() >= 4);
        QVERIFY2(report["dispositions"].toArray().first().toString().contains(
                     "disposed by record #" + QString::number(dispositionSeq)),
                 qPrintable(verifyB.out));
        // A's archive holds the disposition record but kept its content: still clean.
        pullA = pullArchive(profileA, archiveA, key);
        QVERIFY2(pullA.code == 0, qPrintable(pullA.err));
        auto verifyA = journalTool({"verify", archiveA, "--key", key});
        QVERIFY2(verifyA.code == 0, qPrintable(verifyA.out));

        // An entry deleted, not disposed, is still a fault; so is a disposed one deleted, and a
        // disposition record altered (its entries then have no valid disposition).
        std::int64_t smithSeq = 0, disposedSeq = 0;
        {
            auto db = archiveDb(archiveB, h.journalKey());
            QVERIFY(db);
            smithSeq = scalar(*db, "SELECT min(seq) FROM records WHERE conversation = '" + *smith +
                                       "' AND type = 1");
            disposedSeq = scalar(*db, "SELECT min(seq) FROM entries WHERE disposed_by IS NOT NULL");
            QVERIFY(smithSeq > 0 && disposedSeq > 0);
        }
        struct Tamper {
            const char* name;
            std::string sql;
            QString fault;
            qint64 seq;
        };
        const std::vector<Tamper> tampers{
            {"deleted entry", "DELETE FROM entries WHERE seq = " + std::to_string(smithSeq),
             "missing", smithSeq},
            {"deleted disposed entry",
             "DELETE FROM entries WHERE seq = " + std::to_string(disposedSeq), "missing",
             disposedSeq},
            {"altered disposition",
             "UPDATE entries SET entry = substr(entry, 1, length(entry) - 80) || x'deadbeef' || "
             "substr(entry, length(entry) - 75) WHERE seq = " +
                 std::to_string(dispositionSeq),
             "disposed-without-record", disposedSeq},
            {"content dropped without a record",
             "UPDATE entries SET disposed_by = " + std::to_string(holdId) +
                 ", kept_hash = kept_hash WHERE seq = " + std::to_string(disposedSeq),
             "disposed-without-record", disposedSeq},
        };
        for (const auto& t : tampers) {
            const QString copy = dir.path() + "/tampered.archive";
            QFile::remove(copy);
            QVERIFY(QFile::copy(archiveB, copy));
            {
                auto db = archiveDb(copy, h.journalKey());
                QVERIFY(db);
                QVERIFY2(db->exec(t.sql), t.name);
            }
            auto v = journalTool({"verify", copy, "--key", key, "--json"});
            QVERIFY2(v.code == 3, qPrintable(QString(t.name) + ": " + v.out + v.err));
            QVERIFY2(hasFault(v.out, t.fault, t.seq),
                     qPrintable(QString(t.name) + ": " + faults(v.out).join(' ')));
            if (QString(t.name) == "altered disposition")
                QVERIFY2(hasFault(v.out, "altered", qint64(dispositionSeq)),
                         qPrintable(faults(v.out).join(' ')));
        }

        // Released, the matter can be disposed of.
        auto release =
            journalTool({"hold", "release", archiveA, "--profile", profileA, "--key", key, "--id",
                         QString::number(holdId), "--reason", "Claim settled"});
        QVERIFY2(release.code == 0, qPrintable(release.out + release.err));
        auto again = journalTool(
            {"dispose", archiveB, "--profile", profileB, "--key", key, "--before", before});
        QVERIFY2(again.code == 0 && captured(again.out, "disposed of (\\d+) entr") >= 3,
                 qPrintable(again.out + again.err));
        verifyB = journalTool({"verify", archiveB, "--key", key});
        QVERIFY2(verifyB.code == 0, qPrintable(verifyB.out));
        QVERIFY(!journalTool({"search", archiveB, "clause", "--key", key}).out.contains("Smith"));

        // A disposition naming a chain hash the log does not hold: the archive removes nothing
        // under it and verify reports it.
        std::uint64_t forgedSeq = 0;
        {
            auto c = client::Client::open(profileA.toStdString(), kPass);
            QVERIFY(c);
            (*c)->start();
            QVERIFY((*c)->waitUntilSynced(20s));
            auto conv = (*c)->resolveConversation(compliance::kReviewConversationTitle);
            QVERIFY(conv);
            compliance::DisposalPlan plan;
            plan.ranges.push_back({std::uint64_t(smithSeq), std::uint64_t(smithSeq),
                                   std::string(64, 'a'), std::string(64, 'a')});
            plan.entries = 1;
            auto bodies = compliance::dispositionBodies(plan, "forged");
            QVERIFY((*c)->sendSupervisionRecord(*conv, bodies.front()));
            QVERIFY((*c)->waitForOutbox(20s));
            (*c)->stop();
        }
        pullA = pullArchive(profileA, archiveA, key);
        QVERIFY2(pullA.code == 0, qPrintable(pullA.err));
        {
            auto archive =
                compliance::Archive::open(archiveA.toStdString(), keysOf(h.journalKey()), false);
            QVERIFY(archive);
            compliance::Retention rt(**archive);
            auto list = rt.dispositions();
            QVERIFY(list && !list->empty());
            forgedSeq = list->back().sequence;
            auto refused = rt.apply(forgedSeq);
            QVERIFY(!refused);
            QVERIFY2(refused.error().message.find("nothing was removed") != std::string::npos,
                     refused.error().message.c_str());
        }
        verifyA = journalTool({"verify", archiveA, "--key", key, "--json"});
        QCOMPARE(verifyA.code, 3);
        QVERIFY2(hasFault(verifyA.out, "disposition-mismatch", qint64(forgedSeq)),
                 qPrintable(faults(verifyA.out).join(' ')));
    }

    // TESTPLAN J-DISPOSE-6..8 (issue 22, the attacker's review): disposal follows retention
    // (a matter closed and past its period; never an open matter, never without a period, a
    // future --before does not widen it); verify judges every disposed entry again on the facts
    // kept for it (a modified tool that disposed of an open matter's, a held matter's or
    // compliance's own entries is caught); the disposed words leave the search index.
    void disposalFollowsRetentionAndVerifyJudgesWhatWasDisposed() {
        e2e::Harness h;
        QVERIFY(h.ok());
        QTemporaryDir dir;
        auto alice = joinParty(h.enrollLink("alice", proto::ROLE_LAWYER), "Alice Adams");
        auto admin = joinParty(h.enrollLink("root", proto::ROLE_ADMIN), "Ada Admin");
        auto officer = joinParty(h.enrollLink("comply", proto::ROLE_COMPLIANCE), "Casey");
        QVERIFY(alice && admin && officer);
        for (auto* p : {&alice, &admin, &officer})
            (*p)->start();
        QVERIFY(alice->waitUntilSynced(20s) && admin->waitUntilSynced(20s));
        auto openLink = alice->createInvite("Open Matter");
        auto closedLink = alice->createInvite("Closed Matter");
        auto heldLink = alice->createInvite("Held Matter");
        QVERIFY(openLink && closedLink && heldLink);
        auto carol = joinParty(*openLink, "Carol Client", true);
        auto dave = joinParty(*closedLink, "Dave Client", true);
        auto erin = joinParty(*heldLink, "Erin Client", true);
        QVERIFY(carol && dave && erin);
        for (auto* p : {&carol, &dave, &erin})
            (*p)->start();
        QVERIFY(carol->waitUntilSynced(20s) && dave->waitUntilSynced(20s) &&
                erin->waitUntilSynced(20s) && alice->waitUntilSynced(20s));
        auto openConv = alice->resolveConversation("Open Matter");
        auto closedConv = alice->resolveConversation("Closed Matter");
        auto heldConv = alice->resolveConversation("Held Matter");
        QVERIFY(openConv && closedConv && heldConv);
        QVERIFY(admin->createConversation(compliance::kReviewConversationTitle, false, {"comply"}));
        QVERIFY(officer->waitUntilSynced(20s));
        officer->stop();
        QVERIFY(carol->sendText(*openConv, "ongoing advice about the quokkaword"));
        QVERIFY(dave->sendText(*closedConv, "final bill for the zanzibarword lease"));
        QVERIFY(erin->sendText(*heldConv, "disputed heronword invoice"));
        QVERIFY(carol->waitForOutbox(20s) && dave->waitForOutbox(20s) && erin->waitForOutbox(20s));
        QVERIFY(alice->setMatterClosed("Closed Matter", true));
        QVERIFY(alice->setMatterClosed("Held Matter", true));

        const QString profile = QString::fromStdString(officer.get()->profile());
        const QString key = writeKeyFile(dir.path(), h.journalKey());
        const QString archive = dir.path() + "/firm.archive";
        auto tool = [&](QStringList args) { // the archive after the command's words
            int at = 0;
            while (at < args.size() && !args[at].startsWith("--"))
                ++at;
            args.insert(at, archive);
            return journalTool(args << "--profile" << profile << "--key" << key);
        };
        auto pull = pullArchive(profile, archive, key);
        QVERIFY2(pull.code == 0, qPrintable(pull.err));
        auto set = [&](const char* matter, const char* years) {
            auto r = tool({"retention", "set", "--matter", matter, "--years", years});
            return r.code == 0;
        };
        QVERIFY(set("Closed Matter", "0") && set("Held Matter", "1"));
        auto hold = tool({"hold", "add", "--matter", "Held Matter", "--reason", "Claim"});
        QVERIFY2(hold.code == 0, qPrintable(hold.out + hold.err));

        QVERIFY(backdate(archive, h.journalKey()));

        // Attack 1: no period (0 years) and a --before far in the future dispose of nothing.
        auto none = tool({"dispose", "--before", "2099-01-01"});
        QVERIFY2(none.code == 0 && none.out.contains("nothing to dispose of"),
                 qPrintable(none.out + none.err));
        auto noneByPolicy = tool({"dispose", "--by-policy"});
        QVERIFY2(noneByPolicy.code == 0 && noneByPolicy.out.contains("nothing to dispose of"),
                 qPrintable(noneByPolicy.out + noneByPolicy.err));
        QVERIFY(journalTool({"search", archive, "zanzibarword", "--key", key})
                    .out.contains("zanzibarword"));

        // A disposition a modified tool would journal, covering
        // the open matter's message, the held matter's and compliance's own retention record.
        std::int64_t openSeq = 0, heldSeq = 0, recordSeq = 0;
        compliance::DisposalPlan wide;
        {
            auto db = archiveDb(archive, h.journalKey());
            QVERIFY(db);
            openSeq = scalar(*db, "SELECT seq FROM records WHERE type = 1 AND conversation = '" +
                                      *openConv + "'");
            heldSeq = scalar(*db, "SELECT seq FROM records WHERE type = 1 AND conversation = '" +
                                      *heldConv + "'");
            recordSeq = scalar(*db, "SELECT min(seq) FROM rt_retention");
            QVERIFY(openSeq > 0 && heldSeq > 0 && recordSeq > 0);
            std::vector<std::int64_t> seqs{openSeq, heldSeq, recordSeq};
            std::sort(seqs.begin(), seqs.end());
            for (auto seq : seqs) {
                auto q = db->prepare("SELECT chain_hash FROM entries WHERE seq = ?");
                QVERIFY(q);
                q->bind(1, seq);
                auto row = q->step();
                QVERIFY(row && *row);
                const std::string hash = toHex(q->columnBlob(0));
                wide.ranges.push_back({std::uint64_t(seq), std::uint64_t(seq), hash, hash});
            }
            wide.entries = 3;
        }
        std::uint64_t forged = 0;
        {
            auto c = client::Client::open(profile.toStdString(), kPass);
            QVERIFY(c);
            (*c)->start();
            QVERIFY((*c)->waitUntilSynced(20s));
            auto conv = (*c)->resolveConversation(compliance::kReviewConversationTitle);
            QVERIFY(conv);
            QVERIFY((*c)->sendSupervisionRecord(
                *conv, compliance::dispositionBodies(wide, "before 2099-01-01").front()));
            QVERIFY((*c)->waitForOutbox(20s));
            (*c)->stop();
        }
        pull = pullArchive(profile, archive, key);
        QVERIFY2(pull.code == 0, qPrintable(pull.err));
        {
            auto a =
                compliance::Archive::open(archive.toStdString(), keysOf(h.journalKey()), false);
            QVERIFY(a);
            compliance::Retention rt(**a);
            auto list = rt.dispositions();
            QVERIFY(list && !list->empty());
            forged = list->back().sequence;
        }
        // The modified tool's removal, in a copy: verify finds each entry that was not
        // disposable then.
        {
            const QString copy = dir.path() + "/tampered.archive";
            QVERIFY(QFile::copy(archive, copy));
            {
                auto db = archiveDb(copy, h.journalKey());
                QVERIFY(db);
                for (auto seq : {openSeq, heldSeq, recordSeq})
                    QVERIFY(forceDispose(*db, seq, forged));
            }
            auto v = journalTool({"verify", copy, "--key", key, "--json"});
            QVERIFY2(v.code == 3, qPrintable(v.out + v.err));
            QVERIFY2(hasFault(v.out, "disposed-before-retention", openSeq),
                     qPrintable(faults(v.out).join(' ')));
            QVERIFY2(hasFault(v.out, "disposed-under-hold", heldSeq),
                     qPrintable(faults(v.out).join(' ')));
            QVERIFY2(hasFault(v.out, "disposed-not-disposable", recordSeq),
                     qPrintable(faults(v.out).join(' ')));
        }
        // This tool removes nothing under that record.
        {
            auto a =
                compliance::Archive::open(archive.toStdString(), keysOf(h.journalKey()), false);
            QVERIFY(a);
            compliance::Retention rt(**a);
            auto applied = rt.apply(forged);
            QVERIFY2(applied, applied ? "" : applied.error().message.c_str());
            QCOMPARE(applied->entries, std::uint64_t(0));
        }

        // A period set and over: --by-policy disposes of the closed matter only.
        QVERIFY(set("Closed Matter", "1"));
        QVERIFY(backdate(archive, h.journalKey()));
        auto dry = tool({"dispose", "--by-policy", "--dry-run"});
        QVERIFY2(dry.code == 0, qPrintable(dry.out + dry.err));
        QVERIFY2(captured(dry.out, "Closed Matter  (\\d+) to dispose of, 0 held") >= 1,
                 qPrintable(dry.out));
        QVERIFY2(captured(dry.out, "Open Matter  0 to dispose of, 0 held, (\\d+) within") >= 1,
                 qPrintable(dry.out));
        QVERIFY2(captured(dry.out, "Held Matter  0 to dispose of, (\\d+) held") >= 1,
                 qPrintable(dry.out));
        auto disposed = tool({"dispose", "--by-policy"});
        QVERIFY2(disposed.code == 0 && captured(disposed.out, "disposed of (\\d+) entr") >= 1,
                 qPrintable(disposed.out + disposed.err));
        auto v = journalTool({"verify", archive, "--key", key, "--json"});
        QVERIFY2(v.code == 0, qPrintable(v.out + v.err));
        QVERIFY(QJsonDocument::fromJson(v.out.toUtf8()).object()["disposed"].toInteger() >= 1);
        QVERIFY(!journalTool({"search", archive, "zanzibarword", "--key", key})
                     .out.contains("zanzibarword"));
        // The disposed word has left the index's segments, the others are still there.
        {
            auto db = archiveDb(archive, h.journalKey());
            QVERIFY(db);
            QVERIFY(!inVocabulary(*db, "zanzibarword"));
            QVERIFY(!inIndexPages(*db, "zanzibarword"));
            QVERIFY(inIndexPages(*db, "quokkaword"));
            QVERIFY(inVocabulary(*db, "quokkaword"));
            QVERIFY(inVocabulary(*db, "heronword"));
        }
    }
};

QTEST_GUILESS_MAIN(TestRetention)
#include "tst_retention.moc"
