// relay/net/SocketTls driven directly: the relay's TLS stream against an Asio TLS client over
// loopback. The relay's own tests (tst_relay_e2e) run HTTP and WebSocket traffic over it; this
// covers what that traffic rarely reaches: empty operations, deadlines, a closed socket, data
// larger than one record in both directions.

#include <QTemporaryDir>
#include <QtTest>

#include <boost/asio/io_context.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>

#include <array>
#include <chrono>
#include <functional>
#include <optional>
#include <thread>

#include "crypto/Random.h"
#include "relay/net/SocketTls.h"
#include "relay/net/TlsCert.h"

using namespace verbatim;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using boost::beast::error_code;

namespace {

// A server-side SocketTlsStream and a client-side Asio TLS stream, connected and handshaken.
// The server side runs on `ioc` (driven by the test with run_for), the client side is blocking.
struct Pair {
    net::io_context ioc;
    net::ssl::context serverCtx{net::ssl::context::tls_server};
    net::ssl::context clientCtx{net::ssl::context::tls_client};
    net::io_context clientIo;
    std::optional<relay::SocketTlsStream> server;
    std::optional<net::ssl::stream<tcp::socket>> client;

    bool open(const QString& dir) {
        const std::string cert = (dir + "/cert.pem").toStdString(),
                          key = (dir + "/key.pem").toStdString();
        if (!relay::generateSelfSignedCertificate(cert, key, "localhost")) return false;
        serverCtx.use_certificate_chain_file(cert);
        serverCtx.use_private_key_file(key, net::ssl::context::pem);
        SSL_CTX_set_mode(serverCtx.native_handle(), SSL_MODE_RELEASE_BUFFERS);
        SSL_CTX_set_read_ahead(serverCtx.native_handle(), 1);
        tcp::acceptor acceptor(ioc, {net::ip::make_address("127.0.0.1"), 0});
        client.emplace(clientIo, clientCtx);
        client->next_layer().connect(acceptor.local_endpoint());
        server.emplace(acceptor.accept(), serverCtx.native_handle());
        std::optional<error_code> serverEc;
        server->async_handshake([&](error_code ec) { serverEc = ec; });
        std::thread clientSide([&] { client->handshake(net::ssl::stream_base::client); });
        runUntil([&] { return serverEc.has_value(); });
        clientSide.join();
        return serverEc && !*serverEc;
    }

    template <class Pred>
    void runUntil(Pred done, std::chrono::milliseconds limit = std::chrono::seconds(10)) {
        auto until = std::chrono::steady_clock::now() + limit;
        while (!done() && std::chrono::steady_clock::now() < until) {
            ioc.restart();
            ioc.run_for(std::chrono::milliseconds(5));
        }
    }
};

struct Outcome {
    std::optional<error_code> ec;
    std::size_t n = 0;
    auto handler() {
        return [this](error_code e, std::size_t bytes) {
            ec = e;
            n = bytes;
        };
    }
};

} // namespace

class TestSocketTls : public QObject {
    Q_OBJECT

private slots:
    void emptyReadsAndWritesCompleteAtOnce() {
        QTemporaryDir dir;
        Pair p;
        QVERIFY(p.open(dir.path()));
        char buf[1];
        Outcome r, w;
        p.server->async_read_some(net::buffer(buf, 0), r.handler());
        p.server->async_write_some(net::const_buffer(nullptr, 0), w.handler());
        QVERIFY(!r.ec && !w.ec); // never inside the initiating call
        p.runUntil([&] { return r.ec && w.ec; });
        QVERIFY(r.ec && !*r.ec);
        QVERIFY(w.ec && !*w.ec);
        QCOMPARE(r.n, std::size_t(0));
        QCOMPARE(w.n, std::size_t(0));
    }

    // More than one record each way; the server gathers a sequence of small buffers into one
    // record and reports every byte of it.
    void bytesCrossBothWaysExactly() {
        QTemporaryDir dir;
        Pair p;
        QVERIFY(p.open(dir.path()));
        const Bytes up = crypto::randomBytes(200 * 1024 + 7);
        std::thread writer([&] { net::write(*p.client, net::buffer(up)); });
        Bytes got(up.size());
        std::size_t have = 0;
        std::function<void()> readMore = [&] {
            p.server->async_read_some(net::buffer(got.data() + have, got.size() - have),
                                      [&](error_code ec, std::size_t n) {
                                          QVERIFY2(!ec, ec.message().c_str());
                                          have += n;
                                          if (have < got.size()) readMore();
                                      });
        };
        readMore();
        p.runUntil([&] { return have == got.size(); });
        writer.join();
        QVERIFY(got == up);

        const std::string head = "head:", body(40 * 1024, 'z');
        std::array<net::const_buffer, 2> pieces{net::buffer(head), net::buffer(body)};
        std::string down;
        std::thread reader([&] {
            down.resize(head.size() + body.size());
            net::read(*p.client, net::buffer(down));
        });
        Outcome w;
        // Small first piece: gathered with the next into one record (16 KiB at most).
        p.server->async_write_some(pieces, w.handler());
        p.runUntil([&] { return w.ec.has_value(); });
        QVERIFY(w.ec && !*w.ec);
        QCOMPARE(w.n, std::size_t(16 * 1024));
        std::optional<error_code> rest;
        std::string all = head + body;
        net::async_write(*p.server, net::buffer(all.data() + w.n, all.size() - w.n),
                         [&](error_code ec, std::size_t) { rest = ec; });
        p.runUntil([&] { return rest.has_value(); });
        QVERIFY(rest && !*rest);
        reader.join();
        QVERIFY(down == all);
    }

    // A deadline ends a read that waits for a silent peer, and every operation after it, until
    // the deadline is lifted.
    void deadlineEndsAWaitingReadWithTimeout() {
        QTemporaryDir dir;
        Pair p;
        QVERIFY(p.open(dir.path()));
        char buf[64];
        Outcome r;
        const auto start = std::chrono::steady_clock::now();
        p.server->expires_after(std::chrono::milliseconds(200));
        p.server->async_read_some(net::buffer(buf), r.handler());
        p.runUntil([&] { return r.ec.has_value(); });
        const auto waited = std::chrono::steady_clock::now() - start;
        QVERIFY(r.ec);
        QCOMPARE(*r.ec, error_code(boost::beast::error::timeout));
        QVERIFY(waited >= std::chrono::milliseconds(150));
        Outcome again;
        p.server->async_write_some(net::buffer("x", 1), again.handler());
        p.runUntil([&] { return again.ec.has_value(); });
        QCOMPARE(*again.ec, error_code(boost::beast::error::timeout));
        // Replacing the deadline before it passes keeps the operation alive.
        p.server->expires_after(std::chrono::milliseconds(50));
        p.server->expires_after(std::chrono::seconds(30));
        Outcome live;
        p.server->async_read_some(net::buffer(buf), live.handler());
        p.runUntil([&] { return live.ec.has_value(); }, std::chrono::milliseconds(300));
        QVERIFY(!live.ec); // still waiting: the 50 ms deadline was replaced
        net::write(*p.client, net::buffer("ping", 4));
        p.runUntil([&] { return live.ec.has_value(); });
        QVERIFY(live.ec && !*live.ec);
        QCOMPARE(std::string(buf, live.n), std::string("ping"));
    }

    // Once its socket is closed the stream fails every operation; OpenSSL never touches the
    // descriptor number again (which the kernel may already have given to someone else).
    void closedSocketFailsOperations() {
        QTemporaryDir dir;
        Pair p;
        QVERIFY(p.open(dir.path()));
        p.server->socket().close();
        Outcome w;
        p.server->async_write_some(net::buffer("secret", 6), w.handler());
        p.runUntil([&] { return w.ec.has_value(); });
        QCOMPARE(*w.ec, error_code(net::error::bad_descriptor));
    }

    // The polite close: the peer reads close_notify and then end of stream, even though it
    // sent data the relay never read.
    void gracefulCloseReachesThePeer() {
        QTemporaryDir dir;
        Pair p;
        QVERIFY(p.open(dir.path()));
        net::write(*p.client, net::buffer(std::string(32 * 1024, 'u'))); // never read by the server
        std::optional<error_code> closed;
        p.server->async_close_gracefully([&](error_code ec) { closed = ec; });
        error_code ec;
        char buf[256];
        std::thread reader([&] { p.client->read_some(net::buffer(buf), ec); });
        p.runUntil([] { return false; }, std::chrono::milliseconds(200)); // serve meanwhile
        reader.join();
        QCOMPARE(ec, error_code(net::error::eof)); // close_notify, not a reset
        p.client->next_layer().close();
        p.runUntil([&] { return closed.has_value(); });
        QVERIFY(closed && !*closed);
        QVERIFY(!p.server->socket().is_open());
    }
};

QTEST_GUILESS_MAIN(TestSocketTls)
#include "tst_socket_tls.moc"
