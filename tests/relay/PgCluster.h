#pragma once
/// @file PgCluster.h
/// A throwaway PostgreSQL cluster for the tests of the relay's PostgreSQL store (issue 20):
/// initdb and pg_ctl from Debian's postgresql package (/usr/lib/postgresql/15/bin, or the
/// directory in VERBATIM_PG_BIN) in a new temporary directory, listening on a Unix socket in that
/// directory only (no TCP, no system service), with trust authentication for the superuser
/// `verbatim`. As root (CI) the cluster runs as Debian's `postgres` account through runuser, since
/// initdb refuses root; otherwise as the current user.
///
/// A watchdog process (a shell started at creation, in its own session) waits on a pipe that
/// only this process holds: when the test process ends in any way, a crash or a kill included,
/// the pipe closes and the watchdog shuts the postmaster down (SIGQUIT, then SIGKILL) and
/// removes the directory. Test-only code.

#include <memory>
#include <string>
#include <vector>

#include "common/Result.h"

namespace verbatim::relay {

class PgCluster {
public:
    /// The cluster of this test process, made and started at the first call. Fails saying why
    /// PostgreSQL could not start (missing binaries, initdb or pg_ctl output).
    [[nodiscard]] static Result<PgCluster*> shared();
    /// A new, empty cluster of its own (destroyed with the returned object). `durable` keeps
    /// fsync on (benchmarks); tests run without it.
    [[nodiscard]] static Result<std::unique_ptr<PgCluster>> create(bool durable = false);
    ~PgCluster();
    PgCluster(const PgCluster&) = delete;
    PgCluster& operator=(const PgCluster&) = delete;

    /// A new empty database; returns its postgresql:// URL (Unix socket).
    [[nodiscard]] Result<std::string> createDatabase();
    /// The URL of database `name`.
    std::string url(const std::string& name) const;
    /// The directory holding the socket (and the cluster's data in data/).
    const std::string& directory() const { return m_dir; }

    /// Stops PostgreSQL (fast shutdown: connections are cut) and starts it again, for outage
    /// tests.
    [[nodiscard]] Result<void> stop();
    [[nodiscard]] Result<void> start();

private:
    PgCluster() = default;
    [[nodiscard]] Result<std::string> run(const std::string& program,
                                          const std::vector<std::string>& args) const;

    std::string m_dir, m_bin;
    bool m_durable = false;
    bool m_asPostgres = false; ///< running as root: the cluster belongs to `postgres`
    int m_watchdogPipe = -1;
    int m_watchdogPid = -1;
    int m_databases = 0;
};

} // namespace verbatim::relay
