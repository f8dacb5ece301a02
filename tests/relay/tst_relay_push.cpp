/// @file tst_relay_push.cpp
/// UnifiedPush wake-ups in the relay core (issue 23): the URL and address rules on their own, and
/// two relay nodes on one real PostgreSQL store (PgCluster.h, started by the test) with a
/// recording PushSender: a device connected to one node is not woken by a send through the
/// other, and of two nodes that both see a device offline exactly one pushes. The HTTP side is
/// tests/e2e/tst_push.cpp.
#include <QtTest>

#include <arpa/inet.h>

#include <atomic>
#include <future>
#include <mutex>

#include "PgCluster.h"
#include "RelayFixture.h"
#include "relay/core/PgStore.h"
#include "relay/core/PushSender.h"

using namespace verbatim;
using namespace verbatim::relay;
using namespace std::chrono_literals;

namespace {

std::string errorText(const Error& e) {
    return e.message + " (code " + std::to_string(int(e.code)) + ")";
}

#define TRY(var, expr)                                                                             \
    auto var##Result_ = (expr);                                                                    \
    QVERIFY2(bool(var##Result_), var##Result_ ? "" : errorText(var##Result_.error()).c_str());     \
    auto var = std::move(*var##Result_)

// What a node's sender was asked to POST: host and target, in order.
struct Posts {
    std::mutex mutex;
    std::vector<std::string> urls;
    std::size_t count() {
        std::lock_guard lock(mutex);
        return urls.size();
    }
};

// A PushSender that records each POST and answers 201 at once.
class RecordingSender final : public PushSender {
public:
    explicit RecordingSender(std::shared_ptr<Posts> posts) : m_posts(std::move(posts)) {}
    void post(const PushUrl& url, std::uint32_t, std::function<void(Report)> done) override {
        {
            std::lock_guard lock(m_posts->mutex);
            m_posts->urls.push_back(url.host + url.target);
        }
        Report r;
        r.outcome = Outcome::Delivered;
        r.status = 201;
        done(r);
    }
    void stop() override {}

private:
    std::shared_ptr<Posts> m_posts;
};

bool allowed(const char* literal, bool allowLoopback = false) {
    std::uint8_t a[16];
    if (inet_pton(AF_INET, literal, a) == 1)
        return pushAddressAllowed(std::span(a, 4), allowLoopback);
    if (inet_pton(AF_INET6, literal, a) == 1)
        return pushAddressAllowed(std::span(a, 16), allowLoopback);
    return false;
}

proto::Request endpointRequest(const std::string& url) {
    proto::Request r;
    r.mutable_set_push_endpoint()->set_url(url);
    return r;
}

} // namespace

class TestRelayPush : public QObject {
    Q_OBJECT

private slots:
    // R-PUSH-1 and R-PUSH-4, the rules themselves (docs/protocol.md, "Push wake-ups").
    void addressRulesRefuseEveryLocalRange() {
        for (const char* bad : {"127.0.0.1",
                                "127.255.0.9",
                                "10.0.0.1",
                                "172.16.0.1",
                                "172.31.255.255",
                                "192.168.1.1",
                                "169.254.169.254",
                                "100.64.0.1",
                                "0.0.0.0",
                                "0.1.2.3",
                                "224.0.0.251",
                                "239.255.255.250",
                                "255.255.255.255",
                                "240.0.0.1",
                                "192.0.0.8",
                                "198.18.0.1",
                                "::",
                                "::1",
                                "fc00::1",
                                "fd12:3456::1",
                                "fe80::1",
                                "fec0::1",
                                "ff02::1",
                                "::ffff:127.0.0.1",
                                "::ffff:10.1.1.1",
                                "64:ff9b::a9fe:a9fe",
                                "::10.0.0.1",
                                "2001:db8::1",
                                "::ffff:0:127.0.0.1",
                                "::ffff:0:10.0.0.1",
                                "::ffff:0:169.254.169.254",
                                "64:ff9b:1::8.8.8.8",
                                "64:ff9b:1:ffff::1"})
            QVERIFY2(!allowed(bad), bad);
        for (const char* good :
             {"203.0.113.9", "8.8.8.8", "172.32.0.1", "100.128.0.1", "2001:4860:4860::8888",
              "::ffff:8.8.4.4", "64:ff9b::808:808", "::ffff:0:8.8.8.8"})
            QVERIFY2(allowed(good), good);
        // Loopback only with allowLoopback; private ranges never.
        QVERIFY(allowed("127.0.0.1", true));
        QVERIFY(allowed("::1", true));
        QVERIFY(!allowed("10.0.0.1", true));
        QVERIFY(!allowed("fe80::1", true));
    }

    void urlRulesKeepTheTargetAndRefuseTheRest() {
        auto u = parsePushUrl("HTTPS://Push.Example.COM./up/AbC?x=1", false);
        QVERIFY(u);
        QVERIFY(u->tls);
        QCOMPARE(u->host, std::string("push.example.com"));
        QCOMPARE(u->port, std::uint16_t(443));
        QCOMPARE(u->target, std::string("/up/AbC?x=1"));
        u = parsePushUrl("https://[2001:4860::1]:8443", false);
        QVERIFY(u);
        QVERIFY(u->hostIsIp);
        QCOMPARE(u->host, std::string("2001:4860::1"));
        QCOMPARE(u->port, std::uint16_t(8443));
        QCOMPARE(u->target, std::string("/"));
        u = parsePushUrl("https://push.example.com?x", false);
        QVERIFY(u);
        QCOMPARE(u->target, std::string("/?x"));
        for (const char* bad : {"",
                                "http://push.example.com/",
                                "https://",
                                "https:///up",
                                "https://:443/",
                                "https://a@push.example.com/",
                                "https://push.example.com:0/",
                                "https://push.example.com:65536/",
                                "https://push.example.com:x/",
                                "https://push.example.com:/",
                                "https://-bad.example.com/",
                                "https://a..b/",
                                "https://push_example.com/",
                                "https://1.2.3/",
                                "https://012/",
                                "https://0x7f.1/",
                                "https://[::1/",
                                "https://[::1]x/",
                                "https://[nothex]/",
                                "https://push.example.com/#f",
                                "https://push.example.com/a b",
                                "https://push.example.com/\x7f"})
            QVERIFY2(!parsePushUrl(bad, false), bad);
        QVERIFY(!parsePushUrl("https://push.example.com/" + std::string(1000, 'a'), false));
        QVERIFY(parsePushUrl("https://push.example.com/" + std::string(990, 'a'), false));
        QVERIFY(parsePushUrl("http://localhost:9/", true));
        QVERIFY(parsePushUrl("http://[::1]:9/", true));
        QVERIFY(!parsePushUrl("http://localhost:9/", false));
        QVERIFY(!parsePushUrl("http://8.8.8.8/", true)); // plain http only to loopback
        // The refusal never repeats the URL.
        auto refused = parsePushUrl("https://secret-host.example/capability-path#x", false);
        QVERIFY(!refused);
        QVERIFY(refused.error().message.find("capability") == std::string::npos);
        QVERIFY(refused.error().message.find("secret-host") == std::string::npos);
    }

    // Two nodes on one PostgreSQL store. A device connected to node B is not woken by a send
    // through node A (A waits for the NOTIFY path to deliver and the device to acknowledge);
    // once it is offline, sends through both nodes at once wake it exactly once.
    void ofTwoNodesExactlyOnePushesAndNoneWhileConnectedElsewhere() {
        qputenv("VERBATIM_TEST_STORE", "postgresql");
        auto cluster = PgCluster::shared();
        QVERIFY2(bool(cluster), cluster ? "" : cluster.error().message.c_str());
        TRY(f, RelayFixture::create([](RelayConfig& c) { c.push.minInterval = 5s; }));
        QVERIFY(f->onPostgres());
        TRY(kim, f->enroll("kim", proto::ROLE_LAWYER));
        TRY(lee, f->enroll("lee", proto::ROLE_LAWYER));
        TRY(conversation, f->createConversation(*kim, "Two Nodes", {"kim", "lee"}));
        TRY(secondDb, openPostgres(f->postgresUrl()));
        TRY(second, RelayService::open(std::move(secondDb), f->config()));
        auto postsA = std::make_shared<Posts>(), postsB = std::make_shared<Posts>();
        f->service().startPush(std::make_unique<RecordingSender>(postsA));
        second->startPush(std::make_unique<RecordingSender>(postsB));
        QCOMPARE(f->call(*lee, endpointRequest("https://push.example.com/up/lee")).status(),
                 proto::STATUS_OK);

        // lee is connected to node B and acknowledges what it gets, as a device does.
        auto sink = std::make_shared<FakeSink>();
        second->connect(lee->id, sink);
        QVERIFY(sink->waitForFrames(1)); // queue_drained
        TRY(m1, f->buildSend(*kim, conversation, "to a device on the other node", {lee}));
        QCOMPARE(f->call(*kim, RelayFixture::sendRequest(m1.send)).status(), proto::STATUS_OK);
        QVERIFY(sink->waitForEnvelopes(1));
        QTest::qWait(300); // a phone takes a moment to store before it acknowledges
        proto::Request ack;
        ack.mutable_acknowledge()->add_queue_ids(sink->envelopes().front().queue_id());
        QCOMPARE(callService(*second, lee->id, ack).status(), proto::STATUS_OK);
        QTest::qWait(3000); // past node A's 2 s grace
        QCOMPARE(postsA->count() + postsB->count(), std::size_t(0));

        // Offline: one send through each node at once; one push in all.
        second->disconnect(lee->id, sink.get());
        TRY(m2, f->buildSend(*kim, conversation, "via A", {lee}));
        TRY(m3, f->buildSend(*kim, conversation, "via B", {lee}));
        auto viaB = std::async(std::launch::async, [&] {
            return callService(*second, kim->id, RelayFixture::sendRequest(m3.send));
        });
        QCOMPARE(f->call(*kim, RelayFixture::sendRequest(m2.send)).status(), proto::STATUS_OK);
        QCOMPARE(viaB.get().status(), proto::STATUS_OK);
        QElapsedTimer t;
        t.start();
        while (postsA->count() + postsB->count() == 0 && t.elapsed() < 6000)
            QTest::qWait(50);
        QTest::qWait(1000);
        QCOMPARE(postsA->count() + postsB->count(), std::size_t(1));
        const auto& urls = postsA->count() ? postsA->urls : postsB->urls;
        QCOMPARE(urls.front(), std::string("push.example.com/up/lee"));
        second.reset();
    }
};

QTEST_GUILESS_MAIN(TestRelayPush)
#include "tst_relay_push.moc"
