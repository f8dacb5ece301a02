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
/// A page of the snapshot holds about this many bytes (hashes and entries).
constexpr std::size_t kSnapshotPageBytes = 8u << 20;
} // namespace

Result<void> RelayService::recordPrunedRows(Database& db, std::uint64_t from, std::uint64_t last) {
    // Who writes state rows: the relay itself (ADMIN_ACTION: registrations, approvals,
    // revocations, conversations, invites, closes, walls...) and compliance devices (holds,
    // retention, dispositions, supervision); recording-notice acceptances the relay knows from
    // its notices table. Every other row leaves only its hash.
    std::set<std::string> compliance;
    {
        VERBATIM_TRY_LET(u, db.cached("SELECT id FROM users WHERE role = ?"));
        u->bind(1, std::int64_t(proto::ROLE_COMPLIANCE));
        VERBATIM_TRY(u->forEachRow([&] { compliance.insert(u->columnText(0)); }));
    }
    std::set<std::uint64_t> notices;
    {
        VERBATIM_TRY_LET(n, db.cached("SELECT journal_seq FROM notices WHERE journal_seq > ? AND "
                                      "journal_seq <= ?"));
        n->bind(1, std::int64_t(from)).bind(2, std::int64_t(last));
        VERBATIM_TRY(n->forEachRow([&] { notices.insert(std::uint64_t(n->columnInt(0))); }));
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
        bool state = notices.count(seq) > 0;
        if (!state)
            if (auto sealed = journal::SealedEntry::parse(entry)) {
                const auto& h = sealed->header;
                state = (h.senderUser == "relay" && h.senderDevice == 0) ||
                        compliance.count(h.senderUser) > 0;
            }
        const auto hash = crypto::sha256(entry);
        ins->bind(1, std::int64_t(seq))
            .bind(2, ByteView(hash.data(), hash.size()))
            .bind(3, std::int64_t(rows->columnInt(3)));
        if (state)
            ins->bind(4, ByteView(entry));
        else
            ins->bindNull(4);
        return ins->run();
    }));
    if (expect != last + 1)
        return fail(ErrorCode::Storage, "journal rows to prune are missing below the head");
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
