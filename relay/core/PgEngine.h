#pragma once
/// @file PgEngine.h
/// Private to the PostgreSQL store (PgStore.h): the storage::Engine on a libpq connection and its
/// statements. Included by relay/core/Pg*.cpp only, since it brings libpq. The store by role:
///   - PgStore.cpp: the connection (TLS policy, reconnect after a loss) and openPostgres();
///   - PgDialect.cpp: SQLite's SQL translated for PostgreSQL, once per prepared statement;
///   - PgEngine.cpp: transactions (the writers' advisory lock, data_version, deferred NOTIFYs);
///   - PgStatement.cpp: binding and executing one statement (prepared from its second run);
///   - PgListener.cpp: LISTEN on a connection of its own.
/// An engine and its statements are used from one thread at a time (the storage thread).

#include <libpq-fe.h>

#include "common/Try.h"
#include "storage/Database.h"

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace verbatim::relay::pg {

// The key of the transaction-level advisory lock every writer of the store takes at BEGIN.
inline constexpr const char* kWriteLock = "SELECT pg_advisory_xact_lock(5643126732412027462)";

// Text helpers shared by the translation and the engine (PgDialect.cpp).
bool iequals(std::string_view a, std::string_view b);
bool startsWithWord(std::string_view s, std::string_view word);
bool isWordChar(char c);
std::string_view trim(std::string_view s);
/// The next word of `s` from `at` (skipping spaces, a "quoted" name whole), moving `at` past it.
std::string nextWord(std::string_view s, std::size_t& at);
std::string unquote(std::string s);
std::string quoteIdent(const std::string& s);
/// A bytea column's text (hex format) as bytes (PgStatement.cpp).
Bytes decodeBytea(const char* text, std::size_t size);

/// A connection to `url`, TLS enforced when it is not on a Unix socket (PgStore.cpp). Errors
/// never hold the URL (it may carry a password).
Result<PGconn*> connectUrl(const std::string& url);

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
                bool returningId, std::string explicitIdSql = {})
        : m_engine(engine), m_sql(std::move(sql)), m_kind(kind), m_table(std::move(table)),
          m_returningId(returningId), m_explicitIdSql(std::move(explicitIdSql)) {
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
    /// A pipelined INSERT of a RETURNING id statement: the id comes from the engine (allocateId)
    /// and the row goes out through m_explicit, with no round trip of its own.
    Result<bool> runWithAllocatedId(int n);

    PgEngine* m_engine;
    std::string m_sql;
    Kind m_kind;
    std::string m_table; ///< the table an INSERT, UPDATE or DELETE writes ("" otherwise)
    bool m_returningId;
    /// The same INSERT naming `id` as its last parameter (empty: it cannot be written so).
    std::string m_explicitIdSql;
    std::unique_ptr<PgStatement> m_explicit; ///< m_explicitIdSql's statement, made at first use
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

    Result<void> setUp();

    Result<void> exec(std::string_view sql) override;

    Result<std::unique_ptr<storage::StatementEngine>> prepare(std::string_view sql) override {
        VERBATIM_TRY_LET(t, translate(trim(sql)));
        return std::unique_ptr<storage::StatementEngine>(new PgStatement(
            this, t->sql, t->params, t->kind, t->table, t->returningId, t->explicitIdSql));
    }

    std::int64_t totalChanges() const override { return m_totalChanges; }
    int changes() const override { return m_changes; }
    std::int64_t lastInsertRowId() const override { return m_lastInsertId; }
    bool inTransaction() const override {
        auto s = PQtransactionStatus(m_conn);
        return s == PQTRANS_INTRANS || s == PQTRANS_ACTIVE;
    }

    Result<void> begin() override;

    Result<void> commit() override;

    /// A NOTIFY inside a transaction goes out with its COMMIT (PostgreSQL delivers it only then
    /// anyway), in the same round trip. Savepoints keep PostgreSQL's meaning: a ROLLBACK TO
    /// drops the NOTIFYs made after its SAVEPOINT.
    void deferNotify(std::string sql) { m_notifies.push_back(std::move(sql)); }
    void savepointStatement(std::string_view sql);

    void rollback() noexcept override;

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

    // ---- pipelined writes (StorageThread::postWritesLast) ---------------------------------
    /// While set inside a transaction, a write that needs no answer (a prepared INSERT, UPDATE
    /// or DELETE without RETURNING) is sent without waiting for it (libpq pipeline mode), and
    /// the next statement that needs an answer goes in the same round trip. Its failure then
    /// shows at that statement or at COMMIT, failing the batch: only for jobs whose failure
    /// after writing fails the batch anyway (writes-last jobs).
    void setDeferWrites(bool on) { m_deferWrites = on; }
    bool deferWrites() const { return m_deferWrites && m_open; }
    bool pipelined() const { return m_pipelined; }
    /// Queues the named prepared write `name` in the pipeline (entered here when needed). It
    /// counts as one change at once: the job that sent it has written.
    Result<void> pipelineWrite(const std::string& name, int n, const char* const* values,
                               const int* lengths, const int* formats, const std::string& table);
    /// Ends the pipeline: a sync, then the queued writes' results in order and, with `own`, the
    /// result of one statement the caller sent after them (returned there; the caller clears
    /// it). The first failure is returned (`own` is then null).
    Result<void> flushPipeline(PGresult** own = nullptr);

    // ---- ids chosen by the engine (pipelined INSERTs into a table with an identity id) ----
    /// The next id of `table`'s identity column for a pipelined INSERT in the open transaction.
    /// The first of a transaction comes from the column's sequence (nextval: one round trip);
    /// the next ones are counted on from it, and COMMIT sets the sequence to the last one in the
    /// same round trip. Every writer holds the writers' lock from BEGIN to COMMIT, so no other
    /// connection takes an id from the sequence meanwhile: ids still grow in commit order, as
    /// the database's own would, and a rolled-back transaction only leaves a gap.
    Result<std::int64_t> allocateId(const std::string& table);
    /// Before an INSERT that lets the database choose the id in a transaction that counted ids
    /// on for `table`: the sequence is set past them first, so the two never meet.
    Result<void> syncSequence(const std::string& table);

    /// A statement outside a transaction may find the connection lost: reconnect first.
    Result<void> ensureConnected();

    /// PRAGMA data_version: changes only when another connection committed.
    Result<std::int64_t> dataVersion();

    Error errorOf(PGresult* r, const char* what) const;
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
        std::string explicitIdSql; ///< see PgStatement::m_explicitIdSql
    };
    /// SQL that sets each sequence of m_idRuns past its last id (prepended to COMMIT).
    std::string sequenceSettings() const;

    static std::string firstLine(const char* s) {
        std::string out = s ? s : "";
        if (auto nl = out.find('\n'); nl != std::string::npos) out.resize(nl);
        return out;
    }

    Result<void> session();

    Result<void> simple(const std::string& sql, bool countTables = false);

    Result<std::int64_t> scalar(const char* sql);

    Result<void> flushDeallocations();

    Result<const TableInfo*> tableInfo(const std::string& table);

    Result<Translated> translate(std::string_view sql);

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
    bool m_deferWrites = false;            ///< setDeferWrites()
    bool m_pipelined = false;              ///< in pipeline mode, m_pipelineWrites queued
    std::size_t m_pipelineWrites = 0;
    /// Per table, the ids allocateId() handed out in the open transaction: [first, next).
    struct IdRun {
        std::int64_t first = 0, next = 0;
    };
    std::map<std::string, IdRun> m_idRuns;
};

} // namespace verbatim::relay::pg
