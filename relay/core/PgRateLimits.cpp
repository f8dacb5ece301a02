/// @file PgRateLimits.cpp
/// The relay's rate-limit buckets in the PostgreSQL store (PgStore.h, openPostgresRateLimits),
/// shared by every node on it. One row per bucket; a lease is one atomic UPSERT that refills the
/// bucket by the database's clock and takes what it can, under the row's lock, so concurrent
/// nodes never take the same token twice.
#include "relay/core/PgEngine.h"
#include "relay/core/PgStore.h"
#include "relay/core/RateLimiter.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <mutex>

namespace verbatim::relay {

namespace {

// Milliseconds since the epoch by the database's clock, the same for every node; stable within
// one statement.
#define VR_NOW "(extract(epoch FROM statement_timestamp()) * 1000)::float8"
// The bucket's level now: $2 capacity, $3 tokens per millisecond.
#define VR_LEVEL "least($2, b.tokens + greatest(0, " VR_NOW " - b.updated_ms) * $3)"
#define VR_GRANT "least($4, floor(" VR_LEVEL "))"

constexpr const char* kCreate =
    "CREATE TABLE IF NOT EXISTS verbatim_rate_limits (key TEXT PRIMARY KEY, "
    "tokens DOUBLE PRECISION NOT NULL, updated_ms DOUBLE PRECISION NOT NULL, "
    "granted DOUBLE PRECISION NOT NULL, full_ms DOUBLE PRECISION NOT NULL)";

// $1 key, $2 capacity, $3 tokens per millisecond, $4 tokens wanted. A new bucket starts full.
// full_ms is when the bucket will be full again: from then on the row means nothing and goes.
constexpr const char* kLease =
    "INSERT INTO verbatim_rate_limits AS b (key, tokens, updated_ms, granted, full_ms) "
    "VALUES ($1, $2 - least($4, floor($2)), " VR_NOW ", least($4, floor($2)), " VR_NOW
    " + least($4, floor($2)) / $3) "
    "ON CONFLICT (key) DO UPDATE SET granted = " VR_GRANT ", tokens = " VR_LEVEL " - " VR_GRANT
    ", updated_ms = greatest(b.updated_ms, " VR_NOW "), full_ms = greatest(b.updated_ms, " VR_NOW
    ") + ($2 - (" VR_LEVEL " - " VR_GRANT ")) / $3 RETURNING granted, tokens";

constexpr const char* kLevel = "SELECT " VR_LEVEL " FROM verbatim_rate_limits b WHERE b.key = $1";

constexpr const char* kPrune = "DELETE FROM verbatim_rate_limits WHERE full_ms < " VR_NOW;

constexpr Oid kTextOid = 25, kFloat8Oid = 701;

std::string number(double v) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.17g", v);
    return buf;
}

std::uint64_t waitMs(double tokens, double perMs) {
    if (tokens >= 1.0) return 0;
    return std::max<std::uint64_t>(1, std::uint64_t(std::ceil((1.0 - tokens) / perMs)));
}

std::uint64_t steadyMs() {
    using namespace std::chrono;
    return std::uint64_t(
        duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count());
}

class PgBuckets final : public SharedBuckets {
public:
    explicit PgBuckets(PGconn* conn) : m_conn(conn) {}
    ~PgBuckets() override { PQfinish(m_conn); }

    Result<void> setUp() {
        // Under the writers' lock: nodes that start together would otherwise race to create it.
        PGresult* r =
            PQexec(m_conn,
                   (std::string("BEGIN; ") + pg::kWriteLock + "; " + kCreate + "; COMMIT").c_str());
        const bool ok = r && PQresultStatus(r) == PGRES_COMMAND_OK;
        Error e = ok ? Error{} : errorOf(r, "cannot create the rate-limit table");
        if (r) PQclear(r);
        if (!ok) {
            if (PGresult* rb = PQexec(m_conn, "ROLLBACK")) PQclear(rb);
            return tl::unexpected(e);
        }
        return prepare();
    }

    Result<Grant> lease(const std::string& key, const BucketSpec& spec,
                        std::uint64_t want) override {
        std::lock_guard lock(m_mutex);
        if (auto r = ready(); !r) return tl::unexpected(r.error());
        const double perMs = perMillisecond(spec);
        const std::string values[4] = {key, number(spec.capacity), number(perMs),
                                       number(double(want))};
        PGresult* r = run("vr_lease", values, 4);
        if (!r) return tl::unexpected(m_error);
        Grant g;
        const double granted = std::strtod(PQgetvalue(r, 0, 0), nullptr);
        const double tokens = std::strtod(PQgetvalue(r, 0, 1), nullptr);
        PQclear(r);
        g.tokens = granted >= 1 ? std::uint64_t(granted) : 0;
        if (g.tokens == 0) g.waitMs = waitMs(tokens, perMs);
        pruneNowAndThen();
        return g;
    }

    Result<std::uint64_t> wait(const std::string& key, const BucketSpec& spec) override {
        std::lock_guard lock(m_mutex);
        if (auto r = ready(); !r) return tl::unexpected(r.error());
        const double perMs = perMillisecond(spec);
        const std::string values[3] = {key, number(spec.capacity), number(perMs)};
        PGresult* r = run("vr_level", values, 3);
        if (!r) return tl::unexpected(m_error);
        const double level =
            PQntuples(r) > 0 ? std::strtod(PQgetvalue(r, 0, 0), nullptr) : spec.capacity;
        PQclear(r);
        return waitMs(level, perMs);
    }

private:
    static double perMillisecond(const BucketSpec& spec) {
        return std::max(spec.perSecond, 1e-12) / 1000.0;
    }

    Error errorOf(PGresult* r, const char* what) const {
        const char* primary = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
        std::string why = PQstatus(m_conn) != CONNECTION_OK ? "PostgreSQL connection lost"
                          : primary                         ? primary
                                                            : PQerrorMessage(m_conn);
        if (auto nl = why.find('\n'); nl != std::string::npos) why.resize(nl);
        return Error{ErrorCode::Storage, std::string(what) + ": " + why, 0};
    }

    Result<void> prepare() {
        const Oid types[4] = {kTextOid, kFloat8Oid, kFloat8Oid, kFloat8Oid};
        struct Named {
            const char* name;
            const char* sql;
            int params;
        };
        for (const Named& s : {Named{"vr_lease", kLease, 4}, Named{"vr_level", kLevel, 3}}) {
            PGresult* r = PQprepare(m_conn, s.name, s.sql, s.params, types);
            const bool ok = r && PQresultStatus(r) == PGRES_COMMAND_OK;
            Error e = ok ? Error{} : errorOf(r, "cannot prepare the rate-limit statements");
            if (r) PQclear(r);
            if (!ok) return tl::unexpected(e);
        }
        return {};
    }

    // The connection, re-established at most once a second while PostgreSQL is away (callers
    // count on this node meanwhile: RateLimiter).
    Result<void> ready() {
        if (PQstatus(m_conn) == CONNECTION_OK) return {};
        const std::uint64_t now = steadyMs();
        if (now < m_retryAtMs) return fail(ErrorCode::Storage, "PostgreSQL unavailable");
        m_retryAtMs = now + 1000;
        PQreset(m_conn);
        if (PQstatus(m_conn) != CONNECTION_OK) return tl::unexpected(errorOf(nullptr, "reconnect"));
        return prepare();
    }

    PGresult* run(const char* name, const std::string* values, int n) {
        const char* v[4];
        for (int i = 0; i < n; ++i)
            v[i] = values[i].c_str();
        PGresult* r = PQexecPrepared(m_conn, name, n, v, nullptr, nullptr, 0);
        if (r && PQresultStatus(r) == PGRES_TUPLES_OK) return r;
        m_error = errorOf(r, "rate limit");
        if (r) PQclear(r);
        return nullptr;
    }

    // A full bucket is the same as none: rows of buckets that have refilled go once a minute.
    void pruneNowAndThen() {
        const std::uint64_t now = steadyMs();
        if (now - std::min(now, m_prunedMs) < 60000) return;
        m_prunedMs = now;
        if (PGresult* r = PQexec(m_conn, kPrune)) PQclear(r);
    }

    std::mutex m_mutex; ///< the connection is used by one caller at a time
    PGconn* m_conn;
    Error m_error;
    std::uint64_t m_retryAtMs = 0, m_prunedMs = 0;
};

#undef VR_GRANT
#undef VR_LEVEL
#undef VR_NOW

} // namespace

Result<std::unique_ptr<SharedBuckets>> openPostgresRateLimits(const std::string& url) {
    auto conn = pg::connectUrl(url);
    if (!conn) return tl::unexpected(conn.error());
    auto buckets = std::make_unique<PgBuckets>(*conn);
    if (auto r = buckets->setUp(); !r) return tl::unexpected(r.error());
    return std::unique_ptr<SharedBuckets>(std::move(buckets));
}

} // namespace verbatim::relay
