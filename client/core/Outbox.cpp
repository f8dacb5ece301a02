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

} // namespace verbatim::client
