// Issue 23 (Onboarding, lock, devices): a message that a history transfer brought to a newly
// linked device is a copy this device did not receive itself and could not verify (profile
// schema v6, imported_from_device). Against a real relay over TLS: Alice's first device sends a
// message, links a second device and sends it her history; on the second device the message's
// info sheet says where the copy came from and that it is not verified, and the same message on
// the first device says nothing of the kind. The matter is open on the second device when the
// history lands, and shows the older message without being opened again. Screenshot:
// message-info-imported.png.

#include <QQuickItem>
#include <QQuickStyle>
#include <QQuickWindow>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

#include "AppHarness.h"
#include "client/qt/AppController.h"
#include "client/qt/ChatController.h"
#include "client/qt/DeviceLinkController.h"
#include "client/qt/MessageInfoModel.h"
#include "client/qt/Models.h"

using namespace verbatim;
using namespace verbatim::apptest;

class TestHistoryApp : public QObject {
    Q_OBJECT

    /// Opens message `id`'s info sheet in `ui` (as its actions menu does) and waits for it.
    static QObject* openInfo(Ui& ui, const QString& id) {
        auto* sheet = ui.deep("messageInfo");
        if (!sheet || !QMetaObject::invokeMethod(sheet, "show", Q_ARG(QVariant, id)))
            return nullptr;
        return until([&] { return sheet->property("opened").toBool(); }) ? sheet : nullptr;
    }

private slots:
    void initTestCase() { QQuickStyle::setStyle("Material"); }

    void importedMessageSaysItIsACopyNotVerifiedHere() {
        e2e::Harness relay;
        QVERIFY(relay.ok());
        QTemporaryDir dir;
        qt::AppController alice(dir.path() + "/alice"), carol(dir.path() + "/carol");
        QVERIFY2(openMatter(relay, alice, carol, "Estate of Hale"),
                 qPrintable(carol.error() + alice.error()));
        const QString body = QStringLiteral("Please sign the engagement letter by Friday");
        QVERIFY(alice.chat()->send(body));
        auto* messages = alice.chat()->messages();
        QVERIFY(until([&] {
            const int row = rowOf(messages, qt::MessageListModel::BodyRole, body);
            return row >= 0 &&
                   !cell(messages, row, qt::MessageListModel::IdRole).toString().isEmpty();
        }));
        const QString id = cell(messages, rowOf(messages, qt::MessageListModel::BodyRole, body),
                                qt::MessageListModel::IdRole)
                               .toString();

        // A second device of Alice's, linked from the first with "bring my history" chosen (as
        // the link dialog offers).
        alice.deviceLinking()->setBringHistory(true);
        QSignalSpy made(alice.deviceLinking(), &qt::DeviceLinkController::deviceLinkFinished);
        alice.deviceLinking()->createDeviceLink();
        QVERIFY(made.wait(20000));
        QVERIFY2(made.first().first().toBool(), qPrintable(alice.error()));
        qt::AppController second(dir.path() + "/alice-2");
        QVERIFY2(second.session()->join(alice.deviceLinking()->deviceLink(), "Alice Adams", kPass),
                 qPrintable(second.error()));
        QVERIFY(until([&] { return second.session()->connected(); }));
        const int secondDevice = int(second.client()->account().device);
        QVERIFY(secondDevice != int(alice.client()->account().device));

        // The matter is open on the second device (from the relay's list of its conversations)
        // when the history arrives: its older messages appear in it.
        const QString conv = alice.chat()->currentConversation();
        QVERIFY(until(
            [&] {
                return rowOf(second.chat()->conversations(), qt::ConversationListModel::IdRole,
                             conv) >= 0;
            },
            30000));
        second.chat()->openConversation(conv);
        // Once the first device has approved the second, it sends the history, which arrives on
        // the second as unverified copies.
        QVERIFY2(until(
                     [&] {
                         auto* l = alice.deviceLinking();
                         return !l->historyBusy() && !l->historyStatus().isEmpty();
                     },
                     30000),
                 qPrintable(alice.deviceLinking()->deviceNotice()));
        QVERIFY2(alice.deviceLinking()->historyStatus().contains(
                     QStringLiteral("sent to device %1").arg(secondDevice)),
                 qPrintable(alice.deviceLinking()->historyStatus()));
        QVERIFY2(until(
                     [&] {
                         return second.deviceLinking()->deviceNotice().contains(
                             "copied to this device");
                     },
                     30000),
                 qPrintable(second.deviceLinking()->deviceNotice()));
        QCOMPARE(second.chat()->currentConversation(), conv);
        QVERIFY(rowOf(second.chat()->messages(), qt::MessageListModel::IdRole, id) >= 0);
        const int row = rowOf(second.chat()->messages(), qt::MessageListModel::IdRole, id);
        QCOMPARE(cell(second.chat()->messages(), row, qt::MessageListModel::ImportedFromDeviceRole)
                     .toInt(),
                 int(alice.client()->account().device));

        {
            Ui ui;
            QVERIFY(ui.load(second, 1280, 800));
            QVERIFY(until([&] {
                return ui.shows("messageBody", [&](const QString& t) { return t == body; });
            }));
            auto* sheet = openInfo(ui, id);
            QVERIFY(sheet);
            QCOMPARE(second.chat()->messageInfo()->importedFromDevice(),
                     int(alice.client()->account().device));
            const QString expected =
                QStringLiteral("Copied from your device %1 by a history transfer, and not "
                               "verified on this device.")
                    .arg(alice.client()->account().device);
            QVERIFY2(until([&] {
                         return ui.shows("messageInfoImported",
                                         [&](const QString& t) { return t.startsWith(expected); });
                     }),
                     qPrintable(ui.visibleTexts("messageInfoImported").join(" | ")));
            QVERIFY(ui.shows("messageInfoSent", [](const QString& t) {
                return t.startsWith("Sent: ") && !t.contains("Not sent");
            }));
            QVERIFY(ui.shoot("message-info-imported"));
        }
        {
            // The device that sent it: no such note.
            Ui ui;
            QVERIFY(ui.load(alice, 1280, 800));
            QVERIFY(until([&] {
                return ui.shows("messageBody", [&](const QString& t) { return t == body; });
            }));
            QVERIFY(openInfo(ui, id));
            QCOMPARE(alice.chat()->messageInfo()->importedFromDevice(), 0);
            QVERIFY(until([&] { return !ui.visibleTexts("messageInfoSent").isEmpty(); }));
            QVERIFY(ui.visibleTexts("messageInfoImported").isEmpty());
        }
    }
};

QTEST_MAIN(TestHistoryApp)
#include "tst_history_app.moc"
