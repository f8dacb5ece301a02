// Over 600 lines on purpose: one Qt Test class for the crypto provider; its functions share the
// Wycheproof readers, HKDF probe and devices defined above it.
//
// Crypto-provider and curve tests for the Signal layer (TESTPLAN B1: CP-03, CP-06, CP-09, CP-10,
// CP-13) with the provider callbacks called directly, plus the recursive locking of one shared
// SignalContext under two threads.

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QtTest/QTest>

#include <atomic>
#include <climits>
#include <latch>
#include <thread>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <curve.h>
#include <hkdf.h>
#include <signal_protocol.h>

#include "common/Log.h"
#include "signal/CryptoProvider.h"
#include "signal/InMemoryProtocolStore.h"
#include "signal/SafetyNumber.h"
#include "signal/SessionManager.h"
#include "signal/SignalContext.h"
#include "signal/SignalPtr.h"

using namespace verbatim;
using namespace verbatim::signal;

namespace {

const signal_crypto_provider& provider() {
    static const signal_crypto_provider p = makeCryptoProvider();
    return p;
}

QString hex(ByteView b) {
    return QString::fromStdString(toHex(b));
}

Bytes bytesOf(signal_buffer* b) {
    return b ? Bytes(signal_buffer_const_data(b),
                     signal_buffer_const_data(b) + signal_buffer_len(b))
             : Bytes();
}

Bytes pattern(std::size_t n, std::uint8_t seed) {
    Bytes out(n);
    for (std::size_t i = 0; i < n; ++i)
        out[i] = static_cast<std::uint8_t>(seed + i * 31);
    return out;
}

/// Calls encrypt_func or decrypt_func; `out` must start NULL and is freed by the caller.
int cipherCall(bool encrypt, signal_buffer** out, int cipher, const std::uint8_t* key,
               std::size_t keyLen, const std::uint8_t* iv, std::size_t ivLen,
               const std::uint8_t* data, std::size_t len) {
    const auto& p = provider();
    return encrypt ? p.encrypt_func(out, cipher, key, keyLen, iv, ivLen, data, len, p.user_data)
                   : p.decrypt_func(out, cipher, key, keyLen, iv, ivLen, data, len, p.user_data);
}

/// Expects one cipher call to fail without output; `what` names the case.
void expectCipherRefused(bool encrypt, int cipher, const std::uint8_t* key, std::size_t keyLen,
                         const std::uint8_t* iv, std::size_t ivLen, const std::uint8_t* data,
                         std::size_t len, const QString& what) {
    signal_buffer* out = nullptr;
    const int rc = cipherCall(encrypt, &out, cipher, key, keyLen, iv, ivLen, data, len);
    const bool leaked = out != nullptr;
    signal_buffer_free(out);
    QVERIFY2(rc < 0, qPrintable(what + QStringLiteral(": returned %1").arg(rc)));
    QVERIFY2(!leaked, qPrintable(what + ": output set on failure"));
}

Bytes sha512(ByteView data) {
    Bytes out(SHA512_DIGEST_LENGTH);
    SHA512(data.data(), data.size(), out.data());
    return out;
}

Bytes hmacSha256(ByteView key, ByteView data) {
    Bytes out(32);
    unsigned len = 0;
    HMAC(EVP_sha256(), key.data(), int(key.size()), data.data(), data.size(), out.data(), &len);
    out.resize(len);
    return out;
}

bool decodeHex(const QJsonValue& v, Bytes& out) {
    auto r = fromHex(v.toString().toStdString());
    if (!r) return false;
    out = std::move(*r);
    return true;
}

/// The tests of a Wycheproof file with their group, or an error message.
struct WycheproofTest {
    QJsonObject group;
    QJsonObject test;
};

QString loadWycheproof(const QString& path, std::vector<WycheproofTest>& out) {
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) return QStringLiteral("cannot read %1").arg(path);
    QJsonParseError err{};
    const QJsonDocument doc = QJsonDocument::fromJson(file.readAll(), &err);
    if (doc.isNull()) return QStringLiteral("%1: %2").arg(path, err.errorString());
    for (const QJsonValue g : doc.object().value("testGroups").toArray())
        for (const QJsonValue t : g.toObject().value("tests").toArray())
            out.push_back({g.toObject(), t.toObject()});
    const int declared = doc.object().value("numberOfTests").toInt();
    if (declared != int(out.size()))
        return QStringLiteral("%1 declares %2 tests, holds %3")
            .arg(path)
            .arg(declared)
            .arg(out.size());
    return {};
}

QString sharedDataFile(const char* relative) {
    return QDir(QStringLiteral(VERBATIM_SHARED_DATA)).filePath(QLatin1String(relative));
}

struct HkdfResult {
    ssize_t rc = 0;
    Bytes okm;
};

HkdfResult libsignalHkdf(signal_context* ctx, const Bytes& ikm, const Bytes& salt,
                         const Bytes& info, std::size_t size) {
    HkdfResult r;
    hkdf_context* kdf = nullptr;
    if ((r.rc = hkdf_create(&kdf, 3, ctx)) != 0) return r;
    std::uint8_t* output = nullptr;
    r.rc = hkdf_derive_secrets(kdf, &output, ikm.data(), ikm.size(),
                               salt.empty() ? nullptr : salt.data(), salt.size(),
                               info.empty() ? nullptr : info.data(), info.size(), size);
    if (r.rc > 0 && output) r.okm.assign(output, output + r.rc);
    free(output);
    signal_type_unref(reinterpret_cast<signal_type_base*>(kdf));
    return r;
}

/// Runs HKDF for each request in its own child process and waits at most `timeoutMs` for all of
/// them: libsignal's expand loop may never end (see libsignalHkdfMatchesWycheproof).
struct HkdfProbe {
    Bytes ikm, salt, info;
    std::size_t size = 0;
    bool finished = false;
    HkdfResult result;
};

void probeHkdfInChildren(std::vector<HkdfProbe>& probes, int timeoutMs) {
    struct Child {
        pid_t pid = -1;
        int fd = -1;
        Bytes data;
        bool eof = false;
    };
    std::vector<Child> children(probes.size());
    for (std::size_t i = 0; i < probes.size(); ++i) {
        int fds[2];
        if (pipe(fds) != 0) qFatal("pipe failed");
        const pid_t pid = fork();
        if (pid < 0) qFatal("fork failed");
        if (pid == 0) {
            close(fds[0]);
            auto ctx = SignalContext::create();
            if (!ctx) _exit(2);
            const HkdfResult r = libsignalHkdf((*ctx)->get(), probes[i].ikm, probes[i].salt,
                                               probes[i].info, probes[i].size);
            std::int64_t rc = r.rc;
            ssize_t w = write(fds[1], &rc, sizeof rc);
            if (w == ssize_t(sizeof rc) && !r.okm.empty())
                w = write(fds[1], r.okm.data(), r.okm.size());
            _exit(w < 0 ? 3 : 0); // no atexit handlers, no sanitizer reports from the child
        }
        close(fds[1]);
        children[i].pid = pid;
        children[i].fd = fds[0];
    }
    QElapsedTimer timer;
    timer.start();
    while (timer.elapsed() < timeoutMs) {
        std::vector<pollfd> pfds;
        for (auto& c : children)
            if (!c.eof) pfds.push_back({c.fd, POLLIN, 0});
        if (pfds.empty()) break;
        if (poll(pfds.data(), pfds.size(), 50) <= 0) continue;
        for (auto& c : children) {
            if (c.eof) continue;
            std::uint8_t buf[4096];
            const ssize_t n = read(c.fd, buf, sizeof buf);
            if (n > 0)
                c.data.insert(c.data.end(), buf, buf + n);
            else if (n == 0)
                c.eof = true;
        }
    }
    for (std::size_t i = 0; i < children.size(); ++i) {
        Child& c = children[i];
        if (!c.eof) kill(c.pid, SIGKILL);
        int status = 0;
        waitpid(c.pid, &status, 0);
        close(c.fd);
        const bool exited = c.eof && WIFEXITED(status) && WEXITSTATUS(status) == 0 &&
                            c.data.size() >= sizeof(std::int64_t);
        probes[i].finished = exited;
        if (exited) {
            std::int64_t rc = 0;
            std::memcpy(&rc, c.data.data(), sizeof rc);
            probes[i].result.rc = ssize_t(rc);
            probes[i].result.okm.assign(c.data.begin() + sizeof rc, c.data.end());
        }
    }
}

/// u < p and bit 255 clear, for a 32-byte little-endian u.
bool canonicalU(ByteView u) {
    if (u[31] & 0x80) return false;
    if (u[31] != 0x7f || u[0] < 0xed) return true;
    for (int i = 1; i < 31; ++i)
        if (u[i] != 0xff) return true;
    return false;
}

struct Device {
    std::unique_ptr<InMemoryProtocolStore> store;
    std::unique_ptr<SessionManager> manager;
    Address address;
    PreKeyBundle bundle;
};

Result<Device> makeDevice(const std::shared_ptr<SignalContext>& ctx, std::string name) {
    Device d;
    d.address = {std::move(name), 1};
    auto identity = SessionManager::generateIdentity(*ctx);
    if (!identity) return tl::unexpected(identity.error());
    auto registrationId = SessionManager::generateRegistrationId(*ctx);
    if (!registrationId) return tl::unexpected(registrationId.error());
    d.bundle.identityKey = identity->publicKey;
    d.bundle.registrationId = *registrationId;
    d.bundle.deviceId = 1;
    d.store = std::make_unique<InMemoryProtocolStore>(std::move(*identity), *registrationId);
    auto manager = SessionManager::create(ctx, *d.store);
    if (!manager) return tl::unexpected(manager.error());
    d.manager = std::move(*manager);
    auto spk = d.manager->generateSignedPreKey(1);
    if (!spk) return tl::unexpected(spk.error());
    auto pks = d.manager->generatePreKeys(1, 1);
    if (!pks) return tl::unexpected(pks.error());
    d.bundle.signedPreKeyId = spk->id;
    d.bundle.signedPreKeyPublic = spk->publicKey;
    d.bundle.signedPreKeySignature = spk->signature;
    d.bundle.preKeyId = (*pks)[0].id;
    d.bundle.preKeyPublic = (*pks)[0].publicKey;
    return d;
}

template <class T> QString errorText(const Result<T>& r) {
    return r ? QString() : QString::fromStdString(r.error().message);
}

#define VERIFY_OK(expr)                                                                            \
    do {                                                                                           \
        const auto& verifyOkResult = (expr);                                                       \
        QVERIFY2(verifyOkResult.has_value(), qPrintable(errorText(verifyOkResult)));               \
    } while (false)

} // namespace

class TestSignalProvider : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();

    // CP-06
    void validCipherCallsSucceed();
    void cipherRefusesKeyLengthsOtherThan16_24_32();
    void cipherRefusesIvLengthsOtherThan16();
    void cbcDecryptRefusesPartialBlocksAndEmptyCiphertext();
    void cipherRefusesUnknownCipherIds();
    void cipherRefusesNullPointers();
    void hmacRefusesEmptyKeyAndNullPointers();
    void digestAndRandomRefuseNullPointers();
    // CP-03
    void sha512FinalResetsContextForReuse();
    void hmacFinalRearmsContextWithSameKey();
    // CP-09
    void libsignalHkdfMatchesWycheproof();
    // CP-10
    void libsignalX25519MatchesWycheproofAndLowOrderKeysAreRefused();
    // CP-13
    void xeddsaSignatureVerifiesOnlyUnchanged();
    // Locking (PR-14 in small, under the sanitizers of the build rather than TSan)
    void twoThreadsEncryptOnDistinctSessionsOfOneContext();
    // C-SN-1 (docs/protocol.md, "Safety number")
    void safetyNumberMatchesTheProtocolVector();

private:
    std::shared_ptr<SignalContext> m_context;
};

void TestSignalProvider::initTestCase() {
    log::setLevel(log::Level::Error);
    auto ctx = SignalContext::create();
    VERIFY_OK(ctx);
    m_context = *ctx;
}

// ---- CP-06 -------------------------------------------------------------------------------------

void TestSignalProvider::validCipherCallsSucceed() {
    // The control for the refusals below: the same calls with good arguments work.
    const Bytes iv = pattern(16, 9);
    const Bytes plain = pattern(37, 1);
    for (std::size_t keyLen : {16u, 24u, 32u}) {
        const Bytes key = pattern(keyLen, 3);
        for (int cipher : {SG_CIPHER_AES_CBC_PKCS5, SG_CIPHER_AES_CTR_NOPADDING}) {
            signal_buffer* ct = nullptr;
            QCOMPARE(cipherCall(true, &ct, cipher, key.data(), key.size(), iv.data(), iv.size(),
                                plain.data(), plain.size()),
                     0);
            QVERIFY(ct);
            QCOMPARE(signal_buffer_len(ct), cipher == SG_CIPHER_AES_CBC_PKCS5 ? 48u : 37u);
            signal_buffer* back = nullptr;
            QCOMPARE(cipherCall(false, &back, cipher, key.data(), key.size(), iv.data(), iv.size(),
                                signal_buffer_const_data(ct), signal_buffer_len(ct)),
                     0);
            const Bytes roundTrip = bytesOf(back);
            signal_buffer_free(ct);
            signal_buffer_free(back);
            QVERIFY(roundTrip == plain);
        }
    }
    // Empty plaintext is fine to encrypt: one padding block in CBC, nothing in CTR.
    const Bytes key = pattern(32, 3);
    signal_buffer* ct = nullptr;
    QCOMPARE(
        cipherCall(true, &ct, SG_CIPHER_AES_CBC_PKCS5, key.data(), 32, iv.data(), 16, nullptr, 0),
        0);
    QCOMPARE(signal_buffer_len(ct), 16u);
    signal_buffer_free(ct);
}

void TestSignalProvider::cipherRefusesKeyLengthsOtherThan16_24_32() {
    const Bytes key = pattern(64, 3);
    const Bytes iv = pattern(16, 9);
    const Bytes data = pattern(32, 1);
    for (std::size_t keyLen : {0u, 1u, 8u, 15u, 17u, 20u, 23u, 25u, 31u, 33u, 48u, 64u})
        for (int cipher : {SG_CIPHER_AES_CBC_PKCS5, SG_CIPHER_AES_CTR_NOPADDING})
            for (bool encrypt : {true, false})
                expectCipherRefused(encrypt, cipher, key.data(), keyLen, iv.data(), 16, data.data(),
                                    data.size(),
                                    QStringLiteral("cipher %1 %2 key_len %3")
                                        .arg(cipher)
                                        .arg(encrypt ? "encrypt" : "decrypt")
                                        .arg(keyLen));
}

void TestSignalProvider::cipherRefusesIvLengthsOtherThan16() {
    const Bytes key = pattern(32, 3);
    const Bytes iv = pattern(64, 9);
    const Bytes data = pattern(32, 1);
    for (std::size_t ivLen : {0u, 1u, 8u, 12u, 15u, 17u, 24u, 32u, 64u})
        for (int cipher : {SG_CIPHER_AES_CBC_PKCS5, SG_CIPHER_AES_CTR_NOPADDING})
            for (bool encrypt : {true, false})
                expectCipherRefused(encrypt, cipher, key.data(), 32, iv.data(), ivLen, data.data(),
                                    data.size(),
                                    QStringLiteral("cipher %1 %2 iv_len %3")
                                        .arg(cipher)
                                        .arg(encrypt ? "encrypt" : "decrypt")
                                        .arg(ivLen));
}

void TestSignalProvider::cbcDecryptRefusesPartialBlocksAndEmptyCiphertext() {
    const Bytes key = pattern(32, 3);
    const Bytes iv = pattern(16, 9);
    const Bytes data = pattern(64, 1);
    for (std::size_t len : {1u, 8u, 15u, 17u, 31u, 33u, 47u, 63u})
        expectCipherRefused(false, SG_CIPHER_AES_CBC_PKCS5, key.data(), 32, iv.data(), 16,
                            data.data(), len, QStringLiteral("CBC decrypt of %1 bytes").arg(len));
    expectCipherRefused(false, SG_CIPHER_AES_CBC_PKCS5, key.data(), 32, iv.data(), 16, data.data(),
                        0, QStringLiteral("CBC decrypt of 0 bytes"));
    expectCipherRefused(false, SG_CIPHER_AES_CBC_PKCS5, key.data(), 32, iv.data(), 16, nullptr, 0,
                        QStringLiteral("CBC decrypt of NULL, 0"));
}

void TestSignalProvider::cipherRefusesUnknownCipherIds() {
    const Bytes key = pattern(32, 3);
    const Bytes iv = pattern(16, 9);
    const Bytes data = pattern(32, 1);
    for (int cipher : {0, 3, 4, -1, 99, INT_MAX, INT_MIN})
        for (bool encrypt : {true, false})
            expectCipherRefused(encrypt, cipher, key.data(), 32, iv.data(), 16, data.data(),
                                data.size(), QStringLiteral("cipher id %1").arg(cipher));
}

void TestSignalProvider::cipherRefusesNullPointers() {
    const Bytes key = pattern(32, 3);
    const Bytes iv = pattern(16, 9);
    const Bytes data = pattern(32, 1);
    for (int cipher : {SG_CIPHER_AES_CBC_PKCS5, SG_CIPHER_AES_CTR_NOPADDING}) {
        for (bool encrypt : {true, false}) {
            const QString what =
                QStringLiteral("cipher %1 %2").arg(cipher).arg(encrypt ? "encrypt" : "decrypt");
            QVERIFY2(cipherCall(encrypt, nullptr, cipher, key.data(), 32, iv.data(), 16,
                                data.data(), data.size()) < 0,
                     qPrintable(what + ": NULL output"));
            expectCipherRefused(encrypt, cipher, nullptr, 32, iv.data(), 16, data.data(),
                                data.size(), what + ": NULL key");
            expectCipherRefused(encrypt, cipher, key.data(), 32, nullptr, 16, data.data(),
                                data.size(), what + ": NULL iv");
            expectCipherRefused(encrypt, cipher, key.data(), 32, iv.data(), 16, nullptr, 32,
                                what + ": NULL data with length 32");
        }
    }
}

void TestSignalProvider::hmacRefusesEmptyKeyAndNullPointers() {
    const auto& p = provider();
    const Bytes key = pattern(32, 5);
    // libsignal's hkdf_extract does not initialise its context pointer and cleans it up after a
    // failed init, so a refusal must also set it to NULL, not merely leave it alone.
    void* ctx = reinterpret_cast<void*>(std::uintptr_t(0x1));
    QVERIFY(p.hmac_sha256_init_func(&ctx, key.data(), 0, p.user_data) < 0);
    QCOMPARE(ctx, nullptr);
    ctx = reinterpret_cast<void*>(std::uintptr_t(0x1));
    QVERIFY(p.hmac_sha256_init_func(&ctx, nullptr, 0, p.user_data) < 0);
    QCOMPARE(ctx, nullptr);
    ctx = reinterpret_cast<void*>(std::uintptr_t(0x1));
    QVERIFY(p.hmac_sha256_init_func(&ctx, nullptr, 32, p.user_data) < 0);
    QCOMPARE(ctx, nullptr);
    QVERIFY(p.hmac_sha256_init_func(nullptr, key.data(), key.size(), p.user_data) < 0);
    p.hmac_sha256_cleanup_func(nullptr, p.user_data); // must be a no-op

    signal_buffer* out = nullptr;
    QVERIFY(p.hmac_sha256_update_func(nullptr, key.data(), key.size(), p.user_data) < 0);
    QVERIFY(p.hmac_sha256_final_func(nullptr, &out, p.user_data) < 0);
    QCOMPARE(out, nullptr);

    // A good context refuses NULL data with a length and a NULL output, and still works after.
    QCOMPARE(p.hmac_sha256_init_func(&ctx, key.data(), key.size(), p.user_data), 0);
    QVERIFY(ctx);
    QVERIFY(p.hmac_sha256_update_func(ctx, nullptr, 5, p.user_data) < 0);
    QVERIFY(p.hmac_sha256_final_func(ctx, nullptr, p.user_data) < 0);
    QCOMPARE(p.hmac_sha256_update_func(ctx, nullptr, 0, p.user_data), 0);
    QCOMPARE(p.hmac_sha256_final_func(ctx, &out, p.user_data), 0);
    const Bytes tag = bytesOf(out);
    signal_buffer_free(out);
    p.hmac_sha256_cleanup_func(ctx, p.user_data);
    QVERIFY(tag == hmacSha256(key, {}));
}

void TestSignalProvider::digestAndRandomRefuseNullPointers() {
    const auto& p = provider();
    QVERIFY(p.sha512_digest_init_func(nullptr, p.user_data) < 0);
    signal_buffer* out = nullptr;
    const Bytes data = pattern(10, 1);
    QVERIFY(p.sha512_digest_update_func(nullptr, data.data(), data.size(), p.user_data) < 0);
    QVERIFY(p.sha512_digest_final_func(nullptr, &out, p.user_data) < 0);
    QCOMPARE(out, nullptr);
    p.sha512_digest_cleanup_func(nullptr, p.user_data);

    void* ctx = nullptr;
    QCOMPARE(p.sha512_digest_init_func(&ctx, p.user_data), 0);
    QVERIFY(p.sha512_digest_update_func(ctx, nullptr, 3, p.user_data) < 0);
    QVERIFY(p.sha512_digest_final_func(ctx, nullptr, p.user_data) < 0);
    QCOMPARE(p.sha512_digest_final_func(ctx, &out, p.user_data), 0);
    const Bytes digest = bytesOf(out);
    signal_buffer_free(out);
    p.sha512_digest_cleanup_func(ctx, p.user_data);
    QVERIFY(digest == sha512({}));

    QVERIFY(p.random_func(nullptr, 16, p.user_data) < 0);
    Bytes buf(64, 0);
    QCOMPARE(p.random_func(buf.data(), buf.size(), p.user_data), 0);
    QVERIFY(buf != Bytes(64, 0));
}

// ---- CP-03 -------------------------------------------------------------------------------------

void TestSignalProvider::sha512FinalResetsContextForReuse() {
    const auto& p = provider();
    const Bytes a = pattern(200, 7);
    const Bytes b = pattern(131, 200);
    void* ctx = nullptr;
    QCOMPARE(p.sha512_digest_init_func(&ctx, p.user_data), 0);
    auto finalOf = [&](Bytes& digest) {
        signal_buffer* out = nullptr;
        const int rc = p.sha512_digest_final_func(ctx, &out, p.user_data);
        digest = bytesOf(out);
        signal_buffer_free(out);
        return rc;
    };
    Bytes d1, d2, d3;
    QCOMPARE(p.sha512_digest_update_func(ctx, a.data(), a.size(), p.user_data), 0);
    QCOMPARE(finalOf(d1), 0);
    QCOMPARE(p.sha512_digest_update_func(ctx, b.data(), 50, p.user_data), 0);
    QCOMPARE(p.sha512_digest_update_func(ctx, b.data() + 50, b.size() - 50, p.user_data), 0);
    QCOMPARE(finalOf(d2), 0);
    QCOMPARE(finalOf(d3), 0); // nothing fed since the last final
    p.sha512_digest_cleanup_func(ctx, p.user_data);
    QCOMPARE(hex(d1), hex(sha512(a)));
    QCOMPARE(hex(d2), hex(sha512(b))); // not SHA-512(A || B): final reset the context
    QCOMPARE(hex(d3), hex(sha512({})));
}

void TestSignalProvider::hmacFinalRearmsContextWithSameKey() {
    const auto& p = provider();
    const Bytes key = pattern(32, 77);
    const Bytes a = pattern(100, 7);
    const Bytes b = pattern(65, 1);
    void* ctx = nullptr;
    QCOMPARE(p.hmac_sha256_init_func(&ctx, key.data(), key.size(), p.user_data), 0);
    auto finalOf = [&](Bytes& tag) {
        signal_buffer* out = nullptr;
        const int rc = p.hmac_sha256_final_func(ctx, &out, p.user_data);
        tag = bytesOf(out);
        signal_buffer_free(out);
        return rc;
    };
    Bytes t1, t2, t3;
    QCOMPARE(p.hmac_sha256_update_func(ctx, a.data(), a.size(), p.user_data), 0);
    QCOMPARE(finalOf(t1), 0);
    QCOMPARE(p.hmac_sha256_update_func(ctx, b.data(), b.size(), p.user_data), 0);
    QCOMPARE(finalOf(t2), 0);
    QCOMPARE(finalOf(t3), 0);
    p.hmac_sha256_cleanup_func(ctx, p.user_data);
    QCOMPARE(hex(t1), hex(hmacSha256(key, a)));
    QCOMPARE(hex(t2), hex(hmacSha256(key, b)));
    QCOMPARE(hex(t3), hex(hmacSha256(key, {})));
}

// ---- CP-09 -------------------------------------------------------------------------------------
// libsignal-protocol-c 2.3.3 hkdf.c, measured here and read in its source:
//  * Empty salt: hkdf_extract passes the salt straight to hmac_sha256_init as the key, and our
//    provider refuses a 0-length HMAC key (CP-06), so those derivations fail. RFC 5869 §2.2
//    defines an absent salt as HashLen zero bytes (HMAC pads keys with zeros anyway), and with
//    that salt the same vectors match. libsignal itself always passes a 32-byte salt.
//  * Output sizes above 254 * 32 = 8128 bytes: hkdf_expand counts blocks in a uint8_t that
//    starts at 1 and is compared with blocks + 1 (an int), so for 255 or more blocks the loop
//    never ends. Both the MaximalOutputSize cases (8160 bytes, valid) and the SizeTooLarge cases
//    (8161 bytes, > 255 * 32) hang instead of succeeding or erroring. They run in child
//    processes that are killed after a timeout; the test pins this behaviour so that a fixed
//    library shows up here. Verbatim never asks libsignal for more than 80 bytes.
void TestSignalProvider::libsignalHkdfMatchesWycheproof() {
    const QString path = sharedDataFile("wycheproof/hkdf_sha256_test.json");
    if (!QFile::exists(path))
        QFAIL(qPrintable(
            QStringLiteral("HKDF vectors not found at %1 (VERBATIM_SHARED_DATA)").arg(path)));
    std::vector<WycheproofTest> tests;
    const QString loadError = loadWycheproof(path, tests);
    QVERIFY2(loadError.isEmpty(), qPrintable(loadError));
    QCOMPARE(int(tests.size()), 86);

    constexpr std::size_t kLoopLimit = 254 * 32;
    int matched = 0, emptySalt = 0;
    std::vector<HkdfProbe> probes;
    std::vector<WycheproofTest> probed;
    for (const auto& t : tests) {
        const QString id = QStringLiteral("tcId %1").arg(t.test.value("tcId").toInt());
        Bytes ikm, salt, info, okm;
        QVERIFY2(decodeHex(t.test.value("ikm"), ikm) && decodeHex(t.test.value("salt"), salt) &&
                     decodeHex(t.test.value("info"), info) && decodeHex(t.test.value("okm"), okm),
                 qPrintable(id));
        const std::size_t size = std::size_t(t.test.value("size").toInt());
        const bool valid = t.test.value("result").toString() == "valid";
        if (size > kLoopLimit) {
            probes.push_back({ikm, salt, info, size, false, {}});
            probed.push_back(t);
            continue;
        }
        QVERIFY2(valid, qPrintable(id + " is invalid but within the size limit"));
        const HkdfResult r = libsignalHkdf(m_context->get(), ikm, salt, info, size);
        if (salt.empty()) {
            ++emptySalt;
            QVERIFY2(r.rc < 0 && r.okm.empty(), qPrintable(id + ": empty salt did not fail"));
            const HkdfResult zeros = libsignalHkdf(m_context->get(), ikm, Bytes(32, 0), info, size);
            QVERIFY2(zeros.rc == ssize_t(size),
                     qPrintable(id + QStringLiteral(": rc %1").arg(zeros.rc)));
            QVERIFY2(zeros.okm == okm, qPrintable(id + ": " + hex(zeros.okm) + " != " + hex(okm)));
        } else {
            QVERIFY2(r.rc == ssize_t(size), qPrintable(id + QStringLiteral(": rc %1").arg(r.rc)));
            QVERIFY2(r.okm == okm, qPrintable(id + ": " + hex(r.okm) + " != " + hex(okm)));
        }
        ++matched;
    }

    probeHkdfInChildren(probes, 3000);
    int hung = 0;
    for (std::size_t i = 0; i < probes.size(); ++i) {
        const auto& t = probed[i].test;
        const QString id = QStringLiteral("tcId %1 (%2 bytes, %3)")
                               .arg(t.value("tcId").toInt())
                               .arg(probes[i].size)
                               .arg(t.value("result").toString());
        Bytes okm;
        QVERIFY(decodeHex(t.value("okm"), okm));
        if (probes[i].finished) {
            // Should the library ever terminate here, it must not hand out wrong bytes.
            if (t.value("result").toString() == "valid")
                QVERIFY2(probes[i].result.okm == okm, qPrintable(id + ": wrong output"));
            else
                QVERIFY2(probes[i].result.rc < 0, qPrintable(id + ": output beyond 255 blocks"));
        } else {
            ++hung;
        }
        QVERIFY2(!probes[i].finished,
                 qPrintable(id + ": libsignal's hkdf_expand terminated; its uint8_t block counter "
                                 "was fixed, update this test and the comment above"));
    }
    QCOMPARE(int(probes.size()), 6);
    qInfo("HKDF: %d vectors matched (%d with empty salt refused as-is and matched with a 32-byte "
          "zero "
          "salt); %d vectors of 8160/8161 bytes never terminate in libsignal",
          matched, emptySalt, hung);
}

// ---- CP-10 -------------------------------------------------------------------------------------

void TestSignalProvider::libsignalX25519MatchesWycheproofAndLowOrderKeysAreRefused() {
    const QString path = sharedDataFile("wycheproof/x25519_test.json");
    if (!QFile::exists(path))
        QFAIL(qPrintable(
            QStringLiteral("X25519 vectors not found at %1 (VERBATIM_SHARED_DATA)").arg(path)));
    std::vector<WycheproofTest> tests;
    const QString loadError = loadWycheproof(path, tests);
    QVERIFY2(loadError.isEmpty(), qPrintable(loadError));

    int valid = 0, acceptableMatched = 0, zeroShared = 0, donnaZero = 0, unclamped = 0;
    QStringList acceptableMismatches, zeroList;
    for (const auto& t : tests) {
        const QString id = QStringLiteral("tcId %1 (%2)")
                               .arg(t.test.value("tcId").toInt())
                               .arg(t.test.value("comment").toString());
        QCOMPARE(t.group.value("curve").toString(), QStringLiteral("curve25519"));
        Bytes pub, priv, shared;
        QVERIFY2(decodeHex(t.test.value("public"), pub) &&
                     decodeHex(t.test.value("private"), priv) &&
                     decodeHex(t.test.value("shared"), shared),
                 qPrintable(id));
        QVERIFY2(pub.size() == 32 && priv.size() == 32 && shared.size() == 32, qPrintable(id));
        Bytes serialized{0x05};
        serialized.insert(serialized.end(), pub.begin(), pub.end());

        // RFC 7748 decodeScalar25519: libsignal clamps private keys when it generates them, but
        // neither curve_decode_private_point nor its donna clamps (tcId 102, the one unclamped
        // key in the file, gives another secret unclamped), so the test clamps as X25519 does.
        Bytes clamped = priv;
        clamped[0] &= 248;
        clamped[31] = static_cast<std::uint8_t>((clamped[31] & 127) | 64);
        if (clamped != priv) ++unclamped;

        SignalPtr<ec_public_key> publicKey;
        SignalPtr<ec_private_key> privateKey;
        QCOMPARE(curve_decode_point(publicKey.out(), serialized.data(), serialized.size(),
                                    m_context->get()),
                 0);
        QCOMPARE(curve_decode_private_point(privateKey.out(), clamped.data(), clamped.size(),
                                            m_context->get()),
                 0);
        std::uint8_t* raw = nullptr;
        const int len = curve_calculate_agreement(&raw, publicKey.get(), privateKey.get());
        Bytes got;
        if (len > 0 && raw) got.assign(raw, raw + len);
        free(raw);

        const QString result = t.test.value("result").toString();
        const bool expectZero = shared == Bytes(32, 0);
        if (result == "valid") {
            QVERIFY2(got == shared, qPrintable(id + ": " + hex(got) + " != " + hex(shared)));
            ++valid;
        } else if (result == "acceptable" && !expectZero) {
            if (got == shared)
                ++acceptableMatched;
            else
                acceptableMismatches << id;
        } else {
            QVERIFY2(result == "acceptable", qPrintable(id + ": unexpected result " + result));
        }

        if (expectZero) {
            // donna does no low-order check: it returns the all-zero secret (never anything else).
            ++zeroShared;
            QVERIFY2(len < 0 || got == shared, qPrintable(id + ": donna returned " + hex(got)));
            if (len == 32) ++donnaZero;
            zeroList << QStringLiteral("%1:%2").arg(t.test.value("tcId").toInt()).arg(hex(pub));
            QVERIFY2(!isAcceptablePublicKey(serialized),
                     qPrintable(id + ": low-order key accepted"));
        } else {
            // And no false alarm: every other canonical key is usable.
            QVERIFY2(isAcceptablePublicKey(serialized) == canonicalU(pub),
                     qPrintable(id + ": isAcceptablePublicKey disagrees"));
        }
    }
    QVERIFY2(acceptableMismatches.isEmpty(), qPrintable(acceptableMismatches.join("; ")));
    QVERIFY(zeroShared > 0);
    QCOMPARE(valid + acceptableMatched + zeroShared, int(tests.size()));
    qInfo(
        "X25519 via curve_calculate_agreement: %d valid matched, %d acceptable matched (%d private "
        "keys needed clamping); %d cases with an all-zero shared secret, for which donna returned "
        "32 zero bytes %d times (no check) and isAcceptablePublicKey refused every key",
        valid, acceptableMatched, unclamped, zeroShared, donnaZero);
    qInfo("all-zero cases (tcId:public): %s", qPrintable(zeroList.join(' ')));
}

// ---- CP-13 -------------------------------------------------------------------------------------

void TestSignalProvider::xeddsaSignatureVerifiesOnlyUnchanged() {
    auto identity = SessionManager::generateIdentity(*m_context);
    VERIFY_OK(identity);
    auto other = SessionManager::generateIdentity(*m_context);
    VERIFY_OK(other);
    const Bytes publicKey = identity->publicKey;
    InMemoryProtocolStore store(std::move(*identity), 1);
    auto manager = SessionManager::create(m_context, store);
    VERIFY_OK(manager);

    const Bytes message = pattern(120, 42);
    auto sig = (*manager)->sign(message);
    VERIFY_OK(sig);
    QCOMPARE(int(sig->size()), 64);
    QVERIFY(SessionManager::verify(publicKey, message, *sig));

    for (int pos = 0; pos < 64; ++pos) {
        for (std::uint8_t mask : {std::uint8_t(0x01), std::uint8_t(0x80)}) {
            Bytes bad = *sig;
            bad[pos] ^= mask;
            QVERIFY2(
                !SessionManager::verify(publicKey, message, bad),
                qPrintable(
                    QStringLiteral("byte %1 ^ 0x%2 still verifies").arg(pos).arg(mask, 0, 16)));
        }
    }
    QVERIFY(!SessionManager::verify(other->publicKey, message, *sig));
    Bytes otherMessage = message;
    otherMessage[0] ^= 1;
    QVERIFY(!SessionManager::verify(publicKey, otherMessage, *sig));
    auto sigOther = (*manager)->sign(otherMessage);
    VERIFY_OK(sigOther);
    QVERIFY(!SessionManager::verify(publicKey, message, *sigOther));
    QVERIFY(SessionManager::verify(publicKey, otherMessage, *sigOther));
    // Malformed inputs are refused rather than read out of bounds.
    QVERIFY(!SessionManager::verify(publicKey, message, ByteView(*sig).first(63)));
    QVERIFY(!SessionManager::verify(ByteView(publicKey).first(32), message, *sig));
    Bytes wrongType = publicKey;
    wrongType[0] = 0x06;
    QVERIFY(!SessionManager::verify(wrongType, message, *sig));
    // XEdDSA signs with a random nonce: two signatures differ, both verify.
    auto again = (*manager)->sign(message);
    VERIFY_OK(again);
    QVERIFY(*again != *sig);
    QVERIFY(SessionManager::verify(publicKey, message, *again));
    auto empty = (*manager)->sign({});
    VERIFY_OK(empty);
    QVERIFY(SessionManager::verify(publicKey, {}, *empty));
}

// ---- Locking -----------------------------------------------------------------------------------

void TestSignalProvider::twoThreadsEncryptOnDistinctSessionsOfOneContext() {
    constexpr int kMessages = 500;
    auto ctx = SignalContext::create();
    VERIFY_OK(ctx);
    std::vector<Device> devices;
    for (const char* name : {"a1", "b1", "a2", "b2"}) {
        auto d = makeDevice(*ctx, name);
        VERIFY_OK(d);
        devices.push_back(std::move(*d));
    }
    for (int pair = 0; pair < 2; ++pair) {
        Device& a = devices[2 * pair];
        Device& b = devices[2 * pair + 1];
        VERIFY_OK(a.manager->processBundle(b.address, b.bundle));
    }

    std::latch start(2);
    std::vector<QString> failures[2];
    std::atomic<int> roundTrips[2] = {0, 0};
    auto run = [&](int pair) {
        Device& a = devices[2 * pair];
        Device& b = devices[2 * pair + 1];
        start.arrive_and_wait();
        for (int i = 0; i < kMessages; ++i) {
            // Direction changes every 25 messages: DH ratchet steps under contention too.
            const bool forward = (i / 25) % 2 == 0;
            Device& from = forward ? a : b;
            Device& to = forward ? b : a;
            const Bytes text = pattern(std::size_t(i % 97), std::uint8_t(pair * 100 + i));
            auto m = from.manager->encrypt(to.address, text);
            if (!m) {
                failures[pair].push_back(QStringLiteral("encrypt %1: %2").arg(i).arg(errorText(m)));
                return;
            }
            auto p = to.manager->decrypt(from.address, *m);
            if (!p || !std::equal(p->begin(), p->end(), text.begin(), text.end())) {
                failures[pair].push_back(QStringLiteral("decrypt %1: %2").arg(i).arg(errorText(p)));
                return;
            }
            ++roundTrips[pair];
        }
    };
    std::thread t0(run, 0), t1(run, 1);
    t0.join();
    t1.join();
    for (int pair = 0; pair < 2; ++pair) {
        QVERIFY2(failures[pair].empty(),
                 qPrintable(failures[pair].empty() ? QString() : failures[pair].front()));
        QCOMPARE(roundTrips[pair].load(), kMessages);
    }
}

// ---- Safety number -----------------------------------------------------------------------------

void TestSignalProvider::safetyNumberMatchesTheProtocolVector() {
    // The test vector of docs/protocol.md [C-SN-1]: 0x05 || 31 bytes of XX || one byte.
    const auto key = [](std::uint8_t fill, std::uint8_t last) {
        Bytes k(33, fill);
        k[0] = 0x05;
        k[32] = last;
        return k;
    };
    const std::string expected = "091688355678928216839246798767128512483419802219342796162540";
    // The local keys in the reverse of their sorted order: the number depends on the set only.
    auto number = safetyNumber(*m_context, "alice", {key(0x22, 0x02), key(0x11, 0x01)},
                               "client-0a1b2c3d4e5f", {key(0x33, 0x03)});
    QVERIFY2(number.has_value(), number ? "" : number.error().message.c_str());
    QCOMPARE(QString::fromStdString(*number), QString::fromStdString(expected));
    // The other side computes the same digits.
    auto other = safetyNumber(*m_context, "client-0a1b2c3d4e5f", {key(0x33, 0x03)}, "alice",
                              {key(0x11, 0x01), key(0x22, 0x02)});
    QVERIFY(other.has_value());
    QCOMPARE(QString::fromStdString(*other), QString::fromStdString(expected));
}

QTEST_GUILESS_MAIN(TestSignalProvider)
#include "tst_signal_provider.moc"
