// Issue 22 in the app, against a real relay over TLS with the real screens offscreen: joining by
// invite shows the fair recording notice before anything is registered (who invited the client
// to which matter, the retention period and the privacy notice link from the firm's signed
// manifest, whether the firm may erase the client's copy); the privacy notice opens in the
// browser; Decline joins nobody, sends nothing, and the lawyer's invite list says "Declined";
// the link is dead afterwards. Screenshots at phone and laptop size.
#include <QDesktopServices>
#include <QQuickStyle>
#include <QQuickWindow>
#include <QTemporaryDir>
#include <QtTest>

#include "AppHarness.h"
#include "client/qt/AppController.h"
#include "client/qt/ChatController.h"
#include "client/qt/InvitesController.h"
#include "client/qt/InvitesModel.h"
#include "client/qt/SessionController.h"

using namespace verbatim;
using namespace verbatim::apptest;

namespace {

const QString kPrivacy = QStringLiteral("https://firm.example/privacy-notice");

/// A relay whose firm manifest carries the version 3 policy: 6 years after close, a privacy
/// notice, client devices erasable; Alice Adams (lawyer) in the app with the matter open.
bool setUp(e2e::Harness& h, qt::AppController& lawyer, std::string& link) {
    h.setManifestTweak([](journal::FirmManifest& m) {
        m.retention.yearsAfterClose = 6;
        m.privacyNoticeUrl = kPrivacy.toStdString();
        m.policy.mayWipeClientDevices = true;
    });
    if (!h.restart()) return false;
    if (!h.service().createUser("alice", proto::ROLE_LAWYER, "Alice Adams", "test")) return false;
    if (!joinStaff(h, lawyer, "alice", proto::ROLE_LAWYER, "Alice Adams")) return false;
    if (!lawyer.client()->createConversation("Estate of Doe", true, {}, "2024/117", "Carol Smith"))
        return false;
    auto invite = lawyer.client()->createInvite("Estate of Doe");
    if (!invite) return false;
    link = *invite;
    return true;
}

} // namespace

class TestNoticeApp : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() { QQuickStyle::setStyle("Material"); }

    void noticeShowsTheFactsAndTheClientDeclines() {
        e2e::Harness h;
        QVERIFY(h.ok());
        QTemporaryDir dir;
        qt::AppController lawyer(dir.path() + "/alice");
        std::string link;
        QVERIFY2(setUp(h, lawyer, link), qPrintable(lawyer.error()));

        qt::AppController client(dir.path() + "/carol");
        Ui ui;
        QVERIFY(ui.load(client, 390, 844, false));
        QVERIFY(until([&] { return ui.find("linkField") != nullptr; }));
        QVERIFY(ui.type("linkField", QString::fromStdString(link)));
        QVERIFY(ui.type("nameField", "Carol Smith"));
        // The passphrase, typed twice where the page asks twice.
        if (ui.find("joinPassphrase")) {
            QVERIFY(ui.type("joinPassphrase", kPass));
            QVERIFY(ui.type("joinPassphraseAgain", kPass));
        } else {
            QVERIFY(ui.type("passField", kPass));
        }
        QVERIFY(ui.click("joinButton"));
        QVERIFY2(until([&] { return client.session()->screen() == "notice"; }),
                 qPrintable(client.error()));
        // Nothing is registered before the client decides.
        QVERIFY(!client.client());
        QVERIFY(!QFile::exists(dir.path() + "/carol/profile.key"));

        QVERIFY(until([&] { return ui.find("declineNotice") != nullptr; }));
        QVERIFY(ui.shows("noticeInvited", [](const QString& t) {
            return t == "Alice Adams of Test Firm LLP invited you to the matter Estate of Doe "
                        "(ref. 2024/117), for Carol Smith." ||
                   (t.contains("Alice Adams") && t.contains("Estate of Doe") &&
                    t.contains("2024/117") && t.contains("Carol Smith"));
        }));
        QVERIFY(ui.shows("noticeRetention", [](const QString& t) {
            return t.contains("for 6 years after the matter closes");
        }));
        QVERIFY(ui.shows("noticeErase",
                         [](const QString& t) { return t.contains("may erase the copy"); }));
        QVERIFY(ui.shows("noticeText", [](const QString& t) {
            return t.startsWith("This conversation is recorded.");
        }));
        auto* privacy = qobject_cast<QQuickItem*>(ui.find("privacyLink"));
        QVERIFY(privacy && privacy->isVisible());
        QCOMPARE(client.session()->inviteNotice().value("privacyUrl").toString(), kPrivacy);
        QTest::qWait(400);
        QVERIFY(ui.shoot("notice-fair-phone"));

        // The privacy notice opens in the browser (caught here).
        UrlCatcher catcher;
        QDesktopServices::setUrlHandler("https", &catcher, "handle");
        auto unset = qScopeGuard([] { QDesktopServices::unsetUrlHandler("https"); });
        QVERIFY(ui.click("privacyLink"));
        QVERIFY(until([&] { return !catcher.urls.isEmpty(); }));
        QCOMPARE(catcher.urls.first().toString(), kPrivacy);

        // The laptop layout of the same page.
        ui.window->resize(1280, 800);
        QTest::qWait(400);
        QVERIFY(ui.shoot("notice-fair-laptop"));

        // Decline.
        QSignalSpy declined(client.session(), &qt::SessionController::declineFinished);
        QVERIFY(ui.click("declineNotice"));
        QVERIFY(declined.wait(20000) || !declined.isEmpty());
        QVERIFY2(declined.first().first().toBool(), qPrintable(client.error()));
        QCOMPARE(client.session()->screen(), QStringLiteral("declined"));
        QVERIFY(until([&] {
            return ui.shows("declinedText", [](const QString& t) {
                return t.contains("Nothing was sent") && t.contains("Alice Adams");
            });
        }));
        QVERIFY(!client.client());
        QVERIFY(!QFile::exists(dir.path() + "/carol/profile.key"));
        QTest::qWait(300);
        QVERIFY(ui.shoot("notice-declined-laptop"));

        // The lawyer: "Declined" in the invite list; the matter holds Alice alone, and nothing
        // arrived in it.
        qt::InvitesController invites;
        invites.setAppController(&lawyer);
        QSignalSpy refreshed(&invites, &qt::InvitesController::refreshed);
        invites.refresh();
        QVERIFY(refreshed.wait(20000));
        auto* model = invites.invites();
        QCOMPARE(model->rowCount(), 1);
        QCOMPARE(cell(model, 0, qt::InvitesModel::StateLabelRole).toString(),
                 QStringLiteral("Declined"));
        QVERIFY(cell(model, 0, qt::InvitesModel::StateTextRole).toString().contains("declined"));
        QVERIFY(!cell(model, 0, qt::InvitesModel::CanRevokeRole).toBool());
        const QString conv =
            cell(lawyer.chat()->conversations(), 0, qt::ConversationListModel::IdRole).toString();
        lawyer.chat()->openConversation(conv);
        QCOMPARE(lawyer.chat()->participants()->rowCount(), 1);
        for (int i = 0; i < lawyer.chat()->messages()->rowCount(); ++i)
            QVERIFY(!cell(lawyer.chat()->messages(), i, qt::MessageListModel::BodyRole)
                         .toString()
                         .contains("Carol"));

        // Done: back to the start; the link is dead for good.
        QVERIFY(ui.click("startAgain"));
        QCOMPARE(client.session()->screen(), QStringLiteral("onboarding"));
        qt::AppController again(dir.path() + "/again");
        QVERIFY(!again.session()->join(QString::fromStdString(link), "Carol Smith", kPass));
        QVERIFY2(again.error().contains("declined"), qPrintable(again.error()));
    }

    // Accept on the notice registers, journals the acceptance and opens the chats; the notice
    // facts were shown first (blocking form, as tools use it).
    void acceptOnTheNoticeJoins() {
        e2e::Harness h;
        QVERIFY(h.ok());
        QTemporaryDir dir;
        qt::AppController lawyer(dir.path() + "/alice");
        std::string link;
        QVERIFY2(setUp(h, lawyer, link), qPrintable(lawyer.error()));
        qt::AppController client(dir.path() + "/carol");
        QVERIFY2(client.session()->join(QString::fromStdString(link), "Carol Smith", kPass),
                 qPrintable(client.error()));
        QCOMPARE(client.session()->screen(), QStringLiteral("notice"));
        QVERIFY(client.session()->inviteNotice().value("pending").toBool());
        QVERIFY(!client.client());
        QVERIFY2(client.session()->acceptNotice(), qPrintable(client.error()));
        QCOMPARE(client.session()->screen(), QStringLiteral("ready"));
        QVERIFY(client.client());
        QVERIFY(client.client()->account().noticeAccepted);
        QVERIFY(until([&] { return client.chat()->conversations()->rowCount() == 1; }));
        qt::InvitesController invites;
        invites.setAppController(&lawyer);
        QSignalSpy refreshed(&invites, &qt::InvitesController::refreshed);
        invites.refresh();
        QVERIFY(refreshed.wait(20000));
        QCOMPARE(cell(invites.invites(), 0, qt::InvitesModel::StateLabelRole).toString(),
                 QStringLiteral("Used"));
    }
};

QTEST_MAIN(TestNoticeApp)
#include "tst_notice_app.moc"
