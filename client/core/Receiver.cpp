#include "client/core/Receiver.h"

#include <set>

#include "client/core/CoreUtil.h"
#include "common/Json.h"
#include "crypto/Digest.h"
#include "journal/Commitment.h"
#include "journal/HistoryTransfer.h"
#include "journal/JournalCrypto.h"

namespace verbatim::client {

Receiver::Receiver(storage::Database& db, signal::SessionManager& sessions, MessageStore& messages,
                   ContactTrust& trust, std::string selfUser, Hooks hooks)
    : m_db(db), m_sessions(sessions), m_messages(messages), m_trust(trust),
      m_self(std::move(selfUser)), m_hooks(std::move(hooks)) {}

void Receiver::withhold(const proto::JournalRecord& rec, const proto::Envelope& e,
                        const std::string& sender, const std::string& fields) {
    auto mismatch = rec;
    mismatch.set_body("");
    mismatch.clear_attachments();
    (void)m_messages.insert(mismatch, MessageKind::Mismatch, false, MessageState::Mismatch,
                            e.server_time_ms(), e.journal_sequence(), "");
    m_hooks.reportMismatch(rec.conversation_id(), rec.message_id(), sender, e.journal_sequence(),
                           fields);
    (void)m_messages.markProcessed(e.message_id());
}

Receiver::Received Receiver::receive(const proto::Envelope& e) {
    Received out;
    auto& events = out.events;
    const auto& sender = e.sender();
    const std::string senderText = sender.user() + "/" + std::to_string(sender.device());
    // The envelope stays queued on the relay, which sends it again on the next connection.
    auto storageTrouble = [&] {
        m_db.rollback();
        out.outcome = Outcome::StorageTrouble;
        out.events.clear();
        return std::move(out);
    };
    auto handled = [&] {
        m_hooks.acknowledge(e.queue_id());
        out.outcome = Outcome::Handled;
        return std::move(out);
    };
    // At-least-once delivery: an envelope whose message we already stored is only acknowledged.
    if (auto seen = m_messages.processed(e.message_id()); seen && *seen) return handled();
    storage::Transaction tx(m_db);
    if (!tx.begin()) return storageTrouble();
    signal::CipherMessage msg{signal::CipherMessage::Type(e.type()), toBytes(view(e.body()))};
    auto plain = m_sessions.decrypt({sender.user(), std::int32_t(sender.device())}, msg);
    if (!plain) {
        m_db.rollback();
        if (plain.error().code == ErrorCode::UntrustedIdentity) {
            // A known device presents a new identity key: hold everything from it until the user
            // accepts the new safety number; keep the envelope queued on the relay.
            m_trust.markChanged(sender.user());
            events.push_back({Event::Kind::SafetyNumberChanged,
                              e.conversation_id(),
                              {},
                              {},
                              sender.user(),
                              {},
                              "identity key of " + senderText + " changed"});
            out.outcome = Outcome::Held;
            return out;
        }
        if (plain.error().code != ErrorCode::Duplicate) {
            (void)m_messages.systemMessage(e.conversation_id(), "A message from " + sender.user() +
                                                                    " could not be decrypted.");
            events.push_back({Event::Kind::Undecryptable,
                              e.conversation_id(),
                              hexOf(e.message_id()),
                              {},
                              senderText,
                              {},
                              plain.error().message});
        }
        return handled();
    }
    proto::JournalRecord rec;
    const bool ok =
        rec.ParseFromArray(plain->data(), int(plain->size())) &&
        rec.message_id() == e.message_id() && rec.conversation_id() == e.conversation_id() &&
        rec.sender().user() == sender.user() && rec.sender().device() == sender.device();
    auto commitThenHandled = [&] {
        if (!tx.commit()) {
            out.outcome = Outcome::Handled; // not acknowledged: redelivered, and handled again
            return std::move(out);
        }
        return handled();
    };
    // A withheld message: only its own event is told (as before the split), and nothing when the
    // transaction fails (the envelope comes again).
    auto withheld = [&](Event ev) {
        events.clear();
        if (!tx.commit()) {
            out.outcome = Outcome::Handled;
            return std::move(out);
        }
        events.push_back(std::move(ev));
        return handled();
    };
    if (!ok) {
        // A payload that contradicts its envelope is dropped (the session still advances).
        (void)m_messages.systemMessage(e.conversation_id(), "A malformed message from " +
                                                                sender.user() + " was dropped.");
        (void)m_messages.markProcessed(e.message_id());
        events.push_back({Event::Kind::Undecryptable,
                          e.conversation_id(),
                          hexOf(e.message_id()),
                          {},
                          senderText,
                          {},
                          "malformed payload"});
        return commitThenHandled();
    }
    // A device of this user's own account that none of its devices approved does not get to
    // speak as the user here (issue 15 break 2): its message is not shown.
    if (sender.user() == m_self && m_trust.unapprovedOwnDevice(sender.device())) {
        (void)m_messages.markProcessed(e.message_id());
        events.push_back(
            {Event::Kind::DeviceAdded,
             e.conversation_id(),
             hexOf(e.message_id()),
             {},
             senderText,
             {},
             "a message from device " + std::to_string(sender.device()) +
                 " of your account, which none of your devices approved, was not shown"});
        return commitThenHandled();
    }
    std::set<std::string> changedUsers;
    m_trust.noteIdentities(sender.user(), &changedUsers);
    for (auto& u : changedUsers) {
        (void)m_messages.systemMessage(rec.conversation_id(),
                                       "The safety number of " + u +
                                           " changed. Verify it, then accept to keep sending.");
        events.push_back({Event::Kind::SafetyNumberChanged,
                          rec.conversation_id(),
                          {},
                          {},
                          u,
                          {},
                          "safety number of " + u + " changed"});
    }
    // ES-08: the relay stamped the commitment from the journal header; what we decrypted must
    // open it, or the sender journaled something else than it showed us.
    if (!journal::commitmentOpens(view(e.commitment()), view(rec.commit_key()),
                                  journal::commitContentOf(rec))) {
        auto digest = crypto::sha256(view(rec.body()));
        withhold(rec, e, senderText,
                 ",\"commitment\":\"" + hexOf(e.commitment()) + "\",\"received_body_sha256\":\"" +
                     toHex(ByteView(digest.data(), digest.size())) + "\"");
        return withheld(
            {Event::Kind::JournalMismatch,
             rec.conversation_id(),
             hexOf(rec.message_id()),
             {},
             senderText,
             {},
             "the message does not match what its sender journaled; it is withheld and reported"});
    }
    // The journal copy check: the entry the relay delivered must open, from the sender's
    // ephemeral secret, to this record (docs/protocol.md, "Journal copy check").
    if (auto copy = m_hooks.checkJournalCopy(rec, e); !copy) {
        withhold(rec, e, senderText,
                 ",\"commitment\":\"" + hexOf(e.commitment()) + "\",\"journal_copy\":\"" +
                     journal::faultName(journal::Fault(copy.error().detail)) + "\"");
        return withheld({Event::Kind::JournalMismatch,
                         rec.conversation_id(),
                         hexOf(rec.message_id()),
                         {},
                         senderText,
                         {},
                         "the journal's copy of this message is not what its sender sent you; it "
                         "is withheld and reported"});
    }
    // Between a user's own devices only history transfers travel (issue 23), and a history
    // transfer is never a message: kept for the import, or refused, and nothing is shown.
    const bool ownDevices = !journal::ownDevicesUser(rec.conversation_id()).empty();
    if (rec.type() == proto::HISTORY_TRANSFER || ownDevices) {
        auto offer = rec.type() == proto::HISTORY_TRANSFER
                         ? m_hooks.historyOffer(rec, e)
                         : Result<std::string>(fail(ErrorCode::InvalidArgument,
                                                    "a message between your own devices that "
                                                    "is not a history transfer was dropped"));
        if (!m_messages.markProcessed(e.message_id())) return storageTrouble();
        if (!tx.commit()) return storageTrouble();
        events.push_back({offer ? Event::Kind::HistoryImporting : Event::Kind::HistoryFailed,
                          {},
                          hexOf(rec.message_id()),
                          {},
                          senderText,
                          {},
                          offer ? *offer : offer.error().message});
        out.historyOffered = offer.has_value();
        return handled();
    }
    // Any failure below rolls the whole receive back, the session included: the envelope is not
    // acknowledged and decrypts again when the relay redelivers it (CF-05).
    // A copy of this message that a history transfer brought (not verified here) gives way to
    // the sender's own envelope, which passed every check above. A copy that named another
    // sender or said something else was made up by the device that sent the history: reported
    // like a journal mismatch, and the verified message is what is shown.
    auto imported = m_messages.importedCopy(rec.message_id());
    if (!imported) return storageTrouble();
    if (*imported && !m_messages.dropImported(rec.message_id())) return storageTrouble();
    if (auto r = m_messages.apply(rec, e.server_time_ms(), e.journal_sequence(), events); !r)
        return storageTrouble();
    if (const auto& copy = *imported;
        copy && (copy->senderUser != sender.user() ||
                 ((rec.type() == proto::TEXT || rec.type() == proto::ATTACHMENT) &&
                  copy->originalBody != rec.body()))) { // ct-ok: message text, not a key
        auto digest = crypto::sha256(view(copy->originalBody));
        m_hooks.reportMismatch(rec.conversation_id(), rec.message_id(), senderText,
                               e.journal_sequence(),
                               ",\"imported_from_device\":" + std::to_string(copy->fromDevice) +
                                   ",\"imported_sender\":" + jsonQuote(copy->senderUser) +
                                   ",\"imported_body_sha256\":\"" +
                                   toHex(ByteView(digest.data(), digest.size())) + "\"");
        events.push_back({Event::Kind::JournalMismatch,
                          rec.conversation_id(),
                          hexOf(rec.message_id()),
                          {},
                          senderText,
                          {},
                          "the copy of this message from your device " +
                              std::to_string(copy->fromDevice) +
                              " differs from what its sender sent; the sender's message is shown "
                              "and the difference reported"});
    }
    if (!m_messages.markProcessed(e.message_id())) return storageTrouble();
    if (!tx.commit()) return storageTrouble();
    // Acknowledge only once the message is durable here (the queued copy may go now).
    m_hooks.acknowledge(e.queue_id());
    out.outcome = Outcome::Stored;
    out.conversation = rec.conversation_id();
    out.rawMessageId = rec.message_id();
    out.wantsDeliveryReceipt =
        (rec.type() == proto::TEXT || rec.type() == proto::ATTACHMENT) && sender.user() != m_self;
    return out;
}

} // namespace verbatim::client
