#include "PgCluster.h"

#include <QFile>
#include <QProcess>
#include <QStringList>
#include <fcntl.h>
#include <filesystem>
#include <mutex>
#include <optional>
#include <pwd.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

#include "relay/core/PgStore.h"

namespace verbatim::relay {

namespace {

// Waits for EOF on stdin (the test process ended: the pipe's only writer is gone), then shuts
// the postmaster down and removes the cluster directory ($1).
constexpr const char* kWatchdog =
    "cat >/dev/null\n"
    "pid=$(head -n 1 \"$1/data/postmaster.pid\" 2>/dev/null)\n"
    "if [ -n \"$pid\" ]; then\n"
    "  kill -QUIT \"$pid\" 2>/dev/null\n"
    "  i=0; while kill -0 \"$pid\" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done\n"
    "  kill -KILL \"$pid\" 2>/dev/null\n"
    "fi\n"
    "rm -rf \"$1\"\n";

std::string tail(const QByteArray& output) {
    QByteArray t = output.right(600).trimmed();
    return t.isEmpty() ? "(no output)" : t.toStdString();
}

} // namespace

Result<std::unique_ptr<PgCluster>> PgCluster::create(bool durable) {
    std::unique_ptr<PgCluster> c(new PgCluster());
    c->m_durable = durable;
    const char* bin = std::getenv("VERBATIM_PG_BIN");
    c->m_bin = bin && *bin ? bin : "/usr/lib/postgresql/15/bin";
    for (const char* tool : {"initdb", "pg_ctl", "postgres"})
        if (::access((c->m_bin + "/" + tool).c_str(), X_OK) != 0)
            return fail(ErrorCode::NotFound,
                        "PostgreSQL is not installed: no " + c->m_bin + "/" + tool +
                            " (packaging/dev.sh setup installs Debian's postgresql; "
                            "VERBATIM_PG_BIN names another directory)");
    char templ[] = "/tmp/verbatim-pg-XXXXXX";
    if (!::mkdtemp(templ)) return fail(ErrorCode::Storage, "cannot create a temporary directory");
    c->m_dir = templ;

    // The watchdog first, so that nothing below can leave the directory behind.
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return fail(ErrorCode::Storage, "pipe failed");
    const std::string dir = c->m_dir;
    pid_t pid = ::fork();
    if (pid < 0) return fail(ErrorCode::Storage, "fork failed");
    if (pid == 0) {
        ::setsid(); // survives a kill of the test's process group
        ::dup2(fds[0], 0);
        ::execl("/bin/sh", "sh", "-c", kWatchdog, "sh", dir.c_str(), static_cast<char*>(nullptr));
        ::_exit(127);
    }
    ::close(fds[0]);
    c->m_watchdogPipe = fds[1];
    c->m_watchdogPid = int(pid);

    if (::geteuid() == 0) {
        // initdb refuses root: the cluster belongs to Debian's postgres account.
        struct passwd* pw = ::getpwnam("postgres");
        if (!pw)
            return fail(ErrorCode::NotFound,
                        "running as root and there is no `postgres` account to run PostgreSQL "
                        "as (Debian's postgresql package creates it)");
        if (::chown(c->m_dir.c_str(), pw->pw_uid, pw->pw_gid) != 0)
            return fail(ErrorCode::Storage, "cannot give " + c->m_dir + " to postgres");
        c->m_asPostgres = true;
    }
    ::chmod(c->m_dir.c_str(), 0700);
    auto init = c->run("initdb", {"-D", c->m_dir + "/data", "-U", "verbatim", "--auth=trust", "-E",
                                  "UTF8", "--no-locale", "--no-sync"});
    if (!init) return tl::unexpected(init.error());
    if (auto r = c->start(); !r) return tl::unexpected(r.error());
    return c;
}

Result<PgCluster*> PgCluster::shared() {
    static std::mutex mutex;
    static std::unique_ptr<PgCluster> cluster;
    static std::optional<Error> failed;
    std::lock_guard lock(mutex);
    if (cluster) return cluster.get();
    if (failed) return tl::unexpected(*failed);
    auto c = create();
    if (!c) {
        failed = c.error();
        return tl::unexpected(c.error());
    }
    cluster = std::move(*c);
    return cluster.get();
}

PgCluster::~PgCluster() {
    if (m_watchdogPipe >= 0) {
        // Closing the pipe makes the watchdog stop the postmaster and remove the directory.
        ::close(m_watchdogPipe);
        int status = 0;
        ::waitpid(pid_t(m_watchdogPid), &status, 0);
    }
}

Result<std::string> PgCluster::run(const std::string& program,
                                   const std::vector<std::string>& args) const {
    QProcess p;
    p.setProcessChannelMode(QProcess::MergedChannels);
    QStringList list;
    QString exe = QString::fromStdString(m_bin + "/" + program);
    if (m_asPostgres) {
        list << "-u"
             << "postgres"
             << "--" << exe;
        exe = "runuser";
    }
    for (const auto& a : args)
        list << QString::fromStdString(a);
    p.setWorkingDirectory(QString::fromStdString(m_dir));
    p.start(exe, list);
    if (!p.waitForStarted(10000))
        return fail(ErrorCode::Storage, "cannot run " + exe.toStdString() + " " + program);
    if (!p.waitForFinished(60000)) {
        p.kill();
        p.waitForFinished(5000);
        return fail(ErrorCode::Storage, program + " did not finish within 60 s");
    }
    const QByteArray out = p.readAll();
    if (p.exitStatus() != QProcess::NormalExit || p.exitCode() != 0)
        return fail(ErrorCode::Storage,
                    program + " failed (exit " + std::to_string(p.exitCode()) + "): " + tail(out));
    return out.toStdString();
}

Result<void> PgCluster::start() {
    // Unix socket in the cluster directory only; no TCP.
    std::string options = "-k " + m_dir + " -c listen_addresses='' -c max_connections=200" +
                          " -c shared_buffers=64MB -c unix_socket_permissions=0700";
    if (!m_durable) options += " -c fsync=off -c full_page_writes=off -c synchronous_commit=off";
    auto r = run("pg_ctl", {"-D", m_dir + "/data", "-l", m_dir + "/postgres.log", "-w", "-t", "60",
                            "-o", options, "start"});
    if (!r) {
        QFile log(QString::fromStdString(m_dir + "/postgres.log"));
        std::string why = r.error().message;
        if (log.open(QIODevice::ReadOnly)) why += "; server log: " + tail(log.readAll());
        return fail(ErrorCode::Storage, "PostgreSQL did not start: " + why);
    }
    return {};
}

Result<void> PgCluster::stop() {
    auto r = run("pg_ctl", {"-D", m_dir + "/data", "-w", "-t", "60", "-m", "fast", "stop"});
    if (!r) return tl::unexpected(r.error());
    return {};
}

std::string PgCluster::url(const std::string& name) const {
    return "postgresql:///" + name + "?host=" + m_dir + "&user=verbatim";
}

Result<std::string> PgCluster::createDatabase() {
    const std::string name = "relay" + std::to_string(++m_databases);
    auto admin = openPostgres(url("postgres"));
    if (!admin) return tl::unexpected(admin.error());
    if (auto r = (*admin)->exec("DROP DATABASE IF EXISTS " + name); !r)
        return tl::unexpected(r.error());
    if (auto r = (*admin)->exec("CREATE DATABASE " + name); !r) return tl::unexpected(r.error());
    return url(name);
}

} // namespace verbatim::relay
