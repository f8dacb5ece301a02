// UnifiedPush wake-ups (issue 23): a real relay over TLS, real devices and clients, and a small
// HTTP receiver the test starts on 127.0.0.1 standing in for the push service. The relay runs
// with allowLoopback (`serve --push-allow-loopback`) where the receiver must be reached, and
// without it where the test checks that loopback and private addresses are refused.

#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "ClientParty.h"
#include "E2EHarness.h"

using namespace verbatim;
using namespace verbatim::e2e;
using namespace verbatim::e2e::parties;
using namespace std::chrono_literals;

namespace {

// What the receiver read from one connection, as bytes, and the request parsed from it.
struct Received {
    std::string raw, method, target, body;
    std::vector<std::pair<std::string, std::string>> headers; // names in lower case
    std::chrono::steady_clock::time_point at;                 // when it was read
    std::string header(const std::string& name) const {
        for (const auto& [k, v] : headers)
            if (k == name) return v;
        return {};
    }
};

// A one-thread HTTP/1.1 server on 127.0.0.1: it counts connections, records each request and
// answers every one with `status` and an empty body, closing the connection after it.
class Receiver {
public:
    Receiver() {
        m_fd = ::socket(AF_INET, SOCK_STREAM, 0);
        int one = 1;
        ::setsockopt(m_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (::bind(m_fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(m_fd, 16) != 0)
            return;
        socklen_t len = sizeof a;
        ::getsockname(m_fd, reinterpret_cast<sockaddr*>(&a), &len);
        m_port = ntohs(a.sin_port);
        m_thread = std::thread([this] { loop(); });
    }
    ~Receiver() {
        m_stop = true;
        if (m_thread.joinable()) m_thread.join();
        ::close(m_fd);
    }
    bool ok() const { return m_port != 0; }
    std::uint16_t port() const { return m_port; }
    void setStatus(int status) { m_status = status; }
    int connections() const { return m_connections; }
    std::vector<Received> requests() const {
        std::lock_guard lock(m_mutex);
        return m_requests;
    }
    // Waits up to `timeout` for at least `n` requests; returns how many there are.
    std::size_t waitFor(std::size_t n, std::chrono::milliseconds timeout = 5s) const {
        std::unique_lock lock(m_mutex);
        m_cv.wait_for(lock, timeout, [&] { return m_requests.size() >= n; });
        return m_requests.size();
    }

private:
    void loop() {
        while (!m_stop) {
            pollfd p{m_fd, POLLIN, 0};
            if (::poll(&p, 1, 100) <= 0) continue;
            const int c = ::accept(m_fd, nullptr, nullptr);
            if (c < 0) continue;
            ++m_connections;
            serve(c);
            ::close(c);
        }
    }
    void serve(int c) {
        timeval tv{2, 0};
        ::setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        std::string in;
        char buf[4096];
        std::size_t headerEnd = std::string::npos, need = 0;
        while (true) {
            const auto n = ::recv(c, buf, sizeof buf, 0);
            if (n <= 0) return; // not HTTP (a TLS handshake) or gone: counted, not recorded
            in.append(buf, std::size_t(n));
            if (headerEnd == std::string::npos) {
                headerEnd = in.find("\r\n\r\n");
                if (headerEnd == std::string::npos) continue;
                const auto cl = lower(in.substr(0, headerEnd)).find("content-length:");
                if (cl != std::string::npos) need = std::stoul(in.substr(cl + 15));
            }
            if (in.size() >= headerEnd + 4 + need) break;
        }
        Received r;
        r.at = std::chrono::steady_clock::now();
        r.raw = in;
        r.body = in.substr(headerEnd + 4, need);
        const std::string head = in.substr(0, headerEnd);
        std::size_t at = head.find("\r\n");
        const std::string first = head.substr(0, at);
        r.method = first.substr(0, first.find(' '));
        r.target = first.substr(first.find(' ') + 1, first.rfind(' ') - first.find(' ') - 1);
        while (at != std::string::npos && at + 2 < head.size()) {
            const auto next = head.find("\r\n", at + 2);
            const std::string line = head.substr(at + 2, next - at - 2);
            const auto colon = line.find(':');
            if (colon != std::string::npos) {
                std::string value = line.substr(colon + 1);
                while (!value.empty() && value.front() == ' ')
                    value.erase(value.begin());
                r.headers.emplace_back(lower(line.substr(0, colon)), value);
            }
            at = next;
        }
        const std::string answer = "HTTP/1.1 " + std::to_string(m_status.load()) +
                                   " X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
        (void)!::send(c, answer.data(), answer.size(), MSG_NOSIGNAL);
        std::lock_guard lock(m_mutex);
        m_requests.push_back(std::move(r));
        m_cv.notify_all();
    }
    static std::string lower(std::string s) {
        for (auto& ch : s)
            ch = char(std::tolower(static_cast<unsigned char>(ch)));
        return s;
    }

    int m_fd = -1;
    std::uint16_t m_port = 0;
    std::atomic<bool> m_stop{false};
    std::atomic<int> m_status{201};
    std::atomic<int> m_connections{0};
    mutable std::mutex m_mutex;
    mutable std::condition_variable m_cv;
    std::vector<Received> m_requests;
    std::thread m_thread;
};

// A relay whose pushes may reach the receiver, with a short interval so that the test is quick.
constexpr auto kInterval = 1500ms;
std::function<void(relay::RelayConfig&)> loopbackRelay(std::chrono::milliseconds interval) {
    return [interval](relay::RelayConfig& c) {
        c.push.allowLoopback = true;
        c.push.minInterval = interval;
    };
}
std::function<void(relay::RelayConfig&)> productionRelay() {
    return [](relay::RelayConfig& c) { c.push.minInterval = kInterval; };
}

proto::Response setEndpoint(Device& d, const std::string& url) {
    proto::Request r;
    r.mutable_set_push_endpoint()->set_url(url);
    auto resp = d.connection->call(r);
    if (!resp) {
        proto::Response none;
        none.set_status(proto::STATUS_INTERNAL);
        none.set_error("no answer");
        return none;
    }
    return *resp;
}

bool send(Harness& h, Device& from, const std::string& conv, const std::string& text) {
    proto::Request r;
    *r.mutable_send() = h.buildSend(from, conv, text);
    auto resp = from.connection->call(r);
    return resp && resp->status() == proto::STATUS_OK;
}

// The push endpoints the relay holds now, as "user/device url".
std::vector<std::string> storedEndpoints(Harness& h) {
    std::vector<std::string> out;
    h.service().storage().runSync([&](storage::Database& db) {
        auto st = db.prepare("SELECT user, device, url FROM push_endpoints ORDER BY user, device");
        if (!st) return;
        (void)st->forEachRow([&] {
            out.push_back(st->columnText(0) + "/" + std::to_string(st->columnInt(1)) + " " +
                          st->columnText(2));
        });
    });
    return out;
}

} // namespace

class TestPush : public QObject {
    Q_OBJECT

private slots:
    // Issue 23: the client core registers the endpoint; no wake-up while the device is
    // connected; one when a message is queued for it offline, carrying nothing of the message
    // (fixed body, TTL and Urgency headers, the registered path); a burst is one push, plus one
    // trailing push at the end of the interval, and nothing more.
    void offlineDeviceIsWokenOnceWithoutContentAndBurstsCoalesce() {
        Receiver rx;
        QVERIFY(rx.ok());
        Harness h({}, loopbackRelay(kInterval));
        QVERIFY(h.ok());
        auto alice = joinParty(h.enrollLink("alice", proto::ROLE_LAWYER), "Alice Adams");
        QVERIFY(alice);
        alice->start();
        QVERIFY(alice->waitUntilSynced(20s));
        auto link = alice->createInvite("Estate of Doe");
        QVERIFY(link);
        auto carol = joinParty(*link, "Carol Client", true);
        QVERIFY(carol);
        carol->start();
        QVERIFY(carol->waitUntilSynced(20s));
        const auto conv = *alice->resolveConversation("Estate of Doe");
        const std::string path = "/up/Zk93Qa?v=2";
        const std::string url = "http://127.0.0.1:" + std::to_string(rx.port()) + path;
        auto reg = carol->setPushEndpoint(url);
        QVERIFY2(reg, reg ? "" : reg.error().message.c_str());
        QCOMPARE(storedEndpoints(h).size(), std::size_t(1));

        // Connected: delivered live, nobody is woken.
        QVERIFY(alice->sendText(conv, "while you are here"));
        QVERIFY(alice->waitForOutbox(10s));
        QTest::qWait(800);
        QCOMPARE(rx.connections(), 0);

        carol->stop();
        QTest::qWait(300); // the relay sees the connection close
        const std::string secret = "Privileged: settle at 1.2M, do not tell the other side";
        QVERIFY(alice->sendText(conv, secret));
        QCOMPARE(rx.waitFor(1, 3s), std::size_t(1));
        const auto first = rx.requests().front();
        QCOMPARE(first.method, std::string("POST"));
        QCOMPARE(first.target, path);
        QCOMPARE(first.body, std::string(R"({"v":1})"));
        QCOMPARE(first.header("urgency"), std::string("high"));
        QVERIFY(!first.header("ttl").empty());
        QVERIFY(std::stol(first.header("ttl")) > 0);
        // Nothing of the message, its conversation or its people reaches the push service.
        for (const std::string& leak : {secret, std::string("settle"), conv, std::string("alice"),
                                        std::string("carol"), std::string("Estate")})
            QVERIFY2(first.raw.find(leak) == std::string::npos, leak.c_str());

        // A burst within the interval: no push more until the interval ends, then one.
        for (int i = 0; i < 4; ++i)
            QVERIFY(alice->sendText(conv, "burst " + std::to_string(i)));
        QVERIFY(alice->waitForOutbox(10s));
        QCOMPARE(rx.waitFor(2, kInterval + 2s), std::size_t(2));
        // The second came at the end of the interval, not with the burst (timed by the receiver,
        // so a slow machine cannot make this pass or fail by itself).
        const auto gap = rx.requests()[1].at - rx.requests()[0].at;
        QVERIFY2(gap >= kInterval - 300ms,
                 std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(gap).count())
                     .c_str());
        QTest::qWait(int(kInterval.count()) + 500);
        QCOMPARE(rx.requests().size(), std::size_t(2));
        for (const auto& r : rx.requests())
            QVERIFY(r.raw.find("burst") == std::string::npos);
        QCOMPARE(metric(h.server().adminPort(), "verbatim_push_sent_total"), 2LL);

        // Back online: the device drains its queue and is not woken for what comes live.
        carol->start();
        QVERIFY(carol->waitUntilSynced(20s));
        QVERIFY(alice->sendText(conv, "welcome back"));
        QVERIFY(alice->waitForOutbox(10s));
        QTest::qWait(int(kInterval.count()) + 300);
        QCOMPARE(rx.requests().size(), std::size_t(2));
    }

    // A device that removed its endpoint (push remove) is not woken.
    void removedEndpointIsNotWoken() {
        Receiver rx;
        QVERIFY(rx.ok());
        Harness h({}, loopbackRelay(kInterval));
        QVERIFY(h.ok());
        ConnectedMatter matter;
        QVERIFY(connectMatter(h, "bob", "Probate", matter));
        auto &lawyer = matter.lawyer, &client = matter.client;
        const std::string& conv = matter.conv;
        const std::string url = "http://127.0.0.1:" + std::to_string(rx.port()) + "/up/x";
        QCOMPARE(setEndpoint(*client, url).status(), proto::STATUS_OK);
        QCOMPARE(setEndpoint(*client, "").status(), proto::STATUS_OK);
        QVERIFY(storedEndpoints(h).empty());
        client->disconnect();
        QTest::qWait(300);
        QVERIFY(send(h, *lawyer, conv, "nobody to wake"));
        QCOMPARE(rx.waitFor(1, 2500ms), std::size_t(0));
        QCOMPARE(rx.connections(), 0);
    }

    // UnifiedPush: 404 or 410 means the endpoint is gone. The relay unregisters it and does not
    // call it again.
    void goneEndpointIsUnregistered() {
        Receiver rx;
        QVERIFY(rx.ok());
        rx.setStatus(410);
        Harness h({}, loopbackRelay(1000ms));
        QVERIFY(h.ok());
        ConnectedMatter matter;
        QVERIFY(connectMatter(h, "dan", "Lease", matter));
        auto &lawyer = matter.lawyer, &client = matter.client;
        const std::string& conv = matter.conv;
        const std::string url = "http://127.0.0.1:" + std::to_string(rx.port()) + "/gone";
        QCOMPARE(setEndpoint(*client, url).status(), proto::STATUS_OK);
        client->disconnect();
        QTest::qWait(300);
        QVERIFY(send(h, *lawyer, conv, "first"));
        QCOMPARE(rx.waitFor(1, 3s), std::size_t(1));
        QElapsedTimer t;
        t.start();
        while (!storedEndpoints(h).empty() && t.elapsed() < 3000)
            QTest::qWait(50);
        QVERIFY(storedEndpoints(h).empty());
        QTest::qWait(1200); // past the interval
        QVERIFY(send(h, *lawyer, conv, "second"));
        QTest::qWait(1500);
        QCOMPARE(rx.requests().size(), std::size_t(1));
    }

    // Registration: https only, no user information, no loopback, private or link-local
    // literal, at most 1024 bytes. http to loopback only with allowLoopback, and private
    // addresses stay refused even then.
    void registrationRefusesUnsafeUrls() {
        {
            Harness h({}, productionRelay());
            QVERIFY(h.ok());
            auto lawyer = h.enrollStaff("erin", proto::ROLE_LAWYER);
            QVERIFY(lawyer && lawyer->connect(h.endpoint()));
            for (const std::string& bad : {std::string("http://127.0.0.1:8080/up"),
                                           std::string("https://127.0.0.1/up"),
                                           std::string("https://10.1.2.3/up"),
                                           std::string("https://172.16.0.1/up"),
                                           std::string("https://192.168.1.1/up"),
                                           std::string("https://169.254.169.254/"),
                                           std::string("https://[::1]/up"),
                                           std::string("https://[fd00::1]/up"),
                                           std::string("https://[fe80::1]/up"),
                                           std::string("https://[::ffff:10.0.0.1]/"),
                                           std::string("https://0.0.0.0/up"),
                                           std::string("https://224.0.0.1/up"),
                                           std::string("https://2130706433/up"),
                                           std::string("https://0x7f000001/up"),
                                           std::string("https://user:pw@push.example.com/up"),
                                           std::string("ftp://push.example.com/up"),
                                           std::string("push.example.com/up"),
                                           std::string("https://push.example.com/up#frag"),
                                           std::string("https://push.example.com/up x"),
                                           "https://push.example.com/" + std::string(1010, 'a')}) {
                const auto resp = setEndpoint(*lawyer, bad);
                QVERIFY2(resp.status() == proto::STATUS_BAD_REQUEST, bad.c_str());
                // The refusal never repeats the URL (a capability).
                QVERIFY(resp.error().find("example") == std::string::npos);
            }
            QVERIFY(storedEndpoints(h).empty());
            for (const std::string& good : {std::string("https://push.example.com/up/AbC?x=1"),
                                            std::string("https://ntfy.example.org:8443/upXYZ"),
                                            std::string("https://[2001:4860:4860::8888]/up"),
                                            std::string("https://203.0.113.9/up")})
                QVERIFY2(setEndpoint(*lawyer, good).status() == proto::STATUS_OK, good.c_str());
            // Replaced, not added: one endpoint per device.
            QCOMPARE(storedEndpoints(h).size(), std::size_t(1));
        }
        {
            Harness h({}, loopbackRelay(kInterval));
            QVERIFY(h.ok());
            auto lawyer = h.enrollStaff("fay", proto::ROLE_LAWYER);
            QVERIFY(lawyer && lawyer->connect(h.endpoint()));
            QCOMPARE(setEndpoint(*lawyer, "http://127.0.0.1:9/up").status(), proto::STATUS_OK);
            QCOMPARE(setEndpoint(*lawyer, "https://[::1]:9/up").status(), proto::STATUS_OK);
            for (const std::string& bad :
                 {std::string("http://10.0.0.1/up"), std::string("https://192.168.0.9/up"),
                  std::string("http://push.example.com/up"),
                  std::string("https://169.254.169.254/latest/meta-data/")})
                QVERIFY2(setEndpoint(*lawyer, bad).status() == proto::STATUS_BAD_REQUEST,
                         bad.c_str());
        }
    }

    // A name is resolved when the push is sent, and an address it resolves to that is
    // loopback or private is never connected to (DNS rebinding): "localhost" is registered like
    // any name, but the receiver behind it sees no connection.
    void nameResolvingToLoopbackIsNeverContacted() {
        Receiver rx;
        QVERIFY(rx.ok());
        Harness h({}, productionRelay());
        QVERIFY(h.ok());
        ConnectedMatter matter;
        QVERIFY(connectMatter(h, "gil", "Trust", matter));
        auto &lawyer = matter.lawyer, &client = matter.client;
        const std::string& conv = matter.conv;
        const std::string url = "https://localhost:" + std::to_string(rx.port()) + "/up";
        QCOMPARE(setEndpoint(*client, url).status(), proto::STATUS_OK);
        client->disconnect();
        QTest::qWait(300);
        QVERIFY(send(h, *lawyer, conv, "rebinding"));
        QElapsedTimer t;
        t.start();
        while (h.service().pushWaker()->counters().refused == 0 && t.elapsed() < 5000)
            QTest::qWait(50);
        QCOMPARE(h.service().pushWaker()->counters().refused, std::uint64_t(1));
        QCOMPARE(metric(h.server().adminPort(), "verbatim_push_refused_total"), 1LL);
        QTest::qWait(300);
        QCOMPARE(rx.connections(), 0);
    }

    // verbatim-cli push register URL / push remove (the binary, on a profile it joined with):
    // the relay stores and drops the URL; a refused one exits 1 with the reason, not the URL.
    void cliRegistersAndRemovesTheEndpoint() {
        Harness h({}, loopbackRelay(kInterval));
        QVERIFY(h.ok());
        QTemporaryDir dir;
        const QString profile = dir.path() + "/ivy";
        auto cli = [&](const QStringList& args) {
            QProcess p;
            auto env = QProcessEnvironment::systemEnvironment();
            env.insert("VERBATIM_PASSPHRASE", "push test passphrase");
            p.setProcessEnvironment(env);
            p.start(VERBATIM_CLI_BIN, QStringList{"--profile", profile} + args);
            if (!p.waitForFinished(60000)) {
                p.kill();
                p.waitForFinished();
                return std::make_tuple(-1, QByteArray(), QByteArray());
            }
            return std::make_tuple(p.exitCode(), p.readAllStandardOutput(),
                                   p.readAllStandardError());
        };
        const auto link = QString::fromStdString(h.enrollLink("ivy", proto::ROLE_LAWYER));
        QCOMPARE(std::get<0>(cli({"join", link, "--name", "Ivy"})), 0);
        const std::string url = "http://127.0.0.1:9/up/cli-capability";
        auto [code, out, err] = cli({"push", "register", QString::fromStdString(url)});
        QCOMPARE(code, 0);
        QVERIFY(!out.contains("cli-capability")); // the URL is not echoed
        QCOMPARE(storedEndpoints(h), std::vector<std::string>{"ivy/1 " + url});
        std::tie(code, out, err) = cli({"push", "register", "https://10.0.0.1/private-path"});
        QCOMPARE(code, 1);
        QVERIFY2(err.contains("push endpoint refused"), err.constData());
        QVERIFY(!err.contains("private-path"));
        QCOMPARE(storedEndpoints(h).size(), std::size_t(1));
        std::tie(code, out, err) = cli({"push", "remove"});
        QCOMPARE(code, 0);
        QVERIFY(storedEndpoints(h).empty());
        QCOMPARE(std::get<0>(cli({"push"})), 2); // usage
    }
};

QTEST_GUILESS_MAIN(TestPush)
#include "tst_push.moc"
