/// @file MessageStoreQueries.cpp
/// MessageStore's reading side: members, conversations, history, one message, its recipients,
/// full-text search, and the message rows they share (readMessages). What it writes is in
/// MessageStore.cpp.

#include "client/core/MessageStore.h"
#include "common/Try.h"

#include <algorithm>
#include <filesystem>
#include <limits>
#include <map>

#include "client/core/CoreUtil.h"
#include "client/media/VoiceNote.h"

namespace verbatim::client {

namespace fs = std::filesystem;

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
                           "(SELECT display_name FROM contacts WHERE user = m.sender_user), "
                           "m.imported_from_device "
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
        v.importedFromDevice = std::uint32_t(st->columnInt(17));
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
