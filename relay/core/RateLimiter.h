#pragma once
/// @file RateLimiter.h
/// Token buckets keyed by string ("send:user/device", "redeem:1.2.3.4"). In memory; the relay
/// persists the buckets at shutdown and reloads them, so a restart does not reset limits.
/// Several relay nodes on one PostgreSQL store share their buckets instead (SharedBuckets): a
/// device that spreads its requests over the nodes still gets one budget, not one per node.

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/Result.h"

namespace verbatim::relay {

struct BucketSpec {
    double capacity = 10; ///< burst
    double perSecond = 1; ///< refill rate
};

/// Every rate limit of the relay (docs/protocol.md, "Limits"). A bucket starts full.
struct RateLimits {
    BucketSpec send{200, 100};     ///< messages per device
    BucketSpec preKeyFetch{60, 2}; ///< bundle fetches per requesting device (over it: 429)
    /// Failed token redemptions (unknown token) per source address: 10, then 10 per hour. Over
    /// it every redemption from the address is refused (429) until a token refills. Successful
    /// redemptions are not counted, so an office behind one NAT address can enrol any number.
    BucketSpec redeem{10, 10.0 / 3600};
    BucketSpec invite{50, 50.0 / 86400}; ///< invites and device links created per user per day
    /// One-time pre-keys handed out per target device: 30, then 30 per hour. Past it a bundle is
    /// still served, with the signed pre-key only, so nobody can drain a device's one-time keys
    /// nor stop others from starting a session with it.
    BucketSpec preKeyTarget{30, 30.0 / 3600};
    /// One-time pre-keys of one target device handed out to one requesting device: 3, then 3 per
    /// hour (a client starts one session per device; more are served without a one-time key).
    BucketSpec preKeyPair{3, 3.0 / 3600};
    /// Wrong tokens presented under an existing token's lookup id (its first 8 hex digits): 5,
    /// then 5 per hour. Over it redemptions with that lookup id get 429, from any address.
    BucketSpec redeemGuess{5, 5.0 / 3600};
    /// pre_keys_low pushes per device: one, then one a minute.
    BucketSpec preKeysLowPush{1, 1.0 / 60};
    /// UploadPreKeys carrying keys, per device: 10, then 10 per hour (a client uploads when told
    /// its keys run low, at most once a minute, and rotates its signed pre-key weekly). Each key
    /// costs the relay a curve check, so uploads in a loop are refused (429) before any is made.
    BucketSpec preKeyUpload{10, 10.0 / 3600};
    /// Requests an ethical wall refused (CreateConversation, CreateInvite), per device: 10, then
    /// 10 a minute. Over it such requests get 429 before any wall is checked, so refusals can
    /// neither map who stands behind a wall quickly nor grow the journal without bound.
    BucketSpec wallRefused{10, 10.0 / 60};
    /// ListSupervisedMatters per device (issue 21): 20, then 20 a minute (each reads every
    /// matter of every supervised lawyer).
    BucketSpec supervisedList{20, 20.0 / 60};
    /// ListWalls per device (H6, issue 22): 20, then 20 a minute (each computes every wall's
    /// conflicts over the memberships and supervisions).
    BucketSpec wallsList{20, 20.0 / 60};
};

/// Token buckets kept where every node of the relay sees them (issue 20: the PostgreSQL store),
/// each refilled by the store's clock, so that nodes' clocks need not agree. A node leases a few
/// tokens at a time (RateLimiter::take): the tokens all nodes hold together never exceed what one
/// bucket holds, so no device gets more than the limit of a single node.
/// Implementations serialise their own connection: any thread may call them.
class SharedBuckets {
public:
    virtual ~SharedBuckets() = default;
    struct Grant {
        std::uint64_t tokens = 0; ///< whole tokens taken from the bucket (0..want)
        std::uint64_t waitMs = 0; ///< when none: milliseconds until one is available
    };
    /// Takes up to `want` whole tokens from `key`'s bucket (a bucket starts full). An error
    /// when the store does not answer: nothing was taken.
    [[nodiscard]] virtual Result<Grant> lease(const std::string& key, const BucketSpec& spec,
                                              std::uint64_t want) = 0;
    /// Milliseconds until `key`'s bucket holds a whole token (0: now), taking nothing.
    [[nodiscard]] virtual Result<std::uint64_t> wait(const std::string& key,
                                                     const BucketSpec& spec) = 0;
};

class RateLimiter {
public:
    RateLimiter() = default;
    RateLimiter(const RateLimiter&) = delete;
    RateLimiter& operator=(const RateLimiter&) = delete;

    /// From now on the buckets live in `shared` (several nodes on one store). take() keeps the
    /// tokens it leased beyond the one it needed for a second (kLeaseMs), so most calls make no
    /// round trip. While the store does not answer, the in-memory buckets below count instead
    /// (each node then allows its own budget until the store is back). Call before any take().
    void share(std::unique_ptr<SharedBuckets> shared);
    bool shared() const { return m_shared != nullptr; }
    /// How long leased tokens stay usable on this node: a device that moves to another node
    /// loses at most the few its old node still held.
    static constexpr std::uint64_t kLeaseMs = 1000;

    /// Takes one token from `key`'s bucket. Returns 0 when allowed, otherwise the milliseconds
    /// until a token is available. `nowMs` is a monotonic clock reading.
    std::uint64_t take(const std::string& key, const BucketSpec& spec, std::uint64_t nowMs);
    /// What take() would return, without taking anything (a bucket that only failures drain).
    std::uint64_t peek(const std::string& key, const BucketSpec& spec, std::uint64_t nowMs) const;
    /// Tokens a node leases from shared buckets at once: a twentieth of a second's refill, at
    /// most a tenth of the burst, at least one (5 for sends; 1 for every hourly or daily limit).
    static std::uint64_t leaseSize(const BucketSpec& spec);

    /// A bucket as saved across restarts: its tokens and how long ago it was last updated.
    struct Saved {
        std::string key;
        double tokens = 0;
        std::uint64_t ageMs = 0;
    };
    std::vector<Saved> snapshot(std::uint64_t nowMs) const;
    void restore(const std::vector<Saved>& saved, std::uint64_t nowMs);
    /// Buckets held (for tests: full buckets are dropped, since a missing bucket starts full).
    std::size_t size() const;

private:
    struct Bucket {
        double tokens;
        std::uint64_t updatedMs;
        std::uint64_t refillMs =
            0; ///< how long an empty bucket takes to fill; 0: unknown (restored)
    };
    static double level(const Bucket& b, const BucketSpec& spec, std::uint64_t nowMs);
    /// Drops the buckets that have refilled completely (locked by the caller).
    void prune(std::uint64_t nowMs);
    std::uint64_t takeLocal(const std::string& key, const BucketSpec& spec, std::uint64_t nowMs);
    std::uint64_t peekLocal(const std::string& key, const BucketSpec& spec,
                            std::uint64_t nowMs) const;
    void sharedFailed(const Error& e) const;
    struct Lease {
        std::uint64_t tokens = 0;
        std::uint64_t expiresMs = 0;
        std::uint64_t emptyUntilMs = 0; ///< the store's bucket holds no token before this
    };
    std::unique_ptr<SharedBuckets> m_shared;
    std::unordered_map<std::string, Lease> m_leases; ///< under m_mutex
    mutable std::uint64_t m_sharedFailures = 0;      ///< under m_mutex
    mutable std::mutex m_mutex;
    std::unordered_map<std::string, Bucket> m_buckets;
    std::size_t m_pruneAt = 4096;
    std::uint64_t m_prunedMs = 0;
};

/// Monotonic milliseconds (steady clock), for rate limits and timeouts.
std::uint64_t monotonicMs();
/// Wall-clock milliseconds since the Unix epoch, for timestamps users see.
std::uint64_t wallClockMs();

} // namespace verbatim::relay
