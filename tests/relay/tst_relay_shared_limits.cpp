/// @file tst_relay_shared_limits.cpp
/// Rate limits shared by the nodes of one PostgreSQL store (issue 20, TESTPLAN B5 RL): two relay
/// nodes on one real PostgreSQL database (PgCluster.h, started by the test), a device spreading
/// its requests over both still gets the budget of one node, refused (429) past it on either.
#include <QtTest>
#include <future>
#include <set>

#include "PgCluster.h"
#include "RelayFixture.h"
#include "relay/core/PgStore.h"

using namespace verbatim;
using namespace verbatim::relay;

namespace {

std::string errorText(const Error& e) {
    return e.message + " (code " + std::to_string(int(e.code)) + ")";
}

#define TRY(var, expr)                                                                             \
    auto var##Result_ = (expr);                                                                    \
    QVERIFY2(bool(var##Result_), var##Result_ ? "" : errorText(var##Result_.error()).c_str());     \
    auto var = std::move(*var##Result_)

/// handle() on `service`, waited for (RelayFixture.h).
proto::Response callOn(RelayService& service, const DeviceId& from, proto::Request request) {
    return callService(service, from, std::move(request));
}

} // namespace

class TestRelaySharedLimits : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() {
        // Every fixture of this program runs on the PostgreSQL store.
        qputenv("VERBATIM_TEST_STORE", "postgresql");
        auto cluster = PgCluster::shared();
        QVERIFY2(bool(cluster), cluster ? "" : cluster.error().message.c_str());
    }

    // A device alternating its sends between two nodes gets the burst of one bucket: the sends
    // past it are refused with 429 and a retry time on both nodes, and none of them is stored.
    // With per-node counters it would get the burst twice.
    void sendsSpreadOverTwoNodesGetOneBudget() {
        constexpr int kBurst = 12;
        TRY(f, RelayFixture::create([](RelayConfig& c) {
                c.limits.send = BucketSpec{double(kBurst), 0.01};
            }));
        TRY(kim, f->enroll("kim", proto::ROLE_LAWYER));
        TRY(lee, f->enroll("lee", proto::ROLE_LAWYER));
        TRY(conversation, f->createConversation(*kim, "Shared Limits", {"kim", "lee"}));
        TRY(secondDb, openPostgres(f->postgresUrl()));
        TRY(second, RelayService::open(std::move(secondDb), f->config()));

        int accepted = 0, firstRefused = -1;
        std::set<int> refusedOn;
        for (int i = 0; i < 2 * kBurst; ++i) {
            TRY(m, f->buildSend(*kim, conversation, "spread " + std::to_string(i), {lee}));
            const bool viaSecond = i % 2 == 1;
            const auto r = viaSecond ? callOn(*second, kim->id, RelayFixture::sendRequest(m.send))
                                     : f->call(*kim, RelayFixture::sendRequest(m.send));
            if (r.status() == proto::STATUS_OK) {
                ++accepted;
                continue;
            }
            QVERIFY2(r.status() == proto::STATUS_RATE_LIMITED,
                     ("send " + std::to_string(i) + ": status " + std::to_string(int(r.status())) +
                      " " + r.error())
                         .c_str());
            QVERIFY(r.retry_after_ms() > 0);
            if (firstRefused < 0) firstRefused = i;
            refusedOn.insert(viaSecond ? 2 : 1);
        }
        QCOMPARE(accepted, kBurst);
        QCOMPARE(firstRefused, kBurst);
        QCOMPARE(refusedOn.size(), std::size_t(2)); // each node refuses once the budget is spent
        f->settle();
        QCOMPARE(f->scalar("SELECT count(*) FROM sends"), std::int64_t(kBurst));
        second.reset();
    }
};

QTEST_GUILESS_MAIN(TestRelaySharedLimits)
#include "tst_relay_shared_limits.moc"
