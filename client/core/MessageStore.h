#pragma once
/// @file MessageStore.h
/// What the user sees, as this profile keeps it: conversations (with their members' names and
/// roles from `contacts`), messages with their full-text index, edits, reactions, receipts, and
/// the ids of messages already handled (at-least-once delivery). Applies records (received, or
/// this user's own edits, retractions and reactions) to those tables and answers the queries of
/// the chat screens and `verbatim-cli`.
///
/// No locking and no network: the caller (client::Client) holds its data lock around every
/// call, and owns the transaction a receive or a send runs in. The database must outlive the
/// store. Tables are created by migrateClientSchema() (Profile.h).

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "client/core/Client.h"
#include "storage/Database.h"
#include "wire.pb.h"

namespace verbatim::client {

class MessageStore {
public:
    /// `blobsDir`: where downloaded attachment blobs are kept (a retraction removes its copies;
    /// a view says whether a file is here). `self`: this profile's user id (own messages).
    MessageStore(storage::Database& db, std::string blobsDir, std::string self);

    // ---- writing --------------------------------------------------------------------------------
    /// Adds one message row. `body` is what is shown (it may differ from the record's body).
    [[nodiscard]] Result<void> insert(const proto::JournalRecord& rec, MessageKind kind,
                                      bool outgoing, MessageState state, std::uint64_t serverTimeMs,
                                      std::uint64_t journalSeq, const std::string& body);
    /// A local notice in `conversation` (safety number changed, undecryptable message...).
    [[nodiscard]] Result<void> systemMessage(const std::string& conversation,
                                             const std::string& text);
    /// Applies `rec` (received at `serverTimeMs` / `journalSeq`, or made here with 0 and 0) and
    /// appends what the UI should hear to `events`. Only an author edits or retracts their
    /// message; a retraction removes text, earlier versions, reactions and local blob copies.
    [[nodiscard]] Result<void> apply(const proto::JournalRecord& rec, std::uint64_t serverTimeMs,
                                     std::uint64_t journalSeq, std::vector<Event>& events);
    [[nodiscard]] Result<void> setState(const std::string& rawMessageId, MessageState state);
    /// An outgoing message the relay stored: state Sent, with its server time and journal sequence.
    [[nodiscard]] Result<void> markSent(const std::string& rawMessageId, std::uint64_t serverTimeMs,
                                        std::uint64_t journalSeq);
    /// Keeps the devices an own TEXT or ATTACHMENT message went to (`rec.recipients()`, stored by
    /// the relay at `serverTimeMs`), for its message info; nothing for other types. Devices
    /// already kept for it stay as they are (a resend after a relay restore).
    [[nodiscard]] Result<void> recordRecipients(const proto::JournalRecord& rec,
                                                std::uint64_t serverTimeMs);
    /// Records that a message id was handled; delivered duplicates are then only acknowledged.
    [[nodiscard]] Result<void> markProcessed(const std::string& rawMessageId);
    [[nodiscard]] Result<bool> processed(const std::string& rawMessageId);
    /// A message copied by a history transfer and not verified here (imported_from_device).
    struct ImportedCopy {
        std::uint32_t fromDevice = 0;
        std::string senderUser;   ///< as the copy named it
        std::string originalBody; ///< the body before the copy's edits (what its envelope held)
    };
    /// The imported, unverified row for `rawMessageId`, if one is stored.
    [[nodiscard]] Result<std::optional<ImportedCopy>> importedCopy(const std::string& rawMessageId);
    /// Removes that row and its edits (inside the caller's transaction): the verified message
    /// the sender's envelope holds takes its place.
    [[nodiscard]] Result<void> dropImported(const std::string& rawMessageId);
    /// Stores a conversation as the relay lists it, and its members' names and roles.
    [[nodiscard]] Result<void> upsertConversation(const proto::Conversation& c);

    // ---- reading --------------------------------------------------------------------------------
    /// The stored member user ids of `conversation` (empty when unknown).
    std::vector<std::string> members(const std::string& conversation);
    /// A conversation id or an exact title as an id.
    [[nodiscard]] Result<std::string> resolveConversation(const std::string& idOrTitle);
    /// Every conversation, most recent activity first, with unread counts and a preview.
    [[nodiscard]] Result<std::vector<ConversationView>> conversations();
    /// At most `limit` messages of `conversation` (id) before row `beforeRowId` (0: latest),
    /// oldest first.
    [[nodiscard]] Result<std::vector<MessageView>>
    history(const std::string& conversation, std::size_t limit, std::int64_t beforeRowId);
    /// The message with id `messageId` (32 hex digits), if stored.
    [[nodiscard]] Result<std::optional<MessageView>> message(const std::string& messageId);
    /// The devices own message `rawMessageId` went to, except `selfDevice` of this user, with
    /// when each one's receipts covered it; ordered by display name, then user and device. Empty
    /// when none were kept (sent before profiles kept them, or not an own message).
    [[nodiscard]] Result<std::vector<RecipientView>> recipients(const std::string& rawMessageId,
                                                                std::uint32_t selfDevice);
    /// Full-text search, newest first; retracted messages never match.
    [[nodiscard]] Result<std::vector<MessageView>> search(const std::string& query,
                                                          std::size_t limit);
    /// `query` as FTS5 input: one quoted string per space-separated word, so that user input is
    /// never FTS syntax ("" when it has no word).
    static std::string ftsQuery(const std::string& query);

private:
    Result<std::vector<MessageView>>
    readMessages(const std::string& where, const std::function<void(storage::Statement&)>& bind);
    /// Sent, Delivered or Read for an own message, from the other members' receipts.
    MessageState outgoingState(const std::string& conversation, std::uint64_t serverTimeMs,
                               MessageState stored);

    storage::Database& m_db;
    std::string m_blobsDir;
    std::string m_self;
};

} // namespace verbatim::client
