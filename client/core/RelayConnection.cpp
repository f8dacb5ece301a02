#include "client/core/RelayConnection.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include "net/BeastNames.h"

#include <atomic>
#include <deque>
#include <future>
#include <map>
#include <mutex>
#include <openssl/x509.h>
#include <thread>

#include "crypto/Digest.h"

namespace verbatim::client {

using namespace verbatim::beastnames;

namespace {

// A relay's refusal text as the client shows it: valid UTF-8, one line, no control characters
// (C0, DEL, C1) or bidirectional overrides that could rewrite a terminal or a log line, at most
// 300 bytes.
std::string displayText(std::string_view raw) {
    const std::string text = toValidUtf8(raw);
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const auto c = std::uint8_t(text[i]);
        const auto next = i + 1 < text.size() ? std::uint8_t(text[i + 1]) : 0;
        const auto third = i + 2 < text.size() ? std::uint8_t(text[i + 2]) : 0;
        if (c < 0x20 || c == 0x7f) {
            out += ' ';
        } else if (c == 0xc2 && next >= 0x80 && next <= 0x9f) {
            out += ' ';
            i += 1;
        } else if (c == 0xe2 && ((next == 0x80 && third >= 0xaa && third <= 0xae) ||
                                 (next == 0x81 && third >= 0xa6 && third <= 0xa9))) {
            out += ' ';
            i += 2;
        } else {
            out += char(c);
        }
    }
    if (out.size() > 300) {
        std::size_t cut = 300;
        while (cut > 0 && (std::uint8_t(out[cut]) & 0xc0) == 0x80)
            --cut;
        out = out.substr(0, cut) + "...";
    }
    return out;
}

// SHA-256 of the certificate's SubjectPublicKeyInfo (DER): what firm manifests pin.
bool keyPinMatches(X509* cert, const std::vector<Bytes>& pins) {
    if (pins.empty()) return true;
    unsigned char* der = nullptr;
    int len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(cert), &der);
    if (len <= 0 || !der) return false;
    auto digest = crypto::sha256(ByteView(der, std::size_t(len)));
    OPENSSL_free(der);
    bool match = false;
    for (const auto& pin : pins)
        match |= constantTimeEqual(ByteView(digest.data(), digest.size()), pin);
    return match;
}

// With a certificate pin (a relay's self-signed certificate, named by the link): only the
// certificate's SHA-256 decides. Without one: OpenSSL's chain and host-name verification against
// the system trust store, never skipped. Either way a manifest key pin must match the leaf.
// What the verification callback found, for the error a user sees.
struct TlsVerdict {
    bool keyPinMismatch = false;
};

ssl::context makeContext(const Endpoint& endpoint, std::shared_ptr<TlsVerdict> verdict) {
    ssl::context ctx(ssl::context::tls_client);
    ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                    ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    ctx.set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert);
    const std::string pin = endpoint.tlsPin;
    const std::vector<Bytes> keyPins = endpoint.tlsKeyPins;
    if (pin.empty()) {
        boost::system::error_code ec;
        ctx.set_default_verify_paths(ec); // honours SSL_CERT_FILE and SSL_CERT_DIR
    }
    ctx.set_verify_callback([pin, keyPins, verdict](bool preverified, ssl::verify_context& vc) {
        auto keyPinned = [&](X509* leaf) {
            const bool ok = keyPinMatches(leaf, keyPins);
            if (!ok) verdict->keyPinMismatch = true;
            return ok;
        };
        X509_STORE_CTX* store = vc.native_handle();
        const int depth = X509_STORE_CTX_get_error_depth(store);
        X509* cert = X509_STORE_CTX_get_current_cert(store);
        if (!cert) return false;
        if (pin.empty()) {
            // The chain and the host name, as OpenSSL judged them at every depth.
            if (!preverified) return false;
            return depth != 0 || keyPinned(cert);
        }
        if (depth != 0) return true; // a pinned certificate is judged at the leaf alone
        // Once the firm's manifest pins TLS keys, they decide (C-TLS-5): the manifest is signed
        // by the firm root and newer than any link, and it is how a pinned relay rotates its
        // certificate (re-sign with the old and the new key, then switch). Without key pins the
        // link's certificate digest alone decides.
        if (!keyPins.empty()) return keyPinned(cert);
        unsigned char md[32];
        unsigned int len = 0;
        if (X509_digest(cert, EVP_sha256(), md, &len) != 1) return false;
        return constantTimeEqual(view(toHex(ByteView(md, len))), view(pin));
    });
    return ctx;
}

// SNI, and the name the certificate must carry when no certificate pin decides: a DNS name or
// an IP address (subjectAltName).
bool prepareTls(SSL* ssl, const Endpoint& endpoint) {
    boost::system::error_code ec;
    auto ip = net::ip::make_address(endpoint.host, ec);
    if (ec && SSL_set_tlsext_host_name(ssl, endpoint.host.c_str()) != 1) return false;
    if (!endpoint.tlsPin.empty()) return true;
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
    X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    if (!ec) return X509_VERIFY_PARAM_set1_ip_asc(param, endpoint.host.c_str()) == 1;
    return X509_VERIFY_PARAM_set1_host(param, endpoint.host.c_str(), endpoint.host.size()) == 1;
}

// Why a handshake failed, in words a user can act on (no certificate details: they are not
// secrets, but the user cannot judge them either).
std::string handshakeError(SSL* ssl, const Endpoint& endpoint, const TlsVerdict& verdict) {
    const long v = SSL_get_verify_result(ssl);
    if (verdict.keyPinMismatch)
        return "the relay's TLS key is not one the firm manifest pins: refusing to talk to it";
    if (!endpoint.tlsPin.empty())
        return "the relay's TLS certificate is not the one the link pins: refusing to talk to it";
    if (v == X509_V_ERR_HOSTNAME_MISMATCH || v == X509_V_ERR_IP_ADDRESS_MISMATCH)
        return "the relay's TLS certificate is not for " + endpoint.host +
               ": refusing to talk to it";
    if (v != X509_V_OK)
        return std::string("the relay's TLS certificate is not trusted (") +
               X509_verify_cert_error_string(v) + "): refusing to talk to it";
    return "TLS handshake with the relay failed";
}

proto::Response unavailable(const char* why) {
    proto::Response r;
    r.set_status(proto::STATUS_UNAVAILABLE);
    r.set_error(why);
    return r;
}

} // namespace

struct RelayConnection::Io {
    net::io_context ioc;
};

struct RelayConnection::Impl : std::enable_shared_from_this<RelayConnection::Impl> {
    net::io_context& ioc;
    std::shared_ptr<TlsVerdict> verdict =
        std::make_shared<TlsVerdict>(); // before tls, which uses it
    ssl::context tls;
    websocket::stream<beast::ssl_stream<beast::tcp_stream>> ws;
    beast::flat_buffer buffer;
    std::deque<std::string> outbox;
    std::mutex mutex; // guards pending and nextId (request() is called from any thread)
    std::map<std::uint64_t, std::function<void(proto::Response)>> pending;
    std::uint64_t nextId = 1;
    PushHandler onPush;
    CloseHandler onClose;
    std::atomic<bool> open{false};
    bool closeReported = false;
    std::thread thread;

    Impl(net::io_context& io, const Endpoint& endpoint)
        : ioc(io), tls(makeContext(endpoint, verdict)), ws(net::make_strand(ioc), tls) {}

    void readNext() {
        buffer.clear();
        ws.async_read(buffer, [self = shared_from_this()](beast::error_code ec, std::size_t) {
            self->onRead(ec);
        });
    }

    void onRead(beast::error_code ec) {
        if (ec) return finish(ec);
        proto::Frame frame;
        auto data = buffer.cdata();
        if (frame.ParseFromArray(data.data(), int(data.size()))) {
            if (frame.has_batch()) {
                for (auto& inner : *frame.mutable_batch()->mutable_frames())
                    if (!inner.has_batch()) dispatch(inner);
            } else {
                dispatch(frame);
            }
        }
        readNext();
    }

    void dispatch(proto::Frame& frame) {
        if (frame.has_response()) {
            std::function<void(proto::Response)> done;
            {
                std::lock_guard lock(mutex);
                auto it = pending.find(frame.id());
                if (it != pending.end()) {
                    done = std::move(it->second);
                    pending.erase(it);
                }
            }
            // The text is for people and comes from a party we do not trust with a terminal:
            // it decides nothing (C-STATUS-1) and is shown as one line of printable text.
            frame.mutable_response()->set_error(displayText(frame.response().error()));
            if (done) done(std::move(*frame.mutable_response()));
        } else if (frame.has_push() && onPush) {
            onPush(frame.push());
        }
    }

    void enqueue(std::string bytes) {
        net::post(ws.get_executor(),
                  [self = shared_from_this(), bytes = std::move(bytes)]() mutable {
                      if (!self->open) return;
                      self->outbox.push_back(std::move(bytes));
                      if (self->outbox.size() == 1) self->writeNext();
                  });
    }

    void writeNext() {
        ws.async_write(net::buffer(outbox.front()),
                       [self = shared_from_this()](beast::error_code ec, std::size_t) {
                           if (ec) return self->finish(ec);
                           self->outbox.pop_front();
                           if (!self->outbox.empty()) self->writeNext();
                       });
    }

    void finish(beast::error_code ec) {
        if (closeReported) return;
        closeReported = true;
        open = false;
        std::map<std::uint64_t, std::function<void(proto::Response)>> orphans;
        {
            std::lock_guard lock(mutex);
            orphans.swap(pending);
        }
        auto reason = ws.reason();
        std::uint16_t code = ec == websocket::error::closed ? std::uint16_t(reason.code) : 0;
        const char* why =
            code == kCloseReplaced ? "this device is connected elsewhere" : "connection closed";
        for (auto& [id, done] : orphans)
            done(unavailable(why));
        if (onClose) onClose(code, std::string(reason.reason.data(), reason.reason.size()));
    }
};

Result<std::unique_ptr<RelayConnection>>
RelayConnection::connect(const Endpoint& endpoint, const DeviceCredentials& credentials,
                         PushHandler onPush, CloseHandler onClose,
                         std::chrono::milliseconds timeout, std::chrono::milliseconds idleTimeout) {
    std::unique_ptr<RelayConnection> conn(new RelayConnection());
    conn->m = std::make_shared<Impl>(conn->m_io->ioc, endpoint);
    auto& m = *conn->m;
    m.onPush = std::move(onPush);
    m.onClose = std::move(onClose);
    // The handshake is done on the caller's thread, then the I/O thread takes over the stream
    // for good. The connect and the TLS handshake are asynchronous operations run here to
    // completion: only those honour the stream's deadline, so a host that swallows the SYN or a
    // node that accepts and never answers (stopped, wedged) costs `timeout`, and the supervisor
    // moves on to the next address, instead of hanging in a blocking call.
    beast::error_code ec;
    tcp::resolver resolver(m.ioc);
    auto results = resolver.resolve(endpoint.host, std::to_string(endpoint.port), ec);
    if (ec) return fail(ErrorCode::NotFound, "cannot resolve relay address");
    auto& tcpStream = beast::get_lowest_layer(m.ws);
    tcpStream.expires_after(timeout);
    tcpStream.async_connect(results, [&ec](beast::error_code e, const tcp::endpoint&) { ec = e; });
    m.ioc.run();
    m.ioc.restart();
    if (ec) return fail(ErrorCode::Storage, "cannot reach the relay: " + ec.message());
    // Small request/response frames: never wait for Nagle's algorithm.
    tcpStream.socket().set_option(tcp::no_delay(true), ec);
    if (!prepareTls(m.ws.next_layer().native_handle(), endpoint))
        return fail(ErrorCode::InvalidArgument, "the relay address is not a valid host name");
    m.ws.next_layer().async_handshake(ssl::stream_base::client,
                                      [&ec](beast::error_code e) { ec = e; });
    m.ioc.run();
    m.ioc.restart();
    if (ec == beast::error::timeout)
        return fail(ErrorCode::Storage, "the relay did not answer the TLS handshake in time");
    if (ec)
        return fail(ErrorCode::AuthFailed,
                    handshakeError(m.ws.next_layer().native_handle(), endpoint, *m.verdict));
    std::string auth = "Bearer " + toHex(credentials.secret);
    std::string who = credentials.user + "/" + std::to_string(credentials.device);
    m.ws.set_option(websocket::stream_base::decorator([auth, who](websocket::request_type& req) {
        req.set(http::field::authorization, auth);
        req.set("X-Verbatim-Device", who);
        req.set("X-Verbatim-Frames", "batch"); // what is queued for us may come in one message
        req.set(http::field::user_agent, "verbatim-client");
    }));
    secureWipe(auth.data(), auth.size());
    // The asynchronous handshake, run here to completion: in Boost 1.74 only it fills in the
    // response when the upgrade is declined, and its status says why (401 / 403).
    websocket::response_type res;
    m.ws.async_handshake(res, endpoint.host, "/v1/ws", [&ec](beast::error_code e) { ec = e; });
    m.ioc.run();
    m.ioc.restart();
    if (ec) {
        if (res.result() == http::status::forbidden)
            return fail(ErrorCode::Forbidden, "device revoked", 403);
        if (res.result() == http::status::unauthorized)
            return fail(ErrorCode::AuthFailed, "bad credentials", 401);
        if (res.result() == http::status::locked)
            return fail(ErrorCode::Unavailable,
                        "this device waits for approval on one of your other devices", 423);
        return fail(ErrorCode::Unavailable, "WebSocket upgrade failed: " + ec.message(),
                    int(res.result_int()));
    }
    tcpStream.expires_never();
    // Beast's client defaults have no idle timeout and no pings: a node that accepted and then
    // went silent (wedged, or a dead peer behind a lost route) would hold the device for ever.
    // Pings at half the idle timeout; the relay's Beast answers them on its own. The closing
    // handshake gets the connect timeout (the default 30 s would hold the supervisor).
    websocket::stream_base::timeout t =
        websocket::stream_base::timeout::suggested(beast::role_type::client);
    t.handshake_timeout = timeout;
    t.idle_timeout = idleTimeout;
    t.keep_alive_pings = true;
    m.ws.set_option(t);
    m.ws.binary(true);
    m.ws.read_message_max(64 * 1024 * 1024);
    m.open = true;
    auto impl = conn->m;
    net::post(m.ws.get_executor(), [impl] { impl->readNext(); });
    m.thread = std::thread([impl] { impl->ioc.run(); });
    return conn;
}

RelayConnection::RelayConnection() : m_io(std::make_unique<Io>()) {}

RelayConnection::~RelayConnection() {
    close();
    m.reset(); // then m_io's destruction frees the handlers that still hold Impl
}

bool RelayConnection::isOpen() const {
    return m && m->open;
}

void RelayConnection::request(const proto::Request& request,
                              std::function<void(proto::Response)> done) {
    proto::Frame frame;
    {
        std::lock_guard lock(m->mutex);
        if (!m->open) return done(unavailable("not connected"));
        frame.set_id(m->nextId++);
        m->pending[frame.id()] = std::move(done);
    }
    *frame.mutable_request() = request;
    m->enqueue(frame.SerializeAsString());
}

void RelayConnection::notify(const proto::Request& request) {
    {
        std::lock_guard lock(m->mutex);
        if (!m->open) return;
    }
    proto::Frame frame;
    frame.set_id(0);
    *frame.mutable_request() = request;
    m->enqueue(frame.SerializeAsString());
}

Result<proto::Response> RelayConnection::call(const proto::Request& req,
                                              std::chrono::milliseconds timeout) {
    auto promise = std::make_shared<std::promise<proto::Response>>();
    auto future = promise->get_future();
    request(req, [promise](proto::Response r) { promise->set_value(std::move(r)); });
    if (future.wait_for(timeout) != std::future_status::ready)
        return fail(ErrorCode::Unavailable, "relay did not answer in time");
    return future.get();
}

void RelayConnection::sendRaw(std::string bytes) {
    m->enqueue(std::move(bytes));
}

void RelayConnection::close() {
    if (!m || !m->thread.joinable()) return;
    auto impl = m;
    net::post(impl->ws.get_executor(), [impl] {
        if (!impl->open) return impl->ioc.stop();
        impl->open = false;
        impl->ws.async_close(websocket::close_code::normal, [impl](beast::error_code) {
            impl->finish(websocket::error::closed);
            impl->ioc.stop();
        });
    });
    // A peer that never answers the close must not hang us: the close has its own timeout in
    // Beast's suggested settings; the join waits for it.
    impl->thread.join();
}

namespace {

std::mutex g_limitsMutex;
RelayConnection::OneShotLimits g_limits;

struct HttpReply {
    unsigned status = 0;
    std::string body;
};

/// Why one address failed a one-shot call, and whether the next address may be tried.
struct Attempt {
    Result<HttpReply> reply = fail(ErrorCode::Internal, "not tried");
    /// The address did not answer (unreachable, TLS refused, silent, 503): the same request may
    /// go to the next address without doing anything twice.
    bool tryNext = false;
};

using Clock = std::chrono::steady_clock;

// Runs one asynchronous operation to completion on `ioc`: the tcp_stream's deadline, which only
// asynchronous operations honour, bounds it (a stopped or blackholed node costs the deadline,
// never a hang in a blocking call).
template <class Start> beast::error_code runOne(net::io_context& ioc, Start&& start) {
    beast::error_code ec = net::error::would_block;
    start([&ec](beast::error_code e, auto&&...) { ec = e; });
    ioc.restart();
    ioc.run();
    return ec;
}

// One HTTPS request on a fresh pinned TLS connection to one address (registration and
// attachments are rare and large; the WebSocket stays for frames). `connectBy` bounds the TCP
// connect and the TLS handshake, `answerBy` everything after.
Attempt httpsAttempt(const Endpoint& endpoint, http::verb method, const std::string& target,
                     const DeviceCredentials* credentials, const std::string& body,
                     std::size_t replyLimit, Clock::time_point connectBy,
                     Clock::time_point answerBy, bool idempotent,
                     const RelayConnection::UploadProgress& progress) {
    Attempt out;
    out.tryNext = true;
    net::io_context ioc;
    auto verdict = std::make_shared<TlsVerdict>();
    ssl::context tls = makeContext(endpoint, verdict);
    beast::ssl_stream<beast::tcp_stream> stream(ioc, tls);
    beast::error_code ec;
    tcp::resolver resolver(ioc);
    auto results = resolver.resolve(endpoint.host, std::to_string(endpoint.port), ec);
    if (ec) {
        out.reply = fail(ErrorCode::NotFound, "cannot resolve relay address");
        return out;
    }
    auto& tcpStream = beast::get_lowest_layer(stream);
    tcpStream.expires_at(connectBy);
    ec = runOne(ioc, [&](auto h) { tcpStream.async_connect(results, std::move(h)); });
    if (ec) {
        out.reply = fail(ErrorCode::Unavailable, ec == beast::error::timeout
                                                     ? "cannot reach the relay: no answer in time"
                                                     : "cannot reach the relay: " + ec.message());
        return out;
    }
    tcpStream.socket().set_option(tcp::no_delay(true), ec);
    if (!prepareTls(stream.native_handle(), endpoint)) {
        out.tryNext = false;
        out.reply = fail(ErrorCode::InvalidArgument, "the relay address is not a valid host name");
        return out;
    }
    tcpStream.expires_at(connectBy);
    ec = runOne(ioc,
                [&](auto h) { stream.async_handshake(ssl::stream_base::client, std::move(h)); });
    if (ec == beast::error::timeout) {
        out.reply =
            fail(ErrorCode::Unavailable, "the relay did not answer the TLS handshake in time");
        return out;
    }
    if (ec) {
        out.reply =
            fail(ErrorCode::AuthFailed, handshakeError(stream.native_handle(), endpoint, *verdict));
        return out;
    }
    http::request<http::string_body> req(method, target, 11);
    req.set(http::field::host, endpoint.host);
    req.set(http::field::content_type, "application/octet-stream");
    if (credentials) {
        req.set("X-Verbatim-Device", credentials->user + "/" + std::to_string(credentials->device));
        std::string auth = "Bearer " + toHex(credentials->secret);
        req.set(http::field::authorization, auth);
        secureWipe(auth.data(), auth.size());
    }
    req.body() = body;
    req.prepare_payload();
    // Written in 64 KiB steps so that a large upload can report its progress.
    const std::uint64_t total = req.body().size();
    http::request_serializer<http::string_body> sr(req);
    sr.limit(64 * 1024);
    std::uint64_t written = 0;
    tcpStream.expires_at(answerBy);
    while (!sr.is_done()) {
        std::size_t n = 0;
        ec = net::error::would_block;
        http::async_write_some(stream, sr, [&ec, &n](beast::error_code e, std::size_t k) {
            ec = e;
            n = k;
        });
        ioc.restart();
        ioc.run();
        written += n;
        if (ec) {
            // Nothing was acted on: the relay answers only after the whole request.
            out.reply = fail(ErrorCode::Unavailable, ec == beast::error::timeout
                                                         ? "the relay did not take the request "
                                                           "in time"
                                                         : "request to the relay failed");
            return out;
        }
        if (progress) progress(std::min(written, total), total);
    }
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(replyLimit);
    ec = runOne(ioc, [&](auto h) { http::async_read(stream, buffer, parser, std::move(h)); });
    if (ec && ec != http::error::end_of_stream) {
        // The request went out whole: only a request that does the same thing twice (a fetch,
        // an upload named by its content) may go to the next address.
        out.tryNext = idempotent;
        out.reply =
            fail(ErrorCode::Unavailable, ec == beast::error::timeout
                                             ? "the relay did not answer in time"
                                             : "no response from the relay: " + ec.message());
        return out;
    }
    HttpReply reply{parser.get().result_int(), std::move(parser.get().body())};
    // A node whose store is down answers 503 before it acts: the next node may serve.
    out.tryNext = reply.status == 503;
    tcpStream.expires_after(std::chrono::seconds(1));
    (void)runOne(ioc, [&](auto h) { stream.async_shutdown(std::move(h)); });
    out.reply = std::move(reply);
    return out;
}

// One call over the firm's addresses in order (docs/protocol.md, C-FAIL-6): an address that does
// not answer passes the turn to the next, within one deadline for the whole call. The error of a
// call no address answered says so and names the addresses, never the request.
Result<HttpReply> httpsExchange(const std::vector<Endpoint>& endpoints, http::verb method,
                                const std::string& target, const DeviceCredentials* credentials,
                                const std::string& body, std::size_t replyLimit, bool transfer,
                                bool idempotent,
                                const RelayConnection::UploadProgress& progress = {}) {
    const auto limits = RelayConnection::oneShotLimits();
    if (endpoints.empty()) return fail(ErrorCode::Unavailable, "no relay address to ask");
    const auto start = Clock::now();
    const auto deadline = start + (transfer ? limits.transferDeadline : limits.deadline);
    Attempt last;
    std::string tried;
    for (const auto& endpoint : endpoints) {
        const auto now = Clock::now();
        if (now >= deadline) break;
        const auto connectBy = std::min(deadline, now + limits.connectTimeout);
        const auto answerBy = transfer ? deadline : std::min(deadline, now + limits.answerTimeout);
        last = httpsAttempt(endpoint, method, target, credentials, body, replyLimit, connectBy,
                            answerBy, idempotent, progress);
        tried += (tried.empty() ? "" : ", ") + endpoint.host + ":" + std::to_string(endpoint.port);
        if (!last.tryNext) return std::move(last.reply);
    }
    // One address: its own answer or error, as before there were several. Several: a 503 is
    // the firm's store being down (the caller says so); anything else is no node answering.
    if (endpoints.size() == 1 || (last.reply && last.reply->status == 503))
        return std::move(last.reply);
    const std::string why = last.reply ? std::string() : last.reply.error().message;
    const auto spent =
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
    return fail(ErrorCode::Unavailable, "no relay answered (tried " + tried + " in " +
                                            std::to_string(spent) + " ms)" +
                                            (why.empty() ? std::string() : ": " + why));
}

std::string trimmed(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r'))
        s.pop_back();
    return displayText(s);
}

} // namespace

void RelayConnection::setOneShotLimits(const OneShotLimits& limits) {
    std::lock_guard lock(g_limitsMutex);
    g_limits = limits;
}

RelayConnection::OneShotLimits RelayConnection::oneShotLimits() {
    std::lock_guard lock(g_limitsMutex);
    return g_limits;
}

Result<proto::Registered> RelayConnection::registerDevice(const Endpoint& endpoint,
                                                          const proto::RegisterDevice& request,
                                                          std::string* statusText) {
    return registerDevice(std::vector<Endpoint>{endpoint}, request, statusText);
}

Result<proto::Registered> RelayConnection::registerDevice(const std::vector<Endpoint>& endpoints,
                                                          const proto::RegisterDevice& request,
                                                          std::string* statusText) {
    std::string body = request.SerializeAsString();
    // A redemption is not repeated once a node may have acted on it: the token is then spent.
    auto reply = httpsExchange(endpoints, http::verb::post, "/v1/register", nullptr, body,
                               1024 * 1024, false, false);
    secureWipe(body.data(), body.size());
    if (!reply) return tl::unexpected(reply.error());
    if (statusText) *statusText = reply->body;
    if (reply->status != 200) {
        ErrorCode code = reply->status == 503 ? ErrorCode::Storage : ErrorCode::AuthFailed;
        return fail(code, "registration refused: " + trimmed(reply->body), int(reply->status));
    }
    proto::Registered out;
    if (!out.ParseFromString(reply->body))
        return fail(ErrorCode::Malformed, "malformed registration response");
    return out;
}

Result<proto::InviteDetails> RelayConnection::askInvite(const Endpoint& endpoint,
                                                        const std::string& token, bool decline) {
    return askInvite(std::vector<Endpoint>{endpoint}, token, decline);
}

Result<proto::InviteDetails> RelayConnection::askInvite(const std::vector<Endpoint>& endpoints,
                                                        const std::string& token, bool decline) {
    proto::InviteToken request;
    request.set_token(token);
    // A preview changes nothing; a decline of an invite already declined answers the same.
    auto reply = httpsExchange(endpoints, http::verb::post,
                               decline ? "/v1/invite/decline" : "/v1/invite/preview", nullptr,
                               request.SerializeAsString(), 64 * 1024, false, true);
    if (!reply) return tl::unexpected(reply.error());
    if (reply->status != 200) {
        ErrorCode code = reply->status == 503 ? ErrorCode::Storage : ErrorCode::AuthFailed;
        return fail(code, "invite refused: " + trimmed(reply->body), int(reply->status));
    }
    proto::InviteDetails out;
    if (!out.ParseFromString(reply->body))
        return fail(ErrorCode::Malformed, "malformed answer about the invite");
    return out;
}

Result<std::string> RelayConnection::fetchManifest(const Endpoint& endpoint) {
    auto reply = httpsExchange({endpoint}, http::verb::get, "/v1/manifest", nullptr, {}, 64 * 1024,
                               false, true);
    if (!reply) return tl::unexpected(reply.error());
    if (reply->status != 200)
        return fail(ErrorCode::NotFound, "the relay has no firm manifest", int(reply->status));
    return std::move(reply->body);
}

Result<std::string> RelayConnection::uploadBlob(const Endpoint& endpoint,
                                                const DeviceCredentials& credentials,
                                                std::string blob, const UploadProgress& progress) {
    return uploadBlob(std::vector<Endpoint>{endpoint}, credentials, std::move(blob), progress);
}

Result<std::string> RelayConnection::uploadBlob(const std::vector<Endpoint>& endpoints,
                                                const DeviceCredentials& credentials,
                                                std::string blob, const UploadProgress& progress) {
    // May go to the next node even after a silent first one: a copy that node stored and did not
    // answer for is referenced by no send, so the relay removes it after the grace period.
    auto reply = httpsExchange(endpoints, http::verb::post, "/v1/blobs", &credentials, blob, 4096,
                               true, true, progress);
    if (!reply) return tl::unexpected(reply.error());
    if (reply->status != 200)
        return fail(reply->status == 413 ? ErrorCode::InvalidArgument : ErrorCode::Storage,
                    "attachment upload refused: " + trimmed(reply->body), int(reply->status));
    auto id = trimmed(reply->body);
    if (id.size() != 64) return fail(ErrorCode::Malformed, "malformed upload response");
    return id;
}

Result<std::string> RelayConnection::downloadBlob(const Endpoint& endpoint,
                                                  const DeviceCredentials& credentials,
                                                  const std::string& blobId, std::size_t maxBytes) {
    return downloadBlob(std::vector<Endpoint>{endpoint}, credentials, blobId, maxBytes);
}

Result<std::string> RelayConnection::downloadBlob(const std::vector<Endpoint>& endpoints,
                                                  const DeviceCredentials& credentials,
                                                  const std::string& blobId, std::size_t maxBytes) {
    auto reply = httpsExchange(endpoints, http::verb::get, "/v1/blobs/" + blobId, &credentials, {},
                               maxBytes, true, true);
    if (!reply) return tl::unexpected(reply.error());
    if (reply->status == 404)
        return fail(ErrorCode::NotFound, "the relay no longer has this attachment");
    if (reply->status != 200)
        return fail(ErrorCode::Storage, "attachment download refused: " + trimmed(reply->body),
                    int(reply->status));
    return std::move(reply->body);
}

} // namespace verbatim::client
