// Issue 23, "never to the wrong client" and "time", against a real relay with the QML screens
// offscreen: a draft per conversation kept in the encrypted profile across a restart and shown
// as "Draft:" in the list, never carried to another conversation; "Delete for everyone" asks
// first; rows show the client's name, and avatars tell two "Estate of ..." matters apart; system
// rows and banners name people by display name; day separators and full dates before today.
// Screenshots go to VERBATIM_SCREENSHOT_DIR (else ./screenshots).

#include <QQuickItem>
#include <QQuickStyle>
#include <QQuickWindow>
#include <QTemporaryDir>
#include <QtTest>

#include "AppHarness.h"
#include "client/qt/AppController.h"
#include "client/qt/ChatController.h"
#include "client/qt/Models.h"
#include "client/qt/SessionController.h"

using namespace verbatim;
using namespace verbatim::apptest;
using namespace std::chrono_literals;

namespace {

using CL = qt::ConversationListModel;
using ML = qt::MessageListModel;

/// Alice (lawyer) with a client in each of `matters` (client i joins matter i), notices
/// accepted; Alice sees every matter.
bool setUp(e2e::Harness& h, qt::AppController& lawyer,
           const std::vector<std::pair<qt::AppController*, QString>>& clients,
           const QStringList& matters) {
    // The firm names its lawyer (enrollLink alone names her by her user id).
    if (!h.service().createUser("alice", proto::ROLE_LAWYER, "Alice Adams", "test")) return false;
    if (!joinStaff(h, lawyer, "alice", proto::ROLE_LAWYER, "Alice Adams")) return false;
    for (std::size_t i = 0; i < clients.size(); ++i) {
        auto invite = lawyer.client()->createInvite(matters[int(i)].toStdString());
        auto& [app, name] = clients[i];
        if (!invite || !app->session()->join(QString::fromStdString(*invite), name, kPass) ||
            !app->session()->acceptNotice()) {
            qWarning("client join: %s %s", qPrintable(app->error()),
                     invite ? "" : invite.error().message.c_str());
            return false;
        }
        if (!until([&, app = app] {
                return app->session()->connected() && app->chat()->conversations()->rowCount() == 1;
            }))
            return false;
    }
    // Each row names its client once the relay lists them as members.
    return until([&] {
        auto* m = lawyer.chat()->conversations();
        if (m->rowCount() != int(clients.size())) return false;
        for (int r = 0; r < m->rowCount(); ++r)
            if (cell(m, r, CL::ClientNameRole).toString().isEmpty()) {
                lawyer.chat()->refreshConversations();
                return false;
            }
        return true;
    });
}

/// Alice (lawyer) and Carol, her client in "Estate of Doe", each in an app of their own on a
/// relay of their own.
struct DoeFirm {
    e2e::Harness h;
    QTemporaryDir dir;
    qt::AppController lawyer{dir.path() + "/lawyer"};
    qt::AppController carol{dir.path() + "/carol"};
    /// Sets the firm up as setUp() does; false when it could not.
    bool ready() {
        return h.ok() && setUp(h, lawyer, {{&carol, "Carol Client"}}, {"Estate of Doe"});
    }
};

QString idOf(qt::AppController& app, const QString& title) {
    auto* m = app.chat()->conversations();
    return cell(m, rowOf(m, CL::TitleRole, title), CL::IdRole).toString();
}

} // namespace

class TestLawyerDay : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() { QQuickStyle::setStyle("Material"); }

    // Drafts: typed into one matter, kept when another opens (whose composer starts empty or
    // with its own draft), shown as "Draft:" in the list, kept across a restart (in the
    // profile), cleared by sending. Rows name the client; avatars of two "Estate of" matters
    // differ in initials and colour.
    void draftsStayWithTheirConversation() {
        e2e::Harness h;
        QVERIFY(h.ok());
        QTemporaryDir dir;
        const QString lawyerDir = dir.path() + "/lawyer";
        qt::AppController carol(dir.path() + "/carol");
        qt::AppController dave(dir.path() + "/dave");
        QString doe, dunn;
        {
            qt::AppController lawyer(lawyerDir);
            QVERIFY2(setUp(h, lawyer, {{&carol, "Carol Client"}, {&dave, "Dave Dunn"}},
                           {"Estate of Doe", "Estate of Dunn"}),
                     qPrintable(lawyer.error() + carol.error() + dave.error()));
            doe = idOf(lawyer, "Estate of Doe");
            dunn = idOf(lawyer, "Estate of Dunn");
            QVERIFY(!doe.isEmpty() && !dunn.isEmpty());
            auto* list = lawyer.chat()->conversations();
            const int rDoe = rowOf(list, CL::IdRole, doe), rDunn = rowOf(list, CL::IdRole, dunn);
            QCOMPARE(cell(list, rDoe, CL::ClientNameRole).toString(),
                     QStringLiteral("Carol Client"));
            QCOMPARE(cell(list, rDunn, CL::ClientNameRole).toString(), QStringLiteral("Dave Dunn"));
            QCOMPARE(cell(list, rDoe, CL::AvatarInitialsRole).toString(), QStringLiteral("DC"));
            QVERIFY(cell(list, rDoe, CL::AvatarInitialsRole) !=
                    cell(list, rDunn, CL::AvatarInitialsRole));
            QVERIFY(cell(list, rDoe, CL::AvatarColorRole) !=
                    cell(list, rDunn, CL::AvatarColorRole));

            Ui ui;
            QVERIFY(ui.load(lawyer, 1280, 800));
            QVERIFY(until([&] { return ui.find("messageInput") != nullptr; }));
            lawyer.chat()->openConversation(doe);
            QVERIFY(until([&] { return ui.find("messageInput")->property("visible").toBool(); }));
            QVERIFY(ui.find("messageInput")->setProperty("text", "Dear Carol, the will says"));
            lawyer.chat()->openConversation(dunn);
            QCOMPARE(ui.input(), QString()); // nothing carried across
            QVERIFY(ui.find("messageInput")->setProperty("text", "Dear Dave,"));
            lawyer.chat()->openConversation(doe);
            QCOMPARE(ui.input(), QStringLiteral("Dear Carol, the will says"));
            QCOMPARE(cell(list, rowOf(list, CL::IdRole, doe), CL::DraftRole).toString(),
                     QStringLiteral("Dear Carol, the will says"));
            QCOMPARE(cell(list, rowOf(list, CL::IdRole, dunn), CL::DraftRole).toString(),
                     QStringLiteral("Dear Dave,"));
            QVERIFY(until([&] { return ui.visibleTexts("draftLabel").size() == 2; }));
            // Typing more is kept (after a short pause), before any switch.
            QVERIFY(ui.find("messageInput")
                        ->setProperty("text", "Dear Carol, the will says you inherit"));
            QVERIFY(until([&] {
                return lawyer.client()->draft(doe.toStdString()) ==
                       "Dear Carol, the will says you inherit";
            }));
            QVERIFY(ui.shoot("draft-in-list-laptop-light"));
        }
        // Restart: the drafts come back from the profile.
        {
            qt::AppController lawyer(lawyerDir);
            QVERIFY(lawyer.session()->unlock(kPass));
            QVERIFY(until([&] { return lawyer.chat()->conversations()->rowCount() == 2; }));
            auto* list = lawyer.chat()->conversations();
            QCOMPARE(cell(list, rowOf(list, CL::IdRole, doe), CL::DraftRole).toString(),
                     QStringLiteral("Dear Carol, the will says you inherit"));
            QCOMPARE(cell(list, rowOf(list, CL::IdRole, dunn), CL::DraftRole).toString(),
                     QStringLiteral("Dear Dave,"));
            Ui ui;
            QVERIFY(ui.load(lawyer, 390, 844)); // phone
            QVERIFY(until([&] { return ui.visibleTexts("draftLabel").size() == 2; }));
            QVERIFY(ui.shoot("draft-in-list-phone-light"));
            lawyer.chat()->openConversation(dunn);
            QVERIFY(until([&] { return ui.find("messageInput")->property("visible").toBool(); }));
            QCOMPARE(ui.input(), QStringLiteral("Dear Dave,"));
            // Sending clears the draft, here and in the profile.
            QVERIFY(ui.find("messageInput")->setProperty("text", "Dear Dave, see you Monday."));
            QVERIFY(QMetaObject::invokeMethod(ui.find("sendButton"), "clicked"));
            QVERIFY(until([&] {
                return cell(list, rowOf(list, CL::IdRole, dunn), CL::DraftRole)
                    .toString()
                    .isEmpty();
            }));
            QTest::qWait(500);
            QCOMPARE(lawyer.client()->draft(dunn.toStdString()), std::string());
            QCOMPARE(ui.input(), QString());
        }
    }

    // "Delete for everyone" asks first: Cancel keeps the message, confirming deletes it.
    void deleteForEveryoneAsksFirst() {
        DoeFirm f;
        QVERIFY2(f.ready(), qPrintable(f.lawyer.error() + f.carol.error()));
        auto& lawyer = f.lawyer;
        const QString doe = idOf(lawyer, "Estate of Doe");
        lawyer.chat()->openConversation(doe);
        QVERIFY(lawyer.chat()->send("Wrong client, sorry"));
        auto* lm = lawyer.chat()->messages();
        const int row = rowOf(lm, ML::BodyRole, "Wrong client, sorry");
        QVERIFY(row >= 0);
        const QString id = cell(lm, row, ML::IdRole).toString();

        Ui ui;
        QVERIFY(ui.load(lawyer, 1280, 800));
        QObject* pane = nullptr;
        QVERIFY(until([&] {
            for (auto* item : ui.findItems("messageList"))
                if (item->isVisible()) pane = item->parentItem();
            return ui.find("messageActions") != nullptr;
        }));
        auto* menu = ui.find("messageActions");
        // The menu's "Delete for everyone" item, as a click on it would trigger it.
        auto trigger = [&] {
            menu->setProperty("messageId", id);
            menu->setProperty("mine", true);
            for (auto* item : menu->findChildren<QObject*>())
                if (item->property("text").toString() == "Delete for everyone")
                    return QMetaObject::invokeMethod(item, "triggered");
            return false;
        };
        Q_UNUSED(pane);
        QVERIFY(trigger());
        auto* dialog = ui.deep("retractDialog");
        QVERIFY(dialog);
        QVERIFY(until([&] { return dialog->property("opened").toBool(); }));
        QVERIFY(!cell(lm, rowOf(lm, ML::IdRole, id), ML::RetractedRole).toBool());
        QVERIFY(ui.shoot("delete-confirm-laptop-light"));
        QVERIFY(QMetaObject::invokeMethod(dialog, "reject"));
        QVERIFY(until([&] { return !dialog->property("visible").toBool(); }));
        QTest::qWait(300);
        QVERIFY(!cell(lm, rowOf(lm, ML::IdRole, id), ML::RetractedRole).toBool());
        QVERIFY(lawyer.client()->message(id.toStdString()).value().has_value());
        QVERIFY(!(*lawyer.client()->message(id.toStdString()).value()).retracted);

        QVERIFY(trigger());
        QVERIFY(until([&] { return dialog->property("opened").toBool(); }));
        QVERIFY(QMetaObject::invokeMethod(dialog, "accept"));
        QVERIFY(
            until([&] { return cell(lm, rowOf(lm, ML::IdRole, id), ML::RetractedRole).toBool(); }));
    }

    // Day separators and dates: today's messages under "Today"; the labels and the list's time
    // for older days give the date in full.
    void daySeparatorsAndFullDates() {
        const QDate today(2025, 11, 5);
        QCOMPARE(qt::dayLabel(today, today), QStringLiteral("Today"));
        QCOMPARE(qt::dayLabel(today.addDays(-1), today), QStringLiteral("Yesterday"));
        QCOMPARE(qt::dayLabel(QDate(2025, 11, 3), today),
                 QLocale().toString(QDate(2025, 11, 3), QStringLiteral("ddd d MMM yyyy")));
        const QDateTime at(QDate(2025, 11, 3), QTime(14, 5));
        QCOMPARE(qt::whenText(QDateTime(today, QTime(9, 30)), today), QStringLiteral("09:30"));
        QVERIFY(qt::whenText(at, today).contains(QStringLiteral("2025")));
        QVERIFY(qt::whenText(at, today).endsWith(QStringLiteral("14:05")));
        QCOMPARE(qt::whenText(at, today, false),
                 QLocale().toString(QDate(2025, 11, 3), QStringLiteral("d MMM yyyy")));

        DoeFirm f;
        QVERIFY2(f.ready(), qPrintable(f.lawyer.error() + f.carol.error()));
        auto &lawyer = f.lawyer, &carol = f.carol;
        // The window title counts unread messages until the conversation is opened.
        carol.chat()->openConversation(idOf(carol, "Estate of Doe"));
        QVERIFY(carol.chat()->send("Any update?"));
        QVERIFY(until([&] { return lawyer.chat()->totalUnread() == 1; }));
        Ui ui;
        QVERIFY(ui.load(lawyer, 1280, 800));
        QCOMPARE(ui.window->title(), QStringLiteral("(1) Verbatim test"));
        lawyer.chat()->openConversation(idOf(lawyer, "Estate of Doe"));
        QVERIFY(until([&] { return ui.window->title() == QStringLiteral("Verbatim test"); }));
        QVERIFY(lawyer.chat()->send("Today's news about the will"));
        QVERIFY(until([&] { return ui.visibleTexts("daySeparator").contains("Today"); }));
        // A search hit of today shows the time only.
        lawyer.chat()->search("news");
        QVERIFY(until([&] { return lawyer.chat()->searchResults()->rowCount() == 1; }));
        const QString hit =
            cell(lawyer.chat()->searchResults(), 0, qt::SearchResultsModel::TimeTextRole)
                .toString();
        QVERIFY2(QRegularExpression("^[0-9]{2}:[0-9]{2}$").match(hit).hasMatch(), qPrintable(hit));
        lawyer.chat()->search("");
        QVERIFY(ui.shoot("day-separators-laptop-light"));
    }

    // System rows and the safety banner name people by display name: the lawyer's device is
    // replaced, so the client's app writes "The safety number of Alice Adams changed" (the core
    // writes the user id "alice").
    void systemRowsNameDisplayNames() {
        DoeFirm f;
        QVERIFY2(f.ready(), qPrintable(f.lawyer.error() + f.carol.error()));
        auto& h = f.h;
        auto &lawyer = f.lawyer, &carol = f.carol;
        carol.chat()->openConversation(idOf(carol, "Estate of Doe"));
        QVERIFY(carol.chat()->send("first"));
        QVERIFY(carol.client()->waitForOutbox(20s));
        Ui ui;
        QVERIFY(ui.load(carol, 390, 844));

        QVERIFY(h.service().revokeDevice("alice", lawyer.client()->account().device, "test"));
        client::JoinOptions o;
        o.platform = "desktop";
        o.displayName = "Alice Adams";
        auto alice2 = client::Client::join((f.dir.path() + "/alice-2").toStdString(), kPass,
                                           h.enrollLink("alice", proto::ROLE_LAWYER), o);
        QVERIFY2(alice2, alice2 ? "" : alice2.error().message.c_str());
        (*alice2)->start();
        QVERIFY((*alice2)->waitUntilSynced(20s));
        QVERIFY(carol.chat()->send("second, after the new device"));
        QVERIFY(until([&] { return carol.chat()->safetyChangedUser() == "alice"; }));
        QCOMPARE(carol.chat()->safetyChangedName(), QStringLiteral("Alice Adams"));
        QVERIFY(until([&] {
            const QStringList t = ui.visibleTexts("safetyBannerText");
            return t.size() == 1 && t[0].contains("Alice Adams");
        }));
        auto* cm = carol.chat()->messages();
        int system = -1;
        QVERIFY(until([&] {
            for (int r = 0; r < cm->rowCount(); ++r)
                if (cell(cm, r, ML::KindRole).toString() == "system" &&
                    cell(cm, r, ML::BodyRole).toString().contains("safety number"))
                    system = r;
            return system >= 0;
        }));
        const QString body = cell(cm, system, ML::BodyRole).toString();
        QVERIFY2(body.contains("Alice Adams") && !body.contains("alice"), qPrintable(body));
        QVERIFY(ui.shoot("system-row-display-name-phone-light"));
    }
};

QTEST_MAIN(TestLawyerDay)
#include "tst_lawyer_day_app.moc"
