// H6 (issue 22): ethical walls in the app, against a real relay over TLS with Main.qml offscreen.
//   - an administrator opens Walls from the toolbar, adds a wall over an existing matter and a
//     supervision (the conflicts are listed by name, nobody is removed), sees a refusal with the
//     relay's reason in the dialog (nothing added), adds a wall around a matter, removes it after
//     a confirmation; the relay holds exactly what the app showed; laptop and phone screenshots;
//   - a compliance officer reads the same walls, with no control to change them; a lawyer has no
//     Walls button and no page;
//   - a lawyer who starts a conversation or asks for an invite across a wall reads the refusal,
//     naming the wall and nobody behind it, in the dialog they used.
// WallsModel runs under QAbstractItemModelTester. Screenshots go to VERBATIM_SCREENSHOT_DIR.

#include <QAbstractItemModelTester>
#include <QQuickItem>
#include <QQuickStyle>
#include <QQuickWindow>
#include <QTemporaryDir>
#include <QtTest>

#include "AppHarness.h"
#include "client/qt/AppController.h"
#include "client/qt/ChatController.h"
#include "client/qt/InvitesController.h"
#include "client/qt/SessionController.h"
#include "client/qt/WallsController.h"
#include "client/qt/WallsModel.h"

using namespace verbatim;
using namespace verbatim::apptest;

namespace {

using WM = qt::WallsModel;

relay::WallSpec wallSpec(const std::string& name, std::vector<std::string> a,
                         std::vector<std::string> b) {
    relay::WallSpec s;
    s.name = name;
    s.users = {std::move(a), std::move(b)};
    return s;
}

/// Joins `app` as `user` (made first with `name` and `role`, so that walls show the name).
bool joinNamed(e2e::Harness& h, qt::AppController& app, const std::string& user, proto::Role role,
               const QString& name) {
    if (!h.service().createUser(user, role, name.toStdString(), "test")) return false;
    return joinStaff(h, app, user, role, name);
}

bool openWalls(Ui& ui) {
    auto* button = qobject_cast<QQuickItem*>(ui.find("wallsButton"));
    if (!button || !button->isVisible()) return false;
    QMetaObject::invokeMethod(button, "clicked");
    return until([&] { return ui.deep("wallsPage") != nullptr; });
}

} // namespace

class TestWallsApp : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() { QQuickStyle::setStyle("Material"); }

    void adminManagesWallsAndComplianceReadsThem() {
        e2e::Harness h;
        QVERIFY(h.ok());
        QTemporaryDir dir;
        qt::AppController root(dir.path() + "/root"), alice(dir.path() + "/alice"),
            bob(dir.path() + "/bob"), officer(dir.path() + "/officer");
        QVERIFY(joinNamed(h, root, "root", proto::ROLE_ADMIN, "Ada Admin"));
        QVERIFY(joinNamed(h, alice, "alice", proto::ROLE_LAWYER, "Alice Adams"));
        QVERIFY(joinNamed(h, bob, "bob", proto::ROLE_LAWYER, "Bob Brown"));
        QVERIFY(joinNamed(h, officer, "casey", proto::ROLE_COMPLIANCE, "Casey Officer"));
        QVERIFY(h.service().createUser("sam", proto::ROLE_SUPERVISOR, "Sam Partner", "test"));
        QVERIFY(h.service().createUser("dan", proto::ROLE_LAWYER, "Dan Daniels", "test"));
        // Before any wall: a matter holding Alice and Bob, Sam supervising Bob, a matter of Alice's.
        auto estate = alice.client()->createConversation("Estate of Doe", true, {"bob"});
        auto globex = alice.client()->createConversation("Globex merger", true, {});
        QVERIFY(estate && globex);
        QVERIFY(h.service().addSupervisor("bob", "sam", "admin-cli"));

        Ui ui;
        QVERIFY(ui.load(root, 1280, 800));
        auto* controller = qobject_cast<qt::WallsController*>(ui.find("wallsController"));
        QVERIFY(controller);
        QVERIFY(controller->canEdit());
        QAbstractItemModelTester tester(controller->walls(),
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        QVERIFY(openWalls(ui));
        auto* model = controller->walls();
        QVERIFY(until([&] { return controller->updated().isValid() && !controller->busy(); }));
        QCOMPARE(model->rowCount(), 0);

        // Add a wall over the matter and the supervision.
        auto* dialog = ui.deep("addWallDialog");
        QVERIFY(dialog);
        QVERIFY(ui.click("addWallButton"));
        QVERIFY(until([&] { return dialog->property("opened").toBool(); }));
        auto* confirm = ui.deep("addWallConfirm");
        QVERIFY(confirm);
        QVERIFY(!confirm->property("enabled").toBool()); // nothing typed yet
        QVERIFY(ui.type("wallNameField", QStringLiteral("Acme v Beta")));
        QVERIFY(ui.type("wallUsersAField", QStringLiteral("alice, sam")));
        QVERIFY(ui.type("wallUsersBField", QStringLiteral("bob")));
        QVERIFY(until([&] { return confirm->property("enabled").toBool(); }));
        QSignalSpy added(controller, &qt::WallsController::added);
        QVERIFY(QMetaObject::invokeMethod(confirm, "clicked"));
        QVERIFY(added.wait(20000));
        QVERIFY(added.first().at(0).toBool());
        QCOMPARE(added.first().at(2).toInt(), 2);
        QVERIFY(until([&] { return !dialog->property("visible").toBool(); }));
        QVERIFY(until([&] { return model->rowCount() == 1; }));
        QCOMPARE(cell(model, 0, WM::NameRole).toString(), QStringLiteral("Acme v Beta"));
        const QString sideA = cell(model, 0, WM::SideAPeopleRole).toString();
        QVERIFY2(sideA.contains("Alice Adams (lawyer)") &&
                     sideA.contains("Sam Partner (supervisor)"),
                 qPrintable(sideA));
        QVERIFY(cell(model, 0, WM::SideBPeopleRole).toString().contains("Bob Brown (lawyer)"));
        QVERIFY(cell(model, 0, WM::CreatedTextRole).toString().endsWith("by Ada Admin"));
        QCOMPARE(cell(model, 0, WM::ConflictCountRole).toInt(), 2);
        const QStringList conflicts = cell(model, 0, WM::ConflictsRole).toStringList();
        QVERIFY2(conflicts.contains(
                     QStringLiteral("Matter \u201cEstate of Doe\u201d holds people of both sides")),
                 qPrintable(conflicts.join('|')));
        QVERIFY2(conflicts.contains(QStringLiteral(
                     "Sam Partner (supervisor) supervises Bob Brown (lawyer) across the wall")),
                 qPrintable(conflicts.join('|')));
        QCOMPARE(model->conflictTotal(), 2);
        // The relay holds what the app showed, made by the admin's device; nobody was removed.
        auto shown = h.service().showWall("Acme v Beta");
        QVERIFY(shown);
        QCOMPARE(shown->createdBy, std::string("root/1"));
        QCOMPARE(shown->users[0], (std::vector<std::string>{"alice", "sam"}));
        QCOMPARE(shown->conflicts.size(), std::size_t(2));

        // A refusal stays in the dialog with the relay's reason; nothing is added.
        QVERIFY(ui.click("addWallButton"));
        QVERIFY(until([&] { return dialog->property("opened").toBool(); }));
        QVERIFY(ui.type("wallNameField", QStringLiteral("Harbour deal")));
        QVERIFY(ui.type("wallUsersAField", QStringLiteral("zed")));
        QVERIFY(ui.type("wallUsersBField", QStringLiteral("bob")));
        QVERIFY(until([&] { return confirm->property("enabled").toBool(); }));
        added.clear();
        QVERIFY(QMetaObject::invokeMethod(confirm, "clicked"));
        QVERIFY(added.wait(20000));
        QVERIFY(!added.first().at(0).toBool());
        QVERIFY(until([&] {
            const auto t = ui.visibleTexts("addWallError");
            return !t.isEmpty() && t.first().contains("no such user: zed");
        }));
        QVERIFY(dialog->property("visible").toBool());
        QCOMPARE(h.service().listWalls()->size(), std::size_t(1));
        QVERIFY(ui.shoot("walls-add-refused-laptop-light"));
        QVERIFY(ui.click("addWallCancel"));
        QVERIFY(until([&] { return !dialog->property("visible").toBool(); }));

        // A wall between a matter (by its title) and a colleague outside it: nothing crosses it.
        QVERIFY(ui.click("addWallButton"));
        QVERIFY(until([&] { return dialog->property("opened").toBool(); }));
        QVERIFY(ui.type("wallNameField", QStringLiteral("Globex screen")));
        QVERIFY(ui.type("wallMattersAField", QStringLiteral("Globex merger")));
        QVERIFY(ui.type("wallUsersBField", QStringLiteral("dan")));
        QVERIFY(until([&] { return confirm->property("enabled").toBool(); }));
        added.clear();
        QVERIFY(QMetaObject::invokeMethod(confirm, "clicked"));
        QVERIFY(added.wait(20000));
        QVERIFY(added.first().at(0).toBool());
        QVERIFY(until([&] { return model->rowCount() == 2; }));
        QCOMPARE(cell(model, 1, WM::NameRole).toString(), QStringLiteral("Globex screen"));
        QCOMPARE(cell(model, 1, WM::SideAMattersRole).toString(), QStringLiteral("Globex merger"));
        QCOMPARE(cell(model, 1, WM::ConflictCountRole).toInt(), 0);
        QVERIFY(until([&] { return !dialog->property("visible").toBool(); }));
        QTest::qWait(300); // the cards lay out
        QVERIFY(ui.visibleTexts("wallConflict").size() == 2);
        QVERIFY(ui.shoot("walls-laptop-light"));
        ui.window->resize(390, 844);
        QTest::qWait(400);
        QVERIFY(ui.shoot("walls-phone-light"));
        ui.window->resize(1280, 800);
        QTest::qWait(200);

        // Remove the matter's wall after naming it.
        auto* remove = ui.visibleWith("removeWallButton", "wallName", "Globex screen");
        QVERIFY(remove);
        QMetaObject::invokeMethod(remove, "clicked");
        auto* removeDialog = ui.deep("removeWallDialog");
        QVERIFY(removeDialog);
        QVERIFY(until([&] { return removeDialog->property("opened").toBool(); }));
        QCOMPARE(removeDialog->property("wall").toString(), QStringLiteral("Globex screen"));
        QSignalSpy removed(controller, &qt::WallsController::removed);
        QVERIFY(QMetaObject::invokeMethod(ui.deep("removeWallConfirm"), "clicked"));
        QVERIFY(removed.wait(20000));
        QVERIFY(removed.first().at(0).toBool());
        QVERIFY(until([&] { return model->rowCount() == 1; }));
        QVERIFY(!h.service().showWall("Globex screen"));

        // Compliance reads the same wall, with no control to change it.
        Ui compliance;
        QVERIFY(compliance.load(officer, 1280, 800));
        auto* read = qobject_cast<qt::WallsController*>(compliance.find("wallsController"));
        QVERIFY(read);
        QVERIFY(!read->canEdit());
        QVERIFY(openWalls(compliance));
        QVERIFY(until([&] { return read->walls()->rowCount() == 1; }));
        QCOMPARE(cell(read->walls(), 0, WM::ConflictCountRole).toInt(), 2);
        QTest::qWait(300);
        QVERIFY(compliance.visibleTexts("addWallButton").isEmpty());
        QVERIFY(compliance.visibleTexts("removeWallButton").isEmpty());
        QVERIFY(!compliance.visibleTexts("wallName").isEmpty());
        QVERIFY(compliance.shoot("walls-compliance-laptop-light"));

        // A lawyer has neither the button nor the page, even when asked for it.
        Ui lawyer;
        QVERIFY(lawyer.load(alice, 1280, 800));
        auto* button = qobject_cast<QQuickItem*>(lawyer.find("wallsButton"));
        QVERIFY(button && !button->isVisible());
        lawyer.window->setProperty("wallsView", true);
        QTest::qWait(200);
        QVERIFY(lawyer.deep("wallsPage") == nullptr);
    }

    // A lawyer starting a conversation or asking for an invite across a wall reads why, in the
    // dialog they used: the wall's name, and nobody of its other side.
    void lawyerSeesTheWallsRefusal() {
        e2e::Harness h;
        QVERIFY(h.ok());
        QTemporaryDir dir;
        qt::AppController alice(dir.path() + "/alice");
        QVERIFY(joinNamed(h, alice, "alice", proto::ROLE_LAWYER, "Alice Adams"));
        QVERIFY(h.service().createUser("bob", proto::ROLE_LAWYER, "Bob Brown", "test"));
        auto estate = alice.client()->createConversation("Estate of Doe", true, {"bob"});
        QVERIFY(estate);
        QVERIFY(h.service().addWall(wallSpec("Acme v Beta", {"alice"}, {"bob"}), "admin-cli"));

        Ui ui;
        QVERIFY(ui.load(alice, 1280, 800));
        auto* dialog = ui.deep("newMatterDialog");
        QVERIFY(dialog);
        QVERIFY(QMetaObject::invokeMethod(ui.deep("newConversationButton"), "clicked"));
        QVERIFY(until([&] { return dialog->property("opened").toBool(); }));
        QVERIFY(ui.type("newTitleField", QStringLiteral("Lunch with Bob")));
        QVERIFY(ui.type("newColleaguesField", QStringLiteral("bob")));
        auto* create = ui.deep("createConversationButton");
        QVERIFY(until([&] { return create->property("enabled").toBool(); }));
        QVERIFY(QMetaObject::invokeMethod(create, "clicked"));
        QString shown;
        QVERIFY(until([&] {
            const auto t = ui.visibleTexts("newConversationProblem");
            shown = t.isEmpty() ? QString() : t.first();
            return shown.contains("ethical wall");
        }));
        QVERIFY2(shown.contains(QStringLiteral("Refused by your firm's ethical wall "
                                               "\u201cAcme v Beta\u201d: it keeps apart")),
                 qPrintable(shown));
        QVERIFY(!shown.contains("bob") && !shown.contains("Bob"));
        QVERIFY(dialog->property("startedId").toString().isEmpty());
        QVERIFY(ui.shoot("wall-refusal-new-matter-laptop-light"));
        QVERIFY(QMetaObject::invokeMethod(dialog, "close"));

        // An invite into the matter that already crosses the wall.
        auto* invites = ui.deep("invitesDialog");
        QVERIFY(invites);
        auto* controller = invites->findChild<qt::InvitesController*>("invitesController");
        QVERIFY(controller);
        QVERIFY(invites->setProperty("conversationId", QString::fromStdString(*estate)));
        QVERIFY(invites->setProperty("matterTitle", QStringLiteral("Estate of Doe")));
        QSignalSpy refreshed(controller, &qt::InvitesController::refreshed);
        QVERIFY(QMetaObject::invokeMethod(invites, "open"));
        QVERIFY(refreshed.wait(20000));
        QVERIFY(QMetaObject::invokeMethod(ui.deep("newInviteButton"), "clicked"));
        QVERIFY(until([&] {
            const auto t = ui.visibleTexts("invitesError");
            return !t.isEmpty() && t.first().contains("\u201cAcme v Beta\u201d");
        }));
        QVERIFY(!ui.visibleTexts("invitesError").first().contains("Bob"));
        QVERIFY(ui.shoot("wall-refusal-invite-laptop-light"));
    }
};

QTEST_MAIN(TestWallsApp)
#include "tst_walls_app.moc"
