#pragma once
/// @file Outbox.h
/// The durable queue of records this device still has to send (table `outbox`), in the order
/// they were made. A record stays until the relay stored it or refused it for good; a record to
/// a conversation where a safety number changed is held (not offered for sending) until the
/// change is accepted. Client's send pipeline takes a window of rows, encrypts and seals them,
/// and removes or holds each by its answer.
///
/// It also keeps what was sent (table `sent`): each record the relay acknowledged, with the
/// journal sequence it was given and this device's journal chain just before it, for 30 days.
/// A relay restored from a backup has lost what it stored after the backup; the client sends
/// those records again, unchanged and under the same message ids (docs/protocol.md, "Restore",
/// C-RESTORE-1), and rewinds its chain to where the restored journal ends.
///
/// No locking: the caller (client::Client) holds its data lock and owns the transactions (a
/// record is queued in the same transaction as the message row the user sees). The database must
/// outlive the queue.

#include <string>
#include <vector>

#include "common/Result.h"
#include "journal/JournalCrypto.h"
#include "storage/Database.h"
#include "wire.pb.h"

namespace verbatim::client {

class Outbox {
public:
    explicit Outbox(storage::Database& db);

    struct Row {
        std::int64_t seq = 0; ///< queue order
        std::string conversation;
        proto::JournalRecord record;
    };
    [[nodiscard]] Result<void> add(const proto::JournalRecord& record);
    /// The first `limit` rows that are not held, oldest first.
    [[nodiscard]] Result<std::vector<Row>> window(std::size_t limit);
    [[nodiscard]] Result<void> remove(std::int64_t seq);
    [[nodiscard]] Result<void> hold(std::int64_t seq);
    /// Offers every held row again (a safety number was accepted, an own device approved).
    [[nodiscard]] Result<void> releaseHeld();
    [[nodiscard]] Result<void> countAttempt(std::int64_t seq);
    /// Rows not held.
    [[nodiscard]] Result<std::size_t> sendable();

    /// How long an acknowledged record is kept for a resend after a restore (30 days).
    static constexpr std::uint64_t kSentRetentionMs = 30ull * 24 * 3600 * 1000;
    struct SentRow {
        proto::JournalRecord record;
        std::uint64_t journalSequence = 0;
        journal::DeviceChain chainBefore; ///< this device's chain when the relay acknowledged it
    };
    /// Keeps `record`, acknowledged at `journalSequence` when the device chain was `chainBefore`
    /// (replacing an earlier acknowledgement of the same message id), and forgets records
    /// acknowledged more than kSentRetentionMs before `nowMs`.
    [[nodiscard]] Result<void> recordSent(const proto::JournalRecord& record,
                                          std::uint64_t journalSequence,
                                          const journal::DeviceChain& chainBefore,
                                          std::uint64_t nowMs);
    /// The kept records whose journal sequence is above `journalSequence`, in the order the
    /// relay acknowledged them (their place in the device chain).
    [[nodiscard]] Result<std::vector<SentRow>> sentAfter(std::uint64_t journalSequence);
    /// Whether any acknowledged record is kept.
    [[nodiscard]] Result<bool> anySent();
    /// Queues `records` ahead of every row already queued, in their order; a message id already
    /// queued stays where it is.
    [[nodiscard]] Result<void> requeueFirst(const std::vector<proto::JournalRecord>& records);

private:
    Result<void> bySeq(const char* sql, std::int64_t seq);
    storage::Database& m_db;
};

} // namespace verbatim::client
