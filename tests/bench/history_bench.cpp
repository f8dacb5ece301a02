// verbatim-history-bench: what bringing a history to a new device costs (issue 23).
//
// A lawyer's profile holding N messages (default 10,000; BenchProfile writes them) sends its
// history to a newly linked device of the same lawyer, through a relay running in this process
// over TLS on loopback (the same 2 cores):
//   export+upload   Client::sendHistory: read the profile, encode, encrypt (64 KiB chunks),
//                   upload the blob, queue the HISTORY_TRANSFER record;
//   delivered       until the relay stored that record (the outbox is empty);
//   imported        until the new device fetched the blob, checked, decrypted and imported it
//                   (its HistoryImported event), counted from the start of export+upload.
// Each figure is the median of 3 runs (a new device each run). Run:
// build/dev/tests/bench/verbatim-history-bench [--messages N] (--quick for the smoke test).

#include <QTemporaryDir>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstring>
#include <thread>

#include "BenchCommon.h"
#include "BenchProfile.h"
#include "E2EHarness.h"
#include "client/core/Client.h"

using namespace verbatim;
using namespace std::chrono_literals;
using namespace verbatim::bench;

#define DIE() bench::die("history bench", __LINE__)

int main(int argc, char** argv) {
    int messages = 10000, runs = 3;
    for (int i = 1; i < argc; ++i) {
        if (!std::strcmp(argv[i], "--quick")) {
            messages = 200;
            runs = 1;
        } else if (!std::strcmp(argv[i], "--messages") && i + 1 < argc) {
            messages = std::atoi(argv[++i]);
        } else {
            std::fprintf(stderr, "usage: %s [--quick] [--messages N]\n", argv[0]);
            return 2;
        }
    }
    e2e::Harness h;
    if (!h.ok()) DIE();
    QTemporaryDir dir;
    const std::string base = dir.path().toStdString();
    if (!bench::seedProfile(base + "/old", kPass, h.enrollLink("alice", proto::ROLE_LAWYER),
                            "Bench matter", messages))
        DIE();
    auto old = client::Client::open(base + "/old", kPass);
    if (!old) DIE();
    (*old)->start();
    if (!(*old)->waitUntilSynced(30s)) DIE();
    std::vector<double> exportUpload, delivered, imported;
    std::uint64_t blobBytes = 0;
    for (int run = 0; run < runs; ++run) {
        auto link = (*old)->createDeviceLink();
        if (!link) DIE();
        client::JoinOptions o;
        o.displayName = "Bench";
        auto fresh = client::Client::join(base + "/new" + std::to_string(run), kPass, *link, o);
        if (!fresh) DIE();
        std::atomic<bool> done{false};
        std::atomic<bool> failed{false};
        (*fresh)->setEventHandler([&](const client::Event& e) {
            if (e.kind == client::Event::Kind::HistoryImported) done = true;
            if (e.kind == client::Event::Kind::HistoryFailed) failed = true;
        });
        (*fresh)->start();
        if (!(*fresh)->waitUntilSynced(30s)) DIE();
        // The old device approves the new one at its next look at its devices.
        if (!(*old)->devices()) DIE();
        const auto t0 = Clock::now();
        auto sent = (*old)->sendHistory((*fresh)->account().device);
        if (!sent) {
            std::fprintf(stderr, "%s\n", sent.error().message.c_str());
            DIE();
        }
        const auto t1 = Clock::now();
        if (!(*old)->waitForOutbox(60s)) DIE();
        const auto t2 = Clock::now();
        while (!done && !failed && Clock::now() - t0 < 120s)
            std::this_thread::sleep_for(2ms);
        if (!done) DIE();
        const auto t3 = Clock::now();
        if ((*fresh)->history((*fresh)->conversations()->front().id, 1, 0)->empty()) DIE();
        blobBytes = sent->blobBytes;
        exportUpload.push_back(ms(t1 - t0));
        delivered.push_back(ms(t2 - t0));
        imported.push_back(ms(t3 - t0));
        (*fresh)->setEventHandler({});
    }
    std::printf("history of %d messages (%llu bytes encrypted), median of %d runs:\n", messages,
                (unsigned long long)blobBytes, runs);
    std::printf("  export+upload  %8.1f ms\n", median(exportUpload));
    std::printf("  delivered      %8.1f ms\n", median(delivered));
    std::printf("  imported       %8.1f ms  (export, upload, send, fetch, decrypt, import)\n",
                median(imported));
    return 0;
}
