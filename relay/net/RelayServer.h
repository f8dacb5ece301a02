#pragma once
/// @file RelayServer.h
/// The relay's network front: a TLS listener (HTTP/1.1 for registration, WebSocket for devices)
/// and a plain-HTTP admin listener on loopback (/healthz, /metrics). No Beast or Asio in this
/// header: they are compiled once, in relay/net.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "relay/core/RelayService.h"

namespace verbatim::relay {

struct ServerConfig {
    std::string listenAddress = "127.0.0.1";
    std::uint16_t port = 0;            ///< 0 picks a free port (see RelayServer::port)
    std::string adminAddress = "127.0.0.1";
    std::uint16_t adminPort = 0;
    std::string certFile;              ///< PEM
    std::string keyFile;               ///< PEM
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
    std::size_t maxQueuedBytesPerConnection = 8 * 1024 * 1024;
    std::chrono::seconds handshakeTimeout{10};
    std::chrono::seconds idleTimeout{60};
    int ioThreads = 1;
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
    /// Closes the listeners and every connection, then joins the I/O threads. Idempotent.
    void stop();

    struct Impl;

private:
    RelayServer() = default;
    std::unique_ptr<Impl> m;
};

}  // namespace verbatim::relay
