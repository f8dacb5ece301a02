/// @file StoreCheck.cpp
/// `verbatim-relay check`: a relay store checked layer by layer, from SQLCipher's pages up to
/// the journal chain and the queue's references to it (RelayBackup.h, checkStore).
#include <algorithm>

#include "journal/HashChain.h"
#include "relay/core/RelayBackup.h"

namespace verbatim::relay {

Result<StoreCheck> checkStore(storage::Database& db, ByteView relayPublicKey) {
    StoreCheck out;
    auto pages = db.cipherIntegrityCheck();
    if (!pages) return tl::unexpected(pages.error());
    for (const auto& p : *pages)
        out.problems.push_back("encrypted page damaged: " + p);
    if (!out.ok()) return out;
    {
        auto st = db.prepare("PRAGMA integrity_check(100)");
        if (!st) return tl::unexpected(st.error());
        auto rows = st->forEachRow([&](storage::Statement& row) {
            auto text = row.columnText(0);
            if (text != "ok") out.problems.push_back("integrity_check: " + text);
        });
        if (!rows) return tl::unexpected(rows.error());
    }
    if (!out.ok()) return out;

    std::vector<journal::Checkpoint> checkpoints;
    {
        auto st = db.prepare("SELECT seq, data FROM checkpoints ORDER BY seq");
        if (!st) return tl::unexpected(st.error());
        auto rows = st->forEachRow([&](storage::Statement& row) {
            auto cp = journal::Checkpoint::parse(row.columnBlob(1));
            if (!cp || cp->sequence != std::uint64_t(row.columnInt(0))) {
                out.problems.push_back("checkpoints row seq " + std::to_string(row.columnInt(0)) +
                                       ": damaged");
                return;
            }
            checkpoints.push_back(std::move(*cp));
        });
        if (!rows) return tl::unexpected(rows.error());
        out.checkpoints = checkpoints.size();
    }
    // The chain in slices, each resuming from the previous slice's head, so a store of millions
    // of entries is checked in bounded memory.
    constexpr std::size_t kSlice = 20000;
    auto st =
        db.prepare("SELECT seq, entry, chain_hash FROM journal WHERE seq > ? ORDER BY seq LIMIT ?");
    if (!st) return tl::unexpected(st.error());
    std::uint64_t start = 0;
    journal::ChainHash head = journal::genesisChainHash();
    std::size_t nextCheckpoint = 0;
    while (true) {
        std::vector<journal::ChainItem> items;
        st->bind(1, std::int64_t(start)).bind(2, std::int64_t(kSlice));
        auto rows = st->forEachRow([&](storage::Statement& row) {
            journal::ChainItem item;
            item.sequence = std::uint64_t(row.columnInt(0));
            item.entry = row.columnBlob(1);
            Bytes h = row.columnBlob(2);
            if (h.size() == head.size()) {
                journal::ChainHash c{};
                std::copy(h.begin(), h.end(), c.begin());
                item.chainHash = c;
            }
            items.push_back(std::move(item));
        });
        if (!rows) return tl::unexpected(rows.error());
        st->reset();
        const bool last = items.size() < kSlice;
        const std::uint64_t end = items.empty() ? start : items.back().sequence;
        std::vector<journal::Checkpoint> slice;
        while (nextCheckpoint < checkpoints.size() &&
               (last || checkpoints[nextCheckpoint].sequence <= end))
            slice.push_back(checkpoints[nextCheckpoint++]);
        for (const auto& item : items)
            if (!item.chainHash) {
                out.problems.push_back("journal seq " + std::to_string(item.sequence) +
                                       ": chain hash missing or damaged");
                return out;
            }
        auto report = journal::verifyChain(items, std::move(slice), relayPublicKey, start, head);
        out.journalEntries += report.entriesChecked;
        if (!report.ok()) {
            for (const auto& p : report.problems)
                out.problems.push_back("journal seq " + std::to_string(p.sequence) + ": " +
                                       journal::chainFaultName(p.fault) + " (" + p.detail + ")");
            return out;
        }
        head = report.head;
        start = end;
        if (last) break;
    }
    // Every queued envelope names a journal entry the log holds.
    auto q = db.prepare("SELECT count(*), min(id) FROM queue WHERE journal_seq > ?");
    if (!q) return tl::unexpected(q.error());
    q->bind(1, std::int64_t(start));
    if (auto row = q->step(); !row) return tl::unexpected(row.error());
    if (q->columnInt(0) > 0)
        out.problems.push_back("queue row " + std::to_string(q->columnInt(1)) +
                               ": names journal seq beyond the log's end " + std::to_string(start));
    auto total = db.prepare("SELECT count(*) FROM queue");
    if (total && total->step()) out.queueRows = std::uint64_t(total->columnInt(0));
    return out;
}

} // namespace verbatim::relay
