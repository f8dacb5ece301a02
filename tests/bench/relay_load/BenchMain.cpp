/// @file BenchMain.cpp
/// One whole run: setup, every phase in order, the results table and the
/// verdict.
#include "Bench.h"

namespace verbatim::relayload {

int Bench::main(const std::string& commandLine) {
    int cpus = int(sysconf(_SC_NPROCESSORS_ONLN));
    m_pinned = cpus >= 2;
    if (!m_pinned) note("only %d CPU online: relay and generator are not pinned", cpus);
    auto setupStart = nowNs();
    setup();
    double setupSeconds = seconds(nowNs() - setupStart);
    if (auto threads = m_relay.cpu().threads.size(); threads != 3)
        note("relay has %zu threads, not 3 (main, storage, net): the per-thread "
             "split may be "
             "mislabelled",
             threads);

    // The TLS client context: the relay's certificate is pinned by its SHA-256.
    m_tls.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                      ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    m_tls.set_verify_mode(ssl::verify_peer);
    m_tls.set_verify_callback([pin = m_pin](bool, ssl::verify_context& vc) {
        X509_STORE_CTX* store = vc.native_handle();
        if (X509_STORE_CTX_get_error_depth(store) != 0) return true;
        X509* cert = X509_STORE_CTX_get_current_cert(store);
        unsigned char md[32];
        unsigned int len = 0;
        if (!cert || X509_digest(cert, EVP_sha256(), md, &len) != 1) return false;
        return toHex(ByteView(md, len)) == pin;
    });
    m_ackTimer.emplace(m_ioc);
    if (m_pinned && !pinThreadTo({1})) die("cannot pin the generator to core 1");

    // Signature check cost, measured here on core 1 with this run's entries: the
    // relay does one per send on its I/O thread.
    double verifyUs = 0;
    {
        preparePool({{0, 200}});
        std::vector<journal::SealedEntry> entries;
        for (auto k : m_devices[0].pool) {
            proto::Frame f;
            f.ParseFromString(*m_msgs[k].frame);
            entries.push_back(must(
                journal::SealedEntry::parse(view(f.request().send().journal_entry())), "entry"));
        }
        Bytes ik = must(m_devices[0].sessions->identityPublicKey(), "identity");
        std::vector<double> batches;
        for (int b = 0; b < 5; ++b) {
            auto t0 = nowNs();
            for (auto& e : entries)
                if (!journal::verifyEntrySignature(e, ik)) die("own journal entry does not verify");
            batches.push_back(seconds(nowNs() - t0) * 1e6 / double(entries.size()));
        }
        verifyUs = median(batches);
        for (auto k : m_devices[0].pool)
            m_msgs[k].sentNs = 0; // never sent
        dropPool({0});
    }
    note("journal signature check: %.0f µs per entry on this core", verifyUs);

    // Login of every device; RSS before and after, idle.
    std::vector<int> all;
    for (int i = 0; i < m_opt.devices; ++i)
        all.push_back(i);
    runUntil([] { return false; }, 0.5);
    long rss0 = m_relay.rssKiB();
    auto c0 = m_relay.cpu();
    auto m0 = m_relay.metrics();
    double gen0 = threadCpuSeconds();
    std::int64_t t0 = nowNs(), lastOpen = t0;
    connectDevices(all, 200, &lastOpen);
    double loginRate = double(m_opt.devices) / seconds(lastOpen - t0);
    RunCpu loginCpu = cpuSince(c0, gen0, m0, t0);
    loginCpu.messages = m_opt.devices;
    m_cpuRows.push_back(cpuRow("login (per login)", loginCpu));
    runUntil([] { return false; }, 2); // idle
    long rss1 = m_relay.rssKiB();
    double perThousandMiB = double(rss1 - rss0) / double(m_opt.devices) * 1000.0 / 1024.0;
    note("login: %.0f/s; relay RSS %ld -> %ld KiB", loginRate, rss0, rss1);

    auto closedRows = [&](const std::vector<int>& online) {
        std::vector<double> rates;
        RunCpu cpu{};
        if (m_opt.smoke) {
            rates.push_back(closedLoop(online, 100, 20, &cpu));
        } else {
            // Warm-up sizes the pools: 1.25 × what a run could deliver at the
            // warm-up's rate.
            double warm =
                closedLoop(online, std::size_t(std::max(4 * m_opt.inFlight, 10000)), 1, nullptr);
            note("closed loop, %zu online: warm-up %.0f msg/s", online.size(), warm);
            auto pool = std::size_t(warm * m_opt.seconds * 1.25) + std::size_t(m_opt.inFlight);
            std::vector<RunCpu> cpus;
            for (int r = 0; r < m_opt.repeats; ++r) {
                RunCpu c;
                rates.push_back(closedLoop(online, pool, m_opt.seconds, &c));
                cpus.push_back(c);
                note("closed loop, %zu online: run %d: %.0f msg/s", online.size(), r + 1,
                     rates.back());
            }
            // CPU of the median run.
            std::vector<std::size_t> order(rates.size());
            for (std::size_t i = 0; i < order.size(); ++i)
                order[i] = i;
            std::sort(order.begin(), order.end(),
                      [&](auto a, auto b) { return rates[a] < rates[b]; });
            cpu = cpus[order[order.size() / 2]];
        }
        auto [lo, hi] = std::minmax_element(rates.begin(), rates.end());
        std::string result = thousands(median(rates)) + " msg/s";
        if (rates.size() > 1)
            result += " (median of " + std::to_string(rates.size()) + "; " + thousands(*lo) + "-" +
                      thousands(*hi) + ")";
        bool small = online.size() == 200, large = online.size() == 2000;
        m_rows[online.size() < all.size() ? "1" : "2"] =
            Row({"delivered msg/s, " + thousands(double(online.size())) +
                     " devices online, closed loop, " + thousands(m_opt.inFlight) + " in flight",
                 result,
                 small   ? "≥ 20,000"
                 : large ? "≥ 14,000"
                         : "-",
                 small   ? "~10,000"
                 : large ? "~6,800"
                         : "-"});
        m_cpuRows.push_back(
            cpuRow("closed loop, " + thousands(double(online.size())) + " online", cpu));
        return median(rates);
    };

    double capacity = closedRows(all);
    latencyRun(m_opt.rate, m_opt.latencySeconds, "3", "");
    if (!m_opt.smoke) {
        // The same at half of what the relay delivered closed-loop: latency below
        // saturation.
        double half = std::max(100.0, std::round(capacity / 2 / 100) * 100);
        latencyRun(half, m_opt.seconds, "3b", " (half the closed-loop rate above)");
    }
    if (m_opt.devices > m_opt.smallDevices) {
        std::vector<int> keep(all.begin(), all.begin() + m_opt.smallDevices),
            rest(all.begin() + m_opt.smallDevices, all.end());
        closeDevices(rest);
        closedRows(keep);
    }
    offlineRun();
    m_rows["6"] = Row({"login rate (TLS + WebSocket upgrade + device auth), " +
                           thousands(m_opt.devices) + " devices, up to 200 logins in progress",
                       thousands(loginRate) + " logins/s (relay CPU " +
                           thousands(1e6 * loginCpu.relayTotal / m_opt.devices) + " µs per login)",
                       "-", "-"});
    char rss[160];
    std::snprintf(rss, sizeof rss, "%.1f MiB (%.1f KiB per connection; VmRSS %s -> %s KiB)",
                  perThousandMiB, perThousandMiB * 1024 / 1000, thousands(double(rss0)).c_str(),
                  thousands(double(rss1)).c_str());
    m_rows["7"] =
        Row({"relay RSS per 1,000 idle connections (" + thousands(m_opt.devices) + " opened)", rss,
             "≤ 24.4 MiB (25 KiB per connection)", "~50 MiB"});

    // A send's acknowledgement and its delivery travel on different connections:
    // collect the last acknowledgements. Then the verdict: every message sent was
    // stored and delivered exactly once.
    runUntil([&] { return m_stored + m_sendErrors + m_shed >= m_sent; }, 10);
    std::uint64_t sent = 0, notDelivered = 0, notStored = 0;
    for (auto& m : m_msgs) {
        if (!m.sentNs || m.shed) continue;
        ++sent;
        if (m.deliveries != 1) ++notDelivered;
        if (!m.stored) ++notStored;
    }
    bool ok = notDelivered == 0 && notStored == 0 && m_duplicates == 0 && m_misrouted == 0 &&
              m_sendErrors == 0 && m_ackErrors == 0 && m_unexpectedClose == 0 &&
              m_outOfOrder == 0 && m_unexpectedDeliveries == 0;

    std::printf("\n## verbatim-relay load benchmark\n\n");
    std::printf("Command: `%s`\n\n", commandLine.c_str());
    std::string cpuModel = "unknown CPU";
    {
        std::ifstream f("/proc/cpuinfo");
        std::string line;
        while (std::getline(f, line))
            if (line.rfind("model name", 0) == 0) {
                cpuModel = line.substr(line.find(':') + 2);
                break;
            }
    }
    std::string serveExtra;
    for (const auto& a : m_opt.serveArgs)
        serveExtra += " " + a;
    std::printf("Machine: %d cores (%s), shared with other work, so figures are noisy. "
                "Relay "
                "(`verbatim-relay serve --bench-limits%s`, TLS 1.3, SQLCipher with "
                "synchronous=FULL) %s; "
                "the generator (one io_context thread, %s TLS WebSockets) %s. Loopback "
                "only.\n\n",
                cpus, cpuModel.c_str(), serveExtra.c_str(),
                m_pinned ? ("pinned to cores " + m_opt.relayCores + " (taskset -c)").c_str()
                         : "not pinned",
                thousands(m_opt.devices).c_str(), m_pinned ? "pinned to core 1" : "not pinned");
    std::printf("| measure | verbatim-relay (1 core) | goal (issue 3) | ejabberd "
                "23.01 (issue 3) "
                "|\n|---|---|---|---|\n");
    for (auto& [key, r] : m_rows)
        std::printf("| %s | %s | %s | %s |\n", r.what.c_str(), r.result.c_str(), r.goal.c_str(),
                    r.ejabberd.c_str());
    std::printf("\nWhere the relay's core goes (CPU time from "
                "/proc/PID/task/*/stat over the timed window; "
                "core 0 = 100%%; jobs per commit and batch times from /metrics; "
                "other processes from "
                "/proc/stat):\n\n");
    std::printf("| run | relay total | relay net thread (per msg) | relay "
                "storage and checkpoint threads "
                "(per msg) | relay "
                "CPU µs "
                "per msg | storage jobs per commit | batch wall time (mean) / "
                "batches of 10 ms or more | "
                "generator (core 1) | other processes on core 0 / 1 |\n"
                "|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (auto& c : m_cpuRows)
        std::printf("%s\n", c.c_str());
    bool relayVerifies = true;
    for (std::size_t i = 0; i + 1 < m_opt.serveArgs.size(); ++i)
        if (m_opt.serveArgs[i] == "--journal-signatures")
            relayVerifies = m_opt.serveArgs[i + 1] == "relay";
    if (relayVerifies)
        std::printf("\nJournal signature check (XEdDSA verify, done by the relay's "
                    "net thread once per "
                    "send): %.0f µs "
                    "per entry measured on this machine, a ceiling of %s sends/s "
                    "for one core doing "
                    "nothing else.\n",
                    verifyUs, thousands(1e6 / verifyUs).c_str());
    else
        std::printf("\nJournal signatures left to compliance "
                    "(`--journal-signatures compliance`): the "
                    "relay checked each entry's form, message id, sender and "
                    "journal key but not its "
                    "XEdDSA signature (%.0f µs per entry on this machine).\n",
                    verifyUs);
    std::printf("\nChecks: %s messages sent, %s not delivered exactly once, %s "
                "not acknowledged, %s "
                "duplicates, "
                "%s misrouted, %s out of order in the drain, %s send errors, %s "
                "ack errors, %s unexpected "
                "disconnects; %s deliveries acknowledged in %s requests; %s "
                "batches of frames received; %s sends of the latency run refused as busy "
                "(not counted above). "
                "Setup (enroll, invite, register) "
                "took %.0f s. Result: %s\n",
                thousands(double(sent)).c_str(), thousands(double(notDelivered)).c_str(),
                thousands(double(notStored)).c_str(), thousands(double(m_duplicates)).c_str(),
                thousands(double(m_misrouted)).c_str(), thousands(double(m_outOfOrder)).c_str(),
                thousands(double(m_sendErrors)).c_str(), thousands(double(m_ackErrors)).c_str(),
                thousands(double(m_unexpectedClose)).c_str(), thousands(double(m_acksSent)).c_str(),
                thousands(double(m_ackRequests)).c_str(), thousands(double(m_batchesIn)).c_str(),
                thousands(double(m_shed)).c_str(), setupSeconds, ok ? "PASS" : "FAIL");
    if (!m_firstError.empty()) std::printf("First error: %s\n", m_firstError.c_str());
    std::fflush(stdout);
    m_relay.stop();
    for (auto& d : m_devices)
        d.conn.reset();
    return ok ? 0 : 1;
}

} // namespace verbatim::relayload
