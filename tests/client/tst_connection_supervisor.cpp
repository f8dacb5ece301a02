// The connection supervisor on its own (client/core/ConnectionSupervisor.h): against a fake
// relay that accepts TCP and hangs up (backoff, and stop() that does not wait it out), and
// against a real relay over TLS (connect, reconnect after a restart and on request, stop for good
// when the firm revokes the device).
#include <QtTest>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/ssl.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "../e2e/E2EHarness.h"
#include "client/core/ConnectionSupervisor.h"

using namespace verbatim;
using namespace verbatim::client;
using namespace std::chrono_literals;

namespace {

template <class F> bool until(F f, int ms = 10000) {
    QElapsedTimer t;
    t.start();
    while (!f() && t.elapsed() < ms)
        QTest::qWait(20);
    return f();
}

/// What the supervisor reported, from its threads.
struct Recorder {
    std::mutex mutex;
    std::vector<Event::Kind> events;
    std::atomic<int> attempts{0}, closes{0};
    ConnectionSupervisor::Hooks hooks(std::vector<Endpoint> endpoints) {
        ConnectionSupervisor::Hooks h;
        h.endpoints = [endpoints] { return endpoints; };
        h.push = [](const proto::Push&) {};
        h.beforeConnect = [this] { ++attempts; };
        h.report = [this](const Event& e) {
            std::lock_guard lock(mutex);
            events.push_back(e.kind);
        };
        h.closed = [this] { ++closes; };
        return h;
    }
    int count(Event::Kind k) {
        std::lock_guard lock(mutex);
        return int(std::count(events.begin(), events.end(), k));
    }
};

/// The credentials of a device the harness enrolled, as the supervisor takes them.
DeviceCredentials credentialsOf(const e2e::Device& d) {
    return {d.user, d.device, d.credentials.secret};
}

/// Whether `s` is connected and prefers the relay of `h` (it served the device).
bool onPreferred(const ConnectionSupervisor& s, const e2e::Harness& h) {
    return s.isConnected() && s.preferredAddress() == ConnectionSupervisor::addressOf(h.endpoint());
}

/// A listening TCP socket on 127.0.0.1 at a free port, which `port` receives (0: it failed;
/// the socket, if any, is still returned for the caller to close).
int listenOnLoopback(std::uint16_t& port) {
    port = 0;
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) || ::listen(fd, 8) ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len))
        return fd;
    port = ntohs(a.sin_port);
    return fd;
}

/// A "relay" that accepts TCP connections and closes them at once (or, with `hold`, keeps them
/// open and never answers: a wedged node), on its own thread.
class HangUp {
public:
    explicit HangUp(bool hold = false) {
        m_fd = listenOnLoopback(m_port);
        if (!m_port) return;
        m_thread = std::thread([this, hold] {
            while (true) {
                const int c = ::accept(m_fd, nullptr, nullptr);
                if (c < 0) return;
                ++m_accepted;
                if (hold)
                    m_held.push_back(c);
                else
                    ::close(c);
            }
        });
    }
    ~HangUp() {
        ::shutdown(m_fd, SHUT_RDWR);
        ::close(m_fd);
        if (m_thread.joinable()) m_thread.join();
        for (int c : m_held)
            ::close(c);
    }
    std::uint16_t port() const { return m_port; }
    /// Where it listens, as a relay address.
    Endpoint endpoint() const { return Endpoint{"127.0.0.1", m_port, {}, {}}; }
    int accepted() const { return m_accepted; }

private:
    std::atomic<int> m_accepted{0};
    std::vector<int> m_held; ///< accept thread only, then the destructor
    int m_fd = -1;
    std::uint16_t m_port = 0;
    std::thread m_thread;
};

/// A node that accepts the WebSocket upgrade and then fails (issue 20): over TLS with the relay's
/// own certificate (so the pin matches), it answers every upgrade with 101 and then either closes
/// at once with 1011 (as the relay does when its store fails) or says nothing more (wedged).
class AcceptThenFail {
public:
    enum class Mode { Close, Silent, Forbid };
    /// With the certificate and key of the relay `h` runs (so that its pin matches).
    AcceptThenFail(Mode mode, const e2e::Harness& h)
        : AcceptThenFail(mode, (h.dataDir() + "/tls.crt").toStdString(),
                         (h.dataDir() + "/tls.key").toStdString()) {}
    AcceptThenFail(Mode mode, const std::string& certFile, const std::string& keyFile)
        : m_tls(SSL_CTX_new(TLS_server_method())) {
        if (!m_tls || SSL_CTX_use_certificate_chain_file(m_tls, certFile.c_str()) != 1 ||
            SSL_CTX_use_PrivateKey_file(m_tls, keyFile.c_str(), SSL_FILETYPE_PEM) != 1)
            return;
        m_fd = listenOnLoopback(m_port);
        if (!m_port) return;
        m_thread = std::thread([this, mode] {
            while (true) {
                const int c = ::accept(m_fd, nullptr, nullptr);
                if (c < 0) return;
                SSL* ssl = SSL_new(m_tls);
                SSL_set_fd(ssl, c);
                if (mode == Mode::Forbid) {
                    if (SSL_accept(ssl) == 1 && !readHead(ssl).empty()) {
                        ++m_upgraded; // counts the refusals
                        const std::string no = "HTTP/1.1 403 Forbidden\r\nContent-Length: "
                                               "0\r\nConnection: close\r\n\r\n";
                        SSL_write(ssl, no.data(), int(no.size()));
                    }
                } else if (SSL_accept(ssl) == 1 && upgrade(ssl)) {
                    ++m_upgraded;
                    if (mode == Mode::Close) {
                        const unsigned char close1011[] = {0x88, 0x02, 0x03, 0xF3};
                        SSL_write(ssl, close1011, sizeof close1011);
                    }
                }
                if (mode == Mode::Silent) {
                    m_held.push_back(ssl);
                } else {
                    SSL_shutdown(ssl);
                    SSL_free(ssl);
                    ::close(c);
                }
            }
        });
    }
    ~AcceptThenFail() {
        if (m_fd >= 0) {
            ::shutdown(m_fd, SHUT_RDWR);
            ::close(m_fd);
        }
        if (m_thread.joinable()) m_thread.join();
        for (SSL* ssl : m_held) {
            ::close(SSL_get_fd(ssl));
            SSL_free(ssl);
        }
        SSL_CTX_free(m_tls);
    }
    std::uint16_t port() const { return m_port; }
    int upgraded() const { return m_upgraded; }
    Endpoint endpoint(const Endpoint& relay) const {
        auto ep = relay;
        ep.port = m_port;
        return ep;
    }

private:
    // The request head, up to the blank line ("" if the peer went away first).
    static std::string readHead(SSL* ssl) {
        std::string head;
        char buf[1024];
        while (head.find("\r\n\r\n") == std::string::npos && head.size() < 65536) {
            const int n = SSL_read(ssl, buf, sizeof buf);
            if (n <= 0) return {};
            head.append(buf, std::size_t(n));
        }
        return head;
    }
    // Reads the upgrade request and answers 101 with the RFC 6455 accept value.
    static bool upgrade(SSL* ssl) {
        const std::string head = readHead(ssl);
        if (head.empty()) return false;
        const std::string field = "sec-websocket-key:";
        std::string lower = head;
        std::transform(lower.begin(), lower.end(), lower.begin(),
                       [](unsigned char ch) { return char(std::tolower(ch)); });
        const auto at = lower.find(field);
        if (at == std::string::npos) return false;
        auto begin = head.find_first_not_of(' ', at + field.size());
        auto key = head.substr(begin, head.find("\r\n", begin) - begin);
        key += "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
        unsigned char digest[20];
        unsigned int digestLen = 0;
        EVP_Digest(key.data(), key.size(), digest, &digestLen, EVP_sha1(), nullptr);
        unsigned char accept[64] = {};
        EVP_EncodeBlock(accept, digest, int(digestLen));
        const std::string answer = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                                   "Connection: Upgrade\r\nSec-WebSocket-Accept: " +
                                   std::string(reinterpret_cast<char*>(accept)) + "\r\n\r\n";
        return SSL_write(ssl, answer.data(), int(answer.size())) == int(answer.size());
    }

    SSL_CTX* m_tls;
    std::atomic<int> m_upgraded{0};
    std::vector<SSL*> m_held; ///< accept thread only, then the destructor
    int m_fd = -1;
    std::uint16_t m_port = 0;
    std::thread m_thread;
};

} // namespace

class TestConnectionSupervisor : public QObject {
    Q_OBJECT
private slots:
    void backsOffAgainstARelayThatHangsUpAndStopsAtOnce();
    void reconnectsAfterARestartAndOnRequestAndStopsWhenRevoked();
    void movesToTheNextAddressAndPrefersTheOneThatWorked();
    void aNodeThatAcceptsAndNeverAnswersPassesTheTurnAfterTheTimeout();
    void aNodeThatUpgradesAndClosesPassesTheTurnToAHealthyOne();
    void aNodeThatUpgradesAndClosesIsRetriedWithGrowingBackoff();
    void aNodeThatUpgradesAndStaysSilentPassesTheTurnAfterTheDrainTimeout();
    void oneNodesForbiddenDoesNotRevokeWhileAnotherLetsTheDeviceIn();
};

void TestConnectionSupervisor::backsOffAgainstARelayThatHangsUpAndStopsAtOnce() {
    HangUp relay;
    QVERIFY(relay.port());
    Recorder r;
    DeviceCredentials creds{"alice", 1, SecureBytes(32, 1)};
    ConnectionSupervisor s(creds, r.hooks({relay.endpoint()}));
    s.start();
    QVERIFY(s.running());
    // Attempts at about 0, 0.25, 0.75 and 1.75 s: three or four in 1.5 s, never a tight loop.
    QTest::qWait(1500);
    QVERIFY2(r.attempts >= 2 && r.attempts <= 5, qPrintable(QString::number(r.attempts)));
    QVERIFY(!s.isConnected());
    QVERIFY(!s.connection());
    QCOMPARE(r.count(Event::Kind::Connected), 0);
    // stop() interrupts the backoff instead of waiting it out.
    QElapsedTimer t;
    t.start();
    s.stop();
    QVERIFY2(t.elapsed() < 1000, qPrintable(QString::number(t.elapsed())));
    QVERIFY(!s.running());
    const int after = r.attempts;
    QTest::qWait(600);
    QCOMPARE(int(r.attempts), after);
}

void TestConnectionSupervisor::reconnectsAfterARestartAndOnRequestAndStopsWhenRevoked() {
    e2e::Harness h;
    QVERIFY(h.ok());
    auto alice = h.enrollStaff("alice", proto::ROLE_LAWYER);
    QVERIFY(alice);
    Recorder r;
    const DeviceCredentials creds = credentialsOf(*alice);
    ConnectionSupervisor s(creds, r.hooks({h.endpoint()}));
    s.start();
    QVERIFY(until([&] { return s.isConnected(); }));
    QCOMPARE(r.count(Event::Kind::Connected), 1);
    auto c = s.connection();
    QVERIFY(c);
    proto::Request ping;
    ping.mutable_list_conversations();
    auto answer = c->call(ping, 5s);
    QVERIFY(answer && answer->status() == proto::STATUS_OK);
    c.reset();

    // The relay goes away and comes back on the same port: the supervisor reconnects by itself.
    h.stop();
    QVERIFY(until([&] { return r.count(Event::Kind::Disconnected) == 1; }));
    QVERIFY(!s.isConnected());
    QVERIFY(h.restart());
    QVERIFY(until([&] { return r.count(Event::Kind::Connected) == 2; }, 15000));

    // On request (the worker could not store a message): closed, then back after a pause.
    s.reconnect();
    QVERIFY(until([&] { return r.count(Event::Kind::Disconnected) == 2; }));
    QVERIFY(until([&] { return r.count(Event::Kind::Connected) == 3; }));

    // Revoked by the firm: closed, reported once, and no further attempt.
    QVERIFY(h.service().revokeDevice("alice", alice->device, "test"));
    QVERIFY(until([&] { return s.revoked(); }));
    QCOMPARE(r.count(Event::Kind::Revoked), 1);
    const int attempts = r.attempts;
    QTest::qWait(1500);
    QCOMPARE(int(r.attempts), attempts);
    QVERIFY(!s.isConnected());
    s.stop();
}

// C-FAIL-1 (issue 20): the first address hangs up; the supervisor moves to the next one within
// the same round (a short random pause, not the backoff), keeps it as the preferred address,
// and goes back to it first on the next connection.
void TestConnectionSupervisor::movesToTheNextAddressAndPrefersTheOneThatWorked() {
    HangUp dead;
    QVERIFY(dead.port());
    e2e::Harness h;
    QVERIFY(h.ok());
    auto alice = h.enrollStaff("alice", proto::ROLE_LAWYER);
    QVERIFY(alice);
    Recorder r;
    const DeviceCredentials creds = credentialsOf(*alice);
    const Endpoint first{"127.0.0.1", dead.port(), {}, {}};
    std::vector<Endpoint> connectedTo;
    std::mutex mutex;
    auto hooks = r.hooks({first, h.endpoint()});
    hooks.connectedTo = [&](const Endpoint& ep) {
        std::lock_guard lock(mutex);
        connectedTo.push_back(ep);
    };
    ConnectionSupervisor s(creds, std::move(hooks));
    QElapsedTimer t;
    t.start();
    s.start();
    QVERIFY(until([&] { return s.isConnected(); }));
    // One refusal, then the next address in the same round.
    QVERIFY2(t.elapsed() < 5000, qPrintable(QString::number(t.elapsed())));
    QCOMPARE(dead.accepted(), 1);
    QCOMPARE(r.attempts.load(), 2);
    // Preferred once the node served the device (its QueueDrained), not at the upgrade.
    QVERIFY(until(
        [&] { return s.preferredAddress() == ConnectionSupervisor::addressOf(h.endpoint()); }));
    {
        std::lock_guard lock(mutex);
        QCOMPARE(connectedTo.size(), std::size_t(1));
        QCOMPARE(connectedTo[0].port, h.endpoint().port);
    }
    // The next connection goes to the address that worked, not back to the first of the list.
    s.reconnect();
    QVERIFY(until([&] { return r.count(Event::Kind::Connected) == 2; }));
    QCOMPARE(dead.accepted(), 1);
    s.stop();
}

// C-FAIL-1: a node that accepts TCP and then never answers (stopped or wedged) costs the
// connect timeout and no more: the TLS handshake has a deadline too, and the next address gets
// the turn.
void TestConnectionSupervisor::aNodeThatAcceptsAndNeverAnswersPassesTheTurnAfterTheTimeout() {
    HangUp wedged(true);
    QVERIFY(wedged.port());
    e2e::Harness h;
    QVERIFY(h.ok());
    auto alice = h.enrollStaff("alice", proto::ROLE_LAWYER);
    QVERIFY(alice);
    Recorder r;
    const DeviceCredentials creds = credentialsOf(*alice);
    ConnectionSupervisor s(creds, r.hooks({wedged.endpoint(), h.endpoint()}),
                           std::chrono::milliseconds(800));
    QElapsedTimer t;
    t.start();
    s.start();
    QVERIFY(until([&] { return s.isConnected(); }, 8000));
    QCOMPARE(wedged.accepted(), 1);
    QVERIFY2(t.elapsed() >= 700, qPrintable(QString::number(t.elapsed())));
    s.stop();
}

// C-FAIL-2 (issue 20): a node that accepts the upgrade and closes at once (1011) is no success:
// it does not become the preferred address and the next one gets the turn, so the device ends
// up on the healthy node and stays there.
void TestConnectionSupervisor::aNodeThatUpgradesAndClosesPassesTheTurnToAHealthyOne() {
    e2e::Harness h;
    QVERIFY(h.ok());
    AcceptThenFail broken(AcceptThenFail::Mode::Close, h);
    QVERIFY(broken.port());
    auto alice = h.enrollStaff("alice", proto::ROLE_LAWYER);
    QVERIFY(alice);
    Recorder r;
    const DeviceCredentials creds = credentialsOf(*alice);
    ConnectionSupervisor s(creds, r.hooks({broken.endpoint(h.endpoint()), h.endpoint()}), 2s, 2s);
    s.start();
    QVERIFY2(until([&] { return onPreferred(s, h); }, 5000),
             qPrintable(QString::fromStdString(s.preferredAddress()) + " after " +
                        QString::number(broken.upgraded()) + " upgrades by the broken node"));
    QCOMPARE(broken.upgraded(), 1);
    // And it stays there: no storm against the broken node.
    QTest::qWait(1000);
    QCOMPARE(broken.upgraded(), 1);
    QVERIFY(s.isConnected());
    s.stop();
}

// C-FAIL-2: with only a node that upgrades and closes (and one that refuses), the attempts back
// off as for a refusal: a handful in three seconds, not a reconnect storm.
void TestConnectionSupervisor::aNodeThatUpgradesAndClosesIsRetriedWithGrowingBackoff() {
    e2e::Harness h;
    QVERIFY(h.ok());
    AcceptThenFail broken(AcceptThenFail::Mode::Close, h);
    QVERIFY(broken.port());
    HangUp dead;
    QVERIFY(dead.port());
    Recorder r;
    DeviceCredentials creds{"alice", 1, SecureBytes(32, 1)};
    ConnectionSupervisor s(creds, r.hooks({broken.endpoint(h.endpoint()), dead.endpoint()}), 2s,
                           2s);
    s.start();
    // Rounds at about 0, 0.25, 0.75 and 1.75 s (plus jitter): at most five upgrades in 3 s.
    QTest::qWait(3000);
    s.stop();
    QVERIFY2(broken.upgraded() >= 2 && broken.upgraded() <= 5,
             qPrintable(QString::number(broken.upgraded())));
    QVERIFY(s.preferredAddress().empty());
}

// C-FAIL-2: a node that accepts the upgrade and then says nothing (no QueueDrained) holds the
// device for the drain timeout and no longer: the next address gets the turn.
void TestConnectionSupervisor::aNodeThatUpgradesAndStaysSilentPassesTheTurnAfterTheDrainTimeout() {
    e2e::Harness h;
    QVERIFY(h.ok());
    AcceptThenFail silent(AcceptThenFail::Mode::Silent, h);
    QVERIFY(silent.port());
    auto alice = h.enrollStaff("alice", proto::ROLE_LAWYER);
    QVERIFY(alice);
    Recorder r;
    const DeviceCredentials creds = credentialsOf(*alice);
    ConnectionSupervisor s(creds, r.hooks({silent.endpoint(h.endpoint()), h.endpoint()}), 1s,
                           800ms);
    QElapsedTimer t;
    t.start();
    s.start();
    QVERIFY2(until([&] { return onPreferred(s, h); }, 6000),
             qPrintable(QString::fromStdString(s.preferredAddress())));
    QVERIFY2(t.elapsed() >= 700, qPrintable(QString::number(t.elapsed())));
    QCOMPARE(silent.upgraded(), 1);
    s.stop();
}

// C-FAIL-5 (issue 20, 2c): one node answering 403 does not stop the device while another node
// lets it in; revoked only when every address that answers says 403 (here: the 403 node and a
// node that refuses TCP).
void TestConnectionSupervisor::oneNodesForbiddenDoesNotRevokeWhileAnotherLetsTheDeviceIn() {
    e2e::Harness h;
    QVERIFY(h.ok());
    AcceptThenFail forbid(AcceptThenFail::Mode::Forbid, h);
    QVERIFY(forbid.port());
    auto alice = h.enrollStaff("alice", proto::ROLE_LAWYER);
    QVERIFY(alice);
    const DeviceCredentials creds = credentialsOf(*alice);
    {
        Recorder r;
        ConnectionSupervisor s(creds, r.hooks({forbid.endpoint(h.endpoint()), h.endpoint()}), 2s,
                               2s);
        s.start();
        QVERIFY(until([&] { return onPreferred(s, h); }));
        QVERIFY(!s.revoked());
        QCOMPARE(r.count(Event::Kind::Revoked), 0);
        QCOMPARE(forbid.upgraded(), 1);
        s.stop();
    }
    {
        HangUp dead;
        QVERIFY(dead.port());
        Recorder r;
        ConnectionSupervisor s(creds, r.hooks({forbid.endpoint(h.endpoint()), dead.endpoint()}), 2s,
                               2s);
        s.start();
        QVERIFY(until([&] { return s.revoked(); }, 5000));
        QCOMPARE(r.count(Event::Kind::Revoked), 1);
        QCOMPARE(dead.accepted(), 1);
        s.stop();
    }
}

QTEST_MAIN(TestConnectionSupervisor)
#include "tst_connection_supervisor.moc"
