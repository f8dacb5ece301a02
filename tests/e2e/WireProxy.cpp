#include "WireProxy.h"

#include <utility> // before Asio: Boost 1.74 uses std::exchange without it

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include <array>
#include <deque>
#include <mutex>
#include <sstream>
#include <thread>

#include "wire.pb.h"

namespace verbatim::e2e {

namespace net = boost::asio;
namespace ssl = net::ssl;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

namespace {

constexpr std::size_t kBodyLimit = 64 * 1024 * 1024;

/// One WebSocket frame taken off the front of a byte stream (RFC 6455 section 5.2).
struct WsFrame {
    bool fin = false;
    int opcode = 0;
    std::string payload; ///< unmasked
    std::string raw;     ///< the frame's bytes as they came
};

bool nextFrame(std::string& buf, WsFrame& f) {
    if (buf.size() < 2) return false;
    const auto b0 = std::uint8_t(buf[0]), b1 = std::uint8_t(buf[1]);
    std::size_t pos = 2;
    std::uint64_t len = b1 & 0x7f;
    if (len == 126) {
        if (buf.size() < 4) return false;
        len = (std::uint64_t(std::uint8_t(buf[2])) << 8) | std::uint8_t(buf[3]);
        pos = 4;
    } else if (len == 127) {
        if (buf.size() < 10) return false;
        len = 0;
        for (int i = 0; i < 8; ++i)
            len = (len << 8) | std::uint8_t(buf[2 + i]);
        pos = 10;
    }
    std::array<std::uint8_t, 4> mask{};
    const bool masked = b1 & 0x80;
    if (masked) {
        if (buf.size() < pos + 4) return false;
        for (int i = 0; i < 4; ++i)
            mask[i] = std::uint8_t(buf[pos + i]);
        pos += 4;
    }
    if (buf.size() - pos < len) return false;
    f.fin = b0 & 0x80;
    f.opcode = b0 & 0x0f;
    f.payload = buf.substr(pos, len);
    if (masked)
        for (std::size_t i = 0; i < f.payload.size(); ++i)
            f.payload[i] = char(std::uint8_t(f.payload[i]) ^ mask[i % 4]);
    f.raw = buf.substr(0, pos + len);
    buf.erase(0, pos + len);
    return true;
}

/// A final, unmasked binary frame (the relay's direction) holding `payload`.
std::string serverFrame(const std::string& payload) {
    std::string out(1, char(0x82));
    const std::uint64_t n = payload.size();
    if (n < 126) {
        out += char(n);
    } else if (n < 65536) {
        out += char(126);
        out += char(n >> 8);
        out += char(n & 0xff);
    } else {
        out += char(127);
        for (int i = 7; i >= 0; --i)
            out += char((n >> (8 * i)) & 0xff);
    }
    return out + payload;
}

} // namespace

struct WireProxy::State {
    std::mutex mutex;
    std::optional<std::string> manifestType, manifestBody, refusal, success;
    int retyped = 0, rewritten = 0;
    std::vector<std::string> clientMessages;
    std::vector<std::string> requestHeads;

    ssl::context serverTls{ssl::context::tls_server};
    ssl::context clientTls{ssl::context::tls_client};
    net::io_context io; // after the contexts: destroyed first, with every connection
    tcp::acceptor acceptor{io};
    tcp::endpoint relay;
    std::uint16_t port = 0;
    bool ok = false;
    std::thread thread;

    void accept();

    /// Rewrites the text of one answer; says whether it changed.
    bool rewrite(proto::Response& r) {
        std::lock_guard lock(mutex);
        const auto& text = r.status() == proto::STATUS_OK ? success : refusal;
        if (!text) return false;
        r.set_error(*text);
        ++rewritten;
        return true;
    }
    bool rewrite(proto::Frame& f) {
        bool changed = false;
        if (f.has_response()) changed |= rewrite(*f.mutable_response());
        if (f.has_batch())
            for (auto& inner : *f.mutable_batch()->mutable_frames())
                changed |= rewrite(inner);
        return changed;
    }
    void rewrite(const std::string& target, http::response<http::string_body>& res) {
        std::lock_guard lock(mutex);
        if (target == "/v1/manifest" && manifestType) {
            if (manifestType->empty())
                res.erase(http::field::content_type);
            else
                res.set(http::field::content_type, *manifestType);
            ++retyped;
        }
        if (target == "/v1/manifest" && manifestBody && res.result() == http::status::ok)
            res.body() = *manifestBody;
        if (res.result() != http::status::ok && refusal) {
            res.body() = *refusal;
            ++rewritten;
        }
    }
};

namespace {

/// One client connection: TLS from the client, TLS to the relay, one HTTP exchange, and for a
/// WebSocket upgrade the frames both ways until either side closes.
class Conn : public std::enable_shared_from_this<Conn> {
public:
    Conn(WireProxy::State& s, tcp::socket socket)
        : m_s(s), m_down(std::move(socket), s.serverTls), m_up(s.io, s.clientTls) {}

    void start() {
        m_down.async_handshake(ssl::stream_base::server, [self = shared_from_this()](auto ec) {
            if (ec) return self->close();
            self->m_up.next_layer().async_connect(self->m_s.relay, [self](auto ec) {
                if (ec) return self->close();
                self->m_up.async_handshake(ssl::stream_base::client, [self](auto ec) {
                    if (ec) return self->close();
                    self->readRequest();
                });
            });
        });
    }

private:
    void readRequest() {
        m_reqParser.emplace();
        m_reqParser->body_limit(kBodyLimit);
        http::async_read(m_down, m_downBuf, *m_reqParser,
                         [self = shared_from_this()](auto ec, std::size_t) {
                             if (ec) return self->close();
                             self->m_req = self->m_reqParser->release();
                             self->forwardRequest();
                         });
    }
    void forwardRequest() {
        m_upgrade = beast::websocket::is_upgrade(m_req);
        m_target = std::string(m_req.target());
        {
            // The request line and every header field, as the relay gets them.
            std::ostringstream head;
            head << m_req.base();
            std::lock_guard lock(m_s.mutex);
            m_s.requestHeads.push_back(head.str());
        }
        http::async_write(m_up, m_req, [self = shared_from_this()](auto ec, std::size_t) {
            if (ec) return self->close();
            self->m_resParser.emplace();
            self->m_resParser->body_limit(kBodyLimit);
            http::async_read(self->m_up, self->m_upBuf, *self->m_resParser,
                             [self](auto ec, std::size_t) {
                                 if (ec) return self->close();
                                 self->answer();
                             });
        });
    }
    void answer() {
        m_res = m_resParser->release();
        const bool pump = m_upgrade && m_res.result() == http::status::switching_protocols;
        if (!pump) {
            m_s.rewrite(m_target, m_res);
            m_res.keep_alive(false);
            m_res.prepare_payload();
        }
        http::async_write(m_down, m_res, [self = shared_from_this(), pump](auto ec, std::size_t) {
            if (ec || !pump) return self->close();
            self->startPump();
        });
    }

    void startPump() {
        // Bytes read past the HTTP heads already belong to the frames.
        fromClient(beast::buffers_to_string(m_downBuf.data()));
        fromRelay(beast::buffers_to_string(m_upBuf.data()));
        m_downBuf.consume(m_downBuf.size());
        m_upBuf.consume(m_upBuf.size());
        readDown();
        readUp();
    }
    void readDown() {
        m_down.async_read_some(net::buffer(m_downChunk),
                               [self = shared_from_this()](auto ec, std::size_t n) {
                                   if (ec) return self->close();
                                   self->fromClient(std::string(self->m_downChunk.data(), n));
                                   self->readDown();
                               });
    }
    void readUp() {
        m_up.async_read_some(net::buffer(m_upChunk),
                             [self = shared_from_this()](auto ec, std::size_t n) {
                                 if (ec) return self->close();
                                 self->fromRelay(std::string(self->m_upChunk.data(), n));
                                 self->readUp();
                             });
    }
    // The client's frames go to the relay unchanged; their messages are recorded.
    void fromClient(std::string bytes) {
        if (bytes.empty()) return;
        m_clientBytes += bytes;
        WsFrame f;
        while (nextFrame(m_clientBytes, f)) {
            if (f.opcode == 1 || f.opcode == 2)
                m_clientMessage = f.payload;
            else if (f.opcode == 0)
                m_clientMessage += f.payload;
            else
                continue; // control frames
            if (f.fin) {
                std::lock_guard lock(m_s.mutex);
                m_s.clientMessages.push_back(std::move(m_clientMessage));
                m_clientMessage.clear();
            }
        }
        send(m_toRelay, m_writingRelay, m_up, std::move(bytes));
    }
    // The relay's frames go to the client, a whole binary message rewritten when asked.
    void fromRelay(const std::string& bytes) {
        if (bytes.empty()) return;
        m_relayBytes += bytes;
        WsFrame f;
        std::string out;
        while (nextFrame(m_relayBytes, f)) {
            if (f.opcode == 2 && f.fin && !m_relayFragmented) {
                proto::Frame frame;
                if (frame.ParseFromString(f.payload) && m_s.rewrite(frame)) {
                    out += serverFrame(frame.SerializeAsString());
                    continue;
                }
            } else if (f.opcode == 1 || f.opcode == 2 || f.opcode == 0) {
                m_relayFragmented = !f.fin;
            }
            out += f.raw;
        }
        send(m_toClient, m_writingClient, m_down, std::move(out));
    }
    template <class Stream>
    void send(std::deque<std::string>& queue, bool& writing, Stream& to, std::string bytes) {
        if (bytes.empty()) return;
        queue.push_back(std::move(bytes));
        if (!writing) writeNext(queue, writing, to);
    }
    template <class Stream>
    void writeNext(std::deque<std::string>& queue, bool& writing, Stream& to) {
        if (queue.empty()) {
            writing = false;
            return;
        }
        writing = true;
        net::async_write(to, net::buffer(queue.front()),
                         [self = shared_from_this(), &queue, &writing, &to](auto ec, std::size_t) {
                             if (ec) return self->close();
                             queue.pop_front();
                             self->writeNext(queue, writing, to);
                         });
    }
    void close() {
        beast::error_code ignored;
        m_down.lowest_layer().close(ignored);
        m_up.lowest_layer().close(ignored);
    }

    WireProxy::State& m_s;
    ssl::stream<tcp::socket> m_down, m_up;
    beast::flat_buffer m_downBuf, m_upBuf;
    std::optional<http::request_parser<http::string_body>> m_reqParser;
    std::optional<http::response_parser<http::string_body>> m_resParser;
    http::request<http::string_body> m_req;
    http::response<http::string_body> m_res;
    std::string m_target;
    bool m_upgrade = false;
    std::array<char, 16384> m_downChunk{}, m_upChunk{};
    std::string m_clientBytes, m_clientMessage, m_relayBytes;
    bool m_relayFragmented = false;
    std::deque<std::string> m_toRelay, m_toClient;
    bool m_writingRelay = false, m_writingClient = false;
};

} // namespace

void WireProxy::State::accept() {
    acceptor.async_accept(io, [this](beast::error_code ec, tcp::socket socket) {
        if (ec) return; // closed: the proxy stops
        std::make_shared<Conn>(*this, std::move(socket))->start();
        accept();
    });
}

WireProxy::WireProxy(std::uint16_t relayPort, const std::string& certFile,
                     const std::string& keyFile)
    : m(std::make_shared<State>()) {
    beast::error_code ec;
    m->serverTls.use_certificate_chain_file(certFile, ec);
    if (!ec) m->serverTls.use_private_key_file(keyFile, ssl::context::pem, ec);
    if (ec) return;
    m->clientTls.set_verify_mode(ssl::verify_none); // the relay's own, behind us
    m->relay = tcp::endpoint(net::ip::make_address("127.0.0.1"), relayPort);
    const tcp::endpoint here(net::ip::make_address("127.0.0.1"), 0);
    m->acceptor.open(here.protocol(), ec);
    if (!ec) m->acceptor.bind(here, ec);
    if (!ec) m->acceptor.listen(net::socket_base::max_listen_connections, ec);
    if (ec) return;
    m->port = m->acceptor.local_endpoint().port();
    m->accept();
    m->thread = std::thread([s = m.get()] { s->io.run(); });
    m->ok = true;
}

WireProxy::~WireProxy() {
    m->io.stop();
    if (m->thread.joinable()) m->thread.join();
}

bool WireProxy::ok() const {
    return m->ok;
}

std::uint16_t WireProxy::port() const {
    return m->port;
}

void WireProxy::setManifestContentType(std::optional<std::string> type) {
    std::lock_guard lock(m->mutex);
    m->manifestType = std::move(type);
}

void WireProxy::setManifestBody(std::optional<std::string> body) {
    std::lock_guard lock(m->mutex);
    m->manifestBody = std::move(body);
}

int WireProxy::manifestsRetyped() const {
    std::lock_guard lock(m->mutex);
    return m->retyped;
}

void WireProxy::setAnswerTexts(std::optional<std::string> refusal,
                               std::optional<std::string> success) {
    std::lock_guard lock(m->mutex);
    m->refusal = std::move(refusal);
    m->success = std::move(success);
}

int WireProxy::answersRewritten() const {
    std::lock_guard lock(m->mutex);
    return m->rewritten;
}

std::vector<std::string> WireProxy::clientMessages() const {
    std::lock_guard lock(m->mutex);
    return m->clientMessages;
}

std::vector<std::string> WireProxy::requestHeads() const {
    std::lock_guard lock(m->mutex);
    return m->requestHeads;
}

} // namespace verbatim::e2e
