/// @file BenchIo.cpp
/// What arrives on the io thread: connections opened and closed, pushes and
/// acknowledgements, acknowledgements sent in batches; and the CPU each run
/// cost.
#include "Bench.h"

namespace verbatim::relayload {

void Bench::onOpened(int device, bool ok, const std::string& why) {
    if (ok) {
        ++m_opened;
    } else {
        ++m_openFailed;
        if (m_firstError.empty())
            m_firstError = "device " + std::to_string(device) + " login failed: " + why;
    }
    if (m_onOpen) m_onOpen(device);
}

void Bench::onClosed(int device, bool expected, const std::string& why) {
    ++m_closed;
    if (!expected) {
        ++m_unexpectedClose;
        if (m_firstError.empty())
            m_firstError = "device " + std::to_string(device) + " disconnected: " + why;
    }
}

void Bench::onFrame(int device, const char* data, std::size_t size) {
    auto now = nowNs();
    if (!m_frame.ParseFromArray(data, int(size))) {
        ++m_sendErrors;
        if (m_firstError.empty()) m_firstError = "unparseable frame from the relay";
        return;
    }
    if (m_frame.has_batch()) { // several frames in one message, as the app
                               // receives them
        ++m_batchesIn;
        proto::FrameBatch batch;
        batch.Swap(m_frame.mutable_batch());
        for (auto& inner : *batch.mutable_frames()) {
            m_frame.Swap(&inner);
            onOneFrame(device, now);
        }
        return;
    }
    onOneFrame(device, now);
}

void Bench::onOneFrame(int device, std::int64_t now) {
    if (m_frame.has_push()) {
        if (!m_frame.push().has_envelope()) return; // pre-key and conversation notices
        const auto& e = m_frame.push().envelope();
        const std::string& mid = e.message_id();
        std::uint64_t k = 0;
        for (std::size_t b = 6; b < 14 && b < mid.size(); ++b)
            k = (k << 8) | std::uint8_t(mid[b]);
        if (mid.size() != 16 || k >= m_msgs.size() || m_msgs[k].sender < 0 ||
            m_devices[std::size_t(m_msgs[k].sender)].partner != device) {
            ++m_misrouted;
            return;
        }
        auto& d = m_devices[std::size_t(device)];
        d.conn->pendingAcks.push_back(e.queue_id());
        queueAck(device);
        auto& m = m_msgs[k];
        if (++m.deliveries > 1) {
            ++m_duplicates;
            return;
        }
        m.deliveredNs = now;
        ++m_delivered;
        m_lastDeliveredNs = now;
        if (std::int64_t(k) < d.lastDelivered) ++m_outOfOrder;
        d.lastDelivered = std::int64_t(k);
        switch (m_mode) {
        case Mode::Closed:
            --m_inFlight;
            if (!m_stopIssuing && !m_exhausted && !sendRoundRobin()) {
                m_exhausted = true;
                m_exhaustedNs = now;
            }
            break;
        case Mode::Open:
        case Mode::Drain:
            --m_inFlight;
            break;
        case Mode::Store:
            ++m_unexpectedDeliveries;
            break;
        case Mode::Idle:
            break;
        }
        return;
    }
    if (!m_frame.has_response()) return;
    const auto& r = m_frame.response();
    std::uint64_t id = m_frame.id();
    if (id == 0) { // acknowledgements are one-way: a response means it was refused
        if (r.status() != proto::STATUS_OK) {
            ++m_ackErrors;
            if (m_firstError.empty()) m_firstError = "acknowledge refused: " + r.error();
        }
        return;
    }
    if (id == 0 || id > m_msgs.size()) return;
    auto& m = m_msgs[id - 1];
    if (r.status() == proto::STATUS_UNAVAILABLE && m_mode == Mode::Open) {
        // Offered above the relay's capacity, it sheds sends with "busy, retry later" rather
        // than queue without bound: counted as such, and no longer awaited.
        m.shed = true;
        ++m_shed;
        --m_inFlight;
    } else if (r.status() != proto::STATUS_OK) {
        ++m_sendErrors;
        if (m_firstError.empty())
            m_firstError = "send refused (" + std::to_string(int(r.status())) + "): " + r.error();
    } else {
        m.stored = true;
        m.storedNs = now;
        ++m_stored;
        m_lastStoredNs = now;
    }
    if (m_mode == Mode::Store) {
        --m_inFlight;
        if (!m_stopIssuing) sendNext(m.sender); // each sender keeps its own window full
    }
}

void Bench::queueAck(int device) {
    auto& c = *m_devices[std::size_t(device)].conn;
    if (c.pendingAcks.size() >= 64) return flushAcks(device);
    if (!c.ackQueued) {
        c.ackQueued = true;
        m_ackDirty.push_back(device);
    }
    if (!m_ackTimerArmed) {
        m_ackTimerArmed = true;
        m_ackTimer->expires_after(std::chrono::milliseconds(20));
        m_ackTimer->async_wait([this](beast::error_code) {
            m_ackTimerArmed = false;
            auto dirty = std::move(m_ackDirty);
            m_ackDirty.clear();
            for (int dev : dirty) {
                auto& conn = m_devices[std::size_t(dev)].conn;
                if (!conn) continue;
                conn->ackQueued = false;
                flushAcks(dev);
            }
        });
    }
}

void Bench::flushAcks(int device) {
    auto& c = *m_devices[std::size_t(device)].conn;
    if (c.pendingAcks.empty()) return;
    proto::Frame f;
    f.set_id(0); // one-way, as the app sends them: the relay answers only a failure
    auto* ack = f.mutable_request()->mutable_acknowledge();
    for (auto q : c.pendingAcks)
        ack->add_queue_ids(q);
    m_acksSent += c.pendingAcks.size();
    ++m_ackRequests;
    c.pendingAcks.clear();
    c.send(std::make_shared<const std::string>(f.SerializeAsString()));
}

void Bench::runUntil(const std::function<bool()>& done, double timeoutSeconds) {
    auto deadline = nowNs() + std::int64_t(timeoutSeconds * 1e9);
    while (!done() && nowNs() < deadline) {
        if (m_ioc.stopped()) m_ioc.restart();
        m_ioc.run_for(std::chrono::milliseconds(10));
    }
}

RunCpu Bench::cpuSince(const CpuTimes& c0, double gen0, const std::map<std::string, double>& m0,
                       std::int64_t t0) {
    RunCpu r;
    auto c1 = m_relay.cpu();
    r.wall = seconds(nowNs() - t0);
    r.relayTotal = c1.total - c0.total;
    auto threadDelta = [&](const std::string& name) {
        auto a = c0.threads.find(name);
        auto b = c1.threads.find(name);
        return (b == c1.threads.end() ? 0.0 : b->second) -
               (a == c0.threads.end() ? 0.0 : a->second);
    };
    // The checkpointer's copying is storage work.
    r.relayStorage = threadDelta("vr-storage") + threadDelta("vr-checkpoint");
    r.relayNet = threadDelta("vr-net");
    std::string split;
    for (const auto& [name, cpu] : c1.threads)
        split += " " + name + "=" + std::to_string(threadDelta(name));
    note("  relay CPU %.2f s over %.2f s wall; per thread:%s", r.relayTotal, r.wall, split.c_str());
    r.generator = threadCpuSeconds() - gen0;
    if (m_pinned) {
        r.other0 = std::max(0.0, c1.core[0] - c0.core[0] - r.relayTotal);
        r.other1 = std::max(0.0, c1.core[1] - c0.core[1] - r.generator);
    }
    auto m1 = m_relay.metrics();
    auto get = [](const std::map<std::string, double>& m, const char* k) {
        auto it = m.find(k);
        return it == m.end() ? 0.0 : it->second;
    };
    r.jobs = get(m1, "verbatim_storage_jobs_total") - get(m0, "verbatim_storage_jobs_total");
    r.batches =
        get(m1, "verbatim_storage_batches_total") - get(m0, "verbatim_storage_batches_total");
    r.batchMicros = get(m1, "verbatim_storage_batch_microseconds_total") -
                    get(m0, "verbatim_storage_batch_microseconds_total");
    r.slowBatches = get(m1, "verbatim_storage_slow_batches_total") -
                    get(m0, "verbatim_storage_slow_batches_total");
    return r;
}

std::string Bench::cpuRow(const std::string& name, const RunCpu& cpu) const {
    char c[320];
    double n = std::max(1.0, cpu.messages);
    std::snprintf(
        c, sizeof c,
        "| %s | %.0f%% | %.0f%% (%.0f µs) | %.0f%% (%.0f µs) | %.0f | "
        "%.1f | %.1f ms / %.0f | "
        "%.0f%% | %.0f%% / %.0f%% |",
        name.c_str(), 100 * cpu.relayTotal / cpu.wall, 100 * cpu.relayNet / cpu.wall,
        1e6 * cpu.relayNet / n, 100 * cpu.relayStorage / cpu.wall, 1e6 * cpu.relayStorage / n,
        1e6 * cpu.relayTotal / n, cpu.batches ? cpu.jobs / cpu.batches : 0.0,
        cpu.batches ? cpu.batchMicros / cpu.batches / 1000 : 0.0, cpu.slowBatches,
        100 * cpu.generator / cpu.wall, 100 * cpu.other0 / cpu.wall, 100 * cpu.other1 / cpu.wall);
    return c;
}

} // namespace verbatim::relayload
