// The chat through the Qt layer against a real relay: every list model under
// QAbstractItemModelTester from before any data arrives (joins, 130 messages, paging, edits,
// retractions, search, lock and a wrong passphrase); the QML screens driven offscreen (join by
// invite, recording notice, send, receive, edit, retract placeholder) with screenshots of the
// main screens at phone and laptop size in both themes, checked for not being blank (ES-12 UI
// half); the safety number screen and a changed identity that holds sending (C-SN-2); the
// journaling notice keeping its height to its text across a resize.

#include <QAbstractItemModelTester>
#include <QDir>
#include <QFile>
#include <QQuickItem>
#include <QQuickStyle>
#include <QQuickWindow>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QtTest>

#include "AppHarness.h"
#include "client/qt/AppController.h"

using namespace verbatim;
using namespace verbatim::apptest;
using namespace std::chrono_literals;

class TestAppChat : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() { QQuickStyle::setStyle("Material"); }

    // Every model under QAbstractItemModelTester from before the first row, through joins,
    // messages, edits, retractions, paging and search.
    void modelsStayConsistent() {
        e2e::Harness h;
        QVERIFY(h.ok());
        QTemporaryDir dir;
        qt::AppController lawyer(dir.path() + "/lawyer");
        QAbstractItemModelTester t1(lawyer.chat()->conversations(),
                                    QAbstractItemModelTester::FailureReportingMode::QtTest);
        QAbstractItemModelTester t2(lawyer.chat()->messages(),
                                    QAbstractItemModelTester::FailureReportingMode::QtTest);
        QAbstractItemModelTester t3(lawyer.chat()->searchResults(),
                                    QAbstractItemModelTester::FailureReportingMode::QtTest);
        QAbstractItemModelTester t4(lawyer.chat()->participants(),
                                    QAbstractItemModelTester::FailureReportingMode::QtTest);
        QAbstractItemModelTester t5(lawyer.deviceLinking()->devices(),
                                    QAbstractItemModelTester::FailureReportingMode::QtTest);
        QCOMPARE(lawyer.session()->screen(), QStringLiteral("onboarding"));
        QVERIFY2(lawyer.session()->join(
                     QString::fromStdString(h.enrollLink("alice", proto::ROLE_LAWYER)),
                     "Alice Adams", kPass),
                 qPrintable(lawyer.error()));
        QCOMPARE(lawyer.session()->screen(), QStringLiteral("ready"));
        QVERIFY(until([&] { return lawyer.session()->connected(); }));
        auto* core = lawyer.client();
        auto invite = core->createInvite("Estate of Doe");
        QVERIFY(invite);

        QTemporaryDir cdir;
        qt::AppController client(cdir.path() + "/client");
        QAbstractItemModelTester c1(client.chat()->messages(),
                                    QAbstractItemModelTester::FailureReportingMode::QtTest);
        QVERIFY(client.session()->join(QString::fromStdString(*invite), "Carol Client", kPass));
        QCOMPARE(client.session()->screen(),
                 QStringLiteral("notice")); // before the first message (ES-12)
        QVERIFY(!client.chat()->send("too early"));
        QVERIFY(client.session()->acceptNotice());
        QCOMPARE(client.session()->screen(), QStringLiteral("ready"));
        QVERIFY(until([&] { return client.chat()->conversations()->rowCount() == 1; }));
        client.chat()->openConversation(client.chat()
                                            ->conversations()
                                            ->data(client.chat()->conversations()->index(0, 0),
                                                   qt::ConversationListModel::IdRole)
                                            .toString());
        QCOMPARE(client.chat()->currentTitle(), QStringLiteral("Estate of Doe"));
        QVERIFY(client.chat()->currentIsMatter());

        QVERIFY(until([&] { return lawyer.chat()->conversations()->rowCount() == 1; }));
        const QString conv =
            cell(lawyer.chat()->conversations(), 0, qt::ConversationListModel::IdRole).toString();
        lawyer.chat()->openConversation(conv);
        QCOMPARE(lawyer.chat()->participants()->rowCount(), 2);
        for (int i = 0; i < 130; ++i)
            QVERIFY(lawyer.chat()->send(QStringLiteral("message %1").arg(i)));
        QVERIFY(core->waitForOutbox(30s));
        auto* cm = client.chat()->messages();
        QVERIFY(
            until([&] { return rowOf(cm, qt::MessageListModel::BodyRole, "message 129") >= 0; }));
        // Paging (on a model of its own: the tester itself fetches everything): opening loads
        // the newest page; older ones come with fetchMore.
        {
            qt::MessageListModel pager;
            pager.open(client.client(), client.chat()->currentConversation());
            QCOMPARE(pager.rowCount(), int(qt::MessageListModel::kPage));
            QVERIFY(pager.canFetchMore({}));
            QVERIFY(rowOf(&pager, qt::MessageListModel::BodyRole, "message 0") < 0);
            while (pager.canFetchMore({}))
                pager.fetchMore({});
            QVERIFY(rowOf(&pager, qt::MessageListModel::BodyRole, "message 0") >= 0);
        }
        QVERIFY(rowOf(cm, qt::MessageListModel::BodyRole, "message 0") >= 0);

        const QString id = cell(cm, rowOf(cm, qt::MessageListModel::BodyRole, "message 129"),
                                qt::MessageListModel::IdRole)
                               .toString();
        QVERIFY(lawyer.chat()->edit(id, "message 129, corrected"));
        QVERIFY(until([&] {
            int r = rowOf(cm, qt::MessageListModel::IdRole, id);
            return r >= 0 && cell(cm, r, qt::MessageListModel::EditedRole).toBool();
        }));
        QCOMPARE(
            cell(cm, rowOf(cm, qt::MessageListModel::IdRole, id), qt::MessageListModel::BodyRole)
                .toString(),
            QStringLiteral("message 129, corrected"));
        QVERIFY(lawyer.chat()->retract(id));
        QVERIFY(until([&] {
            return cell(cm, rowOf(cm, qt::MessageListModel::IdRole, id),
                        qt::MessageListModel::RetractedRole)
                .toBool();
        }));
        QVERIFY(
            cell(cm, rowOf(cm, qt::MessageListModel::IdRole, id), qt::MessageListModel::BodyRole)
                .toString()
                .isEmpty());

        client.chat()->search("corrected");
        QCOMPARE(client.chat()->searchResults()->rowCount(), 0);
        client.chat()->search("message");
        QVERIFY(client.chat()->searchResults()->rowCount() > 0);

        // Safety number: the same digits on both sides.
        const QString sn = client.chat()->safetyNumber("alice");
        QCOMPARE(sn.size(), 60);
        QCOMPARE(
            lawyer.chat()->safetyNumber(QString::fromStdString(client.client()->account().user)),
            sn);

        // An attachment from the app: uploaded in the background, received by the lawyer.
        {
            QTemporaryDir files;
            QFile f(files.filePath("scan.pdf"));
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(QByteArray(200 * 1024, 'x'));
            f.close();
            QSignalSpy done(client.attachments(), &qt::AttachmentsController::attachmentDone);
            QVERIFY(client.attachments()->attach(QUrl::fromLocalFile(f.fileName())));
            QCOMPARE(client.attachments()->uploading(), QStringLiteral("scan.pdf"));
            QVERIFY(done.wait(20000));
            QVERIFY(done.first().first().toBool());
            QVERIFY(client.attachments()->uploading().isEmpty());
            auto* lm = lawyer.chat()->messages();
            QVERIFY(until([&] {
                return rowOf(lm, qt::MessageListModel::AttachmentNameRole, "scan.pdf") >= 0;
            }));
            QCOMPARE(cell(lm, rowOf(lm, qt::MessageListModel::AttachmentNameRole, "scan.pdf"),
                          qt::MessageListModel::AttachmentSizeRole)
                         .toULongLong(),
                     200ull * 1024);
        }

        // Change the passphrase: the old one no longer unlocks.
        QVERIFY(!client.session()->changePassphrase("not it", "a new passphrase"));
        QVERIFY(client.session()->changePassphrase(kPass, "a new passphrase"));

        // The lawyer's devices, as the relay lists them (asked off the GUI thread).
        QSignalSpy devicesRefreshed(lawyer.deviceLinking(),
                                    &qt::DeviceLinkController::devicesRefreshed);
        lawyer.deviceLinking()->refreshDevices();
        QVERIFY(devicesRefreshed.wait(20000));
        QVERIFY(devicesRefreshed.first().first().toBool());
        QCOMPARE(lawyer.deviceLinking()->devices()->rowCount(), 1);
        QVERIFY(
            cell(lawyer.deviceLinking()->devices(), 0, qt::DevicesModel::ThisDeviceRole).toBool());
        QCOMPARE(
            cell(lawyer.deviceLinking()->devices(), 0, qt::DevicesModel::StatusRole).toString(),
            QStringLiteral("active"));
        QCOMPARE(
            cell(lawyer.deviceLinking()->devices(), 0, qt::DevicesModel::PlatformRole).toString(),
            lawyer.session()->platformName()); // QSysInfo's, not "desktop" for all (issue 23)

        // Lock and unlock.
        client.session()->lock();
        QCOMPARE(client.session()->screen(), QStringLiteral("unlock"));
        QCOMPARE(client.chat()->messages()->rowCount(), 0);
        QVERIFY(!client.session()->unlock("wrong passphrase"));
        QCOMPARE(client.error(), QStringLiteral("Wrong passphrase."));
        QVERIFY(!client.session()->unlock(kPass));
        QVERIFY(client.session()->unlock("a new passphrase"));
        QCOMPARE(client.session()->screen(), QStringLiteral("ready"));
    }

    // The screens, driven through QML: join by invite, accept the notice, send, receive, edit,
    // retract (placeholder shown); then screenshots at both sizes and in both themes.
    void screensAndScreenshots() {
        e2e::Harness h;
        QVERIFY(h.ok());
        QTemporaryDir dir;
        qt::AppController lawyer(dir.path() + "/lawyer");
        QVERIFY2(joinStaff(h, lawyer, "alice", proto::ROLE_LAWYER, "Alice Adams"),
                 qPrintable(lawyer.error()));
        auto invite = lawyer.client()->createInvite("Estate of Doe");
        QVERIFY(invite);

        qt::AppController client(dir.path() + "/client");
        Ui ui;
        QVERIFY(ui.load(client, 390, 844, false));
        QVERIFY(QTest::qWaitForWindowExposed(ui.window) || true);
        QCOMPARE(client.session()->screen(), QStringLiteral("onboarding"));
        QVERIFY(until([&] { return ui.find("linkField") != nullptr; }));
        QVERIFY(ui.type("linkField", QString::fromStdString(*invite)));
        QVERIFY(ui.type("nameField", "Carol Client"));
        QVERIFY(ui.type("joinPassphrase", kPass));
        QVERIFY(ui.type("joinPassphraseAgain", kPass));
        QVERIFY(ui.click("joinButton"));
        QVERIFY2(until([&] { return client.session()->screen() == "notice"; }),
                 qPrintable(client.error()));
        QVERIFY(until([&] { return ui.find("acceptNotice") != nullptr; }));
        QTest::qWait(500);
        QImage noticeShot = ui.window->grabWindow();
        QVERIFY(ui.click("acceptNotice"));
        QVERIFY(until([&] { return client.session()->screen() == "ready"; }));
        QVERIFY(until([&] { return client.chat()->conversations()->rowCount() == 1; }));
        client.chat()->openConversation(
            cell(client.chat()->conversations(), 0, qt::ConversationListModel::IdRole).toString());

        // ES-12: the journaling notice sits above the first message, for the client...
        QVERIFY(until([&] {
            return ui.find("journalNotice") &&
                   ui.find("journalNotice")->property("visible").toBool();
        }));

        // Send through the composer.
        QVERIFY(until([&] { return ui.find("messageInput") != nullptr; }));
        QVERIFY(ui.type("messageInput", "Hello, I have questions about the will."));
        QVERIFY(ui.click("sendButton"));
        QVERIFY(until([&] {
            return rowOf(client.chat()->messages(), qt::MessageListModel::BodyRole,
                         "Hello, I have questions about the will.") >= 0;
        }));
        QVERIFY(ui.find("messageInput")->property("text").toString().isEmpty());

        // Receive, edit and retract from the lawyer.
        const std::string conv = *lawyer.client()->resolveConversation("Estate of Doe");
        lawyer.chat()->openConversation(QString::fromStdString(conv));
        QVERIFY(lawyer.chat()->send("Of course. Which clause?"));
        QVERIFY(lawyer.chat()->send("Also: the meeting is on Tuesday at 10."));
        auto* cm = client.chat()->messages();
        QVERIFY(until([&] {
            return rowOf(cm, qt::MessageListModel::BodyRole,
                         "Also: the meeting is on Tuesday at 10.") >= 0;
        }));
        const QString wrong = cell(lawyer.chat()->messages(),
                                   rowOf(lawyer.chat()->messages(), qt::MessageListModel::BodyRole,
                                         "Of course. Which clause?"),
                                   qt::MessageListModel::IdRole)
                                  .toString();
        QVERIFY(lawyer.chat()->edit(wrong, "Of course. Which clause do you mean?"));
        const QString gone = cell(lawyer.chat()->messages(),
                                  rowOf(lawyer.chat()->messages(), qt::MessageListModel::BodyRole,
                                        "Also: the meeting is on Tuesday at 10."),
                                  qt::MessageListModel::IdRole)
                                 .toString();
        QVERIFY(lawyer.chat()->retract(gone));
        QVERIFY(until([&] {
            return cell(cm, rowOf(cm, qt::MessageListModel::IdRole, gone),
                        qt::MessageListModel::RetractedRole)
                .toBool();
        }));
        QVERIFY(until([&] {
            return cell(cm, rowOf(cm, qt::MessageListModel::IdRole, wrong),
                        qt::MessageListModel::EditedRole)
                .toBool();
        }));
        QTest::qWait(300);

        // ... and for the lawyer.
        {
            Ui lawyerUi;
            QVERIFY(lawyerUi.load(lawyer, 1280, 800, false));
            QVERIFY(until([&] {
                auto* n = lawyerUi.find("journalNotice");
                return n && n->property("visible").toBool();
            }));
        }

        // Screenshots: chat at phone size, then the other sizes and themes.
        const QString out = screenshotDir();
        auto shoot = [&](const QString& name) {
            QVERIFY2(ui.shoot(name), qPrintable(name + " looks blank or was not saved"));
        };
        QVERIFY(colours(noticeShot) > 4);
        noticeShot.save(out + "/phone-light-notice.png");
        shoot("phone-light-chat");
        client.chat()->closeConversation();
        shoot("phone-light-list");
        client.chat()->openConversation(QString::fromStdString(conv));
        ui.window->resize(1280, 800);
        shoot("laptop-light-chat");

        Ui dark;
        QVERIFY(dark.load(client, 1280, 800, true));
        QTest::qWait(200);
        QImage d = dark.window->grabWindow();
        QVERIFY(colours(d) > 12);
        d.save(out + "/laptop-dark-chat.png");
        dark.window->resize(390, 844);
        QTest::qWait(400);
        d = dark.window->grabWindow();
        QVERIFY(colours(d) > 12);
        d.save(out + "/phone-dark-chat.png");
    }

    // The safety number screen (issue 5): from matter info, the number with the lawyer in twelve
    // groups of five (the same as the controller's); then the lawyer's device is lost and the firm
    // enrolls a new one (a new identity no device of hers approved), Carol's next message is
    // held, the banner appears, the dialog says the number changed and shows the new one;
    // accepting clears the banner and the held message reaches the new device.
    void safetyNumberScreenAndChange() {
        e2e::Harness h;
        QVERIFY(h.ok());
        QTemporaryDir dir;
        qt::AppController lawyer(dir.path() + "/lawyer");
        qt::AppController client(dir.path() + "/client");
        QVERIFY2(openMatter(h, lawyer, client, "Estate of Hale"),
                 qPrintable(client.error() + lawyer.error()));
        QVERIFY(client.chat()->send("first"));
        QVERIFY(until([&] {
            return rowOf(lawyer.chat()->messages(), qt::MessageListModel::BodyRole, "first") >= 0;
        }));
        Ui ui;
        QVERIFY(ui.load(client, 390, 844, false));
        QVERIFY(until([&] {
            return ui.find("phoneInfoButton") &&
                   ui.find("phoneInfoButton")->property("visible").toBool();
        }));
        auto* banner = ui.find("safetyBanner");
        QVERIFY(banner && !banner->property("visible").toBool());

        // Matter info, then the safety number with Alice.
        QVERIFY(ui.click("phoneInfoButton"));
        auto* info = ui.find("matterInfo");
        QVERIFY(info);
        QVERIFY(until([&] { return info->property("opened").toBool(); }));
        QQuickItem* button = nullptr;
        QVERIFY(until([&] {
            return (button = ui.visibleWith("safetyNumberButton", "participant", "alice")) !=
                   nullptr;
        }));
        QVERIFY(!ui.visibleWith("safetyNumberButton", "participant",
                                client.session()->userId())); // not with oneself
        QVERIFY(QMetaObject::invokeMethod(button, "clicked"));
        auto* dialog = ui.find("safetyNumberDialog");
        QVERIFY(dialog);
        QVERIFY(until([&] { return dialog->property("opened").toBool(); }));
        const QString before = client.chat()->safetyNumber("alice");
        QCOMPARE(before.size(), 60);
        auto groups = [&] { return visibleTexts(ui.findItems("safetyDigitGroup")); };
        QVERIFY(until([&] { return groups().join(QString()) == before; }));
        QCOMPARE(groups().size(), 12);
        for (const QString& g : groups())
            QVERIFY2(QRegularExpression("^[0-9]{5}$").match(g).hasMatch(), qPrintable(g));
        QVERIFY(!ui.find("safetyChangedNotice")->property("visible").toBool());
        QVERIFY(!ui.find("acceptSafetyButton")->property("visible").toBool());
        QVERIFY(dialog->property("title").toString() == "Safety number");
        QVERIFY(ui.shoot("safety-number-phone-light"));
        QVERIFY(QMetaObject::invokeMethod(dialog, "close"));
        QVERIFY(QMetaObject::invokeMethod(info, "close"));
        QVERIFY(until([&] {
            return !dialog->property("visible").toBool() && !info->property("visible").toBool();
        }));

        // Alice loses her device: the firm revokes it and enrolls a new first device, new
        // identity keys that no device of hers approved (issue 15 break 2).
        QVERIFY(h.service().revokeDevice("alice", lawyer.client()->account().device, "test"));
        client::JoinOptions o;
        o.platform = "desktop";
        auto alice2 = client::Client::join((dir.path() + "/alice-2").toStdString(), kPass,
                                           h.enrollLink("alice", proto::ROLE_LAWYER), o);
        QVERIFY2(alice2, alice2 ? "" : alice2.error().message.c_str());
        (*alice2)->start();
        QVERIFY((*alice2)->waitUntilSynced(20s));

        // Carol's next message is held; the banner says why.
        QVERIFY(ui.type("messageInput", "second, after the new device"));
        QVERIFY(ui.click("sendButton"));
        auto* cm = client.chat()->messages();
        QVERIFY(until([&] {
            const int r = rowOf(cm, qt::MessageListModel::BodyRole, "second, after the new device");
            return r >= 0 && cell(cm, r, qt::MessageListModel::StateRole).toString() == "blocked";
        }));
        const QString held =
            cell(cm, rowOf(cm, qt::MessageListModel::BodyRole, "second, after the new device"),
                 qt::MessageListModel::IdRole)
                .toString();
        QVERIFY(until([&] { return client.chat()->safetyChangedUser() == "alice"; }));
        QVERIFY(until([&] { return banner->property("visible").toBool(); }));
        QTest::qWait(300);
        QVERIFY(!(*alice2)->message(held.toStdString()).value().has_value());

        // The banner's Verify: the changed number, and Accept.
        QVERIFY(ui.click("safetyVerifyButton"));
        auto* bannerDialog = ui.find("bannerSafetyDialog");
        QVERIFY(bannerDialog);
        QVERIFY(until([&] { return bannerDialog->property("opened").toBool(); }));
        const QString after = client.chat()->safetyNumber("alice");
        QVERIFY(after != before);
        QVERIFY(until([&] { return groups().join(QString()) == after; }));
        QVERIFY(bannerDialog->property("changed").toBool());
        QObject* notice = nullptr;
        QObject* accept = nullptr;
        for (auto* item : ui.findItems("safetyChangedNotice"))
            if (item->isVisible()) notice = item;
        for (auto* item : ui.findItems("acceptSafetyButton"))
            if (item->isVisible()) accept = item;
        QVERIFY(notice && accept);
        QVERIFY(ui.shoot("safety-number-changed-phone-light"));
        QVERIFY(QMetaObject::invokeMethod(accept, "clicked"));
        QVERIFY(until([&] { return !bannerDialog->property("visible").toBool(); }));
        QVERIFY(client.chat()->safetyChangedUser().isEmpty());
        QVERIFY(until([&] { return !banner->property("visible").toBool(); }));
        QVERIFY(!client.chat()->safetyNumberChanged("alice"));
        QVERIFY(until([&] {
            auto m = (*alice2)->message(held.toStdString());
            return m && m->has_value() && (*m)->body == "second, after the new device";
        }));
        QVERIFY(until([&] {
            return cell(cm, rowOf(cm, qt::MessageListModel::IdRole, held),
                        qt::MessageListModel::StateRole)
                       .toString() != "blocked";
        }));
    }

    // The journaling notice above a matter is as high as its text: on a phone, where it wraps,
    // and after the window grows to laptop width (a new chat pane beside the list, laid out
    // while its width settles), where it is one line.
    void journalNoticeFollowsTheWidth() {
        e2e::Harness h;
        QVERIFY(h.ok());
        QTemporaryDir dir;
        qt::AppController lawyer(dir.path() + "/lawyer");
        qt::AppController client(dir.path() + "/client");
        QVERIFY2(openMatter(h, lawyer, client, "Estate of Lee"),
                 qPrintable(client.error() + lawyer.error()));
        Ui ui;
        QVERIFY(ui.load(client, 390, 844));
        auto notice = [&] {
            auto* item = qobject_cast<QQuickItem*>(ui.find("journalNotice"));
            return item && item->isVisible() && item->width() > 0 ? item : nullptr;
        };
        auto fits = [&] {
            auto* n = notice();
            return n && n->height() == n->implicitHeight();
        };
        auto describe = [&] {
            auto* n = notice();
            return n ? QStringLiteral("%1 px high, its text %2")
                           .arg(n->height())
                           .arg(n->implicitHeight())
                     : QStringLiteral("not shown");
        };
        QVERIFY2(until(fits), qPrintable(describe()));
        const qreal onPhone = notice()->height();
        ui.window->resize(1280, 800);
        QVERIFY(until([&] { return notice() && notice()->width() > 600; }));
        QVERIFY2(until([&] { return fits() && notice()->height() < onPhone; }, 3000),
                 qPrintable(QStringLiteral("%1 px high on the phone; on the laptop %2")
                                .arg(onPhone)
                                .arg(describe())));
        QVERIFY2(notice()->height() < 40, qPrintable(describe()));
    }
};

QTEST_MAIN(TestAppChat)
#include "tst_app_chat.moc"
