// CF-02 (short form): verbatim-cli processes killed with SIGKILL while receiving (after
// decrypting, before acknowledging) and while sending (before or after the relay's ack). Pass:
// nothing lost, nothing shown twice, later messages decrypt. The relay runs in-process; the
// lawyer is an in-process client; the client who joined by invite is the CLI.

#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <random>
#include <set>
#include <thread>

#include "E2EHarness.h"
#include "client/core/Client.h"

using namespace verbatim;
using namespace std::chrono_literals;

namespace {

constexpr const char* kPass = "crash test passphrase";

struct Cli {
    QString profile;
    QProcess* start(const QStringList& args) {
        auto* p = new QProcess();
        auto env = QProcessEnvironment::systemEnvironment();
        env.insert("VERBATIM_PASSPHRASE", kPass);
        p->setProcessEnvironment(env);
        p->start(VERBATIM_CLI_BIN, QStringList{"--profile", profile} + args);
        p->waitForStarted();
        return p;
    }
    /// Runs to completion; returns (exit code, stdout).
    std::pair<int, QByteArray> run(const QStringList& args, int ms = 60000) {
        std::unique_ptr<QProcess> p(start(args));
        if (!p->waitForFinished(ms)) {
            p->kill();
            p->waitForFinished();
            return {-1, {}};
        }
        if (p->exitCode() != 0)
            qWarning("cli %s: %s", qPrintable(args.join(' ')),
                     p->readAllStandardError().constData());
        return {p->exitCode(), p->readAllStandardOutput()};
    }
};

std::vector<QJsonObject> jsonLines(const QByteArray& out) {
    std::vector<QJsonObject> v;
    for (const auto& line : out.split('\n'))
        if (!line.trimmed().isEmpty()) v.push_back(QJsonDocument::fromJson(line).object());
    return v;
}

template <class F> bool eventually(F f, std::chrono::milliseconds timeout = 30s) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (f()) return true;
        std::this_thread::sleep_for(25ms);
    }
    return f();
}

} // namespace

class TestClientCrash : public QObject {
    Q_OBJECT

private slots:
    void killedClientLosesNothing() {
        e2e::Harness h;
        QVERIFY(h.ok());
        QTemporaryDir dir;
        client::JoinOptions o;
        o.displayName = "Alice";
        auto alice = client::Client::join((dir.path() + "/alice").toStdString(), kPass,
                                          h.enrollLink("alice", proto::ROLE_LAWYER), o);
        QVERIFY2(alice, alice ? "" : alice.error().message.c_str());
        (*alice)->start();
        QVERIFY((*alice)->waitUntilSynced(20s));

        Cli carol{dir.path() + "/carol"};
        auto [joinCode, joinOut] =
            carol.run({"join", QString::fromStdString(h.inviteLink("alice", "Crash matter")),
                       "--name", "Carol", "--accept-notice"});
        QCOMPARE(joinCode, 0);
        QVERIFY(joinOut.contains("RECORDING NOTICE"));
        auto [convCode, convOut] = carol.run({"conversations"});
        QCOMPARE(convCode, 0);
        auto fields = convOut.trimmed().split('\t');
        QCOMPARE(fields.size(), 3);
        QCOMPARE(fields[1], QByteArray("matter"));
        QCOMPARE(fields[2], QByteArray("Crash matter"));
        const QString conv = QString::fromUtf8(fields[0]);

        // Receiving: 60 messages; the CLI is killed mid-sync six times.
        std::vector<std::string> sent;
        for (int i = 0; i < 60; ++i)
            sent.push_back(
                *(*alice)->sendText(conv.toStdString(), "to carol " + std::to_string(i)));
        QVERIFY((*alice)->waitForOutbox(30s));
        std::mt19937 rng(7);
        for (int round = 0; round < 6; ++round) {
            std::unique_ptr<QProcess> p(carol.start({"sync", "--wait", "2"}));
            std::this_thread::sleep_for(std::chrono::milliseconds(30 + rng() % 300));
            p->kill(); // SIGKILL
            p->waitForFinished();
        }
        auto [syncCode, syncOut] = carol.run({"sync"});
        QCOMPARE(syncCode, 0);
        auto [histCode, histOut] = carol.run({"history", conv, "--limit", "1000"});
        QCOMPARE(histCode, 0);
        std::vector<std::string> got;
        for (auto& m : jsonLines(histOut))
            if (m["kind"].toString() == "text" && !m["outgoing"].toBool())
                got.push_back(m["id"].toString().toStdString());
        QCOMPARE(got.size(), sent.size());
        QVERIFY(got == sent); // each once, in order

        // Sending: the CLI is killed at random points of `send`; whatever it reported sent
        // arrives exactly once, and nothing arrives twice.
        std::map<std::string, std::string> reported; // text -> id
        for (int i = 0; i < 8; ++i) {
            const std::string text = "crash send " + std::to_string(i);
            std::unique_ptr<QProcess> p(carol.start({"send", conv, QString::fromStdString(text)}));
            bool finished = p->waitForFinished(int(20 + rng() % 400));
            if (!finished) {
                p->kill();
                p->waitForFinished();
            }
            auto out = p->readAllStandardOutput().trimmed();
            if (finished && p->exitCode() == 0 && out.size() == 32)
                reported[text] = out.toStdString();
        }
        auto [flushCode, flushOut] = carol.run({"sync"}); // resumes the outbox
        QCOMPARE(flushCode, 0);
        auto [lastCode, lastOut] = carol.run({"send", conv, "after the crashes"});
        QCOMPARE(lastCode, 0);
        const std::string lastId = lastOut.trimmed().toStdString();
        QVERIFY(eventually([&] {
            auto m = (*alice)->message(lastId);
            return m && *m && (*m)->body == "after the crashes";
        }));
        auto hist = (*alice)->history(conv.toStdString(), 1000);
        QVERIFY(hist);
        std::map<std::string, int> seen;
        std::set<std::string> ids;
        for (auto& m : *hist) {
            QVERIFY(ids.insert(m.id).second);
            if (m.body.rfind("crash send ", 0) == 0) ++seen[m.body];
        }
        for (auto& [text, n] : seen)
            QCOMPARE(n, 1);
        for (auto& [text, id] : reported) {
            QCOMPARE(seen[text], 1);
            auto m = (*alice)->message(id);
            QVERIFY(m && *m);
        }
        qInfo("sends reported before the kill: %zu of 8; delivered: %zu", reported.size(),
              seen.size());
    }
};

QTEST_GUILESS_MAIN(TestClientCrash)
#include "tst_client_crash.moc"
