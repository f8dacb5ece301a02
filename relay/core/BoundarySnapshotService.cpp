/// @file BoundarySnapshotService.cpp
/// RelayService's boundary snapshot (issue 22): what pruning leaves of each journal row it
/// deletes (its sequence, the SHA-256 of its entry, and the whole entry when the row carries
/// state a later entry is judged by), and PullBoundarySnapshot, which serves that list with a
/// header the relay signs (P, chain[P], time) and the compliance devices' stored
/// acknowledgements, so that a new archive can start at the boundary (verbatim-journal pull
/// --from-pruned-boundary). docs/protocol.md, "Boundary snapshot".

#include "journal/BoundarySnapshot.h"
#include "relay/core/RelayServiceImpl.h"

#include <set>

namespace verbatim::relay {

using namespace impl;

namespace {
constexpr const char* kPrunedChainKey = "journal_pruned_chain";
/// The first sequence whose state was decided at its send (schema 17); rows before it were
/// classified once, when the store was first opened at schema 17.
constexpr const char* kStateFromKey = "journal_state_from";
/// A page of the snapshot holds about this many bytes (hashes and entries).
constexpr std::size_t kSnapshotPageBytes = 8u << 20;
} // namespace

namespace impl {

Result<void> recordStateRow(Database& db, std::uint64_t seq, int kind) {
    VERBATIM_TRY_LET(st,
                     db.cached("INSERT OR IGNORE INTO journal_state (seq, kind) VALUES (?, ?)"));
    st->bind(1, std::int64_t(seq)).bind(2, std::int64_t(kind));
    return st->run();
}

Result<void> freezeLegacyStateRows(Database& db) {
    {
        VERBATIM_TRY_LET(
            have, exists(db, "SELECT 1 FROM meta WHERE key = ?", std::string_view(kStateFromKey)));
        if (*have) return {};
    }
    // Rows stored before schema 17 carry no declaration: they are classified here, once, by what
    // the relay knew of them before (a compliance sender, a recorded notice acceptance), and
    // never again, whatever becomes of the sender's role afterwards.
    VERBATIM_TRY(db.begin());
    auto freeze = [&]() -> Result<void> {
        std::set<std::string> compliance;
        {
            VERBATIM_TRY_LET(u, db.prepare("SELECT id FROM users WHERE role = ?"));
            u->bind(1, std::int64_t(proto::ROLE_COMPLIANCE));
            VERBATIM_TRY(u->forEachRow([&] { compliance.insert(u->columnText(0)); }));
        }
        std::uint64_t head = 0;
        VERBATIM_TRY_LET(rows, db.prepare("SELECT seq, entry FROM journal ORDER BY seq"));
        VERBATIM_TRY(rows->forEachRow([&]() -> Result<void> {
            head = std::uint64_t(rows->columnInt(0));
            if (compliance.empty()) return {};
            auto sealed = journal::SealedEntry::parse(rows->columnBlob(1));
            if (sealed && compliance.count(sealed->header.senderUser))
                return recordStateRow(db, head, kStateSupervision);
            return {};
        }));
        VERBATIM_TRY_LET(notices, db.prepare("SELECT journal_seq FROM notices WHERE journal_seq "
                                             "IS NOT NULL"));
        std::vector<std::uint64_t> noticeSeqs;
        VERBATIM_TRY(notices->forEachRow(
            [&] { noticeSeqs.push_back(std::uint64_t(notices->columnInt(0))); }));
        for (auto seq : noticeSeqs)
            VERBATIM_TRY(recordStateRow(db, seq, kStateNotice));
        // Pruned rows are gone; the head may be a pruned one's successor.
        VERBATIM_TRY_LET(pruned, db.prepare("SELECT coalesce(max(seq), 0) FROM journal_pruned"));
        VERBATIM_TRY(pruned->step());
        head = std::max(head, std::uint64_t(pruned->columnInt(0)));
        const std::string from = std::to_string(head + 1);
        return execute(db, "INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)",
                       std::string_view(kStateFromKey), view(from));
    }();
    if (!freeze) {
        db.rollback();
        return freeze;
    }
    return db.commit();
}

} // namespace impl

Result<void> RelayService::recordPrunedRows(Database& db, std::uint64_t from, std::uint64_t last) {
    // Which rows are state rows was decided when each was stored (issue 22, M1): the relay's
    // own rows (sender relay/0 in the signed header: every ADMIN_ACTION) and the rows table
    // journal_state names (a compliance device's declared supervision records, declared notice
    // acceptances). Nothing current (a sender's role now) counts. Every other row leaves only
    // its hash.
    std::set<std::uint64_t> state;
    {
        VERBATIM_TRY_LET(n, db.cached("SELECT seq FROM journal_state WHERE seq > ? AND seq <= ?"));
        n->bind(1, std::int64_t(from)).bind(2, std::int64_t(last));
        VERBATIM_TRY(n->forEachRow([&] { state.insert(std::uint64_t(n->columnInt(0))); }));
    }
    VERBATIM_TRY_LET(rows, db.cached("SELECT seq, entry, chain_hash, server_time_ms FROM journal "
                                     "WHERE seq > ? AND seq <= ? ORDER BY seq"));
    VERBATIM_TRY_LET(ins, db.cached("INSERT OR REPLACE INTO journal_pruned (seq, entry_sha256, "
                                    "server_time_ms, entry) VALUES (?, ?, ?, ?)"));
    rows->bind(1, std::int64_t(from)).bind(2, std::int64_t(last));
    Bytes lastChain;
    std::uint64_t expect = from + 1;
    VERBATIM_TRY(rows->forEachRow([&]() -> Result<void> {
        const auto seq = std::uint64_t(rows->columnInt(0));
        if (seq != expect)
            return fail(ErrorCode::Storage, "journal rows have a gap below the head");
        ++expect;
        Bytes entry = rows->columnBlob(1);
        lastChain = rows->columnBlob(2);
        bool whole = state.count(seq) > 0;
        if (!whole)
            if (auto sealed = journal::SealedEntry::parse(entry)) {
                const auto& h = sealed->header;
                whole = h.senderUser == "relay" && h.senderDevice == 0; // ct-ok: public ids
            }
        const auto hash = crypto::sha256(entry);
        ins->bind(1, std::int64_t(seq))
            .bind(2, ByteView(hash.data(), hash.size()))
            .bind(3, std::int64_t(rows->columnInt(3)));
        if (whole)
            ins->bind(4, ByteView(entry));
        else
            ins->bindNull(4);
        return ins->run();
    }));
    if (expect != last + 1)
        return fail(ErrorCode::Storage, "journal rows to prune are missing below the head");
    // Recorded in journal_pruned now; the classification of these rows is no longer needed.
    VERBATIM_TRY(execute(db, "DELETE FROM journal_state WHERE seq > ? AND seq <= ?",
                         std::int64_t(from), std::int64_t(last)));
    const std::string hex = toHex(lastChain);
    return execute(db, "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                   std::string_view(kPrunedChainKey), view(hex));
}

void RelayService::onPullBoundarySnapshot(const DeviceId& from, proto::Request& request, Done& done,
                                          const RequestRun& run) {
    if (from.role != proto::ROLE_COMPLIANCE)
        return done(errorResponse(proto::STATUS_FORBIDDEN, "compliance role required"));
    const std::uint64_t after = std::min<std::uint64_t>(
        request.pull_boundary_snapshot().after_sequence(), std::uint64_t(INT64_MAX));
    return run([this, after](Database& db, proto::Response& out) -> Result<Completion> {
        const std::uint64_t boundary = m_prunedThrough;
        if (boundary == 0)
            return reject(proto::STATUS_NOT_FOUND,
                          "nothing was pruned: a new archive pulls the journal from entry 1");
        VERBATIM_TRY_LET(count, db.cached("SELECT count(*) FROM journal_pruned WHERE seq <= ?"));
        count->bind(1, std::int64_t(boundary));
        VERBATIM_TRY(count->step());
        const auto listed = std::uint64_t(count->columnInt(0));
        (*count)->reset();
        VERBATIM_TRY_LET(meta, db.cached("SELECT value FROM meta WHERE key = ?"));
        meta->bind(1, std::string_view(kPrunedChainKey));
        VERBATIM_TRY_LET(had, meta->step());
        Bytes chainHex = *had ? meta->columnBlob(0) : Bytes();
        (*meta)->reset();
        auto chain = fromHex(asString(chainHex));
        if (listed != boundary || !chain || chain->size() != 32)
            return reject(proto::STATUS_CONFLICT,
                          "entries 1.." + std::to_string(boundary) +
                              " were pruned before this relay kept a boundary snapshot (relay "
                              "schema 16): start the new archive from a copy of an existing one");
        journal::ChainHash head;
        std::copy(chain->begin(), chain->end(), head.begin());
        VERBATIM_TRY_LET(header, journal::signBoundarySnapshot(boundary, head, wallClockMs(),
                                                               m_config.relayKey.privateKey));
        auto* page = out.mutable_boundary_snapshot_page();
        const Bytes h = header->serializeHeader();
        page->set_header(std::string(h.begin(), h.end()));
        VERBATIM_TRY_LET(rows, db.prepare("SELECT seq, entry_sha256, server_time_ms, entry FROM "
                                          "journal_pruned WHERE seq > ? AND seq <= ? ORDER BY "
                                          "seq"));
        rows->bind(1, std::int64_t(after)).bind(2, std::int64_t(boundary));
        std::size_t bytes = 0;
        while (bytes < kSnapshotPageBytes) {
            VERBATIM_TRY_LET(row, rows->step());
            if (!*row) break;
            auto* r = page->add_rows();
            r->set_sequence(std::uint64_t(rows->columnInt(0)));
            r->set_entry_sha256(blobText(*rows, 1));
            r->set_server_time_ms(std::uint64_t(rows->columnInt(2)));
            if (!rows->columnIsNull(3)) r->set_entry(blobText(*rows, 3));
            bytes += 64 + r->entry().size();
        }
        VERBATIM_TRY_LET(acks, db.cached("SELECT ack FROM journal_acks ORDER BY user, device"));
        VERBATIM_TRY(acks->forEachRow([&] { page->add_acks(blobText(*acks, 0)); }));
        return Completion();
    });
}

} // namespace verbatim::relay
