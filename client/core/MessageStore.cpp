#include "client/core/MessageStore.h"
#include "common/Try.h"

#include <algorithm>
#include <filesystem>
#include <limits>
#include <map>

#include "client/core/CoreUtil.h"
#include "client/core/Emoji.h"
#include "client/media/VoiceNote.h"
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

// ---- reading ------------------------------------------------------------------------------------

std::vector<std::string> MessageStore::members(const std::string& conversation) {
    auto st = m_db.cached("SELECT members FROM conversations WHERE id = ?");
    if (!st) return {};
    st->bind(1, std::string_view(conversation));
    auto row = st->step();
    if (!row || !*row) return {};
    return splitMembers(st->columnText(0));
}

Result<std::string> MessageStore::resolveConversation(const std::string& idOrTitle) {
    VERBATIM_TRY_LET(
        st,
        m_db.prepare(
            "SELECT id FROM conversations WHERE id = ? OR title = ? ORDER BY id = ? DESC LIMIT 2"));
    st->bind(1, std::string_view(idOrTitle))
        .bind(2, std::string_view(idOrTitle))
        .bind(3, std::string_view(idOrTitle));
    VERBATIM_TRY_LET(row, st->step());
    if (!*row) return fail(ErrorCode::NotFound, "no such conversation (run sync first?)");
    return st->columnText(0);
}

Result<std::vector<ConversationView>> MessageStore::conversations() {
    auto st = m_db.prepare(
        "SELECT c.id, c.title, c.is_matter, c.members, "
        " (SELECT count(*) FROM messages WHERE conversation = c.id AND row > c.last_read_row AND "
        "outgoing = 0 "
        "  AND kind IN (0, 1) AND retracted_ms = 0), "
        " (SELECT body FROM messages WHERE conversation = c.id AND kind IN (0, 1) ORDER BY row "
        "DESC LIMIT 1), "
        " coalesce((SELECT max(server_time_ms) FROM messages WHERE conversation = c.id), 0), "
        " c.closed_ms, c.closed_by, c.matter_number, c.client_name "
        "FROM conversations c ORDER BY 7 DESC, c.title");
    if (!st) return tl::unexpected(st.error());
    std::vector<ConversationView> out;
    while (true) {
        VERBATIM_TRY_LET(row, st->step());
        if (!*row) break;
        ConversationView v;
        v.id = st->columnText(0);
        v.title = st->columnText(1);
        v.isMatter = st->columnInt(2) != 0;
        v.members = splitMembers(st->columnText(3));
        for (const auto& u : v.members) {
            auto c = m_db.cached("SELECT display_name, role FROM contacts WHERE user = ?");
            std::string name = u, role;
            if (c) {
                c->bind(1, std::string_view(u));
                auto row2 = c->step();
                if (row2 && *row2) {
                    if (!c->columnText(0).empty()) name = c->columnText(0);
                    role = c->columnText(1);
                }
            }
            v.memberNames.push_back(name);
            v.memberRoles.push_back(role);
        }
        v.unread = std::uint64_t(st->columnInt(4));
        v.lastMessage = st->columnText(5);
        v.lastTimeMs = std::uint64_t(st->columnInt(6));
        v.closedMs = std::uint64_t(st->columnInt(7));
        v.closedBy = st->columnText(8);
        v.matterNumber = st->columnText(9);
        v.clientName = st->columnText(10);
        v.removed = !m_self.empty() && !v.members.empty() &&
                    std::find(v.members.begin(), v.members.end(), m_self) == v.members.end();
        out.push_back(std::move(v));
    }
    return out;
}

Result<std::vector<MessageView>> MessageStore::history(const std::string& conversation,
                                                       std::size_t limit,
                                                       std::int64_t beforeRowId) {
    auto out = readMessages(
        "WHERE m.conversation = ? AND m.row < ? ORDER BY m.row DESC LIMIT ?",
        [&](storage::Statement& st) {
            st.bind(1, std::string_view(conversation))
                .bind(2, beforeRowId > 0 ? beforeRowId : std::numeric_limits<std::int64_t>::max())
                .bind(3, std::int64_t(limit));
        });
    if (out) std::reverse(out->begin(), out->end());
    return out;
}

Result<std::optional<MessageView>> MessageStore::message(const std::string& messageId) {
    VERBATIM_TRY_LET(raw, rawId(messageId));
    auto out =
        readMessages("WHERE m.id = ?", [&](storage::Statement& st) { st.bind(1, view(*raw)); });
    if (!out) return tl::unexpected(out.error());
    if (out->empty()) return std::optional<MessageView>();
    return std::optional<MessageView>(std::move(out->front()));
}

Result<std::vector<RecipientView>> MessageStore::recipients(const std::string& rawMessageId,
                                                            std::uint32_t selfDevice) {
    VERBATIM_TRY_LET(st, m_db.cached("SELECT d.user, coalesce(c.display_name, ''), d.device, "
                                     "d.delivered_ms, d.read_ms FROM message_devices d LEFT JOIN "
                                     "contacts c ON c.user = d.user WHERE d.message = ? AND NOT "
                                     "(d.user = ? AND d.device = ?) ORDER BY coalesce(nullif("
                                     "c.display_name, ''), d.user), d.user, d.device"));
    st->bind(1, view(rawMessageId))
        .bind(2, std::string_view(m_self))
        .bind(3, std::int64_t(selfDevice));
    std::vector<RecipientView> out;
    while (true) {
        VERBATIM_TRY_LET(row, st->step());
        if (!*row) break;
        RecipientView r;
        r.user = st->columnText(0);
        r.displayName = st->columnText(1);
        r.device = std::uint32_t(st->columnInt(2));
        r.deliveredMs = std::uint64_t(st->columnInt(3));
        r.readMs = std::uint64_t(st->columnInt(4));
        out.push_back(std::move(r));
    }
    return out;
}

std::string MessageStore::ftsQuery(const std::string& query) {
    std::string fts;
    std::size_t i = 0;
    while (i < query.size()) {
        while (i < query.size() && query[i] == ' ')
            ++i;
        std::size_t j = i;
        while (j < query.size() && query[j] != ' ')
            ++j;
        if (j > i) {
            std::string word = query.substr(i, j - i), quoted = "\"";
            for (char c : word) {
                if (c == '"')
                    quoted += "\"\"";
                else
                    quoted.push_back(c);
            }
            quoted += "\"";
            if (!fts.empty()) fts += " ";
            fts += quoted;
        }
        i = j;
    }
    return fts;
}

Result<std::vector<MessageView>> MessageStore::search(const std::string& query, std::size_t limit) {
    const std::string fts = ftsQuery(query);
    if (fts.empty()) return std::vector<MessageView>();
    return readMessages(
        "JOIN messages_fts f ON f.rowid = m.row WHERE messages_fts MATCH ? AND m.retracted_ms = 0 "
        "ORDER BY m.row DESC LIMIT ?",
        [&](storage::Statement& st) {
            st.bind(1, std::string_view(fts)).bind(2, std::int64_t(limit));
        });
}

Result<std::vector<MessageView>>
MessageStore::readMessages(const std::string& where,
                           const std::function<void(storage::Statement&)>& bind) {
    auto st = m_db.prepare("SELECT m.row, m.id, m.conversation, m.sender_user, m.sender_device, "
                           "m.outgoing, m.kind, m.body, m.attachments, "
                           "m.client_time_ms, m.server_time_ms, m.journal_seq, m.state, "
                           "m.edited_ms, m.retracted_ms, m.retracted_by, "
                           "(SELECT display_name FROM contacts WHERE user = m.sender_user) "
                           "FROM messages m " +
                           where);
    if (!st) return tl::unexpected(st.error());
    bind(*st);
    std::vector<MessageView> out;
    while (true) {
        VERBATIM_TRY_LET(row, st->step());
        if (!*row) break;
        MessageView v;
        v.rowId = st->columnInt(0);
        v.id = toHex(st->columnBlob(1));
        v.conversation = st->columnText(2);
        v.senderUser = st->columnText(3);
        v.senderDevice = std::uint32_t(st->columnInt(4));
        v.outgoing = st->columnInt(5) != 0;
        v.kind = MessageKind(st->columnInt(6));
        v.body = st->columnText(7);
        Bytes att = st->columnBlob(8);
        if (!att.empty()) {
            proto::AttachmentList list;
            if (list.ParseFromArray(att.data(), int(att.size())))
                for (const auto& a : list.items()) {
                    std::error_code ec;
                    AttachmentInfo info;
                    info.fileName = a.file_name();
                    info.mimeType = a.mime_type();
                    info.size = a.size();
                    info.downloaded = fs::exists(m_blobsDir + "/" + toHex(view(a.blob_id())), ec);
                    info.thumbnail = a.thumbnail(); // issue 23: untrusted bytes
                    info.width = a.width();
                    info.height = a.height();
                    // Voice note hints (issue 23): clamped here, so nothing downstream trusts them.
                    info.durationMs = media::clampDurationMs(a.duration_ms());
                    info.waveform = a.waveform().substr(0, media::kMaxWaveformBytes);
                    v.attachments.push_back(std::move(info));
                }
        }
        v.clientTimeMs = std::uint64_t(st->columnInt(9));
        v.serverTimeMs = std::uint64_t(st->columnInt(10));
        v.journalSequence = std::uint64_t(st->columnInt(11));
        v.state = MessageState(st->columnInt(12));
        v.edited = st->columnInt(13) != 0;
        v.retracted = st->columnInt(14) != 0;
        v.retractedBy = st->columnText(15);
        v.senderName = st->columnText(16);
        if (v.senderName.empty()) v.senderName = v.senderUser;
        out.push_back(std::move(v));
    }
    for (auto& v : out) {
        if (v.outgoing) v.state = outgoingState(v.conversation, v.serverTimeMs, v.state);
        auto rs = m_db.cached("SELECT user, emoji FROM reactions WHERE message = ? ORDER BY user");
        if (!rs) continue;
        auto raw = fromHex(v.id);
        rs->bind(1, ByteView(*raw));
        while (true) {
            auto row = rs->step();
            if (!row || !*row) break;
            v.reactions.emplace_back(rs->columnText(0), rs->columnText(1));
        }
    }
    return out;
}

MessageState MessageStore::outgoingState(const std::string& conversation,
                                         std::uint64_t serverTimeMs, MessageState stored) {
    if (stored != MessageState::Sent || !serverTimeMs) return stored;
    auto others = members(conversation);
    others.erase(std::remove(others.begin(), others.end(), m_self), others.end());
    if (others.empty()) return stored;
    auto st = m_db.cached("SELECT user, max(CASE WHEN kind = 1 THEN up_to_ms END), max(CASE WHEN "
                          "kind = 2 THEN up_to_ms END) "
                          "FROM receipts WHERE conversation = ? GROUP BY user");
    if (!st) return stored;
    st->bind(1, std::string_view(conversation));
    std::map<std::string, std::pair<std::int64_t, std::int64_t>> r;
    while (true) {
        auto row = st->step();
        if (!row || !*row) break;
        r[st->columnText(0)] = {st->columnIsNull(1) ? 0 : st->columnInt(1),
                                st->columnIsNull(2) ? 0 : st->columnInt(2)};
    }
    bool allRead = true, allDelivered = true;
    for (auto& u : others) {
        auto it = r.find(u);
        std::int64_t d = it == r.end() ? 0 : std::max(it->second.first, it->second.second);
        std::int64_t rd = it == r.end() ? 0 : it->second.second;
        if (rd < std::int64_t(serverTimeMs)) allRead = false;
        if (d < std::int64_t(serverTimeMs)) allDelivered = false;
    }
    return allRead ? MessageState::Read : allDelivered ? MessageState::Delivered : stored;
}

} // namespace verbatim::client
