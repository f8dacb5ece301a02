// CF-01 (short form) and CF-03: the relay process is killed with SIGKILL while 2,000 messages
// are in flight. After a restart every message whose send was acknowledged is delivered exactly
// once, retries of unacknowledged sends are idempotent, and the journal chain verifies.

#include <QFileInfo>
#include <QtTest>

#include <boost/asio/ip/tcp.hpp>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <set>

#include "E2EHarness.h"
#include "journal/FirmManifest.h"
#include "journal/HashChain.h"
#include "relay/net/TlsCert.h"

using namespace verbatim;
using namespace verbatim::e2e;

namespace {

std::uint16_t freePort() {
    return freeLoopbackPort();
}
std::string tokenOf(const QString& link) {
    return linkToken(link.trimmed().toStdString());
}

} // namespace

class TestRelayCrash : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;
    QString m_data;
    std::uint16_t m_port = 0, m_adminPort = 0;
    std::unique_ptr<QProcess> m_relay;

    // The unlock secret of the relay's sealed keys: beside the data directory, never in it
    // (init creates it).
    QString unlockFile() const { return QFileInfo(m_data).path() + "/relay.unlock"; }

    QString runRelay(const QStringList& args) {
        QProcess p;
        p.setProcessEnvironment(env());
        p.start(VERBATIM_RELAY_BIN, args + QStringList{"--unlock-file", unlockFile()});
        p.waitForFinished(30000);
        if (p.exitCode() != 0)
            qWarning("verbatim-relay %s: %s", qPrintable(args.join(' ')),
                     p.readAllStandardError().constData());
        return QString::fromUtf8(p.readAllStandardOutput());
    }

    QProcessEnvironment env() {
        auto e = QProcessEnvironment::systemEnvironment();
        e.insert("VERBATIM_PASSPHRASE", "crash-test-passphrase");
        e.insert("VERBATIM_LOG", "warn");
        return e;
    }

    bool startServe() {
        m_relay = std::make_unique<QProcess>();
        m_relay->setProcessEnvironment(env());
        m_relay->start(VERBATIM_RELAY_BIN,
                       {"serve", "--data", m_data, "--listen", QString("127.0.0.1:%1").arg(m_port),
                        "--admin-listen", QString("127.0.0.1:%1").arg(m_adminPort),
                        // 2,000 sends in flight at once are far over the
                        // per-device send limit; this test is about crashes.
                        "--bench-limits", "--unlock-file", unlockFile()});
        if (!m_relay->waitForStarted(10000)) return false;
        QElapsedTimer t;
        t.start();
        while (t.elapsed() < 15000) {
            m_relay->waitForReadyRead(200);
            if (m_relay->readAllStandardOutput().contains("listening")) return true;
            if (m_relay->state() != QProcess::Running) return false;
        }
        return false;
    }

    void kill9() {
        m_relay->kill(); // SIGKILL
        m_relay->waitForFinished(10000);
    }

    // A fresh relay process in `dir`: init, the given enrolments, serve.
    bool freshRelay(const QString& dir, crypto::X25519Key& journalKey) {
        m_data = dir + "/data";
        QFile f(dir + "/journal.pub");
        if (!f.open(QIODevice::WriteOnly)) return false;
        f.write(QByteArray::fromStdString(toHex(journalKey.publicKey())));
        f.close();
        m_port = freePort();
        m_adminPort = freePort();
        runRelay({"init", "--data", m_data, "--firm", "Process & Co", "--journal-key",
                  dir + "/journal.pub", "--root-key-out", dir + "/root.key", "--address",
                  QString("127.0.0.1:%1").arg(m_port)});
        return QFile::exists(m_data + "/relay.db");
    }

private slots:
    void adminCliRevokeCutsOffLiveDeviceWithinASecond() {
        QTemporaryDir dir;
        auto ctx = *signal::SignalContext::create();
        auto journalKey = *crypto::X25519Key::generate();
        QVERIFY(freshRelay(dir.path(), journalKey));
        std::string token = tokenOf(runRelay(
            {"admin", "--data", m_data, "enroll", "rita", "--role", "lawyer", "--name", "Rita"}));
        QVERIFY(!token.empty());
        QVERIFY(startServe());
        client::Endpoint ep{"127.0.0.1", m_port,
                            *relay::certificateFingerprint((m_data + "/tls.crt").toStdString())};
        auto d = Device::create(ctx);
        auto reg = client::RelayConnection::registerDevice(ep, d->registration(token, "Rita"));
        QVERIFY(reg);
        d->user = reg->user();
        d->device = reg->device();
        QVERIFY(d->connect(ep));
        QElapsedTimer t;
        t.start();
        auto out =
            runRelay({"admin", "--data", m_data, "revoke", "rita", QString::number(d->device)});
        QVERIFY(out.contains("revoked"));
        QCOMPARE(d->waitForClose(3000), std::uint16_t(4403));
        QVERIFY2(t.elapsed() < 2000, qPrintable(QString("took %1 ms").arg(t.elapsed())));
        auto again = d->connect(ep);
        QVERIFY(!again);
        QCOMPARE(again.error().detail, 403);
        // The admin CLI's listing shows it.
        QVERIFY(runRelay({"admin", "--data", m_data, "devices", "rita"}).contains("revoked"));
        // The CLI appended to the journal while the relay ran: the relay's next journal write
        // (a device registration) must continue the chain, not collide with it.
        std::string second =
            tokenOf(runRelay({"admin", "--data", m_data, "enroll", "rita", "--role", "lawyer"}));
        auto d2 = Device::create(ctx);
        auto reg2 = client::RelayConnection::registerDevice(ep, d2->registration(second, "Rita 2"));
        QVERIFY2(reg2, reg2 ? "" : reg2.error().message.c_str());
        QCOMPARE(reg2->device(), d->device + 1);
        // A wipe revokes at once; until the device confirms, the listing says both.
        auto wiped =
            runRelay({"admin", "--data", m_data, "wipe", "rita", QString::number(reg2->device())});
        QVERIFY(wiped.contains("wipe queued"));
        const auto rows = runRelay({"admin", "--data", m_data, "devices", "rita"}).split('\n');
        const auto row = std::find_if(rows.begin(), rows.end(), [&](const QString& r) {
            return r.startsWith(QString("rita\t%1\t").arg(reg2->device()));
        });
        QVERIFY(row != rows.end());
        QVERIFY2(row->endsWith("\trevoked,wipe-pending"), qPrintable(*row));
        // SIGTERM stops the relay cleanly and promptly (it used to hang in shutdown).
        m_relay->terminate();
        QVERIFY(m_relay->waitForFinished(10000));
        QCOMPARE(m_relay->exitStatus(), QProcess::NormalExit);
        QCOMPARE(m_relay->exitCode(), 0);
    }

    void cleanup() {
        if (m_relay && m_relay->state() == QProcess::Running) kill9();
    }

    void killNineWhileSendingLosesNothingAcknowledged() {
        QVERIFY(m_dir.isValid());
        m_data = m_dir.path() + "/data";
        auto ctx = *signal::SignalContext::create();
        auto journalKey = *crypto::X25519Key::generate();
        {
            QFile f(m_dir.path() + "/journal.pub");
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(QByteArray::fromStdString(toHex(journalKey.publicKey())));
        }
        m_port = freePort();
        m_adminPort = freePort();
        runRelay({"init", "--data", m_data, "--firm", "Crash & Co", "--journal-key",
                  m_dir.path() + "/journal.pub", "--root-key-out", m_dir.path() + "/root.key",
                  "--address", QString("127.0.0.1:%1").arg(m_port)});
        std::string lawyerToken = tokenOf(runRelay(
            {"admin", "--data", m_data, "enroll", "lena", "--role", "lawyer", "--name", "Lena"}));
        std::string officerToken = tokenOf(runRelay({"admin", "--data", m_data, "enroll", "olga",
                                                     "--role", "compliance", "--name", "Olga"}));
        std::string inviteToken = tokenOf(runRelay(
            {"admin", "--data", m_data, "invite", "--from", "lena", "--matter", "Crash matter"}));
        QVERIFY(!lawyerToken.empty() && !officerToken.empty() && !inviteToken.empty());
        QVERIFY(startServe());
        // RL-15: the serving process can leave no core dump (it holds keys).
        {
            QFile limits(QString("/proc/%1/limits").arg(m_relay->processId()));
            QVERIFY(limits.open(QIODevice::ReadOnly));
            auto text = QString::fromUtf8(limits.readAll());
            QRegularExpression core("Max core file size\\s+(\\S+)\\s+(\\S+)");
            auto m = core.match(text);
            QVERIFY(m.hasMatch());
            QCOMPARE(m.captured(1), QString("0"));
            QCOMPARE(m.captured(2), QString("0"));
        }
        client::Endpoint ep{"127.0.0.1", m_port,
                            *relay::certificateFingerprint((m_data + "/tls.crt").toStdString())};

        auto registerDevice = [&](const std::string& token, std::string* conv) {
            return registerAt(ep, ctx, token, "Test", conv);
        };
        std::string conv;
        auto lawyer = registerDevice(lawyerToken, nullptr);
        auto officer = registerDevice(officerToken, nullptr);
        auto client = registerDevice(inviteToken, &conv);
        QVERIFY(lawyer && officer && client);
        QVERIFY(lawyer->connect(ep));

        constexpr int kMessages = 2000;
        std::vector<proto::SendMessage> sends;
        sends.reserve(kMessages);
        for (int i = 0; i < kMessages; ++i)
            sends.push_back(
                buildSend(*lawyer, conv, "crash-" + std::to_string(i), journalKey.publicKey()));
        QCOMPARE(sends.front().envelopes_size(), 1);

        // Pipeline all sends; kill the relay once 600 have been acknowledged.
        std::mutex mutex;
        std::set<std::string> acked;
        std::atomic<int> answered{0};
        for (auto& s : sends) {
            proto::Request req;
            *req.mutable_send() = s;
            std::string id = s.message_id();
            lawyer->connection->request(req, [&, id](proto::Response r) {
                if (r.status() == proto::STATUS_OK) {
                    std::lock_guard lock(mutex);
                    acked.insert(id);
                }
                ++answered;
            });
        }
        QTRY_VERIFY_WITH_TIMEOUT(
            [&] {
                std::lock_guard l(mutex);
                return acked.size() >= 600;
            }(),
            60000);
        kill9();
        QTRY_COMPARE_WITH_TIMEOUT(answered.load(), kMessages,
                                  20000); // the rest fail as unavailable
        std::set<std::string> ackedBeforeCrash;
        {
            std::lock_guard lock(mutex);
            ackedBeforeCrash = acked;
        }
        qInfo("acknowledged before SIGKILL: %zu of %d", ackedBeforeCrash.size(), kMessages);
        QVERIFY(ackedBeforeCrash.size() < std::size_t(kMessages));
        lawyer->disconnect();

        // Restart and retry every send that was not acknowledged, with the same bytes.
        QVERIFY(startServe());
        QVERIFY(lawyer->connect(ep));
        int duplicates = 0;
        for (auto& s : sends) {
            if (ackedBeforeCrash.count(s.message_id())) continue;
            proto::Request req;
            *req.mutable_send() = s;
            auto r = lawyer->connection->call(req);
            QVERIFY(r);
            QCOMPARE(r->status(), proto::STATUS_OK);
            duplicates += r->send_result().duplicate() ? 1 : 0;
        }
        qInfo("retries that the relay had already stored: %d", duplicates);

        // The client, offline all along, receives each message exactly once.
        QVERIFY(client->connect(ep));
        auto got = client->waitForEnvelopes(kMessages, 60000);
        QCOMPARE(got.size(), std::size_t(kMessages));
        std::set<std::string> ids;
        std::set<std::string> bodies;
        for (const auto& e : got) {
            QVERIFY(ids.insert(e.message_id()).second);
            auto rec = openEnvelope(*client, e);
            QVERIFY2(rec, rec ? "" : rec.error().message.c_str());
            bodies.insert(rec->body());
        }
        QCOMPARE(bodies.size(), std::size_t(kMessages));
        for (const auto& id : ackedBeforeCrash)
            QVERIFY(ids.count(id));
        // No second delivery turns up.
        QTest::qWait(300);
        QCOMPARE(client->envelopes().size(), std::size_t(kMessages));

        // Exactly one journal entry per message, besides the relay's own entries for the
        // administration done before the sends; and the chain verifies.
        QVERIFY(officer->connect(ep));
        auto pulled = pullJournalChain(*officer);
        QVERIFY2(pulled, pulled ? "" : pulled.error().message.c_str());
        const auto& items = pulled->items;
        const auto& cps = pulled->checkpoints;
        auto manifest = QFile(m_data + "/manifest.bin");
        QVERIFY(manifest.open(QIODevice::ReadOnly));
        auto bytes = manifest.readAll();
        auto m = journal::FirmManifest::parse(ByteView(
            reinterpret_cast<const std::uint8_t*>(bytes.data()), std::size_t(bytes.size())));
        QVERIFY(m);
        auto report = journal::verifyChain(items, cps, m->relayPublicKey);
        QVERIFY(report.ok());
        QCOMPARE(report.entriesChecked, std::uint64_t(items.size()));
        // The relay's entries open and verify under the manifest's relay identity key.
        QCOMPARE(m->relayIdentityKey.size(), std::size_t(33));
        auto split = splitJournal(items, journalKey, m->relayIdentityKey);
        QVERIFY2(split, split ? "" : split.error().message.c_str());
        const std::vector<std::string> expected = {
            "enroll-user",          "enrollment-link",    // admin enroll lena
            "enroll-user",          "enrollment-link",    // admin enroll olga
            "conversation-created", "invite-created",     // admin invite (opens the matter)
            "device-registered",    "device-registered",  // lena, olga
            "invite-redeemed",      "device-registered"}; // the client
        QVERIFY(split->adminActions == expected);
        const std::size_t admin = expected.size();
        for (std::size_t i = 0; i < admin; ++i)
            QCOMPARE(split->adminPositions[i], i);
        QCOMPARE(split->messagePositions.size(), std::size_t(kMessages));
        QCOMPARE(items.size(), admin + std::size_t(kMessages));
        std::set<std::string> journaled;
        for (std::size_t i : split->messagePositions) {
            auto sealed = journal::SealedEntry::parse(items[i].entry);
            QVERIFY(sealed);
            journaled.insert(
                std::string(sealed->header.messageId.begin(), sealed->header.messageId.end()));
        }
        QCOMPARE(journaled.size(), std::size_t(kMessages)); // no message journaled twice
        for (const auto& s : sends)
            QVERIFY(journaled.count(s.message_id()));
        lawyer->disconnect();
        client->disconnect();
        officer->disconnect();

        // The relay's data directory holds none of the message texts (it was killed mid-write,
        // so this includes whatever the WAL kept).
        kill9();
        for (auto& f : std::filesystem::recursive_directory_iterator(m_data.toStdString())) {
            if (!f.is_regular_file()) continue;
            std::ifstream in(f.path(), std::ios::binary);
            std::string data((std::istreambuf_iterator<char>(in)),
                             std::istreambuf_iterator<char>());
            QVERIFY2(data.find("crash-1") == std::string::npos, f.path().c_str());
        }
    }
};

QTEST_GUILESS_MAIN(TestRelayCrash)
#include "tst_relay_crash.moc"
