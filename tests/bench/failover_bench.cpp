/// @file failover_bench.cpp
/// How long devices take to fail over to another relay node (issue 20): two real
/// `verbatim-relay serve` nodes on one PostgreSQL database (a throwaway cluster, as in the tests:
/// tests/relay/PgCluster.h), two real clients joined through the first node. Each run kills the
/// node both clients are connected to with SIGKILL, queues a message at once and measures the
/// time from the kill to the recipient storing that message through the other node, and to both
/// clients being connected again; the killed node is then restarted for the next run, whose kill
/// hits the other node. Prints each run and the medians.
///
///   verbatim-failover-bench [--runs N]    (default 5; --quick: 1)
#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <thread>
#include <vector>

#include "../relay/PgCluster.h"
#include "ClientParty.h"
#include "E2EHarness.h"
#include "RelayProgram.h"

using namespace verbatim;
using namespace verbatim::e2e;
using namespace verbatim::e2e::parties;
using namespace std::chrono_literals;

namespace {

const QString kPassphrase = "failover bench root passphrase";

struct Node {
    QString data;
    std::uint16_t port = 0, adminPort = 0;
    std::unique_ptr<QProcess> process;
    QString address() const { return QString("127.0.0.1:%1").arg(port); }
};

bool start(Node& node, const std::string& url, const QString& unlock) {
    node.process = std::make_unique<QProcess>();
    node.process->setProcessEnvironment(relayEnvironment(kPassphrase));
    node.process->start(VERBATIM_RELAY_BINARY,
                        {"serve", "--data", node.data, "--store", QString::fromStdString(url),
                         "--listen", node.address(), "--admin-listen",
                         QString("127.0.0.1:%1").arg(node.adminPort), "--unlock-file", unlock});
    if (!node.process->waitForStarted(10000)) return false;
    QElapsedTimer t;
    t.start();
    QByteArray out;
    while (t.elapsed() < 20000 && node.process->state() == QProcess::Running) {
        node.process->waitForReadyRead(100);
        out += node.process->readAllStandardOutput();
        if (out.contains("listening")) return true;
    }
    std::fprintf(stderr, "serve: %s\n", node.process->readAllStandardError().constData());
    return false;
}

void kill9(Node& node) {
    if (!node.process) return;
    node.process->kill();
    node.process->waitForFinished(10000);
    node.process.reset();
}

int fail(const char* what) {
    std::fprintf(stderr, "failover bench: %s\n", what);
    return 1;
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.empty()      ? 0
           : v.size() % 2 ? v[v.size() / 2]
                          : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

} // namespace

int main(int argc, char** argv) {
    QCoreApplication app(argc, argv);
    int runs = 5;
    for (int i = 1; i < argc; ++i) {
        if (!std::strcmp(argv[i], "--quick"))
            runs = 1;
        else if (!std::strcmp(argv[i], "--runs") && i + 1 < argc)
            runs = std::max(1, std::atoi(argv[++i]));
        else
            return std::fprintf(stderr, "usage: verbatim-failover-bench [--runs N] [--quick]\n"), 2;
    }
    QTemporaryDir tmp;
    auto cluster = relay::PgCluster::shared();
    if (!cluster) return fail(cluster.error().message.c_str());
    auto url = (*cluster)->createDatabase();
    if (!url) return fail(url.error().message.c_str());
    const QString unlock = tmp.path() + "/relay.unlock";
    Node nodes[2];
    for (int i = 0; i < 2; ++i) {
        nodes[i].data = tmp.path() + (i ? "/b" : "/a");
        nodes[i].port = freeLoopbackPort();
        nodes[i].adminPort = freeLoopbackPort();
    }
    auto journalKey = crypto::X25519Key::generate();
    if (!journalKey) return fail("journal key");
    {
        QFile pub(tmp.path() + "/journal.pub");
        if (!pub.open(QIODevice::WriteOnly)) return fail("journal.pub");
        pub.write(QByteArray::fromStdString(toHex(journalKey->publicKey())));
    }
    const auto env = relayEnvironment(kPassphrase);
    auto init =
        runProgram(VERBATIM_RELAY_BINARY,
                   {"init", "--data", nodes[0].data, "--store", QString::fromStdString(*url),
                    "--firm", "Failover Bench", "--journal-key", tmp.path() + "/journal.pub",
                    "--root-key-out", tmp.path() + "/root.key", "--unlock-file", unlock,
                    "--address", nodes[0].address() + "," + nodes[1].address()},
                   env);
    if (init.code != 0) return fail(qPrintable("init: " + init.err));
    QDir().mkpath(nodes[1].data);
    for (const auto& info : QDir(nodes[0].data).entryInfoList(QDir::Files | QDir::Hidden)) {
        QFile::copy(info.filePath(), nodes[1].data + "/" + info.fileName());
        QFile::setPermissions(nodes[1].data + "/" + info.fileName(), info.permissions());
    }
    QFile::setPermissions(nodes[1].data, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
    if (!start(nodes[0], *url, unlock) || !start(nodes[1], *url, unlock))
        return fail("a node did not start");
    auto enroll = [&](const QString& user) {
        auto r =
            runProgram(VERBATIM_RELAY_BINARY,
                       {"admin", "--data", nodes[0].data, "--store", QString::fromStdString(*url),
                        "--unlock-file", unlock, "enroll", user, "--role", "lawyer"},
                       env);
        return r.out.trimmed().toStdString();
    };
    auto ann = joinParty(enroll("ann"), "Ann");
    auto cat = joinParty(enroll("cat"), "Cat");
    if (!ann || !cat) return fail("join");
    ann->start();
    cat->start();
    if (!ann->waitUntilSynced(30s) || !cat->waitUntilSynced(30s)) return fail("first sync");
    auto conv = ann->createConversation("Failover bench", true, {"cat"});
    if (!conv) return fail("conversation");

    std::printf("run  killed  to delivery (ms)  to both connected (ms)\n");
    std::vector<double> delivery, connected;
    int live = 0; // the node both clients are on
    for (int run = 0; run < runs; ++run) {
        // Both settled on one node: a message goes through before the kill.
        auto warm = ann->sendText(*conv, "warm " + std::to_string(run));
        if (!warm || !eventually([&] { return bool(msg(*cat, *warm)); }, 30s))
            return fail("no delivery before the kill");
        QElapsedTimer t;
        t.start();
        kill9(nodes[live]);
        auto probe = ann->sendText(*conv, "after the kill " + std::to_string(run));
        if (!probe) return fail("send");
        qint64 bothAt = -1;
        while (t.elapsed() < 60000 && !msg(*cat, *probe)) {
            if (bothAt < 0 && ann->isConnected() && cat->isConnected()) bothAt = t.elapsed();
            std::this_thread::sleep_for(2ms);
        }
        const double ms = double(t.nsecsElapsed()) / 1e6;
        if (!msg(*cat, *probe)) return fail("not delivered through the other node within 60 s");
        if (bothAt < 0 && eventually([&] { return ann->isConnected() && cat->isConnected(); }))
            bothAt = t.elapsed();
        delivery.push_back(ms);
        connected.push_back(double(bothAt));
        std::printf("%3d  %s  %16.0f  %22lld\n", run + 1, live ? "B" : "A", ms, bothAt);
        std::fflush(stdout);
        if (!start(nodes[live], *url, unlock)) return fail("restart of the killed node");
        live = 1 - live;
    }
    std::printf("median of %d: %.0f ms to the first delivery through the other node, %.0f ms to "
                "both clients connected\n",
                runs, median(delivery), median(connected));
    ann->stop();
    cat->stop();
    kill9(nodes[0]);
    kill9(nodes[1]);
    return 0;
}
