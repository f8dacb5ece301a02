/// @file JournalService.cpp
/// RelayService's journal log: appending sealed entries to the hash chain, signed
/// checkpoints, administrative actions recorded as ADMIN_ACTION entries, and compliance pulls.

#include "relay/core/JournalRows.h"
#include "relay/core/RelayServiceImpl.h"

#include <algorithm>
#include <cstdint>

namespace verbatim::relay {

using namespace impl;

Result<std::uint64_t> RelayService::appendJournal(Database& db, ByteView entry, std::uint64_t now) {
    // `verbatim-relay admin` in another process may have appended since the head was read. Every
    // caller runs in a storage batch, which ran syncExternalChanges() when it began (the
    // batch-start hook) and holds the write lock, so the head is current here.
    // m_chain moves with the row; if the job later fails, StorageThread rolls back its savepoint
    // (or, for a send, the whole batch) and the rollback hook reloads the head from the database.
    std::uint64_t seq = m_chain.append(entry);
    // Metadata and ciphertext apart on the SQLCipher store, so that pruning zeroes only the
    // first (JournalRows.h).
    VERBATIM_TRY(insertJournalRow(db, seq, entry, m_chain.head(), now));
    if (seq - m_lastCheckpoint >= m_config.checkpointEvery) {
        VERBATIM_TRY_LET(
            cp, journal::signCheckpoint(seq, m_chain.head(), now, m_config.relayKey.privateKey));
        VERBATIM_TRY_LET(c, db.prepare("INSERT INTO checkpoints (seq, data) VALUES (?, ?)"));
        c->bind(1, std::int64_t(seq)).bind(2, cp->serialize());
        VERBATIM_TRY(c->run());
        m_lastCheckpoint = seq;
    }
    return seq;
}

Result<void> RelayService::recordAdminAction(Database& db, const std::string& actor,
                                             std::string_view action, const std::string& target,
                                             std::string_view detail, const AuditFields& extra) {
    if (auto r = audit(db, actor, action, target, detail); !r) return r;
    // Every administrative action is also journaled, sealed like any message, so compliance
    // sees enrolments, devices, revocations, wipes, conversations and invites in the same
    // verified log (ids and names only; no secret ever goes into an action's text).
    std::uint64_t now = wallClockMs();
    proto::JournalRecord rec;
    rec.set_version(2); // commitment and header version 2, like the devices' records
    Bytes k = crypto::randomBytes(32);
    rec.set_message_id(journal::newMessageId(now));
    rec.set_conversation_id("firm-audit");
    rec.mutable_sender()->set_user("relay");
    rec.mutable_sender()->set_device(0);
    rec.set_client_time_ms(now);
    rec.set_type(proto::ADMIN_ACTION);
    std::string body = "{\"version\":" + jsonQuote(kAdminBodyVersion) +
                       ",\"actor\":" + jsonQuote(actor) + ",\"action\":" + jsonQuote(action) +
                       ",\"target\":" + jsonQuote(target) + ",\"detail\":" + jsonQuote(detail);
    for (const auto& [name, value] : extra)
        body += "," + jsonQuote(name) + ":" + jsonQuote(value);
    body += "}";
    rec.set_body(body);
    rec.set_commit_key(std::string(k.begin(), k.end()));
    auto sealed = journal::sealRecord(rec, m_config.journalPublicKey, [this](ByteView m) {
        return signal::SessionManager::signWith(*m_signal, m_config.relayIdentityPrivate, m);
    });
    if (!sealed) return tl::unexpected(sealed.error());
    VERBATIM_TRY_LET(seq, appendJournal(db, sealed->serialize(), now));
    return {};
}

std::pair<std::uint64_t, journal::ChainHash> RelayService::journalHead() {
    std::pair<std::uint64_t, journal::ChainHash> out;
    m_storage->runSync([&](Database&) { out = {m_chain.sequence(), m_chain.head()}; });
    return out;
}

void RelayService::onPullJournal(const DeviceId& from, proto::Request& request, Done& done,
                                 const RequestRun& run) {
    if (from.role != proto::ROLE_COMPLIANCE)
        return done(errorResponse(proto::STATUS_FORBIDDEN, "compliance role required"));
    // Sequences are stored as SQLite's signed 64-bit integers: a larger `after_sequence` means
    // "after every row", not a negative number (which would start the page at row 1 again).
    const std::uint64_t after =
        std::min<std::uint64_t>(request.pull_journal().after_sequence(), std::uint64_t(INT64_MAX));
    // 0 (proto3's unset) asks for the largest page, as a reader that names no limit means.
    const std::uint32_t asked = request.pull_journal().limit();
    auto limit = asked == 0 ? 1000u : std::min<std::uint32_t>(asked, 1000);
    return run([this, after, limit](Database& db, proto::Response& out) -> Result<Completion> {
        auto* page = out.mutable_journal_page();
        VERBATIM_TRY(checkPull(db, after, *page));
        VERBATIM_TRY_LET(
            st,
            db.prepare("SELECT seq, entry, chain_hash, server_time_ms FROM journal WHERE seq > ? "
                       "ORDER BY seq LIMIT ?"));
        st->bind(1, std::int64_t(after)).bind(2, std::int64_t(limit));
        std::uint64_t last = after;
        std::size_t pageBytes = 0;
        // A page holds at most `limit` rows and about 8 MiB (an entry is at most ~1 MiB).
        while (pageBytes < (8u << 20)) {
            VERBATIM_TRY_LET(row, st->step());
            if (!*row) break;
            auto* r = page->add_rows();
            last = std::uint64_t(st->columnInt(0));
            r->set_sequence(last);
            Bytes e = st->columnBlob(1), h = st->columnBlob(2);
            r->set_entry(std::string(e.begin(), e.end()));
            r->set_chain_hash(std::string(h.begin(), h.end()));
            r->set_server_time_ms(std::uint64_t(st->columnInt(3)));
            pageBytes += e.size() + 64;
        }
        // Make sure a signed checkpoint covers the head, so the puller can anchor the page.
        if (m_chain.sequence() > m_lastCheckpoint) {
            VERBATIM_TRY_LET(cp,
                             journal::signCheckpoint(m_chain.sequence(), m_chain.head(),
                                                     wallClockMs(), m_config.relayKey.privateKey));
            VERBATIM_TRY_LET(
                ins, db.prepare("INSERT OR REPLACE INTO checkpoints (seq, data) VALUES (?, ?)"));
            ins->bind(1, std::int64_t(cp->sequence)).bind(2, cp->serialize());
            VERBATIM_TRY(ins->run());
            m_lastCheckpoint = cp->sequence;
        }
        VERBATIM_TRY_LET(
            cps, db.prepare("SELECT data FROM checkpoints WHERE seq > ? AND (seq <= ? OR seq = "
                            "(SELECT max(seq) FROM checkpoints)) ORDER BY seq"));
        cps->bind(1, std::int64_t(after)).bind(2, std::int64_t(last));
        VERBATIM_TRY(cps->forEachRow([&] {
            Bytes d = cps->columnBlob(0);
            page->add_checkpoints(std::string(d.begin(), d.end()));
        }));
        page->set_head_sequence(m_chain.sequence());
        return Completion();
    });
}

} // namespace verbatim::relay
