// Over 600 lines on purpose: one Qt Test class for the issue 15 attacks; its functions share the
// test PKI made in initTestCase and the proxy and lawyer-and-client helpers above it.
//
// Issue 15: the attacks of the security review, performed against a real relay over TLS and real
// clients. Each test fails while its hole is open.
//   break 1: a relay certificate is checked (chain and host, or the link's pin, and the firm
//            manifest's TLS key pins) on every connection;
//   break 8: the firm manifest names the relays it is valid for, and is never rolled back;
//   break 6: a journal entry names the conversation and recipients of the delivery it rides;
//   break 4: an attachment's commitment binds its key and its file;
//   break 3 (the sender's part): every entry carries its device's chain of acknowledged entries;
//   break 2: the relay cannot add a device to a user that the user's devices or contacts trust.

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <optional>

#include "ClientParty.h"
#include "E2EHarness.h"
#include "WireProxy.h"
#include "client/core/Client.h"
#include "crypto/Random.h"
#include "journal/AttachmentBlob.h"
#include "journal/DeviceApproval.h"
#include "journal/JournalCrypto.h"
#include "relay/net/TlsCert.h"
#include "storage/Database.h"

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
        qWarning("openssl %s: %s", qPrintable(args.join(' ')),
                 p.readAllStandardError().constData());
        return false;
    }
    return true;
}

// A test certificate authority in `dir`, and leaf certificates it signs.
struct TestPki {
    QString dir;
    bool makeCa(const QString& name) {
        return openssl({"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                        "-nodes", "-keyout", name + ".key", "-out", name + ".pem", "-subj",
                        "/CN=" + name, "-days", "2", "-addext", "basicConstraints=critical,CA:TRUE",
                        "-addext", "keyUsage=critical,keyCertSign,cRLSign"},
                       dir);
    }
    // A leaf for `san` (e.g. "IP:127.0.0.1,DNS:localhost") signed by `ca`; a fresh key.
    bool makeLeaf(const QString& name, const QString& ca, const QString& san) {
        QFile ext(dir + "/" + name + ".ext");
        if (!ext.open(QIODevice::WriteOnly)) return false;
        ext.write(
            ("subjectAltName=" + san + "\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n")
                .toUtf8());
        ext.close();
        return openssl({"req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                        "-nodes", "-keyout", name + ".key", "-out", name + ".csr", "-subj",
                        "/CN=" + name},
                       dir) &&
               openssl({"x509", "-req", "-in", name + ".csr", "-CA", ca + ".pem", "-CAkey",
                        ca + ".key", "-CAcreateserial", "-out", name + ".pem", "-days", "2",
                        "-extfile", name + ".ext"},
                       dir);
    }
    QString pem(const QString& name) const { return dir + "/" + name + ".pem"; }
    QString key(const QString& name) const { return dir + "/" + name + ".key"; }
};

// Puts certificate `name` where the relay's server reads it (takes effect at restart).
bool serveCertificate(const TestPki& pki, const QString& name, const QString& certPath,
                      const QString& keyPath) {
    QFile::remove(certPath);
    QFile::remove(keyPath);
    return QFile::copy(pki.pem(name), certPath) && QFile::copy(pki.key(name), keyPath);
}

// Serves certificate `name`, restarts the relay, and says whether `party` then syncs with it
// (within `timeout`; a refused certificate is waited out for 2 s).
bool syncsWhenServing(const TestPki& pki, const QString& name, const QString& cert,
                      const QString& key, e2e::Harness& h, PartyHandle& party,
                      std::chrono::milliseconds timeout) {
    if (!serveCertificate(pki, name, cert, key) || !h.restart()) return false;
    party->start();
    const bool synced = party->waitUntilSynced(timeout);
    party->stop();
    return synced;
}

std::string str(const Bytes& b) {
    return std::string(b.begin(), b.end());
}

// Sends through a raw device and returns the relay's status.
proto::Status sendRaw(e2e::Device& from, const proto::SendMessage& send,
                      std::string* error = nullptr) {
    proto::Request req;
    *req.mutable_send() = send;
    auto resp = from.connection->call(req);
    if (!resp) return proto::STATUS_UNAVAILABLE;
    if (error) *error = resp->error();
    return resp->status();
}

// Replaces the send's journal entry with `record` sealed and signed by `from` (a patched client).
void reseal(e2e::Device& from, proto::SendMessage& send, const proto::JournalRecord& record,
            ByteView journalKey) {
    auto sealed =
        journal::sealRecord(record, journalKey, [&](ByteView m) { return from.sessions->sign(m); });
    QVERIFY(sealed);
    send.set_journal_entry(str(sealed->serialize()));
}

// A lawyer (watched) and a client she invited to `matter`, both online; the client has sent
// one message and the lawyer has it.
struct LawyerAndClient {
    PartyHandle alice, carol;
    std::string conv;
};
std::optional<LawyerAndClient> lawyerAndClient(e2e::Harness& h, const std::string& matter) {
    LawyerAndClient out;
    out.alice = joinParty(h.enrollLink("alice", proto::ROLE_LAWYER), "Alice");
    if (!out.alice) return std::nullopt;
    watch(*out.alice);
    out.alice->start();
    out.carol = joinParty(h.inviteLink("alice", matter), "Carol", true);
    if (!out.alice->waitUntilSynced(20s) || !out.carol) return std::nullopt;
    out.carol->start();
    if (!out.carol->waitUntilSynced(20s)) return std::nullopt;
    auto conv = out.carol->resolveConversation(matter);
    if (!conv) return std::nullopt;
    out.conv = *conv;
    auto hello = out.carol->sendText(out.conv, "hello");
    if (!hello || !out.carol->waitForOutbox(20s)) return std::nullopt;
    if (!QTest::qWaitFor(
            [&] {
                auto m = out.alice->message(*hello);
                return m && *m;
            },
            20000))
        return std::nullopt;
    return out;
}

// `link` with the proxy's address in place of the relay's (the same certificate pin).
std::string viaProxy(std::string link, const e2e::WireProxy& proxy) {
    const auto at = link.find("relay=") + 6;
    link.replace(at, link.find('&', at) - at, "127.0.0.1:" + std::to_string(proxy.port()));
    return link;
}

// A proxy in front of the harness's relay, presenting the relay's certificate, and a manifest
// (served after the restart) naming both addresses, so links to either pass C-LINK-3.
std::unique_ptr<e2e::WireProxy> proxyFor(e2e::Harness& h) {
    auto dir = h.dataDir().toStdString();
    auto proxy =
        std::make_unique<e2e::WireProxy>(h.endpoint().port, dir + "/tls.crt", dir + "/tls.key");
    if (!proxy->ok()) return nullptr;
    h.setManifestRelays({"127.0.0.1:" + std::to_string(h.endpoint().port),
                         "127.0.0.1:" + std::to_string(proxy->port())},
                        {});
    if (!h.restart()) return nullptr;
    return proxy;
}

// Every WebSocket message a client sent through `proxy` is one Frame holding a request: no
// `batch` (C-WS-1).
bool sentNoBatch(const e2e::WireProxy& proxy) {
    for (const auto& m : proxy.clientMessages()) {
        proto::Frame frame;
        if (!frame.ParseFromString(m)) {
            qWarning("a client message is not a Frame");
            return false;
        }
        if (frame.has_batch() || !frame.has_request()) {
            qWarning("the client sent a %s", frame.has_batch() ? "batch" : "frame without request");
            return false;
        }
    }
    return true;
}

client::JoinOptions joinOptions() {
    client::JoinOptions o;
    o.platform = "test";
    o.displayName = "Test Party";
    return o;
}

} // namespace

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

    // Break 1 (RL-08, client side): with a CA-issued certificate, links carry no pin. A machine on the path with its
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
                                                     (m_pki.dir + "/selfsigned.key").toStdString(),
                                                     "127.0.0.1"));
        for (const Attack& attack :
             {Attack{"mitm", "not trusted"}, Attack{"selfsigned", "not trusted"},
              Attack{"elsewhere", "is not for 127.0.0.1"}}) {
            QVERIFY(serveCertificate(m_pki, attack.certificate, cert, key));
            QVERIFY(h.restart());
            QTemporaryDir profile;
            auto c = client::Client::join(profile.path().toStdString() + "/p", kPass, link,
                                          joinOptions());
            QVERIFY2(!c, qPrintable(attack.certificate));
            QCOMPARE(c.error().code, ErrorCode::AuthFailed);
            QVERIFY2(c.error().message.find(attack.expected) != std::string::npos,
                     c.error().message.c_str());
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
        client::DeviceCredentials creds; // never sent: the handshake fails first
        creds.user = "alice";
        creds.device = 1;
        creds.secret = toSecure(view(std::string(32, 'x')));
        auto ep = h.endpoint();
        ep.tlsPin.clear();
        auto conn = client::RelayConnection::connect(ep, creds, {});
        QVERIFY(!conn);
        QVERIFY2(conn.error().message.find("not trusted") != std::string::npos,
                 conn.error().message.c_str());
        alice->start();
        QVERIFY(!alice->waitUntilSynced(2s));
        alice->stop();
    }

    // Break 1 (RL-08), better still: the firm manifest pins the relay's TLS key. A certificate that a
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
            auto c = client::Client::join(profile.path().toStdString() + "/p", kPass, link,
                                          joinOptions());
            QVERIFY(!c);
            QVERIFY2(c.error().message.find("firm manifest pins") != std::string::npos,
                     c.error().message.c_str());
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
        QVERIFY(!syncsWhenServing(m_pki, "relay-renewed", cert, key, h, alice, 2s));
        // Rotation: the firm re-signs the manifest with both keys, devices fetch it, then the
        // relay switches its certificate.
        QVERIFY(serveCertificate(m_pki, "relay", cert, key));
        h.setManifestRelays({}, {*fromHex(*pin), *fromHex(*renewedPin)});
        QVERIFY(h.restart());
        alice->start();
        QVERIFY(alice->waitUntilSynced(20s));
        QVERIFY(QTest::qWaitFor(
            [&] {
                return alice->firmManifest() &&
                       *alice->firmManifest() == str(h.signedManifestBytes());
            },
            10000));
        alice->stop();
        QVERIFY(syncsWhenServing(m_pki, "relay-renewed", cert, key, h, alice, 20s));
    }

    // C-TLS-5 (issue 17): a relay whose links pin its certificate can rotate it. A device that
    // joined through a pinned link refuses another certificate while the manifest pins no TLS
    // key; once the firm re-signs the manifest with the old and the new key, the new certificate
    // is accepted, and a key the manifest does not pin still is not.
    void pinnedCertificateRotatesThroughTheManifest() {
        QTemporaryDir dir;
        const QString cert = dir.path() + "/served.crt", key = dir.path() + "/served.key";
        QVERIFY(serveCertificate(m_pki, "relay", cert, key));
        e2e::Harness h([&](relay::ServerConfig& c) {
            c.certFile = cert.toStdString();
            c.keyFile = key.toStdString();
        });
        QVERIFY(h.ok());
        // The link pins the certificate served (its SHA-256), as init's self-signed one is pinned.
        auto digest = relay::certificateFingerprint(cert.toStdString());
        QVERIFY(digest);
        std::string link = withoutCertificatePin(h.enrollLink("alice", proto::ROLE_LAWYER));
        link += "&tls=" + *digest;
        auto alice = joinParty(link, "Alice");
        QVERIFY(alice);
        watch(*alice);
        alice->start();
        QVERIFY(alice->waitUntilSynced(20s));
        alice->stop();
        // Another certificate, no key pins in the manifest: the link's pin decides, refused.
        QVERIFY(!syncsWhenServing(m_pki, "relay-renewed", cert, key, h, alice, 2s));
        // The firm pins both keys; the device fetches that manifest from the old certificate.
        auto oldKey = relay::certificateKeyPin(m_pki.pem("relay").toStdString());
        auto newKey = relay::certificateKeyPin(m_pki.pem("relay-renewed").toStdString());
        QVERIFY(oldKey && newKey);
        QVERIFY(serveCertificate(m_pki, "relay", cert, key));
        h.setManifestRelays({}, {*fromHex(*oldKey), *fromHex(*newKey)});
        QVERIFY(h.restart());
        alice->start();
        QVERIFY(alice->waitUntilSynced(20s));
        QVERIFY(QTest::qWaitFor(
            [&] {
                return alice->firmManifest() &&
                       *alice->firmManifest() == str(h.signedManifestBytes());
            },
            10000));
        alice->stop();
        // The new certificate: accepted through the manifest's key pin.
        QVERIFY(syncsWhenServing(m_pki, "relay-renewed", cert, key, h, alice, 20s));
        // A key the manifest does not pin (a machine on the path with its own certificate).
        QVERIFY(!syncsWhenServing(m_pki, "mitm", cert, key, h, alice, 2s));
    }

    // Break 6 (ES-07): a lawyer outside a matter cannot plant a message in its compliance timeline. The
    // relay refuses an entry whose conversation or recipients are not those of the delivery, so
    // the lawyer's entry can only ever name a conversation the lawyer is in.
    void journalEntryMustNameTheDelivery() {
        e2e::Harness h;
        QVERIFY(h.ok());
        auto alice = h.enrollStaff("alice", proto::ROLE_LAWYER);
        auto bob = h.enrollStaff("bob", proto::ROLE_LAWYER);
        QVERIFY(alice && bob);
        std::string matterA, matterB;
        auto carol = h.inviteClient("alice", "Estate of Doe", &matterA);
        auto dave = h.inviteClient("bob", "Smith v Jones", &matterB);
        QVERIFY(carol && dave && !matterA.empty() && !matterB.empty());
        QVERIFY(alice->connect(h.endpoint()) && bob->connect(h.endpoint()) &&
                carol->connect(h.endpoint()) && dave->connect(h.endpoint()));
        const Bytes jpk = h.journalKey().publicKey();

        // Bob delivers in his own matter but journals the message as the Doe matter's.
        proto::JournalRecord honest;
        auto send =
            e2e::buildSend(*bob, matterB, "Carol, please call me about the will", jpk, &honest);
        proto::JournalRecord planted = honest;
        planted.set_conversation_id(matterA);
        reseal(*bob, send, planted, jpk);
        std::string error;
        QCOMPARE(sendRaw(*bob, send, &error), proto::STATUS_BAD_REQUEST);
        QVERIFY2(error.find("another conversation") != std::string::npos, error.c_str());

        // Or names the Doe matter's client as a recipient of a message she never receives.
        proto::JournalRecord misaddressed = honest;
        misaddressed.clear_recipients();
        auto* r = misaddressed.add_recipients();
        r->set_user(carol->user);
        r->set_device(carol->device);
        reseal(*bob, send, misaddressed, jpk);
        QCOMPARE(sendRaw(*bob, send, &error), proto::STATUS_BAD_REQUEST);
        QVERIFY2(error.find("other recipients") != std::string::npos, error.c_str());

        // Nothing of it reached anyone; the honest entry goes through, naming matter B.
        reseal(*bob, send, honest, jpk);
        QCOMPARE(sendRaw(*bob, send), proto::STATUS_OK);
        QCOMPARE(dave->waitForEnvelopes(1).size(), std::size_t(1));
        QVERIFY(carol->envelopes().empty());
        auto officer = h.enrollStaff("olga", proto::ROLE_COMPLIANCE);
        QVERIFY(officer && officer->connect(h.endpoint()));
        int fromBob = 0;
        auto pulled = e2e::pullJournalEntries(*officer);
        QVERIFY(pulled);
        for (const auto& e : *pulled) {
            if (e.header.senderUser != "bob") continue;
            ++fromBob;
            QCOMPARE(e.header.conversationId, matterB);
            auto opened = journal::openEntry(e, h.journalKey(), bob->identityKey);
            QVERIFY2(opened, opened ? "" : opened.error().message.c_str());
        }
        QCOMPARE(fromBob, 1);

        // A journal entry whose sealed record disagrees with its header (a relay that rewrote
        // the header, or a sender that sealed one thing and labelled another) does not open.
        journal::SealedEntry forged =
            *journal::sealRecord(honest, jpk, [&](ByteView m) { return bob->sessions->sign(m); });
        forged.header.conversationId = matterA;
        forged.signature = *bob->sessions->sign(forged.signedBytes());
        auto opened = journal::openEntry(forged, h.journalKey(), bob->identityKey);
        QVERIFY(!opened);
        QCOMPARE(opened.error().detail,
                 int(journal::Fault::Decrypt)); // the header is the GCM associated data
    }

    // Break 4 (ES-06, ES-09): one attachment, two contents. A modified sender gives the recipient one key and
    // the journal another for the same blob (AES-GCM is not key-committing). The commitment now
    // binds the key and the file, so the recipient withholds the message and reports it; and a
    // file that is not the one committed to is refused when it is opened.
    void attachmentCommitmentBindsKeyAndFile() {
        e2e::Harness h;
        QVERIFY(h.ok());
        auto mallory = h.enrollStaff("mallory", proto::ROLE_LAWYER);
        QVERIFY(mallory && mallory->connect(h.endpoint()));
        auto carol = joinParty(h.inviteLink("mallory", "Two Contents"), "Carol", true);
        QVERIFY(carol);
        watch(*carol);
        carol->start();
        QVERIFY(carol->waitUntilSynced(20s));
        const std::string conv = *carol->resolveConversation("Two Contents");
        const Bytes jpk = h.journalKey().publicKey();

        auto upload = [&](const std::string& text, proto::AttachmentRef* ref) {
            SecureBytes plain = toSecure(view(text));
            auto sealed = journal::sealAttachment(plain);
            QVERIFY(sealed);
            auto id = client::RelayConnection::uploadBlob(h.endpoint(), mallory->credentials,
                                                          str(sealed->blob));
            QVERIFY2(id, id ? "" : id.error().message.c_str());
            auto pd = crypto::sha256(plain);
            ref->set_blob_id(str(*fromHex(*id)));
            ref->set_key(std::string(sealed->key.begin(), sealed->key.end()));
            ref->set_digest(std::string(sealed->digest.begin(), sealed->digest.end()));
            ref->set_plaintext_digest(std::string(pd.begin(), pd.end()));
            ref->set_size(plain.size());
            ref->set_file_name("settlement.txt");
            ref->set_mime_type("text/plain");
        };
        proto::AttachmentRef file;
        upload("Settlement: pay 10,000 into account A", &file);

        // Shown to Carol with key K; journaled with another key for the same blob (standing for
        // a blob crafted to open under both).
        proto::JournalRecord shown;
        auto send = e2e::buildSend(*mallory, conv, "the settlement", jpk, &shown,
                                   [&](proto::JournalRecord& r) {
                                       r.set_type(proto::ATTACHMENT);
                                       *r.add_attachments() = file;
                                   });
        proto::JournalRecord escrowed = shown;
        escrowed.mutable_attachments(0)->set_key(str(crypto::randomBytes(32)));
        reseal(*mallory, send, escrowed, jpk);
        QCOMPARE(sendRaw(*mallory, send), proto::STATUS_OK);
        const std::string id = toHex(view(shown.message_id()));
        QVERIFY(QTest::qWaitFor(
            [&] {
                auto m = carol->message(id);
                return m && *m;
            },
            20000));
        QCOMPARE((*carol->message(id))->state, client::MessageState::Mismatch);
        QVERIFY(QTest::qWaitFor(
            [&] { return !(*carol).eventsOf(client::Event::Kind::JournalMismatch).empty(); },
            10000));
        QTemporaryDir out;
        QVERIFY(!carol->saveAttachment(id, 0, (out.path() + "/a.txt").toStdString()));

        // Honest key, but the committed file is another one than the blob holds: the commitment
        // opens for both, and the file is refused when Carol opens it, reported like a mismatch.
        proto::AttachmentRef other;
        upload("Settlement: pay 10,000 into account B", &other);
        proto::JournalRecord lying;
        auto send2 = e2e::buildSend(*mallory, conv, "the settlement, again", jpk, &lying,
                                    [&](proto::JournalRecord& r) {
                                        r.set_type(proto::ATTACHMENT);
                                        auto* a = r.add_attachments();
                                        *a = file;
                                        a->set_plaintext_digest(other.plaintext_digest());
                                    });
        QCOMPARE(sendRaw(*mallory, send2), proto::STATUS_OK);
        const std::string id2 = toHex(view(lying.message_id()));
        QVERIFY(QTest::qWaitFor(
            [&] {
                auto m = carol->message(id2);
                return m && *m;
            },
            20000));
        QCOMPARE((*carol->message(id2))->state, client::MessageState::Received);
        auto saved = carol->saveAttachment(id2, 0, (out.path() + "/b.txt").toStdString());
        QVERIFY(!saved);
        QVERIFY2(saved.error().message.find("not the file its sender committed to") !=
                     std::string::npos,
                 saved.error().message.c_str());
        QVERIFY(!QFile::exists(out.path() + "/b.txt"));
        QCOMPARE((*carol->message(id2))->state, client::MessageState::Mismatch);
        QVERIFY(QTest::qWaitFor(
            [&] { return (*carol).eventsOf(client::Event::Kind::JournalMismatch).size() >= 2; },
            10000));
        QVERIFY(carol->waitForOutbox(20s));

        // Both reports reached the journal, signed by Carol's device.
        auto officer = h.enrollStaff("olga", proto::ROLE_COMPLIANCE);
        QVERIFY(officer && officer->connect(h.endpoint()));
        const Bytes carolKey = *fromHex(carol->identityKeyHex());
        int reports = 0, attachmentReports = 0;
        auto pulled = e2e::pullJournalEntries(*officer);
        QVERIFY(pulled);
        for (const auto& e : *pulled) {
            if (e.header.senderUser != carol->account().user) continue;
            auto opened = journal::openEntry(e, h.journalKey(), carolKey);
            QVERIFY2(opened, opened ? "" : opened.error().message.c_str());
            if (opened->record.type() != proto::MISMATCH_REPORT) continue;
            ++reports;
            // The attachment form names which attachment and the hash of what arrived.
            const auto& body = opened->record.body();
            if (body.find("\"attachment\":") != std::string::npos) {
                ++attachmentReports;
                QVERIFY2(body.find("\"attachment_index\":0") != std::string::npos, body.c_str());
                QVERIFY2(body.find("\"received_blob_sha256\":\"") != std::string::npos,
                         body.c_str());
            }
        }
        QCOMPARE(reports, 2);
        QCOMPARE(attachmentReports, 1);
        carol->stop();
    }

    // Break 3, the sender's part: every entry a device seals carries the chain of its entries
    // the relay acknowledged before, so compliance can name an entry removed from the journal
    // at the device's next entry. Checked here on what a real client wrote.
    void entriesCarryTheirDeviceChain() {
        e2e::Harness h;
        QVERIFY(h.ok());
        auto alice = joinParty(h.enrollLink("alice", proto::ROLE_LAWYER), "Alice");
        QVERIFY(alice);
        alice->start();
        QVERIFY(alice->waitUntilSynced(20s));
        auto carol = joinParty(h.inviteLink("alice", "Chained"), "Carol", true);
        QVERIFY(carol);
        const std::string conv = *alice->resolveConversation("Chained");
        std::vector<std::string> ids;
        for (int i = 0; i < 4; ++i) {
            auto id = alice->sendText(conv, "message " + std::to_string(i));
            QVERIFY(id);
            QVERIFY(alice->waitForOutbox(20s)); // acknowledged before the next is sealed
            ids.push_back(*id);
        }
        alice->stop();
        auto officer = h.enrollStaff("olga", proto::ROLE_COMPLIANCE);
        QVERIFY(officer && officer->connect(h.endpoint()));
        // prefixes[n]: the chain over this device's first n entries in journal order.
        std::vector<journal::DeviceChain> prefixes(1);
        std::uint64_t lastAcked = 0;
        auto pulled = e2e::pullJournalEntries(*officer);
        QVERIFY(pulled);
        for (const auto& e : *pulled) {
            if (e.header.senderUser != "alice") continue;
            // Each entry carries the chain over a prefix of this device's earlier entries: all of
            // them but those still in flight when it was sealed.
            QVERIFY(e.header.deviceAcked < prefixes.size());
            QVERIFY(constantTimeEqual(e.header.deviceHead, prefixes[e.header.deviceAcked].head));
            QVERIFY(e.header.deviceAcked >= lastAcked);
            lastAcked = e.header.deviceAcked;
            prefixes.push_back(prefixes.back().next(e.header.messageId));
        }
        QVERIFY(prefixes.size() >= 5);
        QVERIFY(lastAcked >= 3); // sent one at a time: each saw the ones before
    }

    // Break 2 (PR-08, DL-06): a breached relay enrols a device of its own for the lawyer and makes it active
    // without her approval (the honest relay keeps it pending; this one edits its database). The
    // lawyer's own device and a client who contacts her for the first time send it nothing:
    // both hold, and the lawyer is told a device she did not approve was added to her account.
    // When the firm revokes it, the held messages go out.
    void relayCannotPlantADevice() {
        e2e::Harness h;
        QVERIFY(h.ok());
        auto parties = lawyerAndClient(h, "Estate of Doe");
        QVERIFY(parties);
        auto& [alice, carol, conv] = *parties;

        // The relay's own device for Alice: registered (pending), then activated behind her back.
        auto planted = h.addDevice("alice");
        QVERIFY(planted);
        {
            auto tryConnect = planted->connect(h.endpoint());
            QVERIFY(!tryConnect); // the honest relay keeps it out until Alice approves it
        }
        alice->stop();
        carol->stop();
        h.stop();
        {
            storage::OpenOptions o;
            o.create = false;
            auto db = storage::Database::open(h.databasePath(), h.databaseKey(), o);
            QVERIFY(db);
            QVERIFY((*db)->exec(
                "UPDATE devices SET pending_ms = NULL WHERE user = 'alice' AND device = " +
                std::to_string(planted->device)));
            // And it dresses Alice's real device up as approved by the planted one, so that the
            // planted device looks like her first device (to her and to new contacts).
            const Bytes aliceKey = *fromHex(alice->identityKeyHex());
            auto forged = journal::DeviceApproval::make(
                "alice", alice->account().device, aliceKey, planted->device, 1764300000000ULL,
                [&](ByteView m) { return planted->sessions->sign(m); });
            QVERIFY(forged);
            auto st = (*db)->prepare(
                "UPDATE devices SET approval = ? WHERE user = 'alice' AND device = ?");
            QVERIFY(st);
            st->bind(1, forged->serialize()).bind(2, std::int64_t(alice->account().device));
            QVERIFY(st->run());
        }
        QVERIFY(h.restart());
        QVERIFY(planted->connect(h.endpoint()));

        // Alice's outgoing message is held, and she hears of the device.
        alice->start();
        QVERIFY(alice->waitUntilSynced(20s));
        auto privileged =
            alice->sendText(conv, "Privileged: the original will is in the office safe.");
        QVERIFY(privileged);
        QVERIFY(QTest::qWaitFor(
            [&] {
                auto m = alice->message(*privileged);
                return m && *m && (*m)->state == client::MessageState::Blocked;
            },
            10000));
        QVERIFY(QTest::qWaitFor(
            [&] {
                for (const auto& e : (*alice).eventsOf(client::Event::Kind::DeviceAdded))
                    if (e.detail.find("none of your devices approved") != std::string::npos)
                        return true;
                return false;
            },
            10000));
        // A new client's first message to Alice is held too: two unapproved first devices.
        auto dave = joinParty(h.inviteLink("alice", "Dave's matter"), "Dave", true);
        QVERIFY(dave);
        dave->start();
        QVERIFY(dave->waitUntilSynced(20s));
        const std::string conv2 = *dave->resolveConversation("Dave's matter");
        auto first = dave->sendText(conv2, "My first message: I want to change my will.");
        QVERIFY(first);
        QVERIFY(QTest::qWaitFor(
            [&] {
                auto m = dave->message(*first);
                return m && *m && (*m)->state == client::MessageState::Blocked;
            },
            10000));
        auto number = dave->safetyNumber("alice");
        QVERIFY(number && number->changed);
        // The planted device received nothing at all.
        QTest::qWait(300);
        QVERIFY(planted->envelopes().empty());

        // The firm revokes it: Alice's device finds her list traceable again and sends.
        QVERIFY(h.service().revokeDevice("alice", planted->device, "test"));
        alice->stop();
        alice->start();
        QVERIFY(QTest::qWaitFor(
            [&] {
                auto m = alice->message(*privileged);
                return m && *m && (*m)->state != client::MessageState::Blocked &&
                       (*m)->state != client::MessageState::Queued;
            },
            30000));
        carol->start();
        QVERIFY(QTest::qWaitFor(
            [&] {
                auto m = carol->message(*privileged);
                return m && *m;
            },
            20000));
        QVERIFY(planted->envelopes().empty());
        alice->stop();
        carol->stop();
        dave->stop();
    }

    // Break 2, the honest paths: a device linked from Alice's first device is approved by it and
    // her contacts take it without a safety-number change (the new device itself named the
    // device whose link it used); a device the firm enrols for her is admitted only once she
    // approves it on her first device, and her contacts then see a new safety number to accept
    // (nothing but the relay's word ties it to her link).
    void approvedDevicesJoinWithoutAChange() {
        e2e::Harness h;
        QVERIFY(h.ok());
        auto parties = lawyerAndClient(h, "Linked");
        QVERIFY(parties);
        auto& [alice, carol, conv] = *parties;

        auto link = alice->createDeviceLink();
        QVERIFY(link);
        QVERIFY(link->find("&ls=") != std::string::npos && link->find("&lk=") != std::string::npos);
        auto laptop = joinParty(*link, "Alice");
        QVERIFY(laptop);
        watch(*laptop);
        laptop->start();
        QVERIFY(laptop->waitUntilSynced(20s));
        QVERIFY(QTest::qWaitFor(
            [&] { return !(*alice).eventsOf(client::Event::Kind::DeviceAdded).empty(); }, 10000));
        auto m1 = carol->sendText(conv, "after the laptop");
        QVERIFY(m1 && carol->waitForOutbox(20s));
        QVERIFY(QTest::qWaitFor(
            [&] {
                auto m = laptop->message(*m1);
                return m && *m;
            },
            20000));
        QVERIFY(!carol->safetyNumber("alice")->changed);

        // Enrolled by the firm: waits, is announced, is admitted by Alice's approval.
        auto phone = joinParty(h.enrollLink("alice", proto::ROLE_LAWYER), "Alice");
        QVERIFY(phone);
        watch(*phone);
        phone->start();
        QVERIFY(QTest::qWaitFor(
            [&] { return !(*phone).eventsOf(client::Event::Kind::AwaitingApproval).empty(); },
            10000));
        QVERIFY(QTest::qWaitFor(
            [&] {
                return !(*alice).eventsOf(client::Event::Kind::DeviceApprovalRequested).empty();
            },
            10000));
        auto devices = alice->devices();
        QVERIFY(devices);
        bool pendingShown = false;
        for (const auto& d : *devices)
            pendingShown |=
                d.device == phone->account().device && d.status() == "awaiting approval";
        QVERIFY(pendingShown);
        // The firm's administrators see it waiting too.
        auto adminView = h.service().listDevices("alice");
        QVERIFY(adminView);
        bool adminSeesPending = false;
        for (const auto& d : *adminView)
            adminSeesPending |= d.device == phone->account().device && d.pendingMs > 0;
        QVERIFY(adminSeesPending);
        QVERIFY(alice->approveDevice(phone->account().device));
        QVERIFY(phone->waitUntilSynced(20s));
        auto m2 = carol->sendText(conv, "after the phone");
        QVERIFY(m2);
        QVERIFY(QTest::qWaitFor(
            [&] {
                auto n = carol->safetyNumber("alice");
                return n && n->changed;
            },
            20000));
        QVERIFY(carol->acceptSafetyNumber("alice"));
        QVERIFY(carol->waitForOutbox(20s));
        QVERIFY(QTest::qWaitFor(
            [&] {
                auto m = phone->message(*m2);
                return m && *m;
            },
            20000));
        // A device cannot approve itself, nor a device of another user.
        QVERIFY(!phone->approveDevice(phone->account().device));
        QVERIFY(!carol->approveDevice(alice->account().device));
        for (auto* p : {alice.get(), carol.get(), laptop.get(), phone.get()})
            (*p)->stop();
    }

    // Break 8 (ES-10): an attacker's relay that serves the firm's genuine manifest cannot get a client to
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
            auto c = client::Client::join(profile.path().toStdString() + "/p", kPass, link,
                                          joinOptions());
            QVERIFY(!c);
            QVERIFY2(c.error().code == ErrorCode::AuthFailed, c.error().message.c_str());
            QVERIFY2(c.error().message.find("does not name the relay 127.0.0.1:") !=
                         std::string::npos,
                     c.error().message.c_str());
            QVERIFY(!client::Client::profileExists(profile.path().toStdString() + "/p"));
        }
        // Several addresses: any one named works (the token was never spent above).
        h.setManifestRelays(
            {"relay.doe-partners.example:443", "127.0.0.1:" + std::to_string(h.endpoint().port)},
            {});
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
        QVERIFY(QTest::qWaitFor(
            [&] { return !(*carol).eventsOf(client::Event::Kind::JournalKeyRefused).empty(); },
            20000));
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

    // Break 8 (ES-10), rollback: a relay that serves an older manifest (signed by the firm root, so it
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
        QVERIFY(QTest::qWaitFor(
            [&] { return alice->firmManifest() && *alice->firmManifest() == str(newer); }, 10000));
        alice->stop();
        // A link made while the newer manifest was served says so (`mv`).
        const std::string laterLink = h.inviteLink("alice", "Later matter");
        QVERIFY(laterLink.find("&mv=") != std::string::npos);
        h.serveManifestBytes(old);
        QVERIFY(h.restart());
        {
            // A device joining through it refuses the older manifest before its token leaves.
            QTemporaryDir profile;
            auto c = client::Client::join(profile.path().toStdString() + "/p", kPass, laterLink,
                                          joinOptions());
            QVERIFY(!c);
            QVERIFY2(c.error().message.find("outdated firm manifest") != std::string::npos,
                     c.error().message.c_str());
        }
        alice->start();
        QVERIFY(alice->waitUntilSynced(20s));
        QTest::qWait(500); // the manifest is fetched after the queue drained
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

    // C-LINK-4: a device checks a link its relay returns before handing it out. Here the relay
    // serves an older manifest than the device holds, so its invite link's `mv` is older: refused.
    void handedOutLinksAreChecked() {
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
        QVERIFY(QTest::qWaitFor(
            [&] { return alice->firmManifest() && *alice->firmManifest() == str(newer); }, 10000));
        auto good = alice->createInvite("Matter A");
        QVERIFY2(good, good ? "" : good.error().message.c_str());
        alice->stop();
        h.serveManifestBytes(old);
        QVERIFY(h.restart());
        alice->start();
        QVERIFY(alice->waitUntilSynced(20s));
        auto bad = alice->createInvite("Matter B");
        QVERIFY(!bad);
        QCOMPARE(int(bad.error().code), int(ErrorCode::AuthFailed));
        QVERIFY2(bad.error().message.find("not handing it out") != std::string::npos,
                 bad.error().message.c_str());
        alice->stop();
    }

    // C-LINK-4, the rest: a relay that puts another firm's fingerprint, another relay address
    // (one the manifest does not name) or another certificate pin (or none) into the invite and
    // device links it returns cannot make the device hand them out: each is refused with a clear
    // error and never returned to the user.
    void handedOutLinksNameThisFirmRelayAndPin() {
        e2e::Harness h;
        QVERIFY(h.ok());
        auto alice = joinParty(h.enrollLink("alice", proto::ROLE_LAWYER), "Alice");
        QVERIFY(alice);
        alice->start();
        QVERIFY(alice->waitUntilSynced(20s));
        auto honest = alice->createInvite("Matter A");
        QVERIFY2(honest, honest ? "" : honest.error().message.c_str());
        QVERIFY(honest->find("&firm=" + h.firmFingerprint()) != std::string::npos);
        alice->stop();
        const std::string otherPin = toHex(crypto::randomBytes(32));
        const std::vector<std::pair<const char*, std::function<void(relay::RelayConfig&)>>> lies{
            {"another firm",
             [](relay::RelayConfig& c) { c.firmFingerprint = toHex(crypto::randomBytes(16)); }},
            {"another relay", [](relay::RelayConfig& c) { c.publicAddress = "127.0.0.1:1"; }},
            {"another pin", [&](relay::RelayConfig& c) { c.tlsPin = otherPin; }},
            {"no pin", [](relay::RelayConfig& c) { c.tlsPin.clear(); }},
        };
        for (const auto& [what, lie] : lies) {
            h.tweakServedConfig(lie);
            QVERIFY(h.restart());
            alice->start();
            QVERIFY2(alice->waitUntilSynced(20s), what);
            auto invite = alice->createInvite("Matter B");
            QVERIFY2(!invite, what);
            QCOMPARE(int(invite.error().code), int(ErrorCode::AuthFailed));
            QVERIFY2(invite.error().message.find("not handing it out") != std::string::npos,
                     invite.error().message.c_str());
            auto device = alice->createDeviceLink();
            QVERIFY2(!device, what);
            QCOMPARE(int(device.error().code), int(ErrorCode::AuthFailed));
            alice->stop();
        }
    }

    // C-SN-1 over active devices: a revoked device leaves both sides' safety number (the relay's
    // full list no longer names it), so after a revocation the lawyer and her client still show
    // the same number, over the devices that remain, and nothing is held.
    void safetyNumbersCountActiveDevicesOnly() {
        e2e::Harness h;
        QVERIFY(h.ok());
        auto parties = lawyerAndClient(h, "Revoked laptop");
        QVERIFY(parties);
        auto& [alice, carol, conv] = *parties;
        auto link = alice->createDeviceLink();
        QVERIFY(link);
        auto laptop = joinParty(*link, "Alice");
        QVERIFY(laptop);
        laptop->start();
        QVERIFY(laptop->waitUntilSynced(20s));
        QVERIFY(QTest::qWaitFor(
            [&] { return !(*alice).eventsOf(client::Event::Kind::DeviceAdded).empty(); }, 10000));
        const auto both = [&](const std::string& text) {
            auto id = carol->sendText(conv, text);
            if (!id || !carol->waitForOutbox(20s)) return false;
            return QTest::qWaitFor(
                [&] {
                    auto m = alice->message(*id);
                    return m && *m;
                },
                20000);
        };
        QVERIFY(both("to both of Alice's devices"));
        auto before = carol->safetyNumber("alice");
        QVERIFY(before && before->devices == 2 && !before->changed);

        const auto laptopDevice = laptop->account().device;
        laptop->stop();
        QVERIFY(h.service().revokeDevice("alice", laptopDevice, "admin-cli"));
        QVERIFY(both("after the revocation")); // the relay's 409 names the laptop as extra
        QVERIFY(alice->devices());             // Alice's own full list
        auto fromCarol = carol->safetyNumber("alice");
        auto fromAlice = alice->safetyNumber(carol->account().user);
        QVERIFY2(fromCarol, fromCarol ? "" : fromCarol.error().message.c_str());
        QVERIFY2(fromAlice, fromAlice ? "" : fromAlice.error().message.c_str());
        QCOMPARE(fromCarol->devices, std::size_t(1));
        QVERIFY(!fromCarol->changed);
        QVERIFY(fromCarol->digits != before->digits);
        QCOMPARE(fromAlice->digits, fromCarol->digits);
        QVERIFY(carol->sendText(conv, "nothing held") && carol->waitForOutbox(20s));
    }

    // C-HTTP-1: relays before issue 17 served the manifest as application/x-protobuf; a relay
    // serving it as text/html, or with no type at all, is joined and synced with all the same.
    // C-WS-1: everything the client sends over the WebSocket is one Frame per message, never a
    // `batch` (recorded on the wire by the proxy, through join, sync and an invite).
    void manifestContentTypeIsIgnoredAndNoBatchIsSent() {
        e2e::Harness h;
        QVERIFY(h.ok());
        auto proxy = proxyFor(h);
        QVERIFY2(proxy, "the proxy in front of the relay did not start");
        int user = 0;
        for (const std::string type : {"text/html; charset=utf-8", ""}) {
            proxy->setManifestContentType(type);
            const int before = proxy->manifestsRetyped();
            const std::string name = "lawyer" + std::to_string(++user);
            auto lawyer = joinParty(viaProxy(h.enrollLink(name, proto::ROLE_LAWYER), *proxy), name);
            QVERIFY2(lawyer, type.c_str());
            QVERIFY2(proxy->manifestsRetyped() > before, "the join fetched no manifest");
            lawyer->start();
            QVERIFY2(lawyer->waitUntilSynced(20s), type.c_str());
            QVERIFY(sentNoBatch(*proxy));
            auto link = lawyer->createInvite("Matter of " + name);
            QVERIFY2(link, link ? "" : link.error().message.c_str());
            lawyer->stop();
        }
        QVERIFY2(proxy->clientMessages().size() >= 4,
                 "the proxy saw no WebSocket traffic from the client");
        QVERIFY(sentNoBatch(*proxy));
    }

    // C-STATUS-1: the status decides, never the text. Through a proxy that writes "OK" into
    // every refusal (WebSocket `Response.error` and HTTP bodies) and a refusal-like text into
    // every success, the client still succeeds where the status is OK and fails, with the error
    // the status calls for, where it is not.
    void clientActsOnTheStatusNotTheText() {
        e2e::Harness h;
        QVERIFY(h.ok());
        auto proxy = proxyFor(h);
        QVERIFY2(proxy, "the proxy in front of the relay did not start");
        // The refusal text is also hostile: a terminal escape, a line break, an override.
        const std::string hostile =
            "OK\x1b]0;owned\x07\r\nOK: registered \xe2\x80\xae" + std::string(2000, 'x');
        proxy->setAnswerTexts(hostile, "403 forbidden: refused, not a member");
        const std::string enroll = viaProxy(h.enrollLink("alice", proto::ROLE_LAWYER), *proxy);
        auto alice = joinParty(enroll, "Alice");
        QVERIFY(alice);
        alice->start();
        QVERIFY(alice->waitUntilSynced(20s));
        // Successes whose text reads as a refusal.
        auto link = alice->createInvite("Matter A");
        QVERIFY2(link, link ? "" : link.error().message.c_str());
        auto carol = joinParty(*link, "Carol", true); // straight to the relay
        QVERIFY(carol);
        carol->start();
        QVERIFY(carol->waitUntilSynced(20s));
        auto conv = alice->resolveConversation("Matter A");
        QVERIFY(conv);
        auto sent = alice->sendText(*conv, "sent despite the text");
        QVERIFY(sent && alice->waitForOutbox(20s));
        auto m = alice->message(*sent);
        QVERIFY(m && *m);
        QVERIFY2((*m)->state != client::MessageState::Failed &&
                     (*m)->state != client::MessageState::Queued,
                 std::to_string(int((*m)->state)).c_str());
        // Refusals whose text says OK.
        auto revoked = alice->revokeInvite("00000000");
        QVERIFY(!revoked);
        QCOMPARE(int(revoked.error().code), int(ErrorCode::NotFound));
        auto malformed = alice->revokeInvite("not-an-id");
        QVERIFY(!malformed);
        QCOMPARE(int(malformed.error().code), int(ErrorCode::InvalidArgument));
        const auto& wsShown = malformed.error().message;
        QVERIFY2(wsShown.size() < 400 && wsShown.rfind("OK", 0) == 0, wsShown.c_str());
        QVERIFY(std::none_of(wsShown.begin(), wsShown.end(),
                             [](char c) { return std::uint8_t(c) < 0x20 || c == 0x7f; }));
        Party again;
        client::JoinOptions o;
        o.displayName = "Alice";
        o.platform = "test";
        auto reused = client::Client::join(again.profile(), kPass, enroll, o);
        QVERIFY2(!reused, "a used enrolment token joined because the refusal said OK");
        QCOMPARE(int(reused.error().code), int(ErrorCode::AuthFailed));
        QCOMPARE(reused.error().detail, 410);
        // What reaches the user of the text is one printable line of bounded length.
        const auto& shown = reused.error().message;
        QVERIFY2(shown.size() < 400, shown.c_str());
        QVERIFY(std::none_of(shown.begin(), shown.end(),
                             [](char c) { return std::uint8_t(c) < 0x20 || c == 0x7f; }));
        QVERIFY(shown.find("\xe2\x80\xae") == std::string::npos);
        QVERIFY(proxy->answersRewritten() >= 3);
        alice->stop();
        carol->stop();
    }
};

QTEST_GUILESS_MAIN(TestTrust)
#include "tst_trust.moc"
