// Over 600 lines on purpose: one Qt Test class for the relay over TLS; its functions share the
// raw HTTPS helper above it and the admin-metrics ones in E2EHarness.h, each on its own Harness.
//
// The relay end to end: a real verbatim relay (in-process, TLS on 127.0.0.1) and real devices
// over TLS WebSockets. RL-01..04, RL-06, RL-08 (pinning), RL-14, DL-01, ES-01 (short), ES-07.

#include <QtTest>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include "E2EHarness.h"
#include "crypto/Ed25519.h"
#include "crypto/Random.h"
#include "journal/DeviceApproval.h"
#include "journal/HashChain.h"
#include "journal/SealedEntry.h"
#include "journal/WipeCommand.h"

using namespace verbatim;
using namespace verbatim::e2e;
namespace net = boost::asio;

namespace {

// Raw TLS exchange: sends `request` bytes after the handshake and returns the status line.
std::string rawHttps(std::uint16_t port, const std::string& request) {
    net::io_context ioc;
    net::ssl::context ctx(net::ssl::context::tls_client);
    net::ssl::stream<net::ip::tcp::socket> s(ioc, ctx);
    boost::system::error_code ec;
    s.next_layer().connect({net::ip::make_address("127.0.0.1"), port}, ec);
    if (ec) return "connect failed";
    s.handshake(net::ssl::stream_base::client, ec);
    if (ec) return "handshake failed";
    net::write(s, net::buffer(request), ec);
    std::string out(4096, '\0');
    std::size_t n = s.read_some(net::buffer(out), ec);
    out.resize(n);
    return out.substr(0, out.find("\r\n"));
}

bool fileContains(const std::filesystem::path& p, const std::string& needle) {
    std::ifstream f(p, std::ios::binary);
    std::string data((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    return data.find(needle) != std::string::npos;
}

} // namespace

class TestRelayE2E : public QObject {
    Q_OBJECT

private slots:
    void lawyerAndInvitedClientExchangeMessagesWithJournal() {
        Harness h;
        QVERIFY(h.ok());
        auto lawyer = h.enrollStaff("alice", proto::ROLE_LAWYER);
        QVERIFY(lawyer);
        std::string conv;
        auto client = h.inviteClient("alice", "Lease dispute", &conv);
        QVERIFY(client);
        QVERIFY(!conv.empty());
        QVERIFY(lawyer->connect(h.endpoint()));
        QVERIFY(client->connect(h.endpoint()));

        const std::string canary = "CANARY-e2e-4f1c privileged";
        proto::JournalRecord sent;
        proto::Request req;
        *req.mutable_send() = h.buildSend(*lawyer, conv, canary, &sent);
        QCOMPARE(req.send().envelopes_size(), 1);
        // The journal so far holds the relay's entries for the enrolment and the invitation.
        const std::uint64_t base = h.service().journalHead().first;
        auto res = lawyer->connection->call(req);
        QVERIFY(res);
        QCOMPARE(res->status(), proto::STATUS_OK);
        QCOMPARE(res->send_result().journal_sequence(), base + 1);

        auto got = client->waitForEnvelopes(1);
        QCOMPARE(got.size(), std::size_t(1));
        auto rec = h.open(*client, got[0]);
        QVERIFY2(rec, rec ? "" : rec.error().message.c_str());
        QCOMPARE(rec->body(), canary);
        QCOMPARE(got[0].journal_sequence(), base + 1);

        proto::Request ack;
        ack.mutable_acknowledge()->add_queue_ids(got[0].queue_id());
        QCOMPARE(client->connection->call(ack)->status(), proto::STATUS_OK);

        // The client answers; the lawyer receives it.
        proto::Request reply;
        *reply.mutable_send() = h.buildSend(*client, conv, "Thank you.");
        auto replied = client->connection->call(reply);
        QVERIFY(replied);
        QCOMPARE(replied->status(), proto::STATUS_OK);
        QCOMPARE(replied->send_result().journal_sequence(), base + 2); // nothing in between
        auto back = lawyer->waitForEnvelopes(1);
        QCOMPARE(back.size(), std::size_t(1));
        QVERIFY(h.open(*lawyer, back[0]));
        QCOMPARE(back[0].journal_sequence(), base + 2);

        // The relay's files hold no plaintext (ES-01 short form, ES-02).
        lawyer->disconnect();
        client->disconnect();
        h.stop();
        int scanned = 0;
        for (auto& f : std::filesystem::recursive_directory_iterator(h.dataDir().toStdString())) {
            if (!f.is_regular_file()) continue;
            ++scanned;
            QVERIFY2(!fileContains(f.path(), canary), f.path().c_str());
            QVERIFY(!fileContains(f.path(), "Thank you."));
        }
        QVERIFY(scanned >= 3);
    }

    void membersHearWhenAClientJoinsTheirMatter() {
        Harness h;
        QVERIFY(h.ok());
        auto lawyer = h.enrollStaff("kate", proto::ROLE_LAWYER);
        auto laptop = h.addDevice("kate", lawyer.get());
        QVERIFY(lawyer && laptop);
        QVERIFY(lawyer->connect(h.endpoint()));
        QVERIFY(laptop->connect(h.endpoint()));
        std::string conv;
        auto client = h.inviteClient("kate", "Boundary dispute", &conv);
        QVERIFY(client);
        for (Device* d : {lawyer.get(), laptop.get()}) {
            auto changes = d->waitForConversationChanges(1);
            QCOMPARE(changes.size(), std::size_t(1));
            QCOMPARE(changes[0].id(), conv);
            QCOMPARE(changes[0].title(), std::string("Boundary dispute"));
            QVERIFY(changes[0].is_matter());
            QCOMPARE(changes[0].members_size(), 2);
            QVERIFY(std::find(changes[0].members().begin(), changes[0].members().end(),
                              client->user) != changes[0].members().end());
        }
    }

    void offlineDeviceReceivesQueueInOrderThenLive() {
        Harness h;
        QVERIFY(h.ok());
        auto lawyer = h.enrollStaff("bob", proto::ROLE_LAWYER);
        std::string conv;
        auto client = h.inviteClient("bob", "Probate", &conv);
        QVERIFY(lawyer && client);
        QVERIFY(lawyer->connect(h.endpoint()));
        QVERIFY(sendNumbered(h, *lawyer, conv, "m", 40));
        QVERIFY(client->connect(h.endpoint()));
        auto got = client->waitForEnvelopes(40);
        QCOMPARE(got.size(), std::size_t(40));
        for (int i = 0; i < 40; ++i) {
            auto rec = h.open(*client, got[std::size_t(i)]);
            QVERIFY(rec);
            QCOMPARE(rec->body(), "m" + std::to_string(i));
        }
        proto::Request live;
        *live.mutable_send() = h.buildSend(*lawyer, conv, "live");
        QCOMPARE(lawyer->connection->call(live)->status(), proto::STATUS_OK);
        got = client->waitForEnvelopes(41);
        QCOMPARE(got.size(), std::size_t(41));
        QCOMPARE(h.open(*client, got[40])->body(), std::string("live"));

        // Unacknowledged envelopes come again after a reconnect; acknowledged ones do not.
        proto::Request ack;
        for (int i = 0; i < 30; ++i)
            ack.mutable_acknowledge()->add_queue_ids(got[std::size_t(i)].queue_id());
        QCOMPARE(client->connection->call(ack)->status(), proto::STATUS_OK);
        client->disconnect();
        auto before = client->envelopes().size();
        QVERIFY(client->connect(h.endpoint()));
        auto again = client->waitForEnvelopes(before + 11);
        QCOMPARE(again.size(), before + 11);
        QCOMPARE(again[before].queue_id(), got[30].queue_id());
    }

    // Acknowledgements are one-way (frame id 0): the relay writes no reply unless it refuses
    // one, and an acknowledged envelope is gone all the same.
    void oneWayAcknowledgementsGetNoReplyUnlessRefused() {
        Harness h;
        QVERIFY(h.ok());
        ConnectedMatter matter;
        QVERIFY(connectMatter(h, "hank", "Easement", matter));
        auto &lawyer = matter.lawyer, &client = matter.client;
        const std::string& conv = matter.conv;
        QVERIFY(sendNumbered(h, *lawyer, conv, "n", 3));
        auto got = client->waitForEnvelopes(3);
        QCOMPARE(got.size(), std::size_t(3));
        const auto port = h.server().adminPort();
        auto framesOut = [&] { return metric(port, "verbatim_frames_out_total"); };
        proto::Request ping;
        ping.mutable_ping();
        auto settle = [&](long long expected) { // frames_out once writes have stopped
            QElapsedTimer t;
            t.start();
            long long now = framesOut();
            while (t.elapsed() < 1000) {
                QTest::qWait(50);
                now = framesOut();
                if (now > expected) break; // too many: no need to wait longer
            }
            return now;
        };
        QVERIFY(framesOut() >= 0);

        const long long before = framesOut();
        proto::Request ack;
        ack.mutable_acknowledge()->add_queue_ids(got[0].queue_id());
        ack.mutable_acknowledge()->add_queue_ids(got[1].queue_id());
        client->connection->notify(ack);
        QCOMPARE(client->connection->call(ping)->status(), proto::STATUS_OK);
        QCOMPARE(settle(before + 1), before + 1); // the ping's reply, nothing for the ack

        proto::Request tooMany;
        for (int i = 0; i < 1001; ++i)
            tooMany.mutable_acknowledge()->add_queue_ids(std::uint64_t(i + 1));
        client->connection->notify(tooMany);
        QCOMPARE(client->connection->call(ping)->status(), proto::STATUS_OK);
        QCOMPARE(settle(before + 3), before + 3); // the refusal and the ping's reply

        // The two acknowledged envelopes are gone; the third comes again on a new connection.
        client->disconnect();
        const auto seen = client->envelopes().size();
        QVERIFY(client->connect(h.endpoint()));
        auto again = client->waitForEnvelopes(seen + 1);
        QCOMPARE(again.size(), seen + 1);
        QCOMPARE(again[seen].queue_id(), got[2].queue_id());
        QTest::qWait(200);
        QCOMPARE(client->envelopes().size(), seen + 1);
    }

    // What is queued for a connection goes out as one FrameBatch message to a device that asked
    // (the app does), in order; a device that did not ask gets one Frame per message.
    void queuedFramesComeBatchedOnlyToDevicesThatAsk() {
        Harness h;
        QVERIFY(h.ok());
        auto lawyer = h.enrollStaff("ida", proto::ROLE_LAWYER);
        std::string conv;
        auto client = h.inviteClient("ida", "Probate", &conv);
        QVERIFY(lawyer && client);
        QVERIFY(lawyer->connect(h.endpoint()));
        QVERIFY(client->connect(h.endpoint())); // fills in its credentials
        client->disconnect();
        QVERIFY(sendNumbered(h, *lawyer, conv, "b", 20));
        const auto port = h.server().adminPort();
        const long long frames0 = metric(port, "verbatim_frames_out_total"),
                        writes0 = metric(port, "verbatim_websocket_writes_total");
        QVERIFY(frames0 >= 0 && writes0 >= 0);
        QVERIFY(client->connect(h.endpoint()));
        auto got = client->waitForEnvelopes(20);
        QCOMPARE(got.size(), std::size_t(20));
        for (int i = 0; i < 20; ++i)
            QCOMPARE(h.open(*client, got[std::size_t(i)])->body(), "b" + std::to_string(i));
        QTest::qWait(100);
        const long long frames = metric(port, "verbatim_frames_out_total") - frames0,
                        writes = metric(port, "verbatim_websocket_writes_total") - writes0;
        QVERIFY2(frames >= 21 && writes < frames,
                 (std::to_string(writes) + " writes for " + std::to_string(frames)).c_str());

        // The same device without the header: one Frame per WebSocket message.
        client->disconnect();
        QVERIFY(sendNumbered(h, *lawyer, conv, "s", 5));
        net::io_context ioc;
        net::ssl::context ctx(net::ssl::context::tls_client);
        boost::beast::websocket::stream<net::ssl::stream<net::ip::tcp::socket>> ws(ioc, ctx);
        ws.next_layer().next_layer().connect(
            {net::ip::make_address("127.0.0.1"), h.server().port()});
        ws.next_layer().handshake(net::ssl::stream_base::client);
        const auto& cred = client->credentials;
        ws.set_option(boost::beast::websocket::stream_base::decorator(
            [&](boost::beast::websocket::request_type& req) {
                req.set("X-Verbatim-Device", cred.user + "/" + std::to_string(cred.device));
                req.set(boost::beast::http::field::authorization, "Bearer " + toHex(cred.secret));
            }));
        ws.handshake("localhost", "/v1/ws");
        int envelopes = 0;
        bool drained = false;
        while (!drained) {
            boost::beast::flat_buffer buffer;
            ws.read(buffer);
            proto::Frame f;
            auto data = buffer.cdata();
            QVERIFY(f.ParseFromArray(data.data(), int(data.size())));
            QVERIFY(!f.has_batch());
            if (f.has_push() && f.push().has_envelope()) ++envelopes;
            if (f.has_push() && f.push().has_queue_drained()) drained = true;
        }
        QCOMPARE(envelopes, 25); // the 20 above were never acknowledged: they come again
    }

    void relayRestartLosesNothingAcknowledged() {
        Harness h;
        QVERIFY(h.ok());
        auto lawyer = h.enrollStaff("carol", proto::ROLE_LAWYER);
        std::string conv;
        auto client = h.inviteClient("carol", "Merger", &conv);
        QVERIFY(lawyer->connect(h.endpoint()));
        const std::uint64_t base = h.service().journalHead().first;
        for (int i = 0; i < 20; ++i) {
            proto::Request req;
            *req.mutable_send() = h.buildSend(*lawyer, conv, "before-" + std::to_string(i));
            auto sent = lawyer->connection->call(req);
            QVERIFY(sent);
            QCOMPARE(sent->status(), proto::STATUS_OK);
            QCOMPARE(sent->send_result().journal_sequence(), base + std::uint64_t(i + 1));
        }
        lawyer->disconnect();
        QVERIFY(h.restart());
        QVERIFY(lawyer->connect(h.endpoint()));
        proto::Request req;
        *req.mutable_send() = h.buildSend(*lawyer, conv, "after");
        auto res = lawyer->connection->call(req);
        QCOMPARE(res->status(), proto::STATUS_OK);
        QCOMPARE(res->send_result().journal_sequence(), base + 21);
        QVERIFY(client->connect(h.endpoint()));
        auto got = client->waitForEnvelopes(21);
        QCOMPARE(got.size(), std::size_t(21));
        QCOMPARE(h.open(*client, got[20])->body(), std::string("after"));
    }

    void revokedDeviceIsCutOffAndRefused() {
        Harness h;
        QVERIFY(h.ok());
        auto lawyer = h.enrollStaff("dave", proto::ROLE_LAWYER);
        auto second = h.addDevice("dave", lawyer.get());
        std::string conv;
        auto client = h.inviteClient("dave", "Estate", &conv);
        QVERIFY(lawyer && second && client);
        QVERIFY(second->connect(h.endpoint()));
        QVERIFY(client->connect(h.endpoint()));
        QElapsedTimer t;
        t.start();
        QVERIFY(h.service().revokeDevice("dave", second->device, "test"));
        QCOMPARE(second->waitForClose(1000), std::uint16_t(4403));
        QVERIFY(t.elapsed() < 1000);
        auto again = second->connect(h.endpoint());
        QVERIFY(!again);
        QCOMPARE(again.error().detail, 403);
        // A sender that still includes the revoked device gets 409 naming it as extra.
        proto::Request req;
        *req.mutable_send() = h.buildSend(*client, conv, "hello");
        auto* stale = req.mutable_send()->add_envelopes();
        stale->set_user("dave");
        stale->set_device(second->device);
        stale->set_type(2);
        stale->set_body("x");
        auto res = client->connection->call(req);
        QCOMPARE(res->status(), proto::STATUS_CONFLICT);
        QCOMPARE(res->device_mismatch().extra_size(), 1);
        QCOMPARE(res->device_mismatch().extra(0).device(), second->device);
    }

    void hostileFramesGetCloseCodes() {
        Harness h([](relay::ServerConfig& c) { c.maxWebSocketMessage = 64 * 1024; });
        QVERIFY(h.ok());
        auto a = h.enrollStaff("erin", proto::ROLE_LAWYER);
        QVERIFY(a->connect(h.endpoint()));
        a->connection->sendRaw("\x08\xff\xff garbage that is no protobuf frame");
        QCOMPARE(a->waitForClose(), std::uint16_t(1008));
        QVERIFY(a->connect(h.endpoint()));
        a->connection->sendRaw(std::string(65 * 1024, 'x'));
        QCOMPARE(a->waitForClose(), std::uint16_t(1009));
        // The relay still serves after both.
        QVERIFY(a->connect(h.endpoint()));
        proto::Request ping;
        ping.mutable_ping();
        QCOMPARE(a->connection->call(ping)->status(), proto::STATUS_OK);
    }

    // The relay's TLS stream (relay/net/SocketTls): a refusal sent while the peer is still
    // uploading must reach the peer. Closing with unread bytes would reset the connection and
    // could destroy the 413 before it is read; the relay drains instead.
    void refusalReachesAPeerStillSending() {
        Harness h;
        QVERIFY(h.ok());
        net::io_context ioc;
        net::ssl::context ctx(net::ssl::context::tls_client);
        net::ssl::stream<net::ip::tcp::socket> s(ioc, ctx);
        s.next_layer().connect({net::ip::make_address("127.0.0.1"), h.server().port()});
        s.handshake(net::ssl::stream_base::client);
        std::string request =
            "POST /v1/register HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000\r\n\r\n";
        request += std::string(4 * 1024 * 1024, 'b'); // far more than the socket buffers hold
        boost::system::error_code ec;
        net::write(s, net::buffer(request), ec);
        QVERIFY2(!ec, ec.message().c_str());
        std::string reply;
        char buf[4096];
        while (!ec) {
            std::size_t n = s.read_some(net::buffer(buf), ec);
            reply.append(buf, n);
        }
        QVERIFY2(reply.starts_with("HTTP/1.1 413"), reply.substr(0, 40).c_str());
    }

    // Large attachments through the relay's TLS stream both ways, and to a reader that stalls
    // long enough for the relay's socket to fill: 8 MiB is more than the relay's send buffer and the
    // reader's 64 KiB receive buffer hold, so its writes must wait and resume, byte-exact.
    void largeBlobsSurviveAStallingReader() {
        Harness h;
        QVERIFY(h.ok());
        auto a = h.enrollStaff("gwen", proto::ROLE_LAWYER);
        QVERIFY(a);
        QVERIFY(a->connect(h.endpoint())); // fills in the credentials
        const Bytes data = crypto::randomBytes(8 * 1024 * 1024 + 123);
        const std::string blob(data.begin(), data.end());
        auto id = client::RelayConnection::uploadBlob(h.endpoint(), a->credentials, blob);
        QVERIFY2(id, id ? "" : id.error().message.c_str());
        auto back =
            client::RelayConnection::downloadBlob(h.endpoint(), a->credentials, *id, blob.size());
        QVERIFY2(back, back ? "" : back.error().message.c_str());
        QVERIFY(*back == blob);

        net::io_context ioc;
        net::ssl::context ctx(net::ssl::context::tls_client);
        net::ssl::stream<net::ip::tcp::socket> s(ioc, ctx);
        s.next_layer().connect({net::ip::make_address("127.0.0.1"), h.server().port()});
        s.next_layer().set_option(net::socket_base::receive_buffer_size(64 * 1024));
        s.handshake(net::ssl::stream_base::client);
        net::write(
            s,
            net::buffer("GET /v1/blobs/" + *id + " HTTP/1.1\r\nHost: x\r\nX-Verbatim-Device: " +
                        a->credentials.user + "/" + std::to_string(a->credentials.device) +
                        "\r\nAuthorization: Bearer " + toHex(a->credentials.secret) + "\r\n\r\n"));
        std::string reply;
        char buf[8192];
        boost::system::error_code ec;
        for (int i = 0; !ec; ++i) {
            if (i == 2) QTest::qSleep(500); // stall after the first records
            std::size_t n = s.read_some(net::buffer(buf), ec);
            reply.append(buf, n);
        }
        auto headerEnd = reply.find("\r\n\r\n");
        QVERIFY(reply.starts_with("HTTP/1.1 200") && headerEnd != std::string::npos);
        QCOMPARE(reply.size() - headerEnd - 4, blob.size());
        QVERIFY(reply.compare(headerEnd + 4, std::string::npos, blob) == 0);
    }

    void hostileHttpIsRefusedBeforeReadingTheBody() {
        Harness h;
        QVERIFY(h.ok());
        auto port = h.server().port();
        QVERIFY(
            rawHttps(port,
                     "POST /v1/register HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000\r\n\r\n")
                .find("413") != std::string::npos);
        QVERIFY(
            rawHttps(port,
                     "POST /v1/register HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
                .find("411") != std::string::npos);
        std::string big =
            "GET /v1/ws HTTP/1.1\r\nHost: x\r\nX-Pad: " + std::string(8 * 1024 + 1, 'a') +
            "\r\n\r\n";
        QVERIFY(rawHttps(port, big).find("431") != std::string::npos);
        QVERIFY(rawHttps(port, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n").find("404") !=
                std::string::npos);
        QVERIFY(rawHttps(port, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").find("404") !=
                std::string::npos);
        QVERIFY(rawHttps(port,
                         "POST /v1/register HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello")
                    .find("400") != std::string::npos);
        // Garbage instead of a TLS ClientHello: the connection is dropped, the relay lives on.
        {
            net::io_context ioc;
            net::ip::tcp::socket s(ioc);
            s.connect({net::ip::make_address("127.0.0.1"), port});
            net::write(s, net::buffer(std::string("GET / HTTP/1.1\r\n\r\n")));
            boost::system::error_code ec;
            char buf[64];
            s.read_some(net::buffer(buf), ec);
            QVERIFY(ec);
        }
        auto a = h.enrollStaff("frank", proto::ROLE_LAWYER);
        QVERIFY(a);
        QVERIFY(a->connect(h.endpoint()));
    }

    void silentPeersAreCutAtTheirTimeouts() {
        // RL-06: a peer that never starts TLS, one that stops after TLS, and a WebSocket peer
        // that never answers pings are all closed at their timeouts.
        Harness h([](relay::ServerConfig& c) {
            c.handshakeTimeout = std::chrono::seconds(1);
            c.idleTimeout = std::chrono::seconds(2);
        });
        QVERIFY(h.ok());
        auto port = h.server().port();
        auto closedWithin = [](auto& stream, int ms) {
            QElapsedTimer t;
            t.start();
            boost::system::error_code ec;
            char buf[256];
            while (!ec && t.elapsed() < ms + 5000)
                stream.read_some(net::buffer(buf), ec);
            return ec && t.elapsed() <= ms;
        };
        {
            net::io_context ioc;
            net::ip::tcp::socket s(ioc);
            s.connect({net::ip::make_address("127.0.0.1"), port});
            QVERIFY(closedWithin(s, 3000));
        }
        {
            net::io_context ioc;
            net::ssl::context ctx(net::ssl::context::tls_client);
            net::ssl::stream<net::ip::tcp::socket> s(ioc, ctx);
            s.next_layer().connect({net::ip::make_address("127.0.0.1"), port});
            s.handshake(net::ssl::stream_base::client);
            QVERIFY(closedWithin(s, 3000));
        }
        auto a = h.enrollStaff("ivy", proto::ROLE_LAWYER);
        QVERIFY(a);
        {
            net::io_context ioc;
            net::ssl::context ctx(net::ssl::context::tls_client);
            net::ssl::stream<net::ip::tcp::socket> s(ioc, ctx);
            s.next_layer().connect({net::ip::make_address("127.0.0.1"), port});
            s.handshake(net::ssl::stream_base::client);
            std::string upgrade =
                "GET /v1/ws HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\n"
                "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                "Sec-WebSocket-Version: 13\r\n"
                "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n"
                "X-Verbatim-Device: ivy/" +
                std::to_string(a->device) + "\r\nAuthorization: Bearer " +
                toHex(a->credentials.secret) + "\r\n\r\n";
            net::write(s, net::buffer(upgrade));
            std::string head(1024, '\0');
            head.resize(s.read_some(net::buffer(head)));
            QVERIFY2(head.find("101") != std::string::npos, head.c_str());
            // RL-04: compression is offered but never negotiated (no decompression bombs).
            QVERIFY2(head.find("permessage-deflate") == std::string::npos, head.c_str());
            // Never read again (no pong): the idle timeout (2 s, ping at half of it) closes us.
            QTest::qWait(1);
            QVERIFY(closedWithin(s, 6000));
        }
    }

    void authorisationMatrixCoversEveryRequest() {
        // RL-09: every request type is tried by every role against resources that are not
        // theirs. The matrix is keyed by the wire schema's request names, so a new request type
        // without an entry fails this test.
        Harness h;
        QVERIFY(h.ok());
        auto owner = h.enrollStaff("owen", proto::ROLE_LAWYER);
        std::string ownersMatter;
        auto ownersClient = h.inviteClient("owen", "Owner's matter", &ownersMatter);
        std::map<proto::Role, std::unique_ptr<Device>> as;
        as[proto::ROLE_LAWYER] = h.enrollStaff("lara", proto::ROLE_LAWYER);
        as[proto::ROLE_SUPERVISOR] = h.enrollStaff("sam", proto::ROLE_SUPERVISOR);
        as[proto::ROLE_COMPLIANCE] = h.enrollStaff("cora", proto::ROLE_COMPLIANCE);
        as[proto::ROLE_ADMIN] = h.enrollStaff("adam", proto::ROLE_ADMIN);
        std::string otherMatter;
        as[proto::ROLE_CLIENT] = h.inviteClient("lara", "Another matter", &otherMatter);
        for (auto& [role, d] : as)
            QVERIFY(d && d->connect(h.endpoint()));
        QVERIFY(owner->connect(h.endpoint()));
        // A queued envelope of the owner's client, for the acknowledge probe.
        proto::Request seed;
        *seed.mutable_send() = h.buildSend(*owner, ownersMatter, "not yours");
        QCOMPARE(owner->connection->call(seed)->status(), proto::STATUS_OK);

        using Expect = std::function<bool(proto::Role, const proto::Response&)>;
        auto forbidden = [](proto::Role, const proto::Response& r) {
            return r.status() == proto::STATUS_FORBIDDEN;
        };
        auto refused = [](proto::Role, const proto::Response& r) {
            return r.status() >= proto::STATUS_BAD_REQUEST && r.status() < proto::STATUS_INTERNAL;
        };
        struct Probe {
            std::function<proto::Request(Device&)> make;
            Expect expect;
        };
        std::map<std::string, Probe> matrix;
        matrix["ping"] = {
            [](Device&) {
                proto::Request r;
                r.mutable_ping();
                return r;
            },
            [](proto::Role, const proto::Response& r) { return r.status() == proto::STATUS_OK; }};
        matrix["upload_pre_keys"] = {
            [](Device&) {
                proto::Request r;
                r.mutable_upload_pre_keys();
                return r;
            },
            [](proto::Role, const proto::Response& r) { return r.status() == proto::STATUS_OK; }};
        matrix["fetch_bundles"] = {[&](Device&) {
                                       proto::Request r;
                                       r.mutable_fetch_bundles()->set_user(ownersClient->user);
                                       return r;
                                   },
                                   forbidden};
        matrix["create_conversation"] = {
            [&](Device&) {
                proto::Request r;
                r.mutable_create_conversation()->set_title("x");
                r.mutable_create_conversation()->add_members(ownersClient->user);
                return r;
            },
            [](proto::Role role, const proto::Response& r) {
                bool staff = role == proto::ROLE_LAWYER || role == proto::ROLE_SUPERVISOR ||
                             role == proto::ROLE_ADMIN;
                return staff ? r.status() == proto::STATUS_OK
                             : r.status() == proto::STATUS_FORBIDDEN;
            }};
        matrix["list_conversations"] = {[](Device&) {
                                            proto::Request r;
                                            r.mutable_list_conversations();
                                            return r;
                                        },
                                        [&](proto::Role, const proto::Response& r) {
                                            if (r.status() != proto::STATUS_OK) return false;
                                            for (const auto& c : r.conversations().conversations())
                                                if (c.id() == ownersMatter) return false;
                                            return true;
                                        }};
        matrix["list_member_devices"] = {[&](Device&) {
                                             proto::Request r;
                                             r.mutable_list_member_devices()->set_conversation_id(
                                                 ownersMatter);
                                             return r;
                                         },
                                         forbidden};
        matrix["send"] = {[&](Device& d) {
                              proto::Request r;
                              *r.mutable_send() = seed.send(); // someone else's message
                              (void)d;
                              return r;
                          },
                          refused};
        matrix["acknowledge"] = {
            [&](Device&) {
                proto::Request r;
                for (std::uint64_t id = 1; id <= 5; ++id)
                    r.mutable_acknowledge()->add_queue_ids(id);
                return r;
            },
            [](proto::Role, const proto::Response& r) { return r.status() == proto::STATUS_OK; }};
        matrix["pull_journal"] = {[](Device&) {
                                      proto::Request r;
                                      r.mutable_pull_journal()->set_after_sequence(0);
                                      return r;
                                  },
                                  [](proto::Role role, const proto::Response& r) {
                                      return role == proto::ROLE_COMPLIANCE
                                                 ? r.status() == proto::STATUS_OK
                                                 : r.status() == proto::STATUS_FORBIDDEN;
                                  }};
        matrix["create_invite"] = {[&](Device&) {
                                       proto::Request r;
                                       r.mutable_create_invite()->set_conversation_id(ownersMatter);
                                       return r;
                                   },
                                   forbidden};

        matrix["list_devices"] = {[](Device&) {
                                      proto::Request r;
                                      r.mutable_list_devices();
                                      return r;
                                  },
                                  [](proto::Role, const proto::Response& r) {
                                      // Everyone sees their own devices, and only those (one each here).
                                      return r.status() == proto::STATUS_OK &&
                                             r.device_list().devices_size() == 1;
                                  }};
        matrix["create_device_link"] = {[](Device&) {
                                            proto::Request r;
                                            r.mutable_create_device_link();
                                            return r;
                                        },
                                        [](proto::Role role, const proto::Response& r) {
                                            // Staff link their own devices; clients join by invite.
                                            return role == proto::ROLE_CLIENT
                                                       ? r.status() == proto::STATUS_FORBIDDEN
                                                       : r.status() == proto::STATUS_OK;
                                        }};
        matrix["confirm_wipe"] = {[](Device&) {
                                      proto::Request r;
                                      r.mutable_confirm_wipe();
                                      return r;
                                  },
                                  [](proto::Role, const proto::Response& r) {
                                      return r.status() ==
                                             proto::STATUS_NOT_FOUND; // no wipe is pending
                                  }};
        matrix["admin_list_devices"] = {[](Device&) {
                                            proto::Request r;
                                            r.mutable_admin_list_devices();
                                            return r;
                                        },
                                        [](proto::Role role, const proto::Response& r) {
                                            return role == proto::ROLE_ADMIN
                                                       ? r.status() == proto::STATUS_OK &&
                                                             r.device_list().devices_size() > 5
                                                       : r.status() == proto::STATUS_FORBIDDEN;
                                        }};
        matrix["admin_device_action"] = {
            [](Device&) {
                proto::Request r;
                r.mutable_admin_device_action()->set_user("nobody");
                r.mutable_admin_device_action()->set_device(9);
                r.mutable_admin_device_action()->set_action(proto::AdminDeviceAction::REVOKE);
                return r;
            },
            [](proto::Role role, const proto::Response& r) {
                return role == proto::ROLE_ADMIN ? r.status() == proto::STATUS_NOT_FOUND
                                                 : r.status() == proto::STATUS_FORBIDDEN;
            }};
        matrix["approve_device"] = {[&](Device& d) {
                                        // An approval of another user's device, signed as itself.
                                        auto a = journal::DeviceApproval::make(
                                            ownersClient->user, ownersClient->device + 8,
                                            ownersClient->identityKey, d.device, 1764300000000ULL,
                                            [&](ByteView m) { return d.sessions->sign(m); });
                                        proto::Request r;
                                        if (a) {
                                            auto bytes = a->serialize();
                                            r.mutable_approve_device()->set_approval(
                                                std::string(bytes.begin(), bytes.end()));
                                        }
                                        return r;
                                    },
                                    forbidden};
        // Issue 16 item 7: an open invite of the owner's, which nobody else may see or revoke.
        const std::string ownersInvite = [&] {
            auto link = h.service().inviteToMatter("owen", "Owner's matter", 3600 * 1000);
            auto at = link ? link->find("token=") : std::string::npos;
            return at == std::string::npos ? std::string() : link->substr(at + 6, 8);
        }();
        QCOMPARE(ownersInvite.size(), std::size_t(8));
        auto inviter = [](proto::Role role) {
            return role == proto::ROLE_LAWYER || role == proto::ROLE_SUPERVISOR;
        };
        matrix["list_invites"] = {[](Device&) {
                                      proto::Request r;
                                      r.mutable_list_invites();
                                      return r;
                                  },
                                  [&](proto::Role role, const proto::Response& r) {
                                      if (!inviter(role))
                                          return r.status() == proto::STATUS_FORBIDDEN;
                                      if (r.status() != proto::STATUS_OK) return false;
                                      for (const auto& i : r.invite_list().invites())
                                          if (i.inviter() == "owen") return false;
                                      return true;
                                  }};
        matrix["revoke_invite"] = {[&](Device&) {
                                       proto::Request r;
                                       r.mutable_revoke_invite()->set_id(ownersInvite);
                                       return r;
                                   },
                                   [&](proto::Role role, const proto::Response& r) {
                                       return r.status() == (inviter(role)
                                                                 ? proto::STATUS_NOT_FOUND
                                                                 : proto::STATUS_FORBIDDEN);
                                   }};
        // Issue 22: another lawyer, a client or compliance may not close the owner's matter; a
        // supervisor or an administrator may (the probe reopens an open matter: nothing changes).
        matrix["set_matter_closed"] = {
            [&](Device&) {
                proto::Request r;
                r.mutable_set_matter_closed()->set_conversation_id(ownersMatter);
                r.mutable_set_matter_closed()->set_closed(false);
                return r;
            },
            [&](proto::Role role, const proto::Response& r) {
                if (role == proto::ROLE_SUPERVISOR || role == proto::ROLE_ADMIN)
                    return r.status() == proto::STATUS_OK && r.conversation().closed_ms() == 0;
                return r.status() == (role == proto::ROLE_LAWYER ? proto::STATUS_NOT_FOUND
                                                                 : proto::STATUS_FORBIDDEN);
            }};
        // Supervisors and administrators reach the owner's matter (the probe names no member);
        // another lawyer does not see it; clients and compliance remove nobody.
        matrix["remove_member"] = {[&](Device&) {
                                       proto::Request r;
                                       r.mutable_remove_member()->set_conversation_id(ownersMatter);
                                       r.mutable_remove_member()->set_user("nobody");
                                       return r;
                                   },
                                   [&](proto::Role role, const proto::Response& r) {
                                       if (role == proto::ROLE_SUPERVISOR ||
                                           role == proto::ROLE_ADMIN || role == proto::ROLE_LAWYER)
                                           return r.status() == proto::STATUS_NOT_FOUND;
                                       return r.status() == proto::STATUS_FORBIDDEN;
                                   }};
        // Issue 23: nobody unlinks another user's device, whatever their role (the probe names
        // the owner's first device); every device may rename itself and drop its own push
        // endpoint (an empty URL).
        matrix["unlink_device"] = {[](Device&) {
                                       proto::Request r;
                                       r.mutable_unlink_device()->set_user("owen");
                                       r.mutable_unlink_device()->set_device(1);
                                       return r;
                                   },
                                   forbidden};
        matrix["set_device_name"] = {
            [](Device&) {
                proto::Request r;
                r.mutable_set_device_name()->set_name("Matrix probe");
                return r;
            },
            [](proto::Role, const proto::Response& r) { return r.status() == proto::STATUS_OK; }};
        matrix["set_push_endpoint"] = {
            [](Device&) {
                proto::Request r;
                r.mutable_set_push_endpoint()->set_url("");
                return r;
            },
            [](proto::Role, const proto::Response& r) { return r.status() == proto::STATUS_OK; }};
        // Issue 22: only a compliance device acknowledges the journal (the probe's bytes are no
        // acknowledgement at all, so compliance gets 400 and nothing is stored).
        matrix["ack_journal"] = {[](Device&) {
                                     proto::Request r;
                                     r.mutable_ack_journal()->set_ack("not an acknowledgement");
                                     return r;
                                 },
                                 [](proto::Role role, const proto::Response& r) {
                                     return r.status() == (role == proto::ROLE_COMPLIANCE
                                                               ? proto::STATUS_BAD_REQUEST
                                                               : proto::STATUS_FORBIDDEN);
                                 }};
        // Issue 21: nobody in this firm supervises anybody, so every role is refused (and the
        // owner's matter never shows).
        matrix["list_supervised_matters"] = {[](Device&) {
                                                 proto::Request r;
                                                 r.mutable_list_supervised_matters();
                                                 return r;
                                             },
                                             forbidden};
        // H6 (issue 22): administrators and compliance list the walls (none here), everyone else
        // is refused; only an administrator adds or removes one (the probes name an unknown user
        // and an unknown wall, so nothing changes: 404 for the administrator).
        matrix["list_walls"] = {[](Device&) {
                                    proto::Request r;
                                    r.mutable_list_walls();
                                    return r;
                                },
                                [](proto::Role role, const proto::Response& r) {
                                    if (role == proto::ROLE_ADMIN || role == proto::ROLE_COMPLIANCE)
                                        return r.status() == proto::STATUS_OK &&
                                               r.wall_list().walls_size() == 0;
                                    return r.status() == proto::STATUS_FORBIDDEN;
                                }};
        matrix["add_wall"] = {[](Device&) {
                                  proto::Request r;
                                  auto* a = r.mutable_add_wall();
                                  a->set_name("Matrix probe");
                                  a->add_users_a("nobody");
                                  a->add_users_b("owen");
                                  return r;
                              },
                              [](proto::Role role, const proto::Response& r) {
                                  return r.status() == (role == proto::ROLE_ADMIN
                                                            ? proto::STATUS_NOT_FOUND
                                                            : proto::STATUS_FORBIDDEN);
                              }};
        matrix["remove_wall"] = {[](Device&) {
                                     proto::Request r;
                                     r.mutable_remove_wall()->set_name("No such wall");
                                     return r;
                                 },
                                 [](proto::Role role, const proto::Response& r) {
                                     return r.status() == (role == proto::ROLE_ADMIN
                                                               ? proto::STATUS_NOT_FOUND
                                                               : proto::STATUS_FORBIDDEN);
                                 }};
        // Issue 22: only a compliance device fetches the boundary snapshot; nothing was pruned
        // here, so compliance is told so (404) and every other role is refused (403).
        matrix["pull_boundary_snapshot"] = {
            [](Device&) {
                proto::Request r;
                r.mutable_pull_boundary_snapshot();
                return r;
            },
            [](proto::Role role, const proto::Response& r) {
                return r.status() == (role == proto::ROLE_COMPLIANCE ? proto::STATUS_NOT_FOUND
                                                                     : proto::STATUS_FORBIDDEN);
            }};
        const auto* oneof = proto::Request::descriptor()->FindOneofByName("op");
        QVERIFY(oneof);
        for (int i = 0; i < oneof->field_count(); ++i) {
            std::string name = oneof->field(i)->name();
            QVERIFY2(matrix.count(name),
                     ("no authorisation matrix entry for request " + name).c_str());
            for (auto& [role, d] : as) {
                auto res = d->connection->call(matrix[name].make(*d));
                QVERIFY(res);
                QVERIFY2(matrix[name].expect(role, *res),
                         (name + " as " + proto::Role_Name(role) + " -> " +
                          std::to_string(res->status()) + " " + res->error())
                             .c_str());
            }
        }
        // Nobody's probe touched the owner's client queue: it still receives the message.
        QVERIFY(ownersClient->connect(h.endpoint()));
        QCOMPARE(ownersClient->waitForEnvelopes(1).size(), std::size_t(1));
        // Nor the owner's invite.
        auto invites = h.service().listInvites("owen");
        QVERIFY(invites);
        QVERIFY(std::any_of(invites->begin(), invites->end(), [&](const proto::InviteInfo& i) {
            return i.id() == ownersInvite && i.state() == proto::INVITE_OPEN;
        }));
    }

    void wipeReachesOnlineDeviceSignedByTheRelay() {
        Harness h;
        QVERIFY(h.ok());
        auto lawyer = h.enrollStaff("wanda", proto::ROLE_LAWYER);
        QVERIFY(lawyer->connect(h.endpoint()));
        QVERIFY(h.service().queueWipe("wanda", lawyer->device, "test"));
        auto wipes = lawyer->waitForWipe();
        QCOMPARE(wipes.size(), std::size_t(1));
        auto cmd = journal::WipeCommand::parse(view(wipes[0]));
        QVERIFY(cmd);
        QVERIFY(cmd->verify(h.relayKey().publicKey, "wanda", lawyer->device));
        QVERIFY(!cmd->verify(h.relayKey().publicKey, "wanda", lawyer->device + 1));
        // A wipe signed by anyone but the relay does not verify.
        auto mallory = *crypto::ed25519Generate();
        auto forged =
            journal::WipeCommand::sign("wanda", lawyer->device, cmd->issuedMs, mallory.privateKey);
        QVERIFY(!forged->verify(h.relayKey().publicKey, "wanda", lawyer->device));
        auto devices = h.service().listDevices("wanda");
        QVERIFY(devices && devices->size() == 1 && (*devices)[0].wipeRequestedMs > 0);
    }

    void wipeOfOfflineRevokedDeviceComesFirstAndPurgesItsQueue() {
        // DL-03: wiped while offline (and revoked); on reconnect the wipe comes before any
        // message, and the queued messages are gone from the relay. A client's device: the
        // firm's policy must allow erasing it (issue 22).
        Harness h;
        QVERIFY(h.ok());
        h.setManifestTweak([](journal::FirmManifest& m) { m.policy.mayWipeClientDevices = true; });
        QVERIFY(h.restart());
        auto lawyer = h.enrollStaff("xena", proto::ROLE_LAWYER);
        std::string conv;
        auto client = h.inviteClient("xena", "Lost phone", &conv);
        QVERIFY(lawyer->connect(h.endpoint()));
        QVERIFY(sendNumbered(h, *lawyer, conv, "queued ", 3));
        QVERIFY(h.service().revokeDevice(client->user, client->device, "test"));
        QVERIFY(h.service().queueWipe(client->user, client->device, "test"));
        QVERIFY(client->connect(h.endpoint()));
        auto wipes = client->waitForWipe();
        QCOMPARE(wipes.size(), std::size_t(1));
        QVERIFY(journal::WipeCommand::parse(view(wipes[0]))
                    ->verify(h.relayKey().publicKey, client->user, client->device));
        QTest::qWait(200);
        QCOMPARE(client->envelopes().size(), std::size_t(0));
        // The revoked device may receive its wipe, and nothing else.
        proto::Request list;
        list.mutable_list_conversations();
        auto r = client->connection->call(list, std::chrono::milliseconds(2000));
        QVERIFY(r);
        QCOMPARE(r->status(), proto::STATUS_FORBIDDEN);
    }

    void connectionsPerAddressAreRateLimited() {
        // RL-07/RL-12 at the door: a burst of new connections from one address is cut before
        // TLS, counted in /metrics, and the relay keeps serving.
        Harness h([](relay::ServerConfig& c) {
            c.connectsPerAddress = relay::BucketSpec{5, 0.01};
        });
        QVERIFY(h.ok());
        auto port = h.server().port();
        int handshakes = 0, cut = 0;
        for (int i = 0; i < 8; ++i) {
            net::io_context ioc;
            net::ssl::context ctx(net::ssl::context::tls_client);
            net::ssl::stream<net::ip::tcp::socket> s(ioc, ctx);
            s.next_layer().connect({net::ip::make_address("127.0.0.1"), port});
            boost::system::error_code ec;
            s.handshake(net::ssl::stream_base::client, ec);
            (ec ? cut : handshakes)++;
        }
        QCOMPARE(handshakes, 5);
        QCOMPARE(cut, 3);
        // The admin listener reports it (plain HTTP on loopback).
        const std::string body = adminMetrics(h.server().adminPort());
        QVERIFY2(body.find("verbatim_connections_rate_limited_total 3") != std::string::npos,
                 body.c_str());
    }

    void wrongCertificatePinIsRefused() {
        Harness h;
        QVERIFY(h.ok());
        auto a = h.enrollStaff("gina", proto::ROLE_LAWYER);
        auto ep = h.endpoint();
        ep.tlsPin = std::string(64, '0');
        auto r = a->connect(ep);
        QVERIFY(!r);
        QCOMPARE(r.error().code, ErrorCode::AuthFailed);
    }

    void badCredentialsAreRefused() {
        Harness h;
        QVERIFY(h.ok());
        auto a = h.enrollStaff("hank", proto::ROLE_LAWYER);
        a->credentials.secret[0] ^= 1;
        auto r = a->connect(h.endpoint());
        QVERIFY(!r);
        QCOMPARE(r.error().detail, 401);
    }

    void sendWithoutValidJournalIsRefused() {
        Harness h;
        QVERIFY(h.ok());
        auto lawyer = h.enrollStaff("ivan", proto::ROLE_LAWYER);
        std::string conv;
        auto client = h.inviteClient("ivan", "Tax", &conv);
        QVERIFY(lawyer->connect(h.endpoint()));
        proto::Request req;
        *req.mutable_send() = h.buildSend(*lawyer, conv, "x");
        const std::uint64_t base = h.service().journalHead().first;
        auto noJournal = req;
        noJournal.mutable_send()->clear_journal_entry();
        QCOMPARE(lawyer->connection->call(noJournal)->status(), proto::STATUS_BAD_REQUEST);
        auto otherId = req;
        otherId.mutable_send()->set_message_id(std::string(16, '\x01'));
        QCOMPARE(lawyer->connection->call(otherId)->status(), proto::STATUS_BAD_REQUEST);
        // Nothing was stored by the refusals: the good one is the next sequence number.
        QCOMPARE(h.service().journalHead().first, base);
        auto ok = lawyer->connection->call(req);
        QCOMPARE(ok->status(), proto::STATUS_OK);
        QCOMPARE(ok->send_result().journal_sequence(), base + 1);
        // The same send again is stored once.
        auto dup = lawyer->connection->call(req);
        QCOMPARE(dup->status(), proto::STATUS_OK);
        QVERIFY(dup->send_result().duplicate());
        QCOMPARE(dup->send_result().journal_sequence(), base + 1);
        QCOMPARE(h.service().journalHead().first, base + 1);
    }

    // Issue 20: sends' signature checks run on a pool of threads. Several devices pipelining
    // sends with good and bad signatures at once each get exactly the right answer (a bad
    // signature is 400 "journal entry signature does not verify"; when the entry is also for
    // another message, that check wins, as docs/protocol.md orders them), and each device's
    // good sends are stored and delivered in the order it sent them.
    void concurrentSendersKeepOrderAndAnswersWithTheVerifyPool() {
        Harness h([](relay::ServerConfig& c) { c.verifyThreads = 4; });
        QVERIFY(h.ok());
        constexpr int kPairs = 3, kSends = 32;
        struct Pair {
            std::unique_ptr<Device> lawyer, client;
            std::string conv;
            std::vector<proto::Request> requests;
            std::vector<std::optional<proto::Response>> answers;
        };
        std::vector<Pair> pairs(kPairs);
        for (int p = 0; p < kPairs; ++p) {
            auto& pair = pairs[std::size_t(p)];
            const std::string name = "pool" + std::to_string(p);
            pair.lawyer = h.enrollStaff(name, proto::ROLE_LAWYER);
            pair.client = h.inviteClient(name, "Matter " + name, &pair.conv);
            QVERIFY(pair.lawyer && pair.client);
            QVERIFY(pair.lawyer->connect(h.endpoint()));
            QVERIFY(pair.client->connect(h.endpoint()));
            for (int i = 0; i < kSends; ++i) {
                proto::Request req;
                *req.mutable_send() =
                    h.buildSend(*pair.lawyer, pair.conv, name + " m" + std::to_string(i));
                if (i % 4 >= 2) { // 2: bad signature; 3: bad signature, another message's id
                    auto entry = journal::SealedEntry::parse(view(req.send().journal_entry()));
                    QVERIFY(entry);
                    entry->signature[7] ^= 0x20;
                    const Bytes bytes = entry->serialize();
                    req.mutable_send()->set_journal_entry(std::string(bytes.begin(), bytes.end()));
                    if (i % 4 == 3) req.mutable_send()->set_message_id(std::string(16, char(i)));
                }
                pair.requests.push_back(std::move(req));
            }
            pair.answers.resize(kSends);
        }
        std::mutex mutex;
        int answered = 0;
        // Every device's sends go out back to back, all devices at once.
        std::vector<std::thread> senders;
        for (auto& pair : pairs)
            senders.emplace_back([&pair, &mutex, &answered] {
                for (int i = 0; i < kSends; ++i)
                    pair.lawyer->connection->request(
                        pair.requests[std::size_t(i)],
                        [&pair, &mutex, &answered, i](proto::Response r) {
                            std::lock_guard lock(mutex);
                            pair.answers[std::size_t(i)] = std::move(r);
                            ++answered;
                        });
            });
        for (auto& t : senders)
            t.join();
        QTRY_COMPARE_WITH_TIMEOUT(
            [&] {
                std::lock_guard lock(mutex);
                return answered;
            }(),
            kPairs * kSends, 20000);
        for (auto& pair : pairs) {
            std::uint64_t lastSeq = 0;
            std::vector<std::string> expected;
            for (int i = 0; i < kSends; ++i) {
                const auto& r = *pair.answers[std::size_t(i)];
                const std::string what = pair.conv + " send " + std::to_string(i);
                if (i % 4 < 2) {
                    QVERIFY2(r.status() == proto::STATUS_OK, (what + ": " + r.error()).c_str());
                    // Stored in the order sent: journal sequences grow with i.
                    QVERIFY2(r.send_result().journal_sequence() > lastSeq, what.c_str());
                    lastSeq = r.send_result().journal_sequence();
                    expected.push_back(pair.lawyer->user + " m" + std::to_string(i));
                } else {
                    QVERIFY2(r.status() == proto::STATUS_BAD_REQUEST, what.c_str());
                    QCOMPARE(r.error(),
                             std::string(i % 4 == 2 ? "journal entry signature does not verify"
                                                    : "journal entry is for another message"));
                }
            }
            auto got = pair.client->waitForEnvelopes(expected.size());
            QCOMPARE(got.size(), expected.size());
            for (std::size_t k = 0; k < got.size(); ++k) {
                auto rec = h.open(*pair.client, got[k]);
                QVERIFY(rec);
                QCOMPARE(rec->body(), expected[k]);
            }
        }
    }

    void compliancePullVerifiesAndOpens() {
        Harness h;
        QVERIFY(h.ok());
        auto lawyer = h.enrollStaff("judy", proto::ROLE_LAWYER);
        auto officer = h.enrollStaff("comply", proto::ROLE_COMPLIANCE);
        std::string conv;
        auto client = h.inviteClient("judy", "Fraud", &conv);
        QVERIFY(lawyer->connect(h.endpoint()));
        QVERIFY(officer->connect(h.endpoint()));
        const std::uint64_t base = h.service().journalHead().first; // the relay's own entries
        std::vector<std::string> bodies;
        for (int i = 0; i < 40; ++i) {
            proto::Request req;
            bodies.push_back("journaled " + std::to_string(i));
            *req.mutable_send() = h.buildSend(*lawyer, conv, bodies.back());
            QCOMPARE(lawyer->connection->call(req)->status(), proto::STATUS_OK);
        }
        proto::Request denied;
        denied.mutable_pull_journal()->set_after_sequence(0);
        QCOMPARE(lawyer->connection->call(denied)->status(), proto::STATUS_FORBIDDEN);
        proto::Request pull;
        pull.mutable_pull_journal()->set_after_sequence(0);
        pull.mutable_pull_journal()->set_limit(1000);
        auto page = officer->connection->call(pull);
        QCOMPARE(page->status(), proto::STATUS_OK);
        QCOMPARE(page->journal_page().rows_size(), int(base) + 40);
        std::vector<journal::ChainItem> items;
        for (const auto& r : page->journal_page().rows()) {
            journal::ChainHash ch{};
            std::copy(r.chain_hash().begin(), r.chain_hash().end(), ch.begin());
            items.push_back({r.sequence(), toBytes(view(r.entry())), ch});
        }
        std::vector<journal::Checkpoint> cps;
        for (const auto& c : page->journal_page().checkpoints())
            cps.push_back(*journal::Checkpoint::parse(view(c)));
        QVERIFY(!cps.empty());
        auto report = journal::verifyChain(items, cps, h.relayKey().publicKey);
        QVERIFY(report.ok());
        QCOMPARE(report.entriesChecked, base + 40);
        // The relay's entries (enrolments of judy and comply, the matter, the client's invitation) open and
        // verify under its journal identity; the 40 messages follow them.
        auto split = splitJournal(items, h.journalKey(), h.relayIdentityPublic());
        QVERIFY2(split, split ? "" : split.error().message.c_str());
        const std::vector<std::string> expected = {
            "enroll-user",          "enrollment-link",  "device-registered", // judy
            "enroll-user",          "enrollment-link",  "device-registered", // comply
            "conversation-created", "invite-created",     // judy opens the matter
            "invite-redeemed",      "device-registered"}; // the client
        QVERIFY(split->adminActions == expected);
        QCOMPARE(split->adminPositions.size(), std::size_t(base));
        QCOMPARE(split->messagePositions.size(), std::size_t(40));
        for (std::size_t i = 0; i < split->adminPositions.size(); ++i)
            QCOMPARE(split->adminPositions[i], i);
        for (int i = 0; i < 40; ++i) {
            QCOMPARE(split->messagePositions[std::size_t(i)], std::size_t(base) + std::size_t(i));
            QCOMPARE(items[base + std::size_t(i)].sequence, base + std::uint64_t(i + 1));
            auto sealed = journal::SealedEntry::parse(items[base + std::size_t(i)].entry);
            QVERIFY(sealed);
            auto opened = journal::openEntry(*sealed, h.journalKey(), lawyer->identityKey);
            QVERIFY(opened);
            QCOMPARE(opened->record.body(), bodies[std::size_t(i)]);
        }
    }
};

QTEST_GUILESS_MAIN(TestRelayE2E)
#include "tst_relay_e2e.moc"
