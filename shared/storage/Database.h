#pragma once
/// @file Database.h
/// A SQLCipher 4 database: encrypted pages (AES-256-CBC + HMAC-SHA512 per page), every cipher
/// setting pinned explicitly, WAL, secure_delete, temp files in memory. Statements and
/// transactions are RAII. One Database per thread (SQLite's serialized mode is not used for
/// concurrency: callers own their threading).
///
/// A Database may instead run on another engine (Engine below: the relay's PostgreSQL store,
/// relay/core/PgStore.h). Callers keep writing SQLite's SQL; the engine translates it. What only
/// SQLCipher has (integrity checks, backup, rekey) fails with ErrorCode::Unsupported there.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <utility>

#include "common/Bytes.h"

struct sqlite3;
struct sqlite3_stmt;

namespace verbatim::storage {

class Database;

/// A prepared statement of another engine (see Engine). Same contract as Statement's members.
class StatementEngine {
public:
    virtual ~StatementEngine() = default;
    virtual void bind(int index, std::int64_t value) = 0;
    virtual void bind(int index, std::string_view text) = 0;
    virtual void bind(int index, ByteView blob) = 0;
    virtual void bindNull(int index) = 0;
    virtual void bindReal(int index, double value) = 0;
    virtual Result<bool> step() = 0;
    virtual void reset() = 0;
    virtual std::int64_t columnInt(int col) const = 0;
    virtual double columnReal(int col) const = 0;
    virtual std::string columnText(int col) const = 0;
    virtual Bytes columnBlob(int col) const = 0;
    virtual bool columnIsNull(int col) const = 0;
};

/// Another SQL engine behind Database. It takes SQLite's SQL and runs it in its own dialect, and
/// keeps SQLite's meanings: begin() takes the store's one write lock as BEGIN IMMEDIATE does,
/// PRAGMA data_version changes only when another connection committed, lastInsertRowId() and
/// changes() as SQLite counts them, and onRowChange() for this connection's writes. A statement
/// error that aborts the whole transaction makes inTransaction() false.
class Engine {
public:
    virtual ~Engine() = default;
    virtual Result<void> exec(std::string_view sql) = 0;
    virtual Result<std::unique_ptr<StatementEngine>> prepare(std::string_view sql) = 0;
    virtual std::int64_t totalChanges() const = 0;
    virtual int changes() const = 0;
    virtual std::int64_t lastInsertRowId() const = 0;
    virtual bool inTransaction() const = 0;
    virtual Result<void> begin() = 0;
    virtual Result<void> commit() = 0;
    virtual void rollback() noexcept = 0;
    /// The schema version migrate() keeps (SQLite's PRAGMA user_version).
    virtual Result<std::int64_t> userVersion() = 0;
    virtual Result<void> setUserVersion(std::int64_t version) = 0;
    virtual void onRowChange(std::function<void(std::string_view table)> fn) = 0;
};

/// A prepared statement. Bind indexes start at 1, column indexes at 0.
class Statement {
public:
    Statement(Statement&&) noexcept;
    Statement& operator=(Statement&&) noexcept;
    ~Statement();

    Statement& bind(int index, std::int64_t value);
    Statement& bind(int index, std::string_view text);
    Statement& bind(int index, ByteView blob);
    Statement& bindNull(int index);
    Statement& bindReal(int index, double value);

    /// Runs one step: true when a row is available, false when done.
    [[nodiscard]] Result<bool> step();
    /// Steps to completion (for statements without rows) and resets.
    [[nodiscard]] Result<void> run();
    void reset();
    /// Steps through the remaining rows and calls `onRow` at each, with the statement (read its
    /// columns) or with nothing. `onRow` may return Result<void>: its first failure stops the
    /// walk and is returned, as is a step's failure.
    template <class F> [[nodiscard]] Result<void> forEachRow(F&& onRow) {
        while (true) {
            auto row = step();
            if (!row) return tl::unexpected(row.error());
            if (!*row) return {};
            if constexpr (std::is_invocable_v<F&, Statement&>) {
                if constexpr (std::is_void_v<std::invoke_result_t<F&, Statement&>>) {
                    onRow(*this);
                } else if (auto r = onRow(*this); !r) {
                    return tl::unexpected(r.error());
                }
            } else {
                if constexpr (std::is_void_v<std::invoke_result_t<F&>>) {
                    onRow();
                } else if (auto r = onRow(); !r) {
                    return tl::unexpected(r.error());
                }
            }
        }
    }

    std::int64_t columnInt(int col) const;
    double columnReal(int col) const;
    std::string columnText(int col) const;
    Bytes columnBlob(int col) const;
    bool columnIsNull(int col) const;

private:
    friend class Database;
    Statement(Database* db, sqlite3_stmt* stmt) : m_db(db), m_stmt(stmt) {}
    explicit Statement(std::unique_ptr<StatementEngine> engine);
    Database* m_db = nullptr;
    sqlite3_stmt* m_stmt = nullptr;
    std::unique_ptr<StatementEngine> m_engine; ///< set instead of m_stmt on another engine
};

/// A statement borrowed from the database's cache; reset (bindings cleared, read cursor closed)
/// when the lease ends, so that a cached SELECT never holds a read transaction open.
class StatementLease {
public:
    explicit StatementLease(Statement* s) : m_s(s) {}
    StatementLease(StatementLease&& o) noexcept : m_s(std::exchange(o.m_s, nullptr)) {}
    StatementLease& operator=(StatementLease&&) = delete;
    ~StatementLease() {
        if (m_s) m_s->reset();
    }
    Statement* operator->() const { return m_s; }
    Statement& operator*() const { return *m_s; }
    // The Statement interface, so that `Result<StatementLease>` reads like `Result<Statement>`.
    template <class T> StatementLease& bind(int i, T&& v) {
        m_s->bind(i, std::forward<T>(v));
        return *this;
    }
    StatementLease& bindReal(int i, double v) {
        m_s->bindReal(i, v);
        return *this;
    }
    StatementLease& bindNull(int i) {
        m_s->bindNull(i);
        return *this;
    }
    [[nodiscard]] Result<bool> step() { return m_s->step(); }
    [[nodiscard]] Result<void> run() { return m_s->run(); }
    template <class F> [[nodiscard]] Result<void> forEachRow(F&& onRow) {
        return m_s->forEachRow(std::forward<F>(onRow));
    }
    std::int64_t columnInt(int c) const { return m_s->columnInt(c); }
    double columnReal(int c) const { return m_s->columnReal(c); }
    std::string columnText(int c) const { return m_s->columnText(c); }
    Bytes columnBlob(int c) const { return m_s->columnBlob(c); }
    bool columnIsNull(int c) const { return m_s->columnIsNull(c); }

private:
    Statement* m_s;
};

/// Durability of commits. Normal survives a process kill (WAL); Full also a power loss.
enum class Durability { Normal, Full };

struct OpenOptions {
    bool create = true; ///< create the file when missing
    Durability durability = Durability::Normal;
    /// SQLCipher 3.x compatibility (cipher_compatibility = 3) for opening old files.
    bool compatibility3 = false;
    /// Page cache of this connection in KiB; 0 keeps SQLite's default (2 MiB). Every page read
    /// from the file is decrypted and authenticated again, so a busy database wants its working
    /// set (the indexes it inserts into at random) to stay in the cache.
    std::uint32_t cacheKiB = 0;
};

class Database {
public:
    /// Opens (or creates) `path` with a 32-byte raw key. A wrong key fails with
    /// ErrorCode::WrongKey and never modifies the file; a damaged file fails with
    /// ErrorCode::Storage. The key is passed as a raw key (no KDF: it is random, not a password).
    [[nodiscard]] static Result<std::unique_ptr<Database>>
    open(const std::string& path, ByteView rawKey, const OpenOptions& options = {});
    /// A Database on another engine (the relay's PostgreSQL store).
    [[nodiscard]] static std::unique_ptr<Database> withEngine(std::unique_ptr<Engine> engine);
    ~Database();
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;

    /// Executes SQL without results (may hold several statements).
    [[nodiscard]] Result<void> exec(std::string_view sql);
    [[nodiscard]] Result<Statement> prepare(std::string_view sql);
    /// A prepared statement from this connection's cache (compiled once, reused): for SQL that
    /// runs on every message. The lease resets it.
    [[nodiscard]] Result<StatementLease> cached(std::string_view sql);
    /// Rows inserted, updated or deleted by this connection's completed statements since it
    /// opened (sqlite3_total_changes64): a failed statement's rows are not counted.
    [[nodiscard]] std::int64_t totalChanges() const;

    /// Brings the schema from PRAGMA user_version to migrations.size(): runs `migrations[i]` for
    /// every i >= user_version, all in one transaction with the new user_version, so a migration
    /// that fails leaves the store exactly as it was (at its old version, nothing half-applied).
    /// A store whose user_version is above migrations.size() (written by a newer release) fails
    /// with ErrorCode::Unsupported before anything is written.
    [[nodiscard]] Result<void> migrate(std::span<const std::string_view> migrations);
    [[nodiscard]] Result<void> migrate(std::initializer_list<std::string_view> migrations) {
        return migrate(std::span<const std::string_view>(migrations.begin(), migrations.size()));
    }
    /// PRAGMA user_version: the schema version migrate() brought the store to (0: none).
    [[nodiscard]] Result<std::int64_t> userVersion();

    [[nodiscard]] Result<void> begin(); ///< BEGIN IMMEDIATE
    [[nodiscard]] Result<void> commit();
    void rollback() noexcept;

    /// True inside BEGIN ... COMMIT.
    bool inTransaction() const;
    std::int64_t lastInsertRowId() const;
    int changes() const;

    /// PRAGMA cipher_integrity_check: the list of damaged pages (empty when all HMACs verify).
    [[nodiscard]] Result<std::vector<std::string>> cipherIntegrityCheck();
    /// PRAGMA integrity_check == "ok".
    [[nodiscard]] Result<bool> integrityCheck();
    /// Copies this connection's main database, page by page, into `destination` (SQLite's backup
    /// API, in one step: one read transaction, so the copy is a consistent snapshot while other
    /// connections keep writing; inside a transaction this connection has open, that
    /// transaction's snapshot). SQLCipher decrypts each page with this key and encrypts it with
    /// the destination's: both must be keyed (a plain destination is refused). For online
    /// backups (verbatim-relay backup). With `pagesPerStep` > 0 the copy goes in steps of that
    /// many pages and `afterStep` runs after each (to pace the writes); the snapshot is the same
    /// only if this connection holds a read transaction across the steps (otherwise each step
    /// starts its own and a concurrent writer restarts the copy).
    [[nodiscard]] Result<void> backupTo(Database& destination, int pagesPerStep = -1,
                                        const std::function<void()>& afterStep = {});
    /// Re-encrypts the whole database under a new raw key.
    [[nodiscard]] Result<void> rekey(ByteView newRawKey);

    /// Calls `fn(table)` for every row this connection inserts, updates or deletes (SQLite's
    /// update hook: not for other connections' writes, and also for writes later rolled back).
    /// For caches of table contents; `fn` must not use the database. One hook; an empty `fn`
    /// removes it.
    void onRowChange(std::function<void(std::string_view table)> fn);

    /// Converts a SQLite result code into an Error (for Statement).
    Error error(int rc, const char* what) const;
    sqlite3* handle() const { return m_db; }
    /// The other engine this database runs on; null for SQLCipher.
    Engine* engine() const { return m_engine.get(); }

private:
    Database() = default;
    sqlite3* m_db = nullptr;
    std::unique_ptr<Engine> m_engine;
    std::unordered_map<std::string, std::unique_ptr<Statement>> m_cache;
    std::function<void(std::string_view)> m_rowChange;
};

/// Rolls back unless commit() was called.
class Transaction {
public:
    explicit Transaction(Database& db) : m_db(db) {}
    ~Transaction() {
        if (m_active) m_db.rollback();
    }
    [[nodiscard]] Result<void> begin() {
        auto r = m_db.begin();
        m_active = r.has_value();
        return r;
    }
    [[nodiscard]] Result<void> commit() {
        auto r = m_db.commit();
        if (r) m_active = false;
        return r;
    }

private:
    Database& m_db;
    bool m_active = false;
};

} // namespace verbatim::storage
