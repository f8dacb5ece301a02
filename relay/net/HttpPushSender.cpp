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
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include <netdb.h>
#include <openssl/ssl.h>
#include <sys/socket.h>

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

using Addresses = std::vector<std::vector<std::uint8_t>>;

Addresses systemResolve(const std::string& host) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* list = nullptr;
    Addresses out;
    if (getaddrinfo(host.c_str(), nullptr, &hints, &list) != 0) return out;
    for (addrinfo* ai = list; ai; ai = ai->ai_next) {
        if (ai->ai_family == AF_INET) {
            const auto* in = reinterpret_cast<const sockaddr_in*>(ai->ai_addr);
            const auto* b = reinterpret_cast<const std::uint8_t*>(&in->sin_addr);
            out.emplace_back(b, b + 4);
        } else if (ai->ai_family == AF_INET6) {
            const auto* in = reinterpret_cast<const sockaddr_in6*>(ai->ai_addr);
            const auto* b = reinterpret_cast<const std::uint8_t*>(&in->sin6_addr);
            out.emplace_back(b, b + 16);
        }
    }
    freeaddrinfo(list);
    return out;
}

// The last two labels: names an attacker mints for free (a.tarpit.example, b.tarpit.example)
// share one. Without the public suffix list, "co.uk" counts as one domain: that only makes the
// limit stricter for names under such suffixes.
std::string registeredDomain(const std::string& host) {
    const auto last = host.rfind('.');
    if (last == std::string::npos || last == 0) return host;
    const auto before = host.rfind('.', last - 1);
    return before == std::string::npos ? host : host.substr(before + 1);
}

// getaddrinfo() blocks and cannot be cancelled, and Asio runs its own on one internal thread per
// io_context: one name whose DNS server never answers would hold every other push behind it.
// So lookups run here, on detached threads of our own. An exchange gives up on its lookup at
// its deadline and moves on; the thread stays in getaddrinfo() until it returns, not waited
// for. Threads within their deadline are bounded (kPushResolverThreads) and so are stuck ones
// (kPushStuckResolverThreads), and lookups per registered domain (kPushLookupsPerDomain) bound
// what one participant's names can take. Shared by the threads: it outlives the sender.
class ResolverPool : public std::enable_shared_from_this<ResolverPool> {
public:
    struct Lookup {
        std::string host;
        std::string domain;
        std::shared_ptr<std::atomic<bool>> abandoned; // the exchange has given up on it
        std::function<void(Addresses)> done;          // called with m_mutex held; must not block
    };

    ResolverPool(PushResolver resolver, std::chrono::milliseconds deadline)
        : m_resolver(std::move(resolver)), m_deadline(deadline) {}

    /// False when the domain already has its share of lookups (or the pool has stopped).
    bool submit(Lookup lookup) {
        std::lock_guard lock(m_mutex);
        if (m_stopped) return false;
        auto& count = m_perDomain[lookup.domain];
        if (count >= kPushLookupsPerDomain) return false;
        ++count;
        m_queue.push_back(std::move(lookup));
        if (m_queue.size() > m_idle && freshBusy() < kPushResolverThreads &&
            m_live < kPushResolverThreads + kPushStuckResolverThreads) {
            try {
                std::thread([self = shared_from_this()] { self->work(); }).detach();
                ++m_live;
            } catch (const std::system_error&) {
                // No thread now: the lookup waits for one that comes free, or its deadline.
            }
        }
        m_cv.notify_one();
        return true;
    }

    /// No `done` runs after this returns; lookups not started are dropped.
    void stop() {
        std::lock_guard lock(m_mutex);
        m_stopped = true;
        m_queue.clear();
        m_cv.notify_all();
    }

private:
    // Threads in a lookup that began less than a deadline ago. m_mutex held.
    std::size_t freshBusy() const {
        const auto since = std::chrono::steady_clock::now() - m_deadline;
        return std::size_t(std::distance(m_busy.lower_bound(since), m_busy.end()));
    }

    void release(const std::string& domain) { // m_mutex held
        if (auto it = m_perDomain.find(domain); it != m_perDomain.end() && --it->second == 0)
            m_perDomain.erase(it);
    }

    void work() {
        pthread_setname_np(pthread_self(), "vr-push-dns");
        std::unique_lock lock(m_mutex);
        while (!m_stopped) {
            if (m_queue.empty()) {
                ++m_idle;
                const bool woken = m_cv.wait_for(lock, std::chrono::seconds(30),
                                                 [this] { return m_stopped || !m_queue.empty(); });
                --m_idle;
                if (!woken) break;
                continue;
            }
            Lookup lookup = std::move(m_queue.front());
            m_queue.pop_front();
            if (lookup.abandoned->load()) {
                release(lookup.domain);
                continue;
            }
            const auto busy = m_busy.insert(std::chrono::steady_clock::now());
            lock.unlock();
            Addresses addresses;
            try {
                addresses = m_resolver(lookup.host);
            } catch (...) {
                addresses.clear();
            }
            lock.lock();
            m_busy.erase(busy);
            release(lookup.domain);
            if (!m_stopped && !lookup.abandoned->load()) lookup.done(std::move(addresses));
        }
        --m_live;
    }

    const PushResolver m_resolver;
    const std::chrono::milliseconds m_deadline;
    std::mutex m_mutex;
    std::condition_variable m_cv;
    std::deque<Lookup> m_queue;
    std::map<std::string, std::size_t> m_perDomain;
    std::multiset<std::chrono::steady_clock::time_point> m_busy;
    std::size_t m_idle = 0;
    std::size_t m_live = 0;
    bool m_stopped = false;
};

// One POST. `Stream` is beast::tcp_stream (http to loopback) or ssl_stream over it (https).
template <class Stream> class Exchange : public std::enable_shared_from_this<Exchange<Stream>> {
public:
    Exchange(net::io_context& ioc, Stream stream, PushUrl url, const PushPolicy& policy,
             std::uint32_t ttl, std::shared_ptr<ResolverPool> pool,
             std::function<void(Report)> done)
        : m_ioc(ioc), m_deadline(ioc), m_stream(std::move(stream)), m_url(std::move(url)),
          m_timeout(policy.timeout), m_allowLoopback(policy.allowLoopback), m_ttl(ttl),
          m_pool(std::move(pool)), m_done(std::move(done)) {}

    void start() {
        auto self = this->shared_from_this();
        if (m_url.hostIsIp) {
            beast::error_code ec;
            const auto address = net::ip::make_address(m_url.host, ec);
            if (ec) return finish(failed("cannot resolve"));
            return onResolve({address});
        }
        // The lookup's own deadline: at it the exchange fails and moves on, whether or not the
        // resolver thread ever comes back.
        m_deadline.expires_after(m_timeout);
        m_deadline.async_wait([self](beast::error_code ec) {
            if (ec || self->m_resolved) return;
            self->m_abandoned->store(true);
            self->finish(failed("timed out resolving"));
        });
        std::weak_ptr<Exchange> weak = self;
        ResolverPool::Lookup lookup{m_url.host, registeredDomain(m_url.host), m_abandoned,
                                    [weak, &ioc = m_ioc](Addresses addresses) {
                                        net::post(ioc, [weak, a = std::move(addresses)]() mutable {
                                            if (auto s = weak.lock()) s->onLookup(std::move(a));
                                        });
                                    }};
        if (!m_pool->submit(std::move(lookup))) {
            m_deadline.cancel();
            finish(failed("too many lookups under this domain"));
        }
    }

private:
    void onLookup(Addresses found) {
        if (m_finished) return;
        std::vector<net::ip::address> addresses;
        for (const auto& bytes : found) {
            if (bytes.size() == 4) {
                net::ip::address_v4::bytes_type b;
                std::copy(bytes.begin(), bytes.end(), b.begin());
                addresses.emplace_back(net::ip::address_v4(b));
            } else if (bytes.size() == 16) {
                net::ip::address_v6::bytes_type b;
                std::copy(bytes.begin(), bytes.end(), b.begin());
                addresses.emplace_back(net::ip::address_v6(b));
            }
        }
        if (addresses.empty()) return finish(failed("cannot resolve"));
        onResolve(addresses);
    }

    void onResolve(const std::vector<net::ip::address>& addresses) {
        m_resolved = true;
        m_deadline.cancel();
        // Every address the name resolved to is checked, and only those are connected to: a
        // name that resolves to a private address (or to several, one of them private) is
        // refused, however it was registered.
        std::vector<tcp::endpoint> endpoints;
        for (const auto& address : addresses) {
            endpoints.emplace_back(address, m_url.port);
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
        // One deadline for connect, handshake, request and answer together: a service that
        // accepts and then never answers, or trickles its answer, is cut off at it.
        auto& lowest = beast::get_lowest_layer(m_stream);
        lowest.expires_after(m_timeout);
        lowest.async_connect(endpoints, [self = this->shared_from_this()](beast::error_code ec,
                                                                          const tcp::endpoint&) {
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
        // No User-Agent: a product name beside the relay's address would tell the push service
        // that the device belongs to a law firm's client.
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

    net::io_context& m_ioc;
    net::steady_timer m_deadline;
    Stream m_stream;
    PushUrl m_url;
    std::chrono::milliseconds m_timeout;
    bool m_allowLoopback;
    std::uint32_t m_ttl;
    std::shared_ptr<ResolverPool> m_pool;
    std::shared_ptr<std::atomic<bool>> m_abandoned = std::make_shared<std::atomic<bool>>(false);
    bool m_resolved = false;
    std::function<void(Report)> m_done;
    http::request<http::string_body> m_request;
    std::optional<http::response_parser<http::string_body>> m_parser;
    beast::flat_buffer m_buffer;
    bool m_finished = false;
};

class HttpPushSender final : public PushSender {
public:
    HttpPushSender(const PushPolicy& policy, PushResolver resolver)
        : m_policy(policy), m_pool(std::make_shared<ResolverPool>(
                                resolver ? std::move(resolver) : systemResolve, policy.timeout)),
          m_tls(ssl::context::tls_client), m_work(m_ioc.get_executor()) {
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
                    ttlSeconds, m_pool, std::move(done))
                    ->start();
            else
                std::make_shared<Exchange<beast::tcp_stream>>(m_ioc, beast::tcp_stream(m_ioc), url,
                                                              m_policy, ttlSeconds, m_pool,
                                                              std::move(done))
                    ->start();
        });
    }

    void stop() override {
        if (m_stopped.exchange(true)) return;
        // First: a lookup that returns from now on posts nothing into the io_context.
        m_pool->stop();
        m_work.reset();
        m_ioc.stop();
        if (m_thread.joinable()) m_thread.join();
    }

private:
    const PushPolicy m_policy;
    std::shared_ptr<ResolverPool> m_pool;
    // Before the io_context: exchanges still queued in it when it is destroyed hold TLS streams.
    ssl::context m_tls;
    net::io_context m_ioc{1};
    net::executor_work_guard<net::io_context::executor_type> m_work;
    std::thread m_thread;
    std::atomic<bool> m_stopped{false};
};

} // namespace

std::unique_ptr<PushSender> makeHttpPushSender(const PushPolicy& policy, PushResolver resolver) {
    return std::make_unique<HttpPushSender>(policy, std::move(resolver));
}

} // namespace verbatim::relay
