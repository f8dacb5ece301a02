#include "relay/core/PgStore.h"

#include <libpq-fe.h>

#include "common/Try.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <map>
#include <optional>
#include <poll.h>
#include <pthread.h>
#include <vector>

namespace verbatim::relay {

namespace {

// The key of the transaction-level advisory lock every writer of the store takes at BEGIN.
constexpr const char* kWriteLock = "SELECT pg_advisory_xact_lock(5643126732412027462)";

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(a[i])) !=
            std::tolower(static_cast<unsigned char>(b[i])))
            return false;
    return true;
}
bool startsWithWord(std::string_view s, std::string_view word) {
    return s.size() >= word.size() && iequals(s.substr(0, word.size()), word) &&
           (s.size() == word.size() ||
            !(std::isalnum(static_cast<unsigned char>(s[word.size()])) || s[word.size()] == '_'));
}
bool isWordChar(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
}
std::string_view trim(std::string_view s) {
    while (!s.empty() && (std::isspace(static_cast<unsigned char>(s.front())) || s.front() == ';'))
        s.remove_prefix(1);
    while (!s.empty() && (std::isspace(static_cast<unsigned char>(s.back())) || s.back() == ';'))
        s.remove_suffix(1);
    return s;
}

// From `open` (a '(' in `sql`), whether its parenthesis holds a comma at its own depth.
bool hasTopLevelComma(std::string_view sql, std::size_t open) {
    int depth = 0;
    for (std::size_t i = open; i < sql.size(); ++i) {
        char c = sql[i];
        if (c == '\'') {
            for (++i; i < sql.size() && sql[i] != '\''; ++i) {
            }
            continue;
        }
        if (c == '(') ++depth;
        if (c == ')' && --depth == 0) return false;
        if (c == ',' && depth == 1) return true;
    }
    return false;
}

// The next word of `s` from `at` (skipping spaces), moving `at` past it.
std::string nextWord(std::string_view s, std::size_t& at) {
    while (at < s.size() && std::isspace(static_cast<unsigned char>(s[at])))
        ++at;
    std::size_t start = at;
    if (at < s.size() && s[at] == '"') {
        for (++at; at < s.size() && s[at] != '"'; ++at) {
        }
        if (at < s.size()) ++at;
        return std::string(s.substr(start, at - start));
    }
    while (at < s.size() && isWordChar(s[at]))
        ++at;
    return std::string(s.substr(start, at - start));
}

std::string unquote(std::string s) {
    if (s.size() >= 2 && s.front() == '"' && s.back() == '"') return s.substr(1, s.size() - 2);
    return s;
}
std::string quoteIdent(const std::string& s) {
    return s == "user" ? "\"user\"" : s;
}

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

constexpr Oid kBoolOid = 16, kByteaOid = 17, kInt8Oid = 20, kTextOid = 25, kFloat8Oid = 701;

struct TableInfo {
    std::vector<std::string> primaryKey;
    bool identityId = false; ///< an `id` column filled by the database (SQLite's AUTOINCREMENT)
};

class PgEngine;

// What a translated statement is.
enum class Kind { Prepared, Simple, DataVersion, Notify };

class PgStatement final : public storage::StatementEngine {
public:
    PgStatement(PgEngine* engine, std::string sql, int params, Kind kind, std::string table,
                bool returningId)
        : m_engine(engine), m_sql(std::move(sql)), m_kind(kind), m_table(std::move(table)),
          m_returningId(returningId) {
        m_values.resize(std::size_t(params));
        m_null.assign(std::size_t(params), true);
        m_formats.assign(std::size_t(params), 0);
        m_types.assign(std::size_t(params), 0);
    }
    ~PgStatement() override;

    void bind(int i, std::int64_t v) override { set(i, std::to_string(v), 0, kInt8Oid); }
    void bind(int i, std::string_view t) override { set(i, std::string(t), 0, kTextOid); }
    void bind(int i, ByteView b) override { set(i, std::string(b.begin(), b.end()), 1, kByteaOid); }
    void bindNull(int i) override {
        if (i >= 1 && std::size_t(i) <= m_values.size()) m_null[std::size_t(i - 1)] = true;
    }
    void bindReal(int i, double v) override {
        char buf[40];
        std::snprintf(buf, sizeof buf, "%.17g", v);
        set(i, buf, 0, kFloat8Oid);
    }
    Result<bool> step() override;
    void reset() override {
        clearResult();
        std::fill(m_null.begin(), m_null.end(), true);
    }
    std::int64_t columnInt(int c) const override {
        if (m_kind == Kind::DataVersion) return m_dataVersion;
        if (!cell(c)) return 0;
        const char* v = PQgetvalue(m_result, m_row, c);
        if (PQftype(m_result, c) == kBoolOid) return v[0] == 't' ? 1 : 0;
        return std::strtoll(v, nullptr, 10);
    }
    double columnReal(int c) const override {
        return cell(c) ? std::strtod(PQgetvalue(m_result, m_row, c), nullptr) : 0.0;
    }
    std::string columnText(int c) const override {
        if (!cell(c)) return {};
        if (PQftype(m_result, c) == kByteaOid) {
            Bytes b = columnBlob(c);
            return std::string(b.begin(), b.end());
        }
        return std::string(PQgetvalue(m_result, m_row, c),
                           std::size_t(PQgetlength(m_result, m_row, c)));
    }
    Bytes columnBlob(int c) const override {
        if (!cell(c)) return {};
        const char* v = PQgetvalue(m_result, m_row, c);
        const auto n = std::size_t(PQgetlength(m_result, m_row, c));
        if (PQftype(m_result, c) == kByteaOid) return decodeBytea(v, n);
        return Bytes(v, v + n);
    }
    bool columnIsNull(int c) const override {
        return !m_result || m_row < 0 || m_row >= PQntuples(m_result) || c < 0 ||
               c >= PQnfields(m_result) || PQgetisnull(m_result, m_row, c);
    }

private:
    void set(int i, std::string v, int format, Oid type) {
        if (i < 1 || std::size_t(i) > m_values.size()) return;
        auto k = std::size_t(i - 1);
        m_values[k] = std::move(v);
        m_null[k] = false;
        m_formats[k] = format;
        m_types[k] = type;
    }
    bool cell(int c) const { return !columnIsNull(c); }
    void clearResult() {
        if (m_result) PQclear(m_result);
        m_result = nullptr;
        m_row = -1;
    }
    Result<bool> execute();
    Result<bool> run();

    PgEngine* m_engine;
    std::string m_sql;
    Kind m_kind;
    std::string m_table; ///< the table an INSERT, UPDATE or DELETE writes ("" otherwise)
    bool m_returningId;
    std::vector<std::string> m_values;
    std::vector<bool> m_null;
    std::vector<int> m_formats;
    std::vector<Oid> m_types;
    bool m_typed = false; ///< parameters are sent with their bound types (see execute())
    int m_runs = 0;       ///< executions: from the second on, a named prepared statement
    std::string m_name;   ///< the prepared statement's name, once prepared
    std::uint64_t m_generation = 0;
    PGresult* m_result = nullptr;
    int m_row = -1;
    std::int64_t m_dataVersion = 0;

    friend class PgEngine;
};

class PgEngine final : public storage::Engine {
public:
    explicit PgEngine(PGconn* conn) : m_conn(conn) {}
    ~PgEngine() override {
        if (m_conn) PQfinish(m_conn);
    }

    Result<void> setUp() {
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

    Result<void> exec(std::string_view sql) override {
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

    Result<std::unique_ptr<storage::StatementEngine>> prepare(std::string_view sql) override {
        VERBATIM_TRY_LET(t, translate(trim(sql)));
        return std::unique_ptr<storage::StatementEngine>(
            new PgStatement(this, t->sql, t->params, t->kind, t->table, t->returningId));
    }

    std::int64_t totalChanges() const override { return m_totalChanges; }
    int changes() const override { return m_changes; }
    std::int64_t lastInsertRowId() const override { return m_lastInsertId; }
    bool inTransaction() const override {
        auto s = PQtransactionStatus(m_conn);
        return s == PQTRANS_INTRANS || s == PQTRANS_ACTIVE;
    }

    Result<void> begin() override {
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
        return {};
    }

    Result<void> commit() override {
        // One round trip: the deferred NOTIFYs, data_version when anything was written, COMMIT.
        std::string sql;
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

    /// A NOTIFY inside a transaction goes out with its COMMIT (PostgreSQL delivers it only then
    /// anyway), in the same round trip. Savepoints keep PostgreSQL's meaning: a ROLLBACK TO
    /// drops the NOTIFYs made after its SAVEPOINT.
    void deferNotify(std::string sql) { m_notifies.push_back(std::move(sql)); }
    void savepointStatement(std::string_view sql) {
        if (startsWithWord(sql, "SAVEPOINT")) {
            m_savepoints.push_back(m_notifies.size());
        } else if (startsWithWord(sql, "RELEASE")) {
            if (!m_savepoints.empty()) m_savepoints.pop_back();
        } else if (startsWithWord(sql, "ROLLBACK") && !m_savepoints.empty()) {
            m_notifies.resize(std::min(m_notifies.size(), m_savepoints.back()));
        }
    }

    void rollback() noexcept override {
        m_open = false;
        m_txChanges = 0;
        m_notifies.clear();
        m_savepoints.clear();
        if (PQstatus(m_conn) != CONNECTION_OK) return;
        if (PQtransactionStatus(m_conn) == PQTRANS_IDLE) return;
        if (PGresult* r = PQexec(m_conn, "ROLLBACK")) PQclear(r);
        m_txChanges = 0;
    }

    Result<std::int64_t> userVersion() override {
        VERBATIM_TRY(ensureConnected());
        return scalar("SELECT schema_version FROM verbatim_store");
    }
    Result<void> setUserVersion(std::int64_t version) override {
        return simple("UPDATE verbatim_store SET schema_version = " + std::to_string(version));
    }
    void onRowChange(std::function<void(std::string_view)> fn) override {
        m_rowChange = std::move(fn);
    }

    // ---- for PgStatement ----------------------------------------------------------------------

    PGconn* conn() const { return m_conn; }
    bool isOpen() const { return m_open; }
    std::uint64_t generation() const { return m_generation; }
    std::string newName() { return "vs" + std::to_string(++m_names); }
    void deallocateLater(std::string name) { m_deallocate.push_back(std::move(name)); }

    /// After a statement wrote `rows` rows to `table`.
    void wrote(const std::string& table, std::int64_t rows) {
        if (table.empty()) return; // SQLite's changes() counts INSERT, UPDATE and DELETE only
        m_changes = int(rows);
        if (rows <= 0) return;
        m_totalChanges += rows;
        m_txChanges += rows;
        if (m_rowChange && !table.empty()) m_rowChange(table);
    }
    void setLastInsertId(std::int64_t id) { m_lastInsertId = id; }

    /// A statement outside a transaction may find the connection lost: reconnect first.
    Result<void> ensureConnected() {
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

    /// PRAGMA data_version: changes only when another connection committed.
    Result<std::int64_t> dataVersion() {
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

    Error errorOf(PGresult* r, const char* what) const {
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
    static std::string sqlState(PGresult* r) {
        const char* s = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
        return s ? s : "";
    }

private:
    struct Translated {
        std::string sql;
        int params = 0;
        Kind kind = Kind::Prepared;
        std::string table;
        bool returningId = false;
    };

    static std::string firstLine(const char* s) {
        std::string out = s ? s : "";
        if (auto nl = out.find('\n'); nl != std::string::npos) out.resize(nl);
        return out;
    }

    Result<void> session() {
        PQsetNoticeProcessor(
            m_conn, [](void*, const char*) {}, nullptr);
        return simple("SET client_min_messages = warning; SET bytea_output = hex; "
                      "SET standard_conforming_strings = on");
    }

    Result<void> simple(const std::string& sql, bool countTables = false) {
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

    Result<std::int64_t> scalar(const char* sql) {
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

    Result<void> flushDeallocations() {
        if (m_deallocate.empty()) return {};
        std::string sql;
        for (const auto& n : m_deallocate)
            sql += "DEALLOCATE " + n + ";";
        m_deallocate.clear();
        return simple(sql);
    }

    Result<const TableInfo*> tableInfo(const std::string& table) {
        if (auto it = m_tables.find(table); it != m_tables.end()) return &it->second;
        VERBATIM_TRY(ensureConnected());
        const char* values[1] = {table.c_str()};
        PGresult* r =
            PQexecParams(m_conn,
                         "SELECT a.attname, coalesce(i.indisprimary, false), a.attidentity <> '' "
                         "FROM pg_attribute a LEFT JOIN pg_index i ON i.indrelid = a.attrelid AND "
                         "i.indisprimary AND a.attnum = ANY(i.indkey) "
                         "WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped "
                         "ORDER BY a.attnum",
                         1, nullptr, values, nullptr, nullptr, 0);
        if (!r || PQresultStatus(r) != PGRES_TUPLES_OK) {
            Error e = errorOf(r, "cannot read the table's columns");
            if (r) PQclear(r);
            return tl::unexpected(e);
        }
        TableInfo info;
        for (int i = 0; i < PQntuples(r); ++i) {
            std::string name = PQgetvalue(r, i, 0);
            if (PQgetvalue(r, i, 1)[0] == 't') info.primaryKey.push_back(name);
            if (name == "id" && PQgetvalue(r, i, 2)[0] == 't') info.identityId = true;
        }
        PQclear(r);
        return &m_tables.emplace(table, std::move(info)).first->second;
    }

    Result<Translated> translate(std::string_view sql) {
        Translated t;
        if (startsWithWord(sql, "PRAGMA")) {
            std::size_t at = 6;
            const std::string name = nextWord(sql, at);
            if (iequals(name, "data_version")) {
                t.kind = Kind::DataVersion;
                return t;
            }
            if (iequals(name, "database_list")) { // no file: nothing to list
                t.sql = "SELECT 0, '', '' WHERE false";
                return t;
            }
            return fail(ErrorCode::Unsupported, "PRAGMA " + name + " is for SQLite only");
        }
        bool replace = false;
        t.sql = postgresDialect(sql, &t.params, &replace);
        std::string_view s = t.sql;
        for (const char* word : {"SAVEPOINT", "RELEASE", "ROLLBACK", "BEGIN", "COMMIT", "CREATE",
                                 "DROP", "ALTER", "DEALLOCATE"})
            if (startsWithWord(s, word) && t.params == 0) t.kind = Kind::Simple;
        std::size_t at = 0;
        const std::string first = nextWord(s, at);
        if (iequals(first, "SELECT")) {
            std::size_t p = at;
            if (iequals(nextWord(s, p), "pg_notify")) t.kind = Kind::Notify;
        }
        if (iequals(first, "INSERT")) {
            nextWord(s, at); // INTO
            t.table = unquote(nextWord(s, at));
            VERBATIM_TRY_LET(info, tableInfo(t.table));
            if (replace) {
                // INSERT OR REPLACE: on a primary key conflict, the row takes the new values.
                std::vector<std::string> columns;
                auto open = t.sql.find('(', at);
                auto close = open == std::string::npos ? open : t.sql.find(')', open);
                if (close == std::string::npos)
                    return fail(ErrorCode::Unsupported, "INSERT OR REPLACE needs a column list");
                std::string_view list(t.sql.data() + open + 1, close - open - 1);
                for (std::size_t p = 0; p < list.size();) {
                    std::string c = nextWord(list, p);
                    if (c.empty()) break;
                    columns.push_back(unquote(c));
                    while (p < list.size() &&
                           (list[p] == ',' || std::isspace(static_cast<unsigned char>(list[p]))))
                        ++p;
                }
                const auto& pk = (*info)->primaryKey;
                std::string target, sets;
                for (const auto& k : pk)
                    target += (target.empty() ? "" : ", ") + quoteIdent(k);
                for (const auto& c : columns) {
                    if (std::find(pk.begin(), pk.end(), c) != pk.end()) continue;
                    sets +=
                        (sets.empty() ? "" : ", ") + quoteIdent(c) + " = EXCLUDED." + quoteIdent(c);
                }
                if (target.empty())
                    return fail(ErrorCode::Unsupported,
                                "INSERT OR REPLACE into a table without a primary key");
                t.sql += " ON CONFLICT (" + target + ") DO " +
                         (sets.empty() ? std::string("NOTHING") : "UPDATE SET " + sets);
            }
            if ((*info)->identityId) {
                t.sql += " RETURNING id";
                t.returningId = true;
            }
        } else if (iequals(first, "UPDATE")) {
            t.table = unquote(nextWord(s, at));
        } else if (iequals(first, "DELETE")) {
            nextWord(s, at); // FROM
            t.table = unquote(nextWord(s, at));
        }
        return t;
    }

    PGconn* m_conn;
    std::uint64_t m_generation = 1;
    std::uint64_t m_names = 0;
    std::vector<std::string> m_deallocate;
    std::map<std::string, TableInfo> m_tables;
    std::vector<std::string> m_changedTables;
    std::function<void(std::string_view)> m_rowChange;
    std::int64_t m_totalChanges = 0, m_txChanges = 0, m_lastInsertId = 0;
    int m_changes = 0;
    bool m_open = false; ///< between begin() and the end of its transaction
    /// data_version as begin() read it under the writers' lock
    std::optional<std::int64_t> m_versionAtBegin;
    std::vector<std::string> m_notifies;   ///< NOTIFYs of the open transaction, sent at COMMIT
    std::vector<std::size_t> m_savepoints; ///< m_notifies.size() at each open SAVEPOINT
    std::int64_t m_seenVersion = 0;        ///< verbatim_store.data_version last seen or written
    std::int64_t m_localVersion = 1;       ///< what PRAGMA data_version answers
};

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
    for (int attempt = 0; attempt < 2; ++attempt) {
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

} // namespace

bool isPostgresUrl(std::string_view store) {
    return store.rfind("postgresql://", 0) == 0 || store.rfind("postgres://", 0) == 0;
}

std::string postgresDialect(std::string_view sql, int* parameterCount, bool* orReplace) {
    sql = trim(sql);
    std::string out;
    out.reserve(sql.size() + 32);
    int params = 0;
    bool orIgnore = false;
    if (orReplace) *orReplace = false;
    // INSERT OR IGNORE INTO ... -> INSERT INTO ... ON CONFLICT DO NOTHING; INSERT OR REPLACE
    // loses its OR REPLACE here and gets its ON CONFLICT clause from the caller.
    if (startsWithWord(sql, "INSERT")) {
        std::size_t at = 6;
        std::string w = nextWord(sql, at);
        if (iequals(w, "OR")) {
            std::size_t after = at;
            const std::string what = nextWord(sql, after);
            if (iequals(what, "IGNORE") || iequals(what, "REPLACE")) {
                (iequals(what, "IGNORE") ? orIgnore : *(orReplace ? orReplace : &orIgnore)) = true;
                out = "INSERT";
                sql.remove_prefix(after);
            }
        }
    }
    if (startsWithWord(sql, "BEGIN")) return "BEGIN";
    for (std::size_t i = 0; i < sql.size(); ++i) {
        const char c = sql[i];
        if (c == '\'') { // a string literal, as it is
            std::size_t end = i + 1;
            while (end < sql.size()) {
                if (sql[end] == '\'' && end + 1 < sql.size() && sql[end + 1] == '\'') {
                    end += 2;
                    continue;
                }
                if (sql[end] == '\'') break;
                ++end;
            }
            out.append(sql.substr(i, end - i + 1));
            i = end;
            continue;
        }
        if (c == '"') {
            std::size_t end = sql.find('"', i + 1);
            if (end == std::string_view::npos) end = sql.size() - 1;
            out.append(sql.substr(i, end - i + 1));
            i = end;
            continue;
        }
        if (c == '-' && i + 1 < sql.size() && sql[i + 1] == '-') { // a comment, to its line's end
            std::size_t end = sql.find('\n', i);
            if (end == std::string_view::npos) end = sql.size();
            i = end - 1;
            continue;
        }
        if (c == '?') {
            out += '$';
            out += std::to_string(++params);
            continue;
        }
        if (isWordChar(c) && (i == 0 || !isWordChar(sql[i - 1]))) {
            std::size_t end = i;
            while (end < sql.size() && isWordChar(sql[end]))
                ++end;
            std::string_view word = sql.substr(i, end - i);
            if ((word == "x" || word == "X") && end < sql.size() && sql[end] == '\'') {
                std::size_t close = sql.find('\'', end + 1);
                if (close != std::string_view::npos) { // x'0102' -> '\x0102'::bytea
                    out += "'\\x";
                    out.append(sql.substr(end + 1, close - end - 1));
                    out += "'::bytea";
                    i = close;
                    continue;
                }
            }
            if (word == "user" || word == "USER") {
                out += "\"user\"";
            } else if (iequals(word, "max") || iequals(word, "min")) {
                std::size_t p = end;
                while (p < sql.size() && std::isspace(static_cast<unsigned char>(sql[p])))
                    ++p;
                if (p < sql.size() && sql[p] == '(' && hasTopLevelComma(sql, p))
                    out += iequals(word, "max") ? "greatest" : "least";
                else
                    out.append(word);
            } else if (iequals(word, "AUTOINCREMENT")) {
                // only SQLite's schemas use it; PostgreSQL schemas are written for PostgreSQL
                out.append(word);
            } else {
                out.append(word);
            }
            i = end - 1;
            continue;
        }
        out += c;
    }
    if (orIgnore) out += " ON CONFLICT DO NOTHING";
    if (parameterCount) *parameterCount = params;
    return out;
}

namespace {
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
} // namespace

Result<std::unique_ptr<storage::Database>> openPostgres(const std::string& url) {
    auto conn = connectUrl(url);
    if (!conn) return tl::unexpected(conn.error());
    auto engine = std::make_unique<PgEngine>(*conn);
    if (auto r = engine->setUp(); !r) return tl::unexpected(r.error());
    return storage::Database::withEngine(std::move(engine));
}

// ---- PgListener ---------------------------------------------------------------------------------

Result<std::unique_ptr<PgListener>>
PgListener::start(const std::string& url, const std::string& channel,
                  std::function<void(std::string_view)> onNotify) {
    std::unique_ptr<PgListener> l(new PgListener());
    l->m_url = url;
    l->m_channel = channel;
    l->m_onNotify = std::move(onNotify);
    auto conn = connectUrl(url);
    if (!conn) return tl::unexpected(conn.error());
    PGresult* r = PQexec(*conn, ("LISTEN " + channel).c_str());
    const bool ok = r && PQresultStatus(r) == PGRES_COMMAND_OK;
    if (r) PQclear(r);
    if (!ok) {
        PQfinish(*conn);
        return fail(ErrorCode::Storage, "cannot LISTEN on PostgreSQL");
    }
    l->m_conn = *conn;
    l->m_thread = std::thread([raw = l.get()] { raw->loop(); });
    return l;
}

PgListener::~PgListener() {
    m_stopping = true;
    if (m_thread.joinable()) m_thread.join();
    if (m_conn) PQfinish(static_cast<PGconn*>(m_conn));
}

void PgListener::loop() {
    pthread_setname_np(pthread_self(), "vr-pg-listen");
    while (!m_stopping) {
        auto* conn = static_cast<PGconn*>(m_conn);
        if (!conn) {
            // Away: try again every second; what was sent meanwhile is caught up on at once.
            for (int i = 0; i < 10 && !m_stopping; ++i)
                std::this_thread::sleep_for(std::chrono::milliseconds(100));
            if (m_stopping) break;
            auto fresh = connectUrl(m_url);
            if (!fresh) continue;
            PGresult* r = PQexec(*fresh, ("LISTEN " + m_channel).c_str());
            const bool ok = r && PQresultStatus(r) == PGRES_COMMAND_OK;
            if (r) PQclear(r);
            if (!ok) {
                PQfinish(*fresh);
                continue;
            }
            m_conn = *fresh;
            m_onNotify({});
            continue;
        }
        pollfd p{PQsocket(conn), POLLIN, 0};
        const int ready = p.fd < 0 ? -1 : ::poll(&p, 1, 200);
        if (ready < 0 && errno == EINTR) continue;
        if (ready < 0 || (ready > 0 && PQconsumeInput(conn) == 0) ||
            PQstatus(conn) != CONNECTION_OK) {
            PQfinish(conn);
            m_conn = nullptr;
            continue;
        }
        while (PGnotify* n = PQnotifies(conn)) {
            m_onNotify(n->extra ? std::string_view(n->extra) : std::string_view());
            PQfreemem(n);
        }
    }
}

} // namespace verbatim::relay
