#include "relay/core/RateLimiter.h"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "common/Log.h"

namespace verbatim::relay {

namespace {

std::uint64_t waitFor(double tokens, const BucketSpec& spec) {
    if (tokens >= 1.0) return 0;
    double wait = (1.0 - tokens) / spec.perSecond * 1000.0;
    return std::max<std::uint64_t>(1, std::uint64_t(std::ceil(wait)));
}

} // namespace

double RateLimiter::level(const Bucket& b, const BucketSpec& spec, std::uint64_t nowMs) {
    if (nowMs <= b.updatedMs) return b.tokens;
    return std::min(spec.capacity,
                    b.tokens + double(nowMs - b.updatedMs) / 1000.0 * spec.perSecond);
}

void RateLimiter::share(std::unique_ptr<SharedBuckets> shared) {
    std::lock_guard lock(m_mutex);
    m_shared = std::move(shared);
}

std::uint64_t RateLimiter::leaseSize(const BucketSpec& spec) {
    const double n = std::min(std::floor(spec.capacity / 10), std::floor(spec.perSecond / 20));
    return n >= 1 ? std::uint64_t(std::min(n, 1e15)) : 1;
}

void RateLimiter::sharedFailed(const Error& e) const {
    // Once, then every thousandth failure: an outage must not flood the log.
    if (m_sharedFailures++ % 1000 == 0)
        log::write(log::Level::Warn, "rate_limits.shared_unavailable",
                   {{"error", e.message}, {"counting", "on this node"}});
}

std::uint64_t RateLimiter::take(const std::string& key, const BucketSpec& spec,
                                std::uint64_t nowMs) {
    SharedBuckets* shared = nullptr;
    {
        std::lock_guard lock(m_mutex);
        shared = m_shared.get();
        if (!shared) return takeLocal(key, spec, nowMs);
        auto it = m_leases.find(key);
        if (it != m_leases.end()) {
            if (it->second.tokens >= 1 && nowMs < it->second.expiresMs) {
                --it->second.tokens;
                return 0;
            }
            // The store said when its next token comes; no node can make it come sooner, so a
            // device that keeps asking costs no round trip until then.
            if (nowMs < it->second.emptyUntilMs) return it->second.emptyUntilMs - nowMs;
            m_leases.erase(it);
        }
        // Leases of keys nobody used for a while go, as full buckets do below.
        if (m_leases.size() >= m_pruneAt)
            std::erase_if(m_leases, [&](const auto& l) { return nowMs >= l.second.expiresMs; });
    }
    // The round trip runs outside the lock: other keys go on meanwhile. Two callers racing for
    // one key both lease from the store, which counts each; the leftovers add up here.
    auto grant = shared->lease(key, spec, leaseSize(spec));
    std::lock_guard lock(m_mutex);
    if (!grant) {
        sharedFailed(grant.error());
        return takeLocal(key, spec, nowMs);
    }
    auto& lease = m_leases[key];
    if (grant->tokens == 0) {
        const auto wait = std::max<std::uint64_t>(1, grant->waitMs);
        lease.emptyUntilMs = nowMs + wait;
        lease.expiresMs = lease.emptyUntilMs;
        return wait;
    }
    lease.tokens += grant->tokens - 1;
    lease.expiresMs = nowMs + kLeaseMs;
    return 0;
}

std::uint64_t RateLimiter::takeLocal(const std::string& key, const BucketSpec& spec,
                                     std::uint64_t nowMs) {
    // Keys include addresses and device pairs, so the map would grow with every new one: a bucket
    // that has refilled is the same as none, and goes.
    if (m_buckets.size() >= m_pruneAt || nowMs - std::min(nowMs, m_prunedMs) >= 60000) prune(nowMs);
    auto [it, inserted] = m_buckets.try_emplace(key, Bucket{spec.capacity, nowMs});
    Bucket& b = it->second;
    b.tokens = level(b, spec, nowMs);
    b.updatedMs = std::max(b.updatedMs, nowMs);
    b.refillMs = std::uint64_t(std::ceil(spec.capacity / spec.perSecond * 1000.0));
    if (b.tokens >= 1.0) {
        b.tokens -= 1.0;
        return 0;
    }
    return waitFor(b.tokens, spec);
}

std::uint64_t RateLimiter::peek(const std::string& key, const BucketSpec& spec,
                                std::uint64_t nowMs) const {
    SharedBuckets* shared = nullptr;
    {
        std::lock_guard lock(m_mutex);
        shared = m_shared.get();
        if (!shared) return peekLocal(key, spec, nowMs);
        auto it = m_leases.find(key);
        if (it != m_leases.end() && it->second.tokens >= 1 && nowMs < it->second.expiresMs)
            return 0;
    }
    auto wait = shared->wait(key, spec);
    std::lock_guard lock(m_mutex);
    if (!wait) {
        sharedFailed(wait.error());
        return peekLocal(key, spec, nowMs);
    }
    return *wait;
}

std::uint64_t RateLimiter::peekLocal(const std::string& key, const BucketSpec& spec,
                                     std::uint64_t nowMs) const {
    auto it = m_buckets.find(key);
    if (it == m_buckets.end()) return spec.capacity >= 1.0 ? 0 : waitFor(spec.capacity, spec);
    return waitFor(level(it->second, spec, nowMs), spec);
}

void RateLimiter::prune(std::uint64_t nowMs) {
    for (auto it = m_buckets.begin(); it != m_buckets.end();) {
        const Bucket& b = it->second;
        if (b.refillMs && nowMs >= b.updatedMs && nowMs - b.updatedMs >= b.refillMs)
            it = m_buckets.erase(it);
        else
            ++it;
    }
    // Amortised: the next prune waits until the map has doubled past what is left, or a minute.
    m_pruneAt = std::max<std::size_t>(4096, 2 * m_buckets.size());
    m_prunedMs = nowMs;
}

std::vector<RateLimiter::Saved> RateLimiter::snapshot(std::uint64_t nowMs) const {
    std::lock_guard lock(m_mutex);
    std::vector<Saved> out;
    out.reserve(m_buckets.size());
    for (const auto& [key, b] : m_buckets) {
        if (b.refillMs && nowMs >= b.updatedMs && nowMs - b.updatedMs >= b.refillMs)
            continue; // full again
        out.push_back({key, b.tokens, nowMs > b.updatedMs ? nowMs - b.updatedMs : 0});
    }
    return out;
}

void RateLimiter::restore(const std::vector<Saved>& saved, std::uint64_t nowMs) {
    std::lock_guard lock(m_mutex);
    for (const auto& s : saved)
        m_buckets[s.key] = Bucket{s.tokens, nowMs > s.ageMs ? nowMs - s.ageMs : 0};
}

std::size_t RateLimiter::size() const {
    std::lock_guard lock(m_mutex);
    return m_buckets.size();
}

std::uint64_t monotonicMs() {
    using namespace std::chrono;
    return std::uint64_t(
        duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count());
}

std::uint64_t wallClockMs() {
    using namespace std::chrono;
    return std::uint64_t(
        duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count());
}

} // namespace verbatim::relay
