// H6 (issue 22): the firm's maximum idle lock (manifest version 4, `max_idle_lock_minutes`),
// enforced by the app against a real relay over TLS with Main.qml offscreen:
//   - with no firm maximum a user may choose "never", and the app then never locks;
//   - the firm re-signs its manifest with a maximum; the relay serves it after a restart and the
//     running app adopts it at its next connection: "never" and longer times leave the choices,
//     the user's "never" counts as the firm's time, and the app locks after the firm's time (a
//     test minute is 100 ms, so the user's and the firm's times keep their proportions);
//   - a shorter choice of the user's own still wins; the settings say why the list is shorter;
//   - after unlocking, the held manifest's maximum applies at once, before any connection.

#include <QElapsedTimer>
#include <QQuickItem>
#include <QQuickStyle>
#include <QQuickWindow>
#include <QTemporaryDir>
#include <QtTest>

#include "AppHarness.h"
#include "client/qt/AppController.h"
#include "client/qt/IdleLock.h"
#include "client/qt/SessionController.h"
#include "journal/FirmManifest.h"

using namespace verbatim;
using namespace verbatim::apptest;

namespace {

constexpr int kMinuteMs = 100; // a test minute

/// Milliseconds from now until `idle` locks the app (or -1 after `limitMs`), the window left
/// without input.
qint64 msUntilLocked(qt::IdleLock* idle, int limitMs) {
    QSignalSpy locked(idle, &qt::IdleLock::lockedForIdle);
    QElapsedTimer t;
    t.start();
    if (!locked.wait(limitMs)) return -1;
    return t.elapsed();
}

} // namespace

class TestIdlePolicyApp : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() { QQuickStyle::setStyle("Material"); }

    void firmMaximumLocksTheAppAfterTheFirmsTime() {
        e2e::Harness h;
        QVERIFY(h.ok());
        QTemporaryDir dir;
        qt::AppController alice(dir.path() + "/alice");
        QVERIFY(joinStaff(h, alice, "alice", proto::ROLE_LAWYER, "Alice Adams"));
        Ui ui;
        QVERIFY(ui.load(alice, 390, 844));
        auto* idle = alice.session()->idleLock();
        QVERIFY(idle->armed());
        QCOMPARE(idle->firmMaximum(), 0);
        QVERIFY(idle->choices().contains(0));

        // No firm maximum: the user's "never" holds.
        idle->setMinutes(0);
        QCOMPARE(idle->minutes(), 0);
        QCOMPARE(idle->effectiveMinutes(), 0);
        idle->setMinuteLengthForTest(kMinuteMs);
        QCOMPARE(msUntilLocked(idle, 2000), qint64(-1));
        QCOMPARE(alice.session()->screen(), QStringLiteral("ready"));

        // The firm signs a maximum of 5 minutes; the running app adopts it at its next
        // connection to the restarted relay.
        h.setManifestTweak([](journal::FirmManifest& m) { m.policy.maxIdleLockMinutes = 5; });
        QVERIFY(h.restart());
        QVERIFY(until([&] { return idle->firmMaximum() == 5; }, 30000));
        // (Real minutes while the settings are looked at: the firm's 5 would lock meanwhile.)
        idle->setMinuteLengthForTest(60 * 1000);
        QCOMPARE(idle->minutes(), 0); // the user's choice is kept, and capped
        QCOMPARE(idle->effectiveMinutes(), 5);
        QCOMPARE(idle->choices(), (QList<int>{1, 2, 5}));
        // Longer and "never" are refused; the settings say why.
        idle->setMinutes(10);
        QCOMPARE(idle->minutes(), 0);
        idle->setMinutes(0);
        QCOMPARE(idle->effectiveMinutes(), 5);
        auto* settings = ui.find("settingsDialog");
        QVERIFY(settings);
        QVERIFY(QMetaObject::invokeMethod(settings, "open"));
        QVERIFY(until([&] { return settings->property("opened").toBool(); }));
        QVERIFY(until([&] {
            return ui.shows("idleLockFirmNote", [](const QString& t) {
                return t.startsWith("Your firm's policy locks Verbatim after at most 5 minutes");
            });
        }));
        auto* choice = ui.deep("idleLockChoice");
        QVERIFY(choice);
        QCOMPARE(choice->property("displayText").toString(), QStringLiteral("5 minutes"));
        QVERIFY(ui.shoot("idle-lock-policy-phone-light"));
        QVERIFY(QMetaObject::invokeMethod(settings, "close"));
        QVERIFY(until([&] { return !settings->property("visible").toBool(); }));

        // Left alone, the app locks after the firm's 5 (test) minutes, not never.
        idle->setMinuteLengthForTest(kMinuteMs);
        const qint64 firmMs = msUntilLocked(idle, 20 * 5 * kMinuteMs);
        QVERIFY2(firmMs >= 4 * kMinuteMs, qPrintable(QString::number(firmMs)));
        QCOMPARE(alice.session()->screen(), QStringLiteral("unlock"));
        QVERIFY(alice.client() == nullptr); // the store closed, the key dropped
        QVERIFY(until([&] {
            return ui.shows("idleLockNote", [](const QString& t) {
                return t == QStringLiteral("Locked after 5 minutes without use.");
            });
        }));

        // The app started again: unlocked, the held manifest's maximum applies at once (the
        // profile's own copy, verified at unlock), whatever the relay is doing.
        qt::AppController again(dir.path() + "/alice");
        auto* next = again.session()->idleLock();
        QCOMPARE(next->firmMaximum(), 0); // not known while locked
        QCOMPARE(next->minutes(), 0);     // the user's "never", kept in lock.ini
        QVERIFY(again.session()->unlock(kPass));
        QCOMPARE(next->firmMaximum(), 5);
        QCOMPARE(next->effectiveMinutes(), 5);
        QVERIFY(next->armed());

        // A shorter choice of the user's own still wins over the firm's maximum.
        next->setMinuteLengthForTest(kMinuteMs);
        next->setMinutes(1);
        QCOMPARE(next->effectiveMinutes(), 1);
        const qint64 ownMs = msUntilLocked(next, 20 * 5 * kMinuteMs);
        QVERIFY2(ownMs > 0 && ownMs < 5 * kMinuteMs - 50, qPrintable(QString::number(ownMs)));
        QVERIFY(again.client() == nullptr);
    }
};

QTEST_MAIN(TestIdlePolicyApp)
#include "tst_idle_policy_app.moc"
