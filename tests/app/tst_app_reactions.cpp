// Issue 23, "Reactions from an emoji picker" and "Message info", against a real relay over TLS
// with the QML screens offscreen: an emoji chosen in the picker (a category's grid, the common
// row by keyboard) reaches the other side, replaces the user's earlier one and can be removed; a
// modified client's hostile reactions (two emoji, a kilobyte, a right-to-left override, markup)
// are refused by the receiving app and never shown; message info lists each recipient device
// with its delivered and then its read time, named as its user named it. Screenshots (picker and info, laptop and phone,
// light and dark) go to VERBATIM_SCREENSHOT_DIR (else ./screenshots).

#include <QQuickItem>
#include <QQuickStyle>
#include <QQuickWindow>
#include <QTemporaryDir>
#include <QtTest>

#include "AppHarness.h"
#include "client/core/Emoji.h"
#include "client/qt/AppController.h"
#include "client/qt/ChatController.h"
#include "client/qt/EmojiCatalog.h"
#include "client/qt/MessageInfoModel.h"
#include "client/qt/Models.h"
#include "client/qt/SessionController.h"

using namespace verbatim;
using namespace verbatim::apptest;

namespace {

using ML = qt::MessageListModel;
using MI = qt::MessageInfoModel;

/// The reactions row of message `id` as `app` shows it ("" when none or not loaded).
QString reactionsOf(qt::AppController& app, const QString& id) {
    auto* m = app.chat()->messages();
    const int row = rowOf(m, ML::IdRole, id);
    return row < 0 ? QStringLiteral("<missing>") : cell(m, row, ML::ReactionsRole).toString();
}

/// `user`'s reaction to `id` in `app`'s profile ("" when none).
std::string reactionBy(qt::AppController& app, const QString& id, const std::string& user) {
    auto m = app.client()->message(id.toStdString());
    if (!m || !*m) return "<missing>";
    for (const auto& [u, e] : (*m)->reactions)
        if (u == user) return e;
    return {};
}

/// The message actions menu of `ui`, set up for message `id`, with its item `name` triggered.
bool triggerAction(Ui& ui, const QString& id, bool mine, const char* name) {
    QObject* menu = nullptr;
    if (!until([&] { return (menu = ui.find("messageActions")) != nullptr; })) return false;
    menu->setProperty("messageId", id);
    menu->setProperty("mine", mine);
    for (auto* item : menu->findChildren<QObject*>())
        if (item->objectName() == QLatin1String(name)) {
            if (!item->property("enabled").toBool()) return false;
            return QMetaObject::invokeMethod(item, "triggered");
        }
    return false;
}

/// Waits until the popup named `name` is open; it, or null.
QObject* openedPopup(Ui& ui, const char* name) {
    QObject* p = nullptr;
    until([&] {
        p = ui.deep(name);
        return p && p->property("opened").toBool();
    });
    return p && p->property("opened").toBool() ? p : nullptr;
}

/// Emits `clicked` of the visible item named `name` whose `emoji` is `emoji`.
bool clickEmoji(Ui& ui, const char* name, const QString& emoji) {
    QQuickItem* item = nullptr;
    if (!until([&] { return (item = ui.visibleWith(name, "emoji", emoji)) != nullptr; }, 5000))
        return false;
    return QMetaObject::invokeMethod(item, "clicked");
}

/// A text message `from` the harness device into `conv`, with `shape` applied (a crafted record:
/// what a modified client sends). The relay's status, -1 when it did not answer.
int sendCrafted(e2e::Harness& h, e2e::Device& from, const std::string& conv,
                const std::string& text,
                const std::function<void(proto::JournalRecord&)>& shape = {}) {
    proto::Request req;
    *req.mutable_send() =
        e2e::buildSend(from, conv, text, h.journalKey().publicKey(), nullptr, shape);
    auto resp = from.connection->call(req);
    return resp ? int(resp->status()) : -1; // -1: no answer
}

} // namespace

class TestAppReactions : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() { QQuickStyle::setStyle("Material"); }

    // Every emoji the picker offers is one a receiver accepts (client/core/Emoji.h), each once.
    void everyPickerEmojiIsAValidReaction() {
        const QStringList all = qt::EmojiCatalog::all();
        QVERIFY(all.size() > 300);
        for (const QString& e : all)
            QVERIFY2(client::isSingleEmoji(e.toStdString()), qPrintable(e));
        QCOMPARE(qt::EmojiCatalog::common().size(), 7);
        // The colour emoji font is installed (packaging/dev.sh) and used.
        QVERIFY2(!qt::EmojiCatalog::fontFamily().isEmpty(),
                 "no colour emoji font: install fonts-noto-color-emoji (packaging/dev.sh)");
    }

    // Carol reacts to Alice's message from the picker: an emoji from a category's grid reaches
    // Alice; a pick from the common row by keyboard replaces it (one reaction per user); Remove
    // takes it away everywhere.
    void pickedEmojiReachesTheOtherSideAndReplacesTheLast() {
        e2e::Harness h;
        QVERIFY(h.ok());
        QTemporaryDir dir;
        qt::AppController alice(dir.path() + "/alice");
        qt::AppController carol(dir.path() + "/carol");
        QVERIFY2(openMatter(h, alice, carol, "Estate of Doe"),
                 qPrintable(alice.error() + carol.error()));
        QVERIFY(alice.chat()->send(QStringLiteral("The engagement letter is attached.")));
        const QString id = alice.chat()->lastEditableMessage().value("messageId").toString();
        QVERIFY(!id.isEmpty());
        QVERIFY(until([&] { return rowOf(carol.chat()->messages(), ML::IdRole, id) >= 0; }));

        Ui ui;
        QVERIFY(ui.load(carol, 1280, 800));
        QVERIFY(triggerAction(ui, id, false, "reactAction"));
        QObject* picker = openedPopup(ui, "emojiPicker");
        QVERIFY(picker);
        // Food, then a pizza from its grid: not one of the old two fixed choices.
        const QVariantList categories = qt::EmojiCatalog::categories();
        int food = -1;
        for (int i = 0; i < categories.size(); ++i)
            if (categories[i].toMap().value("name").toString() == "Food") food = i;
        QVERIFY(food > 0);
        picker->setProperty("category", food);
        const QString pizza = QString::fromUtf8("\U0001F355");
        QVERIFY(until([&] { return ui.visibleWith("emojiGridItem", "emoji", pizza) != nullptr; }));
        QVERIFY(ui.shoot("emoji-picker-laptop-light"));
        QVERIFY(clickEmoji(ui, "emojiGridItem", pizza));
        QVERIFY(until([&] { return !picker->property("visible").toBool(); }));
        QCOMPARE(reactionsOf(carol, id), pizza);
        QVERIFY(until([&] { return reactionsOf(alice, id) == pizza; }));

        // The keyboard: the common row has the focus; Right and Enter pick its second (a heart
        // with its emoji presentation selector).
        QVERIFY(triggerAction(ui, id, false, "reactAction"));
        QVERIFY(openedPopup(ui, "emojiPicker"));
        QCOMPARE(picker->property("current").toString(), pizza);
        QVERIFY(until([&] {
            auto* row = ui.deep("emojiCommonRow");
            return row && row->property("activeFocus").toBool();
        }));
        QTest::keyClick(ui.window, Qt::Key_Right);
        QTest::keyClick(ui.window, Qt::Key_Return);
        const QString heart = qt::EmojiCatalog::common().at(1);
        QCOMPARE(heart, QString::fromUtf8("\u2764\ufe0f"));
        QVERIFY(until([&] { return reactionsOf(alice, id) == heart; }));
        QCOMPARE(reactionsOf(carol, id), heart); // replaced, not added
        QCOMPARE(reactionBy(alice, id, carol.client()->account().user), heart.toStdString());

        // Remove.
        QVERIFY(triggerAction(ui, id, false, "reactAction"));
        QVERIFY(openedPopup(ui, "emojiPicker"));
        QVERIFY(until([&] { return ui.visibleWith("removeReactionButton", "visible", "true"); }));
        QVERIFY(QMetaObject::invokeMethod(ui.visibleWith("removeReactionButton", "visible", "true"),
                                          "clicked"));
        QVERIFY(until([&] { return reactionsOf(alice, id).isEmpty(); }));
        QCOMPARE(reactionsOf(carol, id), QString());

        // Phone, dark: the picker fits the window.
        Ui phone;
        QVERIFY(phone.load(carol, 390, 844, true));
        QVERIFY(triggerAction(phone, id, false, "reactAction"));
        QObject* small = openedPopup(phone, "emojiPicker");
        QVERIFY(small);
        QVERIFY(small->property("width").toReal() <= 390);
        QVERIFY(phone.shoot("emoji-picker-phone-dark"));
        QVERIFY(QMetaObject::invokeMethod(small, "close"));
    }

    // A modified client in the matter sends reactions the picker never makes: two emoji, a
    // kilobyte, a right-to-left override, markup. The relay stores them (it cannot read them);
    // Alice's app refuses each, keeps the modified client's earlier valid reaction and shows none
    // of the hostile text.
    void hostileReactionsAreRefused() {
        e2e::Harness h;
        QVERIFY(h.ok());
        QTemporaryDir dir;
        qt::AppController alice(dir.path() + "/alice");
        qt::AppController carol(dir.path() + "/carol");
        QVERIFY2(openMatter(h, alice, carol, "Estate of Doe"),
                 qPrintable(alice.error() + carol.error()));
        QVERIFY(alice.chat()->send(QStringLiteral("Please confirm the settlement figure.")));
        const QString id = alice.chat()->lastEditableMessage().value("messageId").toString();
        QVERIFY(until([&] {
            auto m = alice.client()->message(id.toStdString());
            return m && *m && (*m)->serverTimeMs != 0;
        }));
        std::string conv;
        auto mallory = h.inviteClient("alice", "Estate of Doe", &conv);
        QVERIFY(mallory);
        QCOMPARE(QString::fromStdString(conv), alice.chat()->currentConversation());
        QVERIFY(mallory->connect(h.endpoint()));
        const auto raw = fromHex(id.toStdString());
        QVERIFY(raw);
        auto reaction = [&](const std::string& body) {
            return [body, ref = std::string(raw->begin(), raw->end())](proto::JournalRecord& r) {
                r.set_type(proto::REACTION);
                r.set_body(body);
                r.set_ref_message_id(ref);
            };
        };
        const std::string party = "\U0001F389";
        QCOMPARE(sendCrafted(h, *mallory, conv, "", reaction(party)), int(proto::STATUS_OK));
        QVERIFY(until([&] { return reactionBy(alice, id, mallory->user) == party; }));

        const std::string rlo = "\u202E\U0001F44D";
        const std::vector<std::string> hostile = {
            "\U0001F44D\U0001F44E",                             // two emoji
            std::string(1024, 'A'),                             // a kilobyte
            rlo,                                                // a right-to-left override
            "<img src=\"http://127.0.0.1:9/x.png\">\U0001F44D", // markup
        };
        for (const auto& body : hostile)
            QCOMPARE(sendCrafted(h, *mallory, conv, "", reaction(body)), int(proto::STATUS_OK));
        // A text after them: once Alice has it, she has handled every reaction before it.
        QCOMPARE(sendCrafted(h, *mallory, conv, "that is all"), int(proto::STATUS_OK));
        QVERIFY(until([&] {
            return rowOf(alice.chat()->messages(), ML::BodyRole, QStringLiteral("that is all")) >=
                   0;
        }));
        QCOMPARE(reactionBy(alice, id, mallory->user), party);
        QCOMPARE(reactionsOf(alice, id), QString::fromStdString(party));

        Ui ui;
        QVERIFY(ui.load(alice, 1280, 800));
        QVERIFY(until([&] { return !ui.visibleTexts("reactionsLabel").isEmpty(); }));
        for (const QString& shown : ui.visibleTexts("reactionsLabel")) {
            QCOMPARE(shown, QString::fromStdString(party));
            QVERIFY(!shown.contains(QChar(0x202E)) && !shown.contains("img"));
        }
        // The picker's own sender refuses them before anything is queued.
        for (const auto& body : hostile)
            QVERIFY(!alice.client()->react(id.toStdString(), body));
    }

    // Message info: Alice's message to Carol and Erin lists both devices; each shows its
    // delivered time first, then its read time once that person opens the matter; the sheet
    // follows while open. Sent <= delivered <= read.
    void messageInfoShowsDeliveredThenReadPerDevice() {
        e2e::Harness h;
        QVERIFY(h.ok());
        QTemporaryDir dir;
        qt::AppController alice(dir.path() + "/alice");
        qt::AppController carol(dir.path() + "/carol");
        qt::AppController erin(dir.path() + "/erin");
        QVERIFY2(openMatter(h, alice, carol, "Estate of Doe"),
                 qPrintable(alice.error() + carol.error()));
        auto invite = alice.client()->createInvite("Estate of Doe");
        QVERIFY(invite);
        QVERIFY(erin.session()->join(QString::fromStdString(*invite), "Erin Executor", kPass));
        QVERIFY(erin.session()->acceptNotice());
        QVERIFY(until([&] {
            return erin.session()->connected() && erin.chat()->conversations()->rowCount() == 1;
        }));
        // Alice must see Erin as a member before she sends (her device is a recipient).
        QVERIFY(until([&] {
            alice.chat()->refreshConversations();
            return alice.chat()->participantCount() == 3;
        }));
        // Erin names her device (as Settings does): message info shows it by that name.
        QVERIFY(erin.client()->setDeviceName("Erin's phone (Pixel 8)"));
        // Neither has the matter on screen: only delivered receipts until they open it.
        carol.chat()->closeConversation();
        QVERIFY(alice.chat()->send(QStringLiteral("The will is ready for signing on Friday.")));
        const QString id = alice.chat()->lastEditableMessage().value("messageId").toString();
        QVERIFY(!id.isEmpty());

        QVERIFY(alice.chat()->showMessageInfo(id));
        MI* info = alice.chat()->messageInfo();
        QAbstractItemModelTester tester(info,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        auto rowFor = [&](qt::AppController& who) {
            return rowOf(info, MI::UserIdRole,
                         QString::fromStdString(who.client()->account().user));
        };
        auto at = [&](qt::AppController& who, int role) {
            const int r = rowFor(who);
            return r < 0 ? QDateTime() : cell(info, r, role).toDateTime();
        };
        QVERIFY(until([&] {
            return info->rowCount() == 2 && at(carol, MI::DeliveredRole).isValid() &&
                   at(erin, MI::DeliveredRole).isValid();
        }));
        QVERIFY(info->sent().isValid());
        QCOMPARE(cell(info, rowFor(carol), MI::NameRole).toString(),
                 QStringLiteral("Carol Client"));
        QCOMPARE(cell(info, rowFor(erin), MI::NameRole).toString(),
                 QStringLiteral("Erin Executor"));
        // Other people's devices by the names their users gave them (issue 23), from the
        // relay's list of the matter's devices: Carol's the app's default, Erin's her own.
        QVERIFY(until([&] {
            return cell(info, rowFor(erin), MI::DeviceTextRole).toString() ==
                   QStringLiteral("Erin's phone (Pixel 8)");
        }));
        QCOMPARE(cell(info, rowFor(erin), MI::DeviceNameRole).toString(),
                 QStringLiteral("Erin's phone (Pixel 8)"));
        QCOMPARE(cell(info, rowFor(carol), MI::DeviceTextRole).toString(),
                 qt::SessionController::defaultDeviceName());
        QVERIFY(!at(carol, MI::ReadRole).isValid() && !at(erin, MI::ReadRole).isValid());
        QCOMPARE(cell(info, rowFor(erin), MI::ReadTextRole).toString(), QStringLiteral("Not yet"));
        QVERIFY(info->sent() <= at(carol, MI::DeliveredRole));

        Ui ui;
        QVERIFY(ui.load(alice, 1280, 800));
        QVERIFY(triggerAction(ui, id, true, "messageInfoAction"));
        QObject* sheet = openedPopup(ui, "messageInfo");
        QVERIFY(sheet);
        QVERIFY(until([&] { return ui.visibleTexts("messageInfoRead").size() == 2; }));
        QVERIFY(ui.shows("messageInfoRead", [](const QString& t) { return t == "Read: Not yet"; }));
        QVERIFY(ui.shows("messageInfoName", [](const QString& t) {
            return t.startsWith("Erin Executor") && t.contains("Erin's phone (Pixel 8)");
        }));
        QVERIFY(ui.shoot("message-info-delivered-laptop-light"));

        // Carol opens the matter: her read time, not Erin's.
        carol.chat()->openConversation(alice.chat()->currentConversation());
        QVERIFY(until([&] { return at(carol, MI::ReadRole).isValid(); }));
        QVERIFY(!at(erin, MI::ReadRole).isValid());
        QVERIFY(at(carol, MI::DeliveredRole) <= at(carol, MI::ReadRole));
        // Then Erin.
        erin.chat()->openConversation(alice.chat()->currentConversation());
        QVERIFY(until([&] { return at(erin, MI::ReadRole).isValid(); }));
        QVERIFY(at(erin, MI::DeliveredRole) <= at(erin, MI::ReadRole));
        QVERIFY(until([&] {
            return !ui.shows("messageInfoRead",
                             [](const QString& t) { return t.contains("Not yet"); });
        }));
        QVERIFY(ui.shoot("message-info-read-laptop-light"));
        QVERIFY(QMetaObject::invokeMethod(sheet, "close"));
        QVERIFY(until([&] { return !sheet->property("visible").toBool(); }));

        // The other layouts and theme.
        for (auto [w, hgt, dark, name] : {std::tuple{1280, 800, true, "message-info-laptop-dark"},
                                          std::tuple{390, 844, false, "message-info-phone-light"},
                                          std::tuple{390, 844, true, "message-info-phone-dark"}}) {
            Ui other;
            QVERIFY(other.load(alice, w, hgt, dark));
            QVERIFY(triggerAction(other, id, true, "messageInfoAction"));
            QObject* s = openedPopup(other, "messageInfo");
            QVERIFY(s);
            QVERIFY(s->property("width").toReal() <= w);
            QVERIFY(until([&] { return other.visibleTexts("messageInfoRead").size() == 2; }));
            QVERIFY(other.shoot(name));
            QVERIFY(QMetaObject::invokeMethod(s, "close"));
            QVERIFY(until([&] { return !s->property("visible").toBool(); }));
        }

        // A device renamed since: the sheet, opened again, asks the relay and shows the new name.
        QVERIFY(erin.client()->setDeviceName("Erin's tablet"));
        alice.chat()->hideMessageInfo();
        QVERIFY(alice.chat()->showMessageInfo(id));
        QVERIFY(until([&] {
            return cell(info, rowFor(erin), MI::DeviceTextRole).toString() ==
                   QStringLiteral("Erin's tablet");
        }));

        // Someone else's message has no info.
        QVERIFY(carol.chat()->send(QStringLiteral("Friday suits me.")));
        const QString theirs = carol.chat()->lastEditableMessage().value("messageId").toString();
        QVERIFY(until([&] { return rowOf(alice.chat()->messages(), ML::IdRole, theirs) >= 0; }));
        QVERIFY(!alice.chat()->showMessageInfo(theirs));
    }
};

QTEST_MAIN(TestAppReactions)
#include "tst_app_reactions.moc"
