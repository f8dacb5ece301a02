/// @file ArchiveRetention.cpp
/// Legal holds read back, the held ranges, and disposal: the plan and its application to the
/// archive (Retention.h; the records themselves: RetentionRecords.cpp).
#include <chrono>
#include <limits>
#include <set>

#include "common/Json.h"
#include "common/Try.h"
#include "compliance/ArchiveImpl.h"
#include "compliance/Retention.h"

namespace verbatim::compliance {
namespace {

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

/// Whether `user` or one of `recipients` (space-separated) is in `people`.
bool involves(const std::set<std::string>& people, const std::string& user,
              const std::string& recipients) {
    if (people.empty()) return false;
    if (people.count(user)) return true;
    for (std::size_t i = 0; i <= recipients.size();) {
        auto j = recipients.find(' ', i);
        if (j == std::string::npos) j = recipients.size();
        if (j > i && people.count(recipients.substr(i, j - i))) return true;
        i = j + 1;
    }
    return false;
}

} // namespace

bool disposableType(std::int64_t type) {
    // Conversation content only. Relay records (devices, membership), notices, safety numbers,
    // mismatch reports and compliance's own records (supervision, access log, holds,
    // dispositions) stay.
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

std::string keptFactsText(const EntryFacts& f) {
    return "{\"v\":1,\"type\":" + jsonQuote(std::to_string(f.type)) +
           ",\"conversation\":" + jsonQuote(f.conversation) + ",\"user\":" + jsonQuote(f.user) +
           ",\"recipients\":" + jsonQuote(f.recipients) + "}";
}

std::optional<EntryFacts> parseKeptFacts(const std::string& text) {
    auto j = parseFlatJsonObject(text);
    if (!j || (*j)["v"] != "1" || !j->count("type") || !j->count("conversation") ||
        !j->count("user") || !j->count("recipients"))
        return std::nullopt;
    const std::string& type = (*j)["type"];
    if (type.empty() || type.size() > 9 ||
        type.find_first_not_of("0123456789") != std::string::npos)
        return std::nullopt;
    EntryFacts f;
    f.type = std::stoll(type);
    f.conversation = (*j)["conversation"];
    f.user = (*j)["user"];
    f.recipients = (*j)["recipients"];
    return f;
}

std::uint64_t addYears(std::uint64_t ms, std::uint32_t years) {
    using namespace std::chrono;
    const sys_days day = floor<days>(sys_time<milliseconds>(milliseconds(ms)));
    const auto within = milliseconds(ms) - duration_cast<milliseconds>(day.time_since_epoch());
    year_month_day ymd{day};
    ymd = (ymd.year() + std::chrono::years(years)) / ymd.month() / ymd.day();
    if (!ymd.ok()) ymd = ymd.year() / ymd.month() / last; // 29 February in a common year
    return std::uint64_t(duration_cast<milliseconds>(sys_days(ymd).time_since_epoch()).count() +
                         within.count());
}

bool RetentionRules::held(const EntryFacts& f) const {
    return m_holdMatters.count(f.conversation) || involves(m_holdCustodians, f.user, f.recipients);
}

std::uint64_t RetentionRules::eligibleFromMs(const EntryFacts& f) const {
    auto kind = m_isMatter.find(f.conversation);
    if (kind == m_isMatter.end()) return 0; // a conversation the archive never saw created
    if (!kind->second) return m_yearsDirect ? addYears(f.relayMs, m_yearsDirect) : 0;
    auto closed = m_closedMs.find(f.conversation);
    if (closed == m_closedMs.end()) return 0;
    auto o = m_overrides.find(f.conversation);
    const std::uint32_t years = o != m_overrides.end() ? o->second : m_yearsAfterClose;
    return years ? addYears(closed->second, years) : 0;
}

std::string RetentionRules::verdict(const EntryFacts& f) const {
    if (!disposableType(f.type)) return "not-disposable";
    if (held(f)) return "held";
    auto kind = m_isMatter.find(f.conversation);
    if (kind != m_isMatter.end() && kind->second && !m_closedMs.count(f.conversation))
        return "open-matter";
    const std::uint64_t from = eligibleFromMs(f);
    if (!from) return "no-period";
    return from <= m_nowMs ? std::string() : "retention-not-over";
}

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

Result<RetentionRules> Retention::rules(std::uint64_t beforeSeq, std::uint64_t nowMs) {
    auto& db = *m_archive.m->db;
    const auto before = std::int64_t(std::min<std::uint64_t>(
        beforeSeq, std::uint64_t(std::numeric_limits<std::int64_t>::max())));
    RetentionRules r;
    r.m_nowMs = nowMs;
    if (m_archive.m->manifest) {
        r.m_yearsAfterClose = m_archive.m->manifest->retention.yearsAfterClose;
        r.m_yearsDirect = m_archive.m->manifest->retention.yearsDirect;
    }
    // Holds placed before the point and not released before it.
    VERBATIM_TRY_LET(h, db.prepare("SELECT matter, custodian FROM rt_holds WHERE seq < ?1 AND "
                                   "(released_seq = 0 OR released_seq >= ?1)"));
    h->bind(1, before);
    VERBATIM_TRY(h->forEachRow([&](storage::Statement& s) {
        if (!s.columnText(0).empty()) r.m_holdMatters.insert(s.columnText(0));
        if (!s.columnText(1).empty()) r.m_holdCustodians.insert(s.columnText(1));
    }));
    VERBATIM_TRY_LET(o, db.prepare("SELECT matter, years FROM rt_retention WHERE seq < ? ORDER "
                                   "BY seq"));
    o->bind(1, before);
    VERBATIM_TRY(o->forEachRow([&](storage::Statement& s) {
        r.m_overrides[s.columnText(0)] = std::uint32_t(s.columnInt(1));
    }));
    VERBATIM_TRY_LET(c, db.prepare("SELECT id, matter, created_seq FROM conversations"));
    VERBATIM_TRY(c->forEachRow([&](storage::Statement& s) {
        if (std::int64_t(s.columnInt(2)) < before) r.m_isMatter[s.columnText(0)] = s.columnInt(1);
    }));
    // The relay journals each close and reopen; the last one before the point decides, and a
    // matter's retention runs from the relay's time of its last close.
    VERBATIM_TRY_LET(a, db.prepare("SELECT a.action, a.target, e.server_time_ms FROM "
                                   "admin_actions a JOIN entries e ON e.seq = a.seq WHERE a.seq < "
                                   "? AND a.action IN ('matter-closed', 'matter-reopened') ORDER "
                                   "BY a.seq"));
    a->bind(1, before);
    VERBATIM_TRY(a->forEachRow([&](storage::Statement& s) {
        if (s.columnText(0) == "matter-closed")
            r.m_closedMs[s.columnText(1)] = std::uint64_t(s.columnInt(2));
        else
            r.m_closedMs.erase(s.columnText(1));
    }));
    return r;
}

Result<DisposalPlan> Retention::plan(std::uint64_t beforeMs, std::uint64_t nowMs) {
    auto& db = *m_archive.m->db;
    VERBATIM_TRY_LET(rules, this->rules(std::numeric_limits<std::uint64_t>::max(), nowMs));
    std::map<std::string, std::string> titles;
    {
        VERBATIM_TRY_LET(q, db.prepare("SELECT id, title FROM conversations"));
        VERBATIM_TRY(q->forEachRow([&](storage::Statement& s) {
            titles[s.columnText(0)] = s.columnText(1).empty() ? s.columnText(0) : s.columnText(1);
        }));
    }
    DisposalPlan plan;
    VERBATIM_TRY_LET(q, db.prepare("SELECT seq, conversation, user, recipients, type, "
                                   "server_time_ms FROM records WHERE server_time_ms < ? ORDER BY "
                                   "seq"));
    q->bind(1, std::int64_t(std::min<std::uint64_t>(
                   beforeMs, std::uint64_t(std::numeric_limits<std::int64_t>::max()))));
    EntryFacts f;
    VERBATIM_TRY(q->forEachRow([&](storage::Statement& s) {
        f.type = s.columnInt(4);
        if (!disposableType(f.type)) return;
        f.conversation = s.columnText(1);
        f.user = s.columnText(2);
        f.recipients = s.columnText(3);
        f.relayMs = std::uint64_t(s.columnInt(5));
        const std::string& title =
            titles.count(f.conversation) ? titles[f.conversation] : f.conversation;
        auto& counts = plan.perMatter[title];
        const std::string why = rules->verdict(f);
        if (why == "held") {
            ++plan.held;
            ++counts.second;
            return;
        }
        if (!why.empty()) {
            ++plan.kept;
            ++plan.perMatterKept[title];
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
    // Eligibility as the disposition's own point of the log saw it (the holds, overrides and
    // closes journaled before it, at the relay's time of the record): verify judges it the same
    // way. A hold placed since still wins (`holds` above).
    std::uint64_t decidedMs = 0;
    {
        VERBATIM_TRY_LET(t, db.prepare("SELECT server_time_ms FROM entries WHERE seq = ?"));
        t->bind(1, std::int64_t(sequence));
        VERBATIM_TRY_LET(row, t->step());
        if (*row) decidedMs = std::uint64_t(t->columnInt(0));
    }
    VERBATIM_TRY_LET(rules, this->rules(sequence, decidedMs));
    // Disposed content must not linger in freed pages of the file.
    VERBATIM_TRY(db.exec("PRAGMA secure_delete = ON"));
    storage::Transaction tx(db);
    VERBATIM_TRY(tx.begin());
    VERBATIM_TRY_LET(rows, db.prepare("SELECT seq, type, body, attachments, conversation, user, "
                                      "recipients, server_time_ms, message_id FROM records WHERE "
                                      "seq BETWEEN ? AND ? ORDER BY seq"));
    VERBATIM_TRY_LET(entry, db.prepare("SELECT entry FROM entries WHERE seq = ? AND disposed_by "
                                       "IS NULL"));
    VERBATIM_TRY_LET(ftsDelete, db.prepare("INSERT INTO records_fts (records_fts, rowid, body) "
                                           "VALUES ('delete', ?, ?)"));
    VERBATIM_TRY_LET(drop, db.prepare("UPDATE entries SET entry = x'', kept_hash = ?, kept_header "
                                      "= ?, disposed_by = ?, kept_facts = ? WHERE seq = ?"));
    // Copies of the same messages moved aside by a relay restore (ArchiveRestore.cpp) go too,
    // with their index rows: otherwise search shows the disposed text again.
    // (Their sealed entries stay in superseded_entries: verify rechecks that history's chain.)
    VERBATIM_TRY_LET(superseded, db.prepare("SELECT rowid, type, body, attachments, epoch, seq "
                                            "FROM superseded_records WHERE message_id = ?"));
    VERBATIM_TRY_LET(delSuperseded, db.prepare("DELETE FROM superseded_records WHERE epoch = ? "
                                               "AND seq = ?"));
    VERBATIM_TRY_LET(delSupersededAtt, db.prepare("DELETE FROM superseded_attachments WHERE "
                                                  "epoch = ? AND seq = ?"));
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
        struct Gone {
            std::uint64_t seq;
            std::string text; // index text
            std::string facts;
            Bytes messageId;
        };
        std::vector<Gone> gone;
        while (true) {
            VERBATIM_TRY_LET(row, rows->step());
            if (!*row) break;
            const auto seq = std::uint64_t(rows->columnInt(0));
            EntryFacts f;
            f.type = rows->columnInt(1);
            f.conversation = rows->columnText(4);
            f.user = rows->columnText(5);
            f.recipients = rows->columnText(6);
            f.relayMs = std::uint64_t(rows->columnInt(7));
            if (!disposableType(f.type)) continue;
            if (holds->covers(f.conversation, f.user, f.recipients) || rules->held(f)) {
                ++done.held;
                continue;
            }
            if (!rules->verdict(f).empty()) {
                ++done.kept; // not past retention at the disposition: a record that overreaches
                continue;
            }
            proto::JournalRecord rec;
            rec.set_type(proto::MessageType(rows->columnInt(1)));
            rec.set_body(str(rows->columnBlob(2)));
            proto::AttachmentList list;
            if (list.ParseFromString(str(rows->columnBlob(3))))
                *rec.mutable_attachments() = list.items();
            gone.push_back({seq, indexText(rec), keptFactsText(f), rows->columnBlob(8)});
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
        for (auto& [seq, text, facts, messageId] : gone) {
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
                .bind(4, std::string_view(facts))
                .bind(5, std::int64_t(seq));
            VERBATIM_TRY(drop->run());
            superseded->bind(1, ByteView(messageId));
            std::vector<std::pair<Bytes, std::int64_t>> copies;
            while (true) {
                VERBATIM_TRY_LET(c, superseded->step());
                if (!*c) break;
                proto::JournalRecord old;
                old.set_type(proto::MessageType(superseded->columnInt(1)));
                old.set_body(str(superseded->columnBlob(2)));
                proto::AttachmentList list;
                if (list.ParseFromString(str(superseded->columnBlob(3))))
                    *old.mutable_attachments() = list.items();
                // Indexed under minus its superseded_records rowid (ArchiveRestore.cpp).
                if (const std::string oldText = indexText(old); !oldText.empty()) {
                    ftsDelete->bind(1, -std::int64_t(superseded->columnInt(0)))
                        .bind(2, std::string_view(oldText));
                    VERBATIM_TRY(ftsDelete->run());
                }
                copies.emplace_back(superseded->columnBlob(4), superseded->columnInt(5));
            }
            superseded->reset();
            for (auto& [epoch, oldSeq] : copies)
                for (auto* st : {&*delSuperseded, &*delSupersededAtt}) {
                    st->bind(1, ByteView(epoch)).bind(2, oldSeq);
                    VERBATIM_TRY(st->run());
                }
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
    // An FTS5 'delete' leaves the words in the index's segments until they are merged: merge
    // them all now, so the disposed words leave the vocabulary.
    if (done.entries)
        VERBATIM_TRY(db.exec("INSERT INTO records_fts (records_fts) VALUES ('optimize')"));
    VERBATIM_TRY(tx.commit());
    // And the old pages out of the write-ahead log.
    if (done.entries) VERBATIM_TRY(db.exec("PRAGMA wal_checkpoint(TRUNCATE)"));
    return done;
}

Result<AppliedDispositions> Retention::applyPending() {
    AppliedDispositions out;
    std::vector<std::uint64_t> pending;
    {
        auto& db = *m_archive.m->db;
        VERBATIM_TRY_LET(q, db.prepare("SELECT seq FROM rt_dispositions WHERE applied = 0 ORDER "
                                       "BY seq"));
        VERBATIM_TRY(q->forEachRow(
            [&](storage::Statement& s) { pending.push_back(std::uint64_t(s.columnInt(0))); }));
    }
    for (const auto seq : pending) {
        auto done = apply(seq);
        if (!done) {
            // Another history's disposition: nothing removed, the next pull tries again and
            // verify reports it; any other failure stops here (what was applied is committed).
            if (done.error().code != ErrorCode::InvalidArgument)
                return tl::unexpected(done.error());
            out.refused.emplace_back(seq, done.error().message);
            continue;
        }
        out.records.push_back(seq);
        out.removed.entries += done->entries;
        out.removed.held += done->held;
        out.removed.kept += done->kept;
        out.removed.ranges.insert(out.removed.ranges.end(), done->ranges.begin(),
                                  done->ranges.end());
    }
    return out;
}

} // namespace verbatim::compliance
