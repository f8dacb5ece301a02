// Supervision in the app (issue 21) against a real relay over TLS: a compliance officer adds a
// lexicon policy in the policy editor, pulls, finds the alert for a lawyer's message in the review
// queue with the matched words marked, escalates it with a note and closes it as a breach; a
// search and a report from the page are journaled. A second officer's app (its own profile and
// archive) pulls and shows the same alert state, the same policy and both accesses in the access
// log. A lawyer's app cannot journal a review. Screenshots of the review queue.

#include <QAbstractItemModelTester>
#include <QFile>
#include <QQuickItem>
#include <QQuickStyle>
#include <QQuickWindow>
#include <QTemporaryDir>
#include <QtTest>

#include "AppHarness.h"
#include "client/core/Client.h"
#include "client/qt/AppController.h"
#include "client/qt/ComplianceController.h"
#include "client/qt/SupervisionController.h"
#include "compliance/Retention.h"
#include "compliance/Supervision.h"

using namespace verbatim;
using namespace verbatim::apptest;
using namespace std::chrono_literals;

namespace {

using A = qt::SupervisionAlertsModel;

/// The access log's rows as "action|who|detail".
QStringList accessRows(qt::SupervisionAccessModel* m) {
    QStringList out;
    for (int i = 0; i < m->rowCount(); ++i)
        out << cell(m, i, qt::SupervisionAccessModel::ActionRole).toString() + "|" +
                   cell(m, i, qt::SupervisionAccessModel::WhoRole).toString() + "|" +
                   cell(m, i, qt::SupervisionAccessModel::DetailRole).toString();
    return out;
}

bool anyContains(const QStringList& rows, const QStringList& parts) {
    for (const auto& r : rows) {
        bool all = true;
        for (const auto& p : parts)
            all = all && r.contains(p);
        if (all) return true;
    }
    return false;
}

} // namespace

class TestSupervisionApp : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() { QQuickStyle::setStyle("Material"); }

    // Issue 21 in the app: the review queue, the policy editor, the access log and the report,
    // each action journaled and seen by a second officer.
    void officersShareTheReviewQueueThroughTheJournal() {
        e2e::Harness h;
        QVERIFY(h.ok());
        QTemporaryDir dir;
        qt::AppController officerA(dir.path() + "/a"), officerB(dir.path() + "/b");
        QVERIFY(joinStaff(h, officerA, "comply-a", proto::ROLE_COMPLIANCE, "Casey A"));
        QVERIFY(joinStaff(h, officerB, "comply-b", proto::ROLE_COMPLIANCE, "Casey B"));
        // Where compliance journals its actions: made by an administrator with both officers.
        {
            client::JoinOptions o;
            o.displayName = "Ada Admin";
            auto admin = client::Client::join((dir.path() + "/admin").toStdString(), kPass,
                                              h.enrollLink("root", proto::ROLE_ADMIN), o);
            QVERIFY2(admin, admin ? "" : admin.error().message.c_str());
            (*admin)->start();
            QVERIFY((*admin)->waitUntilSynced(20s));
            QVERIFY((*admin)->createConversation(compliance::kReviewConversationTitle, false,
                                                 {"comply-a", "comply-b"}));
            (*admin)->stop();
        }
        QVERIFY(until([&] {
            return officerA.client()->resolveConversation(compliance::kReviewConversationTitle) &&
                   officerB.client()->resolveConversation(compliance::kReviewConversationTitle);
        }));
        qt::AppController lawyer(dir.path() + "/lawyer"), client(dir.path() + "/client");
        QVERIFY(openMatter(h, lawyer, client, "Estate of Smith"));
        // Each reaches the journal before the other is sent: Carol's is the last word.
        QVERIFY(lawyer.chat()->send("Please delete this thread after <b>reading</b>"));
        QVERIFY(lawyer.client()->waitForOutbox(20s));
        QVERIFY(client.chat()->send("Understood, see you at the hearing"));
        QVERIFY(client.client()->waitForOutbox(20s));
        const QString keyFile = writeKeyFile(dir.path(), h.journalKey());
        QVERIFY(!keyFile.isEmpty());

        // Officer A's page: unlock.
        Ui ui;
        QVERIFY(ui.load(officerA, 1280, 800));
        QVERIFY(until([&] { return ui.find("supervisionController") != nullptr; }));
        auto* cc = qobject_cast<qt::ComplianceController*>(ui.find("complianceController"));
        auto* sv = qobject_cast<qt::SupervisionController*>(ui.find("supervisionController"));
        QVERIFY(cc && sv);
        QCOMPARE(sv->compliance(), cc);
        QAbstractItemModelTester t1(sv->alerts(),
                                    QAbstractItemModelTester::FailureReportingMode::QtTest);
        QAbstractItemModelTester t2(sv->policies(),
                                    QAbstractItemModelTester::FailureReportingMode::QtTest);
        QAbstractItemModelTester t3(sv->accessLog(),
                                    QAbstractItemModelTester::FailureReportingMode::QtTest);
        QSignalSpy unlocked(cc, &qt::ComplianceController::unlockFinished);
        QVERIFY(ui.type("journalKeyField", keyFile));
        QVERIFY(ui.type("journalPassphraseField", kJournalPass));
        QVERIFY(ui.click("journalUnlockButton"));
        QVERIFY(unlocked.wait(30000));
        QVERIFY2(unlocked.first().first().toBool(), qPrintable(cc->error()));
        // The queue pulls on a timer while the page is shown.
        QVERIFY(sv->autoPull());
        QCOMPARE(sv->autoPullSeconds(), 300);

        // The policy editor: a query that cannot run is refused before anything is journaled.
        QSignalSpy acted(sv, &qt::SupervisionController::actionFinished);
        QVERIFY(ui.find("complianceTabs")->setProperty("currentIndex", 2));
        QVERIFY(ui.type("policyNameField", "Broken"));
        QVERIFY(ui.type("policyQueryField", "(delete AND this) w/3 thread"));
        QVERIFY(ui.click("policyAddButton"));
        QVERIFY2(sv->error().startsWith("Policy:"), qPrintable(sv->error()));
        QCOMPARE(acted.count(), 0);
        QVERIFY(ui.type("policyNameField", "Delete this"));
        QVERIFY(ui.type("policyQueryField", "\"delete this\""));
        QVERIFY(ui.find("policySeverityBox")->setProperty("currentIndex", 2));
        QVERIFY(ui.click("policyAddButton"));
        QVERIFY(acted.wait(60000));
        QVERIFY2(acted.takeFirst().first().toBool(), qPrintable(sv->error()));
        QVERIFY(sv->error().isEmpty());
        QCOMPARE(sv->policies()->rowCount(), 1);
        QCOMPARE(cell(sv->policies(), 0, qt::SupervisionPoliciesModel::NameRole).toString(),
                 QStringLiteral("Delete this"));
        QCOMPARE(cell(sv->policies(), 0, qt::SupervisionPoliciesModel::SeverityRole).toString(),
                 QStringLiteral("high"));
        QVERIFY2(cell(sv->policies(), 0, qt::SupervisionPoliciesModel::AuthorRole)
                     .toString()
                     .contains("comply-a"),
                 qPrintable(
                     cell(sv->policies(), 0, qt::SupervisionPoliciesModel::AuthorRole).toString()));

        // Pull: the policy raises the alert for the lawyer's message.
        QSignalSpy pulled(cc, &qt::ComplianceController::pullFinished);
        QVERIFY(ui.click("pullButton"));
        QVERIFY(pulled.wait(60000));
        QVERIFY2(pulled.first().first().toBool(), qPrintable(cc->error()));
        QVERIFY(until([&] { return sv->alerts()->rowCount() == 1 && !cc->busy(); }));
        QCOMPARE(sv->openCount(), 1);
        auto* alerts = sv->alerts();
        const QString alertId = cell(alerts, 0, A::IdRole).toString();
        QCOMPARE(alertId.size(), 12);
        QCOMPARE(cell(alerts, 0, A::StatusRole).toString(), QStringLiteral("open"));
        QCOMPARE(cell(alerts, 0, A::PolicyRole).toString(), QStringLiteral("Delete this v1"));
        QCOMPARE(cell(alerts, 0, A::ConversationRole).toString(),
                 QStringLiteral("Estate of Smith"));
        // The sender by name when the archive knows it, else by user id.
        QVERIFY(QStringList({"Alice Adams", "alice"})
                    .contains(cell(alerts, 0, A::SenderRole).toString()));
        QCOMPARE(cell(alerts, 0, A::MatchesRole).toStringList(), QStringList{"delete this"});
        QVERIFY(cell(alerts, 0, A::ContextRole).toString().contains("Please delete this thread"));
        // The matched words marked; the message's own markup shown as text, not rendered.
        const QString marked = cell(alerts, 0, A::MarkedRole).toString();
        QVERIFY2(marked.contains("<b><font color=\"#e65100\">delete this</font></b>"),
                 qPrintable(marked));
        QVERIFY2(marked.contains("&lt;b&gt;reading&lt;/b&gt;"), qPrintable(marked));
        QVERIFY(ui.find("complianceTabs")->setProperty("currentIndex", 1));
        QVERIFY(until([&] { return ui.visibleWith("alertRow", "alertId", alertId) != nullptr; }));
        QVERIFY(
            ui.shows("alertContext", [](const QString& t) { return t.contains("delete this"); }));

        // Escalate with a note, from the alert's actions.
        QVERIFY(
            QMetaObject::invokeMethod(ui.visibleWith("alertRow", "alertId", alertId), "clicked"));
        QVERIFY(until([&] { return ui.find("alertDetail")->property("visible").toBool(); }));
        QVERIFY(ui.type("alertNoteField", "Asked Alice why"));
        QVERIFY(ui.click("alertEscalateButton"));
        QVERIFY(acted.wait(60000));
        QVERIFY2(acted.takeFirst().first().toBool(), qPrintable(sv->error()));
        QCOMPARE(cell(alerts, 0, A::StatusRole).toString(), QStringLiteral("escalated"));
        QCOMPARE(cell(alerts, 0, A::NoteRole).toString(), QStringLiteral("Asked Alice why"));
        QVERIFY(cell(alerts, 0, A::MineRole).toBool());
        QVERIFY(ui.shoot("review-queue-laptop-light"));

        // A disposition that does not exist is refused before anything is journaled.
        sv->close(alertId, "forgotten", "");
        QVERIFY2(sv->error().contains("disposition"), qPrintable(sv->error()));
        QCOMPARE(acted.count(), 0);
        // Close as a breach.
        QVERIFY(ui.find("alertDispositionBox")->setProperty("currentIndex", 1));
        QVERIFY(ui.type("alertNoteField", "Training booked"));
        QVERIFY(ui.click("alertCloseButton"));
        QVERIFY(acted.wait(60000));
        QVERIFY2(acted.takeFirst().first().toBool(), qPrintable(sv->error()));
        QCOMPARE(cell(alerts, 0, A::StatusRole).toString(), QStringLiteral("closed"));
        QCOMPARE(cell(alerts, 0, A::DispositionRole).toString(), QStringLiteral("breach"));
        QCOMPARE(sv->openCount(), 0);
        QVERIFY(ui.shows("alertState", [](const QString& t) { return t.contains("breach"); }));

        // A search from the page is journaled before it runs: the access log shows it.
        QVERIFY(ui.find("complianceTabs")->setProperty("currentIndex", 0));
        QSignalSpy searched(cc, &qt::ComplianceController::searchFinished);
        QVERIFY(ui.type("complianceSearchField", "hearing"));
        QVERIFY(ui.click("complianceSearchButton"));
        QVERIFY(searched.wait(60000));
        QVERIFY2(searched.first().first().toBool(), qPrintable(cc->error()));
        QCOMPARE(cc->searchResults()->rowCount(), 1);
        QVERIFY(until([&] {
            return anyContains(accessRows(sv->accessLog()),
                               {"search", "comply-a", "query=hearing"});
        }));

        // The report: written to the file given, journaled as an export, summarised.
        QVERIFY(ui.find("complianceTabs")->setProperty("currentIndex", 4));
        QSignalSpy reported(sv, &qt::SupervisionController::reportFinished);
        const QString reportPath = dir.path() + "/report.html";
        QVERIFY(ui.type("reportPathField", reportPath));
        QVERIFY(ui.type("reportFromField", "2020-01-01"));
        QVERIFY(ui.click("reportWriteButton"));
        QVERIFY(reported.wait(60000));
        QVERIFY2(reported.first().first().toBool(), qPrintable(sv->error()));
        QFile report(reportPath);
        QVERIFY(report.open(QIODevice::ReadOnly));
        const QString html = QString::fromUtf8(report.readAll());
        QVERIFY(html.contains("Supervision report") && html.contains("Estate of Smith"));
        QVERIFY(!html.contains("delete this")); // counts, never content
        QCOMPARE(report.permissions() & (QFile::ReadOther | QFile::ReadGroup),
                 QFile::Permissions());
        QVERIFY2(sv->reportSummary().contains("1 alert(s)") &&
                     sv->reportSummary().contains("1 breach"),
                 qPrintable(sv->reportSummary()));
        QVERIFY(ui.shows("reportSummary", [](const QString& t) { return t.contains("breach"); }));
        QVERIFY(until([&] {
            return anyContains(accessRows(sv->accessLog()),
                               {"export", "comply-a", "report format=html from=2020-01-01"});
        }));
        // Metadata only, for supervising partners: who talked to whom, when and how much.
        const QString metadataPath = dir.path() + "/metadata.csv";
        QVERIFY(ui.find("reportMetadata")->setProperty("checked", true));
        QVERIFY(ui.type("reportPathField", metadataPath));
        QVERIFY(ui.type("reportFromField", ""));
        QVERIFY(ui.click("reportWriteButton"));
        QVERIFY(reported.wait(60000));
        QVERIFY2(reported.last().first().toBool(), qPrintable(sv->error()));
        QFile metadata(metadataPath);
        QVERIFY(metadata.open(QIODevice::ReadOnly));
        const QStringList lines = QString::fromUtf8(metadata.readAll()).split("\r\n");
        QVERIFY2(lines.first().contains("participants") &&
                     lines.first().contains("client_waiting_since"),
                 qPrintable(lines.first()));
        QString matterLine;
        for (const auto& l : lines)
            if (l.contains("Estate of Smith")) matterLine = l;
        QVERIFY2(matterLine.contains("alice") && matterLine.contains("\"2\""),
                 qPrintable(matterLine));
        // Carol spoke last: she is waiting for an answer.
        QVERIFY2(sv->reportSummary().contains("waits for an answer in 1"),
                 qPrintable(sv->reportSummary()));
        for (const char* word : {"delete", "hearing", "Understood", "Please"})
            QVERIFY2(!lines.join('\n').contains(word), word);
        QVERIFY(until([&] {
            return anyContains(accessRows(sv->accessLog()),
                               {"export", "comply-a", "report format=metadata"});
        }));
        // Writing over an existing file is refused.
        sv->writeReport("html", reportPath);
        QVERIFY2(sv->error().contains("exists already"), qPrintable(sv->error()));
        QVERIFY(ui.find("complianceTabs")->setProperty("currentIndex", 3));
        QVERIFY(ui.shoot("access-log-laptop-light"));
        QVERIFY(ui.find("complianceTabs")->setProperty("currentIndex", 1));
        QVERIFY(ui.find("queueFilter-all") != nullptr ||
                !ui.findItems("queueFilter-all").isEmpty());
        QVERIFY(ui.shoot("review-queue-closed-laptop-light"));

        // The automatic pull: a new hit reaches the queue with nobody pressing Pull.
        QVERIFY(lawyer.chat()->send("Also delete this draft"));
        QVERIFY(lawyer.client()->waitForOutbox(20s));
        QSignalSpy autoPulled(cc, &qt::ComplianceController::pullFinished);
        sv->setAutoPullSeconds(1);
        QCOMPARE(sv->autoPullSeconds(), 10); // the floor
        QVERIFY(until([&] { return sv->alerts()->rowCount() == 2; }, 30000));
        QVERIFY(autoPulled.count() >= 1);
        // The queue's switch turns it off.
        auto switches = ui.findItems("autoPullSwitch");
        QCOMPARE(switches.size(), 1);
        QVERIFY(switches.first()->setProperty("checked", false));
        QVERIFY(!sv->autoPull());

        // Issue 22: a legal hold journaled from A's device shows on the Holds tab after a pull,
        // with its scope, reason, reference and who placed it, as plain text.
        const std::string custodian = lawyer.client()->account().user;
        {
            auto review =
                officerA.client()->resolveConversation(compliance::kReviewConversationTitle);
            QVERIFY(review);
            auto body =
                compliance::holdBody("", custodian, "Claim letter <b>received</b>", "CLM-9");
            QVERIFY(body);
            QVERIFY(officerA.client()->sendSupervisionRecord(*review, *body));
            QVERIFY(officerA.client()->waitForOutbox(20s));
        }
        QSignalSpy heldPull(cc, &qt::ComplianceController::pullFinished);
        cc->pull();
        QVERIFY(heldPull.wait(60000));
        using HM = qt::SupervisionHoldsModel;
        QVERIFY(until([&] { return sv->holds()->rowCount() == 1 && !cc->busy(); }));
        QVERIFY(cell(sv->holds(), 0, HM::OpenRole).toBool());
        QVERIFY2(cell(sv->holds(), 0, HM::ScopeRole).toString().startsWith("Custodian: "),
                 qPrintable(cell(sv->holds(), 0, HM::ScopeRole).toString()));
        QCOMPARE(cell(sv->holds(), 0, HM::ReasonRole).toString(),
                 QStringLiteral("Claim letter <b>received</b>"));
        QCOMPARE(cell(sv->holds(), 0, HM::ReferenceRole).toString(), QStringLiteral("CLM-9"));
        QVERIFY(cell(sv->holds(), 0, HM::PlacedByRole).toString().contains("device"));
        QVERIFY(ui.find("complianceTabs")->setProperty("currentIndex", 5));
        QVERIFY(until([&] {
            for (auto* item : ui.findItems("holdReason"))
                if (item->property("text").toString().contains("Claim letter <b>received</b>") &&
                    item->property("textFormat").toInt() == Qt::PlainText)
                    return true;
            return false;
        }));

        // Officer B, another app with its own profile and archive: the same queue state, the
        // same policy, A's search and export in the access log.
        qt::ComplianceController ccB;
        ccB.setAppController(&officerB);
        ccB.setArchivePath(dir.path() + "/b.archive");
        qt::SupervisionController svB;
        svB.setCompliance(&ccB);
        QSignalSpy unlockedB(&ccB, &qt::ComplianceController::unlockFinished);
        ccB.unlock(keyFile, kJournalPass);
        QVERIFY(unlockedB.wait(30000));
        QVERIFY2(unlockedB.first().first().toBool(), qPrintable(ccB.error()));
        QSignalSpy reloadedB(&svB, &qt::SupervisionController::reloaded);
        QSignalSpy pulledB(&ccB, &qt::ComplianceController::pullFinished);
        ccB.pull();
        QVERIFY(pulledB.wait(60000));
        QVERIFY2(pulledB.first().first().toBool(), qPrintable(ccB.error()));
        QVERIFY(until([&] { return !ccB.busy() && svB.alerts()->rowCount() == 2; }));
        auto* alertsB = svB.alerts();
        QCOMPARE(cell(alertsB, 0, A::IdRole).toString(), alertId);
        QCOMPARE(cell(alertsB, 1, A::StatusRole).toString(), QStringLiteral("open"));
        QCOMPARE(cell(alertsB, 0, A::StatusRole).toString(), QStringLiteral("closed"));
        QCOMPARE(cell(alertsB, 0, A::DispositionRole).toString(), QStringLiteral("breach"));
        QCOMPARE(cell(alertsB, 0, A::NoteRole).toString(), QStringLiteral("Training booked"));
        QVERIFY(cell(alertsB, 0, A::ReviewerRole).toString().contains("comply-a"));
        QVERIFY(!cell(alertsB, 0, A::MineRole).toBool());
        QCOMPARE(svB.policies()->rowCount(), 1);
        QCOMPARE(cell(svB.policies(), 0, qt::SupervisionPoliciesModel::NameRole).toString(),
                 QStringLiteral("Delete this"));
        const QStringList logB = accessRows(svB.accessLog());
        QVERIFY2(anyContains(logB, {"search", "comply-a", "query=hearing"}),
                 qPrintable(logB.join('\n')));
        QVERIFY2(anyContains(logB, {"export", "comply-a", "report format=html"}),
                 qPrintable(logB.join('\n')));
        // The hold A journaled, in B's archive too.
        QCOMPARE(svB.holds()->rowCount(), 1);
        QCOMPARE(cell(svB.holds(), 0, HM::ReferenceRole).toString(), QStringLiteral("CLM-9"));

        // A lawyer's app opens an archive but journals no review.
        qt::ComplianceController ccL;
        ccL.setAppController(&lawyer);
        ccL.setArchivePath(dir.path() + "/lawyer.archive");
        qt::SupervisionController svL;
        svL.setCompliance(&ccL);
        QSignalSpy unlockedL(&ccL, &qt::ComplianceController::unlockFinished);
        ccL.unlock(keyFile, kJournalPass);
        QVERIFY(unlockedL.wait(30000));
        QVERIFY(unlockedL.first().first().toBool());
        svL.escalate(alertId, "not mine to say");
        QVERIFY2(svL.error().contains("compliance officer"), qPrintable(svL.error()));
        QVERIFY(!svL.working());
    }
};

QTEST_MAIN(TestSupervisionApp)
#include "tst_supervision_app.moc"
