// Issue 23, "start and invite", against a real relay over TLS with Main.qml offscreen: a lawyer
// starts a matter from the conversation list ("New", Ctrl+N) with a title, matter number, client
// and a colleague; the form refuses bad input with a clear error; the client's invite (web form)
// comes at once; the list row and the relay's journal show the matter number; the invites of a
// matter are listed with their state and expiry, one is revoked (and the relay refuses its
// token), the other redeemed by a second client, and the list shows used and revoked.
// Screenshots go to VERBATIM_SCREENSHOT_DIR (else ./screenshots).

#include <QAbstractItemModelTester>
#include <QQuickItem>
#include <QQuickStyle>
#include <QQuickWindow>
#include <QTemporaryDir>
#include <QtTest>

#include <tuple>

#include "AppHarness.h"
#include "client/core/Link.h"
#include "client/qt/AppController.h"
#include "client/qt/ChatController.h"
#include "client/qt/InvitesController.h"
#include "client/qt/InvitesModel.h"
#include "client/qt/Models.h"
#include "client/qt/QmlModules.h"
#include "client/qt/SessionController.h"

using namespace verbatim;
using namespace verbatim::apptest;

namespace {

using CL = qt::ConversationListModel;
using IM = qt::InvitesModel;

} // namespace

class TestNewMatterApp : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() { QQuickStyle::setStyle("Material"); }

    void newMatterFromTheListThenInvitesPerMatter() {
        e2e::Harness h;
        QVERIFY(h.ok());
        QVERIFY(h.service().createUser("alice", proto::ROLE_LAWYER, "Alice Adams", "test"));
        QVERIFY(h.service().createUser("bob", proto::ROLE_LAWYER, "Bob Brown", "test"));
        QTemporaryDir dir;
        qt::AppController alice(dir.path() + "/alice");
        QVERIFY(joinStaff(h, alice, "alice", proto::ROLE_LAWYER, "Alice Adams"));

        Ui ui;
        QVERIFY(ui.load(alice, 1100, 760));
        auto* dialog = ui.deep("newMatterDialog");
        QVERIFY(dialog);
        QVERIFY(!dialog->property("visible").toBool());

        // Ctrl+N in the list opens the dialog; so does the "New" button.
        ui.window->requestActivate();
        QVERIFY(QTest::qWaitForWindowActive(ui.window));
        auto* newButton = ui.deep("newConversationButton");
        QVERIFY(newButton);
        QVERIFY(newButton->property("visible").toBool());
        QTest::keyClick(ui.window, Qt::Key_N, Qt::ControlModifier);
        QVERIFY(until([&] { return dialog->property("opened").toBool(); }));
        QVERIFY(QMetaObject::invokeMethod(dialog, "close"));
        QVERIFY(until([&] { return !dialog->property("visible").toBool(); }));
        QVERIFY(QMetaObject::invokeMethod(newButton, "clicked"));
        QVERIFY(until([&] { return dialog->property("opened").toBool(); }));

        // Bad input: a clear error, nothing sent, the button stays disabled.
        auto* create = ui.deep("createConversationButton");
        QVERIFY(create);
        QVERIFY(ui.type("newTitleField", QStringLiteral("Estate of \u202eDoe")));
        QVERIFY(until([&] { return !ui.visibleTexts("newConversationProblem").isEmpty(); }));
        QVERIFY2(ui.visibleTexts("newConversationProblem").first().contains("cannot be shown"),
                 qPrintable(ui.visibleTexts("newConversationProblem").join('|')));
        QVERIFY(!create->property("enabled").toBool());
        QVERIFY(ui.type("newTitleField", QStringLiteral("Estate of Doe")));
        QVERIFY(ui.type("newColleaguesField", QStringLiteral("Bob Brown")));
        QVERIFY(until([&] {
            const auto t = ui.visibleTexts("newConversationProblem");
            return !t.isEmpty() && t.first().contains("is not a user id");
        }));
        QVERIFY(!create->property("enabled").toBool());
        // (The field takes at most 40 characters; a tab is refused by the check.)
        QVERIFY(ui.type("newMatterNumberField", QStringLiteral("2026\t0142")));
        QVERIFY(until([&] {
            const auto t = ui.visibleTexts("newConversationProblem");
            return !t.isEmpty() && t.first().contains("matter number holds characters");
        }));
        QCOMPARE(alice.chat()->conversations()->rowCount(), 0);

        // Good input: the matter is made on the relay, the invite offered at once.
        QVERIFY(ui.type("newColleaguesField", QStringLiteral("bob")));
        QVERIFY(ui.type("newMatterNumberField", QStringLiteral("2026-0142")));
        QVERIFY(ui.type("newClientNameField", QStringLiteral("Carol Client")));
        QVERIFY(until([&] { return create->property("enabled").toBool(); }));
        QVERIFY(ui.shoot("new-matter-laptop-light"));
        QVERIFY(QMetaObject::invokeMethod(create, "clicked"));
        QVERIFY(until([&] { return !dialog->property("inviteLink").toString().isEmpty(); }));
        const QString firstLink = dialog->property("inviteLink").toString();
        QVERIFY2(firstLink.startsWith("https://127.0.0.1:" + QString::number(h.endpoint().port) +
                                      "/i/#relay="),
                 qPrintable(firstLink.left(40)));
        const QString matter = dialog->property("startedId").toString();
        QVERIFY(!matter.isEmpty());
        QVERIFY(ui.shoot("new-matter-invite-laptop-light"));

        // The list row shows the matter number and (before the client joined) the client's name.
        auto* list = alice.chat()->conversations();
        QVERIFY(until([&] { return rowOf(list, CL::IdRole, matter) >= 0; }));
        const int row = rowOf(list, CL::IdRole, matter);
        QCOMPARE(cell(list, row, CL::MatterNumberRole).toString(), QStringLiteral("2026-0142"));
        QCOMPARE(cell(list, row, CL::ClientNameRole).toString(), QStringLiteral("Carol Client"));
        QCOMPARE(cell(list, row, CL::TitleRole).toString(), QStringLiteral("Estate of Doe"));
        QVERIFY(ui.visibleTexts("conversationMatterNumber").contains("No. 2026-0142"));
        QVERIFY(QMetaObject::invokeMethod(ui.deep("openStartedButton"), "clicked"));
        QVERIFY(until([&] { return alice.chat()->currentConversation() == matter; }));
        QCOMPARE(alice.chat()->currentMatterNumber(), QStringLiteral("2026-0142"));

        // Bob, the colleague, is a member as the relay has it.
        QVERIFY(cell(list, row, CL::MembersRole).toString().contains("Bob Brown"));

        // A second invite into the matter from the invites dialog, shown for this matter only.
        auto* invites = ui.deep("invitesDialog");
        QVERIFY(invites);
        auto* controller = invites->findChild<qt::InvitesController*>("invitesController");
        QVERIFY(controller);
        auto* model = controller->invites();
        QAbstractItemModelTester tester(model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        QVERIFY(invites->setProperty("conversationId", matter));
        QVERIFY(invites->setProperty("matterTitle", QStringLiteral("Estate of Doe")));
        QSignalSpy refreshed(controller, &qt::InvitesController::refreshed);
        QVERIFY(QMetaObject::invokeMethod(invites, "open"));
        QVERIFY(refreshed.wait(20000));
        QCOMPARE(model->rowCount(), 1);
        QSignalSpy created(controller, &qt::InvitesController::created);
        QVERIFY(QMetaObject::invokeMethod(ui.deep("newInviteButton"), "clicked"));
        QVERIFY(created.wait(20000));
        const QString secondLink = created.first().first().toString();
        QVERIFY(secondLink.startsWith("https://"));
        QVERIFY(until([&] { return model->rowCount() == 2; }));
        for (int r = 0; r < 2; ++r) {
            QCOMPARE(cell(model, r, IM::StateLabelRole).toString(), QStringLiteral("Pending"));
            QVERIFY2(cell(model, r, IM::ExpiresTextRole).toString().startsWith("Expires in 7 days"),
                     qPrintable(cell(model, r, IM::ExpiresTextRole).toString()));
        }

        // Revoke the first from its button; redeem the second with a client's app (web form).
        const QString firstId =
            QString::fromStdString(e2e::linkToken(firstLink.toStdString()).substr(0, 8));
        const QString secondId =
            QString::fromStdString(e2e::linkToken(secondLink.toStdString()).substr(0, 8));
        QQuickItem* revokeButton = nullptr;
        for (auto* b : ui.findItems("revokeInviteButton"))
            if (b->property("inviteId").toString() == firstId) revokeButton = b;
        QVERIFY(revokeButton);
        QSignalSpy revoked(controller, &qt::InvitesController::revokeFinished);
        QVERIFY(QMetaObject::invokeMethod(revokeButton, "clicked"));
        QVERIFY(revoked.wait(20000));
        QVERIFY2(revoked.first().at(1).toBool(), qPrintable(controller->error()));

        qt::AppController carol(dir.path() + "/carol");
        QVERIFY2(carol.session()->join(secondLink, "Carol Client", kPass),
                 qPrintable(carol.error()));
        QVERIFY(carol.session()->acceptNotice());
        qt::AppController mallory(dir.path() + "/mallory");
        QVERIFY(!mallory.session()->join(firstLink, "Mallory", kPass)); // refused by the relay
        QVERIFY2(mallory.error().contains("revoked"), qPrintable(mallory.error()));

        controller->refresh();
        QVERIFY(until([&] {
            const int used = rowOf(model, IM::IdRole, secondId);
            const int gone = rowOf(model, IM::IdRole, firstId);
            return used >= 0 && gone >= 0 &&
                   cell(model, used, IM::StateLabelRole).toString() == "Used" &&
                   cell(model, gone, IM::StateLabelRole).toString() == "Revoked";
        }));
        QVERIFY(ui.visibleTexts("inviteStateLabel").contains("Used"));
        QVERIFY(ui.visibleTexts("inviteStateLabel").contains("Revoked"));
        QVERIFY(ui.shoot("invites-per-matter-laptop-light"));

        // The relay checks the same limits itself: a client that skips the form's checks is
        // refused, and nothing is made. Bytes that are not UTF-8 cannot travel in a protobuf
        // string at all (the relay would drop the connection as for any malformed frame), so
        // the client core refuses them before sending and stays connected.
        const auto before = alice.client()->conversations()->size();
        for (const auto& [number, client, matter, reason] :
             std::vector<std::tuple<std::string, std::string, bool, std::string>>{
                 {std::string(41, '1'), "", true, "relay refused"},
                 {"2026\x01", "", true, "relay refused"},
                 {"", std::string(101, 'c'), true, "relay refused"},
                 {"", "Carol\nClient", true, "relay refused"},
                 {"", "\xff\xfe", true, "client name is not valid UTF-8"},
                 {"\xc0\xaf", "", true, "matter number is not valid UTF-8"},
                 {"7", "", false, "relay refused"}}) {
            auto refused =
                alice.client()->createConversation("Refused", matter, {}, number, client);
            QVERIFY2(!refused, number.c_str());
            QVERIFY2(refused.error().message.find(reason) != std::string::npos,
                     refused.error().message.c_str());
        }
        QCOMPARE(alice.client()->conversations()->size(), before);

        // Compliance sees the matter number and the client in the journal: the relay's
        // ADMIN_ACTION conversation-created entry, opened with the journal key.
        auto officer = h.enrollStaff("carl", proto::ROLE_COMPLIANCE);
        QVERIFY(officer && officer->connect(h.endpoint()));
        auto chain = e2e::pullJournalChain(*officer);
        QVERIFY2(chain, chain ? "" : chain.error().message.c_str());
        bool journaled = false;
        for (const auto& item : chain->items) {
            auto entry = journal::SealedEntry::parse(item.entry);
            QVERIFY(entry);
            if (entry->header.senderUser != "relay") continue;
            auto opened = journal::openEntry(*entry, h.journalKey(), h.relayIdentityPublic());
            QVERIFY(opened);
            const auto& body = opened->record.body();
            journaled |= body.find("\"conversation-created\"") != std::string::npos &&
                         body.find("\"matter_number\":\"2026-0142\"") != std::string::npos &&
                         body.find("\"client_name\":\"Carol Client\"") != std::string::npos;
        }
        QVERIFY(journaled);
    }

    // Expiry texts: whole days rounded to the nearest, hours under a day, past ones as expired.
    void expiryTexts() {
        constexpr std::uint64_t day = 24 * 3600 * 1000ull, now = 1'800'000'000'000ull;
        QVERIFY(IM::expiresText(now + 7 * day - 5, now).startsWith("Expires in 7 days"));
        QVERIFY(IM::expiresText(now + 6 * day + 1, now).startsWith("Expires in 6 days"));
        QVERIFY(IM::expiresText(now + day, now).startsWith("Expires in 1 day"));
        QVERIFY(IM::expiresText(now + 5 * 3600 * 1000, now).startsWith("Expires in 5 hours"));
        QVERIFY(IM::expiresText(now - 1, now).startsWith("Expired on "));
    }

    // The form's checks, one by one (the relay checks the same limits again).
    void formChecks() {
        qt::InvitesController c;
        const auto check = [&](bool matter, const char* title, const char* number,
                               const char* client, const char* colleagues) {
            return c.checkNewConversation(matter, QString::fromUtf8(title),
                                          QString::fromUtf8(number), QString::fromUtf8(client),
                                          QString::fromUtf8(colleagues));
        };
        QCOMPARE(check(true, "Estate of Doe", "2026-1", "Carol", "bob, dan"), QString());
        QVERIFY(!check(true, "", "", "", "").isEmpty());         // no title
        QVERIFY(!check(true, "a\nb", "", "", "").isEmpty());     // control character
        QVERIFY(!check(true, "x\u200fy", "", "", "").isEmpty()); // bidi mark
        QVERIFY(!check(true, std::string(201, 'a').c_str(), "", "", "").isEmpty());
        QVERIFY(!check(true, "T", std::string(41, '1').c_str(), "", "").isEmpty());
        QVERIFY(!check(true, "T", "", std::string(101, 'c').c_str(), "").isEmpty());
        QVERIFY(!check(true, "T", "", "", "Bob").isEmpty());  // not a user id
        QCOMPARE(check(false, "", "", "", "bob"), QString()); // direct: one colleague
        QVERIFY(!check(false, "", "", "", "bob dan").isEmpty());
        QVERIFY(!check(false, "", "1", "", "bob").isEmpty()); // no number on a direct one
    }
};

QTEST_MAIN(TestNewMatterApp)
#include "tst_new_matter_app.moc"
