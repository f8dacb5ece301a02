// The WebSocket connection to a relay: one pinned TLS session on its own I/O thread.
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

#include "client/core/RelayTls.h"
#include "net/BeastNames.h"

#include <atomic>
#include <deque>
#include <future>
#include <map>
#include <mutex>
#include <thread>

namespace verbatim::client {

using namespace verbatim::beastnames;

namespace {

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

} // namespace verbatim::client
