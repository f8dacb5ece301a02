// Supervision end to end (issue 21): real clients talk through a real relay over TLS; two
// compliance officers, each with their own profile and archive, run verbatim-journal. Policies
// journaled by officer A raise alerts on pull (a message later retracted, one edited into a hit,
// an attachment's name and its text); A escalates one with a note; B's pull shows the same
// policies, queue and access log; a review forged by a lawyer is not applied and is reported; a
// review entry removed from the relay's log is named by verify with its sequence.

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QtTest>

#include <map>
#include <set>
#include <thread>

#include "ClientParty.h"
#include "ComplianceParty.h"
#include "E2EHarness.h"
#include "compliance/Supervision.h"
#include "crypto/PassphraseBox.h"
#include "journal/SupervisionSeal.h"
#include "storage/Database.h"

using namespace verbatim;
using namespace verbatim::e2e::parties;

namespace {

std::vector<QJsonObject> jsonLines(const QString& out) {
    std::vector<QJsonObject> v;
    for (const auto& line : out.split('\n', Qt::SkipEmptyParts))
        v.push_back(QJsonDocument::fromJson(line.toUtf8()).object());
    return v;
}

/// The alert of `policy` whose context holds `text` (and, when >= -1, on that part).
QJsonObject findAlert(const std::vector<QJsonObject>& alerts, const QString& policy,
                      const QString& text, int part = -2) {
    for (const auto& a : alerts) {
        if (a["policy"].toString() != policy || !a["context"].toString().contains(text)) continue;
        if (part == -1 && a["part"].toString() != "message") continue;
        if (part >= 0 && a["part"].toInt(-1) != part) continue;
        return a;
    }
    return {};
}

} // namespace

class TestSupervision : public QObject {
    Q_OBJECT

private slots:
    void reviewQueueIsSharedThroughTheJournal() {
        e2e::Harness h;
        QVERIFY(h.ok());
        QTemporaryDir dir;
        ComplianceStaff staff;
        QVERIFY(joinComplianceStaff(h, staff));
        auto &alice = staff.alice, &admin = staff.admin;
        auto &officerA = staff.officerA, &officerB = staff.officerB;
        auto link = alice->createInvite("Estate of Smith");
        QVERIFY(link);
        auto carol = joinParty(*link, "Carol Client", true);
        QVERIFY(carol);
        carol->start();
        QVERIFY(carol->waitUntilSynced(20s) && alice->waitUntilSynced(20s));
        auto matter = alice->resolveConversation("Estate of Smith");
        QVERIFY(matter);
        // Where compliance journals its actions: made by an administrator with both officers.
        QVERIFY(admin->createConversation(compliance::kReviewConversationTitle, false,
                                          {"comply-a", "comply-b"}));
        QVERIFY(officerA->waitUntilSynced(20s) && officerB->waitUntilSynced(20s));
        officerA->stop(); // the tool opens the profiles itself
        officerB->stop();
        const QString profileA = QString::fromStdString(officerA.get()->profile());
        const QString profileB = QString::fromStdString(officerB.get()->profile());
        const QString key = writeKeyFile(dir.path(), h.journalKey());
        const QString archiveA = dir.path() + "/a.archive", archiveB = dir.path() + "/b.archive";

        auto pullA = pullArchive(profileA, archiveA, key);
        QVERIFY2(pullA.code == 0, qPrintable(pullA.err));
        // Policies, journaled by A. A query that cannot run is refused before anything happens.
        auto bad = journalTool({"policy", "add", archiveA, "--profile", profileA, "--key", key,
                                "--name", "Broken", "--query", "(delete AND this) w/3 thread"});
        QCOMPARE(bad.code, 2);
        QVERIFY2(bad.err.contains("the policy's query cannot be used") &&
                     bad.err.contains("w/N joins words"),
                 qPrintable(bad.err));
        for (const QStringList& p :
             {QStringList{"--name", "Account numbers", "--query", "\"account number\" OR iban"},
              QStringList{"--name", "Off the record", "--query", "whatsapp OR \"text me\"",
                          "--direction", "to-clients"},
              QStringList{"--name", "Delete this", "--query", "\"delete this\"", "--matter",
                          "Estate of Smith", "--severity", "high"}}) {
            auto add = journalTool(
                QStringList{"policy", "add", archiveA, "--profile", profileA, "--key", key} + p);
            QVERIFY2(add.code == 0 && journaledAt(add.out) > 0, qPrintable(add.out + add.err));
        }
        auto nowhere =
            journalTool({"policy", "add", archiveA, "--profile", profileA, "--key", key, "--name",
                         "Nowhere", "--query", "x", "--matter", "No such matter"});
        QCOMPARE(nowhere.code, 1);
        QVERIFY2(nowhere.err.contains("No such matter"), qPrintable(nowhere.err));
        auto listed = journalTool({"policy", "list", archiveA, "--key", key, "--json"});
        QCOMPARE(listed.code, 0);
        QCOMPARE(int(jsonLines(listed.out).size()), 3);
        QVERIFY(!listed.out.contains("Broken"));

        // Messages: one later retracted, one edited into a hit, an attachment whose name and
        // text hit, and one that hits nothing.
        auto c1 = carol->sendText(*matter, "My account number is 12345678");
        QVERIFY(c1);
        QVERIFY(carol->retract(*c1));
        // Each party's messages reach the journal before the other answers (answer times).
        QVERIFY(carol->waitForOutbox(20s));
        auto a1 = alice->sendText(*matter, "Please review the draft");
        QVERIFY(a1);
        QVERIFY(alice->edit(*a1, "Please delete this thread after reading"));
        QVERIFY(alice->waitForOutbox(20s));
        QVERIFY(carol->sendText(*matter, "Text me on WhatsApp instead"));
        QVERIFY(carol->waitForOutbox(20s));
        QVERIFY(alice->sendText(*matter, "See you at the hearing"));
        QVERIFY(alice->waitForOutbox(20s));
        const QString notes = dir.path() + "/whatsapp export.txt";
        {
            QFile f(notes);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write("Payment details: our IBAN is GB29NWBK60161331926819, thanks.\n");
        }
        QVERIFY(carol->sendAttachment(*matter, notes.toStdString(), "notes"));
        QVERIFY(carol->waitForOutbox(20s) && alice->waitForOutbox(20s));

        // A's pull raises the alerts.
        pullA = pullArchive(profileA, archiveA, key);
        QVERIFY2(pullA.code == 0, qPrintable(pullA.err));
        QVERIFY2(pullA.out.contains("5 new alert(s)"), qPrintable(pullA.out));
        auto alertsA = journalTool({"alerts", archiveA, "--key", key, "--json"});
        QCOMPARE(alertsA.code, 0);
        auto listA = jsonLines(alertsA.out);
        QCOMPARE(int(listA.size()), 5);
        for (const auto& a : listA) {
            QVERIFY(a["id"].toString().size() == 12 && a["sequence"].toInteger() > 0);
            QCOMPARE(a["status"].toString(), QString("open"));
        }
        auto retracted = findAlert(listA, "Account numbers", "12345678", -1);
        QVERIFY2(!retracted.isEmpty(), qPrintable(alertsA.out));
        auto m0 = retracted["matches"].toArray().first().toObject();
        QCOMPARE(m0["text"].toString(), QString("account number"));
        QCOMPARE(retracted["context"].toString().mid(m0["offset"].toInt(), m0["length"].toInt()),
                 QString("account number"));
        auto edited = findAlert(listA, "Delete this", "Please delete this thread", -1);
        QVERIFY2(!edited.isEmpty(), qPrintable(alertsA.out));
        QCOMPARE(edited["severity"].toString(), QString("high"));
        QVERIFY(!findAlert(listA, "Off the record", "Text me on WhatsApp", -1).isEmpty());
        QVERIFY(!findAlert(listA, "Off the record", "whatsapp export.txt", -1).isEmpty());
        auto inFile = findAlert(listA, "Account numbers", "GB29NWBK", 0);
        QVERIFY2(!inFile.isEmpty(), qPrintable(alertsA.out));
        QVERIFY(!alertsA.out.contains("See you at the hearing"));

        // A escalates with a note, and searches (journaled in the access log).
        const QString editedId = edited["id"].toString();
        auto review = journalTool({"review", archiveA, editedId, "--profile", profileA, "--key",
                                   key, "--status", "escalated", "--note",
                                   "Asked to destroy a thread: escalated to the COLP"});
        QVERIFY2(review.code == 0, qPrintable(review.out + review.err));
        const std::uint64_t reviewSeq = journaledAt(review.out);
        QVERIFY(reviewSeq > 0);
        auto unknown = journalTool({"review", archiveA, "0123456789ab", "--profile", profileA,
                                    "--key", key, "--status", "in-review"});
        QCOMPARE(unknown.code, 1);
        QVERIFY(unknown.err.contains("no alert 0123456789ab"));
        auto searchA =
            journalTool({"search", archiveA, "whatsapp", "--key", key, "--profile", profileA});
        QVERIFY2(searchA.code == 0 && searchA.out.contains("Text me on WhatsApp"),
                 qPrintable(searchA.out + searchA.err));
        auto exportA =
            journalTool({"export", archiveA, "--format", "jsonl", "--out", dir.path() + "/a.jsonl",
                         "--key", key, "--profile", profileA, "--matter", "Estate of Smith"});
        QVERIFY2(exportA.code == 0, qPrintable(exportA.err));
        auto escalatedA =
            journalTool({"alerts", archiveA, "--key", key, "--status", "escalated", "--json"});
        QCOMPARE(int(jsonLines(escalatedA.out).size()), 1);

        // B's own archive: the same policies, queue and ids; B's search and export are logged.
        auto pullB = pullArchive(profileB, archiveB, key);
        QVERIFY2(pullB.code == 0, qPrintable(pullB.err));
        auto alertsB = journalTool({"alerts", archiveB, "--key", key, "--json"});
        auto listB = jsonLines(alertsB.out);
        QCOMPARE(int(listB.size()), 5);
        std::map<QString, QString> statusA, statusB;
        for (const auto& a :
             jsonLines(journalTool({"alerts", archiveA, "--key", key, "--json"}).out))
            statusA[a["id"].toString()] = a["status"].toString();
        for (const auto& a : listB)
            statusB[a["id"].toString()] = a["status"].toString();
        QCOMPARE(statusA, statusB);
        // Supervision records are entries like any other: an honest journal still verifies.
        auto honest = journalTool({"verify", archiveB, "--key", key});
        QVERIFY2(honest.code == 0, qPrintable(honest.out + honest.err));
        QCOMPARE(statusB[editedId], QString("escalated"));
        auto editedB = findAlert(listB, "Delete this", "Please delete this thread", -1);
        QCOMPARE(editedB["note"].toString(),
                 QString("Asked to destroy a thread: escalated to the COLP"));
        QVERIFY(editedB["reviewer"].toString().startsWith("comply-a/"));
        auto searchB = journalTool({"search", archiveB, "\"account number\"", "--key", key,
                                    "--profile", profileB, "--matter", "Estate of Smith"});
        QVERIFY2(searchB.code == 0, qPrintable(searchB.err));
        auto exportB = journalTool({"export", archiveB, "--format", "jsonl", "--out",
                                    dir.path() + "/b.jsonl", "--key", key, "--profile", profileB});
        QVERIFY2(exportB.code == 0, qPrintable(exportB.err));
        auto logB = journalTool({"access-log", archiveB, "--key", key, "--json"});
        QCOMPARE(logB.code, 0);
        auto entries = jsonLines(logB.out);
        // Both officers' searches and exports, in log order.
        QCOMPARE(int(entries.size()), 4);
        QVERIFY(entries[0]["who"].toString().startsWith("comply-a/"));
        QCOMPARE(entries[0]["action"].toString(), QString("search"));
        QVERIFY(entries[0]["detail"].toString().contains("whatsapp"));
        QVERIFY(entries[1]["who"].toString().startsWith("comply-a/"));
        QCOMPARE(entries[1]["action"].toString(), QString("export"));
        QVERIFY(entries[1]["detail"].toString().contains("Estate of Smith"));
        QVERIFY(entries[2]["who"].toString().startsWith("comply-b/"));
        QCOMPARE(entries[2]["action"].toString(), QString("search"));
        QVERIFY(entries[2]["detail"].toString().contains("matter=Estate of Smith"));
        QVERIFY(entries[3]["who"].toString().startsWith("comply-b/"));
        QCOMPARE(entries[3]["action"].toString(), QString("export"));
        // A sees B's accesses after its next pull.
        QVERIFY(pullArchive(profileA, archiveA, key).code == 0);
        QCOMPARE(journalTool({"access-log", archiveA, "--key", key, "--json"}).out, logB.out);

        // Policies are versioned: B disables one; both archives show v1 and v2.
        auto disable = journalTool(
            {"policy", "disable", archiveB, "Off the record", "--profile", profileB, "--key", key});
        QVERIFY2(disable.code == 0, qPrintable(disable.out + disable.err));
        auto versions = jsonLines(
            journalTool({"policy", "show", archiveB, "Off the record", "--key", key, "--json"})
                .out);
        QCOMPARE(int(versions.size()), 2);
        QCOMPARE(versions[0]["version"].toInt(), 1);
        QVERIFY(versions[0]["enabled"].toBool());
        QCOMPARE(versions[1]["version"].toInt(), 2);
        QVERIFY(!versions[1]["enabled"].toBool());

        // The period's report: per participant and matter, messages, answers to the client,
        // alerts and their states; CSV and a readable HTML page.
        const QString csvPath = dir.path() + "/report.csv", htmlPath = dir.path() + "/report.html";
        auto csv = journalTool({"report", archiveB, "--key", key, "--from", "2000-01-01", "--to",
                                "2100-01-01", "--format", "csv", "--out", csvPath});
        QVERIFY2(csv.code == 0, qPrintable(csv.err));
        QFile csvFile(csvPath);
        QVERIFY(csvFile.open(QIODevice::ReadOnly));
        std::map<QString, std::map<QString, QString>> rows; // id -> column -> value
        QStringList header;
        for (auto line : QString::fromUtf8(csvFile.readAll()).remove(QChar(0xFEFF)).split("\r\n")) {
            if (line.isEmpty()) continue;
            QStringList cells;
            for (const auto& c : line.split("\",\""))
                cells << QString(c).remove('"');
            if (header.isEmpty()) {
                header = cells;
                continue;
            }
            for (int i = 0; i < header.size() && i < cells.size(); ++i)
                rows[cells[1]][header[i]] = cells[i];
        }
        const QString carolId = QString::fromStdString(carol->account().user);
        QCOMPARE(rows[carolId]["sent"], QString("3"));
        QCOMPARE(rows[carolId]["alerts"], QString("4"));
        QCOMPARE(rows["alice"]["sent"], QString("2"));
        QCOMPARE(rows["alice"]["to_clients"], QString("2"));
        QCOMPARE(rows["alice"]["answers"], QString("2"));
        QCOMPARE(rows["alice"]["alerts_escalated"], QString("1"));
        const QString matterId = QString::fromStdString(*matter);
        QCOMPARE(rows[matterId]["name"], QString("Estate of Smith"));
        QCOMPARE(rows[matterId]["sent"], QString("5"));
        QCOMPARE(rows[matterId]["from_clients"], QString("3"));
        QCOMPARE(rows[matterId]["alerts"], QString("5"));
        QCOMPARE(rows[matterId]["alerts_open"], QString("4"));
        QVERIFY(!rows[matterId]["answer_median_seconds"].isEmpty());
        auto page = journalTool({"report", archiveB, "--key", key, "--from", "2000-01-01", "--to",
                                 "2100-01-01", "--format", "html", "--out", htmlPath});
        QVERIFY2(page.code == 0, qPrintable(page.err));
        QFile htmlFile(htmlPath);
        QVERIFY(htmlFile.open(QIODevice::ReadOnly));
        const QByteArray htmlText = htmlFile.readAll();
        QVERIFY(htmlText.contains("<svg") && htmlText.contains("Estate of Smith") &&
                htmlText.contains("Carol Client"));
        QCOMPARE(journalTool({"report", archiveB, "--key", key, "--from", "2000-01-01", "--to",
                              "2100-01-01", "--format", "html", "--out", htmlPath})
                     .code,
                 1); // never overwritten

        // Hostile: a lawyer's device journals a review closing the escalated alert. It is not
        // applied, and verify reports it.
        auto forged = compliance::supervisionReviewBody(editedId.toStdString(), "closed",
                                                        "no-issue", "nothing to see");
        QVERIFY(forged);
        auto forgedId = alice->sendSupervisionRecord(*matter, *forged);
        QVERIFY(forgedId);
        QVERIFY(alice->waitForOutbox(20s));
        pullB = pullArchive(profileB, archiveB, key);
        QVERIFY2(pullB.code == 0 && pullB.out.contains("1 refused"), qPrintable(pullB.out));
        auto after = jsonLines(
            journalTool({"alerts", archiveB, "--key", key, "--status", "escalated", "--json"}).out);
        QCOMPARE(int(after.size()), 1);
        QCOMPARE(after[0]["id"].toString(), editedId);
        auto verifyB = journalTool({"verify", archiveB, "--key", key, "--json"});
        QCOMPARE(verifyB.code, 3);
        auto report = QJsonDocument::fromJson(verifyB.out.toUtf8()).object();
        bool flagged = false;
        for (const auto& p : report["problems"].toArray())
            flagged = flagged || (p.toObject()["fault"].toString() == "forged-supervision" &&
                                  p.toObject()["detail"].toString().contains("alice/"));
        QVERIFY2(flagged, qPrintable(verifyB.out));

        // A record of a later format from a compliance device is reported, not guessed at.
        {
            auto c = client::Client::open(profileA.toStdString(), kPass);
            QVERIFY(c);
            (*c)->start();
            QVERIFY((*c)->waitUntilSynced(20s));
            auto conv = (*c)->resolveConversation(compliance::kReviewConversationTitle);
            QVERIFY(conv);
            QVERIFY((*c)->sendSupervisionRecord(
                *conv, "{\"v\":2,\"kind\":\"review\",\"alert\":\"" + editedId.toStdString() +
                           "\",\"status\":\"closed\",\"disposition\":\"no-issue\"}"));
            QVERIFY((*c)->waitForOutbox(20s));
            (*c)->stop();
        }
        pullB = pullArchive(profileB, archiveB, key);
        QVERIFY2(pullB.code == 0 && pullB.out.contains("1 refused"), qPrintable(pullB.out));
        QCOMPARE(jsonLines(journalTool({"alerts", archiveB, "--key", key, "--status", "escalated",
                                        "--json"})
                               .out)
                     .size(),
                 std::size_t(1));
        verifyB = journalTool({"verify", archiveB, "--key", key, "--json"});
        QVERIFY2(verifyB.out.contains("unsupported-supervision") &&
                     verifyB.out.contains("of format 2"),
                 qPrintable(verifyB.out));

        // Sampling: every message Carol sent or received over the period at 100 %, and the same
        // sample again from the same seed at 50 %; both officers' queues hold the items.
        const QString carolUser = QString::fromStdString(carol->account().user);
        auto all = journalTool({"sample", archiveA, "--profile", profileA, "--key", key,
                                "--participant", carolUser, "--from", "2000-01-01", "--to",
                                "2100-01-01", "--percent", "100", "--seed", "7"});
        QVERIFY2(all.code == 0 && all.out.contains("sample of 5 entries with seed 7"),
                 qPrintable(all.out + all.err));
        std::map<std::uint64_t, std::set<qint64>> drawn; // sample record -> entries
        for (int round = 0; round < 2; ++round) {
            auto half = journalTool({"sample", archiveA, "--profile", profileA, "--key", key,
                                     "--participant", carolUser, "--from", "2000-01-01", "--to",
                                     "2100-01-01", "--percent", "50", "--seed", "42"});
            QVERIFY2(half.code == 0 && half.out.contains("with seed 42"),
                     qPrintable(half.out + half.err));
        }
        QVERIFY(pullArchive(profileB, archiveB, key).code == 0);
        for (const auto& archive : {archiveA, archiveB}) {
            drawn.clear();
            for (const auto& a :
                 jsonLines(journalTool({"alerts", archive, "--key", key, "--json"}).out))
                if (a["kind"].toString() == "sample")
                    drawn[a["sample_sequence"].toInteger()].insert(a["sequence"].toInteger());
            QCOMPARE(int(drawn.size()), 3);
            auto it = drawn.begin();
            QCOMPARE(int(it->second.size()), 5);
            auto first = (++it)->second;
            QCOMPARE((++it)->second, first);
        }

        // The relay drops A's review entry from its log: a new archive's verify names it by
        // sequence, and there the alert is open again (which the chain shows was tampered with).
        h.stop();
        {
            storage::OpenOptions o;
            o.create = false;
            auto db = storage::Database::open(h.databasePath(), h.databaseKey(), o);
            QVERIFY(db);
            QVERIFY((*db)->exec("DELETE FROM journal WHERE seq = " + std::to_string(reviewSeq)));
        }
        QVERIFY(h.restart());
        const QString archiveC = dir.path() + "/c.archive";
        auto pullC = pullArchive(profileB, archiveC, key);
        QVERIFY2(pullC.code == 0, qPrintable(pullC.err));
        auto verifyC = journalTool({"verify", archiveC, "--key", key, "--json"});
        QCOMPARE(verifyC.code, 3);
        bool missing = false;
        for (const auto& p :
             QJsonDocument::fromJson(verifyC.out.toUtf8()).object()["problems"].toArray())
            missing = missing || (p.toObject()["fault"].toString() == "missing" &&
                                  p.toObject()["sequence"].toInteger() == qint64(reviewSeq));
        QVERIFY2(missing, qPrintable(verifyC.out));
    }

    // Issue 21: the administrator who creates "Compliance review" is a member and so receives
    // every record compliance sends there end to end. What compliance wrote (a review's note,
    // what an officer searched for) must not be readable there: the body is sealed to the
    // journal key, and only an archive holding that key opens it.
    void reviewRecordsAreSealedFromMembersWithoutTheJournalKey() {
        e2e::Harness h;
        QVERIFY(h.ok());
        QTemporaryDir dir;
        ComplianceStaff staff;
        QVERIFY(joinComplianceStaff(h, staff));
        auto &admin = staff.admin, &officerA = staff.officerA;
        // A second administrator's device, whose every envelope the test can open.
        auto spy = h.enrollStaff("root-2", proto::ROLE_ADMIN);
        QVERIFY(spy && spy->connect(h.endpoint()));
        QVERIFY(admin->createConversation(compliance::kReviewConversationTitle, false,
                                          {"comply-a", "comply-b", "root-2"}));
        // The conversation reaches the officer's device by a push: wait for it.
        auto conv = officerA->resolveConversation(compliance::kReviewConversationTitle);
        for (int i = 0; i < 200 && !conv; ++i) {
            std::this_thread::sleep_for(100ms);
            conv = officerA->resolveConversation(compliance::kReviewConversationTitle);
        }
        QVERIFY(conv);
        const std::string secret = "query=merger with Hartley Holdings";
        auto body = compliance::supervisionAccessBody("search", secret);
        QVERIFY(body);
        QVERIFY(officerA->sendSupervisionRecord(*conv, *body));
        QVERIFY(officerA->waitForOutbox(20s));
        bool seen = false;
        for (const auto& e : spy->waitForEnvelopes(1)) {
            if (e.sender().user() != "comply-a") continue;
            auto r = h.open(*spy, e);
            QVERIFY2(r, r ? "" : r.error().message.c_str());
            QCOMPARE(int(r->type()), int(proto::SUPERVISION));
            QVERIFY(r->body().find("Hartley") == std::string::npos);
            QVERIFY(r->body().find("search") == std::string::npos);
            QVERIFY(journal::isSealedSupervisionBody(r->body()));
            seen = true;
        }
        QVERIFY2(seen, "the administrator's device received no supervision record");
        // The officer's archive, with the journal key, reads it in its access log.
        auto pulled =
            pullInProcess(*officerA, dir.path().toStdString() + "/a.archive", h.journalKey());
        QVERIFY2(pulled, pulled ? "" : pulled.error().message.c_str());
        compliance::Supervision sv(*pulled->archive);
        QVERIFY(sv.refresh());
        auto log = sv.accessLog();
        QVERIFY(log);
        QCOMPARE(int(log->size()), 1);
        QCOMPARE(log->front().detail, secret);
        QVERIFY(log->front().who.rfind("comply-a/", 0) == 0);
    }

    // Issue 21: `export --participant` scopes an export to what one user sent or received (by
    // user id or display name), journaled with participant=; one the archive does not know is
    // refused before anything is journaled or written.
    void exportIsScopedToAParticipant() {
        e2e::Harness h;
        QVERIFY(h.ok());
        QTemporaryDir dir;
        ComplianceStaff staff;
        QVERIFY(joinComplianceStaff(h, staff));
        auto &alice = staff.alice, &admin = staff.admin, &officerA = staff.officerA;
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
        QVERIFY(officerA->waitUntilSynced(20s));
        officerA->stop(); // the tool opens the profile itself
        QVERIFY(carol->sendText(*smith, "Smith will, clause one"));
        QVERIFY(dave->sendText(*jones, "Jones lease, rent review"));
        QVERIFY(carol->waitForOutbox(20s) && dave->waitForOutbox(20s));
        const QString profileA = QString::fromStdString(officerA.get()->profile());
        const QString key = writeKeyFile(dir.path(), h.journalKey());
        const QString archive = dir.path() + "/a.archive";
        auto pulled = pullArchive(profileA, archive, key);
        QVERIFY2(pulled.code == 0, qPrintable(pulled.err));

        auto exportFor = [&](const QString& who, const QString& out) {
            return journalTool({"export", archive, "--format", "jsonl", "--out", out, "--key", key,
                                "--profile", profileA, "--participant", who});
        };
        auto accessLog = [&] {
            auto again = pullArchive(profileA, archive, key);
            if (again.code != 0) qWarning("%s", qPrintable(again.err));
            return jsonLines(journalTool({"access-log", archive, "--key", key, "--json"}).out);
        };
        // Unknown: refused, nothing written, nothing journaled.
        const QString nobodyOut = dir.path() + "/nobody.jsonl";
        auto unknown = exportFor("Nobody Here", nobodyOut);
        QCOMPARE(unknown.code, 2);
        QVERIFY2(unknown.err.contains("no participant \"Nobody Here\""), qPrintable(unknown.err));
        QVERIFY(!QFileInfo::exists(nobodyOut));
        QCOMPARE(int(accessLog().size()), 0);

        // By display name: Carol's matter only, journaled under her user id.
        const QString carolOut = dir.path() + "/carol.jsonl";
        auto scoped = exportFor("carol client", carolOut);
        QVERIFY2(scoped.code == 0, qPrintable(scoped.err));
        QFile f(carolOut);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QString text = QString::fromUtf8(f.readAll());
        QVERIFY2(text.contains("Smith will, clause one"), qPrintable(text));
        QVERIFY2(!text.contains("rent review"), qPrintable(text));
        const QString carolId = QString::fromStdString(carol->account().user);
        auto entries = accessLog();
        QCOMPARE(int(entries.size()), 1);
        QCOMPARE(entries[0]["action"].toString(), QString("export"));
        QVERIFY2(entries[0]["detail"].toString().contains("participant=" + carolId),
                 qPrintable(entries[0]["detail"].toString()));
        // By user id: the same scope.
        const QString daveOut = dir.path() + "/dave.jsonl";
        auto byId = exportFor(QString::fromStdString(dave->account().user), daveOut);
        QVERIFY2(byId.code == 0, qPrintable(byId.err));
        QFile g(daveOut);
        QVERIFY(g.open(QIODevice::ReadOnly));
        const QString daveText = QString::fromUtf8(g.readAll());
        QVERIFY(daveText.contains("rent review") && !daveText.contains("Smith will"));
    }
};

QTEST_GUILESS_MAIN(TestSupervision)
#include "tst_supervision.moc"
