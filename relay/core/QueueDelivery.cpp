/// @file QueueDelivery.cpp
/// RelayService's delivery of queued messages: the queue drain on connect, live pushes, and on
/// the PostgreSQL store the catch-up after another node's NOTIFY. Split from MessagesService.cpp.

#include "relay/core/JournalRows.h"
#include "relay/core/RelayServiceImpl.h"

namespace verbatim::relay {

using namespace impl;

namespace {

// The envelope push of a queuePageSql() row.
proto::Frame queuedEnvelope(const storage::StatementLease& st) {
    proto::Push p;
    auto* e = p.mutable_envelope();
    e->set_queue_id(std::uint64_t(st.columnInt(0)));
    Bytes mid = st.columnBlob(1), body = st.columnBlob(6), c = st.columnBlob(8);
    e->set_message_id(std::string(mid.begin(), mid.end()));
    e->set_conversation_id(st.columnText(2));
    e->mutable_sender()->set_user(st.columnText(3));
    e->mutable_sender()->set_device(std::uint32_t(st.columnInt(4)));
    e->set_type(std::uint32_t(st.columnInt(5)));
    e->set_body(std::string(body.begin(), body.end()));
    e->set_server_time_ms(std::uint64_t(st.columnInt(7)));
    e->set_commitment(std::string(c.begin(), c.end()));
    e->set_journal_sequence(std::uint64_t(st.columnInt(9)));
    Bytes entry = st.columnBlob(10);
    e->set_journal_entry(std::string(entry.begin(), entry.end()));
    return pushFrame(std::move(p));
}

} // namespace

void RelayService::connect(const DeviceId& device, std::shared_ptr<PushSink> sink) {
    // A device that was offline while its one-time pre-keys ran low or out (bundles went out with
    // the signed pre-key alone) hears of it as it connects, before its queue. Once per connection
    // (not under the once-a-minute limit of the fetch pushes, which it may have missed).
    if (!device.wipeOnly)
        m_storage->postBetweenBatches([this, device, sink](Database& db) {
            auto active = isActive(db, device.user, device.device);
            auto left = preKeyCount(db, device.user, device.device);
            if (!active || !*active || !left || *left >= m_config.preKeyLowWatermark) return;
            proto::Push p;
            p.mutable_pre_keys_low()->set_remaining(*left);
            sink->push(pushFrame(std::move(p)));
        });
    drain(device, std::move(sink), 0, 0);
}

void RelayService::disconnect(const DeviceId& device, const PushSink* sink) {
    std::lock_guard lock(m_sinksMutex);
    auto it = m_live.find(device);
    if (it != m_live.end()) {
        auto current = it->second.lock();
        if (!current || current.get() == sink) m_live.erase(it);
    }
}

// Pages through the device's queue between batches (only committed rows, and no commit can
// slip in between the last page and going live), then registers the sink for live pushes.
// `delivered` counts the envelopes earlier pages pushed; the final QueueDrained carries the total.
void RelayService::drain(const DeviceId& device, std::shared_ptr<PushSink> sink,
                         std::uint64_t afterId, std::uint64_t delivered) {
    m_storage->postBetweenBatches([this, device, sink, afterId, delivered](Database& db) {
        // A device revoked or wiped between its authentication and this page must not go on, nor
        // go live: revocations and wipes only reach sinks that are registered at the time. Checked
        // on every page, since one may be committed between two pages.
        auto wipe = db.prepare("SELECT wipe_command FROM devices WHERE user = ? AND device = ? AND "
                               "wipe_command IS NOT NULL");
        if (!wipe) {
            sink->close(1011, "storage unavailable");
            return;
        }
        wipe->bind(1, std::string_view(device.user)).bind(2, std::int64_t(device.device));
        auto pending = wipe->step();
        if (pending && *pending) {
            // The wipe goes before anything else, and nothing follows it: the connection is
            // wipe-only from here on.
            Bytes cmd = wipe->columnBlob(0);
            sink->restrictToWipe();
            proto::Push p;
            p.set_wipe_command(std::string(cmd.begin(), cmd.end()));
            sink->push(pushFrame(std::move(p)));
            return;
        }
        auto active = isActive(db, device.user, device.device);
        if (!active) {
            sink->close(1011, "storage unavailable");
            return;
        }
        if (!*active) {
            sink->close(4403, "device revoked");
            return;
        }
        // Each envelope goes with its journal entry (the recipient's journal copy check).
        auto st = db.cached(queuePageSql(db));
        if (!st) {
            sink->close(1011, "storage unavailable");
            return;
        }
        st->bind(1, std::string_view(device.user))
            .bind(2, std::int64_t(device.device))
            .bind(3, std::int64_t(afterId))
            .bind(4, std::int64_t(m_config.drainPage));
        std::uint64_t last = afterId;
        std::uint32_t count = 0;
        std::vector<proto::Frame> page;
        while (true) {
            auto row = st->step();
            if (!row) {
                sink->close(1011, "storage unavailable");
                return;
            }
            if (!*row) break;
            ++count;
            last = std::uint64_t(st->columnInt(0));
            page.push_back(queuedEnvelope(*st));
        }
        // Closed or too slow: the rows stay queued for the next connection. Close the sink as
        // pushLive() does, or a slow reader would stay connected and never receive anything.
        if (!sink->pushAll(page)) {
            sink->close(1013, "too slow; reconnect to resume");
            return;
        }
        if (count == m_config.drainPage) return drain(device, sink, last, delivered + count);
        proto::Push drained;
        drained.mutable_queue_drained()->set_delivered(delivered + count);
        if (!m_restoreEpoch.empty()) {
            drained.mutable_queue_drained()->set_restore_epoch(m_restoreEpoch);
            drained.mutable_queue_drained()->set_restored_journal_sequence(m_restoredSequence);
        }
        if (!sink->push(pushFrame(std::move(drained)))) {
            sink->close(1013, "too slow; reconnect to resume");
            return;
        }
        if (m_listener) m_liveQueues[device] = LiveQueue{last, {}};
        std::lock_guard lock(m_sinksMutex);
        m_live[device] = sink;
    });
}

void RelayService::onNotify(std::string_view payload) {
    std::vector<DeviceId> devices;
    if (payload.empty()) { // the listener was away: every live device may have missed some
        std::lock_guard lock(m_sinksMutex);
        for (const auto& [d, sink] : m_live)
            devices.push_back(d);
    } else {
        const auto nl = payload.find('\n');
        if (payload.substr(0, nl) == m_nodeId || nl == std::string_view::npos) return; // our own
        std::lock_guard lock(m_sinksMutex);
        for (std::size_t at = nl + 1; at < payload.size();) {
            auto end = payload.find('\n', at);
            if (end == std::string_view::npos) end = payload.size();
            const auto line = payload.substr(at, end - at);
            at = end + 1;
            const auto tab = line.find('\t');
            if (tab == std::string_view::npos) continue;
            DeviceId d;
            d.user = std::string(line.substr(0, tab));
            d.device =
                std::uint32_t(std::strtoul(std::string(line.substr(tab + 1)).c_str(), nullptr, 10));
            if (m_live.count(d)) devices.push_back(std::move(d));
        }
    }
    for (auto& d : devices)
        m_storage->postBetweenBatches([this, d = std::move(d)](Database& db) { catchUp(db, d); });
}

void RelayService::catchUp(Database& db, const DeviceId& device) {
    std::shared_ptr<PushSink> sink;
    {
        std::lock_guard lock(m_sinksMutex);
        auto it = m_live.find(device);
        if (it == m_live.end() || !(sink = it->second.lock())) return;
    }
    auto& state = m_liveQueues[device];
    std::vector<proto::Frame> frames;
    std::uint64_t after = state.floor;
    while (true) {
        auto st = db.cached(queuePageSql(db));
        if (!st) return; // the next wake-up or connection tries again
        st->bind(1, std::string_view(device.user))
            .bind(2, std::int64_t(device.device))
            .bind(3, std::int64_t(after))
            .bind(4, std::int64_t(m_config.drainPage));
        std::uint32_t count = 0;
        std::set<std::uint64_t> seen;
        while (true) {
            auto row = st->step();
            if (!row) return;
            if (!*row) break;
            ++count;
            const auto id = std::uint64_t(st->columnInt(0));
            seen.insert(id);
            if (!state.pushed.count(id)) frames.push_back(queuedEnvelope(*st));
        }
        // Ids pushed before in this page's range that it no longer holds were acknowledged.
        const std::uint64_t top = count == m_config.drainPage && !seen.empty()
                                      ? *seen.rbegin()
                                      : std::numeric_limits<std::uint64_t>::max();
        for (auto it = state.pushed.upper_bound(after); it != state.pushed.end() && *it <= top;)
            it = seen.count(*it) ? std::next(it) : state.pushed.erase(it);
        state.pushed.insert(seen.begin(), seen.end());
        if (count < m_config.drainPage) break;
        after = top;
    }
    if (frames.empty()) return;
    if (!sink->pushAll(frames)) {
        std::lock_guard lock(m_sinksMutex);
        m_live.erase(device);
        sink->close(1013, "too slow; reconnect to resume");
    }
}

std::size_t RelayService::pushedIdsKept() {
    std::size_t n = 0;
    m_storage->runSync([&](Database&) {
        for (const auto& [device, queue] : m_liveQueues)
            n += queue.pushed.size();
    });
    return n;
}

void RelayService::pushLive(const std::vector<std::pair<DeviceId, proto::Frame>>& frames) {
    for (const auto& [device, frame] : frames) {
        std::shared_ptr<PushSink> sink;
        {
            std::lock_guard lock(m_sinksMutex);
            auto it = m_live.find(device);
            if (it == m_live.end()) continue;
            sink = it->second.lock();
            if (!sink) {
                m_live.erase(it);
                continue;
            }
        }
        // A sink that refuses (slow reader) is dropped from live delivery; its queue rows stay
        // and are drained on its next connection.
        const bool pushed = sink->push(frame);
        if (pushed && m_listener && frame.push().has_envelope())
            m_liveQueues[device].pushed.insert(frame.push().envelope().queue_id());
        if (!pushed) {
            std::lock_guard lock(m_sinksMutex);
            m_live.erase(device);
            sink->close(1013, "too slow; reconnect to resume");
        }
    }
}

} // namespace verbatim::relay
