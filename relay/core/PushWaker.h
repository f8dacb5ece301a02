#pragma once
/// @file PushWaker.h
/// Decides when the relay wakes a device through its UnifiedPush endpoint (issue 23), and hands
/// the POSTs to a PushSender. No networking here.
///
/// RelayService calls queued() once a send is durable, for each recipient device that had no live
/// connection on this node. From there:
///  - Coalescing, per device: the first queued() schedules a check at once (after `grace`); more
///    within `minInterval` of it schedule at most one more check, at the end of the interval.
///    A burst of N messages costs one push, and a message that arrives just after a push still
///    gets one (a trailing push), never more often than once per interval.
///  - A check is a storage job: the device must still have no live connection here, be active,
///    have an endpoint and something still queued (a device that connected elsewhere and
///    acknowledged in the meantime is not woken), and the endpoint's `last_push_ms` must be at
///    least `minInterval` old. The job sets `last_push_ms` in the same UPDATE that tests it, so
///    with several nodes on one PostgreSQL store exactly one of them pushes.
///  - Sending: a global token bucket (`maxPerSecond`) and a bound on POSTs in flight
///    (`maxInFlight`); a push over either is dropped and retried at the end of the interval.
///  - The endpoint answered 404 or 410 (UnifiedPush: it is gone): the registration is deleted,
///    if it still holds the same URL.
/// Logs name the endpoint's host only: the URL's path is a capability.
///
/// Threads: queued() is called from the storage thread (send completions) and is cheap (one
/// mutex). A timer thread of its own runs the due checks; storage jobs run on the storage thread;
/// the sender's callbacks on the sender's thread.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>

#include "relay/core/PushSender.h"

namespace verbatim::relay {

class StorageThread;

/// UnifiedPush settings (`verbatim-relay serve --push-*`, README "Push wake-ups").
struct PushPolicy {
    /// Whether the relay wakes devices at all. Registrations are accepted either way.
    bool enabled = true;
    /// Accept http:// and https:// endpoints on loopback addresses (a test's receiver on
    /// 127.0.0.1). Off in production: then loopback is refused like any private address.
    bool allowLoopback = false;
    /// At most one push per device per interval (`--push-min-interval-seconds`, default 10).
    std::chrono::milliseconds minInterval{10000};
    /// Pushes per second over all devices, at most (`--push-max-per-second`); bursts of as many.
    double maxPerSecond = 50;
    /// POSTs under way at once, at most.
    std::size_t maxInFlight = 256;
    /// How long after a send the first check waits. 0 on one node; on PostgreSQL the relay sets
    /// 2 s, so that a device connected to another node has received and acknowledged the message
    /// (the cross-node NOTIFY path) before this node looks at its queue.
    std::chrono::milliseconds grace{0};
    /// The TTL header: how long the push service keeps an undelivered wake-up (seconds).
    std::uint32_t ttlSeconds = 86400;
    /// Connect, TLS handshake, request and response of one POST together (HttpPushSender).
    std::chrono::milliseconds timeout{5000};
};

class PushWaker {
public:
    /// Whether `user`/`device` has a live connection on this node. Called on the storage thread.
    using IsLive = std::function<bool(const std::string& user, std::uint32_t device)>;

    /// `storage` must outlive the waker; stop() (or the destructor) must run while it still runs.
    PushWaker(StorageThread& storage, std::unique_ptr<PushSender> sender, PushPolicy policy,
              IsLive isLive);
    ~PushWaker();
    PushWaker(const PushWaker&) = delete;
    PushWaker& operator=(const PushWaker&) = delete;

    /// Something was queued durably for `user`/`device`, which had no live connection here.
    void queued(const std::string& user, std::uint32_t device);
    /// Stops the timer and the sender, then waits for this waker's storage jobs. Idempotent.
    void stop();

    /// Counts for /metrics and tests.
    struct Counters {
        std::uint64_t sent = 0, gone = 0, failed = 0, refused = 0, dropped = 0;
    };
    Counters counters() const;
    const PushPolicy& policy() const { return m_policy; }

private:
    using Key = std::pair<std::string, std::uint32_t>;
    struct Slot {
        std::uint64_t nextMs = 0; ///< monotonic: no check before this (one per interval)
        bool trailing = false;    ///< a check is scheduled at nextMs
    };
    void timerLoop();
    void check(const Key& key);
    void send(const Key& key, const std::string& url);
    void onSent(const Key& key, const std::string& url, const std::string& host,
                PushSender::Report report);
    void schedule(std::uint64_t dueMs, const Key& key); // m_mutex held

    StorageThread& m_storage;
    std::unique_ptr<PushSender> m_sender;
    const PushPolicy m_policy;
    IsLive m_isLive;

    mutable std::mutex m_mutex;
    std::condition_variable m_cv;
    std::map<Key, Slot> m_slots;
    std::multimap<std::uint64_t, Key> m_due;
    double m_tokens = 0;
    std::uint64_t m_tokensAtMs = 0;
    std::size_t m_inFlight = 0;
    Counters m_counters;
    bool m_stopping = false;
    std::atomic<bool> m_stopped{false};
    std::thread m_timer;
};

} // namespace verbatim::relay
