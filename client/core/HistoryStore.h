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
///
/// What is imported is only as good as the device that made it (a compromised device of the
/// user can write any document), so: every imported message carries `imported_from_device` and
/// is shown as not verified here; its id is NOT marked processed, so the sender's genuine
/// envelope, when it comes, is checked and replaces it (Receiver); only conversations the relay
/// lists to this device are taken (the rest, and their messages, are dropped and counted); no
/// other user's receipts or deliveries are taken, only the importing user's own read marks; an
/// own message is at most Sent.

#include <cstdint>
#include <set>
#include <string>

#include "journal/HistoryTransfer.h"
#include "storage/Database.h"

namespace verbatim::client {

struct HistoryImportCounts {
    std::uint32_t conversations = 0; ///< new here
    std::uint32_t messages = 0;      ///< new here
    std::uint32_t skipped = 0;       ///< already held (received since linking, or imported before)
    std::uint32_t droppedConversations = 0; ///< not listed to this device by the relay
    std::uint32_t droppedMessages = 0;      ///< in those conversations
};

class HistoryStore {
public:
    explicit HistoryStore(storage::Database& db) : m_db(db) {}

    /// This profile's history, as `user`/`device` exports it at `nowMs`.
    [[nodiscard]] Result<journal::HistoryDocument>
    exportHistory(const std::string& user, std::uint32_t device, std::uint64_t nowMs);
    /// Imports `doc` in one transaction (begun here): all or nothing. `listed`: the conversation
    /// ids the relay lists to this device now (ListConversations); nothing of any other is taken.
    [[nodiscard]] Result<HistoryImportCounts> importHistory(const journal::HistoryDocument& doc,
                                                            const std::set<std::string>& listed);

private:
    storage::Database& m_db;
};

} // namespace verbatim::client
