/// @file tst_relay_pg.cpp
/// The relay's PostgreSQL store (issue 20), on a real PostgreSQL that the test starts
/// (PgCluster.h): the store commands of the real binary (init, admin and serve with --store, and
/// what they refuse), sends while PostgreSQL is down and after it is back, and two relays on one
/// database appending to one journal chain at once. The relay-core suite runs on this store too
/// (ctest tst_relay_core_pg).
/// One file, over 600 lines: every function shares the one throwaway cluster it starts.
#include <QDir>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QtTest>
#include <future>
#include <set>
#include <thread>

#include "PgCluster.h"
#include "RelayFixture.h"
#include "common/Try.h"
#include "crypto/Random.h"
#include "crypto/X25519.h"
#include "journal/HashChain.h"
#include "relay/core/BlobStore.h"
#include "relay/core/PgStore.h"
#include "relay/core/RelaySchema.h"

using namespace verbatim;
using namespace verbatim::relay;

namespace {

std::string errorText(const Error& e) {
    return e.message + " (code " + std::to_string(int(e.code)) + ")";
}

#define TRY(var, expr)                                                                             \
    auto var##Result_ = (expr);                                                                    \
    QVERIFY2(bool(var##Result_), var##Result_ ? "" : errorText(var##Result_.error()).c_str());     \
    auto var = std::move(*var##Result_)

#define REQUIRE_OK(expr)                                                                           \
    do {                                                                                           \
        auto r_ = (expr);                                                                          \
        QVERIFY2(bool(r_), r_ ? "" : errorText(r_.error()).c_str());                               \
    } while (0)

QByteArray describe(const proto::Response& r) {
    return QByteArray::number(int(r.status())) + " \"" + QByteArray::fromStdString(r.error()) +
           "\"";
}

struct Run {
    int code = -1;
    QByteArray out, err;
};

/// handle() on `service`, waited for (RelayFixture.h).
proto::Response callOn(RelayService& service, const DeviceId& from, proto::Request request) {
    return callService(service, from, std::move(request));
}

/// Every journal row of the store at `url` rebuilt as one chain: "" when each row's sequence and
/// chain hash are the next of the one before, else what is wrong.
std::string chainProblem(const std::string& url, std::uint64_t* rows) {
    auto db = openPostgres(url);
    if (!db) return db.error().message;
    auto st = (*db)->prepare("SELECT seq, entry, chain_hash FROM journal ORDER BY seq");
    if (!st) return st.error().message;
    journal::ChainBuilder chain;
    *rows = 0;
    while (true) {
        auto row = st->step();
        if (!row) return row.error().message;
        if (!*row) break;
        ++*rows;
        const auto seq = chain.append(st->columnBlob(1));
        if (std::int64_t(seq) != st->columnInt(0))
            return "row " + std::to_string(*rows) + " has sequence " +
                   std::to_string(st->columnInt(0));
        const Bytes hash = st->columnBlob(2);
        if (hash != Bytes(chain.head().begin(), chain.head().end()))
            return "the chain breaks at sequence " + std::to_string(seq);
    }
    return "";
}

} // namespace

class TestRelayPg : public QObject {
    Q_OBJECT
    QTemporaryDir m_tmp;

    Run run(const QStringList& args, const QString& unlock) {
        QProcess p;
        auto e = QProcessEnvironment::systemEnvironment();
        e.remove("VERBATIM_RELAY_UNLOCK_FILE");
        e.insert("VERBATIM_PASSPHRASE", "postgresql store test root passphrase");
        e.insert("VERBATIM_RELAY_UNLOCK_FILE", unlock);
        p.setProcessEnvironment(e);
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

private slots:
    void initTestCase() {
        QVERIFY(m_tmp.isValid());
        // Every fixture of this program runs on the PostgreSQL store.
        qputenv("VERBATIM_TEST_STORE", "postgresql");
        auto cluster = PgCluster::shared();
        QVERIFY2(bool(cluster), cluster ? "" : cluster.error().message.c_str());
    }

    // init, admin and serve with --store keep the relay's tables in PostgreSQL and nothing but
    // keys, manifest and certificate in --data; a database that holds a relay is not overwritten;
    // a store reached by TCP without TLS is refused before anything connects.
    void storeCommandsKeepTheRelayInPostgres() {
        TRY(cluster, PgCluster::shared());
        TRY(url, cluster->createDatabase());
        const QString data = m_tmp.path() + "/data", unlock = m_tmp.path() + "/relay.unlock";
        auto pair = crypto::x25519Generate();
        QVERIFY(pair);
        QFile pub(m_tmp.path() + "/journal.pub");
        QVERIFY(pub.open(QIODevice::WriteOnly));
        pub.write(QByteArray::fromStdString(toHex(pair->publicKey)) + "\n");
        pub.close();
        const QString store = QString::fromStdString(url);
        Run init = run({"init", "--data", data, "--store", store, "--firm", "Pg & Co",
                        "--journal-key", pub.fileName(), "--root-key-out",
                        m_tmp.path() + "/root.key", "--unlock-file", unlock},
                       unlock);
        QVERIFY2(init.code == 0, init.err.constData());
        QVERIFY2(!QFile::exists(data + "/relay.db"), "init wrote relay.db beside a --store");
        {
            TRY(db, openPostgres(url));
            TRY(version, db->userVersion());
            QCOMPARE(version, std::int64_t(kRelayPgMigrations.size()));
        }

        Run enroll =
            run({"admin", "--data", data, "--store", store, "enroll", "ann", "--role", "lawyer"},
                unlock);
        QVERIFY2(enroll.code == 0, enroll.err.constData());
        QVERIFY(enroll.out.startsWith("verbatim://enroll?"));
        Run users = run({"admin", "--data", data, "--store", store, "users"}, unlock);
        QVERIFY2(users.code == 0, users.err.constData());
        QVERIFY2(users.out.contains("ann\tlawyer"), users.out.constData());
        {
            TRY(db, openPostgres(url));
            TRY(st, db->prepare("SELECT count(*) FROM users WHERE id = 'ann'"));
            TRY(row, st.step());
            QVERIFY(row);
            QCOMPARE(st.columnInt(0), std::int64_t(1));
        }
        // Without --store the same data directory has no store.
        Run local = run({"admin", "--data", data, "users"}, unlock);
        QVERIFY(local.code != 0);

        // A second firm into the same database is refused, and writes no data directory.
        const QString other = m_tmp.path() + "/other";
        Run again =
            run({"init", "--data", other, "--store", store, "--firm", "Other", "--journal-key",
                 pub.fileName(), "--root-key-out", m_tmp.path() + "/root2.key", "--unlock-file",
                 m_tmp.path() + "/other.unlock"},
                m_tmp.path() + "/other.unlock");
        QVERIFY(again.code != 0);
        QVERIFY2(again.err.contains("refusing to overwrite an existing relay"),
                 again.err.constData());
        QVERIFY(!QFile::exists(other + "/manifest.bin"));

        // TCP without TLS: refused, naming the rule.
        for (const char* tcp : {"postgresql://relay@127.0.0.1:1/relay?sslmode=disable",
                                "postgresql://relay@db.example:5432/relay?sslmode=prefer"}) {
            Run plain = run({"admin", "--data", data, "--store", tcp, "users"}, unlock);
            QVERIFY(plain.code != 0);
            QVERIFY2(plain.err.contains("TLS"), plain.err.constData());
        }

        // serve on the store: listens, and stops cleanly.
        QProcess serve;
        auto e = QProcessEnvironment::systemEnvironment();
        e.insert("VERBATIM_RELAY_UNLOCK_FILE", unlock);
        serve.setProcessEnvironment(e);
        serve.start(VERBATIM_RELAY_BIN, {"serve", "--data", data, "--store", store, "--listen",
                                         "127.0.0.1:0", "--admin-listen", "127.0.0.1:0"});
        QVERIFY(serve.waitForStarted(10000));
        QByteArray out;
        QElapsedTimer t;
        t.start();
        while (!out.contains("listening on") && t.elapsed() < 20000 &&
               serve.state() == QProcess::Running) {
            serve.waitForReadyRead(100);
            out += serve.readAllStandardOutput();
        }
        QVERIFY2(out.contains("listening on"), serve.readAllStandardError().constData());
        // admin beside the running relay, on the same store
        Run beside = run({"admin", "--data", data, "--store", store, "users"}, unlock);
        QVERIFY2(beside.code == 0, beside.err.constData());
        serve.terminate();
        QVERIFY(serve.waitForFinished(15000));
        QCOMPARE(serve.exitCode(), 0);
    }

    // PostgreSQL stopped under a running relay: sends fail with Unavailable and nothing is
    // acknowledged; once it is back the relay reconnects by itself, the resent message is stored
    // once, and the journal is one chain.
    void postgresOutageFailsSendsCleanlyAndRecovers() {
        TRY(f, RelayFixture::create());
        QVERIFY(f->onPostgres());
        TRY(cluster, PgCluster::shared());
        TRY(kim, f->enroll("kim", proto::ROLE_LAWYER));
        TRY(lee, f->enroll("lee", proto::ROLE_LAWYER));
        TRY(conversation, f->createConversation(*kim, "Outage v. Store", {"kim", "lee"}));
        auto sink = f->connect(*lee);
        TRY(first, f->buildSend(*kim, conversation, "before", {lee}));
        auto r1 = f->call(*kim, RelayFixture::sendRequest(first.send));
        QVERIFY2(r1.status() == proto::STATUS_OK, describe(r1).constData());
        QVERIFY(sink->waitForEnvelopes(1));

        TRY(during, f->buildSend(*kim, conversation, "during", {lee}));
        REQUIRE_OK(cluster->stop());
        auto r2 = f->call(*kim, RelayFixture::sendRequest(during.send));
        const bool down = r2.status() == proto::STATUS_UNAVAILABLE;
        REQUIRE_OK(cluster->start());
        QVERIFY2(down, describe(r2).constData());
        QVERIFY(!r2.has_send_result());

        // Back: the client resends the same message (same id) and it is stored once.
        auto r3 = f->call(*kim, RelayFixture::sendRequest(during.send));
        QVERIFY2(r3.status() == proto::STATUS_OK, describe(r3).constData());
        auto r4 = f->call(*kim, RelayFixture::sendRequest(during.send));
        QVERIFY2(r4.status() == proto::STATUS_OK, describe(r4).constData());
        QCOMPARE(r4.send_result().journal_sequence(), r3.send_result().journal_sequence());
        QCOMPARE(r3.send_result().journal_sequence(), r1.send_result().journal_sequence() + 1);
        QVERIFY(sink->waitForEnvelopes(2));
        f->settle();
        QCOMPARE(sink->envelopes().size(), std::size_t(2));
        std::uint64_t rows = 0;
        const std::string problem = chainProblem(f->postgresUrl(), &rows);
        QVERIFY2(problem.empty(), problem.c_str());
        QCOMPARE(rows, f->service().journalHead().first);
    }

    // PostgreSQL stopped and started while sends keep coming: sends fail (503) while it is down
    // and are resent under their ids; every message is stored once, reaches the device, and the
    // journal is one chain.
    void outageUnderLoadLosesNothingAcknowledged() {
        TRY(f, RelayFixture::create());
        TRY(cluster, PgCluster::shared());
        TRY(kim, f->enroll("kim", proto::ROLE_LAWYER));
        TRY(lee, f->enroll("lee", proto::ROLE_LAWYER));
        TRY(conversation, f->createConversation(*kim, "Outage Under Load", {"kim", "lee"}));
        auto first = f->connect(*lee);
        constexpr int kCount = 150;
        std::vector<proto::SendMessage> sends;
        std::set<std::string> ids;
        for (int i = 0; i < kCount; ++i) {
            TRY(m, f->buildSend(*kim, conversation, "message " + std::to_string(i), {lee}));
            sends.push_back(m.send);
            ids.insert(m.send.message_id());
        }
        std::atomic<int> refused{0}, other{0};
        std::atomic<bool> halfway{false};
        std::thread sender([&] {
            for (std::size_t i = 0; i < sends.size(); ++i) {
                const auto& send = sends[i];
                if (i == sends.size() / 3) halfway = true;
                // From there on paced (10 ms apart), so that sends span the whole outage.
                if (i >= sends.size() / 3)
                    std::this_thread::sleep_for(std::chrono::milliseconds(10));
                QElapsedTimer t;
                t.start();
                while (t.elapsed() < 20000) { // resent under its id until acknowledged
                    auto r = f->call(*kim, RelayFixture::sendRequest(send));
                    if (r.status() == proto::STATUS_OK) break;
                    if (r.status() == proto::STATUS_UNAVAILABLE)
                        ++refused;
                    else
                        ++other;
                    std::this_thread::sleep_for(std::chrono::milliseconds(50));
                }
            }
        });
        while (!halfway)
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        auto stopped = cluster->stop();
        std::this_thread::sleep_for(std::chrono::milliseconds(400));
        auto started = cluster->start();
        sender.join();
        REQUIRE_OK(stopped);
        REQUIRE_OK(started);
        QVERIFY2(refused > 0, "no send met the outage");
        QCOMPARE(other.load(), 0);
        QCOMPARE(f->scalar("SELECT count(*) FROM sends WHERE sender_user = 'kim'"),
                 std::int64_t(kCount));
        // What the live connection missed (a commit whose answer the outage took) is drained on
        // the next one; together they hold every message.
        f->settle();
        auto second = f->connect(*lee);
        std::set<std::string> got;
        for (const auto& sink : {first, second})
            for (const auto& e : sink->envelopes())
                got.insert(e.message_id());
        QVERIFY(got == ids);
        std::uint64_t rows = 0;
        const std::string problem = chainProblem(f->postgresUrl(), &rows);
        QVERIFY2(problem.empty(), problem.c_str());
        QCOMPARE(rows, f->service().journalHead().first);
    }

    // The PostgreSQL store holds only what the SQLCipher store holds: no message text and no
    // journal key in any row, nor anywhere in the cluster's files (tables, indexes, WAL), while
    // the sealed entries and ciphertexts are there.
    void postgresHoldsNoPlaintextAndNoJournalKey() {
        TRY(f, RelayFixture::create());
        TRY(cluster, PgCluster::shared());
        TRY(kim, f->enroll("kim", proto::ROLE_LAWYER));
        TRY(lee, f->enroll("lee", proto::ROLE_LAWYER));
        TRY(conversation, f->createConversation(*kim, "Privileged", {"kim", "lee"}));
        std::vector<std::string> canaries;
        std::vector<proto::SendMessage> sent;
        for (int i = 0; i < 3; ++i) {
            canaries.push_back("CANARY-" + toHex(crypto::randomBytes(8)) + "-privileged");
            TRY(m, f->buildSend(*kim, conversation, "Re: settlement, " + canaries.back(), {lee}));
            auto r = f->call(*kim, RelayFixture::sendRequest(m.send));
            QVERIFY2(r.status() == proto::STATUS_OK, describe(r).constData());
            sent.push_back(m.send);
        }
        TRY(journalPrivate, f->journalKey().privateKey());
        std::vector<std::pair<std::string, Bytes>> needles = {
            {"journal private key", Bytes(journalPrivate.begin(), journalPrivate.end())},
            {"journal private key (hex)", bytesOf(toHex(journalPrivate))}};
        for (const auto& c : canaries)
            needles.push_back({c, bytesOf(c)});
        f->settle();
        {
            // Pages and WAL on disk, for the file scan below.
            TRY(admin, openPostgres(cluster->url("postgres")));
            REQUIRE_OK(admin->exec("CHECKPOINT"));
        }
        const auto cells = f->allCells();
        for (const auto& m : sent) {
            QVERIFY2(std::any_of(cells.begin(), cells.end(),
                                 [&](const Bytes& c) { return c == bytesOf(m.journal_entry()); }),
                     "the scan does not see the stored journal entries");
            QVERIFY(std::any_of(cells.begin(), cells.end(), [&](const Bytes& c) {
                return c == bytesOf(m.envelopes(0).body());
            }));
        }
        for (const auto& [name, needle] : needles) {
            for (const auto& cell : cells)
                QVERIFY2(!containsBytes(cell, needle), (name + " in a row").c_str());
            auto hits = filesContaining(QString::fromStdString(cluster->directory()), needle);
            QVERIFY2(hits.empty(), (name + " in " + (hits.empty() ? "" : hits[0])).c_str());
        }
        // The file scan sees what the store wrote: the start of a sealed entry is in the
        // cluster's files (long values are cut into TOAST chunks, so not the whole of one).
        const Bytes entry = bytesOf(sent.back().journal_entry());
        QVERIFY(!filesContaining(QString::fromStdString(cluster->directory()),
                                 ByteView(entry.data(), std::min<std::size_t>(entry.size(), 64)))
                     .empty());
    }

    // Two relays on one database (as two nodes will be) append concurrently: every send is
    // acknowledged with its own sequence number and the journal is one chain in one order.
    void twoRelaysOnOneStoreKeepOneJournalChain() {
        TRY(f, RelayFixture::create());
        TRY(kim, f->enroll("kim", proto::ROLE_LAWYER));
        TRY(lee, f->enroll("lee", proto::ROLE_LAWYER));
        TRY(conversation, f->createConversation(*kim, "Two Nodes", {"kim", "lee"}));
        TRY(secondDb, openPostgres(f->postgresUrl()));
        TRY(second, RelayService::open(std::move(secondDb), f->config()));

        constexpr int kEach = 60;
        std::vector<proto::SendMessage> fromKim, fromLee;
        for (int i = 0; i < kEach; ++i) {
            TRY(a, f->buildSend(*kim, conversation, "k" + std::to_string(i), {lee}));
            fromKim.push_back(a.send);
            TRY(b, f->buildSend(*lee, conversation, "l" + std::to_string(i), {kim}));
            fromLee.push_back(b.send);
        }
        std::vector<proto::Response> viaFirst(kEach), viaSecond(kEach);
        std::thread t1([&] {
            for (int i = 0; i < kEach; ++i)
                viaFirst[i] = f->call(*kim, RelayFixture::sendRequest(fromKim[i]));
        });
        std::thread t2([&] {
            for (int i = 0; i < kEach; ++i)
                viaSecond[i] = callOn(*second, lee->id, RelayFixture::sendRequest(fromLee[i]));
        });
        t1.join();
        t2.join();
        std::set<std::uint64_t> sequences;
        for (const auto* list : {&viaFirst, &viaSecond})
            for (const auto& r : *list) {
                QVERIFY2(r.status() == proto::STATUS_OK, describe(r).constData());
                sequences.insert(r.send_result().journal_sequence());
            }
        QCOMPARE(sequences.size(), std::size_t(2 * kEach));
        second.reset();
        std::uint64_t rows = 0;
        const std::string problem = chainProblem(f->postgresUrl(), &rows);
        QVERIFY2(problem.empty(), problem.c_str());
        QVERIFY(rows >= std::uint64_t(2 * kEach));
        QCOMPARE(*sequences.rbegin(), rows);
    }

    // Two nodes on one store: a device connected to one gets at once (well within a second) what
    // was sent through the other, each message once and in order, mixed with local sends.
    void crossNodeSendsReachLiveDevicesAtOnce() {
        TRY(f, RelayFixture::create());
        TRY(kim, f->enroll("kim", proto::ROLE_LAWYER));
        TRY(lee, f->enroll("lee", proto::ROLE_LAWYER));
        TRY(conversation, f->createConversation(*kim, "Across Nodes", {"kim", "lee"}));
        TRY(secondDb, openPostgres(f->postgresUrl()));
        TRY(second, RelayService::open(std::move(secondDb), f->config()));
        auto sink = f->connect(*lee); // lee is live on the first node

        std::vector<std::string> sent;
        auto sendVia = [&](RelayService* node, const std::string& text) -> qint64 {
            auto m = f->buildSend(*kim, conversation, text, {lee});
            if (!m) return -1;
            sent.push_back(m->send.message_id());
            QElapsedTimer t;
            t.start();
            auto r = node ? callOn(*node, kim->id, RelayFixture::sendRequest(m->send))
                          : f->call(*kim, RelayFixture::sendRequest(m->send));
            if (r.status() != proto::STATUS_OK) return -1;
            if (!sink->waitForEnvelopes(sent.size(), std::chrono::milliseconds(1000))) return -1;
            return t.elapsed();
        };
        for (int i = 0; i < 5; ++i) {
            const qint64 remote = sendVia(second.get(), "via the second node " + std::to_string(i));
            QVERIFY2(remote >= 0 && remote < 1000, "not delivered across nodes within 1 s");
            const qint64 local = sendVia(nullptr, "via the first node " + std::to_string(i));
            QVERIFY2(local >= 0, "not delivered by its own node");
        }
        f->settle();
        std::this_thread::sleep_for(std::chrono::milliseconds(300)); // a late duplicate shows here
        const auto got = sink->envelopes();
        QCOMPARE(got.size(), sent.size());
        for (std::size_t i = 0; i < got.size(); ++i)
            QVERIFY2(got[i].message_id() == sent[i], "out of order or twice");
        second.reset();
    }

    // Rate limits count across nodes (issue 20): a device that spreads its requests over two
    // nodes on one store gets one budget, not one per node. With a bucket of four sends and
    // almost no refill, two go through each node and the fifth is refused on either.
    void rateLimitsAreOneBudgetAcrossNodes() {
        TRY(f, RelayFixture::create([](RelayConfig& c) { c.limits.send = BucketSpec{4, 0.001}; }));
        TRY(kim, f->enroll("kim", proto::ROLE_LAWYER));
        TRY(lee, f->enroll("lee", proto::ROLE_LAWYER));
        TRY(conversation, f->createConversation(*kim, "One Budget", {"kim", "lee"}));
        TRY(secondDb, openPostgres(f->postgresUrl()));
        TRY(second, RelayService::open(std::move(secondDb), f->config()));
        int n = 0;
        auto sendVia = [&](RelayService* node) {
            auto m = f->buildSend(*kim, conversation, "burst " + std::to_string(n++), {lee});
            if (!m) return proto::Response();
            return node ? callOn(*node, kim->id, RelayFixture::sendRequest(m->send))
                        : f->call(*kim, RelayFixture::sendRequest(m->send));
        };
        for (RelayService* node :
             {(RelayService*)nullptr, second.get(), (RelayService*)nullptr, second.get()}) {
            auto r = sendVia(node);
            QVERIFY2(r.status() == proto::STATUS_OK, describe(r).constData());
        }
        for (RelayService* node : {second.get(), (RelayService*)nullptr}) {
            auto r = sendVia(node);
            QVERIFY2(r.status() == proto::STATUS_RATE_LIMITED, describe(r).constData());
            QVERIFY(r.retry_after_ms() > 0);
        }
        second.reset();
    }

    // A revocation through one node cuts the device's connection on another within a second (the
    // check `serve` runs every half second, applyExternalChanges, reads the shared store).
    void revocationOnOneNodeCutsTheOther() {
        TRY(f, RelayFixture::create());
        TRY(kim, f->enroll("kim", proto::ROLE_LAWYER));
        TRY(secondDb, openPostgres(f->postgresUrl()));
        TRY(second, RelayService::open(std::move(secondDb), f->config()));
        auto sink = f->connect(*kim); // live on the first node
        QElapsedTimer t;
        t.start();
        REQUIRE_OK(second->revokeDevice("kim", kim->device(), "admin-cli"));
        while (!sink->closeCode() && t.elapsed() < 1000) {
            f->service().applyExternalChanges();
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        QVERIFY2(sink->closeCode().has_value(), "still connected a second after the revocation");
        QCOMPARE(*sink->closeCode(), std::uint16_t(4403));
        second.reset();
    }

    // On the PostgreSQL store an attachment's bytes are in the database: a relay that never
    // received it (its own blob directory) serves it, and a lost cached file comes back.
    void blobsLiveInPostgresAndAnyRelayServes() {
        TRY(f, RelayFixture::create());
        TRY(kim, f->enroll("kim", proto::ROLE_LAWYER));
        QTemporaryDir dirA, dirB;
        QVERIFY(dirA.isValid() && dirB.isValid());
        REQUIRE_OK(f->service().blobs().open(dirA.path().toStdString()));

        const Bytes content = crypto::randomBytes((5u << 19) + 123); // 2.5 MiB: three chunks
        std::promise<BlobStore::Admission> admitted;
        f->service().blobs().admit(
            kim->user(), kim->device(), proto::ROLE_LAWYER, content.size(),
            [&](BlobStore::Admission a) { admitted.set_value(std::move(a)); });
        auto admission = admitted.get_future().get();
        QVERIFY2(admission.upload, admission.message.c_str());
        {
            QFile body(QString::fromStdString(admission.upload->tempPath()));
            QVERIFY(body.open(QIODevice::WriteOnly));
            QCOMPARE(
                body.write(reinterpret_cast<const char*>(content.data()), qint64(content.size())),
                qint64(content.size()));
        }
        const std::string id = admission.upload->id();
        std::promise<Result<void>> committed;
        f->service().blobs().commit(admission.upload,
                                    [&](Result<void> r) { committed.set_value(std::move(r)); });
        REQUIRE_OK(committed.get_future().get());
        admission.upload.reset();
        QCOMPARE(f->scalar("SELECT count(*) FROM blob_chunks"), std::int64_t(3));
        QCOMPARE(f->scalar("SELECT sum(length(data)) FROM blob_chunks"),
                 std::int64_t(content.size()));

        auto fetched = [](BlobStore& blobs, const std::string& blob) {
            std::promise<bool> p;
            blobs.fetch(blob, [&](bool ok) { p.set_value(ok); });
            return p.get_future().get();
        };
        auto fileAt = [](const QTemporaryDir& dir, const std::string& blob) {
            QFile file(dir.path() + "/" + QString::fromStdString(blob));
            return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
        };
        const QByteArray expected(reinterpret_cast<const char*>(content.data()),
                                  qsizetype(content.size()));

        // Another relay on the same database, with an empty blob directory of its own.
        TRY(secondDb, openPostgres(f->postgresUrl()));
        TRY(second, RelayService::open(std::move(secondDb), f->config()));
        REQUIRE_OK(second->blobs().open(dirB.path().toStdString()));
        QVERIFY(fetched(second->blobs(), id));
        QVERIFY(fileAt(dirB, id) == expected);

        // The first relay's cached file lost: it comes back from the database.
        QVERIFY(QFile::remove(dirA.path() + "/" + QString::fromStdString(id)));
        QVERIFY(fetched(f->service().blobs(), id));
        QVERIFY(fileAt(dirA, id) == expected);

        QVERIFY(!fetched(second->blobs(), std::string(64, 'a')));
        second.reset();
    }

    // A pipelined INSERT into a table with an identity id (a queue row) gets its id from the
    // engine instead of a round trip of its own. Those ids must never meet the ones PostgreSQL
    // chooses: later in the same transaction, on another connection after COMMIT, and after a
    // rolled-back transaction (a gap only). Each id reported is the row's, in insertion order.
    void engineChosenIdsNeverMeetTheDatabasesOwn() {
        TRY(cluster, PgCluster::shared());
        TRY(url, cluster->createDatabase());
        TRY(db, openPostgres(url));
        TRY(other, openPostgres(url)); // another node on the same store
        REQUIRE_OK(db->exec("CREATE TABLE picks (id BIGINT GENERATED BY DEFAULT AS IDENTITY "
                            "PRIMARY KEY, v BIGINT NOT NULL)"));
        std::vector<std::pair<std::int64_t, std::int64_t>> rows; // (id reported, v)
        auto insert = [&](storage::Database& on, std::int64_t v) -> Result<void> {
            VERBATIM_TRY_LET(st, on.cached("INSERT INTO picks (v) VALUES (?)"));
            VERBATIM_TRY(st->bind(1, v).run());
            rows.push_back({on.lastInsertRowId(), v});
            return {};
        };
        REQUIRE_OK(db->begin());
        deferPostgresWrites(*db, true);
        for (std::int64_t v = 1; v <= 5; ++v)
            REQUIRE_OK(insert(*db, v));
        deferPostgresWrites(*db, false);
        REQUIRE_OK(insert(*db, 6)); // PostgreSQL's own id, after the engine's
        deferPostgresWrites(*db, true);
        REQUIRE_OK(insert(*db, 7));
        REQUIRE_OK(insert(*db, 8));
        deferPostgresWrites(*db, false);
        REQUIRE_OK(db->commit());
        REQUIRE_OK(insert(*other, 9));

        REQUIRE_OK(db->begin());
        deferPostgresWrites(*db, true);
        for (std::int64_t v = 100; v < 103; ++v) {
            TRY(st, db->cached("INSERT INTO picks (v) VALUES (?)"));
            REQUIRE_OK(st.bind(1, v).run());
        }
        deferPostgresWrites(*db, false);
        db->rollback();
        REQUIRE_OK(insert(*other, 10));
        REQUIRE_OK(db->begin());
        deferPostgresWrites(*db, true);
        REQUIRE_OK(insert(*db, 11));
        deferPostgresWrites(*db, false);
        REQUIRE_OK(db->commit());

        TRY(st, other->prepare("SELECT id, v FROM picks ORDER BY id"));
        std::vector<std::pair<std::int64_t, std::int64_t>> stored;
        REQUIRE_OK(st.forEachRow([&] { stored.push_back({st.columnInt(0), st.columnInt(1)}); }));
        QCOMPARE(stored.size(), std::size_t(11));
        QVERIFY(stored == rows); // ids as reported, growing in the order the rows were written
    }

    // Supervising partners (issue 21) on the PostgreSQL store: the per-send upserts into
    // matter_activity and matter_weeks run there too, and the supervisor's list shows who waits
    // since when and how many messages (not receipts) this week.
    void supervisedMattersCountSendsOnPostgres() {
        TRY(f, RelayFixture::create());
        QVERIFY(f->onPostgres());
        TRY(lara, f->enroll("lara", proto::ROLE_LAWYER));
        TRY(sam, f->enroll("sam", proto::ROLE_SUPERVISOR));
        TRY(conversation, f->createConversation(*lara, "Estate of Pg", {"lara"}));
        TRY(client, f->joinByInvite(*lara, conversation));
        TRY(added, f->service().addSupervisor("lara", "sam", "admin-cli"));
        QVERIFY(added);

        auto send = [&](TestDevice& from, TestDevice& to, const std::string& text,
                        bool isMessage) -> std::uint64_t {
            auto m = f->buildSend(from, conversation, text, {&to});
            if (!m) return 0;
            m->send.set_is_message(isMessage);
            auto r = f->call(from, RelayFixture::sendRequest(m->send));
            return r.status() == proto::STATUS_OK ? r.send_result().server_time_ms() : 0;
        };
        auto list = [&] {
            proto::Request q;
            q.mutable_list_supervised_matters()->set_weeks(2);
            return f->call(*sam, std::move(q));
        };
        const std::uint64_t first = send(*client, *lara, "a question", true);
        QVERIFY(first != 0);
        QVERIFY(send(*client, *lara, "and another", true) != 0);
        QVERIFY(send(*lara, *client, "a receipt, not a message", false) != 0);
        auto waiting = list();
        QVERIFY2(waiting.status() == proto::STATUS_OK, describe(waiting).constData());
        QCOMPARE(waiting.supervised_matters().matters_size(), 1);
        const auto& w = waiting.supervised_matters().matters(0);
        QCOMPARE(w.conversation_id(), conversation);
        QCOMPARE(w.waiting_since_ms(), first); // from the first unanswered one
        QVERIFY(w.last_client_message_ms() >= first);
        QCOMPARE(w.last_lawyer_message_ms(), std::uint64_t(0)); // the receipt answers nothing
        QCOMPARE(w.weekly_messages_size(), 2);
        QCOMPARE(w.weekly_messages(1), 2u);

        const std::uint64_t answer = send(*lara, *client, "an answer", true);
        QVERIFY(answer != 0);
        auto answered = list();
        QVERIFY2(answered.status() == proto::STATUS_OK, describe(answered).constData());
        QCOMPARE(answered.supervised_matters().matters_size(), 1);
        const auto& a = answered.supervised_matters().matters(0);
        QCOMPARE(a.waiting_since_ms(), std::uint64_t(0));
        QCOMPARE(a.waiting_ms(), std::uint64_t(0));
        QCOMPARE(a.last_lawyer_message_ms(), answer);
        QCOMPARE(a.weekly_messages(1), 3u);

        // The client asks again: waiting starts anew from that message.
        const std::uint64_t again = send(*client, *lara, "one more", true);
        QVERIFY(again != 0);
        auto asked = list();
        QVERIFY2(asked.status() == proto::STATUS_OK, describe(asked).constData());
        QCOMPARE(asked.supervised_matters().matters(0).waiting_since_ms(), again);
        QCOMPARE(asked.supervised_matters().matters(0).weekly_messages(1), 4u);
    }
};

QTEST_GUILESS_MAIN(TestRelayPg)
#include "tst_relay_pg.moc"
