/// @file ArchiveSearch.cpp
/// Searching the archive: full-text search with its highlighted matches, and the entries of one
/// participant in a time range.
#include "common/Try.h"
#include "compliance/ArchiveImpl.h"
#include "compliance/SearchParser.h"
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <set>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "common/Json.h"
#include "crypto/Digest.h"
#include "crypto/Hkdf.h"
#include "journal/AttachmentBlob.h"
#include "journal/DeviceApproval.h"
#include "journal/FirmManifest.h"
#include "journal/HashChain.h"
#include "journal/JournalCrypto.h"
#include "journal/RecordingNotice.h"
#include "journal/SealedEntry.h"
#include "storage/Database.h"
#include "verbatim.pb.h"
#include "wire.pb.h"

namespace verbatim::compliance {

using storage::Database;

namespace {

/// The words `fts5` matched in each hit's text, for highlighting. The index is contentless (it
/// cannot say where a word is), so the hits' texts go into a temporary index in memory with the
/// same tokenizer and the query runs again there with highlight(), as the policies do
/// (SupervisionPolicies.cpp). A hit found by an attachment's name has no match in its text.
Result<void> markMatches(Database& db, const std::string& fts5, std::vector<SearchHit>& hits) {
    if (hits.empty()) return {};
    VERBATIM_TRY(db.exec("CREATE VIRTUAL TABLE IF NOT EXISTS temp.search_marks USING fts5 (body, "
                         "tokenize='unicode61 remove_diacritics 2')"));
    VERBATIM_TRY(db.exec("DELETE FROM temp.search_marks"));
    {
        VERBATIM_TRY_LET(ins,
                         db.prepare("INSERT INTO temp.search_marks (rowid, body) VALUES (?, ?)"));
        for (std::size_t i = 0; i < hits.size(); ++i) {
            // The markers highlight() puts around a match never occur in the text; one byte for
            // one, so the offsets stay those of the hit's own text.
            std::string text = hits[i].text;
            std::replace(text.begin(), text.end(), '\x01', ' ');
            std::replace(text.begin(), text.end(), '\x02', ' ');
            ins->bind(1, std::int64_t(i + 1)).bind(2, std::string_view(text));
            VERBATIM_TRY(ins->run());
        }
    }
    VERBATIM_TRY_LET(q, db.prepare("SELECT rowid, highlight(search_marks, 0, char(1), char(2)) "
                                   "FROM temp.search_marks WHERE search_marks MATCH ?"));
    q->bind(1, std::string_view(fts5));
    VERBATIM_TRY(q->forEachRow([&](storage::Statement& s) {
        const auto i = std::size_t(s.columnInt(0));
        if (i == 0 || i > hits.size()) return;
        const std::string marked = s.columnText(1);
        auto& spans = hits[i - 1].matches;
        std::size_t at = 0, open = 0;
        for (char c : marked) {
            if (c == '\x01')
                open = at;
            else if (c == '\x02')
                spans.push_back({open, at - open});
            else
                ++at;
        }
    }));
    return db.exec("DELETE FROM temp.search_marks");
}

} // namespace

Result<std::vector<SearchHit>> Archive::search(const SearchQuery& q) {
    // The text is in the search language (SearchParser.h); FTS5 sees only the expression built
    // from its parse tree, never what was typed.
    VERBATIM_TRY_LET(parsed, parseSearch(q.text));
    std::string conv;
    if (!q.matter.empty()) {
        VERBATIM_TRY_LET(c, resolveConversation(q.matter));
        conv = *c;
    }
    // Retractions and edits count only from the author, in the message's conversation, by a member
    // (as the timeline applies them). `o` is the message an edit refers to. The unary + keeps the
    // planner on records_ref (a conversation holds far more entries than one message's changes).
    std::string sql =
        "SELECT r.seq, r.message_id, r.conversation, coalesce(c.title, ''), r.user, "
        "r.server_time_ms, r.body, r.type, "
        "r.ref, EXISTS (SELECT 1 FROM records x WHERE x.ref = coalesce(r.ref, r.message_id) AND "
        "x.type = 4 "
        "AND +x.user = (CASE WHEN r.ref IS NULL THEN r.user ELSE o.user END) "
        "AND +x.conversation = (CASE WHEN r.ref IS NULL THEN r.conversation ELSE o.conversation "
        "END) "
        "AND NOT EXISTS (SELECT 1 FROM problems p WHERE p.seq = x.seq AND p.fault = "
        "'not-a-member')), "
        "EXISTS (SELECT 1 FROM records x WHERE x.ref = r.message_id AND x.type = 3 AND +x.user = "
        "r.user "
        "AND +x.conversation = r.conversation "
        "AND NOT EXISTS (SELECT 1 FROM problems p WHERE p.seq = x.seq AND p.fault = "
        "'not-a-member')), "
        "coalesce(o.user, ''), "
        "EXISTS (SELECT 1 FROM problems p WHERE p.seq = r.seq AND p.fault = 'not-a-member') "
        "FROM records_fts f JOIN records r ON r.seq = f.rowid LEFT JOIN records o ON o.message_id "
        "= r.ref "
        "LEFT JOIN conversations c ON c.id = r.conversation "
        "WHERE records_fts MATCH ?1";
    if (!conv.empty()) sql += " AND r.conversation = ?2";
    if (!q.participant.empty())
        sql += " AND (r.user = ?3 OR (' ' || r.recipients || ' ') LIKE ('% ' || ?3 || ' %'))";
    if (q.fromMs) sql += " AND r.server_time_ms >= ?4";
    if (q.toMs) sql += " AND r.server_time_ms <= ?5";
    sql += " ORDER BY f.rowid DESC LIMIT ?6";
    VERBATIM_TRY_LET(st, m->db->prepare(sql));
    st->bind(1, std::string_view(parsed->fts5));
    if (!conv.empty()) st->bind(2, std::string_view(conv));
    if (!q.participant.empty()) st->bind(3, std::string_view(q.participant));
    if (q.fromMs) st->bind(4, std::int64_t(q.fromMs));
    if (q.toMs) st->bind(5, std::int64_t(q.toMs));
    st->bind(6, std::int64_t(q.limit ? q.limit : 100));
    std::vector<SearchHit> out;
    while (true) {
        VERBATIM_TRY_LET(row, st->step());
        if (!*row) break;
        SearchHit h;
        h.sequence = std::uint64_t(st->columnInt(0));
        const auto type = proto::MessageType(st->columnInt(7));
        h.messageId = hexOf(str(type == proto::EDIT ? st->columnBlob(8) : st->columnBlob(1)));
        h.conversation = st->columnText(2);
        h.conversationTitle = st->columnText(3);
        h.user = st->columnText(4);
        h.serverTimeMs = std::uint64_t(st->columnInt(5));
        h.text = str(st->columnBlob(6));
        if (type == proto::ATTACHMENT_SAVED) h.text = attachmentSavedText(h.text);
        const std::string author = st->columnText(11);
        if (st->columnInt(12))
            h.status = "not-a-member";
        else if (type == proto::EDIT && !author.empty() && author != h.user)
            h.status = "forged-edit";
        else if (st->columnInt(9))
            h.status = "deleted";
        else if (type == proto::EDIT)
            h.status = "edit";
        else if (st->columnInt(10))
            h.status = "edited";
        out.push_back(std::move(h));
    }
    // Entries kept from before a relay restore whose message never came again (indexed under
    // negative rowids, ArchiveRestore.cpp): a relay cannot take them out of search by announcing
    // a restore and leaving them out of its new history. Each message once, marked.
    std::string kept =
        "SELECT s.seq, s.message_id, s.conversation, coalesce(c.title, ''), s.user, "
        "s.server_time_ms, s.body, s.type, s.ref FROM records_fts f JOIN superseded_records s ON "
        "s.rowid = -f.rowid LEFT JOIN conversations c ON c.id = s.conversation WHERE records_fts "
        "MATCH ?1 AND f.rowid < 0 AND NOT EXISTS (SELECT 1 FROM records n WHERE n.message_id = "
        "s.message_id) AND s.rowid = (SELECT min(x.rowid) FROM superseded_records x WHERE "
        "x.message_id = s.message_id)";
    if (!conv.empty()) kept += " AND s.conversation = ?2";
    if (!q.participant.empty())
        kept += " AND (s.user = ?3 OR (' ' || s.recipients || ' ') LIKE ('% ' || ?3 || ' %'))";
    if (q.fromMs) kept += " AND s.server_time_ms >= ?4";
    if (q.toMs) kept += " AND s.server_time_ms <= ?5";
    kept += " ORDER BY f.rowid LIMIT ?6";
    VERBATIM_TRY_LET(ks, m->db->prepare(kept));
    ks->bind(1, std::string_view(parsed->fts5));
    if (!conv.empty()) ks->bind(2, std::string_view(conv));
    if (!q.participant.empty()) ks->bind(3, std::string_view(q.participant));
    if (q.fromMs) ks->bind(4, std::int64_t(q.fromMs));
    if (q.toMs) ks->bind(5, std::int64_t(q.toMs));
    ks->bind(6, std::int64_t(q.limit ? q.limit : 100));
    while (true) {
        VERBATIM_TRY_LET(row, ks->step());
        if (!*row) break;
        SearchHit h;
        h.sequence = std::uint64_t(ks->columnInt(0));
        const auto type = proto::MessageType(ks->columnInt(7));
        h.messageId = hexOf(str(type == proto::EDIT ? ks->columnBlob(8) : ks->columnBlob(1)));
        h.conversation = ks->columnText(2);
        h.conversationTitle = ks->columnText(3);
        h.user = ks->columnText(4);
        h.serverTimeMs = std::uint64_t(ks->columnInt(5));
        h.text = str(ks->columnBlob(6));
        h.status = kSupersededNotResent;
        out.push_back(std::move(h));
    }
    // Marks are a help to the eye: where they cannot be made (an archive opened read-only
    // refuses even a temporary table), the hits are shown unmarked rather than lost.
    if (!markMatches(*m->db, parsed->fts5, out))
        for (auto& h : out)
            h.matches.clear();
    return out;
}

Result<std::vector<std::uint64_t>> Archive::entriesOf(const std::string& user, std::uint64_t fromMs,
                                                      std::uint64_t toMs) {
    if (user.empty()) return fail(ErrorCode::InvalidArgument, "no participant given");
    // Recipients are a space-separated list of user ids, as search reads them.
    VERBATIM_TRY_LET(q, m->db->prepare("SELECT seq FROM records WHERE (user = ?1 OR (' ' || "
                                       "recipients || ' ') LIKE ('% ' || ?1 || ' %')) AND "
                                       "server_time_ms >= ?2 AND (?3 = 0 OR server_time_ms <= "
                                       "?3) ORDER BY seq"));
    q->bind(1, std::string_view(user)).bind(2, std::int64_t(fromMs)).bind(3, std::int64_t(toMs));
    std::vector<std::uint64_t> out;
    VERBATIM_TRY(q->forEachRow(
        [&](storage::Statement& s) { out.push_back(std::uint64_t(s.columnInt(0))); }));
    return out;
}

} // namespace verbatim::compliance
