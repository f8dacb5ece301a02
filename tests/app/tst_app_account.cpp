// Issue 23, "Onboarding, lock, devices", in the app against a real relay over TLS: the
// passphrase typed twice with a show toggle and a strength hint (AB-06), the idle lock that
// closes the profile's store until the passphrase is entered again (ST-01, ST-07) and Ctrl+L,
// device names from QSysInfo that the user can change and the other devices show, and unlinking
// a lost device from the settings (the relay refuses another user's device). Screenshots of each
// screen, laptop and phone.

#include <QFile>
#include <QQuickItem>
#include <QQuickStyle>
#include <QQuickWindow>
#include <QSysInfo>
#include <QTemporaryDir>
#include <QtTest>
#include <mutex>

#include "AppHarness.h"
#include "client/qt/AdminDevicesModel.h"
#include "client/qt/AppController.h"
#include "client/qt/PassphraseStrength.h"
#include "client/qt/TextRuns.h"

using namespace verbatim;
using namespace verbatim::apptest;
using namespace std::chrono_literals;

namespace {

/// Emits `clicked` of the item named `name` wherever it is (an open dialog's content too).
bool clickDeep(Ui& ui, const char* name) {
    auto* o = ui.deep(name);
    return o && QMetaObject::invokeMethod(o, "clicked");
}

/// The events a bare client core reports, for checking what the relay did to it.
struct EventLog {
    std::mutex mutex;
    std::vector<client::Event::Kind> kinds;
    void attach(client::Client& c) {
        c.setEventHandler([this](const client::Event& e) {
            std::lock_guard lock(mutex);
            kinds.push_back(e.kind);
        });
    }
    int count(client::Event::Kind k) {
        std::lock_guard lock(mutex);
        return int(std::count(kinds.begin(), kinds.end(), k));
    }
};

/// The own-devices list of `app` as the relay lists it now (asked off the GUI thread).
bool refreshed(qt::AppController& app) {
    QSignalSpy spy(app.deviceLinking(), &qt::DeviceLinkController::devicesRefreshed);
    app.deviceLinking()->refreshDevices();
    return spy.wait(20000) && spy.first().first().toBool();
}

/// The row of device `device` in `app`'s own-devices list, or -1.
int deviceRow(qt::AppController& app, std::uint32_t device) {
    return rowOf(app.deviceLinking()->devices(), qt::DevicesModel::DeviceRole, device);
}

} // namespace

class TestAppAccount : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() { QQuickStyle::setStyle("Material"); }

    // AB-06: the hint grades what passes the rule, calls out common passwords and runs, and says
    // nothing of an empty field; the rule itself stays checkNewPassphrase()'s.
    void strengthHintGradesPassphrases() {
        using S = qt::PassphraseStrength;
        QCOMPARE(S::assess("").score, 0);
        QVERIFY(S::assess("").hint.isEmpty());
        QCOMPARE(S::assess("short").score, 0);
        QVERIFY(S::assess("short").hint.contains("at least 12 characters"));
        QCOMPARE(S::assess("aaaaaaaaaaaaaaaa").score, 0); // long but repetitive
        QCOMPARE(S::assess("Password2024!").score, 1);
        QVERIFY(S::assess("Password2024!").hint.startsWith("Weak"));
        QCOMPARE(S::assess("my qwerty keyboard").score, 1);
        QCOMPARE(S::assess("xx12345678zz").score, 1);
        QCOMPARE(S::assess("lmnopq river x").score, 1); // a run of letters
        // A common word inside another word is not that word.
        QVERIFY(S::assess("badminton harbour lemon").score >= 3);
        QCOMPARE(S::assess("rivertulipoak").score, 2);
        QVERIFY(S::assess("rivertulipoak").hint.startsWith("Fair"));
        QCOMPARE(S::assess("river tulip oak").score, 3); // three words
        QCOMPARE(S::assess("app test passphrase").score, 3);
        QCOMPARE(S::assess("Copper kettle, river tulip 1987").score, 4);
        QCOMPARE(S::assess("Copper kettle, river tulip 1987").hint, QStringLiteral("Strong."));
    }

    // The first-run page: the passphrase twice (a mismatch said plainly and Join disabled), the
    // show toggle, the hint changing as it is typed, and this device's name from QSysInfo,
    // editable; the relay keeps the name and the model, and the app shows them.
    void onboardingAsksTwiceAndNamesTheDevice() {
        e2e::Harness h;
        QVERIFY(h.ok());
        QTemporaryDir dir;
        qt::AppController app(dir.path() + "/alice");
        Ui ui;
        QVERIFY(ui.load(app, 390, 844, false));
        QVERIFY(until([&] { return ui.find("joinPassphrase") != nullptr; }));
        auto* join = ui.find("joinButton");
        auto* first = ui.find("joinPassphrase");
        auto* again = ui.find("joinPassphraseAgain");
        auto* hint = ui.find("joinPassphraseHint");
        auto* mismatch = ui.find("joinPassphraseMismatch");
        QVERIFY(join && first && again && hint && mismatch);
        QVERIFY(ui.type("linkField",
                        QString::fromStdString(h.enrollLink("alice", proto::ROLE_LAWYER))));
        QVERIFY(ui.type("nameField", "Alice Adams"));

        // The hint follows what is typed.
        QVERIFY(ui.type("joinPassphrase", "short"));
        QVERIFY(until(
            [&] { return hint->property("text").toString().contains("at least 12 characters"); }));
        QVERIFY(ui.type("joinPassphrase", "Password2024!"));
        QVERIFY(until([&] { return hint->property("text").toString().startsWith("Weak"); }));
        QVERIFY(ui.type("joinPassphraseAgain", "Password2024!"));
        // Weak but within the rule: warned, not refused (the rule is common/Passphrase.h's).
        QVERIFY(until([&] { return join->property("enabled").toBool(); }));
        const QString good = "Copper kettle, river tulip 1987";
        QVERIFY(ui.type("joinPassphrase", good));
        QVERIFY(until([&] { return hint->property("text").toString() == "Strong."; }));

        // Typed differently: said plainly, and Join stays off.
        QVERIFY(ui.type("joinPassphraseAgain", "Copper kettle, river tulip 1988"));
        QVERIFY(until([&] { return mismatch->property("visible").toBool(); }));
        QCOMPARE(mismatch->property("text").toString(),
                 QStringLiteral("The two passphrases are not the same."));
        QVERIFY(!join->property("enabled").toBool());
        QVERIFY(ui.shoot("onboarding-passphrase-mismatch-phone-light"));

        // Shown, then hidden again.
        const int password = 2;                                  // TextInput.Password
        QCOMPARE(first->property("echoMode").toInt(), password); // TextInput.Password
        auto* show = ui.find("joinShowPassphrase");
        QVERIFY(show);
        QVERIFY(show->setProperty("checked", true));
        QCOMPARE(first->property("echoMode").toInt(), 0); // TextInput.Normal
        QCOMPARE(again->property("echoMode").toInt(), 0);
        QVERIFY(show->setProperty("checked", false));
        QCOMPARE(first->property("echoMode").toInt(), password);

        // The laptop layout in the dark theme: a weak one, typed differently.
        {
            Ui wide;
            QVERIFY(wide.load(app, 1280, 800, true));
            QVERIFY(until([&] { return wide.find("joinPassphrase") != nullptr; }));
            QVERIFY(wide.type("joinPassphrase", "Password2024!"));
            QVERIFY(wide.type("joinPassphraseAgain", "Password2024"));
            QVERIFY(until([&] {
                return wide.find("joinPassphraseMismatch")->property("visible").toBool() &&
                       wide.find("joinPassphraseHint")
                           ->property("text")
                           .toString()
                           .startsWith("Weak");
            }));
            QVERIFY(wide.shoot("onboarding-passphrase-weak-laptop-dark"));
        }

        // This device's name: QSysInfo's, editable.
        auto* deviceName = ui.find("deviceNameField");
        QVERIFY(deviceName);
        const QString proposed = deviceName->property("text").toString();
        QVERIFY(!proposed.isEmpty());
        QCOMPARE(proposed, app.session()->defaultDeviceName());
        QVERIFY(proposed.contains(QSysInfo::prettyProductName().left(10)));
        QVERIFY(ui.type("deviceNameField", QString::fromUtf8("Alice\u2019s ThinkPad")));

        // The same twice: Join works.
        QVERIFY(ui.type("joinPassphraseAgain", good));
        QVERIFY(until([&] { return join->property("enabled").toBool(); }));
        QVERIFY(!mismatch->property("visible").toBool());
        QVERIFY(ui.shoot("onboarding-passphrase-strong-phone-light"));
        QVERIFY(ui.click("joinButton"));
        QVERIFY2(until([&] { return app.session()->screen() == "ready"; }),
                 qPrintable(app.error()));
        QVERIFY(until([&] { return app.session()->connected(); }));

        // The relay keeps the name and the model; the settings show them.
        auto devices = app.client()->devices();
        QVERIFY(devices && devices->size() == 1);
        QCOMPARE(QString::fromStdString(devices->front().name),
                 QString::fromUtf8("Alice\u2019s ThinkPad"));
        QCOMPARE(QString::fromStdString(devices->front().platform), app.session()->platformName());
        QVERIFY(devices->front().platform != "desktop");
        app.session()->lock();
        QVERIFY(app.session()->unlock(good));
    }

    // A device name that breaks the relay's rule is refused at registration and at renaming,
    // with the rule as the reason; nothing is kept.
    void relayRefusesBadDeviceNames() {
        e2e::Harness h;
        QVERIFY(h.ok());
        QTemporaryDir dir;
        client::JoinOptions o;
        o.deviceName = "Alice\x1b[2Jphone";
        const std::string link = h.enrollLink("alice", proto::ROLE_LAWYER);
        auto refused = client::Client::join((dir.path() + "/a").toStdString(), kPass, link, o);
        QVERIFY(!refused);
        QVERIFY2(refused.error().message.find("device name") != std::string::npos,
                 refused.error().message.c_str());
        o.deviceName = std::string(65, 'x');
        QVERIFY(!client::Client::join((dir.path() + "/b").toStdString(), kPass, link, o));
        o.deviceName = "Alice\xe2\x80\xaephone"; // a right-to-left override
        QVERIFY(!client::Client::join((dir.path() + "/c").toStdString(), kPass, link, o));
        o.deviceName = "Alice's phone";
        auto ok = client::Client::join((dir.path() + "/d").toStdString(), kPass, link, o);
        QVERIFY2(ok, ok ? "" : ok.error().message.c_str());
        (*ok)->start();
        QVERIFY((*ok)->waitUntilSynced(20s));
        auto rename = (*ok)->setDeviceName("tab\there");
        QVERIFY(!rename);
        QCOMPARE(rename.error().code, ErrorCode::InvalidArgument);
        QVERIFY(rename.error().message.find("control characters") != std::string::npos);
        auto list = (*ok)->devices();
        QVERIFY(list && list->size() == 1);
        QCOMPARE(list->front().name, std::string("Alice's phone"));
        (*ok)->stop();

        // The firm's administrator sees the name in the inventory too.
        auto admin = client::Client::join((dir.path() + "/admin").toStdString(), kPass,
                                          h.enrollLink("root", proto::ROLE_ADMIN), {});
        QVERIFY(admin);
        (*admin)->start();
        QVERIFY((*admin)->waitUntilSynced(20s));
        auto inventory = (*admin)->adminDevices("alice");
        QVERIFY(inventory && inventory->size() == 1);
        qt::AdminDevicesModel model;
        model.reset(*inventory);
        QCOMPARE(model.data(model.index(0), qt::AdminDevicesModel::DeviceNameRole).toString(),
                 QStringLiteral("Alice's phone"));
        (*admin)->stop();
    }

    // ST-01/ST-07: after the configured time without input the app locks: the core (and with it
    // the SQLCipher store and the profile key) is gone, the unlock page shows, and a message that
    // arrives meanwhile is not decrypted into the view; a wrong passphrase is refused in words,
    // the right one brings the message. Input keeps it open; "never" never locks; Ctrl+L locks.
    void idleLockClosesTheStoreUntilUnlocked() {
        e2e::Harness h;
        QVERIFY(h.ok());
        QTemporaryDir dir;
        qt::AppController lawyer(dir.path() + "/lawyer");
        qt::AppController client(dir.path() + "/client");
        QVERIFY(openMatter(h, lawyer, client, "Estate of Doe"));
        Ui ui;
        QVERIFY(ui.load(client, 1280, 800, false));
        QVERIFY(until([&] { return ui.find("messageInput") != nullptr; }));
        auto* idle = client.session()->idleLock();
        QCOMPARE(idle->minutes(), qt::IdleLock::kDefaultMinutes);
        QVERIFY(idle->armed());
        idle->setIntervalForTest(1500);

        // Input keeps it open.
        for (int i = 0; i < 10; ++i) {
            QTest::mouseMove(ui.window, QPoint(300 + i * 5, 300));
            QTest::qWait(300);
        }
        QCOMPARE(client.session()->screen(), QStringLiteral("ready"));
        QVERIFY(client.client() != nullptr);

        // Left alone, it locks.
        QSignalSpy locked(idle, &qt::IdleLock::lockedForIdle);
        QVERIFY(locked.wait(5000));
        QCOMPARE(client.session()->screen(), QStringLiteral("unlock"));
        QVERIFY(client.client() == nullptr); // the store is closed, the key dropped
        QCOMPARE(client.chat()->messages()->rowCount(), 0);
        QVERIFY(!idle->armed());
        QVERIFY(until([&] { return ui.find("unlockPassphrase") != nullptr; }));
        QVERIFY(until([&] { return !ui.find("messageInput"); }));
        QVERIFY(ui.shows("idleLockNote", [](const QString& t) {
            return t == QStringLiteral("Locked after 5 minutes without use.");
        }));

        // A message that arrives now waits at the relay, unread.
        const QString secret = "Settlement figure: 1.2m, privileged";
        QVERIFY(lawyer.chat()->send(secret));
        QVERIFY(lawyer.client()->waitForOutbox(20s));
        QTest::qWait(1000);
        QCOMPARE(client.chat()->messages()->rowCount(), 0);
        QVERIFY(ui.shoot("idle-locked-laptop-light"));

        // A wrong passphrase: refused in words, still locked.
        QVERIFY(ui.type("unlockPassphrase", "not the passphrase"));
        QVERIFY(ui.click("unlockButton"));
        QVERIFY(until([&] {
            return ui.shows("unlockError",
                            [](const QString& t) { return t == "Wrong passphrase."; });
        }));
        QCOMPARE(client.session()->screen(), QStringLiteral("unlock"));
        QVERIFY(client.client() == nullptr);

        // The right one: the message is there.
        QVERIFY(ui.type("unlockPassphrase", kPass));
        QVERIFY(ui.click("unlockButton"));
        QVERIFY(until([&] { return client.session()->screen() == "ready"; }));
        QVERIFY(idle->armed());
        QVERIFY(!idle->lockedByIdle());
        client.chat()->openConversation(
            cell(client.chat()->conversations(), 0, qt::ConversationListModel::IdRole).toString());
        QVERIFY(until([&] {
            return rowOf(client.chat()->messages(), qt::MessageListModel::BodyRole, secret) >= 0;
        }));

        // "Never": no lock however long; kept for the next start.
        idle->setMinutes(0);
        QTest::qWait(2500);
        QCOMPARE(client.session()->screen(), QStringLiteral("ready"));
        QCOMPARE(qt::AppController(dir.path() + "/client").session()->idleLock()->minutes(), 0);
        idle->setMinutes(15);
        QCOMPARE(qt::AppController(dir.path() + "/client").session()->idleLock()->minutes(), 15);

        // Ctrl+L locks at once.
        ui.window->requestActivate();
        QVERIFY(QTest::qWaitForWindowActive(ui.window) || true);
        QTest::keyClick(ui.window, Qt::Key_L, Qt::ControlModifier);
        QVERIFY(until([&] { return client.session()->screen() == "unlock"; }, 5000));
        QVERIFY(client.client() == nullptr);
    }

    // Device names in the other device's list, renaming this one from the settings, and
    // unlinking a lost device: asked first, revoked by the relay (its connection closes and the
    // next one is refused). Nobody unlinks another user's device, nor the device it runs on; a
    // client may not erase (the firm's policy does not allow it by default).
    void settingsNameAndUnlinkOwnDevices() {
        e2e::Harness h;
        QVERIFY(h.ok());
        QVERIFY(h.service().createUser("alice", proto::ROLE_LAWYER, "Alice Adams", "test"));
        QTemporaryDir dir;
        qt::AppController laptop(dir.path() + "/alice");
        QVERIFY(laptop.session()->join(
            QString::fromStdString(h.enrollLink("alice", proto::ROLE_LAWYER)), "Alice Adams", kPass,
            "Alice laptop"));
        QVERIFY(until([&] { return laptop.session()->connected(); }));

        // Her phone joins through a link from the laptop.
        auto link = laptop.client()->createDeviceLink();
        QVERIFY(link);
        qt::AppController phone(dir.path() + "/alice-phone");
        QVERIFY2(phone.session()->join(QString::fromStdString(*link), "Alice Adams", kPass,
                                       "Alice\u2019s phone"),
                 qPrintable(phone.error()));
        QVERIFY2(until([&] { return phone.session()->connected(); }), qPrintable(phone.error()));
        const auto phoneDevice = phone.client()->account().device;
        const auto laptopDevice = laptop.client()->account().device;

        // The laptop's settings list both with their names.
        Ui ui;
        QVERIFY(ui.load(laptop, 1280, 800, false));
        QVERIFY(until([&] { return ui.find("settingsButton") != nullptr; }));
        QVERIFY(ui.click("settingsButton"));
        auto* settings = ui.find("settingsDialog");
        QVERIFY(until([&] { return settings->property("opened").toBool(); }));
        QVERIFY(until([&] { return laptop.deviceLinking()->devices()->rowCount() == 2; }));
        QVERIFY(until([&] {
            const auto names = ui.visibleTexts("ownDeviceName");
            return names.contains(QString::fromUtf8("Alice\u2019s phone")) &&
                   names.contains(qt::TextRuns::isolated("Alice laptop") + " (this device)");
        }));
        QVERIFY(ui.shows("ownDeviceDetails", [&](const QString& t) {
            return t.contains(laptop.session()->platformName()) && t.contains("last seen");
        }));
        QCOMPARE(laptop.deviceLinking()->thisDeviceName(), QStringLiteral("Alice laptop"));
        QVERIFY(laptop.deviceLinking()->canEraseDevices()); // staff
        QVERIFY(ui.shoot("settings-devices-laptop-light"));

        // Changing the passphrase in the settings: typed twice, the same fields and hint.
        auto* change = ui.deep("changePassphraseButton");
        QVERIFY(change);
        QVERIFY(ui.deep("currentPassphrase")->setProperty("text", kPass));
        QVERIFY(
            ui.deep("changePassphrase")->setProperty("text", "Copper kettle, river tulip 1987"));
        QVERIFY(
            ui.deep("changePassphraseAgain")->setProperty("text", "Copper kettle, river tulip"));
        QVERIFY(until(
            [&] { return ui.deep("changePassphraseMismatch")->property("visible").toBool(); }));
        QVERIFY(!change->property("enabled").toBool());
        QCOMPARE(ui.deep("changePassphraseHint")->property("text").toString(),
                 QStringLiteral("Strong."));
        QVERIFY(ui.deep("changePassphraseAgain")
                    ->setProperty("text", "Copper kettle, river tulip 1987"));
        QVERIFY(until([&] { return change->property("enabled").toBool(); }));
        QVERIFY(ui.deep("changePassphrase")->setProperty("text", ""));
        QVERIFY(ui.deep("changePassphraseAgain")->setProperty("text", ""));
        QVERIFY(ui.deep("currentPassphrase")->setProperty("text", ""));

        // Renamed here, seen on the phone.
        QSignalSpy renamed(laptop.deviceLinking(), &qt::DeviceLinkController::renameFinished);
        QVERIFY(ui.deep("thisDeviceNameField")->setProperty("text", "Alice's ThinkPad"));
        QVERIFY(clickDeep(ui, "renameDeviceButton"));
        QVERIFY(renamed.wait(20000));
        QVERIFY2(renamed.first().first().toBool(), qPrintable(laptop.error()));
        QVERIFY(until([&] {
            return laptop.deviceLinking()->thisDeviceName() == QStringLiteral("Alice's ThinkPad");
        }));
        QVERIFY(refreshed(phone));
        const int laptopRow = deviceRow(phone, laptopDevice);
        QVERIFY(laptopRow >= 0);
        QCOMPARE(cell(phone.deviceLinking()->devices(), laptopRow, qt::DevicesModel::NameRole)
                     .toString(),
                 QStringLiteral("Alice's ThinkPad"));
        Ui phoneUi;
        QVERIFY(phoneUi.load(phone, 390, 844, false));
        QVERIFY(until([&] { return phoneUi.find("settingsButton") != nullptr; }));
        QVERIFY(phoneUi.click("settingsButton"));
        QVERIFY(until(
            [&] { return phoneUi.visibleTexts("ownDeviceName").contains("Alice's ThinkPad"); }));
        QVERIFY(phoneUi.shoot("settings-devices-phone-light"));

        // Nobody else's device, and not the one it runs on.
        qt::AppController carol(dir.path() + "/carol");
        auto invite = laptop.client()->createInvite("Estate of Roe");
        QVERIFY(invite);
        QVERIFY(carol.session()->join(QString::fromStdString(*invite), "Carol Client", kPass));
        QVERIFY(carol.session()->acceptNotice());
        QVERIFY(until([&] { return carol.session()->connected(); }));
        auto foreign = carol.client()->unlinkDevice(phoneDevice, false, "alice");
        QVERIFY(!foreign);
        QCOMPARE(foreign.error().code, ErrorCode::AuthFailed);
        auto erase = carol.client()->unlinkDevice(2, true);
        QVERIFY(!erase);
        QCOMPARE(erase.error().code, ErrorCode::AuthFailed); // the firm's policy
        QVERIFY(refreshed(carol));
        QVERIFY(!carol.deviceLinking()->canEraseDevices());
        auto self = laptop.client()->unlinkDevice(laptopDevice, false);
        QVERIFY(!self);
        QCOMPARE(self.error().code, ErrorCode::InvalidArgument);
        QVERIFY(phone.session()->connected());

        // Unlink asks first; Cancel changes nothing.
        QVERIFY(refreshed(laptop));
        auto* unlink =
            ui.visibleWith("unlinkDeviceButton", "deviceNumber", QString::number(phoneDevice));
        QVERIFY(unlink);
        QVERIFY(!ui.visibleWith("unlinkDeviceButton", "deviceNumber",
                                QString::number(laptopDevice))); // not for this device
        QVERIFY(QMetaObject::invokeMethod(unlink, "clicked"));
        auto* confirm = ui.deep("unlinkConfirm");
        QVERIFY(confirm);
        QVERIFY(until([&] { return confirm->property("opened").toBool(); }));
        QVERIFY(ui.deep("unlinkConfirmText")
                    ->property("text")
                    .toString()
                    .contains(QString::fromUtf8("Alice\u2019s phone")));
        QVERIFY(ui.shoot("settings-unlink-confirm-laptop-light"));
        QVERIFY(QMetaObject::invokeMethod(confirm, "reject"));
        QVERIFY(until([&] { return !confirm->property("visible").toBool(); }));
        QTest::qWait(300);
        QVERIFY(phone.session()->connected());

        // Confirmed: the relay revokes it, its connection closes, and it stays out.
        QSignalSpy unlinked(laptop.deviceLinking(), &qt::DeviceLinkController::unlinkFinished);
        QVERIFY(QMetaObject::invokeMethod(unlink, "clicked"));
        QVERIFY(until([&] { return confirm->property("opened").toBool(); }));
        QVERIFY(QMetaObject::invokeMethod(confirm, "accept"));
        QVERIFY(unlinked.wait(20000));
        QVERIFY2(unlinked.first().first().toBool(), qPrintable(laptop.error()));
        QVERIFY(until([&] { return !phone.session()->connected(); }));
        QVERIFY(until([&] { return phone.error().contains("unlinked"); }));
        QVERIFY(until([&] {
            const int row = deviceRow(laptop, phoneDevice);
            return row >= 0 && cell(laptop.deviceLinking()->devices(), row,
                                    qt::DevicesModel::StatusRole) == "revoked";
        }));
        auto rows = h.service().listDevices("alice");
        QVERIFY(rows);
        for (const auto& r : *rows)
            QCOMPARE(r.revokedMs != 0, r.device == phoneDevice);
        // Its next connection is refused.
        phone.session()->lock();
        phone.clearError();
        QVERIFY(phone.session()->unlock(kPass));
        QVERIFY(until([&] { return phone.error().contains("unlinked"); }));
        QTest::qWait(500);
        QVERIFY(!phone.session()->connected());
        QVERIFY(laptop.session()->connected());
    }

    // Unlink and erase (staff): the lost device gets the firm's signed wipe command when it next
    // connects, and erases its profile.
    void unlinkAndEraseWipesTheLostDevice() {
        e2e::Harness h;
        QVERIFY(h.ok());
        QTemporaryDir dir;
        qt::AppController laptop(dir.path() + "/alice");
        QVERIFY(joinStaff(h, laptop, "alice", proto::ROLE_LAWYER, "Alice Adams"));
        auto link = laptop.client()->createDeviceLink();
        QVERIFY(link);
        client::JoinOptions o;
        o.deviceName = "Lost tablet";
        const std::string tabletDir = (dir.path() + "/tablet").toStdString();
        auto tablet = client::Client::join(tabletDir, kPass, *link, o);
        QVERIFY(tablet);
        const auto device = (*tablet)->account().device;
        (*tablet)->start();
        QVERIFY((*tablet)->waitUntilSynced(20s));
        (*tablet)->stop();
        tablet->reset(); // lost: offline

        QSignalSpy unlinked(laptop.deviceLinking(), &qt::DeviceLinkController::unlinkFinished);
        laptop.deviceLinking()->unlinkDevice(int(device), true);
        QVERIFY(unlinked.wait(20000));
        QVERIFY2(unlinked.first().first().toBool(), qPrintable(laptop.error()));
        QVERIFY(laptop.deviceLinking()->deviceNotice().contains("erases itself"));

        // It comes back online: the wipe comes first, and the profile is gone.
        auto back = client::Client::open(tabletDir, kPass);
        QVERIFY(back);
        EventLog log;
        log.attach(**back);
        (*back)->start();
        QVERIFY(until([&] { return log.count(client::Event::Kind::Wiped) == 1; }));
        (*back)->stop();
        back->reset();
        QVERIFY(!client::Client::profileExists(tabletDir));
    }
};

QTEST_MAIN(TestAppAccount)
#include "tst_app_account.moc"
