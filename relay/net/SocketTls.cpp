#include "relay/net/SocketTls.h"

#include <openssl/bio.h>
#include <openssl/err.h>

#include <cerrno>
#include <new>
#include <sys/socket.h>

namespace verbatim::relay {

namespace {

namespace net = boost::asio;
using tcp = net::ip::tcp;

// A BIO that reads and writes the stream's socket directly. It looks the descriptor up on every
// call, so once the socket is closed (a timeout, a teardown) OpenSSL can never touch a
// descriptor number that the kernel has since given to another connection. send() passes
// MSG_NOSIGNAL: a peer that has gone must not raise SIGPIPE.
tcp::socket* socketOf(BIO* bio) {
    return static_cast<tcp::socket*>(BIO_get_data(bio));
}

int bioWrite(BIO* bio, const char* data, int size) {
    BIO_clear_retry_flags(bio);
    auto* socket = socketOf(bio);
    if (!socket || !socket->is_open()) {
        errno = EBADF;
        return -1;
    }
    ssize_t n = ::send(socket->native_handle(), data, std::size_t(size), MSG_NOSIGNAL);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
        BIO_set_retry_write(bio);
    return int(n);
}

int bioRead(BIO* bio, char* out, int size) {
    BIO_clear_retry_flags(bio);
    auto* socket = socketOf(bio);
    if (!socket || !socket->is_open()) {
        errno = EBADF;
        return -1;
    }
    ssize_t n = ::recv(socket->native_handle(), out, std::size_t(size), 0);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
        BIO_set_retry_read(bio);
    return int(n);
}

long bioCtrl(BIO*, int cmd, long, void*) {
    // OpenSSL flushes after each record; there is nothing buffered here to flush.
    return cmd == BIO_CTRL_FLUSH ? 1 : 0;
}

int bioCreate(BIO* bio) {
    BIO_set_init(bio, 1);
    return 1;
}

const BIO_METHOD* socketMethod() {
    static const BIO_METHOD* method = [] {
        BIO_METHOD* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "verbatim-socket");
        if (!m || !BIO_meth_set_write(m, bioWrite) || !BIO_meth_set_read(m, bioRead) ||
            !BIO_meth_set_ctrl(m, bioCtrl) || !BIO_meth_set_create(m, bioCreate))
            throw std::bad_alloc();
        return m;
    }();
    return method;
}

} // namespace

SocketTlsStream::Core::Core(tcp::socket&& s, SSL_CTX* ctx)
    : socket(std::move(s)), timer(socket.get_executor()) {
    ssl = SSL_new(ctx);
    BIO* bio = ssl ? BIO_new(socketMethod()) : nullptr;
    if (!bio) {
        SSL_free(ssl);
        throw std::bad_alloc();
    }
    BIO_set_data(bio, &socket);
    SSL_set_bio(ssl, bio, bio); // the SSL owns the BIO
    SSL_set_accept_state(ssl);
    error_code ignored;
    socket.native_non_blocking(true, ignored);
}

SocketTlsStream::Core::~Core() {
    SSL_free(ssl);
}

SocketTlsStream::SocketTlsStream(tcp::socket&& socket, SSL_CTX* ctx)
    : m(std::make_shared<Core>(std::move(socket), ctx)) {}

void SocketTlsStream::expires_after(std::chrono::steady_clock::duration d) {
    m->timedOut = false;
    m->timer.expires_after(d);
    // A deadline replaced before its handler ran must not fire: the handler compares the
    // expiry it was armed for with the timer's current one.
    m->timer.async_wait([weak = std::weak_ptr<Core>(m), at = m->timer.expiry()](error_code ec) {
        auto core = weak.lock();
        if (ec || !core || core->timer.expiry() != at) return;
        core->timedOut = true;
        error_code ignored;
        core->socket.cancel(ignored);
    });
}

void SocketTlsStream::expires_never() {
    m->timedOut = false;
    m->timer.expires_at(net::steady_timer::time_point::max());
}

SocketTlsStream::error_code SocketTlsStream::precondition(const Core& core) {
    if (core.timedOut) return boost::beast::error::timeout;
    if (!core.socket.is_open()) return net::error::bad_descriptor;
    return {};
}

bool SocketTlsStream::attempt(Core& core, Kind kind, const void* data, std::size_t size,
                              error_code& ec, std::size_t& n, net::socket_base::wait_type& wait) {
    ERR_clear_error();
    std::size_t done = 0;
    int r = 0;
    switch (kind) {
    case Kind::Handshake:
        r = SSL_do_handshake(core.ssl);
        break;
    case Kind::Read:
        r = SSL_read_ex(core.ssl, const_cast<void*>(data), size, &done);
        break;
    case Kind::Write:
        r = SSL_write_ex(core.ssl, data, size, &done);
        break;
    }
    const int sysErr = errno;
    if (r == 1) {
        n = done;
        return true;
    }
    switch (SSL_get_error(core.ssl, r)) {
    case SSL_ERROR_WANT_READ:
        wait = net::socket_base::wait_read;
        return false;
    case SSL_ERROR_WANT_WRITE:
        wait = net::socket_base::wait_write;
        return false;
    case SSL_ERROR_ZERO_RETURN:
        ec = net::error::eof;
        break;
    case SSL_ERROR_SYSCALL:
        ec = sysErr ? error_code(sysErr, boost::system::system_category())
                    : error_code(net::ssl::error::stream_truncated);
        break;
    case SSL_ERROR_SSL: {
        unsigned long e = ERR_peek_error();
        // A peer that closes TCP without close_notify: reported as Asio's ssl::stream does.
        if (ERR_GET_LIB(e) == ERR_LIB_SSL &&
            ERR_GET_REASON(e) == SSL_R_UNEXPECTED_EOF_WHILE_READING)
            ec = net::ssl::error::stream_truncated;
        else if (e)
            ec = error_code(int(e), net::error::get_ssl_category());
        else
            ec = net::error::connection_aborted;
        break;
    }
    default:
        ec = net::error::fault;
        break;
    }
    ERR_clear_error();
    return true;
}

void SocketTlsStream::sayGoodbye(Core& core) {
    if (!core.socket.is_open()) return;
    ERR_clear_error();
    if (SSL_is_init_finished(core.ssl)) SSL_shutdown(core.ssl); // may not fit the socket: then none
    ERR_clear_error();
    error_code ignored;
    core.socket.shutdown(tcp::socket::shutdown_send, ignored);
}

bool SocketTlsStream::discardInput(Core& core) {
    char sink[4096];
    // Bounded per wake-up so that a peer which keeps sending cannot hold the I/O thread.
    for (int i = 0; i < 16; ++i) {
        ssize_t n = ::recv(core.socket.native_handle(), sink, sizeof sink, MSG_DONTWAIT);
        if (n > 0) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return false;
        return true; // end of stream, or an error: either way the peer is done
    }
    return false;
}

void SocketTlsStream::closeSocket(Core& core) {
    error_code ignored;
    core.socket.close(ignored);
}

void SocketTlsStream::shutdownAndClose(error_code& ec) {
    ec = {};
    sayGoodbye(*m);
    closeSocket(*m);
}

void teardown(boost::beast::role_type, SocketTlsStream& stream, boost::beast::error_code& ec) {
    stream.shutdownAndClose(ec);
}

} // namespace verbatim::relay
