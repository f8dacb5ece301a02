/// @file PgStore.cpp
/// The PostgreSQL store's connection (PgStore.h): the URL with its TLS policy, the session
/// settings, the bookkeeping row, and reconnecting after a lost connection. The rest of the
/// store is split by role (PgEngine.h lists the files).
#include "relay/core/PgStore.h"

#include "relay/core/PgEngine.h"

#include <vector>

namespace verbatim::relay {

namespace pg {

// A connection to `url`, TLS enforced when it is not on a Unix socket.
Result<PGconn*> connectUrl(const std::string& url) {
    char* parseError = nullptr;
    PQconninfoOption* options = PQconninfoParse(url.c_str(), &parseError);
    if (!options) {
        std::string why = parseError ? parseError : "out of memory";
        if (parseError) PQfreemem(parseError);
        if (auto nl = why.find('\n'); nl != std::string::npos) why.resize(nl);
        return fail(ErrorCode::InvalidArgument, "--store is not a PostgreSQL URL: " + why);
    }
    std::vector<std::string> keys, values;
    bool tcp = false;
    std::string sslmode;
    for (PQconninfoOption* o = options; o->keyword; ++o) {
        if (!o->val) continue;
        const std::string k = o->keyword, v = o->val;
        if (k == "sslmode") {
            sslmode = v;
            continue;
        }
        if (k == "hostaddr" && !v.empty()) tcp = true;
        if (k == "host") {
            // A comma-separated list: any host that is not a socket directory is reached by TCP.
            std::size_t start = 0;
            while (start <= v.size()) {
                auto comma = v.find(',', start);
                std::string h =
                    v.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
                if (!h.empty() && h[0] != '/' && h[0] != '@') tcp = true;
                if (comma == std::string::npos) break;
                start = comma + 1;
            }
        }
        keys.push_back(k);
        values.push_back(v);
    }
    PQconninfoFree(options);
    if (tcp) {
        if (sslmode.empty()) sslmode = "require";
        if (sslmode == "disable" || sslmode == "allow" || sslmode == "prefer")
            return fail(ErrorCode::InvalidArgument,
                        "the PostgreSQL store takes TLS when it is not on a Unix socket: use "
                        "sslmode=require, verify-ca or verify-full (not " +
                            sslmode + ")");
    }
    if (!sslmode.empty()) {
        keys.push_back("sslmode");
        values.push_back(sslmode);
    }
    keys.push_back("application_name");
    values.push_back("verbatim-relay");
    std::vector<const char*> kw, val;
    for (std::size_t i = 0; i < keys.size(); ++i) {
        kw.push_back(keys[i].c_str());
        val.push_back(values[i].c_str());
    }
    kw.push_back(nullptr);
    val.push_back(nullptr);
    PGconn* conn = PQconnectdbParams(kw.data(), val.data(), 0);
    if (!conn) return fail(ErrorCode::Storage, "cannot connect to PostgreSQL: out of memory");
    if (PQstatus(conn) != CONNECTION_OK) {
        std::string why = PQerrorMessage(conn);
        PQfinish(conn);
        while (!why.empty() && (why.back() == '\n' || why.back() == ' '))
            why.pop_back();
        return fail(ErrorCode::Storage, "cannot connect to PostgreSQL: " + why);
    }
    return conn;
}

Result<void> PgEngine::setUp() {
    VERBATIM_TRY(session());
    // The bookkeeping row, made once per store under the writers' lock (nodes may start at
    // the same time).
    VERBATIM_TRY(simple(std::string("BEGIN; ") + kWriteLock +
                        "; CREATE TABLE IF NOT EXISTS verbatim_store ("
                        "one BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (one), "
                        "schema_version BIGINT NOT NULL, data_version BIGINT NOT NULL); "
                        "INSERT INTO verbatim_store (one, schema_version, data_version) "
                        "VALUES (TRUE, 0, 0) ON CONFLICT DO NOTHING; COMMIT"));
    VERBATIM_TRY_LET(v, scalar("SELECT data_version FROM verbatim_store"));
    m_seenVersion = *v;
    return {};
}

Result<void> PgEngine::session() {
    PQsetNoticeProcessor(
        m_conn, [](void*, const char*) {}, nullptr);
    return simple("SET client_min_messages = warning; SET bytea_output = hex; "
                  "SET standard_conforming_strings = on");
}

Result<void> PgEngine::ensureConnected() {
    if (PQstatus(m_conn) == CONNECTION_OK) return {};
    // Never inside a transaction: its statements would go on, each committing alone.
    if (m_open) return fail(ErrorCode::Storage, "PostgreSQL connection lost");
    PQreset(m_conn);
    if (PQstatus(m_conn) != CONNECTION_OK)
        return fail(ErrorCode::Storage,
                    "PostgreSQL unavailable: " + firstLine(PQerrorMessage(m_conn)));
    ++m_generation; // prepared statements are gone with the old session
    m_deallocate.clear();
    VERBATIM_TRY(session());
    // Whatever others committed while this one was away, and whatever state the caller
    // derived from a transaction the lost connection took with it (a journal head that the
    // rollback could not reload): PRAGMA data_version changes, so the relay reloads.
    VERBATIM_TRY_LET(v, scalar("SELECT data_version FROM verbatim_store"));
    ++m_localVersion;
    m_seenVersion = *v;
    return {};
}

Error PgEngine::errorOf(PGresult* r, const char* what) const {
    std::string msg = what;
    msg += ": ";
    // The primary message names tables and constraints, never values (they are in DETAIL,
    // which is not used).
    const char* primary = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
    if (PQstatus(m_conn) != CONNECTION_OK)
        msg += "PostgreSQL connection lost";
    else
        msg += primary ? primary : firstLine(PQerrorMessage(m_conn));
    return Error{ErrorCode::Storage, std::move(msg), 0};
}

} // namespace pg

void deferPostgresWrites(storage::Database& db, bool on) {
    if (auto* engine = dynamic_cast<pg::PgEngine*>(db.engine())) engine->setDeferWrites(on);
}

Result<std::unique_ptr<storage::Database>> openPostgres(const std::string& url) {
    auto conn = pg::connectUrl(url);
    if (!conn) return tl::unexpected(conn.error());
    auto engine = std::make_unique<pg::PgEngine>(*conn);
    if (auto r = engine->setUp(); !r) return tl::unexpected(r.error());
    return storage::Database::withEngine(std::move(engine));
}

} // namespace verbatim::relay
