#pragma once
/// @file Receiver.h
/// Turns one envelope from the relay into what this device keeps: decrypts it (advancing the
/// Signal session), checks the payload against its envelope, refuses a message from an own
/// device nobody approved (issue 15 break 2), notes the sender's keys (ContactTrust), checks the
/// journal commitment (ES-08) and the journal copy, and applies the record (MessageStore), all
/// in one transaction, so that a failure leaves the envelope to be delivered again (CF-05).
/// A message that does not match what its sender journaled is withheld and reported.
///
/// No locking and no network: the caller (client::Client) holds its data lock, acknowledges to
/// the relay through the hook, and emits the events it is handed back, after releasing the lock.

#include <functional>
#include <string>
#include <vector>

#include "client/core/ContactTrust.h"
#include "client/core/MessageStore.h"
#include "signal/SessionManager.h"
#include "storage/Database.h"
#include "wire.pb.h"

namespace verbatim::client {

class Receiver {
public:
    struct Hooks {
        /// The envelope may leave the relay's queue (it is stored here, or dropped for good).
        std::function<void(std::uint64_t queueId)> acknowledge;
        /// Queues the signed MISMATCH_REPORT for a withheld message (in the receive's transaction).
        std::function<void(const std::string& conversation, const std::string& rawMessageId,
                           const std::string& sender, std::uint64_t journalSeq,
                           const std::string& fields)>
            reportMismatch;
        /// The journal copy check (docs/protocol.md): its error's detail is a journal::Fault.
        std::function<Result<void>(const proto::JournalRecord&, const proto::Envelope&)>
            checkJournalCopy;
        /// A HISTORY_TRANSFER record (issue 23): checked and kept in the receive's transaction;
        /// answers the sentence for the user, or why it was refused.
        std::function<Result<std::string>(const proto::JournalRecord&, const proto::Envelope&)>
            historyOffer;
    };
    Receiver(storage::Database& db, signal::SessionManager& sessions, MessageStore& messages,
             ContactTrust& trust, std::string selfUser, Hooks hooks);

    enum class Outcome {
        Stored,         ///< applied and acknowledged
        Handled,        ///< acknowledged without showing anything (duplicate, dropped, withheld)
        Held,           ///< not acknowledged: the sender's identity changed; it comes again later
        StorageTrouble, ///< not acknowledged, rolled back: the disk refused; fetch it again later
    };
    struct Received {
        Outcome outcome = Outcome::Handled;
        std::vector<Event> events;         ///< for the UI, in order
        bool wantsDeliveryReceipt = false; ///< a text or attachment from someone else was stored
        bool historyOffered = false;       ///< a history transfer was kept: import it
        std::string conversation, rawMessageId;
    };
    /// Handles `envelope`; the caller holds its data lock and emits `events` afterwards.
    Received receive(const proto::Envelope& envelope);

private:
    void withhold(const proto::JournalRecord& rec, const proto::Envelope& e,
                  const std::string& sender, const std::string& fields);

    storage::Database& m_db;
    signal::SessionManager& m_sessions;
    MessageStore& m_messages;
    ContactTrust& m_trust;
    std::string m_self;
    Hooks m_hooks;
};

} // namespace verbatim::client
