// Over 600 lines on purpose: one Qt Test class for the Signal sessions; its functions share the
// bundle, pre-key message and low-order key builders above it.
//
// Protocol tests for the Signal layer (TESTPLAN B2: PR-01..06, PR-08 partly, PR-09, PR-11,
// PR-13) on real SessionManagers over in-memory and SQLCipher stores.

#include <QElapsedTimer>
#include <QtTest/QTest>

#include <algorithm>
#include <map>
#include <numeric>
#include <optional>
#include <random>
#include <set>

#include <curve.h>
#include <protocol.h>
#include <signal_protocol.h>

#include "SessionFixture.h"
#include "common/Log.h"
#include "signal/SignalPtr.h"

using namespace verbatim;
using namespace verbatim::signal;
using verbatim::test::makePlaintext;
using verbatim::test::SessionFixture;
using verbatim::test::StoreKind;
using verbatim::test::TestDevice;

namespace {

QString describe(const Error& e) {
    return QStringLiteral("%1: %2 (detail %3)")
        .arg(QString::fromLatin1(errorCodeName(e.code)), QString::fromStdString(e.message))
        .arg(e.detail);
}

template <class T> QString errorText(const Result<T>& r) {
    return r ? QString() : describe(r.error());
}

QString hex(ByteView b) {
    return QString::fromStdString(toHex(b));
}

Bytes flipBit(const Bytes& in, std::size_t bit) {
    Bytes out = in;
    out[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
    return out;
}

bool sameBytes(ByteView a, ByteView b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end());
}

/// The sender ratchet key (33 bytes) carried by a message, or empty when it does not parse.
Bytes senderRatchetKey(const CipherMessage& m, signal_context* ctx) {
    SignalPtr<signal_message> inner;
    if (m.type == CipherMessage::Type::PreKey) {
        SignalPtr<pre_key_signal_message> outer;
        if (pre_key_signal_message_deserialize(outer.out(), m.body.data(), m.body.size(), ctx) != 0)
            return {};
        inner = SignalPtr<signal_message>::retain(
            pre_key_signal_message_get_signal_message(outer.get()));
    } else if (signal_message_deserialize(inner.out(), m.body.data(), m.body.size(), ctx) != 0) {
        return {};
    }
    SignalBuffer buf;
    if (ec_public_key_serialize(buf.out(), signal_message_get_sender_ratchet_key(inner.get())) != 0)
        return {};
    return toBytes(buf.view());
}

/// The fields of a PreKeySignalMessage, as libsignal parses them.
struct PreKeyFields {
    std::uint8_t versionByte = 0; ///< the raw first byte (high nibble: version)
    std::uint32_t registrationId = 0;
    std::optional<std::uint32_t> preKeyId;
    std::uint32_t signedPreKeyId = 0;
    Bytes baseKey;
    Bytes identityKey;
    Bytes inner; ///< the serialized SignalMessage, MAC included
    bool operator==(const PreKeyFields&) const = default;
};

Bytes serializedKey(const ec_public_key* key) {
    SignalBuffer buf;
    if (ec_public_key_serialize(buf.out(), key) != 0) return {};
    return toBytes(buf.view());
}

std::optional<PreKeyFields> parsePreKeyMessage(const Bytes& body, signal_context* ctx) {
    SignalPtr<pre_key_signal_message> m;
    if (body.empty() ||
        pre_key_signal_message_deserialize(m.out(), body.data(), body.size(), ctx) != 0)
        return std::nullopt;
    PreKeyFields f;
    f.versionByte = body[0];
    f.registrationId = pre_key_signal_message_get_registration_id(m.get());
    if (pre_key_signal_message_has_pre_key_id(m.get()))
        f.preKeyId = pre_key_signal_message_get_pre_key_id(m.get());
    f.signedPreKeyId = pre_key_signal_message_get_signed_pre_key_id(m.get());
    f.baseKey = serializedKey(pre_key_signal_message_get_base_key(m.get()));
    f.identityKey = serializedKey(pre_key_signal_message_get_identity_key(m.get()));
    signal_buffer* inner = ciphertext_message_get_serialized(
        reinterpret_cast<ciphertext_message*>(pre_key_signal_message_get_signal_message(m.get())));
    f.inner.assign(signal_buffer_const_data(inner),
                   signal_buffer_const_data(inner) + signal_buffer_len(inner));
    return f;
}

/// Re-encodes a PreKeySignalMessage from (possibly altered) fields, as a forger would; the inner
/// SignalMessage is carried over byte for byte, so its MAC stays genuine.
Bytes buildPreKeyMessage(const PreKeyFields& f, signal_context* ctx) {
    SignalPtr<signal_message> inner;
    SignalPtr<ec_public_key> base, identity;
    if (signal_message_deserialize(inner.out(), f.inner.data(), f.inner.size(), ctx) != 0 ||
        curve_decode_point(base.out(), f.baseKey.data(), f.baseKey.size(), ctx) != 0 ||
        curve_decode_point(identity.out(), f.identityKey.data(), f.identityKey.size(), ctx) != 0)
        qFatal("cannot rebuild a PreKeySignalMessage");
    const std::uint32_t preKeyId = f.preKeyId.value_or(0);
    SignalPtr<pre_key_signal_message> m;
    if (pre_key_signal_message_create(m.out(), f.versionByte >> 4, f.registrationId,
                                      f.preKeyId ? &preKeyId : nullptr, f.signedPreKeyId,
                                      base.get(), identity.get(), inner.get(), ctx) != 0)
        qFatal("cannot rebuild a PreKeySignalMessage");
    signal_buffer* ser =
        ciphertext_message_get_serialized(reinterpret_cast<ciphertext_message*>(m.get()));
    Bytes out(signal_buffer_const_data(ser),
              signal_buffer_const_data(ser) + signal_buffer_len(ser));
    out[0] = f.versionByte;
    return out;
}

/// The stored session record of `peer` at `at` (nullopt when none); the test fails on a store
/// error.
std::optional<Bytes> storedSession(TestDevice& at, const Address& peer) {
    auto r = at.store().loadSession(peer);
    if (!r) qFatal("store error: %s", r.error().message.c_str());
    return *r;
}

std::optional<Bytes> storedIdentity(TestDevice& at, const Address& peer) {
    auto r = at.store().loadIdentity(peer);
    if (!r) qFatal("store error: %s", r.error().message.c_str());
    return *r;
}

/// Plaintext number `i` of a conversation: a unique label and a length that walks across
/// AES block boundaries; every 997th message is empty.
Bytes conversationText(int i) {
    if (i % 997 == 996) return {};
    return makePlaintext("msg " + std::to_string(i) + " ", std::size_t((i * 37) % 301));
}

/// 32-byte little-endian encoding of a non-negative decimal below 2^256.
Bytes littleEndian(const char* decimal) {
    Bytes out(32, 0);
    for (const char* c = decimal; *c; ++c) {
        unsigned carry = unsigned(*c - '0');
        for (auto& byte : out) {
            const unsigned v = byte * 10u + carry;
            byte = static_cast<std::uint8_t>(v & 0xff);
            carry = v >> 8;
        }
        if (carry) qFatal("number does not fit in 32 bytes");
    }
    return out;
}

struct LowOrderKey {
    const char* name;
    Bytes u; ///< 32 bytes, little-endian
};

/// The X25519 u-coordinates of small order, canonical and not (RFC 7748 §7, the Curve25519
/// blocklist), each also with bit 255 set, which X25519 ignores. These 14 encodings are exactly
/// the distinct public keys of the 31 all-zero-secret cases of Wycheproof's x25519_test.json
/// (tst_signal_provider, CP-10).
std::vector<LowOrderKey> lowOrderKeys() {
    // p = 2^255 - 19
    const char* p = "57896044618658097711785492504343953926634992332820282019728792003956564819949";
    const char* pMinus1 =
        "57896044618658097711785492504343953926634992332820282019728792003956564819948";
    const char* pPlus1 =
        "57896044618658097711785492504343953926634992332820282019728792003956564819950";
    std::vector<LowOrderKey> keys = {
        {"0 (order 4)", littleEndian("0")},
        {"1 (order 1)", littleEndian("1")},
        {"order-8 point a",
         littleEndian(
             "325606250916557431795983626356110631294008115727848805560023387167927233504")},
        {"order-8 point b",
         littleEndian(
             "39382357235489614581723060781553021112529911719440698176882885853963445705823")},
        {"p-1 (order 2)", littleEndian(pMinus1)},
        {"p (= 0)", littleEndian(p)},
        {"p+1 (= 1)", littleEndian(pPlus1)},
    };
    const std::size_t canonical = keys.size();
    for (std::size_t i = 0; i < canonical; ++i) {
        LowOrderKey high{nullptr, keys[i].u};
        high.u[31] |= 0x80;
        keys.push_back(high);
    }
    return keys;
}

Bytes withTypeByte(const Bytes& u) {
    Bytes out(u.size() + 1);
    out[0] = 0x05;
    std::copy(u.begin(), u.end(), out.begin() + 1);
    return out;
}

#define VERIFY_OK(expr)                                                                            \
    do {                                                                                           \
        const auto& verifyOkResult = (expr);                                                       \
        QVERIFY2(verifyOkResult.has_value(), qPrintable(errorText(verifyOkResult)));               \
    } while (false)

/// The libsignal codes a tampered message may legitimately fail with (TESTPLAN PR-02), plus
/// DUPLICATE_MESSAGE: a counter flipped below the chain index is refused as a replay before the
/// MAC is even computed; INVALID_KEY_ID: a flipped pre-key id names a key bob does not have;
/// INVALID_VERSION: a flipped version nibble names a future version.
const std::set<int> kTamperCodes = {SG_ERR_INVALID_MESSAGE,   SG_ERR_INVALID_MAC,
                                    SG_ERR_INVALID_PROTO_BUF, SG_ERR_INVALID_KEY,
                                    SG_ERR_LEGACY_MESSAGE,    SG_ERR_INVALID_VERSION,
                                    SG_ERR_DUPLICATE_MESSAGE, SG_ERR_INVALID_KEY_ID};

} // namespace

Q_DECLARE_METATYPE(verbatim::ErrorCode)

class TestSessions : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();

    // PR-01
    void x3dhEstablishesSessionWithAndWithoutOneTimePreKey_data();
    void x3dhEstablishesSessionWithAndWithoutOneTimePreKey();
    void tenThousandMessagesRoundTripAcrossRatchetStepsOnSqlCipher();
    void conversationSurvivesReopeningBothDatabasesMidway();
    // PR-02
    void everyBitFlipOfPreKeyMessageFailsAndLeavesStoreUnchanged();
    void everyBitFlipOfSignalMessageFailsAndLeavesSessionUnchanged();
    void forgedFirstContactMessageDoesNotPinItsIdentity();
    // PR-03
    void replayedSignalMessageIsRejectedAsDuplicate();
    void replayedPreKeyMessageDecryptsOnceAndConsumesPreKeyOnce();
    void reencodedPreKeyMessageWithoutOneTimePreKeyDecryptsOnce_data();
    void reencodedPreKeyMessageWithoutOneTimePreKeyDecryptsOnce();
    // PR-04
    void outOfOrderMessagesAcrossThreeRatchetStepsDecryptExactlyOnce_data();
    void outOfOrderMessagesAcrossThreeRatchetStepsDecryptExactlyOnce();
    // PR-05
    void gapOfTwoThousandIsAcceptedAndSkippedKeysStayBounded();
    void gapOfTwoThousandAndOneIsRefusedWithoutChangingSession();
    // PR-06
    void droppedMessagesDoNotDesynchroniseSession();
    // PR-08
    void reRegisteredPeerBundleIsUntrustedUntilAcknowledged();
    void reRegisteredPeerPreKeyMessageIsUntrustedUntilAcknowledged();
    // PR-09
    void malformedBundleIsRejectedWithoutSession_data();
    void malformedBundleIsRejectedWithoutSession();
    void unknownPreKeyIdAtReceiverFailsWithoutSession();
    // PR-11
    void lowOrderKeysInBundleAreRejectedBeforeSessionBuilder();
    // PR-13
    void legacyAndFutureMessageVersionsAreRefused_data();
    void legacyAndFutureMessageVersionsAreRefused();
};

void TestSessions::initTestCase() {
    // Thousands of deliberate failures below; libsignal's per-failure warnings would drown the
    // test output. Errors still show.
    log::setLevel(log::Level::Error);
}

// ---- PR-01 -------------------------------------------------------------------------------------

void TestSessions::x3dhEstablishesSessionWithAndWithoutOneTimePreKey_data() {
    QTest::addColumn<bool>("withOneTimePreKey");
    QTest::newRow("with one-time pre-key") << true;
    QTest::newRow("without one-time pre-key") << false;
}

void TestSessions::x3dhEstablishesSessionWithAndWithoutOneTimePreKey() {
    QFETCH(bool, withOneTimePreKey);
    auto f = SessionFixture::create(StoreKind::SqlCipher);
    VERIFY_OK(f);
    TestDevice& alice = (*f)->alice();
    TestDevice& bob = (*f)->bob();

    auto bundle = SessionFixture::bundleFor(bob, withOneTimePreKey);
    VERIFY_OK(bundle);
    QCOMPARE(bundle->preKeyId.has_value(), withOneTimePreKey);
    QVERIFY(!alice.manager().hasSession(bob.address()));
    VERIFY_OK(alice.manager().processBundle(bob.address(), *bundle));
    QVERIFY(alice.manager().hasSession(bob.address()));
    QVERIFY(!bob.manager().hasSession(alice.address()));

    // Until alice hears from bob, each of her messages carries the X3DH header.
    for (int i = 0; i < 3; ++i) {
        CipherMessage::Type type{};
        VERIFY_OK(SessionFixture::roundTrip(
            alice, bob, makePlaintext("hello " + std::to_string(i), 40), &type));
        QCOMPARE(type, CipherMessage::Type::PreKey);
    }
    QVERIFY(bob.manager().hasSession(alice.address()));

    // Bob consumed exactly the one-time pre-key alice used, and no other.
    for (const auto& pk : bob.preKeys()) {
        auto has = bob.store().containsPreKey(pk.id);
        VERIFY_OK(has);
        const bool used = withOneTimePreKey && pk.id == *bundle->preKeyId;
        QVERIFY2(*has == !used, qPrintable(QStringLiteral("pre-key %1").arg(pk.id)));
    }

    CipherMessage::Type type{};
    VERIFY_OK(SessionFixture::roundTrip(bob, alice, makePlaintext("reply", 17), &type));
    QCOMPARE(type, CipherMessage::Type::Whisper);
    VERIFY_OK(SessionFixture::roundTrip(alice, bob, makePlaintext("after reply", 5), &type));
    QCOMPARE(type, CipherMessage::Type::Whisper);
}

void TestSessions::tenThousandMessagesRoundTripAcrossRatchetStepsOnSqlCipher() {
    constexpr int kTotal = 10000;
    auto f = SessionFixture::create(StoreKind::SqlCipher);
    VERIFY_OK(f);
    TestDevice& alice = (*f)->alice();
    TestDevice& bob = (*f)->bob();
    VERIFY_OK(SessionFixture::startSession(alice, bob));

    QElapsedTimer timer;
    timer.start();
    std::mt19937 rng(20240601);
    std::uniform_int_distribution<int> burstSize(1, 40);
    std::set<Bytes> ratchetKeys[2];
    int bursts[2] = {0, 0};
    int sent = 0;
    int side = 0; // 0: alice sends, 1: bob sends
    while (sent < kTotal) {
        TestDevice& from = side == 0 ? alice : bob;
        TestDevice& to = side == 0 ? bob : alice;
        const int n = std::min(burstSize(rng), kTotal - sent);
        for (int i = 0; i < n; ++i, ++sent) {
            const Bytes text = conversationText(sent);
            auto message = from.manager().encrypt(to.address(), text);
            VERIFY_OK(message);
            const Bytes key = senderRatchetKey(*message, from.context().get());
            QVERIFY2(key.size() == 33,
                     qPrintable(QStringLiteral("message %1 does not parse").arg(sent)));
            ratchetKeys[side].insert(key);
            auto plain = to.manager().decrypt(from.address(), *message);
            QVERIFY2(plain.has_value(),
                     qPrintable(QStringLiteral("message %1: %2").arg(sent).arg(errorText(plain))));
            QVERIFY2(sameBytes(*plain, text),
                     qPrintable(QStringLiteral("message %1 differs").arg(sent)));
        }
        ++bursts[side];
        side ^= 1;
    }
    const qint64 ms = timer.elapsed();
    // Every burst follows a message from the other side, so each one must run on a fresh
    // sending chain: one DH ratchet step per burst, per side.
    QCOMPARE(int(ratchetKeys[0].size()), bursts[0]);
    QCOMPARE(int(ratchetKeys[1].size()), bursts[1]);
    QVERIFY(bursts[0] + bursts[1] > 400);
    qInfo("%d messages, %d + %d DH ratchet steps, %lld ms on SQLCipher", sent, bursts[0], bursts[1],
          ms);
}

void TestSessions::conversationSurvivesReopeningBothDatabasesMidway() {
    auto f = SessionFixture::create(StoreKind::SqlCipher);
    VERIFY_OK(f);
    TestDevice& alice = (*f)->alice();
    TestDevice& bob = (*f)->bob();
    VERIFY_OK(SessionFixture::startSession(alice, bob));
    int n = 0;
    for (int burst = 0; burst < 6; ++burst) {
        TestDevice& from = burst % 2 ? bob : alice;
        TestDevice& to = burst % 2 ? alice : bob;
        for (int i = 0; i < 7; ++i, ++n)
            VERIFY_OK(SessionFixture::roundTrip(from, to, conversationText(n)));
    }

    // In flight across the restart: three messages each way, one of them delivered early so
    // that bob also holds a skipped message key.
    std::vector<std::pair<Bytes, CipherMessage>> toBob, toAlice;
    for (int i = 0; i < 3; ++i, ++n) {
        Bytes text = conversationText(n);
        auto m = alice.manager().encrypt(bob.address(), text);
        VERIFY_OK(m);
        toBob.emplace_back(text, *m);
    }
    auto early = bob.manager().decrypt(alice.address(), toBob[2].second);
    VERIFY_OK(early);
    QVERIFY(sameBytes(*early, toBob[2].first));
    for (int i = 0; i < 3; ++i, ++n) {
        Bytes text = conversationText(n);
        auto m = bob.manager().encrypt(alice.address(), text);
        VERIFY_OK(m);
        toAlice.emplace_back(text, *m);
    }

    const auto aliceRecord = storedSession(alice, bob.address());
    const auto bobRecord = storedSession(bob, alice.address());
    const auto aliceKnowsBob = storedIdentity(alice, bob.address());
    QVERIFY(aliceRecord && bobRecord && aliceKnowsBob);
    auto aliceIdentity = alice.store().identityKeyPair();
    VERIFY_OK(aliceIdentity);
    const Bytes aliceIdentityPublic = aliceIdentity->publicKey;
    const SecureBytes aliceIdentityPrivate = aliceIdentity->privateKey;
    auto bobRegistration = bob.store().localRegistrationId();
    VERIFY_OK(bobRegistration);

    VERIFY_OK(alice.reopen());
    VERIFY_OK(bob.reopen());

    // Nothing lost: records, identities and registration id read back byte for byte.
    QCOMPARE(storedSession(alice, bob.address()), aliceRecord);
    QCOMPARE(storedSession(bob, alice.address()), bobRecord);
    QCOMPARE(storedIdentity(alice, bob.address()), aliceKnowsBob);
    auto reopenedIdentity = alice.store().identityKeyPair();
    VERIFY_OK(reopenedIdentity);
    QVERIFY(reopenedIdentity->publicKey == aliceIdentityPublic);
    QVERIFY(reopenedIdentity->privateKey == aliceIdentityPrivate);
    auto reopenedRegistration = bob.store().localRegistrationId();
    VERIFY_OK(reopenedRegistration);
    QCOMPARE(*reopenedRegistration, *bobRegistration);
    QVERIFY(alice.manager().hasSession(bob.address()));
    QVERIFY(bob.manager().hasSession(alice.address()));

    // The in-flight messages decrypt after the restart (including the skipped key), once.
    for (int i : {0, 1}) {
        auto p = bob.manager().decrypt(alice.address(), toBob[i].second);
        VERIFY_OK(p);
        QVERIFY(sameBytes(*p, toBob[i].first));
    }
    auto replay = bob.manager().decrypt(alice.address(), toBob[2].second);
    QVERIFY(!replay);
    QCOMPARE(replay.error().code, ErrorCode::Duplicate);
    for (int i : {2, 0, 1}) {
        auto p = alice.manager().decrypt(bob.address(), toAlice[i].second);
        VERIFY_OK(p);
        QVERIFY(sameBytes(*p, toAlice[i].first));
    }

    // And the conversation goes on, with ratchet steps.
    for (int burst = 0; burst < 6; ++burst) {
        TestDevice& from = burst % 2 ? bob : alice;
        TestDevice& to = burst % 2 ? alice : bob;
        for (int i = 0; i < 5; ++i, ++n)
            VERIFY_OK(SessionFixture::roundTrip(from, to, conversationText(n)));
    }
    // A second restart right after the ratchet steps.
    VERIFY_OK(alice.reopen());
    VERIFY_OK(bob.reopen());
    VERIFY_OK(SessionFixture::roundTrip(alice, bob, conversationText(n++)));
    VERIFY_OK(SessionFixture::roundTrip(bob, alice, conversationText(n++)));
}

// ---- PR-02 -------------------------------------------------------------------------------------

// A PreKeySignalMessage wraps an authenticated SignalMessage in fields the MAC does not cover.
// Two of them carry no key material, so libsignal (like every Signal implementation) cannot
// notice a change: the registration id, and the low nibble of the version byte (the sender's
// highest supported version, which 2.3.3 ignores). A flip confined to those yields the genuine
// plaintext; that is the one kind of success tolerated here, and it is checked field by field.
// Every other flip must fail and leave bob's session, identity and pre-key stores as they were;
// failures are not undone between bits, so a lingering side effect also breaks the final
// genuine delivery.
void TestSessions::everyBitFlipOfPreKeyMessageFailsAndLeavesStoreUnchanged() {
    auto f = SessionFixture::create(StoreKind::InMemory);
    VERIFY_OK(f);
    TestDevice& alice = (*f)->alice();
    TestDevice& bob = (*f)->bob();
    auto bundle = SessionFixture::bundleFor(bob);
    VERIFY_OK(bundle);
    VERIFY_OK(alice.manager().processBundle(bob.address(), *bundle));
    const Bytes text = makePlaintext("first contact", 23);
    auto genuine = alice.manager().encrypt(bob.address(), text);
    VERIFY_OK(genuine);
    QCOMPARE(genuine->type, CipherMessage::Type::PreKey);
    const auto genuineFields = parsePreKeyMessage(genuine->body, alice.context().get());
    QVERIFY(genuineFields);

    const auto sessionBefore = storedSession(bob, alice.address());
    const auto identityBefore = storedIdentity(bob, alice.address());
    QVERIFY(!sessionBefore);
    QVERIFY(!identityBefore); // first contact: the identity is trusted on first use
    const InMemoryProtocolStore snapshot = *bob.memoryStore();
    std::map<int, int> codes;
    QStringList problems;
    int tolerated = 0;
    const std::size_t bits = genuine->body.size() * 8;
    for (std::size_t bit = 0; bit < bits; ++bit) {
        CipherMessage tampered{CipherMessage::Type::PreKey, flipBit(genuine->body, bit)};
        auto r = bob.manager().decrypt(alice.address(), tampered);
        if (r) {
            auto fields = parsePreKeyMessage(tampered.body, alice.context().get());
            bool unauthenticatedOnly = false;
            if (fields) {
                PreKeyFields normalised = *fields;
                normalised.registrationId = genuineFields->registrationId;
                normalised.versionByte = genuineFields->versionByte;
                unauthenticatedOnly =
                    normalised == *genuineFields &&
                    (fields->versionByte & 0xf0) == (genuineFields->versionByte & 0xf0);
            }
            if (!unauthenticatedOnly || !sameBytes(*r, text))
                problems << QStringLiteral("bit %1 decrypted").arg(bit);
            ++tolerated;
            *bob.memoryStore() = snapshot; // that was a delivery; start over from first contact
            continue;
        }
        ++codes[r.error().detail];
        // detail 0: refused by SessionManager itself (non-canonical or low-order key).
        if (!kTamperCodes.count(r.error().detail) &&
            !(r.error().detail == 0 && r.error().code == ErrorCode::Malformed))
            problems << QStringLiteral("bit %1: unexpected %2").arg(bit).arg(describe(r.error()));
        if (storedSession(bob, alice.address()) != sessionBefore)
            problems << QStringLiteral("bit %1 changed the session record").arg(bit);
        if (storedIdentity(bob, alice.address()) != identityBefore)
            problems << QStringLiteral("bit %1 changed the stored identity of alice").arg(bit);
        auto stillThere = bob.store().containsPreKey(*bundle->preKeyId);
        if (!stillThere || !*stillThere)
            problems << QStringLiteral("bit %1 consumed the one-time pre-key").arg(bit);
    }
    QStringList histogram;
    for (auto [code, count] : codes)
        histogram << QStringLiteral("%1x%2").arg(code).arg(count);
    qInfo("%zu bit flips of a %zu-byte PreKeySignalMessage: %d delivered the genuine text through "
          "unauthenticated fields; failures by code: %s",
          bits, genuine->body.size(), tolerated, qPrintable(histogram.join(' ')));
    QVERIFY2(problems.isEmpty(), qPrintable(problems.mid(0, 30).join("; ")));
    // The registration id (a varint) and the version nibble: at most 4 + 5*7 bits.
    QVERIFY2(tolerated <= 39, qPrintable(QString::number(tolerated)));

    auto plain = bob.manager().decrypt(alice.address(), *genuine);
    VERIFY_OK(plain);
    QVERIFY(sameBytes(*plain, text));
    VERIFY_OK(SessionFixture::roundTrip(bob, alice, makePlaintext("reply")));
}

void TestSessions::everyBitFlipOfSignalMessageFailsAndLeavesSessionUnchanged() {
    auto f = SessionFixture::create(StoreKind::InMemory);
    VERIFY_OK(f);
    TestDevice& alice = (*f)->alice();
    TestDevice& bob = (*f)->bob();
    VERIFY_OK(SessionFixture::startSession(alice, bob));
    VERIFY_OK(SessionFixture::roundTrip(alice, bob, makePlaintext("hi", 3)));
    VERIFY_OK(SessionFixture::roundTrip(bob, alice, makePlaintext("hi back", 3)));
    // Two messages on alice's new chain; the second is the victim, so that a counter flipped
    // down lands on a used index (duplicate) and a counter flipped up skips ahead.
    VERIFY_OK(SessionFixture::roundTrip(alice, bob, makePlaintext("one", 3)));
    const Bytes text = makePlaintext("two", 29);
    auto genuine = alice.manager().encrypt(bob.address(), text);
    VERIFY_OK(genuine);
    QCOMPARE(genuine->type, CipherMessage::Type::Whisper);

    const auto before = storedSession(bob, alice.address());
    QVERIFY(before);
    std::map<int, int> codes;
    QStringList problems;
    const std::size_t bits = genuine->body.size() * 8;
    for (std::size_t bit = 0; bit < bits; ++bit) {
        CipherMessage tampered{CipherMessage::Type::Whisper, flipBit(genuine->body, bit)};
        auto r = bob.manager().decrypt(alice.address(), tampered);
        if (r) {
            problems << QStringLiteral("bit %1 decrypted").arg(bit);
            continue;
        }
        ++codes[r.error().detail];
        if (!kTamperCodes.count(r.error().detail))
            problems << QStringLiteral("bit %1: unexpected %2").arg(bit).arg(describe(r.error()));
        if (storedSession(bob, alice.address()) != before)
            problems << QStringLiteral("bit %1 changed the session record").arg(bit);
    }
    QStringList histogram;
    for (auto [code, count] : codes)
        histogram << QStringLiteral("%1x%2").arg(code).arg(count);
    qInfo("%zu bit flips of a %zu-byte SignalMessage; failures by code: %s", bits,
          genuine->body.size(), qPrintable(histogram.join(' ')));
    QVERIFY2(problems.isEmpty(), qPrintable(problems.mid(0, 60).join("; ")));

    auto plain = bob.manager().decrypt(alice.address(), *genuine);
    VERIFY_OK(plain);
    QVERIFY(sameBytes(*plain, text));
    VERIFY_OK(SessionFixture::roundTrip(bob, alice, makePlaintext("still in sync")));
}

// The regression behind SessionManager's identity rollback: libsignal trusts and saves the
// identity key of a first-contact PreKeySignalMessage before checking its MAC.
void TestSessions::forgedFirstContactMessageDoesNotPinItsIdentity() {
    auto f = SessionFixture::create(StoreKind::SqlCipher);
    VERIFY_OK(f);
    TestDevice& alice = (*f)->alice();
    TestDevice& bob = (*f)->bob();
    auto mallory = TestDevice::create("mallory", 1, StoreKind::InMemory, (*f)->folder().path());
    VERIFY_OK(mallory);
    VERIFY_OK(SessionFixture::startSession(alice, bob));
    const Bytes text = makePlaintext("hello bob", 4);
    auto genuine = alice.manager().encrypt(bob.address(), text);
    VERIFY_OK(genuine);
    auto fields = parsePreKeyMessage(genuine->body, alice.context().get());
    QVERIFY(fields);

    // Alice's message with mallory's identity key in it, sent first.
    PreKeyFields forged = *fields;
    forged.identityKey = (*mallory)->identityKey();
    auto r =
        bob.manager().decrypt(alice.address(), {CipherMessage::Type::PreKey,
                                                buildPreKeyMessage(forged, alice.context().get())});
    QVERIFY(!r);
    QVERIFY2(!storedIdentity(bob, alice.address()),
             "a message that failed to decrypt pinned its identity key");
    QVERIFY(!storedSession(bob, alice.address()));

    auto p = bob.manager().decrypt(alice.address(), *genuine);
    QVERIFY2(p.has_value(), qPrintable(errorText(p)));
    QVERIFY(sameBytes(*p, text));
    QCOMPARE(storedIdentity(bob, alice.address()), std::optional<Bytes>(alice.identityKey()));

    // Once alice is known, the same forgery fails and leaves her key in place.
    r = bob.manager().decrypt(alice.address(), {CipherMessage::Type::PreKey,
                                                buildPreKeyMessage(forged, alice.context().get())});
    QVERIFY(!r);
    QCOMPARE(r.error().code, ErrorCode::UntrustedIdentity);
    QCOMPARE(storedIdentity(bob, alice.address()), std::optional<Bytes>(alice.identityKey()));
    VERIFY_OK(SessionFixture::roundTrip(bob, alice, makePlaintext("hi alice")));
}

// ---- PR-03 -------------------------------------------------------------------------------------

void TestSessions::replayedSignalMessageIsRejectedAsDuplicate() {
    auto f = SessionFixture::create(StoreKind::SqlCipher);
    VERIFY_OK(f);
    TestDevice& alice = (*f)->alice();
    TestDevice& bob = (*f)->bob();
    VERIFY_OK(SessionFixture::startSession(alice, bob));
    VERIFY_OK(SessionFixture::roundTrip(alice, bob, makePlaintext("a")));
    VERIFY_OK(SessionFixture::roundTrip(bob, alice, makePlaintext("b")));

    const Bytes text = makePlaintext("pay 100", 10);
    auto m = alice.manager().encrypt(bob.address(), text);
    VERIFY_OK(m);
    QCOMPARE(m->type, CipherMessage::Type::Whisper);
    auto first = bob.manager().decrypt(alice.address(), *m);
    VERIFY_OK(first);
    QVERIFY(sameBytes(*first, text));

    const auto record = storedSession(bob, alice.address());
    auto again = bob.manager().decrypt(alice.address(), *m);
    QVERIFY(!again);
    QCOMPARE(again.error().code, ErrorCode::Duplicate);
    QCOMPARE(again.error().detail, SG_ERR_DUPLICATE_MESSAGE);
    QCOMPARE(storedSession(bob, alice.address()), record);

    // Still a duplicate after later traffic, a ratchet step, and a restart.
    VERIFY_OK(SessionFixture::roundTrip(bob, alice, makePlaintext("c")));
    VERIFY_OK(SessionFixture::roundTrip(alice, bob, makePlaintext("d")));
    VERIFY_OK(bob.reopen());
    again = bob.manager().decrypt(alice.address(), *m);
    QVERIFY(!again);
    QCOMPARE(again.error().code, ErrorCode::Duplicate);
    QCOMPARE(again.error().detail, SG_ERR_DUPLICATE_MESSAGE);
    VERIFY_OK(SessionFixture::roundTrip(alice, bob, makePlaintext("e")));
}

void TestSessions::replayedPreKeyMessageDecryptsOnceAndConsumesPreKeyOnce() {
    auto f = SessionFixture::create(StoreKind::SqlCipher);
    VERIFY_OK(f);
    TestDevice& alice = (*f)->alice();
    TestDevice& bob = (*f)->bob();
    auto bundle = SessionFixture::bundleFor(bob);
    VERIFY_OK(bundle);
    const std::uint32_t preKeyId = *bundle->preKeyId;
    VERIFY_OK(alice.manager().processBundle(bob.address(), *bundle));
    const Bytes text = makePlaintext("first", 8);
    auto m = alice.manager().encrypt(bob.address(), text);
    VERIFY_OK(m);
    QCOMPARE(m->type, CipherMessage::Type::PreKey);

    auto has = bob.store().containsPreKey(preKeyId);
    VERIFY_OK(has);
    QVERIFY(*has);
    auto first = bob.manager().decrypt(alice.address(), *m);
    VERIFY_OK(first);
    QVERIFY(sameBytes(*first, text));
    has = bob.store().containsPreKey(preKeyId);
    VERIFY_OK(has);
    QVERIFY2(!*has, "the one-time pre-key is still in the store after its first use");
    auto loaded = bob.store().loadPreKey(preKeyId);
    VERIFY_OK(loaded);
    QVERIFY(!loaded->has_value());

    const auto record = storedSession(bob, alice.address());
    auto again = bob.manager().decrypt(alice.address(), *m);
    QVERIFY2(!again, "a replayed PreKeySignalMessage decrypted a second time");
    QCOMPARE(again.error().code, ErrorCode::Duplicate);
    QCOMPARE(storedSession(bob, alice.address()), record);

    // After bob's reply (alice's session acknowledged), a restart, and more traffic, the replay
    // still neither decrypts nor brings the pre-key back.
    VERIFY_OK(SessionFixture::roundTrip(bob, alice, makePlaintext("reply")));
    VERIFY_OK(SessionFixture::roundTrip(alice, bob, makePlaintext("next")));
    VERIFY_OK(bob.reopen());
    again = bob.manager().decrypt(alice.address(), *m);
    QVERIFY2(!again, "a replayed PreKeySignalMessage decrypted after restart");
    QCOMPARE(again.error().code, ErrorCode::Duplicate);
    has = bob.store().containsPreKey(preKeyId);
    VERIFY_OK(has);
    QVERIFY(!*has);
    VERIFY_OK(SessionFixture::roundTrip(alice, bob, makePlaintext("after replay")));
    VERIFY_OK(SessionFixture::roundTrip(bob, alice, makePlaintext("after replay too")));
}

void TestSessions::reencodedPreKeyMessageWithoutOneTimePreKeyDecryptsOnce_data() {
    QTest::addColumn<int>("variant");
    QTest::addColumn<ErrorCode>("expectedCode");
    QTest::addColumn<int>("expectedDetail");
    // Copies that reach libsignal are recognised as the same session and fail as duplicates;
    // copies whose base key is not canonical or of low order are refused by SessionManager
    // before libsignal sees them (detail 0).
    QTest::newRow("byte-identical replay") << 0 << ErrorCode::Duplicate << SG_ERR_DUPLICATE_MESSAGE;
    QTest::newRow("base key with bit 255 set (same X25519 point)")
        << 1 << ErrorCode::Malformed << 0;
    QTest::newRow("registration id changed")
        << 2 << ErrorCode::Duplicate << SG_ERR_DUPLICATE_MESSAGE;
    QTest::newRow("supported-version nibble changed")
        << 3 << ErrorCode::Duplicate << SG_ERR_DUPLICATE_MESSAGE;
    QTest::newRow("base key replaced by p+1 (non-canonical)") << 4 << ErrorCode::Malformed << 0;
    QTest::newRow("base key replaced by an order-8 point") << 5 << ErrorCode::Malformed << 0;
}

// Without a one-time pre-key, nothing is consumed by the first delivery, so a replay is only
// caught by libsignal's "session already set up for this base key" check, which compares the
// base key's bytes. A copy whose base key encodes the same point differently must not slip past.
void TestSessions::reencodedPreKeyMessageWithoutOneTimePreKeyDecryptsOnce() {
    QFETCH(int, variant);
    QFETCH(ErrorCode, expectedCode);
    QFETCH(int, expectedDetail);
    auto f = SessionFixture::create(StoreKind::InMemory);
    VERIFY_OK(f);
    TestDevice& alice = (*f)->alice();
    TestDevice& bob = (*f)->bob();
    VERIFY_OK(SessionFixture::startSession(alice, bob, false));
    const Bytes text = makePlaintext("transfer once", 11);
    auto m = alice.manager().encrypt(bob.address(), text);
    VERIFY_OK(m);
    QCOMPARE(m->type, CipherMessage::Type::PreKey);
    auto fields = parsePreKeyMessage(m->body, alice.context().get());
    QVERIFY(fields);
    QVERIFY(!fields->preKeyId);

    auto first = bob.manager().decrypt(alice.address(), *m);
    VERIFY_OK(first);
    QVERIFY(sameBytes(*first, text));
    const auto record = storedSession(bob, alice.address());

    PreKeyFields altered = *fields;
    switch (variant) {
    case 1:
        altered.baseKey[32] |= 0x80;
        break;
    case 2:
        altered.registrationId ^= 0x5a;
        break;
    case 3:
        altered.versionByte ^= 0x01;
        break;
    case 4:
        altered.baseKey = withTypeByte(littleEndian(
            "57896044618658097711785492504343953926634992332820282019728792003956564819950"));
        break;
    case 5:
        altered.baseKey = withTypeByte(littleEndian(
            "325606250916557431795983626356110631294008115727848805560023387167927233504"));
        break;
    default:
        break;
    }
    CipherMessage copy{CipherMessage::Type::PreKey,
                       variant == 0 ? m->body : buildPreKeyMessage(altered, alice.context().get())};
    auto again = bob.manager().decrypt(alice.address(), copy);
    QVERIFY2(!again, "the same PreKeySignalMessage content decrypted twice");
    QVERIFY2(again.error().code == expectedCode && again.error().detail == expectedDetail,
             qPrintable(describe(again.error())));
    QCOMPARE(storedSession(bob, alice.address()), record);

    VERIFY_OK(SessionFixture::roundTrip(bob, alice, makePlaintext("reply")));
    VERIFY_OK(SessionFixture::roundTrip(alice, bob, makePlaintext("next")));
}

// ---- PR-04 -------------------------------------------------------------------------------------

void TestSessions::outOfOrderMessagesAcrossThreeRatchetStepsDecryptExactlyOnce_data() {
    QTest::addColumn<unsigned>("seed");
    for (unsigned seed : {1u, 7u, 42u, 1234u, 99991u})
        QTest::newRow(qPrintable(QStringLiteral("seed %1").arg(seed))) << seed;
}

void TestSessions::outOfOrderMessagesAcrossThreeRatchetStepsDecryptExactlyOnce() {
    QFETCH(unsigned, seed);
    constexpr int kMessages = 50;
    const int chainEnd[3] = {17, 34, 50}; // alice's three sending chains: [0,17) [17,34) [34,50)
    std::mt19937 rng(seed);
    auto f = SessionFixture::create(StoreKind::InMemory);
    VERIFY_OK(f);
    TestDevice& alice = (*f)->alice();
    TestDevice& bob = (*f)->bob();
    VERIFY_OK(SessionFixture::startSession(alice, bob));

    std::vector<Bytes> texts;
    std::vector<CipherMessage> messages;
    std::vector<bool> delivered(kMessages, false);
    std::set<Bytes> chainKeys;
    int chainStart = 0;
    for (int chain = 0; chain < 3; ++chain) {
        for (int i = chainStart; i < chainEnd[chain]; ++i) {
            texts.push_back(makePlaintext("ooo " + std::to_string(i), std::size_t(i * 7)));
            auto m = alice.manager().encrypt(bob.address(), texts.back());
            VERIFY_OK(m);
            messages.push_back(*m);
            chainKeys.insert(senderRatchetKey(*m, alice.context().get()));
        }
        if (chain < 2) {
            // A DH step needs bob to hear this chain and answer: deliver one random message of
            // the chain now (it is part of the 50), then bob's reply moves alice to a new chain.
            std::uniform_int_distribution<int> pick(chainStart, chainEnd[chain] - 1);
            const int early = pick(rng);
            auto p = bob.manager().decrypt(alice.address(), messages[early]);
            QVERIFY2(p.has_value(),
                     qPrintable(QStringLiteral("early %1: %2").arg(early).arg(errorText(p))));
            QVERIFY(sameBytes(*p, texts[early]));
            delivered[early] = true;
            VERIFY_OK(SessionFixture::roundTrip(bob, alice,
                                                makePlaintext("ack " + std::to_string(chain))));
        }
        chainStart = chainEnd[chain];
    }
    QCOMPARE(int(chainKeys.size()), 3);

    std::vector<int> order;
    for (int i = 0; i < kMessages; ++i)
        if (!delivered[i]) order.push_back(i);
    std::shuffle(order.begin(), order.end(), rng);
    for (int i : order) {
        auto p = bob.manager().decrypt(alice.address(), messages[i]);
        QVERIFY2(p.has_value(),
                 qPrintable(QStringLiteral("message %1: %2").arg(i).arg(errorText(p))));
        QVERIFY2(sameBytes(*p, texts[i]), qPrintable(QStringLiteral("message %1 differs").arg(i)));
        delivered[i] = true;
    }
    // Exactly once: every second delivery, in another random order, is a duplicate.
    std::vector<int> all(kMessages);
    std::iota(all.begin(), all.end(), 0);
    std::shuffle(all.begin(), all.end(), rng);
    for (int i : all) {
        auto p = bob.manager().decrypt(alice.address(), messages[i]);
        QVERIFY2(!p, qPrintable(QStringLiteral("message %1 decrypted twice").arg(i)));
        QVERIFY2(p.error().code == ErrorCode::Duplicate,
                 qPrintable(QStringLiteral("message %1: %2").arg(i).arg(describe(p.error()))));
    }
    VERIFY_OK(SessionFixture::roundTrip(alice, bob, makePlaintext("in order again")));
    VERIFY_OK(SessionFixture::roundTrip(bob, alice, makePlaintext("and back")));
}

// ---- PR-05 -------------------------------------------------------------------------------------
// libsignal-protocol-c 2.3.3, session_cipher.c: a message whose counter is more than 2000 ahead
// of the receiving chain index is refused ("Over 2000 messages into the future!",
// SG_ERR_INVALID_MESSAGE), so a gap of exactly 2000 skipped messages is the largest accepted.
// session_state.c keeps at most MAX_MESSAGE_KEYS = 2000 skipped keys per receiver chain (the
// oldest are evicted) and at most 5 receiver chains per state.

namespace {
constexpr int kMaxSkip = 2000;

/// Moves alice onto a fresh sending chain whose first message bob has not seen.
Result<void> freshChain(TestDevice& alice, TestDevice& bob) {
    if (auto r = SessionFixture::startSession(alice, bob); !r) return r;
    if (auto r = SessionFixture::roundTrip(alice, bob, makePlaintext("open")); !r) return r;
    return SessionFixture::roundTrip(bob, alice, makePlaintext("ack"));
}
} // namespace

void TestSessions::gapOfTwoThousandIsAcceptedAndSkippedKeysStayBounded() {
    auto f = SessionFixture::create(StoreKind::InMemory);
    VERIFY_OK(f);
    TestDevice& alice = (*f)->alice();
    TestDevice& bob = (*f)->bob();
    VERIFY_OK(freshChain(alice, bob));
    const std::size_t baseSize = storedSession(bob, alice.address())->size();

    // Counters 0..2000 on one chain; bob sees counter 2000 first: 2000 skipped.
    std::vector<CipherMessage> messages;
    for (int i = 0; i <= kMaxSkip + 11; ++i) {
        auto m = alice.manager().encrypt(bob.address(), makePlaintext("gap " + std::to_string(i)));
        VERIFY_OK(m);
        messages.push_back(*m);
    }
    auto far = bob.manager().decrypt(alice.address(), messages[kMaxSkip]);
    QVERIFY2(far.has_value(), qPrintable(errorText(far)));
    QVERIFY(sameBytes(*far, makePlaintext("gap " + std::to_string(kMaxSkip))));
    const std::size_t fullSize = storedSession(bob, alice.address())->size();

    // Ten more skipped (2001..2010) on the same chain push the ten oldest keys out: the chain
    // never holds more than 2000 skipped keys.
    auto further = bob.manager().decrypt(alice.address(), messages[kMaxSkip + 11]);
    VERIFY_OK(further);
    const std::size_t evictedSize = storedSession(bob, alice.address())->size();
    for (int i = 0; i < 10; ++i) {
        auto p = bob.manager().decrypt(alice.address(), messages[i]);
        QVERIFY2(!p, qPrintable(QStringLiteral("evicted key %1 still decrypts").arg(i)));
        QCOMPARE(p.error().code, ErrorCode::Duplicate);
    }
    // Every skipped message still held decrypts, exactly once (sampled densely at both ends and
    // sparsely in the middle to keep the run short: each decrypt copies the whole state).
    std::vector<int> held;
    for (int i = 10; i <= kMaxSkip + 10; ++i)
        if (i != kMaxSkip && (i < 60 || i > kMaxSkip - 40 || i % 16 == 0)) held.push_back(i);
    std::shuffle(held.begin(), held.end(), std::mt19937(5));
    for (int i : held) {
        auto p = bob.manager().decrypt(alice.address(), messages[i]);
        QVERIFY2(p.has_value(),
                 qPrintable(QStringLiteral("skipped %1: %2").arg(i).arg(errorText(p))));
        QVERIFY(sameBytes(*p, makePlaintext("gap " + std::to_string(i))));
        auto again = bob.manager().decrypt(alice.address(), messages[i]);
        QVERIFY(!again);
    }

    qInfo("session record: %zu bytes fresh, %zu with 2000 skipped keys, %zu after 10 evictions",
          baseSize, fullSize, evictedSize);
    // Measured: 182,289 bytes with 2000 skipped keys (~91 bytes a key, 338 bytes without);
    // the bound leaves ~35% margin and holds however many messages are skipped, since the chain
    // keeps at most 2000 keys (5 receiver chains at most per state).
    constexpr std::size_t kBound = 240 * 1024;
    QVERIFY2(fullSize <= kBound, qPrintable(QString::number(fullSize)));
    QVERIFY2(evictedSize <= fullSize + 200, qPrintable(QString::number(evictedSize)));
    QVERIFY(fullSize > baseSize + kMaxSkip * 64); // the keys really are in the record
    VERIFY_OK(SessionFixture::roundTrip(bob, alice, makePlaintext("done")));
}

void TestSessions::gapOfTwoThousandAndOneIsRefusedWithoutChangingSession() {
    auto f = SessionFixture::create(StoreKind::InMemory);
    VERIFY_OK(f);
    TestDevice& alice = (*f)->alice();
    TestDevice& bob = (*f)->bob();
    VERIFY_OK(freshChain(alice, bob));

    std::vector<CipherMessage> messages;
    for (int i = 0; i <= kMaxSkip + 1; ++i) {
        auto m = alice.manager().encrypt(bob.address(), makePlaintext("gap " + std::to_string(i)));
        VERIFY_OK(m);
        messages.push_back(*m);
    }
    const auto before = storedSession(bob, alice.address());
    auto tooFar = bob.manager().decrypt(alice.address(), messages[kMaxSkip + 1]);
    QVERIFY2(!tooFar, "a gap of 2001 skipped messages was accepted");
    QCOMPARE(tooFar.error().detail, SG_ERR_INVALID_MESSAGE);
    QCOMPARE(storedSession(bob, alice.address()), before);

    // The same chain still works: 2000 ahead is fine, after which 2001 is only one ahead.
    auto ok = bob.manager().decrypt(alice.address(), messages[kMaxSkip]);
    VERIFY_OK(ok);
    auto next = bob.manager().decrypt(alice.address(), messages[kMaxSkip + 1]);
    VERIFY_OK(next);
    QVERIFY(sameBytes(*next, makePlaintext("gap " + std::to_string(kMaxSkip + 1))));
    auto first = bob.manager().decrypt(alice.address(), messages[0]);
    VERIFY_OK(first);
}

// ---- PR-06 -------------------------------------------------------------------------------------

void TestSessions::droppedMessagesDoNotDesynchroniseSession() {
    constexpr int kTotal = 500;
    constexpr int kDropped = kTotal / 10;
    auto f = SessionFixture::create(StoreKind::SqlCipher);
    VERIFY_OK(f);
    TestDevice& alice = (*f)->alice();
    TestDevice& bob = (*f)->bob();
    VERIFY_OK(SessionFixture::startSession(alice, bob));

    std::mt19937 rng(610);
    // Message 0 opens the session (bob cannot answer before he has one); 50 of the other 499 are
    // lost, chosen by the seeded RNG.
    std::vector<int> candidates(kTotal - 1);
    std::iota(candidates.begin(), candidates.end(), 1);
    std::shuffle(candidates.begin(), candidates.end(), rng);
    const std::set<int> lost(candidates.begin(), candidates.begin() + kDropped);

    std::uniform_int_distribution<int> burstSize(1, 12);
    int sent = 0, delivered = 0, directionChanges = 0;
    int side = 0;
    while (sent < kTotal) {
        TestDevice& from = side == 0 ? alice : bob;
        TestDevice& to = side == 0 ? bob : alice;
        const int n = std::min(burstSize(rng), kTotal - sent);
        for (int i = 0; i < n; ++i, ++sent) {
            const Bytes text = conversationText(sent);
            auto m = from.manager().encrypt(to.address(), text);
            VERIFY_OK(m);
            if (lost.count(sent)) continue;
            auto p = to.manager().decrypt(from.address(), *m);
            QVERIFY2(p.has_value(),
                     qPrintable(QStringLiteral("message %1: %2").arg(sent).arg(errorText(p))));
            QVERIFY2(sameBytes(*p, text),
                     qPrintable(QStringLiteral("message %1 differs").arg(sent)));
            ++delivered;
        }
        side ^= 1;
        ++directionChanges;
    }
    QCOMPARE(delivered, kTotal - kDropped);
    QVERIFY(directionChanges > 50);
    for (int i = 0; i < 3; ++i) {
        VERIFY_OK(SessionFixture::roundTrip(alice, bob, makePlaintext("sync a")));
        VERIFY_OK(SessionFixture::roundTrip(bob, alice, makePlaintext("sync b")));
    }
}

// ---- PR-08 -------------------------------------------------------------------------------------

void TestSessions::reRegisteredPeerBundleIsUntrustedUntilAcknowledged() {
    auto f = SessionFixture::create(StoreKind::SqlCipher);
    VERIFY_OK(f);
    TestDevice& alice = (*f)->alice();
    TestDevice& bob = (*f)->bob();
    VERIFY_OK(SessionFixture::startSession(alice, bob));
    VERIFY_OK(SessionFixture::roundTrip(alice, bob, makePlaintext("before")));
    VERIFY_OK(SessionFixture::roundTrip(bob, alice, makePlaintext("before back")));
    const Bytes oldIdentity = bob.identityKey();

    VERIFY_OK(bob.reRegister());
    QVERIFY(bob.identityKey() != oldIdentity);
    const auto record = storedSession(alice, bob.address());
    auto newBundle = SessionFixture::bundleFor(bob);
    VERIFY_OK(newBundle);
    auto r = alice.manager().processBundle(bob.address(), *newBundle);
    QVERIFY2(!r, "a bundle with a changed identity key was accepted silently");
    QCOMPARE(r.error().code, ErrorCode::UntrustedIdentity);
    QCOMPARE(r.error().detail, SG_ERR_UNTRUSTED_IDENTITY);
    QCOMPARE(storedSession(alice, bob.address()), record);
    QCOMPARE(storedIdentity(alice, bob.address()), std::optional<Bytes>(oldIdentity));

    // The user acknowledges the new safety number.
    VERIFY_OK(alice.store().saveIdentity(bob.address(), bob.identityKey()));
    VERIFY_OK(alice.manager().processBundle(bob.address(), *newBundle));
    VERIFY_OK(SessionFixture::roundTrip(alice, bob, makePlaintext("after")));
    VERIFY_OK(SessionFixture::roundTrip(bob, alice, makePlaintext("after back")));
}

void TestSessions::reRegisteredPeerPreKeyMessageIsUntrustedUntilAcknowledged() {
    auto f = SessionFixture::create(StoreKind::SqlCipher);
    VERIFY_OK(f);
    TestDevice& alice = (*f)->alice();
    TestDevice& bob = (*f)->bob();
    VERIFY_OK(SessionFixture::startSession(alice, bob));
    VERIFY_OK(SessionFixture::roundTrip(alice, bob, makePlaintext("before")));
    VERIFY_OK(SessionFixture::roundTrip(bob, alice, makePlaintext("before back")));
    const Bytes oldIdentity = bob.identityKey();

    // The re-installed bob starts a session with alice from her bundle and writes first.
    VERIFY_OK(bob.reRegister());
    VERIFY_OK(SessionFixture::startSession(bob, alice));
    const Bytes text = makePlaintext("new phone", 9);
    auto m = bob.manager().encrypt(alice.address(), text);
    VERIFY_OK(m);
    QCOMPARE(m->type, CipherMessage::Type::PreKey);

    const auto record = storedSession(alice, bob.address());
    auto r = alice.manager().decrypt(bob.address(), *m);
    QVERIFY2(!r, "a message under a changed identity key decrypted silently");
    QCOMPARE(r.error().code, ErrorCode::UntrustedIdentity);
    QCOMPARE(r.error().detail, SG_ERR_UNTRUSTED_IDENTITY);
    QCOMPARE(storedSession(alice, bob.address()), record);
    QCOMPARE(storedIdentity(alice, bob.address()), std::optional<Bytes>(oldIdentity));

    VERIFY_OK(alice.store().saveIdentity(bob.address(), bob.identityKey()));
    auto p = alice.manager().decrypt(bob.address(), *m);
    VERIFY_OK(p);
    QVERIFY(sameBytes(*p, text));
    VERIFY_OK(SessionFixture::roundTrip(alice, bob, makePlaintext("welcome back")));
    VERIFY_OK(SessionFixture::roundTrip(bob, alice, makePlaintext("thanks")));
}

// ---- PR-09 -------------------------------------------------------------------------------------

namespace {
enum class Mutation {
    SignatureBitFlipped,
    SignatureByOtherIdentity,
    SignatureOverOtherKey,
    SignatureTruncated,
    SignatureEmpty,
    SignatureExtended,
    IdentityTruncated,
    IdentityWithoutTypeByte,
    IdentityEmpty,
    IdentityExtended,
    IdentityTypeByte06,
    IdentityTypeByte00,
    SignedPreKeyTruncated,
    SignedPreKeyTypeByte06,
    SignedPreKeyEmpty,
    OneTimePreKeyTruncated,
    OneTimePreKeyTypeByte06,
    OneTimePreKeyIdWithoutKey,
    EverythingEmpty,
};
} // namespace
Q_DECLARE_METATYPE(Mutation)

void TestSessions::malformedBundleIsRejectedWithoutSession_data() {
    QTest::addColumn<Mutation>("mutation");
    QTest::newRow("signed pre-key signature with one bit flipped") << Mutation::SignatureBitFlipped;
    QTest::newRow("signature by another identity") << Mutation::SignatureByOtherIdentity;
    QTest::newRow("signature over another key") << Mutation::SignatureOverOtherKey;
    QTest::newRow("signature truncated to 63 bytes") << Mutation::SignatureTruncated;
    QTest::newRow("signature empty") << Mutation::SignatureEmpty;
    QTest::newRow("signature with a 65th byte") << Mutation::SignatureExtended;
    QTest::newRow("identity key truncated to 32 bytes") << Mutation::IdentityTruncated;
    QTest::newRow("identity key without type byte") << Mutation::IdentityWithoutTypeByte;
    QTest::newRow("identity key empty") << Mutation::IdentityEmpty;
    QTest::newRow("identity key with a 34th byte") << Mutation::IdentityExtended;
    QTest::newRow("identity key type byte 0x06") << Mutation::IdentityTypeByte06;
    QTest::newRow("identity key type byte 0x00") << Mutation::IdentityTypeByte00;
    QTest::newRow("signed pre-key truncated") << Mutation::SignedPreKeyTruncated;
    QTest::newRow("signed pre-key type byte 0x06") << Mutation::SignedPreKeyTypeByte06;
    QTest::newRow("signed pre-key empty") << Mutation::SignedPreKeyEmpty;
    QTest::newRow("one-time pre-key truncated") << Mutation::OneTimePreKeyTruncated;
    QTest::newRow("one-time pre-key type byte 0x06") << Mutation::OneTimePreKeyTypeByte06;
    QTest::newRow("one-time pre-key id without key") << Mutation::OneTimePreKeyIdWithoutKey;
    QTest::newRow("empty bundle") << Mutation::EverythingEmpty;
}

void TestSessions::malformedBundleIsRejectedWithoutSession() {
    QFETCH(Mutation, mutation);
    auto f = SessionFixture::create(StoreKind::InMemory);
    VERIFY_OK(f);
    TestDevice& alice = (*f)->alice();
    TestDevice& bob = (*f)->bob();
    auto genuine = SessionFixture::bundleFor(bob);
    VERIFY_OK(genuine);

    PreKeyBundle b = *genuine;
    switch (mutation) {
    case Mutation::SignatureBitFlipped:
        b.signedPreKeySignature[17] ^= 0x08;
        break;
    case Mutation::SignatureByOtherIdentity: {
        auto sig = alice.manager().sign(b.signedPreKeyPublic);
        VERIFY_OK(sig);
        b.signedPreKeySignature = *sig;
        break;
    }
    case Mutation::SignatureOverOtherKey: {
        auto sig = bob.manager().sign(b.preKeyPublic);
        VERIFY_OK(sig);
        b.signedPreKeySignature = *sig;
        break;
    }
    case Mutation::SignatureTruncated:
        b.signedPreKeySignature.pop_back();
        break;
    case Mutation::SignatureEmpty:
        b.signedPreKeySignature.clear();
        break;
    case Mutation::SignatureExtended:
        b.signedPreKeySignature.push_back(0);
        break;
    case Mutation::IdentityTruncated:
        b.identityKey.pop_back();
        break;
    case Mutation::IdentityWithoutTypeByte:
        b.identityKey.erase(b.identityKey.begin());
        break;
    case Mutation::IdentityEmpty:
        b.identityKey.clear();
        break;
    case Mutation::IdentityExtended:
        b.identityKey.push_back(0);
        break;
    case Mutation::IdentityTypeByte06:
        b.identityKey[0] = 0x06;
        break;
    case Mutation::IdentityTypeByte00:
        b.identityKey[0] = 0x00;
        break;
    case Mutation::SignedPreKeyTruncated:
        b.signedPreKeyPublic.pop_back();
        break;
    case Mutation::SignedPreKeyTypeByte06:
        b.signedPreKeyPublic[0] = 0x06;
        break;
    case Mutation::SignedPreKeyEmpty:
        b.signedPreKeyPublic.clear();
        break;
    case Mutation::OneTimePreKeyTruncated:
        b.preKeyPublic.resize(20);
        break;
    case Mutation::OneTimePreKeyTypeByte06:
        b.preKeyPublic[0] = 0x06;
        break;
    case Mutation::OneTimePreKeyIdWithoutKey:
        b.preKeyPublic.clear();
        break;
    case Mutation::EverythingEmpty:
        b = PreKeyBundle{};
        break;
    }

    auto r = alice.manager().processBundle(bob.address(), b);
    QVERIFY2(!r, "a malformed bundle was accepted");
    QVERIFY(!alice.manager().hasSession(bob.address()));
    QVERIFY(!storedSession(alice, bob.address()));
    QVERIFY(!storedIdentity(alice, bob.address()));

    // With an existing session, the same bundle must not replace it.
    VERIFY_OK(alice.manager().processBundle(bob.address(), *genuine));
    VERIFY_OK(SessionFixture::roundTrip(alice, bob, makePlaintext("hello")));
    const auto record = storedSession(alice, bob.address());
    r = alice.manager().processBundle(bob.address(), b);
    QVERIFY(!r);
    QCOMPARE(storedSession(alice, bob.address()), record);
    VERIFY_OK(SessionFixture::roundTrip(bob, alice, makePlaintext("hello back")));
}

void TestSessions::unknownPreKeyIdAtReceiverFailsWithoutSession() {
    auto f = SessionFixture::create(StoreKind::SqlCipher);
    VERIFY_OK(f);
    TestDevice& alice = (*f)->alice();
    TestDevice& bob = (*f)->bob();
    auto bundle = SessionFixture::bundleFor(bob);
    VERIFY_OK(bundle);
    // The relay served a pre-key bob has since dropped (or never had).
    auto removed = bob.store().removePreKey(*bundle->preKeyId);
    VERIFY_OK(removed);
    QVERIFY(*removed);

    VERIFY_OK(alice.manager().processBundle(bob.address(), *bundle)); // alice cannot tell
    auto m = alice.manager().encrypt(bob.address(), makePlaintext("hello?"));
    VERIFY_OK(m);
    QCOMPARE(m->type, CipherMessage::Type::PreKey);
    auto r = bob.manager().decrypt(alice.address(), *m);
    QVERIFY2(!r, "a message for an unknown one-time pre-key decrypted");
    QCOMPARE(r.error().code, ErrorCode::NotFound);
    QCOMPARE(r.error().detail, SG_ERR_INVALID_KEY_ID);
    QVERIFY(!bob.manager().hasSession(alice.address()));
    QVERIFY(!storedSession(bob, alice.address()));

    // A fresh bundle (an existing pre-key) works.
    VERIFY_OK(SessionFixture::startSession(alice, bob));
    VERIFY_OK(SessionFixture::roundTrip(alice, bob, makePlaintext("hello again")));
    QVERIFY(bob.manager().hasSession(alice.address()));
}

// ---- PR-11 -------------------------------------------------------------------------------------

void TestSessions::lowOrderKeysInBundleAreRejectedBeforeSessionBuilder() {
    auto f = SessionFixture::create(StoreKind::InMemory);
    VERIFY_OK(f);
    TestDevice& alice = (*f)->alice();
    TestDevice& bob = (*f)->bob();
    auto genuine = SessionFixture::bundleFor(bob);
    VERIFY_OK(genuine);

    // Self-check of the encodings: donna, which does no check, agrees to an all-zero secret with
    // each of them, whatever the private key.
    SignalPtr<ec_key_pair> probe;
    QCOMPARE(curve_generate_key_pair(alice.context().get(), probe.out()), 0);
    const auto keys = lowOrderKeys();
    QCOMPARE(int(keys.size()), 14);
    for (std::size_t k = 0; k < keys.size(); ++k) {
        const QString name = keys[k].name
                                 ? QString::fromLatin1(keys[k].name)
                                 : QStringLiteral("%1 with bit 255 set").arg(keys[k - 7].name);
        const Bytes key = withTypeByte(keys[k].u);
        SignalPtr<ec_public_key> point;
        QCOMPARE(curve_decode_point(point.out(), key.data(), key.size(), alice.context().get()), 0);
        uint8_t* shared = nullptr;
        const int len =
            curve_calculate_agreement(&shared, point.get(), ec_key_pair_get_private(probe.get()));
        QCOMPARE(len, 32);
        const Bytes secret(shared, shared + 32);
        free(shared);
        QVERIFY2(secret == Bytes(32, 0), qPrintable(name + " is not of low order: " + hex(secret)));
        QVERIFY2(!isAcceptablePublicKey(key), qPrintable(name));

        for (int position = 0; position < 3; ++position) {
            PreKeyBundle b = *genuine;
            const char* where = "identity key";
            if (position == 0) {
                b.identityKey = key;
            } else if (position == 1) {
                where = "signed pre-key";
                b.signedPreKeyPublic = key;
                // A valid signature by bob's real identity: only the low-order check stands
                // between this bundle and session_builder.
                auto sig = bob.manager().sign(key);
                VERIFY_OK(sig);
                b.signedPreKeySignature = *sig;
                QVERIFY(SessionManager::verify(b.identityKey, key, b.signedPreKeySignature));
            } else {
                where = "one-time pre-key";
                b.preKeyPublic = key;
            }
            const QString what = QStringLiteral("%1 as %2").arg(name, QLatin1String(where));
            auto r = alice.manager().processBundle(bob.address(), b);
            QVERIFY2(!r, qPrintable(what + " was accepted"));
            // Our own check refused it (libsignal reports a nonzero SG_ERR_* detail).
            QVERIFY2(r.error().code == ErrorCode::AuthFailed && r.error().detail == 0,
                     qPrintable(what + ": " + describe(r.error())));
            QVERIFY2(!alice.manager().hasSession(bob.address()), qPrintable(what));
            QVERIFY2(!storedSession(alice, bob.address()), qPrintable(what));
        }
    }

    // Control: the same substitutions with a good key are accepted, so the rejections above are
    // about the keys' order and nothing else in how the bundles were built.
    SignalPtr<ec_key_pair> good;
    QCOMPARE(curve_generate_key_pair(alice.context().get(), good.out()), 0);
    SignalBuffer goodKey;
    QCOMPARE(ec_public_key_serialize(goodKey.out(), ec_key_pair_get_public(good.get())), 0);
    PreKeyBundle control = *genuine;
    control.signedPreKeyPublic = toBytes(goodKey.view());
    auto sig = bob.manager().sign(control.signedPreKeyPublic);
    VERIFY_OK(sig);
    control.signedPreKeySignature = *sig;
    control.preKeyPublic = toBytes(goodKey.view());
    QVERIFY(isAcceptablePublicKey(control.preKeyPublic));
    VERIFY_OK(alice.manager().processBundle(bob.address(), control));
    QVERIFY(alice.manager().hasSession(bob.address()));
}

// ---- PR-13 -------------------------------------------------------------------------------------

// What libsignal-protocol-c 2.3.3 answers, measured: signal_message_deserialize refuses
// versions 0 and 1 as legacy and versions above 3 as SG_ERR_INVALID_MESSAGE ("Unknown version");
// it parses version 2, which session_cipher then refuses (INVALID_MESSAGE) because the message
// version differs from the v3 session's, before any key is derived, so the v2 AES-CTR path is
// never reached. pre_key_signal_message_deserialize refuses everything below 3 as legacy and
// above 3 as SG_ERR_INVALID_VERSION.
void TestSessions::legacyAndFutureMessageVersionsAreRefused_data() {
    QTest::addColumn<bool>("preKeyMessage");
    QTest::addColumn<int>("versionByte");
    QTest::addColumn<int>("expectedDetail");
    const struct {
        int version;
        int signalDetail;
        int preKeyDetail;
    } rows[] = {
        {0x00, SG_ERR_LEGACY_MESSAGE, SG_ERR_LEGACY_MESSAGE},
        {0x11, SG_ERR_LEGACY_MESSAGE, SG_ERR_LEGACY_MESSAGE},
        {0x22, SG_ERR_INVALID_MESSAGE, SG_ERR_LEGACY_MESSAGE},
        {0x23, SG_ERR_INVALID_MESSAGE, SG_ERR_LEGACY_MESSAGE},
        {0x43, SG_ERR_INVALID_MESSAGE, SG_ERR_INVALID_VERSION},
        {0x44, SG_ERR_INVALID_MESSAGE, SG_ERR_INVALID_VERSION},
        {0xF3, SG_ERR_INVALID_MESSAGE, SG_ERR_INVALID_VERSION},
    };
    for (bool preKey : {false, true}) {
        const char* kind = preKey ? "PreKeySignalMessage" : "SignalMessage";
        for (const auto& row : rows)
            QTest::newRow(
                qPrintable(QStringLiteral("%1 0x%2").arg(kind).arg(row.version, 2, 16, QChar('0'))))
                << preKey << row.version << (preKey ? row.preKeyDetail : row.signalDetail);
    }
}

void TestSessions::legacyAndFutureMessageVersionsAreRefused() {
    QFETCH(bool, preKeyMessage);
    QFETCH(int, versionByte);
    QFETCH(int, expectedDetail);
    auto f = SessionFixture::create(StoreKind::InMemory);
    VERIFY_OK(f);
    TestDevice& alice = (*f)->alice();
    TestDevice& bob = (*f)->bob();
    VERIFY_OK(SessionFixture::startSession(alice, bob));
    if (!preKeyMessage) {
        VERIFY_OK(SessionFixture::roundTrip(alice, bob, makePlaintext("a")));
        VERIFY_OK(SessionFixture::roundTrip(bob, alice, makePlaintext("b")));
    }
    const Bytes text = makePlaintext("versioned", 12);
    auto genuine = alice.manager().encrypt(bob.address(), text);
    VERIFY_OK(genuine);
    QCOMPARE(genuine->type,
             preKeyMessage ? CipherMessage::Type::PreKey : CipherMessage::Type::Whisper);
    QCOMPARE(int(genuine->body[0]), 0x33);

    const auto record = storedSession(bob, alice.address());
    CipherMessage changed = *genuine;
    changed.body[0] = static_cast<std::uint8_t>(versionByte);
    auto r = bob.manager().decrypt(alice.address(), changed);
    QVERIFY2(!r, "a message with another version byte decrypted");
    QVERIFY2(r.error().code == ErrorCode::Unsupported || r.error().code == ErrorCode::Malformed,
             qPrintable(describe(r.error())));
    QCOMPARE(r.error().detail, expectedDetail);
    QCOMPARE(storedSession(bob, alice.address()), record);

    auto p = bob.manager().decrypt(alice.address(), *genuine);
    VERIFY_OK(p);
    QVERIFY(sameBytes(*p, text));
}

QTEST_GUILESS_MAIN(TestSessions)
#include "tst_sessions.moc"
