// Disposal across compliance officers and archives (issue 22), end to end: real clients talk
// through a real relay over TLS and each officer runs verbatim-journal on their own archive.
// One officer's disposition reaches the other's archive at its next pull and removes the same
// content there; a disposition naming a held entry, or one sent by a device that is not
// compliance's, removes nothing anywhere. A dry run opens the archive read-only: it never writes
// or migrates the file, even an archive of an older version.

#include <QCryptographicHash>
#include <QDateTime>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QThread>
#include <QtTest>

#include <functional>

#include "ClientParty.h"
#include "ComplianceParty.h"
#include "E2EHarness.h"
#include "client/core/InviteNotice.h"
#include "compliance/ArchiveSchema.h"
#include "compliance/ArchiveText.h"
#include "compliance/Retention.h"
#include "compliance/Supervision.h"
#include "crypto/Hkdf.h"
#include "crypto/PassphraseBox.h"
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

/// What two archives of one journal must agree on after the same dispositions: every log row as
/// kept (sealed bytes or, when disposed, the kept hash and the record that disposed of it) and
/// which records are still readable. The relay's times are left out (the test backdates them).
QByteArray archiveDigest(const QString& path, const crypto::X25519Key& key) {
    auto db = archiveDb(path, key);
    if (!db) return {};
    QCryptographicHash h(QCryptographicHash::Sha256);
    auto q = db->prepare("SELECT seq, entry, chain_hash, coalesce(disposed_by, 0), "
                         "coalesce(kept_hash, x'') FROM entries ORDER BY seq");
    if (!q) return {};
    if (!q->forEachRow([&](storage::Statement& s) {
            h.addData(QByteArray::number(s.columnInt(0)) + ":");
            for (int c : {1, 2, 4}) {
                const Bytes b = s.columnBlob(c);
                h.addData(QByteArray(reinterpret_cast<const char*>(b.data()), qsizetype(b.size())));
                h.addData(":");
            }
            h.addData(QByteArray::number(s.columnInt(3)) + "\n");
        }))
        return {};
    auto r = db->prepare("SELECT seq FROM records ORDER BY seq");
    if (!r || !r->forEachRow([&](storage::Statement& s) {
            h.addData("r" + QByteArray::number(s.columnInt(0)));
        }))
        return {};
    return h.result();
}

QByteArray fileHash(const QString& path) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) return {};
    return QCryptographicHash::hash(f.readAll(), QCryptographicHash::Sha256);
}

/// A disposition of the single entries `seqs` with the chain hashes the archive holds there.
compliance::DisposalPlan dispositionOf(storage::Database& db, std::vector<std::int64_t> seqs) {
    compliance::DisposalPlan plan;
    std::sort(seqs.begin(), seqs.end());
    for (auto seq : seqs) {
        auto q = db.prepare("SELECT chain_hash FROM entries WHERE seq = ?");
        if (!q) return {};
        q->bind(1, seq);
        auto row = q->step();
        if (!row || !*row) return {};
        const std::string hash = toHex(q->columnBlob(0));
        plan.ranges.push_back({std::uint64_t(seq), std::uint64_t(seq), hash, hash});
        ++plan.entries;
    }
    return plan;
}

/// Sends `body` as a SUPERVISION record from the profile's device into `conversation`.
bool sendRecord(const QString& profile, const std::string& conversation, const std::string& body) {
    auto c = client::Client::open(profile.toStdString(), kPass);
    if (!c) return false;
    (*c)->start();
    bool ok = (*c)->waitUntilSynced(20s);
    auto conv = (*c)->resolveConversation(conversation);
    ok = ok && conv && (*c)->sendSupervisionRecord(*conv, body) && (*c)->waitForOutbox(20s);
    (*c)->stop();
    return ok;
}

std::vector<std::int64_t> textSeqs(storage::Database& db, const std::string& conversation) {
    std::vector<std::int64_t> out;
    auto q = db.prepare("SELECT seq FROM records WHERE type = 1 AND conversation = ? ORDER BY seq");
    if (!q) return out;
    q->bind(1, std::string_view(conversation));
    (void)q->forEachRow([&](storage::Statement& s) { out.push_back(s.columnInt(0)); });
    return out;
}

} // namespace

class TestRetentionOfficers : public QObject {
    Q_OBJECT

private slots:
    // J-RT-1, J-RT-2 across archives (issue 22): officer A's disposition is applied by officer
    // B's pull (the same content goes, the facts stay; both verify clean and hold the same rows);
    // a disposition from A naming a held entry removes it nowhere; a disposition sent by a
    // lawyer's device removes nothing (forged-supervision). A re-pull after disposal is clean.
    void anotherOfficersDispositionIsAppliedAtPull() {
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
        // Alice's own open matter: where her device sends the forged record at the end.
        QVERIFY(alice->createConversation("Alice Notes", true, {"alice"}));
        QVERIFY(admin->createConversation(compliance::kReviewConversationTitle, false,
                                          {"comply-a", "comply-b"}));
        QVERIFY(officerA->waitUntilSynced(20s) && officerB->waitUntilSynced(20s));
        officerA->stop(); // the tool opens the profiles itself
        officerB->stop();
        for (int i = 0; i < 3; ++i) {
            QVERIFY(carol->sendText(*smith, "Smith will, clause " + std::to_string(i)));
            QVERIFY(dave->sendText(*jones, "Jones lease, rent review " + std::to_string(i)));
        }
        QVERIFY(carol->waitForOutbox(20s) && dave->waitForOutbox(20s) && alice->waitForOutbox(20s));
        QVERIFY(alice->setMatterClosed("Estate of Smith", true));
        QVERIFY(alice->setMatterClosed("Jones Lease", true));

        const QString profileA = QString::fromStdString(officerA.get()->profile());
        const QString profileB = QString::fromStdString(officerB.get()->profile());
        const QString profileAlice = QString::fromStdString(alice.get()->profile());
        const QString key = writeKeyFile(dir.path(), h.journalKey());
        const QString archiveA = dir.path() + "/a.archive", archiveB = dir.path() + "/b.archive";
        const QString before = QDateTime::currentDateTimeUtc().addDays(1).toString("yyyy-MM-dd");
        auto pull = [&](const QString& profile, const QString& archive) {
            return journalTool({"pull", "--profile", profile, "--archive", archive, "--key", key});
        };
        auto search = [&](const QString& archive, const QString& word) {
            return journalTool({"search", archive, word, "--key", key}).out;
        };
        auto pullA = pull(profileA, archiveA);
        QVERIFY2(pullA.code == 0, qPrintable(pullA.err));
        auto hold = journalTool({"hold", "add", archiveA, "--profile", profileA, "--key", key,
                                 "--matter", "Estate of Smith", "--reason", "Will contested"});
        QVERIFY2(hold.code == 0, qPrintable(hold.out + hold.err));
        const std::uint64_t holdId = journaledAt(hold.out);
        QVERIFY(holdId > 0);
        for (const char* matter : {"Estate of Smith", "Jones Lease"}) {
            auto set = journalTool({"retention", "set", archiveA, "--profile", profileA, "--key",
                                    key, "--matter", matter, "--years", "1"});
            QVERIFY2(set.code == 0, qPrintable(set.out + set.err));
        }
        auto pullB = pull(profileB, archiveB);
        QVERIFY2(pullB.code == 0, qPrintable(pullB.err));
        QVERIFY(backdate(archiveA, h.journalKey()) && backdate(archiveB, h.journalKey()));

        // A disposes; B never runs dispose.
        auto disposed = journalTool(
            {"dispose", archiveA, "--profile", profileA, "--key", key, "--before", before});
        QVERIFY2(disposed.code == 0, qPrintable(disposed.out + disposed.err));
        const std::uint64_t dispositionSeq = journaledAt(disposed.out);
        QVERIFY2(dispositionSeq > 0, qPrintable(disposed.out));
        QVERIFY2(captured(disposed.out, "disposed of (\\d+) entr") >= 3, qPrintable(disposed.out));
        QVERIFY(!search(archiveA, "rent").contains("rent review"));
        QVERIFY(search(archiveB, "rent").contains("rent review"));

        // B's next pull applies A's disposition: the same content goes, the held matter stays.
        pullB = pull(profileB, archiveB);
        QVERIFY2(pullB.code == 0, qPrintable(pullB.out + pullB.err));
        QVERIFY2(pullB.out.contains("applied disposition #" + QString::number(dispositionSeq)),
                 qPrintable(pullB.out));
        QVERIFY2(!search(archiveB, "rent").contains("rent review"),
                 qPrintable(search(archiveB, "rent")));
        QVERIFY(search(archiveB, "clause").contains("Smith will"));
        {
            auto db = archiveDb(archiveB, h.journalKey());
            QVERIFY(db);
            QVERIFY(scalar(*db, "SELECT count(*) FROM entries WHERE disposed_by = " +
                                    std::to_string(dispositionSeq) +
                                    " AND entry = x'' AND "
                                    "kept_facts IS NOT NULL") >= 3);
            QCOMPARE(scalar(*db, "SELECT count(*) FROM records WHERE conversation = '" + *jones +
                                     "' AND type = 1"),
                     std::int64_t(0));
            QCOMPARE(textSeqs(*db, *smith).size(), std::size_t(3));
        }
        // A pulls again (the relay still serves the entries A disposed of): nothing rewritten.
        pullA = pull(profileA, archiveA);
        QVERIFY2(pullA.code == 0, qPrintable(pullA.out + pullA.err));
        for (const auto& archive : {archiveA, archiveB}) {
            auto v = journalTool({"verify", archive, "--key", key, "--json"});
            QVERIFY2(v.code == 0, qPrintable(v.out + v.err));
            auto report = QJsonDocument::fromJson(v.out.toUtf8()).object();
            QVERIFY(report["disposed"].toInteger() >= 3);
        }
        QCOMPARE(archiveDigest(archiveB, h.journalKey()), archiveDigest(archiveA, h.journalKey()));

        // Attack: A's device journals a disposition naming the held matter's entries (a modified
        // tool). Neither archive removes them.
        std::vector<std::int64_t> smithSeqs;
        compliance::DisposalPlan heldPlan;
        {
            auto db = archiveDb(archiveB, h.journalKey());
            QVERIFY(db);
            smithSeqs = textSeqs(*db, *smith);
            heldPlan = dispositionOf(*db, smithSeqs);
        }
        QCOMPARE(heldPlan.ranges.size(), std::size_t(3));
        QVERIFY(sendRecord(profileA, compliance::kReviewConversationTitle,
                           compliance::dispositionBodies(heldPlan, "before 2099-01-01").front()));
        for (const auto& [profile, archive] :
             {std::pair{profileA, archiveA}, {profileB, archiveB}}) {
            auto p = pull(profile, archive);
            QVERIFY2(p.code == 0, qPrintable(p.out + p.err));
            QVERIFY2(search(archive, "clause").count("Smith will") == 3,
                     qPrintable(search(archive, "clause")));
            auto v = journalTool({"verify", archive, "--key", key});
            QVERIFY2(v.code == 0, qPrintable(v.out + v.err));
        }

        // Attack: with the hold released, a lawyer's device journals a disposition of the
        // (now eligible) Smith entries. It is not compliance's: no archive applies it.
        auto release = journalTool({"hold", "release", archiveA, "--profile", profileA, "--key",
                                    key, "--id", QString::number(holdId), "--reason", "Settled"});
        QVERIFY2(release.code == 0, qPrintable(release.out + release.err));
        alice->stop();
        QVERIFY(sendRecord(profileAlice, "Alice Notes",
                           compliance::dispositionBodies(heldPlan, "before 2099-01-01").front()));
        pullB = pull(profileB, archiveB);
        QVERIFY2(pullB.code == 0, qPrintable(pullB.out + pullB.err));
        QVERIFY2(!pullB.out.contains("applied disposition"), qPrintable(pullB.out));
        QVERIFY2(search(archiveB, "clause").count("Smith will") == 3,
                 qPrintable(search(archiveB, "clause")));
        auto v = journalTool({"verify", archiveB, "--key", key, "--json"});
        QVERIFY2(v.out.contains("\"forged-supervision\""), qPrintable(v.out));
        QVERIFY2(!v.out.contains("disposed-"), qPrintable(v.out));
    }

    // Retention of direct conversations (the firm manifest's retention_years_direct, issue 22)
    // with real clients: a direct conversation's messages past the period go, an open matter's
    // never do (no close), and verify is clean with the disposed entries judged again.
    void directConversationRetentionDisposesByTheManifest() {
        e2e::Harness h;
        QVERIFY(h.ok());
        h.setManifestTweak([](journal::FirmManifest& m) {
            m.retention.yearsDirect = 1;
            m.retention.yearsAfterClose = 1;
        });
        QVERIFY(h.restart());
        QTemporaryDir dir;
        auto alice = joinParty(h.enrollLink("alice", proto::ROLE_LAWYER), "Alice Adams");
        auto bob = joinParty(h.enrollLink("bob", proto::ROLE_LAWYER), "Bob Brown");
        auto admin = joinParty(h.enrollLink("root", proto::ROLE_ADMIN), "Ada Admin");
        auto officer = joinParty(h.enrollLink("comply", proto::ROLE_COMPLIANCE), "Casey");
        QVERIFY(alice && bob && admin && officer);
        for (auto* p : {&alice, &bob, &admin, &officer})
            (*p)->start();
        QVERIFY(alice->waitUntilSynced(20s) && bob->waitUntilSynced(20s) &&
                admin->waitUntilSynced(20s));
        auto direct = alice->createConversation("Alice and Bob", false, {"bob"});
        auto matter = alice->createConversation("Open Matter", true, {"bob"});
        QVERIFY(direct && matter);
        QVERIFY(admin->createConversation(compliance::kReviewConversationTitle, false, {"comply"}));
        QVERIFY(officer->waitUntilSynced(20s) && bob->waitUntilSynced(20s));
        officer->stop();
        QVERIFY(alice->sendText(*direct, "lunch at the pelicanword bistro"));
        QVERIFY(bob->waitUntilSynced(20s));
        QVERIFY(bob->sendText(*direct, "pelicanword works for me"));
        QVERIFY(alice->sendText(*matter, "draft of the ospreyword deed"));
        QVERIFY(alice->waitForOutbox(20s) && bob->waitForOutbox(20s));

        const QString profile = QString::fromStdString(officer.get()->profile());
        const QString key = writeKeyFile(dir.path(), h.journalKey());
        const QString archive = dir.path() + "/firm.archive";
        auto pull = journalTool({"pull", "--profile", profile, "--archive", archive, "--key", key});
        QVERIFY2(pull.code == 0, qPrintable(pull.err));
        // Nothing is a year old yet.
        auto early = journalTool({"dispose", archive, "--key", key, "--by-policy", "--dry-run"});
        QVERIFY2(early.code == 0 && early.out.contains("total: 0 entries"),
                 qPrintable(early.out + early.err));
        QVERIFY(backdate(archive, h.journalKey()));
        auto dry = journalTool({"dispose", archive, "--key", key, "--by-policy", "--dry-run"});
        QVERIFY2(dry.code == 0, qPrintable(dry.out + dry.err));
        QVERIFY2(captured(dry.out, "Alice and Bob  (\\d+) to dispose of") >= 2,
                 qPrintable(dry.out));
        QVERIFY2(captured(dry.out, "Open Matter  0 to dispose of, 0 held, (\\d+) within") >= 1,
                 qPrintable(dry.out));
        auto disposed =
            journalTool({"dispose", archive, "--profile", profile, "--key", key, "--by-policy"});
        QVERIFY2(disposed.code == 0 && captured(disposed.out, "disposed of (\\d+) entr") >= 2,
                 qPrintable(disposed.out + disposed.err));
        QVERIFY(!journalTool({"search", archive, "pelicanword", "--key", key})
                     .out.contains("pelicanword"));
        QVERIFY(journalTool({"search", archive, "ospreyword", "--key", key})
                    .out.contains("ospreyword"));
        auto v = journalTool({"verify", archive, "--key", key, "--json"});
        QVERIFY2(v.code == 0, qPrintable(v.out + v.err));
        QVERIFY(QJsonDocument::fromJson(v.out.toUtf8()).object()["disposed"].toInteger() >= 2);
        // The facts kept for each disposed message: its direct conversation, sender, recipient.
        {
            auto db = archiveDb(archive, h.journalKey());
            QVERIFY(db);
            QVERIFY(scalar(*db, "SELECT count(*) FROM entries WHERE disposed_by IS NOT NULL AND "
                                "kept_facts LIKE '%" +
                                    *direct + "%'") >= 2);
        }
    }

    // Issue 22 (J-NOTICE-2): the acceptance journals the facts the notice showed (inviter,
    // matter title, number and client, retention, privacy notice, erasure), and verify holds them
    // against the journal and the firm manifest in force: a notice that stated other facts (a
    // relay that showed a client a false preview, or a modified client) is
    // `notice-facts-mismatch`; a faithful one is clean.
    void noticeAcceptanceCarriesTheFactsShownAndVerifyChecksThem() {
        e2e::Harness h;
        QVERIFY(h.ok());
        const std::string privacy = "https://firm.example/privacy-notice";
        h.setManifestTweak([&](journal::FirmManifest& m) {
            m.retention.yearsAfterClose = 6;
            m.privacyNoticeUrl = privacy;
            m.policy.mayWipeClientDevices = true;
        });
        QVERIFY(h.restart());
        QVERIFY(h.service().createUser("alice", proto::ROLE_LAWYER, "Alice Adams", "test"));
        auto alice = joinParty(h.enrollLink("alice", proto::ROLE_LAWYER), "Alice Adams");
        auto officer = joinParty(h.enrollLink("comply", proto::ROLE_COMPLIANCE), "Casey");
        QVERIFY(alice && officer);
        alice->start();
        QVERIFY(alice->waitUntilSynced(20s));
        QVERIFY(alice->createConversation("Estate of Doe", true, {}, "2024/117", "Carol Smith"));
        auto carolLink = alice->createInvite("Estate of Doe");
        auto daveLink = alice->createInvite("Estate of Doe");
        QVERIFY(carolLink && daveLink);

        auto join = [](const std::string& link, const std::string& name,
                       const std::function<void(client::InviteNotice&)>& alter) -> PartyHandle {
            auto notice = client::previewInvite(link);
            if (!notice) return {};
            if (alter) alter(*notice);
            auto p = std::make_unique<Party>();
            client::JoinOptions o;
            o.displayName = name;
            o.acceptNotice = true;
            o.platform = "test";
            o.noticeFacts = client::noticeFactsJson(*notice);
            auto c = client::Client::join(p->profile(), kPass, link, o);
            if (!c) return {};
            p->c = std::move(*c);
            watch(*p);
            return {std::move(p)};
        };
        // Carol accepts what the relay and the manifest truly say.
        auto carol = join(*carolLink, "Carol Smith", {});
        // Dave was shown another matter, inviter and retention than the journal and the
        // manifest hold.
        auto dave = join(*daveLink, "Dave Doe", [](client::InviteNotice& n) {
            n.matterTitle = "Estate of Roe";
            n.inviterName = "Bob Brown";
            n.retentionYears = 1;
        });
        QVERIFY(carol && dave);
        carol->start();
        dave->start();
        QVERIFY(carol->waitForOutbox(20s) && dave->waitForOutbox(20s));

        QTemporaryDir dir;
        const QString profile = QString::fromStdString(officer.get()->profile());
        const QString key = writeKeyFile(dir.path(), h.journalKey());
        const QString archive = dir.path() + "/firm.archive";
        auto pull = journalTool({"pull", "--profile", profile, "--archive", archive, "--key", key});
        QVERIFY2(pull.code == 0, qPrintable(pull.err));
        std::int64_t carolSeq = 0, daveSeq = 0;
        {
            auto db = archiveDb(archive, h.journalKey());
            QVERIFY(db);
            // Each client's acceptance, by the inviter its facts name.
            auto acceptance = [&](const char* inviter) {
                return scalar(*db, std::string("SELECT seq FROM records WHERE type = ") +
                                       std::to_string(int(proto::NOTICE_ACCEPTED)) +
                                       " AND body LIKE '%\"inviter\":\"" + inviter + "\"%'");
            };
            carolSeq = acceptance("Alice Adams");
            daveSeq = acceptance("Bob Brown");
            QVERIFY(carolSeq > 0 && daveSeq > 0);
            auto q = db->prepare("SELECT body FROM records WHERE seq = ?");
            QVERIFY(q);
            q->bind(1, carolSeq);
            auto row = q->step();
            QVERIFY(row && *row);
            const QString body = QString::fromStdString(compliance::str(q->columnBlob(0)));
            for (const QString& fact :
                 {QString("\"notice_version\":1"), QString("\"inviter\":\"Alice Adams\""),
                  QString("\"matter_title\":\"Estate of Doe\""),
                  QString("\"matter_number\":\"2024/117\""),
                  QString("\"client_name\":\"Carol Smith\""), QString("\"retention_years\":6"),
                  QString("\"privacy_notice\":\"") + QString::fromStdString(privacy) + "\"",
                  QString("\"may_erase\":true")})
                QVERIFY2(body.contains(fact), qPrintable(body));
        }
        auto v = journalTool({"verify", archive, "--key", key, "--json"});
        QCOMPARE(v.code, 3);
        const QJsonArray problems =
            QJsonDocument::fromJson(v.out.toUtf8()).object()["problems"].toArray();
        QString daveDetail;
        for (const auto& p : problems) {
            const auto o = p.toObject();
            QVERIFY2(o["sequence"].toInteger() != carolSeq, qPrintable(v.out));
            if (o["fault"].toString() == "notice-facts-mismatch" &&
                o["sequence"].toInteger() == daveSeq)
                daveDetail = o["detail"].toString();
        }
        QVERIFY2(daveDetail.contains("matter_title \"Estate of Roe\"") &&
                     daveDetail.contains("inviter \"Bob Brown\"") &&
                     daveDetail.contains("retention_years \"1\"") &&
                     !daveDetail.contains("may_erase"),
                 qPrintable(QString::number(daveSeq) + " " + v.out));
    }

    // A dry run (`dispose --dry-run`) opens the archive read-only: an archive of an older
    // version is refused with a clear error and neither migrated nor written (its bytes and
    // modification time unchanged); a current one is read and left as it was.
    void dryRunNeverMigratesOrWritesTheArchive() {
        QTemporaryDir dir;
        auto key = crypto::X25519Key::generate();
        QVERIFY(key);
        const QString keyFile = writeKeyFile(dir.path(), *key);
        const QString old = dir.path() + "/old.archive";
        {
            auto priv = key->privateKey();
            QVERIFY(priv);
            auto db = test::archiveDatabase(old.toStdString(), *priv, true);
            QVERIFY(db);
            const auto& steps = compliance::archiveSchema();
            QVERIFY(steps.size() > 5);
            QVERIFY(db->migrate(std::span<const std::string_view>(steps.data(), 5)));
        }
        const QByteArray bytes = fileHash(old);
        const QDateTime mtime = QFileInfo(old).lastModified();
        QThread::msleep(1100); // a write now would move the modification time
        auto dry =
            journalTool({"dispose", old, "--key", keyFile, "--before", "2099-01-01", "--dry-run"});
        QVERIFY2(dry.code != 0, qPrintable(dry.out + dry.err));
        QVERIFY2(dry.err.contains("schema version 5") && dry.err.contains("nothing was changed"),
                 qPrintable(dry.err));
        QCOMPARE(fileHash(old), bytes);
        QCOMPARE(QFileInfo(old).lastModified(), mtime);
        {
            auto db = archiveDb(old, *key);
            QVERIFY(db);
            auto version = db->userVersion();
            QVERIFY(version && *version == 5);
        }
    }

    // Issue 22: a legal hold is the firm's, not the officer's. Officer A holds a matter and both
    // archives acknowledge: the relay keeps the held rows when it prunes. A leaves the firm
    // (offboarded); the rows stay while B's archive keeps the hold. B, a current officer,
    // releases A's hold: B's next acknowledgement keeps nothing and the relay lets the rows go.
    void aFormerOfficersHoldIsReleasedByACurrentOne() {
        e2e::Harness h({}, [](relay::RelayConfig& c) {
            c.journalPruneAfter = std::chrono::milliseconds(0);
            c.journalPruneInterval = std::chrono::milliseconds(100);
        });
        QVERIFY(h.ok());
        QTemporaryDir dir;
        ComplianceStaff staff;
        QVERIFY(joinComplianceStaff(h, staff));
        auto &alice = staff.alice, &admin = staff.admin;
        auto &officerA = staff.officerA, &officerB = staff.officerB;
        QVERIFY(admin->createConversation(compliance::kReviewConversationTitle, false,
                                          {"comply-a", "comply-b"}));
        auto held = alice->createConversation("Held matter", true, {});
        QVERIFY(held);
        for (int i = 0; i < 10; ++i)
            QVERIFY(alice->sendText(*held, "held " + std::to_string(i)));
        QVERIFY(alice->waitForOutbox(20s));
        QVERIFY(officerA->waitUntilSynced(20s) && officerB->waitUntilSynced(20s));
        const OfficerFiles files = officerFiles(h, dir, *officerA, *officerB);
        const QString &key = files.key, &profileA = files.profileA, &profileB = files.profileB;
        const QString &archiveA = files.archiveA, &archiveB = files.archiveB;
        QVERIFY(pullArchive(profileA, archiveA, key).code == 0);
        auto hold = journalTool({"hold", "add", archiveA, "--profile", profileA, "--key", key,
                                 "--matter", "Held matter", "--reason", "litigation expected"});
        QVERIFY2(hold.code == 0, qPrintable(hold.out + hold.err));
        QVERIFY(pullArchive(profileB, archiveB, key).code == 0);
        for (const auto& [profile, archive] :
             {std::pair{profileA, archiveA}, {profileB, archiveB}}) {
            auto ack = journalTool({"ack", archive, "--profile", profile, "--key", key});
            QVERIFY2(ack.code == 0 && !ack.out.contains("keeping 0 held"), qPrintable(ack.out));
        }
        // The rows the relay still stores below its boundary (only held ones remain there).
        auto keptBelow = [&]() -> std::int64_t {
            auto s = h.service().journalPruneState();
            auto db = storage::Database::open(h.databasePath(), h.databaseKey(), {false});
            if (!s || !db || s->pruned_through() == 0) return -1;
            return scalar(**db, "SELECT count(*) FROM journal WHERE seq <= " +
                                    std::to_string(s->pruned_through()));
        };
        QVERIFY(eventually([&] { return keptBelow() >= 10; }));

        QVERIFY(h.service().offboard("comply-a", "alice", "admin-cli"));
        auto list = journalTool({"hold", "list", archiveB, "--key", key, "--json"});
        const int at = list.out.indexOf("{\"id\":");
        QVERIFY2(at >= 0, qPrintable(list.out + list.err));
        auto release =
            journalTool({"hold", "release", archiveB, "--profile", profileB, "--key", key, "--id",
                         list.out.mid(at + 6).section(',', 0, 0), "--reason", "settled"});
        QVERIFY2(release.code == 0, qPrintable(release.out + release.err));
        auto ackB = journalTool({"ack", archiveB, "--profile", profileB, "--key", key});
        QVERIFY2(ackB.code == 0 && ackB.out.contains("keeping 0 held"), qPrintable(ackB.out));
        QVERIFY2(eventually([&] { return keptBelow() == 0; }),
                 qPrintable(QString("still kept below the boundary: %1").arg(keptBelow())));
    }
};

QTEST_GUILESS_MAIN(TestRetentionOfficers)
#include "tst_retention_officers.moc"
