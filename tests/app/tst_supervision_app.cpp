// Supervision in the app (issue 21) against a real relay over TLS: a compliance officer adds a
// lexicon policy in the policy editor, pulls, finds the alert for a lawyer's message in the review
// queue with the matched words marked, escalates it with a note and closes it as a breach; a
// search and a report from the page are journaled. A second officer's app (its own profile and
// archive) pulls and shows the same alert state, the same policy and both accesses in the access
// log. A lawyer's app cannot journal a review. Screenshots of the review queue.
// One file, over 600 lines: its functions share one firm, two officers and their archives.

#include <QAbstractItemModelTester>
#include <QFile>
#include <QQuickItem>
#include <QQuickStyle>
#include <QQuickTextDocument>
#include <QQuickWindow>
#include <QTemporaryDir>
#include <QTextBlock>
#include <QTextDocument>
#include <QTextLayout>
#include <QtTest>

#include <algorithm>

#include "AppHarness.h"
#include "client/core/Client.h"
#include "client/qt/AppController.h"
#include "client/qt/ComplianceController.h"
#include "client/qt/ComplianceModels.h"
#include "client/qt/MatchHighlighter.h"
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

/// The characters of `edit`'s document that are drawn bold, as [start, length) runs.
QList<QPair<int, int>> boldRuns(QTextDocument* doc) {
    QList<QPair<int, int>> out;
    for (auto b = doc->begin(); b.isValid(); b = b.next())
        for (const auto& f : b.layout()->formats())
            if (f.format.fontWeight() >= QFont::Bold)
                out.append({b.position() + f.start, f.length});
    std::sort(out.begin(), out.end());
    return out;
}

/// `edit` (a plain-text TextEdit) shows `text` as it is, and its MatchHighlighter child named
/// `name` marks exactly `runs` (UTF-16 start, length) and nothing else.
bool markedOnly(QQuickItem* edit, const char* name, const QString& text,
                const QList<QPair<int, int>>& runs) {
    auto* quickDoc = edit->property("textDocument").value<QQuickTextDocument*>();
    if (!quickDoc) return false;
    QTextDocument* doc = quickDoc->textDocument();
    auto* hl = edit->findChild<qt::MatchHighlighter*>(name);
    if (!hl) {
        qWarning() << "no highlighter" << name;
        return false;
    }
    bool ok = until([&] { return hl->marks() == runs.size(); });
    if (doc->toPlainText() != text || edit->property("textFormat").toInt() != 0 /* PlainText */) {
        qWarning() << "shown as" << doc->toPlainText() << "format"
                   << edit->property("textFormat").toInt();
        return false;
    }
    // Markup in the text is text: no image, no bold but the marks.
    const QString html = doc->toHtml();
    if (html.contains("<img")) return false;
    const auto bold = boldRuns(doc);
    if (!ok || bold != runs) {
        qWarning() << name << "marks" << hl->marks() << "bold" << bold << "want" << runs;
        return false;
    }
    return true;
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

    // Issue 21: the matched words are marked by ranges over plain text, never by markup. Hostile
    // text shows literally; offsets that cut a character, overlap or run past the end mark
    // nothing; what QTextDocument would read differently is replaced one unit for one.
    void matchedWordsAreMarkedOverPlainText() {
        using M = qt::MatchHighlighter;
        const std::string text =
            "<b>Delete</b> this <img src=x onerror=alert(1)> \xC3\xA9t\xC3\xA9 "
            "\r\nnow \xEF\xB7\x90 delete";
        const auto del = text.find("Delete"), ete = text.find("\xC3\xA9t\xC3\xA9"),
                   last = text.rfind("delete");
        auto m = M::marked(text, {{del, 6},
                                  {ete, 5},
                                  {ete + 1, 2} /* cuts é */,
                                  {last, 6},
                                  {last, 99} /* past the end */});
        QCOMPARE(m.text, QString::fromUtf8("<b>Delete</b> this <img src=x onerror=alert(1)> "
                                           "\xC3\xA9t\xC3\xA9  \nnow \xEF\xBF\xBD delete"));
        const int d = int(m.text.indexOf("Delete")),
                  e = int(m.text.indexOf(QString::fromUtf8("\xC3\xA9t"))),
                  l = int(m.text.lastIndexOf("delete"));
        QCOMPARE(m.ranges,
                 (QVariantList{QVariantList{d, 6}, QVariantList{e, 3}, QVariantList{l, 6}}));
        QCOMPARE(M::marked("abc", {{1, 5}}).ranges, QVariantList{});
        QCOMPARE(M::marked("abc", {{2, 1}, {1, 1}}).ranges,
                 (QVariantList{QVariant(QVariantList{2, 1})}));

        // In a document as a TextEdit holds it: the marks fall on those characters, across the
        // line break too, and nothing of the markup is rendered.
        QTextDocument doc;
        doc.setPlainText(m.text);
        QCOMPARE(doc.toPlainText().size(), m.text.size());
        M hl;
        hl.setDocument(&doc);
        hl.setRanges(m.ranges);
        QCOMPARE(hl.marks(), 3);
        QCOMPARE(boldRuns(&doc), (QList<QPair<int, int>>{{d, 6}, {e, 3}, {l, 6}}));
        QVERIFY(!doc.toHtml().contains("<img"));
        // Ranges that are not pairs of numbers, or outside the text, mark nothing.
        hl.setRanges({QVariantList{1}, QString("x"), QVariantList{-3, 2}, QVariantList{5000, 3}});
        QCOMPARE(hl.marks(), 0);
        QVERIFY(boldRuns(&doc).isEmpty());
    }

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
        QVERIFY(lawyer.chat()->send(
            "Please delete this thread after <b>reading</b> <img src=x onerror=alert(1)>"));
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
        // The matched words marked in the row's context, the message's markup shown as text.
        const QString context = cell(alerts, 0, A::ContextRole).toString();
        const int at = int(context.indexOf("delete this"));
        QCOMPARE(cell(alerts, 0, A::RangesRole).toList(),
                 (QVariantList{QVariant(QVariantList{at, 11})}));
        {
            auto rows = ui.findItems("alertContext");
            QCOMPARE(rows.size(), 1);
            QVERIFY(markedOnly(rows.first(), "alertHighlighter", context, {{at, 11}}));
        }

        // Escalate with a note, from the alert's actions.
        QVERIFY(
            QMetaObject::invokeMethod(ui.visibleWith("alertRow", "alertId", alertId), "clicked"));
        QVERIFY(until([&] { return ui.find("alertDetail")->property("visible").toBool(); }));
        {
            auto details = ui.findItems("alertDetailContext");
            QCOMPARE(details.size(), 1);
            QVERIFY(until([&] { return details.first()->property("text").toString() == context; }));
            QVERIFY(markedOnly(details.first(), "alertDetailHighlighter", context, {{at, 11}}));
        }
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
        // The hit's matched word marked in its text.
        {
            using S = qt::ArchiveSearchModel;
            const QString hit = cell(cc->searchResults(), 0, S::TextRole).toString();
            QCOMPARE(hit, QStringLiteral("Understood, see you at the hearing"));
            const int word = int(hit.indexOf("hearing"));
            QCOMPARE(cell(cc->searchResults(), 0, S::RangesRole).toList(),
                     (QVariantList{QVariant(QVariantList{word, 7})}));
            QVERIFY(until([&] { return ui.findItems("hitText").size() == 1; }));
            QVERIFY(
                markedOnly(ui.findItems("hitText").first(), "hitHighlighter", hit, {{word, 7}}));
        }
        QVERIFY(until([&] {
            return anyContains(accessRows(sv->accessLog()),
                               {"search", "comply-a", "query=hearing"});
        }));
        // So is a conversation's timeline opened from the page, before it is shown (the CLI's
        // `show --profile` detail); a refresh after a pull is the same view, not a new access.
        {
            auto matterId = lawyer.client()->resolveConversation("Estate of Smith");
            QVERIFY(matterId);
            const QString conv = QString::fromStdString(*matterId);
            QSignalSpy loaded(cc, &qt::ComplianceController::timelineLoaded);
            cc->openConversation(conv);
            QVERIFY(loaded.wait(60000));
            QVERIFY2(cc->error().isEmpty(), qPrintable(cc->error()));
            QVERIFY(cc->timeline()->rowCount() > 0);
            QVERIFY(until([&] {
                return anyContains(accessRows(sv->accessLog()),
                                   {"show", "comply-a", "conversation=" + conv});
            }));
            cc->closeConversation();
        }

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

        // The automatic pull: a new hit reaches the queue with nobody pressing Pull. (A pull
        // first: the journaled actions above pulled their records without updating the page's
        // counts.)
        {
            QSignalSpy settled(cc, &qt::ComplianceController::pullFinished);
            cc->pull();
            QVERIFY(settled.wait(60000));
            QVERIFY(until([&] { return !cc->busy(); }));
        }
        QVERIFY(lawyer.chat()->send("Also delete this draft"));
        QVERIFY(lawyer.client()->waitForOutbox(20s));
        QSignalSpy autoPulled(cc, &qt::ComplianceController::pullFinished);
        const qulonglong entriesBefore = cc->entries();
        qulonglong checkedByPulls = 0;
        auto counting = connect(cc, &qt::ComplianceController::pullFinished, this,
                                [&] { checkedByPulls += cc->lastChecked(); });
        sv->setAutoPullSeconds(1);
        QCOMPARE(sv->autoPullSeconds(), 10); // the floor
        QVERIFY(until([&] { return sv->alerts()->rowCount() == 2; }, 30000));
        QVERIFY(autoPulled.count() >= 1);
        // The queue's switch turns it off.
        auto switches = ui.findItems("autoPullSwitch");
        QCOMPARE(switches.size(), 1);
        QVERIFY(switches.first()->setProperty("checked", false));
        QVERIFY(!sv->autoPull());
        QVERIFY(until([&] { return !cc->busy(); }));
        disconnect(counting);
        // Issue 21: each timed pull checked only what it brought (chained to the archive's
        // head), not the whole archive again; Verify still opens everything.
        QVERIFY(cc->entries() > entriesBefore);
        QCOMPARE(checkedByPulls, cc->entries() - entriesBefore);
        QCOMPARE(cc->verification(), QStringLiteral("ok"));
        QSignalSpy verified(cc, &qt::ComplianceController::verifyFinished);
        cc->verify();
        QVERIFY(verified.wait(60000));
        QVERIFY(verified.first().first().toBool());
        QVERIFY2(cc->lastChecked() > checkedByPulls + 5,
                 qPrintable(QString::number(cc->lastChecked())));

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
        QVERIFY2(anyContains(logB, {"show", "comply-a", "conversation="}),
                 qPrintable(logB.join('\n')));
        // The hold A journaled, in B's archive too.
        QCOMPARE(svB.holds()->rowCount(), 1);
        QCOMPARE(cell(svB.holds(), 0, HM::ReferenceRole).toString(), QStringLiteral("CLM-9"));

        // Issue 21: a reproducible sample drawn from the page. Bad input is refused before
        // anything is journaled.
        QVERIFY(ui.find("complianceTabs")->setProperty("currentIndex", 6));
        acted.clear();
        sv->drawSample("alice", "Estate of Smith", {}, {}, "10");
        QVERIFY2(sv->error().contains("not both"), qPrintable(sv->error()));
        sv->drawSample({}, "Estate of Smith", {}, {}, "0");
        QVERIFY2(sv->error().contains("percentage"), qPrintable(sv->error()));
        sv->drawSample({}, "Estate of Smith", {}, {}, "50", "12x");
        QVERIFY2(sv->error().contains("seed"), qPrintable(sv->error()));
        sv->drawSample({}, "Estate of Smith", "2026-13-01", {}, "50");
        QVERIFY2(sv->error().contains("YYYY-MM-DD"), qPrintable(sv->error()));
        QCOMPARE(acted.count(), 0);
        QVERIFY(sv->samples().isEmpty());
        const int alertsBefore = sv->alerts()->rowCount();
        QVERIFY(ui.find("sampleKindBox")->setProperty("currentIndex", 1));
        QVERIFY(ui.type("sampleWhoField", "Estate of Smith"));
        QVERIFY(ui.type("samplePercentField", "100"));
        QVERIFY(ui.type("sampleSeedField", "4242"));
        QVERIFY(ui.click("sampleDrawButton"));
        QVERIFY(acted.wait(60000));
        QVERIFY2(acted.takeFirst().first().toBool(), qPrintable(sv->error()));
        QVERIFY2(sv->status().contains("4242"), qPrintable(sv->status()));
        QCOMPARE(sv->samples().size(), 1);
        const QVariantMap sample = sv->samples().first().toMap();
        QCOMPARE(sample.value("seed").toString(), QStringLiteral("4242"));
        QCOMPARE(sample.value("percent").toString(), QStringLiteral("100"));
        QVERIFY2(sample.value("scope").toString().startsWith("matter "),
                 qPrintable(sample.value("scope").toString()));
        QVERIFY(sample.value("who").toString().contains("comply-a") ||
                sample.value("who").toString().contains("Casey A"));
        // Every message of the matter at 100 %: the three sent above, at least.
        const int items = sample.value("items").toInt();
        QVERIFY2(items >= 3, qPrintable(QString::number(items)));
        QCOMPARE(sv->alerts()->rowCount(), alertsBefore + items);
        QVERIFY(ui.shows("sampleSeed", [](const QString& t) { return t.contains("seed 4242"); }));
        // A random seed when none is given, shown and journaled; drawn again, the same seed
        // selects the same entries.
        sv->drawSample({}, "Estate of Smith", {}, {}, "50");
        QVERIFY(acted.wait(60000));
        QVERIFY2(acted.takeFirst().first().toBool(), qPrintable(sv->error()));
        QCOMPARE(sv->samples().size(), 2);
        const QString randomSeed = sv->samples().first().toMap().value("seed").toString();
        QVERIFY(!randomSeed.isEmpty() && randomSeed != QStringLiteral("0"));
        QVERIFY2(sv->status().contains(randomSeed), qPrintable(sv->status()));
        const int half = sv->samples().first().toMap().value("items").toInt();
        sv->drawSample({}, "Estate of Smith", {}, {}, "50", randomSeed);
        QVERIFY(acted.wait(60000));
        QVERIFY2(acted.takeFirst().first().toBool(), qPrintable(sv->error()));
        QCOMPARE(sv->samples().size(), 3);
        QCOMPARE(sv->samples().first().toMap().value("items").toInt(), half);
        QVERIFY(ui.shoot("samples-laptop-light"));

        // A policy's versions: a second version journaled; the alert the first raised still
        // names v1, and the editor lists both with what each asked.
        QVERIFY(ui.find("complianceTabs")->setProperty("currentIndex", 2));
        sv->addPolicy("Delete this", "\"delete this\" OR shred", "high");
        QVERIFY(acted.wait(60000));
        QVERIFY2(acted.takeFirst().first().toBool(), qPrintable(sv->error()));
        const QVariantList versions = sv->versionsOf("Delete this");
        QCOMPARE(versions.size(), 2);
        QCOMPARE(versions[0].toMap().value("version").toInt(), 1);
        QCOMPARE(versions[0].toMap().value("query").toString(), QStringLiteral("\"delete this\""));
        QCOMPARE(versions[1].toMap().value("version").toInt(), 2);
        QCOMPARE(versions[1].toMap().value("query").toString(),
                 QStringLiteral("\"delete this\" OR shred"));
        QCOMPARE(cell(sv->policies(), 0, qt::SupervisionPoliciesModel::VersionRole).toInt(), 2);
        const int first = sv->alerts()->rowOf(alertId);
        QVERIFY(first >= 0);
        QCOMPARE(cell(sv->alerts(), first, A::PolicyRole).toString(),
                 QStringLiteral("Delete this v1"));
        QVERIFY(until([&] { return ui.findItems("policyHistoryButton").size() == 1; }));
        QVERIFY(QMetaObject::invokeMethod(ui.findItems("policyHistoryButton").first(), "clicked"));
        QVERIFY(until([&] {
            const auto lines = ui.visibleTexts("policyVersionLine");
            return lines.size() == 2 && lines[0].startsWith("v1") && lines[1].startsWith("v2") &&
                   lines[1].contains("shred");
        }));
        QVERIFY(ui.shoot("policy-versions-laptop-light"));

        // Issue 21: an attachment opened from an alert, decrypted into memory (shown as plain
        // text) or saved, each access journaled first.
        {
            const QByteArray minutes = "Minutes: <b>please</b> delete this record\nsecond line";
            QFile f(dir.path() + "/minutes.txt");
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(minutes);
            f.close();
            QSignalSpy sent(lawyer.attachments(), &qt::AttachmentsController::attachmentDone);
            QVERIFY(lawyer.attachments()->attach(QUrl::fromLocalFile(f.fileName())));
            QVERIFY(sent.wait(20000));
            QVERIFY(sent.first().first().toBool());
            QVERIFY(lawyer.client()->waitForOutbox(20s));
            QSignalSpy again(cc, &qt::ComplianceController::pullFinished);
            cc->pull();
            QVERIFY(again.wait(60000));
            QVERIFY2(again.first().first().toBool(), qPrintable(cc->error()));
            int row = -1;
            QVERIFY(until([&] {
                row = -1;
                for (int i = 0; i < sv->alerts()->rowCount(); ++i)
                    if (cell(sv->alerts(), i, A::PartRole).toString() == "attachment 0") row = i;
                return row >= 0 && !cc->busy();
            }));
            const QString fileAlert = cell(sv->alerts(), row, A::IdRole).toString();
            const QVariantList files = cell(sv->alerts(), row, A::AttachmentsRole).toList();
            QCOMPARE(files.size(), 1);
            QCOMPARE(files[0].toMap().value("name").toString(), QStringLiteral("minutes.txt"));
            QVERIFY(files[0].toMap().value("available").toBool());
            QSignalSpy opened(sv, &qt::SupervisionController::attachmentFinished);
            // Another index than the one the alert is about is refused.
            sv->openAttachment(fileAlert, 1);
            QVERIFY(opened.wait(30000));
            QVERIFY(!opened.takeFirst().first().toBool());
            QVERIFY2(sv->error().contains("attachment 0"), qPrintable(sv->error()));
            // Shown from the queue's detail.
            QVERIFY(ui.find("complianceTabs")->setProperty("currentIndex", 1));
            QVERIFY(ui.find("reviewQueue")->setProperty("selectedId", fileAlert));
            QVERIFY(until([&] { return ui.findItems("alertAttachmentOpen").size() == 1; }));
            QVERIFY(
                QMetaObject::invokeMethod(ui.findItems("alertAttachmentOpen").first(), "clicked"));
            QVERIFY(opened.wait(60000));
            QVERIFY2(opened.takeFirst().first().toBool(), qPrintable(sv->error()));
            QCOMPARE(sv->attachmentName(), QStringLiteral("minutes.txt"));
            QCOMPARE(sv->attachmentText(), QString::fromUtf8(minutes));
            QVERIFY(until([&] {
                return ui.shows("alertAttachmentText",
                                [&](const QString& t) { return t == QString::fromUtf8(minutes); });
            }));
            QVERIFY(ui.shoot("alert-attachment-laptop-light"));
            QVERIFY(until([&] {
                return anyContains(accessRows(sv->accessLog()),
                                   {"show", "comply-a", "minutes.txt", "alert=" + fileAlert});
            }));
            // Saved into a folder under its own name, readable by its owner only; never over
            // an existing file.
            QTemporaryDir saveDir;
            sv->openAttachment(fileAlert, 0, saveDir.path());
            QVERIFY(opened.wait(60000));
            QVERIFY2(opened.takeFirst().first().toBool(), qPrintable(sv->error()));
            QFile saved(saveDir.filePath("minutes.txt"));
            QVERIFY(saved.open(QIODevice::ReadOnly));
            QCOMPARE(saved.readAll(), minutes);
            QCOMPARE(saved.permissions() & (QFile::ReadOther | QFile::ReadGroup),
                     QFile::Permissions());
            QVERIFY(until([&] {
                return anyContains(accessRows(sv->accessLog()),
                                   {"export", "comply-a", "minutes.txt", "to=" + saveDir.path()});
            }));
            sv->openAttachment(fileAlert, 0, saveDir.path());
            QVERIFY(opened.wait(60000));
            QVERIFY(!opened.takeFirst().first().toBool());
            QVERIFY2(sv->error().contains("exists already"), qPrintable(sv->error()));
        }

        // B's pull brings the same samples, with their seeds, into B's queue.
        ccB.pull();
        QVERIFY(pulledB.wait(60000));
        QVERIFY(until([&] { return !ccB.busy() && svB.samples().size() == 3; }));
        QCOMPARE(svB.samples().last().toMap().value("seed").toString(), QStringLiteral("4242"));
        QCOMPARE(svB.versionsOf("Delete this").size(), 2);

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
