#pragma once
/// @file PushSender.h
/// UnifiedPush wake-ups (issue 23), the part without networking: what a push endpoint URL may be
/// (parsePushUrl), which addresses the relay may contact for one (pushAddressAllowed), and the
/// PushSender interface that performs one POST. The HTTP implementation is in relay/net
/// (HttpPushSender.h), so that Beast stays out of relay/core; tests may implement it too.

#include <chrono>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>

#include "common/Result.h"

namespace verbatim::relay {

/// The longest push endpoint URL the relay stores (bytes).
inline constexpr std::size_t kMaxPushUrlBytes = 1024;

/// A push endpoint URL, split. The whole URL (path and query included) is a capability: anyone
/// who holds it can wake the device, so only `host` is ever logged.
struct PushUrl {
    bool tls = true;        ///< https (false: http, only to loopback with allowLoopback)
    std::string host;       ///< a DNS name (lower case) or an IP literal without brackets
    bool hostIsIp = false;  ///< `host` is an IPv4 or IPv6 literal
    std::uint16_t port = 0; ///< 443 or 80 when the URL gives none
    std::string target;     ///< path and query, "/" when empty
};

/// Checks a push endpoint URL as a device registers it, without resolving it: https only (http
/// only when `allowLoopback` and the host is a loopback literal or "localhost"), at most
/// kMaxPushUrlBytes of printable ASCII, no user information, no fragment, a host that is a DNS
/// name (not a bare number) or an IP literal that pushAddressAllowed() accepts. The error text
/// says what is wrong and never repeats the URL (it is a capability).
[[nodiscard]] Result<PushUrl> parsePushUrl(std::string_view url, bool allowLoopback);

/// Whether the relay may open a connection to this address for a push: not loopback (unless
/// `allowLoopback`), private (RFC 1918, 100.64/10, fc00::/7), link-local (169.254/16, fe80::/10),
/// multicast, unspecified, broadcast, reserved or the local-use NAT64 prefix 64:ff9b:1::/48;
/// IPv4-mapped, SIIT (::ffff:0:0:0/96) and NAT64 (64:ff9b::/96) IPv6 addresses are judged by the
/// IPv4 address inside. `address` holds 4 or 16 bytes in network order (anything else is
/// refused).
bool pushAddressAllowed(std::span<const std::uint8_t> address, bool allowLoopback);

/// The content-free body of every push: the same bytes whatever was queued (UnifiedPush leaves
/// the body opaque to the distributor; the app only needs to wake and connect).
inline constexpr std::string_view kPushBody = R"({"v":1})";

/// Performs push POSTs. post() is thread-safe and never blocks; `done` runs once on the sender's
/// own thread (not at all after stop()).
class PushSender {
public:
    enum class Outcome {
        Delivered, ///< 2xx
        Gone,      ///< 404 or 410: the endpoint no longer exists (UnifiedPush), unregister it
        Refused,   ///< not contacted: the name resolved to an address the relay may not contact
        Failed,    ///< DNS, connection, TLS, timeout, redirect (never followed) or another status
    };
    struct Report {
        Outcome outcome = Outcome::Failed;
        int status = 0;     ///< HTTP status when one was read
        std::string reason; ///< for the log; never the URL's path or query
    };
    virtual ~PushSender() = default;
    /// One POST of kPushBody to `url` with the headers `TTL: ttlSeconds` and `Urgency: high`.
    virtual void post(const PushUrl& url, std::uint32_t ttlSeconds,
                      std::function<void(Report)> done) = 0;
    /// Stops the sender: exchanges under way are abandoned, their `done` never runs. Idempotent.
    virtual void stop() = 0;
};

} // namespace verbatim::relay
