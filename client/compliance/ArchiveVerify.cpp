/// @file ArchiveVerify.cpp
/// verify(): every check again from the stored rows, and the stored problems.
#include "common/Concurrency.h"
#include "common/Try.h"
#include "compliance/ArchiveImpl.h"
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <set>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "common/Json.h"
#include "compliance/NoticeFacts.h"
#include "compliance/Retention.h"
#include "compliance/SupervisionImpl.h"
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

/// chain[n] from chain[n-1] and the SHA-256 of entry n (HashChain.h), for an entry whose bytes a
/// disposition removed and whose hash the archive kept.
journal::ChainHash chainStep(const journal::ChainHash& previous, std::uint64_t sequence,
                             const std::string& entryHash) {
    std::uint8_t buf[32 + 8 + 32];
    std::copy(previous.begin(), previous.end(), buf);
    for (int i = 0; i < 8; ++i)
        buf[32 + i] = std::uint8_t(sequence >> (56 - 8 * i));
    std::memcpy(buf + 40, entryHash.data(), 32);
    return crypto::sha256(ByteView(buf, sizeof buf));
}

} // namespace

/// Issue 22: the chain over a run of disposed entries (content removed, hash and header kept),
/// continuing `st` as Impl::check() does for entries with their bytes, and what each entry's
/// device vouches for from its kept header. Also replayState()'s (ArchiveRestore.cpp).
void walkDisposed(Archive::Impl& m, std::vector<Decoded>& rows,
                  std::vector<journal::Checkpoint> checkpoints, Archive::Impl::CheckState& st,
                  std::vector<Problem>& found, std::uint64_t& checkpointCount) {
    std::map<std::uint64_t, journal::ChainHash> anchors;
    for (const auto& c : checkpoints) {
        if (c.sequence <= st.headSeq || c.sequence > rows.back().seq) continue;
        ++checkpointCount;
        if (!journal::verifyCheckpoint(c, m.manifest->relayPublicKey))
            found.push_back(
                {c.sequence, "bad-checkpoint-signature", "checkpoint signature invalid"});
        else
            anchors[c.sequence] = c.chainHash;
    }
    bool known = true; // st.head is the chain hash of st.headSeq
    for (auto& d : rows) {
        if (d.seq > st.headSeq + 1) {
            found.push_back({st.headSeq + 1, "missing",
                             "entries " + std::to_string(st.headSeq + 1) + ".." +
                                 std::to_string(d.seq - 1) + " are missing"});
            known = false;
        }
        std::optional<journal::ChainHash> stored;
        if (d.chainHash.size() == 32) {
            journal::ChainHash c;
            std::memcpy(c.data(), d.chainHash.data(), 32);
            stored = c;
        }
        std::optional<journal::ChainHash> head;
        if (d.keptHash.size() != 32) {
            found.push_back({d.seq, "altered",
                             "a disposed entry whose kept hash is missing: its place in the chain "
                             "cannot be checked"});
        } else if (known) {
            head = chainStep(st.head, d.seq, d.keptHash);
            if (stored && *head != *stored) {
                found.push_back({d.seq, "altered",
                                 "the hash kept for this disposed entry does not produce its chain "
                                 "hash: changed after it was logged"});
                head = stored;
            }
        }
        if (!head) head = stored;
        if (auto a = anchors.find(d.seq); a != anchors.end()) {
            if (head && *head != a->second)
                found.push_back(
                    {d.seq, "checkpoint-mismatch", "chain differs from the signed checkpoint"});
            head = a->second;
        }
        known = head.has_value();
        if (head) st.head = *head;
        st.headSeq = d.seq;
        auto header = journal::EntryHeader::parse(view(d.keptHeader));
        if (!header) {
            found.push_back(
                {d.seq, "malformed", "the kept header of a disposed entry does not parse"});
            continue;
        }
        d.sealed.header = std::move(*header);
        d.parsed = true;
        m.deviceEntry(d, st);
    }
}

namespace {

/// A disposition record as verify opened it from its raw entry, in log order.
struct SeenDisposition {
    std::string user;
    bool trusted = false; ///< its entry passed the signer checks
    bool parsed = false;
    std::vector<DisposalRange> ranges;
};

const std::set<std::string> kSignerFaults{
    "bad-signature",  "unknown-device",  "revoked-signer",      "unapproved-device",
    "decrypt-failed", "header-mismatch", "commitment-mismatch", "replayed-message-id"};

/// A run of consecutive disposed entries removed under the same record.
struct DisposedRun {
    std::uint64_t first = 0, last = 0, by = 0;
};

/// Issue 22: each run of disposed entries must lie inside a range of the valid disposition
/// record that removed it: one verify opened from its raw entry after them, written by a
/// compliance device, whose every range names the chain hashes the log holds at its ends. A
/// disposition naming other chain hashes is itself a fault (`disposition-mismatch`); entries
/// without content that no valid disposition covers are `disposed-without-record`.
/// Issue 22: what a valid disposition removed must have been removable at its point of the log
/// (RetentionRules as of the record's sequence, at the relay's time of the record), judged on
/// the facts kept for each entry: conversation content, under no hold open then, past
/// retention. Reported once per run and fault, at the first entry, with the count.
Result<void> judgeDisposed(Archive& archive, Archive::Impl& m, const DisposedRun& run,
                           std::map<std::uint64_t, RetentionRules>& cache,
                           std::vector<Problem>& found) {
    auto cached = cache.find(run.by);
    if (cached == cache.end()) { // once per disposition record, not per run
        std::uint64_t decidedMs = 0;
        VERBATIM_TRY_LET(t, m.db->prepare("SELECT server_time_ms FROM entries WHERE seq = ?"));
        t->bind(1, std::int64_t(run.by));
        VERBATIM_TRY_LET(row, t->step());
        if (*row) decidedMs = std::uint64_t(t->columnInt(0));
        Retention retention(archive);
        VERBATIM_TRY_LET(loaded, retention.rules(run.by, decidedMs));
        cached = cache.emplace(run.by, std::move(*loaded)).first;
    }
    const RetentionRules* rules = &cached->second;
    VERBATIM_TRY_LET(q, m.db->prepare("SELECT seq, kept_facts, server_time_ms FROM entries WHERE "
                                      "seq BETWEEN ? AND ? ORDER BY seq"));
    q->bind(1, std::int64_t(run.first)).bind(2, std::int64_t(run.last));
    std::map<std::string, std::pair<std::uint64_t, std::uint64_t>> faults; // first seq, count
    VERBATIM_TRY(q->forEachRow([&](storage::Statement& s) {
        const auto seq = std::uint64_t(s.columnInt(0));
        std::string fault;
        auto facts = s.columnIsNull(1) ? std::nullopt : parseKeptFacts(s.columnText(1));
        if (!facts) {
            fault = "disposed-without-facts";
        } else {
            facts->relayMs = std::uint64_t(s.columnInt(2));
            const std::string why = rules->verdict(*facts);
            if (why == "not-disposable")
                fault = "disposed-not-disposable";
            else if (why == "held")
                fault = "disposed-under-hold";
            else if (!why.empty())
                fault = "disposed-before-retention";
        }
        if (fault.empty()) return;
        auto [it, fresh] = faults.emplace(fault, std::make_pair(seq, std::uint64_t(0)));
        ++it->second.second;
    }));
    static const std::map<std::string, std::string> kWhat{
        {"disposed-without-facts", "keep no facts of their record to judge the disposal by"},
        {"disposed-not-disposable",
         "were not conversation content (compliance, hold, access or relay records)"},
        {"disposed-under-hold", "were under a legal hold open at the disposition"},
        {"disposed-before-retention",
         "were not past their retention at the disposition (an open matter, no period, or "
         "the period not over)"}};
    for (const auto& [fault, at] : faults)
        found.push_back({at.first, fault,
                         std::to_string(at.second) + " of entries " + std::to_string(run.first) +
                             "-" + std::to_string(run.last) + " disposed by record #" +
                             std::to_string(run.by) + " " + kWhat.at(fault)});
    return {};
}

Result<void> verifyDisposed(Archive& archive, Archive::Impl& m,
                            const std::map<std::uint64_t, SeenDisposition>& seen,
                            const std::vector<DisposedRun>& runs, VerifyReport& report,
                            std::vector<Problem>& found) {
    std::map<std::string, std::string> roles;
    {
        VERBATIM_TRY_LET(q, m.db->prepare("SELECT id, role FROM users"));
        VERBATIM_TRY(q->forEachRow(
            [&](storage::Statement& s) { roles[s.columnText(0)] = s.columnText(1); }));
    }
    VERBATIM_TRY_LET(hashAt, m.db->prepare("SELECT chain_hash FROM entries WHERE seq = ?"));
    auto chainHex = [&](std::uint64_t seq) -> Result<std::string> {
        hashAt->bind(1, std::int64_t(seq));
        VERBATIM_TRY_LET(row, hashAt->step());
        std::string out = *row ? toHex(hashAt->columnBlob(0)) : std::string();
        hashAt->reset();
        return out;
    };
    std::map<std::uint64_t, std::string> invalid;    // record -> why it does not count
    std::map<std::uint64_t, RetentionRules> rulesAt; // disposition record -> its rules
    for (const auto& [seq, d] : seen) {
        std::string why;
        if (!d.trusted)
            why = "its entry failed the signer checks";
        else if (roles[d.user] != "ROLE_COMPLIANCE")
            why = "it was written by " + d.user + ", not a compliance officer";
        else if (!d.parsed)
            why = "its ranges do not parse";
        for (const auto& r : d.ranges) {
            if (!why.empty()) break;
            VERBATIM_TRY_LET(first, chainHex(r.first));
            VERBATIM_TRY_LET(last, chainHex(r.last));
            if (*first != r.firstChainHash || *last != r.lastChainHash || r.last >= seq) {
                why = "it names entries " + std::to_string(r.first) + "-" + std::to_string(r.last) +
                      " with chain hashes the log does not hold there";
                found.push_back({seq, "disposition-mismatch",
                                 "the disposition record names entries " + std::to_string(r.first) +
                                     "-" + std::to_string(r.last) + " with chain hashes " +
                                     r.firstChainHash.substr(0, 16) + "... and " +
                                     r.lastChainHash.substr(0, 16) + "...; the log holds " +
                                     first->substr(0, 16) + "... and " + last->substr(0, 16) +
                                     "..."});
            }
        }
        if (!why.empty()) invalid[seq] = why;
    }
    for (const auto& run : runs) {
        const std::string span = std::to_string(run.first) + "-" + std::to_string(run.last);
        auto it = seen.find(run.by);
        std::string why;
        if (it == seen.end() || run.by <= run.last)
            why =
                "record #" + std::to_string(run.by) + " they name is not a disposition after them";
        else if (invalid.count(run.by))
            why = "record #" + std::to_string(run.by) +
                  " they name does not count: " + invalid[run.by];
        else {
            // Every entry of the run inside one of the record's ranges.
            std::uint64_t next = run.first;
            for (const auto& r : it->second.ranges)
                if (r.first <= next && r.last >= next) next = std::min(r.last, run.last) + 1;
            if (next <= run.last)
                why = "record #" + std::to_string(run.by) + " does not name entry " +
                      std::to_string(next);
        }
        if (!why.empty()) {
            found.push_back({run.first, "disposed-without-record",
                             "entries " + span +
                                 " hold no content and no valid disposition "
                                 "covers them: " +
                                 why});
            continue;
        }
        VERBATIM_TRY(judgeDisposed(archive, m, run, rulesAt, found));
        report.disposed += run.last - run.first + 1;
        report.dispositions.push_back("entries " + span + " disposed by record #" +
                                      std::to_string(run.by));
    }
    return {};
}

} // namespace

Result<VerifyReport> Archive::verify(unsigned workers, const RestoreLimits& limits) {
    if (!m->manifest)
        return fail(ErrorCode::InvalidArgument, "the archive has no firm manifest: pull first");
    if (workers == 0) workers = std::max(1u, std::thread::hardware_concurrency());
    VerifyReport report;
    Impl::CheckState st;
    std::vector<Problem> found;
    std::unordered_map<std::string, std::uint64_t> messageIds;
    std::unordered_set<std::string> unopenedIds; // header message ids of entries not opened
    std::vector<std::pair<std::string, Problem>> reports; // referenced message id -> report
    ContentJudge judge;
    std::vector<std::string> recipients;
    std::uint64_t last = 0;
    std::map<std::uint64_t, SeenDisposition> seenDispositions;
    std::vector<DisposedRun> disposedRuns;
    // Issue 22: an archive started at the pruned boundary checks its stored snapshot again; its
    // state entries before the boundary are each anchored on the chain hash before them, and
    // the rows after it on chain[P] (anchors[P + 1]).
    VERBATIM_TRY_LET(anchors, m->verifyBoundary(report, found));
    st.chainsFrom = m->boundary;
    auto anchor = [&](std::uint64_t seq) {
        auto a = anchors->find(seq);
        if (a == anchors->end()) return false;
        st.headSeq = seq - 1;
        st.head = a->second;
        return true;
    };
    constexpr int kChunk = 4000;
    while (true) {
        std::vector<Decoded> rows;
        {
            auto q = m->db->prepare("SELECT seq, entry, chain_hash, server_time_ms, disposed_by, "
                                    "kept_hash, kept_header FROM entries WHERE seq > ? "
                                    "ORDER BY seq LIMIT ?");
            if (!q) return tl::unexpected(q.error());
            q->bind(1, std::int64_t(last)).bind(2, std::int64_t(kChunk));
            while (true) {
                VERBATIM_TRY_LET(row, q->step());
                if (!*row) break;
                Decoded d;
                d.seq = std::uint64_t(q->columnInt(0));
                d.entry = str(q->columnBlob(1));
                d.chainHash = str(q->columnBlob(2));
                d.serverTimeMs = std::uint64_t(q->columnInt(3));
                if (!q->columnIsNull(4)) {
                    d.disposedBy = std::uint64_t(q->columnInt(4));
                    d.keptHash = str(q->columnBlob(5));
                    d.keptHeader = str(q->columnBlob(6));
                }
                rows.push_back(std::move(d));
            }
        }
        if (rows.empty()) break;
        std::vector<journal::Checkpoint> cps;
        VERBATIM_TRY_LET(c,
                         m->db->prepare("SELECT data FROM checkpoints WHERE seq > ? AND seq <= ?"));
        c->bind(1, std::int64_t(last)).bind(2, std::int64_t(rows.back().seq));
        while (true) {
            VERBATIM_TRY_LET(row, c->step());
            if (!*row) break;
            auto cp = journal::Checkpoint::parse(c->columnBlob(0));
            if (cp)
                cps.push_back(std::move(*cp));
            else
                found.push_back(
                    {0, "bad-checkpoint-signature", "a stored checkpoint does not parse"});
        }
        last = rows.back().seq;
        // Runs of entries with their bytes go through the checks; runs of disposed ones (issue
        // 22) through the chain on their kept hashes.
        std::vector<std::vector<Decoded>> parts;
        for (auto& d : rows) {
            if (parts.empty() || (parts.back().back().disposedBy != 0) != (d.disposedBy != 0) ||
                d.seq <= m->boundary || parts.back().back().seq <= m->boundary)
                parts.emplace_back();
            parts.back().push_back(std::move(d));
        }
        rows.clear();
        for (auto& part : parts) {
            const std::uint64_t first = part.front().seq;
            if (first <= m->boundary && !anchor(first))
                found.push_back({first, "boundary-snapshot",
                                 "the archive holds an entry before its pruned boundary that its "
                                 "boundary snapshot does not give"});
            else if (m->boundary && first > m->boundary && st.headSeq < m->boundary)
                anchor(m->boundary + 1);
            if (part.front().disposedBy)
                walkDisposed(*m, part, cps, st, found, report.checkpoints);
            else
                m->check(part, cps, st, found, report.checkpoints, workers);
            for (auto& d : part)
                rows.push_back(std::move(d));
        }
        for (auto& d : rows) {
            ++report.entries;
            found.insert(found.end(), d.problems.begin(), d.problems.end());
            if (d.disposedBy) {
                if (!disposedRuns.empty() && disposedRuns.back().last + 1 == d.seq &&
                    disposedRuns.back().by == d.disposedBy)
                    disposedRuns.back().last = d.seq;
                else
                    disposedRuns.push_back({d.seq, d.seq, d.disposedBy});
            }
            if (d.opened && d.record.type() == proto::SUPERVISION) {
                // Sealed to the journal key since issue 21's inner seal (SupervisionSeal.h).
                auto text = supervision::supervisionBodyText(*m, d.record.body());
                auto body = text ? parseFlatJsonObject(*text) : std::nullopt;
                if (body && (*body)["kind"] == "disposition") {
                    SeenDisposition& seen = seenDispositions[d.seq];
                    seen.user = d.record.sender().user();
                    seen.trusted =
                        std::none_of(d.problems.begin(), d.problems.end(), [](const Problem& p) {
                            return kSignerFaults.count(p.fault) > 0;
                        });
                    seen.ranges = parseRanges((*body)["ranges"], seen.parsed);
                }
            }
            if (!d.opened) {
                if (d.parsed)
                    unopenedIds.emplace(
                        reinterpret_cast<const char*>(d.sealed.header.messageId.data()),
                        d.sealed.header.messageId.size());
                continue;
            }
            ++report.opened;
            if (auto what = countersigns(d.record); !what.empty() && !m->boundary &&
                                                    !messageIds.count(d.record.ref_message_id()) &&
                                                    !unopenedIds.count(d.record.ref_message_id()))
                found.push_back({d.seq, "missing-entry", missingEntryDetail(d.record, what)});
            auto [it, fresh] = messageIds.emplace(d.record.message_id(), d.seq);
            if (!fresh)
                found.push_back({d.seq, "replayed-message-id",
                                 "message id " + hexOf(d.record.message_id()) +
                                     " was already logged at seq " + std::to_string(it->second)});
            else if (d.sealed.header.senderUser == "relay") {
                if (!d.admin.empty())
                    judge.admin(d.seq, d.admin["action"], ContentJudge::memberOf(d.admin),
                                d.admin["target"],
                                d.admin["action"] == "invite-redeemed" ? d.admin["conversation"]
                                                                       : std::string(),
                                d.admin["members"]);
            } else {
                // As the pull stores them: each user once.
                recipients.clear();
                for (const auto& rc : d.record.recipients())
                    if (std::find(recipients.begin(), recipients.end(), rc.user()) ==
                        recipients.end())
                        recipients.push_back(rc.user());
                const bool trusted =
                    std::none_of(d.problems.begin(), d.problems.end(), [&](const Problem& p) {
                        return p.sequence == d.seq &&
                               (p.fault == "revoked-signer" || p.fault == "unapproved-device");
                    });
                judge.record(d.seq, d.record.message_id(), d.record.conversation_id(),
                             d.record.sender().user(), d.record.sender().device(),
                             int(d.record.type()), d.record.ref_message_id(), recipients, trusted);
                if (d.record.type() == proto::NOTICE_ACCEPTED)
                    judge.notice(d.seq, knownNoticeBody(d.record.body()));
            }
            if (d.record.type() == proto::MISMATCH_REPORT)
                reports.push_back(
                    {d.record.ref_message_id(),
                     {d.seq, "mismatch-report",
                      deviceName(d.record.sender().user(), d.record.sender().device()) +
                          " reported (seq " + std::to_string(d.seq) + ") that message " +
                          hexOf(d.record.ref_message_id()) +
                          " differs from what its sender journaled"}});
        }
    }
    for (auto& [id, p] : reports) {
        auto it = messageIds.find(id);
        if (it != messageIds.end()) p.sequence = it->second;
        found.push_back(p);
    }
    // A signed checkpoint beyond the last entry: the log was cut short.
    {
        VERBATIM_TRY_LET(
            c,
            m->db->prepare("SELECT data FROM checkpoints WHERE seq > ? ORDER BY seq DESC LIMIT 1"));
        c->bind(1, std::int64_t(last));
        VERBATIM_TRY_LET(row, c->step());
        if (*row) {
            auto cp = journal::Checkpoint::parse(c->columnBlob(0));
            if (cp && journal::verifyCheckpoint(*cp, m->manifest->relayPublicKey))
                found.push_back({last + 1, "truncated",
                                 "signed checkpoint " + std::to_string(cp->sequence) +
                                     " covers entries the archive does not hold"});
        }
    }
    if (m->boundary && st.headSeq < m->boundary) anchor(m->boundary + 1);
    if (m->boundary) {
        VERBATIM_TRY_LET(cosigned, m->boundaryCosigners(report, found));
        report.boundary.insert(report.boundary.end(), cosigned->begin(), cosigned->end());
    }
    VERBATIM_TRY(verifyDisposed(*this, *m, seenDispositions, disposedRuns, report, found));
    VERBATIM_TRY(checkNoticeFacts(*m, found));
    VERBATIM_TRY(m->verifySuperseded(report, found, limits));
    report.headSequence = st.headSeq;
    report.headChainHash = toHex(ByteView(st.head.data(), st.head.size()));

    // What only the pull could see (rows served twice or out of order, attachments) stays on record.
    storage::Transaction tx(*m->db);
    VERBATIM_TRY(tx.begin());
    VERBATIM_TRY(m->db->exec("DELETE FROM problems WHERE origin = 'verify'"));
    for (auto& p : found)
        VERBATIM_TRY(m->addProblem(p.sequence, p.fault, p.detail, "verify"));
    auto judged = judge.finish();
    VERBATIM_TRY(m->storeJudgement(judged));
    VERBATIM_TRY(tx.commit());
    VERBATIM_TRY_LET(all, problems());
    report.problems = std::move(*all);
    return report;
}

Result<std::vector<Problem>> Archive::problems() {
    // Problems recorded above a restore point stay faults after the restore (A1): they were
    // seen on entries the archive pulled, whatever the relay announced afterwards.
    VERBATIM_TRY_LET(
        st, m->db->prepare("SELECT seq, fault, detail, NULL FROM problems UNION ALL SELECT seq, "
                           "fault, detail, epoch FROM superseded_problems ORDER BY 1, 2"));
    std::vector<Problem> out;
    while (true) {
        VERBATIM_TRY_LET(row, st->step());
        if (!*row) break;
        Bytes epoch = st->columnBlob(3);
        std::string detail = st->columnText(2);
        if (!epoch.empty())
            detail = "recorded before restore epoch " + toHex(epoch).substr(0, 16) +
                     "... superseded this entry: " + detail;
        out.push_back({std::uint64_t(st->columnInt(0)), st->columnText(1), std::move(detail)});
    }
    return out;
}

Result<std::pair<std::uint64_t, std::uint64_t>> Archive::size() {
    VERBATIM_TRY_LET(st, m->db->prepare("SELECT count(*), coalesce(max(seq), 0) FROM entries"));
    VERBATIM_TRY_LET(row, st->step());
    return std::pair<std::uint64_t, std::uint64_t>{std::uint64_t(st->columnInt(0)),
                                                   std::uint64_t(st->columnInt(1))};
}

} // namespace verbatim::compliance
