/// @file RelayServer.cpp
/// The server: the TLS context, the two listeners, the I/O threads and their heartbeat. The
/// listener and the sessions are in Listener.cpp, HttpSession.cpp, WebSocketSession.cpp and
/// AdminSession.cpp, sharing ServerState.h.
#include "relay/net/RelayServer.h"

#include <boost/asio/ssl.hpp>
#include <boost/asio/strand.hpp>
#include <pthread.h>
#include <sched.h>
#include <sys/resource.h>
#include <unistd.h>

#include "common/Try.h"
#include "net/BeastNames.h"
#include "relay/net/HttpPushSender.h"
#include "relay/net/ServerState.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <latch>
#include <optional>
#include <thread>

#include <openssl/err.h>

namespace verbatim::relay {

namespace {

// A server TLS context with the relay's protocol rules, the certificate chain and its key.
Result<std::shared_ptr<ssl::context>> makeTlsContext(const std::string& certFile,
                                                     const std::string& keyFile) {
    auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
    auto& tls = *ctx;
    tls.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                    ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                    ssl::context::single_dh_use | SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
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
        return fail(ErrorCode::NotFound, "cannot load TLS key " + keyFile + " for certificate " +
                                             certFile + ": " + reason);
    }
    if (SSL_CTX_check_private_key(tls.native_handle()) != 1)
        return fail(ErrorCode::InvalidArgument,
                    "TLS key " + keyFile + " does not match certificate " + certFile);
    return ctx;
}

// Calls ServerConfig::heartbeat every heartbeatInterval on the I/O thread.
struct Heartbeat : std::enable_shared_from_this<Heartbeat> {
    // On a strand: stop() cancels the timer from another thread than the one re-arming it.
    Heartbeat(net::io_context& ioc, std::function<void()> fn, std::chrono::milliseconds every)
        : timer(net::make_strand(ioc)), beat(std::move(fn)), interval(every) {}
    void arm() {
        timer.expires_after(interval);
        timer.async_wait([self = shared_from_this()](beast::error_code ec) {
            if (ec) return; // cancelled: the server is stopping
            self->beat();
            self->arm();
        });
    }
    net::steady_timer timer;
    std::function<void()> beat;
    std::chrono::milliseconds interval;
};

// The verify pool's threads are the relay's CPU hogs (an XEdDSA check per send); the storage
// thread and the PostgreSQL backends it waits on are latency-bound, a few round trips per send.
// On a saturated core every round trip would wait out a scheduler slice behind a check, so the
// pool runs as SCHED_BATCH at nice 5: checks take the CPU the others leave. Named vr-verify.
// Each of `threads` tasks blocks until all have started, so every thread gets exactly one.
void tuneVerifyPool(net::thread_pool& pool, int threads) {
    auto started = std::make_shared<std::latch>(threads);
    for (int i = 0; i < threads; ++i)
        net::post(pool, [started] {
            pthread_setname_np(pthread_self(), "vr-verify");
            sched_param none{};
            pthread_setschedparam(pthread_self(), SCHED_BATCH, &none);
            ::setpriority(PRIO_PROCESS, id_t(::gettid()), 5);
            started->arrive_and_wait();
        });
    started->wait();
}

} // namespace

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

Result<std::unique_ptr<RelayServer>> RelayServer::start(RelayService& service,
                                                        const ServerConfig& config) {
    std::unique_ptr<RelayServer> server(new RelayServer());
    server->m = std::make_unique<Impl>();
    auto& m = *server->m;
    m.shared = std::make_unique<Shared>(service, config);
    const int verifyThreads = config.verifyThreads < 0
                                  ? int(std::max(1u, std::thread::hardware_concurrency()))
                                  : config.verifyThreads;
    if (verifyThreads > 0) {
        m.shared->verifyPool = std::make_unique<net::thread_pool>(std::size_t(verifyThreads));
        tuneVerifyPool(*m.shared->verifyPool, verifyThreads);
    }
    VERBATIM_TRY_LET(tls, makeTlsContext(config.certFile, config.keyFile));
    m.shared->tls = std::move(*tls);
    // Partial uploads of a previous run are removed and the blob sweep starts before any upload.
    if (!config.blobDir.empty() && !service.blobs().isOpen())
        VERBATIM_TRY(service.blobs().open(config.blobDir));

    m.listener = std::make_shared<Listener>(m.ioc, *m.shared, false);
    VERBATIM_TRY_LET(port, m.listener->open(config.listenAddress, config.port));
    m.port = *port;
    m.admin = std::make_shared<Listener>(m.ioc, *m.shared, true);
    VERBATIM_TRY_LET(adminPort, m.admin->open(config.adminAddress, config.adminPort));
    m.adminPort = *adminPort;
    // One server per service: the scope ties the service's storage thread to this io_context.
    if (config.ioThreads <= 1) gatherWakeupsPerBatch(service, m.ioc);
    m.listener->run();
    m.admin->run();
    // UnifiedPush wake-ups (issue 23) go out through an HTTP client on a thread of its own.
    if (service.config().push.enabled) service.startPush(makeHttpPushSender(service.config().push));
    if (config.heartbeat && config.heartbeatInterval.count() > 0) {
        m.heartbeat =
            std::make_shared<Heartbeat>(m.ioc, config.heartbeat, config.heartbeatInterval);
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

RelayServer::~RelayServer() {
    stop();
}

std::uint16_t RelayServer::port() const {
    return m->port;
}
std::uint16_t RelayServer::adminPort() const {
    return m->adminPort;
}

Result<void> RelayServer::reloadCertificate() {
    VERBATIM_TRY_LET(tls, makeTlsContext(m->shared->config.certFile, m->shared->config.keyFile));
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
    if (m->heartbeat)
        net::post(m->heartbeat->timer.get_executor(), [hb = m->heartbeat] { hb->timer.cancel(); });
    m->work.reset();
    m->ioc.stop();
    for (auto& t : m->threads)
        t.join();
    // Checks still queued on the pool run and post their sends; nothing new comes in.
    if (m->shared->verifyPool) m->shared->verifyPool->join();
    // Storage completions may still hold sessions; let them all run while the io_context (which
    // the sessions' sockets belong to) is alive. Nothing new arrives: the I/O threads are gone.
    m->shared->service.storage().flush();
    m->shared->service.storage().setCompletionScope(
        nullptr); // it refers to this server's io_context
}

} // namespace verbatim::relay
