#pragma once
/// @file PgStore.h
/// The relay's PostgreSQL store (issue 20): a storage::Database on a PostgreSQL connection
/// (libpq), chosen with `--store postgresql://...`. The relay's code keeps writing SQLite's SQL;
/// the engine translates each statement once, when it is prepared (postgresDialect below), and
/// keeps SQLite's meanings where the relay relies on them:
///   - begin() is BEGIN plus a transaction-level advisory lock that every writer of the store
///     takes (pg_advisory_xact_lock), as BEGIN IMMEDIATE takes SQLite's one write lock. Every
///     write transaction of every process on the store is therefore in one total order, and the
///     journal's hash chain with it: the head a transaction appends to is the last committed one.
///   - PRAGMA data_version changes only when another connection committed (a counter in the
///     bookkeeping row verbatim_store, raised by every committing writer), so the relay reloads
///     its journal head and caches after `verbatim-relay admin` or another node wrote.
///   - the schema version of migrate() lives in the same row.
/// Statement errors and a lost connection are ErrorCode::Storage (devices get Unavailable and
/// resend); the connection is re-established at the next transaction once PostgreSQL answers.
///
/// libpq stays inside relay/core/Pg*.cpp (PgEngine.h lists them by role). Connections that are not on a Unix socket use TLS
/// (sslmode=require when the URL sets none; disable, allow and prefer are refused).

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

#include "storage/Database.h"

namespace verbatim::relay {

/// True when `store` (a --store value) names a PostgreSQL database: postgresql:// or
/// postgres://.
bool isPostgresUrl(std::string_view store);

/// Connects to the PostgreSQL database at `url` (a libpq connection URI) and makes sure its
/// bookkeeping row exists. The URL may carry a password: it is never logged nor put in errors.
[[nodiscard]] Result<std::unique_ptr<storage::Database>> openPostgres(const std::string& url);

/// From now until called with false, writes of `db` (a PostgreSQL store; nothing otherwise) that
/// need no answer go into a libpq pipeline instead of a round trip each, and fail the batch if
/// they fail (StorageThread::postWritesLast runs its jobs so).
void deferPostgresWrites(storage::Database& db, bool on);

class SharedBuckets;
/// The rate-limit buckets of every node on the store at `url` (table verbatim_rate_limits, made
/// here if missing), on a connection of their own (RateLimiter::share). Thread-safe.
[[nodiscard]] Result<std::unique_ptr<SharedBuckets>> openPostgresRateLimits(const std::string& url);

/// LISTEN on `channel` over a connection of its own (issue 20: cross-node wake-ups). PostgreSQL
/// delivers a NOTIFY only once its transaction committed. `onNotify(payload)` runs on the
/// listener's thread for each one; after a lost connection comes back it runs once with an
/// empty payload (notifications in between are lost: the caller catches up on everything).
/// Reconnects every second while PostgreSQL is away.
class PgListener {
public:
    [[nodiscard]] static Result<std::unique_ptr<PgListener>>
    start(const std::string& url, const std::string& channel,
          std::function<void(std::string_view payload)> onNotify);
    ~PgListener(); ///< stops the thread
    PgListener(const PgListener&) = delete;
    PgListener& operator=(const PgListener&) = delete;

private:
    PgListener() = default;
    void loop();
    std::string m_url, m_channel;
    std::function<void(std::string_view)> m_onNotify;
    void* m_conn = nullptr; ///< PGconn, used by the thread only
    std::atomic<bool> m_stopping{false};
    std::thread m_thread;
};

/// SQLite's SQL as PostgreSQL takes it, for one statement, without catalog knowledge: `?` become
/// $1..$n, the column name `user` is quoted, x'..' literals become bytea, scalar max()/min() of
/// several arguments become greatest()/least(), INSERT OR IGNORE gets ON CONFLICT DO NOTHING and
/// BEGIN IMMEDIATE is BEGIN. INSERT OR REPLACE loses its OR REPLACE and sets `*orReplace`: its
/// ON CONFLICT clause needs the table's primary key, which the engine adds (without `orReplace`
/// the statement becomes INSERT OR IGNORE). Exposed for tests.
std::string postgresDialect(std::string_view sqliteSql, int* parameterCount = nullptr,
                            bool* orReplace = nullptr);

} // namespace verbatim::relay
