/// @file PgStatement.cpp
/// One statement on the PostgreSQL engine (PgEngine.h): its parameters as libpq takes them, run
/// unnamed the first time and as a named prepared statement from the second, NOTIFYs deferred
/// to COMMIT, and the result read row by row.
#include "relay/core/PgEngine.h"

#include <cctype>
#include <cstdlib>

namespace verbatim::relay::pg {

Bytes decodeBytea(const char* text, std::size_t size) {
    Bytes out;
    if (size >= 2 && text[0] == '\\' && text[1] == 'x') {
        auto b = fromHex(std::string_view(text + 2, size - 2));
        if (b) return std::move(*b);
        return out;
    }
    out.assign(text, text + size); // escape format is never asked for (bytea_output = hex)
    return out;
}

PgStatement::~PgStatement() {
    clearResult();
    if (!m_name.empty() && m_generation == m_engine->generation())
        m_engine->deallocateLater(m_name);
}

Result<bool> PgStatement::step() {
    if (m_kind == Kind::DataVersion) {
        if (m_row >= 0) return false;
        VERBATIM_TRY_LET(v, m_engine->dataVersion());
        m_dataVersion = *v;
        m_row = 0;
        return true;
    }
    if (!m_result) return execute();
    ++m_row;
    return m_row < PQntuples(m_result);
}

Result<bool> PgStatement::execute() {
    PGconn* conn = m_engine->conn();
    if (PQtransactionStatus(conn) == PQTRANS_IDLE || PQstatus(conn) != CONNECTION_OK)
        VERBATIM_TRY(m_engine->ensureConnected());
    if (!m_table.empty() && !m_engine->isOpen()) {
        // A write outside a transaction: in one of its own (writers' lock, data_version).
        VERBATIM_TRY(m_engine->begin());
        auto r = run();
        if (r) {
            if (auto c = m_engine->commit(); !c) r = tl::unexpected(c.error());
        }
        if (!r) m_engine->rollback();
        return r;
    }
    return run();
}

Result<bool> PgStatement::run() {
    PGconn* conn = m_engine->conn();
    if (m_kind == Kind::Simple) {
        VERBATIM_TRY(m_engine->flushPipeline());
        if (m_engine->isOpen()) m_engine->savepointStatement(m_sql);
        PGresult* r = PQexec(conn, m_sql.c_str());
        const auto status = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
        if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
            Error e = m_engine->errorOf(r, "statement failed");
            if (r) PQclear(r);
            return tl::unexpected(e);
        }
        PQclear(r);
        return false;
    }
    if (m_kind == Kind::Notify && m_engine->isOpen()) {
        // Deferred to COMMIT: the parameters become literals (escaped by libpq).
        std::string sql;
        for (std::size_t i = 0; i < m_sql.size(); ++i) {
            if (m_sql[i] == '$' && i + 1 < m_sql.size() &&
                std::isdigit(static_cast<unsigned char>(m_sql[i + 1]))) {
                std::size_t end = i + 1;
                while (end < m_sql.size() && std::isdigit(static_cast<unsigned char>(m_sql[end])))
                    ++end;
                const auto k = std::size_t(std::stoul(m_sql.substr(i + 1, end - i - 1)) - 1);
                if (k >= m_values.size() || m_null[k]) {
                    sql += "NULL";
                } else {
                    char* lit = PQescapeLiteral(conn, m_values[k].data(), m_values[k].size());
                    if (!lit) return fail(ErrorCode::Storage, "cannot quote a NOTIFY payload");
                    sql += lit;
                    PQfreemem(lit);
                }
                i = end - 1;
                continue;
            }
            sql += m_sql[i];
        }
        m_engine->deferNotify(std::move(sql));
        return false;
    }
    const int n = int(m_values.size());
    std::vector<const char*> values(m_values.size());
    std::vector<int> lengths(m_values.size());
    for (std::size_t i = 0; i < m_values.size(); ++i) {
        values[i] = m_null[i] ? nullptr : m_values[i].c_str();
        lengths[i] = int(m_values[i].size());
    }
    if (m_generation != m_engine->generation()) m_name.clear(); // lost with the old session
    PGresult* r = nullptr;
    bool answered = false;
    // A write of a writes-last job that needs no answer goes into the pipeline; a statement
    // prepared before rides along with what is queued there (one round trip for all). Anything
    // else (a first run, a PREPARE) ends the pipeline first.
    if (!m_name.empty() && !m_table.empty() && !m_returningId && m_engine->deferWrites()) {
        VERBATIM_TRY(m_engine->pipelineWrite(m_name, n, values.data(), lengths.data(),
                                             m_formats.data(), m_table));
        return false;
    }
    // An INSERT that returns its new id (a queue row) needs no answer either when the engine
    // chooses the id: without this, each one would wait for its own round trip.
    if (m_returningId && !m_explicitIdSql.empty() && m_engine->deferWrites())
        return runWithAllocatedId(n);
    if (m_returningId) VERBATIM_TRY(m_engine->syncSequence(m_table));
    if (m_engine->pipelined()) {
        if (!m_name.empty()) {
            if (!PQsendQueryPrepared(conn, m_name.c_str(), n, values.data(), lengths.data(),
                                     m_formats.data(), 0)) {
                Error e = m_engine->errorOf(nullptr, "statement failed");
                (void)m_engine->flushPipeline();
                return tl::unexpected(e);
            }
            VERBATIM_TRY(m_engine->flushPipeline(&r));
            answered = true;
        } else {
            VERBATIM_TRY(m_engine->flushPipeline());
        }
    }
    for (int attempt = 0; attempt < 2 && !answered; ++attempt) {
        // Types are left to PostgreSQL to infer from each parameter's place, as SQLite's loose
        // typing expects; where it cannot (`? IS NULL`), the bound types are sent instead.
        const Oid* types = m_typed ? m_types.data() : nullptr;
        if (m_name.empty() && ++m_runs >= 2) {
            std::string name = m_engine->newName();
            PGresult* p = PQprepare(conn, name.c_str(), m_sql.c_str(), n, types);
            const bool prepared = p && PQresultStatus(p) == PGRES_COMMAND_OK;
            if (!prepared && PgEngine::sqlState(p) == "42P18" && !m_typed) {
                PQclear(p);
                m_typed = true;
                continue;
            }
            if (!prepared) {
                Error e = m_engine->errorOf(p, "prepare failed");
                if (p) PQclear(p);
                return tl::unexpected(e);
            }
            PQclear(p);
            m_name = std::move(name);
            m_generation = m_engine->generation();
        }
        if (!m_name.empty())
            r = PQexecPrepared(conn, m_name.c_str(), n, values.data(), lengths.data(),
                               m_formats.data(), 0);
        else
            r = PQexecParams(conn, m_sql.c_str(), n, types, values.data(), lengths.data(),
                             m_formats.data(), 0);
        if (r && PQresultStatus(r) == PGRES_FATAL_ERROR && PgEngine::sqlState(r) == "42P18" &&
            !m_typed && m_name.empty()) {
            PQclear(r);
            r = nullptr;
            m_typed = true;
            continue;
        }
        break;
    }
    const auto status = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    if (status == PGRES_COMMAND_OK) {
        m_engine->wrote(m_table, m_table.empty() ? 0 : std::strtoll(PQcmdTuples(r), nullptr, 10));
        PQclear(r);
        return false;
    }
    if (status != PGRES_TUPLES_OK) {
        Error e = m_engine->errorOf(r, "statement failed");
        if (r) PQclear(r);
        return tl::unexpected(e);
    }
    if (m_returningId) {
        const int rows = PQntuples(r);
        if (rows > 0)
            m_engine->setLastInsertId(std::strtoll(PQgetvalue(r, rows - 1, 0), nullptr, 10));
        m_engine->wrote(m_table, rows);
        PQclear(r);
        return false;
    }
    m_result = r;
    m_row = 0;
    return PQntuples(r) > 0;
}

Result<bool> PgStatement::runWithAllocatedId(int n) {
    if (!m_explicit)
        m_explicit = std::make_unique<PgStatement>(m_engine, m_explicitIdSql, n + 1, Kind::Prepared,
                                                   m_table, false);
    VERBATIM_TRY_LET(id, m_engine->allocateId(m_table));
    for (std::size_t i = 0; i < std::size_t(n); ++i) {
        m_explicit->m_values[i] = m_values[i];
        m_explicit->m_null[i] = m_null[i];
        m_explicit->m_formats[i] = m_formats[i];
        m_explicit->m_types[i] = m_types[i];
    }
    m_explicit->set(n + 1, std::to_string(*id), 0, kInt8Oid);
    m_explicit->m_typed = m_explicit->m_typed || m_typed;
    m_explicit->clearResult();
    VERBATIM_TRY(m_explicit->run());
    m_engine->setLastInsertId(*id);
    return false;
}

} // namespace verbatim::relay::pg
