#pragma once
/// @file DeviceRetention.h
/// The firm's device retention (issue 22, docs/protocol.md "Firm policy"): messages whose relay
/// time is older than the manifest's `device_message_days` leave this device's profile, with
/// everything that holds their content (search index rows, earlier versions, reactions, the
/// copy kept for a resend after a relay restore, downloaded attachment files). The journal keeps
/// them: compliance still finds them in its archive. Drafts, the outbox and conversations stay.
///
/// No locking and no network, like MessageStore: the caller (client::Client, on its worker
/// thread) holds its data lock around each call. A call removes at most `limit` messages in one
/// transaction, so that a first run over a large profile gives the lock back between batches.

#include <cstdint>
#include <map>
#include <string>

#include "common/Result.h"
#include "storage/Database.h"

namespace verbatim::client {

/// What one removal took away.
struct RetentionBatch {
    std::size_t messages = 0;                          ///< message rows removed
    std::map<std::string, std::size_t> byConversation; ///< conversation id -> rows removed
    std::size_t blobFiles = 0;                         ///< downloaded attachment files removed
};

/// Removes up to `limit` messages stored by the relay before `cutoffMs` (ms since the epoch,
/// the relay's clock) from `db`, oldest first; messages still in the outbox (not yet stored by
/// the relay) stay. Also forgets the kept copies of own records acknowledged before the cutoff.
/// Attachment files under `blobsDir` go after the commit. A batch smaller than `limit` means
/// nothing older is left.
[[nodiscard]] Result<RetentionBatch> removeMessagesBefore(storage::Database& db,
                                                          const std::string& blobsDir,
                                                          std::uint64_t cutoffMs,
                                                          std::size_t limit = 500);

/// The cutoff for `days` of retention at `nowMs`: 0 (nothing is old enough) when `days` is 0 or
/// reaches before the epoch.
std::uint64_t retentionCutoffMs(std::uint64_t nowMs, std::uint32_t days);

} // namespace verbatim::client
