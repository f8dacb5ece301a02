// Issue 23, notifications: desktop notifications through the freedesktop Notifications service
// on a private session bus (a dbus-daemon this test starts, with a fake notification server in
// this process on its own connection that records every call), for messages from a real relay
// over TLS. Text stays out of the notification unless the user asks for it; a muted conversation
// stays quiet; clicking opens the conversation; own messages, edits and retractions never notify;
// a message in the open conversation of the active window is read and its receipt sent.

#include <QDBusConnection>
#include <QDBusMessage>
#include <QDBusMetaType>
#include <QGuiApplication>
#include <QQuickStyle>
#include <QQuickWindow>
#include <QTemporaryDir>
#include <QWindow>
#include <QtTest>
#include <csignal>
#include <cstdio>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "AppHarness.h"
#include "client/qt/AppController.h"
#include "client/qt/ChatController.h"
#include "client/qt/Models.h"
#include "client/qt/Notifier.h"
#include "client/qt/SessionController.h"

using namespace verbatim;
using namespace verbatim::apptest;

namespace {

using CL = qt::ConversationListModel;

/// A dbus-daemon of our own (the test must not touch the desktop's session bus).
struct PrivateBus {
    pid_t pid = -1;
    QByteArray address;

    /// Starts it and reads its address; false with `why` when it cannot.
    bool start(QString& why) {
        int out[2];
        if (pipe(out) != 0) {
            why = QStringLiteral("pipe() failed");
            return false;
        }
        pid = fork();
        if (pid < 0) {
            why = QStringLiteral("fork() failed");
            return false;
        }
        if (pid == 0) {
            prctl(PR_SET_PDEATHSIG, SIGTERM); // never outlive the test
            dup2(out[1], STDOUT_FILENO);
            close(out[0]);
            close(out[1]);
            execlp("dbus-daemon", "dbus-daemon", "--session", "--nofork", "--print-address",
                   static_cast<char*>(nullptr));
            _exit(127);
        }
        close(out[1]);
        FILE* f = fdopen(out[0], "r");
        char line[1024] = {};
        const bool got = f && fgets(line, sizeof line, f);
        if (f) fclose(f);
        address = QByteArray(line).trimmed();
        if (!got || address.isEmpty()) {
            why = QStringLiteral("dbus-daemon --session did not start (is the package dbus "
                                 "installed?)");
            stop();
            return false;
        }
        return true;
    }
    void stop() {
        if (pid <= 0) return;
        kill(pid, SIGTERM);
        waitpid(pid, nullptr, 0);
        pid = -1;
    }
    ~PrivateBus() { stop(); }
};

PrivateBus* g_bus = nullptr;

} // namespace

/// A stand-in for the desktop's notification server: records each Notify, answers ids.
class FakeNotifications : public QObject {
    Q_OBJECT
    Q_CLASSINFO("D-Bus Interface", "org.freedesktop.Notifications")
public:
    struct Call {
        uint replacesId = 0;
        QString summary, body;
        QStringList actions;
        /// Every argument as text, hints included (to look for text that must not be there).
        QString everything;
        uint answeredId = 0;
    };
    QList<Call> calls;
    QList<uint> closed; ///< ids the app asked to close
    uint nextId = 100;

public slots:
    uint Notify(const QString& app, uint replacesId, const QString& icon, const QString& summary,
                const QString& body, const QStringList& actions, const QVariantMap& hints,
                int timeout) {
        Call c{replacesId, summary, body, actions, {}, 0};
        QStringList all{app, QString::number(replacesId), icon, summary, body};
        all += actions;
        for (auto it = hints.cbegin(); it != hints.cend(); ++it)
            all << it.key() << it.value().toString();
        all << QString::number(timeout);
        c.everything = all.join(QLatin1Char('\n'));
        c.answeredId = replacesId ? replacesId : nextId++;
        calls << c;
        return c.answeredId;
    }
    void CloseNotification(uint id) { closed << id; }
    QStringList GetCapabilities() { return {QStringLiteral("body"), QStringLiteral("actions")}; }
    QString GetServerInformation(QString& vendor, QString& version, QString& spec) {
        vendor = QStringLiteral("test");
        version = QStringLiteral("1");
        spec = QStringLiteral("1.2");
        return QStringLiteral("fake");
    }
};

class TestNotificationsApp : public QObject {
    Q_OBJECT

    std::unique_ptr<e2e::Harness> m_h;
    QTemporaryDir m_dir;
    std::unique_ptr<qt::AppController> m_alice, m_carol;
    FakeNotifications m_fake;
    QString m_conv;
    QString m_title;

    /// Waits until the fake got `n` calls in all; then waits a little more and checks no more
    /// came.
    bool exactly(int n, int settleMs = 600) {
        if (!until([&] { return m_fake.calls.size() >= n; }, 10000)) return false;
        QTest::qWait(settleMs);
        return m_fake.calls.size() == n;
    }
    /// Carol sends `text` in the matter; true once Alice has it.
    bool carolSends(const QString& text) {
        QSignalSpy arrived(m_alice->chat(), &qt::ChatController::messageArrived);
        if (!m_carol->chat()->send(text)) return false;
        return until([&] { return arrived.count() >= 1; });
    }
    int aliceUnread() {
        m_alice->chat()->refreshConversations();
        return cell(m_alice->chat()->conversations(),
                    rowOf(m_alice->chat()->conversations(), CL::IdRole, m_conv), CL::UnreadRole)
            .toInt();
    }

private slots:
    void initTestCase() {
        QQuickStyle::setStyle("Material");
        QVERIFY2(g_bus && g_bus->pid > 0, "no private dbus-daemon");
        // The fake server speaks on a connection of its own, as a desktop's would.
        QDBusConnection server =
            QDBusConnection::connectToBus(QString::fromLatin1(g_bus->address), "fake-server");
        QVERIFY2(server.isConnected(), qPrintable(server.lastError().message()));
        QVERIFY(server.registerObject("/org/freedesktop/Notifications", &m_fake,
                                      QDBusConnection::ExportAllSlots));
        QVERIFY(server.registerService("org.freedesktop.Notifications"));
        QVERIFY(QDBusConnection::sessionBus().isConnected());

        m_h = std::make_unique<e2e::Harness>();
        QVERIFY(m_h->ok());
        QVERIFY(m_dir.isValid());
        m_alice = std::make_unique<qt::AppController>(m_dir.path() + "/alice");
        m_carol = std::make_unique<qt::AppController>(m_dir.path() + "/carol");
        // Only Alice's notifications are under test; both apps share this process's bus.
        m_carol->chat()->notifier()->setEnabled(false);
        m_title = QStringLiteral("Estate of Doe");
        QVERIFY2(openMatter(*m_h, *m_alice, *m_carol, m_title.toStdString()),
                 qPrintable(m_alice->error() + m_carol->error()));
        m_conv = m_alice->chat()->currentConversation();
        QVERIFY(!m_conv.isEmpty());
        // Alice is elsewhere: no conversation open, no active window.
        m_alice->chat()->closeConversation();
        QCOMPARE(QGuiApplication::applicationState() == Qt::ApplicationActive, false);
    }

    void cleanupTestCase() {
        m_alice.reset();
        m_carol.reset();
        m_h.reset();
    }

    /// Issue 23: a background message notifies with the title only; the default hides the text.
    void backgroundMessageNotifiesWithTitleOnlyByDefault() {
        auto* n = m_alice->chat()->notifier();
        QCOMPARE(n->showText(), false);
        QVERIFY2(n->status().isEmpty(), qPrintable(n->status()));
        const QString secret = QStringLiteral("Settlement offer 4711 is final");
        QVERIFY(carolSends(secret));
        // Issue 23's target: shown under 1 s after the message reaches the device.
        QElapsedTimer sinceArrival;
        sinceArrival.start();
        QVERIFY(until([&] { return !m_fake.calls.isEmpty(); }, 5000));
        const qint64 latencyMs = sinceArrival.elapsed();
        qInfo("notification latency after arrival: %lld ms", latencyMs);
        QVERIFY2(latencyMs < 1000, qPrintable(QString::number(latencyMs)));
        QVERIFY(exactly(1));
        const auto& c = m_fake.calls.first();
        QCOMPARE(c.summary, m_title);
        QCOMPARE(c.body, QStringLiteral("New message in Estate of Doe"));
        QVERIFY(c.actions.contains(QStringLiteral("default")));
        QCOMPARE(c.replacesId, 0u);
        QVERIFY2(!c.everything.contains(QStringLiteral("4711")) &&
                     !c.everything.contains(QStringLiteral("Settlement")) &&
                     !c.everything.contains(QStringLiteral("Carol")),
                 qPrintable(c.everything));
        QVERIFY(aliceUnread() >= 1);
    }

    /// With text shown: sender and text; the next one replaces the last; a burst gives one.
    void shownTextNamesSenderReplacesAndCoalescesBursts() {
        auto* n = m_alice->chat()->notifier();
        n->setMinInterval(2000);
        n->setShowText(true);
        QTest::qWait(2100); // past the interval of the last one
        const int before = int(m_fake.calls.size());
        QVERIFY(carolSends(QStringLiteral("Please call me")));
        QVERIFY(exactly(before + 1, 100));
        const auto c = m_fake.calls.last();
        QCOMPARE(c.summary, m_title);
        QVERIFY2(c.body.contains(QStringLiteral("Carol Client")) &&
                     c.body.contains(QStringLiteral("Please call me")),
                 qPrintable(c.body));
        QCOMPARE(c.replacesId, m_fake.calls.at(before - 1).answeredId);
        // A burst inside the interval: one more notification, with the newest text, when it ends.
        QVERIFY(m_carol->chat()->send(QStringLiteral("second")));
        QVERIFY(m_carol->chat()->send(QStringLiteral("third")));
        QVERIFY(exactly(before + 2, 2500));
        QVERIFY2(m_fake.calls.last().body.contains(QStringLiteral("third")),
                 qPrintable(m_fake.calls.last().body));
        n->setShowText(false);
        n->setMinInterval(0);
    }

    /// A muted conversation counts unread but never notifies; the mute survives a restart.
    void mutedConversationStaysQuiet() {
        auto* n = m_alice->chat()->notifier();
        n->setMuted(m_conv, true);
        n->reload(); // as after a restart: read from the profile directory again
        QVERIFY(n->isMuted(m_conv));
        const int before = int(m_fake.calls.size());
        const int unread = aliceUnread();
        QVERIFY(carolSends(QStringLiteral("quiet please")));
        QVERIFY(until([&] { return aliceUnread() == unread + 1; }));
        QTest::qWait(600);
        QCOMPARE(int(m_fake.calls.size()), before);
        n->setMuted(m_conv, false);
        QVERIFY(!n->isMuted(m_conv));
    }

    /// Own messages, edits and retractions stay quiet.
    void ownMessagesEditsAndRetractionsDoNotNotify() {
        const int before = int(m_fake.calls.size());
        QSignalSpy atCarol(m_carol->chat(), &qt::ChatController::messageArrived);
        auto own = m_alice->client()->sendText(m_conv.toStdString(), "from Alice");
        QVERIFY(own);
        QVERIFY(until([&] { return atCarol.count() >= 1; }));
        // Carol changes her mind about a message Alice already has.
        QVERIFY(carolSends(QStringLiteral("draft wording")));
        QVERIFY(exactly(before + 1));
        const QString id = m_carol->chat()->lastEditableMessage().value("messageId").toString();
        QVERIFY(!id.isEmpty());
        QVERIFY(m_carol->chat()->edit(id, QStringLiteral("final wording")));
        QVERIFY(m_carol->chat()->retract(id));
        QTest::qWait(1500);
        QCOMPARE(int(m_fake.calls.size()), before + 1);
    }

    /// Clicking the notification (the "default" action) opens its conversation.
    void clickingTheNotificationOpensTheConversation() {
        QVERIFY(!m_fake.calls.isEmpty());
        m_alice->chat()->closeConversation();
        QDBusConnection server = QDBusConnection(QStringLiteral("fake-server"));
        QDBusMessage invoked = QDBusMessage::createSignal(
            "/org/freedesktop/Notifications", "org.freedesktop.Notifications", "ActionInvoked");
        invoked << m_fake.calls.last().answeredId << QStringLiteral("default");
        QVERIFY(server.send(invoked));
        QVERIFY(until([&] { return m_alice->chat()->currentConversation() == m_conv; }, 5000));
    }

    /// Issue 23: a message in the open conversation of the active window is read at
    /// once and Carol sees her message read; no notification.
    void openConversationInActiveWindowIsReadWithReceipt() {
        Ui ui;
        QVERIFY(ui.load(*m_alice, 900, 700));
        ui.window->requestActivate();
        QVERIFY(QTest::qWaitForWindowActive(ui.window));
        QVERIFY(until([] { return QGuiApplication::applicationState() == Qt::ApplicationActive; }));
        m_alice->chat()->openConversation(m_conv);
        // The screens' switches drive the same settings.
        auto* n = m_alice->chat()->notifier();
        QObject* showText = ui.deep("notificationsShowText");
        QObject* mute = ui.deep("muteSwitch");
        QVERIFY(showText && mute);
        QCOMPARE(showText->property("checked").toBool(), false);
        QCOMPARE(mute->property("checked").toBool(), false);
        mute->setProperty("checked", true);
        QVERIFY(QMetaObject::invokeMethod(mute, "toggled"));
        QVERIFY(n->isMuted(m_conv));
        n->setMuted(m_conv, false);
        QVERIFY(until([&] { return !mute->property("checked").toBool(); }, 2000));
        QCOMPARE(aliceUnread(), 0);
        const int before = int(m_fake.calls.size());
        QVERIFY(carolSends(QStringLiteral("are you there?")));
        const QString id = m_carol->chat()->lastEditableMessage().value("messageId").toString();
        QVERIFY(until([&] {
            auto m = m_carol->client()->message(id.toStdString());
            return m && *m && (*m)->state == client::MessageState::Read;
        }));
        QCOMPARE(aliceUnread(), 0);
        QTest::qWait(300);
        QCOMPARE(int(m_fake.calls.size()), before);
    }

    /// Issue 23: locking (idle, Ctrl+L or the settings) closes the notifications shown, text
    /// included, and nothing is shown while locked: the core is closed, so a message that comes
    /// meanwhile is not even decrypted. After unlocking it notifies as before.
    void lockWithdrawsNotificationsAndStaysQuiet() {
        m_alice->chat()->closeConversation();
        auto* n = m_alice->chat()->notifier();
        n->setShowText(true);
        n->setMinInterval(0);
        const int before = int(m_fake.calls.size());
        QVERIFY(carolSends(QStringLiteral("Privileged detail 99")));
        QVERIFY(until([&] { return m_fake.calls.size() > before; }, 5000));
        const uint shown = m_fake.calls.last().answeredId;
        QVERIFY(m_fake.calls.last().body.contains(QStringLiteral("Privileged detail 99")));
        QVERIFY(until([&] { return n->status().isEmpty(); }));
        QTest::qWait(300); // the id comes back asynchronously

        m_alice->session()->lock();
        QVERIFY(until([&] { return m_fake.closed.contains(shown); }, 5000));
        const int locked = int(m_fake.calls.size());
        QVERIFY(m_carol->chat()->send(QStringLiteral("While locked 77")));
        QVERIFY(m_carol->client()->waitForOutbox(std::chrono::seconds(20)));
        QTest::qWait(1500);
        QCOMPARE(int(m_fake.calls.size()), locked);

        QVERIFY(m_alice->session()->unlock(kPass));
        QVERIFY(until([&] { return m_fake.calls.size() > locked; }, 10000));
        n->setShowText(false);
    }
};

int main(int argc, char** argv) {
    // The bus must be ours before QGuiApplication (and QtDBus) look at the environment.
    PrivateBus bus;
    QString why;
    if (!bus.start(why)) {
        std::fprintf(stderr, "FAIL!  : tst_notifications_app cannot run: %s\n", qPrintable(why));
        return 1;
    }
    qputenv("DBUS_SESSION_BUS_ADDRESS", bus.address);
    g_bus = &bus;
    QGuiApplication app(argc, argv);
    TestNotificationsApp t;
    QTEST_SET_MAIN_SOURCE_PATH
    const int rc = QTest::qExec(&t, argc, argv);
    return rc;
}

#include "tst_notifications_app.moc"
