// Issue 21 in the app: a supervising partner's page (SupervisorsController, SupervisedMattersModel
// under QAbstractItemModelTester, SupervisionPage.qml) against a real relay over TLS. The page and
// its button show only to a supervisor; the supervised lawyer's matters are listed with the flagged
// one first, the client's wait, participants and weekly bars, and never a word of a message; a
// matter the supervisor is a member of opens in the chat. Screenshots at laptop and phone size.
#include <QAbstractItemModelTester>
#include <QQuickItem>
#include <QQuickStyle>
#include <QQuickWindow>
#include <QTemporaryDir>
#include <QtTest>

#include <algorithm>

#include "AppHarness.h"
#include "client/qt/AppController.h"
#include "client/qt/ChatController.h"
#include "client/qt/SessionController.h"
#include "client/qt/SupervisedMattersModel.h"
#include "client/qt/SupervisorsController.h"

using namespace verbatim;
using namespace verbatim::apptest;

namespace {

constexpr const char* kSecret = "the settlement offer is 4.2 million";

/// Every text shown under `item` (labels, buttons), recursively.
void collectTexts(QQuickItem* item, QStringList& out) {
    if (!item) return;
    const QVariant t = item->property("text");
    if (t.isValid() && item->isVisible()) out << t.toString();
    for (auto* child : item->childItems())
        collectTexts(child, out);
}

} // namespace

class TestSupervisorsApp : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() { QQuickStyle::setStyle("Material"); }

    void durationsReadNaturally() {
        using M = qt::SupervisedMattersModel;
        QCOMPARE(M::duration(45 * 60000), QStringLiteral("45 min"));
        QCOMPARE(M::duration((3 * 60 + 20) * 60000ull), QStringLiteral("3 h 20 min"));
        QCOMPARE(M::duration((52 * 60) * 60000ull), QStringLiteral("2 d 4 h"));
    }

    void supervisorSeesFlaggedMattersWithoutContent() {
        e2e::Harness h;
        QVERIFY(h.ok());
        QTemporaryDir dir;
        qt::AppController alice(dir.path() + "/alice"), carol(dir.path() + "/carol"),
            sam(dir.path() + "/sam");
        QVERIFY2(openMatter(h, alice, carol, "Estate of Smith"), qPrintable(alice.error()));
        QVERIFY2(joinStaff(h, sam, "sam", proto::ROLE_SUPERVISOR, "Sam Partner"),
                 qPrintable(sam.error()));
        auto quiet =
            alice.client()->createConversation("Quiet lease", true, {}, "M-2041", "Dan Client");
        auto joint = alice.client()->createConversation("Joint review", true, {"sam"}, "M-2042",
                                                        "Erin Client");
        QVERIFY(quiet && joint);
        QVERIFY(h.service().addSupervisor("alice", "sam", "admin-cli"));
        QVERIFY(h.service().setSupervisionThreshold(1, "admin-cli"));
        QVERIFY(carol.chat()->send(kSecret));
        QVERIFY(until([&] {
            auto msgs = alice.client()->history(carol.chat()->currentConversation().toStdString());
            return msgs && std::any_of(msgs->begin(), msgs->end(),
                                       [](const auto& m) { return m.body == kSecret; });
        }));

        Ui ui;
        QVERIFY(ui.load(sam, 1280, 800));
        auto* controller =
            qobject_cast<qt::SupervisorsController*>(ui.find("supervisorsController"));
        QVERIFY(controller);
        QAbstractItemModelTester tester(controller->matters(),
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        QVERIFY(until([&] { return controller->supervising(); }));
        auto* button = qobject_cast<QQuickItem*>(ui.find("supervisionButton"));
        QVERIFY(button && button->isVisible());
        QMetaObject::invokeMethod(button, "clicked");
        QVERIFY(until([&] { return ui.deep("supervisionPage") != nullptr; }));
        auto* model = controller->matters();
        QVERIFY(until([&] { return model->rowCount() == 3; }));
        using M = qt::SupervisedMattersModel;
        QCOMPARE(cell(model, 0, M::TitleRole).toString(), QStringLiteral("Estate of Smith"));
        QVERIFY(cell(model, 0, M::OverdueRole).toBool());
        QVERIFY(cell(model, 0, M::WaitingTextRole).toString().startsWith("Client waiting"));
        QVERIFY(cell(model, 0, M::ParticipantsRole).toString().contains("Carol Client (client)"));
        QCOMPARE(model->overdueCount(), 1);
        const int jointRow = rowOf(model, M::IdRole, QString::fromStdString(*joint));
        QVERIFY(jointRow > 0);
        QVERIFY(cell(model, jointRow, M::MemberRole).toBool());
        QVERIFY(!cell(model, 0, M::MemberRole).toBool());
        QTest::qWait(300); // the page lays out its cards

        QStringList texts;
        collectTexts(ui.window->contentItem(), texts);
        QVERIFY2(texts.join('\n').contains("Estate of Smith"), qPrintable(texts.join('|')));
        QVERIFY(!texts.join('\n').contains("settlement"));
        QVERIFY(ui.shoot("supervision_laptop"));
        ui.window->resize(400, 780);
        QTest::qWait(300);
        QVERIFY(ui.shoot("supervision_phone"));

        // Only the joint matter (the supervisor is a member) has Open; it opens in the chat.
        QVERIFY(until([&] { return ui.visibleTexts("openSupervisedMatter").size() == 1; }));
        auto opens = ui.findItems("openSupervisedMatter");
        QQuickItem* open = nullptr;
        for (auto* o : opens)
            if (o->isVisible()) open = o;
        QVERIFY(open);
        QMetaObject::invokeMethod(open, "clicked");
        QVERIFY(until(
            [&] { return sam.chat()->currentConversation() == QString::fromStdString(*joint); }));
        QVERIFY(!ui.window->property("supervisionView").toBool());
    }

    // A lawyer who supervises nobody never sees the button or the page.
    void nonSupervisorSeesNoSupervision() {
        e2e::Harness h;
        QVERIFY(h.ok());
        QTemporaryDir dir;
        qt::AppController lena(dir.path() + "/lena");
        QVERIFY(joinStaff(h, lena, "lena", proto::ROLE_LAWYER, "Lena Law"));
        Ui ui;
        QVERIFY(ui.load(lena, 1280, 800));
        auto* controller =
            qobject_cast<qt::SupervisorsController*>(ui.find("supervisorsController"));
        QVERIFY(controller);
        QSignalSpy done(controller, &qt::SupervisorsController::refreshed);
        controller->refresh();
        QVERIFY(done.wait(10000) || done.count() > 0);
        QVERIFY(!controller->supervising());
        auto* button = qobject_cast<QQuickItem*>(ui.find("supervisionButton"));
        QVERIFY(button && !button->isVisible());
        ui.window->setProperty("supervisionView", true);
        QTest::qWait(200);
        QVERIFY(ui.deep("supervisionPage") == nullptr);
    }
};

QTEST_MAIN(TestSupervisorsApp)
#include "tst_supervisors_app.moc"
