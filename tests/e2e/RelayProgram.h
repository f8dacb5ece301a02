#pragma once
/// @file RelayProgram.h
/// The real `verbatim-relay` program driven from a test: one-shot commands (init, admin, backup,
/// restore, check) and a `serve` process on loopback ports. The environment carries the test's
/// passphrase and nothing that would change where the relay finds its unlock secret (an
/// inherited VERBATIM_RELAY_UNLOCK_FILE or systemd's CREDENTIALS_DIRECTORY). Used by
/// tst_relay_ops and tst_relay_restore.
#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QProcessEnvironment>
#include <QString>
#include <QStringList>
#include <QtGlobal>

#include <cstdint>
#include <memory>

#include "common/Bytes.h"
#include "crypto/X25519.h"

namespace verbatim::e2e {

/// What a finished program said: exit code (-1 when it crashed or timed out), stdout, stderr.
struct ProgramRun {
    int code = -1;
    QString out, err;
};

/// The environment for the relay's programs: `passphrase` for the key prompts, warnings only.
inline QProcessEnvironment relayEnvironment(const QString& passphrase) {
    auto e = QProcessEnvironment::systemEnvironment();
    e.insert("VERBATIM_PASSPHRASE", passphrase);
    e.insert("VERBATIM_LOG", "warn");
    e.remove("VERBATIM_RELAY_UNLOCK_FILE");
    e.remove("CREDENTIALS_DIRECTORY");
    return e;
}

/// Runs `bin args` to the end (killed after `timeoutMs`, which reads as "timed out").
inline ProgramRun runProgram(const QString& bin, const QStringList& args,
                             const QProcessEnvironment& env, int timeoutMs = 60000) {
    QProcess p;
    p.setProcessEnvironment(env);
    p.start(bin, args);
    ProgramRun r;
    if (!p.waitForFinished(timeoutMs)) {
        p.kill();
        p.waitForFinished();
        r.err = "timed out";
        return r;
    }
    r.code = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    r.out = QString::fromUtf8(p.readAllStandardOutput());
    r.err = QString::fromUtf8(p.readAllStandardError());
    return r;
}

#ifdef VERBATIM_RELAY_BIN
/// A relay initialised offline in `dir` (`verbatim-relay init` for `firm` with a fresh journal
/// key, `passphrase` for its prompts) for the tests of `verbatim-relay admin`; ok() false when
/// init failed (init.err says why).
struct OfflineRelay {
    OfflineRelay(const QString& dir, const QString& passphrase, const QString& firm)
        : data(dir + "/data"), unlock(dir + "/relay.unlock"), env(relayEnvironment(passphrase)) {
        auto journalKey = crypto::X25519Key::generate();
        QFile f(dir + "/journal.pub");
        if (!journalKey || !f.open(QIODevice::WriteOnly)) {
            init.err = "cannot write the journal key";
            return;
        }
        f.write(QByteArray::fromStdString(toHex(journalKey->publicKey())));
        f.close();
        init = runProgram(VERBATIM_RELAY_BIN,
                          {"init", "--data", data, "--unlock-file", unlock, "--firm", firm,
                           "--journal-key", dir + "/journal.pub", "--root-key-out",
                           dir + "/root.key", "--address", "127.0.0.1:1"},
                          env);
    }
    bool ok() const { return init.code == 0; }
    /// `verbatim-relay admin args` on this relay.
    ProgramRun admin(const QStringList& args) const {
        return runProgram(VERBATIM_RELAY_BIN,
                          QStringList{"admin", "--data", data, "--unlock-file", unlock} + args,
                          env);
    }

    QString data, unlock;
    QProcessEnvironment env;
    ProgramRun init;
};
#endif

/// `verbatim-relay serve` on 127.0.0.1, ready once it printed "listening"; stopped with SIGTERM
/// (then SIGKILL after 10 s) by stop() or when destroyed.
class ServedRelay {
public:
    ServedRelay() = default;
    ServedRelay(const ServedRelay&) = delete;
    ServedRelay& operator=(const ServedRelay&) = delete;
    ~ServedRelay() { stop(); }

    bool start(const QString& bin, const QString& data, const QString& unlock, std::uint16_t port,
               std::uint16_t adminPort, const QProcessEnvironment& env) {
        stop();
        m_process = std::make_unique<QProcess>();
        m_process->setProcessEnvironment(env);
        m_process->start(bin,
                         {"serve", "--data", data, "--listen", QString("127.0.0.1:%1").arg(port),
                          "--admin-listen", QString("127.0.0.1:%1").arg(adminPort),
                          "--bench-limits", "--unlock-file", unlock});
        if (!m_process->waitForStarted(10000)) return false;
        QElapsedTimer t;
        t.start();
        while (t.elapsed() < 15000) {
            m_process->waitForReadyRead(200);
            if (m_process->readAllStandardOutput().contains("listening")) return true;
            if (m_process->state() != QProcess::Running) {
                qWarning("serve: %s", m_process->readAllStandardError().constData());
                return false;
            }
        }
        return false;
    }

    void stop() {
        if (!m_process) return;
        m_process->terminate();
        if (!m_process->waitForFinished(10000)) {
            m_process->kill();
            m_process->waitForFinished(5000);
        }
        m_process.reset();
    }

private:
    std::unique_ptr<QProcess> m_process;
};

} // namespace verbatim::e2e
