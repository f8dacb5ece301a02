// Over 600 lines on purpose: one Qt Test class for shared/crypto (one test per library); the
// vector-file readers and case counters (Tally) above it serve every function.
//
// Known-answer tests for the crypto wrappers in shared/crypto (TESTPLAN B1, CP-01..CP-13
// without CP-08/CP-10, which run through libsignal, and CP-14, the lint).
//
// Vectors are read at run time from VERBATIM_SHARED_DATA (Wycheproof JSON) and
// VERBATIM_CRYPTO_VECTORS (Debian python3-cryptography-vectors); a missing file fails the
// function with a message naming the path. Every loop over a vector file counts its cases and
// compares the count with the number the file is known to hold, so a file that silently
// shrinks, or a parser that silently drops records, fails the test.

#include <QDir>
#include <QObject>
#include <QRandomGenerator>
#include <QtTest/QTest>

#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <optional>

#include "VectorFiles.h"
#include "crypto/Aes.h"
#include "crypto/Digest.h"
#include "crypto/Ed25519.h"
#include "crypto/Hkdf.h"
#include "crypto/HmacSha256.h"
#include "crypto/Random.h"
#include "crypto/X25519.h"

using namespace verbatim;
using namespace verbatim::crypto;
using verbatim::test::errorText;
using verbatim::test::loadWycheproof;
using verbatim::test::parseKeyValueFile;
using verbatim::test::VectorRecord;
using verbatim::test::WycheproofCase;

namespace {

constexpr const char* kSharedData = VERBATIM_SHARED_DATA;
constexpr const char* kCryptoVectors = VERBATIM_CRYPTO_VECTORS;

/// Counts the outcome of every case of a vector file and keeps the first few failures, so one
/// QVERIFY at the end reports what went wrong instead of stopping at the first case.
class Tally {
public:
    template <class Describe> void check(bool ok, Describe&& describe) {
        ++m_total;
        if (ok) {
            ++m_passed;
            return;
        }
        if (m_failures.size() < kMaxListed) m_failures << describe();
    }
    int total() const { return m_total; }
    int passed() const { return m_passed; }
    int failed() const { return m_total - m_passed; }
    QByteArray report(const char* what) const {
        return QStringLiteral("%1: %2 of %3 cases failed; first: %4")
            .arg(QLatin1String(what))
            .arg(failed())
            .arg(m_total)
            .arg(m_failures.join(QStringLiteral("; ")))
            .toUtf8();
    }

private:
    static constexpr int kMaxListed = 8;
    int m_total = 0;
    int m_passed = 0;
    QStringList m_failures;
};

// Buffers are compared with constantTimeEqual even here, so the CP-14 lint (no memcmp or == on
// MAC, tag or key buffers) can apply to tests too.
bool sameBytes(ByteView a, ByteView b) {
    return constantTimeEqual(a, b);
}

bool allZero(ByteView b) {
    return std::all_of(b.begin(), b.end(), [](std::uint8_t c) { return c == 0; });
}

Bytes concat(ByteView a, ByteView b) {
    Bytes out(a.begin(), a.end());
    out.insert(out.end(), b.begin(), b.end());
    return out;
}

template <class T> QString why(const Result<T>& r) {
    return r ? QStringLiteral("succeeded") : QString::fromStdString(r.error().message);
}

template <class T> bool failedWith(const Result<T>& r, ErrorCode code) {
    return !r && r.error().code == code;
}

Bytes randomTestBytes(QRandomGenerator& rng, std::size_t n) {
    Bytes b(n);
    for (auto& c : b)
        c = std::uint8_t(rng.generate());
    return b;
}

/// HMAC-SHA256 of `msg` fed to one HmacSha256 object in chunks of the given sizes.
std::optional<Hash256> hmacInChunks(ByteView key, ByteView msg,
                                    const std::vector<std::size_t>& chunks) {
    auto h = HmacSha256::create(key);
    if (!h) return std::nullopt;
    std::size_t pos = 0;
    for (std::size_t n : chunks) {
        if (pos + n > msg.size() || !h->update(msg.subspan(pos, n))) return std::nullopt;
        pos += n;
    }
    if (pos != msg.size()) return std::nullopt;
    auto tag = h->final();
    if (!tag) return std::nullopt;
    return *tag;
}

/// Random chunk sizes (zero-length chunks included) that add up to `size`.
std::vector<std::size_t> randomChunks(QRandomGenerator& rng, std::size_t size) {
    std::vector<std::size_t> chunks;
    std::size_t left = size;
    while (left > 0) {
        std::size_t n = rng.bounded(quint32(std::min<std::size_t>(left, 67) + 1));
        chunks.push_back(n);
        left -= n;
    }
    if (rng.bounded(2)) chunks.push_back(0);
    return chunks;
}

/// The 16-byte counter block `iv` advanced by `blocks` (128-bit big-endian addition).
Bytes addToCounter(ByteView iv, std::uint64_t blocks) {
    Bytes c(iv.begin(), iv.end());
    unsigned carry = 0;
    for (int i = 15; i >= 0; --i) {
        unsigned sum = c[std::size_t(i)] + unsigned(blocks & 0xff) + carry;
        c[std::size_t(i)] = std::uint8_t(sum);
        carry = sum >> 8;
        blocks >>= 8;
    }
    return c;
}

/// AES-CTR computed independently of aesCtr(): each keystream block is AES_K(counter), taken as
/// the first block of a CBC encryption with a zero IV, and the counter is a 128-bit
/// big-endian integer incremented per block (SP 800-38A).
std::optional<Bytes> ctrReference(ByteView key, ByteView iv, ByteView data) {
    const Bytes zeroIv(16, 0);
    Bytes out(data.size());
    Bytes counter(iv.begin(), iv.end());
    for (std::size_t off = 0; off < data.size(); off += 16) {
        auto block = aesCbcEncrypt(key, zeroIv, counter);
        if (!block || block->size() != 32) return std::nullopt;
        for (std::size_t i = 0; i < 16 && off + i < data.size(); ++i)
            out[off + i] = data[off + i] ^ (*block)[i];
        counter = addToCounter(counter, 1);
    }
    return out;
}

std::uint64_t mix64(std::uint64_t x) {
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

/// Block index of the first 16-byte block of `data` that equals an earlier block, or -1.
/// Open addressing over block indices: 4 bytes per slot, the blocks themselves stay in `data`.
long long firstRepeatedBlock(ByteView data) {
    const std::size_t blocks = data.size() / 16;
    std::size_t slotCount = 16;
    while (slotCount < 2 * blocks)
        slotCount <<= 1;
    const std::size_t mask = slotCount - 1;
    std::vector<std::uint32_t> table(slotCount, 0); // 0 = empty, else block index + 1
    for (std::size_t i = 0; i < blocks; ++i) {
        const std::uint8_t* block = data.data() + 16 * i;
        std::uint64_t lo = 0, hi = 0;
        std::memcpy(&lo, block, 8);
        std::memcpy(&hi, block + 8, 8);
        // Fully mixed (splitmix64 finaliser) so structured input such as counters or constant
        // prefixes still spreads over the table instead of degrading to a linear scan.
        const std::uint64_t h = mix64(lo ^ mix64(hi));
        for (std::size_t s = h & mask;; s = (s + 1) & mask) {
            if (table[s] == 0) {
                table[s] = std::uint32_t(i + 1);
                break;
            }
            const std::uint8_t* other = data.data() + 16 * (table[s] - 1);
            if (std::equal(block, block + 16, other)) return (long long)i;
        }
    }
    return -1;
}

// Sources injected through setRandomSourceForTesting().
int g_failingSourceCalls = 0;
int writeHalfThenFail(unsigned char* buf, int num) {
    ++g_failingSourceCalls;
    std::memset(buf, 0x5a, std::size_t(num / 2));
    return 0;
}
int writeAllThenFailHard(unsigned char* buf, int num) {
    ++g_failingSourceCalls;
    std::memset(buf, 0x5a, std::size_t(num));
    return -1;
}

/// Restores OpenSSL's RAND_bytes when a test leaves, including on an early QVERIFY return.
struct RandomSourceGuard {
    explicit RandomSourceGuard(RandomSource s) { setRandomSourceForTesting(s); }
    ~RandomSourceGuard() { setRandomSourceForTesting(nullptr); }
    RandomSourceGuard(const RandomSourceGuard&) = delete;
    RandomSourceGuard& operator=(const RandomSourceGuard&) = delete;
};

bool readAll(int fd, std::uint8_t* buf, std::size_t n) {
    std::size_t got = 0;
    while (got < n) {
        ssize_t r = ::read(fd, buf + got, n - got);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return false;
        got += std::size_t(r);
    }
    return true;
}

bool writeAll(int fd, const std::uint8_t* buf, std::size_t n) {
    std::size_t put = 0;
    while (put < n) {
        ssize_t r = ::write(fd, buf + put, n - put);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return false;
        put += std::size_t(r);
    }
    return true;
}

/// 32 random bytes drawn in a fork()ed child and sent back over a pipe; empty on failure.
Bytes randomFromChild() {
    int fds[2];
    if (::pipe(fds) != 0) return {};
    pid_t pid = ::fork();
    if (pid < 0) {
        ::close(fds[0]);
        ::close(fds[1]);
        return {};
    }
    if (pid == 0) {
        // Child: no QtTest, no exit handlers; just the bytes.
        ::close(fds[0]);
        std::uint8_t buf[32];
        bool ok = randomFill(buf).has_value() && writeAll(fds[1], buf, sizeof buf);
        ::_exit(ok ? 0 : 1);
    }
    ::close(fds[1]);
    Bytes out(32);
    bool ok = readAll(fds[0], out.data(), out.size());
    ::close(fds[0]);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (!ok || !WIFEXITED(status) || WEXITSTATUS(status) != 0) return {};
    return out;
}

Bytes hex(const char* text) {
    Bytes out;
    if (!verbatim::test::decodeHex(QByteArrayView(text), out)) qFatal("bad hex literal %s", text);
    return out;
}

// RFC 8032 section 7.1, TEST 1 (empty message).
const char* const kEd25519Seed = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
const char* const kEd25519Public =
    "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
const char* const kEd25519Signature =
    "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b"
    "46bd25bf5f0595bbe24655141438e7a100b";

} // namespace

class TstCryptoVectors : public QObject {
    Q_OBJECT

private slots:
    // C-HEX-1 (docs/protocol.md, Conventions)
    void hexIsWrittenLowercase();
    // CP-01
    void hmacMatchesWycheproofWholeBytewiseAndSplit();
    void hmacFinalRearmsWithSameKey();
    void hmacAcceptsEmptyKey();
    // CP-02
    void hmacMatchesRfc4231IncludingLongKey();
    // CP-03
    void sha512MatchesCavpShortAndLongMessages();
    void sha512MatchesCavpMonteCarlo();
    void sha256MatchesCavpShortMessages();
    void digestFinalResetsContextForReuse();
    // CP-04
    void aesCbcMatchesWycheproofValidCasesBothWays();
    void aesCbcRejectsWycheproofInvalidCasesWithoutOutput();
    void aesCbcMatchesNistVectorsBothWays();
    // CP-05
    void aesCtrMatchesRfc3686Vectors();
    void aesCtrRoundTripsAtEdgeLengths();
    void aesCtrSplitAtBlockBoundaryMatchesOneShot();
    // CP-06
    void aesRejectsKeyLengthOutside16_24_32();
    void aesCbcAndCtrRejectIvLengthOtherThan16();
    void aesCbcDecryptRejectsPartialBlocksAndEmptyInput();
    void aesGcmRejectsEmptyIvAndBadTagLength();
    void hkdfRejectsLengthZeroAndAbove8160();
    void curveKeysOfWrongLengthAreRejected();
    // CP-07
    void randomFillWritesExactlyTheSpan();
    void randomFillFailureLeavesNoPartialOutput();
    void repeatedBlockDetectorFindsRepeats();
    void randomOutputHasNoRepeatedBlockIn64MiB();
    void randomOutputDivergesAcrossFork();
    // CP-09
    void hkdfMatchesWycheproof();
    void hkdfMatchesRfc5869();
    // CP-11
    void x25519MatchesWycheproofAndRefusesZeroSharedSecret();
    void x25519MatchesRfc7748();
    // CP-12
    void aesGcmSealsAndOpensWycheproofValidCases();
    void aesGcmRejectsWycheproofInvalidCasesWithoutPlaintext();
    void aesGcmMatchesNistDecryptVectors_data();
    void aesGcmMatchesNistDecryptVectors();
    void aesGcmMatchesNistEncryptExtIvVectors_data();
    void aesGcmMatchesNistEncryptExtIvVectors();
    // CP-13
    void ed25519VerifiesExactlyWycheproofValidSignatures();
    void ed25519SignsRfc8032VectorAndRoundTrips();
    void ed25519RejectsEveryBitFlipOfSignature();
};

// ---------------------------------------------------------------------------------------------
// CP-01 HMAC-SHA256, Wycheproof

void TstCryptoVectors::hmacMatchesWycheproofWholeBytewiseAndSplit() {
    VERBATIM_VECTOR_OR_FAIL(path, kSharedData, "wycheproof/hmac_sha256_test.json");
    auto file = loadWycheproof(path);
    QVERIFY2(file, qPrintable(errorText(file)));
    QCOMPARE(int(file->cases.size()), 174);

    QRandomGenerator rng(0xc0011); // fixed seed: a failing split is reproducible
    Tally whole, bytewise, split;
    int valid = 0, invalid = 0, truncated = 0;
    for (const WycheproofCase& tc : file->cases) {
        Bytes key, msg, tag;
        QString err;
        QVERIFY2(tc.hexFields({{"key", &key}, {"msg", &msg}, {"tag", &tag}}, &err),
                 qPrintable(err));
        QVERIFY2(tc.isValid() || tc.isInvalid(), qPrintable(tc.id()));
        QVERIFY2(tag.size() * 8 == std::size_t(tc.group.value("tagSize").toInt()) &&
                     tag.size() <= 32,
                 qPrintable(tc.id()));
        tc.isValid() ? ++valid : ++invalid;
        if (tag.size() < 32) ++truncated;

        // A truncated tag is compared with the same-length prefix of the full MAC.
        auto judge = [&](const std::optional<Hash256>& mac) {
            bool matches = mac && sameBytes(ByteView(*mac).first(tag.size()), tag);
            return matches == tc.isValid();
        };
        auto describe = [&] { return tc.id(); };

        whole.check(judge(hmacInChunks(key, msg, {msg.size()})), describe);
        bytewise.check(judge(hmacInChunks(key, msg, std::vector<std::size_t>(msg.size(), 1))),
                       describe);
        split.check(judge(hmacInChunks(key, msg, randomChunks(rng, msg.size()))), describe);
    }
    QVERIFY2(whole.failed() == 0, whole.report("whole message"));
    QVERIFY2(bytewise.failed() == 0, bytewise.report("one byte at a time"));
    QVERIFY2(split.failed() == 0, split.report("random splits"));
    QCOMPARE(whole.passed(), 174);
    QCOMPARE(bytewise.passed(), 174);
    QCOMPARE(split.passed(), 174);
    // Both outcomes and truncated tags must actually occur, or the checks above prove little.
    QVERIFY(valid > 0 && invalid > 0 && truncated > 0);
}

void TstCryptoVectors::hmacFinalRearmsWithSameKey() {
    // RFC 4231 test case 1.
    const Bytes key(20, 0x0b);
    const Bytes msg = hex("4869205468657265"); // "Hi There"
    const Bytes expected = hex("b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");

    auto h = HmacSha256::create(key);
    QVERIFY2(h, qPrintable(errorText(h)));
    QVERIFY(h->update(msg));
    auto first = h->final();
    QVERIFY(h->update(msg));
    auto second = h->final();
    QVERIFY2(first && second, "final() failed");
    QVERIFY2(sameBytes(*first, expected), toHex(*first).c_str());
    QVERIFY2(sameBytes(*second, expected), toHex(*second).c_str());

    // final() with nothing fed since the last final() is the MAC of the empty message under the
    // same key, not a leftover of the previous message.
    auto empty = h->final();
    auto emptyOneShot = hmacSha256(key, {});
    QVERIFY(empty && emptyOneShot);
    QVERIFY(sameBytes(*empty, *emptyOneShot));
    QVERIFY(!sameBytes(*empty, expected));
}

void TstCryptoVectors::hmacAcceptsEmptyKey() {
    // RFC 2104 allows an empty key; the wrapper documents that it accepts one (the libsignal
    // provider is where empty keys are refused). Known answer: HMAC-SHA256("", "").
    auto mac = hmacSha256({}, {});
    QVERIFY2(mac, qPrintable(errorText(mac)));
    QVERIFY2(
        sameBytes(*mac, hex("b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad")),
        toHex(*mac).c_str());
}

// ---------------------------------------------------------------------------------------------
// CP-02 HMAC-SHA256, RFC 4231

void TstCryptoVectors::hmacMatchesRfc4231IncludingLongKey() {
    VERBATIM_VECTOR_OR_FAIL(path, kCryptoVectors, "HMAC/rfc-4231-sha256.txt");
    auto records = parseKeyValueFile(path);
    QVERIFY2(records, qPrintable(errorText(records)));

    Tally oneShot, bytewise;
    std::size_t longestKey = 0;
    for (const VectorRecord& rec : *records) {
        Bytes key, msg, md;
        QString err;
        QVERIFY2(rec.hexFields({{"Key", &key}, {"Msg", &msg}, {"MD", &md}}, &err), qPrintable(err));
        QVERIFY2(rec.number("Len") == (long long)(msg.size() * 8), qPrintable(rec.where()));
        longestKey = std::max(longestKey, key.size());
        auto mac = hmacSha256(key, msg);
        oneShot.check(mac && sameBytes(*mac, md), [&] { return rec.where(); });
        auto fed = hmacInChunks(key, msg, std::vector<std::size_t>(msg.size(), 1));
        bytewise.check(fed && sameBytes(*fed, md), [&] { return rec.where(); });
    }
    QVERIFY2(oneShot.failed() == 0, oneShot.report("one-shot"));
    QVERIFY2(bytewise.failed() == 0, bytewise.report("one byte at a time"));
    // The file holds test cases 1-4, 6 and 7 (case 5, truncation, is not in it).
    QCOMPARE(oneShot.passed(), 6);
    QCOMPARE(bytewise.passed(), 6);
    QCOMPARE(longestKey, std::size_t(131)); // longer than the SHA-256 block: hashed first
}

// ---------------------------------------------------------------------------------------------
// CP-03 SHA-2, NIST CAVP (SHAVS) and context reuse

namespace {
/// Check every record of a SHAVS ShortMsg/LongMsg file with the one-shot function and with a
/// Digest fed in two uneven pieces.
template <class OneShot>
Tally checkShaMessages(const std::vector<VectorRecord>& records, Digest::Algorithm algorithm,
                       OneShot oneShot, QString* parseError) {
    Tally tally;
    Digest digest(algorithm);
    for (const VectorRecord& rec : records) {
        Bytes msg, md;
        if (!rec.hexFields({{"Msg", &msg}, {"MD", &md}}, parseError)) return tally;
        long long bits = rec.number("Len");
        if (bits < 0 || bits % 8 || std::size_t(bits / 8) > msg.size()) {
            *parseError = rec.where() + QStringLiteral(": bad Len");
            return tally;
        }
        msg.resize(std::size_t(bits / 8)); // Len = 0 comes with Msg = 00
        auto expectedOneShot = oneShot(msg);
        bool ok = sameBytes(expectedOneShot, md);
        const std::size_t cut = msg.size() / 3;
        ok = ok && digest.update(ByteView(msg).first(cut)) &&
             digest.update(ByteView(msg).subspan(cut));
        auto incremental = digest.final();
        ok = ok && incremental && sameBytes(*incremental, md);
        tally.check(ok, [&] { return rec.where() + QStringLiteral(" Len=%1").arg(bits); });
    }
    return tally;
}
} // namespace

void TstCryptoVectors::sha512MatchesCavpShortAndLongMessages() {
    VERBATIM_VECTOR_OR_FAIL(shortPath, kCryptoVectors, "hashes/SHA2/SHA512ShortMsg.rsp");
    VERBATIM_VECTOR_OR_FAIL(longPath, kCryptoVectors, "hashes/SHA2/SHA512LongMsg.rsp");
    auto sha = [](ByteView m) { return sha512(m); };

    auto shortRecords = parseKeyValueFile(shortPath);
    QVERIFY2(shortRecords, qPrintable(errorText(shortRecords)));
    QString err;
    Tally shortMsg = checkShaMessages(*shortRecords, Digest::Algorithm::Sha512, sha, &err);
    QVERIFY2(err.isEmpty(), qPrintable(err));
    QVERIFY2(shortMsg.failed() == 0, shortMsg.report("SHA512ShortMsg"));
    QCOMPARE(shortMsg.passed(), 129); // Len = 0, 8, ..., 1024 bits

    auto longRecords = parseKeyValueFile(longPath);
    QVERIFY2(longRecords, qPrintable(errorText(longRecords)));
    Tally longMsg = checkShaMessages(*longRecords, Digest::Algorithm::Sha512, sha, &err);
    QVERIFY2(err.isEmpty(), qPrintable(err));
    QVERIFY2(longMsg.failed() == 0, longMsg.report("SHA512LongMsg"));
    QCOMPARE(longMsg.passed(), 128);
}

void TstCryptoVectors::sha512MatchesCavpMonteCarlo() {
    VERBATIM_VECTOR_OR_FAIL(path, kCryptoVectors, "hashes/SHA2/SHA512Monte.rsp");
    auto records = parseKeyValueFile(path);
    QVERIFY2(records, qPrintable(errorText(records)));
    QVERIFY(!records->empty());
    Bytes seed;
    QString err;
    QVERIFY2(records->front().hex("Seed", seed, &err), qPrintable(err));
    QCOMPARE(seed.size(), std::size_t(64));

    // SHAVS 6.4: for each checkpoint j, MD0 = MD1 = MD2 = Seed, then for i = 3..1002
    // MDi = SHA(MD(i-3) || MD(i-2) || MD(i-1)); the checkpoint and the next Seed are MD1002.
    Tally tally;
    for (const VectorRecord& rec : *records) {
        Bytes expected;
        QVERIFY2(rec.hex("MD", expected, &err), qPrintable(err));
        QCOMPARE(rec.number("COUNT"), (long long)tally.total());
        std::array<Hash512, 3> md;
        for (auto& m : md)
            std::copy(seed.begin(), seed.end(), m.begin());
        Bytes input(3 * 64);
        for (int i = 3; i <= 1002; ++i) {
            for (int k = 0; k < 3; ++k)
                std::copy(md[std::size_t(k)].begin(), md[std::size_t(k)].end(),
                          input.begin() + 64 * k);
            md[0] = md[1];
            md[1] = md[2];
            md[2] = sha512(input);
        }
        seed.assign(md[2].begin(), md[2].end());
        tally.check(sameBytes(seed, expected), [&] { return rec.where(); });
    }
    QVERIFY2(tally.failed() == 0, tally.report("SHA512Monte"));
    QCOMPARE(tally.passed(), 100);
}

void TstCryptoVectors::sha256MatchesCavpShortMessages() {
    VERBATIM_VECTOR_OR_FAIL(path, kCryptoVectors, "hashes/SHA2/SHA256ShortMsg.rsp");
    auto records = parseKeyValueFile(path);
    QVERIFY2(records, qPrintable(errorText(records)));
    QString err;
    Tally tally = checkShaMessages(
        *records, Digest::Algorithm::Sha256, [](ByteView m) { return sha256(m); }, &err);
    QVERIFY2(err.isEmpty(), qPrintable(err));
    QVERIFY2(tally.failed() == 0, tally.report("SHA256ShortMsg"));
    QCOMPARE(tally.passed(), 65); // Len = 0, 8, ..., 512 bits
}

void TstCryptoVectors::digestFinalResetsContextForReuse() {
    // libsignal's fingerprint code does update(A), final, update(B), final on one context: the
    // second digest must be SHA(B), not SHA(A || B) or an error.
    const Bytes a = toBytes(view("abc"));
    const Bytes b = toBytes(view("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"));
    struct Case {
        Digest::Algorithm algorithm;
        std::size_t size;
        const char* digestA;
        const char* digestB;
        const char* digestEmpty;
    };
    const Case cases[] = {
        {Digest::Algorithm::Sha512, 64,
         "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c2"
         "3a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
         "204a8fc6dda82f0a0ced7beb8e08a41657c16ef468b228a8279be331a703c33596fd15c13b1b07f9aa1d3be"
         "a57789ca031ad85c7a71dd70354ec631238ca3445",
         "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d"
         "2877eec2f63b931bd47417a81a538327af927da3e"},
        {Digest::Algorithm::Sha256, 32,
         "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
         "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
    };
    for (const Case& c : cases) {
        Digest digest(c.algorithm);
        QCOMPARE(digest.size(), c.size);
        QVERIFY(digest.update(a));
        auto first = digest.final();
        QVERIFY(digest.update(b));
        auto second = digest.final();
        auto third = digest.final(); // nothing fed since the last final()
        QVERIFY2(first && second && third, "final() failed");
        QVERIFY2(sameBytes(*first, hex(c.digestA)), toHex(*first).c_str());
        QVERIFY2(sameBytes(*second, hex(c.digestB)), toHex(*second).c_str());
        QVERIFY2(sameBytes(*third, hex(c.digestEmpty)), toHex(*third).c_str());
    }
    QVERIFY(sameBytes(sha512(b), hex(cases[0].digestB)));
    QVERIFY(sameBytes(sha256(b), hex(cases[1].digestB)));
}

// ---------------------------------------------------------------------------------------------
// CP-04 AES-CBC with PKCS#7 padding

void TstCryptoVectors::aesCbcMatchesWycheproofValidCasesBothWays() {
    VERBATIM_VECTOR_OR_FAIL(path, kSharedData, "wycheproof/aes_cbc_pkcs5_test.json");
    auto file = loadWycheproof(path);
    QVERIFY2(file, qPrintable(errorText(file)));
    QCOMPARE(int(file->cases.size()), 216);

    Tally encrypt, decrypt;
    for (const WycheproofCase& tc : file->cases) {
        if (!tc.isValid()) continue;
        Bytes key, iv, msg, ct;
        QString err;
        QVERIFY2(tc.hexFields({{"key", &key}, {"iv", &iv}, {"msg", &msg}, {"ct", &ct}}, &err),
                 qPrintable(err));
        auto enc = aesCbcEncrypt(key, iv, msg);
        encrypt.check(enc && sameBytes(*enc, ct), [&] { return tc.id() + ": " + why(enc); });
        auto dec = aesCbcDecrypt(key, iv, ct);
        decrypt.check(dec && sameBytes(*dec, msg), [&] { return tc.id() + ": " + why(dec); });
    }
    QVERIFY2(encrypt.failed() == 0, encrypt.report("encrypt"));
    QVERIFY2(decrypt.failed() == 0, decrypt.report("decrypt"));
    QCOMPARE(encrypt.passed(), 72);
    QCOMPARE(decrypt.passed(), 72);
}

void TstCryptoVectors::aesCbcRejectsWycheproofInvalidCasesWithoutOutput() {
    VERBATIM_VECTOR_OR_FAIL(path, kSharedData, "wycheproof/aes_cbc_pkcs5_test.json");
    auto file = loadWycheproof(path);
    QVERIFY2(file, qPrintable(errorText(file)));

    Tally rejected;
    for (const WycheproofCase& tc : file->cases) {
        if (tc.isValid()) continue;
        QVERIFY2(tc.isInvalid(), qPrintable(tc.id()));
        Bytes key, iv, ct;
        QString err;
        QVERIFY2(tc.hexFields({{"key", &key}, {"iv", &iv}, {"ct", &ct}}, &err), qPrintable(err));
        // Bad padding and empty ciphertexts; a Result error carries no plaintext by type.
        auto dec = aesCbcDecrypt(key, iv, ct);
        rejected.check(failedWith(dec, ErrorCode::Malformed),
                       [&] { return tc.id() + ": " + why(dec); });
    }
    QVERIFY2(rejected.failed() == 0, rejected.report("invalid cases"));
    QCOMPARE(rejected.passed(), 144);
}

void TstCryptoVectors::aesCbcMatchesNistVectorsBothWays() {
    VERBATIM_VECTOR_OR_FAIL(dirPath, kCryptoVectors, "ciphers/AES/CBC");
    const QStringList names =
        QDir(dirPath).entryList({QStringLiteral("*.rsp")}, QDir::Files, QDir::Name);
    QCOMPARE(names.size(), 15); // GFSbox, KeySbox, MMT, VarKey, VarTxt x 128/192/256

    // NIST CBC vectors are unpadded. Encryption: our PKCS#7 output is the NIST ciphertext plus
    // one padding block. Decryption: append the padding block the NIST ciphertext would get,
    // AES_K(C_last ^ 16*0x10), which is the CBC encryption of the empty message with IV C_last.
    Tally encrypt, decrypt;
    for (const QString& name : names) {
        auto records = parseKeyValueFile(QDir(dirPath).filePath(name));
        QVERIFY2(records, qPrintable(errorText(records)));
        for (const VectorRecord& rec : *records) {
            Bytes key, iv, pt, ct;
            QString err;
            QVERIFY2(
                rec.hexFields({{"KEY", &key}, {"IV", &iv}, {"PLAINTEXT", &pt}, {"CIPHERTEXT", &ct}},
                              &err),
                qPrintable(name + " " + err));
            QVERIFY2(!ct.empty() && ct.size() == pt.size() && ct.size() % 16 == 0,
                     qPrintable(name + " " + rec.where()));
            auto describe = [&] { return name + " " + rec.where(); };

            auto enc = aesCbcEncrypt(key, iv, pt);
            encrypt.check(enc && enc->size() == ct.size() + 16 &&
                              sameBytes(ByteView(*enc).first(ct.size()), ct),
                          describe);

            auto padBlock = aesCbcEncrypt(key, ByteView(ct).last(16), {});
            bool ok = padBlock && padBlock->size() == 16;
            if (ok) {
                auto dec = aesCbcDecrypt(key, iv, concat(ct, *padBlock));
                ok = dec && sameBytes(*dec, pt);
            }
            decrypt.check(ok, describe);
        }
    }
    QVERIFY2(encrypt.failed() == 0, encrypt.report("NIST CBC encrypt (prefix)"));
    QVERIFY2(decrypt.failed() == 0, decrypt.report("NIST CBC decrypt"));
    QCOMPARE(encrypt.passed(), 2138);
    QCOMPARE(decrypt.passed(), 2138);
}

// ---------------------------------------------------------------------------------------------
// CP-05 AES-CTR

void TstCryptoVectors::aesCtrMatchesRfc3686Vectors() {
    Tally encrypt, decrypt;
    for (const char* name : {"aes-128-ctr.txt", "aes-192-ctr.txt", "aes-256-ctr.txt"}) {
        const QString relative = QStringLiteral("ciphers/AES/CTR/") + QLatin1String(name);
        VERBATIM_VECTOR_OR_FAIL(path, kCryptoVectors, relative);
        auto records = parseKeyValueFile(path);
        QVERIFY2(records, qPrintable(errorText(records)));
        for (const VectorRecord& rec : *records) {
            Bytes key, iv, pt, ct;
            QString err;
            QVERIFY2(
                rec.hexFields({{"KEY", &key}, {"IV", &iv}, {"PLAINTEXT", &pt}, {"CIPHERTEXT", &ct}},
                              &err),
                qPrintable(relative + " " + err));
            auto describe = [&] { return relative + " " + rec.where(); };
            auto enc = aesCtr(key, iv, pt);
            encrypt.check(enc && sameBytes(*enc, ct), describe);
            auto dec = aesCtr(key, iv, ct);
            decrypt.check(dec && sameBytes(*dec, pt), describe);
        }
    }
    QVERIFY2(encrypt.failed() == 0, encrypt.report("CTR encrypt"));
    QVERIFY2(decrypt.failed() == 0, decrypt.report("CTR decrypt"));
    QCOMPARE(encrypt.passed(), 9);
    QCOMPARE(decrypt.passed(), 9);
}

void TstCryptoVectors::aesCtrRoundTripsAtEdgeLengths() {
    QRandomGenerator rng(0xc7a);
    int checked = 0;
    for (std::size_t keyLen : {16, 24, 32}) {
        for (std::size_t len : {0, 1, 15, 17, 4097}) {
            const Bytes key = randomTestBytes(rng, keyLen);
            // Low 64 bits near wrap-around: 4097 bytes (257 blocks) carry into the high half,
            // which the reference treats as one 128-bit counter.
            Bytes iv = randomTestBytes(rng, 16);
            std::fill(iv.begin() + 8, iv.end(), 0xff);
            iv[15] = 0xf0;
            const Bytes pt = randomTestBytes(rng, len);
            const QByteArray where =
                QStringLiteral("key %1 bytes, length %2").arg(keyLen).arg(len).toUtf8();

            auto ct = aesCtr(key, iv, pt);
            QVERIFY2(ct, where.constData());
            QCOMPARE(ct->size(), len);
            auto reference = ctrReference(key, iv, pt);
            QVERIFY2(reference && sameBytes(*ct, *reference), where.constData());
            if (len >= 16) QVERIFY2(!sameBytes(*ct, pt), where.constData());
            auto back = aesCtr(key, iv, *ct);
            QVERIFY2(back && sameBytes(*back, pt), where.constData());
            ++checked;
        }
    }
    QCOMPARE(checked, 15);
}

void TstCryptoVectors::aesCtrSplitAtBlockBoundaryMatchesOneShot() {
    // aesCtr() is one-shot; a stream split at a block boundary continues with the counter
    // advanced by the blocks already used, and must give the same bytes as one call.
    QRandomGenerator rng(0x5917);
    const Bytes key = randomTestBytes(rng, 32);
    Bytes iv = randomTestBytes(rng, 16);
    std::fill(iv.begin() + 12, iv.end(), 0xff); // splits below cross a 32-bit carry
    const Bytes data = randomTestBytes(rng, 4097);
    auto whole = aesCtr(key, iv, data);
    QVERIFY(whole);

    int checked = 0;
    for (std::size_t cut : {0, 16, 32, 1024, 4080, 4096}) {
        auto head = aesCtr(key, iv, ByteView(data).first(cut));
        auto tail = aesCtr(key, addToCounter(iv, cut / 16), ByteView(data).subspan(cut));
        QVERIFY2(head && tail, qPrintable(QStringLiteral("cut %1").arg(cut)));
        QVERIFY2(sameBytes(concat(*head, *tail), *whole),
                 qPrintable(QStringLiteral("cut %1").arg(cut)));
        ++checked;
    }
    // Three-way split too.
    auto a = aesCtr(key, iv, ByteView(data).first(48));
    auto b = aesCtr(key, addToCounter(iv, 3), ByteView(data).subspan(48, 2000));
    auto c = aesCtr(key, addToCounter(iv, 3 + 125), ByteView(data).subspan(2048));
    QVERIFY(a && b && c);
    QVERIFY(sameBytes(concat(concat(*a, *b), *c), *whole));
    QCOMPARE(checked, 6);
}

// ---------------------------------------------------------------------------------------------
// CP-06 argument validation

void TstCryptoVectors::aesRejectsKeyLengthOutside16_24_32() {
    const Bytes iv16(16, 1), iv12(12, 1), data(32, 2);
    int checked = 0;
    for (std::size_t keyLen : {0, 1, 8, 15, 17, 20, 23, 25, 31, 33, 48, 64}) {
        const Bytes key(keyLen, 7);
        const QByteArray where = QByteArray("key length ") + QByteArray::number(qulonglong(keyLen));
        QVERIFY2(failedWith(aesCbcEncrypt(key, iv16, data), ErrorCode::InvalidArgument), where);
        QVERIFY2(failedWith(aesCbcDecrypt(key, iv16, data), ErrorCode::InvalidArgument), where);
        QVERIFY2(failedWith(aesCtr(key, iv16, data), ErrorCode::InvalidArgument), where);
        QVERIFY2(failedWith(aesGcmSeal(key, iv12, {}, data), ErrorCode::InvalidArgument), where);
        QVERIFY2(failedWith(aesGcmOpen(key, iv12, {}, data), ErrorCode::InvalidArgument), where);
        ++checked;
    }
    QCOMPARE(checked, 12);
    // The accepted sizes still work, so the rejections above are about the length.
    for (std::size_t keyLen : {16, 24, 32}) {
        const Bytes key(keyLen, 7);
        QVERIFY(aesCbcEncrypt(key, iv16, data));
        QVERIFY(aesCtr(key, iv16, data));
        QVERIFY(aesGcmSeal(key, iv12, {}, data));
    }
}

void TstCryptoVectors::aesCbcAndCtrRejectIvLengthOtherThan16() {
    const Bytes key(16, 7), data(32, 2);
    int checked = 0;
    for (std::size_t ivLen : {0, 1, 8, 12, 15, 17, 24, 32}) {
        const Bytes iv(ivLen, 1);
        const QByteArray where = QByteArray("IV length ") + QByteArray::number(qulonglong(ivLen));
        QVERIFY2(failedWith(aesCbcEncrypt(key, iv, data), ErrorCode::InvalidArgument), where);
        QVERIFY2(failedWith(aesCbcDecrypt(key, iv, data), ErrorCode::InvalidArgument), where);
        QVERIFY2(failedWith(aesCtr(key, iv, data), ErrorCode::InvalidArgument), where);
        ++checked;
    }
    QCOMPARE(checked, 8);
}

void TstCryptoVectors::aesCbcDecryptRejectsPartialBlocksAndEmptyInput() {
    const Bytes key(16, 7), iv(16, 1);
    auto good = aesCbcEncrypt(key, iv, Bytes(40, 3)); // 48 bytes
    QVERIFY(good);
    QCOMPARE(good->size(), std::size_t(48));
    int checked = 0;
    for (std::size_t len : {0, 1, 15, 17, 31, 33, 47}) {
        const QByteArray where = QByteArray("length ") + QByteArray::number(qulonglong(len));
        auto dec = aesCbcDecrypt(key, iv, ByteView(*good).first(len));
        QVERIFY2(failedWith(dec, ErrorCode::Malformed), where);
        ++checked;
    }
    QCOMPARE(checked, 7);
    // Empty plaintext is fine to encrypt (one padding block) and decrypts back to empty.
    auto emptyCt = aesCbcEncrypt(key, iv, {});
    QVERIFY(emptyCt && emptyCt->size() == 16);
    auto emptyPt = aesCbcDecrypt(key, iv, *emptyCt);
    QVERIFY(emptyPt && emptyPt->empty());
    auto full = aesCbcDecrypt(key, iv, *good);
    QVERIFY(full && full->size() == 40);
}

void TstCryptoVectors::aesGcmRejectsEmptyIvAndBadTagLength() {
    const Bytes key(16, 7), iv(12, 1), pt(20, 2);
    QVERIFY(failedWith(aesGcmSeal(key, {}, {}, pt), ErrorCode::InvalidArgument));
    auto sealed = aesGcmSeal(key, iv, {}, pt);
    QVERIFY(sealed);
    QVERIFY(failedWith(aesGcmOpen(key, {}, {}, *sealed), ErrorCode::InvalidArgument));
    // 1..128-byte IVs are accepted (OpenSSL's limit); 129 is an argument error, not a crypto one.
    for (std::size_t ivLen : {1, 128}) {
        const Bytes okIv(ivLen, 3);
        auto s = aesGcmSeal(key, okIv, {}, pt);
        QVERIFY2(s, qPrintable(why(s)));
        auto o = aesGcmOpen(key, okIv, {}, *s);
        QVERIFY(o && sameBytes(*o, pt));
    }
    const Bytes longIv(129, 3);
    QVERIFY(failedWith(aesGcmSeal(key, longIv, {}, pt), ErrorCode::InvalidArgument));
    QVERIFY(failedWith(aesGcmOpen(key, longIv, {}, *sealed), ErrorCode::InvalidArgument));
    for (std::size_t tagLen : {0, 4, 8, 11, 17, 32}) {
        const QByteArray where = QByteArray("tag length ") + QByteArray::number(qulonglong(tagLen));
        QVERIFY2(failedWith(aesGcmSeal(key, iv, {}, pt, tagLen), ErrorCode::InvalidArgument),
                 where);
        QVERIFY2(failedWith(aesGcmOpen(key, iv, {}, *sealed, tagLen), ErrorCode::InvalidArgument),
                 where);
    }
    // Shorter than its tag: refused without touching OpenSSL.
    QVERIFY(
        failedWith(aesGcmOpen(key, iv, {}, ByteView(*sealed).first(15)), ErrorCode::AuthFailed));
    auto opened = aesGcmOpen(key, iv, {}, *sealed);
    QVERIFY(opened && sameBytes(*opened, pt));
}

void TstCryptoVectors::hkdfRejectsLengthZeroAndAbove8160() {
    const Bytes ikm(22, 0x0b);
    QVERIFY(failedWith(hkdfSha256(ikm, {}, {}, 0), ErrorCode::InvalidArgument));
    QVERIFY(failedWith(hkdfSha256(ikm, {}, {}, 8161), ErrorCode::InvalidArgument));
    QVERIFY(failedWith(hkdfSha256(ikm, {}, {}, std::size_t(-1)), ErrorCode::InvalidArgument));
    auto one = hkdfSha256(ikm, {}, {}, 1);
    auto max = hkdfSha256(ikm, {}, {}, 8160);
    QVERIFY2(one && max, "the limits 1 and 255 * 32 must be accepted");
    QCOMPARE(one->size(), std::size_t(1));
    QCOMPARE(max->size(), std::size_t(8160));
    QCOMPARE((*one)[0], (*max)[0]); // HKDF output is a prefix-stable stream
}

void TstCryptoVectors::curveKeysOfWrongLengthAreRejected() {
    const Bytes good(32, 9);
    for (std::size_t len : {0, 31, 33, 64}) {
        const Bytes bad(len, 9);
        const QByteArray where = QByteArray("key length ") + QByteArray::number(qulonglong(len));
        QVERIFY2(failedWith(x25519(bad, good), ErrorCode::InvalidArgument), where);
        QVERIFY2(failedWith(x25519(good, bad), ErrorCode::InvalidArgument), where);
        QVERIFY2(failedWith(x25519PublicKey(bad), ErrorCode::InvalidArgument), where);
        QVERIFY2(x25519IsLowOrder(bad), where);
        QVERIFY2(failedWith(ed25519PublicKey(bad), ErrorCode::InvalidArgument), where);
        QVERIFY2(failedWith(ed25519Sign(bad, good), ErrorCode::InvalidArgument), where);
        QVERIFY2(!ed25519Verify(bad, good, Bytes(64, 1)), where);
    }
}

// ---------------------------------------------------------------------------------------------
// CP-07 random numbers

void TstCryptoVectors::randomFillWritesExactlyTheSpan() {
    constexpr std::size_t kCanary = 16;
    constexpr std::uint8_t kCanaryByte = 0xa5;
    constexpr int kRounds = 8; // a byte left as the prefill in all 8 rounds: p = 2^-64
    for (std::size_t len : {0, 1, 15, 16, 17, 1000, 65537}) {
        const QByteArray where = QByteArray("length ") + QByteArray::number(qulonglong(len));
        Bytes buffer(len + 2 * kCanary);
        std::vector<bool> written(len, false);
        for (int round = 0; round < kRounds; ++round) {
            std::fill(buffer.begin(), buffer.end(), kCanaryByte);
            MutableByteView span(buffer.data() + kCanary, len);
            std::fill(span.begin(), span.end(), 0);
            QVERIFY2(randomFill(span), where);
            for (std::size_t i = 0; i < len; ++i)
                if (span[i] != 0) written[i] = true;
            QVERIFY2(std::all_of(buffer.begin(), buffer.begin() + kCanary,
                                 [](std::uint8_t c) { return c == kCanaryByte; }),
                     where + " (bytes before the span changed)");
            QVERIFY2(std::all_of(buffer.end() - kCanary, buffer.end(),
                                 [](std::uint8_t c) { return c == kCanaryByte; }),
                     where + " (bytes after the span changed)");
        }
        QVERIFY2(std::all_of(written.begin(), written.end(), [](bool w) { return w; }),
                 where + " (some byte of the span was never written)");
    }
}

void TstCryptoVectors::randomFillFailureLeavesNoPartialOutput() {
    constexpr std::size_t kCanary = 8, kLen = 64;
    for (RandomSource source : {&writeHalfThenFail, &writeAllThenFailHard}) {
        RandomSourceGuard guard(source);
        g_failingSourceCalls = 0;
        Bytes buffer(kLen + 2 * kCanary, 0xcc);
        MutableByteView span(buffer.data() + kCanary, kLen);
        auto r = randomFill(span);
        QCOMPARE(g_failingSourceCalls, 1); // the injected source was really used
        QVERIFY(failedWith(r, ErrorCode::Crypto));
        QVERIFY2(allZero(span), toHex(span).c_str());
        QVERIFY(std::all_of(buffer.begin(), buffer.begin() + kCanary,
                            [](std::uint8_t c) { return c == 0xcc; }));
        QVERIFY(std::all_of(buffer.end() - kCanary, buffer.end(),
                            [](std::uint8_t c) { return c == 0xcc; }));
    }
    // The guard restored OpenSSL's generator.
    g_failingSourceCalls = 0;
    Bytes after(32, 0);
    QVERIFY(randomFill(after));
    QCOMPARE(g_failingSourceCalls, 0);
    QVERIFY(!allZero(after));
}

void TstCryptoVectors::repeatedBlockDetectorFindsRepeats() {
    // The 64 MiB check below can only fail if the detector works: prove it on known input.
    QRandomGenerator rng(0xb10c);
    Bytes data = randomTestBytes(rng, 4096 * 16);
    QCOMPARE(firstRepeatedBlock(data), -1LL);
    std::copy(data.begin() + 17 * 16, data.begin() + 18 * 16, data.begin() + 3000 * 16);
    QCOMPARE(firstRepeatedBlock(data), 3000LL);

    // Structured blocks (a counter) are all distinct and must not be reported...
    Bytes counters(65536 * 16, 0);
    for (std::size_t i = 0; i < 65536; ++i) {
        counters[16 * i + 14] = std::uint8_t(i >> 8);
        counters[16 * i + 15] = std::uint8_t(i);
    }
    QCOMPARE(firstRepeatedBlock(counters), -1LL);
    // ...until one repeats.
    counters[16 * 65535 + 14] = 0;
    counters[16 * 65535 + 15] = 5;
    QCOMPARE(firstRepeatedBlock(counters), 65535LL);
}

void TstCryptoVectors::randomOutputHasNoRepeatedBlockIn64MiB() {
    constexpr std::size_t kTotal = 64u << 20, kChunk = 1u << 20;
    // 64 MiB of output plus a 32 MiB index table.
    Bytes data(kTotal);
    for (std::size_t off = 0; off < kTotal; off += kChunk)
        QVERIFY(randomFill(MutableByteView(data).subspan(off, kChunk)));
    QCOMPARE(firstRepeatedBlock(data), -1LL);
}

void TstCryptoVectors::randomOutputDivergesAcrossFork() {
    // Use the generator before forking so a fork-unsafe DRBG would hand every process the same
    // state (and the same next bytes).
    Bytes before(32);
    QVERIFY(randomFill(before));
    Bytes child1 = randomFromChild();
    Bytes child2 = randomFromChild();
    QVERIFY2(child1.size() == 32 && child2.size() == 32,
             "fork/pipe or the child's randomFill failed");
    Bytes parent(32);
    QVERIFY(randomFill(parent));
    QVERIFY2(!sameBytes(child1, child2), "two fork() children drew the same bytes");
    QVERIFY2(!sameBytes(child1, parent), "a child drew the parent's next bytes");
    QVERIFY2(!sameBytes(child2, parent), "a child drew the parent's next bytes");
    QVERIFY(!sameBytes(before, parent));
}

// ---------------------------------------------------------------------------------------------
// CP-09 HKDF-SHA256

void TstCryptoVectors::hkdfMatchesWycheproof() {
    VERBATIM_VECTOR_OR_FAIL(path, kSharedData, "wycheproof/hkdf_sha256_test.json");
    auto file = loadWycheproof(path);
    QVERIFY2(file, qPrintable(errorText(file)));
    QCOMPARE(int(file->cases.size()), 86);

    Tally valid, invalid;
    for (const WycheproofCase& tc : file->cases) {
        Bytes ikm, salt, info, okm;
        QString err;
        QVERIFY2(
            tc.hexFields({{"ikm", &ikm}, {"salt", &salt}, {"info", &info}, {"okm", &okm}}, &err),
            qPrintable(err));
        const int size = tc.fields.value("size").toInt(-1);
        QVERIFY2(size >= 0, qPrintable(tc.id()));
        auto out = hkdfSha256(ikm, salt, info, std::size_t(size));
        if (tc.isValid())
            valid.check(out && sameBytes(*out, okm), [&] { return tc.id() + ": " + why(out); });
        else
            invalid.check(failedWith(out, ErrorCode::InvalidArgument),
                          [&] { return tc.id() + ": " + why(out); });
    }
    QVERIFY2(valid.failed() == 0, valid.report("valid"));
    QVERIFY2(invalid.failed() == 0, invalid.report("invalid (SizeTooLarge)"));
    QCOMPARE(valid.passed(), 83);
    QCOMPARE(invalid.passed(), 3);
}

void TstCryptoVectors::hkdfMatchesRfc5869() {
    VERBATIM_VECTOR_OR_FAIL(path, kCryptoVectors, "KDF/rfc-5869-HKDF-SHA256.txt");
    auto records = parseKeyValueFile(path);
    QVERIFY2(records, qPrintable(errorText(records)));
    Tally tally;
    for (const VectorRecord& rec : *records) {
        Bytes ikm, salt, info, okm;
        QString err;
        QVERIFY2(
            rec.hexFields({{"IKM", &ikm}, {"salt", &salt}, {"info", &info}, {"OKM", &okm}}, &err),
            qPrintable(err));
        QCOMPARE(rec.value("Hash"), QByteArray("SHA-256"));
        const long long length = rec.number("L");
        QCOMPARE(length, (long long)okm.size());
        auto out = hkdfSha256(ikm, salt, info, std::size_t(length));
        tally.check(out && sameBytes(*out, okm), [&] { return rec.where() + ": " + why(out); });
    }
    QVERIFY2(tally.failed() == 0, tally.report("RFC 5869"));
    QCOMPARE(tally.passed(), 3);
}

// ---------------------------------------------------------------------------------------------
// CP-11 X25519 through OpenSSL

void TstCryptoVectors::x25519MatchesWycheproofAndRefusesZeroSharedSecret() {
    VERBATIM_VECTOR_OR_FAIL(path, kSharedData, "wycheproof/x25519_test.json");
    auto file = loadWycheproof(path);
    QVERIFY2(file, qPrintable(errorText(file)));
    QCOMPARE(int(file->cases.size()), 518);

    Tally matchedValid, matchedAcceptable, refusedZero;
    for (const WycheproofCase& tc : file->cases) {
        Bytes priv, pub, shared;
        QString err;
        QVERIFY2(tc.hexFields({{"private", &priv}, {"public", &pub}, {"shared", &shared}}, &err),
                 qPrintable(err));
        QVERIFY2(!tc.isInvalid(), qPrintable(tc.id() + " is marked invalid"));
        auto out = x25519(priv, pub);
        const bool lowOrder = x25519IsLowOrder(pub);
        auto describe = [&] {
            return tc.id() + ": " + why(out) + (lowOrder ? " low-order" : " not low-order");
        };
        if (allZero(shared)) {
            // Every such case must be refused, whatever its valid/acceptable label.
            refusedZero.check(!out && lowOrder, describe);
        } else {
            // Non-zero result (valid, and acceptable twist / non-canonical points): must match,
            // and the key is not flagged as low order.
            Tally& t = tc.isValid() ? matchedValid : matchedAcceptable;
            t.check(out && sameBytes(*out, shared) && !lowOrder, describe);
        }
    }
    QVERIFY2(matchedValid.failed() == 0, matchedValid.report("valid"));
    QVERIFY2(matchedAcceptable.failed() == 0, matchedAcceptable.report("acceptable, non-zero"));
    QVERIFY2(refusedZero.failed() == 0, refusedZero.report("all-zero shared secret"));
    QCOMPARE(matchedValid.passed(), 264);
    QCOMPARE(matchedAcceptable.passed(), 223);
    QCOMPARE(refusedZero.passed(), 31);
}

void TstCryptoVectors::x25519MatchesRfc7748() {
    VERBATIM_VECTOR_OR_FAIL(path, kCryptoVectors, "asymmetric/X25519/rfc7748.txt");
    auto records = parseKeyValueFile(path);
    QVERIFY2(records, qPrintable(errorText(records)));
    Tally tally;
    for (const VectorRecord& rec : *records) {
        Bytes scalar, u, expected;
        QString err;
        QVERIFY2(rec.hexFields(
                     {{"INPUT_SCALAR", &scalar}, {"INPUT_U", &u}, {"OUTPUT_U", &expected}}, &err),
                 qPrintable(err));
        auto out = x25519(scalar, u);
        tally.check(out && sameBytes(*out, expected),
                    [&] { return rec.where() + ": " + why(out); });
    }
    QVERIFY2(tally.failed() == 0, tally.report("RFC 7748 5.2"));
    QCOMPARE(tally.passed(), 3);

    // RFC 7748 section 5.2, iterated: k = u = 9; repeat k, u = X25519(k, u), k. The file holds
    // the 1-iteration value; the 1000-iteration value is from the RFC text.
    Bytes k(32, 0), u(32, 0);
    k[0] = u[0] = 9;
    for (int i = 0; i < 1000; ++i) {
        auto r = x25519(k, u);
        QVERIFY2(r, qPrintable(QStringLiteral("iteration %1: %2").arg(i).arg(why(r))));
        u = k;
        k.assign(r->begin(), r->end());
    }
    QVERIFY2(sameBytes(k, hex("684cf59ba83309552800ef566f2f4d3c1c3887c49360e3875f2eb94d99532c51")),
             toHex(k).c_str());
}

// ---------------------------------------------------------------------------------------------
// CP-12 AES-GCM

void TstCryptoVectors::aesGcmSealsAndOpensWycheproofValidCases() {
    VERBATIM_VECTOR_OR_FAIL(path, kSharedData, "wycheproof/aes_gcm_test.json");
    auto file = loadWycheproof(path);
    QVERIFY2(file, qPrintable(errorText(file)));
    QCOMPARE(int(file->cases.size()), 316);

    // Three valid cases use a 257-byte IV; OpenSSL 3's GCM takes at most 128 bytes, so our API
    // documents 1..128 and must refuse those cleanly (InvalidArgument) on both sides. Verbatim
    // itself only ever uses 12-byte IVs.
    Tally seal, open, ivTooLong;
    for (const WycheproofCase& tc : file->cases) {
        if (!tc.isValid()) continue;
        Bytes key, iv, aad, msg, ct, tag;
        QString err;
        QVERIFY2(tc.hexFields({{"key", &key},
                               {"iv", &iv},
                               {"aad", &aad},
                               {"msg", &msg},
                               {"ct", &ct},
                               {"tag", &tag}},
                              &err),
                 qPrintable(err));
        const std::size_t tagLen = std::size_t(tc.group.value("tagSize").toInt()) / 8;
        QVERIFY2(tag.size() == tagLen, qPrintable(tc.id()));
        const Bytes expected = concat(ct, tag);
        if (iv.size() > 128) {
            auto sealed = aesGcmSeal(key, iv, aad, msg, tagLen);
            auto opened = aesGcmOpen(key, iv, aad, expected, tagLen);
            ivTooLong.check(failedWith(sealed, ErrorCode::InvalidArgument) &&
                                failedWith(opened, ErrorCode::InvalidArgument),
                            [&] { return tc.id() + ": " + why(sealed) + " / " + why(opened); });
            continue;
        }
        auto sealed = aesGcmSeal(key, iv, aad, msg, tagLen);
        seal.check(sealed && sameBytes(*sealed, expected),
                   [&] { return tc.id() + ": " + why(sealed); });
        auto opened = aesGcmOpen(key, iv, aad, expected, tagLen);
        open.check(opened && sameBytes(*opened, msg), [&] { return tc.id() + ": " + why(opened); });
    }
    QVERIFY2(seal.failed() == 0, seal.report("seal"));
    QVERIFY2(open.failed() == 0, open.report("open"));
    QVERIFY2(ivTooLong.failed() == 0, ivTooLong.report("IV > 128 bytes"));
    QCOMPARE(seal.passed(), 226);
    QCOMPARE(open.passed(), 226);
    QCOMPARE(ivTooLong.passed(), 3); // 226 + 3 = all 229 valid cases
}

void TstCryptoVectors::aesGcmRejectsWycheproofInvalidCasesWithoutPlaintext() {
    VERBATIM_VECTOR_OR_FAIL(path, kSharedData, "wycheproof/aes_gcm_test.json");
    auto file = loadWycheproof(path);
    QVERIFY2(file, qPrintable(errorText(file)));

    Tally rejected;
    int modifiedTag = 0, emptyIv = 0;
    for (const WycheproofCase& tc : file->cases) {
        if (tc.isValid()) continue;
        QVERIFY2(tc.isInvalid(), qPrintable(tc.id()));
        Bytes key, iv, aad, ct, tag;
        QString err;
        QVERIFY2(tc.hexFields(
                     {{"key", &key}, {"iv", &iv}, {"aad", &aad}, {"ct", &ct}, {"tag", &tag}}, &err),
                 qPrintable(err));
        const std::size_t tagLen = std::size_t(tc.group.value("tagSize").toInt()) / 8;
        auto opened = aesGcmOpen(key, iv, aad, concat(ct, tag), tagLen);
        // A modified tag is an authentication failure; a zero-length IV is refused up front.
        const ErrorCode expected = iv.empty() ? ErrorCode::InvalidArgument : ErrorCode::AuthFailed;
        iv.empty() ? ++emptyIv : ++modifiedTag;
        rejected.check(failedWith(opened, expected), [&] { return tc.id() + ": " + why(opened); });
    }
    QVERIFY2(rejected.failed() == 0, rejected.report("invalid cases"));
    QCOMPARE(rejected.passed(), 87);
    QCOMPARE(modifiedTag, 81);
    QCOMPARE(emptyIv, 6);
}

void TstCryptoVectors::aesGcmMatchesNistDecryptVectors_data() {
    QTest::addColumn<QString>("file");
    QTest::addColumn<int>("expectedOpened");
    QTest::addColumn<int>("expectedFail");
    QTest::addColumn<int>("expectedUnsupportedTag");
    // 7875 cases per file; tags of 4 and 8 bytes (2250 cases) are below our API's 12-byte
    // minimum and must be refused as an argument error.
    QTest::newRow("128") << "gcmDecrypt128.rsp" << 5625 - 2887 << 2887 << 2250;
    QTest::newRow("192") << "gcmDecrypt192.rsp" << 5625 - 2837 << 2837 << 2250;
    QTest::newRow("256") << "gcmDecrypt256.rsp" << 5625 - 2780 << 2780 << 2250;
}

void TstCryptoVectors::aesGcmMatchesNistDecryptVectors() {
    QFETCH(QString, file);
    QFETCH(int, expectedOpened);
    QFETCH(int, expectedFail);
    QFETCH(int, expectedUnsupportedTag);
    VERBATIM_VECTOR_OR_FAIL(path, kCryptoVectors, "ciphers/AES/GCM/" + file);
    auto records = parseKeyValueFile(path);
    QVERIFY2(records, qPrintable(errorText(records)));

    Tally opened, failed, unsupported;
    for (const VectorRecord& rec : *records) {
        Bytes key, iv, ct, aad, tag, pt;
        QString err;
        QVERIFY2(rec.hexFields(
                     {{"Key", &key}, {"IV", &iv}, {"CT", &ct}, {"AAD", &aad}, {"Tag", &tag}}, &err),
                 qPrintable(err));
        QVERIFY2(rec.params.value("Taglen").toInt() == int(tag.size() * 8),
                 qPrintable(rec.where()));
        const bool mustFail = rec.has("FAIL");
        if (!mustFail) QVERIFY2(rec.hex("PT", pt, &err), qPrintable(err));
        auto out = aesGcmOpen(key, iv, aad, concat(ct, tag), tag.size());
        auto describe = [&] { return rec.where() + ": " + why(out); };
        if (tag.size() < 12)
            unsupported.check(failedWith(out, ErrorCode::InvalidArgument), describe);
        else if (mustFail)
            failed.check(failedWith(out, ErrorCode::AuthFailed), describe);
        else
            opened.check(out && sameBytes(*out, pt), describe);
    }
    QVERIFY2(opened.failed() == 0, opened.report("PT cases"));
    QVERIFY2(failed.failed() == 0, failed.report("FAIL cases"));
    QVERIFY2(unsupported.failed() == 0, unsupported.report("4/8-byte tags"));
    QCOMPARE(opened.passed(), expectedOpened);
    QCOMPARE(failed.passed(), expectedFail);
    QCOMPARE(unsupported.passed(), expectedUnsupportedTag);
}

void TstCryptoVectors::aesGcmMatchesNistEncryptExtIvVectors_data() {
    QTest::addColumn<QString>("file");
    QTest::addColumn<int>("expectedSupported");
    QTest::addColumn<int>("expectedUnsupportedTag");
    // Every case is run (no sampling). IVs are 1, 12 or 128 bytes, all supported; of the 7
    // tag lengths only 12..16 bytes are, so 5 x 1125 cases are sealed and 2 x 1125 refused.
    QTest::newRow("128") << "gcmEncryptExtIV128.rsp" << 5625 << 2250;
    QTest::newRow("192") << "gcmEncryptExtIV192.rsp" << 5625 << 2250;
    QTest::newRow("256") << "gcmEncryptExtIV256.rsp" << 5625 << 2250;
}

void TstCryptoVectors::aesGcmMatchesNistEncryptExtIvVectors() {
    QFETCH(QString, file);
    QFETCH(int, expectedSupported);
    QFETCH(int, expectedUnsupportedTag);
    VERBATIM_VECTOR_OR_FAIL(path, kCryptoVectors, "ciphers/AES/GCM/" + file);
    auto records = parseKeyValueFile(path);
    QVERIFY2(records, qPrintable(errorText(records)));

    Tally sealed, reopened, unsupported;
    for (const VectorRecord& rec : *records) {
        Bytes key, iv, pt, aad, ct, tag;
        QString err;
        QVERIFY2(rec.hexFields({{"Key", &key},
                                {"IV", &iv},
                                {"PT", &pt},
                                {"AAD", &aad},
                                {"CT", &ct},
                                {"Tag", &tag}},
                               &err),
                 qPrintable(err));
        QVERIFY2(!iv.empty() && rec.params.value("IVlen").toInt() == int(iv.size() * 8),
                 qPrintable(rec.where()));
        auto out = aesGcmSeal(key, iv, aad, pt, tag.size());
        auto describe = [&] { return rec.where() + ": " + why(out); };
        if (tag.size() < 12 || tag.size() > 16) {
            unsupported.check(failedWith(out, ErrorCode::InvalidArgument), describe);
            continue;
        }
        const Bytes expected = concat(ct, tag);
        sealed.check(out && sameBytes(*out, expected), describe);
        auto back = aesGcmOpen(key, iv, aad, expected, tag.size());
        reopened.check(back && sameBytes(*back, pt),
                       [&] { return rec.where() + ": " + why(back); });
    }
    QVERIFY2(sealed.failed() == 0, sealed.report("seal"));
    QVERIFY2(reopened.failed() == 0, reopened.report("open"));
    QVERIFY2(unsupported.failed() == 0, unsupported.report("4/8-byte tags"));
    QCOMPARE(sealed.passed(), expectedSupported);
    QCOMPARE(reopened.passed(), expectedSupported);
    QCOMPARE(unsupported.passed(), expectedUnsupportedTag);
}

// ---------------------------------------------------------------------------------------------
// CP-13 Ed25519

void TstCryptoVectors::ed25519VerifiesExactlyWycheproofValidSignatures() {
    VERBATIM_VECTOR_OR_FAIL(path, kSharedData, "wycheproof/ed25519_test.json");
    auto file = loadWycheproof(path);
    QVERIFY2(file, qPrintable(errorText(file)));
    QCOMPARE(int(file->cases.size()), 151);

    Tally accepted, rejected;
    for (const WycheproofCase& tc : file->cases) {
        Bytes pk, msg, sig;
        QString err;
        const QString pkHex = tc.group.value("publicKey").toObject().value("pk").toString();
        QVERIFY2(verbatim::test::decodeHex(pkHex.toLatin1(), pk) && pk.size() == 32,
                 qPrintable(tc.id() + " publicKey.pk"));
        QVERIFY2(tc.hexFields({{"msg", &msg}, {"sig", &sig}}, &err), qPrintable(err));
        QVERIFY2(tc.isValid() || tc.isInvalid(), qPrintable(tc.id()));
        const bool verified = ed25519Verify(pk, msg, sig);
        auto describe = [&] { return tc.id() + " " + tc.flags.join(','); };
        if (tc.isValid())
            accepted.check(verified, describe);
        else
            rejected.check(!verified, describe);
    }
    QVERIFY2(accepted.failed() == 0, accepted.report("valid signatures not verified"));
    QVERIFY2(rejected.failed() == 0, rejected.report("invalid signatures verified"));
    QCOMPARE(accepted.passed(), 88);
    QCOMPARE(rejected.passed(), 63);
}

void TstCryptoVectors::ed25519SignsRfc8032VectorAndRoundTrips() {
    const Bytes seed = hex(kEd25519Seed);
    auto pub = ed25519PublicKey(seed);
    QVERIFY2(pub && sameBytes(*pub, hex(kEd25519Public)), qPrintable(why(pub)));
    auto sig = ed25519Sign(seed, {});
    QVERIFY2(sig && sameBytes(*sig, hex(kEd25519Signature)), qPrintable(why(sig)));
    QVERIFY(ed25519Verify(*pub, {}, *sig));

    auto kp = ed25519Generate();
    QVERIFY2(kp, qPrintable(errorText(kp)));
    QCOMPARE(kp->privateKey.size(), std::size_t(32));
    QCOMPARE(kp->publicKey.size(), std::size_t(32));
    QRandomGenerator rng(0xed);
    for (std::size_t len : {0, 1, 64, 1000}) {
        const Bytes msg = randomTestBytes(rng, len);
        auto s = ed25519Sign(kp->privateKey, msg);
        QVERIFY(s && s->size() == 64);
        QVERIFY(ed25519Verify(kp->publicKey, msg, *s));
        QVERIFY(!ed25519Verify(*pub, msg, *s)); // another key
        Bytes other = msg;
        other.push_back(0);
        QVERIFY(!ed25519Verify(kp->publicKey, other, *s)); // another message
        if (len > 0) {
            other = msg;
            other[0] ^= 1;
            QVERIFY(!ed25519Verify(kp->publicKey, other, *s));
        }
    }
}

void TstCryptoVectors::ed25519RejectsEveryBitFlipOfSignature() {
    const Bytes seed = hex(kEd25519Seed);
    auto pub = ed25519PublicKey(seed);
    QVERIFY(pub);
    const Bytes msg = toBytes(view("verbatim checkpoint"));
    auto sig = ed25519Sign(seed, msg);
    QVERIFY(sig);
    QVERIFY(ed25519Verify(*pub, msg, *sig));

    Tally tally;
    for (std::size_t bit = 0; bit < sig->size() * 8; ++bit) {
        Bytes flipped = *sig;
        flipped[bit / 8] ^= std::uint8_t(1u << (bit % 8));
        tally.check(!ed25519Verify(*pub, msg, flipped),
                    [&] { return QStringLiteral("bit %1").arg(bit); });
    }
    QVERIFY2(tally.failed() == 0, tally.report("flipped signatures that verified"));
    QCOMPARE(tally.passed(), 512);
    QVERIFY(ed25519Verify(*pub, msg, *sig)); // the original is still good
}

// C-HEX-1: every hex the product writes (secrets on the wire, key ids, links, journal bodies)
// comes from toHex: two lowercase digits per byte, no prefix or separator; upper-case input
// read back is written lowercase.
void TstCryptoVectors::hexIsWrittenLowercase() {
    Bytes all(256);
    std::string expected;
    for (int i = 0; i < 256; ++i) {
        all[std::size_t(i)] = std::uint8_t(i);
        char two[3];
        std::snprintf(two, sizeof two, "%02x", i);
        expected += two;
    }
    QCOMPARE(QString::fromStdString(toHex(all)), QString::fromStdString(expected));
    auto back = fromHex("00AbCDef");
    QVERIFY(back);
    QCOMPARE(QString::fromStdString(toHex(*back)), QStringLiteral("00abcdef"));
}

QTEST_GUILESS_MAIN(TstCryptoVectors)
#include "tst_crypto_vectors.moc"
