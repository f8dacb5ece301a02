// verbatim-client-bench: what the client core costs (issue 4, "Benchmark").
//
//   send      a lawyer's client sends N messages into a matter whose other members have k
//             devices in all (k = 1, 3, 9): queue + encrypt to k devices + seal the journal entry
//             + store + the relay's acknowledgement, until the outbox is empty. The relay runs in
//             this process on the same 2 cores, over TLS on loopback (its rate limits lifted,
//             its database without fsync); the recipients are offline meanwhile.
//   receive   N messages wait for an offline client; from start() until all are decrypted,
//             checked against their commitment, stored and acknowledged.
//   cold      a profile holding 100,000 messages: Client::open (scrypt unlock included) +
//             the conversation list + the newest 50 messages of the largest conversation.
//
// Each figure is the median of 5 runs. Run: build/dev/tests/bench/verbatim-client-bench
// (--quick for the smoke test).

#include <QTemporaryDir>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <thread>

#include "BenchCommon.h"
#include "BenchProfile.h"
#include "E2EHarness.h"
#include "client/core/Client.h"
#include "client/core/Profile.h"
#include "crypto/Random.h"

using namespace verbatim;
using namespace std::chrono_literals;
using namespace verbatim::bench;

namespace {

#define DIE() bench::die("client bench", __LINE__)

std::unique_ptr<client::Client> joinOrDie(const std::string& dir, const std::string& link,
                                          bool accept = false) {
    client::JoinOptions o;
    o.displayName = "Bench";
    o.acceptNotice = accept;
    auto c = client::Client::join(dir, kPass, link, o);
    if (!c) {
        std::fprintf(stderr, "join failed: %s\n", c.error().message.c_str());
        DIE();
    }
    return std::move(*c);
}

// The relay's per-device send limit (100/s) exists to stop abuse; the benchmark measures the
// client, so it lifts it.
void unlimited(relay::RelayConfig& c) {
    c.limits.send = relay::BucketSpec{1e12, 1e12};
    c.limits.preKeyFetch = relay::BucketSpec{1e12, 1e12};
}

struct Matter {
    e2e::Harness h{{}, unlimited};
    QTemporaryDir dir;
    std::unique_ptr<client::Client> lawyer;
    std::vector<std::unique_ptr<client::Client>> others;
    std::string conversation;
};

/// A matter with the lawyer and `k` other devices: a client plus (k-1) devices of colleagues.
std::unique_ptr<Matter> makeMatter(int k) {
    auto m = std::make_unique<Matter>();
    if (!m->h.ok()) DIE();
    const std::string base = m->dir.path().toStdString();
    m->lawyer = joinOrDie(base + "/lawyer", m->h.enrollLink("lawyer", proto::ROLE_LAWYER));
    m->lawyer->start();
    m->lawyer->waitUntilSynced(20s);
    std::vector<std::string> colleagues;
    for (int i = 0; i + 1 < k; ++i) {
        std::string user = "colleague" + std::to_string(i / 3);
        if (colleagues.empty() || colleagues.back() != user) colleagues.push_back(user);
        m->others.push_back(joinOrDie(base + "/c" + std::to_string(i),
                                      m->h.enrollLink(user, proto::ROLE_SUPERVISOR)));
    }
    auto conv = m->lawyer->createConversation("Bench matter", true, colleagues);
    if (!conv) DIE();
    m->conversation = *conv;
    auto invite = m->lawyer->createInvite("Bench matter");
    if (!invite) DIE();
    m->others.push_back(joinOrDie(base + "/client", *invite, true));
    for (auto& o : m->others) {
        o->start();
        o->waitUntilSynced(20s);
    }
    // Sessions with every device exist before timing (the first send fetches bundles).
    (void)m->lawyer->sendText(m->conversation, "warm-up");
    m->lawyer->waitForOutbox(30s);
    return m;
}

double benchSend(int k, int n, int runs) {
    auto m = makeMatter(k);
    // Recipients offline: the figure is the sender's cost plus the relay's, not k receivers'.
    for (auto& o : m->others)
        o->stop();
    std::vector<double> perMessage;
    for (int r = 0; r < runs; ++r) {
        auto t0 = Clock::now();
        for (int i = 0; i < n; ++i)
            if (!m->lawyer->sendText(m->conversation, "benchmark message " + std::to_string(i) +
                                                          " with some ordinary text"))
                DIE();
        if (!m->lawyer->waitForOutbox(300s)) DIE();
        perMessage.push_back(ms(Clock::now() - t0) / n);
    }
    return median(perMessage);
}

double benchReceive(int n, int runs) {
    auto m = makeMatter(1);
    auto& client = m->others.back();
    std::vector<double> perMessage;
    for (int r = 0; r < runs; ++r) {
        client->stop();
        for (int i = 0; i < n; ++i)
            (void)m->lawyer->sendText(m->conversation, "queued message " + std::to_string(i));
        if (!m->lawyer->waitForOutbox(300s)) DIE();
        std::atomic<int> received{0};
        client->setEventHandler([&](const client::Event& e) {
            if (e.kind == client::Event::Kind::Message) ++received;
        });
        auto t0 = Clock::now();
        client->start();
        while (received < n)
            std::this_thread::sleep_for(1ms);
        client->setEventHandler({});
        perMessage.push_back(ms(Clock::now() - t0) * 1000.0 / n);
    }
    return median(perMessage);
}

double benchColdStart(int count, int runs, double* searchMs) {
    e2e::Harness h;
    QTemporaryDir dir;
    const std::string profile = dir.path().toStdString() + "/cold";
    if (!bench::seedProfile(profile, kPass, h.enrollLink("cold", proto::ROLE_LAWYER),
                            "Cold start matter", count))
        DIE();
    std::vector<double> times, searches;
    for (int r = 0; r < runs; ++r) {
        auto t0 = Clock::now();
        auto c = client::Client::open(profile, kPass);
        if (!c) DIE();
        auto list = (*c)->conversations();
        if (!list || list->empty()) DIE();
        auto hist = (*c)->history(list->front().id, 50);
        if (!hist || hist->size() != 50) DIE();
        times.push_back(ms(Clock::now() - t0));
        auto s0 = Clock::now();
        auto found = (*c)->search("clause 42");
        searches.push_back(ms(Clock::now() - s0));
        if (!found || found->empty()) DIE();
    }
    *searchMs = median(searches);
    return median(times);
}

} // namespace

int main(int argc, char** argv) {
    const bool quick = argc > 1 && std::string(argv[1]) == "--quick";
    if (argc > 1 && std::string(argv[1]) == "--send-only") { // for profiling the send path
        std::printf("%.2f ms/msg\n", benchSend(1, 300, 3));
        return 0;
    }
    const int n = quick ? 20 : 300, runs = quick ? 1 : 5, stored = quick ? 2000 : 100000;
    std::printf("| measurement | result |\n|---|---|\n");
    for (int k : quick ? std::vector<int>{1} : std::vector<int>{1, 3, 9}) {
        double perMsg = benchSend(k, n, runs);
        std::printf("| send to %d recipient device%s (queue, encrypt, seal, store, relay ack) | "
                    "%.2f ms/msg (%.0f msg/s) |\n",
                    k, k == 1 ? "" : "s", perMsg, 1000.0 / perMsg);
        std::fflush(stdout);
    }
    double recv = benchReceive(n, runs);
    std::printf("| receive (decrypt, commitment check, store, ack) | %.0f µs/msg (%.0f msg/s) |\n",
                recv, 1e6 / recv);
    double searchMs = 0;
    double cold = benchColdStart(stored, runs, &searchMs);
    std::printf("| cold start with %d messages (unlock, list, newest 50) | %.0f ms |\n", stored,
                cold);
    std::printf("| search in %d messages | %.1f ms |\n", stored, searchMs);
    return 0;
}
