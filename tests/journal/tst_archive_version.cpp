// Issue 19: a compliance archive written by a newer release than this one is refused with a
// clear message and never damaged (its bytes are the same after the refusal).

#include <QTemporaryDir>
#include <QtTest>

#include <fstream>
#include <sstream>

#include "compliance/Archive.h"
#include "crypto/Digest.h"
#include "crypto/Hkdf.h"
#include "crypto/X25519.h"
#include "storage/Database.h"

using namespace verbatim;

namespace {
std::string fileHash(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    std::string s = ss.str();
    return toHex(crypto::sha256(view(s)));
}
std::vector<crypto::X25519Key> keysOf(ByteView privateKey) {
    std::vector<crypto::X25519Key> keys;
    keys.push_back(*crypto::X25519Key::fromPrivate(privateKey));
    return keys;
}
} // namespace

class TestArchiveVersion : public QObject {
    Q_OBJECT
private slots:
    void newerArchiveIsRefusedAndNotDamaged() {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const std::string path = dir.filePath("archive.db").toStdString();
        auto journalKey = crypto::X25519Key::generate();
        QVERIFY(journalKey);
        const SecureBytes priv = *journalKey->privateKey();
        {
            auto archive = compliance::Archive::open(path, keysOf(priv), true);
            QVERIFY2(archive, archive ? "" : archive.error().message.c_str());
        }
        // What a newer release would have written: its own table and a higher version. The
        // archive's database key as the archive derives it from the first journal key.
        {
            auto key = crypto::hkdfSha256(priv, view(std::string_view("verbatim-archive-v1")),
                                          view(std::string_view("archive database key")), 32);
            QVERIFY(key);
            auto db = storage::Database::open(path, *key, {false});
            QVERIFY2(db, db ? "" : db.error().message.c_str());
            auto v = (*db)->userVersion();
            QVERIFY(v && *v > 0);
            QVERIFY((*db)->exec("CREATE TABLE from_the_future (x); PRAGMA user_version = " +
                                std::to_string(*v + 1)));
            QVERIFY((*db)->exec("PRAGMA wal_checkpoint(TRUNCATE)"));
        }
        const std::string before = fileHash(path);
        auto refused = compliance::Archive::open(path, keysOf(priv), false);
        QVERIFY(!refused);
        QCOMPARE(refused.error().code, ErrorCode::Unsupported);
        QVERIFY2(refused.error().message.find("newer Verbatim release") != std::string::npos,
                 refused.error().message.c_str());
        QCOMPARE(fileHash(path), before);
    }
};

QTEST_GUILESS_MAIN(TestArchiveVersion)
#include "tst_archive_version.moc"
