// verbatim-prune-bench: how fast the relay prunes acknowledged journal rows (issue 22) and what
// pruning does to a send's latency.
//
// A real relay in this process (TLS on loopback, the harness's SQLCipher store). Its journal is
// first filled with N rows of 1 KiB shaped as sealed entries (written into the stopped relay's
// database with their real chain hashes and stored as the relay stores its rows, as years of
// traffic would leave them; default 100,000), then the relay restarts,
// one compliance device acknowledges the head and one lawyer sends into a matter with a client
// in a loop, each send timed from the call to its answer. Two rounds of the same length: sends
// alone, then sends while RelayService::pruneJournalNow() deletes every acknowledged row in
// steps of --batch rows (default 250, the relay's default). Prints the rows pruned per second
// and the sends' median and p99 latency in each round, in microseconds. The target:
// 100,000 rows a second with the send p99 under 10 ms. Run:
// build/dev/tests/bench/verbatim-prune-bench [--rows N] [--batch N] (--quick: 5,000 rows).

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <thread>

#include "E2EHarness.h"
#include "crypto/Random.h"
#include "journal/JournalAck.h"
#include "relay/core/JournalRows.h"
#include "storage/Database.h"

using namespace verbatim;
using Clock = std::chrono::steady_clock;

namespace {

#define DIE(why)                                                                                   \
    do {                                                                                           \
        std::fprintf(stderr, "prune bench failed at line %d: %s\n", __LINE__,                      \
                     std::string(why).c_str());                                                    \
        std::exit(1);                                                                              \
    } while (0)

double percentile(std::vector<double> v, double p) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1, std::size_t(double(v.size()) * p))];
}

/// Sends from `from` into `conv` until `stop`, each timed (µs).
std::vector<double> sendUntil(e2e::Harness& h, e2e::Device& from, const std::string& conv,
                              const std::atomic<bool>& stop) {
    std::vector<double> us;
    for (int i = 0; !stop; ++i) {
        proto::Request req;
        *req.mutable_send() = h.buildSend(from, conv, "bench " + std::to_string(i));
        auto t0 = Clock::now();
        auto r = from.connection->call(req);
        auto t1 = Clock::now();
        if (!r || r->status() != proto::STATUS_OK)
            DIE("send refused: " + (r ? r->error() : r.error().message));
        us.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
    }
    return us;
}

} // namespace

int main(int argc, char** argv) {
    std::uint64_t rows = 100000;
    std::uint32_t batch = 250;
    for (int i = 1; i < argc; ++i) {
        if (!std::strcmp(argv[i], "--quick"))
            rows = 5000;
        else if (!std::strcmp(argv[i], "--rows") && i + 1 < argc)
            rows = std::strtoull(argv[++i], nullptr, 10);
        else if (!std::strcmp(argv[i], "--batch") && i + 1 < argc)
            batch = std::uint32_t(std::strtoul(argv[++i], nullptr, 10));
        else
            DIE(std::string("unknown argument ") + argv[i]);
    }
    e2e::Harness h({}, [batch](relay::RelayConfig& c) {
        c.journalPruneAfter = std::chrono::milliseconds(0);
        c.journalPruneInterval = std::chrono::milliseconds(0); // the bench prunes when it says
        c.journalPruneBatch = batch;
        c.limits.send = relay::BucketSpec{1e12, 1e12}; // a load test, not a rate test
    });
    if (!h.ok()) DIE("relay did not start");
    auto officer = h.enrollStaff("comply", proto::ROLE_COMPLIANCE);
    auto lawyer = h.enrollStaff("alice", proto::ROLE_LAWYER);
    std::string conv;
    auto client = h.inviteClient("alice", "Bench matter", &conv);
    if (!officer || !lawyer || !client) DIE("enrolment");

    // Years of traffic: N more rows continuing the relay's chain, written while it is stopped.
    h.stop();
    {
        auto db = storage::Database::open(h.databasePath(), h.databaseKey(), {false});
        if (!db) DIE(db.error().message);
        auto& d = **db;
        auto head = d.prepare("SELECT seq, chain_hash FROM journal ORDER BY seq DESC LIMIT 1");
        if (!head || !*head->step()) DIE("no journal head");
        journal::ChainHash h0{};
        Bytes hb = head->columnBlob(1);
        std::copy(hb.begin(), hb.end(), h0.begin());
        journal::ChainBuilder chain(std::uint64_t(head->columnInt(0)), h0);
        head->reset();
        // Shaped as a sealed entry (u8(1) || field(header) || field(ciphertext) ||
        // field(signature)) of a text message: a 230-byte header, a 717-byte ciphertext, 1 KiB
        // in all, stored as the relay stores what it appends (relay/core/JournalRows.h).
        Bytes entry{1};
        for (std::uint32_t size : {230u, 717u, 64u}) {
            appendU32(entry, size);
            Bytes random = crypto::randomBytes(size);
            entry.insert(entry.end(), random.begin(), random.end());
        }
        if (entry.size() != 1024 || !relay::sealedCiphertextSpan(entry)) DIE("entry shape");
        const auto old = relay::wallClockMs() - 400ull * 24 * 3600 * 1000;
        if (!d.begin()) DIE("begin");
        for (std::uint64_t i = 0; i < rows; ++i) {
            auto seq = chain.append(entry);
            if (!relay::insertJournalRow(d, seq, entry, chain.head(), old)) DIE("insert");
        }
        if (!d.commit()) DIE("commit");
    }
    // As `verbatim-relay serve` runs: the WAL checkpointed on a second connection off the storage
    // thread (RelayConfig::openCheckpointConnection), not inside commits.
    h.tweakServedConfig([&h](relay::RelayConfig& c) {
        c.openCheckpointConnection = [&h] {
            return storage::Database::open(h.databasePath(), h.databaseKey(), {false});
        };
    });
    if (!h.restart()) DIE("restart");
    for (auto* d : {officer.get(), lawyer.get()})
        if (!d->connect(h.endpoint())) DIE("connect");
    auto [headSeq, headHash] = h.service().journalHead();
    auto ack = journal::JournalAck::make(h.firmFingerprint(), officer->user, officer->device,
                                         headSeq, headHash, relay::wallClockMs(), {},
                                         [&](ByteView m) { return officer->sessions->sign(m); });
    if (!ack) DIE(ack.error().message);
    proto::Request req;
    const Bytes ackBytes = ack->serialize();
    req.mutable_ack_journal()->set_ack(std::string(ackBytes.begin(), ackBytes.end()));
    auto acked = officer->connection->call(req);
    if (!acked || acked->status() != proto::STATUS_OK)
        DIE("acknowledgement refused: " + (acked ? acked->error() : acked.error().message));
    {
        std::atomic<bool> stopWarm{false};
        std::thread warm([&] {
            std::this_thread::sleep_for(std::chrono::milliseconds(500));
            stopWarm = true;
        });
        (void)sendUntil(h, *lawyer, conv, stopWarm); // sessions set up, caches warm
        warm.join();
    }

    // Sends while everything acknowledged is pruned, then sends alone for as long.
    std::atomic<bool> stop{false};
    std::uint64_t pruned = 0;
    double pruneSeconds = 0;
    std::vector<double> during;
    {
        std::thread sender([&] { during = sendUntil(h, *lawyer, conv, stop); });
        auto t0 = Clock::now();
        auto n = h.service().pruneJournalNow();
        pruneSeconds = std::chrono::duration<double>(Clock::now() - t0).count();
        stop = true;
        sender.join();
        if (!n) DIE(n.error().message);
        pruned = *n;
    }
    std::vector<double> alone;
    {
        std::atomic<bool> stopAlone{false};
        std::thread sender([&] { alone = sendUntil(h, *lawyer, conv, stopAlone); });
        std::this_thread::sleep_for(
            std::chrono::milliseconds(std::max<long>(1000, long(pruneSeconds * 1000))));
        stopAlone = true;
        sender.join();
    }
    auto state = h.service().journalPruneState();
    if (!state) DIE(state.error().message);
    if (pruned < rows) DIE("pruned " + std::to_string(pruned) + " of " + std::to_string(rows));
    std::printf("pruned %llu rows in %.2f s: %.0f rows/s (batch %u); %llu rows left\n",
                (unsigned long long)pruned, pruneSeconds, double(pruned) / pruneSeconds, batch,
                (unsigned long long)state->rows());
    std::printf("sends alone:          %zu, median %.0f us, p99 %.0f us\n", alone.size(),
                percentile(alone, 0.5), percentile(alone, 0.99));
    std::printf("sends during pruning: %zu, median %.0f us, p99 %.0f us\n", during.size(),
                percentile(during, 0.5), percentile(during, 0.99));
    return 0;
}
