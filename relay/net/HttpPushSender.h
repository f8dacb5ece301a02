#pragma once
/// @file HttpPushSender.h
/// The relay's UnifiedPush client (issue 23): PushSender over HTTP/1.1 with Beast, on a thread of
/// its own, so a slow push service never holds up the storage or network threads. No Beast here.

#include <memory>

#include "relay/core/PushSender.h"
#include "relay/core/PushWaker.h"

namespace verbatim::relay {

/// A sender that POSTs on its own thread ("vr-push"). Each exchange resolves the endpoint's
/// host, refuses it if any address it resolved to is one pushAddressAllowed() refuses (a DNS
/// answer cannot point the relay at its own network), connects only to those checked addresses,
/// verifies the push service's certificate against the system's CAs and its name (https), sends
/// the request and reads at most 8 KiB of answer, all within `policy.timeout`. Redirects are not
/// followed.
std::unique_ptr<PushSender> makeHttpPushSender(const PushPolicy& policy);

} // namespace verbatim::relay
