// Over 600 lines on purpose: one Qt Test class for the storage library (one test per library);
// its functions share the file formats, snapshots and cipher-defaults guard above it.
//
// Tests of the SQLCipher storage wrapper (TESTPLAN B7, ST-01..05 and ST-08) and of
// SqlProtocolStore persistence. Every test works on files in its own QTemporaryDir.

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QtTest>

#include <openssl/evp.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <memory>
#include <set>

#include "signal/SqlProtocolStore.h"
#include "storage/Database.h"

using verbatim::Bytes;
using verbatim::ByteView;
using verbatim::Error;
using verbatim::ErrorCode;
using verbatim::Result;
using verbatim::storage::Database;
using verbatim::storage::OpenOptions;
using verbatim::storage::Statement;
using verbatim::storage::Transaction;

namespace {

// Long and specific enough that finding it by chance in ciphertext is impossible.
constexpr std::string_view kCanary = "VERBATIM-CANARY-7f3a9c1e-privileged-settlement-memo";
constexpr int kRowsPerBatch = 100;
constexpr const char* kSchema =
    "CREATE TABLE rows (id INTEGER PRIMARY KEY, batch INTEGER NOT NULL, body TEXT NOT NULL, "
    "extra BLOB NOT NULL)";

/// Page geometry of the two formats. Only `pageSize - reserve + iv + hmac` bytes of a page are
/// authenticated: SQLCipher 3 rounds its 36-byte reserve (IV 16 + HMAC-SHA1 20) up to 48, and
/// the last 12 random bytes are neither read nor checked, so flipping them changes nothing.
struct Format {
    bool compat3 = false;
    int pageSize = 4096;
    int reserve = 80; ///< bytes at the end of each page: IV, HMAC, padding to 16
    int hmacSize = 64;
    int authenticated() const { return pageSize - reserve + 16 + hmacSize; }
};
Format formatFor(bool compat3) {
    return compat3 ? Format{true, 1024, 48, 20} : Format{false, 4096, 80, 64};
}

QByteArray describe(const Error& e) {
    return QByteArray(verbatim::errorCodeName(e.code)) + " (detail " +
           QByteArray::number(e.detail) + "): " + QByteArray::fromStdString(e.message);
}
template <class T> QByteArray failText(const Result<T>& r) {
    return r.has_value() ? QByteArray() : describe(r.error());
}
// Evaluates `expr` once (QVERIFY2 evaluates its description on success too).
#define VERIFY_OK(expr)                                                                            \
    do {                                                                                           \
        const auto& verifyOkResult = (expr);                                                       \
        QVERIFY2(verifyOkResult.has_value(), failText(verifyOkResult).constData());                \
    } while (false)

std::string nativePath(const QString& path) {
    return QFile::encodeName(path).toStdString();
}

Bytes randomBytes(std::size_t n) {
    Bytes out(n);
    for (auto& b : out)
        b = std::uint8_t(QRandomGenerator::system()->bounded(256));
    return out;
}

OpenOptions options(bool compat3, bool create = true) {
    OpenOptions o;
    o.compatibility3 = compat3;
    o.create = create;
    return o;
}

QByteArray utf16le(std::string_view ascii) {
    QByteArray out;
    for (char c : ascii) {
        out.append(c);
        out.append('\0');
    }
    return out;
}

std::string bodyFor(std::int64_t id) {
    return std::string(kCanary) + " row " + std::to_string(id) + " " +
           std::string(150, char('a' + id % 26));
}

/// Inserts `count` batches of kRowsPerBatch rows, one transaction per batch; row ids are
/// batch * kRowsPerBatch + 1 .. (batch + 1) * kRowsPerBatch, so a reader can check its rows.
Result<void> insertBatches(Database& db, int firstBatch, int count) {
    const QByteArray extra = utf16le(kCanary);
    for (int b = firstBatch; b < firstBatch + count; ++b) {
        Transaction tx(db);
        if (auto r = tx.begin(); !r) return r;
        auto st = db.prepare("INSERT INTO rows (id, batch, body, extra) VALUES (?, ?, ?, ?)");
        if (!st) return tl::unexpected(st.error());
        for (int i = 0; i < kRowsPerBatch; ++i) {
            const std::int64_t id = std::int64_t(b) * kRowsPerBatch + i + 1;
            const std::string body = bodyFor(id);
            st->bind(1, id).bind(2, std::int64_t(b)).bind(3, std::string_view(body));
            st->bind(4, ByteView(reinterpret_cast<const std::uint8_t*>(extra.constData()),
                                 std::size_t(extra.size())));
            if (auto r = st->run(); !r) return r;
        }
        if (auto r = tx.commit(); !r) return r;
    }
    return {};
}

Result<std::unique_ptr<Database>> createDatabase(const QString& path, ByteView key, bool compat3,
                                                 int batches) {
    auto db = Database::open(nativePath(path), key, options(compat3));
    if (!db) return db;
    if (auto r = (*db)->exec(kSchema); !r) return tl::unexpected(r.error());
    if (auto r = insertBatches(**db, 0, batches); !r) return tl::unexpected(r.error());
    return db;
}

Result<std::string> pragmaText(Database& db, const char* sql) {
    auto st = db.prepare(sql);
    if (!st) return tl::unexpected(st.error());
    auto row = st->step();
    if (!row) return tl::unexpected(row.error());
    if (!*row) return verbatim::fail(ErrorCode::NotFound, std::string("no row from ") + sql);
    return st->columnText(0);
}

/// What a full read of the `rows` table saw.
struct Snapshot {
    std::int64_t rows = 0;
    std::map<std::int64_t, std::int64_t> perBatch;
    bool rowsMatch = true; ///< every row holds exactly what insertBatches wrote for its id
    bool integrityOk = false;
};

Result<Snapshot> readAll(Database& db) {
    Snapshot s;
    auto st = db.prepare("SELECT id, batch, body, extra FROM rows ORDER BY id");
    if (!st) return tl::unexpected(st.error());
    const QByteArray extra = utf16le(kCanary);
    while (true) {
        auto row = st->step();
        if (!row) return tl::unexpected(row.error());
        if (!*row) break;
        const std::int64_t id = st->columnInt(0);
        const std::int64_t batch = st->columnInt(1);
        const Bytes blob = st->columnBlob(3);
        ++s.rows;
        ++s.perBatch[batch];
        if (batch != (id - 1) / kRowsPerBatch || st->columnText(2) != bodyFor(id) ||
            QByteArray(reinterpret_cast<const char*>(blob.data()), qsizetype(blob.size())) != extra)
            s.rowsMatch = false;
    }
    auto ok = db.integrityCheck();
    if (!ok) return tl::unexpected(ok.error());
    s.integrityOk = *ok;
    return s;
}

/// Opens an existing file (never creates one) and reads everything.
Result<Snapshot> openAndReadAll(const QString& path, ByteView key, bool compat3) {
    auto db = Database::open(nativePath(path), key, options(compat3, false));
    if (!db) return tl::unexpected(db.error());
    return readAll(**db);
}

/// File name -> sha256 of every file in `dir`.
std::map<QString, QByteArray> hashDirectory(const QString& dir) {
    std::map<QString, QByteArray> out;
    const QDir d(dir);
    for (const QString& name : d.entryList(QDir::Files | QDir::Hidden)) {
        QFile f(d.filePath(name));
        if (!f.open(QIODevice::ReadOnly)) continue;
        out[name] = QCryptographicHash::hash(f.readAll(), QCryptographicHash::Sha256).toHex();
    }
    return out;
}

QByteArray readFile(const QString& path) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

bool flipByte(const QString& path, qint64 offset, char mask) {
    QFile f(path);
    if (!f.open(QIODevice::ReadWrite) || !f.seek(offset)) return false;
    char c = 0;
    if (f.read(&c, 1) != 1 || !f.seek(offset)) return false;
    c = char(c ^ mask);
    return f.write(&c, 1) == 1;
}

char randomMask(QRandomGenerator& rng) {
    return char(rng.bounded(1, 256));
}

/// Copies `files` (names) from `from` to `to`, skipping names that do not exist.
bool copyFiles(const QString& from, const QString& to, const QStringList& names) {
    if (!QDir().mkpath(to)) return false;
    for (const QString& name : names) {
        const QString src = QDir(from).filePath(name);
        if (!QFile::exists(src)) continue;
        if (!QFile::copy(src, QDir(to).filePath(name))) return false;
    }
    return true;
}

/// Opens with the plain SQLite API and no key, read-only, and reads the schema. Returns the
/// first non-OK result code, or SQLITE_OK when the schema could be read.
int plainSqliteRead(const QString& path) {
    sqlite3* h = nullptr;
    int rc = sqlite3_open_v2(nativePath(path).c_str(), &h, SQLITE_OPEN_READONLY, nullptr);
    if (rc == SQLITE_OK) {
        sqlite3_stmt* st = nullptr;
        rc = sqlite3_prepare_v2(h, "SELECT count(*) FROM sqlite_master", -1, &st, nullptr);
        if (rc == SQLITE_OK) {
            rc = sqlite3_step(st);
            if (rc == SQLITE_ROW) rc = SQLITE_OK;
        }
        sqlite3_finalize(st);
    }
    sqlite3_close_v2(h);
    return rc;
}

/// Names of main/-wal/-shm files (among those that exist) that contain `needle`.
QStringList filesContaining(const QString& dbPath, const QByteArray& needle) {
    QStringList hits;
    for (const QString& suffix : {QString(), QStringLiteral("-wal"), QStringLiteral("-shm")}) {
        const QString p = dbPath + suffix;
        if (QFile::exists(p) && readFile(p).contains(needle)) hits << QFileInfo(p).fileName();
    }
    return hits;
}

/// Decrypts every page of a SQLCipher 4 file (raw key, no plaintext header) the way
/// sqlite3Codec does: AES-256-CBC over [offset, pageSize - reserve) with the IV stored right
/// after it; page 1 starts after its 16-byte salt. HMACs are not checked: this reads what an
/// attacker holding the key would see, free cells included.
QByteArray decryptPages(const QByteArray& file, ByteView key, const Format& fmt) {
    QByteArray out;
    EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
    for (qsizetype page = 0; (page + 1) * fmt.pageSize <= file.size(); ++page) {
        const auto* p =
            reinterpret_cast<const unsigned char*>(file.constData()) + page * fmt.pageSize;
        const int offset = page == 0 ? 16 : 0;
        const int size = fmt.pageSize - offset - fmt.reserve;
        QByteArray plain(fmt.pageSize, '\0');
        if (page == 0) std::memcpy(plain.data(), "SQLite format 3", 16);
        int n = 0;
        if (EVP_DecryptInit_ex(ctx, EVP_aes_256_cbc(), nullptr, key.data(),
                               p + fmt.pageSize - fmt.reserve) != 1 ||
            EVP_CIPHER_CTX_set_padding(ctx, 0) != 1 ||
            EVP_DecryptUpdate(ctx, reinterpret_cast<unsigned char*>(plain.data()) + offset, &n,
                              p + offset, size) != 1 ||
            n != size) {
            out.clear();
            break;
        }
        out += plain;
    }
    EVP_CIPHER_CTX_free(ctx);
    return out;
}

/// Targets of this process's open file descriptors (deleted files show " (deleted)").
QStringList openFileTargets() {
    QStringList out;
    const QDir fds(QStringLiteral("/proc/self/fd"));
    for (const QString& name :
         fds.entryList(QDir::AllEntries | QDir::System | QDir::NoDotAndDotDot)) {
        char buf[4096];
        const ssize_t n =
            ::readlink(QFile::encodeName(fds.filePath(name)).constData(), buf, sizeof buf);
        if (n > 0) out << QString::fromLocal8Bit(buf, qsizetype(n));
    }
    return out;
}

std::set<int> pagesNamed(const std::vector<std::string>& lines) {
    static const QRegularExpression re(QStringLiteral("page (\\d+)"));
    std::set<int> pages;
    for (const auto& line : lines) {
        auto m = re.match(QString::fromStdString(line));
        if (m.hasMatch()) pages.insert(m.captured(1).toInt());
    }
    return pages;
}

/// Restores SQLCipher's process-wide defaults when a test that changes them ends.
class CipherDefaultsGuard {
public:
    CipherDefaultsGuard() { sqlite3_open(":memory:", &m_db); }
    ~CipherDefaultsGuard() {
        exec("PRAGMA cipher_default_compatibility = 4;"
             "PRAGMA cipher_default_plaintext_header_size = 0;");
        sqlite3_close(m_db);
    }
    int exec(const char* sql) { return sqlite3_exec(m_db, sql, nullptr, nullptr, nullptr); }

private:
    sqlite3* m_db = nullptr;
};

} // namespace

class TestDatabase : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();

    // ST-01
    void wrongKeyFailsWithNotAdbAndLeavesFilesUntouched_data() { addFormats(); }
    void wrongKeyFailsWithNotAdbAndLeavesFilesUntouched();
    // ST-02
    void fileHasNoPlaintextHeaderAndPlainSqliteCannotReadIt_data() { addFormats(); }
    void fileHasNoPlaintextHeaderAndPlainSqliteCannotReadIt();
    void canaryNeverAppearsInDbWalOrShm_data() { addFormats(); }
    void canaryNeverAppearsInDbWalOrShm();
    // ST-03
    void tamperedFirstPageFailsToOpenOrRead_data() { addFormats(); }
    void tamperedFirstPageFailsToOpenOrRead();
    void tamperedPagesFailReadsAndAreListedByCipherIntegrityCheck_data() { addFormats(); }
    void tamperedPagesFailReadsAndAreListedByCipherIntegrityCheck();
    // ST-04
    void truncatedDatabaseFailsOrReturnsOnlyCommittedData_data();
    void truncatedDatabaseFailsOrReturnsOnlyCommittedData();
    void damagedWalFailsOrReturnsOnlyCommittedData_data();
    void damagedWalFailsOrReturnsOnlyCommittedData();
    // ST-05
    void compatibility3FileOpensOnlyWithCompatibility3();
    void cipherSettingsReadBackPinnedValues();
    void pinnedSettingsIgnoreChangedLibraryDefaults_data();
    void pinnedSettingsIgnoreChangedLibraryDefaults();
    // ST-08
    void secureDeleteAndMemoryTempStoreAreOn();
    void cacheSizeOptionSetsTheConnectionsPageCache();
    void pageSplitsOutOfOrderKeepEveryRow();
    void deletedCanaryIsAbsentFromDecryptedPagesAfterCheckpoint();
    void noTemporaryFilesBesideTheDatabase();
    // API contract
    void keyOfWrongLengthIsRejected();
    void missingFileWithoutCreateIsNotFoundAndNotCreated();
    void rekeyMakesOldKeyWrongAndNewKeyWork();
    void migrateRunsEachStepOnceAndAdvancesUserVersion();
    void failedMigrationStepIsRolledBack();
    void migrateRefusesDatabaseFromNewerVersion();
    void forEachRowVisitsEveryRowAndStopsAtTheFirstFailure();
    // SqlProtocolStore
    void protocolStoreKeepsIdentityAndRecordsAcrossReopen();

private:
    static void addFormats();
    void checkDeleteResidue(bool secureDeleteOn, bool& canaryFound);

    QRandomGenerator m_rng;
    quint32 m_seed = 0;
};

void TestDatabase::initTestCase() {
    bool ok = false;
    m_seed = qEnvironmentVariable("VERBATIM_TEST_SEED").toUInt(&ok);
    if (!ok) m_seed = QRandomGenerator::system()->generate();
    m_rng.seed(m_seed);
    qInfo("random seed %u (set VERBATIM_TEST_SEED to repeat)", m_seed);
}

void TestDatabase::addFormats() {
    QTest::addColumn<bool>("compat3");
    QTest::newRow("sqlcipher4") << false;
    QTest::newRow("sqlcipher3") << true;
}

// ---- ST-01 -----------------------------------------------------------------------------------

void TestDatabase::wrongKeyFailsWithNotAdbAndLeavesFilesUntouched() {
    QFETCH(bool, compat3);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath("store.db");
    const Bytes key = randomBytes(32);
    {
        auto db = createDatabase(path, key, compat3, 3);
        VERIFY_OK(db);
    }
    const auto before = hashDirectory(dir.path());
    QVERIFY(before.count("store.db") == 1);

    Bytes wrong = randomBytes(32);
    wrong[0] = std::uint8_t(key[0] ^ 0x80);
    for (bool create : {true, false}) {
        auto bad = Database::open(nativePath(path), wrong, options(compat3, create));
        QVERIFY2(!bad.has_value(), "a wrong key opened the database");
        QCOMPARE(bad.error().code, ErrorCode::WrongKey);
        QCOMPARE(bad.error().detail, SQLITE_NOTADB);
        const QString message = QString::fromStdString(bad.error().message);
        QVERIFY(!message.isEmpty());
        for (const Bytes& k : {key, wrong}) {
            const QString hex = QString::fromStdString(verbatim::toHex(k));
            QVERIFY2(!message.contains(hex, Qt::CaseInsensitive), "error text holds a key");
            QVERIFY2(!message.contains(hex.left(16), Qt::CaseInsensitive),
                     "error text holds key bytes");
        }
        QVERIFY2(
            !message.toUtf8().contains(QByteArray(reinterpret_cast<const char*>(wrong.data()), 32)),
            "error text holds the raw key");
        QCOMPARE(hashDirectory(dir.path()), before);
    }

    // The right key still reads everything the failed opens left alone.
    auto snap = openAndReadAll(path, key, compat3);
    VERIFY_OK(snap);
    QCOMPARE(snap->rows, 3 * kRowsPerBatch);
    QVERIFY(snap->rowsMatch);
    QVERIFY(snap->integrityOk);
}

// ---- ST-02 -----------------------------------------------------------------------------------

void TestDatabase::fileHasNoPlaintextHeaderAndPlainSqliteCannotReadIt() {
    QFETCH(bool, compat3);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath("store.db");
    {
        auto db = createDatabase(path, randomBytes(32), compat3, 1);
        VERIFY_OK(db);
    }
    const QByteArray head = readFile(path).left(16);
    QCOMPARE(head.size(), 16);
    QVERIFY(head != QByteArray("SQLite format 3\0", 16));

    const auto before = hashDirectory(dir.path());
    const int rc = plainSqliteRead(path);
    QVERIFY2(rc != SQLITE_OK, "plain SQLite read the schema without a key");
    QCOMPARE(rc, SQLITE_NOTADB);
    QCOMPARE(hashDirectory(dir.path()), before);

    // Control: the same probe reads a plaintext database, so its failure above means something.
    const QString plain = dir.filePath("control.db");
    sqlite3* h = nullptr;
    QCOMPARE(sqlite3_open(nativePath(plain).c_str(), &h), SQLITE_OK);
    QCOMPARE(sqlite3_exec(h, "CREATE TABLE t(x)", nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(h);
    QCOMPARE(readFile(plain).left(16), QByteArray("SQLite format 3\0", 16));
    QCOMPARE(plainSqliteRead(plain), SQLITE_OK);
}

void TestDatabase::canaryNeverAppearsInDbWalOrShm() {
    QFETCH(bool, compat3);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath("store.db");
    const QByteArray utf8 = QByteArray::fromStdString(std::string(kCanary));
    const QByteArray utf16 = utf16le(kCanary);

    // Control: the scan finds the canary in a plaintext WAL database holding the same rows.
    {
        const QString plain = dir.filePath("control.db");
        sqlite3* h = nullptr;
        QCOMPARE(sqlite3_open(nativePath(plain).c_str(), &h), SQLITE_OK);
        const std::string sql = "PRAGMA journal_mode=WAL; CREATE TABLE t(x, y);"
                                "INSERT INTO t VALUES ('" +
                                bodyFor(1) + "', x'" + utf16.toHex().toStdString() + "');";
        QCOMPARE(sqlite3_exec(h, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
        QVERIFY(filesContaining(plain, utf8).contains("control.db-wal"));
        QVERIFY(filesContaining(plain, utf16).contains("control.db-wal"));
        sqlite3_close(h);
        QVERIFY(QFile::remove(plain));
    }

    auto db = createDatabase(path, randomBytes(32), compat3, 5);
    VERIFY_OK(db);
    // Before a checkpoint the rows live only in the WAL.
    QVERIFY2(QFileInfo(path + "-wal").size() > 0, "expected committed data in the WAL");
    QCOMPARE(filesContaining(path, utf8), QStringList());
    QCOMPARE(filesContaining(path, utf16), QStringList());

    auto cp = (*db)->exec("PRAGMA wal_checkpoint(TRUNCATE)");
    VERIFY_OK(cp);
    QCOMPARE(filesContaining(path, utf8), QStringList());
    QCOMPARE(filesContaining(path, utf16), QStringList());

    db->reset();
    QCOMPARE(filesContaining(path, utf8), QStringList());
    QCOMPARE(filesContaining(path, utf16), QStringList());
}

// ---- ST-03 -----------------------------------------------------------------------------------

void TestDatabase::tamperedFirstPageFailsToOpenOrRead() {
    QFETCH(bool, compat3);
    const Format fmt = formatFor(compat3);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath("store.db");
    const Bytes key = randomBytes(32);
    {
        auto db = createDatabase(path, key, compat3, 5);
        VERIFY_OK(db);
    }
    // Salt, first ciphertext byte, middle, IV, HMAC, and one random authenticated byte.
    const QList<int> offsets = {0,
                                16,
                                fmt.pageSize / 2,
                                fmt.pageSize - fmt.reserve,
                                fmt.pageSize - fmt.reserve + 16,
                                int(m_rng.bounded(fmt.authenticated()))};
    for (int i = 0; i < offsets.size(); ++i) {
        const int offset = offsets[i];
        // Named by position too: the random offset may repeat a fixed one.
        const QString copy = dir.filePath(QStringLiteral("page1-%1-%2.db").arg(i).arg(offset));
        QVERIFY(QFile::copy(path, copy));
        QVERIFY(flipByte(copy, offset, randomMask(m_rng)));
        auto snap = openAndReadAll(copy, key, compat3);
        QVERIFY2(!snap.has_value(),
                 qPrintable(QStringLiteral("page 1 flipped at %1 still read %2 rows")
                                .arg(offset)
                                .arg(snap ? snap->rows : 0)));
        qInfo("page 1 flipped at %d refused: %s", offset, describe(snap.error()).constData());
        QVERIFY(!snap.error().message.empty());
        QVERIFY(snap.error().code == ErrorCode::WrongKey ||
                snap.error().code == ErrorCode::Storage);
    }
}

void TestDatabase::tamperedPagesFailReadsAndAreListedByCipherIntegrityCheck() {
    QFETCH(bool, compat3);
    const Format fmt = formatFor(compat3);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath("store.db");
    const Bytes key = randomBytes(32);
    {
        auto db = createDatabase(path, key, compat3, 30);
        VERIFY_OK(db);
        auto pageSize = pragmaText(**db, "PRAGMA cipher_page_size");
        VERIFY_OK(pageSize);
        QCOMPARE(*pageSize, std::to_string(fmt.pageSize));
    }
    const qint64 size = QFileInfo(path).size();
    QCOMPARE(size % fmt.pageSize, 0);
    const int pages = int(size / fmt.pageSize);
    QVERIFY2(pages > 100, qPrintable(QStringLiteral("only %1 pages").arg(pages)));
    {
        // Precondition: the untouched file verifies.
        auto db = Database::open(nativePath(path), key, options(compat3, false));
        VERIFY_OK(db);
        auto check = (*db)->cipherIntegrityCheck();
        VERIFY_OK(check);
        QVERIFY(check->empty());
    }

    std::vector<int> candidates;
    for (int p = 2; p <= pages; ++p)
        candidates.push_back(p);
    std::shuffle(candidates.begin(), candidates.end(), m_rng);
    candidates.resize(std::min<std::size_t>(candidates.size(), 100));

    const QString all = dir.filePath("all.db");
    QVERIFY(QFile::copy(path, all));
    std::set<int> flipped;
    for (int page : candidates) {
        const qint64 offset = qint64(page - 1) * fmt.pageSize + m_rng.bounded(fmt.authenticated());
        QVERIFY(flipByte(all, offset, randomMask(m_rng)));
        flipped.insert(page);

        // The same flip alone, in its own copy: a full read fails and exactly that page is named.
        const QString one = dir.filePath(QStringLiteral("one-%1.db").arg(page));
        QVERIFY(QFile::copy(path, one));
        QVERIFY(flipByte(one, offset, randomMask(m_rng)));
        {
            auto db = Database::open(nativePath(one), key, options(compat3, false));
            VERIFY_OK(db);
            auto check = (*db)->cipherIntegrityCheck();
            VERIFY_OK(check);
            QCOMPARE(pagesNamed(*check), std::set<int>{page});
        }
        auto snap = openAndReadAll(one, key, compat3);
        QVERIFY2(!snap.has_value(),
                 qPrintable(QStringLiteral("page %1 flipped at %2 still read %3 rows")
                                .arg(page)
                                .arg(offset)
                                .arg(snap ? snap->rows : 0)));
        QVERIFY(!snap.error().message.empty());
        QVERIFY(QFile::remove(one));
    }

    auto db = Database::open(nativePath(all), key, options(compat3, false));
    VERIFY_OK(db);
    auto check = (*db)->cipherIntegrityCheck();
    VERIFY_OK(check);
    QCOMPARE(check->size(), flipped.size());
    QCOMPARE(pagesNamed(*check), flipped);
    db->reset();
    auto snap = openAndReadAll(all, key, compat3);
    QVERIFY2(!snap.has_value(), "a read over 100 tampered pages returned data");
    qInfo("refused: %s", describe(snap.error()).constData());
}

// ---- ST-04 -----------------------------------------------------------------------------------

namespace {

/// Either a clear error, or complete committed batches 0..n-1 (n >= minBatches) that verify.
void checkFailsOrConsistent(const Result<Snapshot>& snap, std::int64_t minBatches,
                            std::int64_t maxBatches) {
    if (!snap) {
        qInfo("refused: %s", describe(snap.error()).constData());
        QVERIFY(!snap.error().message.empty());
        QVERIFY(snap.error().code == ErrorCode::Storage ||
                snap.error().code == ErrorCode::WrongKey);
        QVERIFY(snap.error().detail != SQLITE_OK);
        return;
    }
    qInfo("read %lld rows", static_cast<long long>(snap->rows));
    QVERIFY2(snap->integrityOk, "integrity_check failed on data that was returned");
    QVERIFY2(snap->rowsMatch, "a returned row differs from what was written");
    QCOMPARE(snap->rows % kRowsPerBatch, 0);
    std::int64_t expected = 0;
    for (const auto& [batch, count] : snap->perBatch) {
        QCOMPARE(batch, expected++); // committed in order: a prefix of the batches
        QCOMPARE(count, std::int64_t(kRowsPerBatch));
    }
    QVERIFY(expected >= minBatches);
    QVERIFY(expected <= maxBatches);
}

} // namespace

void TestDatabase::truncatedDatabaseFailsOrReturnsOnlyCommittedData_data() {
    QTest::addColumn<bool>("compat3");
    QTest::addColumn<QString>("cut");
    for (bool compat3 : {false, true}) {
        const char* name = compat3 ? "sqlcipher3" : "sqlcipher4";
        for (const char* cut : {"lastPageHalved", "halfFileMidPage", "halfFilePageAligned"})
            QTest::newRow(qPrintable(QStringLiteral("%1/%2").arg(name, cut)))
                << compat3 << QString::fromLatin1(cut);
    }
}

void TestDatabase::truncatedDatabaseFailsOrReturnsOnlyCommittedData() {
    QFETCH(bool, compat3);
    QFETCH(QString, cut);
    const Format fmt = formatFor(compat3);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath("store.db");
    const Bytes key = randomBytes(32);
    const int batches = 20;
    {
        auto db = createDatabase(path, key, compat3, batches);
        VERIFY_OK(db);
    }
    const qint64 size = QFileInfo(path).size();
    const qint64 halfAligned = (size / 2 / fmt.pageSize) * fmt.pageSize;
    const qint64 newSize = cut == "lastPageHalved"    ? size - fmt.pageSize / 2
                           : cut == "halfFileMidPage" ? halfAligned + fmt.pageSize / 2 + 7
                                                      : halfAligned;
    QVERIFY(newSize > fmt.pageSize && newSize < size);
    QVERIFY(QFile::resize(path, newSize));

    checkFailsOrConsistent(openAndReadAll(path, key, compat3), 0, batches);
}

void TestDatabase::damagedWalFailsOrReturnsOnlyCommittedData_data() {
    QTest::addColumn<bool>("compat3");
    QTest::addColumn<QString>("damage");
    for (bool compat3 : {false, true}) {
        const char* name = compat3 ? "sqlcipher3" : "sqlcipher4";
        for (const char* damage :
             {"walDeleted", "walAndShmDeleted", "walHeaderFlipped", "walMiddleFrameFlipped",
              "walLastFrameFlipped", "walCutMidFrame", "walZeroed"})
            QTest::newRow(qPrintable(QStringLiteral("%1/%2").arg(name, damage)))
                << compat3 << QString::fromLatin1(damage);
    }
}

void TestDatabase::damagedWalFailsOrReturnsOnlyCommittedData() {
    QFETCH(bool, compat3);
    QFETCH(QString, damage);
    const Format fmt = formatFor(compat3);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath("store.db");
    const Bytes key = randomBytes(32);
    const int checkpointed = 10;
    const int inWal = 10;
    {
        auto db = createDatabase(path, key, compat3, checkpointed);
        VERIFY_OK(db);
    }
    QVERIFY(!QFile::exists(path + "-wal")); // the close checkpointed everything

    auto db = Database::open(nativePath(path), key, options(compat3, false));
    VERIFY_OK(db);
    auto noAuto = (*db)->exec("PRAGMA wal_autocheckpoint = 0");
    VERIFY_OK(noAuto);
    auto more = insertBatches(**db, checkpointed, inWal);
    VERIFY_OK(more);

    // Copy the files as a backup tool would while the writer is open.
    const QString copyDir = dir.filePath("copy");
    QVERIFY(copyFiles(dir.path(), copyDir, {"store.db", "store.db-wal", "store.db-shm"}));
    db->reset();
    const QString copy = QDir(copyDir).filePath("store.db");
    const QString wal = copy + "-wal";
    const qint64 walSize = QFileInfo(wal).size();
    const qint64 frameSize = 24 + fmt.pageSize;
    const qint64 frames = (walSize - 32) / frameSize;
    QVERIFY2(frames >= inWal, "the WAL should hold the uncheckpointed batches");

    {
        // Precondition: the undamaged copy holds every batch.
        const QString intact = dir.filePath("intact");
        QVERIFY(copyFiles(copyDir, intact, {"store.db", "store.db-wal", "store.db-shm"}));
        auto snap = openAndReadAll(QDir(intact).filePath("store.db"), key, compat3);
        VERIFY_OK(snap);
        QCOMPARE(snap->rows, std::int64_t(checkpointed + inWal) * kRowsPerBatch);
    }

    if (damage == "walDeleted") {
        QVERIFY(QFile::remove(wal));
    } else if (damage == "walAndShmDeleted") {
        QVERIFY(QFile::remove(wal));
        QFile::remove(copy + "-shm");
    } else if (damage == "walHeaderFlipped") {
        QVERIFY(flipByte(wal, m_rng.bounded(32), randomMask(m_rng)));
    } else if (damage == "walMiddleFrameFlipped" || damage == "walLastFrameFlipped") {
        const qint64 frame = damage == "walLastFrameFlipped" ? frames - 1 : frames / 2;
        QVERIFY(flipByte(wal, 32 + frame * frameSize + 24 + m_rng.bounded(fmt.pageSize),
                         randomMask(m_rng)));
    } else if (damage == "walCutMidFrame") {
        QVERIFY(QFile::resize(wal, 32 + (frames / 2) * frameSize + frameSize / 2));
    } else if (damage == "walZeroed") {
        QFile f(wal);
        QVERIFY(f.open(QIODevice::WriteOnly));
        QCOMPARE(f.write(QByteArray(walSize, '\0')), walSize);
    } else {
        QFAIL("unknown damage");
    }

    // The main file was intact, so the checkpointed batches must survive whatever the WAL lost.
    checkFailsOrConsistent(openAndReadAll(copy, key, compat3), checkpointed, checkpointed + inWal);
}

// ---- ST-05 -----------------------------------------------------------------------------------

void TestDatabase::compatibility3FileOpensOnlyWithCompatibility3() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString v3 = dir.filePath("v3.db");
    const QString v4 = dir.filePath("v4.db");
    const Bytes key = randomBytes(32);
    {
        auto db = createDatabase(v3, key, true, 2);
        VERIFY_OK(db);
        // SQLCipher 3 defaults, as libsqlcipher 3.4.1 writes them.
        QCOMPARE(pragmaText(**db, "PRAGMA cipher_page_size").value_or("?"), std::string("1024"));
        QCOMPARE(pragmaText(**db, "PRAGMA cipher_hmac_algorithm").value_or("?"),
                 std::string("HMAC_SHA1"));
        QCOMPARE(pragmaText(**db, "PRAGMA cipher_kdf_algorithm").value_or("?"),
                 std::string("PBKDF2_HMAC_SHA1"));
        QCOMPARE(pragmaText(**db, "PRAGMA kdf_iter").value_or("?"), std::string("64000"));
    }
    {
        auto db = createDatabase(v4, key, false, 2);
        VERIFY_OK(db);
    }
    QCOMPARE(QFileInfo(v3).size() % 1024, 0);
    const auto before = hashDirectory(dir.path());

    auto asV4 = Database::open(nativePath(v3), key, options(false, false));
    QVERIFY2(!asV4.has_value(), "a SQLCipher 3 file opened with the v4 settings");
    QCOMPARE(asV4.error().code, ErrorCode::WrongKey);
    QCOMPARE(asV4.error().detail, SQLITE_NOTADB);

    auto asV3 = Database::open(nativePath(v4), key, options(true, false));
    QVERIFY2(!asV3.has_value(), "a SQLCipher 4 file opened with the v3 settings");
    QCOMPARE(asV3.error().code, ErrorCode::WrongKey);
    QCOMPARE(hashDirectory(dir.path()), before);

    for (bool compat3 : {true, false}) {
        auto snap = openAndReadAll(compat3 ? v3 : v4, key, compat3);
        VERIFY_OK(snap);
        QCOMPARE(snap->rows, 2 * kRowsPerBatch);
        QVERIFY(snap->rowsMatch);
        QVERIFY(snap->integrityOk);
    }
}

void TestDatabase::cipherSettingsReadBackPinnedValues() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath("store.db");
    const Bytes key = randomBytes(32);
    {
        auto db = createDatabase(path, key, false, 1);
        VERIFY_OK(db);
    }
    auto db = Database::open(nativePath(path), key, options(false, false));
    VERIFY_OK(db);
    const std::pair<const char*, const char*> expected[] = {
        {"PRAGMA cipher_page_size", "4096"},
        {"PRAGMA kdf_iter", "256000"},
        {"PRAGMA cipher_hmac_algorithm", "HMAC_SHA512"},
        {"PRAGMA cipher_kdf_algorithm", "PBKDF2_HMAC_SHA512"},
        {"PRAGMA cipher_plaintext_header_size", "0"},
        {"PRAGMA cipher_use_hmac", "1"},
    };
    for (const auto& [pragma, value] : expected) {
        auto v = pragmaText(**db, pragma);
        VERIFY_OK(v);
        QVERIFY2(*v == value, qPrintable(QStringLiteral("%1 = %2, expected %3")
                                             .arg(pragma, QString::fromStdString(*v), value)));
    }
    QCOMPARE(QFileInfo(path).size() % 4096, 0);
}

void TestDatabase::pinnedSettingsIgnoreChangedLibraryDefaults_data() {
    QTest::addColumn<bool>("compat3");
    QTest::addColumn<QString>("changedDefault");
    const char* changes[] = {
        "PRAGMA cipher_default_page_size = 8192",
        "PRAGMA cipher_default_kdf_iter = 1000",
        "PRAGMA cipher_default_hmac_algorithm = HMAC_SHA256",
        "PRAGMA cipher_default_kdf_algorithm = PBKDF2_HMAC_SHA256",
        "PRAGMA cipher_default_plaintext_header_size = 32",
        "PRAGMA cipher_default_use_hmac = OFF",
        "PRAGMA cipher_default_compatibility = 1",
    };
    for (bool compat3 : {false, true}) {
        for (const char* change : changes) {
            const QString name = QString::fromLatin1(change).section(' ', 1, 1);
            QTest::newRow(qPrintable(
                QStringLiteral("%1/%2").arg(compat3 ? "sqlcipher3" : "sqlcipher4", name)))
                << compat3 << QString::fromLatin1(change);
        }
    }
}

void TestDatabase::pinnedSettingsIgnoreChangedLibraryDefaults() {
    QFETCH(bool, compat3);
    QFETCH(QString, changedDefault);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath("store.db");
    const Bytes key = randomBytes(32);
    {
        auto db = createDatabase(path, key, compat3, 2);
        VERIFY_OK(db);
    }
    // Another component of the process changes one of SQLCipher's process-wide defaults; a
    // file written with the pinned settings must still open and read the same.
    CipherDefaultsGuard defaults;
    QCOMPARE(defaults.exec(changedDefault.toLatin1().constData()), SQLITE_OK);
    auto snap = openAndReadAll(path, key, compat3);
    VERIFY_OK(snap);
    QCOMPARE(snap->rows, 2 * kRowsPerBatch);
    QVERIFY(snap->rowsMatch);
}

// ---- ST-08 -----------------------------------------------------------------------------------

void TestDatabase::secureDeleteAndMemoryTempStoreAreOn() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    auto db = Database::open(nativePath(dir.filePath("store.db")), randomBytes(32));
    VERIFY_OK(db);
    QCOMPARE(pragmaText(**db, "PRAGMA secure_delete").value_or("?"), std::string("1"));
    QCOMPARE(pragmaText(**db, "PRAGMA temp_store").value_or("?"), std::string("2"));
    QCOMPARE(pragmaText(**db, "PRAGMA journal_mode").value_or("?"), std::string("wal"));
}

void TestDatabase::cacheSizeOptionSetsTheConnectionsPageCache() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const std::string path = nativePath(dir.filePath("store.db"));
    const Bytes key = randomBytes(32);
    OpenOptions big;
    big.cacheKiB = 65536;
    auto db = Database::open(path, key, big);
    VERIFY_OK(db);
    QCOMPARE(pragmaText(**db, "PRAGMA cache_size").value_or("?"), std::string("-65536"));
    db->reset();
    // Without the option the library's default stays (and the file opens either way).
    auto plain = Database::open(path, key);
    VERIFY_OK(plain);
    QCOMPARE(pragmaText(**plain, "PRAGMA cache_size").value_or("?"), std::string("-2000"));
}

// Random keys make SQLite split pages out of order and swap their numbers through a temporary
// one, which the page cache files under another key (Database.cpp). With a cache far smaller
// than the table, swapped pages are also evicted and read back: every row must survive, in
// every transaction and after reopening.
void TestDatabase::pageSplitsOutOfOrderKeepEveryRow() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const std::string path = nativePath(dir.filePath("store.db"));
    const Bytes key = randomBytes(32);
    OpenOptions small;
    small.cacheKiB = 128; // 32 pages
    std::int64_t expected = 0;
    auto count = [](Database& db) {
        auto st = db.prepare("SELECT count(*) FROM t");
        return st && st->step().value_or(false) ? st->columnInt(0) : -1;
    };
    {
        auto db = Database::open(path, key, small);
        VERIFY_OK(db);
        VERIFY_OK(
            (*db)->exec("CREATE TABLE t (k BLOB PRIMARY KEY, v BLOB NOT NULL) WITHOUT ROWID"));
        for (int round = 0; round < 20; ++round) {
            VERIFY_OK((*db)->begin());
            auto st = (*db)->cached("INSERT INTO t (k, v) VALUES (?, ?)");
            VERIFY_OK(st);
            for (int i = 0; i < 500; ++i) {
                st->bind(1, ByteView(randomBytes(16)))
                    .bind(2, ByteView(randomBytes(40 + m_rng.bounded(200))));
                VERIFY_OK(st->run());
            }
            expected += 500;
            if (round % 4 == 3) { // frees pages too
                const auto before = (*db)->totalChanges();
                VERIFY_OK((*db)->exec("DELETE FROM t WHERE k < x'20'"));
                expected -= (*db)->totalChanges() - before;
            }
            VERIFY_OK((*db)->commit());
            QCOMPARE(count(**db), expected);
        }
        auto ok = (*db)->integrityCheck();
        VERIFY_OK(ok);
        QVERIFY(*ok);
    }
    auto db = Database::open(path, key, small);
    VERIFY_OK(db);
    QCOMPARE(count(**db), expected);
    auto ok = (*db)->integrityCheck();
    VERIFY_OK(ok);
    QVERIFY(*ok);
}

void TestDatabase::checkDeleteResidue(bool secureDeleteOn, bool& canaryFound) {
    canaryFound = false;
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath("store.db");
    const Bytes key = randomBytes(32);
    const Format fmt = formatFor(false);
    const std::string inlineCanary = "RESIDUE-CANARY-INLINE-5d2e8a41";
    const std::string overflowMark = "RESIDUE-CANARY-OVERFLOW-9c07b3f2";
    std::string overflowCanary;
    while (overflowCanary.size() < 3 * std::size_t(fmt.pageSize))
        overflowCanary += overflowMark + " ";

    auto db = Database::open(nativePath(path), key);
    VERIFY_OK(db);
    if (!secureDeleteOn) {
        auto off = (*db)->exec("PRAGMA secure_delete = OFF");
        VERIFY_OK(off);
    }
    auto schema = (*db)->exec("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL)");
    VERIFY_OK(schema);
    {
        Transaction tx(**db);
        VERIFY_OK(tx.begin());
        auto ins = (*db)->prepare("INSERT INTO notes (id, body) VALUES (?, ?)");
        VERIFY_OK(ins);
        // Filler rows around the canaries keep their pages in use after the delete.
        for (int id = 1; id <= 40; ++id) {
            std::string body = id == 20   ? inlineCanary
                               : id == 21 ? overflowCanary
                                          : "filler-note-" + std::to_string(id);
            ins->bind(1, std::int64_t(id)).bind(2, std::string_view(body));
            VERIFY_OK(ins->run());
        }
        VERIFY_OK(tx.commit());
    }
    // Put the canaries into the main file first, so the delete must overwrite them there.
    VERIFY_OK((*db)->exec("PRAGMA wal_checkpoint(TRUNCATE)"));
    VERIFY_OK((*db)->exec("DELETE FROM notes WHERE id IN (20, 21)"));
    VERIFY_OK((*db)->exec("PRAGMA wal_checkpoint(TRUNCATE)"));
    QCOMPARE(QFileInfo(path + "-wal").size(), 0);

    const QByteArray plain = decryptPages(readFile(path), key, fmt);
    QVERIFY2(!plain.isEmpty(), "decryption failed");
    // The decryption is right: page 1 has SQLite's header and live rows are readable.
    QCOMPARE(plain.mid(16, 2), QByteArray("\x10\x00", 2)); // page size 4096
    QCOMPARE(int(quint8(plain.at(20))), fmt.reserve);      // SQLCipher's reserve
    QVERIFY(plain.contains("filler-note-19"));
    QVERIFY(plain.contains("filler-note-22"));
    canaryFound = plain.contains(QByteArray::fromStdString(inlineCanary)) ||
                  plain.contains(QByteArray::fromStdString(overflowMark));
}

void TestDatabase::deletedCanaryIsAbsentFromDecryptedPagesAfterCheckpoint() {
    bool found = false;
    checkDeleteResidue(true, found);
    if (QTest::currentTestFailed()) return;
    QVERIFY2(!found, "a deleted row is still in the file's free space");

    // Control: without secure_delete the same scan finds the deleted row, so the scan can see
    // free cells and pages.
    checkDeleteResidue(false, found);
    if (QTest::currentTestFailed()) return;
    QVERIFY2(found, "control: the scan did not find an unsecured deleted row");
}

void TestDatabase::noTemporaryFilesBesideTheDatabase() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath("store.db");
    auto db = createDatabase(path, randomBytes(32), false, 20);
    VERIFY_OK(db);
    // Work that needs temporary storage: a temp table, a sort without an index and a statement
    // journal inside a write transaction.
    VERIFY_OK((*db)->exec("CREATE TEMP TABLE scratch AS SELECT * FROM rows"));
    VERIFY_OK((*db)->exec("BEGIN; UPDATE rows SET body = body || '' WHERE id % 2 = 0; "
                          "SAVEPOINT s; UPDATE rows SET batch = batch; RELEASE s; COMMIT;"));
    // About 6 MB to sort: more than the 2 MB a file-backed sorter keeps in memory before it
    // spills to a temporary file.
    auto sorted = (*db)->prepare("SELECT a.body || b.body FROM rows a, rows b WHERE b.id <= 8 "
                                 "ORDER BY substr(a.body, 60) || b.id, random()");
    VERIFY_OK(sorted);
    auto row = sorted->step();
    VERIFY_OK(row);
    QVERIFY(*row);

    const QStringList allowed = {"store.db", "store.db-wal", "store.db-shm"};
    for (const QString& name :
         QDir(dir.path())
             .entryList(QDir::AllEntries | QDir::Hidden | QDir::System | QDir::NoDotAndDotDot))
        QVERIFY2(allowed.contains(name), qPrintable("unexpected file " + name));
    for (const QString& target : openFileTargets()) {
        QVERIFY2(!target.contains("etilqs"), qPrintable("SQLite temp file open: " + target));
        if (target.startsWith(dir.path()))
            QVERIFY2(allowed.contains(QFileInfo(target).fileName()), qPrintable("open: " + target));
    }
}

// ---- API contract ----------------------------------------------------------------------------

void TestDatabase::keyOfWrongLengthIsRejected() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath("store.db");
    for (std::size_t n :
         {std::size_t(0), std::size_t(16), std::size_t(31), std::size_t(33), std::size_t(64)}) {
        auto db = Database::open(nativePath(path), randomBytes(n));
        QVERIFY(!db.has_value());
        QCOMPARE(db.error().code, ErrorCode::InvalidArgument);
        QVERIFY(!QFile::exists(path));
    }
    auto db = Database::open(nativePath(path), randomBytes(32));
    VERIFY_OK(db);
    auto r = (*db)->rekey(randomBytes(16));
    QVERIFY(!r.has_value());
    QCOMPARE(r.error().code, ErrorCode::InvalidArgument);
}

void TestDatabase::missingFileWithoutCreateIsNotFoundAndNotCreated() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath("missing.db");
    auto db = Database::open(nativePath(path), randomBytes(32), options(false, false));
    QVERIFY(!db.has_value());
    QCOMPARE(db.error().code, ErrorCode::NotFound);
    QVERIFY(QDir(dir.path()).isEmpty());
}

void TestDatabase::rekeyMakesOldKeyWrongAndNewKeyWork() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath("store.db");
    const Bytes oldKey = randomBytes(32);
    const Bytes newKey = randomBytes(32);
    {
        auto db = createDatabase(path, oldKey, false, 3);
        VERIFY_OK(db);
        VERIFY_OK((*db)->rekey(newKey));
        // The handle keeps working after the rekey.
        auto snap = readAll(**db);
        VERIFY_OK(snap);
        QCOMPARE(snap->rows, 3 * kRowsPerBatch);
    }
    auto old = Database::open(nativePath(path), oldKey, options(false, false));
    QVERIFY2(!old.has_value(), "the old key still opens the database");
    QCOMPARE(old.error().code, ErrorCode::WrongKey);
    QCOMPARE(old.error().detail, SQLITE_NOTADB);

    auto snap = openAndReadAll(path, newKey, false);
    VERIFY_OK(snap);
    QCOMPARE(snap->rows, 3 * kRowsPerBatch);
    QVERIFY(snap->rowsMatch);
    QVERIFY(snap->integrityOk);
}

namespace {
constexpr std::string_view kMigration1 =
    "CREATE TABLE migration_log (step INTEGER NOT NULL); INSERT INTO migration_log VALUES (1);";
constexpr std::string_view kMigration2 =
    "CREATE TABLE notes (body TEXT); INSERT INTO migration_log VALUES (2);";
constexpr std::string_view kMigration3 =
    "ALTER TABLE notes ADD COLUMN author TEXT; INSERT INTO migration_log VALUES (3);";

Result<std::vector<std::int64_t>> migrationLog(Database& db) {
    auto st = db.prepare("SELECT step FROM migration_log ORDER BY rowid");
    if (!st) return tl::unexpected(st.error());
    std::vector<std::int64_t> out;
    while (true) {
        auto row = st->step();
        if (!row) return tl::unexpected(row.error());
        if (!*row) break;
        out.push_back(st->columnInt(0));
    }
    return out;
}
} // namespace

void TestDatabase::migrateRunsEachStepOnceAndAdvancesUserVersion() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath("store.db");
    const Bytes key = randomBytes(32);
    {
        auto db = Database::open(nativePath(path), key);
        VERIFY_OK(db);
        QCOMPARE(pragmaText(**db, "PRAGMA user_version").value_or("?"), std::string("0"));
        VERIFY_OK((*db)->migrate({kMigration1, kMigration2}));
        QCOMPARE(pragmaText(**db, "PRAGMA user_version").value_or("?"), std::string("2"));
        VERIFY_OK((*db)->migrate({kMigration1, kMigration2}));
        auto log = migrationLog(**db);
        VERIFY_OK(log);
        QCOMPARE(*log, (std::vector<std::int64_t>{1, 2}));
    }
    auto db = Database::open(nativePath(path), key, options(false, false));
    VERIFY_OK(db);
    VERIFY_OK((*db)->migrate({kMigration1, kMigration2, kMigration3}));
    QCOMPARE(pragmaText(**db, "PRAGMA user_version").value_or("?"), std::string("3"));
    auto log = migrationLog(**db);
    VERIFY_OK(log);
    QCOMPARE(*log, (std::vector<std::int64_t>{1, 2, 3}));
}

void TestDatabase::failedMigrationStepIsRolledBack() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    auto db = Database::open(nativePath(dir.filePath("store.db")), randomBytes(32));
    VERIFY_OK(db);
    auto r = (*db)->migrate(
        {kMigration1, "CREATE TABLE half_done (x); INSERT INTO no_such_table VALUES (1);"});
    QVERIFY(!r.has_value());
    QCOMPARE(r.error().code, ErrorCode::Storage);
    // Issue 19: every step runs in one transaction, so the step before the failing one is rolled
    // back too: the store is at its old version with nothing of either step in it.
    QCOMPARE(pragmaText(**db, "PRAGMA user_version").value_or("?"), std::string("0"));
    QCOMPARE(pragmaText(**db, "SELECT count(*) FROM sqlite_master").value_or("?"),
             std::string("0"));
    QVERIFY(r.error().message.find("version 2") != std::string::npos);
    // The database is usable and the fixed step runs.
    VERIFY_OK((*db)->migrate({kMigration1, kMigration2}));
    QCOMPARE(pragmaText(**db, "PRAGMA user_version").value_or("?"), std::string("2"));
    auto log = migrationLog(**db);
    VERIFY_OK(log);
    QCOMPARE(*log, (std::vector<std::int64_t>{1, 2}));
}

void TestDatabase::migrateRefusesDatabaseFromNewerVersion() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    auto db = Database::open(nativePath(dir.filePath("store.db")), randomBytes(32));
    VERIFY_OK(db);
    VERIFY_OK((*db)->exec("PRAGMA user_version = 4"));
    auto r = (*db)->migrate({kMigration1, kMigration2, kMigration3});
    QVERIFY(!r.has_value());
    QCOMPARE(r.error().code, ErrorCode::Unsupported);
    QCOMPARE(pragmaText(**db, "PRAGMA user_version").value_or("?"), std::string("4"));
    QCOMPARE(pragmaText(**db, "SELECT count(*) FROM sqlite_master").value_or("?"),
             std::string("0"));
    // Equal to the migration count is current, not newer.
    VERIFY_OK((*db)->exec("PRAGMA user_version = 3"));
    VERIFY_OK((*db)->migrate({kMigration1, kMigration2, kMigration3}));
    QCOMPARE(pragmaText(**db, "SELECT count(*) FROM sqlite_master").value_or("?"),
             std::string("0"));
}

// Issue 18: the row walk that replaces hand-written step loops. It visits every row in order,
// and the first failure (a step's, or the callback's) ends the walk and is what it returns.
void TestDatabase::forEachRowVisitsEveryRowAndStopsAtTheFirstFailure() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    auto db = Database::open(nativePath(dir.filePath("store.db")), randomBytes(32));
    VERIFY_OK(db);
    VERIFY_OK(
        (*db)->exec("CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1), (2), (3), (4), (5);"));

    auto all = (*db)->prepare("SELECT x FROM t ORDER BY x");
    VERIFY_OK(all);
    std::vector<std::int64_t> seen;
    VERIFY_OK(all->forEachRow([&](Statement& row) { seen.push_back(row.columnInt(0)); }));
    QCOMPARE(seen, (std::vector<std::int64_t>{1, 2, 3, 4, 5}));

    // The callback's failure stops the walk at its row; a cached statement walks the same way.
    auto cached = (*db)->cached("SELECT x FROM t ORDER BY x");
    VERIFY_OK(cached);
    seen.clear();
    auto stopped = cached->forEachRow([&]() -> Result<void> {
        seen.push_back((*cached)->columnInt(0));
        if (seen.back() == 3) return fail(ErrorCode::InvalidArgument, "three");
        return {};
    });
    QVERIFY(!stopped.has_value());
    QCOMPARE(stopped.error().message, std::string("three"));
    QCOMPARE(seen, (std::vector<std::int64_t>{1, 2, 3}));

    // A step that fails (integer overflow in the third row) ends it with a storage error.
    auto overflow = (*db)->prepare("SELECT CASE WHEN x = 3 THEN abs(-9223372036854775807 - 1) ELSE "
                                   "x END FROM t ORDER BY rowid");
    VERIFY_OK(overflow);
    seen.clear();
    auto failed = overflow->forEachRow([&](Statement& row) { seen.push_back(row.columnInt(0)); });
    QVERIFY(!failed.has_value());
    QCOMPARE(failed.error().code, ErrorCode::Storage);
    QCOMPARE(seen, (std::vector<std::int64_t>{1, 2}));
}

// ---- SqlProtocolStore ------------------------------------------------------------------------

void TestDatabase::protocolStoreKeepsIdentityAndRecordsAcrossReopen() {
    using namespace verbatim::signal;
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath("signal.db");
    const Bytes key = randomBytes(32);

    auto makeIdentity = [] {
        IdentityKeyPair id;
        id.publicKey = randomBytes(33);
        id.publicKey[0] = 0x05;
        id.privateKey = verbatim::toSecure(randomBytes(32));
        return id;
    };
    const IdentityKeyPair identity = makeIdentity();
    const std::uint32_t registrationId = 4242;
    const Address bob{"bob@example.org", 1};
    const Address carolTablet{"carol@example.org", 7};
    Bytes session = randomBytes(517);
    session[10] = 0; // records are binary: embedded zero bytes must survive
    const Bytes preKey = randomBytes(71);
    const Bytes signedPreKey = randomBytes(140);
    const Bytes bobIdentity = randomBytes(33);
    const Bytes senderKey = randomBytes(300);
    const std::string group = "group-7c1f";

    {
        auto db = Database::open(nativePath(path), key);
        VERIFY_OK(db);
        auto has = SqlProtocolStore::hasIdentity(**db);
        VERIFY_OK(has);
        QVERIFY(!*has);
        auto store = SqlProtocolStore::open(**db, &identity, registrationId);
        VERIFY_OK(store);
        VERIFY_OK((*store)->storeSession(bob, session));
        VERIFY_OK((*store)->storePreKey(11, preKey));
        VERIFY_OK((*store)->storePreKey(12, randomBytes(71)));
        VERIFY_OK((*store)->storeSignedPreKey(3, signedPreKey));
        VERIFY_OK((*store)->saveIdentity(bob, bobIdentity));
        VERIFY_OK((*store)->storeSenderKey(group, carolTablet, senderKey));
    }

    auto db = Database::open(nativePath(path), key, options(false, false));
    VERIFY_OK(db);
    auto has = SqlProtocolStore::hasIdentity(**db);
    VERIFY_OK(has);
    QVERIFY(*has);
    // A different candidate identity must be ignored: the stored one is kept, never regenerated.
    const IdentityKeyPair other = makeIdentity();
    auto store = SqlProtocolStore::open(**db, &other, 999);
    VERIFY_OK(store);
    auto id = (*store)->identityKeyPair();
    VERIFY_OK(id);
    QVERIFY(id->publicKey == identity.publicKey);
    QVERIFY(id->privateKey == identity.privateKey);
    QCOMPARE((*store)->localRegistrationId().value_or(0), registrationId);

    auto s = (*store)->loadSession(bob);
    VERIFY_OK(s);
    QVERIFY(s->has_value() && **s == session);
    auto pk = (*store)->loadPreKey(11);
    VERIFY_OK(pk);
    QVERIFY(pk->has_value() && **pk == preKey);
    auto spk = (*store)->loadSignedPreKey(3);
    VERIFY_OK(spk);
    QVERIFY(spk->has_value() && **spk == signedPreKey);
    auto bi = (*store)->loadIdentity(bob);
    VERIFY_OK(bi);
    QVERIFY(bi->has_value() && **bi == bobIdentity);
    auto sk = (*store)->loadSenderKey(group, carolTablet);
    VERIFY_OK(sk);
    QVERIFY(sk->has_value() && **sk == senderKey);
    auto noSk = (*store)->loadSenderKey(group, bob);
    VERIFY_OK(noSk);
    QVERIFY(!noSk->has_value());

    QCOMPARE((*store)->containsPreKey(11).value_or(false), true);
    QCOMPARE((*store)->removePreKey(11).value_or(false), true);
    QCOMPARE((*store)->containsPreKey(11).value_or(true), false);
    auto gone = (*store)->loadPreKey(11);
    VERIFY_OK(gone);
    QVERIFY(!gone->has_value());
    QCOMPARE((*store)->removePreKey(11).value_or(true), false);
    QCOMPARE((*store)->containsPreKey(12).value_or(false), true); // only the one id went
}

QTEST_GUILESS_MAIN(TestDatabase)
#include "tst_database.moc"
