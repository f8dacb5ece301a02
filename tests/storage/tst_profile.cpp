// The client profile on disk (issue 16 item 6, "Profiles and passphrases"): one passphrase rule,
// the scrypt cost stored with the key and raised on an old profile's next unlock, a failed-unlock
// counter whose reset is detected and counted, and a passphrase change that re-keys the database
// and survives SIGKILL at any moment (ST-06 for the profile).

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <map>
#include <random>

#include "TestKdfCost.h"
#include "client/core/Profile.h"
#include "common/Passphrase.h"
#include "crypto/PassphraseBox.h"

using namespace verbatim;
using namespace verbatim::client;

namespace {

constexpr const char* kOld = "the old passphrase 1";
constexpr const char* kNew = "the new passphrase 2";
constexpr int kRows = 400; // about 500 KiB of pages, so that a re-key takes a while

QByteArray readBytes(const std::string& path) {
    QFile f(QString::fromStdString(path));
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}
bool writeBytes(const std::string& path, const QByteArray& bytes) {
    QFile f(QString::fromStdString(path));
    return f.open(QIODevice::WriteOnly | QIODevice::Truncate) && f.write(bytes) == bytes.size();
}
ByteView bv(const QByteArray& b) {
    return {reinterpret_cast<const std::uint8_t*>(b.constData()), std::size_t(b.size())};
}

// The passphrase box inside profile.key ("VPK1" + 32 bytes of counter and chain, or a bare old box).
QByteArray boxOf(const QByteArray& keyFile) {
    return keyFile.startsWith("VPK1") ? keyFile.mid(36) : keyFile;
}

crypto::ScryptParams storedParams(const ProfilePaths& p) {
    auto params = crypto::passphraseBoxParams(bv(boxOf(readBytes(p.keyFile()))));
    return params ? *params : crypto::ScryptParams{0, 0, 0};
}

// A profile with kRows rows of 1 KiB in its database.
bool makeProfile(const ProfilePaths& p, const char* pass) {
    auto db = createProfile(p, pass);
    if (!db) return false;
    auto st = (*db)->prepare("INSERT INTO account (k, v) VALUES (?, randomblob(1000))");
    if (!st || !(*db)->begin()) return false;
    for (int i = 0; i < kRows; ++i) {
        st->bind(1, std::string_view("row" + std::to_string(i)));
        if (!st->run()) return false;
    }
    return (*db)->commit().has_value();
}

std::int64_t rows(storage::Database& db) {
    auto st = db.prepare("SELECT count(*) FROM account WHERE k LIKE 'row%'");
    if (!st || !st->step()) return -1;
    return st->columnInt(0);
}

std::int64_t rowsWith(const ProfilePaths& p, const char* pass) {
    auto db = openProfile(p, pass);
    return db ? rows(**db) : -1;
}

bool copyDir(const QString& from, const QString& to) {
    QDir().mkpath(to);
    for (const QFileInfo& fi :
         QDir(from).entryInfoList(QDir::Files | QDir::Dirs | QDir::NoDotAndDotDot)) {
        const QString target = to + "/" + fi.fileName();
        if (fi.isDir() ? !copyDir(fi.filePath(), target) : !QFile::copy(fi.filePath(), target))
            return false;
    }
    return true;
}

struct Child {
    int exitCode = -1;
    bool crashed = false;
    QByteArray err;
};
Child runChild(const ProfilePaths& p, const QString& mode, const QString& crashStep = {},
               int killAfterMs = -1) {
    QProcess proc;
    QStringList args{QString::fromStdString(p.dir), kOld, kNew, mode};
    if (!crashStep.isEmpty()) args << crashStep;
    proc.start(PROFILE_CHANGE_CHILD, args);
    Child c;
    if (!proc.waitForStarted()) return c;
    if (killAfterMs >= 0) {
        if (killAfterMs > 0) proc.waitForFinished(killAfterMs);
        if (proc.state() != QProcess::NotRunning) proc.kill(); // SIGKILL
    }
    proc.waitForFinished(30000);
    c.crashed = proc.exitStatus() == QProcess::CrashExit;
    c.exitCode = proc.exitCode();
    c.err = proc.readAllStandardError();
    return c;
}

// Which passphrase opens the profile now: "old", "new", "neither" (or "both", which would be a
// defect too). Each wrong try is a counted attempt; these profiles have no limit.
QString whichOpens(const ProfilePaths& p) {
    const bool oldOpens = rowsWith(p, kOld) == kRows;
    const bool newOpens = rowsWith(p, kNew) == kRows;
    return oldOpens && newOpens ? "both" : oldOpens ? "old" : newOpens ? "new" : "neither";
}

UnlockCounter g_seen;
std::string g_hookDir;
void recordCounter(std::string_view step) {
    if (step == "attempt-recorded") g_seen = readUnlockCounter(ProfilePaths{g_hookDir});
}

} // namespace

class TestProfile : public QObject {
    Q_OBJECT

private slots:
    void cleanup() {
        testsupport::useProductionKdfCost(false);
        setProfileStepHook(nullptr);
    }

    // One rule, in its own words, for every new passphrase (the app and the tools show the same
    // text: tst_passphrase_policy).
    void newPassphraseRuleRefusesShortAndRepeatedOnes_data() {
        QTest::addColumn<QString>("passphrase");
        QTest::addColumn<bool>("accepted");
        QTest::newRow("one character") << "a" << false;
        QTest::newRow("eleven characters") << "abcdefghijk" << false;
        QTest::newRow("one character repeated") << "aaaaaaaaaaaaaaaa" << false;
        QTest::newRow("a short pattern repeated") << "abcdabcdabcdabcd" << false;
        QTest::newRow("eleven characters in 22 bytes") << QString::fromUtf8("àáâãäåæçèéê") << false;
        QTest::newRow("twelve characters") << "abcdefghijkl" << true;
        QTest::newRow("a few words") << "correct horse battery staple" << true;
        QTest::newRow("twelve non-Latin characters")
            << QString::fromUtf8("秘密の合言葉は十二文字です") << true;
    }
    void newPassphraseRuleRefusesShortAndRepeatedOnes() {
        QFETCH(QString, passphrase);
        QFETCH(bool, accepted);
        const std::string pass = passphrase.toStdString();
        auto r = checkNewPassphrase(pass);
        QCOMPARE(r.has_value(), accepted);
        QTemporaryDir dir;
        const ProfilePaths p{dir.filePath("p").toStdString()};
        auto created = createProfile(p, pass);
        QCOMPARE(created.has_value(), accepted);
        if (accepted) return;
        QCOMPARE(r.error().code, ErrorCode::InvalidArgument);
        QCOMPARE(QString::fromStdString(r.error().message),
                 QString::fromUtf8(kPassphraseRule.data()));
        QVERIFY(r.error().message.find("12 characters") != std::string::npos);
        QCOMPARE(created.error().message, r.error().message);
        QVERIFY(!QFile::exists(QString::fromStdString(p.keyFile())));
        QVERIFY(!QFile::exists(QString::fromStdString(p.database())));
    }

    // A change to a passphrase that breaks the rule changes nothing.
    void changeToAWeakPassphraseChangesNothing() {
        QTemporaryDir dir;
        const ProfilePaths p{dir.filePath("p").toStdString()};
        QVERIFY(makeProfile(p, kOld));
        const QByteArray before = readBytes(p.keyFile());
        auto r = changePassphrase(p, kOld, "abcdefghijk");
        QVERIFY(!r);
        QCOMPARE(r.error().message, std::string(kPassphraseRule));
        QCOMPARE(readBytes(p.keyFile()), before); // not even an attempt was counted
        QCOMPARE(rowsWith(p, kOld), std::int64_t(kRows));
    }

    // What the production build stores: scrypt N = 2^17, r = 8, p = 1 at least (the real
    // verbatim-cli does too: tst_passphrase_policy). Read from the key file, not timed.
    void newProfileStoresTheProductionKdfCost() {
        testsupport::useProductionKdfCost(true);
        QTemporaryDir dir;
        const ProfilePaths p{dir.filePath("p").toStdString()};
        QVERIFY(createProfile(p, kOld));
        const auto stored = storedParams(p);
        QVERIFY(crypto::scryptAtLeast(stored, crypto::ScryptParams{17, 8, 1}));
        QVERIFY(stored.log2N >= 17 && stored.r >= 8);
        QVERIFY(readBytes(p.keyFile()).startsWith("VPK1"));
    }

    // A profile from before issue 16 (a bare box at N = 2^15, the guard's counter only) opens,
    // keeps its counter and limit, and is sealed again at the production cost.
    void oldProfileOpensAndIsUpgradedToTheProductionCost() {
        QTemporaryDir dir;
        const ProfilePaths p{dir.filePath("p").toStdString()};
        QVERIFY(makeProfile(p, kOld));
        auto key =
            crypto::passphraseOpen(bv(boxOf(readBytes(p.keyFile()))), view(std::string_view(kOld)));
        QVERIFY(key);
        auto legacy =
            crypto::passphraseSeal(*key, view(std::string_view(kOld)), crypto::kLegacyScrypt);
        QVERIFY(legacy);
        QVERIFY(writeBytes(p.keyFile(), QByteArray(reinterpret_cast<const char*>(legacy->data()),
                                                   int(legacy->size()))));
        QVERIFY(writeBytes(
            p.guard(),
            "max_failed_unlocks 3\nmax_offline_days 0\nfailures 1\nlast_contact_ms 0\n"));
        QCOMPARE(int(storedParams(p).log2N), 15);
        QCOMPARE(readUnlockCounter(p).failures, 1u);
        QCOMPARE(readUnlockCounter(p).limit, 3u);

        testsupport::useProductionKdfCost(true);
        auto opened = openProfile(p, kOld);
        QVERIFY2(opened, opened ? "" : opened.error().message.c_str());
        QCOMPARE(rows(**opened), std::int64_t(kRows));
        opened->reset();
        QVERIFY(readBytes(p.keyFile()).startsWith("VPK1"));
        QVERIFY(crypto::scryptAtLeast(storedParams(p), crypto::ScryptParams{}));
        QCOMPARE(int(storedParams(p).log2N), 17);
        const auto counter = readUnlockCounter(p);
        QCOMPARE(counter.failures, 0u);
        QCOMPARE(counter.limit, 3u);
        QVERIFY(!counter.tampered);
        // The same database key: the upgraded profile opens, and a wrong passphrase still fails.
        QCOMPARE(rowsWith(p, kOld), std::int64_t(kRows));
        testsupport::useProductionKdfCost(false);
        QCOMPARE(openProfile(p, "not the passphrase").error().code, ErrorCode::WrongKey);
    }

    // An old profile's counter still counts: two failures in its guard, a limit of 3, one more
    // wrong passphrase erases it.
    void oldProfilesCounterIsKept_data() {
        QTest::addColumn<bool>("policyRefreshedFirst");
        QTest::newRow("unlock attempt first") << false;
        QTest::newRow("policy refreshed first") << true;
    }
    void oldProfilesCounterIsKept() {
        QTemporaryDir dir;
        const ProfilePaths p{dir.filePath("p").toStdString()};
        QVERIFY(makeProfile(p, kOld));
        QVERIFY(writeBytes(p.keyFile(), boxOf(readBytes(p.keyFile()))));
        QVERIFY(writeBytes(
            p.guard(),
            "max_failed_unlocks 3\nmax_offline_days 0\nfailures 2\nlast_contact_ms 0\n"));
        QFETCH(bool, policyRefreshedFirst);
        if (policyRefreshedFirst) { // the key file takes the limit (and the guard's count with it)
            QVERIFY(setFailedUnlockLimit(p, 3));
            QVERIFY(readBytes(p.keyFile()).startsWith("VPK1"));
            QCOMPARE(readUnlockCounter(p).failures, 2u);
            QVERIFY(!readUnlockCounter(p).tampered);
        }
        auto r = openProfile(p, "not the passphrase");
        QVERIFY(!r);
        QVERIFY(r.error().message.find("erased itself") != std::string::npos);
        QVERIFY(!QFile::exists(QString::fromStdString(p.keyFile())));
        QVERIFY(!QFile::exists(QString::fromStdString(p.database())));
    }

    // Write-ahead: the attempt is on disk, as a failure, before the passphrase is tried; killing
    // the process at that moment (after which the old code would have written nothing) leaves it
    // counted.
    void eachAttemptIsCountedBeforeItIsTried() {
        QTemporaryDir dir;
        const ProfilePaths p{dir.filePath("p").toStdString()};
        QVERIFY(makeProfile(p, kOld));
        QVERIFY(setFailedUnlockLimit(p, 3));
        g_hookDir = p.dir;
        setProfileStepHook(recordCounter);
        QVERIFY(!openProfile(p, "not the passphrase"));
        QCOMPARE(g_seen.attempts, 1u);
        QCOMPARE(g_seen.failures, 1u);
        QVERIFY(openProfile(p, kOld));
        QCOMPARE(g_seen.attempts, 2u);
        QCOMPARE(g_seen.failures, 2u); // the right passphrase too counts until it has opened
        QCOMPARE(readUnlockCounter(p).failures, 0u);
        setProfileStepHook(nullptr);

        // Killed after counting, before the answer: the attempt stays counted.
        auto c = runChild(p, "unlock", "attempt-recorded");
        QVERIFY(c.crashed);
        auto counter = readUnlockCounter(p);
        QCOMPARE(counter.failures, 1u);
        QCOMPARE(counter.attempts, 3u);
        QVERIFY(!counter.tampered); // a crash, not an edit
        auto c2 = runChild(p, "unlock", "attempt-recorded");
        QVERIFY(c2.crashed);
        auto c3 = runChild(p, "unlock", "attempt-recorded");
        QVERIFY(c3.crashed);
        // Three killed attempts are three failures: the next start erases, whatever it is given.
        auto r = openProfile(p, kOld);
        QVERIFY(!r);
        QVERIFY(r.error().message.find("erased itself") != std::string::npos);
        QVERIFY(!QFile::exists(QString::fromStdString(p.database())));
    }

    // The attack of the review: 7 guesses against a limit of 3, with the counter file reset in
    // between. Each kind of reset is detected (UnlockCounter::tampered) and the guesses are
    // counted: no more than 3 are ever tried, then the profile is erased.
    void resettingTheCounterFileIsDetectedAndCounted_data() {
        QTest::addColumn<QString>("reset");
        QTest::newRow("guard deleted") << "delete-guard";
        QTest::newRow("guard restored from a copy") << "restore-guard";
        QTest::newRow("guard edited to no failures and no limit") << "edit-guard";
        QTest::newRow("key file restored from a copy") << "restore-key";
    }
    void resettingTheCounterFileIsDetectedAndCounted() {
        QFETCH(QString, reset);
        QTemporaryDir dir;
        const ProfilePaths p{dir.filePath("p").toStdString()};
        QVERIFY(makeProfile(p, kOld));
        QVERIFY(setFailedUnlockLimit(p, 3));
        QVERIFY(openProfile(p, kOld)); // a normal unlock: both files agree
        const QByteArray guardCopy = readBytes(p.guard()), keyCopy = readBytes(p.keyFile());
        QVERIFY(!readUnlockCounter(p).tampered);

        int tried = 0; // guesses the profile actually judged
        bool detected = false;
        for (int guess = 0; guess < 7; ++guess) {
            if (guess == 2) {
                if (reset == "delete-guard")
                    QVERIFY(QFile::remove(QString::fromStdString(p.guard())));
                if (reset == "restore-guard") QVERIFY(writeBytes(p.guard(), guardCopy));
                if (reset == "edit-guard") {
                    auto g = readGuard(p);
                    g.failures = 0;
                    g.maxFailedUnlocks = 0;
                    QVERIFY(writeGuard(p, g));
                }
                if (reset == "restore-key") QVERIFY(writeBytes(p.keyFile(), keyCopy));
                const auto c = readUnlockCounter(p);
                detected = c.tampered;
                QCOMPARE(c.failures, 2u); // counted all the same
                QCOMPARE(c.limit, 3u);
            }
            auto r = openProfile(p, ("guess " + std::to_string(guess)).c_str());
            QVERIFY(!r);
            if (r.error().code == ErrorCode::WrongKey)
                ++tried;
            else
                QCOMPARE(r.error().code, ErrorCode::NotFound); // erased: nothing left to guess at
        }
        QVERIFY(detected);
        QCOMPARE(tried, 3);
        QVERIFY(!QFile::exists(QString::fromStdString(p.keyFile())));
        QVERIFY(!QFile::exists(QString::fromStdString(p.database())));
    }

    // What the counter cannot do, as README says: whoever restores the key file and the guard
    // together from an earlier copy starts the count again (and could copy them away and guess
    // offline at the scrypt cost). This pins the documented limit.
    void restoringEveryCounterFileTogetherIsNotDetected() {
        QTemporaryDir dir;
        const ProfilePaths p{dir.filePath("p").toStdString()};
        QVERIFY(makeProfile(p, kOld));
        QVERIFY(setFailedUnlockLimit(p, 3));
        QVERIFY(openProfile(p, kOld));
        const QByteArray guardCopy = readBytes(p.guard()), keyCopy = readBytes(p.keyFile());
        int tried = 0;
        for (int guess = 0; guess < 6; ++guess) {
            if (guess % 2 == 0) {
                QVERIFY(writeBytes(p.guard(), guardCopy));
                QVERIFY(writeBytes(p.keyFile(), keyCopy));
            }
            auto r = openProfile(p, "a guess");
            if (!r && r.error().code == ErrorCode::WrongKey) ++tried;
        }
        QCOMPARE(tried, 6);
        QVERIFY(!readUnlockCounter(p).tampered);
    }

    // The database gets a new key: the old key file with the old passphrase opens neither the
    // database nor its WAL afterwards; only the new passphrase opens it, with every row.
    void passphraseChangeReKeysTheDatabase_data() {
        QTest::addColumn<bool>("openConnection");
        QTest::newRow("closed profile") << false;
        QTest::newRow("through the open connection (the app)") << true;
    }
    void passphraseChangeReKeysTheDatabase() {
        QFETCH(bool, openConnection);
        QTemporaryDir dir;
        const ProfilePaths p{dir.filePath("p").toStdString()};
        QVERIFY(makeProfile(p, kOld));
        const QByteArray oldKeyFile = readBytes(p.keyFile());
        auto oldKey = crypto::passphraseOpen(bv(boxOf(oldKeyFile)), view(std::string_view(kOld)));
        QVERIFY(oldKey);

        std::unique_ptr<storage::Database> open;
        if (openConnection) {
            auto db = openProfile(p, kOld);
            QVERIFY(db);
            open = std::move(*db);
        }
        auto r = changePassphrase(p, kOld, kNew, open.get());
        QVERIFY2(r, r ? "" : r.error().message.c_str());
        QVERIFY(!QFile::exists(QString::fromStdString(p.pendingKeyFile())));
        // No page under the old key is left in the WAL: it was checkpointed and emptied.
        QCOMPARE(QFileInfo(QString::fromStdString(p.database() + "-wal")).size(), qint64(0));
        if (open) {
            QCOMPARE(rows(*open), std::int64_t(kRows)); // the connection keeps working
            QVERIFY(open->exec("INSERT INTO account (k, v) VALUES ('row-after', x'01')"));
            open.reset();
        }

        auto newKey =
            crypto::passphraseOpen(bv(boxOf(readBytes(p.keyFile()))), view(std::string_view(kNew)));
        QVERIFY(newKey);
        QVERIFY(!constantTimeEqual(*newKey, *oldKey)); // a new key, not the old one re-wrapped
        // The old key file and the old passphrase: the key they give does not open the database.
        auto stale = storage::Database::open(p.database(), *oldKey, {false});
        QVERIFY(!stale);
        QCOMPARE(stale.error().code, ErrorCode::WrongKey);
        QCOMPARE(openProfile(p, kOld).error().code, ErrorCode::WrongKey);
        QCOMPARE(rowsWith(p, kNew), std::int64_t(kRows + (openConnection ? 1 : 0)));
    }

    // A wrong current passphrase is a counted failed unlock and changes nothing else.
    void wrongCurrentPassphraseChangesNothingButTheCount() {
        QTemporaryDir dir;
        const ProfilePaths p{dir.filePath("p").toStdString()};
        QVERIFY(makeProfile(p, kOld));
        QVERIFY(setFailedUnlockLimit(p, 5));
        auto r = changePassphrase(p, "not the passphrase", kNew);
        QVERIFY(!r);
        QCOMPARE(r.error().code, ErrorCode::WrongKey);
        QVERIFY(r.error().message.find("4 more") != std::string::npos);
        QCOMPARE(readUnlockCounter(p).failures, 1u);
        QVERIFY(!QFile::exists(QString::fromStdString(p.pendingKeyFile())));
        QCOMPARE(rowsWith(p, kOld), std::int64_t(kRows));
    }

    // Killed (SIGKILL) as each step of a change completes: the profile opens with the old or the
    // new passphrase, whichever the database's last commit holds, with every row; never with
    // neither, never with both; the next unlock tidies the pending key file away.
    void passphraseChangeSurvivesAKillAfterEveryStep_data() {
        QTest::addColumn<QString>("mode");
        QTest::addColumn<QString>("step");
        QTest::addColumn<QString>("opens");
        for (const char* mode : {"closed", "open"}) {
            const QByteArray m(mode);
            QTest::newRow(m + " attempt-recorded") << mode << "attempt-recorded"
                                                   << "old";
            QTest::newRow(m + " pending-written") << mode << "pending-written"
                                                  << "old";
            QTest::newRow(m + " rekeyed") << mode << "rekeyed"
                                          << "new";
            QTest::newRow(m + " checkpointed") << mode << "checkpointed"
                                               << "new";
            QTest::newRow(m + " key-replaced") << mode << "key-replaced"
                                               << "new";
        }
    }
    void passphraseChangeSurvivesAKillAfterEveryStep() {
        QFETCH(QString, mode);
        QFETCH(QString, step);
        QFETCH(QString, opens);
        QTemporaryDir dir;
        const ProfilePaths p{dir.filePath("p").toStdString()};
        QVERIFY(makeProfile(p, kOld));
        auto c = runChild(p, mode, step);
        QVERIFY2(c.crashed, c.err.constData());
        QCOMPARE(whichOpens(p), opens);
        QVERIFY(!QFile::exists(QString::fromStdString(p.pendingKeyFile())));
        QCOMPARE(whichOpens(p), opens);
    }

    // ST-06 for the profile: SIGKILL at random moments of a change (through the open connection,
    // as the app does it), the re-key itself included.
    void passphraseChangeSurvivesKillsAtRandomMoments() {
        QTemporaryDir dir;
        const ProfilePaths tmpl{dir.filePath("template").toStdString()};
        QVERIFY(makeProfile(tmpl, kOld));
        // How long a whole run takes, to spread the kills over it.
        const ProfilePaths first{dir.filePath("first").toStdString()};
        QVERIFY(copyDir(QString::fromStdString(tmpl.dir), QString::fromStdString(first.dir)));
        QElapsedTimer timer;
        timer.start();
        auto whole = runChild(first, "open");
        const int runMs = int(timer.elapsed());
        QVERIFY2(whole.exitCode == 0 && !whole.crashed, whole.err.constData());
        QCOMPARE(whichOpens(first), QStringLiteral("new"));

        std::mt19937 rng(std::random_device{}());
        std::uniform_int_distribution<int> delay(0, std::max(1, runMs));
        std::map<QString, int> outcomes;
        for (int i = 0; i < 24; ++i) {
            const ProfilePaths p{dir.filePath(QString("run%1").arg(i)).toStdString()};
            QVERIFY(copyDir(QString::fromStdString(tmpl.dir), QString::fromStdString(p.dir)));
            const int ms = delay(rng);
            auto c = runChild(p, "open", {}, ms);
            const QString which = whichOpens(p);
            QVERIFY2(which == "old" || which == "new",
                     qPrintable(QString("killed after %1 ms: %2 opens").arg(ms).arg(which)));
            ++outcomes[which];
        }
        qInfo("a run takes %d ms; old passphrase opened %d times, new %d times", runMs,
              outcomes["old"], outcomes["new"]);
    }
};

QTEST_GUILESS_MAIN(TestProfile)
#include "tst_profile.moc"
