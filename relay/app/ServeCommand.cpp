/// @file ServeCommand.cpp
/// serve: the relay itself, with its configuration file, systemd notification and watchdog, and the certificate reload on SIGHUP.
#include "relay/app/RelayApp.h"

#include <algorithm>
#include <thread>

namespace verbatim::relayapp {

std::pair<std::string, std::uint16_t> splitHostPort(const std::string& s, std::uint16_t def) {
    auto colon = s.rfind(':');
    if (colon == std::string::npos) return {s, def};
    return {s.substr(0, colon), std::uint16_t(std::stoi(s.substr(colon + 1)))};
}

// SIGHUP: new connections get the certificate and key now in the files; a bad pair is refused
// and the old one stays. The notify messages let `systemctl reload` wait for the outcome.
void reloadCertificate(relay::RelayServer& server, const relay::SystemdNotify& notify,
                       const relay::ServerConfig& config) {
    notify.send("RELOADING=1");
    const auto start = std::chrono::steady_clock::now();
    auto r = server.reloadCertificate();
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                        std::chrono::steady_clock::now() - start)
                        .count();
    if (r) {
        log::write(log::Level::Info, "relay.tls_reloaded",
                   {{"cert", config.certFile}, {"us", std::to_string(us)}});
        notify.send("READY=1\nSTATUS=certificate reloaded");
    } else {
        log::write(log::Level::Error, "relay.tls_reload_failed",
                   {{"reason", r.error().message}, {"kept", "the previous certificate"}});
        notify.send("READY=1\nSTATUS=certificate reload failed, previous certificate kept: " +
                    r.error().message);
    }
}

int cmdServe(const Args& a) {
    if (a.opt("data").empty()) return usage();
    // Keys live in this process: no core dumps, no ptrace by other users (TeleMessage lesson).
    prctl(PR_SET_DUMPABLE, 0);
    rlimit none{0, 0};
    setrlimit(RLIMIT_CORE, &none);
    // SIGINT and SIGTERM are taken by sigtimedwait below. Blocked before any thread starts
    // (openService starts the storage and checkpoint threads): a thread that did not block them
    // would take the signal's default action and kill the process without a clean stop.
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP); // re-read the TLS certificate and key (systemctl reload)
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    relay::SystemdNotify notify;
    DataDir d{a.opt("data"), a.opt("store")};
    auto keys = relayKeys(a, d);
    if (!keys) return die(keys.error().message);
    bool benchLimits = !a.opt("bench-limits").empty();
    {
        // A CA-issued certificate (--cert) needs no pin in links; the self-signed one does.
        std::string pin;
        if (a.opt("cert").empty()) {
            auto fp = relay::certificateFingerprint(a.opt("cert", d.cert().string()));
            if (!fp) return die(fp.error().message);
            pin = *fp;
        }
        if (auto w = writeFile(d.tlsPin(), view(pin), false); !w) return die(w.error().message);
    }
    std::string signatures = a.opt("journal-signatures", "relay");
    if (signatures != "relay" && signatures != "compliance")
        return die("--journal-signatures must be relay or compliance");
    const auto windowUs = a.number("commit-window-us", 1000, 0, 100000);
    if (!windowUs) return die("--commit-window-us must be 0..100000");
    const auto cacheMiB = a.number("db-cache-mib", 64, 2, 65536);
    if (!cacheMiB) return die("--db-cache-mib must be 2..65536");
    // The second connection is opened once, inside openService; its copy of the key is wiped then.
    auto checkpointKey = std::make_shared<SecureBytes>(keys->db);
    auto service = openService(
        d, std::move(*keys), benchLimits,
        [&](relay::RelayConfig& c) {
            c.verifyJournalSignatures = signatures == "relay";
            c.commitWindow = std::chrono::microseconds(*windowUs);
            // Attachment limits, defaults from BlobPolicy; the command-line table has checked ranges.
            const relay::BlobPolicy def;
            auto mib = [&](const char* name, std::uint64_t bytes) {
                const long mibs = long(bytes >> 20);
                return std::uint64_t(a.number(name, mibs, 0, 1l << 40).value_or(mibs)) << 20;
            };
            auto count = [&](const char* name, std::uint32_t n) {
                return std::uint32_t(a.number(name, long(n), 0, 1000000).value_or(long(n)));
            };
            auto seconds = [&](const char* name, std::chrono::milliseconds t) {
                const long secs = long(std::chrono::duration_cast<std::chrono::seconds>(t).count());
                return std::chrono::seconds(a.number(name, secs, 1, 365l * 86400).value_or(secs));
            };
            c.blobs.client = {mib("blob-quota-client-mib", def.client.quotaBytes),
                              mib("blob-rate-client-mib", def.client.bytesPerHour),
                              count("blob-uploads-client", def.client.uploadsPerHour)};
            c.blobs.staff = {mib("blob-quota-staff-mib", def.staff.quotaBytes),
                             mib("blob-rate-staff-mib", def.staff.bytesPerHour),
                             count("blob-uploads-staff", def.staff.uploadsPerHour)};
            c.blobs.reserveBytes = mib("blob-reserve-mib", def.reserveBytes);
            c.blobs.reservePercent = count("blob-reserve-percent", def.reservePercent);
            c.blobs.grace = seconds("blob-grace-s", def.grace);
            c.blobs.sweepInterval = seconds("blob-sweep-s", def.sweepInterval);
            // Journal pruning (issue 22): rows every active compliance device acknowledged go
            // once older than the safety window (0 days: at once, for tests).
            c.journalPruneAfter = std::chrono::hours(
                24 * a.number("journal-prune-after-days", 30, 0, 36500).value_or(30));
            c.journalPruneInterval = std::chrono::seconds(
                a.number("journal-prune-interval-s", 60, 1, 86400).value_or(60));
            // UnifiedPush wake-ups (issue 23); loopback endpoints only for tests' receivers.
            c.push.allowLoopback = !a.opt("push-allow-loopback").empty();
            c.push.minInterval = seconds("push-min-interval-seconds", c.push.minInterval);
            c.push.maxPerSecond =
                double(a.number("push-max-per-second", 50, 1, 10000).value_or(50));
            // The WAL is checkpointed on a second connection off the storage thread
            // (SQLCipher; PostgreSQL checkpoints by itself).
            // Other nodes' sends wake this one's devices (LISTEN/NOTIFY on the store).
            c.postgresUrl = d.store;
            if (d.store.empty())
                c.openCheckpointConnection = [d, checkpointKey] {
                    return openRelayDatabase(d, *checkpointKey);
                };
        },
        std::uint32_t(*cacheMiB) * 1024);
    SecureBytes().swap(*checkpointKey); // freed, so wiped (SecureBytes)
    if (service && signatures == "compliance")
        log::write(log::Level::Info, "relay.journal_signatures", {{"checked_by", "compliance"}});
    if (!service) return die(service.error().message);
    if (benchLimits)
        log::write(log::Level::Warn, "relay.bench_limits",
                   {{"note", "rate limits lifted for a load test"}});
    relay::ServerConfig config;
    std::tie(config.listenAddress, config.port) =
        splitHostPort(a.opt("listen", "127.0.0.1:8443"), 8443);
    std::tie(config.adminAddress, config.adminPort) =
        splitHostPort(a.opt("admin-listen", "127.0.0.1:9443"), 9443);
    config.certFile = a.opt("cert", d.cert().string());
    if (benchLimits) config.connectsPerAddress = relay::BucketSpec{1e12, 1e12};
    // The command-line table has checked these ranges already.
    config.maxSessionsPerDevice =
        std::size_t(a.number("max-sessions-per-device", 1, 1, 64).value_or(1));
    config.maxRequestsInFlight =
        std::size_t(a.number("max-requests-in-flight", 128, 1, 65536).value_or(128));
    config.maxPendingRequests =
        std::size_t(a.number("max-pending-requests", 16384, 1, 10000000).value_or(16384));
    // Sends' signature checks: one thread per core by default; none to spare when compliance
    // checks the signatures instead (0: on the I/O thread).
    {
        const long cores = long(std::max(1u, std::thread::hardware_concurrency()));
        config.verifyThreads = int(
            a.number("verify-threads", signatures == "relay" ? cores : 0, 0, 256).value_or(cores));
    }
    // Network threads: one per core by default. Each connection's handlers run on its own strand,
    // so a session's state is touched by one thread at a time whichever thread runs it.
    {
        const long cores = long(std::max(1u, std::thread::hardware_concurrency()));
        config.ioThreads = int(a.number("io-threads", cores, 1, 256).value_or(cores));
    }
    config.writeStallTimeout =
        std::chrono::seconds(a.number("write-stall-timeout-s", 30, 1, 3600).value_or(30));
    config.keyFile = a.opt("key", d.tlsKey().string());
    config.blobDir = d.blobs().string();
    // The watchdog is fed from the network loop, and only while the storage thread also answers:
    // each beat asks it for a sign of life, and the next beat pings only if one came back
    // within the watchdog interval. Half the interval between beats, as sd_watchdog_enabled(3)
    // advises.
    auto storageAliveMs = std::make_shared<std::atomic<std::uint64_t>>(relay::monotonicMs());
    if (notify.enabled() && notify.watchdogInterval().count() > 0) {
        const auto interval =
            std::chrono::duration_cast<std::chrono::milliseconds>(notify.watchdogInterval());
        config.heartbeatInterval = std::max(std::chrono::milliseconds(1), interval / 2);
        relay::RelayService* core = service->get();
        config.heartbeat = [&notify, core, storageAliveMs,
                            limit = std::uint64_t(interval.count())] {
            const std::uint64_t now = relay::monotonicMs();
            if (now - storageAliveMs->load() < limit) notify.send("WATCHDOG=1");
            core->storage().postBetweenBatches([storageAliveMs](storage::Database&) {
                storageAliveMs->store(relay::monotonicMs());
            });
        };
    }
    std::error_code fsError;
    fs::create_directories(d.blobs(), fsError);
    if (fsError) return die("cannot create " + d.blobs().string());
    auto server = relay::RelayServer::start(**service, config);
    if (!server) return die(server.error().message);
    std::printf("verbatim-relay listening on %s:%u (admin %s:%u)\n", config.listenAddress.c_str(),
                unsigned((*server)->port()), config.adminAddress.c_str(),
                unsigned((*server)->adminPort()));
    std::fflush(stdout);
    log::write(log::Level::Info, "relay.started", {{"port", std::to_string((*server)->port())}});
    // Both listeners accept from here (start() listened on both before it returned).
    notify.send("READY=1\nSTATUS=serving on port " + std::to_string((*server)->port()) +
                " (admin port " + std::to_string((*server)->adminPort()) + ")");
    // Revocations and wipes made by `verbatim-relay admin` in another process reach live
    // connections within half a second.
    int caught = 0;
    timespec tick{0, 500 * 1000 * 1000};
    while (true) {
        while ((caught = sigtimedwait(&set, nullptr, &tick)) < 0)
            (*service)->applyExternalChanges();
        if (caught != SIGHUP) break; // ct-ok: a signal number, not a signature
        reloadCertificate(**server, notify, config);
    }
    notify.send("STOPPING=1");
    log::write(log::Level::Info, "relay.stopping", {{"signal", std::to_string(caught)}});
    (*server)->stop();
    service->reset(); // saves the rate-limit buckets, then stops storage
    log::write(log::Level::Info, "relay.stopped");
    return 0;
}

} // namespace verbatim::relayapp
