// Issue 16 item 7 in the app: a lawyer's invites listed by InvitesController / InvitesModel (under
// QAbstractItemModelTester) and shown by InvitesDialog.qml against a real relay over TLS; a
// revocation from the dialog makes the link useless; a matter title that looks like HTML is shown
// as the text it is; a client is refused the list.
#include <QAbstractItemModelTester>
#include <QQmlApplicationEngine>
#include <QQmlContext>
#include <QQuickItem>
#include <QQuickStyle>
#include <QQuickWindow>
#include <QTemporaryDir>
#include <QtTest>

#include "AppHarness.h"
#include "client/qt/AppController.h"
#include "client/qt/InvitesController.h"
#include "client/qt/InvitesModel.h"
#include "client/qt/QmlModules.h"

using namespace verbatim;
using namespace verbatim::apptest;

namespace {

std::string idOf(const std::string& link) {
    auto at = link.find("token=");
    return at == std::string::npos ? std::string() : link.substr(at + 6, 8);
}

} // namespace

class TestInvitesApp : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() { QQuickStyle::setStyle("Material"); }

    void lawyerListsAndRevokesInvitesInTheApp() {
        e2e::Harness h;
        QVERIFY(h.ok());
        QTemporaryDir dir;
        qt::AppController lena(dir.path() + "/lena");
        QVERIFY2(joinStaff(h, lena, "lena", proto::ROLE_LAWYER, "Lena Law"),
                 qPrintable(lena.error()));
        const std::string hostile = "<b>Bold</b> & <img src=http://127.0.0.1:1/x> Sons";
        auto first = lena.client()->createInvite(hostile);
        auto second = lena.client()->createInvite("Quiet matter");
        QVERIFY2(first && second, first ? "" : first.error().message.c_str());
        {
            client::JoinOptions o;
            o.displayName = "Carol Client";
            o.platform = "test";
            auto carol =
                client::Client::join((dir.path() + "/carol").toStdString(), kPass, *second, o);
            QVERIFY2(carol, carol ? "" : carol.error().message.c_str());
        }

        QQmlApplicationEngine engine;
        qt::addQmlImportPath(engine);
        engine.setInitialProperties({{"app", QVariant::fromValue(&lena)}});
        engine.loadData(
            R"(
            import QtQuick
            import QtQuick.Controls
            import Verbatim
            import Verbatim.Chat
            ApplicationWindow {
                id: window
                required property AppController app
                width: 520; height: 640; visible: true
                property alias dialog: invites
                InvitesDialog { id: invites; appController: window.app }
            }
        )",
            QUrl("qrc:/InvitesDialogTest.qml"));
        QVERIFY(!engine.rootObjects().isEmpty());
        auto* window = qobject_cast<QQuickWindow*>(engine.rootObjects().first());
        QVERIFY(window);
        auto* dialog = window->property("dialog").value<QObject*>();
        QVERIFY(dialog);
        auto* controller = dialog->findChild<qt::InvitesController*>("invitesController");
        QVERIFY(controller);
        auto* model = controller->invites();
        QAbstractItemModelTester tester(model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        QSignalSpy refreshed(controller, &qt::InvitesController::refreshed);
        QVERIFY(QMetaObject::invokeMethod(dialog, "open"));
        QVERIFY(refreshed.wait(20000));
        QVERIFY2(refreshed.first().first().toBool(), qPrintable(controller->error()));

        using R = qt::InvitesModel;
        QCOMPARE(model->rowCount(), 2);
        QCOMPARE(model->property("openCount").toInt(), 1);
        const int open = rowOf(model, R::IdRole, QString::fromStdString(idOf(*first)));
        const int joined = rowOf(model, R::IdRole, QString::fromStdString(idOf(*second)));
        QVERIFY(open >= 0 && joined >= 0);
        QCOMPARE(cell(model, open, R::StateRole).toString(), QStringLiteral("open"));
        QVERIFY(cell(model, open, R::CanRevokeRole).toBool());
        QCOMPARE(cell(model, open, R::MatterRole).toString(), QString::fromStdString(hostile));
        QCOMPARE(cell(model, joined, R::StateRole).toString(), QStringLiteral("redeemed"));
        QCOMPARE(cell(model, joined, R::RedeemedByRole).toString(), QStringLiteral("Carol Client"));
        QVERIFY(cell(model, joined, R::StateTextRole).toString().contains("Carol Client"));
        QVERIFY(!cell(model, joined, R::CanRevokeRole).toBool());
        QVERIFY(cell(model, open, R::ExpiresRole).toDateTime() >
                cell(model, open, R::CreatedRole).toDateTime());

        // The title is shown as the text it is: plain text, not rendered.
        QQuickItem* overlay = window->contentItem(); // the root: the open popup lives under it
        QVERIFY(until([&] { return itemsNamed(overlay, "inviteMatter").size() == 2; }));
        bool shown = false;
        for (auto* label : itemsNamed(overlay, "inviteMatter")) {
            QCOMPARE(label->property("textFormat").toInt(), int(Qt::PlainText));
            shown = shown || label->property("text").toString() == QString::fromStdString(hostile);
        }
        QVERIFY(shown);

        // Revoke the open one from its button; its link then enrols nobody.
        QQuickItem* button = nullptr;
        for (auto* b : itemsNamed(overlay, "revokeInviteButton"))
            if (b->isVisible()) button = b;
        QVERIFY(button);
        QCOMPARE(button->property("inviteId").toString(), QString::fromStdString(idOf(*first)));
        QSignalSpy revoked(controller, &qt::InvitesController::revokeFinished);
        QVERIFY(QMetaObject::invokeMethod(button, "clicked"));
        QVERIFY(revoked.wait(20000));
        QVERIFY2(revoked.first().at(1).toBool(), qPrintable(controller->error()));
        QVERIFY(until([&] {
            return cell(model, rowOf(model, R::IdRole, QString::fromStdString(idOf(*first))),
                        R::StateRole) == QStringLiteral("revoked");
        }));
        QCOMPARE(model->property("openCount").toInt(), 0);
        client::JoinOptions o;
        o.displayName = "Mallory";
        auto late = client::Client::join((dir.path() + "/mallory").toStdString(), kPass, *first, o);
        QVERIFY(!late);
        QVERIFY2(late.error().message.find("revoked") != std::string::npos,
                 late.error().message.c_str());
    }

    void clientIsRefusedTheList() {
        e2e::Harness h;
        QVERIFY(h.ok());
        auto lena = h.enrollStaff("lena", proto::ROLE_LAWYER);
        QVERIFY(lena);
        QTemporaryDir dir;
        qt::AppController carol(dir.path() + "/carol");
        QVERIFY2(carol.session()->join(QString::fromStdString(h.inviteLink("lena", "Some matter")),
                                       "Carol", kPass),
                 qPrintable(carol.error()));
        // Joining by invite registers once the notice is accepted (issue 22).
        QVERIFY2(carol.session()->acceptNotice(), qPrintable(carol.error()));
        QVERIFY(until([&] { return carol.session()->connected(); }));
        qt::InvitesController controller;
        controller.setAppController(&carol);
        QSignalSpy refreshed(&controller, &qt::InvitesController::refreshed);
        controller.refresh();
        QVERIFY(controller.busy());
        QVERIFY(refreshed.wait(20000));
        QVERIFY(!refreshed.first().first().toBool());
        QVERIFY2(controller.error().contains("lawyers"), qPrintable(controller.error()));
        QCOMPARE(controller.invites()->rowCount(), 0);
    }
};

QTEST_MAIN(TestInvitesApp)
#include "tst_invites_app.moc"
