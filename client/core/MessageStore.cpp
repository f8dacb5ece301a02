/// @file MessageStore.cpp
/// MessageStore's writing side: records stored and applied (edits, retractions, reactions,
/// receipts), sent states, conversations upserted. What it reads back is in
/// MessageStoreQueries.cpp.

#include "client/core/MessageStore.h"
#include "common/Try.h"

#include <algorithm>
#include <filesystem>

#include "client/core/CoreUtil.h"
#include "client/core/Emoji.h"
#include "common/Log.h"
#include "journal/SealedEntry.h"

namespace verbatim::client {

namespace fs = std::filesystem;

namespace {

/// Message kinds as stored (MessageKind values).
MessageKind kindOfRecord(proto::MessageType t) {
    switch (t) {
    case proto::TEXT:
        return MessageKind::Text;
    case proto::ATTACHMENT:
        return MessageKind::Attachment;
    case proto::NOTICE_ACCEPTED:
        return MessageKind::Notice;
    default:
        return MessageKind::System;
    }
}

enum ReceiptKind { kDelivered = 1, kRead = 2 };

} // namespace

MessageStore::MessageStore(storage::Database& db, std::string blobsDir, std::string self)
    : m_db(db), m_blobsDir(std::move(blobsDir)), m_self(std::move(self)) {}

// ---- writing ------------------------------------------------------------------------------------

Result<void> MessageStore::insert(const proto::JournalRecord& rec, MessageKind kind, bool outgoing,
                                  MessageState state, std::uint64_t serverTimeMs,
                                  std::uint64_t journalSeq, const std::string& body) {
    auto st = m_db.cached("INSERT INTO messages (id, conversation, sender_user, sender_device, "
                          "outgoing, kind, body, attachments, "
                          "client_time_ms, server_time_ms, journal_seq, state) VALUES (?, ?, ?, ?, "
                          "?, ?, ?, ?, ?, ?, ?, ?)");
    if (!st) return tl::unexpected(st.error());
    st->bind(1, view(rec.message_id()))
        .bind(2, std::string_view(rec.conversation_id()))
        .bind(3, std::string_view(rec.sender().user()))
        .bind(4, std::int64_t(rec.sender().device()))
        .bind(5, std::int64_t(outgoing))
        .bind(6, std::int64_t(kind))
        .bind(7, std::string_view(body));
    std::string attachments;
    if (rec.attachments_size()) {
        proto::AttachmentList list;
        *list.mutable_items() = rec.attachments();
        attachments = list.SerializeAsString();
        st->bind(8, view(attachments));
    } else {
        st->bind(8, ByteView());
    }
    st->bind(9, std::int64_t(rec.client_time_ms()))
        .bind(10, std::int64_t(serverTimeMs))
        .bind(11, std::int64_t(journalSeq))
        .bind(12, std::int64_t(state));
    return st->run();
}

Result<void> MessageStore::systemMessage(const std::string& conversation, const std::string& text) {
    proto::JournalRecord rec;
    rec.set_message_id(journal::newMessageId(nowMs()));
    rec.set_conversation_id(conversation);
    rec.mutable_sender()->set_user("");
    rec.set_client_time_ms(nowMs());
    return insert(rec, MessageKind::System, false, MessageState::Received, nowMs(), 0, text);
}

// Applies a record (received, or made here for edits and retractions) inside the caller's
// transaction.
Result<void> MessageStore::apply(const proto::JournalRecord& rec, std::uint64_t serverTimeMs,
                                 std::uint64_t journalSeq, std::vector<Event>& events) {
    const std::string senderText =
        rec.sender().user() + "/" + std::to_string(rec.sender().device());
    const bool mine = rec.sender().user() == m_self;
    {
        VERBATIM_TRY_LET(known, m_db.cached("INSERT OR IGNORE INTO conversations (id) VALUES (?)"));
        known->bind(1, std::string_view(rec.conversation_id()));
        if (auto r = known->run(); !r) return r;
    }
    auto refMessage =
        [&](const std::string& ref) -> Result<std::optional<std::pair<std::string, bool>>> {
        VERBATIM_TRY_LET(st, m_db.cached("SELECT sender_user, retracted_ms FROM messages WHERE id "
                                         "= ? AND conversation = ?"));
        st->bind(1, view(ref)).bind(2, std::string_view(rec.conversation_id()));
        VERBATIM_TRY_LET(row, st->step());
        if (!*row) return std::optional<std::pair<std::string, bool>>();
        return std::optional<std::pair<std::string, bool>>(
            std::pair{st->columnText(0), st->columnInt(1) != 0});
    };
    Event ev{Event::Kind::Message,
             rec.conversation_id(),
             hexOf(rec.message_id()),
             hexOf(rec.ref_message_id()),
             senderText,
             rec.body(),
             {},
             serverTimeMs};
    switch (rec.type()) {
    case proto::TEXT:
    case proto::ATTACHMENT:
    case proto::NOTICE_ACCEPTED: {
        std::string body = rec.body();
        if (rec.type() == proto::NOTICE_ACCEPTED) {
            std::string who = rec.sender().user();
            if (auto n = m_db.cached(
                    "SELECT display_name FROM contacts WHERE user = ? AND display_name != ''")) {
                n->bind(1, std::string_view(who));
                if (auto row = n->step(); row && *row) who = n->columnText(0);
            }
            body =
                mine ? "You accepted the recording notice" : who + " accepted the recording notice";
        }
        auto r = insert(rec, kindOfRecord(rec.type()), mine,
                        mine ? MessageState::Sent : MessageState::Received, serverTimeMs,
                        journalSeq, body);
        if (!r) return r;
        // Sent from another of our devices: where it went, for its message info here too.
        if (mine)
            if (auto k = recordRecipients(rec, serverTimeMs); !k) return k;
        if (rec.type() == proto::ATTACHMENT && rec.attachments_size())
            ev.detail = rec.attachments(0).file_name();
        if (rec.type() == proto::NOTICE_ACCEPTED) ev.detail = "notice_accepted";
        events.push_back(ev);
        return {};
    }
    case proto::EDIT:
    case proto::RETRACT: {
        VERBATIM_TRY_LET(ref, refMessage(rec.ref_message_id()));
        // Only the author (any of their devices) may edit or retract a message.
        if (!*ref || (*ref)->first != rec.sender().user() || (*ref)->second) return {};
        if (rec.type() == proto::EDIT) {
            VERBATIM_TRY_LET(save, m_db.cached("INSERT INTO edits (message, edited_ms, old_body) "
                                               "SELECT id, ?, body FROM messages WHERE id = ?"));
            save->bind(1, std::int64_t(serverTimeMs ? serverTimeMs : nowMs()))
                .bind(2, view(rec.ref_message_id()));
            if (auto r = save->run(); !r) return r;
            VERBATIM_TRY_LET(
                up, m_db.cached("UPDATE messages SET body = ?, edited_ms = ? WHERE id = ?"));
            up->bind(1, std::string_view(rec.body()))
                .bind(2, std::int64_t(serverTimeMs ? serverTimeMs : nowMs()))
                .bind(3, view(rec.ref_message_id()));
            if (auto r = up->run(); !r) return r;
            ev.kind = Event::Kind::Edited;
        } else {
            // Delete for everyone: the text, its earlier versions, reactions and the local
            // attachment copies go; the row stays as a "message deleted" marker. The journal keeps
            // the original.
            auto att = m_db.cached("SELECT attachments FROM messages WHERE id = ?");
            if (att) {
                att->bind(1, view(rec.ref_message_id()));
                auto row = att->step();
                if (row && *row) {
                    Bytes b = att->columnBlob(0);
                    proto::AttachmentList list;
                    if (list.ParseFromArray(b.data(), int(b.size())))
                        for (const auto& a : list.items()) {
                            std::error_code ec;
                            fs::remove(m_blobsDir + "/" + toHex(view(a.blob_id())), ec);
                        }
                }
            }
            for (const char* sql : {"DELETE FROM edits WHERE message = ?",
                                    "DELETE FROM reactions WHERE message = ?"}) {
                VERBATIM_TRY_LET(del, m_db.cached(sql));
                del->bind(1, view(rec.ref_message_id()));
                if (auto r = del->run(); !r) return r;
            }
            VERBATIM_TRY_LET(up, m_db.cached("UPDATE messages SET body = '', attachments = NULL, "
                                             "retracted_ms = ?, retracted_by = ? WHERE id = ?"));
            up->bind(1, std::int64_t(serverTimeMs ? serverTimeMs : nowMs()))
                .bind(2, std::string_view(rec.sender().user()))
                .bind(3, view(rec.ref_message_id()));
            if (auto r = up->run(); !r) return r;
            ev.kind = Event::Kind::Retracted;
            ev.text.clear();
        }
        events.push_back(ev);
        return {};
    }
    case proto::REACTION: {
        // Exactly one emoji or nothing (removal): anything else a modified client sent (text,
        // two emoji, direction overrides, a kilobyte) is dropped here, never stored or shown.
        if (!rec.body().empty() && !isSingleEmoji(rec.body())) {
            log::write(log::Level::Warn, "client.reaction_refused",
                       {{"sender", senderText}, {"bytes", std::to_string(rec.body().size())}});
            return {};
        }
        VERBATIM_TRY_LET(ref, refMessage(rec.ref_message_id()));
        if (!*ref || (*ref)->second) return {};
        auto st =
            rec.body().empty()
                ? m_db.cached("DELETE FROM reactions WHERE message = ? AND user = ?")
                : m_db.cached("INSERT INTO reactions (message, user, emoji) VALUES (?, ?, ?) "
                              "ON CONFLICT (message, user) DO UPDATE SET emoji = excluded.emoji");
        if (!st) return tl::unexpected(st.error());
        st->bind(1, view(rec.ref_message_id())).bind(2, std::string_view(rec.sender().user()));
        if (!rec.body().empty()) st->bind(3, std::string_view(rec.body()));
        if (auto r = st->run(); !r) return r;
        ev.kind = Event::Kind::Reaction;
        events.push_back(ev);
        return {};
    }
    case proto::RECEIPT: {
        int kind = rec.body() == "read" ? kRead : rec.body() == "delivered" ? kDelivered : 0;
        if (!kind) return {};
        VERBATIM_TRY_LET(t, m_db.cached("SELECT server_time_ms FROM messages WHERE id = ?"));
        t->bind(1, view(rec.ref_message_id()));
        VERBATIM_TRY_LET(row, t->step());
        if (!*row) return {};
        std::int64_t upTo = t->columnInt(0);
        (*t)->reset();
        auto st = m_db.cached(
            "INSERT INTO receipts (conversation, user, kind, up_to_ms) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (conversation, user, kind) DO UPDATE SET up_to_ms = max(up_to_ms, "
            "excluded.up_to_ms)");
        if (!st) return tl::unexpected(st.error());
        st->bind(1, std::string_view(rec.conversation_id()))
            .bind(2, std::string_view(rec.sender().user()))
            .bind(3, std::int64_t(kind))
            .bind(4, upTo);
        if (auto r = st->run(); !r) return r;
        {
            // Per device, for message info: the first receipt of each kind that covers an own
            // message sets its time; a read receipt also sets delivered when that is still unset.
            const std::int64_t at = std::int64_t(serverTimeMs ? serverTimeMs : nowMs());
            auto dev = m_db.cached(
                kind == kRead
                    ? "UPDATE message_devices SET read_ms = ?1, delivered_ms = CASE WHEN "
                      "delivered_ms = 0 THEN ?1 ELSE delivered_ms END WHERE conversation = ?2 AND "
                      "user = ?3 AND device = ?4 AND read_ms = 0 AND sent_ms <= ?5"
                    : "UPDATE message_devices SET delivered_ms = ?1 WHERE conversation = ?2 AND "
                      "user = ?3 AND device = ?4 AND read_ms = 0 AND delivered_ms = 0 AND "
                      "sent_ms <= ?5");
            if (!dev) return tl::unexpected(dev.error());
            dev->bind(1, at)
                .bind(2, std::string_view(rec.conversation_id()))
                .bind(3, std::string_view(rec.sender().user()))
                .bind(4, std::int64_t(rec.sender().device()))
                .bind(5, upTo);
            if (auto r = dev->run(); !r) return r;
        }
        if (mine && kind == kRead) {
            // Read on another of our devices: read here too.
            auto up = m_db.cached("UPDATE conversations SET last_read_row = max(last_read_row, "
                                  "(SELECT coalesce(max(row), 0) FROM messages WHERE conversation "
                                  "= ? AND server_time_ms <= ?)) WHERE id = ?");
            if (up) {
                up->bind(1, std::string_view(rec.conversation_id()))
                    .bind(2, upTo)
                    .bind(3, std::string_view(rec.conversation_id()));
                (void)up->run();
            }
        }
        ev.kind = Event::Kind::Receipt;
        ev.text.clear();
        ev.detail = rec.body();
        events.push_back(ev);
        return {};
    }
    case proto::MISMATCH_REPORT: {
        if (mine) return {};
        auto r =
            systemMessage(rec.conversation_id(),
                          rec.sender().user() +
                              "'s device reported a message whose journal copy does not match.");
        if (!r) return r;
        ev.kind = Event::Kind::JournalMismatch;
        ev.detail = "reported by " + senderText;
        events.push_back(ev);
        return {};
    }
    case proto::SAFETY_NUMBER_ACCEPTED:
    case proto::MEMBERSHIP:
    default:
        return {}; // journaled for compliance; nothing to show
    }
}

Result<void> MessageStore::setState(const std::string& rawMessageId, MessageState state) {
    VERBATIM_TRY_LET(up, m_db.cached("UPDATE messages SET state = ? WHERE id = ?"));
    up->bind(1, std::int64_t(state)).bind(2, view(rawMessageId));
    return up->run();
}

Result<void> MessageStore::markSent(const std::string& rawMessageId, std::uint64_t serverTimeMs,
                                    std::uint64_t journalSeq) {
    VERBATIM_TRY_LET(
        up,
        m_db.cached("UPDATE messages SET state = CASE WHEN state IN (?, ?) THEN state ELSE ? END, "
                    "server_time_ms = ?, journal_seq = ? WHERE id = ?"));
    // A message sent again after a relay restore keeps its delivered or read state.
    up->bind(1, std::int64_t(MessageState::Delivered))
        .bind(2, std::int64_t(MessageState::Read))
        .bind(3, std::int64_t(MessageState::Sent))
        .bind(4, std::int64_t(serverTimeMs))
        .bind(5, std::int64_t(journalSeq))
        .bind(6, view(rawMessageId));
    return up->run();
}

Result<void> MessageStore::recordRecipients(const proto::JournalRecord& rec,
                                            std::uint64_t serverTimeMs) {
    if (rec.type() != proto::TEXT && rec.type() != proto::ATTACHMENT) return {};
    for (const auto& d : rec.recipients()) {
        VERBATIM_TRY_LET(st, m_db.cached("INSERT OR IGNORE INTO message_devices (message, "
                                         "conversation, sent_ms, user, device) VALUES (?, ?, ?, "
                                         "?, ?)"));
        st->bind(1, view(rec.message_id()))
            .bind(2, std::string_view(rec.conversation_id()))
            .bind(3, std::int64_t(serverTimeMs))
            .bind(4, std::string_view(d.user()))
            .bind(5, std::int64_t(d.device()));
        if (auto r = st->run(); !r) return r;
    }
    return {};
}

Result<void> MessageStore::markProcessed(const std::string& rawMessageId) {
    VERBATIM_TRY_LET(st, m_db.cached("INSERT OR IGNORE INTO processed (id) VALUES (?)"));
    st->bind(1, view(rawMessageId));
    return st->run();
}

Result<std::optional<MessageStore::ImportedCopy>>
MessageStore::importedCopy(const std::string& rawMessageId) {
    VERBATIM_TRY_LET(
        st, m_db.cached("SELECT imported_from_device, sender_user, coalesce((SELECT old_body FROM "
                        "edits WHERE message = m.id ORDER BY rowid LIMIT 1), body) "
                        "FROM messages m WHERE id = ? AND imported_from_device != 0"));
    st->bind(1, view(rawMessageId));
    VERBATIM_TRY_LET(row, st->step());
    if (!*row) return std::optional<ImportedCopy>();
    return std::optional<ImportedCopy>(
        ImportedCopy{std::uint32_t(st->columnInt(0)), st->columnText(1), st->columnText(2)});
}

Result<void> MessageStore::dropImported(const std::string& rawMessageId) {
    VERBATIM_TRY_LET(ed, m_db.cached("DELETE FROM edits WHERE message = ?"));
    ed->bind(1, view(rawMessageId));
    VERBATIM_TRY(ed->run());
    VERBATIM_TRY_LET(
        st, m_db.cached("DELETE FROM messages WHERE id = ? AND imported_from_device != 0"));
    st->bind(1, view(rawMessageId));
    return st->run();
}

Result<bool> MessageStore::processed(const std::string& rawMessageId) {
    VERBATIM_TRY_LET(st, m_db.cached("SELECT 1 FROM processed WHERE id = ?"));
    st->bind(1, view(rawMessageId));
    VERBATIM_TRY_LET(row, st->step());
    return *row;
}

Result<void> MessageStore::upsertConversation(const proto::Conversation& c) {
    auto st = m_db.cached("INSERT INTO conversations (id, title, is_matter, members, closed_ms, "
                          "closed_by, matter_number, client_name) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
                          "ON CONFLICT (id) DO UPDATE SET title = excluded.title, is_matter = "
                          "excluded.is_matter, members = excluded.members, closed_ms = "
                          "excluded.closed_ms, closed_by = excluded.closed_by, matter_number = "
                          "excluded.matter_number, client_name = excluded.client_name");
    if (!st) return tl::unexpected(st.error());
    st->bind(1, std::string_view(c.id()))
        .bind(2, std::string_view(c.title()))
        .bind(3, std::int64_t(c.is_matter()));
    auto members = joinMembers(c.members());
    st->bind(4, std::string_view(members))
        .bind(5, std::int64_t(c.closed_ms()))
        .bind(6, std::string_view(c.closed_by()))
        .bind(7, std::string_view(c.matter_number()))
        .bind(8, std::string_view(c.client_name()));
    if (auto r = st->run(); !r) return r;
    // Names and roles as the firm's directory has them.
    for (int i = 0; i < c.members_size() && i < c.member_names_size(); ++i) {
        auto up = m_db.cached("INSERT INTO contacts (user, display_name, role) VALUES (?, ?, ?) "
                              "ON CONFLICT (user) DO UPDATE SET display_name = "
                              "excluded.display_name, role = excluded.role");
        if (!up) return tl::unexpected(up.error());
        const char* role = i < c.member_roles_size() ? roleText(c.member_roles(i)) : "unknown";
        up->bind(1, std::string_view(c.members(i)))
            .bind(2, std::string_view(c.member_names(i)))
            .bind(3, std::string_view(role));
        if (auto r = up->run(); !r) return r;
    }
    return {};
}

} // namespace verbatim::client
