// Over 600 lines on purpose: compliancePage() is one walk through the page whose steps build on
// each other (the archive is unlocked, pulled and verified once, then searched, its timeline read,
// exported and shot at both sizes in both themes); split, each part would pull and verify again.
//
// The compliance page (issue 6) against a real relay: unlock the journal key, pull, verify,
// search, the timeline with the deleted and edited history, RSMF export, and its screenshots;
// the archive models under QAbstractItemModelTester.

#include <QAbstractItemModelTester>
#include <QDir>
#include <QFile>
#include <QFont>
#include <QJsonDocument>
#include <QJsonObject>
#include <QQuickItem>
#include <QQuickStyle>
#include <QQuickWindow>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QtTest>
#include <vector>

#include "AppHarness.h"
#include "client/core/Client.h"
#include "client/qt/AppController.h"
#include "client/qt/ComplianceController.h"
#include "client/qt/SupervisionAccessModel.h"
#include "client/qt/SupervisionController.h"
#include "client/qt/TextRuns.h"
#include "compliance/Supervision.h"

using namespace verbatim;
using namespace verbatim::apptest;
using namespace std::chrono_literals;

namespace {

/// Files in `dir` whose name starts with `prefix` (an archive and its -wal/-shm companions).
QStringList filesLike(const QString& dir, const QString& prefix) {
    return QDir(dir).entryList({prefix + "*"}, QDir::Files);
}

} // namespace

class TestAppCompliance : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() { QQuickStyle::setStyle("Material"); }

    // The compliance page (issue 6): a matter with an edit, a retraction and an attachment; the
    // compliance profile opens on the compliance page instead of the chat; a wrong journal
    // passphrase is refused and writes nothing; unlock, pull and verify; the retracted text is
    // found and marked deleted; the timeline shows the deletion and the edit; RSMF export;
    // screenshots at both sizes in both themes. The archive models are under
    // QAbstractItemModelTester from before the first row.
    void compliancePage() {
        using R = qt::ArchiveTimelineModel;
        using S = qt::ArchiveSearchModel;
        e2e::Harness h;
        QVERIFY(h.ok());
        QTemporaryDir dir;
        qt::AppController officer(dir.path() + "/officer");
        QVERIFY2(officer.session()->join(
                     QString::fromStdString(h.enrollLink("comply", proto::ROLE_COMPLIANCE)),
                     "Casey Compliance", kPass),
                 qPrintable(officer.error()));
        QCOMPARE(officer.session()->role(), QStringLiteral("compliance"));
        QCOMPARE(officer.session()->screen(), QStringLiteral("ready"));
        qt::AppController lawyer(dir.path() + "/lawyer");
        QVERIFY2(joinStaff(h, lawyer, "alice", proto::ROLE_LAWYER, "Alice Adams"),
                 qPrintable(lawyer.error()));
        auto invite = lawyer.client()->createInvite("Estate of Smith");
        QVERIFY(invite);
        qt::AppController client(dir.path() + "/client");
        QVERIFY(client.session()->join(QString::fromStdString(*invite), "Carol Client", kPass));
        QVERIFY(client.session()->acceptNotice());
        QVERIFY(until([&] { return client.chat()->conversations()->rowCount() == 1; }));
        const QString conv =
            cell(client.chat()->conversations(), 0, qt::ConversationListModel::IdRole).toString();
        client.chat()->openConversation(conv);
        QVERIFY(until([&] { return lawyer.chat()->conversations()->rowCount() == 1; }));
        lawyer.chat()->openConversation(conv);
        QVERIFY(lawyer.chat()->send("Please send the signed engagement letter"));
        QVERIFY(client.chat()->send("My account number is 12345678"));
        QVERIFY(client.chat()->send("The hearing is on Tuesdy"));
        auto* cm = client.chat()->messages();
        const QString secret =
            cell(cm, rowOf(cm, qt::MessageListModel::BodyRole, "My account number is 12345678"),
                 qt::MessageListModel::IdRole)
                .toString();
        const QString typo =
            cell(cm, rowOf(cm, qt::MessageListModel::BodyRole, "The hearing is on Tuesdy"),
                 qt::MessageListModel::IdRole)
                .toString();
        QVERIFY(!secret.isEmpty() && !typo.isEmpty());
        QVERIFY(client.chat()->edit(typo, "The hearing is on Tuesday"));
        QVERIFY(client.chat()->retract(secret));
        {
            QFile f(dir.filePath("engagement.pdf"));
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(QByteArray("%PDF-1.4 signed ") + QByteArray(4000, 'x'));
            f.close();
            QSignalSpy done(client.attachments(), &qt::AttachmentsController::attachmentDone);
            QVERIFY(client.attachments()->attach(QUrl::fromLocalFile(f.fileName())));
            QVERIFY(done.wait(20000));
            QVERIFY(done.first().first().toBool());
        }
        QVERIFY(client.client()->waitForOutbox(20s));
        QVERIFY(lawyer.client()->waitForOutbox(20s));
        const QString keyFile = writeKeyFile(dir.path(), h.journalKey());
        QVERIFY(!keyFile.isEmpty());

        // A lawyer's profile may read an archive but not pull the firm's journal.
        {
            qt::ComplianceController notCompliance;
            notCompliance.setAppController(&lawyer);
            QCOMPARE(notCompliance.archivePath(), dir.path() + "/lawyer/journal.archive");
            notCompliance.setArchivePath(dir.path() + "/lawyer.archive");
            QSignalSpy unlocked(&notCompliance, &qt::ComplianceController::unlockFinished);
            notCompliance.unlock(keyFile, kJournalPass);
            QVERIFY(unlocked.wait(30000));
            QVERIFY2(unlocked.first().first().toBool(), qPrintable(notCompliance.error()));
            notCompliance.pull();
            QVERIFY(notCompliance.error().contains("compliance account"));
            QVERIFY(!notCompliance.busy());
        }

        // The compliance profile opens on the compliance page, not the chat.
        Ui ui;
        QVERIFY(ui.load(officer, 1280, 800, false));
        QVERIFY(until([&] { return ui.find("complianceController") != nullptr; }));
        auto* cc = qobject_cast<qt::ComplianceController*>(ui.find("complianceController"));
        QVERIFY(cc);
        QVERIFY(!ui.find("messageInput"));
        QVERIFY(!ui.find("conversationList"));
        QAbstractItemModelTester t1(cc->conversations(),
                                    QAbstractItemModelTester::FailureReportingMode::QtTest);
        QAbstractItemModelTester t2(cc->timeline(),
                                    QAbstractItemModelTester::FailureReportingMode::QtTest);
        QAbstractItemModelTester t3(cc->searchResults(),
                                    QAbstractItemModelTester::FailureReportingMode::QtTest);
        QAbstractItemModelTester t4(cc->problems(),
                                    QAbstractItemModelTester::FailureReportingMode::QtTest);
        const QString profileDir = dir.path() + "/officer";
        QCOMPARE(cc->archivePath(), profileDir + "/journal.archive");
        QCOMPARE(ui.find("archivePathField")->property("text").toString(), cc->archivePath());

        // A wrong passphrase: a clear error that does not repeat it, and no archive file.
        QSignalSpy unlocked(cc, &qt::ComplianceController::unlockFinished);
        QVERIFY(ui.type("journalKeyField", keyFile));
        QVERIFY(ui.type("journalPassphraseField", "not the journal passphrase"));
        QVERIFY(ui.click("journalUnlockButton"));
        QVERIFY(unlocked.wait(30000));
        QVERIFY(!unlocked.takeFirst().first().toBool());
        QVERIFY(!cc->unlocked());
        QVERIFY2(cc->error().contains("Wrong passphrase"), qPrintable(cc->error()));
        QVERIFY(!cc->error().contains("not the journal passphrase"));
        QVERIFY(ui.find("unlockError")->property("visible").toBool());
        QCOMPARE(filesLike(profileDir, "journal.archive"), QStringList());
        auto shoot = [&](const QString& name) {
            QVERIFY2(ui.shoot(name), qPrintable(name + " looks blank or was not saved"));
        };
        shoot("compliance-laptop-light-unlock");

        // The right one.
        QVERIFY(ui.type("journalPassphraseField", kJournalPass));
        QVERIFY(ui.click("journalUnlockButton"));
        QVERIFY(unlocked.wait(30000));
        QVERIFY2(unlocked.takeFirst().first().toBool(), qPrintable(cc->error()));
        QVERIFY(cc->unlocked());
        QVERIFY(cc->error().isEmpty());
        QVERIFY(QFile::exists(cc->archivePath()));
        QVERIFY(ui.find("journalPassphraseField")->property("text").toString().isEmpty());
        QCOMPARE(cc->verification(), QStringLiteral("empty"));

        // Pull (verified on the way), with a determinate progress bar (issue 21): the fraction
        // the pull reports per page, recorded with whether the archive was still empty (the
        // pull's result not yet applied) and whether the bar showed.
        QSignalSpy pulled(cc, &qt::ComplianceController::pullFinished);
        QObject* bar = ui.find("complianceProgressBar");
        QVERIFY(bar);
        QVERIFY(until([&] { return !cc->busy(); })); // the unlock's job ends after its signal
        QVERIFY(!bar->property("visible").toBool());
        QCOMPARE(cc->progressFraction(), -1.0);
        struct Seen {
            double fraction;
            bool beforeApply, barShown, determinate;
        };
        std::vector<Seen> seen;
        auto feed = connect(cc, &qt::ComplianceController::progressFractionChanged, [&] {
            seen.push_back({cc->progressFraction(), cc->entries() == 0,
                            bar->property("visible").toBool(),
                            !bar->property("indeterminate").toBool()});
        });
        QVERIFY(ui.click("pullButton"));
        QVERIFY(cc->busy());
        QVERIFY(bar->property("visible").toBool());
        QVERIFY(pulled.wait(60000));
        QVERIFY2(pulled.first().first().toBool(), qPrintable(cc->error()));
        QVERIFY(until([&] { return !cc->busy(); }));
        disconnect(feed);
        QVERIFY(!bar->property("visible").toBool());
        QCOMPARE(cc->progressFraction(), 1.0);
        bool fedByPull = false;
        double last = 0;
        for (const Seen& v : seen) {
            if (v.fraction < 0) continue;
            QVERIFY2(v.fraction >= last, qPrintable(QString::number(v.fraction)));
            QVERIFY(v.fraction <= 1.0);
            QVERIFY(v.barShown && v.determinate);
            last = v.fraction;
            fedByPull = fedByPull || v.beforeApply;
        }
        QVERIFY2(fedByPull, "no fraction reported while the pull ran");
        QCOMPARE(last, 1.0);
        QCOMPARE(cc->verification(), QStringLiteral("ok"));
        QCOMPARE(cc->problemCount(), 0);
        QVERIFY(cc->entries() > 5);
        QVERIFY(cc->headSequence() >= cc->entries());
        QCOMPARE(ui.find("verificationText")->property("text").toString(),
                 QStringLiteral("\u2714 Journal verified: %1 entries, head #%2")
                     .arg(cc->entries())
                     .arg(cc->headSequence()));
        const int convRow = rowOf(cc->conversations(), qt::ArchiveConversationsModel::IdRole, conv);
        QVERIFY(convRow >= 0);
        QCOMPARE(
            cell(cc->conversations(), convRow, qt::ArchiveConversationsModel::TitleRole).toString(),
            QStringLiteral("Estate of Smith"));
        QVERIFY(
            cell(cc->conversations(), convRow, qt::ArchiveConversationsModel::MatterRole).toBool());
        QVERIFY(cell(cc->conversations(), convRow, qt::ArchiveConversationsModel::ParticipantsRole)
                    .toString()
                    .contains("Carol Client"));

        // Verify again, on its own.
        QSignalSpy verified(cc, &qt::ComplianceController::verifyFinished);
        QVERIFY(ui.click("verifyButton"));
        QVERIFY(verified.wait(60000));
        QVERIFY(verified.first().first().toBool());
        QCOMPARE(cc->verification(), QStringLiteral("ok"));

        // Search finds the retracted text, marked deleted.
        QSignalSpy searched(cc, &qt::ComplianceController::searchFinished);
        QVERIFY(ui.type("complianceSearchField", "12345678"));
        QVERIFY(ui.click("complianceSearchButton"));
        QVERIFY(searched.wait(30000));
        QVERIFY(searched.takeFirst().first().toBool());
        QVERIFY(cc->searchActive());
        auto* sm = cc->searchResults();
        QCOMPARE(sm->rowCount(), 1);
        QCOMPARE(cell(sm, 0, S::TextRole).toString(),
                 QStringLiteral("My account number is 12345678"));
        QCOMPARE(cell(sm, 0, S::StatusRole).toString(), QStringLiteral("deleted"));
        QVERIFY(cell(sm, 0, S::DeletedRole).toBool());
        QCOMPARE(cell(sm, 0, S::ConversationRole).toString(), conv);
        QCOMPARE(cell(sm, 0, S::SenderNameRole).toString(), QStringLiteral("Carol Client"));
        QVERIFY(until([&] {
            return ui.shows("hitStatus",
                            [](const QString& t) { return t.startsWith("Deleted for everyone"); });
        }));
        // The filters narrow it: by matter and by participant (by name or id).
        cc->search("hearing", "Estate of Smith", "Carol Client");
        QVERIFY(searched.wait(30000));
        QVERIFY(sm->rowCount() >= 1);
        QVERIFY(rowOf(sm, S::TextRole, "The hearing is on Tuesdy") >= 0);
        cc->search("hearing", {}, "comply");
        QVERIFY(searched.wait(30000));
        QCOMPARE(sm->rowCount(), 0);
        cc->search("hearing", "No such matter", {});
        QVERIFY(searched.wait(30000));
        QVERIFY(!searched.last().first().toBool());
        QVERIFY(!cc->error().isEmpty());
        cc->search("12345678");
        QVERIFY(searched.wait(30000));
        QCOMPARE(sm->rowCount(), 1);
        // Issue 21, the audit view: the Audit tab loads the audit trail on the worker with full
        // dates: the officer's enrolment, the client's retraction and edit, with who did them.
        {
            QSignalSpy audited(cc, &qt::ComplianceController::auditLoaded);
            QVERIFY(ui.find("complianceTabs")->setProperty("currentIndex", 7));
            QVERIFY(audited.wait(30000));
            QVERIFY2(audited.last().first().toBool(), qPrintable(cc->error()));
            using A = qt::ComplianceAuditModel;
            auto* am = cc->audit();
            QVERIFY(am->rowCount() > 0);
            QStringList seen;
            for (int i = 0; i < am->rowCount(); ++i)
                seen << cell(am, i, A::KindRole).toString() + "|" +
                            cell(am, i, A::WhoRole).toString();
            const int retracted = rowOf(am, A::KindRole, "retract");
            QVERIFY2(retracted >= 0, qPrintable(seen.join(", ")));
            QVERIFY2(cell(am, retracted, A::WhoRole).toString().startsWith("Carol Client"),
                     qPrintable(seen.join(", ")));
            QVERIFY(cell(am, retracted, A::TimeRole).toDateTime().isValid());
            QVERIFY2(rowOf(am, A::KindRole, "edit") >= 0, qPrintable(seen.join(", ")));
            // ... and the firm's admin actions: the officer's enrolment, with its role.
            bool enrolled = false;
            for (int i = 0; i < am->rowCount(); ++i)
                enrolled |= cell(am, i, A::KindRole).toString() == "enroll-user" &&
                            cell(am, i, A::TargetRole).toString() == "comply" &&
                            cell(am, i, A::DetailRole).toString() == "ROLE_COMPLIANCE" &&
                            cell(am, i, A::TimeRole).toDateTime().isValid();
            QVERIFY2(enrolled, qPrintable(seen.join(", ")));
            const QString day =
                QDateTime::currentDateTimeUtc().toLocalTime().toString("yyyy-MM-dd");
            QVERIFY(until([&] {
                return ui.shows("auditHeading", [&](const QString& t) {
                    return t.startsWith(day) && t.contains("retract");
                });
            }));
            shoot("compliance-laptop-light-audit");
            QVERIFY(ui.find("complianceTabs")->setProperty("currentIndex", 0));
        }

        // The timeline: the deletion with who and when, the edit with old and new, the rest.
        QSignalSpy loaded(cc, &qt::ComplianceController::timelineLoaded);
        cc->openConversation(cell(sm, 0, S::ConversationRole).toString());
        QVERIFY(loaded.wait(30000));
        QCOMPARE(cc->currentTitle(), QStringLiteral("Estate of Smith"));
        auto* tm = cc->timeline();
        const int gone = rowOf(tm, R::OriginalTextRole, "My account number is 12345678");
        QVERIFY(gone >= 0);
        QVERIFY(cell(tm, gone, R::DeletedRole).toBool());
        QCOMPARE(cell(tm, gone, R::DeletedByRole).toString(), QStringLiteral("Carol Client"));
        QVERIFY(cell(tm, gone, R::DeletedTimeRole).toDateTime().isValid());
        QCOMPARE(cell(tm, gone, R::SenderNameRole).toString(), QStringLiteral("Carol Client"));
        const int fixed = rowOf(tm, R::OriginalTextRole, "The hearing is on Tuesdy");
        QVERIFY(fixed >= 0);
        QCOMPARE(cell(tm, fixed, R::TextRole).toString(),
                 QStringLiteral("The hearing is on Tuesday"));
        QVERIFY(cell(tm, fixed, R::EditedRole).toBool());
        QVERIFY(!cell(tm, fixed, R::DeletedRole).toBool());
        QCOMPARE(cell(tm, fixed, R::EditsRole).toStringList(),
                 QStringList{qt::TextRuns::isolated("The hearing is on Tuesdy") + " \u2192 " +
                             qt::TextRuns::isolated("The hearing is on Tuesday")});
        QVERIFY(rowOf(tm, R::AttachmentsRole, "engagement.pdf") >= 0);
        QVERIFY(rowOf(tm, R::KindRole, "notice") >= 0);
        QVERIFY(rowOf(tm, R::KindRole, "join") >= 0);
        // Staff are named as the firm enrolled them (the harness names them by their id).
        QCOMPARE(cell(tm, rowOf(tm, R::TextRole, "Please send the signed engagement letter"),
                      R::SenderNameRole)
                     .toString(),
                 QStringLiteral("alice"));
        for (int i = 0; i < tm->rowCount(); ++i)
            QVERIFY2(cell(tm, i, R::VerifiedRole).toBool(),
                     qPrintable(cell(tm, i, R::VerificationRole).toString()));
        // ... and the page shows them.
        QVERIFY(until([&] {
            return ui.shows("deletedLabel", [](const QString& t) {
                return t.startsWith("Deleted by " + qt::TextRuns::isolated("Carol Client") +
                                    " at ") &&
                       t.endsWith("original text kept");
            });
        }));
        // The deleted text is still there, struck through.
        bool struck = false;
        for (auto* item : ui.findItems("timelineText"))
            if (item->isVisible() &&
                item->property("text").toString() == "My account number is 12345678")
                struck = item->property("font").value<QFont>().strikeOut();
        QVERIFY(struck);
        QVERIFY(ui.shows("timelineText",
                         [](const QString& t) { return t == "The hearing is on Tuesday"; }));
        QVERIFY(ui.shows("editLine", [](const QString& t) {
            return t == qt::TextRuns::isolated("The hearing is on Tuesdy") + " \u2192 " +
                            qt::TextRuns::isolated("The hearing is on Tuesday");
        }));
        QCOMPARE(ui.find("timelineTitle")->property("text").toString(),
                 QStringLiteral("Estate of Smith"));

        // Export RSMF (the default format) to a file.
        QTemporaryDir exportDir;
        const QString rsmf = exportDir.filePath("smith.rsmf");
        QVERIFY(!ui.find("exportPathField")->property("visible").toBool());
        QVERIFY(ui.click("exportToggle"));
        QVERIFY(ui.find("exportPathField")->property("visible").toBool());
        QCOMPARE(ui.find("exportFormat")->property("value").toString(), QStringLiteral("rsmf"));
        QVERIFY(ui.type("exportPathField", rsmf));
        // Issue 21: no scope is chosen until the officer chooses one; the whole firm is
        // confirmed in a dialog naming how much it produces.
        QCOMPARE(ui.find("exportScope")->property("value").toString(), QString());
        QVERIFY(!ui.find("exportButton")->property("enabled").toBool());
        QVERIFY(ui.find("exportScope")->setProperty("currentIndex", 1));
        QVERIFY(ui.find("exportButton")->property("enabled").toBool());
        QSignalSpy exported(cc, &qt::ComplianceController::exportFinished);
        QVERIFY(ui.click("exportButton"));
        QVERIFY(
            until([&] { return ui.find("exportWholeFirmDialog")->property("visible").toBool(); }));
        QVERIFY(ui.deep("exportWholeFirmText")
                    ->property("text")
                    .toString()
                    .contains(QString::number(cc->firmEvents())));
        QVERIFY(cc->firmEvents() > 5);
        QTest::qWait(200);
        QCOMPARE(exported.count(), 0);
        QVERIFY(!QFile::exists(rsmf));
        QVERIFY(QMetaObject::invokeMethod(ui.find("exportWholeFirmDialog"), "accept"));
        QVERIFY(exported.wait(60000));
        QVERIFY2(exported.first().first().toBool(), qPrintable(cc->error()));
        QCOMPARE(cc->exportedFiles(), rsmf);
        {
            QFile f(rsmf);
            QVERIFY(f.open(QIODevice::ReadOnly));
            const QByteArray bytes = f.readAll();
            const int end = bytes.indexOf("\r\n\r\n");
            QVERIFY(end > 0);
            const QByteArray header = bytes.left(end);
            QVERIFY(QRegularExpression("^[A-Za-z][A-Za-z0-9-]*: ")
                        .match(QString::fromLatin1(header))
                        .hasMatch());
            QVERIFY2(header.contains("\r\nX-RSMF-Version: 2.0.0\r\n") ||
                         header.startsWith("X-RSMF-Version: 2.0.0\r\n"),
                     header.constData());
        }
        // A format it does not know is refused, writing nothing.
        cc->exportTo("pdf", exportDir.filePath("smith.pdf"));
        QVERIFY(cc->error().contains("RSMF"));
        QVERIFY(!QFile::exists(exportDir.filePath("smith.pdf")));
        cc->clearError();

        // Screenshots: the timeline beside the search hits on a laptop, alone on a phone.
        shoot("compliance-laptop-light");
        ui.window->setProperty("darkTheme", true);
        shoot("compliance-laptop-dark");
        QVERIFY(ui.click("exportToggle"));
        ui.window->resize(390, 844);
        shoot("compliance-phone-dark");
        ui.window->setProperty("darkTheme", false);
        shoot("compliance-phone-light");
        cc->closeConversation();
        shoot("compliance-phone-light-search");
        cc->clearSearch();
        QVERIFY(!cc->searchActive());
        QCOMPARE(cc->searchResults()->rowCount(), 0);
        QVERIFY(ui.find("complianceSearchField")->property("text").toString().isEmpty());
        QVERIFY(ui.find("archiveConversationList")->property("visible").toBool());
        shoot("compliance-phone-light-list");

        // Locking the profile mid-pull cancels the pull and closes the archive before the
        // client goes away.
        QPointer<qt::ComplianceController> alive(cc);
        cc->pull();
        officer.session()->lock();
        QCOMPARE(officer.session()->screen(), QStringLiteral("unlock"));
        QVERIFY(until([&] { return !alive || !alive->unlocked(); }));
    }

    // Issue 21, scoped production: two matters, the first with a message before and one after
    // a moment in time. The export bar's scope (one matter, from that moment to today, into a
    // folder) writes exactly that matter's messages of the range, none of the other matter's,
    // into a file named after the scope, and the access log holds the scope. No scope, a date
    // that is not one and a range that ends before it starts are refused, writing nothing;
    // "Whole firm" writes nothing until confirmed.
    void exportBarProducesOneMatterInItsDateRange() {
        e2e::Harness h;
        QVERIFY(h.ok());
        QTemporaryDir dir;
        qt::AppController officer(dir.path() + "/officer");
        QVERIFY(joinStaff(h, officer, "comply", proto::ROLE_COMPLIANCE, "Casey Compliance"));
        {
            // Where compliance journals its accesses: made by an administrator.
            client::JoinOptions o;
            o.displayName = "Ada Admin";
            auto admin = client::Client::join((dir.path() + "/admin").toStdString(), kPass,
                                              h.enrollLink("root", proto::ROLE_ADMIN), o);
            QVERIFY2(admin, admin ? "" : admin.error().message.c_str());
            (*admin)->start();
            QVERIFY((*admin)->waitUntilSynced(20s));
            QVERIFY((*admin)->createConversation(compliance::kReviewConversationTitle, false,
                                                 {"comply"}));
            (*admin)->stop();
        }
        QVERIFY(until([&] {
            return bool(
                officer.client()->resolveConversation(compliance::kReviewConversationTitle));
        }));
        qt::AppController lawyer(dir.path() + "/lawyer"), smith(dir.path() + "/smith");
        QVERIFY(openMatter(h, lawyer, smith, "Estate of Smith"));
        const QString smithConv = lawyer.chat()->currentConversation();
        QVERIFY(!smithConv.isEmpty());
        QVERIFY(lawyer.chat()->send("Smith before the range"));
        QVERIFY(lawyer.client()->waitForOutbox(20s));
        // The range starts at the next whole second, after the first message reached the relay.
        const QDateTime start =
            QDateTime::fromSecsSinceEpoch(QDateTime::currentSecsSinceEpoch() + 1, Qt::UTC);
        const QString from = start.toString("yyyy-MM-ddTHH:mm:ssZ");
        QTest::qWait(int(QDateTime::currentDateTimeUtc().msecsTo(start)) + 300);
        QVERIFY(lawyer.chat()->send("Smith inside the range"));
        auto invite = lawyer.client()->createInvite("Jones Litigation");
        QVERIFY(invite);
        qt::AppController jones(dir.path() + "/jones");
        QVERIFY(jones.session()->join(QString::fromStdString(*invite), "Jenny Jones", kPass));
        QVERIFY(jones.session()->acceptNotice());
        QVERIFY(until([&] { return jones.chat()->conversations()->rowCount() == 1; }));
        jones.chat()->openConversation(
            cell(jones.chat()->conversations(), 0, qt::ConversationListModel::IdRole).toString());
        QVERIFY(jones.chat()->send("Jones privileged advice"));
        QVERIFY(jones.client()->waitForOutbox(20s));
        QVERIFY(lawyer.client()->waitForOutbox(20s));
        const QString to = QDateTime::currentDateTimeUtc().toString("yyyy-MM-dd");
        const QString keyFile = writeKeyFile(dir.path(), h.journalKey());
        QVERIFY(!keyFile.isEmpty());

        Ui ui;
        QVERIFY(ui.load(officer, 1280, 800, false));
        QVERIFY(until([&] { return ui.find("supervisionController") != nullptr; }));
        auto* cc = qobject_cast<qt::ComplianceController*>(ui.find("complianceController"));
        auto* sv = qobject_cast<qt::SupervisionController*>(ui.find("supervisionController"));
        QVERIFY(cc && sv);
        QSignalSpy unlocked(cc, &qt::ComplianceController::unlockFinished);
        cc->unlock(keyFile, kJournalPass);
        QVERIFY(unlocked.wait(30000));
        QVERIFY2(unlocked.first().first().toBool(), qPrintable(cc->error()));
        QSignalSpy pulled(cc, &qt::ComplianceController::pullFinished);
        cc->pull();
        QVERIFY(pulled.wait(60000));
        QVERIFY2(pulled.first().first().toBool(), qPrintable(cc->error()));
        QVERIFY(until([&] { return !cc->busy(); }));

        // Dated search from the search bar's From/To fields (UTC; "To" takes its whole day, as
        // the export bar reads them): the hit before the range is left out, the one inside kept,
        // and the access log names the range. A date that is not one, or a range that ends
        // before it starts, is refused before anything is searched, keeping the hits shown.
        {
            using S = qt::ArchiveSearchModel;
            auto* sm = cc->searchResults();
            QSignalSpy searched(cc, &qt::ComplianceController::searchFinished);
            QVERIFY(ui.type("complianceSearchField", "Smith"));
            QVERIFY(ui.click("complianceSearchButton"));
            QVERIFY(searched.wait(30000));
            QVERIFY2(searched.last().first().toBool(), qPrintable(cc->error()));
            QVERIFY(rowOf(sm, S::TextRole, "Smith before the range") >= 0);
            QVERIFY(ui.type("searchFromField", from));
            QVERIFY(ui.type("searchToField", to));
            QVERIFY(ui.click("complianceSearchButton"));
            QVERIFY(searched.wait(30000));
            QVERIFY2(searched.last().first().toBool(), qPrintable(cc->error()));
            QVERIFY(rowOf(sm, S::TextRole, "Smith inside the range") >= 0);
            QCOMPARE(rowOf(sm, S::TextRole, "Smith before the range"), -1);
            QVERIFY2(cc->progress().contains("journaled in the access log"),
                     qPrintable(cc->progress()));
            QVERIFY(ui.find("searchFiltersToggle")->setProperty("checked", true));
            QVERIFY(until([&] { return ui.find("searchToField")->property("visible").toBool(); }));
            QVERIFY2(ui.shoot("compliance-laptop-light-search-dates"), "blank screenshot");
            ui.window->resize(390, 844);
            QVERIFY2(ui.shoot("compliance-phone-light-search-dates"), "blank screenshot");
            ui.window->resize(1280, 800);
            QVERIFY(until([&] {
                for (int i = 0; i < sv->accessLog()->rowCount(); ++i) {
                    const QString d =
                        cell(sv->accessLog(), i, qt::SupervisionAccessModel::DetailRole).toString();
                    if (d.contains("query=Smith") && d.contains("from=" + from) &&
                        d.contains("to=" + to))
                        return true;
                }
                return false;
            }));
            const int rows = sm->rowCount();
            const int before = searched.count();
            QVERIFY(ui.type("searchToField", "2026-13-45"));
            QVERIFY(ui.click("complianceSearchButton"));
            QVERIFY2(cc->error().contains("\u201cTo\u201d is not a date"), qPrintable(cc->error()));
            QVERIFY(ui.find("complianceError")->property("visible").toBool());
            cc->search("Smith", {}, {}, "2031-02-01", "2031-01-31");
            QVERIFY2(cc->error().contains("starts after it ends"), qPrintable(cc->error()));
            QTest::qWait(200);
            QCOMPARE(searched.count(), before); // nothing was searched
            QCOMPARE(sm->rowCount(), rows);     // and the hits shown are kept
            cc->clearError();
            QVERIFY(ui.type("searchFromField", ""));
            QVERIFY(ui.type("searchToField", ""));
            cc->clearSearch();
        }

        // The chooser offers both matters.
        const QVariantList matters = cc->exportMatters();
        int smithIndex = -1;
        for (int i = 0; i < matters.size(); ++i)
            if (matters[i].toMap().value("id").toString() == smithConv) smithIndex = i;
        QVERIFY(smithIndex >= 0);
        QCOMPARE(matters[smithIndex].toMap().value("title").toString(),
                 QStringLiteral("Estate of Smith"));
        QCOMPARE(matters.size(), 2);

        QTemporaryDir out;
        auto written = [&] { return QDir(out.path()).entryList(QDir::Files); };
        QSignalSpy exported(cc, &qt::ComplianceController::exportFinished);
        QVERIFY(ui.click("exportToggle"));
        QVERIFY(ui.find("exportJsonlRadio")->setProperty("checked", true));
        QCOMPARE(ui.find("exportFormat")->property("value").toString(), QStringLiteral("jsonl"));
        QVERIFY(ui.type("exportPathField", out.path()));

        // No scope: the button waits, and the controller refuses.
        QVERIFY(!ui.find("exportButton")->property("enabled").toBool());
        cc->exportTo("jsonl", out.path());
        QVERIFY2(cc->error().contains("Choose the matter"), qPrintable(cc->error()));
        cc->clearError();

        // The matter and the range, from the bar.
        QVERIFY(ui.find("exportScope")->setProperty("currentIndex", smithIndex + 2));
        QCOMPARE(ui.find("exportScope")->property("value").toString(), smithConv);
        // A range that ends before it starts, and a date that is not one: refused, nothing
        // written, no export started.
        QVERIFY(ui.type("exportFromField", "2031-02-01"));
        QVERIFY(ui.type("exportToField", "2031-01-31"));
        QVERIFY(ui.click("exportButton"));
        QVERIFY2(cc->error().contains("starts after it ends"), qPrintable(cc->error()));
        QVERIFY(ui.type("exportToField", "next week"));
        QVERIFY(ui.click("exportButton"));
        QVERIFY2(cc->error().contains("not a date"), qPrintable(cc->error()));
        QVERIFY(!cc->error().contains("next week"));
        QTest::qWait(200);
        QCOMPARE(exported.count(), 0);
        QCOMPARE(written(), QStringList());

        QVERIFY(ui.type("exportFromField", from));
        QVERIFY(ui.type("exportToField", to));
        QVERIFY(ui.click("exportButton"));
        QVERIFY(exported.wait(60000));
        QVERIFY2(exported.takeFirst().first().toBool(), qPrintable(cc->error()));
        // Named after the scope, in the folder given.
        const QString expectedName = QStringLiteral("verbatim-Estate-of-Smith-from-%1-to-%2.jsonl")
                                         .arg(QString(from).replace(':', '-'), to);
        QCOMPARE(written(), QStringList{expectedName});
        QCOMPARE(cc->exportedFiles(), QDir(out.path()).filePath(expectedName));
        {
            QFile f(cc->exportedFiles());
            QVERIFY(f.open(QIODevice::ReadOnly));
            QStringList bodies;
            for (const QByteArray& line : f.readAll().split('\n')) {
                if (line.isEmpty()) continue;
                QJsonParseError pe;
                const QJsonObject o = QJsonDocument::fromJson(line, &pe).object();
                QVERIFY2(pe.error == QJsonParseError::NoError, line.constData());
                QCOMPARE(o.value("conversation").toString(), smithConv);
                QVERIFY2(QDateTime::fromString(o.value("timestamp").toString(), Qt::ISODate) >=
                             start,
                         line.constData());
                bodies << o.value("body").toString();
            }
            QVERIFY2(bodies.contains("Smith inside the range"), qPrintable(bodies.join('|')));
            QVERIFY2(!bodies.contains("Smith before the range"), qPrintable(bodies.join('|')));
            QVERIFY(!bodies.join('|').contains("Jones"));
        }
        // The access log holds the export with its scope.
        QVERIFY(until([&] {
            for (int i = 0; i < sv->accessLog()->rowCount(); ++i) {
                const QString row =
                    cell(sv->accessLog(), i, qt::SupervisionAccessModel::ActionRole).toString() +
                    "|" +
                    cell(sv->accessLog(), i, qt::SupervisionAccessModel::DetailRole).toString();
                if (row.startsWith("export|") && row.contains("matter=" + smithConv) &&
                    row.contains("from=" + from) && row.contains("to=" + to))
                    return true;
            }
            return false;
        }));

        // The whole firm: nothing until the dialog naming the count is accepted.
        QVERIFY(ui.type("exportFromField", ""));
        QVERIFY(ui.type("exportToField", ""));
        QVERIFY(ui.find("exportScope")->setProperty("currentIndex", 1));
        QVERIFY(ui.click("exportButton"));
        QVERIFY(
            until([&] { return ui.find("exportWholeFirmDialog")->property("visible").toBool(); }));
        QVERIFY(ui.deep("exportWholeFirmText")
                    ->property("text")
                    .toString()
                    .contains(QString::number(cc->firmEvents())));
        QTest::qWait(200);
        QCOMPARE(exported.count(), 0);
        QCOMPARE(written().size(), 1);
        QVERIFY(QMetaObject::invokeMethod(ui.find("exportWholeFirmDialog"), "accept"));
        QVERIFY(exported.wait(60000));
        QVERIFY2(exported.takeFirst().first().toBool(), qPrintable(cc->error()));
        QCOMPARE(cc->exportedFiles(), QDir(out.path()).filePath("verbatim-whole-firm.jsonl"));
        QFile firm(cc->exportedFiles());
        QVERIFY(firm.open(QIODevice::ReadOnly));
        const QByteArray all = firm.readAll();
        QVERIFY(all.contains("Jones privileged advice") && all.contains("Smith before the range"));
        QVERIFY(until([&] {
            for (int i = 0; i < sv->accessLog()->rowCount(); ++i)
                if (cell(sv->accessLog(), i, qt::SupervisionAccessModel::DetailRole)
                        .toString()
                        .contains("scope=whole-firm"))
                    return true;
            return false;
        }));

        // Issue 21: one participant's messages, in every conversation they took part in, and
        // nothing of the others'. A participant the archive does not know is refused with
        // nothing written.
        QVERIFY(ui.find("exportScope")->setProperty("currentIndex", 0));
        QVERIFY(ui.type("exportParticipantField", "Nobody Known"));
        QVERIFY(ui.find("exportButton")->property("enabled").toBool());
        QVERIFY(ui.click("exportButton"));
        QVERIFY(exported.wait(60000));
        QVERIFY(!exported.takeFirst().first().toBool());
        QVERIFY2(cc->error().contains("No participant"), qPrintable(cc->error()));
        QCOMPARE(written().size(), 2);
        QVERIFY(ui.type("exportParticipantField", "Jenny Jones"));
        QVERIFY(ui.click("exportButton"));
        QVERIFY(exported.wait(60000));
        QVERIFY2(exported.takeFirst().first().toBool(), qPrintable(cc->error()));
        QCOMPARE(cc->exportedFiles(), QDir(out.path()).filePath("verbatim-Jenny-Jones.jsonl"));
        {
            QFile f(cc->exportedFiles());
            QVERIFY(f.open(QIODevice::ReadOnly));
            const QByteArray theirs = f.readAll();
            QVERIFY2(theirs.contains("Jones privileged advice"), theirs.constData());
            QVERIFY2(!theirs.contains("Smith"), theirs.constData());
        }
        QVERIFY(until([&] {
            for (int i = 0; i < sv->accessLog()->rowCount(); ++i)
                if (cell(sv->accessLog(), i, qt::SupervisionAccessModel::DetailRole)
                        .toString()
                        .contains("participant=Jenny Jones"))
                    return true;
            return false;
        }));
    }
};

QTEST_MAIN(TestAppCompliance)
#include "tst_app_compliance.moc"
