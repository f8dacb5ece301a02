// Over 600 lines on purpose: one Qt Test class; initTestCase starts one verbatim-relay process
// whose memory every function reads, and they share the raw session client above it.
//
// Issue 16, items 3 and 5 (sessions): what one authenticated device can make the relay hold.
// The relay runs as its own process (`verbatim-relay serve`), so that its memory can be read from
// /proc; devices talk to it over TLS WebSockets, the attackers through a raw Beast client that
// does what a real client never does (never read, open hundreds of sessions). A copied profile
// is driven through the real client core against the in-process relay of the e2e harness.

#include <QFileInfo>
#include <QProcess>
#include <QtTest>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include <sys/socket.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include "../e2e/ClientParty.h"
#include "../e2e/E2EHarness.h"
#include "relay/net/TlsCert.h"

using namespace verbatim;
using namespace verbatim::e2e;

namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;

/// Two distinct free ports (both are held open until both are chosen).
std::pair<std::uint16_t, std::uint16_t> twoFreePorts() {
    net::io_context ioc;
    tcp::acceptor a(ioc, {net::ip::make_address("127.0.0.1"), 0});
    tcp::acceptor b(ioc, {net::ip::make_address("127.0.0.1"), 0});
    return {a.local_endpoint().port(), b.local_endpoint().port()};
}

std::string tokenOf(const QString& link) {
    auto s = link.trimmed().toStdString();
    auto p = s.find("token=");
    return p == std::string::npos ? std::string() : s.substr(p + 6, 32);
}

/// Resident memory of process `pid` in KiB (VmRSS), -1 when unreadable.
long rssKiB(qint64 pid) {
    std::ifstream f("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(f, line))
        if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
    return -1;
}

/// A WebSocket session as a hostile device runs it: authenticated like the real client, then
/// driven by hand. Certificate checks are off (test only: the relay is ours, on loopback).
struct RawSession {
    net::io_context ioc;
    net::ssl::context tls{net::ssl::context::tls_client};
    websocket::stream<net::ssl::stream<tcp::socket>> ws{ioc, tls};

    /// Connects and upgrades as `creds`. `socketBuffer` > 0 shrinks both socket buffers, so that
    /// the kernel holds little of what is not read. Empty string on success, else why not.
    std::string open(std::uint16_t port, const client::DeviceCredentials& creds,
                     int socketBuffer = 0) {
        boost::system::error_code ec;
        auto& sock = beast::get_lowest_layer(ws);
        sock.open(tcp::v4(), ec);
        if (socketBuffer > 0) {
            sock.set_option(net::socket_base::receive_buffer_size(socketBuffer), ec);
            sock.set_option(net::socket_base::send_buffer_size(socketBuffer), ec);
        }
        sock.connect({net::ip::make_address("127.0.0.1"), port}, ec);
        if (ec) return "connect: " + ec.message();
        ws.next_layer().handshake(net::ssl::stream_base::client, ec);
        if (ec) return "tls: " + ec.message();
        const std::string who = creds.user + "/" + std::to_string(creds.device);
        const std::string auth = "Bearer " + toHex(creds.secret);
        ws.set_option(websocket::stream_base::decorator([who, auth](websocket::request_type& req) {
            req.set("X-Verbatim-Device", who);
            req.set(beast::http::field::authorization, auth);
        }));
        ws.handshake("127.0.0.1", "/v1/ws", ec);
        if (ec) return "upgrade: " + ec.message();
        ws.binary(true);
        return {};
    }

    static std::string frame(std::uint64_t id, const proto::Request& request) {
        proto::Frame f;
        f.set_id(id);
        *f.mutable_request() = request;
        return f.SerializeAsString();
    }

    /// Reads one message within `timeout`. Returns the error (websocket::error::closed when the
    /// relay closed the session: ws.reason() says how); `out` gets the message.
    boost::system::error_code read(std::string& out, std::chrono::milliseconds timeout) {
        beast::flat_buffer buffer;
        boost::system::error_code result = net::error::timed_out;
        bool done = false;
        ws.async_read(buffer, [&](boost::system::error_code ec, std::size_t) {
            result = ec;
            done = true;
        });
        ioc.restart();
        ioc.run_for(timeout);
        if (!done) {
            boost::system::error_code ignored;
            beast::get_lowest_layer(ws).close(ignored); // abandons the read
            ioc.restart();
            ioc.run_for(std::chrono::milliseconds(200));
            return net::error::timed_out;
        }
        out = beast::buffers_to_string(buffer.data());
        return result;
    }

    /// Sends `request` and waits for its response (skipping pushes).
    std::optional<proto::Response> call(std::uint64_t id, const proto::Request& request) {
        boost::system::error_code ec;
        ws.write(net::buffer(frame(id, request)), ec);
        if (ec) return std::nullopt;
        for (int i = 0; i < 1000; ++i) {
            std::string bytes;
            if (read(bytes, std::chrono::seconds(10))) return std::nullopt;
            proto::Frame f;
            if (f.ParseFromString(bytes) && f.has_response() && f.id() == id) return f.response();
        }
        return std::nullopt;
    }
};

proto::Request listConversations() {
    proto::Request r;
    r.mutable_list_conversations();
    return r;
}

} // namespace

class TestRelayAbuse : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;
    QString m_data;
    std::uint16_t m_port = 0, m_adminPort = 0;
    std::unique_ptr<QProcess> m_relay;
    std::shared_ptr<signal::SignalContext> m_ctx;
    client::Endpoint m_endpoint;
    std::unique_ptr<Device> m_lena, m_bob; ///< lawyers: lena attacks, bob behaves

    QString unlockFile() const { return QFileInfo(m_data).path() + "/relay.unlock"; }

    QProcessEnvironment env() const {
        auto e = QProcessEnvironment::systemEnvironment();
        e.insert("VERBATIM_PASSPHRASE", "abuse-test-passphrase");
        // VERBATIM_TEST_RELAY_LOG=debug shows the relay's view of a failure.
        e.insert("VERBATIM_LOG", qEnvironmentVariable("VERBATIM_TEST_RELAY_LOG", "warn"));
        return e;
    }

    QString runRelay(const QStringList& args) {
        QProcess p;
        p.setProcessEnvironment(env());
        p.start(VERBATIM_RELAY_BIN, args + QStringList{"--unlock-file", unlockFile()});
        p.waitForFinished(30000);
        if (p.exitCode() != 0)
            qWarning("verbatim-relay %s: %s", qPrintable(args.join(' ')),
                     p.readAllStandardError().constData());
        return QString::fromUtf8(p.readAllStandardOutput());
    }

    bool serve(const QStringList& extra) {
        stopRelay();
        m_relay = std::make_unique<QProcess>();
        m_relay->setProcessEnvironment(env());
        m_relay->setProcessChannelMode(QProcess::ForwardedErrorChannel);
        m_relay->start(VERBATIM_RELAY_BIN,
                       QStringList{"serve", "--data", m_data, "--listen",
                                   QString("127.0.0.1:%1").arg(m_port), "--admin-listen",
                                   QString("127.0.0.1:%1").arg(m_adminPort), "--unlock-file",
                                   unlockFile()} +
                           extra);
        if (!m_relay->waitForStarted(10000)) return false;
        QElapsedTimer t;
        t.start();
        while (t.elapsed() < 15000) {
            m_relay->waitForReadyRead(200);
            if (m_relay->readAllStandardOutput().contains("listening")) return true;
            if (m_relay->state() != QProcess::Running) return false;
        }
        return false;
    }

    void stopRelay() {
        if (!m_relay) return;
        if (m_relay->state() == QProcess::Running) {
            m_relay->terminate();
            if (!m_relay->waitForFinished(10000)) m_relay->kill();
            m_relay->waitForFinished(5000);
        }
        m_relay.reset();
    }

    std::unique_ptr<Device> registerDevice(const std::string& user) {
        std::string token =
            tokenOf(runRelay({"admin", "--data", m_data, "enroll", QString::fromStdString(user),
                              "--role", "lawyer", "--name", QString::fromStdString(user)}));
        if (token.empty()) return nullptr;
        auto d = Device::create(m_ctx);
        auto reg =
            client::RelayConnection::registerDevice(m_endpoint, d->registration(token, user));
        if (!reg) {
            qWarning("registration of %s: %s", user.c_str(), reg.error().message.c_str());
            return nullptr;
        }
        d->user = reg->user();
        d->device = reg->device();
        d->credentials.user = d->user;
        d->credentials.device = d->device;
        return d;
    }

private slots:
    void initTestCase() {
        QVERIFY(m_dir.isValid());
        m_data = m_dir.path() + "/data";
        m_ctx = *signal::SignalContext::create();
        auto journalKey = *crypto::X25519Key::generate();
        {
            QFile f(m_dir.path() + "/journal.pub");
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(QByteArray::fromStdString(toHex(journalKey.publicKey())));
        }
        std::tie(m_port, m_adminPort) = twoFreePorts();
        runRelay({"init", "--data", m_data, "--firm", "Abuse & Co", "--journal-key",
                  m_dir.path() + "/journal.pub", "--root-key-out", m_dir.path() + "/root.key",
                  "--address", QString("127.0.0.1:%1").arg(m_port)});
        QVERIFY(QFile::exists(m_data + "/relay.db"));
        QVERIFY(serve({}));
        m_endpoint = {"127.0.0.1",
                      m_port,
                      *relay::certificateFingerprint((m_data + "/tls.crt").toStdString()),
                      {}};
        m_lena = registerDevice("lena");
        m_bob = registerDevice("bob");
        QVERIFY(m_lena && m_bob);
        // Sixty matters of lena's with bob, titled at the 200-byte limit: a list_conversations
        // request of a dozen bytes on the wire is answered with about 20 KB.
        QVERIFY(m_lena->connect(m_endpoint));
        for (int i = 0; i < 60; ++i) {
            proto::Request r;
            auto* c = r.mutable_create_conversation();
            c->set_title(std::to_string(i) + " " + std::string(190, 'T'));
            c->set_is_matter(true);
            c->add_members("bob");
            auto resp = m_lena->connection->call(r);
            QVERIFY(resp);
            QCOMPARE(resp->status(), proto::STATUS_OK);
        }
        auto list = m_lena->connection->call(listConversations());
        QVERIFY(list && list->conversations().conversations_size() == 60);
        QVERIFY2(list->ByteSizeLong() > 15000, std::to_string(list->ByteSizeLong()).c_str());
        m_lena->disconnect();
        stopRelay();
    }

    void cleanupTestCase() {
        if (m_lena) m_lena->disconnect();
        if (m_bob) m_bob->disconnect();
        stopRelay();
    }

    // Issue 16 item 3: a device sends requests whose answers are large and never reads them.
    // The relay stops reading it once 1 MiB of answers waits (and 128 requests), so its memory
    // stays flat; it closes the connection when nothing is read for the stall timeout; and a
    // well-behaved device is served all along.
    void unreadResponsesKeepTheRelayFlatAndAreCut() {
        QVERIFY(serve({"--write-stall-timeout-s", "2"}));
        QVERIFY(m_bob->connect(m_endpoint));
        for (int i = 0; i < 3; ++i)
            QVERIFY(m_bob->connection->call(listConversations())); // warm caches
        const long before = rssKiB(m_relay->processId());
        QVERIFY(before > 0);

        RawSession attacker;
        auto opened = attacker.open(m_port, m_lena->credentials, 16 * 1024);
        QVERIFY2(opened.empty(), opened.c_str());
        // 8,000 requests (about 100 KB of TLS records) whose answers total about 160 MB.
        constexpr int kRequests = 8000;
        std::atomic<int> sent{0};
        std::atomic<bool> writeFailed{false}, pumpDone{false};
        std::string writeError;
        std::thread pump([&] {
            boost::system::error_code ec;
            for (int i = 1; i <= kRequests && !ec; ++i) {
                attacker.ws.write(
                    net::buffer(RawSession::frame(std::uint64_t(i), listConversations())), ec);
                if (!ec) ++sent;
            }
            writeError = ec.message();
            writeFailed = bool(ec);
            pumpDone = true;
        });

        // The well-behaved device keeps asking while the attack runs.
        std::atomic<bool> stopProbe{false};
        std::atomic<int> probes{0}, probeFailures{0};
        std::atomic<long long> worstMs{0};
        std::thread probe([&] {
            while (!stopProbe) {
                QElapsedTimer t;
                t.start();
                auto r = m_bob->connection->call(listConversations(), std::chrono::seconds(10));
                const auto ms = t.elapsed();
                if (!r || r->status() != proto::STATUS_OK ||
                    r->conversations().conversations_size() != 60)
                    ++probeFailures;
                ++probes;
                if (ms > worstMs) worstMs = ms;
                std::this_thread::sleep_for(std::chrono::milliseconds(50));
            }
        });

        long peak = before;
        QElapsedTimer t;
        t.start();
        // Until the relay has closed the attacker (its writes fail), then three seconds more: a
        // relay that read everything would still be answering.
        while (t.elapsed() < 20000 && !pumpDone) {
            peak = std::max(peak, rssKiB(m_relay->processId()));
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        for (int i = 0; i < 60; ++i) {
            peak = std::max(peak, rssKiB(m_relay->processId()));
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        const bool pumpFinished = pumpDone;
        if (!pumpFinished)
            ::shutdown(beast::get_lowest_layer(attacker.ws).native_handle(), SHUT_RDWR);
        pump.join();
        stopProbe = true;
        probe.join();
        const long long stalled = metric(m_adminPort, "verbatim_connections_stalled_total");
        const long long open = metric(m_adminPort, "verbatim_connections");
        qInfo("attacker's writes ended after %lld ms: %s", t.elapsed(), writeError.c_str());
        qInfo("attacker sent %d of %d requests; relay RSS %ld KiB before, %ld KiB peak (+%ld KiB); "
              "well-behaved device: %d requests, %d failed, slowest %lld ms; stalled connections "
              "closed: %lld",
              sent.load(), kRequests, before, peak, peak - before, probes.load(),
              probeFailures.load(), worstMs.load(), stalled);
        QVERIFY2(peak - before < 16 * 1024,
                 qPrintable(QString("relay grew by %1 KiB").arg(peak - before)));
        // The relay closed the connection: the attacker's writes failed before it had sent all.
        QVERIFY2(pumpFinished && writeFailed, "the relay kept reading a peer that never reads");
        QVERIFY(sent < kRequests);
        QCOMPARE(stalled, 1LL);
        QCOMPARE(open, 1LL); // bob's
        QVERIFY(probes >= 5);
        QCOMPARE(probeFailures.load(), 0);
        QVERIFY2(worstMs < 2000, qPrintable(QString("slowest answer %1 ms").arg(worstMs.load())));
        m_bob->disconnect();
    }

    // Issue 16 item 3, the total: when more requests wait for storage than the relay allows, a
    // new one is answered "relay busy" with retry_after_ms at once instead of queued; every
    // request is answered, nothing stays pending, and the device is served again after.
    void busyRelayAnswersRetryInsteadOfQueueing() {
        QVERIFY(serve({"--max-pending-requests", "4"}));
        RawSession s;
        auto opened = s.open(m_port, m_bob->credentials);
        QVERIFY2(opened.empty(), opened.c_str());
        constexpr int kRequests = 400;
        for (int i = 1; i <= kRequests; ++i) {
            boost::system::error_code ec;
            s.ws.write(net::buffer(RawSession::frame(std::uint64_t(i), listConversations())), ec);
            QVERIFY(!ec);
        }
        int ok = 0, busy = 0, other = 0;
        std::set<std::uint64_t> answered;
        while (int(answered.size()) < kRequests) {
            std::string bytes;
            auto ec = s.read(bytes, std::chrono::seconds(10));
            QVERIFY2(!ec, ec.message().c_str());
            proto::Frame f;
            QVERIFY(f.ParseFromString(bytes));
            if (!f.has_response()) continue; // the drain's queue_drained push
            QVERIFY(answered.insert(f.id()).second);
            const auto& r = f.response();
            if (r.status() == proto::STATUS_OK) {
                ++ok;
                QCOMPARE(r.conversations().conversations_size(), 60);
            } else if (r.status() == proto::STATUS_UNAVAILABLE && r.retry_after_ms() == 1000 &&
                       r.error().find("busy") != std::string::npos) {
                ++busy;
            } else {
                ++other;
            }
        }
        qInfo("%d requests in one burst, at most 4 pending: %d answered, %d busy", kRequests, ok,
              busy);
        QCOMPARE(other, 0);
        QVERIFY(busy > 0);
        QVERIFY(ok >= 4);
        QCOMPARE(metric(m_adminPort, "verbatim_requests_pending"), 0LL);
        QCOMPARE(metric(m_adminPort, "verbatim_requests_busy_total"), (long long)busy);
        auto again = s.call(kRequests + 1, listConversations());
        QVERIFY(again);
        QCOMPARE(again->status(), proto::STATUS_OK);
    }

    // Issue 16 item 3, the HTTP side: a connection that pipelines requests and never reads gets
    // one answer and is closed at the HTTP timeout (nothing is queued for it); a header trickled
    // a byte at a time is cut at the same timeout, however long the trickle goes on.
    void httpPipelinesAndTrickledHeadersAreCut() {
        Harness h([](relay::ServerConfig& c) { c.handshakeTimeout = std::chrono::seconds(1); });
        QVERIFY(h.ok());
        const auto port = h.server().port();
        net::io_context ioc;
        net::ssl::context tls(net::ssl::context::tls_client);
        std::vector<std::unique_ptr<net::ssl::stream<tcp::socket>>> pipelined;
        std::string requests;
        for (int i = 0; i < 500; ++i)
            requests += "GET /v1/manifest HTTP/1.1\r\nHost: x\r\n\r\n";
        for (int i = 0; i < 20; ++i) {
            auto s = std::make_unique<net::ssl::stream<tcp::socket>>(ioc, tls);
            s->next_layer().connect({net::ip::make_address("127.0.0.1"), port});
            s->handshake(net::ssl::stream_base::client);
            net::write(*s, net::buffer(requests));
            pipelined.push_back(std::move(s));
        }
        QElapsedTimer t;
        t.start();
        QTRY_COMPARE_WITH_TIMEOUT(metric(h.server().adminPort(), "verbatim_connections"), 0LL,
                                  5000);
        qInfo("20 connections of 500 pipelined requests each, unread: all closed after %lld ms",
              t.elapsed());
        QVERIFY(t.elapsed() < 3000);
        for (auto& s : pipelined) {
            std::string reply;
            boost::system::error_code ec;
            char buf[4096];
            while (!ec) {
                std::size_t n = s->read_some(net::buffer(buf), ec);
                reply.append(buf, n);
            }
            int answers = 0;
            for (auto at = reply.find("HTTP/1.1 "); at != std::string::npos;
                 at = reply.find("HTTP/1.1 ", at + 1))
                ++answers;
            QCOMPARE(answers, 1);
            QVERIFY(reply.starts_with("HTTP/1.1 200"));
        }

        net::ssl::stream<tcp::socket> loris(ioc, tls);
        loris.next_layer().connect({net::ip::make_address("127.0.0.1"), port});
        loris.handshake(net::ssl::stream_base::client);
        boost::system::error_code ec;
        net::write(loris, net::buffer(std::string("GET /v1/manifest HTTP/1.1\r\nX-Slow: ")), ec);
        t.restart();
        for (int i = 0; i < 100 && !ec; ++i) {
            net::write(loris, net::buffer(std::string("a")), ec);
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        qInfo("a header trickled at 10 bytes a second: cut after %lld ms", t.elapsed());
        QVERIFY(ec);
        QVERIFY(t.elapsed() < 3000);
        QCOMPARE(metric(h.server().adminPort(), "verbatim_connections"), 0LL);
    }

    // Issue 16 item 5: one device opens 300 sessions. Only the newest stays; each older one is
    // closed with 4409 "replaced by a newer connection"; the newest works; and a reconnecting
    // client (which leaves its old session behind) gets in and is served.
    void aDeviceKeepsOneSessionTheNewest() {
        // The per-address connect limit is lifted: it is not what this test is about.
        QVERIFY(serve({"--bench-limits"}));
        constexpr int kSessions = 300;
        std::vector<std::unique_ptr<RawSession>> sessions;
        for (int i = 0; i < kSessions; ++i) {
            auto s = std::make_unique<RawSession>();
            auto opened = s->open(m_port, m_lena->credentials);
            QVERIFY2(
                opened.empty(),
                qPrintable(QString("session %1: %2").arg(i).arg(QString::fromStdString(opened))));
            sessions.push_back(std::move(s));
        }
        int replaced = 0;
        for (int i = 0; i + 1 < kSessions; ++i) {
            std::string bytes;
            boost::system::error_code ec;
            // Pushes queued before the close (the drain) come first.
            for (int n = 0; n < 1000 && !ec; ++n)
                ec = sessions[i]->read(bytes, std::chrono::seconds(5));
            // The close frame arrived (ws.reason() is set when it is read) and the session ended.
            const auto& why = sessions[i]->ws.reason();
            const std::string reason(why.reason.data(), why.reason.size());
            if (ec && ec != net::error::timed_out && why.code == 4409 &&
                reason == "replaced by a newer connection") {
                ++replaced;
            } else {
                qWarning("session %d: %s, close code %u '%s'", i, ec.message().c_str(),
                         unsigned(why.code), reason.c_str());
                if (i - replaced >= 3) break; // the rest would only time out too
            }
            sessions[i].reset(); // Beast's TLS teardown leaves the TCP socket to its owner
        }
        QCOMPARE(replaced, kSessions - 1);
        QTRY_COMPARE_WITH_TIMEOUT(metric(m_adminPort, "verbatim_connections"), 1LL, 5000);
        QCOMPARE(metric(m_adminPort, "verbatim_websocket_sessions_replaced_total"),
                 (long long)kSessions - 1);
        proto::Request ping;
        ping.mutable_ping();
        auto pong = sessions.back()->call(1, ping);
        QVERIFY(pong);
        QCOMPARE(pong->status(), proto::STATUS_OK);
        auto list = sessions.back()->call(2, listConversations());
        QVERIFY(list && list->status() == proto::STATUS_OK);

        // A well-behaved client that reconnects before its old session is gone (a network
        // change): the new session is served, the old one learns why it was closed.
        QVERIFY(m_lena->connect(m_endpoint));
        auto oldConnection = std::move(m_lena->connection);
        QVERIFY(m_lena->connect(m_endpoint));
        QTRY_VERIFY_WITH_TIMEOUT(!oldConnection->isOpen(), 5000);
        auto r = m_lena->connection->call(listConversations());
        QVERIFY(r);
        QCOMPARE(r->status(), proto::STATUS_OK);
        auto late = oldConnection->call(ping);
        QVERIFY(late);
        QCOMPARE(late->status(), proto::STATUS_UNAVAILABLE);
        oldConnection.reset();
        m_lena->disconnect();
    }

    // Issue 16 item 5, the client: two copies of one profile online at once. The copy whose
    // session is replaced says "connected elsewhere" and stays offline instead of reconnecting,
    // so the two do not take turns closing each other; the newer copy stays connected.
    void aCopiedProfileStaysOfflineInsteadOfFighting() {
        using namespace parties;
        Harness h;
        QVERIFY(h.ok());
        auto first = joinParty(h.enrollLink("carl", proto::ROLE_LAWYER), "Carl");
        QVERIFY(first);
        const std::string original = (*first).profile();
        first->setEventHandler({});
        first.p->c.reset();
        QTemporaryDir copyDir;
        const std::string copy = copyDir.path().toStdString() + "/profile";
        std::filesystem::copy(original, copy, std::filesystem::copy_options::recursive);

        Party a, b;
        auto openedA = client::Client::open(original, kPass);
        QVERIFY2(openedA, openedA ? "" : openedA.error().message.c_str());
        a.c = std::move(*openedA);
        watch(a);
        auto openedB = client::Client::open(copy, kPass);
        QVERIFY2(openedB, openedB ? "" : openedB.error().message.c_str());
        b.c = std::move(*openedB);
        watch(b);

        a->start();
        QVERIFY(eventually([&] { return a->isConnected(); }));
        b->start();
        QVERIFY(eventually(
            [&] { return !a.eventsOf(client::Event::Kind::ConnectedElsewhere).empty(); }));
        const auto said = a.eventsOf(client::Event::Kind::ConnectedElsewhere).front();
        QVERIFY2(said.detail.find("connected elsewhere") != std::string::npos, said.detail.c_str());
        // Three seconds later (a dozen reconnect backoffs) nobody has replaced anybody again.
        std::this_thread::sleep_for(3s);
        QVERIFY(b->isConnected());
        QVERIFY(!a->isConnected());
        QCOMPARE(metric(h.server().adminPort(), "verbatim_websocket_sessions_replaced_total"), 1LL);
        QCOMPARE(b.eventsOf(client::Event::Kind::ConnectedElsewhere).size(), std::size_t(0));
        // Starting again is the user's choice: then this copy wins and the other one stops.
        a->stop();
        a->start();
        QVERIFY(eventually(
            [&] { return !b.eventsOf(client::Event::Kind::ConnectedElsewhere).empty(); }));
        QVERIFY(eventually([&] { return a->isConnected(); }));
        a->stop();
        b->stop();
    }
};

QTEST_GUILESS_MAIN(TestRelayAbuse)
#include "tst_relay_abuse.moc"
