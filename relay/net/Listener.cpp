/// @file Listener.cpp
/// Accepts connections and starts a session for each (ServerState.h).

#include <boost/asio/strand.hpp>

#include "net/BeastNames.h"
#include "relay/net/ServerState.h"

namespace verbatim::relay {

// The acceptor on a strand of its own: with several I/O threads, stop() (posted from another
// thread) must not close it while an accept handler on another thread starts the next accept.
Listener::Listener(net::io_context& ioc, Shared& shared, bool admin)
    : m_ioc(ioc), m_acceptor(net::make_strand(ioc)), m_shared(shared), m_admin(admin) {}

Result<std::uint16_t> Listener::open(const std::string& address, std::uint16_t port) {
    beast::error_code ec;
    auto addr = net::ip::make_address(address, ec);
    if (ec) return fail(ErrorCode::InvalidArgument, "bad listen address");
    tcp::endpoint ep(addr, port);
    m_acceptor.open(ep.protocol(), ec);
    if (!ec) m_acceptor.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) m_acceptor.bind(ep, ec);
    if (!ec) m_acceptor.listen(net::socket_base::max_listen_connections, ec);
    if (ec)
        return fail(ErrorCode::Storage, "cannot listen on " + address + ":" + std::to_string(port) +
                                            ": " + ec.message());
    return m_acceptor.local_endpoint().port();
}

void Listener::run() {
    accept();
}

void Listener::stop() {
    net::post(m_acceptor.get_executor(), [self = shared_from_this()] {
        beast::error_code ec;
        self->m_acceptor.close(ec);
    });
}

void Listener::accept() {
    // With one I/O thread every handler already runs on it, one at a time: a strand per
    // connection would only add a queue and a lock to every post. Posts from the storage
    // thread go through the io_context, which is thread-safe.
    net::any_io_executor executor = m_shared.config.ioThreads <= 1
                                        ? net::any_io_executor(m_ioc.get_executor())
                                        : net::any_io_executor(net::make_strand(m_ioc));
    m_acceptor.async_accept(executor,
                            beast::bind_front_handler(&Listener::onAccept, shared_from_this()));
}

void Listener::onAccept(beast::error_code ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted) return;
    if (ec) {
        // EMFILE and friends: back off briefly instead of spinning, then keep accepting.
        failLog(ec, "accept");
        auto timer = std::make_shared<net::steady_timer>(m_acceptor.get_executor(),
                                                         std::chrono::milliseconds(50));
        timer->async_wait(
            [self = shared_from_this(), timer](beast::error_code) { self->accept(); });
        return;
    }
    if (m_admin) {
        startAdminSession(m_shared, std::move(socket));
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
        startHttpSession(m_shared, std::move(socket), ConnectionSlot(m_shared));
    }
    accept();
}

bool Listener::admitAddress(tcp::socket& socket) {
    beast::error_code ec;
    auto ep = socket.remote_endpoint(ec);
    if (ec) return false;
    return m_shared.connectLimiter.take("connect:" + ep.address().to_string(),
                                        m_shared.config.connectsPerAddress, monotonicMs()) == 0;
}

} // namespace verbatim::relay
