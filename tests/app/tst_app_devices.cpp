// Device management (issue 7) in the app against a real relay: the admin's inventory with
// revoke and wipe behind confirmations, linking another device from settings (QR code), the
// erased screen after a remote wipe, and the unlock screen's warning and erasure under the
// firm's policy, with their screenshots.

#include <QAbstractItemModelTester>
#include <QFile>
#include <QQuickItem>
#include <QQuickStyle>
#include <QQuickWindow>
#include <QTemporaryDir>
#include <QtTest>

#include "AppHarness.h"
#include "client/qt/AdminController.h"
#include "client/qt/AdminDevicesModel.h"
#include "client/qt/AppController.h"
#include "client/qt/TextRuns.h"

using namespace verbatim;
using namespace verbatim::apptest;
using namespace std::chrono_literals;

namespace {

/// Whether the files that make a profile exist in `dir`.
bool profileFilesExist(const QString& dir) {
    return QFile::exists(dir + "/profile.db") || QFile::exists(dir + "/profile.key");
}

} // namespace

class TestAppDevices : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() { QQuickStyle::setStyle("Material"); }

    // The inventory's "last seen" reads naturally.
    void relativeTimesReadNaturally() {
        using M = qt::AdminDevicesModel;
        const QDateTime now(QDate(2026, 11, 28), QTime(10, 30));
        QCOMPARE(M::relativeTime({}, now), QStringLiteral("never"));
        QCOMPARE(M::relativeTime(now.addSecs(-20), now), QStringLiteral("just now"));
        QCOMPARE(M::relativeTime(now.addSecs(30), now),
                 QStringLiteral("just now")); // a clock a little ahead
        QCOMPARE(M::relativeTime(now.addSecs(-12 * 60), now), QStringLiteral("12 min ago"));
        QCOMPARE(M::relativeTime(now.addSecs(-3 * 3600), now), QStringLiteral("3 h ago"));
        QCOMPARE(M::relativeTime(QDateTime(QDate(2026, 11, 27), QTime(22, 5)), now),
                 QStringLiteral("yesterday 22:05"));
        QCOMPARE(M::relativeTime(QDateTime(QDate(2026, 10, 2), QTime(9, 0)), now),
                 QStringLiteral("2026-10-02"));
    }

    // Device management (issue 7), the admin's page: the inventory of a firm where Alice (lawyer)
    // has a phone (online) and a laptop (offline); revoke the phone and wipe the laptop through
    // the page, each after a confirmation naming the device; the laptop carries the wipe out when
    // it connects and the admin sees when. The inventory model is under QAbstractItemModelTester
    // from before its first row. A lawyer cannot list the firm's devices. Screenshots.
    void adminRevokesAndWipesDevices() {
        using R = qt::AdminDevicesModel;
        e2e::Harness h;
        QVERIFY(h.ok());
        QVERIFY(h.service().createUser("ada", proto::ROLE_ADMIN, "Ada Admin", "test"));
        QVERIFY(h.service().createUser("alice", proto::ROLE_LAWYER, "Alice Adams", "test"));
        QVERIFY(h.service().createUser("bob", proto::ROLE_LAWYER, "Bob Baker", "test"));
        QTemporaryDir dir;
        auto enroll = [&](const QString& name, const std::string& user, proto::Role role,
                          const char* platform) {
            client::JoinOptions o;
            o.platform = platform;
            o.appVersion = "0.1.0";
            return client::Client::join((dir.path() + "/" + name).toStdString(), kPass,
                                        h.enrollLink(user, role), o);
        };
        auto alicePhone = enroll("alice-phone", "alice", proto::ROLE_LAWYER, "ios");
        auto aliceLaptop = enroll("alice-laptop", "alice", proto::ROLE_LAWYER, "desktop");
        QVERIFY2(alicePhone && aliceLaptop,
                 alicePhone ? "laptop" : alicePhone.error().message.c_str());
        auto& phone = **alicePhone;
        auto& laptop = **aliceLaptop;
        phone.start();
        QVERIFY(until([&] { return phone.isConnected(); }));
        // The laptop, enrolled by the firm after the phone, waits for Alice's approval (issue 15).
        QVERIFY(phone.approveDevice(laptop.account().device));
        auto invite = phone.createInvite("Estate of Doe");
        QVERIFY(invite);
        {
            client::JoinOptions o;
            o.displayName = "Carol Client";
            o.platform = "android";
            o.appVersion = "0.1.0";
            QVERIFY(client::Client::join((dir.path() + "/carol").toStdString(), kPass, *invite, o));
        }
        const QString phoneKey = QStringLiteral("alice/%1").arg(phone.account().device);
        const QString laptopKey = QStringLiteral("alice/%1").arg(laptop.account().device);

        // A lawyer's profile is refused the inventory.
        {
            qt::AppController bob(dir.path() + "/bob");
            QVERIFY2(joinStaff(h, bob, "bob", proto::ROLE_LAWYER, "Bob Baker"),
                     qPrintable(bob.error()));
            qt::AdminController notAdmin;
            notAdmin.setAppController(&bob);
            QSignalSpy refused(&notAdmin, &qt::AdminController::refreshed);
            notAdmin.refresh();
            QVERIFY(notAdmin.busy());
            QVERIFY(refused.wait(20000));
            QVERIFY(!refused.first().first().toBool());
            QVERIFY2(notAdmin.error().contains("admin role"), qPrintable(notAdmin.error()));
            QCOMPARE(notAdmin.devices()->rowCount(), 0);
            QVERIFY(!notAdmin.busy());
        }

        qt::AppController admin(dir.path() + "/ada");
        QVERIFY2(
            admin.session()->join(QString::fromStdString(h.enrollLink("ada", proto::ROLE_ADMIN)),
                                  "Ada Admin", kPass),
            qPrintable(admin.error()));
        QCOMPARE(admin.session()->role(), QStringLiteral("admin"));
        QVERIFY(until([&] { return admin.session()->connected(); }));
        Ui ui;
        QVERIFY(ui.load(admin, 1280, 800, false));
        auto* ac = qobject_cast<qt::AdminController*>(ui.find("adminController"));
        QVERIFY(ac);
        auto* model = ac->devices();
        QAbstractItemModelTester tester(model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        QCOMPARE(model->rowCount(), 0);

        // The admin chats like other staff; the inventory is a button in the header away.
        QVERIFY(until([&] { return ui.find("conversationList") != nullptr; }));
        QVERIFY(!ui.find("adminPage"));
        QVERIFY(ui.find("adminDevicesButton")->property("visible").toBool());
        QSignalSpy refreshed(ac, &qt::AdminController::refreshed);
        QVERIFY(ui.click("adminDevicesButton"));
        QVERIFY(until([&] { return ui.find("adminPage") != nullptr; }));
        QVERIFY(until([&] { return !ui.find("conversationList"); })); // the Loader deletes it later
        QVERIFY(!refreshed.isEmpty() || refreshed.wait(20000));
        QVERIFY2(refreshed.first().first().toBool(), qPrintable(ac->error()));
        QCOMPARE(model->rowCount(), 5); // ada, alice x2, bob, carol
        QCOMPARE(model->property("total").toInt(), 5);
        QVERIFY(ac->updated().isValid());
        int r = rowOf(model, R::KeyRole, phoneKey);
        QVERIFY(r >= 0);
        QCOMPARE(cell(model, r, R::UserRole).toString(), QStringLiteral("alice"));
        QCOMPARE(cell(model, r, R::NameRole).toString(), QStringLiteral("Alice Adams"));
        QCOMPARE(cell(model, r, R::RoleRole).toString(), QStringLiteral("lawyer"));
        QCOMPARE(cell(model, r, R::PlatformRole).toString(), QStringLiteral("ios"));
        QCOMPARE(cell(model, r, R::VersionRole).toString(), QStringLiteral("0.1.0"));
        QVERIFY(cell(model, r, R::EnrolledRole).toDateTime().isValid());
        QVERIFY(!cell(model, r, R::EnrolledTextRole).toString().isEmpty());
        QCOMPARE(cell(model, r, R::StatusRole).toString(), QStringLiteral("active"));
        QCOMPARE(cell(model, r, R::StatusTextRole).toString(), QStringLiteral("Active"));
        QVERIFY(cell(model, r, R::CanRevokeRole).toBool());
        QVERIFY(cell(model, r, R::CanWipeRole).toBool());
        const int carol = rowOf(model, R::NameRole, "Carol Client");
        QVERIFY(carol >= 0);
        QCOMPARE(cell(model, carol, R::RoleRole).toString(), QStringLiteral("client"));
        QCOMPARE(cell(model, carol, R::PlatformRole).toString(), QStringLiteral("android"));
        // The admin's own device is listed, and offers neither action.
        const int self = rowOf(model, R::ThisDeviceRole, true);
        QVERIFY(self >= 0);
        QCOMPARE(cell(model, self, R::UserRole).toString(), QStringLiteral("ada"));
        QVERIFY(!cell(model, self, R::CanRevokeRole).toBool());
        QVERIFY(!cell(model, self, R::CanWipeRole).toBool());
        QVERIFY(!ui.visibleWith("revokeButton", "deviceKey",
                                QStringLiteral("ada/%1").arg(admin.client()->account().device)));
        // The page shows them.
        QVERIFY(until([&] {
            return ui.shows("deviceStatus", [](const QString& t) { return t == "Active"; });
        }));
        QVERIFY(ui.visibleWith("revokeButton", "deviceKey", phoneKey));

        // The filter narrows by user, name or id, in any case.
        QVERIFY(ui.type("deviceFilterField", "ALICE"));
        QCOMPARE(model->rowCount(), 2);
        QVERIFY(ui.type("deviceFilterField", "carol cl"));
        QCOMPARE(model->rowCount(), 1);
        QVERIFY(ui.type("deviceFilterField", "nobody"));
        QCOMPARE(model->rowCount(), 0);
        QCOMPARE(model->property("total").toInt(), 5);
        QVERIFY(ui.type("deviceFilterField", ""));
        QCOMPARE(model->rowCount(), 5);

        // Revoke Alice's phone: the confirmation names her and the device; cancelling does nothing.
        auto* dialog = ui.find("deviceActionDialog");
        QVERIFY(dialog);
        QVERIFY(!dialog->property("visible").toBool());
        QSignalSpy acted(ac, &qt::AdminController::actionFinished);
        QVERIFY(QMetaObject::invokeMethod(ui.visibleWith("revokeButton", "deviceKey", phoneKey),
                                          "clicked"));
        QVERIFY(until([&] { return dialog->property("opened").toBool(); }));
        const QString phoneNumber = QStringLiteral("#%1").arg(phone.account().device);
        QVERIFY(dialog->property("title").toString().startsWith(
            "Revoke device " + phoneNumber + " of " + qt::TextRuns::isolated("Alice Adams")));
        const QString revokeText = ui.deep("deviceActionText")->property("text").toString();
        QVERIFY2(revokeText.contains("Device " + phoneNumber + " of " +
                                     qt::TextRuns::isolated("Alice Adams") + " (" +
                                     qt::TextRuns::isolated("alice") + ")") &&
                     revokeText.contains("cut off"),
                 qPrintable(revokeText));
        QVERIFY(ui.shoot("admin-laptop-light-confirm"));
        QVERIFY(QMetaObject::invokeMethod(ui.deep("deviceActionCancel"), "clicked"));
        QVERIFY(until([&] { return !dialog->property("visible").toBool(); }));
        QTest::qWait(300);
        QCOMPARE(acted.count(), 0);
        QVERIFY(phone.isConnected());

        QVERIFY(QMetaObject::invokeMethod(ui.visibleWith("revokeButton", "deviceKey", phoneKey),
                                          "clicked"));
        QVERIFY(until([&] { return dialog->property("opened").toBool(); }));
        QVERIFY(QMetaObject::invokeMethod(ui.deep("deviceActionConfirm"), "clicked"));
        QVERIFY(acted.wait(20000));
        QCOMPARE(acted.first().at(0).toString(), QStringLiteral("revoke"));
        QCOMPARE(acted.first().at(1).toString(), QStringLiteral("alice"));
        QCOMPARE(acted.first().at(2).toInt(), int(phone.account().device));
        QVERIFY2(acted.first().at(3).toBool(), qPrintable(ac->error()));
        r = rowOf(model, R::KeyRole, phoneKey);
        QCOMPARE(cell(model, r, R::StatusRole).toString(), QStringLiteral("revoked"));
        QCOMPARE(cell(model, r, R::StatusTextRole).toString(), QStringLiteral("Revoked"));
        QVERIFY(!cell(model, r, R::CanRevokeRole).toBool());
        QVERIFY(cell(model, r, R::CanWipeRole).toBool());
        QVERIFY(until([&] { return !phone.isConnected(); })); // cut off at once
        QVERIFY(until([&] {
            return ui.shows("deviceStatus", [](const QString& t) { return t == "Revoked"; });
        }));
        QVERIFY(!ui.visibleWith("revokeButton", "deviceKey", phoneKey));
        QCOMPARE(cell(model, rowOf(model, R::KeyRole, laptopKey), R::StatusRole).toString(),
                 QStringLiteral("active"));

        // Wipe Alice's laptop, which is offline: pending until it connects.
        QVERIFY(QMetaObject::invokeMethod(ui.visibleWith("wipeButton", "deviceKey", laptopKey),
                                          "clicked"));
        QVERIFY(until([&] { return dialog->property("opened").toBool(); }));
        const QString laptopNumber = QStringLiteral("#%1").arg(laptop.account().device);
        QVERIFY(dialog->property("title").toString().startsWith(
            "Wipe device " + laptopNumber + " of " + qt::TextRuns::isolated("Alice Adams")));
        const QString wipeText = ui.deep("deviceActionText")->property("text").toString();
        QVERIFY2(wipeText.contains("Device " + laptopNumber + " of " +
                                   qt::TextRuns::isolated("Alice Adams") + " (" +
                                   qt::TextRuns::isolated("alice") + ")") &&
                     wipeText.contains("erase"),
                 qPrintable(wipeText));
        QVERIFY(QMetaObject::invokeMethod(ui.deep("deviceActionConfirm"), "clicked"));
        QVERIFY(acted.wait(20000));
        QCOMPARE(acted.last().at(0).toString(), QStringLiteral("wipe"));
        QVERIFY2(acted.last().at(3).toBool(), qPrintable(ac->error()));
        r = rowOf(model, R::KeyRole, laptopKey);
        QCOMPARE(cell(model, r, R::StatusRole).toString(), QStringLiteral("wipe pending"));
        QCOMPARE(cell(model, r, R::StatusTextRole).toString(), QStringLiteral("Wipe pending"));
        QVERIFY(!cell(model, r, R::CanWipeRole).toBool());
        QVERIFY(until([&] {
            return ui.shows("deviceStatus", [](const QString& t) { return t == "Wipe pending"; });
        }));
        QVERIFY(!ui.visibleWith("wipeButton", "deviceKey", laptopKey));
        QVERIFY(profileFilesExist(dir.path() + "/alice-laptop"));
        QVERIFY(ac->error().isEmpty());

        // Screenshots: laptop light and dark, phone light.
        QVERIFY(ui.shoot("admin-laptop-light"));
        ui.window->setProperty("darkTheme", true);
        QVERIFY(ui.shoot("admin-laptop-dark"));
        ui.window->setProperty("darkTheme", false);
        ui.window->resize(390, 844);
        QVERIFY(
            until([&] { return ui.visibleWith("wipeButton", "deviceKey", phoneKey) != nullptr; }));
        QVERIFY(ui.shoot("admin-phone-light"));

        // The laptop connects, erases itself and confirms; the admin sees when.
        laptop.start();
        QVERIFY(until([&] { return !profileFilesExist(dir.path() + "/alice-laptop"); }));
        QVERIFY(until([&] {
            refreshed.clear();
            if (!ui.click("refreshDevicesButton") || !refreshed.wait(20000)) return false;
            return cell(model, rowOf(model, R::KeyRole, laptopKey), R::StatusRole).toString() ==
                   "wiped";
        }));
        const QString wipedText =
            cell(model, rowOf(model, R::KeyRole, laptopKey), R::StatusTextRole).toString();
        QVERIFY2(wipedText.startsWith("Wiped at 20"), qPrintable(wipedText));
        QVERIFY(
            cell(model, rowOf(model, R::KeyRole, laptopKey), R::WipedRole).toDateTime().isValid());

        // Back to the chats; locking forgets the inventory and leaves the page.
        QVERIFY(ui.click("backButton"));
        QVERIFY(
            until([&] { return ui.find("conversationList") != nullptr && !ui.find("adminPage"); }));
        admin.session()->lock();
        QCOMPARE(model->rowCount(), 0);
        QVERIFY(!ac->updated().isValid());
    }

    // Linking another device from settings (staff): a one-time link shown as a QR code with its
    // validity, which enrolls a new device of the same user; closing forgets it. A client's
    // settings do not offer it, and the relay refuses a client anyway.
    void linkDeviceFromSettings() {
        e2e::Harness h;
        QVERIFY(h.ok());
        QVERIFY(h.service().createUser("alice", proto::ROLE_LAWYER, "Alice Adams", "test"));
        QTemporaryDir dir;
        qt::AppController lawyer(dir.path() + "/alice");
        QVERIFY2(joinStaff(h, lawyer, "alice", proto::ROLE_LAWYER, "Alice Adams"),
                 qPrintable(lawyer.error()));
        QVERIFY(lawyer.session()->canLinkDevice());
        Ui ui;
        QVERIFY(ui.load(lawyer, 390, 844, false));
        QVERIFY(until([&] { return ui.find("settingsButton") != nullptr; }));
        QVERIFY(!ui.find("adminDevicesButton")->property("visible").toBool()); // not an admin
        QVERIFY(ui.click("settingsButton"));
        auto* settings = ui.find("settingsDialog");
        QVERIFY(settings);
        QVERIFY(until([&] { return settings->property("opened").toBool(); }));
        auto* linkButton = ui.deep("linkDeviceButton");
        QVERIFY(linkButton && linkButton->property("visible").toBool());
        QVERIFY(until([&] { return lawyer.deviceLinking()->devices()->rowCount() == 1; }));
        QVERIFY(ui.shoot("settings-phone-light"));

        QSignalSpy made(lawyer.deviceLinking(), &qt::DeviceLinkController::deviceLinkFinished);
        const QDateTime before = QDateTime::currentDateTime();
        QVERIFY(QMetaObject::invokeMethod(linkButton, "clicked"));
        QVERIFY(made.wait(20000));
        QVERIFY2(made.first().first().toBool(), qPrintable(lawyer.error()));
        const QString link = lawyer.deviceLinking()->deviceLink();
        QVERIFY2(link.startsWith("verbatim://enroll?"), qPrintable(link.left(18)));
        QVERIFY(lawyer.deviceLinking()->deviceLinkExpires() >= before.addSecs(15 * 60));
        QVERIFY(lawyer.deviceLinking()->deviceLinkExpires() <=
                QDateTime::currentDateTime().addSecs(15 * 60));
        auto* linkDialog = ui.deep("linkDeviceDialog");
        QVERIFY(linkDialog);
        QVERIFY(until([&] { return linkDialog->property("opened").toBool(); }));
        auto* qr = ui.deep("deviceLinkQr");
        QVERIFY(qr);
        QVERIFY(until([&] {
            return qr->property("visible").toBool() && qr->property("status").toInt() == 1;
        })); // Image.Ready
        QVERIFY(qr->property("source").toUrl().toString().startsWith("image://qr/"));
        QVERIFY(qr->property("implicitWidth").toReal() > 100);
        QCOMPARE(ui.deep("deviceLinkField")->property("text").toString(), link);
        const QString expiry = ui.deep("deviceLinkExpiry")->property("text").toString();
        QVERIFY2(expiry.contains(lawyer.deviceLinking()->deviceLinkExpires().toString("hh:mm")) &&
                     expiry.contains("15 minutes"),
                 qPrintable(expiry));
        QVERIFY(ui.shoot("link-device-phone-light"));

        // The link enrolls another device of Alice's, once.
        client::JoinOptions o;
        o.platform = "desktop";
        auto second = client::Client::join((dir.path() + "/alice-2").toStdString(), kPass,
                                           link.toStdString(), o);
        QVERIFY2(second, second ? "" : second.error().message.c_str());
        QCOMPARE((*second)->account().user, std::string("alice"));
        QVERIFY((*second)->account().device != lawyer.client()->account().device);
        QVERIFY(!client::Client::join((dir.path() + "/alice-3").toStdString(), kPass,
                                      link.toStdString(), o));
        // The open app approved it by itself (it proved it holds the link's secret), and says
        // a device was added (issue 15 break 2).
        QVERIFY(until([&] {
            return lawyer.deviceLinking()->deviceNotice().contains("was added to your account");
        }));
        QCOMPARE(lawyer.deviceLinking()->deviceNoticeDevice(), 0);
        (*second)->start();
        QVERIFY((*second)->waitUntilSynced(20s));
        (*second)->stop();
        // A device the firm enrolls for Alice waits; the app asks, and Approve admits it.
        auto third = client::Client::join((dir.path() + "/alice-4").toStdString(), kPass,
                                          h.enrollLink("alice", proto::ROLE_LAWYER), o);
        QVERIFY(third);
        const int thirdDevice = int((*third)->account().device);
        QVERIFY(until([&] { return lawyer.deviceLinking()->deviceNoticeDevice() == thirdDevice; }));
        QVERIFY(lawyer.deviceLinking()->deviceNotice().contains("waits for your approval"));
        lawyer.deviceLinking()->approveDevice(thirdDevice);
        QVERIFY(until([&] {
            return lawyer.deviceLinking()->deviceNoticeDevice() == 0 &&
                   lawyer.deviceLinking()->deviceNotice().contains("approved");
        }));
        (*third)->start();
        QVERIFY((*third)->waitUntilSynced(20s));
        (*third)->stop();
        lawyer.deviceLinking()->dismissDeviceNotice();
        QVERIFY(lawyer.deviceLinking()->deviceNotice().isEmpty());

        // Closing the dialog forgets the link.
        QVERIFY(QMetaObject::invokeMethod(linkDialog, "close"));
        QVERIFY(until([&] { return lawyer.deviceLinking()->deviceLink().isEmpty(); }));
        QVERIFY(!lawyer.deviceLinking()->deviceLinkExpired());

        // A client: no button, and the relay says no.
        auto invite = lawyer.client()->createInvite("Estate of Roe");
        QVERIFY(invite);
        qt::AppController client(dir.path() + "/carol");
        QVERIFY(client.session()->join(QString::fromStdString(*invite), "Carol Client", kPass));
        QVERIFY(client.session()->acceptNotice());
        QVERIFY(!client.session()->canLinkDevice());
        Ui cui;
        QVERIFY(cui.load(client, 390, 844, false));
        QVERIFY(until([&] { return cui.find("settingsButton") != nullptr; }));
        QVERIFY(cui.click("settingsButton"));
        auto* clientSettings = cui.find("settingsDialog");
        QVERIFY(until([&] { return clientSettings->property("opened").toBool(); }));
        auto* clientLink = cui.deep("linkDeviceButton");
        QVERIFY(!clientLink || !clientLink->property("visible").toBool());
        QVERIFY(until([&] { return client.session()->connected(); }));
        QSignalSpy refused(client.deviceLinking(), &qt::DeviceLinkController::deviceLinkFinished);
        client.deviceLinking()->createDeviceLink();
        QVERIFY(refused.wait(20000));
        QVERIFY(!refused.first().first().toBool());
        QVERIFY(client.deviceLinking()->deviceLink().isEmpty());
        QVERIFY(!client.error().isEmpty());
    }

    // A remote wipe of the device whose app is open: the core erases the profile and the app
    // shows who erased it, with a way to set up again.
    void remoteWipeShowsErasedScreen() {
        e2e::Harness h;
        QVERIFY(h.ok());
        QVERIFY(h.service().createUser("ada", proto::ROLE_ADMIN, "Ada Admin", "test"));
        QVERIFY(h.service().createUser("bob", proto::ROLE_LAWYER, "Bob Baker", "test"));
        QTemporaryDir dir;
        client::JoinOptions o;
        auto admin = client::Client::join((dir.path() + "/ada").toStdString(), kPass,
                                          h.enrollLink("ada", proto::ROLE_ADMIN), o);
        QVERIFY(admin);
        (*admin)->start();
        QVERIFY(until([&] { return (*admin)->isConnected(); }));

        const QString profile = dir.path() + "/bob";
        qt::AppController bob(profile);
        QVERIFY2(joinStaff(h, bob, "bob", proto::ROLE_LAWYER, "Bob Baker"),
                 qPrintable(bob.error()));
        Ui ui;
        QVERIFY(ui.load(bob, 390, 844, false));
        QVERIFY(until([&] { return ui.find("conversationList") != nullptr; }));
        QVERIFY(profileFilesExist(profile));
        const auto device = bob.client()->account().device;

        QVERIFY((*admin)->adminWipe("bob", device));
        QVERIFY(until([&] { return bob.session()->screen() == "wiped"; }));
        QVERIFY(!bob.client());
        QVERIFY(!profileFilesExist(profile));
        QVERIFY(bob.session()->erasedByFirm());
        QCOMPARE(bob.session()->erasedFirm(), QStringLiteral("Test Firm LLP"));
        QVERIFY(until([&] { return ui.find("erasedPage") != nullptr; }));
        QVERIFY(until([&] { return !ui.find("conversationList"); }));
        QCOMPARE(ui.find("erasedTitle")->property("text").toString(),
                 QStringLiteral("This device was erased by Test Firm LLP"));
        QVERIFY(ui.find("erasedReason")
                    ->property("text")
                    .toString()
                    .contains("administrator erased this device's messages and keys"));
        QVERIFY(ui.shoot("erased-phone-light"));
        // The admin sees when.
        QVERIFY(until([&] {
            auto list = (*admin)->adminDevices("bob");
            return list && list->size() == 1 && list->front().wipedMs > 0;
        }));

        // Set up again: onboarding, with nothing of the old profile.
        QVERIFY(ui.click("setUpAgainButton"));
        QCOMPARE(bob.session()->screen(), QStringLiteral("onboarding"));
        QVERIFY(bob.session()->userId().isEmpty());
        QVERIFY(until([&] { return ui.find("linkField") != nullptr; }));
    }

    // The firm's policy at the unlock screen: each wrong passphrase says how many are left
    // (also after a restart of the app); the last one erases the device and the app says so.
    void unlockWarnsThenPolicyErases() {
        e2e::Harness h;
        QVERIFY(h.ok());
        h.setDevicePolicy(3, 7);
        QVERIFY(h.restart());
        QTemporaryDir dir;
        const QString profile = dir.path() + "/dana";
        qt::AppController dana(profile);
        QVERIFY2(joinStaff(h, dana, "dana", proto::ROLE_LAWYER, "Dana"), qPrintable(dana.error()));
        dana.session()->lock();
        QVERIFY(dana.session()->unlockWarning().isEmpty());
        Ui ui;
        QVERIFY(ui.load(dana, 390, 844, false));
        QVERIFY(until([&] { return ui.find("unlockPassphrase") != nullptr; }));
        // The key derivation runs off the GUI thread: an attempt is over when the session is no
        // longer busy.
        auto attempt = [&](const char* pass) {
            return ui.type("unlockPassphrase", pass) && ui.click("unlockButton") &&
                   until([&] { return !dana.session()->busy(); });
        };
        QVERIFY(attempt("wrong passphrase"));
        QCOMPARE(dana.session()->screen(), QStringLiteral("unlock"));
        QCOMPARE(dana.error(), QStringLiteral("Wrong passphrase."));
        QVERIFY(until([&] {
            return ui.shows("unlockWarning", [](const QString& t) {
                return t.contains("2 more and this device erases itself");
            });
        }));
        QVERIFY(ui.shoot("unlock-warning-phone-light"));
        QVERIFY(attempt("wrong again"));
        QVERIFY(until([&] {
            return ui.shows("unlockWarning", [](const QString& t) {
                return t.contains("1 more and this device erases itself");
            });
        }));
        // The count is the device's, not the window's: a restarted app warns at once.
        QVERIFY(qt::AppController(profile).session()->unlockWarning().startsWith(
            "1 more and this device erases itself"));
        QVERIFY(profileFilesExist(profile));

        QVERIFY(attempt("wrong a third time"));
        QCOMPARE(dana.session()->screen(), QStringLiteral("wiped"));
        QVERIFY(!profileFilesExist(profile));
        QVERIFY(!dana.session()->erasedByFirm());
        QVERIFY(dana.session()->erasedReason().contains("3 times"));
        QVERIFY(dana.session()->unlockWarning().isEmpty());
        QVERIFY(until([&] { return ui.find("erasedTitle") != nullptr; }));
        QCOMPARE(ui.find("erasedTitle")->property("text").toString(),
                 QStringLiteral("This device erased itself"));
        QVERIFY(dana.error().isEmpty());
        QVERIFY(until([&] { return !ui.find("unlockPassphrase"); }));
        QVERIFY(ui.shoot("erased-policy-phone-light"));
        QVERIFY(ui.click("setUpAgainButton"));
        QCOMPARE(dana.session()->screen(), QStringLiteral("onboarding"));
    }
};

QTEST_MAIN(TestAppDevices)
#include "tst_app_devices.moc"
