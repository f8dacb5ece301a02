// verbatim-backup-bench: backup and restore of a large relay store while it serves (issue 19,
// "Tests and figures").
//
//   verbatim-backup-bench [--messages 1000000] [--rate 1000] [--keep DIR]
//   verbatim-backup-bench --quick      10,000 messages, 200 sends/s (smoke run)
//
// 1. `verbatim-relay init`, a lawyer and a client invited to the lawyer's matter, registered
//    over HTTPS against a first `serve`.
// 2. The store is filled to --messages messages straight through the storage layer (one
//    SQLCipher connection, 20,000 rows a transaction): per message a journal entry of 700 bytes
//    with its real chain hash, its `sends` row and a 400-byte envelope queued for an offline
//    device, as the relay writes them. The relay's own `check` then verifies the chain.
// 3. `serve` again (time to "listening", i.e. both listeners accepting); the lawyer sends to the
//    client at --rate sends/s (open loop, 1 ms pacing); send-to-deliver latency is the time from
//    the request to the client's push (same process, same clock). After 5 s of baseline,
//    `verbatim-relay backup` runs while the sends go on; sends/s and p50/p99 are reported for the
//    baseline and for the backup's duration.
// 4. `verbatim-relay restore` of that backup into a new directory, then `check` on it.
//
// Run by hand; the figures go to README ("Install on a server").

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>

#include <boost/asio/ip/tcp.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <map>
#include <mutex>
#include <thread>

#include "E2EHarness.h"
#include "crypto/Aes.h"
#include "crypto/Hkdf.h"
#include "crypto/Random.h"
#include "journal/HashChain.h"
#include "journal/SealedEntry.h"
#include "relay/net/TlsCert.h"
#include "storage/Database.h"

using namespace verbatim;
using namespace verbatim::e2e;
using Clock = std::chrono::steady_clock;

namespace {

std::uint16_t freePort() {
    boost::asio::io_context ioc;
    boost::asio::ip::tcp::acceptor a(ioc, {boost::asio::ip::make_address("127.0.0.1"), 0});
    return a.local_endpoint().port();
}

std::string tokenOf(const QString& link) {
    auto s = link.trimmed().toStdString();
    auto p = s.find("token=");
    return p == std::string::npos ? std::string() : s.substr(p + 6, 32);
}

QByteArray readAll(const QString& path) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

ByteView bv(const QByteArray& b) {
    return ByteView(reinterpret_cast<const std::uint8_t*>(b.constData()), std::size_t(b.size()));
}

QProcessEnvironment env() {
    auto e = QProcessEnvironment::systemEnvironment();
    e.insert("VERBATIM_PASSPHRASE", "backup-bench-passphrase-long");
    e.insert("VERBATIM_LOG", "warn");
    return e;
}

struct Run {
    int code = -1;
    QString out, err;
    double seconds = 0;
};

Run runRelay(const QStringList& args) {
    QProcess p;
    p.setProcessEnvironment(env());
    QElapsedTimer t;
    t.start();
    p.start(VERBATIM_RELAY_BINARY, args);
    p.waitForFinished(-1);
    Run r;
    r.seconds = double(t.nsecsElapsed()) / 1e9;
    r.code = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    r.out = QString::fromUtf8(p.readAllStandardOutput());
    r.err = QString::fromUtf8(p.readAllStandardError());
    if (r.code != 0)
        std::fprintf(stderr, "verbatim-relay %s: %s\n", qPrintable(args.first()),
                     qPrintable(r.err));
    return r;
}

/// db.key unsealed as docs/protocol.md ("Relay keys at rest") describes it.
std::optional<SecureBytes> databaseKey(const QString& dataDir, const QString& unlockFile) {
    auto sealed = readAll(dataDir + "/db.key");
    auto unlock = fromHex(readAll(unlockFile).trimmed().toStdString());
    if (sealed.size() != 96 || !unlock) return std::nullopt;
    ByteView file = bv(sealed);
    auto k = crypto::hkdfSha256(*unlock, file.subspan(4, 32),
                                view(std::string_view("verbatim-relay-key-v1db.key")), 32);
    Bytes aad = toBytes(file.subspan(0, 48));
    appendField(aad, std::string_view("db.key"));
    if (!k) return std::nullopt;
    auto key = crypto::aesGcmOpen(*k, file.subspan(36, 12), aad, file.subspan(48));
    if (!key) return std::nullopt;
    return *key;
}

struct Stats {
    double perSecond = 0, p50 = 0, p99 = 0, max = 0;
    std::size_t count = 0;
};

} // namespace

int main(int argc, char** argv) {
    QCoreApplication app(argc, argv);
    std::uint64_t messages = 1000000;
    int rate = 1000;
    QString keep;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (a == "--quick") {
            messages = 10000;
            rate = 200;
        } else if (a == "--messages" && i + 1 < argc) {
            messages = std::stoull(argv[++i]);
        } else if (a == "--rate" && i + 1 < argc) {
            rate = std::stoi(argv[++i]);
        } else if (a == "--keep" && i + 1 < argc) {
            keep = argv[++i];
        } else {
            std::fprintf(stderr, "usage: verbatim-backup-bench [--messages N] [--rate SENDS_PER_S] "
                                 "[--keep DIR] | --quick\n");
            return 2;
        }
    }
    QTemporaryDir tmp;
    const QString dir = keep.isEmpty() ? tmp.path() : keep;
    const QString data = dir + "/data", unlock = dir + "/relay.unlock",
                  backupFile = dir + "/relay.vrb", restored = dir + "/restored";
    const std::uint16_t port = freePort(), adminPort = freePort();
    auto journalKey = *crypto::X25519Key::generate();
    {
        QFile f(dir + "/journal.pub");
        if (!f.open(QIODevice::WriteOnly)) return 1;
        f.write(QByteArray::fromStdString(toHex(journalKey.publicKey())));
    }
    if (runRelay({"init", "--data", data, "--unlock-file", unlock, "--firm", "Bench LLP",
                  "--journal-key", dir + "/journal.pub", "--root-key-out", dir + "/root.key",
                  "--address", QString("127.0.0.1:%1").arg(port)})
            .code != 0)
        return 1;
    auto lawyerToken = tokenOf(runRelay({"admin", "--data", data, "--unlock-file", unlock, "enroll",
                                         "lena", "--role", "lawyer"})
                                   .out);
    auto inviteToken = tokenOf(runRelay({"admin", "--data", data, "--unlock-file", unlock, "invite",
                                         "--from", "lena", "--matter", "M"})
                                   .out);

    std::unique_ptr<QProcess> serve;
    auto startServe = [&](const QString& d) -> double {
        serve = std::make_unique<QProcess>();
        serve->setProcessEnvironment(env());
        QElapsedTimer t;
        t.start();
        serve->start(VERBATIM_RELAY_BINARY,
                     {"serve", "--data", d, "--unlock-file", unlock, "--listen",
                      QString("127.0.0.1:%1").arg(port), "--admin-listen",
                      QString("127.0.0.1:%1").arg(adminPort), "--bench-limits"});
        while (t.elapsed() < 120000) {
            serve->waitForReadyRead(5);
            if (serve->readAllStandardOutput().contains("listening"))
                return double(t.nsecsElapsed()) / 1e9;
            if (serve->state() != QProcess::Running) break;
        }
        std::fprintf(stderr, "serve did not start: %s\n",
                     serve->readAllStandardError().constData());
        return -1;
    };
    auto stopServe = [&] {
        serve->terminate();
        serve->waitForFinished(60000);
    };
    if (startServe(data) < 0) return 1;
    client::Endpoint ep{"127.0.0.1", port,
                        *relay::certificateFingerprint((data + "/tls.crt").toStdString())};
    auto ctx = *signal::SignalContext::create();
    auto lawyer = Device::create(ctx), client = Device::create(ctx);
    auto r1 = client::RelayConnection::registerDevice(ep, lawyer->registration(lawyerToken, "L"));
    auto r2 = client::RelayConnection::registerDevice(ep, client->registration(inviteToken, "C"));
    if (!r1 || !r2) return 1;
    lawyer->user = r1->user();
    lawyer->device = r1->device();
    client->user = r2->user();
    client->device = r2->device();
    const std::string conv = r2->conversation_id();
    stopServe();

    // ---- fill ---------------------------------------------------------------------------------
    {
        auto key = databaseKey(data, unlock);
        if (!key) return 1;
        auto db = storage::Database::open((data + "/relay.db").toStdString(), *key, {false});
        if (!db) return 1;
        storage::Database& d = **db;
        const auto start = Clock::now();
        auto head = d.prepare("SELECT seq, chain_hash FROM journal ORDER BY seq DESC LIMIT 1");
        if (!head || !*head->step()) return 1;
        const std::uint64_t base = std::uint64_t(head->columnInt(0));
        Bytes h = head->columnBlob(1);
        journal::ChainHash chainHead{};
        std::copy(h.begin(), h.end(), chainHead.begin());
        head->reset();
        journal::ChainBuilder chain(base, chainHead);
        if (!d.exec("INSERT INTO users (id, role, display_name, created_ms) VALUES ('archive', 2, "
                    "'Archive', 1);"
                    "INSERT INTO devices (user, device, secret_hash, registration_id, "
                    "identity_key, enrolled_ms) "
                    "VALUES ('archive', 1, zeroblob(32), 1, zeroblob(33), 1)"))
            return 1;
        const Bytes pool = crypto::randomBytes(1 << 16);
        auto j = d.prepare(
            "INSERT INTO journal (seq, entry, chain_hash, server_time_ms) VALUES (?, ?, ?, ?)");
        auto s = d.prepare("INSERT INTO sends (message_id, sender_user, sender_device, "
                           "journal_seq, server_time_ms) VALUES (?, ?, ?, ?, ?)");
        auto q = d.prepare("INSERT INTO queue (user, device, message_id, conversation, "
                           "sender_user, sender_device, type, body, "
                           "server_time_ms, commitment, journal_seq) VALUES ('archive', 1, ?, ?, "
                           "?, ?, 1, ?, ?, ?, ?)");
        if (!j || !s || !q) return 1;
        const std::uint64_t now =
            std::uint64_t(std::chrono::duration_cast<std::chrono::milliseconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count()) -
            messages;
        for (std::uint64_t i = 0; i < messages; ++i) {
            if (i % 20000 == 0 && !d.begin()) return 1;
            const std::size_t off = std::size_t((i * 7919) % (pool.size() - 1200));
            ByteView entry(pool.data() + off, 700), body(pool.data() + off + 700, 400),
                commitment(pool.data() + off + 3, 32);
            const std::uint64_t seq = chain.append(entry);
            const std::uint64_t t = now + i;
            std::string mid = journal::newMessageId(t);
            mid[15] = char(i & 0xff);
            mid[14] = char((i >> 8) & 0xff);
            mid[13] = char((i >> 16) & 0xff);
            bool ok = j->bind(1, std::int64_t(seq))
                          .bind(2, entry)
                          .bind(3, ByteView(chain.head().data(), 32))
                          .bind(4, std::int64_t(t))
                          .run()
                          .has_value();
            ok = ok && s->bind(1, view(mid))
                           .bind(2, std::string_view(lawyer->user))
                           .bind(3, std::int64_t(lawyer->device))
                           .bind(4, std::int64_t(seq))
                           .bind(5, std::int64_t(t))
                           .run()
                           .has_value();
            ok = ok && q->bind(1, view(mid))
                           .bind(2, std::string_view(conv))
                           .bind(3, std::string_view(lawyer->user))
                           .bind(4, std::int64_t(lawyer->device))
                           .bind(5, body)
                           .bind(6, std::int64_t(t))
                           .bind(7, commitment)
                           .bind(8, std::int64_t(seq))
                           .run()
                           .has_value();
            if (!ok) {
                std::fprintf(stderr, "fill failed at %llu\n", (unsigned long long)i);
                return 1;
            }
            if ((i + 1) % 20000 == 0 || i + 1 == messages)
                if (!d.commit()) return 1;
        }
        if (!d.exec("PRAGMA wal_checkpoint(TRUNCATE)")) return 1;
        std::printf("filled %llu messages in %.1f s; relay.db %.0f MiB\n",
                    (unsigned long long)messages,
                    std::chrono::duration<double>(Clock::now() - start).count(),
                    double(QFile(data + "/relay.db").size()) / 1048576.0);
    }
    auto c0 = runRelay({"check", "--data", data, "--unlock-file", unlock});
    std::printf("check (before): %.1f s, %s", c0.seconds,
                qPrintable(c0.code == 0 ? c0.out : c0.err));
    if (c0.code != 0) return 1;

    // ---- serve and load ---------------------------------------------------------------------
    const double ready = startServe(data);
    if (ready < 0) return 1;
    std::printf("serve ready (both listeners accepting) %.3f s after start on this store\n", ready);
    if (!lawyer->connect(ep)) return 1;
    std::mutex mu;
    std::map<std::string, Clock::time_point> sentAt;
    std::vector<std::pair<Clock::time_point, double>> delivered; // when, latency ms
    client->credentials.user = client->user;
    client->credentials.device = client->device;
    auto recv = client::RelayConnection::connect(
        ep, client->credentials,
        [&](const proto::Push& p) {
            if (!p.has_envelope()) return;
            const auto now = Clock::now();
            std::lock_guard lock(mu);
            auto it = sentAt.find(p.envelope().message_id());
            if (it != sentAt.end())
                delivered.push_back(
                    {now, std::chrono::duration<double, std::milli>(now - it->second).count()});
        },
        {});
    if (!recv) return 1;
    const int seconds = messages >= 100000 ? 75 : 15;
    const std::size_t total = std::size_t(rate) * std::size_t(seconds);
    std::printf("building %zu sends...\n", total);
    std::fflush(stdout);
    std::vector<proto::SendMessage> sends;
    sends.reserve(total);
    for (std::size_t i = 0; i < total; ++i)
        sends.push_back(
            buildSend(*lawyer, conv, "load " + std::to_string(i), journalKey.publicKey()));
    std::atomic<bool> stop{false};
    std::atomic<std::size_t> failed{0};
    std::thread sender([&] {
        const auto start = Clock::now();
        for (std::size_t i = 0; i < sends.size() && !stop; ++i) {
            std::this_thread::sleep_until(
                start + std::chrono::microseconds(i * 1000000 / std::size_t(rate)));
            proto::Request req;
            *req.mutable_send() = sends[i];
            {
                std::lock_guard lock(mu);
                sentAt[sends[i].message_id()] = Clock::now();
            }
            lawyer->connection->request(req, [&](proto::Response r) {
                if (r.status() != proto::STATUS_OK) ++failed;
            });
        }
    });
    std::this_thread::sleep_for(std::chrono::seconds(5));
    const auto baselineStart = Clock::now() - std::chrono::seconds(4), backupStart = Clock::now();
    auto b = runRelay({"backup", "--data", data, "--out", backupFile, "--unlock-file", unlock});
    const auto backupEnd = Clock::now();
    stop = true;
    sender.join();
    std::this_thread::sleep_for(std::chrono::seconds(1));
    if (b.code != 0) return 1;
    std::printf("backup: %.1f s wall, %.0f MiB file; %s", b.seconds,
                double(QFile(backupFile).size()) / 1048576.0, qPrintable(b.out));
    auto stats = [&](Clock::time_point from, Clock::time_point to) {
        std::lock_guard lock(mu);
        std::vector<double> l;
        for (const auto& [t, ms] : delivered)
            if (t >= from && t < to) l.push_back(ms);
        Stats s;
        s.count = l.size();
        if (l.empty()) return s;
        std::sort(l.begin(), l.end());
        s.perSecond = double(l.size()) / std::chrono::duration<double>(to - from).count();
        s.p50 = l[l.size() / 2];
        s.p99 = l[std::min(l.size() - 1, l.size() * 99 / 100)];
        s.max = l.back();
        return s;
    };
    const Stats base = stats(baselineStart, backupStart), during = stats(backupStart, backupEnd);
    std::printf("offered %d sends/s; failed sends: %zu\n", rate, failed.load());
    std::printf("before backup: %.0f delivered/s, send-to-deliver p50 %.1f ms, p99 %.1f ms, max "
                "%.1f ms (%zu)\n",
                base.perSecond, base.p50, base.p99, base.max, base.count);
    std::printf("during backup: %.0f delivered/s, send-to-deliver p50 %.1f ms, p99 %.1f ms, max "
                "%.1f ms (%zu)\n",
                during.perSecond, during.p50, during.p99, during.max, during.count);
    recv->reset();
    lawyer->disconnect();
    stopServe();

    // ---- restore ----------------------------------------------------------------------------
    auto r =
        runRelay({"restore", "--from", backupFile, "--data", restored, "--unlock-file", unlock});
    if (r.code != 0) return 1;
    std::printf("restore: %.1f s wall; %s", r.seconds, qPrintable(r.out));
    auto c = runRelay({"check", "--data", restored, "--unlock-file", unlock});
    std::printf("check (restored): %.1f s, %s", c.seconds, qPrintable(c.code == 0 ? c.out : c.err));
    return c.code == 0 && failed == 0 ? 0 : 1;
}
