// Issue 19: a client profile written by a newer release than this one is refused with a clear
// message and never damaged: its database's bytes are the same after the refusal, and the
// newer release (here: the same store with its version put back) still opens it.

#include <QTemporaryDir>
#include <QtTest>

#include <fstream>
#include <sstream>

#include "TestKdfCost.h"
#include "client/core/Profile.h"
#include "crypto/Digest.h"
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
const std::string kPassphrase = "correct horse battery staple 19";
} // namespace

class TestProfileVersion : public QObject {
    Q_OBJECT
private slots:
    void newerProfileIsRefusedAndNotDamaged() {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        client::ProfilePaths paths{dir.filePath("profile").toStdString()};
        std::int64_t current = 0;
        {
            auto db = client::createProfile(paths, kPassphrase);
            QVERIFY2(db, db ? "" : db.error().message.c_str());
            auto v = (*db)->userVersion();
            QVERIFY(v && *v > 0);
            current = *v;
            // What a newer release would have added, and its version.
            QVERIFY((*db)->exec("CREATE TABLE from_the_future (x); INSERT INTO from_the_future "
                                "VALUES (42); PRAGMA user_version = " +
                                std::to_string(current + 1)));
            QVERIFY((*db)->exec("PRAGMA wal_checkpoint(TRUNCATE)"));
        }
        const std::string before = fileHash(paths.database());
        auto refused = client::openProfile(paths, kPassphrase);
        QVERIFY(!refused);
        QCOMPARE(refused.error().code, ErrorCode::Unsupported);
        QVERIFY2(refused.error().message.find("newer Verbatim release") != std::string::npos,
                 refused.error().message.c_str());
        QVERIFY2(refused.error().message.find("was not changed") != std::string::npos,
                 refused.error().message.c_str());
        QCOMPARE(fileHash(paths.database()), before);
        // The passphrase was right: the refusal is no failed unlock.
        QCOMPARE(client::readUnlockCounter(paths).failures, std::uint32_t(0));
    }
};

QTEST_GUILESS_MAIN(TestProfileVersion)
#include "tst_profile_version.moc"
