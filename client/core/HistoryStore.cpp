#include "client/core/HistoryStore.h"

#include <map>

#include "client/core/Client.h"
#include "client/core/CoreUtil.h"
#include "common/Try.h"

namespace verbatim::client {

using storage::Transaction;

Result<journal::HistoryDocument>
HistoryStore::exportHistory(const std::string& user, std::uint32_t device, std::uint64_t nowMs) {
    journal::HistoryDocument doc;
    doc.user = user;
    doc.sourceDevice = device;
    doc.createdMs = nowMs;
    // One pass per side table, kept by message id, instead of three queries per message.
    std::map<std::string, std::vector<proto::HistoryReaction>> reactions;
    std::map<std::string, std::vector<proto::HistoryEdit>> edits;
    std::map<std::string, std::vector<proto::HistoryDelivery>> deliveries;
    std::map<std::string, std::vector<proto::HistoryReceipt>> receipts;
    {
        VERBATIM_TRY_LET(st, m_db.prepare("SELECT message, user, emoji FROM reactions"));
        VERBATIM_TRY(st->forEachRow([&](storage::Statement& s) {
            Bytes id = s.columnBlob(0);
            proto::HistoryReaction r;
            r.set_user(s.columnText(1));
            r.set_emoji(s.columnText(2));
            reactions[std::string(id.begin(), id.end())].push_back(std::move(r));
        }));
    }
    {
        VERBATIM_TRY_LET(st, m_db.prepare("SELECT message, edited_ms, old_body FROM edits "
                                          "ORDER BY rowid"));
        VERBATIM_TRY(st->forEachRow([&](storage::Statement& s) {
            Bytes id = s.columnBlob(0);
            proto::HistoryEdit e;
            e.set_edited_ms(std::uint64_t(s.columnInt(1)));
            e.set_old_body(s.columnText(2));
            edits[std::string(id.begin(), id.end())].push_back(std::move(e));
        }));
    }
    {
        VERBATIM_TRY_LET(st, m_db.prepare("SELECT message, user, device, delivered_ms, read_ms "
                                          "FROM message_devices"));
        VERBATIM_TRY(st->forEachRow([&](storage::Statement& s) {
            Bytes id = s.columnBlob(0);
            proto::HistoryDelivery d;
            d.set_user(s.columnText(1));
            d.set_device(std::uint32_t(s.columnInt(2)));
            d.set_delivered_ms(std::uint64_t(s.columnInt(3)));
            d.set_read_ms(std::uint64_t(s.columnInt(4)));
            deliveries[std::string(id.begin(), id.end())].push_back(std::move(d));
        }));
    }
    {
        VERBATIM_TRY_LET(st,
                         m_db.prepare("SELECT conversation, user, kind, up_to_ms FROM receipts"));
        VERBATIM_TRY(st->forEachRow([&](storage::Statement& s) {
            proto::HistoryReceipt r;
            r.set_user(s.columnText(1));
            r.set_kind(std::uint32_t(s.columnInt(2)));
            r.set_up_to_ms(std::uint64_t(s.columnInt(3)));
            receipts[s.columnText(0)].push_back(std::move(r));
        }));
    }
    {
        VERBATIM_TRY_LET(st, m_db.prepare("SELECT id, title, is_matter, members, closed_ms, "
                                          "closed_by, matter_number, client_name FROM "
                                          "conversations ORDER BY id"));
        VERBATIM_TRY(st->forEachRow([&](storage::Statement& s) {
            proto::HistoryConversation c;
            c.set_id(s.columnText(0));
            c.set_title(s.columnText(1));
            c.set_is_matter(s.columnInt(2) != 0);
            for (auto& m : splitMembers(s.columnText(3)))
                c.add_members(m);
            c.set_closed_ms(std::uint64_t(s.columnInt(4)));
            c.set_closed_by(s.columnText(5));
            c.set_matter_number(s.columnText(6));
            c.set_client_name(s.columnText(7));
            if (auto it = receipts.find(c.id()); it != receipts.end())
                for (auto& r : it->second)
                    *c.add_receipts() = std::move(r);
            doc.conversations.push_back(std::move(c));
        }));
    }
    // What a person sent: not this device's own notices (system rows, withheld messages), which
    // the other device makes for itself. Only conversations the profile lists (a message of one
    // it no longer lists stays behind).
    VERBATIM_TRY_LET(
        st, m_db.prepare("SELECT m.id, m.conversation, m.sender_user, m.sender_device, m.kind, "
                         "m.body, m.attachments, m.client_time_ms, m.server_time_ms, "
                         "m.journal_seq, m.state, m.edited_ms, m.retracted_ms, m.retracted_by "
                         "FROM messages m JOIN conversations c ON c.id = m.conversation "
                         "WHERE m.sender_user != '' AND m.kind IN (?, ?, ?) ORDER BY m.row"));
    st->bind(1, std::int64_t(MessageKind::Text))
        .bind(2, std::int64_t(MessageKind::Attachment))
        .bind(3, std::int64_t(MessageKind::Notice));
    VERBATIM_TRY(st->forEachRow([&](storage::Statement& s) {
        proto::HistoryMessage m;
        Bytes id = s.columnBlob(0);
        if (id.size() != 16) return; // not a message id this format carries
        const std::string key(id.begin(), id.end());
        m.set_id(key);
        m.set_conversation_id(s.columnText(1));
        m.mutable_sender()->set_user(s.columnText(2));
        m.mutable_sender()->set_device(std::uint32_t(s.columnInt(3)));
        m.set_kind(std::uint32_t(s.columnInt(4)));
        m.set_body(s.columnText(5));
        Bytes list = s.columnBlob(6);
        if (!list.empty()) {
            proto::AttachmentList a;
            if (a.ParseFromArray(list.data(), int(list.size())))
                *m.mutable_attachments() = a.items();
        }
        m.set_client_time_ms(std::uint64_t(s.columnInt(7)));
        m.set_server_time_ms(std::uint64_t(s.columnInt(8)));
        m.set_journal_sequence(std::uint64_t(s.columnInt(9)));
        m.set_state(std::uint32_t(s.columnInt(10)));
        m.set_edited_ms(std::uint64_t(s.columnInt(11)));
        m.set_retracted_ms(std::uint64_t(s.columnInt(12)));
        m.set_retracted_by(s.columnText(13));
        if (auto it = reactions.find(key); it != reactions.end())
            for (auto& r : it->second)
                *m.add_reactions() = std::move(r);
        if (auto it = edits.find(key); it != edits.end())
            for (auto& e : it->second)
                *m.add_edits() = std::move(e);
        if (auto it = deliveries.find(key); it != deliveries.end())
            for (auto& d : it->second)
                *m.add_deliveries() = std::move(d);
        doc.messages.push_back(std::move(m));
    }));
    return doc;
}

Result<HistoryImportCounts> HistoryStore::importHistory(const journal::HistoryDocument& doc,
                                                        const std::set<std::string>& listed) {
    HistoryImportCounts counts;
    Transaction tx(m_db);
    VERBATIM_TRY(tx.begin());
    for (const auto& c : doc.conversations) {
        // Only a conversation the relay lists to this device: any other (invented, or one the
        // user has left) would be a room the relay never vouched for.
        if (!listed.count(c.id())) {
            ++counts.droppedConversations;
            continue;
        }
        // A conversation the relay already listed to this device keeps the relay's data.
        VERBATIM_TRY_LET(
            ins, m_db.cached("INSERT OR IGNORE INTO conversations (id, title, is_matter, members, "
                             "closed_ms, closed_by, matter_number, client_name) VALUES "
                             "(?, ?, ?, ?, ?, ?, ?, ?)"));
        ins->bind(1, std::string_view(c.id()))
            .bind(2, std::string_view(c.title()))
            .bind(3, std::int64_t(c.is_matter()));
        const std::string members = joinMembers(c.members());
        ins->bind(4, std::string_view(members))
            .bind(5, std::int64_t(c.closed_ms()))
            .bind(6, std::string_view(c.closed_by()))
            .bind(7, std::string_view(c.matter_number()))
            .bind(8, std::string_view(c.client_name()));
        VERBATIM_TRY(ins->run());
        if (m_db.changes() > 0) ++counts.conversations;
        for (const auto& r : c.receipts()) {
            // Other users' receipts ("read by the client") come from them, checked, or not at
            // all: only this user's own read state is taken from its own device.
            if (r.user() != doc.user) continue;
            // The later of the two marks wins: either may be newer.
            VERBATIM_TRY_LET(
                rc, m_db.cached("INSERT INTO receipts (conversation, user, kind, up_to_ms) VALUES "
                                "(?, ?, ?, ?) ON CONFLICT (conversation, user, kind) DO UPDATE "
                                "SET up_to_ms = max(up_to_ms, excluded.up_to_ms)"));
            rc->bind(1, std::string_view(c.id()))
                .bind(2, std::string_view(r.user()))
                .bind(3, std::int64_t(r.kind()))
                .bind(4, std::int64_t(r.up_to_ms()));
            VERBATIM_TRY(rc->run());
        }
    }
    for (const auto& m : doc.messages) {
        const auto kind = m.kind();
        if (kind != std::uint32_t(MessageKind::Text) &&
            kind != std::uint32_t(MessageKind::Attachment) &&
            kind != std::uint32_t(MessageKind::Notice)) {
            ++counts.skipped; // a kind this device does not take from another
            continue;
        }
        if (!listed.count(m.conversation_id())) {
            ++counts.droppedMessages;
            continue;
        }
        VERBATIM_TRY_LET(
            ins, m_db.cached("INSERT OR IGNORE INTO messages (id, conversation, sender_user, "
                             "sender_device, outgoing, kind, body, attachments, client_time_ms, "
                             "server_time_ms, journal_seq, state, edited_ms, retracted_ms, "
                             "retracted_by, imported_from_device) VALUES "
                             "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
        ins->bind(1, view(m.id()))
            .bind(2, std::string_view(m.conversation_id()))
            .bind(3, std::string_view(m.sender().user()))
            .bind(4, std::int64_t(m.sender().device()))
            .bind(5, std::int64_t(m.sender().user() == doc.user))
            .bind(6, std::int64_t(kind))
            .bind(7, std::string_view(m.body()));
        std::string attachments;
        if (m.attachments_size()) {
            proto::AttachmentList list;
            *list.mutable_items() = m.attachments();
            attachments = list.SerializeAsString();
        }
        ins->bind(8, view(attachments))
            .bind(9, std::int64_t(m.client_time_ms()))
            .bind(10, std::int64_t(m.server_time_ms()))
            .bind(11, std::int64_t(m.journal_sequence()));
        // Own messages are at most Sent: delivered and read are other users' word, which only
        // their receipts give. Nothing imported is queued: the outbox stays the sending device's.
        const std::int64_t state = m.sender().user() == doc.user
                                       ? std::int64_t(MessageState::Sent)
                                       : std::int64_t(MessageState::Received);
        ins->bind(12, state)
            .bind(13, std::int64_t(m.edited_ms()))
            .bind(14, std::int64_t(m.retracted_ms()))
            .bind(15, std::string_view(m.retracted_by()))
            .bind(16, std::int64_t(doc.sourceDevice));
        VERBATIM_TRY(ins->run());
        if (m_db.changes() == 0) {
            ++counts.skipped; // held already: the copy here stays as it is
            continue;
        }
        ++counts.messages;
        for (const auto& r : m.reactions()) {
            VERBATIM_TRY_LET(rs, m_db.cached("INSERT OR IGNORE INTO reactions (message, user, "
                                             "emoji) VALUES (?, ?, ?)"));
            rs->bind(1, view(m.id()))
                .bind(2, std::string_view(r.user()))
                .bind(3, std::string_view(r.emoji()));
            VERBATIM_TRY(rs->run());
        }
        for (const auto& e : m.edits()) {
            VERBATIM_TRY_LET(es, m_db.cached("INSERT INTO edits (message, edited_ms, old_body) "
                                             "VALUES (?, ?, ?)"));
            es->bind(1, view(m.id()))
                .bind(2, std::int64_t(e.edited_ms()))
                .bind(3, std::string_view(e.old_body()));
            VERBATIM_TRY(es->run());
        }
        // Deliveries (message info) are other devices' receipts: not taken from the document.
        // Nor is the id marked processed: the sender's own envelope for it, if one is still
        // queued for this device, is checked and replaces this unverified copy (Receiver).
    }
    VERBATIM_TRY(tx.commit());
    return counts;
}

} // namespace verbatim::client
