#include "relay/core/RateLimiter.h"

#include <algorithm>
#include <chrono>
#include <cmath>

namespace verbatim::relay {

std::uint64_t RateLimiter::take(const std::string& key, const BucketSpec& spec, std::uint64_t nowMs) {
    std::lock_guard lock(m_mutex);
    auto [it, inserted] = m_buckets.try_emplace(key, Bucket{spec.capacity, nowMs});
    Bucket& b = it->second;
    if (nowMs > b.updatedMs) {
        b.tokens = std::min(spec.capacity, b.tokens + double(nowMs - b.updatedMs) / 1000.0 * spec.perSecond);
        b.updatedMs = nowMs;
    }
    if (b.tokens >= 1.0) {
        b.tokens -= 1.0;
        return 0;
    }
    double wait = (1.0 - b.tokens) / spec.perSecond * 1000.0;
    return std::max<std::uint64_t>(1, std::uint64_t(std::ceil(wait)));
}

std::vector<RateLimiter::Saved> RateLimiter::snapshot(std::uint64_t nowMs) const {
    std::lock_guard lock(m_mutex);
    std::vector<Saved> out;
    out.reserve(m_buckets.size());
    for (const auto& [key, b] : m_buckets)
        out.push_back({key, b.tokens, nowMs > b.updatedMs ? nowMs - b.updatedMs : 0});
    return out;
}

void RateLimiter::restore(const std::vector<Saved>& saved, std::uint64_t nowMs) {
    std::lock_guard lock(m_mutex);
    for (const auto& s : saved)
        m_buckets[s.key] = Bucket{s.tokens, nowMs > s.ageMs ? nowMs - s.ageMs : 0};
}

std::uint64_t monotonicMs() {
    using namespace std::chrono;
    return std::uint64_t(duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count());
}

std::uint64_t wallClockMs() {
    using namespace std::chrono;
    return std::uint64_t(duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count());
}

}  // namespace verbatim::relay
