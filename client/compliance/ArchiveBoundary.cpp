/// @file ArchiveBoundary.cpp
/// Issue 22: an archive that starts at the relay's pruned boundary (verbatim-journal pull
/// --from-pruned-boundary). The relay's signed boundary snapshot lists every pruned entry's hash
/// and gives the state entries in full; the archive recomputes chain[P] from it, checks and
/// stores the state entries at their own sequences (each anchored on the chain hash before it),
/// and pulls on after P. verify checks the stored snapshot again and reports the range before P
/// as pruned by design; an acknowledgement that came with the snapshot co-signs the chain through
/// it only when its device's identity key is known independently of the relay (the pulling
/// device's own, or one the operator gave with --cosigner) and its user is a compliance officer.
/// docs/protocol.md, "Boundary snapshot".
#include "common/Try.h"
#include "compliance/ArchiveImpl.h"

#include <cstring>

#include "journal/BoundarySnapshot.h"
#include "journal/JournalAck.h"
#include "verbatim.pb.h"

namespace verbatim::compliance {

namespace {
constexpr const char* kSnapshotKey = "boundary_snapshot";
constexpr const char* kBoundaryKey = "boundary_seq";
/// The co-signers known independently of the relay, one "USER/DEVICE:HEXKEY" a line.
constexpr const char* kCosignersKey = "boundary_cosigners";
/// "1" when the start was allowed without such a co-signer (--trust-relay-prefix).
constexpr const char* kTrustRelayKey = "boundary_trust_relay";

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

/// What rests on whose word, said at every start and every verify (review of issue 22, item 4).
std::string absentByDesign(std::uint64_t boundary) {
    const std::string p = std::to_string(boundary);
    return "entries 1.." + p + " are absent by design (pruned by the relay); that they were " +
           "these entries, and which of them carry state, rests on the relay's signature; " +
           "the state entries kept from them rest on their signers' signatures; the chain " +
           "through seq " + p + " rests on the co-signers named below, if any";
}

std::string cosignerLine(const std::string& user, std::uint32_t device, ByteView key) {
    return user + "/" + std::to_string(device) + ":" + toHex(key);
}

/// The stored co-signers: (user, device) -> identity key.
std::map<std::pair<std::string, std::uint32_t>, Bytes> parseCosigners(const std::string& text) {
    std::map<std::pair<std::string, std::uint32_t>, Bytes> out;
    std::size_t at = 0;
    while (at < text.size()) {
        std::size_t end = text.find('\n', at);
        if (end == std::string::npos) end = text.size();
        auto one = parseCosigner(text.substr(at, end - at));
        if (one) out[{one->user, one->device}] = one->identityKey;
        at = end + 1;
    }
    return out;
}

/// The state rows 1..through (Archive::stateRows): what the relay keeps whole when it prunes,
/// judged from the opened records rather than from what the relay says.
Result<std::vector<std::uint64_t>> stateRowSequences(Database& db, std::uint64_t through) {
    VERBATIM_TRY_LET(q, db.prepare("SELECT r.seq FROM records r WHERE r.seq <= ?1 AND ((r.user = "
                                   "'relay' AND r.device = 0) OR r.type = ?2 OR (r.type = ?3 AND "
                                   "EXISTS (SELECT 1 FROM users u WHERE u.id = r.user AND u.role "
                                   "= 'ROLE_COMPLIANCE'))) ORDER BY r.seq"));
    q->bind(1, std::int64_t(std::min<std::uint64_t>(through, INT64_MAX)))
        .bind(2, std::int64_t(proto::NOTICE_ACCEPTED))
        .bind(3, std::int64_t(proto::SUPERVISION));
    std::vector<std::uint64_t> out;
    VERBATIM_TRY(q->forEachRow(
        [&](storage::Statement& s) { out.push_back(std::uint64_t(s.columnInt(0))); }));
    return out;
}

Result<std::string> metaText(Database& db, const char* key) {
    VERBATIM_TRY_LET(q, db.prepare("SELECT v FROM meta WHERE k = ?"));
    q->bind(1, std::string_view(key));
    VERBATIM_TRY_LET(row, q->step());
    return *row ? str(q->columnBlob(0)) : std::string();
}
} // namespace

Result<KnownCosigner> parseCosigner(const std::string& text) {
    const auto colon = text.rfind(':');
    const auto slash = colon == std::string::npos ? colon : text.rfind('/', colon);
    auto bad = [&](const std::string& why) -> Result<KnownCosigner> {
        return fail(ErrorCode::InvalidArgument,
                    "--cosigner '" + text + "' is not USER/DEVICE:HEXKEY: " + why);
    };
    if (slash == std::string::npos || slash == 0) return bad("no USER/DEVICE before the ':'");
    KnownCosigner c;
    c.user = text.substr(0, slash);
    const std::string dev = text.substr(slash + 1, colon - slash - 1);
    if (dev.empty() || dev.size() > 9 || dev.find_first_not_of("0123456789") != std::string::npos)
        return bad("DEVICE is a device number");
    c.device = std::uint32_t(std::stoul(dev));
    auto key = fromHex(text.substr(colon + 1));
    if (!key || key->size() != 33 || (*key)[0] != 0x05)
        return bad("the identity key is 66 hex digits starting 05, as the device's pull prints it");
    c.identityKey = std::move(*key);
    return c;
}

std::uint64_t Archive::startedAtBoundary() const {
    return m->boundary;
}

Result<std::vector<std::uint64_t>> Archive::stateRows(std::uint64_t through) {
    return stateRowSequences(*m->db, through);
}

Result<BoundaryStart> Archive::startAtBoundary(ByteView snapshotBytes,
                                               std::uint64_t relayPrunedThrough,
                                               ByteView boundaryCheckpoint,
                                               const std::vector<KnownCosigner>& cosigners,
                                               bool trustRelayPrefix) {
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
    std::string known;
    for (const auto& c : cosigners)
        known += cosignerLine(c.user, c.device, c.identityKey) + "\n";
    const std::string trust = trustRelayPrefix ? "1" : "0";
    {
        storage::Transaction tx(*m->db);
        VERBATIM_TRY(tx.begin());
        VERBATIM_TRY_LET(st, m->db->cached("INSERT OR REPLACE INTO meta (k, v) VALUES (?, ?)"));
        st->bind(1, std::string_view(kSnapshotKey)).bind(2, ByteView(whole));
        VERBATIM_TRY(st->run());
        st->bind(1, std::string_view(kBoundaryKey)).bind(2, view(at));
        VERBATIM_TRY(st->run());
        st->bind(1, std::string_view(kCosignersKey)).bind(2, view(known));
        VERBATIM_TRY(st->run());
        st->bind(1, std::string_view(kTrustRelayKey)).bind(2, view(trust));
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
    out.absentByDesign = absentByDesign(snap.boundary);
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
    report.boundary.push_back(absentByDesign(snap->boundary));
    return std::move(*checked);
}

Result<std::vector<std::string>> Archive::Impl::boundaryCosigners(VerifyReport& report,
                                                                  std::vector<Problem>& found) {
    std::vector<std::string> lines;
    if (!boundary) return lines;
    VERBATIM_TRY_LET(q, db->prepare("SELECT v FROM meta WHERE k = ?"));
    q->bind(1, std::string_view(kSnapshotKey));
    VERBATIM_TRY_LET(row, q->step());
    if (!*row) return lines; // verifyBoundary() reports it
    auto snap = journal::BoundarySnapshot::parse(q->columnBlob(0));
    if (!snap) return lines;
    VERBATIM_TRY_LET(knownText, metaText(*db, kCosignersKey));
    VERBATIM_TRY_LET(trust, metaText(*db, kTrustRelayKey));
    const auto known = parseCosigners(*knownText);
    std::map<std::string, std::string> roles;
    {
        VERBATIM_TRY_LET(r, db->prepare("SELECT id, role FROM users"));
        VERBATIM_TRY(r->forEachRow(
            [&](storage::Statement& s) { roles[s.columnText(0)] = s.columnText(1); }));
    }
    VERBATIM_TRY_LET(at, db->prepare("SELECT chain_hash FROM entries WHERE seq = ?"));
    std::size_t pending = 0, relayOnly = 0, unattested = 0;
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
        // Review of issue 22, finding 1: a key the relay's own records give proves nothing about
        // the relay (it writes those records); only a key known without it does.
        auto key = known.find({ack->user, ack->device});
        if (key == known.end()) { // ct-ok: an iterator
            ++relayOnly;
            continue;
        }
        if (ack->sequence <= snap->boundary || ack->sequence > state.headSeq) {
            ++pending; // not (yet) within what this archive holds
            continue;
        }
        if (!ack->verifies(key->second)) {
            found.push_back({ack->sequence, "boundary-snapshot",
                             "the acknowledgement of " + who +
                                 " that came with the boundary snapshot is not signed by the "
                                 "identity key known for that device: forged"});
            continue;
        }
        if (roles[ack->user] != "ROLE_COMPLIANCE") {
            found.push_back({ack->sequence, "boundary-snapshot",
                             "the acknowledgement of " + who + " co-signs nothing: " + ack->user +
                                 " is not a compliance officer in the relay's records"});
            continue;
        }
        auto reg = state.registry.find({ack->user, ack->device});
        if (reg == state.registry.end() ||
            reg->second.identityKey != key->second) { // ct-ok: public keys
            found.push_back({ack->sequence, "boundary-snapshot",
                             "the relay's records register another identity key (or none) for " +
                                 who + " than the one known for it independently of the relay"});
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
        // Review of issue 22, M1: which pruned rows carry state is the relay's word in the
        // snapshot (a state row listed as a bare hash would go unnoticed); a version 2
        // acknowledgement attests the state rows the co-signer's archive holds through its
        // sequence, judged from the opened records, and this archive must hold the same.
        if (ack->stateRows) {
            VERBATIM_TRY_LET(mine, stateRowSequences(*db, ack->sequence));
            if (journal::stateRowsDigest(*mine) != *ack->stateRows) { // ct-ok: public digests
                found.push_back(
                    {snap->boundary, "boundary-snapshot",
                     who + "'s acknowledgement through seq " + std::to_string(ack->sequence) +
                         " attests other state rows than the " + std::to_string(mine->size()) +
                         " this archive holds through it: the boundary snapshot lists a state "
                         "row (a relay record, a notice acceptance or an officer's supervision "
                         "record) as a bare hash"});
                continue;
            }
        } else {
            // A version 1 acknowledgement says nothing of which pruned rows carry state, and
            // nothing marks it as its device's latest: a relay that kept an old one could
            // replay it beside a snapshot that lists a hold as a bare hash. It co-signs nothing.
            ++unattested;
            report.warnings.push_back(
                {snap->boundary, "boundary-state-unattested",
                 who + "'s acknowledgement through seq " + std::to_string(ack->sequence) +
                     " is of version 1: it does not attest which pruned rows carry state, so it "
                     "co-signs nothing (that device acknowledges again with this version)"});
            continue;
        }
        lines.push_back("chain through the boundary co-signed by " + who +
                        "'s acknowledgement through seq " + std::to_string(ack->sequence) +
                        " (its key known independently of the relay)");
    }
    if (lines.empty()) {
        const std::string why =
            "no acknowledgement of a compliance device whose identity key is known independently "
            "of the relay co-signs the chain through the boundary (" +
            std::to_string(snap->acks.size()) +
            " came with the snapshot: " + std::to_string(relayOnly) +
            " of devices only the relay vouches for, " + std::to_string(pending) +
            " of known devices beyond what the archive holds, " + std::to_string(unattested) +
            " of version 1, which attest no state rows)";
        if (*trust == "1")
            report.warnings.push_back(
                {snap->boundary, "boundary-relay-word",
                 why + ": started with --trust-relay-prefix, so the state of entries 1.." +
                     std::to_string(snap->boundary) + " rests on the relay's word alone"});
        else
            found.push_back({snap->boundary, "boundary-snapshot",
                             why + ": the pruned prefix would rest on the relay's word alone "
                                   "(give --cosigner USER/DEVICE:KEY, or --trust-relay-prefix)"});
    }
    return lines;
}

} // namespace verbatim::compliance
