/// @file ArchiveBoundary.cpp
/// Issue 22: an archive that starts at the relay's pruned boundary (verbatim-journal pull
/// --from-pruned-boundary). The relay's signed boundary snapshot lists every pruned entry's hash
/// and gives the state entries in full; the archive recomputes chain[P] from it, checks and
/// stores the state entries at their own sequences (each anchored on the chain hash before it),
/// and pulls on after P. verify checks the stored snapshot again and reports the range before P
/// as pruned by design; the compliance devices' acknowledgements that came with the snapshot
/// co-sign the chain through it. docs/protocol.md, "Boundary snapshot".
#include "common/Try.h"
#include "compliance/ArchiveImpl.h"

#include <cstring>

#include "journal/BoundarySnapshot.h"
#include "journal/JournalAck.h"

namespace verbatim::compliance {

namespace {
constexpr const char* kSnapshotKey = "boundary_snapshot";
constexpr const char* kBoundaryKey = "boundary_seq";

std::string hex8(const journal::ChainHash& h) {
    return toHex(ByteView(h.data(), 8)) + "...";
}

/// The snapshot as checked against the archive's relay key: everything but the relay's current
/// boundary (only a pull knows it). Returns the anchors of the state entries.
Result<std::map<std::uint64_t, journal::ChainHash>>
checkSnapshot(const journal::BoundarySnapshot& s, ByteView relayPublicKey) {
    if (!journal::verifyBoundarySignature(s, relayPublicKey))
        return fail(ErrorCode::AuthFailed,
                    "the boundary snapshot is not signed by the relay key the firm manifest names");
    auto anchors = journal::verifyBoundaryRows(s);
    if (!anchors) return fail(ErrorCode::Malformed, anchors.error().message);
    return anchors;
}
} // namespace

std::uint64_t Archive::startedAtBoundary() const {
    return m->boundary;
}

Result<BoundaryStart> Archive::startAtBoundary(ByteView snapshotBytes,
                                               std::uint64_t relayPrunedThrough,
                                               ByteView boundaryCheckpoint) {
    if (!m->manifest)
        return fail(ErrorCode::InvalidArgument, "the archive has no firm manifest yet");
    VERBATIM_TRY_LET(held, size());
    if (m->state.headSeq != 0 || held->first != 0)
        return fail(ErrorCode::InvalidArgument,
                    "this archive already holds entries: --from-pruned-boundary starts a new "
                    "archive only");
    auto parsed = journal::BoundarySnapshot::parse(snapshotBytes);
    if (!parsed)
        return fail(ErrorCode::Malformed,
                    "the boundary snapshot is malformed: " + parsed.error().message);
    const auto& snap = *parsed;
    VERBATIM_TRY_LET(anchors, checkSnapshot(snap, m->manifest->relayPublicKey));
    if (relayPrunedThrough == 0)
        return fail(ErrorCode::InvalidArgument,
                    "the relay has pruned nothing: pull without --from-pruned-boundary");
    if (snap.boundary != relayPrunedThrough)
        return fail(ErrorCode::Conflict, "the boundary snapshot is for entries 1.." +
                                             std::to_string(snap.boundary) +
                                             " but the relay has pruned entries 1.." +
                                             std::to_string(relayPrunedThrough) +
                                             ": an older snapshot (replayed?) or another relay's");
    if (!boundaryCheckpoint.empty()) {
        auto cp = journal::Checkpoint::parse(boundaryCheckpoint);
        if (!cp || !journal::verifyCheckpoint(*cp, m->manifest->relayPublicKey))
            return fail(ErrorCode::AuthFailed,
                        "the relay's boundary checkpoint is not signed by its key");
        if (cp->sequence < snap.boundary)
            return fail(ErrorCode::Malformed,
                        "the relay's boundary checkpoint lies before its pruned boundary");
        if (cp->sequence == snap.boundary && cp->chainHash != snap.chainHash) // ct-ok: public
            return fail(ErrorCode::Conflict,
                        "the boundary snapshot's chain hash at seq " +
                            std::to_string(snap.boundary) +
                            " differs from the relay's signed checkpoint there");
    }

    // Where the archive starts: written first, so that a start cut short is started again
    // (the archive still holds no entry) rather than read as a log with a gap.
    const Bytes whole = snap.serialize();
    const std::string at = std::to_string(snap.boundary);
    {
        storage::Transaction tx(*m->db);
        VERBATIM_TRY(tx.begin());
        VERBATIM_TRY_LET(st, m->db->cached("INSERT OR REPLACE INTO meta (k, v) VALUES (?, ?)"));
        st->bind(1, std::string_view(kSnapshotKey)).bind(2, ByteView(whole));
        VERBATIM_TRY(st->run());
        st->bind(1, std::string_view(kBoundaryKey)).bind(2, view(at));
        VERBATIM_TRY(st->run());
        VERBATIM_TRY(tx.commit());
    }
    m->boundary = snap.boundary;
    m->state = {};
    m->state.chainsFrom = snap.boundary;

    // The state entries through the same checks as pulled rows, each anchored on chain[s-1].
    std::vector<Decoded> rows;
    std::vector<Problem> problems;
    std::uint64_t checkpoints = 0;
    for (const auto& r : snap.rows) {
        if (r.entry.empty()) continue;
        const journal::ChainHash& before = anchors->at(r.sequence);
        const journal::ChainHash after = journal::nextChainHash(before, r.sequence, r.entry);
        std::vector<Decoded> one(1);
        Decoded& d = one.front();
        d.seq = r.sequence;
        d.serverTimeMs = r.serverTimeMs;
        d.entry = str(r.entry);
        d.chainHash.assign(reinterpret_cast<const char*>(after.data()), after.size());
        m->state.headSeq = r.sequence - 1;
        m->state.head = before;
        m->check(one, {}, m->state, problems, checkpoints, 1);
        rows.push_back(std::move(d));
    }
    m->state.headSeq = snap.boundary;
    m->state.head = snap.chainHash;
    PullStats stats;
    const BlobSource none = [](const std::string&, std::uint64_t) -> Result<std::string> {
        return fail(ErrorCode::NotFound, "a pruned entry's attachment is not fetched");
    };
    VERBATIM_TRY(m->store(rows, {}, problems, none, stats, m->state.headSeq, m->state.head,
                          m->snapshot(m->state)));
    if (!rows.empty()) VERBATIM_TRY(m->judgeStored());
    BoundaryStart out;
    out.boundary = snap.boundary;
    out.chainHash = toHex(ByteView(snap.chainHash.data(), snap.chainHash.size()));
    out.relayKey = toHex(m->manifest->relayPublicKey);
    out.stateEntries = rows.size();
    return out;
}

Result<std::map<std::uint64_t, journal::ChainHash>>
Archive::Impl::verifyBoundary(VerifyReport& report, std::vector<Problem>& found) {
    std::map<std::uint64_t, journal::ChainHash> anchors;
    if (!boundary) return anchors;
    VERBATIM_TRY_LET(q, db->prepare("SELECT v FROM meta WHERE k = ?"));
    q->bind(1, std::string_view(kSnapshotKey));
    VERBATIM_TRY_LET(row, q->step());
    const Bytes bytes = *row ? q->columnBlob(0) : Bytes();
    auto snap = journal::BoundarySnapshot::parse(bytes);
    if (!snap || snap->boundary != boundary) {
        found.push_back({1, "boundary-snapshot",
                         "the archive starts at pruned boundary " + std::to_string(boundary) +
                             " but its stored boundary snapshot is missing or damaged"});
        return anchors;
    }
    auto checked = checkSnapshot(*snap, manifest->relayPublicKey);
    if (!checked) {
        found.push_back(
            {snap->boundary, "boundary-snapshot",
             "the stored boundary snapshot no longer holds: " + checked.error().message});
        return anchors;
    }
    checked->emplace(snap->boundary + 1, snap->chainHash); // where the rows after it start
    report.boundary.push_back(
        "starts at pruned boundary " + std::to_string(snap->boundary) + ", chain hash " +
        toHex(ByteView(snap->chainHash.data(), snap->chainHash.size())) +
        ", snapshot signed by relay key " + toHex(manifest->relayPublicKey) + " at " +
        isoTime(snap->timeMs) + "; entries 1.." + std::to_string(snap->boundary) +
        " were pruned by design (" + std::to_string(checked->size() - 1) +
        " state entries kept from them)");
    return std::move(*checked);
}

Result<std::vector<std::string>> Archive::Impl::boundaryCosigners(std::vector<Problem>& found) {
    std::vector<std::string> lines;
    if (!boundary) return lines;
    VERBATIM_TRY_LET(q, db->prepare("SELECT v FROM meta WHERE k = ?"));
    q->bind(1, std::string_view(kSnapshotKey));
    VERBATIM_TRY_LET(row, q->step());
    if (!*row) return lines; // verifyBoundary() reports it
    auto snap = journal::BoundarySnapshot::parse(q->columnBlob(0));
    if (!snap) return lines;
    VERBATIM_TRY_LET(at, db->prepare("SELECT chain_hash FROM entries WHERE seq = ?"));
    std::size_t pending = 0;
    for (const auto& raw : snap->acks) {
        auto ack = journal::JournalAck::parse(raw);
        if (!ack) {
            found.push_back({snap->boundary, "boundary-snapshot",
                             "an acknowledgement that came with the boundary snapshot does not "
                             "parse: " +
                                 ack.error().message});
            continue;
        }
        const std::string who = deviceName(ack->user, ack->device);
        if (ack->sequence <= snap->boundary || ack->sequence > state.headSeq) {
            ++pending; // not (yet) within what this archive holds
            continue;
        }
        auto reg = state.registry.find({ack->user, ack->device});
        if (reg == state.registry.end() || !ack->verifies(reg->second.identityKey)) {
            found.push_back({ack->sequence, "boundary-snapshot",
                             "the acknowledgement of " + who +
                                 " that came with the boundary snapshot is not signed by that "
                                 "device's registered key: forged"});
            continue;
        }
        at->bind(1, std::int64_t(ack->sequence));
        VERBATIM_TRY_LET(has, at->step());
        const Bytes mine = *has ? at->columnBlob(0) : Bytes();
        at->reset();
        if (mine.size() != 32 ||
            std::memcmp(mine.data(), ack->chainHash.data(), 32) != 0) { // ct-ok: public hashes
            found.push_back(
                {ack->sequence, "boundary-snapshot",
                 who + " acknowledged chain hash " + hex8(ack->chainHash) + " at seq " +
                     std::to_string(ack->sequence) +
                     "; the chain from the boundary snapshot gives another there: the pruned "
                     "entries the snapshot lists are not the ones that archive verified"});
            continue;
        }
        lines.push_back("chain through the boundary co-signed by " + who +
                        "'s acknowledgement through seq " + std::to_string(ack->sequence));
    }
    if (lines.empty())
        found.push_back(
            {snap->boundary, "boundary-snapshot",
             "no compliance acknowledgement co-signs the chain through the boundary (" +
                 std::to_string(snap->acks.size()) + " came with the snapshot, " +
                 std::to_string(pending) +
                 " beyond what the archive holds): the pruned prefix rests on the relay's word "
                 "alone"});
    return lines;
}

} // namespace verbatim::compliance
