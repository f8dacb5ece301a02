// Over 600 lines on purpose: one Qt Test class for `verbatim-relay serve` under systemd; its
// functions share the relay launcher, TLS client and notify socket defined above it.
//
// Issue 19, "The service": the real `verbatim-relay serve` as systemd runs it.
// - --config FILE: every serve option as `key = value`; the command line overrides the file; an
//   unknown key, a bad value, a key set twice or a malformed line stops the start naming the
//   file, the line and the key, before anything is opened. The shipped packaging/relay.conf
//   documents every serve option, and each documented value is accepted.
// - sd_notify: READY=1 only once both listeners accept, WATCHDOG=1 pings at the interval the
//   service manager asks for, STOPPING=1 on SIGTERM, over a NOTIFY_SOCKET this test creates
//   (a path and an abstract one).
// - SIGHUP re-reads the certificate and key: a connection made before the reload is still
//   served after it, a new connection sees the new certificate, and a bad pair (key of another
//   certificate, missing file) is refused with the reason while the old certificate stays.

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QtTest>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <memory>
#include <optional>

#include "common/Bytes.h"
#include "crypto/X25519.h"
#include "relay/net/TlsCert.h"

using namespace verbatim;

namespace {

QByteArray readAll(const QString& path) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

bool writeAll(const QString& path, const QByteArray& data) {
    QFile f(path);
    return f.open(QIODevice::WriteOnly | QIODevice::Truncate) && f.write(data) == data.size();
}

/// SHA-256 of a certificate's DER, hex.
QByteArray fingerprint(X509* cert) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    if (!cert || X509_digest(cert, EVP_sha256(), md, &n) != 1) return {};
    return QByteArray(reinterpret_cast<const char*>(md), int(n)).toHex();
}

QByteArray fileFingerprint(const QString& pem) {
    FILE* f = std::fopen(QFile::encodeName(pem).constData(), "rb");
    if (!f) return {};
    X509* cert = PEM_read_X509(f, nullptr, nullptr, nullptr);
    std::fclose(f);
    auto fp = fingerprint(cert);
    X509_free(cert);
    return fp;
}

int connectTcp(std::uint16_t port) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
        ::close(fd);
        return -1;
    }
    timeval tv{10, 0}; // nothing in this test may hang the run
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    return fd;
}

/// A TLS connection to the relay (no verification: the test compares fingerprints itself).
class TlsClient {
public:
    explicit TlsClient(std::uint16_t port) {
        m_ctx = SSL_CTX_new(TLS_client_method());
        m_fd = connectTcp(port);
        if (!m_ctx || m_fd < 0) return;
        m_ssl = SSL_new(m_ctx);
        SSL_set_fd(m_ssl, m_fd);
        if (SSL_connect(m_ssl) != 1) return;
        X509* peer = SSL_get1_peer_certificate(m_ssl);
        m_fingerprint = fingerprint(peer);
        X509_free(peer);
    }
    ~TlsClient() {
        if (m_ssl) SSL_free(m_ssl);
        if (m_ctx) SSL_CTX_free(m_ctx);
        if (m_fd >= 0) ::close(m_fd);
    }
    TlsClient(const TlsClient&) = delete;
    TlsClient& operator=(const TlsClient&) = delete;

    /// The certificate the handshake presented (empty when it failed).
    const QByteArray& certificate() const { return m_fingerprint; }

    /// One HTTP request on this connection; the whole response (empty when the connection is gone).
    QByteArray request(const QByteArray& text) {
        if (m_fingerprint.isEmpty()) return {};
        if (SSL_write(m_ssl, text.constData(), int(text.size())) != int(text.size())) return {};
        QByteArray out;
        char buf[4096];
        int n;
        while ((n = SSL_read(m_ssl, buf, sizeof buf)) > 0)
            out.append(buf, n);
        return out;
    }

private:
    SSL_CTX* m_ctx = nullptr;
    SSL* m_ssl = nullptr;
    int m_fd = -1;
    QByteArray m_fingerprint;
};

/// A datagram socket standing in for systemd's notification socket.
class NotifySocket {
public:
    /// `abstractName` non-empty: bound in the abstract namespace (NOTIFY_SOCKET=@name).
    NotifySocket(const QString& path, const QString& abstractName = {}) {
        m_fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        sockaddr_un a{};
        a.sun_family = AF_UNIX;
        socklen_t len;
        if (abstractName.isEmpty()) {
            const QByteArray p = QFile::encodeName(path);
            std::memcpy(a.sun_path, p.constData(), std::size_t(p.size()));
            len = socklen_t(offsetof(sockaddr_un, sun_path) + std::size_t(p.size()) + 1);
            m_env = path;
        } else {
            const QByteArray p = abstractName.toUtf8();
            std::memcpy(a.sun_path + 1, p.constData(), std::size_t(p.size()));
            len = socklen_t(offsetof(sockaddr_un, sun_path) + 1 + std::size_t(p.size()));
            m_env = "@" + abstractName;
        }
        if (::bind(m_fd, reinterpret_cast<sockaddr*>(&a), len) != 0) {
            ::close(m_fd);
            m_fd = -1;
        }
    }
    ~NotifySocket() {
        if (m_fd >= 0) ::close(m_fd);
    }
    bool ok() const { return m_fd >= 0; }
    const QString& env() const { return m_env; }

    /// The next message, or nullopt after `ms`.
    std::optional<QByteArray> next(int ms) {
        pollfd p{m_fd, POLLIN, 0};
        if (::poll(&p, 1, ms) != 1) return std::nullopt;
        char buf[4096];
        const auto n = ::recv(m_fd, buf, sizeof buf, 0);
        if (n < 0) return std::nullopt;
        return QByteArray(buf, int(n));
    }

    /// Messages until one contains `needle` (returned), or nullopt after `ms`; the others are
    /// kept in `seen`.
    std::optional<QByteArray> waitFor(const QByteArray& needle, int ms,
                                      QList<QByteArray>* seen = nullptr) {
        QElapsedTimer t;
        t.start();
        while (t.elapsed() < ms) {
            auto m = next(int(std::max<qint64>(1, ms - t.elapsed())));
            if (!m) break;
            if (m->split('\n').contains(needle)) return m;
            if (seen) seen->append(*m);
        }
        return std::nullopt;
    }

private:
    int m_fd = -1;
    QString m_env;
};

/// A running `verbatim-relay serve`, stopped with SIGTERM when it goes out of scope.
struct Relay {
    QProcess p;
    QByteArray out, err;
    std::uint16_t port = 0, adminPort = 0;

    void pump(int ms = 50) {
        p.waitForReadyRead(ms);
        out += p.readAllStandardOutput();
        err += p.readAllStandardError();
    }
    /// Until "listening" (then ports are known) or exit.
    bool waitListening(int ms = 20000) {
        QElapsedTimer t;
        t.start();
        static const QRegularExpression re("listening on [^ ]*:(\\d+) \\(admin [^ ]*:(\\d+)\\)");
        while (t.elapsed() < ms) {
            pump(100);
            auto m = re.match(QString::fromUtf8(out));
            if (m.hasMatch()) {
                port = std::uint16_t(m.captured(1).toUInt());
                adminPort = std::uint16_t(m.captured(2).toUInt());
                return true;
            }
            if (p.state() != QProcess::Running) return false;
        }
        return false;
    }
    /// Until the log holds `needle` after position `from`; how long it took, or -1.
    qint64 waitLog(const QByteArray& needle, qsizetype from, int ms = 10000) {
        QElapsedTimer t;
        t.start();
        while (t.elapsed() < ms) {
            if (err.indexOf(needle, from) >= 0) return t.elapsed();
            pump(5);
            if (p.state() != QProcess::Running && err.indexOf(needle, from) < 0) return -1;
        }
        return -1;
    }
    int stop() {
        if (p.state() != QProcess::NotRunning) {
            p.terminate();
            if (!p.waitForFinished(15000)) {
                p.kill();
                p.waitForFinished();
            }
        }
        out += p.readAllStandardOutput();
        err += p.readAllStandardError();
        return p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    }
    ~Relay() { stop(); }
};

struct Run {
    int code = -1;
    QByteArray out, err;
};

} // namespace

class TestRelayService : public QObject {
    Q_OBJECT
    QTemporaryDir m_tmp;
    QString m_data, m_unlock;

    QProcessEnvironment env(const QMap<QString, QString>& extra = {}) {
        auto e = QProcessEnvironment::systemEnvironment();
        e.remove("VERBATIM_RELAY_UNLOCK_FILE");
        e.remove("CREDENTIALS_DIRECTORY");
        e.remove("NOTIFY_SOCKET");
        e.remove("WATCHDOG_USEC");
        e.remove("WATCHDOG_PID");
        e.insert("VERBATIM_PASSPHRASE", "relay service test root passphrase");
        e.insert("VERBATIM_RELAY_UNLOCK_FILE", m_unlock);
        for (auto it = extra.begin(); it != extra.end(); ++it)
            e.insert(it.key(), it.value());
        return e;
    }

    Run run(const QStringList& args) {
        QProcess p;
        p.setProcessEnvironment(env());
        p.start(VERBATIM_RELAY_BIN, args);
        Run r;
        if (!p.waitForFinished(60000)) {
            p.kill();
            p.waitForFinished();
        }
        r.code = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
        r.out = p.readAllStandardOutput();
        r.err = p.readAllStandardError();
        return r;
    }

    void start(Relay& r, const QStringList& args, const QMap<QString, QString>& extra = {}) {
        r.p.setProcessEnvironment(env(extra));
        r.p.start(VERBATIM_RELAY_BIN, QStringList{"serve"} + args);
        QVERIFY(r.p.waitForStarted(10000));
    }

    QString conf(const QString& name, const QByteArray& text) {
        const QString path = m_tmp.path() + "/" + name;
        writeAll(path, text);
        return path;
    }

    /// The names of every serve option, from its usage (`serve --help`).
    QStringList serveOptions() {
        Run h = run({"serve", "--help"});
        QStringList names;
        static const QRegularExpression re("\\[?--([a-z0-9-]+)");
        for (const auto& line : QString::fromUtf8(h.out).split('\n')) {
            if (!line.startsWith("  verbatim-relay serve") &&
                !line.startsWith("                      ["))
                continue;
            auto it = re.globalMatch(line);
            while (it.hasNext()) {
                const QString n = it.next().captured(1);
                if (!names.contains(n)) names << n;
            }
        }
        return names;
    }

    /// Nothing a refused start could have written: the data directory is as init left it.
    QStringList dataFiles() {
        return QDir(m_data).entryList(QDir::Files | QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name);
    }

private slots:
    void initTestCase() {
        QVERIFY(m_tmp.isValid());
        m_data = m_tmp.path() + "/data";
        m_unlock = m_tmp.path() + "/relay.unlock";
        auto pair = crypto::x25519Generate();
        QVERIFY(pair);
        QVERIFY(writeAll(m_tmp.path() + "/journal.pub",
                         QByteArray::fromStdString(toHex(pair->publicKey)) + "\n"));
        Run init = run({"init", "--data", m_data, "--firm", "Service & Co", "--journal-key",
                        m_tmp.path() + "/journal.pub", "--root-key-out", m_tmp.path() + "/root.key",
                        "--unlock-file", m_unlock});
        QVERIFY2(init.code == 0, init.err.constData());
    }

    // Each mistake stops the start with exit 2, FILE:LINE and the key, and opens nothing.
    void configMistakesNameFileLineAndKey_data() {
        QTest::addColumn<QByteArray>("text");
        QTest::addColumn<QString>("expected");
        QTest::newRow("unknown key")
            << QByteArray("# relay\n\nlisten = 127.0.0.1:0\nadmin-listn = 127.0.0.1:0\n")
            << ":4: unknown key 'admin-listn' (did you mean admin-listen?)";
        QTest::newRow("bad number")
            << QByteArray("db-cache-mib = 64\nmax-sessions-per-device = lots   # per phone\n")
            << ":2: key 'max-sessions-per-device': must be a whole number in 1..64, not 'lots'";
        QTest::newRow("bad port")
            << QByteArray("listen = 0.0.0.0:84430\n")
            << ":1: key 'listen': must be HOST:PORT with a port in 0..65535, not '0.0.0.0:84430'";
        QTest::newRow("bad choice")
            << QByteArray("\n\n\njournal-signatures = client\n")
            << ":4: key 'journal-signatures': must be relay or compliance, not 'client'";
        QTest::newRow("bad flag") << QByteArray("bench-limits = maybe\n")
                                  << ":1: key 'bench-limits' must be true or false, not 'maybe'";
        QTest::newRow("empty value")
            << QByteArray("cert =\n") << ":1: key 'cert' needs a value (FILE)";
        // (The file's line 2: the first line sets data.)
        QTest::newRow("twice") << QByteArray(
                                      "listen = 127.0.0.1:0\n# again\nlisten = 127.0.0.1:1\n")
                               << ":3: key 'listen' is already set on line 2";
        QTest::newRow("no equals") << QByteArray("listen 127.0.0.1:0\n")
                                   << ":1: expected key = value, not 'listen 127.0.0.1:0'";
        QTest::newRow("config inside")
            << QByteArray("config = /etc/other.conf\n")
            << ":1: key 'config' cannot be set inside a configuration file";
        QTest::newRow("dashes") << QByteArray("--listen = 127.0.0.1:0\n")
                                << ":1: unknown key '--listen'";
    }
    void configMistakesNameFileLineAndKey() {
        QFETCH(QByteArray, text);
        QFETCH(QString, expected);
        const QStringList before = dataFiles();
        const QString file = conf("bad.conf", "data = " + m_data.toUtf8() + "\n" + text);
        // The line numbers above count from the file's second line: the first sets data.
        QRegularExpression re(":(\\d+):");
        QString shifted = expected;
        auto m = re.match(expected);
        shifted.replace(m.capturedStart(), m.capturedLength(),
                        ":" + QString::number(m.captured(1).toInt() + 1) + ":");
        Run r = run({"serve", "--config", file, "--admin-listen", "127.0.0.1:0"});
        QCOMPARE(r.code, 2);
        QVERIFY2(r.err.contains(("verbatim-relay: " + file + shifted).toUtf8()), r.err.constData());
        QVERIFY2(!r.err.contains("usage:"), "a configuration mistake is not a usage error");
        QVERIFY(r.out.isEmpty());
        QCOMPARE(dataFiles(), before); // nothing opened, no tls-pin written
    }

    void configFileThatCannotBeReadStopsTheStart() {
        Run r = run({"serve", "--config", m_tmp.path() + "/missing.conf", "--data", m_data});
        QCOMPARE(r.code, 2);
        QVERIFY2(r.err.contains("cannot read configuration file " +
                                QFile::encodeName(m_tmp.path()) + "/missing.conf: No such file"),
                 r.err.constData());
    }

    // data from the file alone; listen given in both (the command line wins); admin-listen from
    // the file; a flag set to true in the file takes effect.
    void commandLineOverridesTheFile() {
        // Two ports nothing listens on: the file's listen port must not be used.
        const QByteArray text =
            "data = " + m_data.toUtf8() +
            "\nlisten = 127.0.0.1:1\nadmin-listen = 127.0.0.1:0   # any free port\n"
            "bench-limits = true\n";
        Relay r;
        start(r, {"--config", conf("good.conf", text), "--listen", "127.0.0.1:0"});
        QVERIFY2(r.waitListening(), r.err.constData());
        QVERIFY(r.port != 1 && r.port != 0);
        QVERIFY(r.adminPort != 0);
        QVERIFY2(r.err.contains("event=relay.bench_limits"), r.err.constData());
        QCOMPARE(r.stop(), 0);

        // The same file without the flag: `false` is the same as leaving it out.
        Relay q;
        start(q, {"--config",
                  conf("good2.conf", "data = " + m_data.toUtf8() + "\nbench-limits = false\n"),
                  "--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0"});
        QVERIFY2(q.waitListening(), q.err.constData());
        QVERIFY(!q.err.contains("bench_limits"));
        QCOMPARE(q.stop(), 0);
    }

    // packaging/relay.conf documents every serve option (set, or as `# key = default`), and the file
    // with every one of those lines uncommented starts the relay.
    void shippedConfigDocumentsEveryOption() {
        const QByteArray shipped =
            readAll(QStringLiteral(VERBATIM_SOURCE_DIR) + "/packaging/relay.conf");
        QVERIFY(!shipped.isEmpty());
        QStringList documented;
        QByteArray uncommented;
        // Set (`key = value`) or shown with its default (`# key = value`).
        static const QRegularExpression key("^(?:#\\s?)?([a-z0-9-]+) = (.*)$");
        for (const QByteArray& line : shipped.split('\n')) {
            auto m = key.match(QString::fromUtf8(line));
            if (m.hasMatch()) {
                QVERIFY2(!documented.contains(m.captured(1)),
                         qPrintable("relay.conf shows twice: " + m.captured(1)));
                documented << m.captured(1);
                // Paths of an installed system do not exist here; the command line overrides them.
                uncommented += m.captured(1).toUtf8() + " = " + m.captured(2).toUtf8() + "\n";
            } else {
                uncommented += line + "\n";
            }
        }
        QStringList options = serveOptions();
        options.removeAll("config");
        options.removeAll("help");
        QVERIFY(options.size() > 20);
        for (const auto& o : options)
            QVERIFY2(documented.contains(o), qPrintable("relay.conf does not document " + o));
        for (const auto& d : documented)
            QVERIFY2(options.contains(d), qPrintable("relay.conf documents unknown key " + d));

        Relay r;
        const QString certDir = m_tmp.path() + "/shipped";
        QDir().mkpath(certDir);
        QVERIFY(relay::generateSelfSignedCertificate(
            (certDir + "/c.pem").toStdString(), (certDir + "/k.pem").toStdString(), "localhost"));
        start(r, {"--config", conf("shipped.conf", uncommented), "--data", m_data, "--listen",
                  "127.0.0.1:0", "--admin-listen", "127.0.0.1:0", "--cert", certDir + "/c.pem",
                  "--key", certDir + "/k.pem", "--unlock-file", m_unlock});
        QVERIFY2(r.waitListening(), r.err.constData());
        QCOMPARE(r.stop(), 0);
    }

    // Type=notify: READY=1 comes when both listeners accept, WATCHDOG=1 at half WatchdogSec,
    // STOPPING=1 on SIGTERM.
    void notifiesReadyWatchdogAndStopping() {
        NotifySocket sock(m_tmp.path() + "/notify.sock");
        QVERIFY(sock.ok());
        Relay r;
        start(r, {"--data", m_data, "--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0"},
              {{"NOTIFY_SOCKET", sock.env()}, {"WATCHDOG_USEC", "400000"}});
        QList<QByteArray> before;
        auto ready = sock.waitFor("READY=1", 20000, &before);
        QVERIFY2(ready, r.err.constData());
        QVERIFY2(before.isEmpty(),
                 before.join(" | ").constData()); // nothing (no ping) before READY
        // The ports, from the STATUS sent with READY: both accept right now.
        static const QRegularExpression re("port (\\d+) \\(admin port (\\d+)\\)");
        auto m = re.match(QString::fromUtf8(*ready));
        QVERIFY2(m.hasMatch(), ready->constData());
        for (int i = 1; i <= 2; ++i) {
            const int fd = connectTcp(std::uint16_t(m.captured(i).toUInt()));
            QVERIFY2(fd >= 0, "READY=1 before a listener accepts");
            ::close(fd);
        }
        // 400 ms watchdog: a ping every 200 ms.
        QElapsedTimer t;
        t.start();
        int pings = 0;
        while (t.elapsed() < 1500)
            if (auto msg = sock.next(1600 - int(t.elapsed())); msg && *msg == "WATCHDOG=1") ++pings;
        QVERIFY2(pings >= 4 && pings <= 12, qPrintable(QString::number(pings) + " pings in 1.5 s"));
        ::kill(pid_t(r.p.processId()), SIGTERM);
        QVERIFY(sock.waitFor("STOPPING=1", 10000));
        QCOMPARE(r.stop(), 0);
    }

    // A WATCHDOG_PID of another process (inherited through a wrapper) means the watchdog is not
    // the relay's: no pings, READY=1 still.
    void watchdogOfAnotherProcessIsNotServed() {
        NotifySocket sock(QString(), "verbatim-test-" + QString::number(::getpid()));
        QVERIFY(sock.ok());
        Relay r;
        start(r, {"--data", m_data, "--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0"},
              {{"NOTIFY_SOCKET", sock.env()},
               {"WATCHDOG_USEC", "200000"},
               {"WATCHDOG_PID", QString::number(::getpid())}});
        QVERIFY2(sock.waitFor("READY=1", 20000), r.err.constData());
        QVERIFY(!sock.waitFor("WATCHDOG=1", 800));
        QCOMPARE(r.stop(), 0);
    }

    // Under systemd stderr is the journal (JOURNAL_STREAM names it): each line carries its
    // syslog priority for journald; a JOURNAL_STREAM naming another stream changes nothing.
    void logLinesCarryTheirPriorityForTheJournal_data() {
        QTest::addColumn<QString>("stream");
        QTest::addColumn<bool>("prefixed");
        QTest::newRow("stderr is the journal") << "$(stat -L -c %d:%i /proc/self/fd/2)" << true;
        QTest::newRow("another stream") << "1:1" << false;
    }
    void logLinesCarryTheirPriorityForTheJournal() {
        QFETCH(QString, stream);
        QFETCH(bool, prefixed);
        Relay r;
        r.p.setProcessEnvironment(env());
        r.p.start("/bin/sh", {"-c", "export JOURNAL_STREAM=" + stream + "; exec \"$0\" \"$@\"",
                              VERBATIM_RELAY_BIN, "serve", "--data", m_data, "--listen",
                              "127.0.0.1:0", "--admin-listen", "127.0.0.1:0", "--bench-limits"});
        QVERIFY(r.p.waitForStarted(10000));
        QVERIFY2(r.waitListening(), r.err.constData());
        QCOMPARE(r.stop(), 0);
        static const QRegularExpression warn(
            "(^|\n)<4>ts=[^\n]* level=warn event=relay.bench_limits");
        static const QRegularExpression info("(^|\n)<6>ts=[^\n]* level=info event=relay.started");
        const QString err = QString::fromUtf8(r.err);
        QCOMPARE(warn.match(err).hasMatch(), prefixed);
        QCOMPARE(info.match(err).hasMatch(), prefixed);
        if (!prefixed)
            QVERIFY2(err.contains(QRegularExpression("(^|\n)ts=[^\n]*event=relay.started")),
                     r.err.constData());
    }

    // SIGHUP: the connection opened before is still served, new ones see the new certificate;
    // a mismatched pair and a missing file keep the previous one, and the log says why.
    void sighupReloadsTheCertificate() {
        const QString dir = m_tmp.path() + "/certs";
        QDir().mkpath(dir);
        const QString cert = dir + "/relay.crt", key = dir + "/relay.key";
        QVERIFY(relay::generateSelfSignedCertificate(cert.toStdString(), key.toStdString(),
                                                     "relay.example"));
        const QByteArray first = fileFingerprint(cert);
        // The renewed pair, and a third certificate whose key we will "forget" to install.
        QVERIFY(relay::generateSelfSignedCertificate(
            (dir + "/new.crt").toStdString(), (dir + "/new.key").toStdString(), "relay.example"));
        QVERIFY(relay::generateSelfSignedCertificate((dir + "/other.crt").toStdString(),
                                                     (dir + "/other.key").toStdString(),
                                                     "relay.example"));
        const QByteArray second = fileFingerprint(dir + "/new.crt");
        QVERIFY(!first.isEmpty() && !second.isEmpty() && first != second);

        NotifySocket sock(m_tmp.path() + "/notify-hup.sock");
        QVERIFY(sock.ok());
        Relay r;
        start(r,
              {"--data", m_data, "--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0",
               "--cert", cert, "--key", key},
              {{"NOTIFY_SOCKET", sock.env()}});
        QVERIFY2(r.waitListening(), r.err.constData());
        QVERIFY(sock.waitFor("READY=1", 10000));

        TlsClient before(r.port);
        QCOMPARE(before.certificate(), first);

        // Renewal: the files are replaced (as certbot's deploy hook does), then SIGHUP.
        QVERIFY(QFile::remove(cert) && QFile::copy(dir + "/new.crt", cert));
        QVERIFY(QFile::remove(key) && QFile::copy(dir + "/new.key", key));
        qsizetype mark = r.err.size();
        QElapsedTimer t;
        t.start();
        ::kill(pid_t(r.p.processId()), SIGHUP);
        const qint64 logged = r.waitLog("event=relay.tls_reloaded", mark);
        QVERIFY2(logged >= 0, r.err.constData());
        const qint64 reloadMs = t.elapsed();
        static const QRegularExpression us("event=relay.tls_reloaded [^\\n]*us=(\\d+)");
        auto m = us.match(QString::fromUtf8(r.err.mid(mark)));
        QVERIFY(m.hasMatch());
        qInfo("SIGHUP to reloaded log line: %lld ms; the reload itself: %s us", reloadMs,
              qPrintable(m.captured(1)));
        QVERIFY2(m.captured(1).toLongLong() < 100000, "a reload must take under 100 ms");
        QVERIFY(sock.waitFor("RELOADING=1", 5000));
        QVERIFY(sock.waitFor("READY=1", 5000));

        // The connection made before the reload is still open and still served.
        const QByteArray answer =
            before.request("GET /v1/manifest HTTP/1.1\r\nHost: relay.example\r\n\r\n");
        QVERIFY2(answer.startsWith("HTTP/1.1 200"), answer.left(200).constData());
        TlsClient after(r.port);
        QCOMPARE(after.certificate(), second);

        // A certificate whose key is not installed: refused, the renewed one stays.
        QVERIFY(QFile::remove(cert) && QFile::copy(dir + "/other.crt", cert));
        mark = r.err.size();
        ::kill(pid_t(r.p.processId()), SIGHUP);
        QVERIFY2(r.waitLog("event=relay.tls_reload_failed", mark) >= 0, r.err.constData());
        QVERIFY2(r.err.mid(mark).contains("key values mismatch"), r.err.mid(mark).constData());
        QVERIFY(r.err.mid(mark).contains("kept=\"the previous certificate\""));
        TlsClient mismatched(r.port);
        QCOMPARE(mismatched.certificate(), second);

        // A missing certificate file: refused with the system's reason.
        QVERIFY(QFile::remove(cert));
        mark = r.err.size();
        ::kill(pid_t(r.p.processId()), SIGHUP);
        QVERIFY2(r.waitLog("event=relay.tls_reload_failed", mark) >= 0, r.err.constData());
        QVERIFY2(r.err.mid(mark).contains("No such file or directory"),
                 r.err.mid(mark).constData());
        TlsClient missing(r.port);
        QCOMPARE(missing.certificate(), second);

        // Nothing secret in what the reloads logged.
        const QByteArray keyPem = readAll(dir + "/new.key");
        for (const QByteArray& line : keyPem.split('\n'))
            if (line.size() > 20 && !line.startsWith("-----")) QVERIFY(!r.err.contains(line));
        QCOMPARE(r.stop(), 0);
    }
};

QTEST_GUILESS_MAIN(TestRelayService)
#include "tst_relay_service.moc"
