#pragma once
/// @file HttpPushSender.h
/// The relay's UnifiedPush client (issue 23): PushSender over HTTP/1.1 with Beast, on a thread of
/// its own, so a slow push service never holds up the storage or network threads. No Beast here.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "relay/core/PushSender.h"
#include "relay/core/PushWaker.h"

namespace verbatim::relay {

/// Resolves a host name to its addresses (4 or 16 bytes each, network order); empty when it
/// cannot. Blocking: it runs on one of the sender's resolver threads, never on its I/O thread.
/// The default is getaddrinfo(); tests inject one that hangs like a tarpitting DNS server.
using PushResolver = std::function<std::vector<std::vector<std::uint8_t>>(const std::string&)>;

/// Resolver threads that may be looking up a name within its deadline at once; lookups beyond
/// these wait (within their own deadline) for one to come free.
inline constexpr std::size_t kPushResolverThreads = 4;
/// Resolver threads that may be stuck past their deadline in a lookup that never returns (a DNS
/// server that never answers). They are not waited for, and they do not take the places above;
/// once this many are stuck, lookups only get the kPushResolverThreads places.
inline constexpr std::size_t kPushStuckResolverThreads = 16;
/// Lookups of names under one registered domain (its last two labels) at once, stuck ones
/// included: a push to a further name under it fails at once ("too many lookups").
inline constexpr std::size_t kPushLookupsPerDomain = 2;

/// A sender that POSTs on its own thread ("vr-push"). Each exchange resolves the endpoint's
/// host on the resolver threads ("vr-push-dns") within `policy.timeout` (an IP literal needs no
/// lookup), refuses it if any address it resolved to is one pushAddressAllowed() refuses (a DNS
/// answer cannot point the relay at its own network), connects only to those checked addresses,
/// verifies the push service's certificate against the system's CAs and its name (https), sends
/// the request and reads at most 8 KiB of answer, all within a second `policy.timeout` that
/// starts once the name has resolved. Redirects are not followed. No product name is sent (no
/// User-Agent): it would tell the push service that the device belongs to a law firm's client.
/// `resolver` empty means getaddrinfo().
std::unique_ptr<PushSender> makeHttpPushSender(const PushPolicy& policy,
                                               PushResolver resolver = {});

} // namespace verbatim::relay
