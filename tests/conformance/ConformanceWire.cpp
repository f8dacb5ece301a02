// The suite's TLS, HTTPS and WebSocket client (ConformanceWire.h). Asynchronous Asio operations
// run on a private io_context for at most their timeout, so every wait is bounded.

#include "ConformanceWire.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "net/BeastNames.h"

namespace verbatim::conformance {

using namespace verbatim::beastnames;

namespace {

Bytes certificateSha256(X509* cert) {
    unsigned char md[32];
    unsigned int len = 0;
    if (!cert || X509_digest(cert, EVP_sha256(), md, &len) != 1) return {};
    return Bytes(md, md + len);
}

Bytes publicKeySha256(X509* cert) {
    if (!cert) return {};
    unsigned char* der = nullptr;
    const int len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(cert), &der);
    if (len <= 0 || !der) return {};
    unsigned char md[32];
    unsigned int mdLen = 0;
    const bool ok = EVP_Digest(der, std::size_t(len), md, &mdLen, EVP_sha256(), nullptr) == 1;
    OPENSSL_free(der);
    return ok ? Bytes(md, md + mdLen) : Bytes{};
}

// Set by the client-certificate callback, which OpenSSL runs on the thread doing the handshake
// (ours: every operation runs on the caller's thread).
thread_local bool t_clientCertificateRequested = false;

int noClientCertificate(SSL*, X509**, EVP_PKEY**) {
    t_clientCertificateRequested = true;
    return 0; // we have none to offer
}

/// A TLS client context. With a pin, the leaf certificate must hash to it and nothing else
/// decides (docs/protocol.md, "TLS", rule 1); the check runs inside the handshake, so a wrong
/// certificate fails it before a single application byte (token, secret) is written.
void configure(ssl::context& ctx, ssl::stream<tcp::socket>& stream, const Bytes& pin,
               const std::string& host) {
    SSL_CTX_set_client_cert_cb(ctx.native_handle(), &noClientCertificate);
    SSL_set_tlsext_host_name(stream.native_handle(), host.c_str());
    if (pin.empty()) {
        stream.set_verify_mode(ssl::verify_none);
        return;
    }
    stream.set_verify_mode(ssl::verify_peer);
    stream.set_verify_callback([pin](bool, ssl::verify_context& vc) {
        X509_STORE_CTX* store = vc.native_handle();
        // Chain errors above the leaf do not matter: the pin alone decides, at depth 0.
        if (X509_STORE_CTX_get_error_depth(store) > 0) return true;
        const Bytes got = certificateSha256(X509_STORE_CTX_get_current_cert(store));
        return got.size() == pin.size() && constantTimeEqual(got, pin);
    });
}

/// Runs `ioc` until the operation started before sets `done`, at most `timeout`; false on
/// timeout (the operation is still pending).
bool runFor(net::io_context& ioc, const bool& done, std::chrono::milliseconds timeout) {
    ioc.restart();
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!done && std::chrono::steady_clock::now() < deadline)
        if (ioc.run_one_until(deadline) == 0 && ioc.stopped()) ioc.restart();
    return done;
}

/// runFor(), and on timeout closes the socket, which ends the operation: for one-shot
/// exchanges, where a late answer is of no use.
bool runUntil(net::io_context& ioc, const bool& done, std::chrono::milliseconds timeout,
              tcp::socket& socket) {
    if (runFor(ioc, done, timeout)) return true;
    boost::system::error_code ignored;
    socket.close(ignored);
    ioc.restart();
    ioc.run_for(std::chrono::milliseconds(200));
    return false;
}

Result<void> connectTcp(net::io_context& ioc, tcp::socket& socket, const Endpoint& endpoint,
                        std::chrono::milliseconds timeout) {
    boost::system::error_code ec;
    tcp::resolver resolver(ioc);
    auto results = resolver.resolve(endpoint.host, std::to_string(endpoint.port), ec);
    if (ec)
        return fail(ErrorCode::NotFound, "cannot resolve " + endpoint.host + ": " + ec.message());
    bool done = false;
    boost::system::error_code result;
    net::async_connect(socket, results, [&](boost::system::error_code e, const tcp::endpoint&) {
        result = e;
        done = true;
    });
    if (!runUntil(ioc, done, timeout, socket))
        return fail(ErrorCode::Internal, "connect: timed out");
    if (result) return fail(ErrorCode::Internal, "connect: " + result.message());
    return {};
}

Result<void> handshake(net::io_context& ioc, ssl::stream<tcp::socket>& stream,
                       std::chrono::milliseconds timeout) {
    bool done = false;
    boost::system::error_code result;
    stream.async_handshake(ssl::stream_base::client, [&](boost::system::error_code e) {
        result = e;
        done = true;
    });
    if (!runUntil(ioc, done, timeout, stream.next_layer()))
        return fail(ErrorCode::Internal, "TLS handshake: timed out");
    if (result) return fail(ErrorCode::AuthFailed, "TLS handshake: " + result.message());
    return {};
}

} // namespace

Result<TlsFacts> probeTls(const Endpoint& endpoint) {
    net::io_context ioc;
    ssl::context ctx(ssl::context::tls_client);
    ssl::stream<tcp::socket> stream(ioc, ctx);
    configure(ctx, stream, {}, endpoint.host);
    if (auto c = connectTcp(ioc, stream.next_layer(), endpoint, 10s); !c)
        return tl::unexpected(c.error());
    t_clientCertificateRequested = false;
    if (auto h = handshake(ioc, stream, 10s); !h) return tl::unexpected(h.error());
    TlsFacts facts;
    X509* cert = SSL_get1_peer_certificate(stream.native_handle());
    facts.certificateSha256 = certificateSha256(cert);
    facts.publicKeySha256 = publicKeySha256(cert);
    X509_free(cert);
    facts.clientCertificateRequested = t_clientCertificateRequested;
    facts.protocol = SSL_get_version(stream.native_handle());
    boost::system::error_code ignored;
    stream.next_layer().close(ignored);
    return facts;
}

std::string httpRequest(const std::string& method, const std::string& target,
                        const std::string& host, const std::string& body,
                        const std::vector<std::string>& headers) {
    std::string r = method + " " + target + " HTTP/1.1\r\nHost: " + host + "\r\n";
    for (const auto& h : headers)
        r += h + "\r\n";
    if (method != "GET" || !body.empty())
        r += "Content-Length: " + std::to_string(body.size()) + "\r\n";
    r += "\r\n";
    r += body;
    return r;
}

Result<HttpReply> httpsExchange(const Endpoint& endpoint, const std::string& request,
                                AfterSend after, std::chrono::milliseconds timeout) {
    if (endpoint.certificatePin.size() != 32)
        return fail(ErrorCode::InvalidArgument, "no TLS pin for the relay");
    net::io_context ioc;
    ssl::context ctx(ssl::context::tls_client);
    ssl::stream<tcp::socket> stream(ioc, ctx);
    configure(ctx, stream, endpoint.certificatePin, endpoint.host);
    if (auto c = connectTcp(ioc, stream.next_layer(), endpoint, timeout); !c)
        return tl::unexpected(c.error());
    if (auto h = handshake(ioc, stream, timeout); !h) return tl::unexpected(h.error());

    bool done = false;
    boost::system::error_code result;
    net::async_write(stream, net::buffer(request), [&](boost::system::error_code e, std::size_t) {
        result = e;
        done = true;
    });
    if (!runUntil(ioc, done, timeout, stream.next_layer()))
        return fail(ErrorCode::Internal, "write: timed out");
    if (result) return fail(ErrorCode::Internal, "write: " + result.message());
    if (after == AfterSend::CloseThenRead) {
        // The body ends here for the relay: TCP end of stream, no more bytes of it will come.
        boost::system::error_code ignored;
        stream.next_layer().shutdown(tcp::socket::shutdown_send, ignored);
    }

    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(16 * 1024 * 1024);
    done = false;
    http::async_read(stream, buffer, parser, [&](boost::system::error_code e, std::size_t) {
        result = e;
        done = true;
    });
    if (!runUntil(ioc, done, timeout, stream.next_layer()))
        return fail(ErrorCode::Internal, "no HTTP answer: timed out");
    if (result) return fail(ErrorCode::Internal, "no HTTP answer: " + result.message());
    HttpReply reply;
    reply.status = int(parser.get().result_int());
    reply.body = parser.get().body();
    reply.contentType = std::string(parser.get()[http::field::content_type]);
    boost::system::error_code ignored;
    stream.next_layer().close(ignored);
    return reply;
}

Result<std::string> plainExchange(const Endpoint& endpoint, const std::string& bytes,
                                  std::chrono::milliseconds timeout) {
    net::io_context ioc;
    tcp::socket socket(ioc);
    if (auto c = connectTcp(ioc, socket, endpoint, timeout); !c) return tl::unexpected(c.error());
    boost::system::error_code ec;
    net::write(socket, net::buffer(bytes), ec);
    if (ec) return fail(ErrorCode::Internal, "write: " + ec.message());
    std::string got;
    std::array<char, 4096> chunk;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    bool finished = false;
    while (!finished && std::chrono::steady_clock::now() < deadline) {
        bool done = false;
        std::size_t n = 0;
        boost::system::error_code result;
        socket.async_read_some(net::buffer(chunk),
                               [&](boost::system::error_code e, std::size_t size) {
                                   result = e;
                                   n = size;
                                   done = true;
                               });
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (!runUntil(ioc, done, std::max(left, std::chrono::milliseconds(1)), socket)) break;
        got.append(chunk.data(), n);
        finished = bool(result);
    }
    return got;
}

// ---- WebSocket ---------------------------------------------------------------------------------

struct WsSession::Impl {
    net::io_context ioc;
    ssl::context ctx{ssl::context::tls_client};
    websocket::stream<ssl::stream<tcp::socket>> ws{ioc, ctx};
    beast::flat_buffer buffer;
    bool closed = false;
    // One read stays pending across calls: a wait that times out leaves it running, so the
    // session stays usable (Beast cannot cancel a single WebSocket read without failing the
    // stream). `readDone` is set by its handler.
    bool reading = false;
    bool readDone = false;
    boost::system::error_code readError;
    std::optional<std::uint16_t> closeCode; ///< set when the relay closed with a close frame

    tcp::socket& socket() { return beast::get_lowest_layer(ws); }
};

WsSession::WsSession(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}

WsSession::~WsSession() {
    if (!m_impl) return;
    boost::system::error_code ignored;
    m_impl->socket().close(ignored);
    // A read left pending ends now (aborted); let it finish before the stream goes away.
    m_impl->ioc.restart();
    for (int i = 0; i < 100 && m_impl->ioc.poll() > 0; ++i) {
    }
}

Result<std::unique_ptr<WsSession>>
WsSession::open(const Endpoint& endpoint,
                const std::vector<std::pair<std::string, std::string>>& headers) {
    if (endpoint.certificatePin.size() != 32)
        return fail(ErrorCode::InvalidArgument, "no TLS pin for the relay");
    auto impl = std::make_unique<Impl>();
    configure(impl->ctx, impl->ws.next_layer(), endpoint.certificatePin, endpoint.host);
    if (auto c = connectTcp(impl->ioc, impl->socket(), endpoint, 10s); !c)
        return tl::unexpected(c.error());
    if (auto h = handshake(impl->ioc, impl->ws.next_layer(), 10s); !h)
        return tl::unexpected(h.error());
    impl->ws.set_option(websocket::stream_base::decorator([headers](websocket::request_type& req) {
        for (const auto& [name, value] : headers)
            req.set(name, value);
    }));
    impl->ws.read_message_max(64 * 1024 * 1024);
    websocket::response_type response;
    bool done = false;
    boost::system::error_code result;
    impl->ws.async_handshake(response, endpoint.host + ":" + std::to_string(endpoint.port),
                             "/v1/ws", [&](boost::system::error_code e) {
                                 result = e;
                                 done = true;
                             });
    if (!runUntil(impl->ioc, done, 10s, impl->socket()))
        return fail(ErrorCode::Internal, "upgrade: timed out");
    if (result) {
        const int status = response.result_int() >= 100 ? int(response.result_int()) : 0;
        return fail(ErrorCode::AuthFailed,
                    "upgrade refused: " + result.message() + " (HTTP " + std::to_string(status) +
                        ")",
                    status);
    }
    impl->ws.binary(true);
    return std::unique_ptr<WsSession>(new WsSession(std::move(impl)));
}

Result<std::unique_ptr<WsSession>> WsSession::openDevice(const Endpoint& endpoint,
                                                         const std::string& user,
                                                         std::uint32_t device, ByteView secret) {
    return open(endpoint, {{"X-Verbatim-Device", user + "/" + std::to_string(device)},
                           {"Authorization", "Bearer " + toHex(secret)}});
}

Result<void> WsSession::sendBytes(const std::string& bytes) {
    if (m_impl->closed) return fail(ErrorCode::Internal, "session closed");
    bool done = false;
    boost::system::error_code result;
    m_impl->ws.async_write(net::buffer(bytes), [&](boost::system::error_code e, std::size_t) {
        result = e;
        done = true;
    });
    // A large write to a relay that stops reading would block: bounded like every read.
    if (!runUntil(m_impl->ioc, done, 10s, m_impl->socket()))
        return fail(ErrorCode::Internal, "write: timed out");
    if (result) return fail(ErrorCode::Internal, "write: " + result.message());
    return {};
}

Result<void> WsSession::sendRequest(std::uint64_t id, const proto::Request& request) {
    proto::Frame frame;
    frame.set_id(id);
    *frame.mutable_request() = request;
    return sendBytes(frame.SerializeAsString());
}

Result<std::string> WsSession::readMessage(std::chrono::milliseconds timeout, bool& closed) {
    closed = false;
    Impl& m = *m_impl;
    if (m.closed) {
        closed = true;
        return fail(ErrorCode::Internal, "session closed");
    }
    if (!m.reading) {
        m.buffer.clear();
        m.reading = true;
        m.readDone = false;
        m.ws.async_read(m.buffer, [&m](boost::system::error_code e, std::size_t) {
            m.readError = e;
            m.readDone = true;
        });
    }
    if (!runFor(m.ioc, m.readDone, timeout))
        return fail(ErrorCode::Internal, "read: timed out", -1);
    m.reading = false;
    if (m.readError) {
        m.closed = true;
        closed = m.readError == websocket::error::closed;
        if (closed) m.closeCode = std::uint16_t(m.ws.reason().code);
        return fail(ErrorCode::Internal, "read: " + m.readError.message());
    }
    return beast::buffers_to_string(m.buffer.data());
}

Result<proto::Frame> WsSession::nextFrame(std::chrono::milliseconds timeout) {
    if (!m_kept.empty()) {
        proto::Frame f = std::move(m_kept.front());
        m_kept.pop_front();
        return f;
    }
    bool closed = false;
    auto bytes = readMessage(timeout, closed);
    if (!bytes) return tl::unexpected(bytes.error());
    proto::Frame frame;
    if (!frame.ParseFromString(*bytes))
        return fail(ErrorCode::Malformed, "the relay sent a message that is not a Frame");
    return frame;
}

Result<proto::Response> WsSession::call(const proto::Request& request,
                                        std::chrono::milliseconds timeout) {
    const std::uint64_t id = m_nextId++;
    if (auto s = sendRequest(id, request); !s) return tl::unexpected(s.error());
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::deque<proto::Frame> other;
    while (true) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) return fail(ErrorCode::Internal, "no response: timed out");
        bool closed = false;
        auto bytes = readMessage(left, closed);
        if (!bytes) {
            for (auto& f : other)
                m_kept.push_back(std::move(f));
            return fail(ErrorCode::Internal, "no response: " + bytes.error().message);
        }
        proto::Frame frame;
        if (!frame.ParseFromString(*bytes))
            return fail(ErrorCode::Malformed, "the relay sent a message that is not a Frame");
        if (frame.has_response() && frame.id() == id) {
            for (auto& f : other)
                m_kept.push_back(std::move(f));
            return frame.response();
        }
        other.push_back(std::move(frame));
    }
}

std::optional<proto::Push> WsSession::nextPush(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (m_kept.empty() && left.count() <= 0) return std::nullopt;
        auto frame = nextFrame(std::max(left, std::chrono::milliseconds(1)));
        if (!frame) return std::nullopt;
        if (frame->has_push()) return frame->push();
    }
}

std::optional<std::uint16_t> WsSession::waitForClose(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!m_impl->closed && std::chrono::steady_clock::now() < deadline) {
        bool closed = false;
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        auto bytes = readMessage(std::max(left, std::chrono::milliseconds(1)), closed);
        (void)bytes;
    }
    return m_impl->closeCode;
}

} // namespace verbatim::conformance
