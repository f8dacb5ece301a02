#pragma once
/// @file RateLimiter.h
/// Token buckets keyed by string ("send:user/device", "invite:1.2.3.4"). In memory; the relay
/// persists the buckets at shutdown and reloads them, so a restart does not reset limits.

#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace verbatim::relay {

struct BucketSpec {
    double capacity = 10;      ///< burst
    double perSecond = 1;      ///< refill rate
};

struct RateLimits {
    BucketSpec send{200, 100};          ///< messages per device
    BucketSpec preKeyFetch{60, 2};      ///< bundle fetches per device
    BucketSpec redeem{10, 10.0 / 3600}; ///< token redemptions per address: 10 then 10 per hour
    BucketSpec invite{50, 50.0 / 86400};///< invites created per user per day
};

class RateLimiter {
public:
    /// Takes one token from `key`'s bucket. Returns 0 when allowed, otherwise the milliseconds
    /// until a token is available. `nowMs` is a monotonic clock reading.
    std::uint64_t take(const std::string& key, const BucketSpec& spec, std::uint64_t nowMs);

    /// A bucket as saved across restarts: its tokens and how long ago it was last updated.
    struct Saved {
        std::string key;
        double tokens = 0;
        std::uint64_t ageMs = 0;
    };
    std::vector<Saved> snapshot(std::uint64_t nowMs) const;
    void restore(const std::vector<Saved>& saved, std::uint64_t nowMs);

private:
    struct Bucket {
        double tokens;
        std::uint64_t updatedMs;
    };
    mutable std::mutex m_mutex;
    std::unordered_map<std::string, Bucket> m_buckets;
};

/// Monotonic milliseconds (steady clock), for rate limits and timeouts.
std::uint64_t monotonicMs();
/// Wall-clock milliseconds since the Unix epoch, for timestamps users see.
std::uint64_t wallClockMs();

}  // namespace verbatim::relay
