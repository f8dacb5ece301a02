/// @file ArchiveIngest.cpp
/// pull(): pages from the relay through the checks to the writer (a pipeline over a bounded channel), and the history-rewritten probe.
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

Result<std::uint64_t> Archive::Impl::firstRewritten(const PageSource& pages, std::string& detail) {
    struct Row {
        bool present = false;
        std::string entry, chainHash;
        std::uint64_t relayHead = 0;
        std::string keptHash; ///< an entry disposed of here (issue 22): the SHA-256 kept of it
    };
    // Whether the relay serves the entry this archive pulled (for a disposed one, by its hash).
    auto sameEntry = [](const Row& relay, const Row& mine) {
        if (mine.keptHash.empty()) return relay.entry == mine.entry;
        const auto h = crypto::sha256(view(relay.entry));
        return mine.keptHash == std::string(reinterpret_cast<const char*>(h.data()), h.size());
    };
    // Row `seq` as the relay serves it now (with the retries of a page fetch).
    auto relayRow = [&](std::uint64_t seq) -> Result<Row> {
        auto bytes = pages(seq - 1, 1);
        for (int attempt = 1; !bytes && attempt <= 6 && bytes.error().code == ErrorCode::Storage;
             ++attempt) {
            std::this_thread::sleep_for(std::chrono::milliseconds(250 * attempt));
            bytes = pages(seq - 1, 1);
        }
        if (!bytes) return tl::unexpected(bytes.error());
        proto::JournalPage page;
        if (!page.ParseFromString(*bytes))
            return fail(ErrorCode::Malformed, "the relay sent a journal page that does not parse");
        Row out;
        out.relayHead = page.head_sequence();
        if (page.rows_size() == 0) return out;
        const auto& r = page.rows(0);
        if (r.sequence() < seq)
            return fail(ErrorCode::Malformed, "the relay's journal page goes backwards");
        if (r.sequence() > seq) return out; // the relay no longer has it
        out.present = true;
        out.entry = r.entry();
        out.chainHash = r.chain_hash();
        return out;
    };
    // The row as this archive pulled it.
    auto storedRow = [&](std::uint64_t seq) -> Result<Row> {
        VERBATIM_TRY_LET(q, db->cached("SELECT entry, chain_hash, disposed_by, kept_hash FROM "
                                       "entries WHERE seq = ?"));
        q->bind(1, std::int64_t(seq));
        VERBATIM_TRY_LET(row, q->step());
        Row out;
        if (*row) {
            out.present = true;
            out.entry = str(q->columnBlob(0));
            out.chainHash = str(q->columnBlob(1));
            if (!q->columnIsNull(2)) out.keptHash = str(q->columnBlob(3));
        }
        return out;
    };
    const std::uint64_t head = state.headSeq;
    VERBATIM_TRY_LET(last, relayRow(head));
    VERBATIM_TRY_LET(mine, storedRow(head));
    const std::string ours = toHex(ByteView(state.head.data(), state.head.size()));
    if (last->present && last->chainHash == mine->chainHash) {
        if (sameEntry(*last, *mine)) return 0;
        detail = "the relay now serves another entry at seq " + std::to_string(head) +
                 ", the last one this archive pulled (its chain hash unchanged)";
        return head;
    }
    // Chain hashes cover everything before them: the first row whose hash differs is the first
    // one rewritten. Binary search between the genesis and the archive's head.
    // hi differs; every row below lo matches (or was pruned before this archive began)
    std::uint64_t lo = boundary + 1, hi = head;
    Row firstRelay = *last, firstMine = *mine;
    while (lo < hi) {
        const std::uint64_t mid = lo + (hi - lo) / 2;
        VERBATIM_TRY_LET(r, relayRow(mid));
        VERBATIM_TRY_LET(s, storedRow(mid));
        if (r->present != s->present || (r->present && r->chainHash != s->chainHash)) {
            hi = mid;
            firstRelay = *r;
            firstMine = *s;
        } else {
            lo = mid + 1;
        }
    }
    std::string what;
    if (!firstRelay.present)
        what = "the relay no longer serves the entry at seq " + std::to_string(hi) +
               " (its log ends at " + std::to_string(firstRelay.relayHead) + " or skips it)";
    else if (!sameEntry(firstRelay, firstMine))
        what = "the relay now serves another entry at seq " + std::to_string(hi);
    else
        what = "the relay now serves the entry at seq " + std::to_string(hi) +
               " with another chain hash";
    // The relay's own signed statement of the history it now contradicts, when the archive has one.
    std::string signedBefore;
    {
        VERBATIM_TRY_LET(
            c,
            db->cached(
                "SELECT data FROM checkpoints WHERE seq >= ? AND seq <= ? ORDER BY seq LIMIT 1"));
        c->bind(1, std::int64_t(hi)).bind(2, std::int64_t(head));
        VERBATIM_TRY_LET(row, c->step());
        if (*row)
            if (auto cp = journal::Checkpoint::parse(c->columnBlob(0));
                cp && journal::verifyCheckpoint(*cp, manifest->relayPublicKey))
                signedBefore = "; the archive keeps the relay's signed checkpoint " +
                               std::to_string(cp->sequence) + " (chain hash " +
                               toHex(ByteView(cp->chainHash.data(), 8)) +
                               "...) for the history it pulled";
    }
    detail = what + ", which this archive pulled and verified before (its head: seq " +
             std::to_string(head) + ", chain hash " + ours.substr(0, 16) + "...)" + signedBefore +
             ": the relay rewrote the log's history; nothing more is pulled from it";
    return hi;
}

Result<PullStats> Archive::pull(const PageSource& pages, const BlobSource& blobs,
                                const Progress& progress, unsigned workers,
                                const RelayRestore& restore) {
    if (!m->manifest)
        return fail(ErrorCode::InvalidArgument, "the archive has no firm manifest yet");
    if (workers == 0) workers = std::max(1u, std::thread::hardware_concurrency());
    const auto started = std::chrono::steady_clock::now();
    PullStats stats;
    std::size_t problemsBefore = 0;
    if (auto p = problems()) problemsBefore = p->size();

    // Three stages: the fetcher asks for the next page while this thread checks and decrypts the
    // current one on every core and the writer stores the one before.
    struct Batch {
        std::vector<Decoded> rows;
        std::vector<std::string> checkpoints;
        std::vector<Problem> chainProblems;
        std::uint64_t head = 0;
        // The checks' state after this batch, which the writer stores with it.
        std::uint64_t headSeq = 0;
        journal::ChainHash headHash{};
        std::vector<Impl::DeviceSnapshot> devices;
    };
    // Issue 15 break 3: only a continuation of the chain this archive already holds is accepted.
    // A relay that now serves other rows up to the archive's head (an entry changed, removed or
    // inserted, the chain recomputed and the checkpoints signed again) is reported by the first
    // sequence that differs, and nothing more is pulled from it.
    // An archive started at the pruned boundary (issue 22) holds no row at it to probe with:
    // its chain hash there is the relay's signed snapshot's, which the first page continues.
    if (m->state.headSeq && m->state.headSeq != m->boundary) {
        std::string detail;
        VERBATIM_TRY_LET(rewritten, m->firstRewritten(pages, detail));
        // A relay restored from a backup serves a new history from the backup's end on: followed
        // when announced and consistent (ArchiveRestore.cpp), a rewrite otherwise.
        std::string why;
        if (*rewritten) {
            VERBATIM_TRY_LET(followed, m->followRestore(restore, *rewritten, stats, why, workers));
            if (*followed) *rewritten = 0;
        }
        // An announced restore the officer has not accepted: the archive stays as it is (J-RESTORE-3).
        if (*rewritten && !stats.pendingEpoch.empty()) {
            stats.headSequence = m->state.headSeq;
            stats.seconds =
                std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
            return stats;
        }
        if (*rewritten) {
            detail += " (not a restore: " + why + ")";
            VERBATIM_TRY(m->addProblem(*rewritten, "history-rewritten", detail, "pull"));
            stats.headSequence = m->state.headSeq;
            stats.rewrittenAt = *rewritten;
            if (auto p = problems())
                stats.newProblems = p->size() - std::min(p->size(), problemsBefore);
            stats.seconds =
                std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
            return stats;
        }
    }
    Channel<proto::JournalPage> fetched(3);
    Channel<Batch> checked(2);
    std::optional<Error> fetchError, storeError;
    std::atomic<bool> stopping{false};
    std::thread fetcher([&] {
        std::uint64_t after = m->state.headSeq;
        while (!stopping) {
            auto bytes = pages(after, 1000);
            // A dropped connection is retried (the client reconnects by itself); a refusal is not.
            for (int attempt = 1;
                 !bytes && attempt <= 6 && !stopping && bytes.error().code == ErrorCode::Storage;
                 ++attempt) {
                std::this_thread::sleep_for(std::chrono::milliseconds(250 * attempt));
                bytes = pages(after, 1000);
            }
            proto::JournalPage page;
            if (!bytes) {
                fetchError = bytes.error();
                break;
            }
            if (!page.ParseFromString(*bytes)) {
                fetchError = Error{ErrorCode::Malformed,
                                   "the relay sent a journal page that does not parse"};
                break;
            }
            bool last = page.rows_size() == 0 ||
                        page.rows(page.rows_size() - 1).sequence() >= page.head_sequence();
            if (page.rows_size()) {
                std::uint64_t next = page.rows(page.rows_size() - 1).sequence();
                if (next <= after) {
                    fetchError =
                        Error{ErrorCode::Malformed, "the relay's journal page goes backwards"};
                    break;
                }
                after = next;
            }
            if (!fetched.push(std::move(page))) break;
            if (last) break;
        }
        fetched.close();
    });
    std::thread writer([&] {
        while (auto batch = checked.pop()) {
            if (storeError) continue;
            const auto storeStart = std::chrono::steady_clock::now();
            auto stored = m->store(batch->rows, batch->checkpoints, batch->chainProblems, blobs,
                                   stats, batch->headSeq, batch->headHash, batch->devices);
            stats.storeSeconds +=
                std::chrono::duration<double>(std::chrono::steady_clock::now() - storeStart)
                    .count();
            if (auto& r = stored; !r) {
                storeError = r.error();
                stopping = true;
                continue;
            }
            if (progress) progress(stats.entries, batch->head);
        }
    });
    std::uint64_t cpCount = 0;
    std::uint64_t truncatedAt = 0;
    for (auto waitStart = std::chrono::steady_clock::now();;
         waitStart = std::chrono::steady_clock::now()) {
        auto page = fetched.pop();
        const auto checkStart = std::chrono::steady_clock::now();
        stats.waitSeconds += std::chrono::duration<double>(checkStart - waitStart).count();
        if (!page) break;
        if (storeError) continue;
        Batch batch;
        batch.head = page->head_sequence();
        batch.rows.reserve(std::size_t(page->rows_size()));
        for (auto& r : *page->mutable_rows()) {
            Decoded d;
            d.seq = r.sequence();
            d.serverTimeMs = r.server_time_ms();
            d.entry = std::move(*r.mutable_entry());
            d.chainHash = std::move(*r.mutable_chain_hash());
            batch.rows.push_back(std::move(d));
        }
        std::vector<journal::Checkpoint> cps;
        std::uint64_t lastRow = batch.rows.empty() ? m->state.headSeq : batch.rows.back().seq;
        for (auto& c : page->checkpoints()) {
            auto cp = journal::Checkpoint::parse(view(c));
            if (!cp) {
                batch.chainProblems.push_back(
                    {lastRow, "bad-checkpoint-signature", "a checkpoint does not parse"});
                continue;
            }
            // A signed checkpoint beyond the head the relay claims: entries were cut off the log.
            if (cp->sequence > page->head_sequence() &&
                journal::verifyCheckpoint(*cp, m->manifest->relayPublicKey))
                truncatedAt = std::max(truncatedAt, cp->sequence);
            if (cp->sequence > lastRow) continue; // kept when the rows it covers arrive
            batch.checkpoints.push_back(c);
            cps.push_back(std::move(*cp));
        }
        m->check(batch.rows, std::move(cps), m->state, batch.chainProblems, cpCount, workers);
        batch.headSeq = m->state.headSeq;
        batch.headHash = m->state.head;
        batch.devices = m->snapshot(m->state);
        stats.checkSeconds +=
            std::chrono::duration<double>(std::chrono::steady_clock::now() - checkStart).count();
        if (!checked.push(std::move(batch))) break;
    }
    checked.close();
    writer.join();
    stopping = true;
    fetched.close();
    fetcher.join();
    if (storeError) {
        // The checks ran ahead of what was stored: start the next pull from the stored state.
        m->state = {};
        (void)m->loadState();
        return tl::unexpected(*storeError);
    }
    // What the new entries change in the content checks (an edit's message may have arrived now,
    // a member may now be known): judged again over everything stored.
    if (stats.entries || stats.superseded) VERBATIM_TRY(m->judgeStored());
    if (truncatedAt)
        (void)m->addProblem(m->state.headSeq + 1, "truncated",
                            "the relay's signed checkpoint " + std::to_string(truncatedAt) +
                                " covers entries it no longer serves",
                            "pull");
    if (fetchError) return tl::unexpected(*fetchError);
    stats.headSequence = m->state.headSeq;
    if (auto p = problems()) stats.newProblems = p->size() - std::min(p->size(), problemsBefore);
    stats.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return stats;
}

} // namespace verbatim::compliance
