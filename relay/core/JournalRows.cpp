/// @file JournalRows.cpp
/// The relay's journal rows split into metadata and ciphertext on the SQLCipher store, and their
/// deletion with secure_delete only where it protects something (JournalRows.h).

#include "relay/core/JournalRows.h"

#include "common/Try.h"

namespace verbatim::relay {

namespace {

std::optional<std::uint32_t> u32At(ByteView b, std::size_t at) {
    if (at > b.size() || b.size() - at < 4) return std::nullopt;
    return (std::uint32_t(b[at]) << 24) | (std::uint32_t(b[at + 1]) << 16) |
           (std::uint32_t(b[at + 2]) << 8) | std::uint32_t(b[at + 3]);
}

// secure_delete off for the statements run while it lives, on again at its end (on every path:
// an error return included).
class SecureDeleteOff {
public:
    explicit SecureDeleteOff(storage::Database& db) : m_db(db) {}
    Result<void> begin() {
        VERBATIM_TRY(m_db.exec("PRAGMA secure_delete = OFF"));
        m_off = true;
        return {};
    }
    Result<void> end() {
        if (!m_off) return {};
        m_off = false;
        return m_db.exec("PRAGMA secure_delete = ON");
    }
    ~SecureDeleteOff() {
        if (m_off) (void)m_db.exec("PRAGMA secure_delete = ON");
    }
    SecureDeleteOff(const SecureDeleteOff&) = delete;
    SecureDeleteOff& operator=(const SecureDeleteOff&) = delete;

private:
    storage::Database& m_db;
    bool m_off = false;
};

} // namespace

std::optional<CiphertextSpan> sealedCiphertextSpan(ByteView entry) {
    if (entry.empty() || entry[0] != 1) return std::nullopt;
    auto headerSize = u32At(entry, 1);
    if (!headerSize) return std::nullopt;
    const std::size_t lengthAt = 5 + std::size_t(*headerSize);
    auto size = u32At(entry, lengthAt);
    if (!size) return std::nullopt;
    const std::size_t offset = lengthAt + 4;
    if (offset > entry.size() || entry.size() - offset < *size) return std::nullopt;
    auto signatureSize = u32At(entry, offset + *size);
    if (!signatureSize || *signatureSize != 64 || entry.size() != offset + *size + 4 + 64)
        return std::nullopt;
    return CiphertextSpan{offset, *size};
}

Result<void> insertJournalRow(storage::Database& db, std::uint64_t seq, ByteView entry,
                              ByteView chainHash, std::uint64_t serverTimeMs) {
    const auto span = db.engine() ? std::nullopt : sealedCiphertextSpan(entry);
    if (!span) {
        VERBATIM_TRY_LET(
            j, db.cached("INSERT INTO journal (seq, entry, chain_hash, server_time_ms) VALUES (?, "
                         "?, ?, ?)"));
        j->bind(1, std::int64_t(seq)).bind(2, entry).bind(3, chainHash);
        j->bind(4, std::int64_t(serverTimeMs));
        return j->run();
    }
    Bytes meta(entry.begin(), entry.begin() + std::ptrdiff_t(span->offset));
    meta.insert(meta.end(), entry.begin() + std::ptrdiff_t(span->offset + span->size), entry.end());
    VERBATIM_TRY_LET(m, db.cached("INSERT INTO journal_meta (seq, entry, chain_hash, "
                                  "server_time_ms, cut) VALUES (?, ?, ?, ?, ?)"));
    m->bind(1, std::int64_t(seq)).bind(2, ByteView(meta)).bind(3, chainHash);
    m->bind(4, std::int64_t(serverTimeMs)).bind(5, std::int64_t(span->offset));
    VERBATIM_TRY(m->run());
    VERBATIM_TRY_LET(s, db.cached("INSERT INTO journal_sealed (seq, ciphertext) VALUES (?, ?)"));
    s->bind(1, std::int64_t(seq)).bind(2, entry.subspan(span->offset, span->size));
    return s->run();
}

Result<void> deleteJournalRows(storage::Database& db, std::uint64_t after, std::uint64_t through) {
    if (db.engine()) {
        VERBATIM_TRY_LET(del, db.cached("DELETE FROM journal WHERE seq > ? AND seq <= ?"));
        del->bind(1, std::int64_t(after)).bind(2, std::int64_t(through));
        return del->run();
    }
    // Metadata first, with the connection's secure_delete (on): its freed pages are zeroed.
    VERBATIM_TRY_LET(meta, db.cached("DELETE FROM journal_meta WHERE seq > ? AND seq <= ?"));
    meta->bind(1, std::int64_t(after)).bind(2, std::int64_t(through));
    VERBATIM_TRY(meta->run());
    // Then the ciphertexts, whose headers just went: their pages are freed as they are.
    SecureDeleteOff off(db);
    VERBATIM_TRY(off.begin());
    VERBATIM_TRY_LET(sealed, db.cached("DELETE FROM journal_sealed WHERE seq > ? AND seq <= ?"));
    sealed->bind(1, std::int64_t(after)).bind(2, std::int64_t(through));
    VERBATIM_TRY(sealed->run());
    return off.end();
}

const char* journalRowsTable(const storage::Database& db) {
    return db.engine() ? "journal" : "journal_meta";
}

const char* queuePageSql(const storage::Database& db) {
    if (db.engine())
        return "SELECT q.id, q.message_id, q.conversation, q.sender_user, q.sender_device, "
               "q.type, q.body, q.server_time_ms, q.commitment, q.journal_seq, j.entry FROM queue "
               "q LEFT JOIN journal j ON j.seq = q.journal_seq WHERE q.user = ? AND q.device = ? "
               "AND q.id > ? ORDER BY q.id LIMIT ?";
    // SQLite would make the whole `journal` view to LEFT JOIN it at each page (a view that is a
    // join is not flattened into the right side of a LEFT JOIN), so the page joins the two parts
    // and puts each entry together as the view does.
    return "SELECT q.id, q.message_id, q.conversation, q.sender_user, q.sender_device, q.type, "
           "q.body, q.server_time_ms, q.commitment, q.journal_seq, CASE WHEN j.cut IS NULL THEN "
           "j.entry ELSE CAST(substr(j.entry, 1, j.cut) || s.ciphertext || substr(j.entry, j.cut "
           "+ 1) AS BLOB) END FROM queue q LEFT JOIN journal_meta j ON j.seq = q.journal_seq LEFT "
           "JOIN journal_sealed s ON s.seq = q.journal_seq WHERE q.user = ? AND q.device = ? AND "
           "q.id > ? ORDER BY q.id LIMIT ?";
}

} // namespace verbatim::relay
