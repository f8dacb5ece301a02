/// @file tst_failover.cpp
/// Issue 20: clients fail over between the relay nodes their firm's signed manifest names. Two
/// real `verbatim-relay serve` processes on one PostgreSQL database (a throwaway cluster the
/// test starts, tests/relay/PgCluster.h), real clients (client::Client, their own profiles)
/// joined through node A's links: node A killed with SIGKILL, the clients move to node B by
/// themselves and keep sending and receiving (C-FAIL-1); the same under 2,000 sends from two
/// senders, every message delivered once, shown once and journaled once in one chain (C-FAIL-2);
/// an address the signed manifest does not name is never contacted, nor one a re-signed manifest
/// dropped (C-FAIL-3, C-LINK-2); one-shot HTTPS calls (join, attachments) move to the next node
/// when one is blackholed, within their deadline (C-FAIL-6); a node serving a manifest the device
/// refuses (forged, cut short, older) is left for the other (C-FAIL-7).
/// One file, over 600 lines: every function shares the two nodes and the cluster it starts.
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QtTest>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <future>
#include <map>
#include <set>
#include <thread>

#include "../relay/PgCluster.h"
#include "ClientParty.h"
#include "E2EHarness.h"
#include "RelayProgram.h"
#include "WireProxy.h"
#include "client/core/RelayConnection.h"
#include "crypto/Random.h"
#include "journal/FirmManifest.h"
#include "journal/HashChain.h"
#include "journal/SealedEntry.h"
#include "relay/net/TlsCert.h"

using namespace verbatim;
using namespace verbatim::e2e;
using namespace verbatim::e2e::parties;
using namespace std::chrono_literals;

namespace {

const QString kRelayPassphrase = "failover test root passphrase";

/// A TCP listener that only counts the connections made to it (a rogue node), on its own thread.
class Tripwire {
public:
    /// On `port` (0: any free one).
    explicit Tripwire(std::uint16_t port = 0) {
        m_fd = ::socket(AF_INET, SOCK_STREAM, 0);
        const int one = 1;
        ::setsockopt(m_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(port);
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t len = sizeof a;
        if (::bind(m_fd, reinterpret_cast<sockaddr*>(&a), sizeof a) || ::listen(m_fd, 64) ||
            ::getsockname(m_fd, reinterpret_cast<sockaddr*>(&a), &len))
            return;
        m_port = ntohs(a.sin_port);
        m_thread = std::thread([this] {
            while (true) {
                const int c = ::accept(m_fd, nullptr, nullptr);
                if (c < 0) return;
                ++m_accepted;
                ::close(c);
            }
        });
    }
    ~Tripwire() {
        ::shutdown(m_fd, SHUT_RDWR);
        ::close(m_fd);
        if (m_thread.joinable()) m_thread.join();
    }
    std::uint16_t port() const { return m_port; }
    int accepted() const { return m_accepted; }

private:
    int m_fd = -1;
    std::uint16_t m_port = 0;
    std::atomic<int> m_accepted{0};
    std::thread m_thread;
};

/// One `verbatim-relay serve` on the shared store.
struct Node {
    QString data;
    std::uint16_t port = 0, adminPort = 0;
    std::unique_ptr<QProcess> process;
    QString address() const { return QString("127.0.0.1:%1").arg(port); }
    bool running() const { return process && process->state() == QProcess::Running; }
    /// SIGSTOP: the node is blackholed (its kernel still accepts TCP connections; nothing
    /// answers), or SIGCONT to resume it.
    void pause(bool stop) {
        if (process && process->processId() > 0)
            ::kill(pid_t(process->processId()), stop ? SIGSTOP : SIGCONT);
    }
    void kill9() {
        if (!process) return;
        process->kill(); // SIGKILL
        process->waitForFinished(10000);
        process.reset();
    }
    ~Node() { kill9(); }
};

} // namespace

class TestFailover : public QObject {
    Q_OBJECT
    QTemporaryDir m_tmp;
    std::string m_url;
    QString m_unlock;
    Node m_a, m_b;
    crypto::X25519Key m_journalKey = *crypto::X25519Key::generate();
    std::shared_ptr<signal::SignalContext> m_ctx;
    std::string m_pin;
    QString m_firmDir;

    ProgramRun relay(const QStringList& args) {
        QProcess p;
        p.setProcessEnvironment(relayEnvironment(kRelayPassphrase));
        p.start(VERBATIM_RELAY_BIN, args);
        ProgramRun r;
        if (!p.waitForFinished(60000)) {
            r.err = "did not finish: " + p.errorString();
            p.kill();
            p.waitForFinished();
            return r;
        }
        r.code = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
        r.out = QString::fromUtf8(p.readAllStandardOutput());
        r.err = QString::fromUtf8(p.readAllStandardError());
        return r;
    }
    ProgramRun admin(const Node& node, const QStringList& args) {
        return relay(QStringList{"admin", "--data", node.data, "--store",
                                 QString::fromStdString(m_url), "--unlock-file", m_unlock} +
                     args);
    }
    /// A link from `admin` on `node` (enroll or invite), "" when refused.
    std::string link(const Node& node, const QStringList& args) {
        auto r = admin(node, args);
        if (r.code != 0) qWarning("admin %s: %s", qPrintable(args.join(' ')), qPrintable(r.err));
        return r.out.trimmed().toStdString();
    }

    bool start(Node& node) {
        node.process = std::make_unique<QProcess>();
        node.process->setProcessEnvironment(relayEnvironment(kRelayPassphrase));
        node.process->start(VERBATIM_RELAY_BIN,
                            {"serve", "--data", node.data, "--store", QString::fromStdString(m_url),
                             "--listen", node.address(), "--admin-listen",
                             QString("127.0.0.1:%1").arg(node.adminPort),
                             // 2,000 sends from two devices are over the per-device send limit;
                             // this test is about failover.
                             "--bench-limits", "--unlock-file", m_unlock});
        if (!node.process->waitForStarted(10000)) return false;
        QElapsedTimer t;
        t.start();
        QByteArray out;
        while (t.elapsed() < 20000) {
            node.process->waitForReadyRead(100);
            out += node.process->readAllStandardOutput();
            if (out.contains("listening")) return true;
            if (node.process->state() != QProcess::Running) {
                qWarning("serve: %s", node.process->readAllStandardError().constData());
                return false;
            }
        }
        return false;
    }

    /// Copies node A's data directory to node B (what README says to copy: everything but the
    /// blob cache and relay.db, which a PostgreSQL store does not have).
    bool copyData(const QString& from, const QString& to) {
        QDir().mkpath(to);
        QFile::setPermissions(to, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
        for (const auto& info : QDir(from).entryInfoList(QDir::Files | QDir::Hidden)) {
            const QString target = to + "/" + info.fileName();
            QFile::remove(target);
            if (!QFile::copy(info.filePath(), target)) return false;
            QFile::setPermissions(target, info.permissions());
        }
        return true;
    }

    /// A fresh firm on a fresh database: init through node A with both addresses, B's copy of
    /// the data directory, both nodes serving.
    bool freshFirm(QString* why) {
        auto cluster = relay::PgCluster::shared();
        if (!cluster) return *why = QString::fromStdString(cluster.error().message), false;
        auto url = (*cluster)->createDatabase();
        if (!url) return *why = QString::fromStdString(url.error().message), false;
        m_url = *url;
        static int firms = 0;
        const QString dir = m_tmp.path() + QString("/firm%1").arg(++firms);
        m_firmDir = dir;
        QDir().mkpath(dir);
        m_unlock = dir + "/relay.unlock";
        m_a.kill9();
        m_b.kill9();
        m_a.data = dir + "/a";
        m_b.data = dir + "/b";
        m_a.port = freeLoopbackPort();
        m_a.adminPort = freeLoopbackPort();
        m_b.port = freeLoopbackPort();
        m_b.adminPort = freeLoopbackPort();
        QFile pub(dir + "/journal.pub");
        if (!pub.open(QIODevice::WriteOnly)) return *why = "journal.pub", false;
        pub.write(QByteArray::fromStdString(toHex(m_journalKey.publicKey())));
        pub.close();
        auto init = relay({"init", "--data", m_a.data, "--store", QString::fromStdString(m_url),
                           "--firm", "Failover & Co", "--journal-key", pub.fileName(),
                           "--root-key-out", dir + "/root.key", "--unlock-file", m_unlock,
                           "--address", m_a.address() + "," + m_b.address()});
        if (init.code != 0) return *why = "init: " + init.err, false;
        if (!start(m_a)) return *why = "node A did not start", false;
        if (!copyData(m_a.data, m_b.data)) return *why = "copying the data directory", false;
        if (!start(m_b)) return *why = "node B did not start", false;
        auto pin = relay::certificateFingerprint((m_a.data + "/tls.crt").toStdString());
        if (!pin) return *why = "no certificate", false;
        m_pin = *pin;
        return true;
    }

    client::Endpoint endpointOf(const Node& node) const {
        return client::Endpoint{"127.0.0.1", node.port, m_pin, {}};
    }

    /// A joined and started lawyer whose link came from node A.
    PartyHandle lawyer(const std::string& user) {
        auto l = link(m_a, {"enroll", QString::fromStdString(user), "--role", "lawyer", "--name",
                            QString::fromStdString(user)});
        if (l.empty()) return {};
        auto p = joinParty(l, user);
        if (p) p->start();
        return p;
    }

    /// Each id once in `party`'s history of `conversation` and once as a Message event.
    QString shownOnce(Party& party, const std::string& conversation,
                      const std::set<std::string>& ids) {
        auto history = party->history(conversation, 100000);
        if (!history) return "no history";
        std::map<std::string, int> rows, events;
        for (const auto& m : *history)
            ++rows[m.id];
        for (const auto& e : party.eventsOf(client::Event::Kind::Message))
            ++events[e.messageId];
        for (const auto& id : ids) {
            if (rows[id] != 1)
                return QString("message %1 is in the history %2 times")
                    .arg(QString::fromStdString(id))
                    .arg(rows[id]);
            if (events[id] != 1)
                return QString("message %1 was shown %2 times")
                    .arg(QString::fromStdString(id))
                    .arg(events[id]);
        }
        return {};
    }

private slots:
    void initTestCase() {
        QVERIFY(m_tmp.isValid());
        auto ctx = signal::SignalContext::create();
        QVERIFY(ctx);
        m_ctx = std::move(*ctx);
    }

    void cleanup() {
        m_a.kill9();
        m_b.kill9();
        client::RelayConnection::setOneShotLimits({});
    }

    // C-FAIL-1: clients joined through node A; A is killed with SIGKILL; both clients move to
    // node B by themselves (the manifest's other address) and keep sending and receiving.
    void clientsMoveToTheOtherNodeWhenOneIsKilled() {
        QString why;
        QVERIFY2(freshFirm(&why), qPrintable(why));
        auto ann = lawyer("ann");
        auto cat = lawyer("cat");
        QVERIFY(ann && cat);
        QVERIFY(ann->waitUntilSynced(20s) && cat->waitUntilSynced(20s));
        auto conv = ann->createConversation("Failover", true, {"cat"});
        QVERIFY2(conv, conv ? "" : conv.error().message.c_str());
        auto before = ann->sendText(*conv, "before the node died");
        QVERIFY(before);
        QVERIFY(eventually([&] { return hasBody(*cat, *before, "before the node died"); }));
        QCOMPARE(ann->account().relay, m_a.address().toStdString());

        m_a.kill9();
        QElapsedTimer t;
        t.start();
        // Both notice and come back on B.
        QVERIFY(eventually([&] { return ann->isConnected() && cat->isConnected(); }, 15s));
        qInfo("both clients connected to node B %lld ms after the SIGKILL", t.elapsed());
        auto after = ann->sendText(*conv, "after the node died");
        QVERIFY(after);
        QVERIFY(eventually([&] { return hasBody(*cat, *after, "after the node died"); }, 15s));
        auto reply = cat->sendText(*conv, "reply through node B");
        QVERIFY(reply);
        QVERIFY(eventually([&] { return hasBody(*ann, *reply, "reply through node B"); }, 15s));
        QVERIFY(ann->waitForOutbox(10s) && cat->waitForOutbox(10s));
        QString shown = shownOnce(*cat, *conv, {*before, *after});
        QVERIFY2(shown.isEmpty(), qPrintable(shown));
        shown = shownOnce(*ann, *conv, {*reply});
        QVERIFY2(shown.isEmpty(), qPrintable(shown));
        ann->stop();
        cat->stop();
    }

    // C-FAIL-2 (issue 20, "kill -9 of one node while 2,000 sends are in flight"): two senders,
    // one on each node, send 2,000 messages to one recipient; node A (the recipient's and one
    // sender's) is killed mid-way. Every message is acknowledged in the end, delivered to the
    // recipient and shown exactly once, and the journal holds one entry per message in one chain
    // that verifies.
    void killNineOfANodeUnderTwoThousandSendsLosesAndDoublesNothing() {
        QString why;
        QVERIFY2(freshFirm(&why), qPrintable(why));
        // Node B makes its links with its own address (each node's `address` file names the
        // address its links carry; both are in the manifest).
        {
            QFile address(m_b.data + "/address");
            QVERIFY(address.open(QIODevice::WriteOnly | QIODevice::Truncate));
            address.write(m_b.address().toUtf8());
        }
        auto ann = lawyer("ann"); // through A
        auto cat = lawyer("cat"); // through A: the recipient
        PartyHandle bob;
        {
            auto l = link(m_b, {"enroll", "bob", "--role", "lawyer", "--name", "bob"});
            QVERIFY2(l.find(m_b.address().toStdString()) != std::string::npos, l.c_str());
            bob = joinParty(l, "bob");
            QVERIFY(bob);
            bob->start();
        }
        QVERIFY(ann && cat);
        QVERIFY(ann->waitUntilSynced(20s) && bob->waitUntilSynced(20s) &&
                cat->waitUntilSynced(20s));
        QCOMPARE(bob->account().relay, m_b.address().toStdString());
        auto annConv = ann->createConversation("Ann to Cat", true, {"cat"});
        auto bobConv = bob->createConversation("Bob to Cat", true, {"cat"});
        QVERIFY(annConv && bobConv);

        constexpr int kEach = 1000;
        std::set<std::string> annIds, bobIds;
        std::thread annSends([&] {
            for (int i = 0; i < kEach; ++i)
                if (auto id = ann->sendText(*annConv, "ann " + std::to_string(i)))
                    annIds.insert(*id);
        });
        for (int i = 0; i < kEach; ++i)
            if (auto id = bob->sendText(*bobConv, "bob " + std::to_string(i))) bobIds.insert(*id);
        annSends.join();
        QCOMPARE(int(annIds.size()), kEach);
        QCOMPARE(int(bobIds.size()), kEach);
        // Mid-way: some hundreds delivered, many still in the senders' outboxes.
        auto received = [&] { return cat.get()->eventsOf(client::Event::Kind::Message).size(); };
        QVERIFY(eventually([&] { return received() >= 300; }, 30s));
        const auto atKill = received();
        m_a.kill9();
        qInfo("node A killed after %zu of %d deliveries", atKill, 2 * kEach);
        QVERIFY2(atKill < std::size_t(2 * kEach), "everything was delivered before the kill");

        QVERIFY(eventually([&] { return received() >= std::size_t(2 * kEach); }, 60s));
        QVERIFY(ann->waitForOutbox(20s) && bob->waitForOutbox(20s));
        for (auto [party, ids] : {std::pair{ann.get(), &annIds}, std::pair{bob.get(), &bobIds}})
            for (const auto& id : *ids) {
                auto m = msg(*party, id);
                QVERIFY(m);
                QVERIFY2(m->state == client::MessageState::Sent ||
                             m->state == client::MessageState::Delivered ||
                             m->state == client::MessageState::Read,
                         id.c_str());
            }
        QTest::qWait(300); // a late duplicate would show here
        QString shown = shownOnce(*cat, *annConv, annIds);
        QVERIFY2(shown.isEmpty(), qPrintable(shown));
        shown = shownOnce(*cat, *bobConv, bobIds);
        QVERIFY2(shown.isEmpty(), qPrintable(shown));
        QCOMPARE(received(), std::size_t(2 * kEach));

        // The journal, pulled through node B by a compliance device: one chain that verifies,
        // one entry per message.
        std::string token = linkToken(link(m_b, {"enroll", "olga", "--role", "compliance"}));
        QVERIFY(!token.empty());
        auto officer = registerAt(endpointOf(m_b), m_ctx, token, "Olga");
        QVERIFY(officer);
        QVERIFY(officer->connect(endpointOf(m_b)));
        auto pulled = pullJournalChain(*officer);
        QVERIFY2(pulled, pulled ? "" : pulled.error().message.c_str());
        QFile manifestFile(m_b.data + "/manifest.bin");
        QVERIFY(manifestFile.open(QIODevice::ReadOnly));
        const QByteArray bytes = manifestFile.readAll();
        auto manifest = journal::FirmManifest::parse(ByteView(
            reinterpret_cast<const std::uint8_t*>(bytes.data()), std::size_t(bytes.size())));
        QVERIFY(manifest);
        auto report =
            journal::verifyChain(pulled->items, pulled->checkpoints, manifest->relayPublicKey);
        QVERIFY(report.ok());
        QCOMPARE(report.entriesChecked, std::uint64_t(pulled->items.size()));
        std::map<std::string, int> journaled;
        for (const auto& item : pulled->items) {
            auto sealed = journal::SealedEntry::parse(item.entry);
            QVERIFY(sealed);
            ++journaled[toHex(
                ByteView(sealed->header.messageId.data(), sealed->header.messageId.size()))];
        }
        for (const auto* ids : {&annIds, &bobIds})
            for (const auto& id : *ids)
                QVERIFY2(journaled[id] == 1, id.c_str());
        officer->disconnect();
        ann->stop();
        bob->stop();
        cat->stop();
    }

    // C-FAIL-3: a node serves a manifest naming a rogue address, signed by another root: the
    // device refuses it and never contacts that address, not even when every node it knows is
    // down; it keeps to the addresses of the manifest the firm root signed.
    void anAddressTheSignedManifestDoesNotNameIsNeverContacted() {
        QString why;
        QVERIFY2(freshFirm(&why), qPrintable(why));
        Tripwire rogue;
        QVERIFY(rogue.port());
        auto ann = lawyer("ann");
        QVERIFY(ann);
        QVERIFY(ann->waitUntilSynced(20s));
        ann->stop();
        // Node B, breached: its manifest lists the rogue address first and is signed by a key
        // that is not the firm root's.
        m_b.kill9();
        {
            QFile file(m_b.data + "/manifest.bin");
            QVERIFY(file.open(QIODevice::ReadOnly));
            const QByteArray bytes = file.readAll();
            file.close();
            auto forged = journal::FirmManifest::parse(ByteView(
                reinterpret_cast<const std::uint8_t*>(bytes.data()), std::size_t(bytes.size())));
            QVERIFY(forged);
            const std::string rogueAddress = "127.0.0.1:" + std::to_string(rogue.port());
            forged->relayAddresses.insert(forged->relayAddresses.begin(), rogueAddress);
            forged->relayAddress = rogueAddress;
            forged->issuedMs += 1000;
            const Bytes otherRoot = crypto::randomBytes(32);
            QVERIFY(forged->sign(otherRoot));
            const Bytes out = forged->serialize();
            QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
            file.write(reinterpret_cast<const char*>(out.data()), qint64(out.size()));
        }
        QVERIFY(start(m_b));
        // A is down: the device moves to B, fetches B's manifest and refuses it.
        m_a.kill9();
        watch(*ann);
        ann->start();
        const bool refused = eventually(
            [&] { return !(*ann).eventsOf(client::Event::Kind::JournalKeyRefused).empty(); }, 20s);
        QString seen;
        {
            std::lock_guard lock((*ann).mutex);
            for (const auto& e : (*ann).events)
                seen += QString(client::eventName(e.kind)) + " " +
                        QString::fromStdString(e.detail) + "; ";
        }
        QVERIFY2(refused, qPrintable("the forged manifest was not refused; events: " + seen));
        // Every node down: the device keeps trying, and only the firm's addresses.
        m_b.kill9();
        const auto attemptsFrom = (*ann).eventsOf(client::Event::Kind::Disconnected).size();
        QTest::qWait(3000);
        QVERIFY(!(*ann).eventsOf(client::Event::Kind::Disconnected).empty());
        QVERIFY(attemptsFrom >= 1);
        QCOMPARE(rogue.accepted(), 0);
        // The firm's nodes back: the device reconnects (to one of them), still never the rogue.
        QVERIFY(start(m_a));
        QVERIFY(eventually([&] { return ann->isConnected(); }, 20s));
        QCOMPARE(rogue.accepted(), 0);
        ann->stop();
    }

    // C-FAIL-6 (issue 20): one-shot HTTPS calls go to the firm's next node when one does not
    // answer. Node A is blackholed (SIGSTOP: its kernel still completes the TCP handshake, then
    // nothing answers). A new device joins with a link from A (A's address first, B in `alt`),
    // and a lawyer whose WebSocket is still on A uploads an attachment and downloads it again:
    // each goes to B after A's connect timeout, well within the call's deadline.
    void oneShotCallsMoveToTheNextNodeWhenOneDoesNotAnswer() {
        QString why;
        QVERIFY2(freshFirm(&why), qPrintable(why));
        client::RelayConnection::OneShotLimits limits;
        limits.connectTimeout = 1500ms;
        limits.answerTimeout = 5s;
        limits.deadline = 20s;
        limits.transferDeadline = 30s;
        client::RelayConnection::setOneShotLimits(limits);
        auto ann = lawyer("ann");
        QVERIFY(ann);
        QVERIFY(ann->waitUntilSynced(20s));
        auto conv = ann->createConversation("Blackholed node", true, {});
        QVERIFY2(conv, conv ? "" : conv.error().message.c_str());
        const std::string danLink =
            link(m_a, {"enroll", "dan", "--role", "lawyer", "--name", "dan"});
        QVERIFY2(danLink.find("&alt=" + m_b.address().toStdString()) != std::string::npos,
                 "the link does not list the firm's other node");
        QFile file(m_tmp.path() + "/brief.pdf");
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(QByteArray(200 * 1024, 'b'));
        file.close();

        m_a.pause(true);
        // Each call runs on a thread of its own, so that a call that hangs (no deadline) fails
        // the test instead of stopping it; A resumes before such a thread is joined.
        const auto bounded = [&](auto call, std::chrono::seconds limit) {
            auto task = std::packaged_task<decltype(call())()>(call);
            auto result = task.get_future();
            std::thread t(std::move(task));
            const bool done = result.wait_for(limit) == std::future_status::ready;
            if (!done) m_a.pause(false);
            t.join();
            return std::make_pair(done, result.get());
        };
        QElapsedTimer t;
        t.start();
        auto [joined, dan] = bounded([&] { return joinParty(danLink, "dan"); }, 40s);
        qInfo("join with node A blackholed: %lld ms", t.elapsed());
        QVERIFY2(joined, "the join hung on the blackholed node");
        QVERIFY2(dan, "the join did not go through node B");

        t.restart();
        auto [uploaded, sent] =
            bounded([&] { return ann->sendAttachment(*conv, file.fileName().toStdString()); }, 40s);
        qInfo("attachment upload with node A blackholed: %lld ms", t.elapsed());
        QVERIFY2(uploaded, "the upload hung on the blackholed node");
        QVERIFY2(sent, sent ? "" : sent.error().message.c_str());
        QVERIFY(t.elapsed() < 20000);
        // The blob ann keeps (encrypted, named by its relay id) comes back from B byte for byte.
        const auto blobs =
            QDir(QString::fromStdString(ann.p->profile() + "/blobs")).entryInfoList(QDir::Files);
        QCOMPARE(blobs.size(), 1);
        QFile kept(blobs.first().filePath());
        QVERIFY(kept.open(QIODevice::ReadOnly));
        const QByteArray local = kept.readAll();
        t.restart();
        auto [downloaded, got] = bounded(
            [&] {
                return ann->fetchBlob(blobs.first().fileName().toStdString(),
                                      std::uint64_t(local.size()) + 64);
            },
            40s);
        qInfo("attachment download with node A blackholed: %lld ms", t.elapsed());
        QVERIFY2(downloaded, "the download hung on the blackholed node");
        QVERIFY2(got, got ? "" : got.error().message.c_str());
        QVERIFY(QByteArray::fromStdString(*got) == local);
        QVERIFY(t.elapsed() < 20000);

        // Both nodes silent: a clear error within the deadline, naming no token or secret.
        m_b.pause(true);
        t.restart();
        auto [failed, none] = bounded(
            [&] { return ann->fetchBlob(blobs.first().fileName().toStdString(), 1 << 20); }, 40s);
        m_b.pause(false);
        QVERIFY(failed);
        QVERIFY(!none);
        QVERIFY2(none.error().message.find("no relay answered") != std::string::npos,
                 none.error().message.c_str());
        QVERIFY(t.elapsed() < 20000);
        m_a.pause(false);
        ann->stop();
        dan->stop();
    }

    // C-FAIL-7 (issue 20): the node a device prefers serves a manifest the device refuses; the
    // device must not stay on it (nothing would ever be sent) but move to the firm's other node,
    // which serves the firm's manifest, and send through it. "Node A" as the device sees it is a
    // WireProxy in front of relay A (its certificate, its address in the manifest), so that it
    // can serve bytes no relay would load: a broken signature, a manifest cut short, an older
    // one the root did sign.
    void aNodeServingARefusedManifestIsLeft_data() {
        QTest::addColumn<QString>("tamper");
        QTest::newRow("signature broken") << "signature";
        QTest::newRow("cut short") << "truncated";
        QTest::newRow("older, root-signed") << "older";
    }
    void aNodeServingARefusedManifestIsLeft() {
        QFETCH(QString, tamper);
        QString why;
        QVERIFY2(freshFirm(&why), qPrintable(why));
        e2e::WireProxy proxy(m_a.port, (m_a.data + "/tls.crt").toStdString(),
                             (m_a.data + "/tls.key").toStdString());
        QVERIFY(proxy.ok());
        const QString proxied = QString("127.0.0.1:%1").arg(proxy.port());
        // The firm's nodes are the proxy and B; signed twice, so that an older root-signed
        // manifest with the same addresses exists.
        const auto resign = [&] {
            auto r = relay({"manifest", "--data", m_a.data, "--root-key", m_firmDir + "/root.key",
                            "--address", proxied + "," + m_b.address()});
            QFile file(m_a.data + "/manifest.bin");
            if (r.code != 0 || !file.open(QIODevice::ReadOnly)) {
                qWarning("manifest: %s", qPrintable(r.err));
                return QByteArray();
            }
            return file.readAll();
        };
        const QByteArray older = resign();
        QVERIFY(!older.isEmpty());
        QTest::qWait(5); // a later issued_ms
        const QByteArray newer = resign();
        QVERIFY(!newer.isEmpty() && newer != older);
        QFile::remove(m_b.data + "/manifest.bin");
        QVERIFY(QFile::copy(m_a.data + "/manifest.bin", m_b.data + "/manifest.bin"));
        m_a.kill9();
        m_b.kill9();
        QVERIFY(start(m_a));
        QVERIFY(start(m_b));

        auto ann = lawyer("ann"); // links from A name the proxy
        auto cat = lawyer("cat");
        QVERIFY(ann && cat);
        QCOMPARE(ann->account().relay, proxied.toStdString());
        QVERIFY(ann->waitUntilSynced(20s) && cat->waitUntilSynced(20s));
        auto conv = ann->createConversation("Tampered node", true, {"cat"});
        QVERIFY2(conv, conv ? "" : conv.error().message.c_str());
        auto before = ann->sendText(*conv, "before the tampering");
        QVERIFY(before);
        QVERIFY(eventually([&] { return hasBody(*cat, *before, "before the tampering"); }));
        ann->stop();
        // The node ann last used now serves the tampered manifest.
        QByteArray served = newer;
        if (tamper == "signature")
            served[served.size() - 1] = char(served[served.size() - 1] ^ 0x01);
        else if (tamper == "truncated")
            served.chop(40);
        else
            served = older;
        proxy.setManifestBody(served.toStdString());
        ann->start();
        QVERIFY(eventually(
            [&] { return !(*ann).eventsOf(client::Event::Kind::JournalKeyRefused).empty(); }, 20s));
        auto after = ann->sendText(*conv, "after the tampering");
        QVERIFY(after);
        QVERIFY2(eventually([&] { return hasBody(*cat, *after, "after the tampering"); }, 20s),
                 "the device stayed on the node serving a refused manifest");
        QVERIFY(ann->waitForOutbox(10s));
        // It still holds the firm's manifest, with both addresses.
        auto held = ann->firmManifest();
        QVERIFY(held);
        QVERIFY(QByteArray::fromStdString(*held) == newer);
        ann->stop();
        cat->stop();
    }

    // C-LINK-2: the firm re-signs its manifest without node B while the devices are on B; once
    // they adopt it they never go back to B, even though it is the address that last worked.
    void anAddressDroppedFromTheManifestIsNoLongerUsed() {
        QString why;
        QVERIFY2(freshFirm(&why), qPrintable(why));
        auto ann = lawyer("ann");
        QVERIFY(ann);
        QVERIFY(ann->waitUntilSynced(20s));
        m_a.kill9();
        QVERIFY(eventually([&] { return ann->isConnected(); }, 15s)); // on B
        // The firm drops B: re-signed with the root key, served by B (A is still down).
        auto resign = relay({"manifest", "--data", m_a.data, "--root-key", m_firmDir + "/root.key",
                             "--address", m_a.address()});
        QVERIFY2(resign.code == 0, qPrintable(resign.err));
        QFile::remove(m_b.data + "/manifest.bin");
        QVERIFY(QFile::copy(m_a.data + "/manifest.bin", m_b.data + "/manifest.bin"));
        QFile fresh(m_a.data + "/manifest.bin");
        QVERIFY(fresh.open(QIODevice::ReadOnly));
        const std::string newManifest = fresh.readAll().toStdString();
        m_b.kill9();
        QVERIFY(start(m_b));
        QVERIFY(eventually(
            [&] {
                auto held = ann->firmManifest();
                return held && *held == newManifest && ann->isConnected();
            },
            20s));
        // B goes away for good and something else answers on its address; A comes back.
        const std::uint16_t oldB = m_b.port;
        m_b.kill9();
        Tripwire rogue(oldB);
        QCOMPARE(rogue.port(), oldB);
        QVERIFY(start(m_a));
        QVERIFY(eventually([&] { return ann->isConnected(); }, 15s));
        QTest::qWait(500);
        QCOMPARE(rogue.accepted(), 0);
        ann->stop();
    }

    // C-LINK-2 (issue 20, 2b): a breached node first serves a broken manifest (the device stops
    // trusting the one it holds for the session), then an older one the firm root did sign, with
    // other addresses and an older journal key. The device joined with the newer one and never
    // adopted another: the floor set at join still refuses the older one, so the addresses it
    // contacts stay the firm's current ones.
    void anOlderManifestAfterABrokenOneIsRefused() {
        e2e::Harness h;
        QVERIFY(h.ok());
        const Bytes older = h.signedManifestBytes();
        h.rotateJournalKey();
        const Bytes newer = h.signedManifestBytes();
        const std::string newerText(newer.begin(), newer.end());
        QVERIFY(h.restart());
        auto alice = joinParty(h.enrollLink("alice", proto::ROLE_LAWYER), "Alice");
        QVERIFY(alice);
        QVERIFY(alice->firmManifest() && *alice->firmManifest() == newerText);
        Bytes broken = newer;
        broken.back() ^= 0x01; // the signature no longer verifies
        h.serveManifestBytes(broken);
        QVERIFY(h.restart());
        alice->start();
        QVERIFY(alice->waitUntilSynced(20s));
        QTest::qWait(500); // the manifest is fetched after the queue drained
        alice->stop();
        h.serveManifestBytes(older);
        QVERIFY(h.restart());
        alice->start();
        QVERIFY(alice->waitUntilSynced(20s));
        QTest::qWait(500);
        alice->stop();
        // The profile still holds the newer manifest (this session trusts none after the broken
        // one; reopening verifies the stored one again).
        alice.p->c.reset();
        auto reopened = client::Client::open(alice.p->profile(), kPass);
        QVERIFY(reopened);
        auto held = (*reopened)->firmManifest();
        QVERIFY2(held, held ? "" : held.error().message.c_str());
        QVERIFY2(*held == newerText, "the older manifest was adopted");
    }
};

QTEST_GUILESS_MAIN(TestFailover)
#include "tst_failover.moc"
