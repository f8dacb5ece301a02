#pragma once
/// @file RelayServer.h
/// The relay's network front: a TLS listener (HTTP/1.1 for registration, WebSocket for devices)
/// and a plain-HTTP admin listener on loopback (/healthz, /metrics). No Beast or Asio in this
/// header: they are compiled once, in relay/net.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "relay/core/RelayService.h"

namespace verbatim::relay {

struct ServerConfig {
    std::string listenAddress = "127.0.0.1";
    std::uint16_t port = 0; ///< 0 picks a free port (see RelayServer::port)
    std::string adminAddress = "127.0.0.1";
    std::uint16_t adminPort = 0;
    std::string certFile; ///< PEM
    std::string keyFile;  ///< PEM
    std::size_t maxConnections = 20000;
    /// New connections per client address (a reconnect storm or a scanner is cut here, before
    /// TLS costs anything).
    BucketSpec connectsPerAddress{100, 20};
    std::size_t maxWebSocketMessage = 4 * 1024 * 1024;
    std::size_t maxHttpBody = 256 * 1024;
    std::size_t maxHttpHeader = 8 * 1024;
    /// Where attachment blobs live (one file each); empty disables the blob endpoints.
    std::string blobDir;
    std::uint64_t maxBlobBytes = 100ull * 1024 * 1024;
    std::chrono::seconds blobTimeout{300};
    /// Bytes of responses and pushes queued for one connection, not yet written. A push past it
    /// is refused (the connection closes with 1013 and the queue stays for the next one); a
    /// response past it closes the connection the same way.
    std::size_t maxQueuedBytesPerConnection = 8 * 1024 * 1024;
    /// Backpressure: while a connection has this many bytes queued for it, the relay reads no
    /// further request from it; reading resumes below half of it. A peer that sends requests
    /// and never reads the answers is held here, at a bounded cost.
    std::size_t writeHighWater = 1024 * 1024;
    /// A connection held by writeHighWater whose writes make no progress for this long is closed
    /// (the socket, since a close frame could not get through either).
    std::chrono::seconds writeStallTimeout{30};
    /// Requests of one connection read and not yet answered (most wait for the storage thread),
    /// by count and by size: at either limit the relay reads no further request from it until
    /// answers come back.
    std::size_t maxRequestsInFlight = 128;
    std::size_t maxRequestBytesInFlight = 8 * 1024 * 1024;
    /// The same over all connections, which bounds the storage queue in total. A request read
    /// while the relay is over either limit is not run: it is answered STATUS_UNAVAILABLE
    /// ("relay busy") with retry_after_ms = busyRetryAfter, and the client retries.
    std::size_t maxPendingRequests = 16384;
    std::size_t maxPendingRequestBytes = 256 * 1024 * 1024;
    std::chrono::milliseconds busyRetryAfter{1000};
    /// WebSocket sessions one device may hold at once. A new session closes the oldest beyond it
    /// with close code 4409 ("replaced by a newer connection"): a reconnect always wins over the
    /// half-dead session it replaces. The relay pushes live to one session per device (the
    /// newest), so more than one would leave the others deaf to live messages.
    std::size_t maxSessionsPerDevice = 1;
    std::chrono::seconds handshakeTimeout{10};
    std::chrono::seconds idleTimeout{60};
    /// Threads that run the network (`serve --io-threads`, one per core there). Above one, each
    /// connection's handlers run on a strand of its own (Listener.cpp), so a session's state is
    /// used by one thread at a time; with one, there is no strand and a storage batch wakes its
    /// sessions with one post (gatherWakeupsPerBatch).
    int ioThreads = 1;
    /// Threads that run each send's checks before storage, the journal-entry signature above all
    /// (issue 20): -1 is one per core (std::thread::hardware_concurrency), 0 runs them on the I/O
    /// thread as before. A connection's requests still reach the storage queue in the order it
    /// sent them (one strand per connection), so a device's sends keep their order.
    int verifyThreads = -1;
    /// Called every `heartbeatInterval` on an I/O thread (0: never). The service manager's
    /// watchdog is fed from here, so a wedged network loop stops the pings. Must not block.
    std::function<void()> heartbeat;
    std::chrono::milliseconds heartbeatInterval{0};
};

class RelayServer {
public:
    /// Binds both listeners and starts the I/O threads. `service` must outlive the server.
    [[nodiscard]] static Result<std::unique_ptr<RelayServer>> start(RelayService& service,
                                                                    const ServerConfig& config);
    ~RelayServer();
    RelayServer(const RelayServer&) = delete;
    RelayServer& operator=(const RelayServer&) = delete;

    std::uint16_t port() const;
    std::uint16_t adminPort() const;
    /// Reads `certFile` and `keyFile` again into a new TLS context that every connection
    /// accepted afterwards uses; connections already open keep the one they were made with.
    /// A file that cannot be read or parsed, or a key that does not match the certificate,
    /// leaves the current certificate in place and returns why (file names, OpenSSL's reason).
    /// Thread-safe (SIGHUP handling calls it from the main thread).
    [[nodiscard]] Result<void> reloadCertificate();
    /// Closes the listeners and every connection, then joins the I/O threads. Idempotent.
    void stop();

    struct Impl;

private:
    RelayServer() = default;
    std::unique_ptr<Impl> m;
};

} // namespace verbatim::relay
