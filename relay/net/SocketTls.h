#pragma once
/// @file SocketTls.h
/// A TLS stream in which OpenSSL reads and writes the TCP socket itself. It is used in place of
/// `beast::ssl_stream<beast::tcp_stream>`, which routes every byte through a BIO pair and two
/// record buffers: about 34 KiB per connection held for the connection's whole life, and two
/// extra copies of every byte.
///
/// Here nothing is buffered while a connection is idle. A read that would block waits for the
/// socket to become readable (`async_wait`) without a buffer, and OpenSSL gives its record
/// buffers back between records (SSL_MODE_RELEASE_BUFFERS, set on the context).
///
/// It models Asio's AsyncReadStream and AsyncWriteStream, so Beast's HTTP and WebSocket code run
/// over it unchanged. Timeouts: `expires_after` arms one deadline for the operations that follow
/// (as `beast::tcp_stream` does); the WebSocket layer brings its own timer and closes the socket
/// (`next_layer()`) when a peer goes quiet.
///
/// Every operation runs on the socket's executor; calls on one stream must not overlap from
/// several threads (one read and one write may be outstanding at a time, as with any Asio
/// stream). Internal to relay/net: includes Asio and OpenSSL.

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/async_base.hpp>
#include <boost/beast/core/buffers_range.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/role.hpp>

#include <openssl/ssl.h>

#include <chrono>
#include <cstring>
#include <memory>
#include <string>

namespace verbatim::relay {

class SocketTlsStream {
    using tcp = boost::asio::ip::tcp;
    using error_code = boost::beast::error_code;

public:
    using executor_type = boost::asio::any_io_executor;

    /// Takes the accepted socket; `ctx` provides certificate, protocol versions and modes.
    /// Throws std::bad_alloc if OpenSSL cannot allocate a session.
    SocketTlsStream(tcp::socket&& socket, SSL_CTX* ctx);
    SocketTlsStream(SocketTlsStream&&) noexcept = default;
    SocketTlsStream& operator=(SocketTlsStream&&) noexcept = default;
    ~SocketTlsStream() = default;

    executor_type get_executor() noexcept { return m->socket.get_executor(); }
    /// The TCP socket. Named `next_layer` so that `beast::get_lowest_layer` (and with it the
    /// WebSocket layer's timeout, which closes the socket) finds it.
    tcp::socket& next_layer() noexcept { return m->socket; }
    tcp::socket& socket() noexcept { return m->socket; }

    /// Operations pending when `d` has passed, and any started after, fail with
    /// beast::error::timeout. Replaces any earlier deadline.
    void expires_after(std::chrono::steady_clock::duration d);
    void expires_never();

    template <class Handler> auto async_handshake(Handler&& handler) {
        return initiate<Handler, void(error_code)>(Kind::Handshake, nullptr, 0,
                                                   std::forward<Handler>(handler));
    }

    /// Reads into the first non-empty buffer: at most one TLS record's worth.
    template <class MutableBufferSequence, class Handler>
    auto async_read_some(const MutableBufferSequence& buffers, Handler&& handler) {
        for (auto b : boost::beast::buffers_range_ref(buffers))
            if (b.size() > 0)
                return initiate<Handler, void(error_code, std::size_t)>(
                    Kind::Read, b.data(), b.size(), std::forward<Handler>(handler));
        return initiate<Handler, void(error_code, std::size_t)>(Kind::Read, nullptr, 0,
                                                                std::forward<Handler>(handler));
    }

    /// Writes up to one TLS record. A sequence of several small buffers (a WebSocket header and
    /// its payload) goes out as one record, not one per buffer.
    template <class ConstBufferSequence, class Handler>
    auto async_write_some(const ConstBufferSequence& buffers, Handler&& handler) {
        const void* first = nullptr;
        std::size_t firstSize = 0, total = 0, pieces = 0;
        for (auto b : boost::beast::buffers_range_ref(buffers)) {
            if (b.size() == 0) continue;
            if (!first) first = b.data(), firstSize = b.size();
            total += b.size();
            ++pieces;
        }
        if (pieces <= 1 || firstSize >= kRecord)
            return initiate<Handler, void(error_code, std::size_t)>(Kind::Write, first, firstSize,
                                                                    std::forward<Handler>(handler));
        // Gather into one record. The copy belongs to the operation: OpenSSL requires a retried
        // write to present the same bytes.
        auto gathered = std::make_shared<std::string>(std::min(total, kRecord), '\0');
        std::size_t at = 0;
        for (auto b : boost::beast::buffers_range_ref(buffers)) {
            std::size_t n = std::min(b.size(), gathered->size() - at);
            std::memcpy(gathered->data() + at, b.data(), n);
            at += n;
            if (at == gathered->size()) break;
        }
        const void* data = gathered->data(); // taken before `gathered` is moved into the call
        const std::size_t size = gathered->size();
        return initiate<Handler, void(error_code, std::size_t)>(
            Kind::Write, data, size, std::forward<Handler>(handler), std::move(gathered));
    }

    /// Ends the connection politely: close_notify, then a TCP FIN, then reads and discards what
    /// the peer still sends until it closes its side (or the deadline passes, or the socket is
    /// closed under us), then closes. Closing with unread bytes would make the kernel send a
    /// reset, and a reset can destroy our last response (a 413, a WebSocket close frame) before
    /// the peer has read it. Always completes with success.
    template <class Handler> auto async_close_gracefully(Handler&& handler) {
        return boost::asio::async_initiate<Handler, void(error_code)>(
            [core = m](auto&& h) mutable {
                DrainOp<std::decay_t<decltype(h)>>(std::forward<decltype(h)>(h), std::move(core))
                    .start();
            },
            handler);
    }

    /// Synchronous close_notify + close, for Beast's synchronous WebSocket teardown.
    void shutdownAndClose(error_code& ec);

private:
    static constexpr std::size_t kRecord = 16 * 1024;
    enum class Kind { Handshake, Read, Write };

    struct Core {
        Core(tcp::socket&& s, SSL_CTX* ctx);
        ~Core();
        Core(const Core&) = delete;
        Core& operator=(const Core&) = delete;
        tcp::socket socket;
        boost::asio::steady_timer timer;
        SSL* ssl = nullptr;
        bool timedOut = false;
    };

    // One attempt at the OpenSSL call behind an operation. Returns true when the operation is
    // finished (ec and n say how); otherwise `wait` says which readiness to wait for.
    static bool attempt(Core& core, Kind kind, const void* data, std::size_t size, error_code& ec,
                        std::size_t& n, boost::asio::socket_base::wait_type& wait);
    static error_code precondition(const Core& core);

    template <class Handler, bool WithSize>
    class Op : public boost::beast::async_base<std::decay_t<Handler>, executor_type> {
    public:
        template <class H>
        Op(H&& h, std::shared_ptr<Core> core, Kind kind, const void* data, std::size_t size,
           std::shared_ptr<std::string> owned)
            : boost::beast::async_base<std::decay_t<Handler>, executor_type>(
                  std::forward<H>(h), core->socket.get_executor()),
              m_core(std::move(core)), m_kind(kind), m_data(data), m_size(size),
              m_owned(std::move(owned)) {}

        void start() { step({}, false); }
        void operator()(error_code ec) { // the socket became ready (or the wait failed)
            if (ec == boost::asio::error::operation_aborted && m_core->timedOut)
                ec = boost::beast::error::timeout;
            step(ec, true);
        }

    private:
        void step(error_code ec, bool continuation) {
            std::size_t n = 0;
            if (!ec) ec = precondition(*m_core);
            // Reading or writing nothing completes at once, as on a socket: a zero-length read
            // must not wait for a record to arrive.
            if (!ec && !(m_kind != Kind::Handshake && m_size == 0)) {
                boost::asio::socket_base::wait_type wait{};
                if (!attempt(*m_core, m_kind, m_data, m_size, ec, n, wait)) {
                    auto& socket = m_core->socket;
                    socket.async_wait(wait, std::move(*this));
                    return;
                }
            }
            finish(continuation, ec, n);
        }
        void finish(bool continuation, error_code ec, std::size_t n) {
            if constexpr (WithSize)
                this->complete(continuation, ec, n);
            else
                this->complete(continuation, ec);
        }

        std::shared_ptr<Core> m_core;
        Kind m_kind;
        const void* m_data;
        std::size_t m_size;
        std::shared_ptr<std::string> m_owned;
    };

    // One non-blocking attempt at close_notify, then shutdown(SHUT_WR).
    static void sayGoodbye(Core& core);
    // Reads and discards; true when the peer has closed (or the socket failed), false when a read
    // would block.
    static bool discardInput(Core& core);
    static void closeSocket(Core& core);

    template <class Handler>
    class DrainOp : public boost::beast::async_base<Handler, executor_type> {
    public:
        template <class H>
        DrainOp(H&& h, std::shared_ptr<Core> core)
            : boost::beast::async_base<Handler, executor_type>(std::forward<H>(h),
                                                               core->socket.get_executor()),
              m_core(std::move(core)) {}
        void start() {
            sayGoodbye(*m_core);
            step({}, false);
        }
        void operator()(error_code ec) { step(ec, true); }

    private:
        void step(error_code ec, bool continuation) {
            if (!ec && !precondition(*m_core) && !discardInput(*m_core)) {
                auto& socket = m_core->socket;
                socket.async_wait(boost::asio::socket_base::wait_read, std::move(*this));
                return;
            }
            closeSocket(*m_core);
            this->complete(continuation, error_code{});
        }
        std::shared_ptr<Core> m_core;
    };

    template <class Handler, class Signature>
    auto initiate(Kind kind, const void* data, std::size_t size, Handler&& handler,
                  std::shared_ptr<std::string> owned = nullptr) {
        return boost::asio::async_initiate<Handler, Signature>(
            [core = m, kind, data, size, owned = std::move(owned)](auto&& h) mutable {
                constexpr bool withSize = !std::is_same_v<Signature, void(error_code)>;
                Op<std::decay_t<decltype(h)>, withSize>(std::forward<decltype(h)>(h),
                                                        std::move(core), kind, data, size,
                                                        std::move(owned))
                    .start();
            },
            handler);
    }

    std::shared_ptr<Core> m;
};

// Beast's WebSocket close handshake ends with a "teardown" of the layer below, found by
// argument-dependent lookup.
void teardown(boost::beast::role_type, SocketTlsStream& stream, boost::beast::error_code& ec);

template <class Handler>
void async_teardown(boost::beast::role_type, SocketTlsStream& stream, Handler&& handler) {
    stream.async_close_gracefully(std::forward<Handler>(handler));
}

} // namespace verbatim::relay
