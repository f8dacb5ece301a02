/// @file tst_push_sender.cpp
/// The relay's HTTP push sender against hostile endpoints (issue 23, R-PUSH): a name whose DNS
/// never answers (an injected resolver that hangs, as a tarpitting DNS server does), a receiver
/// that accepts and never answers, one that trickles its answer. Pushes to a good receiver on
/// loopback must still arrive at once, and the stuck lookups must stay bounded.
#include <QtTest>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>

#include "relay/net/HttpPushSender.h"

using namespace verbatim::relay;
using namespace std::chrono_literals;

namespace {

// A loopback HTTP receiver: answers 201, never answers, or trickles a status line.
class Receiver {
public:
    enum class Mode { Answer, Silent, Trickle };
    explicit Receiver(Mode mode) : m_mode(mode) {
        m_fd = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        ::bind(m_fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
        ::listen(m_fd, 64);
        socklen_t len = sizeof a;
        ::getsockname(m_fd, reinterpret_cast<sockaddr*>(&a), &len);
        m_port = ntohs(a.sin_port);
        m_thread = std::thread([this] { run(); });
    }
    ~Receiver() {
        m_stop = true;
        m_thread.join();
        for (int c : m_held)
            ::close(c);
        ::close(m_fd);
    }
    std::uint16_t port() const { return m_port; }
    int count() const { return m_count; }
    std::string lastRequest() {
        std::lock_guard lock(m_mutex);
        return m_last;
    }

private:
    void run() {
        while (!m_stop) {
            pollfd p{m_fd, POLLIN, 0};
            if (::poll(&p, 1, 50) <= 0) continue;
            const int c = ::accept(m_fd, nullptr, nullptr);
            if (c < 0) continue;
            ++m_count;
            if (m_mode == Mode::Silent) {
                m_held.push_back(c); // accepted, never read from, never answered
                continue;
            }
            std::string request;
            char buf[4096];
            while (request.find("{\"v\":1}") == std::string::npos) {
                pollfd q{c, POLLIN, 0};
                if (::poll(&q, 1, 2000) <= 0) break;
                const auto n = ::read(c, buf, sizeof buf);
                if (n <= 0) break;
                request.append(buf, std::size_t(n));
            }
            {
                std::lock_guard lock(m_mutex);
                m_last = request;
            }
            if (m_mode == Mode::Answer) {
                const std::string answer = "HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n";
                (void)!::write(c, answer.data(), answer.size());
                ::close(c);
                continue;
            }
            // Trickle: a byte every 200 ms, on this thread (the test waits for nothing else).
            const std::string answer = "HTTP/1.1 201 Created\r\n";
            for (char ch : answer) {
                if (m_stop || ::write(c, &ch, 1) != 1) break;
                std::this_thread::sleep_for(200ms);
            }
            ::close(c);
        }
    }

    Mode m_mode;
    int m_fd = -1;
    std::uint16_t m_port = 0;
    std::atomic<bool> m_stop{false};
    std::atomic<int> m_count{0};
    std::vector<int> m_held;
    std::mutex m_mutex;
    std::string m_last;
    std::thread m_thread;
};

// A resolver that hangs (up to 30 s, or until released) for names ending in ".tarpit.test" or
// starting with "t" and ending in ".test"; "good.test" is 127.0.0.1. Counts lookups in progress.
struct Dns : std::enable_shared_from_this<Dns> {
    std::mutex mutex;
    std::condition_variable cv;
    bool released = false;
    int inside = 0, most = 0;
    std::map<std::string, int> insideByDomain, mostByDomain;

    PushResolver resolver() {
        // Shared: a stuck lookup may outlive the test function that made it.
        return [this, self = shared_from_this()](
                   const std::string& host) -> std::vector<std::vector<std::uint8_t>> {
            if (host == "good.test") return {{127, 0, 0, 1}};
            const auto dot = host.find('.');
            const std::string domain = host.substr(dot + 1);
            std::unique_lock lock(mutex);
            ++inside;
            most = std::max(most, inside);
            auto& d = insideByDomain[domain];
            ++d;
            mostByDomain[domain] = std::max(mostByDomain[domain], d);
            cv.wait_for(lock, 30s, [this] { return released; });
            --inside;
            --insideByDomain[domain];
            return {};
        };
    }
    void release() {
        std::lock_guard lock(mutex);
        released = true;
        cv.notify_all();
    }
    // Releases the stuck lookups when the test function returns, whether it passed or not.
    struct Release {
        std::shared_ptr<Dns> dns;
        ~Release() { dns->release(); }
    };
    int mostAtOnce() {
        std::lock_guard lock(mutex);
        return most;
    }
    int mostAtOnceUnder(const std::string& domain) {
        std::lock_guard lock(mutex);
        return mostByDomain[domain];
    }
};

PushUrl url(const std::string& host, std::uint16_t port) {
    PushUrl u;
    u.tls = false;
    u.host = host;
    u.hostIsIp = host == "127.0.0.1";
    u.port = port;
    u.target = "/up/device";
    return u;
}

PushPolicy loopbackPolicy(std::chrono::milliseconds timeout) {
    PushPolicy p;
    p.allowLoopback = true;
    p.timeout = timeout;
    return p;
}

using Report = PushSender::Report;

// Posts and returns a future for the report and the time it took.
std::future<std::pair<Report, qint64>> post(PushSender& sender, const PushUrl& u) {
    auto promise = std::make_shared<std::promise<std::pair<Report, qint64>>>();
    auto timer = std::make_shared<QElapsedTimer>();
    timer->start();
    sender.post(u, 60, [promise, timer](Report r) {
        promise->set_value({std::move(r), timer->elapsed()});
    });
    return promise->get_future();
}

} // namespace

class TestPushSender : public QObject {
    Q_OBJECT

private slots:
    // R-PUSH-5: a lookup that never returns holds up no other push, and one domain's names get
    // at most kPushLookupsPerDomain lookups at once.
    void aHangingLookupDelaysNoOtherPush() {
        auto dns = std::make_shared<Dns>();
        Dns::Release release{dns};
        Receiver good(Receiver::Mode::Answer);
        {
            auto sender = makeHttpPushSender(loopbackPolicy(2000ms), dns->resolver());
            std::vector<std::future<std::pair<Report, qint64>>> tarpits;
            for (const char* host : {"a.tarpit.test", "b.tarpit.test", "c.tarpit.test"})
                tarpits.push_back(post(*sender, url(host, good.port())));
            QTest::qWait(100); // the lookups are under way (and stuck)
            auto delivered = post(*sender, url("good.test", good.port()));
            QCOMPARE(delivered.wait_for(1500ms), std::future_status::ready);
            auto [report, ms] = delivered.get();
            QCOMPARE(report.outcome, PushSender::Outcome::Delivered);
            QVERIFY2(ms < 1000, std::to_string(ms).c_str());
            // The third name under the domain was refused at once; the two stuck ones fail at
            // their deadline, not when (if ever) their lookup returns.
            for (auto& f : tarpits) {
                QCOMPARE(f.wait_for(3000ms), std::future_status::ready);
                const auto r = f.get().first;
                QCOMPARE(r.outcome, PushSender::Outcome::Failed);
                QVERIFY2(r.reason == "timed out resolving" ||
                             r.reason == "too many lookups under this domain",
                         r.reason.c_str());
            }
            QCOMPARE(dns->mostAtOnceUnder("tarpit.test"), int(kPushLookupsPerDomain));
            // After the deadline, with the lookups still stuck, pushes still go out.
            auto again = post(*sender, url("good.test", good.port()));
            QCOMPARE(again.wait_for(1500ms), std::future_status::ready);
            QCOMPARE(again.get().first.outcome, PushSender::Outcome::Delivered);
            QVERIFY(good.lastRequest().find("{\"v\":1}") != std::string::npos);
        }
    }

    // R-PUSH-5: names under many domains that all hang leave a bounded number of stuck threads.
    void stuckLookupsAreBounded() {
        auto dns = std::make_shared<Dns>();
        Dns::Release release{dns};
        {
            auto sender = makeHttpPushSender(loopbackPolicy(300ms), dns->resolver());
            std::vector<std::future<std::pair<Report, qint64>>> all;
            int n = 0;
            for (int wave = 0; wave < 8; ++wave) {
                for (int i = 0; i < 8; ++i, ++n)
                    all.push_back(post(*sender, url("x.t" + std::to_string(n) + ".test", 9)));
                QTest::qWait(350);
            }
            for (auto& f : all) {
                QCOMPARE(f.wait_for(2000ms), std::future_status::ready);
                QCOMPARE(f.get().first.outcome, PushSender::Outcome::Failed);
            }
            const int most = dns->mostAtOnce();
            QVERIFY2(most <= int(kPushResolverThreads + kPushStuckResolverThreads),
                     std::to_string(most).c_str());
            QVERIFY2(most >= int(kPushStuckResolverThreads), std::to_string(most).c_str());
        }
    }

    // R-PUSH-5: a receiver that accepts and never answers, or trickles its answer, is cut off at
    // the deadline and holds up no other push. No product name is sent (R-PUSH-6).
    void aSilentOrTricklingReceiverDelaysNoOtherPush() {
        Receiver good(Receiver::Mode::Answer);
        Receiver silent(Receiver::Mode::Silent);
        Receiver trickle(Receiver::Mode::Trickle);
        auto sender = makeHttpPushSender(loopbackPolicy(1000ms));
        auto stuck = post(*sender, url("127.0.0.1", silent.port()));
        auto slow = post(*sender, url("127.0.0.1", trickle.port()));
        QTest::qWait(100);
        auto delivered = post(*sender, url("127.0.0.1", good.port()));
        QCOMPARE(delivered.wait_for(1000ms), std::future_status::ready);
        auto [report, ms] = delivered.get();
        QCOMPARE(report.outcome, PushSender::Outcome::Delivered);
        QVERIFY2(ms < 500, std::to_string(ms).c_str());
        for (auto* f : {&stuck, &slow}) {
            QCOMPARE(f->wait_for(2000ms), std::future_status::ready);
            auto [r, took] = f->get();
            QCOMPARE(r.outcome, PushSender::Outcome::Failed);
            QVERIFY2(took >= 900 && took < 1600, std::to_string(took).c_str());
        }
        QCOMPARE(silent.count(), 1);
        const std::string request = good.lastRequest();
        QVERIFY2(request.find("{\"v\":1}") != std::string::npos, request.c_str());
        std::string lower = request;
        std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
        QVERIFY2(lower.find("verbatim") == std::string::npos, request.c_str());
        QVERIFY2(lower.find("user-agent") == std::string::npos, request.c_str());
        sender->stop();
    }
};

QTEST_GUILESS_MAIN(TestPushSender)
#include "tst_push_sender.moc"
