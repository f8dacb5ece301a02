#pragma once
/// @file ServerState.h
/// Private to relay/net: what the listener and the sessions share, laid out as Beast's
/// chat-multi example does (shared_state, listener, http_session, websocket_session), plus the
/// admin session. `Shared` holds the service, the configuration, the TLS context, counters and
/// each device's open sessions; each session class lives in its own file and is started through
/// the function declared here. Includes Beast and Asio: never include it from a public header.

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/thread_pool.hpp>

#include "common/Log.h"
#include "net/BeastNames.h"
#include "relay/net/RelayServer.h"
#include "relay/net/SocketTls.h"

namespace verbatim::relay {

using namespace verbatim::beastnames;

// Errors that only mean "the peer went away" or "we are shutting down": not worth a log line.
// operation_aborted comes from our own cancellations and timeouts; stream_truncated is a peer
// that closed TCP without a TLS close_notify, which is common and harmless here because every
// message is length-delimited by HTTP or WebSocket framing.
inline bool quietError(const beast::error_code& ec) {
    return ec == net::error::operation_aborted || ec == ssl::error::stream_truncated ||
           ec == beast::error::timeout || ec == websocket::error::closed ||
           ec == http::error::end_of_stream || ec == net::error::eof ||
           ec == net::error::connection_reset || ec == net::error::broken_pipe ||
           ec == net::error::bad_descriptor;
}

inline void failLog(const beast::error_code& ec, const char* what) {
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
    std::atomic<std::uint64_t> blobsStored{0}, accepted{0}, refused{0}, rateLimited{0},
        wsSessions{0}, framesIn{0}, framesOut{0}, wsWrites{0};
    /// Connections closed because they did not read (writeStallTimeout), sessions replaced by a
    /// newer one of their device, requests answered "relay busy".
    std::atomic<std::uint64_t> stalled{0}, replaced{0}, busy{0};
    /// Requests read from every connection and not answered yet (nearly all of them wait in the
    /// storage queue), and their bytes: maxPendingRequests and maxPendingRequestBytes.
    std::atomic<std::size_t> pendingRequests{0}, pendingRequestBytes{0};
    RateLimiter connectLimiter;
    /// Runs sends' checks (the journal-entry signature) off the I/O thread, one strand per
    /// connection (ServerConfig::verifyThreads); null when they run on the I/O thread.
    std::unique_ptr<net::thread_pool> verifyPool;
    /// Each device's open WebSocket sessions, oldest first (maxSessionsPerDevice).
    std::mutex sessionsMutex;
    std::map<std::pair<std::string, std::uint32_t>, std::vector<std::weak_ptr<WebSocketSession>>>
        deviceSessions;
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

inline std::string textBody(std::string_view s) {
    return std::string(s) + "\n";
}

/// Accepts connections on one address: TLS connections become HTTP sessions (at most
/// ServerConfig::maxConnections, and connectsPerAddress per client address); on the admin
/// listener, plain-HTTP admin sessions. Listener.cpp.
class Listener : public std::enable_shared_from_this<Listener> {
public:
    Listener(net::io_context& ioc, Shared& shared, bool admin);
    /// Binds and listens; returns the port (the one picked when `port` is 0).
    Result<std::uint16_t> open(const std::string& address, std::uint16_t port);
    void run();
    /// Closes the acceptor (any thread).
    void stop();

private:
    void accept();
    void onAccept(beast::error_code ec, tcp::socket socket);
    bool admitAddress(tcp::socket& socket);

    net::io_context& m_ioc;
    tcp::acceptor m_acceptor;
    Shared& m_shared;
    bool m_admin;
};

/// Starts the TLS handshake and serves registration, blobs and the WebSocket upgrade on an
/// accepted connection (HttpSession.cpp).
void startHttpSession(Shared& shared, tcp::socket&& socket, ConnectionSlot slot);
/// Serves /healthz and /metrics on an accepted admin connection (AdminSession.cpp).
void startAdminSession(Shared& shared, tcp::socket&& socket);
/// Takes over an authenticated connection and accepts its WebSocket upgrade `request`
/// (WebSocketSession.cpp). `batches`: the device asked for FrameBatch messages.
void startWebSocketSession(Shared& shared, SocketTlsStream&& stream, DeviceId device,
                           ConnectionSlot slot, bool batches,
                           http::request<http::string_body> request);
/// With one I/O thread: the sessions that a storage batch's completions queue frames for are
/// woken with one post to `ioc` when the batch is done (WebSocketSession.cpp).
void gatherWakeupsPerBatch(RelayService& service, net::io_context& ioc);

} // namespace verbatim::relay
