/// @file HttpPushSender.cpp
/// UnifiedPush POSTs over HTTP/1.1 (HttpPushSender.h): one exchange object per push, on the
/// sender's own io_context and thread, as Beast's async client examples do.
#include "relay/net/HttpPushSender.h"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/ssl.hpp>
#include <pthread.h>

#include "net/BeastNames.h"

#include <atomic>
#include <optional>
#include <thread>

#include <openssl/ssl.h>

namespace verbatim::relay {

using namespace beastnames;

namespace {

using Report = PushSender::Report;
using Outcome = PushSender::Outcome;

Report reportFor(unsigned status) {
    Report r;
    r.status = int(status);
    if (status >= 200 && status < 300) {
        r.outcome = Outcome::Delivered;
    } else if (status == 404 || status == 410) {
        r.outcome = Outcome::Gone;
    } else {
        r.outcome = Outcome::Failed;
        r.reason = status >= 300 && status < 400 ? "redirect not followed" : "push service refused";
    }
    return r;
}

Report failed(std::string reason) {
    Report r;
    r.outcome = Outcome::Failed;
    r.reason = std::move(reason);
    return r;
}

// One POST. `Stream` is beast::tcp_stream (http to loopback) or ssl_stream over it (https).
template <class Stream> class Exchange : public std::enable_shared_from_this<Exchange<Stream>> {
public:
    Exchange(net::io_context& ioc, Stream stream, PushUrl url, const PushPolicy& policy,
             std::uint32_t ttl, std::function<void(Report)> done)
        : m_resolver(ioc), m_deadline(ioc), m_stream(std::move(stream)), m_url(std::move(url)),
          m_timeout(policy.timeout), m_allowLoopback(policy.allowLoopback), m_ttl(ttl),
          m_done(std::move(done)) {}

    void start() {
        auto self = this->shared_from_this();
        // The resolver has no timeout of its own; the stream's covers the rest of the exchange.
        m_deadline.expires_after(m_timeout);
        m_deadline.async_wait([self](beast::error_code ec) {
            if (!ec) self->m_resolver.cancel();
        });
        m_resolver.async_resolve(m_url.host, std::to_string(m_url.port),
                                 [self](beast::error_code ec, tcp::resolver::results_type r) {
                                     self->onResolve(ec, std::move(r));
                                 });
    }

private:
    void onResolve(beast::error_code ec, tcp::resolver::results_type results) {
        m_deadline.cancel();
        if (ec)
            return finish(failed(ec == net::error::operation_aborted ? "timed out resolving"
                                                                     : "cannot resolve"));
        // Every address the name resolved to is checked, and only those are connected to: a
        // name that resolves to a private address (or to several, one of them private) is
        // refused, however it was registered.
        for (const auto& entry : results) {
            const auto address = entry.endpoint().address();
            bool allowed = false;
            if (address.is_v4()) {
                const auto bytes = address.to_v4().to_bytes();
                allowed = pushAddressAllowed(bytes, m_allowLoopback);
            } else {
                const auto bytes = address.to_v6().to_bytes();
                allowed = pushAddressAllowed(bytes, m_allowLoopback);
            }
            // Plain http is for a receiver on this machine only.
            if (!m_url.tls && !address.is_loopback()) allowed = false;
            if (!allowed) {
                Report r;
                r.outcome = Outcome::Refused;
                r.reason = "the name resolved to a loopback, private, link-local, multicast or "
                           "unspecified address";
                return finish(std::move(r));
            }
        }
        auto& lowest = beast::get_lowest_layer(m_stream);
        lowest.expires_after(m_timeout);
        lowest.async_connect(
            results, [self = this->shared_from_this()](beast::error_code ec, const tcp::endpoint&) {
                self->onConnect(ec);
            });
    }

    void onConnect(beast::error_code ec) {
        if (ec)
            return finish(
                failed(ec == beast::error::timeout ? "timed out connecting" : "cannot connect"));
        if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
            write();
        } else {
            // The push service proves its name with a certificate the system trusts.
            if (!m_url.hostIsIp)
                SSL_set_tlsext_host_name(m_stream.native_handle(), m_url.host.c_str());
            m_stream.set_verify_mode(ssl::verify_peer);
            m_stream.set_verify_callback(ssl::host_name_verification(m_url.host));
            m_stream.async_handshake(ssl::stream_base::client,
                                     [self = this->shared_from_this()](beast::error_code ec) {
                                         if (ec)
                                             return self->finish(failed("TLS handshake failed"));
                                         self->write();
                                     });
        }
    }

    void write() {
        m_request.method(http::verb::post);
        m_request.target(m_url.target);
        m_request.version(11);
        const bool v6 = m_url.host.find(':') != std::string::npos;
        const std::string host = v6 ? "[" + m_url.host + "]" : m_url.host;
        const bool defaultPort = m_url.port == (m_url.tls ? 443 : 80);
        m_request.set(http::field::host,
                      defaultPort ? host : host + ":" + std::to_string(m_url.port));
        m_request.set(http::field::user_agent, "verbatim-relay");
        m_request.set(http::field::content_type, "application/json");
        // RFC 8030: how long the push service keeps the message, and that it is worth waking for.
        m_request.set("TTL", std::to_string(m_ttl));
        m_request.set("Urgency", "high");
        m_request.body() = std::string(kPushBody);
        m_request.prepare_payload();
        http::async_write(m_stream, m_request,
                          [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                              if (ec) return self->finish(failed("cannot send the request"));
                              self->read();
                          });
    }

    void read() {
        m_parser.emplace();
        m_parser->header_limit(8192);
        m_parser->body_limit(8192);
        http::async_read(m_stream, m_buffer, *m_parser,
                         [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                             // A status line read is enough: the body is not used.
                             if (self->m_parser->is_header_done())
                                 return self->finish(reportFor(self->m_parser->get().result_int()));
                             self->finish(failed(ec == beast::error::timeout
                                                     ? "timed out waiting for the answer"
                                                     : "no answer"));
                         });
    }

    void finish(Report report) {
        if (m_finished) return;
        m_finished = true;
        m_deadline.cancel();
        beast::error_code ignored;
        beast::get_lowest_layer(m_stream).socket().close(ignored);
        m_done(std::move(report));
    }

    tcp::resolver m_resolver;
    net::steady_timer m_deadline;
    Stream m_stream;
    PushUrl m_url;
    std::chrono::milliseconds m_timeout;
    bool m_allowLoopback;
    std::uint32_t m_ttl;
    std::function<void(Report)> m_done;
    http::request<http::string_body> m_request;
    std::optional<http::response_parser<http::string_body>> m_parser;
    beast::flat_buffer m_buffer;
    bool m_finished = false;
};

class HttpPushSender final : public PushSender {
public:
    explicit HttpPushSender(const PushPolicy& policy)
        : m_policy(policy), m_tls(ssl::context::tls_client), m_work(m_ioc.get_executor()) {
        m_tls.set_default_verify_paths();
        m_tls.set_verify_mode(ssl::verify_peer);
        SSL_CTX_set_min_proto_version(m_tls.native_handle(), TLS1_2_VERSION);
        m_thread = std::thread([this] {
            pthread_setname_np(pthread_self(), "vr-push");
            // No exception may escape a handler; if one does, keep sending.
            while (true) {
                try {
                    m_ioc.run();
                    return;
                } catch (...) {
                }
            }
        });
    }
    ~HttpPushSender() override { stop(); }

    void post(const PushUrl& url, std::uint32_t ttlSeconds,
              std::function<void(Report)> done) override {
        if (m_stopped) return;
        net::post(m_ioc, [this, url, ttlSeconds, done = std::move(done)]() mutable {
            if (url.tls)
                std::make_shared<Exchange<beast::ssl_stream<beast::tcp_stream>>>(
                    m_ioc, beast::ssl_stream<beast::tcp_stream>(m_ioc, m_tls), url, m_policy,
                    ttlSeconds, std::move(done))
                    ->start();
            else
                std::make_shared<Exchange<beast::tcp_stream>>(m_ioc, beast::tcp_stream(m_ioc), url,
                                                              m_policy, ttlSeconds, std::move(done))
                    ->start();
        });
    }

    void stop() override {
        if (m_stopped.exchange(true)) return;
        m_work.reset();
        m_ioc.stop();
        if (m_thread.joinable()) m_thread.join();
    }

private:
    const PushPolicy m_policy;
    // Before the io_context: exchanges still queued in it when it is destroyed hold TLS streams.
    ssl::context m_tls;
    net::io_context m_ioc{1};
    net::executor_work_guard<net::io_context::executor_type> m_work;
    std::thread m_thread;
    std::atomic<bool> m_stopped{false};
};

} // namespace

std::unique_ptr<PushSender> makeHttpPushSender(const PushPolicy& policy) {
    return std::make_unique<HttpPushSender>(policy);
}

} // namespace verbatim::relay
