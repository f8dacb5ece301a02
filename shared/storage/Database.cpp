#include "storage/Database.h"

#include <sqlite3.h>

#include <filesystem>

namespace verbatim::storage {

namespace {
tl::unexpected<Error> sqlFail(sqlite3* db, int rc, const char* what) {
    ErrorCode code = ErrorCode::Storage;
    if (rc == SQLITE_NOTADB) code = ErrorCode::WrongKey;
    std::string msg = what;
    msg += ": ";
    // SQLite's messages name tables and constraints, never bound values.
    msg += db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    return tl::unexpected(Error{code, std::move(msg), rc});
}

// SQLite's page cache, with one key moved. When a B-tree page split leaves its new pages out of
// order, SQLite swaps their numbers through a temporary one: the page that holds the lock bytes
// (1 GiB / page size + 1), which no database ever uses. The default cache then remembers that
// number as its largest key, so the next COMMIT, which drops cached pages past the end of the
// file, walks every page in the cache instead of none (with a 64 MiB cache that is 16,000
// pages, about a millisecond, on most commits of a busy relay). This wrapper files the
// temporary page under key 0, which no page ever has, and forwards everything else unchanged.
struct SwapPageCache {
    sqlite3_pcache* inner;
    unsigned swapPage; // page number of the temporary swap
};
sqlite3_pcache_methods2 g_defaultCache{};

unsigned innerPage(const SwapPageCache* c, unsigned page) {
    return page == c->swapPage ? 0u : page;
}
SwapPageCache* wrapped(sqlite3_pcache* p) {
    return reinterpret_cast<SwapPageCache*>(p);
}

bool installPageCache() {
    if (sqlite3_config(SQLITE_CONFIG_GETPCACHE2, &g_defaultCache) != SQLITE_OK) return false;
    static sqlite3_pcache_methods2 methods{};
    methods.iVersion = 2;
    methods.pArg = nullptr;
    methods.xInit = [](void*) { return g_defaultCache.xInit(g_defaultCache.pArg); };
    methods.xShutdown = [](void*) {
        if (g_defaultCache.xShutdown) g_defaultCache.xShutdown(g_defaultCache.pArg);
    };
    methods.xCreate = [](int szPage, int szExtra, int bPurgeable) -> sqlite3_pcache* {
        auto* c = static_cast<SwapPageCache*>(sqlite3_malloc(sizeof(SwapPageCache)));
        if (!c) return nullptr;
        c->inner = g_defaultCache.xCreate(szPage, szExtra, bPurgeable);
        if (!c->inner) {
            sqlite3_free(c);
            return nullptr;
        }
        c->swapPage = szPage > 0 ? unsigned(0x40000000 / szPage + 1) : 0u; // SQLite's PENDING_BYTE
        return reinterpret_cast<sqlite3_pcache*>(c);
    };
    methods.xCachesize = [](sqlite3_pcache* p, int n) {
        g_defaultCache.xCachesize(wrapped(p)->inner, n);
    };
    methods.xPagecount = [](sqlite3_pcache* p) {
        return g_defaultCache.xPagecount(wrapped(p)->inner);
    };
    methods.xFetch = [](sqlite3_pcache* p, unsigned page, int create) {
        return g_defaultCache.xFetch(wrapped(p)->inner, innerPage(wrapped(p), page), create);
    };
    methods.xUnpin = [](sqlite3_pcache* p, sqlite3_pcache_page* page, int discard) {
        g_defaultCache.xUnpin(wrapped(p)->inner, page, discard);
    };
    methods.xRekey = [](sqlite3_pcache* p, sqlite3_pcache_page* page, unsigned from, unsigned to) {
        auto* c = wrapped(p);
        g_defaultCache.xRekey(c->inner, page, innerPage(c, from), innerPage(c, to));
    };
    methods.xTruncate = [](sqlite3_pcache* p, unsigned limit) {
        g_defaultCache.xTruncate(wrapped(p)->inner, limit);
    };
    methods.xDestroy = [](sqlite3_pcache* p) {
        g_defaultCache.xDestroy(wrapped(p)->inner);
        sqlite3_free(p);
    };
    methods.xShrink = [](sqlite3_pcache* p) {
        if (g_defaultCache.xShrink) g_defaultCache.xShrink(wrapped(p)->inner);
    };
    return sqlite3_config(SQLITE_CONFIG_PCACHE2, &methods) == SQLITE_OK;
}
} // namespace

// ---- Statement -------------------------------------------------------------------------------

Statement::Statement(std::unique_ptr<StatementEngine> engine) : m_engine(std::move(engine)) {}
Statement::Statement(Statement&& o) noexcept
    : m_db(std::exchange(o.m_db, nullptr)), m_stmt(std::exchange(o.m_stmt, nullptr)),
      m_engine(std::move(o.m_engine)) {}
Statement& Statement::operator=(Statement&& o) noexcept {
    if (this != &o) {
        if (m_stmt) sqlite3_finalize(m_stmt);
        m_db = std::exchange(o.m_db, nullptr);
        m_stmt = std::exchange(o.m_stmt, nullptr);
        m_engine = std::move(o.m_engine);
    }
    return *this;
}
Statement::~Statement() {
    if (m_stmt) sqlite3_finalize(m_stmt);
}

Statement& Statement::bind(int i, std::int64_t v) {
    if (m_engine) {
        m_engine->bind(i, v);
        return *this;
    }
    sqlite3_bind_int64(m_stmt, i, v);
    return *this;
}
Statement& Statement::bind(int i, std::string_view t) {
    if (m_engine) {
        m_engine->bind(i, t);
        return *this;
    }
    // An empty view may have a null data pointer, which SQLite would bind as NULL.
    sqlite3_bind_text(m_stmt, i, t.data() ? t.data() : "", int(t.size()), SQLITE_TRANSIENT);
    return *this;
}
Statement& Statement::bind(int i, ByteView b) {
    if (m_engine) {
        m_engine->bind(i, b);
        return *this;
    }
    // A zero-length blob must still be a blob, not NULL.
    static const std::uint8_t empty = 0;
    sqlite3_bind_blob(m_stmt, i, b.empty() ? &empty : b.data(), int(b.size()), SQLITE_TRANSIENT);
    return *this;
}
Statement& Statement::bindReal(int i, double v) {
    if (m_engine) {
        m_engine->bindReal(i, v);
        return *this;
    }
    sqlite3_bind_double(m_stmt, i, v);
    return *this;
}
Statement& Statement::bindNull(int i) {
    if (m_engine) {
        m_engine->bindNull(i);
        return *this;
    }
    sqlite3_bind_null(m_stmt, i);
    return *this;
}

Result<bool> Statement::step() {
    if (m_engine) return m_engine->step();
    int rc = sqlite3_step(m_stmt);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    auto e = m_db->error(rc, "statement failed");
    sqlite3_reset(m_stmt);
    return tl::unexpected(e);
}

Result<void> Statement::run() {
    while (true) {
        auto r = step();
        if (!r) return tl::unexpected(r.error());
        if (!*r) break;
    }
    reset();
    return {};
}

void Statement::reset() {
    if (m_engine) return m_engine->reset();
    sqlite3_reset(m_stmt);
    sqlite3_clear_bindings(m_stmt);
}

std::int64_t Statement::columnInt(int c) const {
    if (m_engine) return m_engine->columnInt(c);
    return sqlite3_column_int64(m_stmt, c);
}
double Statement::columnReal(int c) const {
    if (m_engine) return m_engine->columnReal(c);
    return sqlite3_column_double(m_stmt, c);
}
std::string Statement::columnText(int c) const {
    if (m_engine) return m_engine->columnText(c);
    auto p = reinterpret_cast<const char*>(sqlite3_column_text(m_stmt, c));
    return p ? std::string(p, std::size_t(sqlite3_column_bytes(m_stmt, c))) : std::string();
}
Bytes Statement::columnBlob(int c) const {
    if (m_engine) return m_engine->columnBlob(c);
    auto p = static_cast<const std::uint8_t*>(sqlite3_column_blob(m_stmt, c));
    return p ? Bytes(p, p + sqlite3_column_bytes(m_stmt, c)) : Bytes();
}
bool Statement::columnIsNull(int c) const {
    if (m_engine) return m_engine->columnIsNull(c);
    return sqlite3_column_type(m_stmt, c) == SQLITE_NULL;
}

// ---- Database --------------------------------------------------------------------------------

Error Database::error(int rc, const char* what) const {
    return sqlFail(m_db, rc, what).value();
}

Result<std::unique_ptr<Database>> Database::open(const std::string& path, ByteView rawKey,
                                                 const OpenOptions& options) {
    if (rawKey.size() != 32)
        return fail(ErrorCode::InvalidArgument, "database key must be 32 bytes");
    if (!options.create && !std::filesystem::exists(path))
        return fail(ErrorCode::NotFound, "database file does not exist");

    // SQLite counts every allocation under one process-wide mutex unless told not to; nothing
    // here reads those counters (sqlite3_memory_used). Has to precede SQLite's initialisation,
    // so it is done once, before the first connection.
    static const bool configured = [] {
        bool ok = sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0) == SQLITE_OK;
        return installPageCache() && ok;
    }();
    (void)configured;
    std::unique_ptr<Database> db(new Database());
    int flags =
        SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX | (options.create ? SQLITE_OPEN_CREATE : 0);
    int rc = sqlite3_open_v2(path.c_str(), &db->m_db, flags, nullptr);
    if (rc != SQLITE_OK) return sqlFail(db->m_db, rc, "cannot open database");

    // Raw key: x'<64 hex>' tells SQLCipher to skip PBKDF2 (the key is random, not a password).
    SecureBytes keySpec;
    std::string hex = toHex(rawKey);
    keySpec.reserve(hex.size() + 3);
    keySpec.push_back('x');
    keySpec.push_back('\'');
    keySpec.insert(keySpec.end(), hex.begin(), hex.end());
    keySpec.push_back('\'');
    secureWipe(hex.data(), hex.size());
    rc = sqlite3_key(db->m_db, keySpec.data(), int(keySpec.size()));
    if (rc != SQLITE_OK) return sqlFail(db->m_db, rc, "cannot set database key");

    // Pin every cipher setting (ST-05): a library default changing later must not change how
    // existing files are read. cipher_compatibility = 3 leaves the plaintext header size at the
    // process-wide default, and cipher_use_hmac is a process-wide default too.
    std::string cipher = options.compatibility3
                             ? "PRAGMA cipher_compatibility = 3;"
                               "PRAGMA cipher_plaintext_header_size = 0;"
                             : "PRAGMA cipher_page_size = 4096;"
                               "PRAGMA kdf_iter = 256000;"
                               "PRAGMA cipher_hmac_algorithm = HMAC_SHA512;"
                               "PRAGMA cipher_kdf_algorithm = PBKDF2_HMAC_SHA512;"
                               "PRAGMA cipher_use_hmac = ON;"
                               "PRAGMA cipher_plaintext_header_size = 0;";
    // SQLCipher's own default since 4.5: wiping every freed allocation costs more than it
    // protects here; key material we hold is wiped by SecureBytes.
    cipher += "PRAGMA cipher_memory_security = OFF;";
    if (auto r = db->exec(cipher); !r) return tl::unexpected(r.error());

    // The first read decrypts page 1: a wrong key fails here with SQLITE_NOTADB, before any
    // write could touch the file.
    rc = sqlite3_exec(db->m_db, "SELECT count(*) FROM sqlite_master;", nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK) {
        if (rc == SQLITE_NOTADB)
            return fail(ErrorCode::WrongKey,
                        "database cannot be decrypted: wrong key, or the file is not a Verbatim "
                        "database",
                        rc);
        return sqlFail(db->m_db, rc, "database cannot be read");
    }
    std::string pragmas = "PRAGMA journal_mode = WAL;"
                          "PRAGMA secure_delete = ON;"
                          "PRAGMA temp_store = MEMORY;"
                          "PRAGMA foreign_keys = ON;"
                          "PRAGMA busy_timeout = 5000;";
    pragmas += options.durability == Durability::Full ? "PRAGMA synchronous = FULL;"
                                                      : "PRAGMA synchronous = NORMAL;";
    if (options.cacheKiB)
        pragmas += "PRAGMA cache_size = -" + std::to_string(options.cacheKiB) + ";";
    if (auto r = db->exec(pragmas); !r) return tl::unexpected(r.error());
    return db;
}

std::unique_ptr<Database> Database::withEngine(std::unique_ptr<Engine> engine) {
    std::unique_ptr<Database> db(new Database());
    db->m_engine = std::move(engine);
    return db;
}

namespace {
tl::unexpected<Error> onlySqlcipher(const char* what) {
    return fail(ErrorCode::Unsupported, std::string(what) + " is for the SQLCipher store only");
}
} // namespace

void Database::onRowChange(std::function<void(std::string_view)> fn) {
    if (m_engine) return m_engine->onRowChange(std::move(fn));
    m_rowChange = std::move(fn);
    if (!m_rowChange) {
        sqlite3_update_hook(m_db, nullptr, nullptr);
        return;
    }
    sqlite3_update_hook(
        m_db,
        [](void* self, int, const char*, const char* table, sqlite3_int64) {
            static_cast<Database*>(self)->m_rowChange(table);
        },
        this);
}

Database::~Database() {
    m_cache.clear(); // finalize cached statements before closing
    if (m_db) sqlite3_close_v2(m_db);
}

Result<void> Database::exec(std::string_view sql) {
    if (m_engine) return m_engine->exec(sql);
    std::string s(sql);
    char* err = nullptr;
    int rc = sqlite3_exec(m_db, s.c_str(), nullptr, nullptr, &err);
    if (err) sqlite3_free(err);
    if (rc != SQLITE_OK) return sqlFail(m_db, rc, "exec failed");
    return {};
}

std::int64_t Database::totalChanges() const {
    if (m_engine) return m_engine->totalChanges();
    return sqlite3_total_changes64(m_db);
}

Result<Statement> Database::prepare(std::string_view sql) {
    if (m_engine) {
        auto st = m_engine->prepare(sql);
        if (!st) return tl::unexpected(st.error());
        return Statement(std::move(*st));
    }
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v3(m_db, sql.data(), int(sql.size()), SQLITE_PREPARE_PERSISTENT, &stmt,
                                nullptr);
    if (rc != SQLITE_OK) return sqlFail(m_db, rc, "prepare failed");
    return Statement(this, stmt);
}

Result<StatementLease> Database::cached(std::string_view sql) {
    std::string key(sql);
    auto it = m_cache.find(key);
    if (it == m_cache.end()) {
        auto st = prepare(sql);
        if (!st) return tl::unexpected(st.error());
        it = m_cache.emplace(std::move(key), std::make_unique<Statement>(std::move(*st))).first;
    }
    it->second->reset();
    return StatementLease(it->second.get());
}

Result<void> Database::backupTo(Database& destination, int pagesPerStep,
                                const std::function<void()>& afterStep) {
    if (m_engine || destination.m_engine) return onlySqlcipher("backup");
    sqlite3_backup* b = sqlite3_backup_init(destination.m_db, "main", m_db, "main");
    if (!b) return sqlFail(destination.m_db, sqlite3_errcode(destination.m_db), "backup");
    int rc = SQLITE_OK;
    while (rc == SQLITE_OK) {
        rc = sqlite3_backup_step(b, pagesPerStep > 0 ? pagesPerStep : -1);
        if (rc == SQLITE_OK && afterStep) afterStep();
    }
    int fin = sqlite3_backup_finish(b);
    if (rc != SQLITE_DONE) return sqlFail(nullptr, rc, "backup");
    if (fin != SQLITE_OK) return sqlFail(destination.m_db, fin, "backup");
    return {};
}

Result<std::int64_t> Database::userVersion() {
    if (m_engine) return m_engine->userVersion();
    auto st = prepare("PRAGMA user_version");
    if (!st) return tl::unexpected(st.error());
    auto row = st->step();
    if (!row) return tl::unexpected(row.error());
    return *row ? st->columnInt(0) : 0;
}

Result<void> Database::migrate(std::span<const std::string_view> migrations) {
    auto version =
        userVersion(); // its statement is finalized here: a running one would lock tables
    if (!version) return tl::unexpected(version.error());
    if (*version > std::int64_t(migrations.size()))
        return fail(ErrorCode::Unsupported,
                    "the database has schema version " + std::to_string(*version) +
                        ", written by a newer Verbatim release; this one knows up to version " +
                        std::to_string(migrations.size()) + " (the file was not changed)");
    if (*version == std::int64_t(migrations.size())) return {};
    // One transaction for every step: a crash or a failing step leaves the old version whole,
    // never a store between two versions that neither release can open.
    Transaction tx(*this);
    if (auto r = tx.begin(); !r) return r;
    for (std::size_t i = std::size_t(*version); i < migrations.size(); ++i) {
        if (auto r = exec(migrations[i]); !r)
            return fail(r.error().code, "schema migration to version " + std::to_string(i + 1) +
                                            " failed (the store "
                                            "was left at version " +
                                            std::to_string(*version) + "): " + r.error().message);
    }
    if (m_engine) {
        if (auto r = m_engine->setUserVersion(std::int64_t(migrations.size())); !r) return r;
    } else if (auto r = exec("PRAGMA user_version = " + std::to_string(migrations.size())); !r) {
        return r;
    }
    return tx.commit();
}

bool Database::inTransaction() const {
    if (m_engine) return m_engine->inTransaction();
    return m_db && !sqlite3_get_autocommit(m_db);
}

Result<void> Database::begin() {
    if (m_engine) return m_engine->begin();
    return exec("BEGIN IMMEDIATE");
}
Result<void> Database::commit() {
    if (m_engine) return m_engine->commit();
    return exec("COMMIT");
}
void Database::rollback() noexcept {
    if (m_engine) return m_engine->rollback();
    if (!sqlite3_get_autocommit(m_db)) sqlite3_exec(m_db, "ROLLBACK", nullptr, nullptr, nullptr);
}

std::int64_t Database::lastInsertRowId() const {
    if (m_engine) return m_engine->lastInsertRowId();
    return sqlite3_last_insert_rowid(m_db);
}
int Database::changes() const {
    if (m_engine) return m_engine->changes();
    return sqlite3_changes(m_db);
}

Result<std::vector<std::string>> Database::cipherIntegrityCheck() {
    if (m_engine) return onlySqlcipher("cipher_integrity_check");
    auto st = prepare("PRAGMA cipher_integrity_check");
    if (!st) return tl::unexpected(st.error());
    std::vector<std::string> problems;
    while (true) {
        auto row = st->step();
        if (!row) return tl::unexpected(row.error());
        if (!*row) break;
        problems.push_back(st->columnText(0));
    }
    return problems;
}

Result<bool> Database::integrityCheck() {
    if (m_engine) return onlySqlcipher("integrity_check");
    auto st = prepare("PRAGMA integrity_check");
    if (!st) return tl::unexpected(st.error());
    auto row = st->step();
    if (!row) return tl::unexpected(row.error());
    return *row && st->columnText(0) == "ok";
}

Result<void> Database::rekey(ByteView newRawKey) {
    if (newRawKey.size() != 32)
        return fail(ErrorCode::InvalidArgument, "database key must be 32 bytes");
    if (m_engine) return onlySqlcipher("rekey");
    SecureBytes spec;
    std::string hex = toHex(newRawKey);
    spec.push_back('x');
    spec.push_back('\'');
    spec.insert(spec.end(), hex.begin(), hex.end());
    spec.push_back('\'');
    secureWipe(hex.data(), hex.size());
    int rc = sqlite3_rekey(m_db, spec.data(), int(spec.size()));
    if (rc != SQLITE_OK) return sqlFail(m_db, rc, "rekey failed");
    return {};
}

} // namespace verbatim::storage
