/// @file BenchPhases.cpp
/// The timed phases: connecting devices, the closed loop, the open-loop latency
/// run, the offline store-and-drain run.
#include "Bench.h"

namespace verbatim::relayload {

void Bench::connectDevices(const std::vector<int>& devices, int concurrency,
                           std::int64_t* lastOpenNs) {
    std::size_t nextIdx = 0;
    int target = m_opened + m_openFailed + int(devices.size());
    auto startOne = [&] {
        if (nextIdx >= devices.size()) return;
        int i = devices[nextIdx++];
        auto& d = m_devices[std::size_t(i)];
        d.conn = std::make_shared<Conn>(*this, i, m_ioc, m_tls);
        d.conn->start(m_endpoint, d.user + "/" + std::to_string(d.device), "Bearer " + d.secretHex);
    };
    m_onOpen = [&](int) {
        if (lastOpenNs) *lastOpenNs = nowNs();
        startOne();
    };
    for (int i = 0; i < concurrency; ++i)
        startOne();
    runUntil([&] { return m_opened + m_openFailed >= target; }, 60);
    m_onOpen = nullptr;
    if (m_opened + m_openFailed < target) die("logins did not finish within 60 s");
    if (m_openFailed) die(m_firstError);
}

void Bench::closeDevices(const std::vector<int>& devices) {
    int target = m_closed + int(devices.size());
    for (int i : devices) {
        flushAcks(i);
        m_devices[std::size_t(i)].conn->close();
    }
    runUntil([&] { return m_closed >= target; }, 30);
    // Let the relay see the closes before anything is sent to these devices.
    runUntil([] { return false; }, 0.3);
    for (int i : devices)
        m_devices[std::size_t(i)].conn.reset();
}

// One closed-loop run: returns delivered messages/s over the timed window.
double Bench::closedLoop(const std::vector<int>& senders, std::size_t poolTotal, double runSeconds,
                         RunCpu* cpu) {
    const std::size_t firstMsg = prepareEvenly(senders, poolTotal);
    m_stopIssuing = false;
    m_exhausted = false;
    m_mode = Mode::Closed;
    std::uint64_t delivered0 = m_delivered;
    auto c0 = m_relay.cpu();
    auto m0 = m_relay.metrics();
    double gen0 = threadCpuSeconds();
    std::int64_t t0 = nowNs();
    for (int i = 0; i < m_opt.inFlight; ++i)
        if (!sendRoundRobin()) break;
    std::int64_t tEnd = t0 + std::int64_t(runSeconds * 1e9);
    runUntil([&] { return m_exhausted || nowNs() >= tEnd; }, runSeconds + 1);
    std::int64_t windowEnd = m_exhausted ? std::min(m_exhaustedNs, tEnd) : tEnd;
    m_stopIssuing = true;
    if (cpu) {
        *cpu = cpuSince(c0, gen0, m0, t0);
        cpu->messages = double(m_delivered - delivered0);
    }
    runUntil([&] { return m_inFlight <= 0; }, 30);
    m_mode = Mode::Idle;
    if (m_inFlight > 0)
        die("closed loop: " + std::to_string(m_inFlight) + " messages not delivered within 30 s");
    std::uint64_t inWindow = 0;
    for (std::size_t k = firstMsg; k < m_msgs.size(); ++k)
        if (m_msgs[k].deliveredNs && m_msgs[k].deliveredNs <= windowEnd) ++inWindow;
    dropPool(senders);
    return double(inWindow) / seconds(windowEnd - t0);
}

void Bench::latencyRun(double rate, double runSeconds, const std::string& key,
                       const std::string& extra) {
    std::vector<int> senders;
    for (int i = 0; i < m_opt.devices; ++i)
        senders.push_back(i);
    auto total = std::size_t(rate * runSeconds);
    const std::size_t firstMsg = prepareEvenly(senders, total);
    m_mode = Mode::Open;
    auto c0 = m_relay.cpu();
    auto m0 = m_relay.metrics();
    double gen0 = threadCpuSeconds();
    std::int64_t t0 = nowNs(), lastSend = t0;
    std::size_t issued = 0;
    net::steady_timer pacer(m_ioc);
    std::function<void()> tick = [&] {
        auto now = nowNs();
        auto due = std::min(total, std::size_t(seconds(now - t0) * rate));
        while (issued < due && sendRoundRobin())
            ++issued;
        lastSend = now;
        if (issued >= total) return;
        pacer.expires_after(std::chrono::milliseconds(1));
        pacer.async_wait([&](beast::error_code ec) {
            if (!ec) tick();
        });
    };
    std::uint64_t delivered0 = m_delivered, shed0 = m_shed;
    tick();
    runUntil([&] { return issued >= total; }, runSeconds * 1.5 + 5);
    RunCpu cpu = cpuSince(c0, gen0, m0, t0);
    cpu.messages = double(m_delivered - delivered0);
    // Above the relay's capacity a backlog builds up: let it drain, within the
    // phase's 60 s.
    runUntil([&] { return m_inFlight <= 0; }, 60 - runSeconds);
    m_mode = Mode::Idle;
    if (issued < total) die("latency run: the generator could not issue its messages in time");
    if (m_inFlight > 0)
        die("latency run: " + std::to_string(m_inFlight) + " messages not delivered in time");

    // Samples from the first 10% of the run are warm-up and left out.
    std::int64_t warm = t0 + std::int64_t(runSeconds * 0.1 * 1e9);
    std::vector<std::int64_t> lat;
    std::int64_t lastDeliver = t0;
    for (std::size_t k = firstMsg; k < m_msgs.size(); ++k) {
        auto& m = m_msgs[k];
        if (!m.sentNs || m.shed) continue;
        lastDeliver = std::max(lastDeliver, m.deliveredNs);
        if (m.sentNs >= warm) lat.push_back(m.deliveredNs - m.sentNs);
    }
    const std::uint64_t shed = m_shed - shed0;
    double achieved = double(issued) / seconds(lastSend - t0);
    double deliveredRate = double(issued - shed) / seconds(lastDeliver - t0);
    auto samples = lat.size();
    double p50 = percentile(lat, 50) / 1e6, p99 = percentile(lat, 99) / 1e6,
           p999 = percentile(lat, 99.9) / 1e6, pmax = percentile(lat, 100) / 1e6;
    dropPool(senders);
    char buf[256];
    std::snprintf(
        buf, sizeof buf,
        "%.1f / %.1f ms (p99.9 %.0f, max %.0f; achieved %s msg/s "
        "offered, %s delivered; "
        "%s samples%s)",
        p50, p99, p999, pmax, thousands(achieved).c_str(), thousands(deliveredRate).c_str(),
        thousands(double(samples)).c_str(),
        shed ? ("; saturated: " + thousands(double(shed)) + " refused as busy by the relay").c_str()
             : "");
    m_rows[key] = Row({"p50 / p99 send-to-deliver latency at " + thousands(rate) +
                           " msg/s offered" + extra + ", " + thousands(m_opt.devices) +
                           " devices online (open loop, " + shortNumber(runSeconds) + " s)",
                       buf, key == "3" ? "p99 ≤ 10 ms" : "-", key == "3" ? "p99 30-60 ms" : "-"});
    m_cpuRows.push_back(cpuRow("latency @" + thousands(rate) + "/s", cpu));
    note("latency at %.0f/s: p50 %.2f ms, p99 %.2f ms, achieved %.0f msg/s", rate, p50, p99,
         achieved);
}

void Bench::offlineRun() {
    int n = m_opt.offlineDevices;
    std::vector<int> recipients, senders;
    for (int p = 0; p < n; ++p) {
        senders.push_back(2 * p);
        recipients.push_back(2 * p + 1);
    }
    closeDevices(recipients);
    std::vector<std::pair<int, int>> plan;
    for (int s : senders)
        plan.push_back({s, m_opt.offlinePerDevice});
    preparePool(plan);
    std::uint64_t total = std::uint64_t(n) * std::uint64_t(m_opt.offlinePerDevice);

    // Store: each sender keeps in-flight/n sends awaiting their acknowledgement.
    m_mode = Mode::Store;
    m_inFlight = 0;
    m_stopIssuing = false;
    std::uint64_t stored0 = m_stored;
    auto c0 = m_relay.cpu();
    auto m0 = m_relay.metrics();
    double gen0 = threadCpuSeconds();
    std::int64_t t0 = nowNs();
    int window = std::max(1, m_opt.inFlight / n);
    for (int s : senders)
        for (int i = 0; i < window; ++i)
            sendNext(s);
    runUntil([&] { return m_stored - stored0 >= total || m_sendErrors; }, 60);
    RunCpu storeCpu = cpuSince(c0, gen0, m0, t0);
    storeCpu.messages = double(m_stored - stored0);
    m_mode = Mode::Idle;
    if (m_stored - stored0 < total)
        die("offline store: only " + std::to_string(m_stored - stored0) + " of " +
            std::to_string(total) + " acknowledged (" + m_firstError + ")");
    double storeRate = double(total) / seconds(m_lastStoredNs - t0);

    // Drain: the recipients connect; time until every queued message has been
    // pushed.
    m_mode = Mode::Drain;
    m_inFlight = std::int64_t(total);
    for (int r : recipients)
        m_devices[std::size_t(r)].lastDelivered = -1;
    std::uint64_t delivered0 = m_delivered;
    c0 = m_relay.cpu();
    m0 = m_relay.metrics();
    gen0 = threadCpuSeconds();
    t0 = nowNs();
    connectDevices(recipients, n, nullptr);
    runUntil([&] { return m_delivered - delivered0 >= total; }, 60);
    RunCpu drainCpu = cpuSince(c0, gen0, m0, t0);
    drainCpu.messages = double(m_delivered - delivered0);
    m_mode = Mode::Idle;
    if (m_delivered - delivered0 < total)
        die("drain: only " + std::to_string(m_delivered - delivered0) + " of " +
            std::to_string(total) + " delivered within 60 s");
    double drainRate = double(total) / seconds(m_lastDeliveredNs - t0);
    runUntil([] { return false; }, 0.2); // let the last acknowledgements go out
    dropPool(senders);

    std::string label = std::to_string(n) + " × " + thousands(m_opt.offlinePerDevice);
    m_rows["4"] =
        Row({"offline store, " + label + " messages to offline devices (stored/s = send acks/s)",
             thousands(storeRate) + " msg/s", "≥ 20,000", "~600"});
    m_rows["5"] =
        Row({"offline drain, the " + std::to_string(n) +
                 " devices connect (delivered/s until all " + thousands(double(total)) + " are in)",
             thousands(drainRate) + " msg/s", "≥ 25,000", "~12,000"});
    m_cpuRows.push_back(cpuRow("offline store", storeCpu));
    m_cpuRows.push_back(cpuRow("offline drain", drainCpu));
    note("offline: stored %.0f msg/s, drained %.0f msg/s", storeRate, drainRate);
}

} // namespace verbatim::relayload
