/// @file PushWaker.cpp
/// When to wake a device through its push endpoint (PushWaker.h).
#include "relay/core/PushWaker.h"

#include <pthread.h>

#include "common/Log.h"
#include "common/Try.h"
#include "relay/core/RateLimiter.h"
#include "relay/core/StorageThread.h"

namespace verbatim::relay {

using storage::Database;

PushWaker::PushWaker(StorageThread& storage, std::unique_ptr<PushSender> sender, PushPolicy policy,
                     IsLive isLive)
    : m_storage(storage), m_sender(std::move(sender)), m_policy(policy),
      m_isLive(std::move(isLive)), m_tokens(policy.maxPerSecond), m_tokensAtMs(monotonicMs()) {
    m_timer = std::thread([this] { timerLoop(); });
}

PushWaker::~PushWaker() {
    stop();
}

void PushWaker::stop() {
    {
        std::lock_guard lock(m_mutex);
        if (m_stopping) return;
        m_stopping = true;
    }
    m_cv.notify_all();
    if (m_timer.joinable()) m_timer.join();
    // The sender's callbacks may post storage jobs until it has stopped; the jobs' completions
    // see m_stopped and do nothing more. flush() returns once all of them have run.
    m_sender->stop();
    m_stopped = true;
    m_storage.flush();
}

PushWaker::Counters PushWaker::counters() const {
    std::lock_guard lock(m_mutex);
    return m_counters;
}

void PushWaker::schedule(std::uint64_t dueMs, const Key& key) {
    m_due.emplace(dueMs, key);
    m_cv.notify_all();
}

void PushWaker::queued(const std::string& user, std::uint32_t device) {
    if (!m_policy.enabled) return;
    const std::uint64_t now = monotonicMs();
    const auto interval = std::uint64_t(m_policy.minInterval.count());
    std::lock_guard lock(m_mutex);
    if (m_stopping) return;
    // Bounded: slots whose interval is over and that wait for nothing are forgotten.
    if (m_slots.size() >= 100000)
        std::erase_if(
            m_slots, [now](const auto& s) { return !s.second.trailing && s.second.nextMs <= now; });
    Key key{user, device};
    Slot& slot = m_slots[key];
    if (now >= slot.nextMs) {
        slot.nextMs = now + interval;
        schedule(now + std::uint64_t(m_policy.grace.count()), key);
    } else if (!slot.trailing) {
        slot.trailing = true;
        schedule(slot.nextMs, key);
    }
}

void PushWaker::timerLoop() {
    pthread_setname_np(pthread_self(), "vr-push-timer");
    std::unique_lock lock(m_mutex);
    while (!m_stopping) {
        if (m_due.empty()) {
            m_cv.wait(lock);
            continue;
        }
        const std::uint64_t now = monotonicMs();
        const auto first = m_due.begin();
        if (first->first > now) {
            m_cv.wait_for(lock, std::chrono::milliseconds(first->first - now));
            continue;
        }
        Key key = first->second;
        m_due.erase(first);
        if (auto it = m_slots.find(key); it != m_slots.end() && it->second.trailing) {
            it->second.trailing = false;
            it->second.nextMs = now + std::uint64_t(m_policy.minInterval.count());
        }
        lock.unlock();
        check(key);
        lock.lock();
    }
}

void PushWaker::check(const Key& key) {
    const auto minInterval = std::uint64_t(m_policy.minInterval.count());
    m_storage.post(
        [this, key, minInterval](Database& db) -> Result<std::function<void()>> {
            if (m_stopped || m_isLive(key.first, key.second)) return std::function<void()>();
            // An active device's endpoint, and only when something is still queued for it: a
            // device that connected (here or on another node) and acknowledged needs no wake-up.
            VERBATIM_TRY_LET(
                st, db.cached("SELECT p.url FROM push_endpoints p JOIN devices d ON d.user = "
                              "p.user AND d.device = p.device WHERE p.user = ? AND p.device = ? "
                              "AND d.revoked_ms IS NULL AND EXISTS (SELECT 1 FROM queue q WHERE "
                              "q.user = p.user AND q.device = p.device)"));
            st->bind(1, std::string_view(key.first)).bind(2, std::int64_t(key.second));
            VERBATIM_TRY_LET(row, st->step());
            if (!*row) return std::function<void()>();
            std::string url = st->columnText(0);
            // Claimed in the same statement that tests it: of several nodes, one pushes. The
            // quarter second of slack absorbs the timer's and the clocks' jitter.
            const std::uint64_t now = wallClockMs();
            VERBATIM_TRY_LET(claim, db.cached("UPDATE push_endpoints SET last_push_ms = ? WHERE "
                                              "user = ? AND device = ? AND url = ? AND "
                                              "coalesce(last_push_ms, 0) <= ?"));
            claim->bind(1, std::int64_t(now))
                .bind(2, std::string_view(key.first))
                .bind(3, std::int64_t(key.second))
                .bind(4, std::string_view(url))
                .bind(5, std::int64_t(now + 250 - std::min(now + 250, minInterval)));
            VERBATIM_TRY(claim->run());
            if (db.changes() != 1) return std::function<void()>();
            return std::function<void()>([this, key, url = std::move(url)] { send(key, url); });
        },
        [host = key.first](const Error& e) {
            log::write(log::Level::Warn, "push.check_failed", {{"error", e.message}});
        });
}

void PushWaker::send(const Key& key, const std::string& url) {
    if (m_stopped) return;
    // Checked again as stored: a URL registered before a policy change (loopback no longer
    // allowed) is not contacted.
    auto parsed = parsePushUrl(url, m_policy.allowLoopback);
    if (!parsed) {
        std::lock_guard lock(m_mutex);
        ++m_counters.refused;
        log::write(log::Level::Warn, "push.refused", {{"reason", parsed.error().message}});
        return;
    }
    {
        std::lock_guard lock(m_mutex);
        const std::uint64_t now = monotonicMs();
        m_tokens = std::min(m_policy.maxPerSecond,
                            m_tokens + double(now - m_tokensAtMs) * m_policy.maxPerSecond / 1000);
        m_tokensAtMs = now;
        if (m_tokens < 1 || m_inFlight >= m_policy.maxInFlight) {
            ++m_counters.dropped;
            log::write(log::Level::Warn, "push.over_capacity", {{"host", parsed->host}});
            // The endpoint's last_push_ms moved on; the device is looked at again after the
            // interval, when it still has something queued.
            Slot& slot = m_slots[key];
            if (!slot.trailing && !m_stopping) {
                slot.trailing = true;
                schedule(slot.nextMs, key);
            }
            return;
        }
        m_tokens -= 1;
        ++m_inFlight;
    }
    m_sender->post(*parsed, m_policy.ttlSeconds,
                   [this, key, url, host = parsed->host](PushSender::Report report) {
                       onSent(key, url, host, std::move(report));
                   });
}

void PushWaker::onSent(const Key& key, const std::string& url, const std::string& host,
                       PushSender::Report report) {
    {
        std::lock_guard lock(m_mutex);
        --m_inFlight;
        switch (report.outcome) {
        case PushSender::Outcome::Delivered:
            ++m_counters.sent;
            break;
        case PushSender::Outcome::Gone:
            ++m_counters.gone;
            break;
        case PushSender::Outcome::Refused:
            ++m_counters.refused;
            break;
        case PushSender::Outcome::Failed:
            ++m_counters.failed;
            break;
        }
    }
    const std::string status = std::to_string(report.status);
    switch (report.outcome) {
    case PushSender::Outcome::Delivered:
        log::write(log::Level::Info, "push.sent", {{"host", host}, {"status", status}});
        return;
    case PushSender::Outcome::Refused:
        log::write(log::Level::Warn, "push.refused", {{"host", host}, {"reason", report.reason}});
        return;
    case PushSender::Outcome::Failed:
        log::write(log::Level::Warn, "push.failed",
                   {{"host", host}, {"status", status}, {"reason", report.reason}});
        return;
    case PushSender::Outcome::Gone:
        break;
    }
    log::write(log::Level::Info, "push.gone", {{"host", host}, {"status", status}});
    if (m_stopped) return;
    // Only the URL that answered: the device may have registered a new one since.
    m_storage.post(
        [key, url](Database& db) -> Result<std::function<void()>> {
            VERBATIM_TRY_LET(st, db.cached("DELETE FROM push_endpoints WHERE user = ? AND "
                                           "device = ? AND url = ?"));
            st->bind(1, std::string_view(key.first))
                .bind(2, std::int64_t(key.second))
                .bind(3, std::string_view(url));
            VERBATIM_TRY(st->run());
            return std::function<void()>();
        },
        [](const Error& e) {
            log::write(log::Level::Warn, "push.unregister_failed", {{"error", e.message}});
        });
}

} // namespace verbatim::relay
