/// @file ArchiveRetention.cpp
/// Legal holds read back, the held ranges, and disposal: the plan and its application to the
/// archive (Retention.h; the records themselves: RetentionRecords.cpp).
#include <set>

#include "common/Try.h"
#include "compliance/ArchiveImpl.h"
#include "compliance/Retention.h"

namespace verbatim::compliance {
namespace {

/// What a disposal may remove: conversation content. Relay records (devices, membership),
/// notices, safety numbers, mismatch reports and compliance's own records stay.
bool disposable(std::int64_t type) {
    switch (type) {
    case proto::TEXT:
    case proto::ATTACHMENT:
    case proto::EDIT:
    case proto::RETRACT:
    case proto::REACTION:
    case proto::RECEIPT:
        return true;
    default:
        return false;
    }
}

/// The open holds: held conversations and custodians.
struct OpenHolds {
    std::set<std::string> matters, custodians;
    bool empty() const { return matters.empty() && custodians.empty(); }
    /// Whether an entry of `conversation` sent by `user` to `recipients` (space-separated) is held.
    bool covers(const std::string& conversation, const std::string& user,
                const std::string& recipients) const {
        if (matters.count(conversation) || custodians.count(user)) return true;
        if (custodians.empty()) return false;
        for (std::size_t i = 0; i <= recipients.size();) {
            auto j = recipients.find(' ', i);
            if (j == std::string::npos) j = recipients.size();
            if (j > i && custodians.count(recipients.substr(i, j - i))) return true;
            i = j + 1;
        }
        return false;
    }
};

Result<OpenHolds> openHolds(storage::Database& db) {
    OpenHolds h;
    VERBATIM_TRY_LET(q,
                     db.prepare("SELECT matter, custodian FROM rt_holds WHERE released_seq = 0"));
    VERBATIM_TRY(q->forEachRow([&](storage::Statement& s) {
        if (!s.columnText(0).empty()) h.matters.insert(s.columnText(0));
        if (!s.columnText(1).empty()) h.custodians.insert(s.columnText(1));
    }));
    return h;
}

std::string hexHash(const Bytes& b) {
    return toHex(b);
}

Result<std::string> storedChainHash(storage::Database& db, std::uint64_t seq) {
    VERBATIM_TRY_LET(q, db.cached("SELECT chain_hash FROM entries WHERE seq = ?"));
    q->bind(1, std::int64_t(seq));
    VERBATIM_TRY_LET(row, q->step());
    if (!*row) return std::string();
    return hexHash(q->columnBlob(0));
}

} // namespace

Result<std::vector<std::pair<std::uint64_t, std::uint64_t>>> Archive::heldRanges() {
    std::vector<std::pair<std::uint64_t, std::uint64_t>> out;
    VERBATIM_TRY_LET(holds, openHolds(*m->db));
    if (holds->empty()) return out;
    VERBATIM_TRY_LET(q, m->db->prepare("SELECT seq, conversation, user, recipients FROM records "
                                       "ORDER BY seq"));
    VERBATIM_TRY(q->forEachRow([&](storage::Statement& s) {
        if (!holds->covers(s.columnText(1), s.columnText(2), s.columnText(3))) return;
        const auto seq = std::uint64_t(s.columnInt(0));
        if (!out.empty() && out.back().second + 1 == seq)
            out.back().second = seq;
        else
            out.emplace_back(seq, seq);
    }));
    return out;
}

Retention::Retention(Archive& archive) : m_archive(archive) {}

Result<std::vector<Hold>> Retention::holds() {
    auto& db = *m_archive.m->db;
    VERBATIM_TRY_LET(q, db.prepare("SELECT h.seq, h.user, h.device, h.time_ms, h.matter, "
                                   "coalesce(c.title, ''), h.custodian, h.reason, h.reference, "
                                   "h.released_seq, h.released_by, h.released_ms, "
                                   "h.release_reason FROM rt_holds h LEFT JOIN conversations c "
                                   "ON c.id = h.matter ORDER BY h.seq"));
    std::vector<Hold> out;
    VERBATIM_TRY(q->forEachRow([&](storage::Statement& s) {
        Hold h;
        h.id = std::uint64_t(s.columnInt(0));
        h.placedBy = deviceName(s.columnText(1), std::uint32_t(s.columnInt(2)));
        h.placedMs = std::uint64_t(s.columnInt(3));
        h.matter = s.columnText(4);
        h.matterTitle = s.columnText(5);
        h.custodian = s.columnText(6);
        h.reason = s.columnText(7);
        h.reference = s.columnText(8);
        h.releasedSeq = std::uint64_t(s.columnInt(9));
        h.releasedBy = s.columnText(10);
        h.releasedMs = std::uint64_t(s.columnInt(11));
        h.releaseReason = s.columnText(12);
        out.push_back(std::move(h));
    }));
    return out;
}

Result<Hold> Retention::hold(std::uint64_t id) {
    VERBATIM_TRY_LET(all, holds());
    for (auto& h : *all)
        if (h.id == id) return h;
    return fail(ErrorCode::NotFound, "no hold " + std::to_string(id) + " (hold list shows them)");
}

Result<std::vector<RetentionOverride>> Retention::overrides() {
    auto& db = *m_archive.m->db;
    VERBATIM_TRY_LET(q, db.prepare("SELECT seq, user, device, time_ms, matter, years FROM "
                                   "rt_retention ORDER BY seq"));
    std::vector<RetentionOverride> out;
    VERBATIM_TRY(q->forEachRow([&](storage::Statement& s) {
        RetentionOverride o;
        o.sequence = std::uint64_t(s.columnInt(0));
        o.setBy = deviceName(s.columnText(1), std::uint32_t(s.columnInt(2)));
        o.timeMs = std::uint64_t(s.columnInt(3));
        o.matter = s.columnText(4);
        o.years = std::uint32_t(s.columnInt(5));
        out.push_back(std::move(o));
    }));
    return out;
}

Result<std::vector<Disposition>> Retention::dispositions() {
    auto& db = *m_archive.m->db;
    VERBATIM_TRY_LET(q, db.prepare("SELECT seq, user, device, time_ms, basis, ranges, entries, "
                                   "applied FROM rt_dispositions ORDER BY seq"));
    std::vector<Disposition> out;
    VERBATIM_TRY(q->forEachRow([&](storage::Statement& s) {
        Disposition d;
        d.sequence = std::uint64_t(s.columnInt(0));
        d.by = deviceName(s.columnText(1), std::uint32_t(s.columnInt(2)));
        d.timeMs = std::uint64_t(s.columnInt(3));
        d.basis = s.columnText(4);
        bool ok = false;
        d.ranges = parseRanges(s.columnText(5), ok);
        d.entries = std::uint64_t(s.columnInt(6));
        d.applied = s.columnInt(7) != 0;
        out.push_back(std::move(d));
    }));
    return out;
}

Result<DisposalPlan> Retention::plan(std::uint64_t beforeMs) {
    auto& db = *m_archive.m->db;
    VERBATIM_TRY_LET(holds, openHolds(db));
    std::map<std::string, std::string> titles;
    {
        VERBATIM_TRY_LET(q, db.prepare("SELECT id, title FROM conversations"));
        VERBATIM_TRY(q->forEachRow([&](storage::Statement& s) {
            titles[s.columnText(0)] = s.columnText(1).empty() ? s.columnText(0) : s.columnText(1);
        }));
    }
    DisposalPlan plan;
    VERBATIM_TRY_LET(q, db.prepare("SELECT seq, conversation, user, recipients, type FROM records "
                                   "WHERE server_time_ms < ? ORDER BY seq"));
    q->bind(1, std::int64_t(beforeMs));
    VERBATIM_TRY(q->forEachRow([&](storage::Statement& s) {
        if (!disposable(s.columnInt(4))) return;
        const std::string conversation = s.columnText(1);
        const std::string& title = titles.count(conversation) ? titles[conversation] : conversation;
        auto& counts = plan.perMatter[title];
        if (holds->covers(conversation, s.columnText(2), s.columnText(3))) {
            ++plan.held;
            ++counts.second;
            return;
        }
        ++counts.first;
        ++plan.entries;
        const auto seq = std::uint64_t(s.columnInt(0));
        if (!plan.ranges.empty() && plan.ranges.back().last + 1 == seq)
            plan.ranges.back().last = seq;
        else
            plan.ranges.push_back({seq, seq, {}, {}});
    }));
    for (auto& r : plan.ranges) {
        VERBATIM_TRY_LET(first, storedChainHash(db, r.first));
        VERBATIM_TRY_LET(last, storedChainHash(db, r.last));
        r.firstChainHash = *first;
        r.lastChainHash = *last;
    }
    return plan;
}

Result<DisposalPlan> Retention::apply(std::uint64_t sequence) {
    auto& db = *m_archive.m->db;
    DisposalPlan done;
    std::vector<DisposalRange> ranges;
    {
        VERBATIM_TRY_LET(q,
                         db.prepare("SELECT ranges, applied FROM rt_dispositions WHERE seq = ?"));
        q->bind(1, std::int64_t(sequence));
        VERBATIM_TRY_LET(row, q->step());
        if (!*row)
            return fail(ErrorCode::NotFound, "the archive holds no disposition record at seq " +
                                                 std::to_string(sequence) + " (pull first)");
        if (q->columnInt(1)) return done;
        bool ok = false;
        ranges = parseRanges(q->columnText(0), ok);
    }
    // The record must name this archive's chain: a disposition of another history removes nothing.
    for (const auto& r : ranges) {
        VERBATIM_TRY_LET(first, storedChainHash(db, r.first));
        VERBATIM_TRY_LET(last, storedChainHash(db, r.last));
        if (*first != r.firstChainHash || *last != r.lastChainHash)
            return fail(ErrorCode::InvalidArgument,
                        "the disposition at seq " + std::to_string(sequence) + " names entries " +
                            std::to_string(r.first) + "-" + std::to_string(r.last) +
                            " with chain hashes this archive does not hold: nothing was removed");
    }
    VERBATIM_TRY_LET(holds, openHolds(db));
    storage::Transaction tx(db);
    VERBATIM_TRY(tx.begin());
    VERBATIM_TRY_LET(rows, db.prepare("SELECT seq, type, body, attachments, conversation, user, "
                                      "recipients FROM records WHERE seq BETWEEN ? AND ? ORDER "
                                      "BY seq"));
    VERBATIM_TRY_LET(entry, db.prepare("SELECT entry FROM entries WHERE seq = ? AND disposed_by "
                                       "IS NULL"));
    VERBATIM_TRY_LET(ftsDelete, db.prepare("INSERT INTO records_fts (records_fts, rowid, body) "
                                           "VALUES ('delete', ?, ?)"));
    VERBATIM_TRY_LET(drop, db.prepare("UPDATE entries SET entry = x'', kept_hash = ?, kept_header "
                                      "= ?, disposed_by = ? WHERE seq = ?"));
    VERBATIM_TRY_LET(unopened, db.prepare("INSERT OR IGNORE INTO unopened_ids (message_id, seq) "
                                          "VALUES (?, ?)"));
    VERBATIM_TRY_LET(delRecord, db.prepare("DELETE FROM records WHERE seq = ?"));
    VERBATIM_TRY_LET(delAttachments, db.prepare("DELETE FROM attachments WHERE seq = ?"));
    VERBATIM_TRY_LET(alerts, db.prepare("UPDATE sv_alerts SET context = '', matches = '' WHERE "
                                        "seq = ?"));
    VERBATIM_TRY_LET(delRecordRange, db.prepare("DELETE FROM records WHERE seq BETWEEN ? AND ?"));
    VERBATIM_TRY_LET(delAttachmentsRange,
                     db.prepare("DELETE FROM attachments WHERE seq BETWEEN ? AND ?"));
    VERBATIM_TRY_LET(alertsRange, db.prepare("UPDATE sv_alerts SET context = '', matches = '' "
                                             "WHERE seq BETWEEN ? AND ?"));
    for (const auto& r : ranges) {
        rows->bind(1, std::int64_t(r.first)).bind(2, std::int64_t(r.last));
        std::vector<std::pair<std::uint64_t, std::string>> gone; // seq, index text
        while (true) {
            VERBATIM_TRY_LET(row, rows->step());
            if (!*row) break;
            const auto seq = std::uint64_t(rows->columnInt(0));
            if (!disposable(rows->columnInt(1))) continue;
            if (holds->covers(rows->columnText(4), rows->columnText(5), rows->columnText(6))) {
                ++done.held;
                continue;
            }
            proto::JournalRecord rec;
            rec.set_type(proto::MessageType(rows->columnInt(1)));
            rec.set_body(str(rows->columnBlob(2)));
            proto::AttachmentList list;
            if (list.ParseFromString(str(rows->columnBlob(3))))
                *rec.mutable_attachments() = list.items();
            gone.emplace_back(seq, indexText(rec));
        }
        rows->reset();
        // The whole range goes (the usual case): its rows leave in three statements, not three
        // per entry.
        const bool whole = gone.size() == r.last - r.first + 1;
        if (whole)
            for (auto* st : {&*delRecordRange, &*delAttachmentsRange, &*alertsRange}) {
                st->bind(1, std::int64_t(r.first)).bind(2, std::int64_t(r.last));
                VERBATIM_TRY(st->run());
            }
        for (auto& [seq, text] : gone) {
            entry->bind(1, std::int64_t(seq));
            VERBATIM_TRY_LET(has, entry->step());
            if (!*has) {
                entry->reset();
                continue;
            }
            const Bytes raw = entry->columnBlob(0);
            entry->reset();
            auto sealed = journal::SealedEntry::parse(raw);
            if (!sealed) continue; // kept: verify reports it as it is
            const auto hash = crypto::sha256(raw);
            const Bytes header = sealed->header.serialize();
            drop->bind(1, ByteView(hash.data(), hash.size()))
                .bind(2, ByteView(header))
                .bind(3, std::int64_t(sequence))
                .bind(4, std::int64_t(seq));
            VERBATIM_TRY(drop->run());
            const auto& id = sealed->header.messageId;
            unopened->bind(1, ByteView(id.data(), id.size())).bind(2, std::int64_t(seq));
            VERBATIM_TRY(unopened->run());
            if (!text.empty()) {
                ftsDelete->bind(1, std::int64_t(seq)).bind(2, std::string_view(text));
                VERBATIM_TRY(ftsDelete->run());
            }
            if (!whole)
                for (auto* st : {&*delRecord, &*delAttachments, &*alerts}) {
                    st->bind(1, std::int64_t(seq));
                    VERBATIM_TRY(st->run());
                }
            ++done.entries;
            if (!done.ranges.empty() && done.ranges.back().last + 1 == seq)
                done.ranges.back().last = seq;
            else
                done.ranges.push_back({seq, seq, {}, {}});
        }
    }
    VERBATIM_TRY_LET(mark, db.prepare("UPDATE rt_dispositions SET applied = 1 WHERE seq = ?"));
    mark->bind(1, std::int64_t(sequence));
    VERBATIM_TRY(mark->run());
    VERBATIM_TRY(tx.commit());
    return done;
}

} // namespace verbatim::compliance
