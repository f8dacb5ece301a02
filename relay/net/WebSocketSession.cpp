/// @file WebSocketSession.cpp
/// One authenticated device's WebSocket connection: requests in (with backpressure and the
/// storage queue's bound), responses and pushes out (one write in flight, optional FrameBatch),
/// the byte-capped weak PushSink the service pushes into, and sessions per device.

#include <google/protobuf/io/coded_stream.h>

#include <algorithm>
#include <deque>
#include <optional>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/strand.hpp>

#include "net/BeastNames.h"
#include "relay/net/ServerState.h"

namespace verbatim::relay {

namespace {

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

} // namespace

// What RelayService pushes into: holds the session weakly so that a closed session is simply
// gone; the byte counter bounds what a slow reader can make us buffer.
class SessionSink final : public PushSink {
public:
    SessionSink(std::weak_ptr<WebSocketSession> s, std::size_t limit)
        : m_session(std::move(s)), m_limit(limit) {}
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

    WebSocketSession(Shared& shared, SocketTlsStream&& stream, DeviceId device, ConnectionSlot slot,
                     bool batches)
        : m_shared(shared), m_ws(std::move(stream)), m_stallTimer(m_ws.get_executor()),
          m_closeTimer(m_ws.get_executor()), m_device(std::move(device)), m_slot(std::move(slot)),
          m_batches(batches) {
        if (m_shared.verifyPool) m_verifyStrand.emplace(net::make_strand(*m_shared.verifyPool));
    }

    void run(http::request<http::string_body> req) {
        ++m_shared.wsSessions;
        m_sink = std::make_shared<SessionSink>(weak_from_this(),
                                               m_shared.config.maxQueuedBytesPerConnection);
        m_ws.next_layer().expires_never(); // the websocket timeouts take over
        websocket::stream_base::timeout t{};
        t.handshake_timeout = std::chrono::seconds(30);
        t.idle_timeout = m_shared.config.idleTimeout;
        t.keep_alive_pings = true;
        m_ws.set_option(t);
        m_ws.read_message_max(m_shared.config.maxWebSocketMessage);
        m_ws.binary(true);
        m_ws.set_option(websocket::stream_base::decorator(
            [](websocket::response_type& res) { res.set(http::field::server, "verbatim-relay"); }));
        m_ws.async_accept(
            req, beast::bind_front_handler(&WebSocketSession::onAccept, shared_from_this()));
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
        if (frames.empty()) return; // an empty drain page: nothing to post
        {
            std::lock_guard lock(m_inboxMutex);
            for (auto& f : frames)
                m_inbox.push_back(std::move(f));
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
        // After closeWith() nothing new is queued: what the close follows is fixed (an envelope
        // dropped here stays in the device's queue until it is acknowledged).
        if (m_closeRequested) {
            for (auto& b : arrived)
                m_sink->queued -= std::min<std::size_t>(m_sink->queued, b->size());
            return;
        }
        const bool idle = m_outbox.empty();
        for (auto& b : arrived)
            m_outbox.push_back(std::move(b));
        if (idle && !m_outbox.empty() && m_open) writeNext();
        // Responses are never dropped, and backpressure keeps them under the limit but for the
        // answers already in flight when reading stopped: past it the peer is not keeping up.
        if (m_open && m_sink->queued.load() > m_shared.config.maxQueuedBytesPerConnection)
            return m_sink->close(1013, "too slow; reconnect to resume");
        maybeRead();
    }

    void closeWith(std::uint16_t code, std::string reason) {
        net::post(
            m_ws.get_executor(), [self = shared_from_this(), code, reason = std::move(reason)] {
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
                // The close frame goes after the frames already queued (a 400 answering a malformed
                // frame among them), never in front of them: onWrite starts it once they are out.
                self->m_closeReason = websocket::close_reason(websocket::close_code(code), reason);
                self->m_closeRequested = true;
                if (self->m_inWrite == 0 && self->m_outbox.empty()) self->startClose();
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
            std::erase_if(list,
                          [](const std::weak_ptr<WebSocketSession>& w) { return w.expired(); });
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
        m_stallTimer.async_wait(
            [self = shared_from_this()](beast::error_code ec) { self->onStallTimer(ec); });
    }

    void onStallTimer(beast::error_code ec) {
        m_stallArmed = false;
        if (ec || m_finished || !m_outputPaused) return;
        if (std::chrono::steady_clock::now() - m_progressAt < m_shared.config.writeStallTimeout)
            return armStallTimer(); // a write completed meanwhile: wait from it
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
        m_ws.async_read(m_buffer,
                        beast::bind_front_handler(&WebSocketSession::onRead, shared_from_this()));
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
        if (!m_ws.got_binary() || !frame.ParseFromArray(data.data(), int(data.size())) ||
            !frame.has_request()) {
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
        if (!m_device.wipeOnly && m_wipeOnly.load(std::memory_order_acquire))
            m_device.wipeOnly = true;
        // The answer holds the session: while reading waits for answers, nothing else may (no
        // read is pending, and no write when nothing is queued). The service always answers,
        // and a closed session only drops what it gets. Shared outlives every answer:
        // RelayServer::stop() flushes the storage thread first.
        Shared* const counters = &m_shared;
        auto answer = [self = shared_from_this(), id, size, counters](proto::Response response) {
            --counters->pendingRequests;
            counters->pendingRequestBytes -= size;
            self->onRequestDone(id, size, std::move(response));
        };
        // A send's checks (its journal-entry signature above all) run on the verify pool, so a
        // relay checks as many signatures at once as it has cores. The connection's strand there
        // keeps its requests in order: while one of its sends waits on the pool, every later
        // request of the connection queues behind it, so the storage queue gets them in the
        // order they were read.
        if (m_verifyStrand && (frame.request().has_send() || m_pooled.load() > 0)) {
            ++m_pooled;
            net::post(*m_verifyStrand, [self = shared_from_this(), device = m_device,
                                        request = std::move(*frame.mutable_request()),
                                        answer = std::move(answer)]() mutable {
                self->m_shared.service.handle(device, std::move(request), std::move(answer));
                --self->m_pooled;
            });
        } else {
            m_shared.service.handle(m_device, std::move(*frame.mutable_request()),
                                    std::move(answer));
        }
        maybeRead();
    }

    // Any thread: an answer came back.
    void onRequestDone(std::uint64_t id, std::size_t size, proto::Response response) {
        --m_inFlight;
        m_inFlightBytes -= size;
        // One-way (id 0): only a failure is worth a frame.
        if (id == 0 && response.status() == proto::STATUS_OK) {
            if (m_awaitingAnswers.load()) wake(); // reading waits for this answer
            return;
        }
        proto::Frame reply;
        reply.set_id(id);
        *reply.mutable_response() = std::move(response);
        send(reply); // its wake-up reads again if reading waited
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
            m_ws.async_write(
                net::buffer(*m_outbox.front()),
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
        m_batchBuffer.push_back(char(0x2A)); // Frame.batch: field 5, length-delimited
        appendVarint(m_batchBuffer, payload);
        for (std::size_t i = 0; i < m_inWrite; ++i) {
            m_batchBuffer.push_back(char(0x0A)); // FrameBatch.frames: field 1, length-delimited
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
        std::string().swap(m_batchBuffer); // an idle connection keeps no batch buffer
        if (!m_outbox.empty())
            writeNext();
        else if (m_closeRequested)
            startClose();
        maybeRead();
    }

    void startClose() {
        if (m_closeStarted) return;
        m_closeStarted = true;
        m_ws.async_close(m_closeReason,
                         [self = shared_from_this()](beast::error_code) { self->finish(); });
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
    net::steady_timer m_stallTimer; ///< writeStallTimeout while reading waits for the peer to read
    net::steady_timer m_closeTimer; ///< the close handshake's deadline
    DeviceId m_device;
    /// Set by SessionSink::restrictToWipe() on any thread; read on the session's executor, which
    /// alone touches m_device.
    std::atomic<bool> m_wipeOnly{false};
    ConnectionSlot m_slot;
    beast::flat_buffer m_buffer;
    std::deque<std::shared_ptr<const std::string>> m_outbox;
    std::mutex m_inboxMutex; ///< guards m_inbox and m_inboxPosted (enqueue runs on any thread)
    std::vector<std::shared_ptr<const std::string>> m_inbox;
    bool m_inboxPosted = false;
    std::shared_ptr<SessionSink> m_sink;
    static constexpr std::size_t kMaxBatchFrames = 64, kMaxBatchBytes = 256 * 1024;
    static constexpr std::size_t kKeptReadBuffer = 64 * 1024;
    const bool m_batches;      ///< the device asked for FrameBatch messages
    std::size_t m_inWrite = 0; ///< outbox entries in the write in progress
    std::string m_batchBuffer;
    bool m_open = false;
    bool m_finished = false;
    bool m_closeRequested = false; ///< closeWith() ran: close once the outbox is written
    bool m_closeStarted = false;
    websocket::close_reason m_closeReason;
    // Backpressure (maybeRead). The counters change on any thread (answers come back from the
    // storage thread); the rest only on the session's executor.
    std::atomic<std::size_t> m_inFlight{0}, m_inFlightBytes{0};
    std::atomic<bool> m_awaitingAnswers{false}; ///< reading waits for an answer to come back
    /// This connection's strand on the verify pool (Shared::verifyPool), and how many of its
    /// requests wait there: while any do, later ones queue behind them.
    std::optional<net::strand<net::thread_pool::executor_type>> m_verifyStrand;
    std::atomic<std::size_t> m_pooled{0};
    bool m_reading = false;      ///< a read is pending
    bool m_outputPaused = false; ///< reading waits for the peer to read
    bool m_stallArmed = false;
    std::chrono::steady_clock::time_point m_progressAt{}; ///< last write done, or the pause
};

bool SessionSink::push(const proto::Frame& frame) {
    return pushAll({&frame, 1});
}

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

void startWebSocketSession(Shared& shared, SocketTlsStream&& stream, DeviceId device,
                           ConnectionSlot slot, bool batches,
                           http::request<http::string_body> request) {
    auto ws = std::make_shared<WebSocketSession>(shared, std::move(stream), std::move(device),
                                                 std::move(slot), batches);
    ws->run(std::move(request));
}

void gatherWakeupsPerBatch(RelayService& service, net::io_context& ioc) {
    service.storage().setCompletionScope([&ioc](const std::function<void()>& complete) {
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

} // namespace verbatim::relay
