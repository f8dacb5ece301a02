#pragma once
/// @file Outbox.h
/// The durable queue of records this device still has to send (table `outbox`), in the order
/// they were made. A record stays until the relay stored it or refused it for good; a record to
/// a conversation where a safety number changed is held (not offered for sending) until the
/// change is accepted. Client's send pipeline takes a window of rows, encrypts and seals them,
/// and removes or holds each by its answer.
///
/// No locking: the caller (client::Client) holds its data lock and owns the transactions (a
/// record is queued in the same transaction as the message row the user sees). The database must
/// outlive the queue.

#include <string>
#include <vector>

#include "common/Result.h"
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

private:
    Result<void> bySeq(const char* sql, std::int64_t seq);
    storage::Database& m_db;
};

} // namespace verbatim::client
