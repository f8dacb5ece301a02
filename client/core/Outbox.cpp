#include "client/core/Outbox.h"
#include "common/Try.h"

namespace verbatim::client {

Outbox::Outbox(storage::Database& db) : m_db(db) {}

Result<void> Outbox::add(const proto::JournalRecord& record) {
    VERBATIM_TRY_LET(
        st, m_db.cached("INSERT INTO outbox (message, conversation, record) VALUES (?, ?, ?)"));
    const std::string bytes = record.SerializeAsString();
    st->bind(1, view(record.message_id()))
        .bind(2, std::string_view(record.conversation_id()))
        .bind(3, view(bytes));
    return st->run();
}

Result<std::vector<Outbox::Row>> Outbox::window(std::size_t limit) {
    VERBATIM_TRY_LET(
        st,
        m_db.cached(
            "SELECT seq, conversation, record FROM outbox WHERE held = 0 ORDER BY seq LIMIT ?"));
    st->bind(1, std::int64_t(limit));
    std::vector<Row> rows;
    while (true) {
        VERBATIM_TRY_LET(row, st->step());
        if (!*row) break;
        Row r{st->columnInt(0), st->columnText(1), {}};
        Bytes bytes = st->columnBlob(2);
        r.record.ParseFromArray(bytes.data(), int(bytes.size()));
        rows.push_back(std::move(r));
    }
    return rows;
}

Result<void> Outbox::bySeq(const char* sql, std::int64_t seq) {
    VERBATIM_TRY_LET(st, m_db.cached(sql));
    st->bind(1, seq);
    return st->run();
}

Result<void> Outbox::remove(std::int64_t seq) {
    return bySeq("DELETE FROM outbox WHERE seq = ?", seq);
}
Result<void> Outbox::hold(std::int64_t seq) {
    return bySeq("UPDATE outbox SET held = 1 WHERE seq = ?", seq);
}
Result<void> Outbox::countAttempt(std::int64_t seq) {
    return bySeq("UPDATE outbox SET attempts = attempts + 1 WHERE seq = ?", seq);
}
Result<void> Outbox::releaseHeld() {
    return m_db.exec("UPDATE outbox SET held = 0");
}

Result<std::size_t> Outbox::sendable() {
    VERBATIM_TRY_LET(st, m_db.cached("SELECT count(*) FROM outbox WHERE held = 0"));
    VERBATIM_TRY_LET(row, st->step());
    return std::size_t(st->columnInt(0));
}

Result<void> Outbox::recordSent(const proto::JournalRecord& record, std::uint64_t journalSequence,
                                const journal::DeviceChain& chainBefore, std::uint64_t nowMs) {
    VERBATIM_TRY_LET(st,
                     m_db.cached("INSERT OR REPLACE INTO sent (message, record, journal_seq, "
                                 "chain_acked, chain_head, acked_ms) VALUES (?, ?, ?, ?, ?, ?)"));
    const std::string bytes = record.SerializeAsString();
    st->bind(1, view(record.message_id()))
        .bind(2, view(bytes))
        .bind(3, std::int64_t(journalSequence))
        .bind(4, std::int64_t(chainBefore.acked))
        .bind(5, ByteView(chainBefore.head.data(), chainBefore.head.size()))
        .bind(6, std::int64_t(nowMs));
    VERBATIM_TRY(st->run());
    if (nowMs <= kSentRetentionMs) return {};
    VERBATIM_TRY_LET(prune, m_db.cached("DELETE FROM sent WHERE acked_ms < ?"));
    prune->bind(1, std::int64_t(nowMs - kSentRetentionMs));
    return prune->run();
}

Result<std::vector<Outbox::SentRow>> Outbox::sentAfter(std::uint64_t journalSequence) {
    VERBATIM_TRY_LET(st,
                     m_db.cached("SELECT record, journal_seq, chain_acked, chain_head FROM sent "
                                 "WHERE journal_seq > ? ORDER BY chain_acked"));
    st->bind(1, std::int64_t(journalSequence));
    std::vector<SentRow> rows;
    while (true) {
        VERBATIM_TRY_LET(row, st->step());
        if (!*row) break;
        SentRow r;
        Bytes bytes = st->columnBlob(0);
        if (!r.record.ParseFromArray(bytes.data(), int(bytes.size())))
            return fail(ErrorCode::Storage, "a sent record in the profile is damaged");
        r.journalSequence = std::uint64_t(st->columnInt(1));
        r.chainBefore.acked = std::uint64_t(st->columnInt(2));
        Bytes head = st->columnBlob(3);
        if (head.size() != r.chainBefore.head.size())
            return fail(ErrorCode::Storage, "a sent record's journal chain is damaged");
        std::copy(head.begin(), head.end(), r.chainBefore.head.begin());
        rows.push_back(std::move(r));
    }
    return rows;
}

Result<bool> Outbox::anySent() {
    VERBATIM_TRY_LET(st, m_db.cached("SELECT 1 FROM sent LIMIT 1"));
    VERBATIM_TRY_LET(row, st->step());
    return *row;
}

Result<void> Outbox::requeueFirst(const std::vector<proto::JournalRecord>& records) {
    VERBATIM_TRY_LET(first, m_db.cached("SELECT coalesce(min(seq), 1) FROM outbox"));
    VERBATIM_TRY_LET(row, first->step());
    (void)row;
    std::int64_t seq = first->columnInt(0) - std::int64_t(records.size()) - 1;
    VERBATIM_TRY_LET(st, m_db.cached("INSERT OR IGNORE INTO outbox (seq, message, conversation, "
                                     "record) VALUES (?, ?, ?, ?)"));
    for (const auto& record : records) {
        const std::string bytes = record.SerializeAsString();
        st->bind(1, ++seq)
            .bind(2, view(record.message_id()))
            .bind(3, std::string_view(record.conversation_id()))
            .bind(4, view(bytes));
        VERBATIM_TRY(st->run());
    }
    return {};
}

} // namespace verbatim::client
