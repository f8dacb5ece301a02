#include "relay/net/RelayServer.h"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/strand.hpp>
#include <pthread.h>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include "net/BeastNames.h"
#include "relay/net/HttpFields.h"
#include "relay/net/SocketTls.h"

#include <google/protobuf/io/coded_stream.h>

#include <atomic>
#include <charconv>
#include <deque>
#include <map>
#include <mutex>
#include <thread>

#include "common/Log.h"
#include "crypto/Random.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <unistd.h>

#include <openssl/err.h>

namespace verbatim::relay {

using namespace verbatim::beastnames;

namespace {

// Errors that only mean "the peer went away" or "we are shutting down": not worth a log line.
// operation_aborted comes from our own cancellations and timeouts; stream_truncated is a peer
// that closed TCP without a TLS close_notify, which is common and harmless here because every
// message is length-delimited by HTTP or WebSocket framing.
bool quietError(const beast::error_code& ec) {
    return ec == net::error::operation_aborted || ec == ssl::error::stream_truncated ||
           ec == beast::error::timeout || ec == websocket::error::closed || ec == http::error::end_of_stream ||
           ec == net::error::eof || ec == net::error::connection_reset || ec == net::error::broken_pipe ||
           ec == net::error::bad_descriptor;
}

void failLog(const beast::error_code& ec, const char* what) {
    if (quietError(ec)) return;
    log::write(log::Level::Debug, "net.error", {{"op", what}, {"error", ec.message()}});
}

class WebSocketSession;

struct Shared {
    RelayService& service;
    ServerConfig config;
    /// The TLS context new connections are made with. Replaced whole by reloadCertificate();
    /// a connection's SSL object holds a reference to the context it was made with (SSL_new),
    /// so open connections are untouched by a replacement.
    std::mutex tlsMutex;
    std::shared_ptr<ssl::context> tls;
    std::shared_ptr<ssl::context> currentTls() {
        std::lock_guard lock(tlsMutex);
        return tls;
    }
    std::atomic<std::size_t> connections{0};
    std::atomic<std::uint64_t> blobsStored{0}, accepted{0}, refused{0}, rateLimited{0}, wsSessions{0}, framesIn{0}, framesOut{0},
        wsWrites{0};
    /// Connections closed because they did not read (writeStallTimeout), sessions replaced by a
    /// newer one of their device, requests answered "relay busy".
    std::atomic<std::uint64_t> stalled{0}, replaced{0}, busy{0};
    /// Requests read from every connection and not answered yet (nearly all of them wait in the
    /// storage queue), and their bytes: maxPendingRequests and maxPendingRequestBytes.
    std::atomic<std::size_t> pendingRequests{0}, pendingRequestBytes{0};
    RateLimiter connectLimiter;
    /// Each device's open WebSocket sessions, oldest first (maxSessionsPerDevice).
    std::mutex sessionsMutex;
    std::map<std::pair<std::string, std::uint32_t>, std::vector<std::weak_ptr<WebSocketSession>>> deviceSessions;
    explicit Shared(RelayService& s, ServerConfig c) : service(s), config(std::move(c)) {}
};

// Counts a connection for its whole life (TLS session, then maybe WebSocket session).
struct ConnectionSlot {
    explicit ConnectionSlot(Shared& s) : shared(&s) {}
    ConnectionSlot(ConnectionSlot&& o) noexcept : shared(std::exchange(o.shared, nullptr)) {}
    ConnectionSlot& operator=(ConnectionSlot&&) = delete;
    ~ConnectionSlot() {
        if (shared) --shared->connections;
    }
    Shared* shared;
};

std::string textBody(std::string_view s) { return std::string(s) + "\n"; }

// ---- WebSocket session ---------------------------------------------------------------------

class WebSocketSession;

// While the storage thread runs a batch's completions, the sessions they queue frames for are
// gathered here and handed to the network thread in one post when the batch is done. One post
// per session would wake the network thread, which shares the core, hundreds of times per batch.
// Only with one I/O thread (RelayServer::start installs the scope only then): every session
// runs on that thread, without a strand. Gathering for as long as the object lives.
struct DeferredWakeups;
thread_local DeferredWakeups* t_deferred = nullptr;
struct DeferredWakeups {
    DeferredWakeups() { t_deferred = this; }
    ~DeferredWakeups() { t_deferred = nullptr; }
    DeferredWakeups(const DeferredWakeups&) = delete;
    DeferredWakeups& operator=(const DeferredWakeups&) = delete;
    std::vector<std::shared_ptr<WebSocketSession>> sessions;
};

// What RelayService pushes into: holds the session weakly so that a closed session is simply
// gone; the byte counter bounds what a slow reader can make us buffer.
class SessionSink final : public PushSink {
public:
    SessionSink(std::weak_ptr<WebSocketSession> s, std::size_t limit) : m_session(std::move(s)), m_limit(limit) {}
    bool push(const proto::Frame& frame) override;
    bool pushAll(std::span<const proto::Frame> frames) override;
    void close(std::uint16_t code, const char* reason) override;
    void restrictToWipe() override;
    std::atomic<std::size_t> queued{0};
    std::atomic<bool> closed{false};

private:
    std::weak_ptr<WebSocketSession> m_session;
    std::size_t m_limit;
};

class WebSocketSession : public std::enable_shared_from_this<WebSocketSession> {
public:
    /// Close code of a session that a newer session of the same device replaced
    /// (maxSessionsPerDevice; docs/protocol.md).
    static constexpr std::uint16_t kReplacedCode = 4409;

    WebSocketSession(Shared& shared, SocketTlsStream&& stream, DeviceId device,
                     ConnectionSlot slot, bool batches)
        : m_shared(shared), m_ws(std::move(stream)), m_stallTimer(m_ws.get_executor()),
          m_closeTimer(m_ws.get_executor()), m_device(std::move(device)), m_slot(std::move(slot)),
          m_batches(batches) {}

    void run(http::request<http::string_body> req) {
        ++m_shared.wsSessions;
        m_sink = std::make_shared<SessionSink>(weak_from_this(), m_shared.config.maxQueuedBytesPerConnection);
        m_ws.next_layer().expires_never();  // the websocket timeouts take over
        websocket::stream_base::timeout t{};
        t.handshake_timeout = std::chrono::seconds(30);
        t.idle_timeout = m_shared.config.idleTimeout;
        t.keep_alive_pings = true;
        m_ws.set_option(t);
        m_ws.read_message_max(m_shared.config.maxWebSocketMessage);
        m_ws.binary(true);
        m_ws.set_option(websocket::stream_base::decorator([](websocket::response_type& res) {
            res.set(http::field::server, "verbatim-relay");
        }));
        m_ws.async_accept(req, beast::bind_front_handler(&WebSocketSession::onAccept, shared_from_this()));
    }

    // Called on any thread. Frames queued before the session's executor gets to them travel
    // together: one post per burst (a storage batch's responses and pushes, a drain page), and
    // a device that asked for batches gets them in one message. The caller has counted the
    // bytes in m_sink->queued.
    void enqueue(std::shared_ptr<const std::string> bytes) {
        std::vector<std::shared_ptr<const std::string>> one;
        one.push_back(std::move(bytes));
        enqueue(std::move(one));
    }
    void enqueue(std::vector<std::shared_ptr<const std::string>> frames) {
        if (frames.empty()) return;  // an empty drain page: nothing to post
        {
            std::lock_guard lock(m_inboxMutex);
            for (auto& f : frames) m_inbox.push_back(std::move(f));
        }
        wake();
    }

    // Called on any thread: runs takeInbox() on the session's executor soon, once per burst.
    void wake() {
        {
            std::lock_guard lock(m_inboxMutex);
            if (m_inboxPosted) return;
            m_inboxPosted = true;
        }
        if (t_deferred) {
            t_deferred->sessions.push_back(shared_from_this());
            return;
        }
        net::post(m_ws.get_executor(), [self = shared_from_this()] { self->takeInbox(); });
    }

    // On the session's executor: moves what enqueue() gathered into the outbox, and reads again
    // if an answer that came back brought the connection under its limits.
    void takeInbox() {
        std::vector<std::shared_ptr<const std::string>> arrived;
        {
            std::lock_guard lock(m_inboxMutex);
            arrived.swap(m_inbox);
            m_inboxPosted = false;
        }
        const bool idle = m_outbox.empty();
        for (auto& b : arrived) m_outbox.push_back(std::move(b));
        if (idle && !m_outbox.empty() && m_open) writeNext();
        // Responses are never dropped, and backpressure keeps them under the limit but for the
        // answers already in flight when reading stopped: past it the peer is not keeping up.
        if (m_open && m_sink->queued.load() > m_shared.config.maxQueuedBytesPerConnection)
            return m_sink->close(1013, "too slow; reconnect to resume");
        maybeRead();
    }

    void closeWith(std::uint16_t code, std::string reason) {
        net::post(m_ws.get_executor(), [self = shared_from_this(), code, reason = std::move(reason)] {
            // Frames queued before the close go out first, even when their wake-up is still
            // waiting for the end of a storage batch (DeferredWakeups): the close waits for the
            // write this starts.
            self->takeInbox();
            if (!self->m_open) return;
            self->m_open = false;
            // A peer that does not read takes neither those frames nor the close frame: its
            // socket is closed under it when the close handshake's time is up.
            self->m_closeTimer.expires_after(self->m_shared.config.handshakeTimeout);
            self->m_closeTimer.async_wait([self](beast::error_code ec) {
                if (!ec) self->abort();
            });
            self->m_ws.async_close(websocket::close_reason(websocket::close_code(code), reason),
                                   [self](beast::error_code) { self->finish(); });
        });
    }

    /// Closes this session because a newer one of its device replaced it (any thread).
    void replace() { m_sink->close(kReplacedCode, "replaced by a newer connection"); }

private:
    void onAccept(beast::error_code ec) {
        if (ec) return failLog(ec, "ws-accept");
        m_open = true;
        admitSession();
        m_shared.service.connect(m_device, m_sink);
        if (!m_outbox.empty()) writeNext();
        maybeRead();
    }

    // One device holds at most maxSessionsPerDevice sessions: this one, the newest, stays and
    // the oldest go. A device that reconnects after a network change is never locked out by
    // the half-dead session it left behind.
    void admitSession() {
        std::vector<std::shared_ptr<WebSocketSession>> older;
        {
            std::lock_guard lock(m_shared.sessionsMutex);
            auto& list = m_shared.deviceSessions[{m_device.user, m_device.device}];
            std::erase_if(list, [](const std::weak_ptr<WebSocketSession>& w) { return w.expired(); });
            list.push_back(weak_from_this());
            const std::size_t keep = std::max<std::size_t>(1, m_shared.config.maxSessionsPerDevice);
            while (list.size() > keep) {
                if (auto s = list.front().lock()) older.push_back(std::move(s));
                list.erase(list.begin());
            }
        }
        // Outside the lock: closing posts to each session's own executor.
        for (auto& s : older) {
            ++m_shared.replaced;
            s->replace();
        }
    }

    void forgetSession() {
        std::lock_guard lock(m_shared.sessionsMutex);
        auto it = m_shared.deviceSessions.find({m_device.user, m_device.device});
        if (it == m_shared.deviceSessions.end()) return;
        std::erase_if(it->second, [this](const std::weak_ptr<WebSocketSession>& w) {
            auto s = w.lock();
            return !s || s.get() == this;
        });
        if (it->second.empty()) m_shared.deviceSessions.erase(it);
    }

    // Requests of this connection read and not answered yet, over a per-connection limit.
    bool answersOutstanding() const {
        return m_inFlight.load() >= m_shared.config.maxRequestsInFlight ||
               m_inFlightBytes.load() >= m_shared.config.maxRequestBytesInFlight;
    }

    // Backpressure: reads the next request only while this connection is under its limits.
    // Called again whenever it may have come back under them: after each write and whenever an
    // answer comes back (takeInbox). While reading waits, Beast's idle timer still runs and is
    // reset only by reads: a pause longer than idleTimeout ends the connection too, after the
    // stall timeout has had its turn.
    void maybeRead() {
        if (!m_open || m_reading) return;
        const auto& c = m_shared.config;
        const std::size_t queued = m_sink->queued.load();
        // Above the high-water mark the peer is not reading what we write: stop reading what it
        // writes, until half of it has drained.
        if (queued >= (m_outputPaused ? c.writeHighWater / 2 : c.writeHighWater)) {
            if (!m_outputPaused) {
                m_outputPaused = true;
                m_progressAt = std::chrono::steady_clock::now();
                armStallTimer();
            }
            return;
        }
        m_outputPaused = false;
        if (answersOutstanding()) {
            // An answer that comes back after this flag is set wakes us (onRequestDone), and one
            // that came back before it shows in the second look.
            m_awaitingAnswers = true;
            if (answersOutstanding()) return;
        }
        m_awaitingAnswers = false;
        readNext();
    }

    void armStallTimer() {
        if (m_stallArmed) return;
        m_stallArmed = true;
        m_stallTimer.expires_at(m_progressAt + m_shared.config.writeStallTimeout);
        m_stallTimer.async_wait([self = shared_from_this()](beast::error_code ec) { self->onStallTimer(ec); });
    }

    void onStallTimer(beast::error_code ec) {
        m_stallArmed = false;
        if (ec || m_finished || !m_outputPaused) return;
        if (std::chrono::steady_clock::now() - m_progressAt < m_shared.config.writeStallTimeout)
            return armStallTimer();  // a write completed meanwhile: wait from it
        ++m_shared.stalled;
        log::write(log::Level::Info, "net.write_stalled",
                   {{"queued_bytes", std::to_string(m_sink->queued.load())},
                    {"stall_seconds", std::to_string(m_shared.config.writeStallTimeout.count())}});
        abort();
    }

    // Ends the connection without a close handshake, for a peer that reads nothing: neither a
    // frame nor a close frame would get through. Pending operations fail and end here too.
    void abort() {
        if (m_finished) return;
        m_open = false;
        beast::error_code ignored;
        m_ws.next_layer().socket().close(ignored);
        finish();
    }

    void readNext() {
        m_buffer.clear();
        // One large message must not leave its buffer behind for the connection's whole life.
        if (m_buffer.capacity() > kKeptReadBuffer) m_buffer.shrink_to_fit();
        m_reading = true;
        m_ws.async_read(m_buffer, beast::bind_front_handler(&WebSocketSession::onRead, shared_from_this()));
    }

    void onRead(beast::error_code ec, std::size_t) {
        m_reading = false;
        if (ec) {
            // message_too_big: Beast has already failed the connection with close code 1009.
            failLog(ec, "ws-read");
            finish();
            return;
        }
        ++m_shared.framesIn;
        proto::Frame frame;
        auto data = m_buffer.cdata();
        if (!m_ws.got_binary() || !frame.ParseFromArray(data.data(), int(data.size())) || !frame.has_request()) {
            proto::Frame reply;
            reply.set_id(frame.id());
            reply.mutable_response()->set_status(proto::STATUS_BAD_REQUEST);
            reply.mutable_response()->set_error("expected a binary Frame carrying a request");
            send(reply);
            return closeWith(1008, "malformed frame");
        }
        const std::uint64_t id = frame.id();
        const std::size_t size = data.size();
        auto& shared = m_shared;
        // The storage queue in total: over it, a request is answered at once instead of queued.
        // Its connection goes on (and its own limits hold it), and the client retries.
        if (shared.pendingRequests.load() >= shared.config.maxPendingRequests ||
            shared.pendingRequestBytes.load() >= shared.config.maxPendingRequestBytes) {
            ++shared.busy;
            proto::Frame reply;
            reply.set_id(id);
            auto* r = reply.mutable_response();
            r->set_status(proto::STATUS_UNAVAILABLE);
            r->set_error("relay busy; retry later");
            r->set_retry_after_ms(std::uint64_t(shared.config.busyRetryAfter.count()));
            send(reply);
            return maybeRead();
        }
        ++shared.pendingRequests;
        shared.pendingRequestBytes += size;
        ++m_inFlight;
        m_inFlightBytes += size;
        // Wiped while connected (SessionSink::restrictToWipe): from now on this connection may
        // only confirm the wipe, like one that authenticated with the wipe pending.
        if (!m_device.wipeOnly && m_wipeOnly.load(std::memory_order_acquire)) m_device.wipeOnly = true;
        // The answer holds the session: while reading waits for answers, nothing else may (no
        // read is pending, and no write when nothing is queued). The service always answers,
        // and a closed session only drops what it gets. Shared outlives every answer:
        // RelayServer::stop() flushes the storage thread first.
        Shared* const counters = &m_shared;
        m_shared.service.handle(m_device, std::move(*frame.mutable_request()),
                                [self = shared_from_this(), id, size, counters](proto::Response response) {
                                    --counters->pendingRequests;
                                    counters->pendingRequestBytes -= size;
                                    self->onRequestDone(id, size, std::move(response));
                                });
        maybeRead();
    }

    // Any thread: an answer came back.
    void onRequestDone(std::uint64_t id, std::size_t size, proto::Response response) {
        --m_inFlight;
        m_inFlightBytes -= size;
        // One-way (id 0): only a failure is worth a frame.
        if (id == 0 && response.status() == proto::STATUS_OK) {
            if (m_awaitingAnswers.load()) wake();  // reading waits for this answer
            return;
        }
        proto::Frame reply;
        reply.set_id(id);
        *reply.mutable_response() = std::move(response);
        send(reply);  // its wake-up reads again if reading waited
    }

    // Responses count against the connection's write limit like pushes (SessionSink).
    void send(const proto::Frame& frame) {
        auto bytes = std::make_shared<const std::string>(frame.SerializeAsString());
        m_sink->queued += bytes->size();
        enqueue(std::move(bytes));
    }

    void writeNext() {
        if (!m_batches || m_outbox.size() == 1) {
            m_inWrite = 1;
            m_ws.async_write(net::buffer(*m_outbox.front()),
                             beast::bind_front_handler(&WebSocketSession::onWrite, shared_from_this()));
            return;
        }
        // Everything queued (up to a bound) as one FrameBatch, encoded by hand around the frames'
        // bytes, which are serialized Frames already: field 1 of FrameBatch for each, then the
        // whole as field 5 of Frame.
        std::size_t payload = 0;
        m_inWrite = 0;
        while (m_inWrite < m_outbox.size() && m_inWrite < kMaxBatchFrames &&
               (m_inWrite == 0 || payload + m_outbox[m_inWrite]->size() <= kMaxBatchBytes)) {
            payload += 1 + varintSize(m_outbox[m_inWrite]->size()) + m_outbox[m_inWrite]->size();
            ++m_inWrite;
        }
        m_batchBuffer.reserve(1 + varintSize(payload) + payload);
        m_batchBuffer.push_back(char(0x2A));  // Frame.batch: field 5, length-delimited
        appendVarint(m_batchBuffer, payload);
        for (std::size_t i = 0; i < m_inWrite; ++i) {
            m_batchBuffer.push_back(char(0x0A));  // FrameBatch.frames: field 1, length-delimited
            appendVarint(m_batchBuffer, m_outbox[i]->size());
            m_batchBuffer += *m_outbox[i];
        }
        m_ws.async_write(net::buffer(m_batchBuffer),
                         beast::bind_front_handler(&WebSocketSession::onWrite, shared_from_this()));
    }

    static std::size_t varintSize(std::size_t v) {
        return google::protobuf::io::CodedOutputStream::VarintSize64(v);
    }
    static void appendVarint(std::string& out, std::size_t v) {
        std::uint8_t bytes[10];
        auto* end = google::protobuf::io::CodedOutputStream::WriteVarint64ToArray(v, bytes);
        out.append(reinterpret_cast<const char*>(bytes), std::size_t(end - bytes));
    }

    void onWrite(beast::error_code ec, std::size_t) {
        if (ec) {
            failLog(ec, "ws-write");
            return finish();
        }
        ++m_shared.wsWrites;
        m_progressAt = std::chrono::steady_clock::now();
        for (std::size_t i = 0; i < m_inWrite; ++i) {
            ++m_shared.framesOut;
            m_sink->queued -= std::min<std::size_t>(m_sink->queued, m_outbox.front()->size());
            m_outbox.pop_front();
        }
        m_inWrite = 0;
        std::string().swap(m_batchBuffer);  // an idle connection keeps no batch buffer
        if (!m_outbox.empty()) writeNext();
        maybeRead();
    }

    void finish() {
        if (m_finished) return;
        m_finished = true;
        m_open = false;
        m_sink->closed = true;
        m_stallTimer.cancel();
        m_closeTimer.cancel();
        forgetSession();
        m_shared.service.disconnect(m_device, m_sink.get());
    }

    friend class SessionSink;
    Shared& m_shared;
    websocket::stream<SocketTlsStream> m_ws;
    net::steady_timer m_stallTimer;  ///< writeStallTimeout while reading waits for the peer to read
    net::steady_timer m_closeTimer;  ///< the close handshake's deadline
    DeviceId m_device;
    /// Set by SessionSink::restrictToWipe() on any thread; read on the session's executor, which
    /// alone touches m_device.
    std::atomic<bool> m_wipeOnly{false};
    ConnectionSlot m_slot;
    beast::flat_buffer m_buffer;
    std::deque<std::shared_ptr<const std::string>> m_outbox;
    std::mutex m_inboxMutex;  ///< guards m_inbox and m_inboxPosted (enqueue runs on any thread)
    std::vector<std::shared_ptr<const std::string>> m_inbox;
    bool m_inboxPosted = false;
    std::shared_ptr<SessionSink> m_sink;
    static constexpr std::size_t kMaxBatchFrames = 64, kMaxBatchBytes = 256 * 1024;
    static constexpr std::size_t kKeptReadBuffer = 64 * 1024;
    const bool m_batches;            ///< the device asked for FrameBatch messages
    std::size_t m_inWrite = 0;       ///< outbox entries in the write in progress
    std::string m_batchBuffer;
    bool m_open = false;
    bool m_finished = false;
    // Backpressure (maybeRead). The counters change on any thread (answers come back from the
    // storage thread); the rest only on the session's executor.
    std::atomic<std::size_t> m_inFlight{0}, m_inFlightBytes{0};
    std::atomic<bool> m_awaitingAnswers{false};  ///< reading waits for an answer to come back
    bool m_reading = false;                      ///< a read is pending
    bool m_outputPaused = false;                 ///< reading waits for the peer to read
    bool m_stallArmed = false;
    std::chrono::steady_clock::time_point m_progressAt{};  ///< last write done, or the pause
};

bool SessionSink::push(const proto::Frame& frame) { return pushAll({&frame, 1}); }

bool SessionSink::pushAll(std::span<const proto::Frame> frames) {
    if (closed) return false;
    auto session = m_session.lock();
    if (!session) return false;
    std::vector<std::shared_ptr<const std::string>> bytes;
    std::size_t total = 0;
    for (const auto& f : frames) {
        bytes.push_back(std::make_shared<const std::string>(f.SerializeAsString()));
        total += bytes.back()->size();
    }
    if (queued + total > m_limit) return false;
    queued += total;
    session->enqueue(std::move(bytes));
    return true;
}

void SessionSink::close(std::uint16_t code, const char* reason) {
    closed = true;
    if (auto session = m_session.lock()) session->closeWith(code, reason);
}

void SessionSink::restrictToWipe() {
    if (auto session = m_session.lock()) session->m_wipeOnly.store(true, std::memory_order_release);
}

// ---- HTTPS session: registration and the WebSocket upgrade -----------------------------------

class HttpSession : public std::enable_shared_from_this<HttpSession> {
public:
    HttpSession(Shared& shared, tcp::socket&& socket, ConnectionSlot slot)
        : m_shared(shared), m_stream(std::move(socket), shared.currentTls()->native_handle()), m_slot(std::move(slot)) {
        beast::error_code ec;
        auto ep = m_stream.socket().remote_endpoint(ec);
        m_peer = ec ? std::string("unknown") : ep.address().to_string();
    }

    void run() {
        net::dispatch(m_stream.get_executor(), [self = shared_from_this()] {
            self->m_stream.expires_after(self->m_shared.config.handshakeTimeout);
            self->m_stream.async_handshake(beast::bind_front_handler(&HttpSession::onHandshake, self));
        });
    }

private:
    void onHandshake(beast::error_code ec) {
        if (ec) return failLog(ec, "tls-handshake");
        m_parser.emplace();
        m_parser->header_limit(std::uint32_t(m_shared.config.maxHttpHeader));
        // The header parser checks Content-Length against this limit; routes narrow it below.
        m_parser->body_limit(std::max<std::uint64_t>(m_shared.config.maxHttpBody, m_shared.config.maxBlobBytes));
        m_stream.expires_after(m_shared.config.handshakeTimeout);
        http::async_read_header(m_stream, m_buffer, *m_parser,
                                beast::bind_front_handler(&HttpSession::onHeader, shared_from_this()));
    }

    void onHeader(beast::error_code ec, std::size_t) {
        if (ec == http::error::header_limit) return respond(http::status::request_header_fields_too_large, "header too large");
        // Beast checks Content-Length against the body limit while parsing the header: the
        // oversized body is refused before a byte of it is read.
        if (ec == http::error::body_limit) return respond(http::status::payload_too_large, "body too large");
        if (ec) {
            failLog(ec, "http-header");
            if (ec.category() == beast::http::make_error_code(http::error::bad_target).category())
                return respond(http::status::bad_request, "malformed request");
            return;
        }
        auto& req = m_parser->get();
        // Bodies are small protobufs with a Content-Length; chunked encoding (and its
        // extensions and trailers, which Beast 1.74 does not cap) is refused outright.
        if (m_parser->chunked()) return respond(http::status::length_required, "chunked bodies are not accepted");
        const bool blobUpload = req.method() == http::verb::post && req.target() == "/v1/blobs";
        if (blobUpload) return startBlobUpload();
        if (req.method() == http::verb::get && req.target().starts_with("/v1/blobs/")) return startBlobDownload();
        if (m_parser->content_length() && *m_parser->content_length() > m_shared.config.maxHttpBody)
            return respond(http::status::payload_too_large, "body too large");
        m_parser->body_limit(m_shared.config.maxHttpBody);
        if (websocket::is_upgrade(req)) return upgrade();
        if (req.method() == http::verb::get && req.target() == "/v1/manifest") {
            // Public: signed by the firm root, checked by every client before it registers.
            const auto& m = m_shared.service.config().firmManifest;
            return respondBinary(std::string(m.begin(), m.end()));
        }
        if (req.method() == http::verb::post && req.target() == "/v1/register") {
            http::async_read(m_stream, m_buffer, *m_parser,
                             beast::bind_front_handler(&HttpSession::onRegisterBody, shared_from_this()));
            return;
        }
        respond(http::status::not_found, "not found");
    }

    void onRegisterBody(beast::error_code ec, std::size_t) {
        if (ec == http::error::body_limit) return respond(http::status::payload_too_large, "body too large");
        if (ec) return failLog(ec, "http-body");
        proto::RegisterDevice req;
        const auto& body = m_parser->get().body();
        if (!req.ParseFromString(body)) return respond(http::status::bad_request, "malformed registration");
        // The callback holds the session: no I/O is pending while the service works, so nothing
        // else keeps it alive. The service always calls back.
        auto keep = shared_from_this();
        auto exec = m_stream.get_executor();
        m_shared.service.registerDevice(req, m_peer, [keep, exec](Result<proto::Registered> r, std::uint64_t retryMs) {
            net::post(exec, [self = keep, r = std::move(r), retryMs] {
                if (r) return self->respondBinary(r->SerializeAsString());
                auto status = r.error().detail >= 400 && r.error().detail < 600 ? http::status(r.error().detail)
                                                                                  : http::status::service_unavailable;
                if (r.error().code == ErrorCode::Storage) status = http::status::service_unavailable;
                self->respond(status, r.error().message, retryMs);
            });
        });
    }

    // Credentials ride on the request: X-Verbatim-Device: USER/DEVICE and
    // Authorization: Bearer <64 hex>. They are never logged.
    // (parseDeviceCredentials, HttpFields.h: fuzzed by tests/fuzz).
    std::optional<DeviceCredentials> credentials() {
        auto& req = m_parser->get();
        auto whoField = req["X-Verbatim-Device"];
        auto authField = req[http::field::authorization];
        return parseDeviceCredentials(std::string_view(whoField.data(), whoField.size()),
                                      std::string_view(authField.data(), authField.size()));
    }

    /// Authenticates the request's device, then runs `then` on the session's executor; answers
    /// 401/403/503 itself when authentication fails.
    void withDevice(std::function<void(std::shared_ptr<HttpSession>, DeviceId)> then) {
        auto creds = credentials();
        if (!creds) return respond(http::status::unauthorized, "credentials required");
        auto keep = shared_from_this();
        auto exec = m_stream.get_executor();
        m_shared.service.authenticate(
            creds->user, creds->device, creds->secret, [keep, exec, then = std::move(then)](Result<DeviceId> r) {
                net::post(exec, [self = keep, r = std::move(r), then] {
                    if (!r) {
                        if (r.error().detail == 403) return self->respond(http::status::forbidden, "device revoked");
                        if (r.error().detail == 423) return self->respond(http::status::locked, "awaiting approval");
                        if (r.error().code == ErrorCode::Storage)
                            return self->respond(http::status::service_unavailable, "unavailable");
                        return self->respond(http::status::unauthorized, "bad credentials");
                    }
                    if (r->wipeOnly) return self->respond(http::status::forbidden, "device revoked");
                    then(self, std::move(*r));
                });
            });
    }

    // ---- attachments: opaque blobs, encrypted by the clients --------------------------------
    // POST /v1/blobs: the device's quota, hourly rate and the disk reserve are checked against
    // the Content-Length before a byte of the body is read (BlobStore::admit holds the room while
    // the body streams). The body goes into a temporary file in the blob directory (never into
    // memory), read piece by piece so that the free disk is checked again as it fills; then it is
    // fsynced, renamed to a fresh random 256-bit id and recorded with its uploader. The id is the
    // capability a device needs (besides its own credentials) to download it: GET /v1/blobs/<id>.
    // A failed or abandoned upload leaves no file: the Upload removes it when released.

    void startBlobUpload() {
        if (m_shared.config.blobDir.empty() || !m_shared.service.blobs().isOpen())
            return respond(http::status::not_found, "not found");
        auto length = m_parser->content_length();
        if (!length) return respond(http::status::length_required, "Content-Length required");
        if (*length > m_shared.config.maxBlobBytes) return respond(http::status::payload_too_large, "attachment too large");
        withDevice([bytes = *length](std::shared_ptr<HttpSession> self, DeviceId device) {
            auto exec = self->m_stream.get_executor();
            self->m_shared.service.blobs().admit(
                device.user, device.device, device.role, bytes, [self, exec](BlobStore::Admission a) {
                    net::post(exec, [self, a = std::move(a)]() mutable {
                        if (!a.upload)
                            return self->respond(http::status(a.status), a.message, a.retryAfterMs);
                        self->readBlob(std::move(a.upload));
                    });
                });
        });
    }

    void readBlob(std::shared_ptr<BlobStore::Upload> upload) {
        m_upload = std::move(upload);
        m_fileParser.emplace(std::move(*m_parser));
        m_fileParser->body_limit(m_upload->bytes());
        beast::error_code ec;
        m_fileParser->get().body().open(m_upload->tempPath().c_str(), beast::file_mode::write_new, ec);
        if (ec) return respond(http::status::service_unavailable, "attachment storage unavailable");
        m_nextSpaceCheck = m_upload->bytes();
        m_stream.expires_after(m_shared.config.blobTimeout);
        readBlobSome();
    }

    void readBlobSome() {
        http::async_read_some(m_stream, m_buffer, *m_fileParser,
                              beast::bind_front_handler(&HttpSession::onBlobSome, shared_from_this()));
    }

    void onBlobSome(beast::error_code ec, std::size_t) {
        if (ec || m_fileParser->is_done()) return onBlobBody(ec);
        // Every 4 MiB: the disk may be filling from elsewhere (journal, other uploads, other
        // programs); what this body still needs must fit above the reserve.
        constexpr std::uint64_t kSpaceCheckEvery = 4 * 1024 * 1024;
        const std::uint64_t remaining = m_fileParser->content_length_remaining().value_or(0);
        if (remaining + kSpaceCheckEvery <= m_nextSpaceCheck) {
            m_nextSpaceCheck = remaining;
            if (!m_shared.service.blobs().spaceAllows(remaining)) {
                beast::error_code ignored;
                m_fileParser->get().body().file().close(ignored);
                m_upload.reset();  // removes the partial file, releases the reservation
                return respond(http::status::insufficient_storage,
                               "relay storage low: attachments are refused until space is freed "
                               "(messages still go through)");
            }
        }
        readBlobSome();
    }

    void onBlobBody(beast::error_code ec) {
        auto& file = m_fileParser->get().body().file();
        const bool synced = !ec && ::fsync(file.native_handle()) == 0;
        beast::error_code closeEc;
        file.close(closeEc);
        if (!synced || closeEc) {
            m_upload.reset();
            if (ec == http::error::body_limit) return respond(http::status::payload_too_large, "attachment too large");
            if (ec) return failLog(ec, "blob-body");
            return respond(http::status::service_unavailable, "attachment storage unavailable");
        }
        auto exec = m_stream.get_executor();
        m_shared.service.blobs().commit(m_upload, [self = shared_from_this(), exec](Result<void> r) {
            net::post(exec, [self, ok = r.has_value()] {
                const std::string id = self->m_upload->id();
                self->m_upload.reset();  // recorded: keeps its file; failed: removes it
                if (!ok) return self->respond(http::status::service_unavailable, "attachment storage unavailable");
                ++self->m_shared.blobsStored;
                self->respondText(id + "\n");
            });
        });
    }

    void startBlobDownload() {
        if (m_shared.config.blobDir.empty()) return respond(http::status::not_found, "not found");
        auto target = m_parser->get().target();
        // Only 64 lowercase hex digits name a blob: nothing else reaches the file system.
        auto id = blobIdOfTarget(std::string_view(target.data(), target.size()));
        if (!id) return respond(http::status::not_found, "no such attachment");
        withDevice([id = std::string(*id)](std::shared_ptr<HttpSession> self, DeviceId) { self->sendBlob(id); });
    }

    void sendBlob(const std::string& id) {
        auto res = std::make_shared<http::response<http::file_body>>(http::status::ok, 11);
        beast::error_code ec;
        res->body().open((m_shared.config.blobDir + "/" + id).c_str(), beast::file_mode::scan, ec);
        if (ec) return respond(http::status::not_found, "no such attachment");
        res->set(http::field::server, "verbatim-relay");
        res->set(http::field::content_type, "application/octet-stream");
        res->keep_alive(false);
        res->prepare_payload();
        m_stream.expires_after(m_shared.config.blobTimeout);
        http::async_write(m_stream, *res, [self = shared_from_this(), res](beast::error_code ec, std::size_t) {
            if (ec) return failLog(ec, "blob-write");
            self->m_stream.async_close_gracefully([self](beast::error_code) {});
        });
    }

    void upgrade() {
        auto& req = m_parser->get();
        if (req.target() != "/v1/ws") return respond(http::status::not_found, "not found");
        auto creds = credentials();
        if (!creds) return respond(http::status::unauthorized, "credentials required");
        auto keep = shared_from_this();
        auto exec = m_stream.get_executor();
        m_shared.service.authenticate(creds->user, creds->device, creds->secret,
                                      [keep, exec](Result<DeviceId> r) {
                                          net::post(exec, [self = keep, r = std::move(r)] {
                                              if (!r) {
                                                  if (r.error().detail == 403)
                                                      return self->respond(http::status::forbidden, "device revoked");
                                                  // Pending approval by the user's other device.
                                                  if (r.error().detail == 423)
                                                      return self->respond(http::status::locked, "awaiting approval");
                                                  if (r.error().code == ErrorCode::Storage)
                                                      return self->respond(http::status::service_unavailable, "unavailable");
                                                  return self->respond(http::status::unauthorized, "bad credentials");
                                              }
                                              auto frames = self->m_parser->get()["X-Verbatim-Frames"];
                                              auto ws = std::make_shared<WebSocketSession>(
                                                  self->m_shared, std::move(self->m_stream), std::move(*r),
                                                  std::move(self->m_slot), frames == "batch");
                                              ws->run(self->m_parser->release());
                                          });
                                      });
    }

    void respond(http::status status, std::string_view message, std::uint64_t retryAfterMs = 0) {
        auto res = std::make_shared<http::response<http::string_body>>(status, 11);
        res->set(http::field::server, "verbatim-relay");
        res->set(http::field::content_type, "text/plain");
        if (retryAfterMs) res->set(http::field::retry_after, std::to_string((retryAfterMs + 999) / 1000));
        res->keep_alive(false);
        res->body() = textBody(message);
        res->prepare_payload();
        write(res);
    }

    void respondText(std::string body) {
        auto res = std::make_shared<http::response<http::string_body>>(http::status::ok, 11);
        res->set(http::field::server, "verbatim-relay");
        res->set(http::field::content_type, "text/plain");
        res->keep_alive(false);
        res->body() = std::move(body);
        res->prepare_payload();
        write(res);
    }

    void respondBinary(std::string body) {
        auto res = std::make_shared<http::response<http::string_body>>(http::status::ok, 11);
        res->set(http::field::server, "verbatim-relay");
        res->set(http::field::content_type, "application/x-protobuf");
        res->keep_alive(false);
        res->body() = std::move(body);
        res->prepare_payload();
        write(res);
    }

    void write(std::shared_ptr<http::response<http::string_body>> res) {
        m_stream.expires_after(m_shared.config.handshakeTimeout);
        http::async_write(m_stream, *res, [self = shared_from_this(), res](beast::error_code ec, std::size_t) {
            if (ec) return failLog(ec, "http-write");
            self->m_stream.async_close_gracefully([self](beast::error_code) {});
        });
    }

    Shared& m_shared;
    SocketTlsStream m_stream;
    ConnectionSlot m_slot;
    beast::flat_buffer m_buffer;
    std::optional<http::request_parser<http::string_body>> m_parser;
    std::optional<http::request_parser<http::file_body>> m_fileParser;
    std::shared_ptr<BlobStore::Upload> m_upload;  ///< the upload being received, if any
    std::uint64_t m_nextSpaceCheck = 0;
    std::string m_peer;
};

// ---- admin listener (plain HTTP on loopback) -------------------------------------------------

class AdminSession : public std::enable_shared_from_this<AdminSession> {
public:
    AdminSession(Shared& shared, tcp::socket&& socket) : m_shared(shared), m_stream(std::move(socket)) {}
    void run() {
        m_stream.expires_after(std::chrono::seconds(5));
        m_parser.header_limit(4096);
        m_parser.body_limit(0);
        http::async_read(m_stream, m_buffer, m_parser, [self = shared_from_this()](beast::error_code ec, std::size_t) {
            if (ec) return failLog(ec, "admin-read");
            self->answer();
        });
    }

private:
    void answer() {
        auto res = std::make_shared<http::response<http::string_body>>(http::status::ok, 11);
        res->keep_alive(false);
        res->set(http::field::content_type, "text/plain; version=0.0.4");
        auto target = m_parser.get().target();
        if (target == "/healthz") {
            res->body() = "ok\n";
        } else if (target == "/metrics") {
            auto& s = m_shared;
            std::string m;
            auto line = [&](const char* name, const char* help, std::uint64_t v) {
                bool counter = std::string_view(name).ends_with("_total");
                m += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name +
                     (counter ? " counter\n" : " gauge\n") + name + " " + std::to_string(v) + "\n";
            };
            line("verbatim_connections", "Open client connections.", s.connections.load());
            line("verbatim_connections_accepted_total", "Accepted TCP connections.", s.accepted.load());
            line("verbatim_connections_refused_total", "Connections refused at the cap.", s.refused.load());
            line("verbatim_connections_rate_limited_total", "Connections refused by the per-address limit.",
                 s.rateLimited.load());
            line("verbatim_websocket_sessions_total", "WebSocket sessions opened.", s.wsSessions.load());
            line("verbatim_frames_in_total", "Frames received.", s.framesIn.load());
            line("verbatim_frames_out_total", "Frames sent.", s.framesOut.load());
            line("verbatim_websocket_writes_total", "WebSocket messages written (a batch carries several frames).",
                 s.wsWrites.load());
            line("verbatim_blobs_stored_total", "Attachment blobs stored.", s.blobsStored.load());
            line("verbatim_blob_uploads_in_flight", "Attachment uploads admitted and not yet stored.",
                 s.service.blobs().uploadsInFlight());
            line("verbatim_blob_uploads_refused_total", "Attachment uploads refused (quota, rate, disk reserve).",
                 s.service.blobs().refused());
            line("verbatim_blobs_swept_total", "Attachment blobs removed because no message declared them.",
                 s.service.blobs().swept());
            line("verbatim_requests_pending", "Requests read and not answered yet (most in the storage queue).",
                 s.pendingRequests.load());
            line("verbatim_requests_busy_total", "Requests answered \"relay busy\" over the pending-request limit.",
                 s.busy.load());
            line("verbatim_connections_stalled_total", "Connections closed for not reading what was sent to them.",
                 s.stalled.load());
            line("verbatim_websocket_sessions_replaced_total", "Sessions closed (4409) by a newer one of their device.",
                 s.replaced.load());
            line("verbatim_storage_batches_total", "Committed storage batches.", s.service.storage().batches());
            line("verbatim_storage_jobs_total", "Committed storage jobs.", s.service.storage().jobs());
            line("verbatim_storage_batch_microseconds_total", "Wall time in storage batches, commit included.",
                 s.service.storage().batchMicros());
            line("verbatim_storage_queue_jobs", "Storage jobs waiting for a batch.", s.service.storage().queued());
            line("verbatim_storage_slow_batches_total", "Storage batches that took 10 ms or more.",
                 s.service.storage().slowBatches());
            res->body() = std::move(m);
        } else {
            res->result(http::status::not_found);
            res->body() = "not found\n";
        }
        res->prepare_payload();
        http::async_write(m_stream, *res, [self = shared_from_this(), res](beast::error_code ec, std::size_t) {
            beast::error_code ignored;
            self->m_stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
        });
    }

    Shared& m_shared;
    beast::tcp_stream m_stream;
    beast::flat_buffer m_buffer;
    http::request_parser<http::empty_body> m_parser;
};

// ---- listener -------------------------------------------------------------------------------

class Listener : public std::enable_shared_from_this<Listener> {
public:
    Listener(net::io_context& ioc, Shared& shared, bool admin) : m_ioc(ioc), m_acceptor(ioc), m_shared(shared), m_admin(admin) {}

    Result<std::uint16_t> open(const std::string& address, std::uint16_t port) {
        beast::error_code ec;
        auto addr = net::ip::make_address(address, ec);
        if (ec) return fail(ErrorCode::InvalidArgument, "bad listen address");
        tcp::endpoint ep(addr, port);
        m_acceptor.open(ep.protocol(), ec);
        if (!ec) m_acceptor.set_option(net::socket_base::reuse_address(true), ec);
        if (!ec) m_acceptor.bind(ep, ec);
        if (!ec) m_acceptor.listen(net::socket_base::max_listen_connections, ec);
        if (ec) return fail(ErrorCode::Storage, "cannot listen on " + address + ":" + std::to_string(port) + ": " + ec.message());
        return m_acceptor.local_endpoint().port();
    }

    void run() { accept(); }
    void stop() {
        net::post(m_acceptor.get_executor(), [self = shared_from_this()] {
            beast::error_code ec;
            self->m_acceptor.close(ec);
        });
    }

private:
    void accept() {
        // With one I/O thread every handler already runs on it, one at a time: a strand per
        // connection would only add a queue and a lock to every post. Posts from the storage
        // thread go through the io_context, which is thread-safe.
        net::any_io_executor executor = m_shared.config.ioThreads <= 1
                                            ? net::any_io_executor(m_ioc.get_executor())
                                            : net::any_io_executor(net::make_strand(m_ioc));
        m_acceptor.async_accept(executor, beast::bind_front_handler(&Listener::onAccept, shared_from_this()));
    }

    void onAccept(beast::error_code ec, tcp::socket socket) {
        if (ec == net::error::operation_aborted) return;
        if (ec) {
            // EMFILE and friends: back off briefly instead of spinning, then keep accepting.
            failLog(ec, "accept");
            auto timer = std::make_shared<net::steady_timer>(m_ioc, std::chrono::milliseconds(50));
            timer->async_wait([self = shared_from_this(), timer](beast::error_code) { self->accept(); });
            return;
        }
        if (m_admin) {
            std::make_shared<AdminSession>(m_shared, std::move(socket))->run();
        } else if (m_shared.connections.load() >= m_shared.config.maxConnections) {
            ++m_shared.refused;
            beast::error_code ignored;
            socket.close(ignored);
        } else if (!admitAddress(socket)) {
            ++m_shared.rateLimited;
            beast::error_code ignored;
            socket.close(ignored);
        } else {
            ++m_shared.connections;
            ++m_shared.accepted;
            // Frames are small and latency-bound: no Nagle delay on pushes and responses.
            beast::error_code ignored;
            socket.set_option(tcp::no_delay(true), ignored);
            std::make_shared<HttpSession>(m_shared, std::move(socket), ConnectionSlot(m_shared))->run();
        }
        accept();
    }

    bool admitAddress(tcp::socket& socket) {
        beast::error_code ec;
        auto ep = socket.remote_endpoint(ec);
        if (ec) return false;
        return m_shared.connectLimiter.take("connect:" + ep.address().to_string(),
                                            m_shared.config.connectsPerAddress, monotonicMs()) == 0;
    }

    net::io_context& m_ioc;
    tcp::acceptor m_acceptor;
    Shared& m_shared;
    bool m_admin;
};

}  // namespace

namespace {

// A server TLS context with the relay's protocol rules, the certificate chain and its key.
Result<std::shared_ptr<ssl::context>> makeTlsContext(const std::string& certFile, const std::string& keyFile) {
    auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
    auto& tls = *ctx;
    tls.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                    ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::single_dh_use |
                    SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
    // Idle connections give their TLS record buffers back (about 34 KiB each): most of a
    // relay's connections are idle phones.
    SSL_CTX_set_mode(tls.native_handle(), SSL_MODE_RELEASE_BUFFERS);
    // OpenSSL reads the socket itself (SocketTls.h): with read-ahead one recv() takes every
    // record that has arrived, instead of two calls (header, then body) per record.
    SSL_CTX_set_read_ahead(tls.native_handle(), 1);
    // TLS 1.2 only with forward-secret AEAD suites; TLS 1.3 suites are all forward secret.
    SSL_CTX_set_cipher_list(tls.native_handle(),
                            "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
                            "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
                            "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256");
    // The reason (the system's for a file that cannot be opened, else OpenSSL's: "no start
    // line", "key values mismatch") says what to fix; it never holds key material.
    auto why = [](const std::string& file) -> std::string {
        if (FILE* f = std::fopen(file.c_str(), "rb")) {
            std::fclose(f);
        } else {
            return std::strerror(errno);
        }
        const unsigned long e = ERR_peek_last_error();
        const char* reason = e ? ERR_reason_error_string(e) : nullptr;
        return reason ? reason : "not a PEM file";
    };
    ERR_clear_error();
    if (SSL_CTX_use_certificate_chain_file(tls.native_handle(), certFile.c_str()) != 1) {
        auto reason = why(certFile);
        ERR_clear_error();
        return fail(ErrorCode::NotFound, "cannot load TLS certificate " + certFile + ": " + reason);
    }
    if (SSL_CTX_use_PrivateKey_file(tls.native_handle(), keyFile.c_str(), SSL_FILETYPE_PEM) != 1) {
        auto reason = why(keyFile);
        ERR_clear_error();
        return fail(ErrorCode::NotFound, "cannot load TLS key " + keyFile + " for certificate " + certFile + ": " + reason);
    }
    if (SSL_CTX_check_private_key(tls.native_handle()) != 1)
        return fail(ErrorCode::InvalidArgument, "TLS key " + keyFile + " does not match certificate " + certFile);
    return ctx;
}

// Calls ServerConfig::heartbeat every heartbeatInterval on the I/O thread.
struct Heartbeat : std::enable_shared_from_this<Heartbeat> {
    Heartbeat(net::io_context& ioc, std::function<void()> fn, std::chrono::milliseconds every)
        : timer(ioc), beat(std::move(fn)), interval(every) {}
    void arm() {
        timer.expires_after(interval);
        timer.async_wait([self = shared_from_this()](beast::error_code ec) {
            if (ec) return;  // cancelled: the server is stopping
            self->beat();
            self->arm();
        });
    }
    net::steady_timer timer;
    std::function<void()> beat;
    std::chrono::milliseconds interval;
};

}  // namespace

struct RelayServer::Impl {
    // Destroyed after the io_context: sessions that die with its queued handlers still count
    // themselves out of `shared`.
    std::unique_ptr<Shared> shared;
    net::io_context ioc;
    std::shared_ptr<Listener> listener, admin;
    std::shared_ptr<Heartbeat> heartbeat;
    std::uint16_t port = 0, adminPort = 0;
    std::vector<std::thread> threads;
    std::optional<net::executor_work_guard<net::io_context::executor_type>> work;
    bool stopped = false;
};

Result<std::unique_ptr<RelayServer>> RelayServer::start(RelayService& service, const ServerConfig& config) {
    std::unique_ptr<RelayServer> server(new RelayServer());
    server->m = std::make_unique<Impl>();
    auto& m = *server->m;
    m.shared = std::make_unique<Shared>(service, config);
    auto tls = makeTlsContext(config.certFile, config.keyFile);
    if (!tls) return tl::unexpected(tls.error());
    m.shared->tls = std::move(*tls);
    // Partial uploads of a previous run are removed and the blob sweep starts before any upload.
    if (!config.blobDir.empty() && !service.blobs().isOpen())
        if (auto r = service.blobs().open(config.blobDir); !r) return tl::unexpected(r.error());

    m.listener = std::make_shared<Listener>(m.ioc, *m.shared, false);
    auto port = m.listener->open(config.listenAddress, config.port);
    if (!port) return tl::unexpected(port.error());
    m.port = *port;
    m.admin = std::make_shared<Listener>(m.ioc, *m.shared, true);
    auto adminPort = m.admin->open(config.adminAddress, config.adminPort);
    if (!adminPort) return tl::unexpected(adminPort.error());
    m.adminPort = *adminPort;
    // One server per service: the scope ties the service's storage thread to this io_context.
    if (config.ioThreads <= 1) {
        service.storage().setCompletionScope([&ioc = m.ioc](const std::function<void()>& complete) {
            std::vector<std::shared_ptr<WebSocketSession>> sessions;
            {
                DeferredWakeups gathered;
                complete();
                sessions.swap(gathered.sessions);
            }
            if (sessions.empty()) return;
            net::post(ioc, [sessions = std::move(sessions)] {
                // One session's failure must not leave the others waiting for a wake-up.
                for (const auto& s : sessions) {
                    try {
                        s->takeInbox();
                    } catch (const std::exception& e) {
                        log::write(log::Level::Error, "net.handler_exception", {{"what", e.what()}});
                    }
                }
            });
        });
    }
    m.listener->run();
    m.admin->run();
    if (config.heartbeat && config.heartbeatInterval.count() > 0) {
        m.heartbeat = std::make_shared<Heartbeat>(m.ioc, config.heartbeat, config.heartbeatInterval);
        m.heartbeat->arm();
    }
    m.work.emplace(m.ioc.get_executor());
    for (int i = 0; i < std::max(1, config.ioThreads); ++i)
        m.threads.emplace_back([&ioc = m.ioc] {
            pthread_setname_np(pthread_self(), "vr-net");
            // No exception may escape a handler; if one does, log and keep serving.
            while (true) {
                try {
                    ioc.run();
                    return;
                } catch (const std::exception& e) {
                    log::write(log::Level::Error, "net.handler_exception", {{"what", e.what()}});
                }
            }
        });
    return server;
}

RelayServer::~RelayServer() { stop(); }

std::uint16_t RelayServer::port() const { return m->port; }
std::uint16_t RelayServer::adminPort() const { return m->adminPort; }

Result<void> RelayServer::reloadCertificate() {
    auto tls = makeTlsContext(m->shared->config.certFile, m->shared->config.keyFile);
    if (!tls) return tl::unexpected(tls.error());
    std::lock_guard lock(m->shared->tlsMutex);
    m->shared->tls = std::move(*tls);
    return {};
}

void RelayServer::stop() {
    if (!m || m->stopped) return;
    m->stopped = true;
    // start() may have failed half-way (a port in use): stop what exists.
    if (m->listener) m->listener->stop();
    if (m->admin) m->admin->stop();
    if (m->heartbeat) net::post(m->ioc, [hb = m->heartbeat] { hb->timer.cancel(); });
    m->work.reset();
    m->ioc.stop();
    for (auto& t : m->threads) t.join();
    // Storage completions may still hold sessions; let them all run while the io_context (which
    // the sessions' sockets belong to) is alive. Nothing new arrives: the I/O threads are gone.
    m->shared->service.storage().flush();
    m->shared->service.storage().setCompletionScope(nullptr);  // it refers to this server's io_context
}

}  // namespace verbatim::relay
