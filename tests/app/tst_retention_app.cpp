// Retention in the app (issue 22, J-RT-5) against a real relay over TLS: officer A disposes of a
// matter's expired content with the real `verbatim-journal dispose`; officer B's app pulls and
// removes the same content from B's archive, as `verbatim-journal pull` does. B's archive then
// verifies clean and a matter under legal hold keeps its messages.

#include <QDateTime>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QtTest>

#include "../e2e/ClientParty.h"
#include "../e2e/ComplianceParty.h"
#include "AppHarness.h"
#include "client/core/Client.h"
#include "client/qt/AppController.h"
#include "client/qt/ComplianceController.h"
#include "compliance/Supervision.h"

using namespace verbatim;
using namespace verbatim::apptest;
using namespace std::chrono_literals;
using e2e::parties::joinParty;

using e2e::parties::backdate;
using e2e::parties::journaledAt;
using e2e::parties::journalTool;

class TestRetentionApp : public QObject {
    Q_OBJECT

private slots:
    // J-RT-5 in the app: another officer's disposition is applied by the app's pull.
    void anotherOfficersDispositionIsAppliedByTheAppsPull() {
        e2e::Harness h;
        QVERIFY(h.ok());
        QTemporaryDir dir;
        auto alice = joinParty(h.enrollLink("alice", proto::ROLE_LAWYER), "Alice Adams");
        auto admin = joinParty(h.enrollLink("root", proto::ROLE_ADMIN), "Ada Admin");
        auto officerA = joinParty(h.enrollLink("comply-a", proto::ROLE_COMPLIANCE), "Casey A");
        QVERIFY(alice && admin && officerA);
        qt::AppController officerB(dir.path() + "/b");
        QVERIFY(joinStaff(h, officerB, "comply-b", proto::ROLE_COMPLIANCE, "Casey B"));
        for (auto* p : {&alice, &admin, &officerA})
            (*p)->start();
        QVERIFY(alice->waitUntilSynced(20s) && admin->waitUntilSynced(20s));
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
        QVERIFY(until([&] {
            return bool(
                officerB.client()->resolveConversation(compliance::kReviewConversationTitle));
        }));
        officerA->stop(); // verbatim-journal opens A's profile itself
        for (int i = 0; i < 3; ++i) {
            QVERIFY(carol->sendText(*smith, "Smith will, clause " + std::to_string(i)));
            QVERIFY(dave->sendText(*jones, "Jones lease, rent review " + std::to_string(i)));
        }
        QVERIFY(carol->waitForOutbox(20s) && dave->waitForOutbox(20s));
        QVERIFY(alice->setMatterClosed("Estate of Smith", true));
        QVERIFY(alice->setMatterClosed("Jones Lease", true));

        // Officer A, with the journal tool: Smith held, both matters kept one year.
        const QString key = writeKeyFile(dir.path(), h.journalKey());
        QVERIFY(!key.isEmpty());
        const QString profileA = QString::fromStdString(officerA.get()->profile());
        const QString archiveA = dir.path() + "/a.archive", archiveB = dir.path() + "/b.archive";
        auto pullA =
            journalTool({"pull", "--profile", profileA, "--archive", archiveA, "--key", key});
        QVERIFY2(pullA.code == 0, qPrintable(pullA.err));
        auto hold = journalTool({"hold", "add", archiveA, "--profile", profileA, "--key", key,
                                 "--matter", "Estate of Smith", "--reason", "Will contested"});
        QVERIFY2(hold.code == 0, qPrintable(hold.out + hold.err));
        for (const char* matter : {"Estate of Smith", "Jones Lease"}) {
            auto set = journalTool({"retention", "set", archiveA, "--profile", profileA, "--key",
                                    key, "--matter", matter, "--years", "1"});
            QVERIFY2(set.code == 0, qPrintable(set.out + set.err));
        }

        // Officer B's app: unlock the archive, pull (as the page's Pull button does), close.
        auto appPull = [&]() -> QString {
            qt::ComplianceController cc;
            cc.setAppController(&officerB);
            cc.setArchivePath(archiveB);
            QSignalSpy unlocked(&cc, &qt::ComplianceController::unlockFinished);
            cc.unlock(key, kJournalPass);
            if (!unlocked.wait(30000) || !unlocked.first().first().toBool())
                return "unlock: " + cc.error();
            QSignalSpy pulled(&cc, &qt::ComplianceController::pullFinished);
            cc.pull();
            if (!pulled.wait(60000) || !pulled.first().first().toBool())
                return "pull: " + cc.error();
            if (!until([&] { return !cc.busy(); })) return "still busy after the pull";
            return {}; // the controller's worker closes the archive
        };
        // B's app pulls the same content, hold and retention included.
        QString failed = appPull();
        QVERIFY2(failed.isEmpty(), qPrintable(failed));

        // A disposes of what expired (both archives see the entries two years old); B never
        // disposes.
        QVERIFY(backdate(archiveA, h.journalKey()) && backdate(archiveB, h.journalKey()));
        const QString before = QDateTime::currentDateTimeUtc().addDays(1).toString("yyyy-MM-dd");
        auto disposed = journalTool(
            {"dispose", archiveA, "--profile", profileA, "--key", key, "--before", before});
        QVERIFY2(disposed.code == 0, qPrintable(disposed.out + disposed.err));
        QVERIFY2(journaledAt(disposed.out) > 0, qPrintable(disposed.out));
        auto searchA = journalTool({"search", archiveA, "rent", "--key", key});
        QVERIFY2(searchA.code == 0 && !searchA.out.contains("rent review"),
                 qPrintable(searchA.out + searchA.err));
        auto searchB = journalTool({"search", archiveB, "rent", "--key", key});
        QVERIFY2(searchB.out.contains("rent review"), qPrintable(searchB.out + searchB.err));

        // B's app pull brings A's disposition record and applies it.
        failed = appPull();
        QVERIFY2(failed.isEmpty(), qPrintable(failed));

        // B's archive: the disposed matter's text is gone, the held matter's stays, and it
        // verifies clean with the disposed entries counted.
        auto rent = journalTool({"search", archiveB, "rent", "--key", key});
        QVERIFY2(rent.code == 0, qPrintable(rent.err));
        QVERIFY2(!rent.out.contains("rent review"), qPrintable(rent.out));
        auto clause = journalTool({"search", archiveB, "clause", "--key", key});
        QVERIFY2(clause.code == 0, qPrintable(clause.err));
        QCOMPARE(clause.out.count("Smith will"), 3);
        auto v = journalTool({"verify", archiveB, "--key", key, "--json"});
        QVERIFY2(v.code == 0, qPrintable(v.out + v.err));
        const auto report = QJsonDocument::fromJson(v.out.toUtf8()).object();
        QVERIFY2(report["disposed"].toInteger() >= 3, qPrintable(v.out));
    }
};

QTEST_MAIN(TestRetentionApp)
#include "tst_retention_app.moc"
