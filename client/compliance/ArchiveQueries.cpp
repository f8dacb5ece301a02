/// @file ArchiveQueries.cpp
/// Reading the archive: participants, conversations, timelines, attachments, the audit trail
/// (search is in ArchiveSearch.cpp).
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

/// A record's stored AttachmentList (ArchiveStore.cpp) as AttachmentInfo, display hints
/// included as journaled; none available until markAvailable() says so.
std::vector<AttachmentInfo> attachmentsOf(const Bytes& stored) {
    proto::AttachmentList list;
    std::vector<AttachmentInfo> out;
    if (!list.ParseFromArray(stored.data(), int(stored.size()))) return out;
    for (int i = 0; i < list.items_size(); ++i) {
        const auto& a = list.items(i);
        AttachmentInfo info;
        info.index = std::size_t(i);
        info.fileName = a.file_name();
        info.mimeType = a.mime_type();
        info.size = a.size();
        info.durationMs = a.duration_ms();
        info.waveform = a.waveform();
        info.thumbnail = a.thumbnail();
        info.width = a.width();
        info.height = a.height();
        out.push_back(std::move(info));
    }
    return out;
}

/// Whether the archive holds each attachment of entry `seq` (fetched, checked, decrypted).
Result<void> markAvailable(Database& db, std::uint64_t seq, std::vector<AttachmentInfo>& files) {
    VERBATIM_TRY_LET(a, db.prepare("SELECT idx, data IS NOT NULL, coalesce(problem, '') FROM "
                                   "attachments WHERE seq = ?"));
    a->bind(1, std::int64_t(seq));
    while (true) {
        VERBATIM_TRY_LET(row, a->step());
        if (!*row) break;
        auto idx = std::size_t(a->columnInt(0));
        if (idx < files.size()) {
            files[idx].available = a->columnInt(1) != 0;
            files[idx].problem = a->columnText(2);
        }
    }
    return {};
}

} // namespace

std::string attachmentSavedText(const std::string& body) {
    auto j = parseFlatJsonObject(body);
    if (!j || !j->count("file_name")) return "saved an attachment (unreadable record)";
    auto field = [&](const char* name) { return j->count(name) ? j->at(name) : std::string(); };
    // An Open (issue 23) is a save into the app's private folder, handed to another program.
    const bool opened = field("action") == "open";
    std::string out = (opened ? "opened " : "saved ") +
                      (field("file_name").empty() ? "an attachment" : field("file_name"));
    if (opened) out += " in another application";
    if (!field("device").empty()) out += " on device " + field("device");
    out += " (message " + field("message") + ", attachment " + field("attachment") + ")";
    return out;
}

Result<std::vector<Participant>> Archive::participants() {
    auto st = m->db->prepare("SELECT id, name, role FROM users UNION SELECT DISTINCT user, '', '' "
                             "FROM records WHERE user NOT IN "
                             "(SELECT id FROM users) AND user != 'relay' ORDER BY 1");
    if (!st) return tl::unexpected(st.error());
    std::vector<Participant> out;
    while (true) {
        VERBATIM_TRY_LET(row, st->step());
        if (!*row) break;
        out.push_back({st->columnText(0), st->columnText(1), st->columnText(2)});
    }
    return out;
}

Result<ConversationInfo> Archive::Impl::conversationInfo(const std::string& id) {
    ConversationInfo c;
    c.id = id;
    VERBATIM_TRY_LET(st, db->prepare("SELECT title, matter FROM conversations WHERE id = ?"));
    st->bind(1, std::string_view(id));
    VERBATIM_TRY_LET(row, st->step());
    if (*row) {
        c.title = st->columnText(0);
        c.matter = st->columnInt(1) != 0;
    }
    VERBATIM_TRY_LET(n, db->prepare("SELECT count(*) FROM records WHERE conversation = ?"));
    n->bind(1, std::string_view(id));
    VERBATIM_TRY(n->step());
    c.events = std::uint64_t(n->columnInt(0));
    VERBATIM_TRY_LET(mb,
                     db->prepare("SELECT user FROM members WHERE conversation = ? ORDER BY user"));
    mb->bind(1, std::string_view(id));
    while (true) {
        VERBATIM_TRY_LET(r, mb->step());
        if (!*r) break;
        c.participants.push_back(mb->columnText(0));
    }
    return c;
}

Result<std::vector<ConversationInfo>> Archive::conversations() {
    // Every conversation that has a member (so at least one record), first seen first.
    auto st = m->db->prepare("SELECT m.conversation, (SELECT min(seq) FROM records r WHERE "
                             "r.conversation = m.conversation) AS first "
                             "FROM (SELECT DISTINCT conversation FROM members) m ORDER BY first");
    if (!st) return tl::unexpected(st.error());
    std::vector<std::string> ids;
    while (true) {
        VERBATIM_TRY_LET(row, st->step());
        if (!*row) break;
        ids.push_back(st->columnText(0));
    }
    std::vector<ConversationInfo> out;
    for (auto& id : ids) {
        VERBATIM_TRY_LET(c, m->conversationInfo(id));
        out.push_back(std::move(*c));
    }
    return out;
}

Result<ConversationInfo> Archive::conversation(const std::string& idOrTitle) {
    VERBATIM_TRY_LET(id, resolveConversation(idOrTitle));
    return m->conversationInfo(*id);
}

Result<std::string> Archive::resolveConversation(const std::string& idOrTitle) {
    if (idOrTitle.empty()) return fail(ErrorCode::InvalidArgument, "no conversation named");
    auto exact =
        m->db->prepare("SELECT id FROM conversations WHERE id = ?1 OR title = ?1 "
                       "UNION SELECT conversation FROM members WHERE conversation = ?1 LIMIT 2");
    if (!exact) return tl::unexpected(exact.error());
    exact->bind(1, std::string_view(idOrTitle));
    std::vector<std::string> found;
    while (true) {
        VERBATIM_TRY_LET(row, exact->step());
        if (!*row) break;
        found.push_back(exact->columnText(0));
    }
    if (found.size() == 1) return found[0];
    if (found.size() > 1)
        return fail(ErrorCode::InvalidArgument,
                    "\"" + idOrTitle + "\" names several conversations");
    // A unique prefix of a title or id.
    auto prefix =
        m->db->prepare("SELECT id FROM conversations WHERE substr(title, 1, length(?1)) = ?1 "
                       "OR substr(id, 1, length(?1)) = ?1 LIMIT 2");
    if (!prefix) return tl::unexpected(prefix.error());
    prefix->bind(1, std::string_view(idOrTitle));
    while (true) {
        VERBATIM_TRY_LET(row, prefix->step());
        if (!*row) break;
        found.push_back(prefix->columnText(0));
    }
    if (found.size() > 1)
        return fail(ErrorCode::InvalidArgument,
                    "\"" + idOrTitle + "\" names several conversations");
    if (found.empty())
        return fail(ErrorCode::NotFound, "no conversation \"" + idOrTitle + "\" in the archive");
    return found[0];
}

Result<std::vector<TimelineEvent>> Archive::timeline(const std::string& conversation,
                                                     std::uint64_t fromMs, std::uint64_t toMs) {
    // Faults by sequence, for the verification status of each event.
    std::map<std::uint64_t, std::string> faults;
    {
        VERBATIM_TRY_LET(
            p, m->db->prepare("SELECT seq, group_concat(fault, ',') FROM problems GROUP BY seq"));
        while (true) {
            VERBATIM_TRY_LET(row, p->step());
            if (!*row) break;
            faults[std::uint64_t(p->columnInt(0))] = p->columnText(1);
        }
    }
    std::vector<TimelineEvent> out;
    std::unordered_map<std::string, std::size_t> byId;
    auto status = [&](std::uint64_t seq) {
        auto it = faults.find(seq);
        return it == faults.end() ? std::string("verified") : it->second;
    };
    auto hasFault = [&](std::uint64_t seq, std::string_view fault) {
        auto it = faults.find(seq);
        if (it == faults.end()) return false;
        const std::string& list = it->second;
        for (std::size_t i = 0; i <= list.size();) {
            auto j = std::min(list.find(',', i), list.size());
            if (std::string_view(list).substr(i, j - i) == fault) return true;
            i = j + 1;
        }
        return false;
    };
    // Joins come from the relay's log of redeemed invites.
    struct Join {
        std::uint64_t seq, ms;
        std::string user, entryHash;
    };
    std::vector<Join> joins;
    {
        auto j = m->db->prepare(
            "SELECT a.seq, e.server_time_ms, a.target, r.entry_hash FROM admin_actions a "
            "JOIN entries e ON e.seq = a.seq LEFT JOIN records r ON r.seq = a.seq "
            "WHERE a.conversation = ? AND a.action = 'invite-redeemed' ORDER BY a.seq");
        if (!j) return tl::unexpected(j.error());
        j->bind(1, std::string_view(conversation));
        while (true) {
            VERBATIM_TRY_LET(row, j->step());
            if (!*row) break;
            joins.push_back({std::uint64_t(j->columnInt(0)), std::uint64_t(j->columnInt(1)),
                             j->columnText(2), toHex(j->columnBlob(3))});
        }
    }
    std::size_t nextJoin = 0;
    auto flushJoins = [&](std::uint64_t beforeSeq) {
        for (; nextJoin < joins.size() && joins[nextJoin].seq < beforeSeq; ++nextJoin) {
            const auto& jn = joins[nextJoin];
            if ((fromMs && jn.ms < fromMs) || (toMs && jn.ms > toMs)) continue;
            TimelineEvent ev;
            ev.kind = TimelineEvent::Kind::Join;
            ev.sequence = jn.seq;
            ev.conversation = conversation;
            ev.user = jn.user;
            ev.timeMs = ev.serverTimeMs = jn.ms;
            ev.body = "joined by invite";
            ev.entryHash = jn.entryHash;
            ev.verification = status(jn.seq);
            out.push_back(std::move(ev));
        }
    };
    // With the entries kept from before a relay restore whose message the new history does not
    // hold (each message once): a relay cannot hide them by announcing a restore (J-RESTORE-2).
    // Column 11 marks them; they keep their old sequence and come before the new entry there.
    auto st = m->db->prepare(
        "SELECT r.seq, r.message_id, r.user, r.device, r.type, r.time_ms, r.server_time_ms, "
        "r.body, r.ref, r.attachments, r.entry_hash, 0 FROM records r WHERE r.conversation = ?1 "
        "UNION ALL SELECT s.seq, s.message_id, s.user, s.device, s.type, s.time_ms, "
        "s.server_time_ms, s.body, s.ref, s.attachments, s.entry_hash, 1 FROM superseded_records "
        "s WHERE s.conversation = ?1 AND NOT EXISTS (SELECT 1 FROM records n WHERE n.message_id "
        "= s.message_id) AND s.rowid = (SELECT min(x.rowid) FROM superseded_records x WHERE "
        "x.message_id = s.message_id) ORDER BY 1, 12 DESC");
    if (!st) return tl::unexpected(st.error());
    st->bind(1, std::string_view(conversation));
    while (true) {
        VERBATIM_TRY_LET(row, st->step());
        if (!*row) break;
        const auto seq = std::uint64_t(st->columnInt(0));
        flushJoins(seq);
        const std::string id = str(st->columnBlob(1));
        const std::string user = st->columnText(2);
        const auto device = std::uint32_t(st->columnInt(3));
        const auto type = proto::MessageType(st->columnInt(4));
        const auto timeMs = std::uint64_t(st->columnInt(5));
        const auto serverMs = std::uint64_t(st->columnInt(6));
        const std::string body = str(st->columnBlob(7));
        const std::string ref = str(st->columnBlob(8));
        const bool kept = st->columnInt(11) != 0; // superseded, not sent again
        auto target = [&]() -> TimelineEvent* {
            auto it = byId.find(ref);
            return it == byId.end() ? nullptr : &out[it->second];
        };
        const bool inRange = !(fromMs && serverMs < fromMs) && !(toMs && serverMs > toMs);
        // A change compliance does not apply: kept beside the message, whose status names it.
        auto refused = [&](TimelineEvent& t, const char* kind, const std::string& fault) {
            t.refused.push_back({seq, kind, user, device, serverMs, body, fault});
            if (t.verification == "verified")
                t.verification = fault;
            else if (("," + t.verification + ",").find("," + fault + ",") == std::string::npos)
                t.verification += "," + fault;
        };
        // Only the author edits or retracts (as recipients apply it); nobody outside the
        // conversation changes anything in it.
        auto refusal = [&](const TimelineEvent& t, bool authorOnly) -> std::string {
            if (authorOnly && user != t.user) return "forged-edit";
            if (!kept && hasFault(seq, "not-a-member")) return "not-a-member";
            return {};
        };
        // A change known only from a superseded entry marks the message it changed.
        auto markKept = [&](TimelineEvent& t) {
            if (!kept) return;
            if (t.verification == "verified")
                t.verification = kSupersededNotResent;
            else if (("," + t.verification + ",")
                         .find(std::string(",") + kSupersededNotResent + ",") == std::string::npos)
                t.verification += std::string(",") + kSupersededNotResent;
        };
        switch (type) {
        case proto::EDIT:
            if (auto* t = target()) {
                if (auto f = refusal(*t, true); !f.empty()) {
                    refused(*t, "edit", f);
                    continue;
                }
                t->edits.push_back({seq, user, serverMs, t->body, body});
                t->body = body;
                markKept(*t);
            }
            continue;
        case proto::RETRACT:
            if (auto* t = target()) {
                if (auto f = refusal(*t, true); !f.empty()) {
                    refused(*t, "retract", f);
                    continue;
                }
                t->deleted = true;
                t->deletedBy = user;
                t->deletedMs = serverMs;
                t->deletedSequence = seq;
                markKept(*t);
            }
            continue;
        case proto::REACTION:
            if (auto* t = target()) {
                if (auto f = refusal(*t, false); !f.empty())
                    refused(*t, "reaction", f);
                else
                    t->reactions.push_back({user, body, serverMs});
            }
            continue;
        case proto::RECEIPT:
            if (auto* t = target()) {
                if (auto f = refusal(*t, false); !f.empty())
                    refused(*t, "receipt", f);
                else
                    t->receipts.push_back({user, body, serverMs});
            }
            continue;
        default:
            break;
        }
        if (!inRange) continue;
        TimelineEvent ev;
        ev.sequence = seq;
        ev.messageId = hexOf(id);
        ev.conversation = conversation;
        ev.user = user;
        ev.device = device;
        ev.timeMs = timeMs;
        ev.serverTimeMs = serverMs;
        ev.body = ev.originalBody = body;
        ev.entryHash = toHex(st->columnBlob(10));
        ev.verification = kept ? std::string(kSupersededNotResent) : status(seq);
        switch (type) {
        case proto::TEXT:
        case proto::ATTACHMENT:
            ev.kind = TimelineEvent::Kind::Message;
            break;
        case proto::NOTICE_ACCEPTED:
            ev.kind = TimelineEvent::Kind::Notice;
            break;
        case proto::SAFETY_NUMBER_ACCEPTED:
            ev.kind = TimelineEvent::Kind::SafetyNumber;
            break;
        case proto::MISMATCH_REPORT:
            ev.kind = TimelineEvent::Kind::MismatchReport;
            break;
        case proto::ATTACHMENT_SAVED:
            ev.kind = TimelineEvent::Kind::AttachmentSaved;
            break;
        default:
            continue; // membership and other system records are not timeline events
        }
        if (!st->columnIsNull(9)) {
            ev.attachments = attachmentsOf(st->columnBlob(9));
            // A superseded entry's attachments are kept (superseded_attachments) but not served
            // by attachment(), which reads by sequence: another entry may hold that one now.
            if (kept)
                for (auto& att : ev.attachments)
                    att.problem = std::string(kSupersededNotResent) +
                                  ": kept from before a relay restore, not exported";
            if (!kept) VERBATIM_TRY(markAvailable(*m->db, seq, ev.attachments));
        }
        byId[id] = out.size();
        out.push_back(std::move(ev));
    }
    flushJoins(~std::uint64_t(0));
    std::stable_sort(out.begin(), out.end(), [](const TimelineEvent& a, const TimelineEvent& b) {
        return a.sequence < b.sequence;
    });
    return out;
}

Result<std::vector<AttachmentInfo>> Archive::attachments(std::uint64_t sequence) {
    // length() of a blob reads its size from the record header, not its pages.
    VERBATIM_TRY_LET(st, m->db->prepare("SELECT idx, file_name, mime, size, length(data) IS NOT "
                                        "NULL, coalesce(problem, '') FROM attachments WHERE seq "
                                        "= ? ORDER BY idx"));
    st->bind(1, std::int64_t(sequence));
    std::vector<AttachmentInfo> out;
    VERBATIM_TRY(st->forEachRow([&](storage::Statement& s) {
        AttachmentInfo a;
        a.index = std::size_t(s.columnInt(0));
        a.fileName = s.columnText(1);
        a.mimeType = s.columnText(2);
        a.size = std::uint64_t(s.columnInt(3));
        a.available = s.columnInt(4) != 0;
        a.problem = s.columnText(5);
        out.push_back(std::move(a));
    }));
    return out;
}

Result<SecureBytes> Archive::attachment(std::uint64_t sequence, std::size_t index) {
    VERBATIM_TRY_LET(
        st, m->db->prepare(
                "SELECT data, coalesce(problem, '') FROM attachments WHERE seq = ? AND idx = ?"));
    st->bind(1, std::int64_t(sequence)).bind(2, std::int64_t(index));
    VERBATIM_TRY_LET(row, st->step());
    if (!*row) return fail(ErrorCode::NotFound, "no such attachment");
    if (st->columnIsNull(0))
        return fail(ErrorCode::NotFound, "attachment not available: " + st->columnText(1));
    Bytes b = st->columnBlob(0);
    SecureBytes out(b.begin(), b.end());
    std::fill(b.begin(), b.end(), 0);
    return out;
}

Result<std::pair<std::uint64_t, std::vector<AttachmentInfo>>>
Archive::messageAttachments(const std::string& messageIdHex) {
    auto raw = fromHex(messageIdHex);
    if (!raw) return fail(ErrorCode::InvalidArgument, "not a message id");
    VERBATIM_TRY_LET(st, m->db->prepare("SELECT seq, attachments FROM records WHERE message_id = ? "
                                        "AND type = ?"));
    st->bind(1, ByteView(*raw)).bind(2, std::int64_t(proto::ATTACHMENT));
    VERBATIM_TRY_LET(row, st->step());
    if (!*row) return fail(ErrorCode::NotFound, "no such message with attachments");
    const auto seq = std::uint64_t(st->columnInt(0));
    auto files =
        st->columnIsNull(1) ? std::vector<AttachmentInfo>{} : attachmentsOf(st->columnBlob(1));
    VERBATIM_TRY(markAvailable(*m->db, seq, files));
    return std::make_pair(seq, std::move(files));
}

Result<std::vector<AuditLine>> Archive::auditTrail() {
    auto st = m->db->prepare(
        "SELECT a.seq, coalesce(e.server_time_ms, 0), a.actor, a.action, a.target, a.detail FROM "
        "admin_actions a "
        "LEFT JOIN entries e ON e.seq = a.seq "
        "UNION ALL SELECT r.seq, r.server_time_ms, r.user || '/' || r.device, "
        "CASE r.type WHEN 3 THEN 'edit' WHEN 4 THEN 'retract' WHEN 8 THEN 'notice-accepted' "
        "WHEN 9 THEN 'mismatch-report' WHEN 11 THEN 'safety-number-accepted' END, "
        "r.conversation, lower(hex(coalesce(r.ref, r.message_id))) FROM records r WHERE r.type IN "
        "(3, 4, 8, 9, 11) "
        "ORDER BY 1");
    if (!st) return tl::unexpected(st.error());
    std::vector<AuditLine> out;
    while (true) {
        VERBATIM_TRY_LET(row, st->step());
        if (!*row) break;
        out.push_back({std::uint64_t(st->columnInt(0)), std::uint64_t(st->columnInt(1)),
                       st->columnText(2), st->columnText(3), st->columnText(4), st->columnText(5)});
    }
    return out;
}

} // namespace verbatim::compliance
