/// @file JournalPruning.cpp
/// RelayService's journal pruning (issue 22): compliance devices acknowledge what their archives
/// hold and verified (AckJournal, a signed journal::JournalAck), and the relay deletes journal
/// rows that every active compliance device acknowledged once they are older than the safety
/// window, except the ranges an acknowledgement asks to keep (legal holds); attachment blobs that
/// only pruned rows referenced go with them. A pull below the boundary is answered 410 with the
/// boundary, never with a silent gap. docs/protocol.md, "Journal acknowledgement and pruning".

#include "relay/core/JournalPruning.h"

#include "journal/JournalAck.h"
#include "relay/core/JournalRows.h"
#include "relay/core/RelayServiceImpl.h"

namespace verbatim::relay {

using namespace impl;

// ---- the pruner thread --------------------------------------------------------------------------

JournalPruner::JournalPruner(std::chrono::milliseconds interval, std::function<bool()> step)
    : m_interval(interval), m_step(std::move(step)) {
    m_thread = std::thread([this] { loop(); });
}

JournalPruner::~JournalPruner() {
    {
        std::lock_guard lock(m_mutex);
        m_stopping = true;
    }
    m_cv.notify_all();
    if (m_thread.joinable()) m_thread.join();
}

void JournalPruner::kick() {
    {
        std::lock_guard lock(m_mutex);
        m_kicked = true;
    }
    m_cv.notify_all();
}

void JournalPruner::loop() {
    std::unique_lock lock(m_mutex);
    while (!m_stopping) {
        m_cv.wait_for(lock, m_interval, [this] { return m_stopping || m_kicked; });
        if (m_stopping) break;
        m_kicked = false;
        lock.unlock();
        // One step per storage job, back to back: between two steps the storage thread takes
        // whatever sends arrived, so none waits for more than one step.
        while (m_step()) {
            std::lock_guard check(m_mutex);
            if (m_stopping) break;
        }
        lock.lock();
    }
}

// ---- shared helpers -------------------------------------------------------------------------------

namespace {

constexpr const char* kPrunedKey = "journal_pruned_through";

std::string prunedText(std::uint64_t through) {
    return "entries 1.." + std::to_string(through) +
           " were pruned after every compliance archive acknowledged them; an archive that holds "
           "them keeps them, a new archive starts at the boundary (verbatim-journal pull "
           "--from-pruned-boundary)";
}

/// Every active (not revoked) compliance device with its stored acknowledgement, if any.
struct ComplianceDevice {
    std::string user;
    std::uint32_t device = 0;
    bool acked = false;
    std::uint64_t sequence = 0, timeMs = 0, receivedMs = 0;
    std::vector<journal::SequenceRange> keep;
};

Result<std::vector<ComplianceDevice>> complianceDevices(Database& db) {
    VERBATIM_TRY_LET(
        st, db.cached("SELECT d.user, d.device, a.seq, a.time_ms, a.received_ms, a.ack FROM "
                      "devices d JOIN users u ON u.id = d.user LEFT JOIN journal_acks a ON "
                      "a.user = d.user AND a.device = d.device WHERE u.role = ? AND "
                      "d.revoked_ms IS NULL ORDER BY d.user, d.device"));
    st->bind(1, std::int64_t(proto::ROLE_COMPLIANCE));
    std::vector<ComplianceDevice> out;
    VERBATIM_TRY(st->forEachRow([&]() -> Result<void> {
        ComplianceDevice d;
        d.user = st->columnText(0);
        d.device = std::uint32_t(st->columnInt(1));
        d.acked = !st->columnIsNull(2);
        if (d.acked) {
            d.sequence = std::uint64_t(st->columnInt(2));
            d.timeMs = std::uint64_t(st->columnInt(3));
            d.receivedMs = std::uint64_t(st->columnInt(4));
            // Stored only after it parsed and verified; a row that no longer parses keeps
            // everything (no held range is ever dropped by a damaged row).
            Bytes ack = st->columnBlob(5);
            auto parsed = journal::JournalAck::parse(ack);
            if (!parsed)
                d.keep.push_back({1, std::uint64_t(INT64_MAX)});
            else
                d.keep = parsed->keep;
        }
        out.push_back(std::move(d));
        return {};
    }));
    return out;
}

// The held ranges of acknowledgements stored by compliance devices that no longer count (revoked,
// by offboarding or otherwise). A legal hold is the firm's, not the officer's: revoking the
// officer who asked the relay to keep the entries does not release it, and their ranges stay
// kept while an active compliance device's archive may not hold the hold yet, i.e. until every
// active device acknowledged at least the former device's sequence `S`. From then on every
// current archive holds every hold and release journaled up to `S` (an archive acknowledges
// only what it holds and verified) and asks for whatever of them is still open itself; so a
// hold the former officer placed is released on the relay too once any current officer's
// journaled release reached every archive. `least`: the least acknowledged sequence of the
// active devices.
Result<std::vector<journal::SequenceRange>>
heldByFormerDevices(Database& db, const std::vector<ComplianceDevice>& active,
                    std::uint64_t least) {
    VERBATIM_TRY_LET(st, db.cached("SELECT user, device, ack FROM journal_acks"));
    std::vector<journal::SequenceRange> out;
    VERBATIM_TRY(st->forEachRow([&] {
        const std::string user = st->columnText(0);
        const auto device = std::uint32_t(st->columnInt(1));
        for (const auto& d : active)
            if (d.user == user && d.device == device) return;
        auto parsed = journal::JournalAck::parse(st->columnBlob(2));
        if (!parsed) {
            out.push_back({1, std::uint64_t(INT64_MAX)}); // as for an active device's row
            return;
        }
        if (least >= parsed->sequence) return; // retired: the current archives carry its holds
        out.insert(out.end(), parsed->keep.begin(), parsed->keep.end());
    }));
    return out;
}

Result<void> writePrunedThrough(Database& db, std::uint64_t through) {
    VERBATIM_TRY_LET(st, db.cached("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)"));
    const std::string v = std::to_string(through);
    st->bind(1, std::string_view(kPrunedKey)).bind(2, view(v));
    return st->run();
}

// (from, to] without the kept ranges, as half-open (a, b] pieces.
std::vector<std::pair<std::uint64_t, std::uint64_t>>
withoutKept(std::uint64_t from, std::uint64_t to, const std::vector<journal::SequenceRange>& keep) {
    std::vector<std::pair<std::uint64_t, std::uint64_t>> out;
    std::uint64_t at = from; // everything <= at is handled
    for (const auto& k : keep) {
        if (k.last <= at) continue;
        if (k.first > to) break;
        if (k.first - 1 > at) out.emplace_back(at, std::min(to, k.first - 1));
        at = std::max(at, k.last);
        if (at >= to) break;
    }
    if (at < to) out.emplace_back(at, to);
    return out;
}

} // namespace

Result<void> RelayService::loadPruneState(Database& db) {
    VERBATIM_TRY_LET(st, db.cached("SELECT value FROM meta WHERE key = ?"));
    st->bind(1, std::string_view(kPrunedKey));
    VERBATIM_TRY_LET(row, st->step());
    m_prunedThrough = 0;
    if (*row) {
        Bytes v = st->columnBlob(0);
        m_prunedThrough = std::strtoull(std::string(v.begin(), v.end()).c_str(), nullptr, 10);
    }
    return {};
}

Result<void> RelayService::fillPruneState(Database& db, proto::JournalPruneState& out) {
    out.set_head_sequence(m_chain.sequence());
    out.set_pruned_through(m_prunedThrough);
    VERBATIM_TRY_LET(devices, complianceDevices(db));
    std::uint64_t least = UINT64_MAX;
    for (const auto& d : *devices) {
        auto* a = out.add_acks();
        a->set_user(d.user);
        a->set_device(d.device);
        a->set_sequence(d.sequence);
        a->set_time_ms(d.timeMs);
        a->set_received_ms(d.receivedMs);
        a->set_kept_ranges(d.keep.size());
        least = std::min(least, d.acked ? d.sequence : 0);
    }
    out.set_acknowledged_through(devices->empty() ? 0 : least);
    VERBATIM_TRY_LET(rows, db.cached(std::string("SELECT count(*), coalesce(min(seq), 0) FROM ") +
                                     journalRowsTable(db)));
    VERBATIM_TRY(rows->step());
    out.set_rows(std::uint64_t(rows->columnInt(0)));
    out.set_oldest_kept(std::uint64_t(rows->columnInt(1)));
    return {};
}

Result<void> RelayService::checkPull(Database& db, std::uint64_t after, proto::JournalPage& page) {
    if (m_prunedThrough == 0) return {};
    if (after < m_prunedThrough) return reject(proto::STATUS_GONE, prunedText(m_prunedThrough));
    page.set_pruned_through(m_prunedThrough);
    // The first signed checkpoint at or after the boundary: where a new archive can start.
    VERBATIM_TRY_LET(cp,
                     db.cached("SELECT data FROM checkpoints WHERE seq >= ? ORDER BY seq LIMIT 1"));
    cp->bind(1, std::int64_t(m_prunedThrough));
    VERBATIM_TRY_LET(row, cp->step());
    if (*row) page.set_boundary_checkpoint(blobText(*cp, 0));
    return {};
}

Result<RelayService::PruneStep> RelayService::pruneJournalStep(Database& db) {
    PruneStep out;
    VERBATIM_TRY_LET(devices, complianceDevices(db));
    // Nobody archived what nobody acknowledged: no compliance device at all, or one that never
    // acknowledged, blocks pruning.
    if (devices->empty()) return out;
    std::uint64_t least = UINT64_MAX;
    std::vector<journal::SequenceRange> keep;
    for (const auto& d : *devices) {
        if (!d.acked) return out;
        least = std::min(least, d.sequence);
        keep.insert(keep.end(), d.keep.begin(), d.keep.end());
    }
    VERBATIM_TRY_LET(former, heldByFormerDevices(db, *devices, least));
    keep.insert(keep.end(), former->begin(), former->end());
    keep = journal::normalizeRanges(std::move(keep));
    // The acknowledged head row itself stays: an archive begins each pull by asking for the row
    // at its head (history-rewritten check), so the least acknowledged row must still be served.
    const std::uint64_t limit = least - 1;
    const std::uint64_t now = wallClockMs();
    VERBATIM_TRY_LET(refBlobs, db.cached("SELECT DISTINCT blob FROM blob_refs WHERE journal_seq > "
                                         "? AND journal_seq <= ?"));
    VERBATIM_TRY_LET(delRefs,
                     db.cached("DELETE FROM blob_refs WHERE journal_seq > ? AND journal_seq <= ?"));
    std::vector<Bytes> blobs;
    // Deletes the rows (a, b] and their blob references; their blobs are looked at below.
    auto drop = [&](std::uint64_t a, std::uint64_t b) -> Result<void> {
        refBlobs->bind(1, std::int64_t(a)).bind(2, std::int64_t(b));
        VERBATIM_TRY(refBlobs->forEachRow([&] { blobs.push_back(refBlobs->columnBlob(0)); }));
        delRefs->bind(1, std::int64_t(a)).bind(2, std::int64_t(b));
        VERBATIM_TRY(delRefs->run());
        // The metadata zeroed, the ciphertexts freed as they are (JournalRows.h).
        return deleteJournalRows(db, a, b);
    };
    // Rows below the boundary that a hold kept and that no acknowledgement keeps any more (the
    // hold was released, or a former officer's ranges retired) go too; their traces are in
    // journal_pruned since the boundary passed them. Below the boundary only kept rows remain,
    // so each look is a seek into an (almost) empty range.
    if (m_prunedThrough > 0) {
        VERBATIM_TRY_LET(kept, db.cached(std::string("SELECT count(*) FROM ") +
                                         journalRowsTable(db) + " WHERE seq > ? AND seq <= ?"));
        for (const auto& [a, b] : withoutKept(0, m_prunedThrough, keep)) {
            kept->bind(1, std::int64_t(a)).bind(2, std::int64_t(b));
            VERBATIM_TRY(kept->step());
            const auto n = std::uint64_t(kept->columnInt(0));
            (*kept)->reset();
            if (n == 0) continue;
            VERBATIM_TRY(drop(a, b));
            out.deleted += n;
        }
    }
    std::uint64_t last = m_prunedThrough, rows = 0;
    bool young = false;
    if (limit > m_prunedThrough) {
        const std::uint64_t window = std::uint64_t(m_config.journalPruneAfter.count());
        const std::uint64_t cutoff = now - std::min(now, window);
        VERBATIM_TRY_LET(pick, db.cached(std::string("SELECT seq, server_time_ms FROM ") +
                                         journalRowsTable(db) +
                                         " WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT ?"));
        pick->bind(1, std::int64_t(m_prunedThrough))
            .bind(2, std::int64_t(limit))
            .bind(3, std::int64_t(std::max<std::uint32_t>(1, m_config.journalPruneBatch)));
        VERBATIM_TRY(pick->forEachRow([&] {
            if (young) return;
            if (std::uint64_t(pick->columnInt(1)) > cutoff) {
                young = true; // within the safety window: it and everything after it stay
                return;
            }
            last = std::uint64_t(pick->columnInt(0));
            ++rows;
        }));
    }
    if (last != m_prunedThrough) {
        // The boundary first: if a delete below fails half-way the rows it leaves are past a
        // boundary that already refuses pulls below it, so no pull ever sees a silent gap.
        VERBATIM_TRY(writePrunedThrough(db, last));
        // What a new archive starting at the boundary needs of these rows (issue 22, boundary
        // snapshot): each one's hash, and the whole entry of those that carry state.
        VERBATIM_TRY(recordPrunedRows(db, m_prunedThrough, last));
        const std::uint64_t from = m_prunedThrough;
        m_prunedThrough = last;
        for (const auto& [a, b] : withoutKept(from, last, keep)) {
            VERBATIM_TRY(drop(a, b));
            out.deleted += b - a; // sequences have no gaps below the head
        }
    }
    // A blob goes once no row refers to it any more (a kept row, or a later send of the same
    // upload, keeps it).
    VERBATIM_TRY_LET(stillRef, db.cached("SELECT 1 FROM blob_refs WHERE blob = ? LIMIT 1"));
    VERBATIM_TRY_LET(mark, db.cached("UPDATE blobs SET deleted_ms = ? WHERE id = ? AND "
                                     "deleted_ms IS NULL"));
    for (const auto& id : blobs) {
        stillRef->bind(1, ByteView(id));
        VERBATIM_TRY_LET(referenced, stillRef->step());
        (*stillRef)->reset();
        if (*referenced) continue;
        mark->bind(1, std::int64_t(now)).bind(2, ByteView(id));
        VERBATIM_TRY(mark->run());
        if (db.engine()) { // the PostgreSQL store keeps the bytes in the database
            VERBATIM_TRY(execute(db, "DELETE FROM blob_chunks WHERE blob = ?", ByteView(id)));
        }
        out.blobs.push_back(id);
    }
    out.more = rows != 0 && rows == m_config.journalPruneBatch && !young && last < limit;
    return out;
}

// How long one visit of the pruner to the storage thread may go on with further steps when no
// request waits, and how long the pruner lets waiting requests go first before it takes the
// storage thread anyway. A visit is short because a request that the storage thread took into
// its next batch just before the visit began is not seen waiting, and waits for the whole visit.
constexpr auto kPruneVisit = std::chrono::milliseconds(2);
constexpr auto kPruneYieldAtMost = std::chrono::milliseconds(50);

bool RelayService::runPruneStep(std::uint64_t* deleted) {
    // Requests go first: a visit begins only once no job waits for the storage thread (or after
    // kPruneYieldAtMost, so a relay that is never idle still prunes).
    const auto yieldUntil = std::chrono::steady_clock::now() + kPruneYieldAtMost;
    while (m_storage->queued() > 0 && std::chrono::steady_clock::now() < yieldUntil)
        std::this_thread::sleep_for(std::chrono::microseconds(200));
    struct Visit {
        std::uint64_t deleted = 0, steps = 0, blobs = 0;
        bool more = false;
    };
    // Each step is a transaction of its own, between the storage thread's batches, never inside
    // one: a send is never committed together with (and after) a step's freed pages, and the
    // group-commit window, which waits for more jobs when they keep arriving, is not spent
    // between two steps. Steps run back to back until a job waits or the visit's time is up, so
    // a send that arrives waits for the rest of one step at most.
    auto answer = std::make_shared<std::promise<Result<Visit>>>();
    auto future = answer->get_future();
    m_storage->postBetweenBatches([this, answer](Database& db) {
        const auto until = std::chrono::steady_clock::now() + kPruneVisit;
        Visit visit;
        auto oneStep = [&]() -> Result<PruneStep> {
            VERBATIM_TRY(db.begin());
            auto step = [&]() -> Result<PruneStep> {
                // What another node committed (the batch start hook's work, as for a batch).
                VERBATIM_TRY(syncExternalChanges(db));
                VERBATIM_TRY_LET(done, pruneJournalStep(db));
                VERBATIM_TRY(db.commit());
                return std::move(*done);
            }();
            if (!step) {
                db.rollback();
                (void)loadState(db); // the boundary moved in memory before the delete
            }
            return step;
        };
        do {
            auto step = oneStep();
            if (!step) {
                answer->set_value(tl::unexpected(step.error()));
                return;
            }
            // Files after COMMIT, as the blob sweep does: a crash in between leaves files
            // without live rows, which BlobStore::open() removes at the next start.
            m_blobs->removeFiles(step->blobs);
            visit.deleted += step->deleted;
            visit.blobs += step->blobs.size();
            ++visit.steps;
            visit.more = step->more;
        } while (visit.more && m_storage->queued() == 0 &&
                 std::chrono::steady_clock::now() < until);
        if (visit.deleted)
            log::write(log::Level::Info, "journal.pruned",
                       {{"rows", std::to_string(visit.deleted)},
                        {"blobs", std::to_string(visit.blobs)},
                        {"steps", std::to_string(visit.steps)}});
        answer->set_value(visit);
    });
    Result<Visit> visit;
    try {
        visit = future.get();
    } catch (const std::future_error&) {
        return false; // the storage thread stopped before the visit ran
    }
    if (!visit) {
        log::write(log::Level::Warn, "journal.prune_failed", {{"error", visit.error().message}});
        return false;
    }
    m_prunedRows += visit->deleted;
    if (deleted) *deleted += visit->deleted;
    return visit->more;
}

Result<std::uint64_t> RelayService::pruneJournalNow() {
    std::uint64_t deleted = 0;
    while (runPruneStep(&deleted)) {
    }
    return deleted;
}

Result<proto::JournalPruneState> RelayService::journalPruneState() {
    Result<proto::JournalPruneState> out = proto::JournalPruneState();
    m_storage->runSync([&](Database& db) {
        if (auto r = syncExternalChanges(db); !r) {
            out = tl::unexpected(r.error());
            return;
        }
        if (auto r = fillPruneState(db, *out); !r) out = tl::unexpected(r.error());
    });
    return out;
}

void RelayService::onAckJournal(const DeviceId& from, proto::Request& request, Done& done,
                                const RequestRun& run) {
    if (from.role != proto::ROLE_COMPLIANCE)
        return done(errorResponse(proto::STATUS_FORBIDDEN, "compliance role required"));
    auto ack = journal::JournalAck::parse(view(request.ack_journal().ack()));
    if (!ack)
        return done(errorResponse(proto::STATUS_BAD_REQUEST,
                                  "journal acknowledgement malformed: " + ack.error().message));
    if (ack->user != from.user || ack->device != from.device)
        return done(errorResponse(proto::STATUS_FORBIDDEN,
                                  "a compliance device acknowledges only as itself"));
    if (ack->firmFingerprint != m_config.firmFingerprint)
        return done(errorResponse(proto::STATUS_FORBIDDEN,
                                  "the acknowledgement names another firm than this relay's"));
    if (!ack->verifies(from.identityKey))
        return done(errorResponse(proto::STATUS_BAD_REQUEST,
                                  "journal acknowledgement signature does not verify"));
    return run([this, from, ack = std::move(*ack), raw = request.ack_journal().ack()](
                   Database& db, proto::Response& out) -> Result<Completion> {
        const std::uint64_t head = m_chain.sequence();
        if (ack.sequence > head)
            return reject(proto::STATUS_BAD_REQUEST,
                          "the acknowledgement names sequence " + std::to_string(ack.sequence) +
                              ", beyond the relay's head " + std::to_string(head));
        if (ack.sequence <= m_prunedThrough)
            return reject(proto::STATUS_GONE,
                          prunedText(m_prunedThrough) + "; acknowledge a sequence after it");
        journal::ChainHash ours = m_chain.head();
        if (ack.sequence < head) {
            VERBATIM_TRY_LET(st, db.cached(std::string("SELECT chain_hash FROM ") +
                                           journalRowsTable(db) + " WHERE seq = ?"));
            st->bind(1, std::int64_t(ack.sequence));
            VERBATIM_TRY_LET(row, st->step());
            Bytes h = *row ? st->columnBlob(0) : Bytes();
            // A kept row below the boundary cannot be asked for (refused above); any other
            // sequence up to the head has its row.
            if (h.size() != ours.size())
                return fail(ErrorCode::Storage, "journal chain hash is damaged");
            std::copy(h.begin(), h.end(), ours.begin());
        }
        if (!constantTimeEqual(ByteView(ours.data(), ours.size()),
                               ByteView(ack.chainHash.data(), ack.chainHash.size())))
            return reject(proto::STATUS_CONFLICT,
                          "the acknowledged chain hash differs from the relay's at sequence " +
                              std::to_string(ack.sequence) +
                              ": the archive and the relay disagree (run verbatim-journal verify); "
                              "nothing was stored");
        VERBATIM_TRY_LET(prev, db.cached("SELECT seq, time_ms FROM journal_acks WHERE user = ? AND "
                                         "device = ?"));
        prev->bind(1, std::string_view(from.user)).bind(2, std::int64_t(from.device));
        VERBATIM_TRY_LET(had, prev->step());
        if (*had) {
            const auto seq = std::uint64_t(prev->columnInt(0));
            const auto time = std::uint64_t(prev->columnInt(1));
            if (ack.timeMs <= time)
                return reject(proto::STATUS_CONFLICT,
                              "this acknowledgement is not newer than the one this device made "
                              "before (a replay?); nothing was stored");
            if (ack.sequence < seq)
                return reject(proto::STATUS_CONFLICT,
                              "this device acknowledged up to sequence " + std::to_string(seq) +
                                  " before: an acknowledgement never moves back; nothing was "
                                  "stored");
        }
        (*prev)->reset();
        const std::uint64_t now = wallClockMs();
        VERBATIM_TRY(execute(db,
                             "INSERT OR REPLACE INTO journal_acks (user, device, seq, chain_hash, "
                             "time_ms, received_ms, ack) VALUES (?, ?, ?, ?, ?, ?, ?)",
                             std::string_view(from.user), std::int64_t(from.device),
                             std::int64_t(ack.sequence),
                             ByteView(ack.chainHash.data(), ack.chainHash.size()),
                             std::int64_t(ack.timeMs), std::int64_t(now), view(raw)));
        const std::string who = from.user + "/" + std::to_string(from.device);
        VERBATIM_TRY(recordAdminAction(db, who, "journal-acknowledged", who,
                                       "through " + std::to_string(ack.sequence),
                                       {{"sequence", std::to_string(ack.sequence)},
                                        {"kept_ranges", std::to_string(ack.keep.size())}}));
        VERBATIM_TRY(fillPruneState(db, *out.mutable_journal_prune_state()));
        return Completion([this] {
            if (m_pruner) m_pruner->kick();
        });
    });
}

} // namespace verbatim::relay
