// Why several files: relay_load.cpp holds main and the options; the rest of the
// program is in tests/bench/relay_load/, one file per role (Bench.h lists
// them).
//
// verbatim-relay-load: load generator for verbatim-relay (issue 3,
// "Benchmark").
//
//   verbatim-relay-load [--devices 2000] [--in-flight 1000] [--rate 5000]
//   [--seconds 5]
//                       [--relay PATH] [--serve-arg ARG]... [--keep]
//   verbatim-relay-load --smoke      ~20 devices, ~200 messages; exit 0 only if
//   all delivered
//
// It builds a throw-away relay (init, admin enroll/invite, HTTPS registration),
// starts `verbatim-relay serve --bench-limits` pinned to core 0 with taskset,
// pins itself to core 1 and drives every device's TLS WebSocket from ONE
// io_context thread with Beast's asynchronous API (one write in flight per
// connection, a queue behind it; one thread, so no strands). Devices come in
// pairs (a lawyer and the client invited to the lawyer's matter), so every send
// has exactly one recipient device.
//
// Envelope bodies are random bytes (the relay cannot tell them from Signal
// ciphertext), but each send carries a real journal entry sealed to the firm's
// journal key and signed by the sender's Signal identity (the relay verifies
// it). All sends are built and sealed before a timed section starts; timed
// sections only write prepared frames and read.
//
// Phases (each bounded to 60 s):
//   login     connect + TLS + WebSocket upgrade with device auth for every
//   device; relay VmRSS
//             before and after, idle, gives RSS per 1,000 connections.
//   closed    N devices online, a fixed number of messages in flight (sent, not
//   yet delivered):
//             every delivery (Envelope push to the recipient) releases the next
//             send. Run for all devices and then for 200; one unreported
//             warm-up run sizes the pools, then three runs; the median is
//             reported.
//   latency   open loop at a fixed offered rate paced by a 1 ms timer;
//   send-to-deliver latency
//             is the time from handing the frame to the sender's socket to
//             reading the push at the recipient (same clock, same process).
//             Then again at half the closed-loop rate the relay reached, to
//             show latency below saturation.
//   offline   10 recipients offline, their 10 senders send 1,000 messages each
//   (stored/s =
//             send acknowledgements/s), then the 10 connect (delivered/s until
//             all are in).
// Deliveries are acknowledged in batches (per connection: 64 ids, or after 20
// ms).
//
// Besides the table it prints where the relay's core went in each run: CPU time
// of its storage (with the WAL checkpointer) and network threads from
// /proc/PID/task/*/stat, storage jobs per commit from /metrics, and how busy
// other processes kept cores 0 and 1 (from /proc/stat), since the machine is
// shared.

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

#include "relay_load/Bench.h"

using namespace verbatim;
using namespace verbatim::relayload;

namespace verbatim::relayload {

int usage() {
    std::fputs("usage: verbatim-relay-load [--devices N] [--in-flight N] [--rate "
               "MSG_PER_S] [--seconds "
               "S]\n"
               "                           [--relay PATH] [--serve-arg ARG]... [--store "
               "URL] [--keep] | "
               "--smoke\n"
               "  --devices    devices online in the large runs (even; default 2000)\n"
               "  --in-flight  messages in flight in the closed-loop runs (default "
               "1000)\n"
               "  --rate       offered load of the latency run, messages/s (default "
               "5000)\n"
               "  --seconds    length of each timed run (default 5, at most 15; the "
               "latency run at "
               "--rate\n"
               "               takes twice that, so that every phase stays under 60 s)\n"
               "  --relay      the verbatim-relay binary (default: the one built with "
               "this tree)\n"
               "  --serve-arg  one more argument for `verbatim-relay serve` (repeat for "
               "each), e.g.\n"
               "               --serve-arg --journal-signatures --serve-arg compliance\n"
               "  --store      postgresql://... : the relay on that (empty) PostgreSQL "
               "database\n"
               "  --relay-cores  the relay's cores for taskset -c (default 0; 0,1 "
               "shares the\n"
               "               generator's core 1, e.g. to measure --verify-threads)\n"
               "  --keep       keep the temporary relay directory\n"
               "  --smoke      a tiny run (20 devices, ~200 messages) that fails unless "
               "all arrive\n",
               stderr);
    return 2;
}

} // namespace verbatim::relayload

int main(int argc, char** argv) {
    Options o;
    std::string commandLine = "verbatim-relay-load";
    for (int i = 1; i < argc; ++i)
        commandLine += std::string(" ") + argv[i];
    try {
        for (int i = 1; i < argc; ++i) {
            std::string a = argv[i];
            auto value = [&]() -> std::string {
                if (i + 1 >= argc) std::exit(usage());
                return argv[++i];
            };
            if (a == "--devices")
                o.devices = std::stoi(value());
            else if (a == "--in-flight")
                o.inFlight = std::stoi(value());
            else if (a == "--rate")
                o.rate = std::stod(value());
            else if (a == "--seconds")
                o.seconds = std::stod(value());
            else if (a == "--relay")
                o.relay = value();
            else if (a == "--serve-arg")
                o.serveArgs.push_back(value());
            else if (a == "--store")
                o.store = value();
            else if (a == "--relay-cores")
                o.relayCores = value();
            else if (a == "--keep")
                o.keep = true;
            else if (a == "--smoke")
                o.smoke = true;
            else
                return usage();
        }
    } catch (const std::exception&) {
        return usage();
    }
    if (o.smoke) {
        // ~200 messages: 100 closed loop, 50 at a fixed rate, 2 x 25 offline.
        o.devices = 20;
        o.inFlight = 20;
        o.rate = 200;
        o.latencySeconds = 0.25;
        o.smallDevices = 20;
        o.repeats = 1;
        o.offlineDevices = 2;
        o.offlinePerDevice = 25;
    } else {
        o.latencySeconds = 2 * o.seconds;
    }
    if (o.devices < 2 || o.devices % 2 || o.inFlight < 1 || o.rate <= 0 || o.seconds <= 0 ||
        o.offlineDevices > o.devices / 2 || o.seconds > 15)
        return usage();
    o.smallDevices = std::min(o.smallDevices, o.devices);
    o.offlineDevices = std::min(o.offlineDevices, o.smallDevices / 2);
    ::signal(SIGPIPE, SIG_IGN);
    try {
        Bench bench(o);
        return bench.main(commandLine);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "verbatim-relay-load: unexpected error: %s\n", e.what());
        return 1;
    }
}
