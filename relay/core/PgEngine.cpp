/// @file PgEngine.cpp
/// The PostgreSQL engine's transactions (PgEngine.h): BEGIN with the writers' advisory lock,
/// COMMIT with the deferred NOTIFYs and data_version in one round trip, savepoints, exec() of
/// several statements, and the small helpers that run one statement string.
#include "relay/core/PgEngine.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <optional>

namespace verbatim::relay::pg {

Result<void> PgEngine::exec(std::string_view sql) {
    VERBATIM_TRY(ensureConnected());
    // Several statements: each translated on its own, then sent as one string.
    std::string out;
    std::size_t start = 0;
    bool quoted = false;
    std::string stripped; // without -- comments, which may hold quotes and semicolons
    for (std::size_t i = 0; i < sql.size(); ++i) {
        if (sql[i] == '\'') quoted = !quoted;
        if (!quoted && sql[i] == '-' && i + 1 < sql.size() && sql[i + 1] == '-') {
            while (i < sql.size() && sql[i] != '\n')
                ++i;
            if (i == sql.size()) break;
        }
        stripped += sql[i];
    }
    sql = stripped;
    quoted = false;
    for (std::size_t i = 0; i <= sql.size(); ++i) {
        if (i < sql.size() && sql[i] == '\'') quoted = !quoted;
        if (i == sql.size() || (!quoted && sql[i] == ';')) {
            auto one = trim(sql.substr(start, i - start));
            start = i + 1;
            if (one.empty()) continue;
            VERBATIM_TRY_LET(t, translate(one));
            if (t->kind == Kind::DataVersion)
                return fail(ErrorCode::Unsupported, "PRAGMA data_version is a query");
            out += t->sql;
            out += ";\n";
            if (!t->table.empty()) m_changedTables.push_back(t->table);
        }
    }
    if (out.empty()) return {};
    if (m_open || m_changedTables.empty()) return simple(out, true);
    // Writes outside a transaction: in one of their own, so that they take the writers' lock
    // and raise data_version as every commit does.
    auto tables = std::move(m_changedTables);
    VERBATIM_TRY(begin());
    m_changedTables = std::move(tables);
    if (auto r = simple(out, true); !r) {
        rollback();
        return r;
    }
    if (auto r = commit(); !r) {
        rollback();
        return r;
    }
    return {};
}

Result<void> PgEngine::begin() {
    VERBATIM_TRY(ensureConnected());
    VERBATIM_TRY(flushDeallocations());
    m_txChanges = 0;
    // With the lock held no other writer can commit until this transaction ends: the
    // data_version read here stays true for it (the batch's PRAGMA data_version uses it).
    VERBATIM_TRY_LET(v, scalar((std::string("BEGIN; ") + kWriteLock +
                                "; SELECT data_version FROM verbatim_store")
                                   .c_str()));
    m_open = true;
    m_versionAtBegin = *v;
    m_idRuns.clear();
    return {};
}

Result<void> PgEngine::commit() {
    VERBATIM_TRY(flushPipeline());
    // One round trip: the deferred NOTIFYs, data_version when anything was written, COMMIT.
    std::string sql = sequenceSettings();
    m_idRuns.clear();
    for (const auto& n : m_notifies)
        sql += n + ";\n";
    if (m_txChanges > 0)
        sql += "UPDATE verbatim_store SET data_version = data_version + 1 "
               "RETURNING data_version;\n";
    sql += "COMMIT";
    m_notifies.clear();
    m_savepoints.clear();
    m_txChanges = 0;
    std::optional<Error> e;
    std::optional<std::int64_t> version;
    bool committed = false;
    if (!PQsendQuery(m_conn, sql.c_str())) {
        e = errorOf(nullptr, "commit failed");
    } else {
        while (PGresult* r = PQgetResult(m_conn)) {
            const auto status = PQresultStatus(r);
            if (status == PGRES_TUPLES_OK && PQnfields(r) == 1 &&
                std::strcmp(PQfname(r, 0), "data_version") == 0 && PQntuples(r) == 1)
                version = std::strtoll(PQgetvalue(r, 0, 0), nullptr, 10);
            else if (status == PGRES_COMMAND_OK && std::strcmp(PQcmdStatus(r), "COMMIT") == 0)
                committed = true; // a failed transaction's COMMIT "succeeds" as ROLLBACK
            else if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK && !e)
                e = errorOf(r, "commit failed");
            PQclear(r);
        }
    }
    if (!committed && !e) e = errorOf(nullptr, "commit failed");
    if (e) return tl::unexpected(*e); // the caller rolls back
    m_open = false;
    if (version) {
        // A commit between what this connection last saw and its own: another's.
        if (*version - 1 != m_seenVersion) ++m_localVersion;
        m_seenVersion = *version;
    }
    return {};
}

void PgEngine::savepointStatement(std::string_view sql) {
    if (startsWithWord(sql, "SAVEPOINT")) {
        m_savepoints.push_back(m_notifies.size());
    } else if (startsWithWord(sql, "RELEASE")) {
        if (!m_savepoints.empty()) m_savepoints.pop_back();
    } else if (startsWithWord(sql, "ROLLBACK") && !m_savepoints.empty()) {
        m_notifies.resize(std::min(m_notifies.size(), m_savepoints.back()));
    }
}

void PgEngine::rollback() noexcept {
    (void)flushPipeline();
    m_deferWrites = false;
    m_open = false;
    m_txChanges = 0;
    m_idRuns.clear(); // the ids handed out were never written: a gap in the sequence
    m_notifies.clear();
    m_savepoints.clear();
    if (PQstatus(m_conn) != CONNECTION_OK) return;
    if (PQtransactionStatus(m_conn) == PQTRANS_IDLE) return;
    if (PGresult* r = PQexec(m_conn, "ROLLBACK")) PQclear(r);
    m_txChanges = 0;
}

Result<std::int64_t> PgEngine::allocateId(const std::string& table) {
    if (!m_open) return fail(ErrorCode::Internal, "an id is allocated inside a transaction");
    auto& run = m_idRuns[table];
    if (run.first == 0) {
        auto first =
            scalar(("SELECT nextval(pg_get_serial_sequence('" + table + "', 'id'))").c_str());
        if (!first) {
            m_idRuns.erase(table);
            return tl::unexpected(first.error());
        }
        run.first = run.next = *first;
    }
    return run.next++;
}

std::string PgEngine::sequenceSettings() const {
    std::string sql;
    for (const auto& [table, run] : m_idRuns)
        if (run.next - 1 > run.first) // nextval already stands at `first`
            sql += "SELECT setval(pg_get_serial_sequence('" + table + "', 'id'), " +
                   std::to_string(run.next - 1) + ");\n";
    return sql;
}

Result<void> PgEngine::syncSequence(const std::string& table) {
    auto it = m_idRuns.find(table);
    if (it == m_idRuns.end()) return {};
    IdRun run = it->second;
    m_idRuns.erase(it); // the next allocateId() starts from the sequence again
    if (run.next - 1 <= run.first) return {};
    return simple("SELECT setval(pg_get_serial_sequence('" + table + "', 'id'), " +
                  std::to_string(run.next - 1) + ")");
}

Result<std::int64_t> PgEngine::dataVersion() {
    std::int64_t v = 0;
    if (m_open && m_versionAtBegin) {
        v = *m_versionAtBegin;
    } else {
        VERBATIM_TRY(ensureConnected());
        VERBATIM_TRY_LET(read, scalar("SELECT data_version FROM verbatim_store"));
        v = *read;
    }
    if (v != m_seenVersion) {
        ++m_localVersion;
        m_seenVersion = v;
    }
    return m_localVersion;
}

Result<void> PgEngine::simple(const std::string& sql, bool countTables) {
    VERBATIM_TRY(flushPipeline());
    PGresult* r = PQexec(m_conn, sql.c_str());
    const auto status = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    const bool ok =
        status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK || status == PGRES_EMPTY_QUERY;
    Error e = ok ? Error{} : errorOf(r, "statement failed");
    if (r) PQclear(r);
    if (countTables) {
        // exec() of writes: the row counts of all but the last are not reported; count one
        // change per statement so that commit() publishes them.
        if (ok && !m_changedTables.empty()) {
            m_txChanges += std::int64_t(m_changedTables.size());
            m_totalChanges += std::int64_t(m_changedTables.size());
            for (const auto& t : m_changedTables)
                if (m_rowChange) m_rowChange(t);
        }
        m_changedTables.clear();
    }
    if (!ok) return tl::unexpected(e);
    return {};
}

Result<std::int64_t> PgEngine::scalar(const char* sql) {
    VERBATIM_TRY(flushPipeline());
    PGresult* r = PQexec(m_conn, sql);
    if (!r || PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) < 1) {
        Error e = errorOf(r, "statement failed");
        if (r) PQclear(r);
        return tl::unexpected(e);
    }
    std::int64_t v = std::strtoll(PQgetvalue(r, 0, 0), nullptr, 10);
    PQclear(r);
    return v;
}

Result<void> PgEngine::flushDeallocations() {
    if (m_deallocate.empty()) return {};
    std::string sql;
    for (const auto& n : m_deallocate)
        sql += "DEALLOCATE " + n + ";";
    m_deallocate.clear();
    return simple(sql);
}

Result<void> PgEngine::pipelineWrite(const std::string& name, int n, const char* const* values,
                                     const int* lengths, const int* formats,
                                     const std::string& table) {
    if (!m_pipelined) {
        if (!PQenterPipelineMode(m_conn)) return tl::unexpected(errorOf(nullptr, "pipeline"));
        m_pipelined = true;
    }
    if (!PQsendQueryPrepared(m_conn, name.c_str(), n, values, lengths, formats, 0))
        return tl::unexpected(errorOf(nullptr, "pipelined write failed"));
    ++m_pipelineWrites;
    m_changes = 1;
    ++m_totalChanges;
    ++m_txChanges;
    if (m_rowChange) m_rowChange(table);
    return {};
}

Result<void> PgEngine::flushPipeline(PGresult** own) {
    if (own) *own = nullptr;
    if (!m_pipelined) return {};
    std::optional<Error> e;
    const std::size_t expected = m_pipelineWrites + (own ? 1 : 0);
    m_pipelined = false;
    m_pipelineWrites = 0;
    if (!PQpipelineSync(m_conn)) e = errorOf(nullptr, "pipelined write failed");
    // In order: each queued write, then the caller's statement; each followed by a null result.
    for (std::size_t i = 0; i < expected && !e; ++i) {
        PGresult* r = PQgetResult(m_conn);
        if (!r) {
            e = errorOf(nullptr, "pipelined write failed");
            break;
        }
        const auto status = PQresultStatus(r);
        if (own && i + 1 == expected && status != PGRES_PIPELINE_ABORTED) {
            *own = r;
        } else {
            if (status != PGRES_COMMAND_OK) e = errorOf(r, "pipelined write failed");
            PQclear(r);
        }
        while (PGresult* rest = PQgetResult(m_conn))
            PQclear(rest);
    }
    // Whatever is left up to the sync (after a failure: the aborted rest).
    for (int guard = 0; guard < 1000000; ++guard) {
        PGresult* r = PQgetResult(m_conn);
        if (!r) {
            if (PQpipelineStatus(m_conn) == PQ_PIPELINE_OFF || PQstatus(m_conn) != CONNECTION_OK)
                break;
            continue;
        }
        const bool sync = PQresultStatus(r) == PGRES_PIPELINE_SYNC;
        PQclear(r);
        if (sync) break;
    }
    if (!PQexitPipelineMode(m_conn) && !e) e = errorOf(nullptr, "pipeline");
    if (e) {
        if (own && *own) {
            PQclear(*own);
            *own = nullptr;
        }
        return tl::unexpected(*e);
    }
    return {};
}

} // namespace verbatim::relay::pg
