// Issue 15: the attacks of the security review, performed against a real relay over TLS and real
// clients. Each test fails while its hole is open.
//   break 1: a relay certificate is checked (chain and host, or the link's pin, and the firm
//            manifest's TLS key pins) on every connection;
//   break 8: the firm manifest names the relays it is valid for, and is never rolled back.

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include "ClientParty.h"
#include "E2EHarness.h"
#include "client/core/Client.h"
#include "relay/net/TlsCert.h"

using namespace verbatim;
using namespace verbatim::e2e::parties;

namespace {

// A link as a relay with a CA-issued certificate hands it out: no `&tls=` pin.
std::string withoutCertificatePin(std::string link) {
    auto pos = link.find("&tls=");
    if (pos != std::string::npos) link.erase(pos, 5 + 64);
    return link;
}

bool openssl(const QStringList& args, const QString& dir) {
    QProcess p;
    p.setWorkingDirectory(dir);
    p.start("openssl", args);
    if (!p.waitForFinished(30000) || p.exitCode() != 0) {
        qWarning("openssl %s: %s", qPrintable(args.join(' ')), p.readAllStandardError().constData());
        return false;
    }
    return true;
}

// A test certificate authority in `dir`, and leaf certificates it signs.
struct TestPki {
    QString dir;
    bool makeCa(const QString& name) {
        return openssl({"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout",
                        name + ".key", "-out", name + ".pem", "-subj", "/CN=" + name, "-days", "2", "-addext",
                        "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"},
                       dir);
    }
    // A leaf for `san` (e.g. "IP:127.0.0.1,DNS:localhost") signed by `ca`; a fresh key.
    bool makeLeaf(const QString& name, const QString& ca, const QString& san) {
        QFile ext(dir + "/" + name + ".ext");
        if (!ext.open(QIODevice::WriteOnly)) return false;
        ext.write(("subjectAltName=" + san + "\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n").toUtf8());
        ext.close();
        return openssl({"req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout",
                        name + ".key", "-out", name + ".csr", "-subj", "/CN=" + name},
                       dir) &&
               openssl({"x509", "-req", "-in", name + ".csr", "-CA", ca + ".pem", "-CAkey", ca + ".key",
                        "-CAcreateserial", "-out", name + ".pem", "-days", "2", "-extfile", name + ".ext"},
                       dir);
    }
    QString pem(const QString& name) const { return dir + "/" + name + ".pem"; }
    QString key(const QString& name) const { return dir + "/" + name + ".key"; }
};

// Puts certificate `name` where the relay's server reads it (takes effect at restart).
bool serveCertificate(const TestPki& pki, const QString& name, const QString& certPath, const QString& keyPath) {
    QFile::remove(certPath);
    QFile::remove(keyPath);
    return QFile::copy(pki.pem(name), certPath) && QFile::copy(pki.key(name), keyPath);
}

std::string str(const Bytes& b) { return std::string(b.begin(), b.end()); }

client::JoinOptions joinOptions() {
    client::JoinOptions o;
    o.platform = "test";
    o.displayName = "Test Party";
    return o;
}

}  // namespace

class TestTrust : public QObject {
    Q_OBJECT

    QTemporaryDir m_pkiDir;
    TestPki m_pki;

private slots:
    void initTestCase() {
        QVERIFY(m_pkiDir.isValid());
        m_pki.dir = m_pkiDir.path();
        QVERIFY(m_pki.makeCa("firm-ca"));
        QVERIFY(m_pki.makeCa("attacker-ca"));
        QVERIFY(m_pki.makeLeaf("relay", "firm-ca", "IP:127.0.0.1,DNS:localhost"));
        QVERIFY(m_pki.makeLeaf("relay-renewed", "firm-ca", "IP:127.0.0.1,DNS:localhost"));
        QVERIFY(m_pki.makeLeaf("elsewhere", "firm-ca", "DNS:relay.other-firm.example"));
        QVERIFY(m_pki.makeLeaf("mitm", "attacker-ca", "IP:127.0.0.1,DNS:localhost"));
        // The machine's trust store, for this process: only the firm's CA (as a public CA would be).
        qputenv("SSL_CERT_FILE", m_pki.pem("firm-ca").toLocal8Bit());
        qputenv("SSL_CERT_DIR", m_pkiDir.path().toLocal8Bit() + "/no-such-dir");
    }

    // Break 1: with a CA-issued certificate, links carry no pin. A machine on the path with its
    // own certificate (self-signed, or from a CA the device does not trust, or a trusted one for
    // another name) gets neither the token nor a credential: the join fails before the token
    // leaves, and the same link then works against the real relay.
    void caIssuedRelayCertificateIsVerified() {
        QTemporaryDir dir;
        const QString cert = dir.path() + "/served.crt", key = dir.path() + "/served.key";
        QVERIFY(serveCertificate(m_pki, "relay", cert, key));
        e2e::Harness h([&](relay::ServerConfig& c) {
            c.certFile = cert.toStdString();
            c.keyFile = key.toStdString();
        });
        QVERIFY(h.ok());
        const std::string link = withoutCertificatePin(h.enrollLink("alice", proto::ROLE_LAWYER));
        QVERIFY(link.find("&tls=") == std::string::npos);

        struct Attack {
            QString certificate;
            std::string expected;
        };
        // The relay's own self-signed certificate (what `init` makes) is not trusted either
        // without the link's pin.
        QVERIFY(relay::generateSelfSignedCertificate((m_pki.dir + "/selfsigned.pem").toStdString(),
                                                      (m_pki.dir + "/selfsigned.key").toStdString(), "127.0.0.1"));
        for (const Attack& attack : {Attack{"mitm", "not trusted"}, Attack{"selfsigned", "not trusted"},
                                     Attack{"elsewhere", "is not for 127.0.0.1"}}) {
            QVERIFY(serveCertificate(m_pki, attack.certificate, cert, key));
            QVERIFY(h.restart());
            QTemporaryDir profile;
            auto c = client::Client::join(profile.path().toStdString() + "/p", kPass, link, joinOptions());
            QVERIFY2(!c, qPrintable(attack.certificate));
            QCOMPARE(c.error().code, ErrorCode::AuthFailed);
            QVERIFY2(c.error().message.find(attack.expected) != std::string::npos, c.error().message.c_str());
            QVERIFY(!client::Client::profileExists(profile.path().toStdString() + "/p"));
        }
        // The relay never saw the token: it still enrolls, through the real certificate.
        QVERIFY(serveCertificate(m_pki, "relay", cert, key));
        QVERIFY(h.restart());
        auto alice = joinParty(link, "Alice");
        QVERIFY(alice);
        alice->start();
        QVERIFY(alice->waitUntilSynced(20s));
        alice->stop();

        // A registered device checks on every connection: a man in the middle later gets no
        // credential (the WebSocket upgrade carries it) and the device stays offline.
        QVERIFY(serveCertificate(m_pki, "mitm", cert, key));
        QVERIFY(h.restart());
        client::DeviceCredentials creds;  // never sent: the handshake fails first
        creds.user = "alice";
        creds.device = 1;
        creds.secret = toSecure(view(std::string(32, 'x')));
        auto ep = h.endpoint();
        ep.tlsPin.clear();
        auto conn = client::RelayConnection::connect(ep, creds, {});
        QVERIFY(!conn);
        QVERIFY2(conn.error().message.find("not trusted") != std::string::npos, conn.error().message.c_str());
        alice->start();
        QVERIFY(!alice->waitUntilSynced(2s));
        alice->stop();
    }

    // Break 1, better still: the firm manifest pins the relay's TLS key. A certificate that a
    // trusted CA issued for the relay's name, but with another key (mis-issued), is refused at
    // join and on every later connection; a renewal is rolled out by pinning both keys first.
    void manifestTlsKeyPinsRefuseAMisIssuedCertificate() {
        QTemporaryDir dir;
        const QString cert = dir.path() + "/served.crt", key = dir.path() + "/served.key";
        QVERIFY(serveCertificate(m_pki, "relay", cert, key));
        e2e::Harness h([&](relay::ServerConfig& c) {
            c.certFile = cert.toStdString();
            c.keyFile = key.toStdString();
        });
        QVERIFY(h.ok());
        auto pin = relay::certificateKeyPin(m_pki.pem("relay").toStdString());
        auto renewedPin = relay::certificateKeyPin(m_pki.pem("relay-renewed").toStdString());
        QVERIFY(pin && renewedPin);
        h.setManifestRelays({}, {*fromHex(*pin)});
        QVERIFY(h.restart());

        // A mis-issued certificate (trusted CA, right name, other key) at join.
        QVERIFY(serveCertificate(m_pki, "relay-renewed", cert, key));
        QVERIFY(h.restart());
        const std::string link = withoutCertificatePin(h.enrollLink("alice", proto::ROLE_LAWYER));
        {
            QTemporaryDir profile;
            auto c = client::Client::join(profile.path().toStdString() + "/p", kPass, link, joinOptions());
            QVERIFY(!c);
            QVERIFY2(c.error().message.find("firm manifest pins") != std::string::npos, c.error().message.c_str());
        }
        // The pinned key: joins.
        QVERIFY(serveCertificate(m_pki, "relay", cert, key));
        QVERIFY(h.restart());
        auto alice = joinParty(link, "Alice");
        QVERIFY(alice);
        watch(*alice);
        alice->start();
        QVERIFY(alice->waitUntilSynced(20s));
        alice->stop();
        // Later, the mis-issued certificate: the device refuses to connect.
        QVERIFY(serveCertificate(m_pki, "relay-renewed", cert, key));
        QVERIFY(h.restart());
        alice->start();
        QVERIFY(!alice->waitUntilSynced(2s));
        alice->stop();
        // Rotation: the firm re-signs the manifest with both keys, devices fetch it, then the
        // relay switches its certificate.
        QVERIFY(serveCertificate(m_pki, "relay", cert, key));
        h.setManifestRelays({}, {*fromHex(*pin), *fromHex(*renewedPin)});
        QVERIFY(h.restart());
        alice->start();
        QVERIFY(alice->waitUntilSynced(20s));
        QVERIFY(QTest::qWaitFor([&] { return alice->firmManifest() && *alice->firmManifest() == str(h.signedManifestBytes()); }, 10000));
        alice->stop();
        QVERIFY(serveCertificate(m_pki, "relay-renewed", cert, key));
        QVERIFY(h.restart());
        alice->start();
        QVERIFY(alice->waitUntilSynced(20s));
        alice->stop();
    }

    // Break 8: an attacker's relay that serves the firm's genuine manifest cannot get a client to
    // join the firm through it: the manifest names the relays it is valid for.
    void manifestMustNameTheRelay() {
        e2e::Harness h;
        QVERIFY(h.ok());
        // The firm's manifest names only its real relay; this relay (the attacker's) serves it.
        h.setManifestRelays({"relay.doe-partners.example:443"}, {});
        QVERIFY(h.restart());
        QVERIFY(!h.enrollLink("alice", proto::ROLE_LAWYER).empty());
        const std::string link = h.inviteLink("alice", "Estate of Doe");
        {
            QTemporaryDir profile;
            auto c = client::Client::join(profile.path().toStdString() + "/p", kPass, link, joinOptions());
            QVERIFY(!c);
            QVERIFY2(c.error().code == ErrorCode::AuthFailed, c.error().message.c_str());
            QVERIFY2(c.error().message.find("does not name the relay 127.0.0.1:") != std::string::npos,
                     c.error().message.c_str());
            QVERIFY(!client::Client::profileExists(profile.path().toStdString() + "/p"));
        }
        // Several addresses: any one named works (the token was never spent above).
        h.setManifestRelays({"relay.doe-partners.example:443", "127.0.0.1:" + std::to_string(h.endpoint().port)}, {});
        QVERIFY(h.restart());
        auto carol = joinParty(link, "Carol", true);
        QVERIFY(carol);
        carol->start();
        QVERIFY(carol->waitUntilSynced(20s));

        // A registered device refuses a later manifest that does not name its relay: it sends
        // nothing (its messages stay queued) until the firm's manifest is back.
        watch(*carol);
        carol->stop();
        h.setManifestRelays({"relay.doe-partners.example:443"}, {});
        QVERIFY(h.restart());
        carol->start();
        QVERIFY(QTest::qWaitFor([&] { return !(*carol).eventsOf(client::Event::Kind::JournalKeyRefused).empty(); }, 20000));
        auto conv = carol->resolveConversation("Estate of Doe");
        QVERIFY(conv);
        auto sent = carol->sendText(*conv, "held until the manifest names this relay");
        QVERIFY(sent);
        QVERIFY(!carol->waitForOutbox(2s));
        carol->stop();
        h.setManifestRelays({}, {});
        QVERIFY(h.restart());
        carol->start();
        QVERIFY(carol->waitForOutbox(30s));
        carol->stop();
    }

    // Break 8, rollback: a relay that serves an older manifest (signed by the firm root, so it
    // verifies) does not take a device back to it: the device keeps the newer one and its
    // journal key.
    void olderManifestIsNeverAdopted() {
        e2e::Harness h;
        QVERIFY(h.ok());
        auto alice = joinParty(h.enrollLink("alice", proto::ROLE_LAWYER), "Alice");
        QVERIFY(alice);
        const Bytes old = h.signedManifestBytes();
        h.rotateJournalKey();
        const Bytes newer = h.signedManifestBytes();
        QVERIFY(h.restart());
        alice->start();
        QVERIFY(alice->waitUntilSynced(20s));
        QVERIFY(QTest::qWaitFor([&] { return alice->firmManifest() && *alice->firmManifest() == str(newer); }, 10000));
        alice->stop();
        h.serveManifestBytes(old);
        QVERIFY(h.restart());
        alice->start();
        QVERIFY(alice->waitUntilSynced(20s));
        QTest::qWait(500);  // the manifest is fetched after the queue drained
        auto kept = alice->firmManifest();
        QVERIFY(kept);
        QVERIFY(*kept == str(newer));
        alice->stop();
        // Restarting the app does not change that.
        alice.p->c.reset();
        auto reopened = client::Client::open(alice.p->profile(), kPass);
        QVERIFY(reopened);
        QVERIFY(*(*reopened)->firmManifest() == str(newer));
    }
};

QTEST_GUILESS_MAIN(TestTrust)
#include "tst_trust.moc"
