// The relay under test: someone else's, or our own started here (ConformanceTarget.h).

#include "ConformanceTarget.h"

#include <QElapsedTimer>
#include <QFile>
#include <QProcess>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "crypto/Random.h"

namespace verbatim::conformance {

namespace {

/// A loopback port nobody listens on right now (the relay binds it a moment later).
std::uint16_t freePort() {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return 0;
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = 0;
    socklen_t len = sizeof a;
    std::uint16_t port = 0;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0)
        port = ntohs(a.sin_port);
    ::close(fd);
    return port;
}

std::optional<std::pair<std::string, std::uint16_t>> hostPort(const std::string& s) {
    auto colon = s.rfind(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == s.size()) return std::nullopt;
    auto port = s.substr(colon + 1);
    if (port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos)
        return std::nullopt;
    long p = std::stol(port);
    if (p < 1 || p > 65535) return std::nullopt;
    std::string host = s.substr(0, colon);
    if (host.size() > 2 && host.front() == '[' && host.back() == ']')
        host = host.substr(1, host.size() - 2);
    return std::make_pair(host, std::uint16_t(p));
}

QProcessEnvironment relayEnvironment() {
    auto env = QProcessEnvironment::systemEnvironment();
    // The root key's passphrase for `init` (the relay's own rule: 12+ characters, 5 different).
    env.insert("VERBATIM_PASSPHRASE", "conformance-root-passphrase");
    env.insert("VERBATIM_LOG", qEnvironmentVariable("VERBATIM_CONFORMANCE_RELAY_LOG", "error"));
    return env;
}

} // namespace

std::optional<Link> Link::parse(const std::string& text) {
    Link l;
    l.text = text;
    const std::string scheme = "verbatim://";
    if (text.rfind(scheme, 0) != 0) return std::nullopt;
    auto q = text.find('?');
    if (q == std::string::npos) return std::nullopt;
    l.kind = text.substr(scheme.size(), q - scheme.size());
    std::size_t at = q + 1;
    while (at <= text.size()) {
        auto amp = text.find('&', at);
        auto part = text.substr(at, amp == std::string::npos ? std::string::npos : amp - at);
        auto eq = part.find('=');
        if (eq != std::string::npos) {
            auto k = part.substr(0, eq), v = part.substr(eq + 1);
            if (k == "relay") l.relay = v;
            if (k == "token") l.token = v;
            if (k == "firm") l.firm = v;
            if (k == "tls") l.tls = v;
            if (k == "mv") l.mv = v;
        }
        if (amp == std::string::npos) break;
        at = amp + 1;
    }
    if (l.relay.empty() || l.token.empty() || l.firm.empty()) return std::nullopt;
    return l;
}

Result<std::unique_ptr<RelayUnderTest>> RelayUnderTest::start(const TargetOptions& options) {
    std::unique_ptr<RelayUnderTest> t(new RelayUnderTest());
    t->m_options = options;
    // User ids differ from run to run, so the suite can run again against the same relay.
    t->m_runId = toHex(crypto::randomBytes(3));
    if (options.provision.empty()) {
        if (!options.relay.empty())
            return fail(ErrorCode::InvalidArgument,
                        "--relay needs --provision (how the suite gets accounts there)");
        if (auto r = t->startOwnRelay(options); !r) return tl::unexpected(r.error());
    } else {
        t->m_provision = options.provision;
        if (!options.journalSecret.empty()) {
            QFile f(QString::fromStdString(options.journalSecret));
            if (!f.open(QIODevice::ReadOnly))
                return fail(ErrorCode::NotFound, "cannot read --journal-secret file");
            auto hex = f.readAll().trimmed().toStdString();
            auto key = fromHex(hex);
            if (!key || key->size() != 32)
                return fail(ErrorCode::Malformed,
                            "--journal-secret must hold 64 hex digits (the X25519 private key)");
            auto k = crypto::X25519Key::fromPrivate(*key);
            if (!k) return tl::unexpected(k.error());
            t->m_journalKey = std::move(*k);
        }
    }
    if (!options.relay.empty()) {
        auto hp = hostPort(options.relay);
        if (!hp) return fail(ErrorCode::InvalidArgument, "--relay must be HOST:PORT");
        t->m_endpoint.host = hp->first;
        t->m_endpoint.port = hp->second;
    }
    if (!options.tlsPin.empty()) {
        auto pin = fromHex(options.tlsPin);
        if (!pin || pin->size() != 32)
            return fail(ErrorCode::InvalidArgument, "--tls-pin must be 64 hex digits");
        t->m_endpoint.certificatePin = *pin;
    }
    return t;
}

Result<void> RelayUnderTest::startOwnRelay(const TargetOptions& options) {
    if (options.relayBinary.empty() || !QFile::exists(QString::fromStdString(options.relayBinary)))
        return fail(ErrorCode::NotFound,
                    "verbatim-relay not found at '" + options.relayBinary + "'");
    m_dir = std::make_unique<QTemporaryDir>();
    if (!m_dir->isValid()) return fail(ErrorCode::Storage, "no temporary directory");
    const QString dir = m_dir->path(), data = dir + "/data", unlock = dir + "/relay.unlock";
    auto journal = crypto::X25519Key::generate();
    if (!journal) return tl::unexpected(journal.error());
    {
        QFile f(dir + "/journal.pub");
        if (!f.open(QIODevice::WriteOnly))
            return fail(ErrorCode::Storage, "cannot write journal.pub");
        f.write(QByteArray::fromStdString(toHex(journal->publicKey())));
    }
    m_journalKey = std::move(*journal);
    const std::uint16_t port = freePort();
    if (port == 0) return fail(ErrorCode::Internal, "no free loopback port");
    const QString address = QString("127.0.0.1:%1").arg(port);
    const QString relay = QString::fromStdString(options.relayBinary);

    QProcess init;
    init.setProcessEnvironment(relayEnvironment());
    init.start(relay, {"init", "--data", data, "--unlock-file", unlock, "--firm",
                       "Conformance & Co", "--journal-key", dir + "/journal.pub", "--root-key-out",
                       dir + "/root.key", "--address", address});
    if (!init.waitForFinished(60000) || init.exitCode() != 0)
        return fail(ErrorCode::Internal,
                    "verbatim-relay init failed: " + init.readAllStandardError().toStdString());

    m_relay = std::make_unique<QProcess>();
    m_relay->setProcessEnvironment(relayEnvironment());
    m_relay->setProcessChannelMode(QProcess::ForwardedErrorChannel);
    m_relay->start(relay, {"serve", "--data", data, "--unlock-file", unlock, "--listen", address,
                           "--admin-listen", "127.0.0.1:0"});
    if (!m_relay->waitForStarted(10000))
        return fail(ErrorCode::Internal, "verbatim-relay serve did not start");
    QElapsedTimer timer;
    timer.start();
    QByteArray out;
    while (!out.contains("listening")) {
        if (timer.elapsed() > 20000 || m_relay->state() != QProcess::Running)
            return fail(ErrorCode::Internal,
                        "verbatim-relay serve did not come up: " + out.toStdString());
        m_relay->waitForReadyRead(200);
        out += m_relay->readAllStandardOutput();
    }
    // The provisioning command another implementation would be given, for ours.
    auto quote = [](const QString& s) { return "'" + s.toStdString() + "'"; };
    m_provision = "/bin/sh " + quote(QString::fromStdString(options.provisionScript)) + " " +
                  quote(relay) + " " + quote(data) + " " + quote(unlock);
    m_endpoint.host = "127.0.0.1";
    m_endpoint.port = port;
    return {};
}

RelayUnderTest::~RelayUnderTest() {
    if (m_relay && m_relay->state() == QProcess::Running) {
        m_relay->terminate();
        if (!m_relay->waitForFinished(10000)) m_relay->kill();
        m_relay->waitForFinished(5000);
    }
}

std::string RelayUnderTest::userId(const std::string& base) const {
    return "cf-" + base + "-" + m_runId;
}

Result<std::string> RelayUnderTest::runProvision(const QStringList& args) {
    QProcess p;
    p.setProcessEnvironment(relayEnvironment());
    p.start("/bin/sh", {"-c", QString::fromStdString(m_provision) + " " + args.join(' ')});
    if (!p.waitForFinished(30000)) {
        p.kill();
        p.waitForFinished(2000);
        return fail(ErrorCode::Internal, "the provisioning command did not finish within 30 s");
    }
    const QString out = QString::fromUtf8(p.readAllStandardOutput());
    if (p.exitStatus() != QProcess::NormalExit || p.exitCode() != 0)
        return fail(ErrorCode::Internal,
                    "the provisioning command failed (" + args.join(' ').toStdString() +
                        "): " + p.readAllStandardError().trimmed().toStdString());
    for (const auto& line : out.split('\n'))
        if (line.trimmed().startsWith("verbatim://")) return line.trimmed().toStdString();
    return fail(ErrorCode::Malformed, "the provisioning command printed no verbatim:// link");
}

Result<Link> RelayUnderTest::enroll(const std::string& base, const std::string& role) {
    auto text = runProvision(
        {"enroll", QString::fromStdString(userId(base)), QString::fromStdString(role)});
    if (!text) return tl::unexpected(text.error());
    auto link = Link::parse(*text);
    if (!link) return fail(ErrorCode::Malformed, "the provisioning command printed no valid link");
    if (!m_endpointFixed) {
        if (m_endpoint.host.empty()) {
            auto hp = hostPort(link->relay);
            if (!hp) return fail(ErrorCode::Malformed, "the link's relay is not HOST:PORT");
            m_endpoint.host = hp->first;
            m_endpoint.port = hp->second;
        }
        if (m_endpoint.certificatePin.empty()) {
            auto pin = fromHex(link->tls);
            if (!pin || pin->size() != 32)
                return fail(ErrorCode::InvalidArgument,
                            "the link carries no &tls= pin: give the relay certificate's SHA-256 "
                            "with --tls-pin");
            m_endpoint.certificatePin = *pin;
        }
        m_endpointFixed = true;
    }
    return *link;
}

} // namespace verbatim::conformance
