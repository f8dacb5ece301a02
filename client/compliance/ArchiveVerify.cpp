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
    constexpr int kChunk = 4000;
    while (true) {
        std::vector<Decoded> rows;
        {
            auto q = m->db->prepare(
                "SELECT seq, entry, chain_hash, server_time_ms FROM entries WHERE seq > ? "
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
        m->check(rows, std::move(cps), st, found, report.checkpoints, workers);
        for (auto& d : rows) {
            ++report.entries;
            found.insert(found.end(), d.problems.begin(), d.problems.end());
            if (!d.opened) {
                if (d.parsed)
                    unopenedIds.emplace(
                        reinterpret_cast<const char*>(d.sealed.header.messageId.data()),
                        d.sealed.header.messageId.size());
                continue;
            }
            ++report.opened;
            if (auto what = countersigns(d.record); !what.empty() &&
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
