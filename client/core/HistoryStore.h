#pragma once
/// @file HistoryStore.h
/// A profile's history as a journal::HistoryDocument (issue 23): what one device of a user
/// exports for another, and the import of such a document into a profile. No locking and no
/// network: the caller (client::Client) holds its data lock around each call; import runs in one
/// transaction of its own, so a failure imports nothing.
///
/// Exported: every conversation (title, matter number, client, members, closed state, the
/// members' receipts) and every message a person sent (text, attachments with their blob ids,
/// keys and digests, edits, reactions, retraction, state, the message info of own messages).
/// Not exported: the device's local notices (system rows, withheld messages), drafts, read marks,
/// the outbox, keys and sessions.
///
/// Import merges: a message id the profile already holds is left as it is (the copy received
/// since linking is the newer truth), its reactions and edits included; conversations the
/// profile knows keep the relay's data. Nothing is ever held twice.

#include <cstdint>
#include <string>

#include "journal/HistoryTransfer.h"
#include "storage/Database.h"

namespace verbatim::client {

struct HistoryImportCounts {
    std::uint32_t conversations = 0; ///< new here
    std::uint32_t messages = 0;      ///< new here
    std::uint32_t skipped = 0;       ///< already held (received since linking, or imported before)
};

class HistoryStore {
public:
    explicit HistoryStore(storage::Database& db) : m_db(db) {}

    /// This profile's history, as `user`/`device` exports it at `nowMs`.
    [[nodiscard]] Result<journal::HistoryDocument>
    exportHistory(const std::string& user, std::uint32_t device, std::uint64_t nowMs);
    /// Imports `doc` in one transaction (begun here): all or nothing.
    [[nodiscard]] Result<HistoryImportCounts> importHistory(const journal::HistoryDocument& doc);

private:
    storage::Database& m_db;
};

} // namespace verbatim::client
