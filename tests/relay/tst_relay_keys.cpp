// Issue 15, break 3 (the relay's keys at rest): the real `verbatim-relay` binary never leaves
// db.key, relay.key or relay-identity.key in the data directory in a form that works without
// the unlock secret, which must live outside it. The sealed files are opened here by an
// independent reading of docs/protocol.md ("Relay keys at rest"), and what comes out must be
// the keys the relay really uses: the relay key of the manifest, its identity key, and the key
// that opens relay.db. Also: serve and admin without the secret, with a wrong one or with a
// damaged or swapped key file fail cleanly; the three ways to give the secret and their order;
// a data directory written before (clear hex) is refused until `seal-keys` converts it in place.

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "common/Bytes.h"
#include "crypto/Aes.h"
#include "crypto/Ed25519.h"
#include "crypto/Hkdf.h"
#include "crypto/Random.h"
#include "crypto/X25519.h"
#include "journal/FirmManifest.h"
#include "storage/Database.h"

using namespace verbatim;

namespace {

const QStringList kKeyFiles = {"db.key", "relay.key", "relay-identity.key"};
const QByteArray kUnsealFailed =
    "cannot unseal relay keys: wrong unlock secret or damaged key file";

struct Run {
    int code = -1;
    QByteArray out, err;
    QByteArray all() const { return out + err; }
};

QByteArray readAll(const QString& path) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

bool writeAll(const QString& path, const QByteArray& data,
              QFileDevice::Permissions perms = QFileDevice::ReadOwner | QFileDevice::WriteOwner) {
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate)) return false;
    bool ok = f.write(data) == data.size();
    f.close();
    return ok && f.setPermissions(perms);
}

ByteView bv(const QByteArray& b) {
    return ByteView(reinterpret_cast<const std::uint8_t*>(b.constData()), std::size_t(b.size()));
}
QByteArray qb(ByteView b) {
    return QByteArray(reinterpret_cast<const char*>(b.data()), qsizetype(b.size()));
}

/// docs/protocol.md, "Relay keys at rest", read independently of the relay's code:
/// "VRK1" || salt[32] || nonce[12] || AES-256-GCM(HKDF-SHA256(unlock, salt,
/// "verbatim-relay-key-v1" || name), nonce, aad = "VRK1" || salt || nonce || field(name), key[32]) || tag[16].
std::optional<SecureBytes> unseal(const QByteArray& file, const QByteArray& unlockFileText,
                                  const QString& name) {
    auto unlock = fromHex(unlockFileText.trimmed().toStdString());
    if (!unlock || unlock->size() != 32 || file.size() != 96 || !file.startsWith("VRK1"))
        return std::nullopt;
    ByteView f = bv(file);
    const std::string n = name.toStdString();
    Bytes info = toBytes(view(std::string("verbatim-relay-key-v1") + n));
    auto key = crypto::hkdfSha256(*unlock, f.subspan(4, 32), info, 32);
    if (!key) return std::nullopt;
    Bytes aad = toBytes(f.subspan(0, 48));
    appendField(aad, n);
    auto secret = crypto::aesGcmOpen(*key, f.subspan(36, 12), aad, f.subspan(48));
    if (!secret || secret->size() != 32) return std::nullopt;
    return std::move(*secret);
}

/// Every regular file below `dir` (blobs, WAL and temporary files included).
std::vector<std::pair<std::string, QByteArray>> filesBelow(const QString& dir) {
    std::vector<std::pair<std::string, QByteArray>> out;
    for (auto& e : std::filesystem::recursive_directory_iterator(dir.toStdString())) {
        if (!e.is_regular_file()) continue;
        out.emplace_back(e.path().string(), readAll(QString::fromStdString(e.path().string())));
    }
    return out;
}

/// The places `secret` must never be found: its raw bytes and its hex in either case.
QList<QByteArray> formsOf(ByteView secret) {
    QByteArray hex = QByteArray::fromStdString(toHex(secret));
    return {qb(secret), hex, hex.toUpper()};
}

mode_t modeOf(const QString& path) {
    struct stat st {};
    return ::stat(QFile::encodeName(path).constData(), &st) == 0 ? (st.st_mode & 0777) : 0;
}

} // namespace

class TestRelayKeys : public QObject {
    Q_OBJECT
    QTemporaryDir m_tmp;

    /// No unlock secret from the test runner's environment: each case says where it comes from.
    QProcessEnvironment env(const QMap<QString, QString>& extra = {}) {
        auto e = QProcessEnvironment::systemEnvironment();
        e.remove("VERBATIM_RELAY_UNLOCK_FILE");
        e.remove("CREDENTIALS_DIRECTORY");
        e.insert("VERBATIM_PASSPHRASE", "relay keys test root passphrase");
        e.insert("VERBATIM_LOG", "warn");
        for (auto it = extra.begin(); it != extra.end(); ++it)
            e.insert(it.key(), it.value());
        return e;
    }

    Run run(const QStringList& args, const QMap<QString, QString>& extra = {}) {
        QProcess p;
        p.setProcessEnvironment(env(extra));
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

    /// A journal public key file in `dir` (any X25519 public key: the relay only seals to it).
    QString journalPub(const QString& dir) {
        auto pair = crypto::x25519Generate();
        const QString path = dir + "/journal.pub";
        writeAll(path, QByteArray::fromStdString(toHex(pair->publicKey)) + "\n");
        return path;
    }

    Run init(const QString& dir, const QString& data, const QStringList& unlockArgs) {
        return run(QStringList{"init", "--data", data, "--firm", "Keys & Co", "--journal-key",
                               journalPub(dir), "--root-key-out",
                               dir + "/root-" + QFileInfo(data).fileName() + ".key"} +
                   unlockArgs);
    }

    /// `serve` until it says it listens (true), or until it exits (false; its output in `r`).
    bool serveStarts(const QString& data, const QStringList& unlockArgs, Run& r,
                     const QMap<QString, QString>& extra = {}) {
        QProcess p;
        p.setProcessEnvironment(env(extra));
        p.start(VERBATIM_RELAY_BIN, QStringList{"serve", "--data", data, "--listen", "127.0.0.1:0",
                                                "--admin-listen", "127.0.0.1:0"} +
                                        unlockArgs);
        if (!p.waitForStarted(10000)) return false;
        QElapsedTimer t;
        t.start();
        bool listening = false;
        while (t.elapsed() < 20000) {
            p.waitForReadyRead(200);
            r.out += p.readAllStandardOutput();
            r.err += p.readAllStandardError();
            if (r.out.contains("listening")) {
                listening = true;
                break;
            }
            if (p.state() != QProcess::Running) break;
        }
        if (p.state() == QProcess::Running) {
            p.terminate();
            if (!p.waitForFinished(10000)) {
                p.kill();
                p.waitForFinished();
            }
        }
        r.out += p.readAllStandardOutput();
        r.err += p.readAllStandardError();
        r.code = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
        if (r.code < 0)
            qWarning("serve: exit status %d, code %d, error %d", int(p.exitStatus()), p.exitCode(),
                     int(p.error()));
        return listening;
    }

    struct Keys {
        SecureBytes db, relay, identity;
    };

    /// The three keys, opened with the unlock file's secret; checked against what the relay
    /// publishes and against relay.db.
    std::optional<Keys> openKeys(const QString& data, const QString& unlockFile) {
        const QByteArray unlock = readAll(unlockFile);
        auto db = unseal(readAll(data + "/db.key"), unlock, "db.key");
        auto relay = unseal(readAll(data + "/relay.key"), unlock, "relay.key");
        auto identity = unseal(readAll(data + "/relay-identity.key"), unlock, "relay-identity.key");
        if (!db || !relay || !identity) return std::nullopt;
        return Keys{std::move(*db), std::move(*relay), std::move(*identity)};
    }

    void checkKeysAreTheRelays(const QString& data, const Keys& k) {
        // The manifest's public keys, as the relay shows them.
        Run show = run({"manifest", "--data", data, "--show"});
        QCOMPARE(show.code, 0);
        QByteArray relayPublic, identityPublic;
        for (const QByteArray& line : show.out.split('\n')) {
            if (line.startsWith("relay-public-key\t")) relayPublic = line.mid(17);
            if (line.startsWith("relay-identity-key\t")) identityPublic = line.mid(19);
        }
        QCOMPARE(relayPublic.size(), 64);
        QCOMPARE(identityPublic.size(), 66);
        auto derived = crypto::ed25519PublicKey(k.relay);
        QVERIFY(derived);
        QCOMPARE(QByteArray::fromStdString(toHex(*derived)), relayPublic);
        auto x = crypto::X25519Key::fromPrivate(k.identity);
        QVERIFY(x);
        QCOMPARE("05" + QByteArray::fromStdString(toHex(x->publicKey())), identityPublic);
        // db.key's key opens the relay's database (and reads its schema).
        auto db = storage::Database::open((data + "/relay.db").toStdString(), k.db, {false});
        QVERIFY2(db, db ? "" : db.error().message.c_str());
        QVERIFY((*db)->exec("SELECT count(*) FROM sqlite_master"));
    }

    void checkNoKeyInTheDirectory(const QString& data, const Keys& k,
                                  const QByteArray& unlockText) {
        QList<QByteArray> forbidden = formsOf(k.db) + formsOf(k.relay) + formsOf(k.identity);
        auto unlock = fromHex(unlockText.trimmed().toStdString());
        QVERIFY(unlock);
        forbidden += formsOf(*unlock);
        const auto files = filesBelow(data);
        QVERIFY(files.size() >= 8);
        for (const auto& [path, bytes] : files)
            for (const auto& secret : forbidden)
                QVERIFY2(!bytes.contains(secret), path.c_str());
    }

private slots:
    void initTestCase() { QVERIFY(m_tmp.isValid()); }

    void initWritesTheKeysOnlySealed() {
        const QString dir = m_tmp.filePath("init"), data = dir + "/data",
                      unlockFile = dir + "/relay.unlock";
        QVERIFY(QDir().mkpath(dir));
        Run r = init(dir, data, {"--unlock-file", unlockFile});
        QVERIFY2(r.code == 0, r.all().constData());

        // init made the unlock secret, outside the data directory: 64 hex digits, mode 0600.
        const QByteArray unlockText = readAll(unlockFile);
        QCOMPARE(unlockText.trimmed().size(), 64);
        QVERIFY(fromHex(unlockText.trimmed().toStdString()));
        QCOMPARE(int(modeOf(unlockFile)), 0600);
        for (const QString& name : kKeyFiles) {
            const QByteArray file = readAll(data + "/" + name);
            QVERIFY2(file.startsWith("VRK1"), qPrintable(name));
            QCOMPARE(file.size(), 96);
            QVERIFY2(!fromHex(file.trimmed().toStdString()), qPrintable(name)); // not clear hex
            QCOMPARE(int(modeOf(data + "/" + name)), 0600);
        }
        auto keys = openKeys(data, unlockFile);
        QVERIFY(keys);
        checkKeysAreTheRelays(data, *keys);
        checkNoKeyInTheDirectory(data, *keys, unlockText);
        // Nothing init prints holds a key or the unlock secret.
        for (const auto& secret : formsOf(keys->relay) + formsOf(keys->identity) +
                                      formsOf(keys->db) +
                                      formsOf(*fromHex(unlockText.trimmed().toStdString())))
            QVERIFY(!r.all().contains(secret));

        // Each file's name is bound into it: a sealed key under another name does not open.
        QVERIFY(!unseal(readAll(data + "/relay.key"), unlockText, "db.key"));

        // An existing unlock file is used, not replaced: a second relay under the same secret.
        const QString data2 = dir + "/data2";
        Run r2 = init(dir, data2, {"--unlock-file", unlockFile});
        QVERIFY2(r2.code == 0, r2.all().constData());
        QCOMPARE(readAll(unlockFile), unlockText);
        auto keys2 = openKeys(data2, unlockFile);
        QVERIFY(keys2);
        checkKeysAreTheRelays(data2, *keys2);
        QVERIFY(!constantTimeEqual(keys2->relay, keys->relay));

        // The unlock secret may not live in the data directory (nor below it); nothing is made.
        for (const QString& inside :
             {dir + "/data3/relay.unlock", dir + "/data3/sub/../blobs/relay.unlock"}) {
            Run bad = init(dir, dir + "/data3", {"--unlock-file", inside});
            QCOMPARE(bad.code, 1);
            QVERIFY2(bad.err.contains("must not live in the relay's data directory"),
                     bad.err.constData());
            QVERIFY(!QFile::exists(dir + "/data3/relay.db"));
            QVERIFY(!QFile::exists(inside));
        }
        // Nor may init run without one.
        Run none = init(dir, dir + "/data4", {});
        QCOMPARE(none.code, 1);
        QVERIFY(none.err.contains("--unlock-file"));
        QVERIFY(!QFile::exists(dir + "/data4/relay.db"));
    }

    // A journal key rotation with the real program: the new key is appended after the current
    // one (the last is current), the old stays listed for the entries sealed to it; the same key
    // twice or a malformed key file is refused and the manifest is left as it was.
    void journalKeyIsAddedByTheManifestCommand() {
        const QString dir = m_tmp.filePath("rotate"), data = dir + "/data",
                      unlockFile = dir + "/relay.unlock";
        QVERIFY(QDir().mkpath(dir));
        Run r = init(dir, data, {"--unlock-file", unlockFile});
        QVERIFY2(r.code == 0, r.all().constData());
        const QByteArray first = readAll(dir + "/journal.pub").trimmed();
        auto second = crypto::x25519Generate();
        const QString secondPath = dir + "/second.pub";
        writeAll(secondPath, QByteArray::fromStdString(toHex(second->publicKey)) + "\n");
        const QString rootKey = dir + "/root-data.key";
        auto keysShown = [&] {
            QList<QByteArray> keys;
            for (const QByteArray& line :
                 run({"manifest", "--data", data, "--show"}).out.split('\n'))
                if (line.startsWith("journal-key\t")) keys.push_back(line.split('\t').value(1));
            return keys;
        };
        QCOMPARE(keysShown(), QList<QByteArray>{first});
        Run add = run(
            {"manifest", "--data", data, "--root-key", rootKey, "--add-journal-key", secondPath});
        QVERIFY2(add.code == 0, add.all().constData());
        QVERIFY(add.out.contains("2 journal key(s)"));
        QCOMPARE(keysShown(),
                 (QList<QByteArray>{first, QByteArray::fromStdString(toHex(second->publicKey))}));
        const QByteArray manifest = readAll(data + "/manifest.bin");
        auto parsed = journal::FirmManifest::parse(view(manifest.toStdString()));
        QVERIFY(parsed && parsed->journalKeys.size() == 2);
        QVERIFY(parsed->journalKeys[1].validFromMs >= parsed->journalKeys[0].validFromMs);
        QVERIFY(parsed->currentJournalKey()->publicKey == second->publicKey);
        Run again = run(
            {"manifest", "--data", data, "--root-key", rootKey, "--add-journal-key", secondPath});
        QCOMPARE(again.code, 1);
        QVERIFY(again.err.contains("already in the manifest"));
        writeAll(dir + "/bad.pub", "not a key\n");
        Run bad = run({"manifest", "--data", data, "--root-key", rootKey, "--add-journal-key",
                       dir + "/bad.pub"});
        QCOMPARE(bad.code, 1);
        QCOMPARE(readAll(data + "/manifest.bin"), manifest);
    }

    void serveNeedsTheRightUnlockSecret() {
        const QString dir = m_tmp.filePath("serve"), data = dir + "/data",
                      unlockFile = dir + "/relay.unlock";
        QVERIFY(QDir().mkpath(dir));
        Run r = init(dir, data, {"--unlock-file", unlockFile});
        QVERIFY2(r.code == 0, r.all().constData());
        auto keys = openKeys(data, unlockFile);
        QVERIFY(keys);
        const QList<QByteArray> secrets =
            formsOf(keys->relay) + formsOf(keys->identity) + formsOf(keys->db);
        auto noSecretIn = [&](const Run& x) {
            for (const auto& s : secrets)
                if (x.all().contains(s)) return false;
            return true;
        };

        // No secret anywhere: a clear error that names the three ways to give it.
        Run none;
        QVERIFY(!serveStarts(data, {}, none));
        QCOMPARE(none.code, 1);
        for (const char* way : {"--unlock-file", "CREDENTIALS_DIRECTORY", "verbatim-relay-unlock",
                                "VERBATIM_RELAY_UNLOCK_FILE"})
            QVERIFY2(none.err.contains(way), none.err.constData());
        QVERIFY(noSecretIn(none));
        Run adminNone = run({"admin", "--data", data, "users"});
        QCOMPARE(adminNone.code, 1);
        QVERIFY(adminNone.err.contains("VERBATIM_RELAY_UNLOCK_FILE"));

        // A wrong secret, a secret that is not one, and the secret inside the data directory.
        const QString wrongFile = dir + "/wrong.unlock";
        QVERIFY(
            writeAll(wrongFile, QByteArray::fromStdString(toHex(crypto::randomSecret(32))) + "\n"));
        Run wrong;
        QVERIFY(!serveStarts(data, {"--unlock-file", wrongFile}, wrong));
        QCOMPARE(wrong.code, 1);
        QVERIFY2(wrong.err.contains(kUnsealFailed), wrong.err.constData());
        QVERIFY(noSecretIn(wrong));
        QVERIFY(writeAll(dir + "/junk.unlock", "not a secret\n"));
        Run junk = run({"admin", "--data", data, "users", "--unlock-file", dir + "/junk.unlock"});
        QCOMPARE(junk.code, 1);
        QVERIFY2(junk.err.contains("64 hex digits"), junk.err.constData());
        QVERIFY(QFile::copy(unlockFile, data + "/relay.unlock"));
        Run insideRun =
            run({"admin", "--data", data, "users", "--unlock-file", data + "/relay.unlock"});
        QCOMPARE(insideRun.code, 1);
        QVERIFY(insideRun.err.contains("must not live in the relay's data directory"));
        QVERIFY(QFile::remove(data + "/relay.unlock"));

        // A damaged key file, and two key files swapped: the same error, no partial start.
        for (const QString& name : kKeyFiles) {
            const QByteArray good = readAll(data + "/" + name);
            QByteArray bad = good;
            bad[60] = char(bad[60] ^ 0x01);
            QVERIFY(writeAll(data + "/" + name, bad));
            Run damaged = run({"admin", "--data", data, "users", "--unlock-file", unlockFile});
            QCOMPARE(damaged.code, 1);
            QVERIFY2(damaged.err.contains(kUnsealFailed), qPrintable(name + ": " + damaged.err));
            QVERIFY(writeAll(data + "/" + name, good.left(50))); // truncated
            Run truncated = run({"admin", "--data", data, "users", "--unlock-file", unlockFile});
            QCOMPARE(truncated.code, 1);
            QVERIFY2(truncated.err.contains(kUnsealFailed), truncated.err.constData());
            QVERIFY(writeAll(data + "/" + name, good));
        }
        const QByteArray relayKey = readAll(data + "/relay.key"),
                         identityKey = readAll(data + "/relay-identity.key");
        QVERIFY(writeAll(data + "/relay.key", identityKey));
        QVERIFY(writeAll(data + "/relay-identity.key", relayKey));
        Run swapped = run({"admin", "--data", data, "users", "--unlock-file", unlockFile});
        QCOMPARE(swapped.code, 1);
        QVERIFY2(swapped.err.contains(kUnsealFailed), swapped.err.constData());
        QVERIFY(writeAll(data + "/relay.key", relayKey));
        QVERIFY(writeAll(data + "/relay-identity.key", identityKey));

        // The right secret: serve listens, and stops cleanly.
        Run good;
        QVERIFY2(serveStarts(data, {"--unlock-file", unlockFile}, good), good.all().constData());
        QVERIFY2(good.code == 0, good.all().constData());
        QVERIFY(noSecretIn(good));

        // systemd's credential and the environment, in that order after --unlock-file.
        const QString creds = dir + "/credentials";
        QVERIFY(QDir().mkpath(creds));
        QVERIFY(QFile::copy(unlockFile, creds + "/verbatim-relay-unlock"));
        Run viaCredential;
        QVERIFY2(serveStarts(data, {}, viaCredential, {{"CREDENTIALS_DIRECTORY", creds}}),
                 viaCredential.all().constData());
        Run viaEnv =
            run({"admin", "--data", data, "users"}, {{"VERBATIM_RELAY_UNLOCK_FILE", unlockFile}});
        QVERIFY2(viaEnv.code == 0, viaEnv.all().constData());
        // --unlock-file comes first: a wrong one is not rescued by a right credential ...
        Run optionFirst =
            run({"admin", "--data", data, "users", "--unlock-file", wrongFile},
                {{"CREDENTIALS_DIRECTORY", creds}, {"VERBATIM_RELAY_UNLOCK_FILE", unlockFile}});
        QCOMPARE(optionFirst.code, 1);
        QVERIFY(optionFirst.err.contains(kUnsealFailed));
        // ... the credential comes before the environment ...
        Run credentialFirst =
            run({"admin", "--data", data, "users"},
                {{"CREDENTIALS_DIRECTORY", creds}, {"VERBATIM_RELAY_UNLOCK_FILE", wrongFile}});
        QVERIFY2(credentialFirst.code == 0, credentialFirst.all().constData());
        // ... and a credential directory without the credential falls through to the environment.
        Run emptyCredentials =
            run({"admin", "--data", data, "users"},
                {{"CREDENTIALS_DIRECTORY", dir}, {"VERBATIM_RELAY_UNLOCK_FILE", unlockFile}});
        QVERIFY2(emptyCredentials.code == 0, emptyCredentials.all().constData());

        checkNoKeyInTheDirectory(data, *keys, readAll(unlockFile)); // after serving too
    }

    void clearKeysAreRefusedThenSealedInPlace() {
        const QString dir = m_tmp.filePath("upgrade"), data = dir + "/data",
                      firstUnlock = dir + "/first.unlock";
        QVERIFY(QDir().mkpath(dir));
        Run r = init(dir, data, {"--unlock-file", firstUnlock});
        QVERIFY2(r.code == 0, r.all().constData());
        Run enroll = run({"admin", "--data", data, "enroll", "ada", "--role", "lawyer", "--name",
                          "Ada", "--unlock-file", firstUnlock});
        QVERIFY2(enroll.code == 0, enroll.all().constData());
        // The directory as relays wrote it before keys were sealed: each key as 64 clear hex
        // digits, mode 0600.
        auto keys = openKeys(data, firstUnlock);
        QVERIFY(keys);
        const SecureBytes* clear[] = {&keys->db, &keys->relay, &keys->identity};
        for (int i = 0; i < 3; ++i)
            QVERIFY(
                writeAll(data + "/" + kKeyFiles[i], QByteArray::fromStdString(toHex(*clear[i]))));

        // serve and admin refuse it and say what to do, with or without a secret.
        Run refused;
        QVERIFY(!serveStarts(data, {"--unlock-file", firstUnlock}, refused));
        QCOMPARE(refused.code, 1);
        QVERIFY2(refused.err.contains("stored in clear") &&
                     refused.err.contains("verbatim-relay seal-keys --data " + data.toUtf8() +
                                          " --unlock-file PATH"),
                 refused.err.constData());
        Run refusedAdmin = run({"admin", "--data", data, "users"});
        QCOMPARE(refusedAdmin.code, 1);
        QVERIFY(refusedAdmin.err.contains("seal-keys"));
        Run noSecret = run({"seal-keys", "--data", data});
        QCOMPARE(noSecret.code, 1);
        QVERIFY(noSecret.err.contains("VERBATIM_RELAY_UNLOCK_FILE"));
        Run insideSeal =
            run({"seal-keys", "--data", data, "--unlock-file", data + "/relay.unlock"});
        QCOMPARE(insideSeal.code, 1);
        QVERIFY(!QFile::exists(data + "/relay.unlock"));

        // An earlier run cut short after it linked relay.key aside (still the clear file).
        QCOMPARE(::link(QFile::encodeName(data + "/relay.key").constData(),
                        QFile::encodeName(data + "/relay.key.clear").constData()),
                 0);

        // seal-keys with a new secret (created, 0600, outside): sealed in place, old files gone.
        const QString unlockFile = dir + "/relay.unlock";
        Run sealed = run({"seal-keys", "--data", data, "--unlock-file", unlockFile});
        QVERIFY2(sealed.code == 0, sealed.all().constData());
        QVERIFY(sealed.out.contains("sealed 3 relay key file(s)"));
        QCOMPARE(int(modeOf(unlockFile)), 0600);
        for (const QString& name : kKeyFiles) {
            QVERIFY(readAll(data + "/" + name).startsWith("VRK1"));
            QCOMPARE(int(modeOf(data + "/" + name)), 0600);
            QVERIFY(!QFile::exists(data + "/" + name + ".clear"));
            QVERIFY(!QFile::exists(data + "/" + name + ".new"));
        }
        auto resealed = openKeys(data, unlockFile);
        QVERIFY(resealed);
        QVERIFY(constantTimeEqual(resealed->db, keys->db) &&
                constantTimeEqual(resealed->relay, keys->relay) &&
                constantTimeEqual(resealed->identity, keys->identity));
        QVERIFY(!openKeys(data, firstUnlock));
        checkNoKeyInTheDirectory(data, *keys, readAll(unlockFile));
        checkKeysAreTheRelays(data, *resealed);

        // Idempotent: a second run changes nothing; a wrong secret changes nothing either.
        QByteArray before;
        for (const QString& name : kKeyFiles)
            before += readAll(data + "/" + name);
        Run again = run({"seal-keys", "--data", data, "--unlock-file", unlockFile});
        QVERIFY2(again.code == 0, again.all().constData());
        QVERIFY(again.out.contains("already sealed"));
        Run wrong = run({"seal-keys", "--data", data, "--unlock-file", firstUnlock});
        QCOMPARE(wrong.code, 1);
        QVERIFY(wrong.err.contains(kUnsealFailed));
        Run fresh = run({"seal-keys", "--data", data, "--unlock-file", dir + "/never-made.unlock"});
        QCOMPARE(fresh.code, 1);
        QVERIFY(!QFile::exists(dir + "/never-made.unlock"));
        QByteArray after;
        for (const QString& name : kKeyFiles)
            after += readAll(data + "/" + name);
        QCOMPARE(after, before);

        // A run cut short after relay.key was sealed leaves the old clear key as relay.key.clear;
        // the next run overwrites and removes it.
        QVERIFY(writeAll(data + "/relay.key.clear", QByteArray::fromStdString(toHex(keys->relay))));
        Run finish = run({"seal-keys", "--data", data, "--unlock-file", unlockFile});
        QVERIFY2(finish.code == 0, finish.all().constData());
        QVERIFY(!QFile::exists(data + "/relay.key.clear"));

        // The relay serves from the sealed keys, with what it held before.
        Run served;
        QVERIFY2(serveStarts(data, {"--unlock-file", unlockFile}, served),
                 served.all().constData());
        Run users = run({"admin", "--data", data, "users", "--unlock-file", unlockFile});
        QVERIFY2(users.code == 0 && users.out.contains("ada\tlawyer\tAda"),
                 users.all().constData());
        checkNoKeyInTheDirectory(data, *keys, readAll(unlockFile));
    }
};

QTEST_GUILESS_MAIN(TestRelayKeys)
#include "tst_relay_keys.moc"
