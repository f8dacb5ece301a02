// Issue 18: the GUI thread never waits on the network. A lawyer's app talks to a real relay over
// TLS through a TCP proxy in this test; the proxy stops forwarding (a relay that stalls without
// closing anything), and while it stalls the app sends twice and asks for an invite. A QTimer on
// the GUI thread must keep firing throughout, and each call must return at once. Before the fix
// the client's worker held its data lock across the send's relay round trip (30 s timeout), so
// the second send froze the GUI thread on that lock, and createInvite() made its round trip on
// the GUI thread itself. When the proxy forwards again, everything that waited completes.

#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <thread>
#include <vector>

#include "AppHarness.h"
#include "TestKdfCost.h"
#include "client/core/Client.h"
#include "client/qt/AppController.h"
#include "client/qt/QmlModules.h"

using namespace verbatim;
using namespace std::chrono_literals;
using verbatim::apptest::until;

namespace {

constexpr const char* kPass = "stall test passphrase";

/// A loopback TCP proxy on its own thread that forwards to `target` until stall(true): then it
/// holds every byte (in both directions, connections stay open) until stall(false).
class StallProxy {
public:
    explicit StallProxy(std::uint16_t target) : m_target(target) {
        m_listen = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t len = sizeof a;
        if (m_listen < 0 || ::bind(m_listen, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
            ::listen(m_listen, 16) != 0 ||
            ::getsockname(m_listen, reinterpret_cast<sockaddr*>(&a), &len) != 0)
            return;
        m_port = ntohs(a.sin_port);
        m_thread = std::thread([this] { loop(); });
    }
    ~StallProxy() {
        m_stop = true;
        if (m_thread.joinable()) m_thread.join();
        for (auto& p : m_pairs) {
            ::close(p.first);
            ::close(p.second);
        }
        if (m_listen >= 0) ::close(m_listen);
    }
    std::uint16_t port() const { return m_port; }
    void stall(bool on) { m_stalled = on; }

private:
    void loop() {
        while (!m_stop) {
            std::vector<pollfd> fds{{m_listen, POLLIN, 0}};
            if (!m_stalled)
                for (auto& p : m_pairs) {
                    fds.push_back({p.first, POLLIN, 0});
                    fds.push_back({p.second, POLLIN, 0});
                }
            if (::poll(fds.data(), fds.size(), 20) <= 0) continue;
            if (fds[0].revents & POLLIN) accept();
            for (std::size_t i = 1; i < fds.size(); ++i) {
                if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
                auto& pair = m_pairs[(i - 1) / 2];
                const int from = fds[i].fd, to = from == pair.first ? pair.second : pair.first;
                char buf[16384];
                const ssize_t n = ::read(from, buf, sizeof buf);
                if (n <= 0) {
                    ::shutdown(to, SHUT_WR);
                    continue;
                }
                for (ssize_t done = 0; done < n;) {
                    const ssize_t w = ::write(to, buf + done, std::size_t(n - done));
                    if (w <= 0) break;
                    done += w;
                }
            }
        }
    }
    void accept() {
        const int in = ::accept(m_listen, nullptr, nullptr);
        if (in < 0) return;
        const int out = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        a.sin_port = htons(m_target);
        if (out < 0 || ::connect(out, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
            ::close(in);
            if (out >= 0) ::close(out);
            return;
        }
        m_pairs.emplace_back(in, out);
    }

    std::uint16_t m_target = 0, m_port = 0;
    int m_listen = -1;
    std::vector<std::pair<int, int>> m_pairs; ///< (accepted, to the relay); proxy thread only
    std::atomic<bool> m_stalled{false}, m_stop{false};
    std::thread m_thread;
};

/// `link` with its relay address replaced by `address`.
std::string via(std::string link, const std::string& from, const std::string& address) {
    const auto at = link.find("relay=" + from);
    if (at != std::string::npos) link.replace(at + 6, from.size(), address);
    return link;
}

int stateOf(client::Client& c, const std::string& id) {
    auto m = c.message(id);
    return m && *m ? int((*m)->state) : -1;
}

} // namespace

class TestAppStall : public QObject {
    Q_OBJECT
private slots:
    void guiThreadKeepsTurningWhileTheRelayStalls();
    void passphraseKeyDerivationRunsOffTheGuiThread();
};

void TestAppStall::guiThreadKeepsTurningWhileTheRelayStalls() {
    e2e::Harness h;
    QVERIFY(h.ok());
    StallProxy proxy(h.endpoint().port);
    QVERIFY(proxy.port());
    const std::string direct = "127.0.0.1:" + std::to_string(h.endpoint().port);
    const std::string proxied = "127.0.0.1:" + std::to_string(proxy.port());
    // The firm's manifest names both addresses, so that a profile may use the proxied one.
    h.setManifestRelays({direct, proxied}, {});
    QVERIFY(h.restart());

    QTemporaryDir dir;
    qt::AppController lawyer(dir.path() + "/alice");
    QVERIFY2(
        lawyer.session()->join(
            QString::fromStdString(via(h.enrollLink("alice", proto::ROLE_LAWYER), direct, proxied)),
            "Alice Adams", kPass),
        qPrintable(lawyer.error()));
    QCOMPARE(QString::fromStdString(lawyer.client()->account().relay),
             QString::fromStdString(proxied));
    // Bob, a colleague on a device of the harness's, shares a new matter with her: her worker has
    // neither his devices nor his keys yet, so her first send there must ask the relay for both.
    auto bob = h.enrollStaff("bob", proto::ROLE_LAWYER);
    QVERIFY(bob && bob->connect(h.endpoint()));
    QVERIFY(until([&] { return lawyer.session()->connected(); }));
    QVERIFY(lawyer.client()->waitUntilSynced(20s));
    auto matter = lawyer.client()->createConversation("Estate of Doe", true, {"bob"});
    QVERIFY2(matter, matter ? "" : matter.error().message.c_str());
    QVERIFY(until([&] { return lawyer.chat()->conversations()->rowCount() == 1; }));
    lawyer.chat()->openConversation(QString::fromStdString(*matter));
    QCOMPARE(lawyer.chat()->currentConversation(), QString::fromStdString(*matter));

    // The GUI thread's pulse: a 10 ms timer, and the longest gap between two of its ticks.
    QTimer pulse;
    QElapsedTimer sinceTick;
    qint64 worstGap = 0;
    int ticks = 0;
    connect(&pulse, &QTimer::timeout, this, [&] {
        worstGap = std::max(worstGap, sinceTick.restart());
        ++ticks;
    });
    sinceTick.start();
    pulse.start(10);

    proxy.stall(true);
    QElapsedTimer call;
    call.start();
    // The first send makes the worker ask the relay for the matter's devices (and Carol's keys).
    QVERIFY(lawyer.chat()->send("first, while the relay stalls"));
    QVERIFY2(call.elapsed() < 1000, qPrintable(QString::number(call.elapsed())));
    QTest::qWait(700); // the worker is inside that round trip now
    const int ticksBefore = ticks;
    call.restart();
    QVERIFY(lawyer.chat()->send("second, while the relay stalls"));
    const qint64 secondSend = call.elapsed();
    QVERIFY2(secondSend < 1000,
             qPrintable(
                 QStringLiteral("the second send held the GUI thread for %1 ms").arg(secondSend)));
    QSignalSpy invites(lawyer.chat(), &qt::ChatController::inviteCreated);
    call.restart();
    lawyer.chat()->createInvite();
    const qint64 inviteCall = call.elapsed();
    QVERIFY2(
        inviteCall < 1000,
        qPrintable(QStringLiteral("createInvite held the GUI thread for %1 ms").arg(inviteCall)));
    // The device-linking screen's round trips: a link for another device, the device list.
    QSignalSpy deviceLink(lawyer.deviceLinking(), &qt::DeviceLinkController::deviceLinkFinished);
    QSignalSpy deviceList(lawyer.deviceLinking(), &qt::DeviceLinkController::devicesRefreshed);
    call.restart();
    lawyer.deviceLinking()->createDeviceLink();
    lawyer.deviceLinking()->refreshDevices();
    const qint64 devicesCall = call.elapsed();
    QVERIFY2(devicesCall < 1000,
             qPrintable(QStringLiteral("createDeviceLink and refreshDevices held the GUI thread "
                                       "for %1 ms")
                            .arg(devicesCall)));
    QVERIFY(lawyer.deviceLinking()->deviceLinkBusy());
    // The chat's local calls take the core's data lock, which no relay call holds: opening the
    // conversation again (its read receipt is queued), a search, the safety-number check.
    call.restart();
    lawyer.chat()->openConversation(QString::fromStdString(*matter));
    lawyer.chat()->search(QStringLiteral("stalls"));
    (void)lawyer.chat()->safetyNumberChanged(QStringLiteral("bob"));
    const qint64 localCalls = call.elapsed();
    QVERIFY2(localCalls < 1000,
             qPrintable(QStringLiteral("the chat's local calls held the GUI thread for %1 ms")
                            .arg(localCalls)));
    QCOMPARE(lawyer.chat()->searchResults()->rowCount(), 2);
    QTest::qWait(1500);
    QVERIFY2(worstGap < 1000,
             qPrintable(QStringLiteral("the GUI thread stood still for %1 ms").arg(worstGap)));
    QVERIFY2(ticks - ticksBefore >= 30,
             qPrintable(QStringLiteral("%1 ticks in 1.5 s").arg(ticks - ticksBefore)));
    QCOMPARE(invites.count(), 0); // the relay has not answered: nothing made up meanwhile
    QCOMPARE(deviceLink.count(), 0);
    QCOMPARE(deviceList.count(), 0);
    // Nothing left: both are still queued.
    const auto history = lawyer.client()->history(*matter);
    QVERIFY(history);
    std::vector<std::string> sent;
    for (const auto& m : *history)
        if (m.outgoing && m.kind == client::MessageKind::Text) sent.push_back(m.id);
    QCOMPARE(sent.size(), std::size_t(2));
    for (const auto& id : sent)
        QCOMPARE(stateOf(*lawyer.client(), id), int(client::MessageState::Queued));

    // The relay answers again: the invite arrives, both messages go out and reach Bob.
    proxy.stall(false);
    QVERIFY(until([&] { return invites.count() == 1; }));
    const QString link = invites.first().first().toString();
    QVERIFY2(link.startsWith("https://") && link.contains("/i/#"), qPrintable(link));
    QVERIFY(until([&] { return deviceLink.count() == 1 && deviceList.count() == 1; }));
    QVERIFY2(deviceLink.first().first().toBool(), qPrintable(lawyer.error()));
    QVERIFY(lawyer.deviceLinking()->deviceLink().startsWith("verbatim://"));
    QVERIFY(deviceList.first().first().toBool());
    for (const auto& id : sent)
        QVERIFY(until([&] {
            const int s = stateOf(*lawyer.client(), id);
            return s == int(client::MessageState::Sent) ||
                   s == int(client::MessageState::Delivered) ||
                   s == int(client::MessageState::Read);
        }));
    const auto envelopes = bob->waitForEnvelopes(2);
    QCOMPARE(envelopes.size(), std::size_t(2));
    QStringList bodies;
    for (const auto& e : envelopes) {
        auto rec = h.open(*bob, e);
        QVERIFY2(rec, rec ? "" : rec.error().message.c_str());
        bodies << QString::fromStdString(rec->body());
    }
    QCOMPARE(bodies,
             (QStringList{"first, while the relay stalls", "second, while the relay stalls"}));
}

// Issue 18: the slow local calls leave the GUI thread too. Unlocking and changing the passphrase
// run scrypt at the production cost (N = 2^17, about a third of a second, more on a busy
// machine) and open or re-key the database: the unlock page and the settings dialog ask for
// them in the background, and the answer comes as a signal. Before, both ran in the click
// handler, so the window froze for the length of the key derivation.
void TestAppStall::passphraseKeyDerivationRunsOffTheGuiThread() {
    e2e::Harness h;
    QVERIFY(h.ok());
    QTemporaryDir dir;
    testsupport::useProductionKdfCost(true); // the profile's box gets the production cost
    qt::AppController lawyer(dir.path() + "/dana");
    const bool joined = lawyer.session()->join(
        QString::fromStdString(h.enrollLink("dana", proto::ROLE_LAWYER)), "Dana", kPass);
    testsupport::useProductionKdfCost(false);
    QVERIFY2(joined, qPrintable(lawyer.error()));
    lawyer.session()->lock();
    QVERIFY(!lawyer.client());

    QTimer pulse;
    QElapsedTimer sinceTick;
    qint64 worstGap = 0;
    connect(&pulse, &QTimer::timeout, this,
            [&] { worstGap = std::max(worstGap, sinceTick.restart()); });
    sinceTick.start();
    pulse.start(10);

    // Unlock: the call returns before the profile is open; the answer comes later.
    QSignalSpy unlocked(lawyer.session(), &qt::SessionController::unlockFinished);
    QElapsedTimer call;
    call.start();
    QVERIFY(lawyer.session()->unlockInBackground(kPass));
    const qint64 unlockCall = call.elapsed();
    QVERIFY2(!lawyer.client(), "the profile was opened on the GUI thread");
    QVERIFY(lawyer.session()->busy());
    QCOMPARE(unlocked.count(), 0);
    QVERIFY(!lawyer.session()->unlockInBackground(kPass)); // one at a time
    QVERIFY(unlocked.wait(30000));
    const qint64 unlockTook = call.elapsed();
    QVERIFY(unlocked.first().first().toBool());
    QVERIFY(lawyer.client());
    QVERIFY(!lawyer.session()->busy());
    QCOMPARE(lawyer.session()->screen(), QStringLiteral("ready"));
    QVERIFY2(unlockCall < 100,
             qPrintable(QStringLiteral("unlockInBackground held the GUI thread for %1 ms of %2")
                            .arg(unlockCall)
                            .arg(unlockTook)));

    // Changing the passphrase of the open profile: two key derivations, on the worker.
    const QString next = QStringLiteral("a new stall test passphrase");
    QSignalSpy changed(lawyer.session(), &qt::SessionController::passphraseChangeFinished);
    call.restart();
    QVERIFY(lawyer.session()->changePassphraseInBackground(kPass, next));
    const qint64 changeCall = call.elapsed();
    QCOMPARE(changed.count(), 0);
    QVERIFY(lawyer.session()->busy());
    QVERIFY(changed.wait(30000));
    const qint64 changeTook = call.elapsed();
    QVERIFY2(changed.first().first().toBool(), qPrintable(lawyer.error()));
    QVERIFY2(changeCall < 100,
             qPrintable(QStringLiteral("changePassphraseInBackground held the GUI thread for %1 "
                                       "ms of %2")
                            .arg(changeCall)
                            .arg(changeTook)));
    QVERIFY2(worstGap < 250,
             qPrintable(QStringLiteral("the GUI thread stood still for %1 ms (unlock %2 ms, "
                                       "change %3 ms)")
                            .arg(worstGap)
                            .arg(unlockTook)
                            .arg(changeTook)));

    // The new passphrase is the one that opens the profile now.
    lawyer.session()->lock();
    QVERIFY(!lawyer.session()->unlock(kPass));
    QVERIFY(lawyer.session()->unlock(next));

    // Locking while a change runs waits for it and drops its answer: the session is not left
    // busy (which would disable the unlock and change buttons for good).
    QVERIFY(lawyer.session()->changePassphraseInBackground(next, next + "!"));
    QVERIFY(lawyer.session()->busy());
    lawyer.session()->lock();
    QVERIFY(!lawyer.session()->busy());
    QTest::qWait(100);
    QCOMPARE(changed.count(), 1);
    QCOMPARE(lawyer.session()->screen(), QStringLiteral("unlock"));
}

QTEST_MAIN(TestAppStall)
#include "tst_app_stall.moc"
